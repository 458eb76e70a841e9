"""Bounded concurrency for many calls: a fixed pool of workers, never one task per item.

    async for outcome in iter_bounded(rows, create_one, concurrency=8):
        if outcome.error is not None:
            print(outcome.index, outcome.error)

- **Memory stays flat** for millions of items: ``concurrency`` workers pull from the input (a
  sync or async iterable, read lazily) and the outcomes stream back through a queue whose size
  is bounded too, so a slow consumer slows the workers instead of piling results up.
- **Outcomes stream back as they finish**, each with the item's position in the input.
- **Failures are collected, not raised**: an exception from ``fn`` becomes the outcome's
  ``error`` and the run goes on. Only an exception from the *input* (the iterable itself
  failing) ends the run, after the workers are stopped, because nothing more can be read.
- **Cancelling the caller cancels every worker**: closing the generator, breaking out of the
  ``async for`` or cancelling the task that iterates stops the pool before control returns.

The limit composes with the client-wide limiter and throttling: a worker blocked there holds
no more than its own place in the pool.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Iterator
from typing import Any, Generic, TypeVar

import attrs

from invoceanio.errors import ConfigurationError

__all__ = ["Outcome", "iter_bounded", "map_bounded"]

T = TypeVar("T")
R = TypeVar("R")


@attrs.frozen
class Outcome(Generic[T, R]):
    """What became of one input item: its position, the item, and a value or an error."""

    index: int
    item: T
    value: R | None = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


_DONE: Any = object()


class _Source(Generic[T]):
    """The input as numbered items, safe to pull from several workers at once."""

    def __init__(self, items: Iterable[T] | AsyncIterable[T]) -> None:
        self._sync: Iterator[T] | None = None
        self._async: AsyncIterator[T] | None = None
        if isinstance(items, AsyncIterable):
            self._async = aiter(items)
        elif isinstance(items, Iterable):
            self._sync = iter(items)
        else:
            raise ConfigurationError(
                f"items must be an iterable or an async iterable, got {type(items).__name__}"
            )
        self._lock = asyncio.Lock()
        self._index = 0
        self.exhausted = False

    async def next(self) -> tuple[int, T] | None:
        # One reader at a time: an async generator cannot be advanced from two tasks at once.
        async with self._lock:
            if self.exhausted:
                return None
            try:
                if self._async is not None:
                    item = await anext(self._async)
                else:
                    assert self._sync is not None
                    item = next(self._sync)
            except (StopIteration, StopAsyncIteration):
                self.exhausted = True
                return None
            except BaseException:
                self.exhausted = True
                raise
            index, self._index = self._index, self._index + 1
            return index, item

    async def aclose(self) -> None:
        closer = getattr(self._async, "aclose", None)
        if closer is not None:
            with contextlib.suppress(Exception):
                await closer()


def _check_concurrency(concurrency: int) -> None:
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ConfigurationError(f"concurrency must be an int of at least 1, got {concurrency!r}")


async def iter_bounded(
    items: Iterable[T] | AsyncIterable[T],
    fn: Callable[[T], Awaitable[R]],
    *,
    concurrency: int,
) -> AsyncIterator[Outcome[T, R]]:
    """Run ``fn`` on every item with at most ``concurrency`` at a time; yield each
    :class:`Outcome` as it completes (so not in input order: ``outcome.index`` says where
    it was)."""
    _check_concurrency(concurrency)
    source: _Source[T] = _Source(items)
    results: asyncio.Queue[Outcome[T, R] | Any] = asyncio.Queue(maxsize=2 * concurrency)

    fatal: list[BaseException] = []

    async def worker() -> None:
        try:
            while (entry := await source.next()) is not None:
                index, item = entry
                try:
                    value = await fn(item)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    await results.put(Outcome(index, item, error=exc))
                else:
                    await results.put(Outcome(index, item, value=value))
        except asyncio.CancelledError:
            raise  # the consumer is stopping the pool: it waits for no sentinel
        except BaseException as exc:
            fatal.append(exc)  # the input failed: the others find it exhausted and stop too
        await results.put(_DONE)

    tasks = [asyncio.create_task(worker()) for _ in range(concurrency)]
    running = len(tasks)
    try:
        while running:
            outcome = await results.get()
            if outcome is _DONE:
                running -= 1
                continue
            yield outcome
        if fatal:
            raise fatal[0]
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await source.aclose()


async def map_bounded(
    items: Iterable[T] | AsyncIterable[T],
    fn: Callable[[T], Awaitable[R]],
    *,
    concurrency: int,
) -> list[Outcome[T, R]]:
    """Every outcome of :func:`iter_bounded`, in input order (this one keeps them all in
    memory: for very long inputs, iterate instead)."""
    outcomes = [outcome async for outcome in iter_bounded(items, fn, concurrency=concurrency)]
    outcomes.sort(key=lambda outcome: outcome.index)
    return outcomes
