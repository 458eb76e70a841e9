"""No credential in a transport error's traceback shown with its frames' variables.

``pytest --showlocals``, rich's ``show_locals`` and Sentry's frame variables print every local
of every frame in the chain. The transport's own frame must not hold the credential-bearing
headers in a variable, and the aiohttp exception kept as the cause keeps its type and message
but not its frames (aiohttp's ``_request`` holds the headers and params as locals).
"""

from __future__ import annotations

import asyncio
import base64
import socket
import traceback
from collections.abc import AsyncIterator
from typing import Any

import pytest

from invoceanio import (
    ConnectError,
    ConnectionLostError,
    InvoiceOcean,
    InvoiceOceanError,
    RetryPolicy,
    TransportError,
)

TOKEN = "CANARY-locals-7d41e0"
NEEDLES = (TOKEN, base64.b64encode(f"me:{TOKEN}".encode()).decode())
MODES: list[dict[str, Any]] = [
    {"auth": "bearer", "api_token": TOKEN},
    {"auth": "query", "api_token": TOKEN},
    {"auth": "body", "api_token": TOKEN},
    {"auth": "basic", "login": "me", "password": TOKEN},
]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
async def resetting_server() -> AsyncIterator[str]:
    """Reads a request, then closes the connection without answering: sent, outcome unknown."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        await server.wait_closed()


def _leaking_locals(exc: BaseException) -> list[str]:
    found: list[str] = []
    link: traceback.TracebackException | None = traceback.TracebackException.from_exception(
        exc, capture_locals=True
    )
    while link is not None:
        for frame in link.stack:
            if frame.filename == __file__:
                continue  # this test's own frames hold the token, of course
            for name, value in (frame.locals or {}).items():
                if any(needle in value for needle in NEEDLES):
                    found.append(f"{link.exc_type.__name__}: {frame.name}: {name}")
        link = link.__cause__ or link.__context__
    return found


async def _failure(base_url: str, options: dict[str, Any]) -> TransportError:
    async with InvoiceOcean(
        base_url=base_url, retry=RetryPolicy(max_attempts=1), timeout=5, **options
    ) as io:
        with pytest.raises(TransportError) as caught:
            await io.invoices.update(1, {"buyer_name": "B"})
    return caught.value


@pytest.mark.parametrize("options", MODES, ids=lambda options: options["auth"])
async def test_a_refused_connection_shows_no_credential_in_any_frame(
    options: dict[str, Any],
) -> None:
    error = await _failure(f"http://127.0.0.1:{_closed_port()}", options)
    assert isinstance(error, ConnectError)
    assert _leaking_locals(error) == []


@pytest.mark.parametrize("options", MODES, ids=lambda options: options["auth"])
async def test_a_lost_connection_shows_no_credential_in_any_frame(
    options: dict[str, Any], resetting_server: str
) -> None:
    error = await _failure(resetting_server, options)
    assert isinstance(error, ConnectionLostError)
    assert _leaking_locals(error) == []


def _server(answer: bytes, *, answer_get: bytes | None = None) -> Any:
    """A server that reads a request and writes ``answer`` (``answer_get`` to a GET), raw, then
    closes the connection; an empty answer closes it unanswered."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            (
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            ),
            0,
        )
        if length:
            await reader.readexactly(length)
        chosen = answer_get if answer_get is not None and head.startswith(b"GET") else answer
        writer.write(chosen)
        await writer.drain()
        writer.close()

    return handle


@pytest.fixture
async def serve() -> AsyncIterator[Any]:
    servers: list[asyncio.Server] = []

    async def start(handle: Any) -> str:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        servers.append(server)
        return f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


_JSON_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"


@pytest.mark.parametrize("options", MODES, ids=lambda options: options["auth"])
@pytest.mark.parametrize("answer", ["over the cap", "cut short"])
async def test_a_body_that_cannot_be_read_shows_no_credential_in_any_frame(
    options: dict[str, Any], answer: str, serve: Any
) -> None:
    # The transport's response object prints its URL, the query string (a token in query or
    # body auth) included: it was a local of the frame that raised.
    if answer == "over the cap":
        raw = _JSON_HEAD % 5000 + b" " * 5000
    else:
        raw = _JSON_HEAD % 5000 + b'{"id": 1'
    base_url = await serve(_server(raw))
    async with InvoiceOcean(
        base_url=base_url,
        retry=RetryPolicy(max_attempts=1),
        timeout=5,
        max_response_bytes=1000,
        **options,
    ) as io:
        with pytest.raises(InvoiceOceanError) as caught:
            await io.invoices.list()
    assert _leaking_locals(caught.value) == []


@pytest.mark.parametrize("options", MODES, ids=lambda options: options["auth"])
async def test_a_failed_oid_look_up_shows_no_credential_in_any_frame(
    options: dict[str, Any], serve: Any
) -> None:
    # The reconciler that masks look-up answers held every spelling of the credential, and
    # printed them in its repr wherever a look-up failed.
    failing = b"HTTP/1.1 500 Oops\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
    base_url = await serve(_server(b"", answer_get=failing))
    async with InvoiceOcean(
        base_url=base_url,
        retry=RetryPolicy(max_attempts=2, sleep=_no_sleep),
        timeout=5,
        **options,
    ) as io:
        with pytest.raises(TransportError) as caught:
            await io.invoices.create({"oid": "ORD-1", "buyer_name": "B"})
    assert caught.value.outcome_unknown
    assert _leaking_locals(caught.value) == []


async def _no_sleep(_: float) -> None:
    return None


@pytest.mark.parametrize("call", ["login", "webhook update", "add_user", "account create"])
async def test_a_credential_passed_as_a_secret_is_in_no_frame_of_a_failure(call: str) -> None:
    # Revealed to be sent, it stayed in a local (the request body, the written document) of
    # the frames a failing call raises through.
    from invoceanio.http import Response
    from invoceanio.secrets import Secret
    from invoceanio.transport import MockTransport

    def refuse(_: Any) -> Response:
        return Response(status=500, headers={"Content-Type": "application/json"}, body=b"{}")

    async with InvoiceOcean(
        prefix="acme",
        api_token="other-token-1234",
        transport=MockTransport(refuse),
        retry=RetryPolicy(max_attempts=1),
    ) as io:
        with pytest.raises(InvoiceOceanError) as caught:
            if call == "login":
                await io.account.login("me@example.com", Secret(TOKEN))
            elif call == "account create":
                await io.account.create(
                    integration_token="partner-token-99",
                    account={"prefix": "newco"},
                    user={"email": "o@example.com", "password": Secret(TOKEN)},
                    company=None,
                )
            elif call == "add_user":
                await io.account.add_user(
                    integration_token=Secret(TOKEN), email="u@example.com", role="member"
                )
            else:
                await io.webhooks.update(3, {"api_token": Secret(TOKEN)})
    assert _leaking_locals(caught.value) == []


# --- from a later review: malformed HTTP, answers that hold a credential, webhooks ----------


@pytest.mark.parametrize("options", MODES, ids=lambda options: options["auth"])
@pytest.mark.parametrize(
    "raw",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n",
        b"HTTP/1.1 abc OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX Y: z\r\n\r\n",
    ],
    ids=["bad content-length", "bad status line", "bad header"],
)
async def test_a_malformed_http_answer_shows_no_credential_in_any_frame(
    options: dict[str, Any], raw: bytes, serve: Any
) -> None:
    # aiohttp's exception for it holds the request (URL with its query, headers): the
    # transport dropped it as the cause but kept it in a variable of the frame that raised.
    base_url = await serve(_server(raw))
    async with InvoiceOcean(
        base_url=base_url, retry=RetryPolicy(max_attempts=1), timeout=5, **options
    ) as io:
        with pytest.raises(ConnectionLostError) as caught:
            await io.invoices.list()
    assert _leaking_locals(caught.value) == []


def _answering(document: Any) -> Any:
    import json

    from invoceanio.http import Response
    from invoceanio.transport import MockTransport

    def answer(_: Any) -> Response:
        body = json.dumps(document).encode()
        return Response(status=200, headers={"Content-Type": "application/json"}, body=body)

    return MockTransport(answer)


_BAD_WEBHOOK = {"id": "x1", "kind": "invoice:create", "url": "https://e.com/h", "api_token": TOKEN}


@pytest.mark.parametrize("call", ["get", "list", "iterate", "account"])
async def test_an_unreadable_answer_holding_a_credential_shows_it_in_no_frame(call: str) -> None:
    # The model would have masked the token as a Secret; the decode error's frames held the
    # answer as it came.
    if call == "account":
        document: Any = {"prefix": "acme", "api_token": TOKEN, "id": "not-a-number"}
    else:
        document = _BAD_WEBHOOK if call == "get" else [_BAD_WEBHOOK]
    async with InvoiceOcean(
        prefix="acme",
        api_token="other-token-0000",
        transport=_answering(document),
        retry=RetryPolicy(max_attempts=1),
    ) as io:
        with pytest.raises(InvoiceOceanError) as caught:
            if call == "get":
                await io.webhooks.get(3)
            elif call == "list":
                await io.webhooks.list()
            elif call == "iterate":
                async for _ in io.webhooks.iterate():
                    pass
            else:
                await io.account.get()
    assert "not a valid" in str(caught.value)
    assert _leaking_locals(caught.value) == []


@pytest.mark.parametrize("sent", [TOKEN, "wrong-token-1234"], ids=["malformed record", "wrong"])
@pytest.mark.parametrize("as_secret", [False, True], ids=["str", "Secret"])
def test_a_refused_webhook_shows_its_token_in_no_frame(sent: str, as_secret: bool) -> None:
    import json

    from invoceanio import WebhookError
    from invoceanio.secrets import Secret
    from invoceanio.webhooks import parse_webhook

    body = json.dumps({"deal": {"price": "not-a-number"}, "api_token": sent}).encode()
    with pytest.raises(WebhookError) as caught:
        parse_webhook(body, token=Secret(TOKEN) if as_secret else TOKEN)
    assert caught.value.reason == ("malformed" if sent == TOKEN else "token")
    assert _leaking_locals(caught.value) == []


async def test_a_storage_url_quoting_the_token_is_masked_in_every_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A file's 302 to a storage URL that quotes the token (in its path, under a name the
    # redaction does not know) is fetched without credentials, so the auth layer does not
    # scrub its failures: the logging and retry layers printed the URL as it was.
    import logging

    from invoceanio.http import Response
    from invoceanio.transport import MockTransport

    storage_answers = [
        ConnectError(f"GET https://files.example.com/{TOKEN}/1.pdf: could not connect"),
        Response(status=503, headers={"Content-Type": "text/plain"}, body=b"busy"),
        Response(status=200, headers={"Content-Type": "application/pdf"}, body=b"%PDF-1.4"),
    ]

    def answer(request: Any) -> Response:
        if "files.example.com" in request.url:
            next_answer = storage_answers.pop(0)
            if isinstance(next_answer, BaseException):
                raise next_answer
            return next_answer
        location = f"https://files.example.com/{TOKEN}/1.pdf?key={TOKEN}"
        return Response(status=302, headers={"Location": location}, body=b"")

    caplog.set_level(logging.DEBUG)
    async with InvoiceOcean(
        prefix="acme",
        api_token=TOKEN,
        transport=MockTransport(answer),
        retry=RetryPolicy(max_attempts=3, sleep=_no_sleep),
    ) as io:
        assert await io.invoices.download_attachment(1, "gov") == b"%PDF-1.4"
    messages = [record.getMessage() for record in caplog.records]
    assert any(message.startswith("retrying GET") for message in messages)
    assert any(message.startswith("x  GET") for message in messages)
    assert not [message for message in messages if TOKEN in message]
