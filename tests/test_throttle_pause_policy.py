"""The throttle's shared Retry-After pause stays within what the retry policy waits for.

A hint the policy would not wait for (longer than ``max_retry_after``, past the deadline, or any
hint at all with a single-attempt policy) raises RateLimitError at once for the request that got
it; it must not hold back the client's later requests either. A hint the policy does wait for
still pauses everyone, which is what makes a full window cost one 429 instead of one per worker.

Through the public client on MockTransport, on a fake clock: a delay recorded is a pause taken.
"""

from __future__ import annotations

from typing import Any

import pytest

from invoceanio import RateLimitError, RetryPolicy
from invoceanio.http import Request, Response
from invoceanio.middleware.throttle import AdaptiveThrottle
from tests.support import Recorder, SleepRecorder, invoice_payload, json_response, make_client

OK = json_response(200, invoice_payload(id=2))


def throttled(retry_after: str) -> Response:
    return json_response(429, {"message": "slow down"}, {"Retry-After": retry_after})


def client(recorder: Recorder, sleeper: SleepRecorder, policy: RetryPolicy) -> Any:
    return make_client(recorder, retry=policy, sleeper=sleeper)


@pytest.mark.parametrize(
    ("options", "retry_after"),
    [
        ({"max_retry_after": 5, "deadline": 10}, "110"),  # longer than max_retry_after
        ({}, "3600"),  # the defaults, and a server saying "come back in an hour"
        ({"deadline": 60, "max_retry_after": 120}, "100"),  # allowed, but past the deadline
        ({"max_attempts": 1}, "30"),  # RetryPolicy.disabled(): nothing is waited for
    ],
    ids=["above-max-retry-after", "defaults-one-hour", "past-the-deadline", "single-attempt"],
)
async def test_a_hint_the_policy_will_not_wait_for_pauses_no_one(
    options: dict[str, Any], retry_after: str
) -> None:
    sleeper = SleepRecorder()
    policy = RetryPolicy(sleep=sleeper.sleep, clock=sleeper.clock, **options)
    recorder = Recorder(throttled(retry_after), OK)
    io = client(recorder, sleeper, policy)

    with pytest.raises(RateLimitError) as caught:
        await io.invoices.get(1)
    assert caught.value.retry_after == float(retry_after)

    # An unrelated later call goes out at once (before the fix: after min(hint, 120) s).
    invoice = await io.invoices.get(2)

    assert invoice.id == 2
    assert sleeper.delays == []
    assert len(recorder.requests) == 2


async def test_a_hint_the_policy_waits_for_still_pauses_every_request() -> None:
    # Guard for the fix above: the pause is bounded by the policy, not switched off.
    sleeper = SleepRecorder()
    policy = RetryPolicy(sleep=sleeper.sleep, clock=sleeper.clock, deadline=None)
    io = client(Recorder(throttled("30"), OK), sleeper, policy)

    await io.invoices.get(2)

    assert io.throttle.paused_until == 30.0
    # The retry waited for the hint; the pause it set had run out by then: no second wait.
    assert sleeper.delays == [30.0]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, 60.0),  # the deadline (60 s) is shorter than max_retry_after (120 s)
        ({"deadline": None}, 120.0),
        ({"deadline": 300, "max_retry_after": 10}, 10.0),
        ({"max_attempts": 1}, 0.0),
    ],
)
def test_policy_says_the_longest_retry_after_it_waits_for(
    options: dict[str, Any], expected: float
) -> None:
    assert RetryPolicy(**options).longest_wait == expected


async def test_throttle_does_not_share_a_pause_longer_than_max_pause() -> None:
    sleeper = SleepRecorder()
    throttle = AdaptiveThrottle(4, max_pause=5, clock=sleeper.clock, sleep=sleeper.sleep)
    request = Request(method="GET", url="https://acme.invoiceocean.com/invoices.json")

    async def answer_110(_: Request) -> Response:
        return throttled("110")

    async def answer_5(_: Request) -> Response:
        return throttled("5")

    await throttle(request, answer_110)
    assert throttle.paused_until == 0.0  # before the fix: 5.0, the hint cut to max_pause
    await throttle(request, answer_5)
    assert throttle.paused_until == 5.0  # at the limit: still shared


@pytest.mark.parametrize("clock", ["frozen", "real"])
async def test_an_injected_sleep_waits_out_a_pause_once_not_in_a_spin(clock: str) -> None:
    # RetryPolicy(sleep=...) alone (the real clock) or a frozen test clock with it: the clock
    # never reaches the pause's end, and asking it again after each sleep spun for ever.
    import asyncio

    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        await asyncio.sleep(0)

    policy = (
        RetryPolicy(sleep=fake_sleep, clock=lambda: 1000.0)
        if clock == "frozen"
        else RetryPolicy(sleep=fake_sleep)
    )
    recorder = Recorder(throttled("30"), OK)
    async with make_client(recorder, retry=policy) as io:
        invoice = await asyncio.wait_for(io.invoices.get(2), timeout=10)  # a hang detector
    assert invoice.id == 2
    assert len(recorder.requests) == 2
    # The retry's wait, then at most the throttle's own view of the same pause.
    assert 1 <= len(slept) <= 2 and all(s <= 30 for s in slept), slept
