"""Two promises of the retry layer at the edges of a call's budget.

- The deadline covers every wait of the call, the throttle's shared ``Retry-After`` pause
  included: a request whose deadline would pass during the pause fails at once, unsent, with
  ``RequestTimeout(phase="deadline")``, instead of going out after its caller stopped waiting.
- A create whose earlier attempt may have reached the server never ends in a "not sent" error:
  when its last attempt failed to connect (or was refused by the deadline), the caller gets a
  TransportError whose ``outcome_unknown`` is true, not a ConnectError that invites a re-send.

MockTransport and a fake clock: a delay recorded is a wait taken; the recorder counts what
reached the wire.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from invoceanio import (
    ConnectError,
    ConnectionLostError,
    InvoiceOcean,
    RateLimitError,
    RequestTimeout,
    RetryPolicy,
    TransportError,
)
from invoceanio.http import Request, Response
from invoceanio.middleware import deadline
from invoceanio.middleware.throttle import AdaptiveThrottle
from invoceanio.transport import MockTransport
from tests.support import Recorder, SleepRecorder, invoice_payload, json_response, make_client

OK = json_response(200, invoice_payload(id=2))
OK_PAGE = json_response(200, [])
URL = "https://acme.invoiceocean.com/invoices/2.json"


def throttled(retry_after: str) -> Response:
    return json_response(429, {"message": "slow down"}, {"Retry-After": retry_after})


def policy(sleeper: SleepRecorder, **options: float | int | None) -> RetryPolicy:
    return RetryPolicy(sleep=sleeper.sleep, clock=sleeper.clock, **options)  # type: ignore[arg-type]


async def test_a_request_the_pause_would_carry_past_its_deadline_is_refused_unsent() -> None:
    sleeper = SleepRecorder()
    recorder = Recorder(OK)
    io = make_client(recorder, retry=policy(sleeper, deadline=10), sleeper=sleeper)
    io.throttle.paused_until = 30.0  # another request's Retry-After: 30

    with pytest.raises(RequestTimeout) as caught:
        await io.invoices.get(2)

    assert caught.value.phase == "deadline"
    assert not caught.value.outcome_unknown  # it never left: safe to send again later
    assert "paused for 30.0 s" in str(caught.value)
    assert recorder.requests == []
    assert sleeper.delays == []  # no wait, and no retry waiting for nothing


async def test_a_pause_within_the_deadline_is_still_waited_for() -> None:
    sleeper = SleepRecorder()
    recorder = Recorder(OK)
    io = make_client(recorder, retry=policy(sleeper, deadline=60), sleeper=sleeper)
    io.throttle.paused_until = 30.0

    invoice = await io.invoices.get(2)

    assert invoice.id == 2
    assert sleeper.delays == [30.0]
    assert len(recorder.requests) == 1


async def test_without_a_deadline_every_pause_is_waited_for() -> None:
    sleeper = SleepRecorder()
    io = make_client(Recorder(OK), retry=policy(sleeper, deadline=None), sleeper=sleeper)
    io.throttle.paused_until = 100.0

    assert (await io.invoices.get(2)).id == 2
    assert sleeper.delays == [100.0]


async def test_the_deadline_counts_from_the_start_of_the_call_not_of_the_attempt() -> None:
    # The first attempt gets a 429 with Retry-After: 8, which the retry layer waits for; while
    # it waits, another request sets a pause of 13 s more. 8 of the 20 s are gone: 12 are left.
    sleeper = SleepRecorder()
    throttles: list[AdaptiveThrottle] = []

    async def sleep_while_another_request_pauses(seconds: float) -> None:
        await sleeper.sleep(seconds)
        if len(sleeper.delays) == 1:  # once: the retry layer's wait
            throttles[0].paused_until = sleeper.now + 13

    retry = RetryPolicy(deadline=20, sleep=sleep_while_another_request_pauses, clock=sleeper.clock)
    recorder = Recorder(throttled("8"), OK)
    io = make_client(recorder, retry=retry, sleeper=sleeper)
    throttles.append(io.throttle)

    with pytest.raises(RequestTimeout) as caught:
        await io.invoices.get(2)

    assert caught.value.phase == "deadline"
    assert "ends in 12.0 s" in str(caught.value)
    assert sleeper.delays == [8.0]
    assert len(recorder.requests) == 1


async def test_concurrent_calls_each_see_their_own_deadline() -> None:
    seen: dict[str, float | None] = {}

    async def call(name: str, clock_value: float, at: float | None) -> None:
        token = deadline.start(lambda: clock_value, at) if at is not None else None
        await asyncio.sleep(0)  # let the other task set its own
        seen[name] = deadline.seconds_left()
        if token is not None:
            deadline.stop(token)

    await asyncio.gather(call("a", 1.0, 11.0), call("b", 5.0, 6.0), call("none", 0.0, None))

    assert seen == {"a": 10.0, "b": 1.0, "none": None}
    assert deadline.seconds_left() is None


async def test_the_throttle_alone_waits_when_no_call_set_a_deadline() -> None:
    # Used without the retry middleware (a custom chain), the throttle keeps its old behaviour.
    sleeper = SleepRecorder()
    throttle = AdaptiveThrottle(4, clock=sleeper.clock, sleep=sleeper.sleep)
    throttle.paused_until = 50.0

    async def answer(_: Request) -> Response:
        return OK

    response = await throttle(Request(method="GET", url=URL), answer)
    assert response.status == 200
    assert sleeper.delays == [50.0]


async def test_a_rate_limited_call_still_raises_rate_limit_error_not_the_deadline() -> None:
    # Guard: the request that *got* a Retry-After past the deadline is handled as before.
    sleeper = SleepRecorder()
    io = make_client(
        Recorder(throttled("100")), retry=policy(sleeper, deadline=60), sleeper=sleeper
    )
    with pytest.raises(RateLimitError):
        await io.invoices.get(2)


# -- a create whose outcome is unknown --------------------------------------------------------

LOST = ConnectionLostError("connection reset by peer")
REFUSED = ConnectError("connection refused")
DATA = {"oid": "A-1", "buyer_name": "Klient ABC"}


async def test_a_create_sent_once_then_unreachable_is_outcome_unknown_not_not_sent() -> None:
    sleeper = SleepRecorder()
    # Attempt 1: sent, connection lost (the invoice may exist). Attempts 2-4: the look-up by
    # oid cannot connect. Before: the caller got the last ConnectError, "never sent".
    recorder = Recorder(LOST, REFUSED)
    io = make_client(recorder, retry=policy(sleeper, max_attempts=4), sleeper=sleeper)

    with pytest.raises(TransportError) as caught:
        await io.invoices.create(DATA)

    assert caught.value.outcome_unknown
    assert not isinstance(caught.value, ConnectError)
    assert "outcome of POST /invoices.json is unknown" in str(caught.value)
    assert isinstance(caught.value.__cause__, ConnectError)
    creates = [r for r in recorder.requests if r.method == "POST"]
    assert len(creates) == 1  # never re-sent blindly


async def test_a_create_that_never_left_is_still_reported_as_not_sent() -> None:
    # Guard: without an earlier attempt that may have arrived, "not sent" is the truth.
    sleeper = SleepRecorder()
    io = make_client(Recorder(REFUSED), retry=policy(sleeper, max_attempts=3), sleeper=sleeper)

    with pytest.raises(ConnectError) as caught:
        await io.invoices.create(DATA)
    assert not caught.value.outcome_unknown


async def test_an_idempotent_call_keeps_its_last_error() -> None:
    sleeper = SleepRecorder()
    io = make_client(
        Recorder(LOST, REFUSED), retry=policy(sleeper, max_attempts=3), sleeper=sleeper
    )

    with pytest.raises(ConnectError):
        await io.invoices.get(2)


async def test_a_look_up_refused_by_the_deadline_ends_the_call_as_outcome_unknown() -> None:
    sleeper = SleepRecorder()
    recorder = Recorder(LOST, OK)
    io = make_client(recorder, retry=policy(sleeper, max_attempts=4, deadline=10), sleeper=sleeper)

    async def lost_then_paused(request: Request) -> Response:
        io.throttle.paused_until = sleeper.now + 60  # a 429 elsewhere, while this was in flight
        raise LOST

    recorder.answers = [lost_then_paused, OK]

    with pytest.raises(TransportError) as caught:
        await io.invoices.create(DATA)

    assert caught.value.outcome_unknown
    assert isinstance(caught.value.__cause__, RequestTimeout)
    assert caught.value.__cause__.phase == "deadline"
    assert len(recorder.requests) == 1  # neither a re-send nor a look-up reached the wire
    assert len(sleeper.delays) == 1  # one backoff, then no attempt after the refusal


# -- a request leaving the throttle's pause passes its turn on --------------------------------


class _FakeTime:
    """Retry and throttle on one fake clock; a sleep yields once so other tasks run."""

    def __init__(self) -> None:
        self.now = 0.0

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)

    def clock(self) -> float:
        return self.now


def _burst_then_long_pause() -> Callable[[Request], Awaitable[Response]]:
    """Three 429s in flight together (the limit falls to 1), then a Retry-After: 58."""
    sent = 0

    async def handler(_: Request) -> Response:
        nonlocal sent
        sent += 1
        number = sent
        for _ in range(5):
            await asyncio.sleep(0)  # the three calls are in flight together
        if number <= 3:
            return json_response(429, {"message": "slow down"}, {"Retry-After": "1"})
        if number == 4:
            return json_response(429, {"message": "slow down"}, {"Retry-After": "58"})
        return OK

    return handler


async def test_a_woken_request_refused_by_the_deadline_passes_its_turn_on() -> None:
    # Found by fuzzing: the request woken for the freed place met a pause longer than its
    # deadline and left without waking the next one, which then waited forever.
    fake = _FakeTime()
    io = InvoiceOcean(
        prefix="acme",
        api_token="test-token",
        transport=MockTransport(_burst_then_long_pause()),
        retry=RetryPolicy(sleep=fake.sleep, clock=fake.clock),
    )
    calls = [asyncio.ensure_future(io.invoices.get(number)) for number in (1, 2, 3)]
    _, pending = await asyncio.wait(calls, timeout=5)
    for call in pending:
        call.cancel()
    assert not pending, f"{len(pending)} call(s) left waiting in the throttle"
    assert io.throttle.in_flight == 0 and not io.throttle._waiters


async def test_a_woken_request_cancelled_during_the_pause_passes_its_turn_on() -> None:
    throttle = AdaptiveThrottle(1, clock=lambda: 0.0, sleep=asyncio.sleep)
    throttle.in_flight = 1  # the one place is taken
    request = Request(method="GET", url=URL)

    async def answer(_: Request) -> Response:
        return OK

    first = asyncio.ensure_future(throttle(request, answer))
    second = asyncio.ensure_future(throttle(request, answer))
    await asyncio.sleep(0)  # both queued
    throttle.paused_until = 3600.0  # a pause starts while they wait
    throttle._release()  # the place frees: the first is woken, then sleeps in the pause
    await asyncio.sleep(0)
    first.cancel()
    throttle.paused_until = 0.0  # the pause ends
    assert (await asyncio.wait_for(second, timeout=5)).status == 200
    assert first.cancelled()


async def test_an_attempt_is_given_no_more_time_than_the_deadline_leaves() -> None:
    # A retry begun just inside the deadline took the whole per-request timeout: with the
    # defaults (deadline 60 s, timeout 30 s) a call could last some 90 s.
    sleeper = SleepRecorder()
    recorder = Recorder(json_response(503, {"message": "busy"}, {"Retry-After": "7"}), OK_PAGE)
    policy = RetryPolicy(sleep=sleeper.sleep, clock=sleeper.clock, deadline=10)
    async with make_client(recorder, retry=policy, sleeper=sleeper, timeout=30) as io:
        await io.invoices.list()
    first, second = (request.timeout for request in recorder.requests)
    assert first == 10  # the deadline is nearer than the timeout from the start
    assert second == pytest.approx(3)  # 10 s, less the 7 s waited


async def test_an_attempt_keeps_its_own_timeout_when_the_deadline_is_further() -> None:
    recorder = Recorder(OK_PAGE)
    async with make_client(recorder, timeout=30) as io:  # the default deadline: 60 s
        await io.invoices.list()
    assert recorder.requests[0].timeout == 30
