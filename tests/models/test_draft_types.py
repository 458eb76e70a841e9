"""A draft refuses, when written, a value of a type its field does not take, naming the field.

Why: a draft checks no types when it is made or changed, and its fields were written by the
type of the value they held. ``PositionDraft(quantity=True)`` went out as JSON ``true``,
``PaymentDraft(invoice_ids="45")`` as one string (the server may read the ids 4 and 5, or 45),
a list or a dict in a money field as that, an int in a date field as a number; a datetime in a
date field as a timestamp, whose day depends on the server's time zone (now: its own day).

Now ``to_wire`` (what every create and update calls) raises ValueError naming the draft class
and the field, and a draft nested in another is checked the same way; a resource turns it
into ConfigurationError and sends nothing. What each declared type takes is documented in
``invoceanio.models.draft_writes``; the values it takes are written as before, but for a few
written as what they mean: a flag's spelling ("0", "no") as its bool, a datetime in a date
field as its day, a UUID as its text, an integral float or Decimal id as the int.

Every field of every exported draft is checked here by its declared type, so a field added
later is held to the same rules without a test edit.
"""

from __future__ import annotations

import collections.abc
import functools
import importlib
import typing
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import invoceanio.models as models_package
from invoceanio import ConfigurationError
from invoceanio.models import (
    UNSET,
    BankAccountDepartmentDraft,
    BankAccountDraft,
    ClientDraft,
    CorrectionPositionDraft,
    InvoiceDraft,
    InvoiceKind,
    InvoicePartyDraft,
    PaymentDraft,
    PositionDraft,
    PriceListDraft,
    PriceListPositionDraft,
    ProductDraft,
    RecurringDraft,
    Unset,
    WarehouseActionDraft,
    WarehouseDocumentDraft,
    WebhookDraft,
    YearMonth,
    converter,
    structure,
    to_wire,
)
from invoceanio.models.base import Draft
from invoceanio.models.converter import structure_bool
from invoceanio.models.values import OpenStrEnum
from invoceanio.secrets import Secret
from tests.strategies import ALL_DRAFTS, FAST, TEXT, WORD, YEAR_MONTHS, decimals, open_enum
from tests.support import Recorder, body_json, invoice_payload, json_response, make_client

TOKEN = "CANARY-draft-token-0123456789"
PLUS_ONE = timezone(timedelta(hours=1))
MINUS_FIVE = timezone(timedelta(hours=-5))

# --- Each field's kind, read from its declared type (independently of the SDK's reading) ---


@attrs.frozen
class Kind:
    name: str
    nullable: bool
    #: The enum of an open enum, the draft of a nested draft, the item kind of a list.
    detail: Any = None


def kind_of(hint: Any) -> Kind:
    members = set(typing.get_args(hint)) if typing.get_origin(hint) is not None else {hint}
    members.discard(Unset)
    nullable = type(None) in members
    members.discard(type(None))
    literals = {member for member in members if typing.get_origin(member) is typing.Literal}
    simple = {
        frozenset({Decimal}): "decimal",
        frozenset({Decimal, int}): "decimal",  # Amount, as drafts type their numbers
        frozenset({Decimal, str}): "tax",
        frozenset({Decimal, int, str}): "tax",  # TaxInput
        frozenset({int}): "integer",
        frozenset({int, str}): "integer_or_text",
        frozenset({bool}): "flag",
        frozenset({str}): "text",
        frozenset({date}): "day",
        frozenset({datetime, date}): "moment",
        frozenset({Secret}): "credential",
    }
    if frozenset(members) in simple:
        return Kind(simple[frozenset(members)], nullable)
    if members - literals == {date, YearMonth}:
        return Kind("sell_date", nullable)
    if len(members) == 1:
        (only,) = members
        if typing.get_origin(only) in (list, collections.abc.Sequence):
            return Kind("list", nullable, kind_of(typing.get_args(only)[0]))
        if typing.get_origin(only) is dict:
            return Kind("mapping", nullable)
    drafts = [m for m in members if isinstance(m, type) and issubclass(m, Draft)]
    if drafts:
        return Kind("child", nullable, drafts[0])
    (enum_type,) = members - {str}
    assert issubclass(enum_type, OpenStrEnum), hint
    return Kind("open_enum", nullable, enum_type)


def fields_of(draft: type[Draft]) -> dict[str, Kind]:
    hints = typing.get_type_hints(draft)
    return {f.name: kind_of(hints[f.name]) for f in attrs.fields(draft) if f.name != "extra"}


def refusal(make: Callable[[], Any]) -> str:
    """The ValueError that writing the draft ``make`` builds raises."""
    with pytest.raises(ValueError) as caught:
        to_wire(make())
    return str(caught.value)


# --- Values no field of a kind takes ------------------------------------------------------


class Opaque:
    """No value any field takes; its repr must never reach an error."""

    def __repr__(self) -> str:
        return TOKEN


ANY_WRONG: list[Any] = [Opaque(), object(), b"bytes", timedelta(days=1)]
WRONG: dict[str, list[Any]] = {
    "decimal": [
        True,
        False,
        [Decimal(1)],
        (Decimal(1),),
        {"amount": "1"},
        "abc",
        "NaN",
        "-Infinity",
        "1e5",
        "1.234,50",
        "12.50 PLN",
        "\u0661\u0662",  # Arabic-Indic digits: Decimal() reads 12, the server may not
        "1_000",
        Decimal("NaN"),
        Decimal("Infinity"),
        Decimal("1e999999"),
        float("nan"),
        float("inf"),
        10**2000,
        date(2026, 11, 24),
        Secret(TOKEN),
    ],
    "tax": [True, [23], {"rate": 23}, Decimal("NaN"), float("inf"), date(2026, 11, 24)],
    "integer": [
        True,
        False,
        45.5,
        float(2**53),
        float("nan"),
        Decimal("4.5"),
        Decimal("1e30"),
        "4a",
        "45.0",
        "0x2d",
        "\u0664\u0665",
        2**63,
        -(2**63) - 1,
        [45],
        "1 2",
        date(2026, 11, 24),
    ],
    "integer_or_text": [True, 45.5, [5], {"days": 5}, date(2026, 11, 24)],
    "flag": [2, -1, "maybe", "oui", [True], Decimal(1), 1.0],
    "text": [
        True,
        ["a"],
        ("a",),
        {"a": 1},
        date(2026, 11, 24),
        datetime(2026, 11, 24),
        Secret(TOKEN),
        float("nan"),
        Decimal("NaN"),
    ],
    "open_enum": [5, True, 1.5, Decimal(5), ["vat"], {"vat": 1}, date(2026, 11, 24)],
    "day": [
        20261124,
        True,
        "24.11.2026",
        "2026-13-01",
        "2026-02-30",
        "2026-11",
        "2026-11-24T10:00:00",
        "\u0662\u0660\u0662\u0666-11-24",
        "tomorrow",
        [date(2026, 11, 24)],
        Decimal(20261124),
    ],
    "moment": [20261124, True, "24.11.2026", "tomorrow", 1.5, [date(2026, 11, 24)]],
    "sell_date": [
        202611,
        True,
        "2026-13",
        "11-2026",
        "24.11.2026",
        "OFF",
        "of",
        [date(2026, 11, 24)],
    ],
    "credential": [5, b"token-bytes", [TOKEN], {"token": TOKEN}, True],
    "list": ["45", "sale", b"45", {"a": 1}, MappingProxyType({"a": 1}), 45, True, 1.5, Decimal(45)],
    "child": ["position", 5, True, [{"name": "A"}], ClientDraft(name="X"), ProductDraft(name="X")],
    "mapping": ["a=1", [("a", 1)], 5, True, ClientDraft(name="X")],
}
#: Item values a list of that item kind refuses (its item, at index 1 after a good one).
WRONG_ITEMS: dict[str, list[Any]] = {
    "integer": [True, "4a", 4.5, None, UNSET, [1]],
    "text": [True, None, ["a"], date(2026, 11, 24)],
    "open_enum": [5, None, True],
    "child": ["position", 5, None, ClientDraft(name="X"), [PositionDraft()]],
}
GOOD_ITEM: dict[str, Any] = {"integer": 1, "text": "a", "open_enum": "a", "child": {}}


def wrong_values(kind: Kind) -> Iterator[Any]:
    yield from ANY_WRONG
    yield from WRONG[kind.name]
    if not kind.nullable:
        yield None
        if kind.name in ("decimal", "integer", "flag", "day", "moment", "sell_date"):
            yield ""  # blank: read as None, and None is not taken here
            yield "  "


@pytest.mark.parametrize("draft", ALL_DRAFTS, ids=lambda cls: cls.__name__)
def test_every_field_refuses_a_value_its_type_does_not_take_naming_draft_and_field(
    draft: type[Draft],
) -> None:
    missed: list[str] = []
    for name, kind in fields_of(draft).items():
        for value in wrong_values(kind):
            try:
                written = to_wire(draft(**{name: value}))
            except ValueError as exc:
                message = str(exc)
                assert message.startswith(f"{draft.__name__}.{name}: "), message
                assert TOKEN not in message, message
                assert len(message) < 400, message
            else:
                missed.append(f"{name}={value!r} ({kind.name}) went out as {written!r}")
    assert missed == []


WITH_LISTS = [d for d in ALL_DRAFTS if any(k.name == "list" for k in fields_of(d).values())]


@pytest.mark.parametrize("draft", WITH_LISTS, ids=lambda cls: cls.__name__)
def test_a_lists_item_of_a_wrong_type_is_refused_with_its_index(draft: type[Draft]) -> None:
    for name, kind in fields_of(draft).items():
        if kind.name != "list":
            continue
        item = kind.detail.name
        for value in WRONG_ITEMS[item]:
            message = refusal(lambda: draft(**{name: [GOOD_ITEM[item], value]}))  # noqa: B023
            assert message.startswith(f"{draft.__name__}.{name}[1]: "), message


def test_what_the_brief_found_is_refused() -> None:
    assert refusal(lambda: PositionDraft(quantity=True)) == (
        "PositionDraft.quantity: expected a number (a Decimal, an int, a float, or text such "
        'as "12.50"), got a boolean True'
    )
    assert refusal(lambda: PaymentDraft(invoice_ids="45")) == (
        "PaymentDraft.invoice_ids: expected a list (or a tuple), got text '45'"
    )
    assert refusal(lambda: PaymentDraft(price=[Decimal(10)])).startswith(
        "PaymentDraft.price: expected a number"
    )
    assert refusal(lambda: InvoiceDraft(paid={"amount": "10"})).endswith("got dict")
    assert refusal(lambda: InvoiceDraft(issue_date=20261124)) == (
        'InvoiceDraft.issue_date: expected a date, or its text "YYYY-MM-DD", got the int 20261124'
    )


def test_a_draft_changed_after_it_was_made_is_checked_when_written() -> None:
    position = PositionDraft(name="A", quantity=Decimal(1))
    position.quantity = True
    assert refusal(lambda: position).startswith("PositionDraft.quantity: ")


def test_none_where_the_field_takes_none_is_null_and_elsewhere_refused() -> None:
    assert to_wire(InvoiceDraft(paid=None, client_id=None, payment_to=None)) == {
        "paid": None,
        "client_id": None,
        "payment_to": None,
    }
    assert refusal(lambda: PaymentDraft(price=None)) == (
        "PaymentDraft.price: takes no None (leave the field UNSET to send nothing)"
    )
    assert refusal(lambda: InvoiceDraft(income=None)).startswith("InvoiceDraft.income: ")


def test_a_datetime_in_a_date_field_is_its_own_day_and_kept_whole_where_a_time_is() -> None:
    # As a model writes one: its wall-clock day (datetime.now(), a pandas Timestamp).
    moment = datetime(2026, 11, 24, 23, 30, tzinfo=PLUS_ONE)
    assert to_wire(InvoiceDraft(issue_date=moment)) == {"issue_date": "2026-11-24"}
    assert to_wire(InvoiceDraft(sell_date=moment)) == {"sell_date": "2026-11-24"}
    assert to_wire(PaymentDraft(paid_date=moment)) == {"paid_date": "2026-11-24T23:30:00+01:00"}


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("0", False),
        ("1", True),
        (0, False),
        (1, True),
        (" Yes ", True),
        ("no", False),
        ("off", False),
        ("TRUE", True),
    ],
)
def test_a_flag_spelled_as_the_api_documents_is_written_as_the_bool_it_means(
    given: Any, sent: bool
) -> None:
    # [PL] income "0" for an expense; "no" sent as text would be true to Rails.
    assert to_wire(InvoiceDraft(income=given)) == {"income": sent}


def test_a_uuid_oid_is_written_as_its_text() -> None:
    key = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert to_wire(InvoiceDraft(oid=key)) == {"oid": "12345678-1234-5678-1234-567812345678"}


# What the SDK's own flag reader takes, written out here so that a change to it shows.
FLAG_SPELLINGS = ("1", "0", "true", "false", "yes", "no", "t", "f", "y", "n", "on", "off")
#: Each flag field of each exported draft, as (draft, field name).
FLAG_FIELDS = [
    (draft, name)
    for draft in ALL_DRAFTS
    for name, kind in fields_of(draft).items()
    if kind.name == "flag"
]


@attrs.define(kw_only=True)
class MaybeFlagDraft(PositionDraft):
    """A draft subclassed outside invoceanio, with a flag that takes None (no exported draft's
    flag does)."""

    maybe: bool | Unset | None = UNSET


def spelled(text: str, case: str, pad: str) -> str:
    cased = {"lower": text, "upper": text.upper(), "title": text.title()}[case]
    return f"{pad}{cased}{pad}"


@pytest.mark.parametrize(("draft", "name"), FLAG_FIELDS, ids=lambda v: getattr(v, "__name__", v))
def test_every_flag_takes_each_spelling_the_sdk_reads_as_the_bool_it_means(
    draft: type[Draft], name: str
) -> None:
    # InvoiceDraft(income="0") is the spec's expense; sent as text, "no" would be true to Rails.
    for text in FLAG_SPELLINGS:
        for value in (text, spelled(text, "upper", " "), spelled(text, "title", "\t")):
            assert to_wire(draft(**{name: value})) == {name: structure_bool(text)}, value
    assert to_wire(draft(**{name: 0})) == {name: False}
    assert to_wire(draft(**{name: 1})) == {name: True}


def test_the_flag_spellings_are_those_the_converter_reads() -> None:
    # draft_writes keeps its own table (the converter imports it): a spelling added to the
    # reader, or dropped from it, must be added or dropped there too.
    # By its name: ``invoceanio.models.converter`` is also the converter the package exports.
    reader = importlib.import_module("invoceanio.models.converter")
    assert set(FLAG_SPELLINGS) == reader._TRUE | reader._FALSE


FLAG_TEXT = st.one_of(
    st.builds(
        spelled,
        st.sampled_from(FLAG_SPELLINGS),
        st.sampled_from(["lower", "upper", "title"]),
        st.sampled_from(["", " ", "\n"]),
    ),
    st.sampled_from(["", " ", "maybe", "ja", "nein", "2", "-1", "1.0", "yes please", "tak"]),
    TEXT,
)


@FAST
@given(FLAG_TEXT, st.booleans())
def test_a_flag_takes_text_exactly_when_the_sdk_reads_it_as_a_flag(
    text: str, nullable: bool
) -> None:
    draft = MaybeFlagDraft(maybe=text) if nullable else InvoiceDraft(income=text)
    name = "maybe" if nullable else "income"
    try:
        meant = structure_bool(text)
    except ValueError:
        assert refusal(lambda: draft).startswith(f"{type(draft).__name__}.{name}: ")
        return
    if meant is None and not nullable:  # blank: None, which income does not take
        assert refusal(lambda: draft).startswith("InvoiceDraft.income: ")
    else:
        assert to_wire(draft) == {name: meant}


def test_a_blank_flag_is_null_where_none_is_taken_and_refused_elsewhere() -> None:
    # As the converter reads it: blank text is no flag at all.
    assert to_wire(MaybeFlagDraft(maybe="")) == {"maybe": None}
    assert to_wire(MaybeFlagDraft(maybe="  ")) == {"maybe": None}
    assert to_wire(MaybeFlagDraft(maybe=None)) == {"maybe": None}
    assert refusal(lambda: InvoiceDraft(income=" ")) == (
        "InvoiceDraft.income: expected True or False (or 1/0, yes/no), got text ' '"
    )
    assert refusal(lambda: MaybeFlagDraft(maybe="maybe")).startswith("MaybeFlagDraft.maybe: ")


TEXT_FIELDS = [
    (draft, name, kind)
    for draft in ALL_DRAFTS
    for name, kind in fields_of(draft).items()
    if kind.name == "text" or (kind.name == "list" and kind.detail.name == "text")
]


def test_every_text_field_takes_a_uuid_as_its_text() -> None:
    key = uuid.UUID(int=7)
    for draft, name, kind in TEXT_FIELDS:
        value: Any = [key] if kind.name == "list" else key
        sent: Any = [str(key)] if kind.name == "list" else str(key)
        assert to_wire(draft(**{name: value})) == {name: sent}, (draft, name)


@pytest.mark.parametrize("wire_format", ["json", "xml"])
async def test_a_uuid_oid_and_a_flag_spelling_go_out_as_what_they_mean(wire_format: str) -> None:
    # The XML codec writes no UUID: the draft sends its text, so both formats take one.
    recorder = Recorder(json_response(201, invoice_payload(id=7)))
    io = make_client(recorder, format=wire_format)

    await io.invoices.create(InvoiceDraft(buyer_name="A", oid=uuid.UUID(int=7), income="no"))

    (request,) = recorder.requests
    body = request.body or b""
    if wire_format == "json":
        sent = body_json(request)["invoice"]
        assert (sent["oid"], sent["income"]) == ("00000000-0000-0000-0000-000000000007", False)
    else:
        assert b"<oid>00000000-0000-0000-0000-000000000007</oid>" in body
        assert b'<income type="boolean">false</income>' in body


DAY_FIELDS = [
    (draft, name)
    for draft in ALL_DRAFTS
    for name, kind in fields_of(draft).items()
    if kind.name in ("day", "sell_date")
]


class Stamp(datetime):
    """A datetime subclass, as a pandas Timestamp is."""


class NotATime(datetime):
    """As pandas' NaT (a missing date in a column): a datetime whose date() is itself, "NaT"."""

    def date(self) -> Any:
        return self

    def isoformat(self, sep: str = "T", timespec: str = "auto") -> str:
        return "NaT"


@FAST
@given(
    st.sampled_from(DAY_FIELDS),
    st.datetimes(timezones=st.one_of(st.none(), st.just(PLUS_ONE), st.just(MINUS_FIVE))),
    st.booleans(),
)
def test_every_date_field_writes_a_datetime_as_its_own_wall_clock_day(
    field: tuple[type[Draft], str], moment: datetime, subclassed: bool
) -> None:
    # As a model writes one: datetime.now() and a pandas Timestamp are natural issue dates.
    draft, name = field
    value = Stamp.combine(moment.date(), moment.timetz()) if subclassed else moment
    assert to_wire(draft(**{name: value})) == {name: moment.date().isoformat()}


def test_a_datetime_with_no_day_is_refused_in_a_date_field() -> None:
    missing = NotATime(2026, 11, 24)
    assert refusal(lambda: InvoiceDraft(issue_date=missing)) == (
        'InvoiceDraft.issue_date: expected a date, or its text "YYYY-MM-DD", got NotATime'
    )
    assert refusal(lambda: InvoiceDraft(sell_date=missing)).startswith("InvoiceDraft.sell_date: ")


def test_a_credential_of_a_wrong_type_is_refused_naming_its_type_only() -> None:
    for value in (Opaque(), [TOKEN], TOKEN.encode(), {"token": TOKEN}):
        message = refusal(lambda: WebhookDraft(kind="invoice:create", api_token=value))  # noqa: B023
        assert message == (
            f"WebhookDraft.api_token: expected a Secret or text, got {type(value).__name__}"
        )


def test_long_text_is_cut_short_in_the_error() -> None:
    message = refusal(lambda: InvoiceDraft(paid="9" * 50 + "x" * 10_000))
    assert message.endswith("got text '" + "9" * 40 + "'...")


# --- Nested drafts ------------------------------------------------------------------------


def test_a_nested_drafts_error_says_where_it_sits() -> None:
    invoice = InvoiceDraft(
        positions=[
            PositionDraft(name="A", quantity=1),
            PositionDraft(
                name="B",
                correction_before_attributes=CorrectionPositionDraft(tax=[23]),
            ),
        ]
    )
    assert refusal(lambda: invoice) == (
        "InvoiceDraft.positions[1]: PositionDraft.correction_before_attributes: "
        "CorrectionPositionDraft.tax: expected a rate (a Decimal, an int, a float) or a code such "
        'as "zw", got list'
    )


@pytest.mark.parametrize(
    ("make", "where"),
    [
        (lambda: InvoiceDraft(recipients=[InvoicePartyDraft(company="maybe")]), "recipients[0]"),
        (lambda: InvoiceDraft(issuers=[{}, InvoicePartyDraft(id=True)]), "issuers[1]"),
        (
            lambda: InvoiceDraft(
                bank_accounts=[
                    BankAccountDraft(
                        bank_account_version_departments=[
                            BankAccountDepartmentDraft(department_id="seven")
                        ]
                    )
                ]
            ),
            "bank_accounts[0]: BankAccountDraft.bank_account_version_departments[0]",
        ),
        (
            lambda: WarehouseDocumentDraft(warehouse_actions=[WarehouseActionDraft(quantity="")]),
            "warehouse_actions[0]",
        ),
        (
            lambda: PriceListDraft(
                price_list_positions=[PriceListPositionDraft(price_net=Decimal("NaN"))]
            ),
            "price_list_positions[0]",
        ),
        (lambda: InvoiceDraft(positions=[{"name": "A", "tags": [UNSET]}]), "positions[0]"),
    ],
)
def test_drafts_nested_at_any_depth_are_checked(make: Callable[[], Draft], where: str) -> None:
    message = refusal(make)
    assert message.startswith(f"{type(make()).__name__}.{where}: "), message


def test_a_nested_field_takes_its_record_and_drafts_of_its_kind() -> None:
    invoice = structure(invoice_payload(), models_package.Invoice)
    (position,) = invoice.positions
    draft = InvoiceDraft(
        positions=[
            position,  # kept on an update, as read
            CorrectionPositionDraft(name="C"),
            PositionDraft(
                name="P",
                correction_before_attributes=position,  # the state before, as read
                correction_after_attributes=PositionDraft(quantity=0),
            ),
        ]
    )
    written = to_wire(draft)["positions"]
    assert written[0] == to_wire(position)
    assert written[1] == {"name": "C"}
    assert written[2]["correction_before_attributes"] == to_wire(position)
    assert written[2]["correction_after_attributes"] == {"quantity": 0}


# --- What is taken is written as before ----------------------------------------------------


def as_before(value: Any) -> Any:
    """What a draft's field wrote before it was checked: the value by its own type's hook."""
    if isinstance(value, Draft):
        return {
            field.name: as_before(getattr(value, field.name))
            for field in attrs.fields(type(value))
            if field.name != "extra" and getattr(value, field.name) is not UNSET
        }
    if isinstance(value, list | tuple):
        return [as_before(item) for item in value]
    return converter.unstructure(value)


JSON_INTS = st.integers(-(2**63), 2**63 - 1)
DECIMAL_TEXT = st.from_regex(r"[+-]?[0-9]{1,12}([.,][0-9]{0,6})?|[.,][0-9]{1,4}", fullmatch=True)
FLOATS = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15)
NUMBERS = st.one_of(decimals(), JSON_INTS, FLOATS, DECIMAL_TEXT)
MOMENTS = st.datetimes(timezones=st.one_of(st.none(), st.just(PLUS_ONE)))
DAY_TEXT = st.dates().map(date.isoformat)


@functools.cache
def natural(kind: Kind, depth: int = 0) -> st.SearchStrategy[Any]:
    """What a caller naturally gives a field of this kind."""
    base: st.SearchStrategy[Any] = {
        "decimal": lambda: NUMBERS,
        "tax": lambda: st.one_of(NUMBERS, st.sampled_from(["zw", "np", "oo", "disabled"]), TEXT),
        "integer": lambda: st.one_of(JSON_INTS, JSON_INTS.map(str)),
        "integer_or_text": lambda: st.one_of(JSON_INTS, TEXT),
        "flag": st.booleans,
        "text": lambda: st.one_of(TEXT, JSON_INTS, decimals(), FLOATS),
        "open_enum": lambda: open_enum(kind.detail),
        "day": lambda: st.one_of(st.dates(), DAY_TEXT),
        "moment": lambda: st.one_of(MOMENTS, st.dates(), MOMENTS.map(datetime.isoformat)),
        "sell_date": lambda: st.one_of(
            st.dates(), DAY_TEXT, YEAR_MONTHS, YEAR_MONTHS.map(str), st.just("off")
        ),
        "credential": lambda: st.one_of(TEXT, TEXT.map(Secret)),
        "list": lambda: st.one_of(
            st.lists(natural(kind.detail, depth + 1), max_size=3),
            st.lists(natural(kind.detail, depth + 1), max_size=3).map(tuple),
        ),
        "child": lambda: st.one_of(
            st.dictionaries(WORD, st.one_of(TEXT, JSON_INTS, st.booleans()), max_size=2),
            drafts(kind.detail, depth + 1),
        ),
        "mapping": lambda: st.dictionaries(WORD, st.one_of(TEXT, JSON_INTS), max_size=3),
    }[kind.name]()
    if kind.nullable:
        extra = [st.none()]
        if kind.name in ("decimal", "integer"):
            extra.append(st.sampled_from(["", " "]))
        if kind.name in ("day", "moment", "sell_date"):
            extra.append(st.sampled_from(["", "null"]))
        base = st.one_of(base, *extra)
    return base


@functools.cache
def drafts(cls: type[Draft], depth: int = 0) -> st.SearchStrategy[Draft]:
    fields = fields_of(cls)
    if depth > 2:
        return st.just(cls())
    names = sorted(fields)

    @st.composite
    def build(draw: st.DrawFn) -> Draft:
        chosen = draw(st.sets(st.sampled_from(names), max_size=8 if depth else 25))
        return cls(**{name: draw(natural(fields[name], depth)) for name in sorted(chosen)})

    return build()


@pytest.mark.parametrize("draft", ALL_DRAFTS, ids=lambda cls: cls.__name__)
def test_every_value_a_field_takes_is_written_as_before(draft: type[Draft]) -> None:
    @FAST
    @given(drafts(draft))
    def check(instance: Draft) -> None:
        assert to_wire(instance) == as_before(instance)

    check()


def test_a_typical_invoice_draft_is_written_as_before() -> None:
    # Checked once against the converter before drafts were checked: the same document.
    draft = InvoiceDraft(
        kind=InvoiceKind.VAT,
        issue_date=date(2026, 11, 22),
        sell_date=YearMonth(2026, 11),
        payment_to="2026-11-29",
        payment_to_kind=7,
        paid="12,50",
        exchange_currency_rate=4.1234,
        buyer_name="Klient ABC",
        buyer_post_code=30001,
        buyer_company=True,
        client_id="45",
        invoice_ids=(1, 2),
        procedure_designations=[models_package.ProcedureDesignation.MPP, "SW"],
        calculating_strategy={"position": "default"},
        positions=[
            PositionDraft(name="A", quantity=2, price_net=Decimal("100.00"), tax=23),
            PositionDraft(name="B", quantity="1,5", tax="zw", discount=None),
            {"name": "C", "quantity": Decimal("1E+1"), "tax": UNSET},
        ],
    )
    assert to_wire(draft) == {
        "kind": "vat",
        "issue_date": "2026-11-22",
        "sell_date": "2026-11",
        "payment_to": "2026-11-29",
        "payment_to_kind": 7,
        "paid": "12,50",
        "exchange_currency_rate": "4.1234",
        "buyer_name": "Klient ABC",
        "buyer_post_code": 30001,
        "buyer_company": True,
        "client_id": "45",
        "invoice_ids": [1, 2],
        "procedure_designations": ["MPP", "SW"],
        "calculating_strategy": {"position": "default"},
        "positions": [
            {"name": "A", "quantity": 2, "price_net": "100.00", "tax": 23},
            {"name": "B", "quantity": "1,5", "tax": "zw", "discount": None},
            {"name": "C", "quantity": "10"},
        ],
    }


def test_the_few_values_now_written_otherwise() -> None:
    # An integral float id (pandas reads an id column with gaps as floats) is the int it is,
    # not the text "45.0"; an int past 64 bits in a money field is decimal text (the JSON
    # codec takes no such integer), and a generator of items is a list, not an object the
    # codec cannot encode.
    assert to_wire(InvoiceDraft(client_id=45.0, invoice_ids=[1.0, Decimal(2)])) == {
        "client_id": 45,
        "invoice_ids": [1, 2],
    }
    assert to_wire(PositionDraft(quantity=2**70)) == {"quantity": str(2**70)}
    # An integral Decimal id, once its text, is the int too: the same id to the server.
    assert to_wire(InvoiceDraft(client_id=Decimal("45"), invoice_ids=[Decimal("1E+2")])) == {
        "client_id": 45,
        "invoice_ids": [100],
    }
    assert to_wire(ProductDraft(tag_list=(tag for tag in ["a", "b"]))) == {"tag_list": ["a", "b"]}


def test_blank_and_null_text_are_taken_where_none_is() -> None:
    assert to_wire(InvoiceDraft(paid="", client_id=" ", paid_date="")) == {
        "paid": "",
        "client_id": " ",
        "paid_date": "",
    }
    # What the docs send for a recurring definition without an end.
    assert to_wire(RecurringDraft(end_date="null")) == {"end_date": "null"}


@attrs.define(kw_only=True)
class WeighedPositionDraft(PositionDraft):
    """A draft subclassed outside invoceanio, with a field of a type no rule knows."""

    weight: float | Unset = UNSET


def test_a_field_of_a_type_no_rule_knows_is_written_as_before_and_the_rest_checked() -> None:
    assert to_wire(WeighedPositionDraft(weight=1.5, quantity=2)) == {"quantity": 2, "weight": "1.5"}
    assert refusal(lambda: WeighedPositionDraft(quantity=True)).startswith(
        "WeighedPositionDraft.quantity: "
    )
    assert to_wire(InvoiceDraft(positions=[WeighedPositionDraft(name="A")])) == {
        "positions": [{"name": "A"}]
    }


def test_extra_stays_free_form() -> None:
    draft = PositionDraft(extra={"quantity": True, "_destroy": 1, "odd": [1, "x"]})
    assert to_wire(draft) == {"quantity": True, "_destroy": 1, "odd": [1, "x"]}


# --- Through the client: nothing is sent -------------------------------------------------


async def test_a_refused_draft_is_a_configuration_error_and_nothing_is_sent() -> None:
    recorder = Recorder(json_response(201, invoice_payload(id=7)))
    io = make_client(recorder)
    draft = InvoiceDraft(buyer_name="A", positions=[PositionDraft(name="X", quantity=True)])

    with pytest.raises(ConfigurationError) as caught:
        await io.invoices.create(draft)

    assert str(caught.value) == (
        "cannot write this Invoice: InvoiceDraft.positions[0]: PositionDraft.quantity: expected "
        'a number (a Decimal, an int, a float, or text such as "12.50"), got a boolean True'
    )
    assert recorder.requests == []
    with pytest.raises(ConfigurationError, match=r"PaymentDraft\.invoice_ids"):
        await io.payments.create(PaymentDraft(price=Decimal(10), invoice_ids="45"))
    with pytest.raises(ConfigurationError, match=r"InvoiceDraft\.issue_date"):
        await io.invoices.update(7, InvoiceDraft(issue_date=20261124))
    assert recorder.requests == []


async def test_a_draft_that_is_taken_goes_out_as_written() -> None:
    recorder = Recorder(json_response(201, invoice_payload(id=7)))
    io = make_client(recorder)

    await io.invoices.create(InvoiceDraft(buyer_name="A", positions=[PositionDraft(quantity=2)]))

    (request,) = recorder.requests
    assert body_json(request)["invoice"] == {"buyer_name": "A", "positions": [{"quantity": 2}]}


async def test_create_many_fails_a_refused_draft_alone_and_goes_on() -> None:
    recorder = Recorder(json_response(201, invoice_payload(id=7, oid="O-2")))
    io = make_client(recorder)
    bad = InvoiceDraft(oid="O-1", buyer_name="A", positions=[PositionDraft(tax=True)])
    good = InvoiceDraft(oid="O-2", buyer_name="B", positions=[PositionDraft(tax=Decimal(23))])

    report = await io.invoices.create_many([bad, good], concurrency=1)

    assert (report.created, report.failed) == (1, 1)
    (failure,) = report.failures
    assert failure.oid == "O-1" and failure.error is not None
    assert "InvoiceDraft.positions[0]: PositionDraft.tax: " in failure.error
    (request,) = recorder.requests
    assert body_json(request)["invoice"]["oid"] == "O-2"


def test_every_exported_draft_is_covered() -> None:
    assert len(ALL_DRAFTS) >= 22
    assert all(fields_of(draft) for draft in ALL_DRAFTS)
    kinds = {kind.name for draft in ALL_DRAFTS for kind in fields_of(draft).values()}
    assert kinds == set(WRONG), kinds
