"""The client-wide limiter: how many requests may be in flight at once, and how fast they start.

Proved through the public client on a MockTransport whose async handlers block on events, so
the number of requests inside the transport at any moment can be counted. The limiter sits below
the retry middleware: a request sleeping in backoff must not keep a slot.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from typing import Any
from urllib.parse import urlsplit

import pytest

from invoceanio import ConfigurationError, ConnectError, InvoiceOcean, RetryPolicy, ServerError
from invoceanio.http import Request, Response
from invoceanio.middleware.limiter import LimiterMiddleware
from tests.support import SleepRecorder, invoice_payload, json_response, make_client

NO_RETRY = RetryPolicy.disabled()


def requested_id(request: Request) -> int:
    """The id in ``/invoices/{id}.json``."""
    return int(urlsplit(request.url).path.rsplit("/", 1)[1].split(".")[0])


def invoice_for(request: Request) -> Response:
    return json_response(200, invoice_payload(id=requested_id(request)))


class Gate:
    """An async handler that counts requests inside it and holds them until opened."""

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.inside = 0
        self.most_inside = 0
        self.entered = 0
        self.arrived = asyncio.Event()

    async def __call__(self, request: Request) -> Response:
        self.inside += 1
        self.entered += 1
        self.most_inside = max(self.most_inside, self.inside)
        self.arrived.set()
        try:
            await self.open.wait()
            if "clients" in request.url:
                return json_response(200, {"id": 1, "name": "Klient"})
            return invoice_for(request)
        finally:
            self.inside -= 1


async def settle(rounds: int = 20) -> None:
    """Let every runnable task run until it blocks."""
    for _ in range(rounds):
        await asyncio.sleep(0)


# concurrency -------------------------------------------------------------------------------------


async def test_no_more_than_max_concurrency_requests_are_in_flight() -> None:
    gate = Gate()
    io = make_client(gate, retry=NO_RETRY, max_concurrency=3)

    tasks = [asyncio.create_task(io.invoices.get(id)) for id in range(1, 21)]
    await settle()

    assert gate.inside == 3
    assert gate.entered == 3

    gate.open.set()
    invoices = await asyncio.gather(*tasks)

    assert [invoice.id for invoice in invoices] == list(range(1, 21))
    assert gate.entered == 20
    assert gate.most_inside == 3


async def test_the_limit_is_shared_by_every_resource_of_a_client() -> None:
    gate = Gate()
    io = make_client(gate, retry=NO_RETRY, max_concurrency=2)

    tasks = [
        *(asyncio.create_task(io.invoices.get(id)) for id in range(1, 4)),
        *(asyncio.create_task(io.clients.get(id)) for id in range(1, 4)),
    ]
    await settle()
    assert gate.inside == 2

    gate.open.set()
    await asyncio.gather(*tasks)
    assert gate.entered == 6
    assert gate.most_inside == 2


async def test_separate_clients_do_not_share_a_limit() -> None:
    gate = Gate()
    first = make_client(gate, retry=NO_RETRY, max_concurrency=1)
    second = make_client(gate, retry=NO_RETRY, max_concurrency=1)

    tasks = [asyncio.create_task(io.invoices.get(1)) for io in (first, second)]
    await settle()
    assert gate.inside == 2

    gate.open.set()
    await asyncio.gather(*tasks)


async def test_a_failed_request_gives_its_slot_back() -> None:
    answers: list[Response | Exception] = [ConnectError("refused"), json_response(503)]

    def handler(request: Request) -> Response:
        if answers:
            answer = answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        return invoice_for(request)

    io = make_client(handler, retry=NO_RETRY, max_concurrency=1)

    with pytest.raises(ConnectError):
        await io.invoices.get(1)
    with pytest.raises(ServerError):
        await io.invoices.get(2)
    invoice = await asyncio.wait_for(io.invoices.get(3), timeout=1)

    assert invoice.id == 3


async def test_a_cancelled_request_gives_its_slot_back() -> None:
    gate = Gate()
    io = make_client(gate, retry=NO_RETRY, max_concurrency=1)

    first = asyncio.create_task(io.invoices.get(1))
    await asyncio.wait_for(gate.arrived.wait(), timeout=1)
    second = asyncio.create_task(io.invoices.get(2))
    await settle()
    assert gate.entered == 1

    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    await settle()
    assert gate.entered == 2

    gate.open.set()
    assert (await asyncio.wait_for(second, timeout=1)).id == 2


async def test_a_request_sleeping_in_backoff_does_not_hold_a_slot() -> None:
    sleeping = asyncio.Event()
    wake = asyncio.Event()
    seen: list[int] = []
    first_try = True

    async def blocking_sleep(seconds: float) -> None:
        sleeping.set()
        await wake.wait()

    def routed(request: Request) -> Response:
        nonlocal first_try
        id = requested_id(request)
        seen.append(id)
        if id == 1 and first_try:
            first_try = False
            return json_response(503, {"message": "busy"})
        return invoice_for(request)

    sleeper = SleepRecorder()
    io = make_client(
        routed,
        retry=RetryPolicy(sleep=blocking_sleep, clock=sleeper.clock),
        max_concurrency=1,
    )

    a = asyncio.create_task(io.invoices.get(1))
    await asyncio.wait_for(sleeping.wait(), timeout=1)

    # A is asleep in backoff: B gets the only slot and finishes meanwhile.
    b = await asyncio.wait_for(io.invoices.get(2), timeout=1)
    assert b.id == 2
    assert not a.done()
    assert seen == [1, 2]

    wake.set()
    assert (await asyncio.wait_for(a, timeout=1)).id == 1
    assert seen == [1, 2, 1]


# rate --------------------------------------------------------------------------------------------


async def test_rate_limit_spaces_request_starts() -> None:
    starts: list[float] = []

    def handler(request: Request) -> Response:
        starts.append(time.monotonic())
        return invoice_for(request)

    io = make_client(handler, retry=NO_RETRY, rate_limit=50)
    began = time.monotonic()

    await asyncio.gather(*(io.invoices.get(id) for id in range(1, 6)))

    elapsed = time.monotonic() - began
    assert len(starts) == 5
    starts.sort()
    # 50 per second: one start every 20 ms, so five starts span at least 80 ms.
    assert starts[-1] - starts[0] >= 4 / 50 - 0.005
    assert all(later - earlier >= 1 / 50 - 0.005 for earlier, later in itertools.pairwise(starts))
    assert elapsed < 0.5


async def test_rate_limit_also_spaces_sequential_requests() -> None:
    starts: list[float] = []

    def handler(request: Request) -> Response:
        starts.append(time.monotonic())
        return invoice_for(request)

    io = make_client(handler, retry=NO_RETRY, rate_limit=50)
    for id in range(1, 4):
        await io.invoices.get(id)

    assert starts[-1] - starts[0] >= 2 / 50 - 0.005


async def test_without_a_rate_limit_requests_start_at_once() -> None:
    starts: list[float] = []

    def handler(request: Request) -> Response:
        starts.append(time.monotonic())
        return invoice_for(request)

    io = make_client(handler, retry=NO_RETRY)
    await asyncio.gather(*(io.invoices.get(id) for id in range(1, 11)))

    assert len(starts) == 10
    assert max(starts) - min(starts) < 0.05


# arguments ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("max_concurrency", "rate_per_second"),
    [
        (0, None),
        (-1, None),
        (1.5, None),
        (True, None),
        ("3", None),
        (1, 0),
        (1, -1),
        (1, math.nan),
        (1, math.inf),
        (1, True),
        (1, "10"),
    ],
    ids=repr,
)
def test_invalid_limiter_arguments_raise_configuration_error(
    max_concurrency: Any, rate_per_second: Any
) -> None:
    with pytest.raises(ConfigurationError):
        LimiterMiddleware(max_concurrency, rate_per_second)


@pytest.mark.parametrize(
    "options",
    [
        {"max_concurrency": 0},
        {"max_concurrency": -3},
        {"rate_limit": 0},
        {"rate_limit": -5},
        {"rate_limit": math.nan},
    ],
    ids=repr,
)
def test_invalid_client_limits_raise_configuration_error(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        InvoiceOcean(prefix="acme", api_token="test-token", **options)


def test_valid_limiter_arguments_are_kept() -> None:
    limiter = LimiterMiddleware(4, 2.5)
    assert limiter.max_concurrency == 4
