"""The conventions of the InvoiceOcean / Fakturownia / VosFactures / BitFactura API.

- The format is the path suffix: ``/invoices/12.json``, ``.xml``, ``.pdf``.
- Writes wrap the object in its root key (``{"invoice": {...}}``); reads are bare.
- Lists are bare arrays without totals: a short page is the last one.
- Errors come as ``{"code": "error", "message": {field: [...]}}``, ``{"message": "..."}``,
  ``{"errors": ...}`` or ``{"error": "..."}``; some 200 responses say ``"status": "error"``.
"""

from __future__ import annotations

import reprlib
from collections.abc import Mapping
from typing import Any

import attrs

from invoceanio import hosts
from invoceanio.codecs.base import Codec, CodecError
from invoceanio.codecs.registry import CodecRegistry
from invoceanio.errors import ConfigurationError, DecodeError
from invoceanio.http import AmbiguousLookup, Request, Response
from invoceanio.middleware.auth import (
    AuthMiddleware,
    BasicAuth,
    BearerAuth,
    BodyAuth,
    NoAuth,
    QueryAuth,
)
from invoceanio.providers.base import ErrorInfo, Page
from invoceanio.secrets import Secret

__all__ = ["InvoiceOceanProvider", "OidReconciler"]

_MAX_MESSAGE = 300
#: The API's largest page, which the oid look-up asks for (see OidReconciler.existing_from).
_MAX_PER_PAGE = 100
_TOKEN_PARAM = "api_token"


# What a message that is no text is shown as: depth- and size-limited, since str() of an answer
# nested a thousand levels deep raises RecursionError (and of a huge one makes a huge message).
_MESSAGE_REPR = reprlib.Repr()  # keyword settings need Python 3.12
_MESSAGE_REPR.maxlevel = 6
_MESSAGE_REPR.maxlist = _MESSAGE_REPR.maxtuple = _MESSAGE_REPR.maxdict = 50
_MESSAGE_REPR.maxstring = _MESSAGE_REPR.maxother = _MAX_MESSAGE


def _text(value: Any) -> str:
    return value if isinstance(value, str) else _MESSAGE_REPR.repr(value)


def _as_messages(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [_text(item) for item in value]
    return [_text(value)]


def _field_errors(value: Any) -> dict[str, list[str]]:
    if not isinstance(value, Mapping):
        return {}
    return {str(key): _as_messages(messages) for key, messages in value.items()}


def _summary(field_errors: Mapping[str, list[str]]) -> str:
    return "; ".join(
        f"{field}: {' '.join(message.lstrip('- ') for message in messages)}"
        for field, messages in field_errors.items()
    )


class InvoiceOceanProvider:
    formats = frozenset({"json", "xml"})
    auth_modes = frozenset({"bearer", "query", "body", "basic", "none"})
    default_per_page = 25
    max_per_page = _MAX_PER_PAGE
    update_returns_record = True
    unique_create_key = True

    def account_url(self, *, prefix: str | None, brand: str, token: Secret | None) -> str:
        # Tokens may carry the account prefix after a slash ("TOKEN/acme").
        if prefix is None and token is not None and "/" in token.reveal():
            prefix = token.reveal().rpartition("/")[2]
        if prefix is None:
            raise ConfigurationError("give prefix= (your account's subdomain) or base_url=")
        return hosts.account_url(prefix, brand)

    def authenticator(
        self, mode: str, *, token: Secret | None, login: Secret | None, password: Secret | None
    ) -> AuthMiddleware:
        if mode not in self.auth_modes:
            raise ConfigurationError(f"auth must be one of {sorted(self.auth_modes)}, got {mode!r}")
        if mode == "none":
            if token or login or password:
                # Taken and never sent, the credentials would only make the first call's
                # "no credentials" error a riddle.
                raise ConfigurationError(
                    "auth='none' sends no credentials: leave api_token/login/password out, or "
                    "choose an auth mode that sends them"
                )
            return NoAuth()
        if mode == "basic":
            if not login or not password:
                raise ConfigurationError("auth='basic' needs login= and password=")
            return BasicAuth(login, password)
        if not token:
            raise ConfigurationError(f"auth={mode!r} needs api_token=")
        if any(ch.isspace() for ch in token.reveal()):
            raise ConfigurationError("api_token must not contain whitespace")
        if mode == "bearer":
            return BearerAuth(token)
        # The API reads the token from the query, or beside the root key of a JSON body.
        return (QueryAuth if mode == "query" else BodyAuth)(token, param=_TOKEN_PARAM)

    def url(self, base_url: str, path: str, fmt: str | None) -> str:
        return f"{base_url}/{path}.{fmt}" if fmt else f"{base_url}/{path}"

    def wrap(self, root: str | None, data: Any, top_level: Mapping[str, Any] | None = None) -> Any:
        document = data if root is None else {root: data}
        if not top_level:
            return document
        # Beside the root key ({"invoice": {...}, "gov_save_and_send": true}); a member that
        # would overwrite the object (or, without a root, one of its fields) is refused.
        if not isinstance(document, Mapping):
            raise CodecError("top-level members need an object to sit beside")
        clashes = sorted(set(top_level).intersection(document))
        if clashes:
            raise CodecError(f"a top-level member clashes with the document: {clashes[0]!r}")
        return {**document, **top_level}

    def unwrap_one(self, data: Any) -> Any:
        return data

    def unwrap_page(self, data: Any) -> Page:
        if not isinstance(data, list):
            raise CodecError(f"expected a list, got {type(data).__name__}")
        return Page(items=data)

    def page_params(self, page: int, per_page: int) -> list[tuple[str, str]]:
        return [("page", str(page)), ("per_page", str(per_page))]

    def error_info(self, data: Any) -> ErrorInfo | None:
        if isinstance(data, str):
            text = data.strip()
            return ErrorInfo(text[:_MAX_MESSAGE]) if text else None
        if isinstance(data, list):
            # A bare list of messages: JSON ["Buyer name can't be blank"], or Rails' XML
            # <errors><error>...</error></errors>, which the XML codec reads as a list.
            text = "; ".join(_text(item) for item in data if _text(item).strip())
            return ErrorInfo(text[:_MAX_MESSAGE]) if text else None
        if not isinstance(data, Mapping):
            return None
        inner = data.get("error")
        if isinstance(inner, Mapping):
            # {"error": {"buyer_name": [...]}} or {"error": {"message": ...}}: read one level in
            # (and no further: a message nested without end is no message).
            described = any(key in inner for key in ("message", "errors", "error", "code"))
            info = self._flat_error_info(inner if described else {"message": inner})
            if info is not None:
                return info
        return self._flat_error_info(data)

    def _flat_error_info(self, data: Mapping[str, Any]) -> ErrorInfo | None:
        message = data.get("message")
        errors = data.get("errors")
        fields = _field_errors(message) or _field_errors(errors)
        if fields:
            return ErrorInfo(_summary(fields)[:_MAX_MESSAGE], fields)
        for candidate in (message, data.get("error"), errors):
            if isinstance(candidate, str) and candidate.strip():
                return ErrorInfo(candidate.strip()[:_MAX_MESSAGE])
            if isinstance(candidate, list) and candidate:
                return ErrorInfo("; ".join(map(_text, candidate))[:_MAX_MESSAGE])
        if data.get("code") == "error" or data.get("status") == "error":
            return ErrorInfo("the server reported an error without a message")
        return None

    def body_error(self, data: Any) -> ErrorInfo | None:
        # A record is never an error document, whatever it holds: a product's own ``code`` (its
        # SKU, typed by the user) may well be "error". The 200 error bodies the API sends
        # (spec 7.1: e-mail, status changes, cancel, unlink) are status documents, no records.
        if (
            isinstance(data, Mapping)
            and (data.get("code") == "error" or data.get("status") == "error")
            and "id" not in data
        ):
            return self.error_info(data)
        return None

    def oid_reconciler(
        self,
        *,
        base_url: str,
        codec: Codec,
        codecs: CodecRegistry,
        collection: str,
        oid: str,
        template: Request,
    ) -> OidReconciler:
        """``codec`` is the configured format, which the look-up asks for. The answers are read
        by their Content-Type all the same, with the client's ``codecs``: the API sends a 422
        in JSON whatever the suffix."""
        return OidReconciler(
            provider=self,
            codec=codec,
            codecs=codecs,
            lookup=Request(
                method="GET",
                url=self.url(base_url, collection, codec.name),
                # period=all: the default window (12 months) would miss an old invoice. The
                # largest page: a full one without the oid proves nothing (see existing_from).
                params=(("oid", oid), ("period", "all"), ("per_page", str(self.max_per_page))),
                headers={"Accept": codec.media_type},
                timeout=template.timeout,
                context={**template.context, "operation": "reconcile-oid"},
            ),
            oid=oid,
        )

    def is_html(self, response: Response) -> bool:
        head = response.body[:256].lstrip().lower()
        if not head and not response.body.strip():
            # An empty answer is no page, whatever its label: Rails' `head :ok` to a path
            # without an extension (fiscal_print) is labelled text/html.
            return False
        if response.content_type in ("text/html", "application/xhtml+xml"):
            return True
        return head.startswith((b"<!doctype html", b"<html"))


@attrs.frozen
class OidReconciler:
    """Finds an invoice by ``oid``: the safe way to learn whether an unanswered create landed."""

    provider: InvoiceOceanProvider
    codec: Codec
    lookup: Request
    oid: str
    #: Reads an answer whose Content-Type is not the configured format's: the client's own
    #: registry, so a codec it was given (``codecs=``) reads the look-up as it reads any answer.
    codecs: CodecRegistry

    def lookup_request(self) -> Request:
        return self.lookup

    def _decode(self, response: Response) -> Any:
        """The body, read by the codec its Content-Type names (the configured one when it
        names none), as ApiCore does; CodecError when no codec reads it."""
        declared = response.content_type
        if not declared or declared in self.codec.media_types:
            codec: Codec | None = self.codec
        else:
            codec = self.codecs.by_media_type(declared)
        if codec is None:
            raise CodecError(f"unexpected content type {declared!r}")
        return codec.decode(response.body)

    def _unreadable(
        self, lookup: Response, problem: str, kind: type[DecodeError] = DecodeError
    ) -> DecodeError:
        return kind(
            f"the oid look-up {problem}",
            method=self.lookup.method,
            url=self.lookup.path,
            status=lookup.status,
            content_type=lookup.content_type,
        )

    def _ambiguous(self, lookup: Response, problem: str) -> DecodeError:
        return self._unreadable(lookup, problem, AmbiguousLookup)

    def existing_from(self, lookup: Response) -> Response | None:
        try:
            if self.provider.is_html(lookup):
                raise CodecError("an HTML page (a login page?)")
            data = self._decode(lookup)
            info = self.provider.body_error(data)
            if info is not None:
                raise CodecError(f"the server reported an error: {info.message}")
            items = self.provider.unwrap_page(data).items
        except CodecError as exc:
            # Only a list that was read says "absent": anything else says nothing, and the
            # retry layer must not re-send the create on it.
            reason = f"answered {lookup.status} but cannot be read: {exc}"
            raise self._unreadable(lookup, reason) from None
        # Only text or a number can be the oid sent (str() of a deeply nested value would
        # recurse past the interpreter's limit).
        found = [
            item
            for item in items
            if isinstance(item, Mapping)
            and isinstance(item.get("oid"), str | int)
            and str(item["oid"]) == self.oid
        ]
        if not found:
            if len(items) >= self.provider.max_per_page:
                # Should the filter match more than the oid itself (a prefix: ORD-1, ORD-10...),
                # the invoice may sit on a later page: absence is not proven.
                raise self._ambiguous(
                    lookup, f"filled a page of {len(items)} without the invoice: it may follow"
                )
            return None
        if len(found) > 1:
            # Which one this create made cannot be told (they were made without oid_unique).
            ids = ", ".join(_text(item.get("id")) for item in found[:5])
            raise self._ambiguous(lookup, f"found {len(found)} invoices with the oid (ids {ids})")
        try:
            item = found[0]
            body = self.codec.encode(item if self.codec.name == "json" else {"invoice": item})
        except (CodecError, RecursionError) as exc:
            # Found, but not writable in the client's format (a key that is no XML name,
            # nesting past the encoder's limit): still no proof of absence.
            raise self._unreadable(
                lookup, f"found the invoice but its record cannot be read: {exc}"
            ) from None
        return Response(
            status=200,
            headers={"Content-Type": self.codec.media_type},
            body=body,
            elapsed=lookup.elapsed,
            reconciled=True,
        )

    def is_duplicate(self, response: Response) -> bool:
        if response.status != 422:
            return False
        try:
            info = self.provider.error_info(self._decode(response))
        except CodecError:
            return False
        return info is not None and "oid" in info.field_errors
