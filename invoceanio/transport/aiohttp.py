"""The production transport: one long-lived :class:`aiohttp.ClientSession` per client.

Everything above the transport reasons about failures through one question: *may the server
have received this request?* aiohttp answers it only partly through its exception types, so
this module does the translation in one place and keeps three promises the rest of the SDK
relies on:

- **Status is data.** Every HTTP status, 3xx included, comes back as a :class:`Response`;
  redirects are never followed, because following one would re-send credentials and bodies to
  a place the caller did not choose.
- **Failures say whether the request went out.** :class:`ConnectError` and
  ``RequestTimeout(phase="connect")`` mean it never left; everything else means the outcome is
  unknown. When aiohttp's exception type alone does not tell (a plain ``TimeoutError`` from the
  total time limit), a connector hook records how far the exchange got; if that is unknown the
  answer is the conservative one (``phase="total"``, counted as sent). aiohttp re-sends an
  idempotent request once when its connection drops; a failure to reconnect for that re-send
  is reported as "may have been sent", since the first attempt may have reached the server.
- **Nothing secret leaks through an error.** Messages carry ``request.safe_url`` only, and the
  original aiohttp exception is chained as ``__cause__`` only when no part of it (message, repr,
  its own causes) contains the query string or a credential.

Bodies are read with a hard cap (``max_body_size``) on the decoded bytes, so a misbehaving or
hostile server cannot make the client buffer an unbounded response (gzip bombs included).

Lifecycle: the session is created lazily on the first ``send`` (it must be born inside the
running event loop) and reused for every request. After :meth:`AiohttpTransport.aclose` the
transport does **not** reopen: further sends raise :class:`ConfigurationError`, since a silent
reopen would hide a use-after-close bug and leak a session nobody closes. Requests in flight when
it closes fail at once: :class:`ConnectionLostError` for those that had a connection (they may
have been sent), :class:`ConnectError` for those still waiting for one. The pool belongs to the
event loop that opened it: sending or closing from another loop is a :class:`ConfigurationError`
that changes nothing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from contextvars import ContextVar
from types import TracebackType
from typing import TYPE_CHECKING, Final
from urllib.parse import quote, quote_plus, urlencode

import aiohttp
from yarl import URL

from invoceanio.errors import (
    ClientClosedError,
    ConfigurationError,
    ConnectError,
    ConnectionLostError,
    InvoiceOceanError,
    RequestTimeout,
    ResponseTooLargeError,
)
from invoceanio.http import Request, Response
from invoceanio.redaction import SENSITIVE_PARAMS, chain_quotes_any

if TYPE_CHECKING:
    from aiohttp.client_reqrep import ClientRequest
    from aiohttp.connector import Connection
    from aiohttp.tracing import Trace

__all__ = ["AiohttpTransport"]

_DEFAULT_MAX_BODY: Final = 50 * 1024 * 1024
_SECRET_HEADERS: Final = frozenset({"authorization", "proxy-authorization", "cookie"})
# Distinct per-request timeouts are few in practice; the bound only stops a caller who
# computes a fresh float per request from growing the cache forever.
_TIMEOUT_CACHE_SIZE: Final = 32

# How far the current exchange got, written by _StageTrackingConnector. A ContextVar works
# because aiohttp calls connector.connect() in the task that awaits session.request().
_NOT_STARTED: Final = 0
_CONNECTING: Final = 1
_CONNECTED: Final = 2
# Connecting again after an earlier attempt of the same send had a connection: aiohttp re-sends
# an idempotent request once when a kept-alive connection drops under it, and the first attempt
# may have reached the server. Nothing that fails from here on may claim "not sent".
_RECONNECTING: Final = 3
_STAGE: ContextVar[int] = ContextVar("invoceanio_aiohttp_stage", default=_NOT_STARTED)

# Everything aiohttp (or the socket layer under it) raises for a failed exchange. TimeoutError
# is an OSError on 3.11, listed for clarity. CancelledError is a BaseException: never caught.
_FAILURES: Final = (aiohttp.ClientError, OSError, TimeoutError)


class _ConnectorClosedError(aiohttp.ClientConnectionError):
    """Our connector was asked for a connection after (or while) it was closed."""


# Failures to get a connection: "not sent", unless an earlier attempt of the same send was.
_NOT_SENT_FAILURES: Final = (
    aiohttp.ConnectionTimeoutError,
    aiohttp.ClientConnectorError,
    _ConnectorClosedError,
)


class _StageTrackingConnector(aiohttp.TCPConnector):
    """A TCPConnector that records whether a connection was obtained for this request.

    aiohttp's total time limit surfaces as a bare ``TimeoutError`` whether it fired while
    connecting (request not sent, safe to retry) or while waiting for the answer (outcome
    unknown). Only the connector knows which, so it leaves a mark.

    It also refuses to connect once closed. aiohttp's own connector would wait for a free slot:
    closing forgets the connections in use but not their per-host count, so the re-send aiohttp
    attempts for every idempotent request whose connection the close dropped would wait for the
    connect timeout (or forever), and then be reported as never sent.
    """

    async def connect(
        self,
        req: ClientRequest,
        traces: list[Trace],
        timeout: aiohttp.ClientTimeout,  # noqa: ASYNC109 - aiohttp's signature, not ours
    ) -> Connection:
        _STAGE.set(_RECONNECTING if _STAGE.get() >= _CONNECTED else _CONNECTING)
        if self.closed:
            raise _ConnectorClosedError("Connector is closed.")
        try:
            conn = await super().connect(req, traces, timeout)
        except asyncio.CancelledError:
            # close() cancels the requests queued for a free connection; that is no cancel of
            # this task, and must not look like one to the caller.
            task = asyncio.current_task()
            if self.closed and task is not None and not task.cancelling():
                raise _ConnectorClosedError("Connector is closed.") from None
            raise
        _STAGE.set(_CONNECTED)
        return conn


def _positive(name: str, value: float | None, *, optional: bool) -> None:
    if value is None and optional:
        return
    if value is None or isinstance(value, bool) or not value > 0:
        raise ConfigurationError(f"{name} must be a positive number, got {value!r}")


class AiohttpTransport:
    """Sends requests over a shared, keep-alive aiohttp session.

    ``timeout`` is the default total time for one exchange (connect, send, read the whole body);
    ``Request.timeout`` overrides it per request. ``connect_timeout`` bounds getting a
    connection, including the wait for a free one in the pool. ``None`` disables either.

    Passing ``session`` hands over a session you manage: it is used as is (its connector,
    proxies, TLS settings, default headers) and :meth:`aclose` leaves it open. Its own
    ``ClientTimeout`` is overridden by this transport's timeouts on every request. With a
    supplied session ``max_connections`` is ignored, and the connect-phase bookkeeping is not
    available, so a bare total timeout is reported as ``phase="total"``.

    ``user_agent`` becomes the default ``User-Agent``; a request's own header wins.
    """

    def __init__(
        self,
        *,
        max_connections: int = 100,
        timeout: float | None = 30.0,
        connect_timeout: float | None = 10.0,
        max_body_size: int = _DEFAULT_MAX_BODY,
        session: aiohttp.ClientSession | None = None,
        user_agent: str | None = None,
    ) -> None:
        if isinstance(max_connections, bool) or not isinstance(max_connections, int):
            raise ConfigurationError(f"max_connections must be an int, got {max_connections!r}")
        if isinstance(max_body_size, bool) or not isinstance(max_body_size, int):
            raise ConfigurationError(f"max_body_size must be an int, got {max_body_size!r}")
        _positive("max_connections", max_connections, optional=False)
        _positive("max_body_size", max_body_size, optional=False)
        _positive("timeout", timeout, optional=True)
        _positive("connect_timeout", connect_timeout, optional=True)
        if session is not None and session.closed:
            raise ConfigurationError("the aiohttp session passed in is already closed")

        self._max_connections = max_connections
        self._max_body_size = max_body_size
        self._connect_timeout = connect_timeout
        self._user_agent = user_agent
        # Built once: the common case (no per-request timeout) allocates nothing.
        self._default_timeout = aiohttp.ClientTimeout(total=timeout, connect=connect_timeout)
        self._timeouts: dict[float, aiohttp.ClientTimeout] = {}
        self._session: aiohttp.ClientSession | None = session
        self._owns_session = session is None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        # The responses whose bodies are being read. Closing the session does not end those
        # reads: aiohttp drops a connection's link to its body stream before it closes it, so
        # a read would wait for bytes that never come (until the time limit, or for ever).
        self._reading: set[aiohttp.ClientResponse] = set()
        # A supplied session's default headers are not ours to change, so the User-Agent is
        # merged per request instead; with our own session it is a session default.
        self._merge_user_agent = user_agent if session is not None else None

    @property
    def session(self) -> aiohttp.ClientSession | None:
        """The session in use; ``None`` before the first send or after :meth:`aclose`."""
        return self._session

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def max_body_size(self) -> int:
        return self._max_body_size

    async def send(self, request: Request) -> Response:
        """Send ``request`` and read the whole response; see the module docstring."""
        session = self._session
        if session is None:
            session = self._open()
        elif self._loop is not None and self._loop is not asyncio.get_running_loop():
            raise ConfigurationError(
                "AiohttpTransport is bound to the event loop it was first used in; "
                "create one transport per event loop"
            )
        seconds = request.timeout
        timeout = self._default_timeout if seconds is None else self._timeout_for(seconds)

        # Reset rather than set-and-restore: sends in one task never overlap, and a stale
        # value from the previous send must not leak into this one.
        _STAGE.set(_NOT_STARTED)
        started = time.perf_counter()
        failure: BaseException | None = None
        try:
            resp = await session.request(
                request.method,
                request.url,
                params=request.params or None,
                # Not bound to a local: the headers carry the credential, and a traceback shown
                # with its frames' variables (pytest --showlocals, Sentry) would print them.
                headers=(
                    request.headers
                    if self._merge_user_agent is None
                    else self._with_user_agent(request.headers, self._merge_user_agent)
                ),
                data=request.body,
                allow_redirects=False,
                timeout=timeout,
            )
        except _FAILURES as exc:
            failure = exc
        except RuntimeError as exc:
            # aiohttp's only signal for a session closed under us (typically a supplied one).
            if not session.closed:
                raise
            failure = exc
        if failure is not None:
            # Not raised with the failure among this frame's variables: aiohttp's exception
            # for a malformed answer holds the request (its URL with the query string, its
            # headers), which a traceback shown with its variables would print.
            error = self._translate(failure, request, _STAGE.get())
            del failure
            raise error

        cap = self._max_body_size
        reading = self._reading
        reading.add(resp)
        try:
            body, failure, too_large = await _read_capped(resp, cap, request.method)
        except BaseException:
            # Cancellation mid-body: the connection holds unread data, so it cannot go back
            # to the pool.
            reading.discard(resp)
            resp.close()
            del resp  # see below
            raise
        reading.discard(resp)
        status, headers, content_type = resp.status, resp.headers, resp.content_type
        if failure is not None or too_large:
            # Closing, not releasing: the rest of the body is still on the wire.
            resp.close()
        else:
            resp.release()
        # Never a local of a frame that raises: aiohttp's repr of a response prints its URL,
        # query string (a token in query or body auth) included, and a traceback printed with
        # its frames' variables (pytest --showlocals, Sentry) would show it.
        del resp
        if failure is not None:
            error = self._translate(failure, request, _CONNECTED)
            del failure  # see above
            raise error
        if too_large:
            raise ResponseTooLargeError(
                f"response body is larger than the {cap}-byte limit",
                method=request.method,
                url=request.safe_url,
                status=status,
                content_type=content_type,
            )
        return Response(
            status=status,
            headers=headers,
            body=body,
            elapsed=time.perf_counter() - started,
        )

    async def aclose(self) -> None:
        """Close the session this transport created (never one passed in). Idempotent."""
        if (
            self._session is not None
            and self._owns_session
            and self._loop is not None
            and self._loop is not asyncio.get_running_loop()
        ):
            # The pooled connections belong to the loop that opened them: aiohttp's close from
            # here returns quietly and closes none of them. Refusing (and changing nothing, as
            # send() does from another loop) beats a "closed" that hides a leaked socket.
            raise ConfigurationError(
                "AiohttpTransport was used in another event loop and can only be closed "
                "there: await aclose() (or leave `async with`) before that loop ends"
            )
        session, self._session = self._session, None
        self._closed = True
        if session is not None and self._owns_session:
            for resp in self._reading:
                # Fails the read at once, as a lost connection (the request was sent).
                resp.content.set_exception(
                    aiohttp.ClientConnectionError("the transport was closed during the read")
                )
            self._reading.clear()
            await session.close()

    async def __aenter__(self) -> AiohttpTransport:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def _open(self) -> aiohttp.ClientSession:
        if self._closed:
            raise ClientClosedError(
                "this AiohttpTransport has been closed; create a new transport (or client)"
            )
        self._loop = asyncio.get_running_loop()
        connector = _StageTrackingConnector(
            limit=self._max_connections, limit_per_host=self._max_connections
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=self._default_timeout,
            headers={"User-Agent": self._user_agent} if self._user_agent else None,
            # The API is token-authenticated; stored cookies would only be hidden state
            # shared between requests (and per-response parsing work).
            cookie_jar=aiohttp.DummyCookieJar(),
        )
        return self._session

    def _timeout_for(self, seconds: float) -> aiohttp.ClientTimeout:
        timeout = self._timeouts.get(seconds)
        if timeout is None:
            _positive("Request.timeout", seconds, optional=False)
            if len(self._timeouts) >= _TIMEOUT_CACHE_SIZE:
                self._timeouts.clear()
            timeout = aiohttp.ClientTimeout(total=seconds, connect=self._connect_timeout)
            self._timeouts[seconds] = timeout
        return timeout

    @staticmethod
    def _with_user_agent(headers: Mapping[str, str], user_agent: str) -> Mapping[str, str]:
        if any(name.lower() == "user-agent" for name in headers):
            return headers
        return {"User-Agent": user_agent, **headers}

    def _translate(self, exc: BaseException, request: Request, stage: int) -> InvoiceOceanError:
        """Map an aiohttp failure to the SDK's tree; the result is raised by the caller.

        Raised outside the ``except`` block on purpose: that leaves ``__context__`` empty, so
        a dropped cause is really gone rather than merely hidden.
        """
        method = request.method
        url = request.safe_url
        leaky = _leaks_secret(exc, request)
        detail = _describe(exc, leaky)
        error: InvoiceOceanError
        if stage == _RECONNECTING and isinstance(exc, _NOT_SENT_FAILURES):
            # aiohttp's re-send failed to connect, but the first attempt had been sent.
            reason = "timed out" if isinstance(exc, TimeoutError) else f"failed ({detail})"
            message = (
                f"{method} {url}: the connection was lost and reconnecting {reason}; "
                "the request may have been sent"
            )
            if isinstance(exc, TimeoutError):
                error = RequestTimeout(message, phase="total", method=method, url=url)
            else:
                error = ConnectionLostError(message, method=method, url=url)
        elif isinstance(exc, _ConnectorClosedError):
            # Refused before a connection was made: this request never left.
            error = ConnectError(
                f"{method} {url}: the transport was closed before the request was sent",
                method=method,
                url=url,
            )
        elif isinstance(exc, aiohttp.ConnectionTimeoutError):
            error = RequestTimeout(
                f"{method} {url}: timed out while connecting",
                phase="connect",
                method=method,
                url=url,
            )
        elif isinstance(exc, aiohttp.SocketTimeoutError):
            error = RequestTimeout(
                f"{method} {url}: timed out waiting for the server to answer",
                phase="read",
                method=method,
                url=url,
            )
        elif isinstance(exc, TimeoutError):
            # The total limit: which phase depends on how far the connector got.
            if stage == _CONNECTING:
                error = RequestTimeout(
                    f"{method} {url}: timed out while connecting",
                    phase="connect",
                    method=method,
                    url=url,
                )
            elif stage == _CONNECTED:
                error = RequestTimeout(
                    f"{method} {url}: timed out waiting for the server to answer",
                    phase="read",
                    method=method,
                    url=url,
                )
            else:
                error = RequestTimeout(
                    f"{method} {url}: timed out (the request may have been sent)",
                    phase="total",
                    method=method,
                    url=url,
                )
        elif isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ServerFingerprintMismatch):
            # DNS, refused, unreachable, TLS handshake and certificate failures all happen
            # before a byte of the request is written.
            error = ConnectError(
                f"{method} {url}: could not connect ({detail})", method=method, url=url
            )
        elif isinstance(exc, aiohttp.InvalidURL | aiohttp.NonHttpUrlClientError):
            # Retrying cannot fix a malformed URL; it is a configuration mistake.
            error = ConfigurationError(f"{method} {url}: not a usable http(s) URL")
        elif isinstance(exc, RuntimeError):
            error = ConfigurationError(
                f"{method} {url}: the aiohttp session was closed while still in use"
            )
        else:
            # Sent (or possibly sent) and no complete answer: the outcome is unknown.
            error = ConnectionLostError(
                f"{method} {url}: connection lost before a complete response ({detail})",
                method=method,
                url=url,
            )
        if not leaky:
            _drop_frames(exc)
        error.__cause__ = None if leaky else exc
        error.__suppress_context__ = True
        return error


def _drop_frames(exc: BaseException) -> None:
    """Keep a clean cause's type and message but not its traceback: aiohttp's frames hold the
    request's headers and params (the credential) as local variables, which a traceback shown
    with its variables (pytest --showlocals, rich, Sentry) would print."""
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        link.__traceback__ = None
        link = link.__cause__ or link.__context__


def _describe(exc: BaseException, leaky: bool) -> str:
    name = type(exc).__name__
    if leaky:
        return name
    text = str(exc)
    return f"{name}: {text}" if text else name


def _secret_needles(request: Request) -> set[str]:
    """Every spelling of the request's secrets that an exception message might contain."""
    needles: set[str] = set()
    if request.params:
        needles.add(urlencode(request.params, safe="[],"))
        try:
            wire = URL(request.url).extend_query(request.params).raw_query_string
        except (ValueError, TypeError):
            wire = ""
        if wire:
            needles.add(wire)
            for pair in wire.split("&"):
                key, _, value = pair.partition("=")
                if key.lower() in SENSITIVE_PARAMS and value:
                    needles.add(value)
        for key, value in request.params:
            if key.lower() in SENSITIVE_PARAMS and value:
                needles.update((value, quote(value, safe=""), quote_plus(value, safe="")))
    for name, value in request.headers.items():
        if name.lower() in _SECRET_HEADERS and value:
            needles.add(value)
            # "Bearer abc" may be logged as just the credential.
            needles.add(value.rpartition(" ")[2])
    if "@" in request.url:
        needles.add(request.url.partition("://")[2].rpartition("@")[0])
    needles.discard("")
    return needles


def _leaks_secret(exc: BaseException, request: Request) -> bool:
    """True when ``exc`` or anything chained to it would print a secret of ``request``."""
    needles = _secret_needles(request)
    if not needles:
        return False
    return chain_quotes_any(exc, needles)


async def _read_capped(
    resp: aiohttp.ClientResponse, cap: int, method: str
) -> tuple[bytes, BaseException | None, bool]:
    """The body, at most ``cap`` bytes once decoded; a failure to read it is returned, not
    raised (the caller raises it with no response among its locals). True when it is over."""
    try:
        length = resp.content_length
        # A HEAD (or 204/304) Content-Length describes a body that is not coming.
        if (
            length is not None
            and length > cap
            and method != "HEAD"
            and resp.status
            not in (
                204,
                304,
            )
        ):
            return b"", None, True
        chunks: list[bytes] = []
        size = 0
        readany = resp.content.readany
        while chunk := await readany():
            size += len(chunk)
            if size > cap:
                return b"", None, True
            chunks.append(chunk)
        # join() of a single chunk returns it without copying.
        return b"".join(chunks), None, False
    except _FAILURES as exc:
        del resp  # the failure's traceback keeps this frame: see AiohttpTransport.send
        return b"", exc, False
    except BaseException:
        del resp  # so does a cancellation's
        raise
