"""Property tests: a model survives model -> wire -> bytes -> wire -> model, in JSON and in XML.

The strategies (``tests/strategies.py``) are derived from each class's attrs fields and their
resolved type hints, so a field added to ``Invoice``, ``Position`` or ``Client`` is covered
automatically, and a field of a type the strategies do not know fails
``test_every_field_type_has_a_strategy`` instead of being silently skipped. Every other model's
round trip is in ``tests/models/test_roundtrip_models.py``.

A second direction checks realistic API payloads: JSON -> model -> JSON keeps every key that was
present with a meaningful value.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from invoceanio.models import (
    Client,
    ClientKind,
    DiscountKind,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    Position,
    structure,
    to_wire,
)
from invoceanio.models.base import Model
from tests.strategies import (
    CODECS,
    FAST,
    field_strategies,
    floats_in,
    full_models,
    models,
    open_enum,
    round_trips,
    strategy_for,
    through,
)
from tests.support import invoice_payload

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
    round_trips(Invoice, invoice)


@settings(FAST, max_examples=30)
@given(invoice=full_models(Invoice))
def test_an_invoice_with_every_field_drawn_survives_a_round_trip(invoice: Invoice) -> None:
    round_trips(Invoice, invoice)


@FAST
@given(position=models(Position))
def test_a_position_survives_a_round_trip(position: Position) -> None:
    round_trips(Position, position)


@FAST
@given(client=st.one_of(models(Client), full_models(Client)))
def test_a_client_survives_a_round_trip(client: Client) -> None:
    round_trips(Client, client)


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
