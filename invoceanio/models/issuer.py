"""Issuers (``/issuers``): saved parties for an invoice's ``issuers[]`` (KSeF "Podmiot3").

Spec 4.10/6.16. The same fields as an invoice's issuer entry (:class:`InvoiceParty`), kept
on the account for reuse. ``role`` is a Polish KSeF role ("Wystawca faktury" by default,
"Faktor", "Podmiot pierwotny", "JST \u2013 wystawca" with an en dash...), kept as sent.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from invoceanio.models.base import Draft, Model
from invoceanio.models.values import UNSET, Amount, Unset

__all__ = ["Issuer", "IssuerDraft"]


@attrs.frozen(kw_only=True, repr=False)
class Issuer(Model):
    id: int | None = None
    name: str | None = None
    tax_no: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company: bool | None = None
    country: str | None = None
    city: str | None = None
    post_code: str | None = None
    street: str | None = None
    phone: str | None = None
    email: str | None = None
    note: str | None = None
    role: str | None = None
    participation: Decimal | None = None
    deleted: bool | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.define(kw_only=True)
class IssuerDraft(Draft):
    name: str | Unset = UNSET
    tax_no: str | Unset | None = UNSET
    first_name: str | Unset | None = UNSET
    last_name: str | Unset | None = UNSET
    company: bool | Unset = UNSET
    country: str | Unset | None = UNSET
    city: str | Unset | None = UNSET
    post_code: str | Unset | None = UNSET
    street: str | Unset | None = UNSET
    phone: str | Unset | None = UNSET
    email: str | Unset | None = UNSET
    note: str | Unset | None = UNSET
    role: str | Unset | None = UNSET
    participation: Amount | Unset | None = UNSET
