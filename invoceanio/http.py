"""The plain values that travel through the middleware chain: Request and Response.

They hold no I/O. A Request is built by a resource service with the help of the provider, goes
down the chain (each middleware may replace it with an evolved copy), and a Response comes back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol
from urllib.parse import urlencode

import attrs
from multidict import CIMultiDict, CIMultiDictProxy

from invoceanio.errors import DecodeError
from invoceanio.redaction import redact_url

__all__ = [
    "IDEMPOTENT_METHODS",
    "AmbiguousLookup",
    "Headers",
    "Reconciler",
    "Request",
    "Response",
    "Send",
]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# Header names whose values are credentials: masked in every repr.
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})

Headers = Mapping[str, str]
Params = tuple[tuple[str, str], ...]


class AmbiguousLookup(DecodeError):
    """A look-up that was read, and that cannot tell, now or on any later try: the key is on
    several objects, or a full page of near matches may hide it. Unlike an unreadable answer
    it is not asked again; the retry layer reports what is known instead."""


class Reconciler(Protocol):
    """Finds out whether a create that may have reached the server did in fact create something.

    The provider supplies one for creates that carry a unique external key (an invoice ``oid``).
    The retry middleware sends :meth:`lookup_request` through the rest of the chain instead of
    re-sending the create blindly, so the look-up is limited, logged and authenticated as usual.
    """

    def lookup_request(self) -> Request:
        """A safe request that finds objects carrying the key."""

    def existing_from(self, lookup: Response) -> Response | None:
        """From a successful look-up, a Response describing the existing object, or None.

        None means "read, and no such object": the create is then sent again. A body that
        cannot be read (an HTML login page, an error document, truncated data) proves no
        absence, so it raises :class:`~invoceanio.errors.DecodeError` instead; the retry layer
        takes that as a failed look-up and looks up again, never re-sending the create on it.
        An answer read that cannot tell (the key on several objects) raises
        :class:`AmbiguousLookup`: no later look-up would tell either.
        Answers are read by their Content-Type, whatever format the client asked for."""

    def is_duplicate(self, response: Response) -> bool:
        """True when ``response`` is the server refusing a second object with the same key
        (read by its Content-Type: False when no codec reads it)."""


def _mask_headers(headers: Headers) -> dict[str, str]:
    return {
        name: ("***" if name.lower() in _SECRET_HEADERS else value)
        for name, value in headers.items()
    }


@attrs.frozen(kw_only=True, repr=False)
class Request:
    """One HTTP request. ``url`` has no query string: the query lives in ``params``."""

    method: str
    url: str
    params: Params = ()
    headers: Headers = attrs.field(factory=dict)
    body: bytes | None = None
    # True when sending the request twice has the effect of sending it once.
    idempotent: bool = attrs.field(
        default=attrs.Factory(lambda self: self.method in IDEMPOTENT_METHODS, takes_self=True)
    )
    reconciler: Reconciler | None = None
    # False for a call that must carry no credential: the upload URL and the file a redirect
    # points to are not the API's host, and the token must never travel there.
    authenticate: bool = True
    timeout: float | None = None
    # Free-form facts for middleware (operation name, resource): never credentials.
    context: Mapping[str, Any] = attrs.field(factory=dict)

    @property
    def full_url(self) -> str:
        """The URL with its query string, as it goes on the wire (may hold a token)."""
        if not self.params:
            return self.url
        return f"{self.url}?{urlencode(self.params, safe='[],')}"

    @property
    def safe_url(self) -> str:
        """The full URL with every credential masked: the only form fit for logs and errors."""
        return redact_url(self.full_url)

    @property
    def path(self) -> str:
        """The redacted path and query, for error messages."""
        from urllib.parse import urlsplit

        parts = urlsplit(self.safe_url)
        return f"{parts.path}?{parts.query}" if parts.query else parts.path

    def __repr__(self) -> str:
        size = "no body" if self.body is None else f"{len(self.body)} bytes"
        return (
            f"<Request {self.method} {self.safe_url} "
            f"headers={_mask_headers(self.headers)!r} {size}>"
        )


def _case_insensitive(
    headers: Mapping[str, str] | CIMultiDictProxy[str] | CIMultiDict[str],
) -> CIMultiDictProxy[str] | CIMultiDict[str]:
    # aiohttp already hands over a case-insensitive proxy: keep it rather than copy it.
    if isinstance(headers, CIMultiDictProxy | CIMultiDict):
        return headers
    return CIMultiDict(headers)


@attrs.frozen(kw_only=True, repr=False)
class Response:
    """One HTTP response, read in full. Transports return one for every status."""

    status: int
    headers: CIMultiDictProxy[str] | CIMultiDict[str] = attrs.field(
        factory=lambda: CIMultiDict[str](), converter=_case_insensitive
    )
    body: bytes = b""
    elapsed: float = 0.0
    # True when the retry layer answered with an object that already existed (found by oid)
    # instead of the object a create would have made.
    reconciled: bool = False
    # True when, on top of that, the server had refused the create as a duplicate (its unique
    # key was taken before this call): the object existed already, this call made nothing.
    # A reconciled answer without it is the object an unanswered attempt of this call made.
    duplicate: bool = False

    @property
    def content_type(self) -> str:
        """The media type alone, lower-case, without parameters (``""`` when absent)."""
        raw = self.headers.get("Content-Type", "")
        return raw.partition(";")[0].strip().lower()

    @property
    def is_success(self) -> bool:
        return 200 <= self.status < 300

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.content_type or '-'} {len(self.body)} bytes>"


Send = Callable[[Request], Awaitable[Response]]
