"""Payments (``/banking/payments``, root key ``banking_payment``): money received, and the
invoices it pays.

Spec 4.7/6.11. A paid payment pays its ``invoice_ids`` in the order given; creating one with
the unpaid remainder is the KSeF-safe way to mark an invoice paid (an invoice sent to KSeF
cannot be edited). ``GET ...?include=invoices`` adds the ``invoices`` themselves.

Wire quirks:

- ``paid_date`` is a full timestamp in answers ("2026-11-23T09:15:00.000+01:00"), unlike an
  invoice's ``paid_date``, while the docs' requests send a plain date. It is a ``datetime``
  here; a plain "2026-11-23" reads as that day's midnight with no offset (the converter's
  datetime hook), so such a
  value compares only with other naive datetimes. A draft takes a ``date`` or a ``datetime``.
- ``price`` is a dot-decimal string.
- The docs' path for one payment is singular (``/banking/payment/{id}.json``) and 404s; the
  service uses the plural.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar

import attrs

from invoceanio.models.base import Draft, Model
from invoceanio.models.values import UNSET, Amount, Unset

__all__ = ["Payment", "PaymentDraft"]


@attrs.frozen(kw_only=True, repr=False)
class Payment(Model):
    # Its invoices come with include=invoices, to read: a write names them by invoice_ids.
    read_only: ClassVar[frozenset[str]] = frozenset({"invoices"})
    id: int | None = None
    name: str | None = None
    price: Decimal | None = None
    currency: str | None = None
    description: str | None = None
    comment: str | None = None
    paid: bool | None = None
    paid_date: datetime | None = None
    #: "api" for payments made through the API (recommended on creates).
    kind: str | None = None
    invoice_id: int | None = None
    invoice_ids: tuple[int, ...] = ()
    client_id: int | None = None
    department_id: int | None = None
    bank_account_id: int | None = None
    oid: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    street: str | None = None
    post_code: str | None = None
    city: str | None = None
    country: str | None = None
    generate_invoice: bool | None = None
    invoice_name: str | None = None
    invoice_street: str | None = None
    invoice_post_code: str | None = None
    invoice_city: str | None = None
    invoice_country: str | None = None
    invoice_tax_no: str | None = None
    invoice_comment: str | None = None
    product_id: int | None = None
    quantity: Decimal | None = None
    promocode: str | None = None
    #: The channel ("transfer", "virement", a payment gateway...).
    provider: str | None = None
    provider_status: str | None = None
    provider_title: str | None = None
    deleted: bool | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    #: Present only with ``include=invoices``.
    invoices: tuple[Invoice, ...] = ()


@attrs.define(kw_only=True)
class PaymentDraft(Draft):
    """A payment to record (``kind="api"`` is recommended) or the changes of an update.

    Give ``invoice_id`` or ``invoice_ids`` (paid in the order given), not both.
    """

    name: str | Unset | None = UNSET
    price: Amount | Unset = UNSET
    currency: str | Unset | None = UNSET
    description: str | Unset | None = UNSET
    comment: str | Unset | None = UNSET
    paid: bool | Unset = UNSET
    # A date is what the docs send; a datetime keeps the time of day.
    paid_date: datetime | date | Unset | None = UNSET
    kind: str | Unset = UNSET
    invoice_id: int | Unset | None = UNSET
    invoice_ids: list[int] | Unset = UNSET
    client_id: int | Unset | None = UNSET
    department_id: int | Unset | None = UNSET
    bank_account_id: int | Unset | None = UNSET
    oid: str | Unset | None = UNSET
    email: str | Unset | None = UNSET
    first_name: str | Unset | None = UNSET
    last_name: str | Unset | None = UNSET
    phone: str | Unset | None = UNSET
    street: str | Unset | None = UNSET
    post_code: str | Unset | None = UNSET
    city: str | Unset | None = UNSET
    country: str | Unset | None = UNSET
    generate_invoice: bool | Unset = UNSET
    invoice_name: str | Unset | None = UNSET
    invoice_street: str | Unset | None = UNSET
    invoice_post_code: str | Unset | None = UNSET
    invoice_city: str | Unset | None = UNSET
    invoice_country: str | Unset | None = UNSET
    invoice_tax_no: str | Unset | None = UNSET
    invoice_comment: str | Unset | None = UNSET
    product_id: int | Unset | None = UNSET
    quantity: Amount | Unset | None = UNSET
    promocode: str | Unset | None = UNSET
    provider: str | Unset | None = UNSET
    #: What the payment provider said of a payment it made (its ``provider_response``, an
    #: object of the provider's own shape, goes in ``extra``).
    provider_status: str | Unset | None = UNSET
    provider_title: str | Unset | None = UNSET


# Last: Invoice names Payment too (its ``connected_payments``), see the end of ``invoice``.
from invoceanio.models.invoice import Invoice  # noqa: E402
