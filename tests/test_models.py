"""The cattrs converter's hooks, one wire quirk at a time, and the models' own behaviour.

Reading goes through ``structure(data, cls)`` exactly as the client does; writing goes through
``to_wire``. Each quirk of ``api-quirks.md`` (decimal strings and comma decimals, tax codes, blank
dates, month-only sell dates, "0"/"1" flags, string ids, open enums) has its accepted spellings,
its rejected ones and the form it is written back in. Drafts send only what is set.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import cattrs
import pytest

from invoceanio.models import (
    UNSET,
    Client,
    ClientDraft,
    ClientKind,
    DiscountKind,
    Invoice,
    InvoiceDraft,
    InvoiceKind,
    InvoiceStatus,
    Position,
    PositionDraft,
    YearMonth,
    structure,
    tax_percent,
    to_wire,
)
from tests.support import leaves, rejects

PLUS_ONE = timezone(timedelta(hours=1))


# --- decimals -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("89.0", Decimal("89.0")),
        ("339.99", Decimal("339.99")),
        ("59,00", Decimal("59.00")),
        (" 10,23 ", Decimal("10.23")),
        ("-5.50", Decimal("-5.50")),
        (5, Decimal(5)),
        (Decimal("12.50"), Decimal("12.50")),
    ],
)
def test_decimal_fields_accept_dot_and_comma_strings_numbers_and_decimals(
    wire: Any, expected: Decimal
) -> None:
    invoice = structure({"price_net": wire}, Invoice)
    assert isinstance(invoice.price_net, Decimal)
    assert invoice.price_net == expected
    # Same digits, not just the same value: "89.0" keeps its one decimal place.
    assert invoice.price_net.as_tuple() == expected.as_tuple()


def test_a_float_becomes_its_shortest_decimal_not_the_binary_expansion() -> None:
    invoice = structure({"price_net": 0.1}, Invoice)
    assert invoice.price_net == Decimal("0.1")
    assert invoice.price_net.as_tuple() == Decimal("0.1").as_tuple()
    binary = 0.1
    assert invoice.price_net != Decimal(binary)  # the expansion 0.1000000000000000055...


@pytest.mark.parametrize(
    "wire",
    ["abc", "1.234,56", "1,234.56", "NaN", "Infinity", "-Infinity", "sNaN", True, False, [1], {}],
)
def test_decimal_fields_reject_text_ambiguous_separators_non_finite_and_booleans(
    wire: Any,
) -> None:
    message = rejects({"price_net": wire})
    assert "price_net" in message


def test_a_blank_decimal_reads_as_none() -> None:
    assert structure({"price_net": "", "paid": "  "}, Invoice) == Invoice()


def test_money_goes_back_as_the_same_strings_never_as_float() -> None:
    invoice = structure(
        {"price_net": "339.99", "price_gross": "89.0", "paid": "59,00", "discount": 5}, Invoice
    )
    wire = to_wire(invoice)
    assert wire == {"price_net": "339.99", "price_gross": "89.0", "paid": "59.00", "discount": "5"}
    assert not any(isinstance(leaf, float) for leaf in leaves(wire))


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("1E+2"), "100"),  # what Decimal("100.00").normalize() gives
        (Decimal("1.5E+3"), "1500"),
        (Decimal("1E-7"), "0.0000001"),
        (Decimal("-0.00"), "-0.00"),
    ],
)
def test_money_is_written_in_fixed_point_never_exponent_notation(
    amount: Decimal, text: str
) -> None:
    assert to_wire(Invoice(price_net=amount)) == {"price_net": text}
    assert to_wire(InvoiceDraft(paid=amount)) == {"paid": text}
    assert to_wire({"price_net": amount}) == {"price_net": text}
    assert structure({"price_net": text}, Invoice).price_net == amount


# --- integers -----------------------------------------------------------------------------


@pytest.mark.parametrize("wire", [12, "12", " 12 ", 12.0, "+12"])
def test_ids_accept_ints_and_numeric_strings(wire: Any) -> None:
    invoice = structure({"id": wire, "client_id": wire}, Invoice)
    assert invoice.id == 12
    assert type(invoice.id) is int
    assert invoice.client_id == 12


def test_a_negative_id_string_is_an_int() -> None:
    # client_id -1 means "create a new client" on writes; it must read back as an int too.
    assert structure({"client_id": "-1"}, Invoice).client_id == -1


@pytest.mark.parametrize("wire", ["12.5", "abc", "1e3", 12.5, True, False, [12]])
def test_ids_reject_fractions_text_and_booleans(wire: Any) -> None:
    assert "id" in rejects({"id": wire})


def test_a_blank_id_reads_as_none() -> None:
    assert structure({"id": ""}, Invoice).id is None


# --- flags --------------------------------------------------------------------------------


@pytest.mark.parametrize("wire", [True, 1, "1", "true", "TRUE", "yes", "t", "y", "on", " 1 "])
def test_flags_read_true(wire: Any) -> None:
    assert structure({"income": wire}, Invoice).income is True


@pytest.mark.parametrize("wire", [False, 0, "0", "false", "False", "no", "f", "n", "off", " 0 "])
def test_flags_read_false(wire: Any) -> None:
    assert structure({"income": wire}, Invoice).income is False


def test_the_string_zero_is_never_true() -> None:
    # bool("0") is True in Python: the converter must not take that shortcut anywhere.
    invoice = structure(
        {"income": "0", "split_payment": "0", "buyer_company": "false", "show_discount": "no"},
        Invoice,
    )
    assert (invoice.income, invoice.split_payment) == (False, False)
    assert (invoice.buyer_company, invoice.show_discount) == (False, False)
    assert structure({"company": "0"}, Client).company is False


@pytest.mark.parametrize("wire", ["maybe", "2", 2, -1, 1.0, "", None])
def test_flags_reject_anything_else_and_blank_is_none(wire: Any) -> None:
    if wire in ("", None):
        assert structure({"income": wire}, Invoice).income is None
    else:
        assert "income" in rejects({"income": wire})


def test_flags_are_written_as_json_booleans() -> None:
    assert to_wire(structure({"income": "1", "split_payment": "0"}, Invoice)) == {
        "income": True,
        "split_payment": False,
    }


# --- dates and times ----------------------------------------------------------------------


def test_dates_read_iso_strings_and_blank_as_none() -> None:
    invoice = structure(
        {"issue_date": "2026-11-22", "payment_to": "2026-11-29", "paid_date": ""}, Invoice
    )
    assert invoice.issue_date == date(2026, 11, 22)
    assert invoice.payment_to == date(2026, 11, 29)
    assert invoice.paid_date is None
    assert to_wire(invoice) == {"issue_date": "2026-11-22", "payment_to": "2026-11-29"}


def test_a_full_timestamp_on_a_date_field_becomes_its_date() -> None:
    # paid_date on payments is a full timestamp; the date is the one written in it.
    invoice = structure({"paid_date": "2026-11-22T23:30:00.000+01:00"}, Invoice)
    assert invoice.paid_date == date(2026, 11, 22)
    assert type(invoice.paid_date) is date
    assert to_wire(invoice) == {"paid_date": "2026-11-22"}


@pytest.mark.parametrize("wire", ["2026-13-01", "2026-02-30", "yesterday", "2026-11", 20261122])
def test_dates_reject_invalid_values(wire: Any) -> None:
    assert "issue_date" in rejects({"issue_date": wire})


def test_sell_date_reads_a_month_or_a_day() -> None:
    month = structure({"sell_date": "2026-11"}, Invoice)
    day = structure({"sell_date": "2026-11-22"}, Invoice)
    assert month.sell_date == YearMonth(2026, 11)
    assert isinstance(month.sell_date, YearMonth)
    assert day.sell_date == date(2026, 11, 22)
    assert to_wire(month) == {"sell_date": "2026-11"}
    assert to_wire(day) == {"sell_date": "2026-11-22"}
    assert structure({"sell_date": ""}, Invoice).sell_date is None


def test_sell_date_rejects_an_invalid_month() -> None:
    assert "sell_date" in rejects({"sell_date": "2026-13"})


def test_year_month_validates_and_prints_as_yyyy_mm() -> None:
    assert str(YearMonth(2026, 3)) == "2026-03"
    assert str(YearMonth(5, 1)) == "0005-01"
    assert YearMonth.parse("2026-11") == YearMonth(2026, 11)
    assert YearMonth(2026, 1) < YearMonth(2026, 2) < YearMonth(2027, 1)
    with pytest.raises(ValueError, match="month"):
        YearMonth(2026, 13)
    with pytest.raises(ValueError, match="month"):
        YearMonth(2026, 0)
    # Years date cannot hold have no YYYY-MM spelling to send and read back.
    with pytest.raises(ValueError, match="year"):
        YearMonth(0, 1)
    with pytest.raises(ValueError, match="year"):
        YearMonth(10000, 1)
    for text in ("2026-1", "26-11", "2026/11", "2026-11-01"):
        with pytest.raises(ValueError):
            YearMonth.parse(text)


def test_datetimes_keep_milliseconds_and_offset() -> None:
    invoice = structure(
        {
            "created_at": "2018-01-04T19:59:15.000+01:00",
            "updated_at": "2018-01-04T19:59:15.123+01:00",
            "sent_time": "2018-01-04T18:59:15Z",
        },
        Invoice,
    )
    assert invoice.created_at == datetime(2018, 1, 4, 19, 59, 15, tzinfo=PLUS_ONE)
    assert invoice.created_at is not None
    assert invoice.created_at.utcoffset() == timedelta(hours=1)
    assert invoice.updated_at == datetime(2018, 1, 4, 19, 59, 15, 123000, tzinfo=PLUS_ONE)
    assert invoice.sent_time == datetime(2018, 1, 4, 18, 59, 15, tzinfo=UTC)
    assert invoice.sent_time == invoice.created_at  # the same instant
    wire = to_wire(invoice)
    assert wire["created_at"] == "2018-01-04T19:59:15+01:00"
    assert wire["updated_at"] == "2018-01-04T19:59:15.123000+01:00"
    assert structure(wire, Invoice) == invoice


def test_a_blank_datetime_is_none_and_garbage_is_rejected() -> None:
    assert structure({"created_at": ""}, Invoice).created_at is None
    assert "created_at" in rejects({"created_at": "noon"})
    assert "created_at" in rejects({"created_at": 1700000000})


# --- tax ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wire", "expected"),
    [("23", Decimal("23")), ("8.5", Decimal("8.5")), ("5,5", Decimal("5.5")), (0, Decimal(0))],
)
def test_a_numeric_tax_is_a_decimal_rate(wire: Any, expected: Decimal) -> None:
    (position,) = structure({"positions": [{"tax": wire}]}, Invoice).positions
    assert isinstance(position.tax, Decimal)
    assert position.tax == expected


@pytest.mark.parametrize("code", ["zw", "np", "oo", "disabled"])
def test_a_tax_code_stays_a_string(code: str) -> None:
    (position,) = structure({"positions": [{"tax": code}]}, Invoice).positions
    assert type(position.tax) is str
    assert position.tax == code
    assert to_wire(position) == {"tax": code}
    assert tax_percent(position.tax) == Decimal(0)


def test_tax_is_written_back_as_text() -> None:
    (position,) = structure({"positions": [{"tax": "23"}]}, Invoice).positions
    assert to_wire(position) == {"tax": "23"}


def test_tax_percent_is_the_rate_or_zero() -> None:
    assert tax_percent(Decimal("23")) == Decimal("23")
    assert tax_percent(Decimal("8.5")) == Decimal("8.5")
    assert tax_percent("zw") == Decimal(0)
    assert tax_percent(None) == Decimal(0)
    assert isinstance(tax_percent("np"), Decimal)


# --- open enumerations --------------------------------------------------------------------


def test_known_enum_values_become_members_and_still_equal_their_text() -> None:
    invoice = structure(
        {"kind": "vat", "status": "paid", "discount_kind": "percent_total"}, Invoice
    )
    assert invoice.kind == "vat"
    assert invoice.kind is InvoiceKind.VAT
    assert invoice.status is InvoiceStatus.PAID
    assert invoice.discount_kind is DiscountKind.PERCENT_TOTAL
    assert structure({"kind": "buyer"}, Client).kind is ClientKind.BUYER


def test_unknown_enum_values_stay_plain_strings() -> None:
    invoice = structure({"kind": "future_kind", "status": "archived"}, Invoice)
    assert type(invoice.kind) is str
    assert invoice.kind == "future_kind"
    assert type(invoice.status) is str
    assert to_wire(invoice) == {"kind": "future_kind", "status": "archived"}


def test_enums_are_written_as_plain_strings() -> None:
    wire = to_wire(Invoice(kind=InvoiceKind.VAT, status=InvoiceStatus.SENT))
    assert wire == {"kind": "vat", "status": "sent"}
    assert all(type(value) is str for value in wire.values())


# --- positions and unknown fields ---------------------------------------------------------


@pytest.mark.parametrize("payload", [{}, {"positions": None}, {"positions": []}])
def test_missing_or_null_positions_are_an_empty_tuple(payload: dict[str, Any]) -> None:
    assert structure(payload, Invoice).positions == ()


def test_positions_become_a_tuple_of_position() -> None:
    invoice = structure(
        {"positions": [{"name": "A", "quantity": "2"}, {"name": "B", "tax": "zw"}]}, Invoice
    )
    assert invoice.positions == (
        Position(name="A", quantity=Decimal(2)),
        Position(name="B", tax="zw"),
    )
    assert isinstance(invoice.positions, tuple)


def test_a_non_object_record_is_rejected() -> None:
    with pytest.raises((cattrs.BaseValidationError, ValueError)):
        structure(["not", "an", "invoice"], Invoice)
    assert "positions" in rejects({"positions": ["not a position"]})


def test_unknown_fields_are_kept_in_extra_and_written_back() -> None:
    payload = {
        "id": 1,
        "gov_ksef_number": "KSEF-1",
        "future_links": [{"id": 9, "price": "1.0"}],
        "positions": [{"name": "A", "future_attributes": {"quantity": "1"}}],
    }
    invoice = structure(payload, Invoice)
    assert invoice.extra == {
        "gov_ksef_number": "KSEF-1",
        "future_links": [{"id": 9, "price": "1.0"}],
    }
    assert invoice.positions[0].extra == {"future_attributes": {"quantity": "1"}}
    assert "id" not in invoice.extra
    assert to_wire(invoice) == payload


def test_a_named_field_wins_over_the_same_key_in_extra() -> None:
    assert to_wire(Invoice(id=1, extra={"id": 2, "other": 3})) == {"id": 1, "other": 3}


def test_repr_lists_only_the_fields_that_are_set() -> None:
    invoice = Invoice(id=1, number="FV 1", income=False, paid=Decimal(0))
    assert repr(invoice) == "Invoice(id=1, number='FV 1', income=False, paid=Decimal('0'))"
    assert repr(Invoice()) == "Invoice()"
    with_extra = structure({"id": 2, "a": 1, "b": 2}, Invoice)
    assert repr(with_extra) == "Invoice(id=2, extra=2 fields)"
    assert repr(Position(name="X")) == "Position(name='X')"


def test_models_are_frozen() -> None:
    invoice = structure({"id": 1, "positions": [{"name": "A"}]}, Invoice)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        invoice.id = 2  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        invoice.positions[0].name = "B"  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        Client(name="x").name = "y"  # type: ignore[misc]
    assert attrs.evolve(invoice, id=2).id == 2
    assert invoice.id == 1


def test_client_fields_follow_the_same_rules() -> None:
    client = structure(
        {
            "id": "7",
            "name": "ACME",
            "company": "1",
            "kind": "buyer",
            "discount": "5,5",
            "tag_list": ["vip", "b2b"],
            "created_at": "2026-01-02T03:04:05.000+01:00",
            "bdo_no": "123",
        },
        Client,
    )
    assert client.id == 7
    assert client.company is True
    assert client.discount == Decimal("5.5")
    assert client.tag_list == ("vip", "b2b")
    assert client.extra == {"bdo_no": "123"}
    assert structure({"tag_list": None}, Client).tag_list is None
    assert structure({"tag_list": []}, Client).tag_list == ()
    assert to_wire(client)["tag_list"] == ["vip", "b2b"]


# --- drafts -------------------------------------------------------------------------------


def test_a_draft_sends_only_what_is_set() -> None:
    assert to_wire(InvoiceDraft()) == {}
    assert to_wire(ClientDraft(name="ACME")) == {"name": "ACME"}
    assert to_wire(InvoiceDraft(number=UNSET, buyer_name="B")) == {"buyer_name": "B"}


def test_none_in_a_draft_is_sent_as_null() -> None:
    wire = to_wire(InvoiceDraft(buyer_tax_no=None, payment_to=None, client_id=None))
    assert wire == {"buyer_tax_no": None, "payment_to": None, "client_id": None}


def test_draft_values_are_written_in_wire_form() -> None:
    draft = InvoiceDraft(
        kind=InvoiceKind.VAT,
        status=InvoiceStatus.ISSUED,
        income=False,
        issue_date=date(2026, 11, 22),
        sell_date=YearMonth(2026, 11),
        paid=Decimal("10.50"),
        discount_kind=DiscountKind.AMOUNT,
        client_id=7,
    )
    wire = to_wire(draft)
    assert wire == {
        "kind": "vat",
        "status": "issued",
        "income": False,
        "issue_date": "2026-11-22",
        "sell_date": "2026-11",
        "paid": "10.50",
        "discount_kind": "amount",
        "client_id": 7,
    }
    # Plain values, not enum members that merely compare equal.
    assert type(wire["kind"]) is str
    assert type(wire["status"]) is str
    assert type(to_wire(ClientDraft(kind=ClientKind.BOTH))["kind"]) is str


def test_draft_extra_is_merged_into_the_body() -> None:
    draft = InvoiceDraft(oid="ORDER-1", extra={"oid_unique": "yes", "use_oss": True})
    assert to_wire(draft) == {"oid": "ORDER-1", "oid_unique": "yes", "use_oss": True}


def test_position_drafts_and_dict_positions_are_converted() -> None:
    draft = InvoiceDraft(
        positions=[
            PositionDraft(name="A", quantity=Decimal(2), tax=Decimal("23"), price_net=None),
            PositionDraft(id=5, extra={"_destroy": 1}),
            {
                "name": "B",
                "price_gross": Decimal("9.99"),
                "tax": "zw",
                "delivery": date(2026, 12, 1),
                "kind": InvoiceKind.CORRECTION,
                "correction_before_attributes": {"quantity": Decimal("1.0")},
            },
        ]
    )
    assert to_wire(draft) == {
        "positions": [
            {"name": "A", "quantity": "2", "tax": "23", "price_net": None},
            {"id": 5, "_destroy": 1},
            {
                "name": "B",
                "price_gross": "9.99",
                "tax": "zw",
                "delivery": "2026-12-01",
                "kind": "correction",
                "correction_before_attributes": {"quantity": "1.0"},
            },
        ]
    }


def test_an_empty_position_list_is_sent_when_set() -> None:
    assert to_wire(InvoiceDraft(positions=[])) == {"positions": []}


def test_drafts_are_mutable_builders() -> None:
    draft = InvoiceDraft(buyer_name="A")
    draft.buyer_name = "B"
    draft.extra["x"] = 1
    assert to_wire(draft) == {"buyer_name": "B", "x": 1}


def test_to_wire_converts_plain_dicts_deeply() -> None:
    wire = to_wire(
        {
            "when": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
            "nested": {"amount": Decimal("1.10"), "days": (date(2026, 1, 1),)},
            "model": Position(name="A", tax="np"),
            "month": YearMonth(2026, 2),
        }
    )
    assert wire == {
        "when": "2026-01-02T03:04:05+00:00",
        "nested": {"amount": "1.10", "days": ["2026-01-01"]},
        "model": {"name": "A", "tax": "np"},
        "month": "2026-02",
    }
