"""The engine the resource services share: build a request, send it, interpret the answer.

Building and interpreting are plain functions of their inputs; only :meth:`ApiCore.call` awaits
the middleware chain. Interpreting is where a status, a content type or an error body becomes a
typed exception, so every resource gets the same errors for the same answers.
"""

from __future__ import annotations

import asyncio
import enum
import posixpath
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, TypeVar
from urllib.parse import parse_qsl, urljoin, urlsplit

import attrs
import cattrs

from invoceanio import hosts
from invoceanio.codecs.base import Codec, CodecError
from invoceanio.codecs.registry import CodecRegistry
from invoceanio.endpoints import Suffix
from invoceanio.errors import (
    APIError,
    AuthenticationError,
    ConfigurationError,
    DecodeError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    ValidationError,
)
from invoceanio.http import Reconciler, Request, Response, Send
from invoceanio.middleware.auth import scrubber_of
from invoceanio.middleware.base import Middleware
from invoceanio.middleware.retry import parse_retry_after
from invoceanio.models.converter import structure, structure_int, to_wire
from invoceanio.models.values import YearMonth
from invoceanio.providers.base import Capabilities, ErrorInfo, Provider
from invoceanio.secrets import Secret

__all__ = ["ApiCore", "Content", "Expect", "Host"]

T = TypeVar("T")
Expect = Literal["data", "pdf", "bytes"]
Host = Literal["account", "app"]
#: A body already encoded, and its Content-Type (a multipart form with its boundary).
Content = tuple[bytes, str]
_STATUS_ERRORS: dict[int, type[APIError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    422: ValidationError,
    429: RateLimitError,
}
_ACCEPT = {"pdf": "application/pdf", "bytes": "*/*"}
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
#: How much of an error body that is not JSON/XML (a proxy's text page) an error keeps.
_TEXT_BODY_LIMIT = 2000
#: No body this small is decoded in a thread, whatever its codec's ``decode_off_loop_above``:
#: even XML, the slowest codec, reads it in about 2 ms, and an answer under it (a create's, ~4
#: kB) is not even looked at for a thread.
_OFF_LOOP_FLOOR = 16 * 1024
#: What ``interpret``/``decode`` get when the body was not decoded ahead (None is a document).
_NOT_DECODED: Any = object()


class ApiCore:
    def __init__(
        self,
        *,
        base_url: str,
        app_url: str,
        max_upload_bytes: int,
        prefix: str | None,
        provider: Provider,
        codecs: CodecRegistry,
        format: str,
        send: Send,
        timeout: float | None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        auth: Middleware | None = None,
        clock_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.base_url = base_url
        self.app_url = app_url
        self.max_upload_bytes = max_upload_bytes
        #: The account's subdomain when known (from ``prefix=``, the token or the URL).
        self.prefix = prefix
        self.provider = provider
        #: What the API does that the layers above must know (page sizes, unique oids...).
        self.capabilities = Capabilities.of(provider)
        self.codecs = codecs
        self.codec = codecs.by_name(format)
        self.json_codec = codecs.by_name("json")
        self._send = send
        self.timeout = timeout
        #: How callers above the chain wait (a bulk import between tries): the retry policy's,
        #: so a test's fake time is theirs too.
        self.sleep = sleep
        #: A real-time wait (a bulk import's pace, which runs on the monotonic clock).
        self.clock_sleep = clock_sleep
        # The errors made here quote the server's answer, which may quote the credential back
        # (a 401 naming the token, a page echoing the URL); they are built above the auth
        # layer, out of its reach, so every error this core raises goes through its scrubber.
        self._scrubbed = scrubber_of(auth)
        # Encoded once: every create with an oid masks its look-up's answer with them.
        self._needle_bytes = tuple(needle.encode() for needle in self._scrubbed.needles)

    # building -------------------------------------------------------------------------------

    def codec_for(self, *, xml_form: bool) -> Codec:
        """The configured format, or JSON for a call the API offers only in JSON."""
        return self.codec if xml_form else self.json_codec

    def build(
        self,
        method: str,
        path: str,
        *,
        params: Sequence[tuple[str, str]] = (),
        body: Any = None,  # JSON-shaped already: see resources.base.as_document
        root: str | None = None,
        top_level: Mapping[str, Any] | None = None,
        xml_form: bool = True,
        expect: Expect = "data",
        idempotent: bool | None = None,
        operation: str = "",
        host: Host = "account",
        content: Content | None = None,
        suffix: Suffix | None = None,
        authenticate: bool = True,
    ) -> Request:
        """A request to the account's host (or the brand's ``app`` host). ``body`` is encoded
        with the format's codec under ``root``, with the members of ``top_level`` (flags of the
        request, not fields of the object) where the provider puts them, beside the root key;
        in XML, whose document has one root element and no room beside it, and without a body,
        they go in the query instead (a flag as 1 or 0); ``content`` is a body already encoded (a
        multipart form) with its Content-Type; ``authenticate=False`` sends no credentials (the
        app-host calls that log in). The path suffix follows ``expect`` (the format,
        ``.pdf``, none for raw bytes) unless ``suffix`` names it (see
        :data:`invoceanio.endpoints.Suffix`)."""
        codec = self.codec_for(xml_form=xml_form)
        if suffix is None:
            fmt = {"pdf": "pdf", "bytes": None}.get(expect, codec.name)
        else:
            fmt = {"format": codec.name, "none": None}.get(suffix, suffix)
        base = self.app_url if host == "app" else self.base_url
        url = self.provider.url(base, path, fmt)
        headers = {"Accept": _ACCEPT.get(expect, codec.media_type)}
        if top_level and (body is None or codec.name == "xml"):
            # The API reads request-level members from the query too (it documents
            # ``?gov_save_and_send=1`` beside the body form), spelling a flag 1 as there.
            params = [*params, *_top_level_query(top_level)]
            top_level = None
        encoded: bytes | None = None
        if body is not None:
            try:
                # Called without top_level when there is none: the hot path of a create stays
                # as it was, and a provider whose API has no such members needs no parameter.
                document = (
                    self.provider.wrap(root, body)
                    if not top_level
                    else self.provider.wrap(root, body, top_level)
                )
                encoded = codec.encode(document)
            except CodecError as exc:
                raise ConfigurationError(f"cannot encode the request body: {exc}") from None
            headers["Content-Type"] = codec.media_type
        elif content is not None:
            encoded, headers["Content-Type"] = content
        extra: dict[str, Any] = {} if idempotent is None else {"idempotent": idempotent}
        return Request(
            method=method,
            url=url,
            params=tuple(params),
            headers=headers,
            body=encoded,
            authenticate=authenticate,
            timeout=self.timeout,
            context={"operation": operation or f"{method} {path}"},
            **extra,
        )

    def external(
        self,
        method: str,
        url: str,
        *,
        operation: str,
        source: Request,
        status: int | None = None,
        content: Content | None = None,
        idempotent: bool | None = None,
    ) -> Request:
        """A request to a URL the API handed out (an upload form's target, the file a redirect
        points to) in its answer to ``source`` (with ``status``). It is checked first and never
        carries the credentials. A URL refused (plain http, credentials in it, no http at all)
        is that answer's fault, not the caller's: a DecodeError naming ``source``."""
        # Scrubbed: the URL is the server's, and it may quote the token (in any case).
        with self._scrubbed:
            try:
                hosts.check_external_url(url)
            except ConfigurationError as exc:
                raise DecodeError(
                    str(exc), method=source.method, url=source.path, status=status
                ) from None
        parts = urlsplit(url)
        headers = {"Accept": "*/*"}
        body: bytes | None = None
        if content is not None:
            body, headers["Content-Type"] = content
        extra: dict[str, Any] = {} if idempotent is None else {"idempotent": idempotent}
        return Request(
            method=method,
            url=parts._replace(query="", fragment="").geturl(),
            params=tuple(parse_qsl(parts.query, keep_blank_values=True)),
            headers=headers,
            body=body,
            authenticate=False,
            timeout=self.timeout,
            context={"operation": operation},
            **extra,
        )

    def oid_reconciler(self, collection: str, oid: str, template: Request) -> Reconciler | None:
        reconciler = self.provider.oid_reconciler(
            base_url=self.base_url,
            codec=self.codec,
            codecs=self.codecs,
            collection=collection,
            oid=oid,
            template=template,
        )
        if reconciler is None or not self._needle_bytes:
            return reconciler
        return _MaskedReconciler(reconciler, self._needle_bytes)

    def quote(self, value: object, limit: int = 40) -> str:
        """``value`` as an error message may quote it: credentials masked, and cut (to
        ``limit`` characters) without leaving the start of one."""
        return repr(self._scrubbed.clip(str(self._scrubbed.mask(str(value))), limit))

    # sending --------------------------------------------------------------------------------

    async def call(self, request: Request, *, expect: Expect = "data") -> Any:
        """Send ``request`` and return its decoded document (bytes for PDFs), or raise."""
        # The chain too: a layer above auth (the retry's look-up) may quote an answer.
        with self._scrubbed:
            response = await self._send(request)
            if len(response.body) > _OFF_LOOP_FLOOR and expect == "data" and response.is_success:
                decoded = await self._decode_large(request, response)
                if decoded is not _NOT_DECODED:
                    return self.interpret(request, response, decoded=decoded)
            return self.interpret(request, response, expect=expect)

    async def _decode_large(self, request: Request, response: Response) -> Any:
        """A body past its codec's ``decode_off_loop_above``, decoded in a worker thread, else
        ``_NOT_DECODED``. Parsing a page of 100 invoices in XML takes about 60 ms of pure
        Python (xmltodict), which on the event loop would stall every other task of the app
        (web requests, heartbeats) for as long; in a thread, the loop gets its turn every few
        milliseconds (the interpreter's switch interval). A CodecError is handed back as the
        result, for :meth:`decode` to raise with the request's context as it always does."""
        codec = self._codec_of(request, response)
        limit = getattr(codec, "decode_off_loop_above", None)
        if codec is None or limit is None or len(response.body) <= limit:
            return _NOT_DECODED
        return await asyncio.to_thread(_decoded_or_error, codec, response.body)

    async def exchange(self, request: Request) -> Response:
        """Send ``request`` through the chain and return the Response itself, uninterpreted
        (for a caller that needs what the retry layer learned, e.g. ``duplicate``)."""
        with self._scrubbed:
            return await self._send(request)

    async def fetch_file(self, request: Request, *, accept_redirect: bool = True) -> bytes:
        """The bytes a file endpoint answers. The API may answer 302 to the file's real place
        (a storage URL): that one is fetched without credentials, and only once (a second
        redirect is an error, not a loop)."""
        with self._scrubbed:
            response = await self._send(request)
            location = response.headers.get("Location")
            if accept_redirect and response.status in _REDIRECTS and location:
                try:
                    target = urljoin(request.url, location)
                    urlsplit(target)
                except ValueError:
                    # Unparsable ("http://[::1"): a bad answer, not the caller's mistake.
                    raise DecodeError(
                        "the redirect's Location is no URL that can be followed",
                        method=request.method,
                        url=request.path,
                        status=response.status,
                    ) from None
                follow = self.external(
                    "GET",
                    target,
                    operation=f"{request.method} redirect",
                    source=request,
                    status=response.status,
                )
                return await self.fetch_file(follow, accept_redirect=False)
            body: bytes = self.interpret(request, response, expect="bytes")
            if self.provider.is_html(response) or (
                # An empty answer is no page, but the API's own answer labelled a page where
                # a file was expected is no file either (a storage's answer is not read so).
                not body.strip() and request.authenticate and _labelled_html(response)
            ):
                raise DecodeError(
                    "expected a file but got an HTML page (a login page: is the token right?)",
                    method=request.method,
                    url=request.path,
                    status=response.status,
                    content_type=response.content_type,
                )
            return body

    # interpreting ---------------------------------------------------------------------------

    def interpret(
        self,
        request: Request,
        response: Response,
        *,
        expect: Expect = "data",
        decoded: Any = _NOT_DECODED,
    ) -> Any:
        """The document of an answer, or the error it says. ``decoded`` is what the body's
        codec already made of it (:meth:`_decode_large`), when it did."""
        with self._scrubbed:
            if not response.is_success:
                raise self.error_for(request, response)
            if expect == "bytes":
                return response.body
            if self.provider.is_html(response):
                raise DecodeError(
                    f"expected {'a PDF' if expect == 'pdf' else 'data'} but got an HTML page "
                    "(a login page: is the token right and the feature on the account's plan?)",
                    method=request.method,
                    url=request.path,
                    status=response.status,
                    content_type=response.content_type,
                )
            if expect == "pdf":
                if not response.body.startswith(b"%PDF"):
                    got = response.content_type or "an unlabelled body"
                    raise DecodeError(
                        f"expected a PDF document, got {got}",
                        method=request.method,
                        url=request.path,
                        status=response.status,
                        content_type=response.content_type,
                    )
                return response.body
            if not response.body.strip():
                return None
            data = self.decode(request, response, decoded=decoded)
            info = self.provider.body_error(data)
            if info is not None:
                # Read again masked: the provider cuts its message short, maybe mid-token.
                data = self._scrubbed.mask(data)
                info = self.provider.body_error(data) or info
                error_type = ValidationError if info.field_errors else APIError
                raise self._api_error(error_type, info, request, response, data)
            return data

    def _codec_of(self, request: Request, response: Response) -> Codec | None:
        """The codec of a body: the one its Content-Type names; without one, the one the
        request asked for (its Accept, else its path's suffix: JSON for a call the API offers
        only in JSON, whatever the client's format), else the configured one."""
        declared = response.content_type
        if declared:
            return self.codecs.by_media_type(declared)
        return (
            self.codecs.by_media_type(request.headers.get("Accept", ""))
            or self.codecs.by_suffix(posixpath.splitext(urlsplit(request.url).path)[1])
            or self.codec
        )

    def decode(self, request: Request, response: Response, *, decoded: Any = _NOT_DECODED) -> Any:
        with self._scrubbed:
            declared = response.content_type
            codec = self._codec_of(request, response)
            if codec is None:
                raise DecodeError(
                    f"unexpected content type {declared!r}",
                    method=request.method,
                    url=request.path,
                    status=response.status,
                    content_type=declared,
                )
            try:
                if decoded is _NOT_DECODED:
                    return codec.decode(response.body)
                if isinstance(decoded, CodecError):
                    raise decoded
                return decoded
            except CodecError as exc:
                raise DecodeError(
                    str(exc),
                    method=request.method,
                    url=request.path,
                    status=response.status,
                    content_type=declared,
                ) from None

    def error_for(self, request: Request, response: Response) -> APIError | DecodeError:
        data: Any = None
        # Read as a success is read: by its Content-Type, else by the codec the request asked
        # for (an unlabelled 422 still has its field errors).
        codec = self._codec_of(request, response)
        if codec is not None:
            try:
                data = codec.decode(response.body)
            except CodecError:
                data = None
        if data is None and not self.provider.is_html(response):
            # Clipped clean: a credential cut in two at the limit would escape the scrubbing.
            # (4 bytes, the longest UTF-8 character, for each character kept.)
            text = response.body[: _TEXT_BODY_LIMIT * 4].decode("utf-8", "replace")
            data = self._scrubbed.clip(text, _TEXT_BODY_LIMIT)
        # Masked before it is read: the provider cuts its message short, maybe mid-token.
        data = self._scrubbed.mask(data)
        info = self.provider.error_info(data)
        if info is None:
            reason = "redirect (not followed)" if 300 <= response.status < 400 else "error"
            info = ErrorInfo(f"HTTP {response.status} {reason}")
        status = response.status
        error_type = _STATUS_ERRORS.get(status) or (ServerError if status >= 500 else APIError)
        return self._api_error(error_type, info, request, response, data)

    def _api_error(
        self,
        error_type: type[APIError],
        info: ErrorInfo,
        request: Request,
        response: Response,
        data: Any,
    ) -> APIError:
        extra: dict[str, Any] = {}
        if issubclass(error_type, RateLimitError | ServerError):
            extra["retry_after"] = parse_retry_after(response.headers.get("Retry-After"))
        error = error_type(
            info.message,
            status=response.status,
            method=request.method,
            url=request.path,
            body=data,
            field_errors=info.field_errors,
            **extra,
        )
        # Scrubbed here too, not only where it is raised: error_for hands it back unraised.
        self._scrubbed.scrub(error)
        return error

    # models ---------------------------------------------------------------------------------

    def to_model(self, request: Request, data: Any, cls: type[T]) -> T:
        with self._scrubbed:
            try:
                return structure(self.provider.unwrap_one(data), cls)
            except (cattrs.BaseValidationError, ValueError, TypeError) as exc:
                problem = _describe(exc)
            # Raised with the answer gone from this frame: it may hold a credential (a log-in's
            # token, a webhook's) that the model would have masked, and a traceback shown with
            # its frames' variables (pytest --showlocals, Sentry) would print it.
            del data
            raise DecodeError(
                f"the response is not a valid {cls.__name__}: {problem}",
                method=request.method,
                url=request.path,
            )

    def to_id(self, request: Request, data: Any) -> int:
        """Only the ``id`` of a one-record answer (an int, or the digits the API sometimes
        sends as a string), for callers that keep nothing else of it."""
        with self._scrubbed:
            item = self.provider.unwrap_one(data)
            raw = item.get("id") if isinstance(item, Mapping) else None
            try:
                # Only a scalar can be an id: the error message of a nested value would recurse.
                ident = structure_int(raw) if isinstance(raw, str | int | float) else None
            except ValueError:
                ident = None
            if ident is None:
                raise DecodeError(
                    "the response has no valid id", method=request.method, url=request.path
                )
            return ident

    def to_models(self, request: Request, data: Any, cls: type[T]) -> list[T]:
        try:
            return self.to_page(request, data, cls)[0]
        except DecodeError as exc:
            failure = exc.with_traceback(None)
        del data  # see to_model
        raise failure

    def to_page(self, request: Request, data: Any, cls: type[T]) -> tuple[list[T], bool | None]:
        """The models of one list response, and whether the provider says more pages follow."""
        with self._scrubbed:
            try:
                page = self.provider.unwrap_page(data)
            except CodecError as exc:
                raise DecodeError(str(exc), method=request.method, url=request.path) from None
            try:
                return [structure(item, cls) for item in page.items], page.has_more
            except (cattrs.BaseValidationError, ValueError, TypeError) as exc:
                problem = _describe(exc)
            del data, page  # see to_model
            raise DecodeError(
                f"a list item is not a valid {cls.__name__}: {problem}",
                method=request.method,
                url=request.path,
            )


def _labelled_html(response: Response) -> bool:
    return response.content_type in ("text/html", "application/xhtml+xml")


def _decoded_or_error(codec: Codec, body: bytes) -> Any:
    """``codec.decode(body)``, or the CodecError it raised (run in a worker thread)."""
    try:
        return codec.decode(body)
    except CodecError as exc:
        return exc


def _describe(exc: BaseException) -> str:
    if isinstance(exc, cattrs.BaseValidationError):
        return "; ".join(cattrs.transform_error(exc))[:300]
    return str(exc)[:300]


#: What a query value may be: one scalar the API can read. Anything else (a dict, bytes, None
#: in a list, an object) would go out as its Python repr, which no filter means.
_QUERY_SCALARS = (str, int, Decimal, float, date, YearMonth, enum.Enum, Secret)


#: Filters the API reads as a calendar day.
_DAY_FILTERS = frozenset({"date_from", "date_to"})


def query_value(value: Any, name: str = "a query value") -> str:
    """One query-string value in the API's spelling (dates ISO, flags true/false, numbers as
    decimal text). ``name`` (the filter's) is for the error: a value that is no query scalar,
    a NaN or an infinity is refused with ConfigurationError, never sent as its repr.

    The day filters (``date_from``/``date_to``, documented as ``YYYY-MM-DD``) refuse a
    ``datetime``: sent as a timestamp it is unread or read in the server's time zone, which
    can move the window by a day; cutting it to its date here could too."""
    if name in _DAY_FILTERS and isinstance(value, datetime):
        raise ConfigurationError(
            f"{name} takes a day: pass a date (value.date() in the time zone you mean), "
            f"not the datetime {value.isoformat()}"
        )
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal) and not value.is_finite():
        raise ConfigurationError(f"{name} must be a finite number, got {value!r}")
    if isinstance(value, _QUERY_SCALARS):
        try:
            wire = to_wire(value)
            # An enum's value is checked as the value itself would be; str() of an int of
            # more than 4300 digits raises ValueError.
            if isinstance(wire, str | int) and not isinstance(wire, bool):
                return wire if isinstance(wire, str) else str(wire)
        except ValueError as exc:  # a float NaN or infinity
            raise ConfigurationError(f"{name}: {exc}") from None
    raise ConfigurationError(
        f"{name} must be a text, a number, a date or a flag (or, as a list filter, a list of "
        f"them), got {type(value).__name__}"
    )


def _top_level_query(members: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Request-level members as query pairs: a flag 1 or 0 (the spelling the docs give
    ``gov_save_and_send`` in the query), anything else as :func:`query_value` writes it."""
    return [
        (key, ("1" if value else "0") if isinstance(value, bool) else query_value(value, key))
        for key, value in members.items()
        if value is not None
    ]


def query_params(filters: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Keyword filters to query pairs; None is left out, lists become repeated ``key[]``.

    Every value is checked by :func:`query_value` (a list's items each, so a nested list or a
    None inside one is refused), before anything is sent."""
    pairs: list[tuple[str, str]] = []
    for key, value in filters.items():
        if not isinstance(key, str) or not key.strip():
            shown = repr(key) if isinstance(key, str) else type(key).__name__
            raise ConfigurationError(f"a query parameter name must be a non-empty str, got {shown}")
        if value is None:
            continue
        if isinstance(value, list | tuple | set | frozenset):
            name = key if key.endswith("[]") else f"{key}[]"
            pairs.extend((name, query_value(item, f"each of {key}")) for item in value)
        else:
            pairs.append((key, query_value(value, key)))
    return pairs


@attrs.frozen
class _MaskedReconciler:
    """A provider's reconciler reading look-up answers with the credentials masked first.

    The provider cuts an error body's message short (300 characters) before any error is made
    of it; a credential the server quoted back across that cut would leave its start, where the
    client's scrubber finds no whole spelling. Masking the bytes before the provider reads them
    leaves nothing to cut through."""

    inner: Reconciler
    # Out of the repr: a traceback printing its frames' locals (pytest --showlocals, Sentry)
    # shows this object wherever a look-up failed.
    needles: tuple[bytes, ...] = attrs.field(repr=False)

    def lookup_request(self) -> Request:
        return self.inner.lookup_request()

    def existing_from(self, lookup: Response) -> Response | None:
        # Masked in a helper, so that no local of this frame, which the provider's errors
        # pass through, holds a spelling of the credential.
        body = _masked_body(lookup.body, self.needles)
        masked = lookup if body == lookup.body else attrs.evolve(lookup, body=body)
        return self.inner.existing_from(masked)

    def is_duplicate(self, response: Response) -> bool:
        return self.inner.is_duplicate(response)


def _masked_body(body: bytes, needles: tuple[bytes, ...]) -> bytes:
    for needle in needles:
        body = body.replace(needle, b"REDACTED")  # redaction's mask
    return body
