"""The worker pool when the run stops early or a worker ends abnormally: a plain ``break``
starts no more items, closing stops every worker even when ``fn`` swallows the cancel, and a
CancelledError that is not a cancel of the run fails one item instead of hanging the consumer.

``asyncio.wait_for`` is only a guard against a hang; nothing here sleeps for real.
"""

from __future__ import annotations

import asyncio
import contextlib

from invoceanio.bulk import Outcome, iter_bounded, map_bounded

GUARD = 10.0


async def settle(rounds: int = 50) -> None:
    for _ in range(rounds):
        await asyncio.sleep(0)


def live_workers() -> list[asyncio.Task[object]]:
    return [
        task
        for task in asyncio.all_tasks()
        if not task.done() and getattr(task.get_coro(), "__name__", "") == "worker"
    ]


async def test_a_plain_break_without_aclose_starts_no_more_items() -> None:
    begun: list[int] = []

    async def create(item: int) -> int:
        begun.append(item)
        await asyncio.sleep(0)
        return item

    outcomes = iter_bounded(range(1000), create, concurrency=4)
    async for _ in outcomes:
        break
    await settle()
    started = len(begun)
    await settle()

    # The four workers plus one item of look-ahead, and nothing once the consumer stopped
    # asking (before the fix: 13 and counting, two result queues' worth ahead of the caller).
    assert started <= 4 + 1
    assert len(begun) == started
    await asyncio.wait_for(outcomes.aclose(), GUARD)
    assert not live_workers()


async def test_a_dropped_generator_stops_its_workers() -> None:
    begun: list[int] = []
    cancelled: list[int] = []

    async def create(item: int) -> int:
        begun.append(item)
        if item == 0:
            return 0
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append(item)
            raise
        return item

    async for outcome in iter_bounded(range(100), create, concurrency=3):
        assert outcome.index == 0
        break
    await settle()  # the loop's finalizer closes the dropped generator

    assert not live_workers()
    assert sorted(begun) == sorted([*cancelled, 0]) and len(begun) <= 3 + 1


async def test_aclosing_stops_the_pool_on_leaving_the_block() -> None:
    begun: list[int] = []
    stopped: list[int] = []

    async def create(item: int) -> int:
        begun.append(item)
        if item == 0:
            return 0
        try:
            await asyncio.Event().wait()
        finally:
            stopped.append(item)
        return item

    async with contextlib.aclosing(iter_bounded(range(100), create, concurrency=3)) as outcomes:
        async for outcome in outcomes:
            assert outcome.value == 0
            break
    # Every item that had begun was stopped before the block returned; none began after.
    assert sorted(stopped) == sorted(begun[1:]) and len(begun) <= 3 + 1
    assert not live_workers()


async def test_closing_stops_a_worker_whose_fn_swallows_the_cancel() -> None:
    begun: list[int] = []
    swallowed: list[int] = []

    async def stubborn(item: int) -> int:
        begun.append(item)
        if item == 0:
            return 0
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            if swallowed:  # only the first cancel: the hang guard below can still end a hang
                raise
            swallowed.append(item)
            return -1  # a badly behaved fn
        return item

    outcomes = iter_bounded(range(100), stubborn, concurrency=2)
    async for _ in outcomes:
        break
    started = len(begun)
    # Before the fix the workers went on to the next items, which nobody cancels: a hang.
    await asyncio.wait_for(outcomes.aclose(), GUARD)
    assert len(begun) == started
    assert not live_workers()


async def test_an_item_whose_fn_raises_cancelled_error_is_a_failed_outcome() -> None:
    async def work(item: int) -> int:
        if item == 3:
            gone: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            gone.cancel()
            await gone  # CancelledError, although this worker was not cancelled
        await asyncio.sleep(0)
        return item

    outcomes = await asyncio.wait_for(map_bounded(range(20), work, concurrency=4), GUARD)

    assert [o.index for o in outcomes] == list(range(20))
    failed = [o for o in outcomes if not o.ok]
    assert [o.index for o in failed] == [3]
    assert isinstance(failed[0].error, asyncio.CancelledError)
    assert all(o.value == o.index for o in outcomes if o.ok)


async def test_a_worker_cancelled_from_outside_fails_its_item_and_the_run_goes_on() -> None:
    go = asyncio.Event()
    running: list[int] = []

    async def work(item: int) -> int:
        running.append(item)
        await go.wait()
        return item

    async def consume() -> list[Outcome[int, int]]:
        return [o async for o in iter_bounded(range(30), work, concurrency=4)]

    run = asyncio.create_task(consume())
    await settle()
    assert sorted(running) == [0, 1, 2, 3]
    workers = live_workers()
    assert len(workers) == 4
    workers[0].cancel()
    await settle()
    go.set()

    outcomes = await asyncio.wait_for(run, GUARD)

    # Every item has exactly one outcome: none is lost with the cancelled worker.
    assert sorted(o.index for o in outcomes) == list(range(30))
    failed = [o for o in outcomes if not o.ok]
    assert len(failed) == 1 and isinstance(failed[0].error, asyncio.CancelledError)
    assert failed[0].index in (0, 1, 2, 3)  # the item that worker was running
    assert not live_workers()


async def test_cancelling_the_run_still_propagates_and_stops_every_worker() -> None:
    running = asyncio.Event()

    async def work(item: int) -> int:
        running.set()
        await asyncio.Event().wait()
        return item

    run = asyncio.create_task(map_bounded(range(10), work, concurrency=3))
    await running.wait()
    await settle()
    run.cancel()
    results = await asyncio.wait_for(asyncio.gather(run, return_exceptions=True), GUARD)

    assert isinstance(results[0], asyncio.CancelledError)
    assert not live_workers()
