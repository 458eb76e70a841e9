"""The canary-token test: the API token never leaks, whatever happens to a request.

For every auth mode (bearer, query, body, basic with the canary as password) and every path a
request can take (success on GET and POST, 401, 404, 422 with field errors, 500 retried until
exhausted, a read timeout, a connect timeout, a dropped connection, a refused connection, 503
then 200), run once on MockTransport and once on the real AiohttpTransport against an aiohttp
server on 127.0.0.1, with every logger at DEBUG, and prove that the canary, in any spelling (raw,
URL-encoded, base64 of the token or of the basic ``login:password`` pair), appears in:

- no log record: message, args, or the record formatted with its exception and stack;
- no repr/str of the client, of its RetryPolicy, or of the Requests, Responses and errors that a
  user middleware (installed through ``middleware=``, so above auth) observes;
- no raised error: ``traceback.format_exception`` of it, or str/repr/args/url/attributes of any
  exception chained to it (causes and contexts, printed or not).

The mock transport misbehaves on purpose for its failures: it quotes the raw request (wire URL,
headers, body) in a chained cause, in the message, or in ``.url``, as a careless custom transport
or a backend library would, so the auth layer's last-guard scrubbing is exercised too. On the
real transport the connect timeout is provoked for real (a one-connection pool held by another
request), because aiohttp's ConnectionTimeoutError quotes the wire URL, query token included.

It also proves that a user middleware never sees the credential, and that a Secret and a client
refuse to be pickled and mask themselves under str, repr, format and %-formatting.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import pickle
import socket
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, quote_plus

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from invoceanio import (
    AuthenticationError,
    ConnectError,
    ConnectionLostError,
    InvoiceOcean,
    NotFoundError,
    RequestTimeout,
    RetryPolicy,
    Secret,
    ServerError,
    ValidationError,
)
from invoceanio.http import Request, Response, Send
from invoceanio.transport import AiohttpTransport
from tests.support import SleepRecorder, invoice_payload, json_response, make_client

CANARY = "CANARY-9f3b2c71d0"
# Real tokens may carry the account prefix after a slash, which URL-encoding changes.
TOKEN = f"{CANARY}/acme"
LOGIN = "LOGIN-77e1a4c2"
MODES = ("bearer", "query", "body", "basic")
MAX_ATTEMPTS = 3


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode("ascii")


# Every spelling of the credentials that could end up in a message.
NEEDLES: frozenset[str] = frozenset(
    {
        CANARY,
        TOKEN,
        quote(TOKEN, safe=""),
        quote_plus(TOKEN, safe=""),
        _b64(TOKEN),
        _b64(CANARY),
        LOGIN,
        _b64(f"{LOGIN}:{TOKEN}"),
        json.dumps(TOKEN),
    }
)


def auth_options(mode: str) -> dict[str, Any]:
    if mode == "basic":
        return {"auth": "basic", "login": LOGIN, "password": TOKEN}
    return {"auth": mode, "api_token": TOKEN}


def assert_clean(text: str, where: str) -> None:
    for needle in NEEDLES:
        assert needle not in text, f"{where} leaks the credential ({needle!r}): {text[:800]}"


# --- the scenarios ---------------------------------------------------------------------
#
# One id per scenario; the mock handler and the real server answer by it.

GET_OK, RETRY_OK, UNAUTHORIZED, NOT_FOUND, SERVER_FAIL = 1, 503, 401, 404, 500
READ_TIMEOUT, CONNECT_TIMEOUT, CONNECTION_LOST, CONNECT_FAIL = 408, 9, 499, 7
NEW_INVOICE = {"buyer_name": "Klient ABC", "positions": [{"name": "X1", "quantity": 1}]}
INVALID_INVOICE = {"buyer_name": "", "positions": []}
FIELD_ERRORS = {"buyer_name": ["nie może być puste"]}


@dataclass(frozen=True)
class Scenario:
    name: str
    call: Callable[[InvoiceOcean], Awaitable[Any]]
    error: type[Exception] | None
    # How many attempts go down the chain (the user middleware sees each one).
    attempts: int
    # The HTTP method, which decides where the body mode puts the credential.
    method: str = "GET"
    # For a RequestTimeout: where the time ran out.
    phase: str | None = None


async def _expect_invoice(io: InvoiceOcean, invoice_id: int) -> None:
    invoice = await io.invoices.get(invoice_id)
    assert invoice.id == invoice_id


async def _create(io: InvoiceOcean) -> None:
    invoice = await io.invoices.create(NEW_INVOICE)
    assert invoice.id == 2
    assert invoice.buyer_name == "Klient ABC"


SCENARIOS: dict[str, Scenario] = {
    scenario.name: scenario
    for scenario in (
        Scenario("get-200", lambda io: _expect_invoice(io, GET_OK), None, 1),
        Scenario("create-201", _create, None, 1, "POST"),
        Scenario("get-401", lambda io: io.invoices.get(UNAUTHORIZED), AuthenticationError, 1),
        Scenario("get-404", lambda io: io.invoices.get(NOT_FOUND), NotFoundError, 1),
        Scenario(
            "create-422", lambda io: io.invoices.create(INVALID_INVOICE), ValidationError, 1, "POST"
        ),
        Scenario(
            "get-500-exhausted", lambda io: io.invoices.get(SERVER_FAIL), ServerError, MAX_ATTEMPTS
        ),
        Scenario(
            "get-read-timeout",
            lambda io: io.invoices.get(READ_TIMEOUT),
            RequestTimeout,
            MAX_ATTEMPTS,
            phase="read",
        ),
        Scenario(
            "get-connect-timeout",
            lambda io: io.invoices.get(CONNECT_TIMEOUT),
            RequestTimeout,
            MAX_ATTEMPTS,
            phase="connect",
        ),
        Scenario(
            "get-connection-lost",
            lambda io: io.invoices.get(CONNECTION_LOST),
            ConnectionLostError,
            MAX_ATTEMPTS,
        ),
        Scenario(
            "get-connect-error",
            lambda io: io.invoices.get(CONNECT_FAIL),
            ConnectError,
            MAX_ATTEMPTS,
        ),
        Scenario("get-503-then-200", lambda io: _expect_invoice(io, RETRY_OK), None, 2),
    )
}

# Where each mode must put the credential, by HTTP method (body mode falls back to the query
# for requests without a JSON body).
EXPECTED_PLACE = {
    "bearer": {"GET": "bearer", "POST": "bearer"},
    "query": {"GET": "query", "POST": "query"},
    "body": {"GET": "query", "POST": "body"},
    "basic": {"GET": "basic", "POST": "basic"},
}


def credential_place(
    headers: Mapping[str, str], params: Sequence[tuple[str, str]], body: bytes | None
) -> str | None:
    """Where the request carried the right credential, or None when it carried none."""
    authorization = headers.get("Authorization", "")
    if authorization == f"Bearer {TOKEN}":
        return "bearer"
    if authorization == f"Basic {_b64(f'{LOGIN}:{TOKEN}')}":
        return "basic"
    if ("api_token", TOKEN) in params:
        return "query"
    if body:
        document = json.loads(body)
        if isinstance(document, dict) and document.get("api_token") == TOKEN:
            return "body"
    return None


def scripted_answer(invoice_id: int | None, body: bytes | None, hits: int) -> tuple[int, Any]:
    """The status and JSON body the server gives (for the answering scenarios)."""
    if invoice_id is None:  # POST /invoices.json
        assert body is not None
        document = json.loads(body)["invoice"]
        if not document.get("buyer_name"):
            return 422, {"code": "error", "message": FIELD_ERRORS}
        return 201, invoice_payload(id=2, buyer_name=document["buyer_name"])
    if invoice_id == UNAUTHORIZED:
        return 401, {"code": "error", "message": "Nie masz uprawnień"}
    if invoice_id == NOT_FOUND:
        return 404, {"code": "error", "message": "Nie znaleziono"}
    if invoice_id == SERVER_FAIL:
        return 500, {"error": "Internal Server Error"}
    if invoice_id == RETRY_OK and hits == 1:
        return 503, {"error": "Service Unavailable"}
    return 200, invoice_payload(id=invoice_id)


def invoice_id_of(path: str) -> int | None:
    """``/invoices/12.json`` -> 12; ``/invoices.json`` -> None."""
    stem = path.rsplit("/", 1)[-1].split(".", 1)[0]
    return int(stem) if stem.isdigit() else None


# --- what is watched -------------------------------------------------------------------


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def captured() -> Iterator[Capture]:
    """Every record of every logger, at DEBUG, for the duration of the test."""
    handler = Capture()
    root = logging.getLogger()
    loggers = [root, *(logging.getLogger(name) for name in ("invoceanio", "aiohttp", "asyncio"))]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


class Spy:
    """A user middleware: records every request, response and error it sees."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.responses: list[Response] = []
        self.errors: list[BaseException] = []

    async def __call__(self, request: Request, call_next: Send) -> Response:
        self.requests.append(request)
        try:
            response = await call_next(request)
        except Exception as exc:
            self.errors.append(exc)
            raise
        self.responses.append(response)
        return response


def exception_chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and every exception reachable from it by __cause__ or __context__."""
    found: list[BaseException] = []
    pending = [exc]
    while pending:
        current = pending.pop()
        if any(current is known for known in found):
            continue
        found.append(current)
        pending.extend(
            link for link in (current.__cause__, current.__context__) if link is not None
        )
    return found


def assert_error_clean(exc: BaseException, where: str) -> None:
    assert_clean("".join(traceback.format_exception(exc)), f"{where} traceback")
    for link in exception_chain(exc):
        name = f"{where} {type(link).__name__}"
        assert_clean(str(link), f"{name} str")
        assert_clean(repr(link), f"{name} repr")
        assert_clean(repr(link.args), f"{name} args")
        assert_clean(str(getattr(link, "url", "")), f"{name} url")
        assert_clean(repr(vars(link)), f"{name} attributes")
        for note in getattr(link, "__notes__", ()):
            assert_clean(str(note), f"{name} note")


FORMATTER = logging.Formatter(
    "%(asctime)s %(name)s %(levelname)s %(pathname)s:%(lineno)d %(funcName)s %(message)s"
)


def assert_logs_clean(records: Sequence[logging.LogRecord]) -> None:
    for record in records:
        where = f"log record {record.name}:{record.lineno}"
        assert_clean(record.getMessage(), f"{where} message")
        assert_clean(repr(record.msg), f"{where} msg")
        assert_clean(repr(record.args), f"{where} args")
        # format() renders exc_info and stack_info as well.
        assert_clean(FORMATTER.format(record), f"{where} formatted")


def assert_spy_saw_no_credential(spy: Spy) -> None:
    """A middleware placed with middleware= sits above auth: the credential is not there yet."""
    assert spy.requests, "the user middleware saw no request"
    for request in spy.requests:
        assert "authorization" not in {name.lower() for name in request.headers}
        assert "api_token" not in {key for key, _ in request.params}
        assert request.body is None or b"api_token" not in request.body
        for text in (repr(request), str(request), request.full_url, request.safe_url):
            assert_clean(text, "a request the user middleware saw")
        assert_clean(repr(request.headers), "request headers the user middleware saw")
        if request.body is not None:
            assert_clean(request.body.decode(), "a request body the user middleware saw")
    for response in spy.responses:
        assert_clean(f"{response!r} {response!s}", "a response the user middleware saw")
    for error in spy.errors:
        assert_error_clean(error, "an error the user middleware saw")


@dataclass
class Counter:
    hits: int = 0
    places: list[str | None] = field(default_factory=list)


async def exercise(
    io: InvoiceOcean,
    scenario: Scenario,
    mode: str,
    spy: Spy,
    counter: Counter,
    captured: Capture,
) -> None:
    """Run ``scenario`` on ``io`` and check its outcome, then check that nothing leaked."""
    raised: BaseException | None = None
    try:
        await scenario.call(io)
    except Exception as exc:
        raised = exc
    if scenario.error is None:
        assert raised is None, f"unexpected {raised!r}"
    else:
        assert isinstance(raised, scenario.error), f"expected {scenario.error}, got {raised!r}"
    if isinstance(raised, ValidationError):
        assert raised.field_errors == FIELD_ERRORS
    if isinstance(raised, RequestTimeout):
        assert raised.phase == scenario.phase
    assert len(spy.requests) == scenario.attempts
    # Every request the server got carried the credential where the mode puts it: auth really
    # was exercised on the way down.
    assert counter.places == [EXPECTED_PLACE[mode][scenario.method]] * counter.hits

    if raised is not None:
        assert_error_clean(raised, "the raised error")
    assert_spy_saw_no_credential(spy)
    assert_clean(f"{io!r} {io!s}", "the client")
    assert_clean(f"{io.retry_policy!r} {io.retry_policy!s}", "the retry policy")
    assert_logs_clean(captured.records)
    # Logging really happened at DEBUG, so the log check above is not vacuous.
    assert any(record.name == "invoceanio.http" for record in captured.records)
    if scenario.attempts > 1:
        assert any(record.name == "invoceanio.retry" for record in captured.records)


# --- MockTransport ---------------------------------------------------------------------


def raw_request_text(request: Request) -> str:
    """What a careless transport or backend library would quote: the request as sent."""
    return (
        f"{request.method} {request.full_url} headers={dict(request.headers)} body={request.body!r}"
    )


def mock_handler(counter: Counter) -> Callable[[Request], Response]:
    def handle(request: Request) -> Response:
        counter.hits += 1
        place = credential_place(request.headers, request.params, request.body)
        counter.places.append(place)
        if place is None:
            return json_response(401, {"message": "no credential"})
        invoice_id = invoice_id_of(request.url)
        if invoice_id == READ_TIMEOUT:
            # A well-formed error, but chained to a backend exception quoting the raw request.
            try:
                raise TimeoutError(f"read timed out: {raw_request_text(request)}")
            except TimeoutError as backend:
                raise RequestTimeout(
                    f"{request.method} {request.safe_url}: timed out",
                    phase="read",
                    method=request.method,
                    url=request.safe_url,
                ) from backend
        if invoice_id == CONNECT_TIMEOUT:
            # What aiohttp really does: its ConnectionTimeoutError names the wire URL.
            try:
                raise aiohttp.ConnectionTimeoutError(
                    f"Connection timeout to host {request.full_url}"
                )
            except aiohttp.ConnectionTimeoutError as backend:
                raise RequestTimeout(
                    f"{request.method} {request.safe_url}: timed out while connecting",
                    phase="connect",
                    method=request.method,
                    url=request.safe_url,
                ) from backend
        if invoice_id == CONNECTION_LOST:
            # The message itself quotes the raw request.
            raise ConnectionLostError(
                f"connection lost during {raw_request_text(request)}",
                method=request.method,
                url=request.safe_url,
            )
        if invoice_id == CONNECT_FAIL:
            # A clean message, but the wire URL stored as .url, the cause quoting the headers.
            error = ConnectError("could not connect", method=request.method, url=request.full_url)
            error.__cause__ = OSError(f"refused: {raw_request_text(request)}")
            raise error
        status, data = scripted_answer(
            invoice_id if request.method == "GET" else None, request.body, counter.hits
        )
        return json_response(status, data)

    return handle


def policy(sleeper: SleepRecorder) -> RetryPolicy:
    return RetryPolicy(max_attempts=MAX_ATTEMPTS, sleep=sleeper.sleep, clock=sleeper.clock)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
@pytest.mark.parametrize("mode", MODES)
async def test_canary_never_leaks_on_mock_transport(
    mode: str, scenario: str, captured: Capture
) -> None:
    counter = Counter()
    spy = Spy()
    sleeper = SleepRecorder()
    io = make_client(
        mock_handler(counter),
        retry=policy(sleeper),
        middleware=[spy],
        **auth_options(mode),
    )
    async with io:
        await exercise(io, SCENARIOS[scenario], mode, spy, counter, captured)
    assert counter.hits == SCENARIOS[scenario].attempts


# --- AiohttpTransport against a real server on 127.0.0.1 -------------------------------


@dataclass
class Server:
    url: str
    counter: Counter
    # Set once a request is being held; the held requests are answered once release is set.
    holding: asyncio.Event
    release: asyncio.Event


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    counter = Counter()
    holding = asyncio.Event()
    release = asyncio.Event()

    async def answer(request: web.Request, invoice_id: int | None) -> web.StreamResponse:
        counter.hits += 1
        body = await request.read() if request.can_read_body else None
        place = credential_place(request.headers, list(request.query.items()), body)
        counter.places.append(place)
        if place is None:
            return web.json_response({"message": "no credential"}, status=401)
        if invoice_id == READ_TIMEOUT:
            # Longer than the client's timeout; released when the fixture ends.
            holding.set()
            await asyncio.wait_for(release.wait(), timeout=10)
            return web.json_response(invoice_payload(id=invoice_id))
        if invoice_id == CONNECTION_LOST:
            assert request.transport is not None
            request.transport.abort()
            return web.Response()
        status, data = scripted_answer(invoice_id, body, counter.hits)
        return web.json_response(data, status=status)

    async def get_invoice(request: web.Request) -> web.StreamResponse:
        return await answer(request, int(request.match_info["id"]))

    async def create_invoice(request: web.Request) -> web.StreamResponse:
        return await answer(request, None)

    app = web.Application()
    app.router.add_get("/invoices/{id}.json", get_invoice)
    app.router.add_post("/invoices.json", create_invoice)
    # No access log: it is the server's record of what it received (the query token included),
    # not something the client logs.
    test_server = TestServer(app, host="127.0.0.1")
    await test_server.start_server(access_log=None)
    try:
        yield Server(str(test_server.make_url("")).rstrip("/"), counter, holding, release)
    finally:
        release.set()
        await test_server.close()


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.mark.parametrize("scenario", list(SCENARIOS))
@pytest.mark.parametrize("mode", MODES)
async def test_canary_never_leaks_on_aiohttp_transport(
    mode: str, scenario: str, server: Server, captured: Capture
) -> None:
    case = SCENARIOS[scenario]
    base_url = server.url
    timeout = 5.0
    transport: AiohttpTransport | None = None
    blocker: asyncio.Task[Any] | None = None
    if case.name == "get-connect-error":
        base_url = f"http://127.0.0.1:{closed_port()}"
    elif case.name == "get-read-timeout":
        timeout = 0.1
    elif case.name == "get-connect-timeout":
        # aiohttp's ConnectionTimeoutError quotes the wire URL. Provoke it for real: a pool of
        # one connection, held by another client's request that the server keeps waiting.
        transport = AiohttpTransport(max_connections=1, connect_timeout=0.05)
        other = InvoiceOcean(base_url=base_url, transport=transport, **auth_options(mode))
        blocker = asyncio.create_task(other.invoices.get(READ_TIMEOUT))
        await asyncio.wait_for(server.holding.wait(), timeout=5)
    spy = Spy()
    sleeper = SleepRecorder()
    io = InvoiceOcean(
        base_url=base_url,
        retry=policy(sleeper),
        timeout=timeout,
        middleware=[spy],
        transport=transport,
        **auth_options(mode),
    )
    try:
        async with io:
            await exercise(io, case, mode, spy, server.counter, captured)
    finally:
        if blocker is not None and transport is not None:
            server.release.set()
            held = await blocker
            assert held.id == READ_TIMEOUT
            await transport.aclose()
    if case.name == "get-connect-error":
        assert server.counter.hits == 0
    elif case.name == "get-connect-timeout":
        assert server.counter.hits == 1  # only the request that held the connection
    elif case.name == "get-connection-lost":
        # aiohttp itself re-sends an idempotent request once when the server drops it.
        assert case.attempts <= server.counter.hits <= 2 * case.attempts
    else:
        assert server.counter.hits == case.attempts


# --- the client and the Secret themselves ----------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_user_middleware_runs_above_auth_and_never_sees_the_credential(mode: str) -> None:
    counter = Counter()
    spy = Spy()
    async with make_client(mock_handler(counter), middleware=[spy], **auth_options(mode)) as io:
        await io.invoices.get(GET_OK)
        await io.invoices.create(NEW_INVOICE)
    assert len(spy.requests) == 2
    assert_spy_saw_no_credential(spy)
    # ...while the transport below auth did receive it, where the mode puts it.
    assert counter.places == [EXPECTED_PLACE[mode]["GET"], EXPECTED_PLACE[mode]["POST"]]


def test_secret_refuses_to_be_pickled() -> None:
    secret = Secret(TOKEN)
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(TypeError) as caught:
            pickle.dumps(secret, protocol=protocol)
        assert_error_clean(caught.value, "pickling a Secret")


@pytest.mark.parametrize("mode", MODES)
async def test_client_refuses_to_be_pickled(mode: str) -> None:
    async with make_client(mock_handler(Counter()), **auth_options(mode)) as io:
        with pytest.raises(TypeError) as caught:
            pickle.dumps(io)
    assert_error_clean(caught.value, "pickling the client")


def test_secret_is_masked_by_str_repr_format_and_percent() -> None:
    secret = Secret(TOKEN)
    renderings = {
        "str": str(secret),
        "repr": repr(secret),
        "f-string": f"{secret}",
        "f-string !r": f"{secret!r}",
        "f-string !s": f"{secret!s}",
        "format spec": f"{secret:>40}",
        "format()": format(secret, ""),
        "str.format": "{}".format(secret),  # noqa: UP032 - str.format is what is tested
        "%s": "%s" % secret,  # noqa: UP031 - %-formatting is what is tested
        "%r": "%r" % secret,  # noqa: UP031
        "in a container": repr([secret, {"token": secret}]),
    }
    for how, text in renderings.items():
        assert_clean(text, f"a Secret rendered with {how}")
        assert "*" in text, f"{how} does not show the mask: {text!r}"
    assert secret.reveal() == TOKEN


def test_secret_in_a_log_record_is_masked(captured: Capture) -> None:
    logging.getLogger("invoceanio.test").debug("token is %s (%r)", Secret(TOKEN), Secret(TOKEN))
    assert [record.name for record in captured.records] == ["invoceanio.test"]
    assert_logs_clean(captured.records)
