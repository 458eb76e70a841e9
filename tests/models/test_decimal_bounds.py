"""A decimal whose first digit is more than MAX_DECIMAL_EXPONENT places from the point is
refused, read or written: finite, it is still no amount, and written out (the API takes no
exponent notation) ``1e999999999`` would be a billion digits, built in memory before sending."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from invoceanio import ConfigurationError, DecodeError
from invoceanio.models import Invoice, structure, to_wire
from invoceanio.models.converter import MAX_DECIMAL_EXPONENT, decimal_text, structure_decimal
from tests.support import Recorder, invoice_payload, json_response, make_client

TOO_FAR = [
    "1e999999999999999999",
    "1E+1001",
    "-9.5e1001",
    "1e-1001",
    "0E-5000",
    Decimal("1e999999999"),
    10**1001,
]


@pytest.mark.parametrize("value", TOO_FAR, ids=[f"{v!s:.20}" for v in TOO_FAR])
def test_out_of_range_decimals_are_refused_when_read(value: Any) -> None:
    with pytest.raises(ValueError, match="places from the"):
        structure_decimal(value)


@pytest.mark.parametrize("value", TOO_FAR, ids=[f"{v!s:.20}" for v in TOO_FAR])
def test_out_of_range_decimals_are_refused_when_written(value: Any) -> None:
    with pytest.raises(ValueError, match="places from the"):
        decimal_text(value)


@pytest.mark.parametrize(
    "value", ["1E+1000", "-1e1000", "1e-1000", "9.99E+50", "0.000001", "12345678901234.56"]
)
def test_large_and_small_numbers_within_the_bound_still_read_and_write(value: str) -> None:
    number = structure_decimal(value)
    assert number == Decimal(value)
    assert Decimal(decimal_text(number)) == number


def test_the_bound_is_a_thousand_places() -> None:
    assert MAX_DECIMAL_EXPONENT == 1000


async def test_a_create_with_such_an_amount_is_refused_before_sending() -> None:
    recorder = Recorder(json_response(201, invoice_payload(id=1)))
    io = make_client(recorder)
    draft = {
        "buyer_name": "ACME",
        "positions": [{"name": "A", "quantity": 1, "total_price_gross": Decimal("1e999999999")}],
    }

    with pytest.raises(ConfigurationError, match="places from the"):
        await io.invoices.create(draft)

    assert recorder.requests == []


async def test_an_answer_with_such_an_amount_is_a_decode_error() -> None:
    recorder = Recorder(json_response(200, invoice_payload(id=1, price_gross="1e999999999")))
    io = make_client(recorder)

    with pytest.raises(DecodeError):
        await io.invoices.get(1)


def test_a_model_holding_one_cannot_be_written_back() -> None:
    invoice = structure(invoice_payload(id=1), Invoice)
    import attrs

    changed = attrs.evolve(invoice, price_gross=Decimal("1e999999999"))
    with pytest.raises(ValueError, match="places from the"):
        to_wire(changed)
