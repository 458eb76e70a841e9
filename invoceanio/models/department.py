"""Departments (``/departments``): the account's seller companies or their branches.

Spec 4.9/6.15. An invoice with a ``department_id`` takes its ``seller_*`` data from the
department, over any given inline.

Wire quirks: the logo is uploaded as a multipart form (``department[logo]``), not in JSON, and
reads back as Paperclip's ``logo_file_name``/``logo_content_type``/``logo_file_size``/
``logo_updated_at``, which the draft therefore lacks. Several settings travel only inside
``additional_fields`` (``bdo_no``, ``default_tax``, ``legal_name``...), kept as a dict. For
Polish accounts under KSeF ``invoice_description`` is at most 256 characters (a longer one is
a 422).

The e-mail settings a department may have of its own ([FR]) are texts (``email_from``,
``email_cc``, ``email_subject``, ``email_template``...), kept as sent in ``extra``, and two
flags, named so that "1"/"0" read as bools: ``own_email_settings`` (the switch) and
``email_pdf`` (attach the PDF). ``cash_init_state`` is the cash held at the start, an amount
("150.0").
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from invoceanio.models.base import Draft, Model
from invoceanio.models.values import UNSET, Amount, Unset

__all__ = ["Department", "DepartmentDraft"]


@attrs.frozen(kw_only=True, repr=False)
class Department(Model):
    id: int | None = None
    name: str | None = None
    shortcut: str | None = None
    tax_no: str | None = None
    tax_no_kind: str | None = None
    #: The legal form.
    kind: str | None = None
    main: bool | None = None
    post_code: str | None = None
    city: str | None = None
    street: str | None = None
    country: str | None = None
    person: str | None = None
    email: str | None = None
    phone: str | None = None
    mobile_phone: str | None = None
    www: str | None = None
    fax: str | None = None
    bank: str | None = None
    bank_account: str | None = None
    bank_swift: str | None = None
    bank_account_currency: str | None = None
    footer_content: str | None = None
    footer_kind: str | None = None
    own_footer: bool | None = None
    invoice_lang: str | None = None
    invoice_description: str | None = None
    invoice_template_id: int | None = None
    #: [FR] The cash held at the start (for cash receipts and payments, KP/KW).
    cash_init_state: Decimal | None = None
    use_pattern: bool | None = None
    #: [FR] The department sends its e-mails with its own settings (``email_*`` in ``extra``),
    #: attaching the PDF when ``email_pdf``.
    own_email_settings: bool | None = None
    email_pdf: bool | None = None
    restrict_warehouses: bool | None = None
    warehouse_id: int | None = None
    deleted: bool | None = None
    logo_file_name: str | None = None
    logo_content_type: str | None = None
    logo_file_size: int | None = None
    logo_updated_at: datetime | None = None
    additional_fields: dict[str, Any] | None = attrs.field(default=None, hash=False)
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.define(kw_only=True)
class DepartmentDraft(Draft):
    """A department to create (``name`` is required) or the changes of an update. The logo is
    uploaded separately, as a file."""

    name: str | Unset = UNSET
    shortcut: str | Unset | None = UNSET
    tax_no: str | Unset | None = UNSET
    tax_no_kind: str | Unset | None = UNSET
    kind: str | Unset | None = UNSET
    main: bool | Unset = UNSET
    post_code: str | Unset | None = UNSET
    city: str | Unset | None = UNSET
    street: str | Unset | None = UNSET
    country: str | Unset | None = UNSET
    person: str | Unset | None = UNSET
    email: str | Unset | None = UNSET
    phone: str | Unset | None = UNSET
    mobile_phone: str | Unset | None = UNSET
    www: str | Unset | None = UNSET
    fax: str | Unset | None = UNSET
    bank: str | Unset | None = UNSET
    bank_account: str | Unset | None = UNSET
    bank_swift: str | Unset | None = UNSET
    bank_account_currency: str | Unset | None = UNSET
    footer_content: str | Unset | None = UNSET
    footer_kind: str | Unset | None = UNSET
    own_footer: bool | Unset = UNSET
    invoice_lang: str | Unset | None = UNSET
    invoice_description: str | Unset | None = UNSET
    invoice_template_id: int | Unset | None = UNSET
    cash_init_state: Amount | Unset | None = UNSET
    use_pattern: bool | Unset = UNSET
    #: With ``email_from``, ``email_cc``, ``email_subject``... in ``extra``.
    own_email_settings: bool | Unset = UNSET
    email_pdf: bool | Unset = UNSET
    restrict_warehouses: bool | Unset = UNSET
    warehouse_id: int | Unset | None = UNSET
    #: Settings the API takes only here (``bdo_no``, ``default_tax``, ``legal_name``...).
    additional_fields: dict[str, Any] | Unset = UNSET
