"""Property tests: a model survives model -> wire -> bytes -> wire -> model, in JSON and in XML.

The strategies are derived from each class's attrs fields and their resolved type hints, so a
field added to ``Invoice``, ``Position`` or ``Client`` is covered automatically, and a field of a
type the strategies do not know fails ``test_every_field_type_has_a_strategy`` instead of being
silently skipped.

Text: any Unicode character XML 1.0 can carry, which includes the XML specials ``<>&"'``,
tab, newline, carriage return and U+007F-U+009F, but not the other C0 control characters
(U+0000-U+001F), surrogates or the non-characters U+FFFE/U+FFFF: XML 1.0 cannot represent those
at all, not even as character references, so the XML codec refuses them (its own tests prove it)
and no value the API sends in XML can hold them.

A second direction checks realistic API payloads: JSON -> model -> JSON keeps every key that was
present with a meaningful value.
"""

from __future__ import annotations

import string
import typing
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from invoceanio.codecs import JsonCodec, XmlCodec
from invoceanio.codecs.base import Codec
from invoceanio.models import (
    Client,
    ClientKind,
    DiscountKind,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    Position,
    YearMonth,
    structure,
    to_wire,
)
from invoceanio.models.base import Model
from invoceanio.models.values import OpenStrEnum
from tests.support import invoice_payload

FAST = settings(max_examples=100, deadline=None)
CODECS: list[Codec] = [JsonCodec(), XmlCodec()]

# Cc: control characters, Cs: surrogates, Cn: unassigned code points and non-characters.
# Of the controls, XML allows tab, newline, carriage return and U+007F-U+009F: those are back in.
XML_CONTROLS = "\t\n\r" + "".join(map(chr, range(0x7F, 0xA0)))
ALPHABET = st.characters(exclude_categories=("Cc", "Cs", "Cn"), include_characters=XML_CONTROLS)
TEXT = st.one_of(
    st.text(alphabet=ALPHABET, max_size=20),
    st.text(alphabet=string.ascii_letters + string.digits + " <>&\"'\r\n", max_size=20),
)
WORD = st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=12)

# Fixed offsets: whole-minute offsets as the API sends them, east and west of UTC.
OFFSETS = [timezone(timedelta(minutes=m)) for m in (0, 60, 120, -300, 330, 345, -570, 840)]

TAX_CODES = ("zw", "np", "oo", "disabled")


def decimals() -> st.SearchStrategy[Decimal]:
    """Finite decimals with the places money, quantities and rates use."""
    return st.one_of(
        *(
            st.decimals(
                allow_nan=False,
                allow_infinity=False,
                places=places,
                min_value=-(10**9),
                max_value=10**9,
            )
            for places in (0, 1, 2, 4)
        )
    )


def open_enum(enum_type: type[OpenStrEnum]) -> st.SearchStrategy[Any]:
    """Known members and values the SDK has never heard of (they must stay plain strings)."""
    return st.one_of(st.sampled_from(list(enum_type)), WORD, TEXT)


TAX = st.one_of(
    decimals(),
    st.sampled_from(TAX_CODES),
    # Any other code: text that does not read as a number and has no padding to strip.
    st.from_regex(r"[a-z][a-z_]{0,10}", fullmatch=True),
)

YEAR_MONTHS = st.builds(YearMonth, st.integers(1, 9999), st.integers(1, 12))
DATETIMES = st.datetimes(timezones=st.sampled_from(OFFSETS))
INTS = st.integers(-(2**63), 2**63 - 1)

SCALARS: dict[Any, st.SearchStrategy[Any]] = {
    int: INTS,
    str: TEXT,
    bool: st.booleans(),
    Decimal: decimals(),
    date: st.dates(),
    datetime: DATETIMES,
}

# JSON-shaped scalars for unknown fields: they are passed through untouched.
EXTRA_VALUES = st.one_of(TEXT, INTS, st.booleans(), st.none())


def _members(hint: Any) -> frozenset[Any]:
    if typing.get_origin(hint) in (typing.Union, type(int | str)):
        return frozenset(typing.get_args(hint))
    return frozenset({hint})


def strategy_for(hint: Any) -> st.SearchStrategy[Any]:
    """The values a field of this type may hold; raises for a type not covered here."""
    members = _members(hint)
    base: st.SearchStrategy[Any]
    rest = members - {type(None)}
    if rest == {Decimal, str}:
        base = TAX
    elif rest == {date, YearMonth}:
        base = st.one_of(st.dates(), YEAR_MONTHS)
    elif len(rest) == 2 and str in rest:
        (enum_type,) = rest - {str}
        if not (isinstance(enum_type, type) and issubclass(enum_type, OpenStrEnum)):
            raise TypeError(f"no strategy for {hint!r}")
        base = open_enum(enum_type)
    elif len(rest) == 1:
        (only,) = rest
        if only in SCALARS:
            base = SCALARS[only]
        elif typing.get_origin(only) is tuple:
            item, ellipsis = typing.get_args(only)
            assert ellipsis is Ellipsis
            items = models(item, max_fields=None) if item is Position else strategy_for(item)
            base = st.lists(items, max_size=3).map(tuple)
        else:
            raise TypeError(f"no strategy for {hint!r}")
    else:
        raise TypeError(f"no strategy for {hint!r}")
    return st.one_of(st.none(), base) if type(None) in members else base


def field_strategies(cls: type[Model]) -> dict[str, st.SearchStrategy[Any]]:
    hints = typing.get_type_hints(cls)
    return {
        field.name: strategy_for(hints[field.name])
        for field in attrs.fields(cls)
        if field.name != "extra"
    }


def extra_for(cls: type[Model]) -> st.SearchStrategy[dict[str, Any]]:
    names = {field.name for field in attrs.fields(cls)}
    keys = WORD.filter(lambda key: key not in names)
    return st.dictionaries(keys, EXTRA_VALUES, max_size=4)


def models(cls: type[Model], max_fields: int | None = None) -> st.SearchStrategy[Any]:
    """Instances of ``cls`` with a random subset of fields set (all of them at most)."""
    fields = field_strategies(cls)

    @st.composite
    def build(draw: st.DrawFn) -> Any:
        chosen = draw(st.sets(st.sampled_from(sorted(fields)), max_size=max_fields))
        values = {name: draw(fields[name]) for name in sorted(chosen)}
        return cls(**values, extra=draw(extra_for(cls)))

    return build()


def full_models(cls: type[Model]) -> st.SearchStrategy[Any]:
    """Instances of ``cls`` with every field drawn (most of them set)."""
    return st.builds(
        lambda extra, **values: cls(**values, extra=extra),
        extra=extra_for(cls),
        **field_strategies(cls),
    )


def through(codec: Codec, root: str, data: Any) -> Any:
    """Encode ``{root: data}`` as a document and decode it back to ``data``.

    The JSON codec returns the whole document; the XML codec returns the root element's
    content (the root is only an envelope), so the wrapper is removed for JSON only.
    """
    decoded = codec.decode(codec.encode({root: data}))
    if isinstance(codec, JsonCodec):
        assert isinstance(decoded, dict)
        assert list(decoded) == [root]
        return decoded[root]
    return decoded


def floats_in(value: Any) -> list[float]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in floats_in(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in floats_in(item)]
    return [value] if isinstance(value, float) else []


OPEN_ENUM_FIELDS: dict[type[Model], dict[str, type[OpenStrEnum]]] = {}


def open_enum_fields(cls: type[Model]) -> dict[str, type[OpenStrEnum]]:
    """The fields of ``cls`` typed ``SomeEnum | str | None``, with their enum (cached)."""
    if cls not in OPEN_ENUM_FIELDS:
        OPEN_ENUM_FIELDS[cls] = {
            name: member
            for name, hint in typing.get_type_hints(cls).items()
            for member in _members(hint)
            if isinstance(member, type) and issubclass(member, OpenStrEnum)
        }
    return OPEN_ENUM_FIELDS[cls]


def assert_same(decoded: Any, original: Any) -> None:
    assert decoded == original
    # Equal by value is not enough: the kind of each value must survive too (a tax code stays
    # a str, a rate a Decimal, a month a YearMonth; an enum value is a member iff it is known).
    enums = open_enum_fields(type(original))
    for field in attrs.fields(type(original)):
        before, after = getattr(original, field.name), getattr(decoded, field.name)
        if field.name in enums and before is not None:
            expected = enums[field.name].parse(before)
            if isinstance(expected, OpenStrEnum):
                assert after is expected
            else:
                assert type(after) is str
        elif isinstance(before, str):
            assert type(after) is str
        elif isinstance(before, YearMonth | Decimal | datetime | date | bool | int):
            assert type(after) is type(before)


def round_trips(cls: type[Model], root: str, model: Any) -> None:
    """``model`` -> wire -> bytes -> wire -> model gives it back, in every codec."""
    wire = to_wire(model)
    assert floats_in(wire) == []  # money and rates travel as text, never as binary floats
    for codec in CODECS:
        back = structure(through(codec, root, wire), cls)
        assert_same(back, model)
        for before, after in zip(
            getattr(model, "positions", ()), getattr(back, "positions", ()), strict=True
        ):
            assert_same(after, before)


# --- the strategies themselves ------------------------------------------------------------


@pytest.mark.parametrize("cls", [Invoice, Position, Client])
def test_every_field_type_has_a_strategy(cls: type[Model]) -> None:
    strategies = field_strategies(cls)
    assert set(strategies) == {f.name for f in attrs.fields(cls)} - {"extra"}


def test_unknown_types_are_refused_by_the_strategy_builder() -> None:
    with pytest.raises(TypeError):
        strategy_for(complex)
    with pytest.raises(TypeError):
        strategy_for(int | float)


# --- model -> wire -> bytes -> wire -> model ----------------------------------------------


@FAST
@given(invoice=models(Invoice))
def test_an_invoice_survives_a_round_trip(invoice: Invoice) -> None:
    round_trips(Invoice, "invoice", invoice)


@settings(FAST, max_examples=30)
@given(invoice=full_models(Invoice))
def test_an_invoice_with_every_field_drawn_survives_a_round_trip(invoice: Invoice) -> None:
    round_trips(Invoice, "invoice", invoice)


@FAST
@given(position=models(Position))
def test_a_position_survives_a_round_trip(position: Position) -> None:
    round_trips(Position, "position", position)


@FAST
@given(client=st.one_of(models(Client), full_models(Client)))
def test_a_client_survives_a_round_trip(client: Client) -> None:
    round_trips(Client, "client", client)


@settings(FAST, max_examples=50)
@given(invoices=st.lists(models(Invoice, max_fields=6), max_size=3))
def test_a_page_of_invoices_survives_a_round_trip(invoices: list[Invoice]) -> None:
    # A list page: a bare array in JSON, <invoices type="array"> in XML.
    for codec in CODECS:
        decoded = through(codec, "invoices", [to_wire(invoice) for invoice in invoices])
        assert [structure(item, Invoice) for item in decoded] == invoices


@FAST
@given(
    kind=open_enum(InvoiceKind),
    status=open_enum(InvoiceStatus),
    discount_kind=open_enum(DiscountKind),
    client_kind=open_enum(ClientKind),
)
def test_open_enums_keep_known_members_and_unknown_strings(
    kind: Any, status: Any, discount_kind: Any, client_kind: Any
) -> None:
    invoice = structure(
        to_wire(Invoice(kind=kind, status=status, discount_kind=discount_kind)), Invoice
    )
    client = structure(to_wire(Client(kind=client_kind)), Client)
    for before, after, enum_type in [
        (kind, invoice.kind, InvoiceKind),
        (status, invoice.status, InvoiceStatus),
        (discount_kind, invoice.discount_kind, DiscountKind),
        (client_kind, client.kind, ClientKind),
    ]:
        assert after == before
        known = {member.value for member in enum_type}
        assert isinstance(after, enum_type) == (before in known)


# --- realistic payloads: JSON -> model -> JSON ---------------------------------------------

OVERRIDES: dict[str, st.SearchStrategy[Any]] = {
    "id": st.one_of(st.integers(1, 10**12), st.integers(1, 10**12).map(str)),
    "kind": st.sampled_from(["vat", "proforma", "correction", "kind_from_the_future"]),
    "income": st.sampled_from([True, False, "1", "0", "yes", "no"]),
    "sell_date": st.sampled_from(["2026-11", "2026-11-22", ""]),
    "paid_date": st.sampled_from(["", None, "2026-11-23", "2026-11-23T09:15:00.000+01:00"]),
    "price_net": st.sampled_from(["100.0", "59,00", "0.0", 89, "1234567.89"]),
    "exchange_rate": st.sampled_from(["1.0", "4.3215", None]),
    "show_discount": st.sampled_from(["0", "1", False]),
    "gov_ksef_number": st.sampled_from(["1234567890-20261122-ABCDEF-01", None]),
    "connected_payments": st.sampled_from([[], [{"id": 1, "price": "10.0"}]]),
}


@FAST
@given(
    overrides=st.fixed_dictionaries({}, optional=OVERRIDES),
    tax=st.sampled_from(["23", "8", "0", "zw", "np", "oo", "disabled"]),
)
def test_a_realistic_payload_keeps_every_meaningful_key(
    overrides: dict[str, Any], tax: str
) -> None:
    payload = invoice_payload(**overrides)
    payload["positions"][0]["tax"] = tax
    invoice = structure(payload, Invoice)
    wire = to_wire(invoice)
    # Null and blank values are the only ones that may disappear ("" is how the API spells
    # "no date"; it reads as None and is not sent back).
    kept = {key for key, value in payload.items() if value is not None and value != ""}
    assert kept <= set(wire)
    assert set(wire) <= set(payload)
    # Every kept value means the same thing after the trip.
    assert structure(wire, Invoice) == invoice
    for key in kept:
        assert structure({key: wire[key]}, Invoice) == structure({key: payload[key]}, Invoice)
    # Money the API sent with a dot comes back as the very same text.
    for key in ("price_net", "price_gross", "price_tax", "exchange_rate"):
        if isinstance(payload.get(key), str) and "," not in payload[key]:
            assert wire[key] == payload[key]
    assert wire["positions"][0]["tax"] == tax
    assert floats_in(wire) == []


def test_the_support_payload_itself_round_trips_through_both_codecs() -> None:
    invoice = structure(invoice_payload(), Invoice)
    assert invoice.positions[0].tax == Decimal("23")
    assert invoice.paid_date is None
    for codec in CODECS:
        assert structure(through(codec, "invoice", to_wire(invoice)), Invoice) == invoice
