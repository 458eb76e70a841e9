"""The worker pool: a fixed number of workers, lazy input, outcomes as they finish, failures
collected, and a caller that stops or is cancelled stops every worker."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest

from invoceanio import ConfigurationError
from invoceanio.bulk import Outcome, iter_bounded, map_bounded


class Gauge:
    def __init__(self) -> None:
        self.now = 0
        self.peak = 0

    async def work(self, item: int) -> int:
        self.now += 1
        self.peak = max(self.peak, self.now)
        try:
            await asyncio.sleep(0.001 * (item % 3))
            if item % 5 == 4:
                raise ValueError(f"bad {item}")
            return item * 2
        finally:
            self.now -= 1


@pytest.mark.parametrize("concurrency", [1, 3, 8])
async def test_never_more_than_the_workers_and_every_item_once(concurrency: int) -> None:
    gauge = Gauge()
    before = len(asyncio.all_tasks())
    tasks_seen: list[int] = []

    async def work(item: int) -> int:
        tasks_seen.append(len(asyncio.all_tasks()) - before)
        return await gauge.work(item)

    outcomes = await map_bounded(range(50), work, concurrency=concurrency)
    assert gauge.peak == concurrency
    assert max(tasks_seen) <= concurrency  # a fixed pool, not a task per item
    assert [o.index for o in outcomes] == list(range(50))
    assert [o.item for o in outcomes] == list(range(50))
    ok = [o for o in outcomes if o.ok]
    assert [o.value for o in ok] == [i * 2 for i in range(50) if i % 5 != 4]
    failed = [o for o in outcomes if not o.ok]
    assert [str(o.error) for o in failed] == [f"bad {i}" for i in range(4, 50, 5)]


async def test_async_input_is_read_lazily_and_outcomes_stream() -> None:
    pulled: list[int] = []

    async def numbers() -> AsyncIterator[int]:
        for number in range(1000):
            pulled.append(number)
            yield number

    async def work(item: int) -> int:
        return item

    seen = 0
    async for outcome in iter_bounded(numbers(), work, concurrency=4):
        assert isinstance(outcome, Outcome)
        seen += 1
        if seen == 10:
            # Backpressure: the workers are at most a bounded queue ahead of the consumer.
            assert len(pulled) <= 10 + 4 * 3 + 1
            await asyncio.sleep(0.01)
            assert len(pulled) <= 10 + 4 * 3 + 1
    assert seen == 1000


async def test_breaking_out_cancels_the_workers() -> None:
    started = asyncio.Event()
    cancelled: list[int] = []
    begun: list[int] = []

    async def work(item: int) -> int:
        begun.append(item)
        if item == 0:
            return 0
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.append(item)
            raise
        return item

    generator = iter_bounded(range(100), work, concurrency=3)
    async for outcome in generator:
        assert outcome.index == 0
        await started.wait()
        break
    await generator.aclose()
    # Every busy worker was stopped, and no item was started past the pool's look-ahead
    # (concurrency + 1; workers start one by one, so fewer may have begun by then).
    assert 0 in begun and len(begun) <= 4
    assert sorted(cancelled) == sorted(item for item in begun if item != 0)
    assert not [t for t in asyncio.all_tasks() if t.get_coro().__name__ == "worker"]  # type: ignore[union-attr]


async def test_cancelling_the_caller_cancels_every_worker() -> None:
    running = asyncio.Event()
    stopped: list[int] = []

    async def work(item: int) -> int:
        running.set()
        try:
            await asyncio.sleep(60)
        finally:
            stopped.append(item)
        return item

    async def consume() -> list[Outcome[int, int]]:
        return await map_bounded(range(10), work, concurrency=4)

    task = asyncio.create_task(consume())
    await running.wait()
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert sorted(stopped) == [0, 1, 2, 3]


async def test_a_failing_input_ends_the_run_with_its_error() -> None:
    def rows() -> Iterator[int]:
        yield 1
        yield 2
        raise OSError("the file went away")

    async def work(item: int) -> int:
        return item

    seen: list[int] = []
    with pytest.raises(OSError, match="went away"):
        async for outcome in iter_bounded(rows(), work, concurrency=2):
            seen.append(outcome.index)
    assert sorted(seen) == [0, 1]


@pytest.mark.parametrize("bad", [0, -1, True, 1.5, "2"])
async def test_concurrency_must_be_a_positive_int(bad: object) -> None:
    async def work(item: int) -> int:
        return item

    with pytest.raises(ConfigurationError):
        await map_bounded([1], work, concurrency=bad)  # type: ignore[arg-type]


async def test_input_that_is_not_iterable_is_refused() -> None:
    async def work(item: int) -> int:
        return item

    with pytest.raises(ConfigurationError):
        await map_bounded(42, work, concurrency=1)  # type: ignore[arg-type]


async def test_a_pool_starts_no_more_workers_than_the_input_has_items() -> None:
    # Before: every worker was started up front, a million tasks for two rows at
    # concurrency=1_000_000 (25 s and 1 GB of memory).
    most = 0

    async def work(item: int) -> int:
        nonlocal most
        workers = [t for t in asyncio.all_tasks() if t.get_coro().__name__ == "worker"]  # type: ignore[union-attr]
        most = max(most, len(workers))
        await asyncio.sleep(0)
        return item

    outcomes = [o async for o in iter_bounded(range(2), work, concurrency=100_000)]

    assert sorted(o.value for o in outcomes) == [0, 1]
    assert most <= 3  # one worker per item, and the one that finds the input exhausted


async def test_a_pool_still_reaches_its_concurrency() -> None:
    in_flight = 0
    most = 0
    release = asyncio.Event()

    async def work(item: int) -> int:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        if most == 8:
            release.set()
        await release.wait()
        in_flight -= 1
        return item

    outcomes = [o async for o in iter_bounded(range(50), work, concurrency=8)]

    assert len(outcomes) == 50 and most == 8


async def test_a_worker_cancelled_before_its_first_step_is_replaced() -> None:
    # Its body never ran, so it never said it was lost: the run waited for it forever.
    async def work(item: int) -> int:
        if item == 0:
            for task in asyncio.all_tasks():
                coro = task.get_coro()
                fresh = task is not asyncio.current_task() and not task.done()
                if fresh and getattr(coro, "__name__", "") == "worker":
                    task.cancel()
        await asyncio.sleep(0)
        return item

    async def collect() -> list[int]:
        return [o.index async for o in iter_bounded(range(3), work, concurrency=2)]

    assert sorted(await asyncio.wait_for(collect(), 5)) == [0, 1, 2]
