"""The adaptive throttle: AIMD on the requests in flight, one cut per congestion event, a
learned ceiling that makes push-backs rarer, and a Retry-After pause shared by every request."""

from __future__ import annotations

import asyncio

import pytest

from invoceanio import ConfigurationError, RequestTimeout
from invoceanio.http import Request, Response
from invoceanio.middleware.retry import parse_retry_after
from invoceanio.middleware.throttle import AdaptiveThrottle

REQUEST = Request(method="GET", url="https://acme.invoiceocean.com/invoices.json")


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def _throttle(limit: int, time: FakeTime) -> AdaptiveThrottle:
    return AdaptiveThrottle(limit, clock=time.clock, sleep=time.sleep)


class Server:
    """Answers 429 when more than ``allowed`` requests are in flight at once."""

    def __init__(self, allowed: int, retry_after: str | None = None) -> None:
        self.allowed = allowed
        self.in_flight = 0
        self.peak = 0
        self.pushbacks = 0
        self.retry_after = retry_after

    async def __call__(self, request: Request) -> Response:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await asyncio.sleep(0.001)
            if self.in_flight > self.allowed:
                self.pushbacks += 1
                headers = {"Retry-After": self.retry_after} if self.retry_after else {}
                return Response(status=429, headers=headers)
            return Response(status=200)
        finally:
            self.in_flight -= 1


async def test_a_burst_of_push_backs_cuts_the_limit_once_to_half_the_flight() -> None:
    time = FakeTime()
    throttle = _throttle(16, time)
    server = Server(allowed=2)
    await asyncio.gather(*(throttle(REQUEST, server) for _ in range(8)))
    # Eight in flight, six refused (the server counts the load when each one is answered, so the
    # last two pass): one cut, to half of the eight and not 16 / 2**6, then two successes
    # adding 1/limit each.
    assert server.pushbacks == 6 and throttle.pushbacks == 6
    assert throttle.limit == pytest.approx(4 + 1 / 4 + 1 / 4.25)


async def test_it_settles_at_the_servers_limit_with_rare_push_backs() -> None:
    time = FakeTime()
    throttle = _throttle(8, time)
    server = Server(allowed=2)

    async def worker() -> None:
        for _ in range(250):
            while (await throttle(REQUEST, server)).status == 429:
                pass

    await asyncio.gather(*(worker() for _ in range(8)))
    done = 8 * 250
    assert server.pushbacks / (done + server.pushbacks) < 0.05
    assert 1 <= throttle.limit < 3


async def test_success_grows_the_limit_back_to_the_ceiling_it_was_given() -> None:
    time = FakeTime()
    throttle = _throttle(4, time)
    server = Server(allowed=1)
    await asyncio.gather(*(throttle(REQUEST, server) for _ in range(4)))
    assert throttle.limit == 2.5  # cut to half of four, then one success
    server.allowed = 100
    for _ in range(200):
        await throttle(REQUEST, server)
    assert throttle.limit == 4.0  # never above max_concurrency


async def test_a_retry_after_pauses_every_other_request_too() -> None:
    time = FakeTime()
    throttle = _throttle(4, time)
    refused = Server(allowed=0, retry_after="30")
    assert (await throttle(REQUEST, refused)).status == 429
    assert throttle.paused_until == 30.0
    ok = Server(allowed=10)
    assert (await throttle(REQUEST, ok)).status == 200
    assert time.sleeps == [30.0] and time.now == 30.0


async def test_an_http_date_retry_after_is_read_once_for_the_retry_layer() -> None:
    time = FakeTime()
    throttle = _throttle(4, time)

    async def answer(request: Request) -> Response:
        return Response(status=503, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})

    response = await throttle(REQUEST, answer)
    # A date in the past means "now": the header handed up is the number the pause used.
    assert parse_retry_after(response.headers["Retry-After"]) == 0.0


@pytest.mark.parametrize("hint", ["10000000000000000", "0.00001", "2.5", "30"])
async def test_the_hint_handed_up_reads_as_the_same_number(hint: str) -> None:
    # repr() wrote 1e16 as "1e+16", which the reading takes for no hint: the retry layer then
    # retried after a backoff a 429 that asked for a wait past any policy's.
    time = FakeTime()
    throttle = _throttle(4, time)

    async def answer(request: Request) -> Response:
        return Response(status=429, headers={"Retry-After": hint})

    response = await throttle(REQUEST, answer)
    handed_up = parse_retry_after(response.headers["Retry-After"])
    assert handed_up == pytest.approx(float(hint), rel=1e-6, abs=1e-6)


async def test_a_timeout_is_a_push_back() -> None:
    time = FakeTime()
    throttle = _throttle(8, time)

    async def slow(request: Request) -> Response:
        raise RequestTimeout("read timed out", phase="read", method="GET", url="/x")

    with pytest.raises(RequestTimeout):
        await throttle(REQUEST, slow)
    assert throttle.limit == 1.0 and throttle.pushbacks == 1


def test_bad_settings_are_refused() -> None:
    for kwargs in ({"decrease": 1.0}, {"decrease": 0}, {"slow_factor": 0.5}):
        with pytest.raises(ConfigurationError):
            AdaptiveThrottle(4, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        AdaptiveThrottle(0)


async def test_a_short_retry_after_is_not_shared() -> None:
    time = FakeTime()
    throttle = _throttle(4, time)
    assert (await throttle(REQUEST, Server(allowed=0, retry_after="1"))).status == 429
    assert throttle.paused_until == 0.0
    assert (await throttle(REQUEST, Server(allowed=10))).status == 200
    assert time.sleeps == []


@pytest.mark.parametrize("outage", [16, 64, 320])
async def test_after_an_outage_the_limit_grows_back_in_a_bounded_number_of_answers(
    outage: int,
) -> None:
    # At the floor each push-back came from one request alone, and was taken for the same
    # ceiling again: the care doubled without bound (2**320), and the limit stayed at 1 for
    # the rest of the client's life, however healthy the server was again.
    time = FakeTime()
    throttle = _throttle(16, time)
    down = Server(allowed=0)
    for _ in range(outage):
        await throttle(REQUEST, down)
    assert throttle.limit == 1.0
    up = Server(allowed=100)
    for _ in range(400):
        await throttle(REQUEST, up)
    assert throttle.limit == 16.0  # as a fresh client gets there (120 answers from 1)


async def test_the_same_ceiling_hit_again_and_again_slows_the_probe_within_bounds() -> None:
    time = FakeTime()
    throttle = _throttle(8, time)
    server = Server(allowed=3)
    for _ in range(200):
        await asyncio.gather(*(throttle(REQUEST, server) for _ in range(8)))
    server.allowed = 100
    for _ in range(3000):
        await throttle(REQUEST, server)
    assert throttle.limit == 8.0
