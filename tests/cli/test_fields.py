"""The field table the formats share: every name is a real field of the SDK's models (a typo
would make a column the API silently ignores), and the value readers accept what the API
accepts and refuse, with a message naming the value, what it would refuse."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import attrs
import pytest

from invoceanio.formats import CSV_COLUMNS, CSV_EXPORT_COLUMNS, KEY_COLUMN
from invoceanio.formats.fields import INVOICE_FIELDS, POSITION_FIELDS, POSITION_PREFIX
from invoceanio.models.invoice import Invoice, InvoiceDraft, Position, PositionDraft
from invoceanio.models.values import YearMonth


def names(*classes: type[Any]) -> set[str]:
    return {field.name for cls in classes for field in attrs.fields(cls)}


def test_every_invoice_field_is_a_field_of_the_invoice_models() -> None:
    assert set(INVOICE_FIELDS) <= names(Invoice, InvoiceDraft)
    # position_name is InvoiceDraft's advance-invoice instruction, and would clash with the
    # CSV column of the positions' names.
    assert "position_name" not in INVOICE_FIELDS


def test_every_position_field_is_a_field_of_the_position_models() -> None:
    assert set(POSITION_FIELDS) <= names(Position, PositionDraft)


def test_csv_columns_are_the_key_the_invoice_fields_and_the_prefixed_position_fields() -> None:
    assert CSV_COLUMNS[0] == KEY_COLUMN
    assert len(set(CSV_COLUMNS)) == len(CSV_COLUMNS)
    assert set(CSV_COLUMNS) == {
        KEY_COLUMN,
        *INVOICE_FIELDS,
        *(POSITION_PREFIX + name for name in POSITION_FIELDS),
    }
    assert set(CSV_EXPORT_COLUMNS) < set(CSV_COLUMNS)


@pytest.mark.parametrize(
    ("field", "raw", "value"),
    [
        ("paid", "59,00", Decimal("59.00")),
        ("paid", " 59.00 ", Decimal("59.00")),
        ("paid", 5, Decimal(5)),
        ("paid", "", None),
        ("issue_date", "2026-11-23", date(2026, 11, 23)),
        ("sell_date", "2026-11", YearMonth(2026, 11)),
        ("sell_date", "off", "off"),
        ("income", "0", False),
        ("income", "TRUE", True),
        ("client_id", "42", 42),
        ("currency", "eur", "EUR"),
        ("payment_to_kind", "14", 14),
        ("payment_to_kind", "other_date", "other_date"),
        ("kind", "vat", "vat"),
        ("payment_type", "przelew 7 dni", "przelew 7 dni"),  # free text, as the API takes
    ],
)
def test_invoice_values(field: str, raw: Any, value: Any) -> None:
    assert INVOICE_FIELDS[field](raw) == value


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("23", Decimal(23)),
        ("8,5", Decimal("8.5")),
        (0, Decimal(0)),
        ("zw", "zw"),
        ("NP", "NP"),
        ("nie podlega", "nie podlega"),
        ("oo", "oo"),
        ("disabled", "disabled"),
    ],
)
def test_tax_is_a_rate_or_a_code(raw: Any, value: Any) -> None:
    assert POSITION_FIELDS["tax"](raw) == value


@pytest.mark.parametrize("raw", ["-1", "100.01", "23%", "vat", True, [23]])
def test_other_taxes_are_refused(raw: Any) -> None:
    with pytest.raises(ValueError, match="is not a tax rate"):
        POSITION_FIELDS["tax"](raw)


def test_a_long_bad_value_is_cut_short_in_the_message() -> None:
    with pytest.raises(ValueError) as info:
        INVOICE_FIELDS["paid"]("x" * 500)
    assert len(str(info.value)) < 100
