"""Invoices and their positions, named exactly as the API names their fields."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs

from invoceanio.models.base import Draft, Model
from invoceanio.models.values import (
    UNSET,
    DiscountKind,
    InvoiceKind,
    InvoiceStatus,
    SellDate,
    TaxRate,
    Unset,
)

__all__ = ["Invoice", "InvoiceDraft", "Position", "PositionDraft"]


@attrs.frozen(kw_only=True, repr=False)
class Position(Model):
    id: int | None = None
    invoice_id: int | None = None
    product_id: int | None = None
    name: str | None = None
    code: str | None = None
    description: str | None = None
    additional_info: str | None = None
    kind: str | None = None
    quantity: Decimal | None = None
    quantity_unit: str | None = None
    price_net: Decimal | None = None
    price_gross: Decimal | None = None
    price_tax: Decimal | None = None
    total_price_net: Decimal | None = None
    total_price_gross: Decimal | None = None
    total_price_tax: Decimal | None = None
    tax: TaxRate | None = None
    discount: Decimal | None = None
    discount_percent: Decimal | None = None
    gtu_code: str | None = None
    lump_sum_tax: str | None = None


@attrs.frozen(kw_only=True, repr=False)
class Invoice(Model):
    id: int | None = None
    number: str | None = None
    kind: InvoiceKind | str | None = None
    income: bool | None = None
    status: InvoiceStatus | str | None = None
    issue_date: date | None = None
    sell_date: SellDate | None = None
    transaction_date: date | None = None
    place: str | None = None
    payment_to: date | None = None
    payment_to_kind: str | None = None
    payment_type: str | None = None
    paid: Decimal | None = None
    paid_date: date | None = None
    price_net: Decimal | None = None
    price_gross: Decimal | None = None
    price_tax: Decimal | None = None
    currency: str | None = None
    lang: str | None = None
    discount: Decimal | None = None
    discount_kind: DiscountKind | str | None = None
    show_discount: bool | None = None
    exchange_currency: str | None = None
    exchange_kind: str | None = None
    exchange_rate: Decimal | None = None
    exchange_currency_rate: Decimal | None = None
    split_payment: bool | None = None
    reverse_charge: bool | None = None
    seller_name: str | None = None
    seller_tax_no: str | None = None
    seller_street: str | None = None
    seller_post_code: str | None = None
    seller_city: str | None = None
    seller_country: str | None = None
    seller_email: str | None = None
    seller_phone: str | None = None
    seller_bank: str | None = None
    seller_bank_account: str | None = None
    seller_person: str | None = None
    buyer_name: str | None = None
    buyer_tax_no: str | None = None
    buyer_street: str | None = None
    buyer_post_code: str | None = None
    buyer_city: str | None = None
    buyer_country: str | None = None
    buyer_email: str | None = None
    buyer_phone: str | None = None
    buyer_first_name: str | None = None
    buyer_last_name: str | None = None
    buyer_company: bool | None = None
    buyer_note: str | None = None
    buyer_person: str | None = None
    client_id: int | None = None
    department_id: int | None = None
    category_id: int | None = None
    recipient_id: int | None = None
    warehouse_id: int | None = None
    invoice_id: int | None = None
    from_invoice_id: int | None = None
    recurring_id: int | None = None
    user_id: int | None = None
    account_id: int | None = None
    oid: str | None = None
    description: str | None = None
    description_footer: str | None = None
    description_long: str | None = None
    internal_note: str | None = None
    correction_reason: str | None = None
    token: str | None = None
    view_url: str | None = None
    payment_url: str | None = None
    gov_id: str | None = None
    gov_status: str | None = None
    sent_time: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    positions: tuple[Position, ...] = ()


@attrs.define(kw_only=True)
class PositionDraft(Draft):
    """A position to add; with ``id``, one to change; with ``_destroy`` in ``extra``, to drop."""

    id: int | Unset = UNSET
    product_id: int | Unset | None = UNSET
    name: str | Unset | None = UNSET
    code: str | Unset | None = UNSET
    description: str | Unset | None = UNSET
    kind: str | Unset | None = UNSET
    quantity: Decimal | Unset | None = UNSET
    quantity_unit: str | Unset | None = UNSET
    price_net: Decimal | Unset | None = UNSET
    price_gross: Decimal | Unset | None = UNSET
    total_price_net: Decimal | Unset | None = UNSET
    total_price_gross: Decimal | Unset | None = UNSET
    tax: TaxRate | Unset | None = UNSET
    discount: Decimal | Unset | None = UNSET
    discount_percent: Decimal | Unset | None = UNSET
    gtu_code: str | Unset | None = UNSET


@attrs.define(kw_only=True)
class InvoiceDraft(Draft):
    """An invoice to create, or the changes of an update (only the fields that are set are sent).

    For a create that must never run twice, set ``oid`` (your order number): invoceanio then also
    sends ``oid_unique`` and, when a create's outcome is unknown, looks the oid up before retrying.
    """

    number: str | Unset | None = UNSET
    kind: InvoiceKind | str | Unset = UNSET
    income: bool | Unset = UNSET
    status: InvoiceStatus | str | Unset = UNSET
    issue_date: date | Unset = UNSET
    sell_date: SellDate | Unset | None = UNSET
    place: str | Unset | None = UNSET
    payment_to: date | Unset | None = UNSET
    payment_to_kind: int | str | Unset = UNSET
    payment_type: str | Unset | None = UNSET
    paid: Decimal | Unset | None = UNSET
    paid_date: date | Unset | None = UNSET
    currency: str | Unset = UNSET
    lang: str | Unset = UNSET
    show_discount: bool | Unset = UNSET
    discount_kind: DiscountKind | str | Unset = UNSET
    split_payment: bool | Unset = UNSET
    seller_name: str | Unset | None = UNSET
    seller_tax_no: str | Unset | None = UNSET
    buyer_name: str | Unset | None = UNSET
    buyer_tax_no: str | Unset | None = UNSET
    buyer_street: str | Unset | None = UNSET
    buyer_post_code: str | Unset | None = UNSET
    buyer_city: str | Unset | None = UNSET
    buyer_country: str | Unset | None = UNSET
    buyer_email: str | Unset | None = UNSET
    buyer_company: bool | Unset = UNSET
    buyer_first_name: str | Unset | None = UNSET
    buyer_last_name: str | Unset | None = UNSET
    client_id: int | Unset | None = UNSET
    department_id: int | Unset | None = UNSET
    category_id: int | Unset | None = UNSET
    invoice_id: int | Unset | None = UNSET
    from_invoice_id: int | Unset | None = UNSET
    oid: str | Unset | None = UNSET
    description: str | Unset | None = UNSET
    internal_note: str | Unset | None = UNSET
    correction_reason: str | Unset | None = UNSET
    positions: list[PositionDraft | dict[str, Any]] | Unset = UNSET
