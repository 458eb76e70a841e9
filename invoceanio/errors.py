"""Every exception invoceanio raises, in one tree.

```
InvoiceOceanError
├── ConfigurationError            bad arguments, caught before any network I/O
│   └── ClientClosedError         a call on (or waiting in) a client that was closed
├── TransportError                the exchange itself failed
│   ├── ConnectError              never sent: always safe to retry
│   ├── RequestTimeout            .phase says where ("connect" is safe, "read" is not)
│   └── ConnectionLostError       sent, no answer: the outcome is unknown
├── DecodeError                   bad JSON/XML, HTML where JSON was expected, not a PDF, too big
│   ├── ResponseTooLargeError
│   └── PaginationError           the server sent the same page twice (it ignores page=)
├── ReadBackError                 a write was applied, but reading its record back failed
├── WebhookError                  an incoming webhook is malformed or its token does not match
└── APIError                      the server answered with an error (.status, .method, .url, .body)
    ├── AuthenticationError 401   PermissionDeniedError 403   NotFoundError 404
    ├── ValidationError 422       (.field_errors: {field: [messages]})
    ├── RateLimitError 429        (.retry_after in seconds, or None)
    └── ServerError 5xx           (.retry_after: a 503's hint in seconds, or None)
```

A 200 response whose body says error (``{"code": "error"}``) raises the matching ``APIError``
too, with the real HTTP status. Every URL stored on an error has already been redacted: no
error message, repr or traceback ever holds the API token.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

__all__ = [
    "APIError",
    "AuthenticationError",
    "ClientClosedError",
    "ConfigurationError",
    "ConnectError",
    "ConnectionLostError",
    "DecodeError",
    "InvoiceOceanError",
    "NotFoundError",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimitError",
    "ReadBackError",
    "RequestTimeout",
    "ResponseTooLargeError",
    "ServerError",
    "TransportError",
    "ValidationError",
    "WebhookError",
]

TimeoutPhase = Literal["connect", "write", "read", "total", "deadline"]


def _rebuilt(cls: type[InvoiceOceanError], args: tuple[Any, ...]) -> InvoiceOceanError:
    error = cls.__new__(cls)
    error.args = args
    return error


class InvoiceOceanError(Exception):
    """Base class of every error raised by invoceanio."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Most errors take keyword-only arguments, which Exception's own reduce (args alone)
        # cannot give back: pickle (multiprocessing, task queues) and copy would raise a
        # TypeError. Rebuilt from the message and the attributes instead.
        return (_rebuilt, (type(self), self.args), dict(vars(self)))


class ConfigurationError(InvoiceOceanError, ValueError):
    """The client was given arguments it cannot use (raised before any network I/O)."""


class ClientClosedError(ConfigurationError):
    """The client (or its transport) was closed: a request made after ``aclose()``, or one
    that was waiting to be sent again when it came. Nothing was sent after the close; a bulk
    import stops on it, as on a refused token."""


class TransportError(InvoiceOceanError):
    """The HTTP exchange failed before a complete response was read.

    ``request_sent`` tells whether the server may have received the request: when it is true,
    the outcome of a non-idempotent request is unknown and it must not be re-sent blindly.
    """

    request_sent: bool = True

    def __init__(self, message: str, *, method: str = "", url: str = "") -> None:
        super().__init__(message)
        self.method = method
        self.url = url

    @property
    def outcome_unknown(self) -> bool:
        return self.request_sent


class ConnectError(TransportError):
    """No connection could be made; the request never left this machine."""

    request_sent = False


class RequestTimeout(TransportError):
    """A time limit ran out. ``phase="connect"`` means the request was never sent, and so does
    ``phase="deadline"``: the retry policy's overall deadline would have passed before it could
    be sent (the client was paused by a server's ``Retry-After``, the request waited for a
    place in flight, or its start time under ``rate_limit=`` fell after the deadline)."""

    def __init__(
        self, message: str, *, phase: TimeoutPhase, method: str = "", url: str = ""
    ) -> None:
        super().__init__(message, method=method, url=url)
        self.phase: TimeoutPhase = phase
        self.request_sent = phase not in ("connect", "deadline")


class ConnectionLostError(TransportError):
    """The connection dropped after the request was sent: the server may have acted on it."""


class DecodeError(InvoiceOceanError):
    """A response body could not be read as what the call expects."""

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        url: str = "",
        status: int | None = None,
        content_type: str | None = None,
    ) -> None:
        where = f" ({method} {url})" if method or url else ""
        super().__init__(f"{message}{where}")
        self.method = method
        self.url = url
        self.status = status
        self.content_type = content_type


class PaginationError(DecodeError):
    """The server sent the same page twice (it ignores ``page``): iterating would never end."""


class ReadBackError(InvoiceOceanError):
    """A write was applied, but reading its record back failed (``__cause__`` says why): for an
    API whose update answers 204 with no body, the record is read again, and that read failed.
    Do not send the write again; read the record later with ``get()``."""

    def __init__(self, message: str, *, method: str = "", url: str = "") -> None:
        where = f" ({method} {url})" if method or url else ""
        super().__init__(f"{message}{where}")
        self.method = method
        self.url = url


class ResponseTooLargeError(DecodeError):
    """The response body is larger than the configured cap; it was not read in full."""


class WebhookError(InvoiceOceanError):
    """A webhook request this process received is not one the service sent: a body that is not
    a JSON object, or an ``api_token`` that is missing or wrong. Answer it with 400/401."""

    def __init__(self, message: str, *, reason: Literal["malformed", "token"]) -> None:
        super().__init__(message)
        # Annotated: inferred from the assignment, some type checkers widen it to str.
        self.reason: Literal["malformed", "token"] = reason


class APIError(InvoiceOceanError):
    """The server answered, and the answer is an error."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        method: str,
        url: str,
        body: object = None,
        field_errors: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        super().__init__(f"{status} {message} ({method} {url})")
        self.message = message
        self.status = status
        self.method = method
        self.url = url
        self.body = body
        self.field_errors: dict[str, list[str]] = {
            key: list(values) for key, values in (field_errors or {}).items()
        }


class AuthenticationError(APIError):
    """401: the token is wrong or missing, or the account prefix does not exist."""


class PermissionDeniedError(APIError):
    """403: the credentials are valid but not allowed to do this."""


class NotFoundError(APIError):
    """404: no such object (or no such path)."""


class ValidationError(APIError):
    """422: the server refused the data; ``field_errors`` maps field names to messages."""


class _HintedError(APIError):
    """An answer that may say when to try again (``Retry-After``): ``retry_after`` is that
    hint in seconds, or None."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        method: str,
        url: str,
        body: object = None,
        field_errors: Mapping[str, Sequence[str]] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(
            message, status=status, method=method, url=url, body=body, field_errors=field_errors
        )
        self.retry_after = retry_after


class RateLimitError(_HintedError):
    """429: throttled. ``retry_after`` is the server's hint in seconds, when it gave one."""


class ServerError(_HintedError):
    """5xx: the server failed. ``retry_after`` is its hint in seconds when it gave one (a 503
    for maintenance says when to come back), else None."""
