"""Texts the API documents as a closed list, as open enums: a recurring definition's ``every``,
GTU codes, KSeF procedure designations and the advance creation mode. A known value reads as
its member, any other stays a plain ``str``, and either goes out as the very text it is.

Also the department settings read as what they are ([FR]: ``cash_init_state`` an amount,
``own_email_settings`` and ``email_pdf`` flags) while the e-mail texts stay in ``extra``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

import invoceanio.models as models_package
from invoceanio.codecs import JsonCodec, XmlCodec
from invoceanio.models import (
    AdvanceCreationMode,
    Department,
    DepartmentDraft,
    GtuCode,
    InvoiceDraft,
    OpenStrEnum,
    Position,
    PositionDraft,
    ProcedureDesignation,
    Product,
    ProductDraft,
    Recurring,
    RecurringDraft,
    RecurringEvery,
    structure,
    to_wire,
)
from tests.strategies import round_trips, through

CODECS = [JsonCodec(), XmlCodec()]

#: The values as the spec lists them (6.12, 6.3, 6.1, 4.1), byte for byte.
SPEC_VALUES: dict[type[OpenStrEnum], set[str]] = {
    RecurringEvery: {"1w", "1m", "2m", "3m", "6m", "1y"},
    GtuCode: {f"GTU_{n:02d}" for n in range(1, 14)},
    ProcedureDesignation: {
        *("SW", "EE", "TP", "TT_WNT", "TT_D", "MR_T", "MR_UZ", "I_42", "I_63"),
        *("B_SPV", "B_SPV_DOSTAWA", "B_MPV_PROWIZJA", "MPP"),
    },
    AdvanceCreationMode: {"percent", "amount"},
}


@pytest.mark.parametrize("enum_type", list(SPEC_VALUES), ids=lambda cls: cls.__name__)
def test_the_members_are_the_documented_values(enum_type: type[OpenStrEnum]) -> None:
    assert {member.value for member in enum_type} == SPEC_VALUES[enum_type]
    assert issubclass(enum_type, OpenStrEnum)
    assert getattr(models_package, enum_type.__name__) is enum_type
    assert enum_type.__name__ in models_package.__all__
    for member in enum_type:
        assert enum_type.parse(member.value) is member
    assert type(enum_type.parse("never documented")) is str


def test_the_member_names_say_what_they_are() -> None:
    assert RecurringEvery.MONTH == "1m" and RecurringEvery.THREE_MONTHS == "3m"
    assert (RecurringEvery.WEEK, RecurringEvery.YEAR) == ("1w", "1y")
    assert GtuCode.GTU_01 == "GTU_01" and GtuCode.GTU_13 == "GTU_13"
    assert ProcedureDesignation.B_SPV_DOSTAWA == "B_SPV_DOSTAWA"
    assert AdvanceCreationMode.PERCENT == "percent"


# --- read models -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "field", "enum_type"),
    [(Recurring, "every", RecurringEvery), (Position, "gtu_code", GtuCode)],
)
def test_a_known_value_is_its_member_and_an_unknown_one_stays_text(
    cls: type[Any], field: str, enum_type: type[OpenStrEnum]
) -> None:
    for member in enum_type:
        model = structure({field: member.value}, cls)
        assert getattr(model, field) is member
        wire = to_wire(model)
        assert wire == {field: member.value} and type(wire[field]) is str
        for codec in CODECS:
            assert getattr(structure(through(codec, "x", wire), cls), field) is member
    # Other spellings the docs do not list: kept, as plain text, and sent back as they came.
    for text in ("2w", "12m", "gtu_01", "GTU_14", " 1m", ""):
        model = structure({field: text}, cls)
        assert type(getattr(model, field)) is str and getattr(model, field) == text
        assert to_wire(model) == {field: text}


def test_a_recurring_answer_reads_every_as_a_member() -> None:
    recurring = structure({"id": 4, "every": "1m", "payment_to": "1m"}, Recurring)
    assert recurring.every is RecurringEvery.MONTH
    assert recurring.payment_to == "1m" and type(recurring.payment_to) is str
    round_trips(Recurring, recurring)


def test_a_products_gtu_codes_read_as_members_or_text() -> None:
    product = structure({"id": 1, "gtu_codes": ["GTU_01", "GTU_12", "GTU_99"]}, Product)
    assert product.gtu_codes == (GtuCode.GTU_01, GtuCode.GTU_12, "GTU_99")
    assert [type(code) for code in product.gtu_codes] == [GtuCode, GtuCode, str]
    wire = to_wire(product)
    assert wire == {"id": 1, "gtu_codes": ["GTU_01", "GTU_12", "GTU_99"]}
    assert [type(code) for code in wire["gtu_codes"]] == [str, str, str]
    round_trips(Product, product)


def test_gtu_codes_read_from_rails_xml() -> None:
    body = (
        b'<?xml version="1.0" encoding="UTF-8"?><product><id type="integer">1</id>'
        b'<gtu-codes type="array"><gtu-code>GTU_06</gtu-code><gtu-code>GTU_77</gtu-code>'
        b"</gtu-codes></product>"
    )
    product = structure(XmlCodec().decode(body), Product)
    assert product.gtu_codes == (GtuCode.GTU_06, "GTU_77")
    assert product.gtu_codes[0] is GtuCode.GTU_06 and type(product.gtu_codes[1]) is str
    body = (
        b'<invoice><positions type="array"><position><gtu-code>GTU_13</gtu-code></position>'
        b"</positions></invoice>"
    )
    (position,) = structure(XmlCodec().decode(body), models_package.Invoice).positions
    assert position.gtu_code is GtuCode.GTU_13


# --- drafts ------------------------------------------------------------------------------------


def test_drafts_send_the_members_as_their_exact_text() -> None:
    wire = to_wire(
        InvoiceDraft(
            procedure_designations=[
                ProcedureDesignation.TT_WNT,
                ProcedureDesignation.B_MPV_PROWIZJA,
                "NEW_CODE",
            ],
            advance_creation_mode=AdvanceCreationMode.AMOUNT,
            positions=[PositionDraft(name="A", gtu_code=GtuCode.GTU_05)],
        )
    )
    assert wire == {
        "procedure_designations": ["TT_WNT", "B_MPV_PROWIZJA", "NEW_CODE"],
        "advance_creation_mode": "amount",
        "positions": [{"name": "A", "gtu_code": "GTU_05"}],
    }
    assert all(type(code) is str for code in wire["procedure_designations"])
    assert type(wire["advance_creation_mode"]) is str
    assert type(wire["positions"][0]["gtu_code"]) is str
    product = to_wire(ProductDraft(gtu_codes=[GtuCode.GTU_12, "GTU_14"]))
    assert product == {"gtu_codes": ["GTU_12", "GTU_14"]}
    assert all(type(code) is str for code in product["gtu_codes"])
    recurring = to_wire(RecurringDraft(every=RecurringEvery.SIX_MONTHS))
    assert recurring == {"every": "6m"} and type(recurring["every"]) is str
    # Plain text is still taken, and sent as given.
    assert to_wire(RecurringDraft(every="2w")) == {"every": "2w"}
    assert to_wire(InvoiceDraft(advance_creation_mode="percent")) == {
        "advance_creation_mode": "percent"
    }


def test_drafts_with_members_encode_as_xml_text() -> None:
    wire = to_wire(InvoiceDraft(procedure_designations=[ProcedureDesignation.I_42]))
    body = XmlCodec().encode({"invoice": wire})
    assert b"<procedure_designation>I_42</procedure_designation>" in body
    assert XmlCodec().decode(body) == {"procedure_designations": ["I_42"]}


# --- department settings -----------------------------------------------------------------------


def test_a_departments_cash_and_email_settings_are_typed() -> None:
    data = {
        "id": 3,
        "cash_init_state": "150.0",
        "own_email_settings": "1",
        "email_pdf": True,
        "email_from": "biuro@wystawca.test",
        "email_cc": "",
        "email_subject": "Faktura {{number}}",
        "email_template": None,
        "email_template_kind": "default",
    }
    department = structure(data, Department)
    assert department.cash_init_state == Decimal("150.0")
    assert (department.own_email_settings, department.email_pdf) == (True, True)
    assert department.extra == {
        "email_from": "biuro@wystawca.test",
        "email_cc": "",
        "email_subject": "Faktura {{number}}",
        "email_template": None,
        "email_template_kind": "default",
    }
    wire = to_wire(department)
    assert wire["cash_init_state"] == "150.0"
    assert wire["own_email_settings"] is True
    assert structure(wire, Department) == department
    round_trips(Department, department)


def test_a_departments_settings_read_from_rails_xml() -> None:
    body = (
        b"<department><cash-init-state type='decimal'>150.0</cash-init-state>"
        b"<own-email-settings type='boolean'>false</own-email-settings>"
        b"<email-pdf type='boolean'>true</email-pdf><email-from>a@b.pl</email-from>"
        b"</department>"
    )
    department = structure(XmlCodec().decode(body), Department)
    assert department.cash_init_state == Decimal("150.0")
    assert (department.own_email_settings, department.email_pdf) == (False, True)
    assert department.extra == {"email_from": "a@b.pl"}
    assert structure({"cash_init_state": ""}, Department).cash_init_state is None


def test_a_department_draft_sends_the_settings() -> None:
    draft = DepartmentDraft(
        cash_init_state=Decimal("1.5E+2"),
        own_email_settings=True,
        email_pdf=False,
        extra={"email_from": "a@b.pl"},
    )
    assert to_wire(draft) == {
        "cash_init_state": "150",
        "own_email_settings": True,
        "email_pdf": False,
        "email_from": "a@b.pl",
    }
