"""Webhooks (``/webhooks``): a URL the service POSTs to when a record changes.

Spec 4.12/6.17/10. ``kind`` is "subject:event" (``invoice:update``...); [3P] code calls it
``event``, which is unverified, so ``kind`` it is.

``api_token`` is the webhook's own credential: the service sends it back **in the body** of
every delivery (there is no signature header), and a receiver compares it to prove the call
is the service's. It is therefore a :class:`~invoceanio.secrets.Secret` here, masked in repr,
str and logs. ``to_wire`` writes its real value, because ``to_wire`` builds request bodies: a
webhook written back from a model must keep its token, not become "**********".
"""

from __future__ import annotations

from datetime import datetime

import attrs

from invoceanio.models.base import Draft, Model
from invoceanio.models.values import UNSET, OpenStrEnum, Unset, masked
from invoceanio.secrets import Secret

__all__ = ["Webhook", "WebhookDraft", "WebhookKind"]


class WebhookKind(OpenStrEnum):
    CLIENT_CREATE = "client:create"
    CLIENT_UPDATE = "client:update"
    CLIENT_DESTROY = "client:destroy"
    INVOICE_CREATE = "invoice:create"
    INVOICE_UPDATE = "invoice:update"
    INVOICE_DESTROY = "invoice:destroy"
    PRODUCT_CREATE = "product:create"
    PRODUCT_UPDATE = "product:update"
    PRODUCT_DESTROY = "product:destroy"


@attrs.frozen(kw_only=True, repr=False)
class Webhook(Model):
    id: int | None = None
    kind: WebhookKind | str | None = None
    url: str | None = None
    api_token: Secret | None = None
    active: bool | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.define(kw_only=True)
class WebhookDraft(Draft):
    """A webhook to create (``kind`` and ``url`` are required) or the changes of an update.

    ``api_token`` may be a plain str or a :class:`Secret`; either way its real value is sent.
    """

    kind: WebhookKind | str | Unset = UNSET
    url: str | Unset = UNSET
    api_token: Secret | Unset | None = attrs.field(default=UNSET, converter=masked)
    active: bool | Unset = UNSET
