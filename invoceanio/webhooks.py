"""Receiving the service's webhooks in your own web app: parse the body, check its token.

The service POSTs a JSON body and sends no signature and no custom header: the ``api_token`` you
set on the webhook comes back *inside the body*, so checking it (in constant time) is the only
proof the call is the service's. Invoice events wrap the document as ``deal`` (a short summary,
not the full invoice), client events as ``client``; ``invoice`` and ``product`` wrappers are
accepted too, as are the ``data``/``webhook`` envelopes some relays add (spec section 10).

    import os

    from aiohttp import web                           # any web framework: aiohttp here

    from invoceanio import WebhookError
    from invoceanio.webhooks import parse_webhook

    WEBHOOK_TOKEN = os.environ["WEBHOOK_TOKEN"]       # the api_token set on the webhook

    async def receive(request):
        try:
            event = parse_webhook(await request.read(), token=WEBHOOK_TOKEN)
        except WebhookError as error:
            return web.Response(status=401 if error.reason == "token" else 400)
        if event.deal is not None:
            print("invoice", event.deal.invoice_id, event.deal.status)
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/invoiceocean-webhook", receive)

The token is never kept on the event, never logged and never shown in an error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final, Literal

import attrs
import cattrs

from invoceanio.codecs.base import CodecError
from invoceanio.codecs.json import JsonCodec
from invoceanio.errors import ConfigurationError, WebhookError
from invoceanio.models.base import Model
from invoceanio.models.client import Client
from invoceanio.models.converter import structure, structure_int
from invoceanio.models.invoice import Invoice
from invoceanio.models.product import Product
from invoceanio.secrets import Secret, same_text

__all__ = ["Deal", "WebhookEvent", "parse_webhook", "token_matches"]

Subject = Literal["invoice", "client", "product", "unknown"]

#: Bodies larger than this are refused unread (a webhook is a few kilobytes).
MAX_BODY_BYTES: Final = 1024 * 1024
_JSON: Final = JsonCodec()
_ENVELOPES: Final = ("data", "webhook")


@attrs.frozen(kw_only=True, repr=False)
class Deal(Model):
    """The invoice summary an ``invoice:*`` webhook carries (it is not the full invoice: fetch
    that with ``io.invoices.get(deal.invoice_id)``)."""

    name: str | None = None
    description: str | None = None
    price: Decimal | None = None
    paid: bool | None = None
    date: dt.date | None = None  # the field is called date: the module alias avoids a clash
    invoice_no: str | None = None
    kind: str | None = None
    status: str | None = None
    currency: str | None = None
    url: str | None = None
    external_ids: dict[str, Any] | None = None
    client: Client | None = None
    skip_webhooks: bool | None = None

    @property
    def invoice_id(self) -> int | None:
        """The invoice's id (``external_ids.fakturownia``), or None when the payload has none."""
        value = (self.external_ids or {}).get("fakturownia")
        try:
            # The converter's reading of an id: an int or digits, never 1.5 read as 1 or an
            # infinity (whose int() raises OverflowError).
            return None if value is None else structure_int(value)
        except ValueError:
            return None


@attrs.frozen(kw_only=True)
class WebhookEvent:
    """One webhook call: what it is about and the record it carries."""

    subject: Subject
    id: int | None = None
    app_name: str | None = None
    locale: str | None = None
    deal: Deal | None = None
    invoice: Invoice | None = None
    client: Client | None = None
    product: Product | None = None
    #: The service's body without its ``api_token``: the body as received, or, when a relay
    #: wrapped it in a ``data``/``webhook`` envelope, the envelope's inside (the relay's own
    #: fields beside the envelope are not kept).
    payload: dict[str, Any] = attrs.field(factory=dict, repr=False)


def token_matches(presented: object, expected: str | Secret) -> bool:
    """Whether the token a webhook presented is ``expected``, compared in constant time.

    ``presented`` is whatever the body held: anything but non-blank text is no match (a body a
    web framework decoded itself may hold any JSON value, or text with a lone surrogate)."""
    wanted = expected.reveal() if isinstance(expected, Secret) else expected
    if not isinstance(wanted, str):
        raise ConfigurationError(
            f"the webhook's expected token must be a str or a Secret, got {type(wanted).__name__}"
        )
    if not isinstance(presented, str) or not presented or not wanted:
        return False
    return same_text(presented, wanted)


def _document(body: bytes | str | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(body, Mapping):
        return dict(body)
    try:
        raw = body.encode() if isinstance(body, str) else body
    except UnicodeEncodeError:
        # Text with lone surrogates (bytes decoded with errors="surrogateescape"): no JSON.
        raise WebhookError("the webhook body is not valid UTF-8 text", reason="malformed") from None
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise WebhookError("a webhook body must be bytes, text or a dict", reason="malformed")
    if len(raw) > MAX_BODY_BYTES:
        raise WebhookError(f"the webhook body is over {MAX_BODY_BYTES} bytes", reason="malformed")
    try:
        data = _JSON.decode(bytes(raw))
    except CodecError as exc:
        raise WebhookError(f"the webhook body is not JSON: {exc}", reason="malformed") from None
    if not isinstance(data, dict):
        raise WebhookError("the webhook body is not a JSON object", reason="malformed")
    return data


#: The keys a webhook body holds its record under: beside one, an envelope key is no envelope.
_RECORD_KEYS: Final = ("deal", "invoice", "client", "product")


def _unwrap(data: dict[str, Any]) -> dict[str, Any]:
    for envelope in _ENVELOPES:
        inner = data.get(envelope)
        if isinstance(inner, dict) and not any(key in data for key in _RECORD_KEYS):
            # Relays put the service's body under one key; keep the outer token if any.
            return {**inner, **({"api_token": data["api_token"]} if "api_token" in data else {})}
    return data


def _record(data: dict[str, Any], key: str, cls: type[Any]) -> Any:
    value = data.get(key)
    if value is None:
        return None
    try:
        return structure(value, cls)
    except (cattrs.BaseValidationError, ValueError, TypeError):
        raise WebhookError(
            f"the webhook's {key!r} is not a valid record", reason="malformed"
        ) from None


def _event_id(value: object) -> int | None:
    """The event's id: an int, or the digits the API sends as text as often (api-quirks)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    try:
        return structure_int(value)
    except ValueError:
        return None


def _verified_payload(
    body: bytes | str | Mapping[str, Any], token: str | Secret | None
) -> dict[str, Any]:
    """The body's document without its ``api_token``, once that token is checked."""
    data = _unwrap(_document(body))
    if token is not None and not token_matches(data.get("api_token"), token):
        raise WebhookError("the webhook's api_token is missing or wrong", reason="token")
    return {key: value for key, value in data.items() if key != "api_token"}


def parse_webhook(
    body: bytes | str | Mapping[str, Any], *, token: str | Secret | None
) -> WebhookEvent:
    """The event a webhook body describes. ``token`` is the ``api_token`` set on the webhook:
    a body without it, or with another, raises :class:`WebhookError` (``reason="token"``)
    before anything else is read. Pass ``token=None`` only where the caller has checked the
    request some other way (the argument is required so it cannot be forgotten)."""
    try:
        payload = _verified_payload(body, token)
    except WebhookError as exc:
        # Its traceback left behind: its frames' variables hold the body (the service's
        # token in it) and the token expected, which a traceback shown with its variables
        # (a framework's error page, Sentry) would print.
        failure: WebhookError | None = exc.with_traceback(None)
        # And the error it was raised in handling ("from None" hides it, not drops it): a
        # codec error whose frames hold the body, a UnicodeEncodeError holding the whole text.
        exc.__context__ = None
    else:
        failure = None
    del body, token  # nor may this frame hold them when a record below is refused
    if failure is not None:
        raise failure
    deal = _record(payload, "deal", Deal)
    invoice = _record(payload, "invoice", Invoice)
    client = _record(payload, "client", Client)
    product = _record(payload, "product", Product)
    subject: Subject = (
        "invoice"
        if deal is not None or invoice is not None
        else "client"
        if client is not None
        else "product"
        if product is not None
        else "unknown"
    )
    return WebhookEvent(
        subject=subject,
        id=_event_id(payload.get("id")),
        app_name=payload.get("app_name") if isinstance(payload.get("app_name"), str) else None,
        locale=payload.get("locale") if isinstance(payload.get("locale"), str) else None,
        deal=deal,
        invoice=invoice,
        client=client,
        product=product,
        payload=payload,
    )
