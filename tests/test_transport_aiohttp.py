"""AiohttpTransport against real sockets on 127.0.0.1 and against aioresponses.

The contract suite covers what every transport shares; this file covers what only a real
network stack can do wrong: refused and dropped connections, servers that never answer,
bodies that never end, connection reuse, and aiohttp exceptions whose text holds the URL.
"""

from __future__ import annotations

import asyncio
import gzip
import re
import socket
import ssl
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from aioresponses import aioresponses
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from invoceanio.errors import (
    ConfigurationError,
    ConnectError,
    ConnectionLostError,
    InvoiceOceanError,
    RequestTimeout,
    ResponseTooLargeError,
    TransportError,
)
from invoceanio.http import Request
from invoceanio.transport import AiohttpTransport

CANARY = "CANARY-5d1e0b-secret-token"
TOKEN_PARAMS = (("page", "1"), ("api_token", CANARY))
MOCKED = re.compile(r"^https://acme\.example\.test/.*$")
MOCKED_URL = "https://acme.example.test/invoices.json"


def assert_no_canary(err: BaseException) -> None:
    rendered = "".join(traceback.format_exception(err))
    for text in (str(err), repr(err), rendered):
        assert CANARY not in text
    if isinstance(err, TransportError | ResponseTooLargeError):
        assert "REDACTED" in err.url


# --- servers ---------------------------------------------------------------------------


@dataclass
class Seen:
    ports: list[int] = field(default_factory=list)
    user_agents: list[str] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    stream_completed: bool = False


@pytest.fixture
async def web_server() -> AsyncIterator[tuple[str, Seen]]:
    seen = Seen()

    async def hello(request: web.Request) -> web.Response:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        seen.ports.append(peer[1] if peer else -1)
        seen.user_agents.append(request.headers.get("User-Agent", ""))
        seen.in_flight += 1
        seen.max_in_flight = max(seen.max_in_flight, seen.in_flight)
        try:
            await asyncio.sleep(float(request.query.get("delay", "0")))
        finally:
            seen.in_flight -= 1
        return web.Response(body=b"hello")

    async def big(request: web.Request) -> web.Response:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        seen.ports.append(peer[1] if peer else -1)
        return web.Response(body=b"z" * int(request.query["size"]))

    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        chunk = b"y" * 65536
        try:
            # 64 MiB: far more than any socket buffer, so finishing means the client read it.
            for _ in range(1024):
                await response.write(chunk)
        except (ConnectionError, aiohttp.ClientConnectionResetError):
            return response
        seen.stream_completed = True
        await response.write_eof()
        return response

    async def chunked_small(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        for part in (b"a" * 100, b"b" * 100, b"c" * 100):
            await response.write(part)
        await response.write_eof()
        return response

    async def bomb(request: web.Request) -> web.Response:
        return web.Response(
            body=gzip.compress(b"\0" * 2_000_000), headers={"Content-Encoding": "gzip"}
        )

    app = web.Application()
    app.router.add_get("/hello", hello)
    app.router.add_get("/big", big)
    app.router.add_get("/endless", endless)
    app.router.add_get("/chunked", chunked_small)
    app.router.add_get("/bomb", bomb)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/"), seen
    finally:
        await server.close()


@asynccontextmanager
async def raw_server(
    handle: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
) -> AsyncIterator[str]:
    writers: list[asyncio.StreamWriter] = []

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        try:
            await handle(reader, writer)
        except ConnectionError:
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        for writer in writers:
            writer.close()
        await server.wait_closed()


async def hang_up_after_headers(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")


async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    # Keep reading until the client gives up, so the handler ends with the connection.
    while await reader.read(65536):
        pass


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
async def transports() -> AsyncIterator[Callable[..., AiohttpTransport]]:
    made: list[AiohttpTransport] = []

    def make(**kwargs: Any) -> AiohttpTransport:
        transport = AiohttpTransport(**kwargs)
        made.append(transport)
        return transport

    yield make
    for transport in made:
        await transport.aclose()


# --- failures on real sockets ----------------------------------------------------------


async def test_refused_connection_is_a_connect_error(
    transports: Callable[..., AiohttpTransport],
) -> None:
    request = Request(
        method="POST",
        url=f"http://127.0.0.1:{closed_port()}/invoices.json",
        params=TOKEN_PARAMS,
        body=b"{}",
    )

    with pytest.raises(ConnectError) as info:
        await transports().send(request)

    err = info.value
    assert err.request_sent is False
    assert err.outcome_unknown is False
    assert err.method == "POST"
    assert err.url == request.safe_url
    assert "api_token=REDACTED" in str(err)
    assert isinstance(err.__cause__, aiohttp.ClientConnectorError)  # nothing secret in it
    assert_no_canary(err)


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_server_hanging_up_is_connection_lost(
    transports: Callable[..., AiohttpTransport], method: str
) -> None:
    async with raw_server(hang_up_after_headers) as base:
        request = Request(method=method, url=f"{base}/x", params=TOKEN_PARAMS, body=b"{}")
        with pytest.raises(ConnectionLostError) as info:
            await transports(timeout=2).send(request)

    err = info.value
    assert err.request_sent is True
    assert err.method == method
    assert err.url == request.safe_url
    assert_no_canary(err)


async def test_silent_server_times_out_in_the_read_phase(
    transports: Callable[..., AiohttpTransport],
) -> None:
    async with raw_server(never_answer) as base:
        request = Request(method="POST", url=f"{base}/x", params=TOKEN_PARAMS, timeout=0.2)
        with pytest.raises(RequestTimeout) as info:
            await transports().send(request)

    err = info.value
    assert err.phase == "read"
    assert err.request_sent is True
    assert err.url == request.safe_url
    assert_no_canary(err)


async def test_default_timeout_applies_without_a_per_request_one(
    transports: Callable[..., AiohttpTransport],
) -> None:
    async with raw_server(never_answer) as base:
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(RequestTimeout) as info:
            await transports(timeout=0.2).send(Request(method="GET", url=f"{base}/x"))
    assert info.value.phase == "read"
    assert loop.time() - started < 1.0


async def _hang(*args: object, **kwargs: object) -> None:
    await asyncio.sleep(10)


async def _transport_with_hanging_connects(
    make: Callable[..., AiohttpTransport], base: str, **kwargs: Any
) -> AiohttpTransport:
    transport = make(**kwargs)
    await transport.send(Request(method="GET", url=f"{base}/hello"))
    assert transport.session is not None
    # Only new connections hang; the pooled one is bypassed by using another host below.
    transport.session.connector._create_connection = _hang  # type: ignore[method-assign,union-attr]
    return transport


async def test_total_timeout_while_connecting_is_a_connect_timeout(
    transports: Callable[..., AiohttpTransport], web_server: tuple[str, Seen]
) -> None:
    base, _ = web_server
    transport = await _transport_with_hanging_connects(transports, base, connect_timeout=5)
    request = Request(method="POST", url="http://localhost:9/x", params=TOKEN_PARAMS, timeout=0.2)

    with pytest.raises(RequestTimeout) as info:
        await transport.send(request)

    assert info.value.phase == "connect"
    assert info.value.request_sent is False
    assert_no_canary(info.value)


async def test_connect_timeout_is_a_connect_timeout(
    transports: Callable[..., AiohttpTransport], web_server: tuple[str, Seen]
) -> None:
    base, _ = web_server
    transport = await _transport_with_hanging_connects(
        transports, base, connect_timeout=0.1, timeout=5
    )
    request = Request(method="POST", url="http://localhost:9/x", params=TOKEN_PARAMS)

    with pytest.raises(RequestTimeout) as info:
        await transport.send(request)

    assert info.value.phase == "connect"
    assert info.value.request_sent is False
    assert_no_canary(info.value)


async def test_unknown_phase_with_a_supplied_session_counts_as_sent() -> None:
    # A supplied session has no phase bookkeeping, so the bare total timeout is "total".
    async with raw_server(never_answer) as base, aiohttp.ClientSession() as session:
        transport = AiohttpTransport(session=session)
        with pytest.raises(RequestTimeout) as info:
            await transport.send(Request(method="POST", url=f"{base}/x", timeout=0.2))
        await transport.aclose()
    assert info.value.phase == "total"
    assert info.value.request_sent is True


async def test_unusable_url_is_a_configuration_error(
    transports: Callable[..., AiohttpTransport],
) -> None:
    request = Request(method="GET", url="ftp://example.test/x", params=TOKEN_PARAMS)
    with pytest.raises(ConfigurationError) as info:
        await transports().send(request)
    assert request.safe_url in str(info.value)
    assert_no_canary(info.value)


# --- body cap ----------------------------------------------------------------------------


async def test_cap_via_content_length_drops_the_connection(
    transports: Callable[..., AiohttpTransport], web_server: tuple[str, Seen]
) -> None:
    base, seen = web_server
    transport = transports(max_body_size=1000)
    await transport.send(Request(method="GET", url=f"{base}/hello"))
    await transport.send(Request(method="GET", url=f"{base}/hello"))
    assert seen.ports[0] == seen.ports[1]  # keep-alive: the control case

    # Big enough that most of it is still on the wire when the cap trips: a body that had
    # already arrived whole would leave a clean connection worth keeping.
    request = Request(
        method="GET", url=f"{base}/big", params=(("size", "5000000"), ("api_token", CANARY))
    )
    with pytest.raises(ResponseTooLargeError) as info:
        await transport.send(request)
    await transport.send(Request(method="GET", url=f"{base}/hello"))

    err = info.value
    assert err.status == 200
    assert err.url == request.safe_url
    assert_no_canary(err)
    # The oversized response went over the pooled connection, which was then closed.
    assert seen.ports[2] == seen.ports[1]
    assert seen.ports[3] != seen.ports[2]


async def declare_huge_then_stall(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    await reader.readuntil(b"\r\n\r\n")
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n" + b"x" * 10)
    await writer.drain()
    await never_answer(reader, writer)


async def test_cap_trips_on_content_length_before_reading_the_body(
    transports: Callable[..., AiohttpTransport],
) -> None:
    # The body never arrives: only the declared length can trip the cap in time.
    async with raw_server(declare_huge_then_stall) as base:
        request = Request(method="GET", url=f"{base}/x", params=TOKEN_PARAMS, timeout=0.5)
        with pytest.raises(ResponseTooLargeError) as info:
            await transports(max_body_size=1000).send(request)
    assert_no_canary(info.value)


async def test_cap_on_a_chunked_body_stops_reading_early(
    transports: Callable[..., AiohttpTransport], web_server: tuple[str, Seen]
) -> None:
    base, seen = web_server
    transport = transports(max_body_size=200_000)
    request = Request(method="GET", url=f"{base}/endless", params=TOKEN_PARAMS, timeout=2)

    with pytest.raises(ResponseTooLargeError) as info:
        await transport.send(request)

    assert seen.stream_completed is False
    assert_no_canary(info.value)
    # Still usable afterwards.
    assert (await transport.send(Request(method="GET", url=f"{base}/hello"))).body == b"hello"


async def test_chunked_body_under_the_cap_is_read_whole(
    transports: Callable[..., AiohttpTransport], web_server: tuple[str, Seen]
) -> None:
    base, _ = web_server
    response = await transports(max_body_size=300).send(
        Request(method="GET", url=f"{base}/chunked")
    )
    assert response.body == b"a" * 100 + b"b" * 100 + b"c" * 100


async def test_cap_applies_to_the_decompressed_body(
    transports: Callable[..., AiohttpTransport], web_server: tuple[str, Seen]
) -> None:
    base, _ = web_server
    with pytest.raises(ResponseTooLargeError):
        await transports(max_body_size=100_000).send(Request(method="GET", url=f"{base}/bomb"))

    response = await transports(max_body_size=3_000_000).send(
        Request(method="GET", url=f"{base}/bomb")
    )
    assert response.body == b"\0" * 2_000_000


async def test_head_with_a_large_content_length_is_not_too_large(
    transports: Callable[..., AiohttpTransport], web_server: tuple[str, Seen]
) -> None:
    base, _ = web_server
    response = await transports(max_body_size=10).send(
        Request(method="HEAD", url=f"{base}/big", params=(("size", "5000"),))
    )
    assert response.status == 200
    assert response.headers["Content-Length"] == "5000"
    assert response.body == b""


# --- session lifecycle -------------------------------------------------------------------


async def test_one_session_and_connection_serve_many_sends(
    transports: Callable[..., AiohttpTransport], web_server: tuple[str, Seen]
) -> None:
    base, seen = web_server
    transport = transports()
    assert transport.session is None  # created lazily

    await transport.send(Request(method="GET", url=f"{base}/hello"))
    session = transport.session
    assert session is not None
    connector = session.connector
    for _ in range(10):
        await transport.send(Request(method="GET", url=f"{base}/hello"))
    await asyncio.gather(
        *(transport.send(Request(method="GET", url=f"{base}/hello")) for _ in range(10))
    )

    assert transport.session is session
    assert session.connector is connector
    assert len(set(seen.ports[:11])) == 1
    assert len(set(seen.ports)) <= 10


async def test_max_connections_bounds_concurrency(
    transports: Callable[..., AiohttpTransport], web_server: tuple[str, Seen]
) -> None:
    base, seen = web_server
    transport = transports(max_connections=2)
    request = Request(method="GET", url=f"{base}/hello", params=(("delay", "0.05"),))

    await asyncio.gather(*(transport.send(request) for _ in range(6)))

    assert transport.session is not None
    connector = transport.session.connector
    assert isinstance(connector, aiohttp.TCPConnector)
    assert (connector.limit, connector.limit_per_host) == (2, 2)
    assert seen.max_in_flight == 2
    assert len(set(seen.ports)) == 2


async def test_aclose_closes_an_owned_session(
    web_server: tuple[str, Seen],
) -> None:
    base, _ = web_server
    transport = AiohttpTransport()
    await transport.send(Request(method="GET", url=f"{base}/hello"))
    session = transport.session
    assert session is not None

    await transport.aclose()

    assert session.closed
    assert transport.closed
    assert transport.session is None
    with pytest.raises(ConfigurationError, match="closed"):
        await transport.send(Request(method="GET", url=f"{base}/hello"))


async def test_aclose_leaves_a_supplied_session_open(web_server: tuple[str, Seen]) -> None:
    base, _ = web_server
    async with aiohttp.ClientSession() as session:
        async with AiohttpTransport(session=session) as transport:
            response = await transport.send(Request(method="GET", url=f"{base}/hello"))
            assert transport.session is session
        assert response.body == b"hello"
        assert not session.closed
        assert transport.closed


async def test_supplied_session_closed_underneath_is_a_configuration_error(
    web_server: tuple[str, Seen],
) -> None:
    base, _ = web_server
    session = aiohttp.ClientSession()
    transport = AiohttpTransport(session=session)
    await session.close()
    with pytest.raises(ConfigurationError):
        await transport.send(Request(method="GET", url=f"{base}/hello"))


async def test_closed_supplied_session_is_refused_up_front() -> None:
    session = aiohttp.ClientSession()
    await session.close()
    with pytest.raises(ConfigurationError):
        AiohttpTransport(session=session)


async def test_use_from_another_event_loop_is_refused(
    transports: Callable[..., AiohttpTransport], web_server: tuple[str, Seen]
) -> None:
    base, _ = web_server
    transport = transports()
    request = Request(method="GET", url=f"{base}/hello")
    await transport.send(request)

    with pytest.raises(ConfigurationError, match="event loop"):
        await asyncio.to_thread(asyncio.run, transport.send(request))


async def test_user_agent_is_sent_and_a_request_header_wins(
    transports: Callable[..., AiohttpTransport], web_server: tuple[str, Seen]
) -> None:
    base, seen = web_server
    transport = transports(user_agent="invoceanio-test/1.0")
    await transport.send(Request(method="GET", url=f"{base}/hello"))
    await transport.send(
        Request(method="GET", url=f"{base}/hello", headers={"user-agent": "custom/2"})
    )
    async with aiohttp.ClientSession() as session:
        supplied = AiohttpTransport(session=session, user_agent="invoceanio-test/1.0")
        await supplied.send(Request(method="GET", url=f"{base}/hello"))
        await supplied.send(
            Request(method="GET", url=f"{base}/hello", headers={"User-Agent": "custom/3"})
        )

    assert seen.user_agents == [
        "invoceanio-test/1.0",
        "custom/2",
        "invoceanio-test/1.0",
        "custom/3",
    ]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_connections": 0},
        {"max_connections": 1.5},
        {"max_body_size": 0},
        {"max_body_size": True},
        {"timeout": 0},
        {"timeout": -1.0},
        {"connect_timeout": 0},
    ],
)
def test_bad_arguments_are_configuration_errors(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        AiohttpTransport(**kwargs)


async def test_non_positive_request_timeout_is_a_configuration_error(
    transports: Callable[..., AiohttpTransport],
) -> None:
    with pytest.raises(ConfigurationError):
        await transports().send(Request(method="GET", url=MOCKED_URL, timeout=0))


# --- exception mapping (aioresponses) ----------------------------------------------------


def _connection_key() -> Any:
    # The connector errors only read these attributes of their ConnectionKey.
    return SimpleNamespace(host="acme.example.test", port=443, ssl=True, is_ssl=True)


@pytest.mark.parametrize(
    ("exc", "expected", "phase"),
    [
        (aiohttp.ServerDisconnectedError(), ConnectionLostError, None),
        (aiohttp.ClientPayloadError("truncated"), ConnectionLostError, None),
        (aiohttp.ClientOSError(104, "Connection reset by peer"), ConnectionLostError, None),
        (ConnectionResetError(104, "reset"), ConnectionLostError, None),
        (aiohttp.ClientConnectionResetError("reset"), ConnectionLostError, None),
        (aiohttp.ClientError("something new"), ConnectionLostError, None),
        (
            aiohttp.ClientConnectorError(_connection_key(), ConnectionRefusedError(111, "no")),
            ConnectError,
            None,
        ),
        (
            aiohttp.ClientConnectorDNSError(_connection_key(), OSError(-2, "Name unknown")),
            ConnectError,
            None,
        ),
        (
            aiohttp.ClientConnectorCertificateError(
                _connection_key(), ssl.SSLCertVerificationError("certificate verify failed")
            ),
            ConnectError,
            None,
        ),
        (aiohttp.ConnectionTimeoutError("connect timed out"), RequestTimeout, "connect"),
        (aiohttp.SocketTimeoutError("read timed out"), RequestTimeout, "read"),
        # Raised outside aiohttp's connector, so nothing says how far the exchange got.
        (TimeoutError(), RequestTimeout, "total"),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else None,
)
async def test_aiohttp_exceptions_map_to_the_sdk_tree(
    transports: Callable[..., AiohttpTransport],
    exc: BaseException,
    expected: type[InvoiceOceanError],
    phase: str | None,
) -> None:
    request = Request(method="POST", url=MOCKED_URL, params=TOKEN_PARAMS, body=b"{}")
    with aioresponses() as mocked:
        mocked.post(MOCKED, exception=exc)
        with pytest.raises(expected) as info:
            await transports().send(request)

    err = info.value
    assert type(err) is expected
    assert isinstance(err, TransportError)
    assert err.method == "POST"
    assert err.url == request.safe_url
    assert err.request_sent is (expected is not ConnectError and phase != "connect")
    if phase is not None:
        assert isinstance(err, RequestTimeout)
        assert err.phase == phase
    # Nothing secret in these, so the cause is kept for debugging.
    assert err.__cause__ is exc
    assert_no_canary(err)


def _leaky_response_error() -> aiohttp.ClientResponseError:
    url = URL(f"{MOCKED_URL}?page=1&api_token={CANARY}")
    info = aiohttp.RequestInfo(
        url=url, method="POST", headers=CIMultiDictProxy(CIMultiDict()), real_url=url
    )
    return aiohttp.ClientResponseError(info, (), status=400, message="Bad status line")


@pytest.mark.parametrize(
    ("make_exc", "expected"),
    [
        (
            lambda: aiohttp.ConnectionTimeoutError(
                f"Connection timeout to host {MOCKED_URL}?page=1&api_token={CANARY}"
            ),
            RequestTimeout,
        ),
        (_leaky_response_error, ConnectionLostError),
        (lambda: aiohttp.ServerDisconnectedError(f"bye {CANARY}"), ConnectionLostError),
    ],
)
async def test_a_cause_that_holds_the_token_is_dropped(
    transports: Callable[..., AiohttpTransport],
    make_exc: Callable[[], BaseException],
    expected: type[InvoiceOceanError],
) -> None:
    request = Request(method="POST", url=MOCKED_URL, params=TOKEN_PARAMS, body=b"{}")
    exc = make_exc()
    assert CANARY in str(exc)  # the premise: this cause would leak
    with aioresponses() as mocked:
        mocked.post(MOCKED, exception=exc)
        with pytest.raises(expected) as info:
            await transports().send(request)

    err = info.value
    assert err.__cause__ is None
    assert err.__context__ is None
    assert_no_canary(err)


async def test_a_cause_holding_the_authorization_header_is_dropped(
    transports: Callable[..., AiohttpTransport],
) -> None:
    secret = "Bearer " + CANARY
    request = Request(method="GET", url=MOCKED_URL, headers={"Authorization": secret})
    with aioresponses() as mocked:
        mocked.get(MOCKED, exception=aiohttp.ClientOSError(f"echoed {CANARY}"))
        with pytest.raises(ConnectionLostError) as info:
            await transports().send(request)
    err = info.value
    assert err.__cause__ is None
    for text in (str(err), repr(err), "".join(traceback.format_exception(err))):
        assert CANARY not in text


class _AioresponsesResponse(aiohttp.ClientResponse):
    """aioresponses 0.7.9 predates ClientResponse's required ``stream_writer`` (aiohttp 3.14)."""

    def __init__(self, method: str, url: URL, **kwargs: Any) -> None:
        kwargs.setdefault("stream_writer", SimpleNamespace(output_size=0))
        super().__init__(method, url, **kwargs)


@pytest.mark.parametrize("status", [200, 302, 418, 500])
async def test_status_passes_through_under_aioresponses(
    transports: Callable[..., AiohttpTransport], status: int
) -> None:
    with aioresponses() as mocked:
        mocked.get(
            MOCKED,
            status=status,
            body=b"payload",
            headers={"X-Thing": "1", "Location": "/y"},
            response_class=_AioresponsesResponse,
        )
        response = await transports().send(
            Request(method="GET", url=MOCKED_URL, params=TOKEN_PARAMS)
        )

    assert response.status == status
    assert response.body == b"payload"
    assert response.headers["x-thing"] == "1"


async def test_closing_from_another_event_loop_is_refused_not_a_silent_leak(
    transports: Callable[..., AiohttpTransport], web_server: tuple[str, Seen]
) -> None:
    base, _ = web_server
    transport = transports()
    await transport.send(Request(method="GET", url=f"{base}/hello"))

    # aiohttp's close from a second loop returns without closing the pooled socket.
    with pytest.raises(ConfigurationError, match="another event loop"):
        await asyncio.to_thread(asyncio.run, transport.aclose())
    # Refused, so nothing changed: the transport still works in its own loop, and closes there.
    assert not transport.closed
    assert (await transport.send(Request(method="GET", url=f"{base}/hello"))).status == 200
    session = transport.session
    await transport.aclose()
    assert session is not None and session.closed and transport.closed
