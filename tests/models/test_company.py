"""Departments, issuers and bank accounts: the seller side of an invoice."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs

from invoceanio.models import (
    BankAccount,
    BankAccountDepartment,
    BankAccountDepartmentDraft,
    BankAccountDraft,
    Department,
    DepartmentDraft,
    Issuer,
    IssuerDraft,
    OwnBankAccountType,
    structure,
    to_wire,
)
from tests.support import rejects

PLUS_ONE = timezone(timedelta(hours=1))

DEPARTMENT: dict[str, Any] = {
    "id": 3,
    "name": "Wystawca Sp. z o.o.",
    "shortcut": "WYS",
    "tax_no": "5252445767",
    "tax_no_kind": "",
    "main": "1",
    "street": "ul. Prosta 51",
    "post_code": "00-838",
    "city": "Warszawa",
    "country": "PL",
    "bank_account": "PL61 1090 1014 0000 0712 1981 2874",
    "invoice_description": "",
    "invoice_template_id": "12",
    "own_footer": "0",
    "deleted": False,
    "logo_file_name": "logo.png",
    "logo_content_type": "image/png",
    "logo_file_size": "48213",
    "logo_updated_at": "2026-11-22T10:00:00.000+01:00",
    "additional_fields": {"bdo_no": "000123456", "default_exempt_tax_kind": None},
    "created_at": "2026-01-01T08:00:00.000+01:00",
    "pattern_wz": "WZ nr-m/mm/yyyy",
}


def test_a_department_answer_has_typed_values() -> None:
    department = structure(copy.deepcopy(DEPARTMENT), Department)
    assert department.main is True
    assert department.own_footer is False
    assert department.invoice_template_id == 12
    assert department.tax_no_kind == ""
    assert department.logo_file_size == 48213
    assert department.logo_updated_at == datetime(2026, 11, 22, 10, tzinfo=PLUS_ONE)
    assert department.additional_fields == {"bdo_no": "000123456", "default_exempt_tax_kind": None}
    assert department.extra == {"pattern_wz": "WZ nr-m/mm/yyyy"}
    wire = to_wire(department)
    assert wire["additional_fields"] == DEPARTMENT["additional_fields"]
    assert wire["pattern_wz"] == "WZ nr-m/mm/yyyy"
    assert wire["logo_file_size"] == 48213
    assert structure(wire, Department) == department


def test_the_logo_is_read_only() -> None:
    # It is uploaded as a multipart file, not sent in JSON: the draft has no logo field.
    names = {field.name for field in attrs.fields(DepartmentDraft)}
    assert not {name for name in names if name.startswith("logo")}
    assert {"logo_file_name", "logo_content_type", "logo_file_size", "logo_updated_at"} <= {
        field.name for field in attrs.fields(Department)
    }


def test_a_department_draft_sends_additional_fields_in_wire_form() -> None:
    draft = DepartmentDraft(
        name="Oddział Kraków",
        tax_no=None,
        main=False,
        additional_fields={"bdo_no": "000123456", "default_tax": Decimal("8.0")},
    )
    assert to_wire(draft) == {
        "name": "Oddział Kraków",
        "tax_no": None,
        "main": False,
        "additional_fields": {"bdo_no": "000123456", "default_tax": "8.0"},
    }


def test_an_issuer_keeps_its_polish_role_byte_exact() -> None:
    role = "JST \u2013 wystawca"  # with an en dash, as KSeF wants it
    issuer = structure(
        {
            "id": "1",
            "name": "Gmina Testowa",
            "tax_no": "1234567890",
            "company": "true",
            "role": role,
            "participation": "10.00",
            "deleted": "0",
            "created_at": "2026-02-01T10:00:00.000+01:00",
            "gov_role_code": "8",
        },
        Issuer,
    )
    assert issuer.role == role
    assert (issuer.company, issuer.deleted) == (True, False)
    assert issuer.participation == Decimal("10.00")
    assert issuer.extra == {"gov_role_code": "8"}
    wire = to_wire(issuer)
    assert wire["role"].encode() == role.encode()
    assert wire["gov_role_code"] == "8"
    assert to_wire(IssuerDraft(name="Faktor SA", role="Faktor", participation=None)) == {
        "name": "Faktor SA",
        "role": "Faktor",
        "participation": None,
    }


BANK_ACCOUNT: dict[str, Any] = {
    "id": 10,
    "bank_account_id": 10,
    "name": "",
    "bank_name": "Rachunek bankowy",
    "bank_account_number": "PL61 1090 1014 0000 0712 1981 2874",
    "bank_currency": "PLN",
    "bank_swift": None,
    "account_description": "Konto główne",
    "own_bank_account": "0",
    "own_bank_account_type": None,
    "factor_bank_account": False,
    "bank_account_version_departments": [
        {"department_id": "3", "show_on_invoice": "1", "main_on_department": True, "position": 1}
    ],
    "normalized_number": "PL61109010140000071219812874",
}


def test_a_bank_account_answer_has_typed_values() -> None:
    account = structure(copy.deepcopy(BANK_ACCOUNT), BankAccount)
    assert account.id == account.bank_account_id == 10
    assert account.own_bank_account is False
    assert account.own_bank_account_type is None
    assert account.bank_swift is None
    (link,) = account.bank_account_version_departments
    assert link == BankAccountDepartment(
        department_id=3, show_on_invoice=True, main_on_department=True, extra={"position": 1}
    )
    assert account.extra == {"normalized_number": "PL61109010140000071219812874"}
    wire = to_wire(account)
    assert wire["bank_account_version_departments"] == [
        {"department_id": 3, "show_on_invoice": True, "main_on_department": True, "position": 1}
    ]
    assert wire["normalized_number"] == BANK_ACCOUNT["normalized_number"]
    assert structure(wire, BankAccount) == account


def test_own_bank_account_types_are_open() -> None:
    assert {kind.value for kind in OwnBankAccountType} == {
        "debt_assignment",
        "debt_collection",
        "bank_own_business",
    }
    known = structure({"own_bank_account_type": "debt_collection"}, BankAccount)
    assert known.own_bank_account_type is OwnBankAccountType.DEBT_COLLECTION
    unknown = structure({"own_bank_account_type": "escrow"}, BankAccount)
    assert unknown.own_bank_account_type == "escrow"
    assert type(unknown.own_bank_account_type) is str


def test_a_bank_account_draft_links_and_unlinks_departments() -> None:
    draft = BankAccountDraft(
        bank_account_number="PL61 1090 1014 0000 0712 1981 2874",
        own_bank_account=True,
        own_bank_account_type=OwnBankAccountType.BANK_OWN_BUSINESS,
        bank_swift=None,
        bank_account_version_departments=[
            BankAccountDepartmentDraft(department_id=3, show_on_invoice=True),
            BankAccountDepartmentDraft(department_id=4, remove=True),
        ],
    )
    wire = to_wire(draft)
    assert wire == {
        "bank_account_number": "PL61 1090 1014 0000 0712 1981 2874",
        "own_bank_account": True,
        "own_bank_account_type": "bank_own_business",
        "bank_swift": None,
        "bank_account_version_departments": [
            {"department_id": 3, "show_on_invoice": True},
            {"department_id": 4, "remove": True},
        ],
    }
    assert type(wire["own_bank_account_type"]) is str


def test_a_bank_account_flag_it_cannot_read_is_rejected() -> None:
    message = rejects({"bank_account_version_departments": [{"show_on_invoice": "2"}]}, BankAccount)
    assert "show_on_invoice" in message
