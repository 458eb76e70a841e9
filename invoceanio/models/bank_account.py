"""Bank accounts (``/bank_accounts``, 2026) and the ``bank_accounts[]`` printed on an invoice.

Spec 6.10. The same record serves both places: a standalone account, and an invoice's copy of
the accounts it shows. CRUD answers add ``bank_account_id`` (always equal to ``id``) and the
departments the account is shown for (``bank_account_version_departments[]``).

Wire quirks: the API deduplicates by the normalised number (a create with a known number
returns the existing account and ignores the rest), and bank-account security levels may
silently drop accounts a non-admin sends; neither is visible in the data, so nothing here
handles them. DELETE answers 200 with an empty body.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from invoceanio.models.base import Draft, Model
from invoceanio.models.values import UNSET, OpenStrEnum, Unset

__all__ = [
    "BankAccount",
    "BankAccountDepartment",
    "BankAccountDepartmentDraft",
    "BankAccountDraft",
    "OwnBankAccountType",
]


class OwnBankAccountType(OpenStrEnum):
    """What an own account (``own_bank_account: true``) is for; null for an ordinary account."""

    DEBT_ASSIGNMENT = "debt_assignment"
    DEBT_COLLECTION = "debt_collection"
    BANK_OWN_BUSINESS = "bank_own_business"


@attrs.frozen(kw_only=True, repr=False)
class BankAccountDepartment(Model):
    """A department the account belongs to, and whether invoices of it show the account."""

    department_id: int | None = None
    show_on_invoice: bool | None = None
    main_on_department: bool | None = None


@attrs.frozen(kw_only=True, repr=False)
class BankAccount(Model):
    id: int | None = None
    #: Always equal to ``id`` in CRUD answers; absent on an invoice's ``bank_accounts[]``.
    bank_account_id: int | None = None
    #: An internal note (up to 255 characters), not printed.
    name: str | None = None
    bank_name: str | None = None
    bank_account_number: str | None = None
    bank_currency: str | None = None
    bank_swift: str | None = None
    #: Printed next to the account (up to 256 characters).
    account_description: str | None = None
    own_bank_account: bool | None = None
    own_bank_account_type: OwnBankAccountType | str | None = None
    factor_bank_account: bool | None = None
    bank_account_version_departments: tuple[BankAccountDepartment, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.define(kw_only=True)
class BankAccountDepartmentDraft(Draft):
    """Show an account for a department; on an update, ``remove=True`` unlinks it."""

    department_id: int | Unset = UNSET
    show_on_invoice: bool | Unset = UNSET
    main_on_department: bool | Unset = UNSET
    remove: bool | Unset = UNSET


@attrs.define(kw_only=True)
class BankAccountDraft(Draft):
    """A bank account to create (``bank_account_number`` is required) or the changes of an
    update; also an entry of an invoice draft's ``bank_accounts``."""

    name: str | Unset | None = UNSET
    bank_name: str | Unset | None = UNSET
    bank_account_number: str | Unset = UNSET
    bank_currency: str | Unset | None = UNSET
    bank_swift: str | Unset | None = UNSET
    account_description: str | Unset | None = UNSET
    own_bank_account: bool | Unset = UNSET
    own_bank_account_type: OwnBankAccountType | str | Unset | None = UNSET
    factor_bank_account: bool | Unset = UNSET
    bank_account_version_departments: (
        Sequence[BankAccountDepartmentDraft | Mapping[str, Any]] | Unset
    ) = UNSET
