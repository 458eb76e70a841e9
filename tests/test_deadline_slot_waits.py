"""The retry policy's deadline bounds the waits for a place in flight and for the rate pacer.

``RetryPolicy.deadline`` bounds all attempts and waits of a call together, but three waits below
the retry middleware ignored it: the adaptive throttle's line for a place in flight, the
limiter's ``max_concurrency`` semaphore and the rate pacer (``rate_limit=``). Under a low limit a
call waited several times its deadline and was then still sent. Now a request whose deadline
passes while it waits for a place, or falls before its start time, fails as the throttle's
shared pause already made it fail: ``RequestTimeout(phase="deadline")``, unsent. It leaves the
line cleanly: a place freed after it still goes to the next one waiting, and the counts stay
right. Without a deadline every wait is as before; a cancel is still a cancel.

The waits for a place are on other requests finishing, so the deadline becomes a timer of the
loop: a frozen policy clock with a deadline of a few milliseconds makes every such wait end
after those milliseconds (no timing is asserted; ``GUARD`` is a hang detector). The pacer is
judged up front from its line, on fake time.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pytest

from invoceanio import InvoiceOcean, RequestTimeout, RetryPolicy
from invoceanio.http import Request, Response
from invoceanio.middleware import deadline
from invoceanio.middleware.limiter import LimiterMiddleware, Pacer
from invoceanio.middleware.throttle import AdaptiveThrottle
from tests.support import SleepRecorder, invoice_payload, json_response, make_client

T = TypeVar("T")

GUARD = 5  # seconds before a test counts as hung; the waits before the fix were longer or endless
SHORT = 0.005  # a deadline, in seconds of the loop's clock, that no test waits for a place within
REQUEST = Request(method="GET", url="https://acme.invoiceocean.com/invoices/1.json")
OK = Response(status=200)


async def settle(rounds: int = 20) -> None:
    """Let every runnable task run until it blocks."""
    for _ in range(rounds):
        await asyncio.sleep(0)


async def next_turn_with_the_timers_due() -> None:
    """Resume in the loop's next turn, ahead of the deadline timers (1 ms) set meanwhile.

    Blocks, rather than awaits, for 2 ms: the timers fall due without running, and on the next
    turn the loop runs them after the callbacks already ready, this task's first. What the test
    does then (free a place, cancel) happens in the same turn as a deadline passes, before it.
    """
    time.sleep(0.002)  # noqa: ASYNC251 - the loop must not run meanwhile: see above
    await asyncio.sleep(0)


async def within(seconds: float, call: Awaitable[T]) -> T:
    """Await ``call`` as a call whose deadline leaves ``seconds`` whenever asked (a frozen
    clock), as the retry middleware sets it for each call."""
    token = deadline.start(lambda: 0.0, seconds)
    try:
        return await call
    finally:
        deadline.stop(token)


class Gate:
    """A MockTransport handler (or a ``call_next``) that records each request and holds it
    until opened."""

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.sent: list[int] = []
        self.inside = 0
        self.most_inside = 0

    async def __call__(self, request: Request) -> Response:
        number = int(urlsplit(request.url).path.rsplit("/", 1)[1].split(".")[0])
        self.sent.append(number)
        self.inside += 1
        self.most_inside = max(self.most_inside, self.inside)
        try:
            await self.open.wait()
        finally:
            self.inside -= 1
        return json_response(200, invoice_payload(id=number))


def numbered(number: int) -> Request:
    return Request(method="GET", url=f"https://acme.invoiceocean.com/invoices/{number}.json")


def deadline_client(
    handler: Gate, seconds: float, **options: Any
) -> tuple[InvoiceOcean, SleepRecorder]:
    """A client whose every call has ``seconds`` left whenever asked (a frozen policy clock)."""
    sleeper = SleepRecorder()
    policy = RetryPolicy(deadline=seconds, clock=lambda: 0.0, sleep=sleeper.sleep)
    return make_client(handler, retry=policy, sleeper=sleeper, **options), sleeper


def limiter_of(io: InvoiceOcean) -> LimiterMiddleware:
    """The client's LimiterMiddleware, found along its chain of middleware."""
    send: Any = io._core._send
    while isinstance(send, functools.partial):
        if isinstance(send.func, LimiterMiddleware):
            return send.func
        send = send.keywords["call_next"]
    raise AssertionError("no LimiterMiddleware in the chain")


async def run_at_most_two_at_a_time(io: InvoiceOcean) -> None:
    """Two calls are let in at once, neither more nor fewer: no place leaked, none made up."""
    gate = Gate()
    io._transport.handler = gate  # type: ignore[attr-defined]
    calls = [asyncio.create_task(io.invoices.get(number)) for number in (11, 12)]
    await settle()
    assert gate.inside == 2
    gate.open.set()
    assert [invoice.id for invoice in await asyncio.wait_for(asyncio.gather(*calls), GUARD)] == [
        11,
        12,
    ]


def assert_refused_for_deadline(error: RequestTimeout, waited_for: str) -> None:
    assert error.phase == "deadline"
    assert not error.request_sent and not error.outcome_unknown  # safe to send again later
    assert "not sent" in str(error) and waited_for in str(error)
    assert "test-token" not in str(error)


def assert_throttle_untouched(throttle: AdaptiveThrottle | None, limit: int) -> None:
    assert throttle is not None
    assert (throttle.in_flight, throttle._woken, len(throttle._waiters)) == (0, 0, 0)
    # A refusal for the deadline is no push-back of the server's: nothing to cut.
    assert throttle.limit == limit and throttle.pushbacks == 0


# -- through the client: refused unsent, not retried, the places intact ---------------------------


async def test_a_call_that_gets_no_place_in_the_throttle_in_time_is_refused_unsent() -> None:
    gate = Gate()
    io, sleeper = deadline_client(gate, SHORT, max_concurrency=2)
    holders = [asyncio.create_task(io.invoices.get(number)) for number in (1, 2)]
    await settle()
    assert gate.inside == 2

    # Before the fix: it waited for as long as the two held their places (here: for ever).
    with pytest.raises(RequestTimeout) as caught:
        await asyncio.wait_for(io.invoices.get(3), GUARD)

    assert_refused_for_deadline(caught.value, "a place among the requests in flight")
    assert gate.sent == [1, 2]
    assert sleeper.delays == []  # not retried: a later attempt would meet the same wait
    gate.open.set()
    assert [invoice.id for invoice in await asyncio.gather(*holders)] == [1, 2]
    assert_throttle_untouched(io.throttle, 2)
    await run_at_most_two_at_a_time(io)


async def test_a_call_that_gets_no_slot_of_max_concurrency_in_time_is_refused_unsent() -> None:
    gate = Gate()
    io, sleeper = deadline_client(gate, SHORT, max_concurrency=2, adaptive_concurrency=False)
    holders = [asyncio.create_task(io.invoices.get(number)) for number in (1, 2)]
    await settle()
    assert gate.inside == 2

    with pytest.raises(RequestTimeout) as caught:
        await asyncio.wait_for(io.invoices.get(3), GUARD)

    assert_refused_for_deadline(caught.value, "one of the client's 2 places in flight")
    assert gate.sent == [1, 2]
    assert sleeper.delays == []
    gate.open.set()
    await asyncio.gather(*holders)
    limiter = limiter_of(io)
    assert limiter._slots._value == 2 and not limiter._slots._waiters and limiter._busy == 0
    await run_at_most_two_at_a_time(io)


async def test_a_call_the_rate_pacer_would_start_after_its_deadline_is_refused_at_once() -> None:
    gate = Gate()
    gate.open.set()
    sleeper = SleepRecorder()
    policy = RetryPolicy(deadline=5, sleep=sleeper.sleep, clock=sleeper.clock)
    # One start every 20 s (the pacer's own clock is the real one): the second call's start
    # time is about 20 s away, its deadline 5 s.
    io = make_client(gate, retry=policy, sleeper=sleeper, rate_limit=0.05, max_concurrency=4)
    assert (await io.invoices.get(1)).id == 1

    # Before the fix: it slept the 20 s, then went out 15 s past its deadline.
    with pytest.raises(RequestTimeout) as caught:
        await asyncio.wait_for(io.invoices.get(2), GUARD)

    assert_refused_for_deadline(caught.value, "the rate limit (0.05 a second) starts it in")
    assert "deadline ends in 5.0 s" in str(caught.value)
    assert gate.sent == [1]
    assert sleeper.delays == []  # neither the pacer's sleep nor a retry's
    assert_throttle_untouched(io.throttle, 4)
    pacer = limiter_of(io)._pacer
    assert pacer is not None and pacer._queued == 0 and not pacer._line.locked()


async def test_an_oid_create_refused_while_waiting_for_a_place_is_simply_not_sent() -> None:
    # Refused on its only attempt, the create never left: no "outcome unknown", no look-up.
    gate = Gate()
    io, sleeper = deadline_client(gate, SHORT, max_concurrency=1)
    holder = asyncio.create_task(io.invoices.get(1))
    await settle()

    with pytest.raises(RequestTimeout) as caught:
        await asyncio.wait_for(io.invoices.create({"oid": "A-1", "buyer_name": "B"}), GUARD)

    assert_refused_for_deadline(caught.value, "a place among the requests in flight")
    assert gate.sent == [1]
    assert sleeper.delays == []
    gate.open.set()
    await holder


# -- the throttle's line --------------------------------------------------------------------------


async def test_the_others_in_the_throttles_line_go_on_when_one_is_refused() -> None:
    throttle = AdaptiveThrottle(1, clock=lambda: 0.0)
    gate = Gate()
    holder = asyncio.create_task(throttle(numbered(1), gate))
    first = asyncio.create_task(throttle(numbered(2), gate))  # no deadline: waits as before
    refused = asyncio.create_task(within(SHORT, throttle(numbered(3), gate)))
    last = asyncio.create_task(throttle(numbered(4), gate))
    await settle()

    with pytest.raises(RequestTimeout) as caught:
        await asyncio.wait_for(refused, GUARD)
    assert_refused_for_deadline(caught.value, "the client's adaptive limit allows 1 now")
    assert not first.done() and not last.done() and len(throttle._waiters) == 2

    gate.open.set()
    await asyncio.wait_for(asyncio.gather(holder, first, last), GUARD)
    assert gate.sent == [1, 2, 4] and gate.most_inside == 1
    assert (throttle.in_flight, throttle._woken, len(throttle._waiters)) == (0, 0, 0)


@pytest.mark.parametrize("left", [0.0, -3.0], ids=["just-passed", "long-passed"])
async def test_a_throttled_request_whose_deadline_has_passed_is_refused_without_waiting(
    left: float,
) -> None:
    throttle = AdaptiveThrottle(1, clock=lambda: 0.0)
    throttle.in_flight = 1  # the one place is taken
    task = asyncio.create_task(within(left, throttle(REQUEST, Gate())))
    await asyncio.sleep(0)  # one turn of the loop: its first step, and no timer's
    assert task.done()
    assert isinstance(task.exception(), RequestTimeout)
    assert not throttle._waiters and throttle.in_flight == 1


async def test_a_request_woken_as_its_deadline_passes_hands_the_place_on() -> None:
    # The place is promised to it in the very turn of the loop its deadline timer runs in: it
    # leaves, and the next one in line gets the place (before the fix: no deadline, it took it).
    throttle = AdaptiveThrottle(1, clock=lambda: 0.0)
    throttle.in_flight = 1
    gate = Gate()
    gate.open.set()
    refused = asyncio.create_task(within(0.001, throttle(numbered(1), gate)))
    after = asyncio.create_task(throttle(numbered(2), gate))
    await settle()
    await next_turn_with_the_timers_due()
    throttle._release()  # the place frees, and is promised to the front of the line

    with pytest.raises(RequestTimeout):
        await asyncio.wait_for(refused, GUARD)
    assert (await asyncio.wait_for(after, GUARD)).status == 200
    assert gate.sent == [2]
    assert (throttle.in_flight, throttle._woken, len(throttle._waiters)) == (0, 0, 0)


async def test_a_cancel_during_a_throttled_wait_with_a_deadline_is_still_a_cancel() -> None:
    throttle = AdaptiveThrottle(1, clock=lambda: 0.0)
    throttle.in_flight = 1
    gate = Gate()
    gate.open.set()
    cancelled = asyncio.create_task(within(60, throttle(numbered(1), gate)))
    after = asyncio.create_task(within(60, throttle(numbered(2), gate)))
    await settle()
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(cancelled, GUARD)

    throttle._release()
    assert (await asyncio.wait_for(after, GUARD)).status == 200
    assert gate.sent == [2]
    assert (throttle.in_flight, throttle._woken, len(throttle._waiters)) == (0, 0, 0)


async def test_a_cancel_as_the_deadline_passes_wins_over_the_deadline() -> None:
    # asyncio.timeout takes back its own cancel only: the caller's, sent in the same turn of
    # the loop as the deadline's timer runs, ends the task cancelled, not refused.
    throttle = AdaptiveThrottle(1, clock=lambda: 0.0)
    throttle.in_flight = 1
    task = asyncio.create_task(within(0.001, throttle(REQUEST, Gate())))
    await settle()
    await next_turn_with_the_timers_due()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, GUARD)
    assert not throttle._waiters and throttle._woken == 0 and throttle.in_flight == 1


async def test_a_refusal_for_the_deadline_leaves_no_cancel_behind() -> None:
    # The deadline's timer cancels the wait: refused, the task must not stay cancelling (its
    # next await would raise CancelledError out of nowhere).
    throttle = AdaptiveThrottle(1, clock=lambda: 0.0)
    throttle.in_flight = 1
    limiter = LimiterMiddleware(1)
    await limiter._slots.acquire()  # its one slot is taken

    async def refused_twice_then_carries_on() -> int:
        with pytest.raises(RequestTimeout):
            await within(SHORT, throttle(REQUEST, Gate()))
        with pytest.raises(RequestTimeout):
            await within(SHORT, limiter(REQUEST, Gate()))
        await asyncio.sleep(0)
        task = asyncio.current_task()
        assert task is not None
        return task.cancelling()

    assert await asyncio.wait_for(refused_twice_then_carries_on(), GUARD) == 0


# -- the limiter's max_concurrency slots ----------------------------------------------------------


async def test_the_others_waiting_for_a_slot_go_on_when_one_is_refused() -> None:
    limiter = LimiterMiddleware(2)
    gate = Gate()
    holders = [asyncio.create_task(limiter(numbered(n), gate)) for n in (1, 2)]
    first = asyncio.create_task(limiter(numbered(3), gate))  # no deadline: waits as before
    refused = asyncio.create_task(within(SHORT, limiter(numbered(4), gate)))
    last = asyncio.create_task(limiter(numbered(5), gate))
    await settle()

    with pytest.raises(RequestTimeout) as caught:
        await asyncio.wait_for(refused, GUARD)
    assert_refused_for_deadline(caught.value, "(max_concurrency)")
    assert not first.done() and not last.done()

    gate.open.set()
    await asyncio.wait_for(asyncio.gather(*holders, first, last), GUARD)
    assert gate.sent == [1, 2, 3, 5] and gate.most_inside == 2
    assert limiter._slots._value == 2 and not limiter._slots._waiters and limiter._busy == 0


@pytest.mark.parametrize("left", [0.0, -3.0], ids=["just-passed", "long-passed"])
async def test_a_request_whose_deadline_has_passed_takes_no_turn_for_a_slot(left: float) -> None:
    limiter = LimiterMiddleware(1)
    await limiter._slots.acquire()
    task = asyncio.create_task(within(left, limiter(REQUEST, Gate())))
    await asyncio.sleep(0)  # one turn of the loop: its first step, and no timer's
    assert task.done()
    assert isinstance(task.exception(), RequestTimeout)
    assert not limiter._slots._waiters and limiter._busy == 0


async def test_a_slot_given_as_the_deadline_passes_goes_to_the_next_one() -> None:
    limiter = LimiterMiddleware(1)
    await limiter._slots.acquire()
    gate = Gate()
    gate.open.set()
    refused = asyncio.create_task(within(0.001, limiter(numbered(1), gate)))
    after = asyncio.create_task(limiter(numbered(2), gate))
    await settle()
    await next_turn_with_the_timers_due()
    limiter._slots.release()  # given to the front of the line, whose timer then runs

    with pytest.raises(RequestTimeout):
        await asyncio.wait_for(refused, GUARD)
    assert (await asyncio.wait_for(after, GUARD)).status == 200
    assert gate.sent == [2]
    assert limiter._slots._value == 1 and not limiter._slots._waiters


async def test_a_cancel_while_waiting_for_a_slot_with_a_deadline_is_still_a_cancel() -> None:
    limiter = LimiterMiddleware(1)
    await limiter._slots.acquire()
    gate = Gate()
    gate.open.set()
    cancelled = asyncio.create_task(within(60, limiter(numbered(1), gate)))
    after = asyncio.create_task(within(60, limiter(numbered(2), gate)))
    await settle()
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(cancelled, GUARD)

    limiter._slots.release()
    assert (await asyncio.wait_for(after, GUARD)).status == 200
    assert gate.sent == [2]
    assert limiter._slots._value == 1 and limiter._busy == 0


# -- the rate pacer -------------------------------------------------------------------------------


class HeldTime:
    """A fake clock whose sleeps block until the test moves time on."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self._wakers: list[tuple[float, asyncio.Future[None]]] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        waker: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._wakers.append((self.now + seconds, waker))
        await waker

    def advance(self, seconds: float) -> None:
        self.now += seconds
        for due, waker in self._wakers:
            if due <= self.now and not waker.done():
                waker.set_result(None)


async def test_the_pacer_refuses_a_start_time_past_the_deadline_counting_its_line() -> None:
    time_ = HeldTime()
    pacer = Pacer(1, clock=time_.clock, sleep=time_.sleep)
    started: list[tuple[int, float]] = []

    async def go(number: int, left: float | None) -> None:
        wait = pacer.wait(numbered(number))
        await (wait if left is None else within(left, wait))
        started.append((number, time_.now))

    await go(1, None)  # at once; the next start is at 1 s
    # Without a deadline: waits as before, at 1 s and 2 s.
    line = [asyncio.create_task(go(number, None)) for number in (2, 3)]
    await settle()
    # Two in line ahead of it and the next start 1 s away: it would start at 3 s.
    with pytest.raises(RequestTimeout) as caught:
        await asyncio.wait_for(go(4, 2.5), GUARD)
    assert_refused_for_deadline(caught.value, "starts it in 3.0 s")
    assert "deadline ends in 2.5 s" in str(caught.value)
    admitted = asyncio.create_task(go(5, 3.5))  # room enough for the same wait
    await settle()

    for _ in range(3):
        time_.advance(1)
        await settle()
    await asyncio.wait_for(asyncio.gather(*line, admitted), GUARD)
    # The refused one booked nothing: the admitted one starts where it was told it would.
    assert started == [(1, 0.0), (2, 1.0), (3, 2.0), (5, 3.0)]
    assert pacer._queued == 0


async def test_the_pacer_refuses_at_once_when_the_deadline_has_passed() -> None:
    time_ = HeldTime()
    pacer = Pacer(1, clock=time_.clock, sleep=time_.sleep)
    await pacer.wait()
    with pytest.raises(RequestTimeout):
        await asyncio.wait_for(within(0.0, pacer.wait(REQUEST)), GUARD)
    assert time_.sleeps == [] and pacer._queued == 0


async def test_the_pacer_lets_a_request_whose_start_time_has_come_go_whatever_its_deadline() -> (
    None
):
    # No wait, nothing to refuse (and nothing asked: the fast path). Without a request (a bulk
    # import's pace, above any call) the deadline is not asked either.
    time_ = HeldTime()
    pacer = Pacer(1, clock=time_.clock, sleep=time_.sleep)
    await within(-1.0, pacer.wait(REQUEST))
    waiting = asyncio.create_task(within(0.0, pacer.wait()))
    await settle()
    time_.advance(1)
    await asyncio.wait_for(waiting, GUARD)
    assert time_.sleeps == [1.0]
