"""One contract, every transport.

The middleware above a transport is written once and trusts the promises in
``invoceanio.transport.base.Transport``. Running the same cases against the real aiohttp
transport (talking to a real server on 127.0.0.1) and against MockTransport (whose handler
emulates that server) keeps the mock honest: a test that passes on the mock passes for the
reason it would in production.
"""

from __future__ import annotations

import asyncio
import json
import traceback
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from multidict import CIMultiDict

from invoceanio.errors import (
    ConfigurationError,
    ConnectError,
    ConnectionLostError,
    InvoiceOceanError,
    RequestTimeout,
    ResponseTooLargeError,
)
from invoceanio.http import Request, Response
from invoceanio.transport import AiohttpTransport, MockTransport, Transport

CANARY = "CANARY-7f3a9c-secret-token"

# status -> (exact body, headers the server sets)
STATUS_CASES: dict[int, tuple[bytes, dict[str, str]]] = {
    200: (
        b'{"id": 1, "number": "FV 1/2024"}',
        {"Content-Type": "application/json; charset=utf-8", "X-Request-Id": "req-200"},
    ),
    201: (b'{"id": 2}', {"Content-Type": "application/json", "Location": "/invoices/2.json"}),
    204: (b"", {"X-Request-Id": "req-204"}),
    302: (b"", {"Location": "/elsewhere"}),
    404: (b'{"code":"error","message":"Not found"}', {"Content-Type": "application/json"}),
    422: (
        b'{"code":"error","message":{"buyer_name":["can\'t be blank"]}}',
        {"Content-Type": "application/json"},
    ),
    500: (b"<html><body>Internal Server Error</body></html>", {"Content-Type": "text/html"}),
    503: (b"down for maintenance", {"Content-Type": "text/plain", "Retry-After": "7"}),
}

TRICKY_PARAMS: tuple[tuple[str, str], ...] = (
    ("kinds[]", "vat"),
    ("kinds[]", "proforma"),
    ("kinds[]", "correction"),
    ("buyer", "Jan Kowalski, sp. z o.o./Kraków"),
    ("note", "a+b=c&d%e#f?g;h"),
    ("empty", ""),
    ("unicode", "zażółć gęślą jaźń €🧾"),
    ("page", "2"),
)


@dataclass
class ServerState:
    """What the server side saw; shared by the real server and the emulating handler."""

    hits: Counter[str] = field(default_factory=Counter)
    slow_entered: asyncio.Event = field(default_factory=asyncio.Event)
    release_slow: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class Harness:
    name: str
    base_url: str
    state: ServerState
    make: Callable[..., Transport]

    def request(self, method: str, path: str, **kwargs: Any) -> Request:
        return Request(method=method, url=self.base_url + path, **kwargs)


def _echo_payload(
    method: str, query: list[tuple[str, str]], headers: dict[str, str], body: bytes
) -> bytes:
    return json.dumps(
        {"method": method, "query": query, "headers": headers, "body": body.hex()}
    ).encode()


# --- the real server -------------------------------------------------------------------


def _make_app(state: ServerState) -> web.Application:
    async def status(request: web.Request) -> web.StreamResponse:
        code = int(request.match_info["code"])
        state.hits[request.path] += 1
        body, headers = STATUS_CASES[code]
        return web.Response(status=code, body=body or None, headers=headers)

    async def elsewhere(request: web.Request) -> web.Response:
        state.hits["/elsewhere"] += 1
        return web.Response(body=b"followed")

    async def echo(request: web.Request) -> web.Response:
        body = await request.read()
        headers = {name.lower(): value for name, value in request.headers.items()}
        query = list(request.query.items())
        return web.Response(
            body=_echo_payload(request.method, query, headers, body),
            content_type="application/json",
        )

    async def big(request: web.Request) -> web.Response:
        return web.Response(body=b"x" * int(request.query["size"]))

    async def slow(request: web.Request) -> web.Response:
        state.slow_entered.set()
        # Bounded so server shutdown never waits on a forgotten handler.
        async with asyncio.timeout(5):
            await state.release_slow.wait()
        return web.Response(body=b"late")

    app = web.Application()
    app.router.add_route("*", "/status/{code}", status)
    app.router.add_get("/elsewhere", elsewhere)
    app.router.add_route("*", "/echo", echo)
    app.router.add_get("/big", big)
    app.router.add_get("/slow", slow)
    return app


# --- the emulation ---------------------------------------------------------------------


def _make_handler(state: ServerState) -> Callable[[Request], Any]:
    async def handler(request: Request) -> Response:
        parts = urlsplit(request.full_url)
        path = parts.path
        state.hits[path] += 1
        if path.startswith("/status/"):
            body, headers = STATUS_CASES[int(path.rpartition("/")[2])]
            return Response(status=int(path.rpartition("/")[2]), headers=headers, body=body)
        if path == "/elsewhere":
            return Response(status=200, body=b"followed")
        if path == "/echo":
            query = parse_qsl(parts.query, keep_blank_values=True)
            headers = {name.lower(): value for name, value in request.headers.items()}
            return Response(
                status=200,
                headers=CIMultiDict({"Content-Type": "application/json"}),
                body=_echo_payload(request.method, query, headers, request.body or b""),
            )
        if path == "/big":
            size = int(dict(parse_qsl(parts.query))["size"])
            return Response(status=200, body=b"x" * size)
        if path == "/slow":
            state.slow_entered.set()
            async with asyncio.timeout(5):
                await state.release_slow.wait()
            return Response(status=200, body=b"late")
        return Response(status=404)

    return handler


@pytest.fixture(params=["aiohttp", "mock"])
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    state = ServerState()
    made: list[Transport] = []
    if request.param == "aiohttp":
        server = TestServer(_make_app(state), host="127.0.0.1")
        await server.start_server()

        def make_aiohttp(**kwargs: Any) -> Transport:
            transport = AiohttpTransport(**kwargs)
            made.append(transport)
            return transport

        try:
            yield Harness("aiohttp", str(server.make_url("")).rstrip("/"), state, make_aiohttp)
        finally:
            state.release_slow.set()
            for transport in made:
                await transport.aclose()
            await server.close()
    else:
        handler = _make_handler(state)

        def make_mock(**kwargs: Any) -> Transport:
            transport = MockTransport(handler, **kwargs)
            made.append(transport)
            return transport

        yield Harness("mock", "http://api.example.invalid", state, make_mock)
        state.release_slow.set()


# --- the contract ----------------------------------------------------------------------


async def test_satisfies_the_protocol(harness: Harness) -> None:
    assert isinstance(harness.make(), Transport)


@pytest.mark.parametrize("status", sorted(STATUS_CASES))
async def test_every_status_is_a_response_with_exact_body_and_headers(
    harness: Harness, status: int
) -> None:
    transport = harness.make()
    response = await transport.send(harness.request("GET", f"/status/{status}"))

    expected_body, expected_headers = STATUS_CASES[status]
    assert isinstance(response, Response)
    assert response.status == status
    assert response.body == expected_body
    for name, value in expected_headers.items():
        assert response.headers[name] == value
        assert response.headers[name.lower()] == value
        assert response.headers[name.upper()] == value
    assert response.elapsed >= 0


async def test_redirect_is_returned_not_followed(harness: Harness) -> None:
    transport = harness.make()
    response = await transport.send(harness.request("GET", "/status/302"))

    assert response.status == 302
    assert response.headers["location"] == "/elsewhere"
    assert harness.state.hits["/elsewhere"] == 0


async def test_retry_after_is_readable_case_insensitively(harness: Harness) -> None:
    transport = harness.make()
    response = await transport.send(harness.request("GET", "/status/503"))

    assert response.status == 503
    assert response.headers.get("retry-after") == "7"
    assert response.headers.get("RETRY-AFTER") == "7"


async def test_query_params_round_trip_exactly(harness: Harness) -> None:
    transport = harness.make()
    response = await transport.send(harness.request("GET", "/echo", params=TRICKY_PARAMS))

    seen = json.loads(response.body)
    assert [tuple(pair) for pair in seen["query"]] == list(TRICKY_PARAMS)


async def test_request_body_and_headers_arrive_exactly(harness: Harness) -> None:
    transport = harness.make()
    body = b'\x00\xff{"buyer": "\xc5\xbc\xc3\xb3\xc5\x82w"}\r\n'
    headers = {
        "Content-Type": "application/json",
        "X-Custom-Header": "Value  With,Spaces;and=signs",
        "Accept": "application/json",
    }
    response = await transport.send(harness.request("POST", "/echo", headers=headers, body=body))

    seen = json.loads(response.body)
    assert seen["method"] == "POST"
    assert bytes.fromhex(seen["body"]) == body
    for name, value in headers.items():
        assert seen["headers"][name.lower()] == value


async def test_body_at_the_cap_is_accepted(harness: Harness) -> None:
    transport = harness.make(max_body_size=1000)
    response = await transport.send(harness.request("GET", "/big", params=(("size", "1000"),)))

    assert response.body == b"x" * 1000


async def test_body_over_the_cap_raises_without_leaking_the_token(harness: Harness) -> None:
    transport = harness.make(max_body_size=1000)
    request = harness.request("GET", "/big", params=(("size", "1001"), ("api_token", CANARY)))

    with pytest.raises(ResponseTooLargeError) as info:
        await transport.send(request)

    err = info.value
    rendered = "".join(traceback.format_exception(err))
    assert "GET" in str(err)
    assert request.safe_url in str(err)
    assert "api_token=REDACTED" in str(err)
    assert err.url == request.safe_url
    for text in (str(err), repr(err), rendered):
        assert CANARY not in text


async def test_cancellation_propagates_untouched(harness: Harness) -> None:
    transport = harness.make()
    task = asyncio.create_task(transport.send(harness.request("GET", "/slow")))
    async with asyncio.timeout(1):
        await harness.state.slow_entered.wait()

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert task.cancelled()

    # The transport survives a cancelled send.
    response = await transport.send(harness.request("GET", "/status/200"))
    assert response.status == 200


async def test_closed_transport_refuses_to_send(harness: Harness) -> None:
    transport = harness.make()
    await transport.send(harness.request("GET", "/status/200"))
    await transport.aclose()
    await transport.aclose()  # idempotent

    with pytest.raises(ConfigurationError):
        await transport.send(harness.request("GET", "/status/200"))


# --- MockTransport specifics -------------------------------------------------------------


async def test_mock_accepts_sync_and_async_handlers() -> None:
    def sync_handler(request: Request) -> Response:
        return Response(status=201, body=b"sync")

    async def async_handler(request: Request) -> Response:
        await asyncio.sleep(0)
        return Response(status=202, body=b"async")

    request = Request(method="GET", url="http://api.example.invalid/x")
    assert (await MockTransport(sync_handler).send(request)).body == b"sync"
    assert (await MockTransport(async_handler).send(request)).body == b"async"
    # A sync callable that hands back a coroutine is awaited too.
    assert (await MockTransport(lambda r: async_handler(r)).send(request)).status == 202


async def test_mock_records_requests_in_order() -> None:
    transport = MockTransport(lambda request: Response(status=200))
    first = Request(method="GET", url="http://api.example.invalid/a")
    second = Request(method="POST", url="http://api.example.invalid/b", body=b"{}")

    await transport.send(first)
    await transport.send(second)

    assert transport.requests == [first, second]
    assert MockTransport(lambda r: Response(status=200), record=False).requests == []


@pytest.mark.parametrize(
    "error",
    [
        ConnectError("refused", method="GET", url="http://x/"),
        ConnectionLostError("reset", method="GET", url="http://x/"),
        RequestTimeout("slow", phase="read", method="GET", url="http://x/"),
    ],
)
async def test_mock_lets_transport_errors_through_unchanged(error: InvoiceOceanError) -> None:
    def handler(request: Request) -> Response:
        raise error

    with pytest.raises(type(error)) as info:
        await MockTransport(handler).send(Request(method="GET", url="http://x/"))
    assert info.value is error


async def test_mock_rejects_a_handler_that_returns_no_response() -> None:
    transport = MockTransport(lambda request: {"status": 200})  # type: ignore[arg-type,return-value]
    with pytest.raises(TypeError, match="must return a Response"):
        await transport.send(Request(method="GET", url="http://x/"))


@pytest.mark.parametrize("size", [0, -1])
def test_mock_rejects_a_non_positive_cap(size: int) -> None:
    with pytest.raises(ConfigurationError):
        MockTransport(lambda request: Response(status=200), max_body_size=size)
