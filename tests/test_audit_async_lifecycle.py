"""Lifecycle and waiting under load: closing a busy transport, cancelled waits that must give
their place back, a throttle queue that wakes one waiter per free place, and one client used
from a second event loop.

No test sleeps for real: servers block on their own connections, time is injected where the
code takes a clock, and ``asyncio.wait_for`` is only a guard against a hang.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest

from invoceanio import ConfigurationError, InvoiceOcean, RateLimitError, RetryPolicy
from invoceanio.errors import ClientClosedError, ConnectError, ConnectionLostError, RequestTimeout
from invoceanio.http import Request, Response
from invoceanio.middleware.limiter import LimiterMiddleware, Pacer
from invoceanio.middleware.throttle import AdaptiveThrottle
from invoceanio.transport import AiohttpTransport, MockTransport
from tests.support import SleepRecorder

GUARD = 10.0  # seconds; only ever reached by a hang


async def settle(rounds: int = 30) -> None:
    for _ in range(rounds):
        await asyncio.sleep(0)


# --- a raw server that holds requests ------------------------------------------------------------


class HoldingServer:
    """Reads each request's head, counts it, and then holds the connection until the client
    drops it (or, with ``refuse_after_first``, stops listening and drops the first one). With
    ``partial_answer``, it first sends an answer's head and the first byte of its body."""

    def __init__(self, *, refuse_after_first: bool = False, partial_answer: bool = False) -> None:
        self.received = 0
        self.arrived = asyncio.Event()
        self.refuse_after_first = refuse_after_first
        self.partial_answer = partial_answer
        self.server: asyncio.Server | None = None

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            if self.partial_answer:
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 1000\r\n\r\n["
                )
                await writer.drain()
            self.received += 1
            self.arrived.set()
            if self.refuse_after_first:
                assert self.server is not None
                self.server.close()  # the client's re-send finds the port closed
                writer.transport.abort()
                return
            await reader.read()  # until the client closes the connection
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def start(self) -> str:
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def wait_for(self, count: int) -> None:
        while self.received < count:
            self.arrived.clear()
            await self.arrived.wait()


@pytest.fixture
async def holding() -> AsyncIterator[Callable[..., Any]]:
    servers: list[HoldingServer] = []

    async def start(**options: Any) -> tuple[HoldingServer, str]:
        server = HoldingServer(**options)
        servers.append(server)
        return server, await server.start()

    yield start
    for server in servers:
        assert server.server is not None
        server.server.close()
        await server.server.wait_closed()


# --- 1. aclose() with a full connection pool -----------------------------------------------------


async def test_aclose_with_a_full_pool_fails_in_flight_gets_at_once_as_maybe_sent(
    holding: Callable[..., Any],
) -> None:
    server, base = await holding()
    # No time limits: before the fix aiohttp's re-send waited for a pool slot that the closed
    # connector never frees, so these requests never finished.
    transport = AiohttpTransport(max_connections=2, timeout=None, connect_timeout=None)
    sends = [
        asyncio.create_task(transport.send(Request(method="GET", url=f"{base}/invoices/{n}.json")))
        for n in (1, 2)
    ]
    await asyncio.wait_for(server.wait_for(2), GUARD)  # the pool is full

    await transport.aclose()
    results = await asyncio.wait_for(asyncio.gather(*sends, return_exceptions=True), GUARD)

    assert server.received == 2
    for result in results:
        assert isinstance(result, ConnectionLostError), repr(result)
        assert result.request_sent  # the server has them: a retry must not assume otherwise


async def test_aclose_ends_a_request_reading_its_body_at_once_as_maybe_sent(
    holding: Callable[..., Any],
) -> None:
    # The answer's head and one byte of body arrived, the rest never comes. No time limit:
    # before the fix the read went on after the close until the timeout, here for ever.
    server, base = await holding(partial_answer=True)
    transport = AiohttpTransport(timeout=None, connect_timeout=None)
    send = asyncio.create_task(transport.send(Request(method="GET", url=f"{base}/invoices/1.json")))
    await asyncio.wait_for(server.wait_for(1), GUARD)
    await settle()  # the head is read: the send is in the body now

    await transport.aclose()
    with pytest.raises(ConnectionLostError) as caught:
        await asyncio.wait_for(send, GUARD)
    assert caught.value.request_sent


async def test_client_aclose_ends_a_list_whose_page_is_half_read(
    holding: Callable[..., Any],
) -> None:
    server, base = await holding(partial_answer=True)
    io = InvoiceOcean(base_url=base, api_token="a-long-enough-token", timeout=None)
    listing = asyncio.create_task(io.invoices.list())
    await asyncio.wait_for(server.wait_for(1), GUARD)
    await settle()

    await io.aclose()
    with pytest.raises(ClientClosedError):
        await asyncio.wait_for(listing, GUARD)
    assert server.received == 1  # ended, not re-sent to the server


async def test_a_resend_that_cannot_reconnect_is_reported_as_maybe_sent(
    holding: Callable[..., Any],
) -> None:
    # The server reads the GET, stops listening and drops the connection: aiohttp re-sends
    # the idempotent request once, and that connect is refused. The request did arrive.
    server, base = await holding(refuse_after_first=True)
    async with AiohttpTransport() as transport:
        with pytest.raises(ConnectionLostError) as caught:
            await asyncio.wait_for(
                transport.send(Request(method="GET", url=f"{base}/invoices/1.json")), GUARD
            )
    assert server.received == 1
    assert caught.value.request_sent
    assert not isinstance(caught.value, ConnectError)


async def test_a_request_queued_for_a_connection_when_the_transport_closes_was_not_sent(
    holding: Callable[..., Any],
) -> None:
    server, base = await holding()
    transport = AiohttpTransport(max_connections=1, timeout=None, connect_timeout=None)

    def post() -> asyncio.Task[Response]:
        request = Request(method="POST", url=f"{base}/invoices.json", body=b"{}")
        return asyncio.create_task(transport.send(request))

    first, queued = post(), post()
    await asyncio.wait_for(server.wait_for(1), GUARD)
    await settle()  # the second one waits in the pool for the only connection

    await transport.aclose()
    sent, not_sent = await asyncio.wait_for(
        asyncio.gather(first, queued, return_exceptions=True), GUARD
    )

    assert server.received == 1
    assert isinstance(sent, ConnectionLostError) and sent.request_sent
    # Not a bare CancelledError (nobody cancelled the caller), and truthfully "not sent".
    assert isinstance(not_sent, ConnectError), repr(not_sent)
    assert not not_sent.request_sent


def test_a_resend_timing_out_while_connecting_is_not_reported_as_unsent() -> None:
    from invoceanio.transport.aiohttp import _CONNECTING, _RECONNECTING

    transport = AiohttpTransport()
    request = Request(method="GET", url="https://acme.invoiceocean.com/invoices/1.json")
    first = transport._translate(aiohttp.ConnectionTimeoutError("slow"), request, _CONNECTING)
    resend = transport._translate(aiohttp.ConnectionTimeoutError("slow"), request, _RECONNECTING)

    assert isinstance(first, RequestTimeout) and not first.request_sent
    assert isinstance(resend, RequestTimeout) and resend.request_sent


# --- 4. Pacer: a cancelled wait books nothing ---------------------------------------------------


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


async def test_cancelled_paced_requests_leave_no_phantom_start_times() -> None:
    time = HeldTime()
    pacer = Pacer(2, clock=time.clock, sleep=time.sleep)
    await pacer.wait()  # starts at once; the next start is at 0.5 s

    waiting = [asyncio.create_task(pacer.wait()) for _ in range(20)]
    await settle()
    for task in waiting:
        task.cancel()
    await asyncio.gather(*waiting, return_exceptions=True)

    later = asyncio.create_task(pacer.wait())
    await settle()
    # Before the fix each cancelled request kept its slot: this one waited 10.5 s.
    assert time.sleeps[-1] == 0.5
    time.advance(0.5)
    await asyncio.wait_for(later, GUARD)


async def test_paced_requests_still_start_evenly_spaced() -> None:
    time = HeldTime()
    pacer = Pacer(4, clock=time.clock, sleep=time.sleep)
    started: list[float] = []

    async def go() -> None:
        await pacer.wait()
        started.append(time.now)

    tasks = [asyncio.create_task(go()) for _ in range(4)]
    await settle()
    for _ in range(3):
        time.advance(0.25)
        await settle()
    await asyncio.wait_for(asyncio.gather(*tasks), GUARD)
    assert started == [0.0, 0.25, 0.5, 0.75]


# --- 5. AdaptiveThrottle: one wake-up per free place ------------------------------------------


REQUEST = Request(method="GET", url="https://acme.invoiceocean.com/invoices.json")


class Gates:
    """``call_next`` for the throttle: each request entering it waits on its own gate, made in
    advance so that the only futures the loop creates later are the throttle's."""

    def __init__(self, loop: asyncio.AbstractEventLoop, count: int) -> None:
        self.gates: list[asyncio.Future[None]] = [loop.create_future() for _ in range(count)]
        self.entered: list[int] = []

    async def __call__(self, request: Request) -> Response:
        number = len(self.entered)
        self.entered.append(number)
        await self.gates[number]
        return Response(status=200)

    def open(self, number: int) -> None:
        self.gates[number].set_result(None)


class FutureCounter:
    """Counts the futures a loop creates: each is one more wait of a woken-and-refused task."""

    def __init__(self, loop: asyncio.AbstractEventLoop, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        original = loop.create_future

        def counting() -> asyncio.Future[Any]:
            self.count += 1
            return original()

        monkeypatch.setattr(loop, "create_future", counting)


async def test_a_release_wakes_one_queued_request_not_every_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loop = asyncio.get_running_loop()
    throttle = AdaptiveThrottle(2)
    gates = Gates(loop, 50)
    tasks = [asyncio.create_task(throttle(REQUEST, gates)) for _ in range(50)]
    await settle()
    assert gates.entered == [0, 1]

    counter = FutureCounter(loop, monkeypatch)
    for number in range(10):
        gates.open(number)
        await settle()
    # Each release let exactly one more in, and no queued request woke only to wait again
    # (before the fix every release woke all of them: ~47 fresh waits per release).
    assert gates.entered == list(range(12))
    assert counter.count == 0

    monkeypatch.undo()
    for number in range(10, 50):
        gates.open(number)
    await asyncio.wait_for(asyncio.gather(*tasks), GUARD)
    assert throttle.in_flight == 0


async def test_queued_requests_go_in_arrival_order_and_cancelled_ones_give_way() -> None:
    loop = asyncio.get_running_loop()
    throttle = AdaptiveThrottle(1)
    gates = Gates(loop, 10)
    order: list[int] = []

    async def request(number: int) -> None:
        await throttle(REQUEST, gates)
        order.append(number)

    tasks = [asyncio.create_task(request(n)) for n in range(8)]
    await settle()
    tasks[3].cancel()  # cancelled while queued: leaves the line
    gates.open(0)
    await asyncio.sleep(0)  # request 0 releases its place, promising it to request 1
    tasks[1].cancel()  # woken, then cancelled before it ran: the promise passes on
    await settle()
    for number in range(1, 6):
        gates.open(number)
        await settle()

    assert order == [0, 2, 4, 5, 6, 7]
    results = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), GUARD)
    assert [isinstance(r, asyncio.CancelledError) for r in results] == [
        n in (1, 3) for n in range(8)
    ]
    assert throttle.in_flight == 0
    # Nothing is left promised or queued: the next request goes straight in.
    gates.open(len(gates.entered))
    await asyncio.wait_for(throttle(REQUEST, gates), GUARD)


async def test_a_shared_pause_still_holds_back_queued_requests() -> None:
    time = HeldTime()
    throttle = AdaptiveThrottle(1, clock=time.clock, sleep=time.sleep)
    answers = [Response(status=429, headers={"Retry-After": "30"}), Response(status=200)]
    seen: list[float] = []

    async def call_next(request: Request) -> Response:
        seen.append(time.now)
        await asyncio.sleep(0)
        return answers.pop(0) if answers else Response(status=200)

    tasks = [asyncio.create_task(throttle(REQUEST, call_next)) for _ in range(3)]
    await settle()
    assert seen == [0.0] and throttle.paused_until == 30.0  # the others wait out the pause
    time.advance(30)
    await asyncio.wait_for(asyncio.gather(*tasks), GUARD)
    assert seen == [0.0, 30.0, 30.0]


# --- 6. one client, two event loops -------------------------------------------------------------


async def _answer(request: Request) -> Response:
    await asyncio.sleep(0)
    return Response(status=200, headers={"Content-Type": "application/json"}, body=b'{"id": 1}')


@pytest.mark.parametrize("adaptive", [True, False], ids=["adaptive", "fixed"])
def test_a_client_used_from_a_second_event_loop_raises_configuration_error(
    adaptive: bool,
) -> None:
    io = InvoiceOcean(
        prefix="acme",
        api_token="test-token",
        max_concurrency=2,
        transport=MockTransport(_answer),
        adaptive_concurrency=adaptive,
    )

    async def burst() -> list[Any]:
        calls = [io.invoices.get(1) for _ in range(8)]
        return await asyncio.gather(*calls, return_exceptions=True)

    first = asyncio.run(burst())
    second = asyncio.run(burst())

    assert all(getattr(r, "id", None) == 1 for r in first), first
    # Every request of the second loop, not only those that happened to wait, and never a
    # raw "bound to a different event loop" RuntimeError.
    assert all(isinstance(r, ConfigurationError) for r in second), second
    assert all("one client per event loop" in str(r) for r in second)


def test_the_limiter_refuses_every_request_of_a_second_loop() -> None:
    limiter = LimiterMiddleware(1)

    async def call_next(request: Request) -> Response:
        return Response(status=200)

    async def once() -> int:
        return (await limiter(REQUEST, call_next)).status

    assert asyncio.run(once()) == 200  # uncontended: nothing had to wait, still refused below
    with pytest.raises(ConfigurationError, match="one client per event loop"):
        asyncio.run(once())


def test_the_throttle_refuses_to_queue_a_request_in_a_second_loop() -> None:
    throttle = AdaptiveThrottle(1)

    async def call_next(request: Request) -> Response:
        await asyncio.sleep(0)
        return Response(status=200)

    async def two() -> list[Any]:
        calls = [throttle(REQUEST, call_next) for _ in range(2)]
        return await asyncio.gather(*calls, return_exceptions=True)

    assert [r.status for r in asyncio.run(two())] == [200, 200]
    first, queued = asyncio.run(two())
    # The way in needs no loop; the wait does, and it is refused with the typed error (before
    # the fix: RuntimeError, "... is bound to a different event loop").
    assert first.status == 200
    assert isinstance(queued, ConfigurationError) and "one client per event loop" in str(queued)
    assert throttle.in_flight == 0


def test_a_pause_left_by_the_first_loop_does_not_delay_the_second_loops_refusal() -> None:
    # A worker that runs asyncio.run() per job with one module-level client: a job that ended
    # during a shared Retry-After pause made the next job's call sleep the pause out (up to
    # two minutes) before it was told the client belongs to another loop.
    def throttled(request: Request) -> Response:
        return Response(
            status=429,
            headers={"Content-Type": "application/json", "Retry-After": "20"},
            body=b'{"message": "slow down"}',
        )

    sleeper = SleepRecorder()
    # Two attempts: the second 429 comes when the job's retries are spent, pause and all.
    policy = RetryPolicy(max_attempts=2, sleep=sleeper.sleep, clock=sleeper.clock)
    io = InvoiceOcean(
        prefix="acme", api_token="test-token", transport=MockTransport(throttled), retry=policy
    )
    with pytest.raises(RateLimitError):
        asyncio.run(io.invoices.get(1))
    assert io.throttle is not None and io.throttle.paused_until > sleeper.now
    slept = len(sleeper.delays)

    with pytest.raises(ConfigurationError, match="one client per event loop"):
        asyncio.run(io.invoices.get(1))
    assert sleeper.delays[slept:] == []  # refused at once, not after the first loop's pause
