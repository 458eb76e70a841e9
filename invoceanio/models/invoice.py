"""Invoices and what they hold, named exactly as the API names their fields.

An invoice (spec 6.1/6.2) carries its positions (6.4), and since 2025-2026 also extra
recipients and issuers (6.5, KSeF "Podmiot3" roles), notes (``descriptions[]``, 6.6),
charges and deductions (``settlement_positions[]``, 6.7) and the bank accounts it prints
(6.10), plus the ``gov_*`` fields of its KSeF submission (9.2).

Wire quirks handled here: ``settlement_positions`` is absent when there are none and
``gov_error_messages`` may be null, so both read as an empty tuple; a correction position
carries its state before and after as nested objects (``correction_before_attributes``...),
read as :class:`CorrectionPosition`. The party ``role`` values are Polish, some with an en
dash (U+2013, "JST \u2013 odbiorca"), and must be sent byte-exact: they stay plain strings.
``connected_payments`` comes only when asked for (``additional_fields[invoice]=``), so its
absence reads as None, not as no payments; its items are :class:`~invoceanio.models.Payment`
records, which in turn may hold invoices (``include=invoices``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, Literal

import attrs

from invoceanio.models.bank_account import BankAccount, BankAccountDraft
from invoceanio.models.base import Draft, Model
from invoceanio.models.reminder import RemindersInfo
from invoceanio.models.values import (
    UNSET,
    AccountingKind,
    AdvanceCreationMode,
    Amount,
    DiscountKind,
    ExchangeKind,
    ExemptTaxKind,
    GovStatus,
    GtuCode,
    InvoiceKind,
    InvoiceStatus,
    Lang,
    NpTaxKind,
    OpenStrEnum,
    PaymentType,
    PositionKind,
    ProcedureDesignation,
    SellDate,
    TaxInput,
    TaxNoKind,
    TaxRate,
    Unset,
    VatMarginProcedure,
)

__all__ = [
    "CorrectionPosition",
    "CorrectionPositionDraft",
    "Invoice",
    "InvoiceDescription",
    "InvoiceDescriptionDraft",
    "InvoiceDraft",
    "InvoiceParty",
    "InvoicePartyDraft",
    "Position",
    "PositionDraft",
    "SettlementKind",
    "SettlementPosition",
    "SettlementPositionDraft",
]


class SettlementKind(OpenStrEnum):
    CHARGE = "charge"
    DEDUCTION = "deduction"


@attrs.frozen(kw_only=True, repr=False)
class _PositionValues(Model):
    """What a position and each side of a corrected position (its state before or after) have
    in common: the line itself, its prices and its tax."""

    id: int | None = None
    product_id: int | None = None
    name: str | None = None
    code: str | None = None
    description: str | None = None
    additional_info: str | None = None
    kind: PositionKind | str | None = None
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
    gtu_code: GtuCode | str | None = None


@attrs.frozen(kw_only=True, repr=False)
class CorrectionPosition(_PositionValues):
    """A corrected position's state before (``correction_before_attributes``) or after
    (``correction_after_attributes``) the correction; ``kind`` is ``correction_before`` or
    ``correction_after``. Not a :class:`Position`: a state has no states of its own."""


@attrs.frozen(kw_only=True, repr=False)
class Position(_PositionValues):
    invoice_id: int | None = None
    lump_sum_tax: str | None = None
    discount_net: Decimal | None = None
    #: The second tax some countries print (a rate or a code, like ``tax``).
    tax2: TaxRate | None = None
    #: The purchase price of a margin position (``vat_margin`` invoices), and the tax and
    #: totals of its margin.
    total_purchase_price: Decimal | None = None
    vat_margin_tax: TaxRate | None = None
    vat_margin_total_price_net: Decimal | None = None
    vat_margin_total_price_tax: Decimal | None = None
    vat_margin_total_price_gross: Decimal | None = None
    correction_before_attributes: CorrectionPosition | None = None
    correction_after_attributes: CorrectionPosition | None = None
    #: The position's own exchange rate (spec 6.4), and when it was made and last changed.
    exchange_rate: Decimal | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.frozen(kw_only=True, repr=False)
class InvoiceParty(Model):
    """An extra recipient (``recipients[]``) or issuer (``issuers[]``) of an invoice.

    ``role`` is one of the Polish KSeF roles ("Odbiorca", "Dodatkowy nabywca", "Faktor",
    "Rola inna"...), kept as sent; ``participation`` (a percentage) is only for an additional
    buyer and ``role_description`` (up to 25 characters) only for "Rola inna". The roles are
    spelled out, en dashes and all, as :class:`RecipientRole` and :class:`IssuerRole`.
    """

    id: int | None = None
    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    tax_no: str | None = None
    tax_no_kind: TaxNoKind | str | None = None
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
    role_description: str | None = None


@attrs.frozen(kw_only=True, repr=False)
class InvoiceDescription(Model):
    """A note on an invoice: a header (``kind``, default "Uwaga") and its text. The invoice's
    ``description`` is the first one's ``content``."""

    id: int | None = None
    kind: str | None = None
    content: str | None = None
    #: The position the note belongs to (its index), or None for the whole invoice.
    position_index: int | None = None
    row_number: int | None = None


@attrs.frozen(kw_only=True, repr=False)
class SettlementPosition(Model):
    """A charge or deduction after the total: amount due = gross + charges - deductions."""

    id: int | None = None
    kind: SettlementKind | str | None = None
    amount: Decimal | None = None
    reason: str | None = None


@attrs.frozen(kw_only=True, repr=False)
class Invoice(Model):
    # The fields every answer has come first, the ones added for 2025-2026 features last:
    # CPython matches each keyword argument by scanning the parameter list, so an answer with
    # none of the newer fields pays almost nothing for them being named.
    read_only: ClassVar[frozenset[str]] = frozenset({"connected_payments", "reminders_info"})
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
    payment_type: PaymentType | str | None = None
    paid: Decimal | None = None
    paid_date: date | None = None
    price_net: Decimal | None = None
    price_gross: Decimal | None = None
    price_tax: Decimal | None = None
    currency: str | None = None
    lang: Lang | str | None = None
    discount: Decimal | None = None
    discount_kind: DiscountKind | str | None = None
    show_discount: bool | None = None
    exchange_currency: str | None = None
    exchange_kind: ExchangeKind | str | None = None
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
    #: The KSeF number, "{NIP}-{YYYYMMDD}-{ID}" (spec 9.2).
    gov_id: str | None = None
    gov_status: GovStatus | str | None = None
    sent_time: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    positions: tuple[Position, ...] = ()
    # --- KSeF (spec 9.2) ---
    gov_send_date: datetime | None = None
    gov_sell_date: datetime | None = None
    gov_error_messages: tuple[str, ...] = ()
    gov_verification_link: str | None = None
    gov_link: str | None = None
    gov_corrected_invoice_number: str | None = None
    # "" is a Polish NIP; nip_ue, other, empty, nip_with_id (spec 9.3).
    seller_tax_no_kind: TaxNoKind | str | None = None
    buyer_tax_no_kind: TaxNoKind | str | None = None
    #: Reason for VAT-exempt ("zw") positions; KSeF requires it (spec 9.3).
    exempt_tax_kind: ExemptTaxKind | str | None = None
    #: Why "np" positions are not subject to VAT (``export_service``...); KSeF requires it.
    np_tax_kind: NpTaxKind | str | None = None
    # --- corrections (with additional_fields[invoice]=corrected_content_before,...) ---
    # The advance and final invoice instructions (copy_invoice_from, advance_creation_mode,
    # advance_value, position_name, invoice_ids) are request fields only (spec 6.1, not 6.2):
    # they are on InvoiceDraft, and kept in extra should an answer ever carry them.
    corrected_content_before: str | None = None
    corrected_content_after: str | None = None
    cancelled: bool | None = None
    # --- attachments ---
    attachments_count: int | None = None
    has_attachments: bool | None = None
    show_attachments: bool | None = None
    # --- children added in 2025-2026 (spec 6.5-6.7, 6.10) ---
    recipients: tuple[InvoiceParty, ...] = ()
    issuers: tuple[InvoiceParty, ...] = ()
    descriptions: tuple[InvoiceDescription, ...] = ()
    settlement_positions: tuple[SettlementPosition, ...] = ()
    bank_accounts: tuple[BankAccount, ...] = ()
    # --- fields of every answer (spec 6.2) that need reading as a date, flag or id ---
    # Each named field costs structuring time on every read, so only those are named: the rarely
    # used text fields (seller_www, seller_fax, seller_bdo_no, buyer_mobile_phone,
    # additional_info_desc, accounting_kind, exchange_note, delivery_address, recipient_name,
    # gov_kind...) are already the text they are in ``extra``.
    #: When an expense was received.
    delivery_date: date | None = None
    exchange_date: date | None = None
    print_time: datetime | None = None
    #: The extra column on positions (its header is ``additional_info_desc``: "PKWiU"...).
    additional_info: bool | None = None
    #: One-stop-shop EU VAT (``use_moss`` is its former name).
    use_oss: bool | None = None
    use_moss: bool | None = None
    exclude_from_stock_level: bool | None = None
    use_delivery_address: bool | None = None
    invoice_template_id: int | None = None
    warehouse_document_id: int | None = None
    #: Why it was cancelled (with ``additional_fields[invoice]=cancel_reason``).
    cancel_reason: str | None = None
    #: [FR] Its payment reminders (with ``additional_fields[invoice]=reminders_info``).
    reminders_info: RemindersInfo | None = None
    #: The payments that pay it (``/banking/payments`` records naming it in ``invoice_ids``),
    #: with ``additional_fields[invoice]=connected_payments`` only. None when not asked for
    #: (the key is absent), ``()`` when asked for and there are none: unlike a child the
    #: answer always carries, an absent key says nothing about the payments.
    connected_payments: tuple[Payment, ...] | None = None
    # --- amounts, dates and ids the answers send as text (spec 6.2), read as what they are ---
    #: The denominators of the exchange rates (a rate per 100 units...).
    exchange_rate_den: Decimal | None = None
    exchange_currency_rate_den: Decimal | None = None
    exchange_difference: Decimal | None = None
    adjust_invoice_price: Decimal | None = None
    accounting_vat_tax_date: date | None = None
    accounting_income_tax_date: date | None = None
    accounting_other_tax_date: date | None = None
    #: The discount's net amount (``discount`` is the gross one).
    discount_net: Decimal | None = None
    seller_bank_account_id: int | None = None
    #: An early-payment discount: ``skonto_discount_value`` percent off if paid by its date.
    skonto_active: bool | None = None
    skonto_discount_date: date | None = None
    skonto_discount_value: Decimal | None = None


@attrs.define(kw_only=True)
class _PositionValuesDraft(Draft):
    id: int | Unset = UNSET
    product_id: int | Unset | None = UNSET
    name: str | Unset | None = UNSET
    code: str | Unset | None = UNSET
    description: str | Unset | None = UNSET
    #: The line's extra column (PKWiU or GTIN under KSeF); its header is the invoice's
    #: ``additional_info_desc``, shown when the invoice sets ``additional_info``.
    additional_info: str | Unset | None = UNSET
    kind: PositionKind | str | Unset | None = UNSET
    quantity: Amount | Unset | None = UNSET
    quantity_unit: str | Unset | None = UNSET
    price_net: Amount | Unset | None = UNSET
    price_gross: Amount | Unset | None = UNSET
    total_price_net: Amount | Unset | None = UNSET
    total_price_gross: Amount | Unset | None = UNSET
    tax: TaxInput | Unset | None = UNSET
    discount: Amount | Unset | None = UNSET
    discount_percent: Amount | Unset | None = UNSET
    gtu_code: GtuCode | str | Unset | None = UNSET


@attrs.define(kw_only=True)
class CorrectionPositionDraft(_PositionValuesDraft):
    """A corrected position's state before or after, in a correction's position draft."""


@attrs.define(kw_only=True)
class PositionDraft(_PositionValuesDraft):
    """A position to add; with ``id``, one to change; with ``_destroy`` in ``extra``, to drop."""

    lump_sum_tax: str | Unset | None = UNSET
    total_purchase_price: Amount | Unset | None = UNSET
    vat_margin_tax: TaxInput | Unset | None = UNSET
    vat_margin_total_price_net: Amount | Unset | None = UNSET
    vat_margin_total_price_tax: Amount | Unset | None = UNSET
    vat_margin_total_price_gross: Amount | Unset | None = UNSET
    correction_before_attributes: CorrectionPositionDraft | dict[str, Any] | Unset = UNSET
    correction_after_attributes: CorrectionPositionDraft | dict[str, Any] | Unset = UNSET


@attrs.define(kw_only=True)
class InvoicePartyDraft(Draft):
    """A recipient or issuer to add; with ``id``, one to change; ``_destroy`` in ``extra``."""

    id: int | Unset = UNSET
    name: str | Unset | None = UNSET
    first_name: str | Unset | None = UNSET
    last_name: str | Unset | None = UNSET
    tax_no: str | Unset | None = UNSET
    tax_no_kind: TaxNoKind | str | Unset | None = UNSET
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
    role_description: str | Unset | None = UNSET


@attrs.define(kw_only=True)
class InvoiceDescriptionDraft(Draft):
    """A note to add or change. An entry whose ``kind`` and ``content`` are both empty is
    ignored, or deletes the existing note with that ``id``."""

    id: int | Unset = UNSET
    kind: str | Unset | None = UNSET
    content: str | Unset | None = UNSET
    position_index: int | Unset | None = UNSET


@attrs.define(kw_only=True)
class SettlementPositionDraft(Draft):
    """A charge or deduction (``kind`` and ``reason`` are required; ``amount`` > 0, 2 places)."""

    id: int | Unset = UNSET
    kind: SettlementKind | str | Unset = UNSET
    amount: Amount | Unset = UNSET
    reason: str | Unset = UNSET


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
    #: A date, a month (``YearMonth``), or [FR] ``"off"`` to print none.
    sell_date: SellDate | Literal["off"] | Unset | None = UNSET
    place: str | Unset | None = UNSET
    payment_to: date | Unset | None = UNSET
    payment_to_kind: int | str | Unset = UNSET
    payment_type: PaymentType | str | Unset | None = UNSET
    paid: Amount | Unset | None = UNSET
    paid_date: date | Unset | None = UNSET
    currency: str | Unset = UNSET
    lang: Lang | str | Unset = UNSET
    show_discount: bool | Unset = UNSET
    discount_kind: DiscountKind | str | Unset = UNSET
    split_payment: bool | Unset = UNSET
    #: A foreign-currency invoice also shown in ``exchange_currency``, at the rate of
    #: ``exchange_kind`` (``own``: ``exchange_currency_rate``).
    exchange_currency: str | Unset | None = UNSET
    exchange_kind: ExchangeKind | str | Unset = UNSET
    exchange_currency_rate: Amount | Unset | None = UNSET
    exchange_note: str | Unset | None = UNSET
    #: Forces the positions' tax to ``oo`` (a Polish buyer) or ``np``.
    reverse_charge: bool | Unset = UNSET
    #: One-stop-shop EU VAT (formerly ``use_moss``).
    use_oss: bool | Unset = UNSET
    # The seller block; KSeF requires the name, tax number, street, post code, city and
    # country. A ``department_id`` overrides it.
    seller_name: str | Unset | None = UNSET
    seller_tax_no: str | Unset | None = UNSET
    seller_tax_no_kind: TaxNoKind | str | Unset | None = UNSET
    seller_street: str | Unset | None = UNSET
    seller_post_code: str | Unset | None = UNSET
    seller_city: str | Unset | None = UNSET
    seller_country: str | Unset | None = UNSET
    seller_email: str | Unset | None = UNSET
    seller_phone: str | Unset | None = UNSET
    seller_www: str | Unset | None = UNSET
    seller_fax: str | Unset | None = UNSET
    seller_person: str | Unset | None = UNSET
    seller_bank: str | Unset | None = UNSET
    seller_bank_account: str | Unset | None = UNSET
    #: The seller's Polish waste register (BDO) number.
    seller_bdo_no: str | Unset | None = UNSET
    buyer_name: str | Unset | None = UNSET
    buyer_tax_no: str | Unset | None = UNSET
    buyer_tax_no_kind: TaxNoKind | str | Unset | None = UNSET
    buyer_street: str | Unset | None = UNSET
    buyer_post_code: str | Unset | None = UNSET
    buyer_city: str | Unset | None = UNSET
    buyer_country: str | Unset | None = UNSET
    buyer_email: str | Unset | None = UNSET
    buyer_phone: str | Unset | None = UNSET
    buyer_mobile_phone: str | Unset | None = UNSET
    buyer_note: str | Unset | None = UNSET
    #: The person who receives it; ``""`` prints no recipient signature.
    buyer_person: str | Unset | None = UNSET
    buyer_company: bool | Unset = UNSET
    buyer_first_name: str | Unset | None = UNSET
    buyer_last_name: str | Unset | None = UNSET
    #: With ``client_id``, the client card's data wins unless this is True (which also updates
    #: the card with the buyer fields sent).
    buyer_override: bool | Unset = UNSET
    client_id: int | Unset | None = UNSET
    department_id: int | Unset | None = UNSET
    category_id: int | Unset | None = UNSET
    recipient_id: int | Unset | None = UNSET
    #: The legacy single recipient (spec 6.1), printed on the invoice; ``recipients`` is the
    #: KSeF list of extra parties.
    recipient_name: str | Unset | None = UNSET
    recipient_street: str | Unset | None = UNSET
    recipient_post_code: str | Unset | None = UNSET
    recipient_city: str | Unset | None = UNSET
    recipient_country: str | Unset | None = UNSET
    recipient_email: str | Unset | None = UNSET
    recipient_phone: str | Unset | None = UNSET
    recipient_note: str | Unset | None = UNSET
    warehouse_id: int | Unset | None = UNSET
    #: True: the positions do not change stock levels.
    exclude_from_stock_level: bool | Unset = UNSET
    price_list_id: int | Unset | None = UNSET
    use_prices_from_price_lists: bool | Unset = UNSET
    #: The print template.
    invoice_template_id: int | Unset | None = UNSET
    invoice_id: int | Unset | None = UNSET
    from_invoice_id: int | Unset | None = UNSET
    oid: str | Unset | None = UNSET
    description: str | Unset | None = UNSET
    description_footer: str | Unset | None = UNSET
    description_long: str | Unset | None = UNSET
    #: The extra column on positions, and its header ("PKWiU", "GTIN"...).
    additional_info: bool | Unset = UNSET
    additional_info_desc: str | Unset | None = UNSET
    #: An expense's kind (``purchases``, ``fuel0``...), and when it was received.
    accounting_kind: AccountingKind | str | Unset | None = UNSET
    delivery_date: date | Unset | None = UNSET
    #: KSeF procedure marks (:class:`ProcedureDesignation`: "SW", "EE", "TP", "MPP"...).
    procedure_designations: Sequence[ProcedureDesignation | str] | Unset = UNSET
    internal_note: str | Unset | None = UNSET
    correction_reason: str | Unset | None = UNSET
    corrected_content_before: str | Unset | None = UNSET
    corrected_content_after: str | Unset | None = UNSET
    gov_corrected_invoice_number: str | Unset | None = UNSET
    # Instructions of a create, not data of the invoice (spec 4.1): a copy of another document
    # (a VAT invoice from a proforma; not together with ``positions``), an advance invoice
    # from an order (``advance_creation_mode`` "percent" or "amount", ``advance_value``, the
    # position's name), or a final invoice settling the advances ``invoice_ids``.
    copy_invoice_from: int | Unset = UNSET
    advance_creation_mode: AdvanceCreationMode | str | Unset = UNSET
    advance_value: Amount | Unset = UNSET
    position_name: str | Unset = UNSET
    invoice_ids: list[int] | Unset = UNSET
    exempt_tax_kind: ExemptTaxKind | str | Unset | None = UNSET
    np_tax_kind: NpTaxKind | str | Unset | None = UNSET
    show_attachments: bool | Unset = UNSET
    # --- Polish and KSeF specifics (spec 6.1) ---
    #: Expenses only: the seller (or the buyer) is a local-government unit (JST) or a member
    #: of a VAT group (GV).
    seller_jst: bool | Unset = UNSET
    seller_gv: bool | Unset = UNSET
    buyer_jst: bool | Unset = UNSET
    buyer_gv: bool | Unset = UNSET
    buyer_mass_payment_code: str | Unset | None = UNSET
    #: Print ``invoice_issuer`` (a text) as the invoice's issuer.
    use_invoice_issuer: bool | Unset = UNSET
    invoice_issuer: str | Unset | None = UNSET
    #: True: ``buyer_tax_no`` is taken without the API's check of its form.
    disable_tax_no_validation: bool | Unset = UNSET
    accounting_vat_tax_date: date | Unset | None = UNSET
    accounting_income_tax_date: date | Unset | None = UNSET
    #: An early-payment discount: ``skonto_discount_value`` percent off if paid by its date.
    skonto_active: bool | Unset = UNSET
    skonto_discount_date: date | Unset | None = UNSET
    skonto_discount_value: Amount | Unset | None = UNSET
    #: An accounting note's kind: ``credit`` or ``debit``.
    accounting_note_kind: str | Unset | None = UNSET
    #: Required with ``kind="vat_margin"``: the margin procedure, one of four Polish texts
    #: sent byte-exact, en dash included (:class:`VatMarginProcedure`).
    procedure_vat_margin: VatMarginProcedure | str | Unset | None = UNSET
    #: ``"for_receipt"``: an invoice for the receipt ``from_invoice_id``.
    additional_params: str | Unset | None = UNSET
    #: How prices and totals are computed: ``{"position": "default" | "keep_gross", "sum":
    #: "sum" | "keep_gross" | "keep_net", "invoice_form_price_kind": "net" | "gross"}``
    #: ([FR] takes it only with all three).
    calculating_strategy: dict[str, str] | Unset | None = UNSET
    positions: Sequence[PositionDraft | Mapping[str, Any]] | Unset = UNSET
    recipients: Sequence[InvoicePartyDraft | Mapping[str, Any]] | Unset = UNSET
    issuers: Sequence[InvoicePartyDraft | Mapping[str, Any]] | Unset = UNSET
    descriptions: Sequence[InvoiceDescriptionDraft | Mapping[str, Any]] | Unset = UNSET
    settlement_positions: Sequence[SettlementPositionDraft | Mapping[str, Any]] | Unset = UNSET
    bank_accounts: Sequence[BankAccountDraft | Mapping[str, Any]] | Unset = UNSET


# Last, and only here at run time: Payment names Invoice (a payment's ``invoices``) and Invoice
# names Payment (its ``connected_payments``). Each module imports the other once its own class
# exists, so either may be imported first, and the name is in this module for type hints
# (``attrs.resolve_types``, ``typing.get_type_hints``) to find.
from invoceanio.models.payment import Payment  # noqa: E402
