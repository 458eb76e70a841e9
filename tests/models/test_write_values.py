"""What a write sends for values that are not the wire's own types (audit findings, 2026-12).

- ``UNSET`` means "leave this field out" on a draft's named fields; inside a plain dict, a
  draft's ``extra`` or a dict position it must mean the same, never the text "UNSET".
- Money goes out as decimal text, never as a float: a float in a dict or a draft keeps its
  shortest spelling without exponent notation, and a model's money field holding a float,
  an int or text (``attrs.evolve`` checks no types) is not rounded to 6 places.
- A value that cannot be written is refused with ConfigurationError before anything is sent.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoceanio import ConfigurationError, InvoiceOcean
from invoceanio.http import Request
from invoceanio.models import UNSET, Invoice, InvoiceDraft, PositionDraft, structure, to_wire
from invoceanio.transport import MockTransport
from tests.support import json_response

READ = {
    "id": 1,
    "price_net": "100.00",
    "exchange_rate": "4.1234",
    "positions": [{"id": 5, "quantity": "1.0", "tax": "23"}],
}


async def _sent(fmt: str, call: Any) -> Request:
    transport = MockTransport(lambda _: json_response(200, READ))
    async with InvoiceOcean(prefix="acme", api_token="tok", transport=transport, format=fmt) as io:
        await call(io)
    (request,) = transport.requests
    return request


def test_unset_in_a_dict_is_left_out_at_every_depth() -> None:
    sent = to_wire(
        {
            "buyer_name": "ACME",
            "buyer_note": UNSET,
            "positions": [{"name": "A", "tax": UNSET}],
            "correction_after_attributes": {"price_net": UNSET, "name": "B"},
        }
    )
    assert sent == {
        "buyer_name": "ACME",
        "positions": [{"name": "A"}],
        "correction_after_attributes": {"name": "B"},
    }


def test_unset_in_a_drafts_extra_and_dict_positions_is_left_out() -> None:
    draft = InvoiceDraft(
        buyer_name="ACME",
        extra={"exchange_rate": UNSET, "kept": "1"},
        positions=[
            {"name": "A", "tax": UNSET},
            PositionDraft(name="B", correction_after_attributes={"price_net": UNSET}),
        ],
    )
    assert to_wire(draft) == {
        "buyer_name": "ACME",
        "kept": "1",
        "positions": [{"name": "A"}, {"name": "B", "correction_after_attributes": {}}],
    }


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_an_update_with_unset_in_a_dict_never_sends_the_text_unset(fmt: str) -> None:
    note: str | None = None
    request = await _sent(
        fmt, lambda io: io.invoices.update(1, {"buyer_name": "ACME", "buyer_note": note or UNSET})
    )
    assert request.body is not None
    assert b"UNSET" not in request.body and b"buyer_note" not in request.body
    assert b"ACME" in request.body


@pytest.mark.parametrize("value", [[UNSET], {"positions": [UNSET]}])
async def test_unset_where_it_cannot_mean_left_out_is_refused_before_sending(value: Any) -> None:
    transport = MockTransport(lambda _: json_response(200, READ))
    async with InvoiceOcean(prefix="acme", api_token="tok", transport=transport) as io:
        with pytest.raises(ConfigurationError, match="UNSET"):
            await io.invoices.update(1, {"buyer_name": "A", "tags": value})
    assert transport.requests == []


def test_floats_in_write_data_go_out_as_decimal_text_without_exponent() -> None:
    assert to_wire({"paid": 0.1 + 0.2, "positions": [{"quantity": 1e-7}, {"quantity": 2.5}]}) == {
        "paid": "0.30000000000000004",
        "positions": [{"quantity": "0.0000001"}, {"quantity": "2.5"}],
    }
    draft = InvoiceDraft(paid=0.1, positions=[PositionDraft(quantity=1e-7)])  # type: ignore[arg-type]
    assert to_wire(draft) == {"paid": "0.1", "positions": [{"quantity": "0.0000001"}]}


def test_a_models_money_field_holding_a_float_int_or_text_is_not_rounded() -> None:
    invoice = structure(READ, Invoice)
    changed = attrs.evolve(
        invoice,
        exchange_rate=4.1234567,
        paid=100,
        price_net="12.50",
        positions=(attrs.evolve(invoice.positions[0], quantity=0.0000004),),
    )
    sent = to_wire(changed)
    assert sent["exchange_rate"] == "4.1234567"
    assert sent["paid"] == "100"
    assert sent["price_net"] == "12.50"
    assert sent["positions"][0]["quantity"] == "0.0000004"


@pytest.mark.parametrize(
    "changes",
    [{"paid": float("nan")}, {"paid": float("inf")}],
)
async def test_a_non_finite_float_is_refused_before_sending(changes: dict[str, Any]) -> None:
    transport = MockTransport(lambda _: json_response(200, READ))
    async with InvoiceOcean(prefix="acme", api_token="tok", transport=transport) as io:
        with pytest.raises(ConfigurationError, match="finite"):
            await io.invoices.update(1, changes)
    assert transport.requests == []


async def test_text_that_is_no_number_in_a_models_money_field_is_refused() -> None:
    invoice = attrs.evolve(structure(READ, Invoice), paid="abc")
    transport = MockTransport(lambda _: json_response(200, READ))
    async with InvoiceOcean(prefix="acme", api_token="tok", transport=transport) as io:
        with pytest.raises(ConfigurationError, match="not a decimal"):
            await io.invoices.update(1, invoice)
    assert transport.requests == []


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_every_finite_float_is_sent_as_text_that_reads_back_as_the_same_float(
    value: float,
) -> None:
    sent = to_wire({"paid": value})["paid"]
    assert isinstance(sent, str) and "e" not in sent.lower()
    assert float(Decimal(sent)) == value
    # What reaches the server is a JSON string, never a JSON number.
    assert json.loads(json.dumps({"paid": sent})) == {"paid": sent}
