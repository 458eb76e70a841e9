"""Bounded concurrency for many calls: a fixed pool of workers, never one task per item.

    async for outcome in iter_bounded(rows, create_one, concurrency=8):
        if outcome.error is not None:
            print(outcome.index, outcome.error)

- **Memory stays flat** for millions of items: ``concurrency`` workers pull from the input (a
  sync or async iterable, read lazily), and a worker takes a new item only when the consumer
  has asked for the outcomes of the earlier ones (one item of look-ahead): a slow consumer
  slows the workers instead of piling results up, and one that stops asking (a ``break``)
  stops new items from being started.
- **Outcomes stream back as they finish**, each with the item's position in the input.
- **Failures are collected, not raised**: an exception from ``fn`` becomes the outcome's
  ``error`` and the run goes on; so does a ``CancelledError`` that ``fn`` raises without its
  worker being cancelled (it awaited something that was), and the cancellation of one worker
  task from outside (its item fails with it, and another worker takes its place). Only an
  exception from the *input* (the iterable itself failing) ends the run, after the workers are
  stopped, because nothing more can be read.
- **Stopping the run stops every worker**: closing the generator (``await gen.aclose()``, or
  ``async with contextlib.aclosing(iter_bounded(...))``), running it to the end, or cancelling
  the task that iterates cancels the items still running and returns once every worker has
  stopped. A plain ``break`` does not close the generator by itself: the pool then starts no
  new item, and its workers are stopped when the generator is closed or garbage-collected.

The limit composes with the client-wide limiter and throttling: a worker blocked there holds
no more than its own place in the pool.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
)
from typing import Any, Generic, TypeVar

import attrs

from invoceanio.errors import ConfigurationError

__all__ = ["Outcome", "check_concurrency", "iter_bounded", "map_bounded"]

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
_LOST: Any = object()  # a worker was cancelled from outside: start another


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
        #: What reading the input raised, if it did (a CancelledError included).
        self.error: BaseException | None = None

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
            except BaseException as exc:
                self.exhausted = True
                self.error = exc
                raise
            index, self._index = self._index, self._index + 1
            return index, item

    async def aclose(self) -> None:
        closer = getattr(self._async, "aclose", None)
        if closer is not None:
            with contextlib.suppress(Exception):
                await closer()


def check_concurrency(concurrency: int) -> None:
    """:class:`ConfigurationError` unless ``concurrency`` is an int of at least 1."""
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ConfigurationError(f"concurrency must be an int of at least 1, got {concurrency!r}")


async def iter_bounded(
    items: Iterable[T] | AsyncIterable[T],
    fn: Callable[[T], Awaitable[R]],
    *,
    concurrency: int,
) -> AsyncGenerator[Outcome[T, R], None]:
    """Run ``fn`` on every item with at most ``concurrency`` at a time; yield each
    :class:`Outcome` as it completes (so not in input order: ``outcome.index`` says where
    it was).

    To stop early, close the generator, for instance with :func:`contextlib.aclosing`::

        async with contextlib.aclosing(iter_bounded(rows, create_one, concurrency=8)) as outcomes:
            async for outcome in outcomes:
                if outcome.error is not None:
                    break

    Closing it cancels the items still running and returns once every worker has stopped. A
    generator left unclosed (a bare ``break``) starts no new item after the consumer stops
    asking for outcomes, beyond the one item of look-ahead; the items already running finish,
    and the workers are stopped when the generator is closed or garbage-collected.
    """
    check_concurrency(concurrency)
    source: _Source[T] = _Source(items)
    # Never bounded by size: the credits below bound what can be in it.
    results: asyncio.Queue[Outcome[T, R] | Any] = asyncio.Queue()
    # A worker takes a credit before it reads an item; the consumer hands one back each time
    # it asks for the next outcome. So at most concurrency + 1 items are started and not yet
    # handed out, and a consumer that stops asking stops the pool from starting new ones.
    credits = asyncio.Semaphore(concurrency + 1)
    fatal: list[BaseException] = []
    stopping = False  # set by the consumer before it cancels the workers

    def cancelled_here() -> bool:
        task = asyncio.current_task()
        return task is not None and task.cancelling() > 0

    async def worker() -> None:
        begun.add(asyncio.current_task())
        held: tuple[int, T] | None = None
        reading = False
        try:
            while not stopping:
                await credits.acquire()
                reading = True
                held = await source.next()
                reading = False
                if held is None:
                    break
                grow()
                index, item = held
                try:
                    value = await fn(item)
                except asyncio.CancelledError as exc:
                    if stopping or cancelled_here():
                        raise
                    # fn raised it without this worker being cancelled (it awaited something
                    # that was): an error of this item, like any other.
                    outcome: Outcome[T, R] = Outcome(index, item, error=exc)
                except Exception as exc:
                    outcome = Outcome(index, item, error=exc)
                else:
                    outcome = Outcome(index, item, value=value)
                held = None
                results.put_nowait(outcome)
        except asyncio.CancelledError as exc:
            if stopping:
                raise  # the consumer is stopping the pool: it waits for no sentinel
            if source.error is exc:
                # The input itself was interrupted: nothing more can be read from it.
                fatal.append(exc)
                results.put_nowait(_DONE)
                raise
            # This worker alone was cancelled from outside while the run goes on: the item it
            # was running failed with that cancellation, and the consumer starts a replacement.
            if held is not None:
                results.put_nowait(Outcome(held[0], held[1], error=exc))
            elif reading:
                credits.release()  # the credit bought no item
            results.put_nowait(_LOST)
            raise
        except BaseException as exc:
            fatal.append(exc)  # the input failed: the others find it exhausted and stop too
        results.put_nowait(_DONE)

    # Workers start one at a time, each when the one before has an item: a pool never holds
    # more workers than the input has items (two rows at concurrency=100000 start two tasks,
    # not a hundred thousand).
    tasks: list[asyncio.Task[None]] = []
    running = 0
    # The workers whose body has started: one cancelled before it ran never says so itself.
    begun: set[asyncio.Task[Any] | None] = set()

    def ended(task: asyncio.Task[None]) -> None:
        if task not in begun and not stopping:
            # Cancelled from outside before its first step: the body that would post _LOST
            # never ran, and the run would wait for this worker forever.
            results.put_nowait(_LOST)
        begun.discard(task)

    def spawn() -> None:
        task = asyncio.create_task(worker())
        task.add_done_callback(ended)
        tasks.append(task)

    def grow() -> None:
        nonlocal running
        if running < concurrency and not stopping:
            spawn()
            running += 1

    grow()
    try:
        while running:
            outcome = await results.get()
            if outcome is _DONE:
                running -= 1
                continue
            if outcome is _LOST:
                tasks[:] = [task for task in tasks if not task.done()]
                spawn()
                continue
            yield outcome
            credits.release()  # the consumer asks for the next one
        if fatal:
            raise fatal[0]
    finally:
        stopping = True
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
