"""Recurring invoice definitions (``/recurrings``): issue a copy of a template invoice on a
schedule.

Spec 4.2/6.12. ``invoice_id`` is the template document; ``every`` is the period ("1w", "1m",
"2m", "3m", "6m", "1y": :class:`RecurringEvery`; any other text stays a plain string). [FR]
also shows definitions without a template (``client_id``, ``product_id``, ``price_gross``...;
``payment_to`` is then a period such as "1m", not a date).

Wire quirks: the docs send ``"end_date": "null"`` (the *string*) for "no end"; the converter
reads that string as None on every date field. ``only_year_month`` and
``end_of_month_sell_date`` must not both be true. Creating a recurring definition can answer
2xx with an HTML login page on plans without the feature (the core checks the Content-Type).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import attrs

from invoceanio.models.base import Draft, Model
from invoceanio.models.values import UNSET, Amount, RecurringEvery, Unset

__all__ = ["Recurring", "RecurringDraft"]


@attrs.frozen(kw_only=True, repr=False)
class Recurring(Model):
    id: int | None = None
    name: str | None = None
    invoice_id: int | None = None
    start_date: date | None = None
    next_invoice_date: date | None = None
    end_date: date | None = None
    every: RecurringEvery | str | None = None
    #: The time of day invoices are issued ("11:30"); text, as Rails may add a date to it.
    time_in_timezone: str | None = None
    issue_working_day_only: bool | None = None
    only_year_month: bool | None = None
    end_of_month_sell_date: bool | None = None
    invoice_pattern_enabled: bool | None = None
    invoice_pattern: str | None = None
    convert_to_vat_invoice: bool | None = None
    create_as_paid: bool | None = None
    send_email: bool | None = None
    #: Where the invoices are sent: one address or several, comma-separated.
    buyer_email: str | None = None
    email_notification_enabled: bool | None = None
    comment: str | None = None
    income: bool | None = None
    client_id: int | None = None
    department_id: int | None = None
    product_id: int | None = None
    quantity: Decimal | None = None
    price_gross: Decimal | None = None
    currency: str | None = None
    payment_to: str | None = None
    deleted: bool | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.define(kw_only=True)
class RecurringDraft(Draft):
    """A definition to create or the changes of an update (e.g. ``next_invoice_date``).

    ``end_date=None`` is sent as JSON null, which means "no end" as the docs' ``"null"`` does.
    """

    name: str | Unset = UNSET
    invoice_id: int | Unset | None = UNSET
    start_date: date | Unset | None = UNSET
    next_invoice_date: date | Unset | None = UNSET
    end_date: date | Unset | None = UNSET
    every: RecurringEvery | str | Unset = UNSET
    time_in_timezone: str | Unset | None = UNSET
    issue_working_day_only: bool | Unset = UNSET
    only_year_month: bool | Unset = UNSET
    end_of_month_sell_date: bool | Unset = UNSET
    invoice_pattern_enabled: bool | Unset = UNSET
    invoice_pattern: str | Unset | None = UNSET
    convert_to_vat_invoice: bool | Unset = UNSET
    create_as_paid: bool | Unset = UNSET
    send_email: bool | Unset = UNSET
    buyer_email: str | Unset | None = UNSET
    email_notification_enabled: bool | Unset = UNSET
    comment: str | Unset | None = UNSET
    income: bool | Unset = UNSET
    client_id: int | Unset | None = UNSET
    department_id: int | Unset | None = UNSET
    product_id: int | Unset | None = UNSET
    quantity: Amount | Unset | None = UNSET
    price_gross: Amount | Unset | None = UNSET
    currency: str | Unset | None = UNSET
    payment_to: str | Unset | None = UNSET
