"""The sandbox pricing engine prices positions and invoices the way the service does.

Worked examples with hand-checked numbers (net and gross bases, tax codes, HALF_UP ties at the
position level, comma decimals, every discount kind, corrections, settlements), each validation
error with the field it names, and properties over random positions: totals add up exactly,
invoice totals are the sums of the position totals, a correction is the exact negation of the
sale, and pricing a priced position again keeps its totals.
"""

from __future__ import annotations

import copy
import re
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from invoceanio.sandbox.pricing import (
    PricingError,
    amount_due,
    price_invoice,
    price_position,
    tax_rate,
)

MONEY_FIELDS = (
    "price_net",
    "price_gross",
    "price_tax",
    "total_price_net",
    "total_price_gross",
    "total_price_tax",
)


def price(position: dict[str, Any], kind: str | None = None) -> dict[str, Any]:
    return price_position(position, show_discount=kind is not None, discount_kind=kind)


def money(result: dict[str, Any]) -> tuple[str, ...]:
    return tuple(result[field] for field in MONEY_FIELDS)


# --- tax rates -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tax", "rate"),
    [
        ("23", Decimal(23)),
        (23, Decimal(23)),
        (8.0, Decimal(8)),
        (Decimal("5"), Decimal(5)),
        ("5,5", Decimal("5.5")),
        (" 0 ", Decimal(0)),
        ("zw", Decimal(0)),
        ("np", Decimal(0)),
        ("oo", Decimal(0)),
        ("disabled", Decimal(0)),
        ("ZW", Decimal(0)),
        ("NP", Decimal(0)),
        ("n/a", Decimal(0)),
        ("nie podlega", Decimal(0)),
        ("Not Applicable", Decimal(0)),
    ],
)
def test_tax_rate_reads_numbers_in_percent_and_codes_as_zero(tax: Any, rate: Decimal) -> None:
    assert tax_rate(tax) == rate


@pytest.mark.parametrize(
    "tax",
    ["vat", "-1", -5, "101", None, "", "  ", True, "NaN", "Infinity", "1_0", "\uff12\uff13", [23]],
)
def test_tax_rate_refuses_unknown_codes_and_impossible_rates(tax: Any) -> None:
    with pytest.raises(PricingError) as caught:
        tax_rate(tax)
    assert caught.value.field == "tax"
    assert isinstance(caught.value, ValueError)


# --- worked examples: bases and tax -------------------------------------------------------


def test_net_unit_price_at_23_percent() -> None:
    result = price({"name": "A", "price_net": "100", "quantity": 1, "tax": "23"})
    assert money(result) == ("100.00", "123.00", "23.00", "100.00", "123.00", "23.00")
    assert result["quantity"] == "1.0"
    assert result["tax"] == "23"
    assert result["name"] == "A"
    assert "discount" not in result


def test_gross_total_at_8_percent_derives_net_by_division() -> None:
    # 100 / 1.08 = 92.5925… -> 92.59; the tax is what is left of the gross.
    result = price({"total_price_gross": "100", "quantity": 1, "tax": 8})
    assert money(result) == ("92.59", "100.00", "7.41", "92.59", "100.00", "7.41")
    assert result["tax"] == "8"


def test_gross_unit_price_at_8_percent_with_comma_decimal() -> None:
    result = price({"price_gross": "54,00", "quantity": 2, "tax": "8"})
    assert money(result) == ("50.00", "54.00", "4.00", "100.00", "108.00", "8.00")


def test_documented_minimum_position_from_the_docs() -> None:
    # {"name":"Produkt A1", "tax":23, "total_price_gross":10.23, "quantity":1}: 10.23/1.23 = 8.317…
    result = price({"name": "Produkt A1", "tax": 23, "total_price_gross": 10.23, "quantity": 1})
    assert money(result) == ("8.32", "10.23", "1.91", "8.32", "10.23", "1.91")


def test_all_four_prices_given_total_gross_wins_and_the_rest_are_recomputed() -> None:
    # The docs' example sends all four with comma decimals; here the unit prices disagree with
    # the total, and the total gross is the one kept.
    result = price(
        {
            "quantity": "1",
            "tax": "23",
            "price_net": "1,00",
            "price_gross": "2,00",
            "total_price_net": "3,00",
            "total_price_gross": "72,57",
        }
    )
    assert money(result) == ("59.00", "72.57", "13.57", "59.00", "72.57", "13.57")


def test_net_unit_price_wins_over_gross_unit_and_net_total() -> None:
    result = price({"price_gross": "999", "total_price_net": "999", "price_net": "10", "tax": 0})
    assert money(result) == ("10.00", "10.00", "0.00", "10.00", "10.00", "0.00")


def test_net_total_alone_derives_the_unit_prices() -> None:
    result = price({"total_price_net": "30", "quantity": 4, "tax": "23"})
    # unit 7.50 net, 9.225 gross -> 9.23; tax on the total 6.90.
    assert money(result) == ("7.50", "9.23", "1.73", "30.00", "36.90", "6.90")


@pytest.mark.parametrize("code", ["zw", "np", "oo", "disabled", "NP"])
def test_tax_codes_carry_no_tax_and_come_back_as_sent(code: str) -> None:
    result = price({"price_net": "100", "quantity": 2, "tax": code})
    assert money(result) == ("100.00", "100.00", "0.00", "200.00", "200.00", "0.00")
    assert result["tax"] == code


def test_np_total_gross_over_two_units() -> None:
    result = price({"total_price_gross": 50, "quantity": 2, "tax": "np"})
    assert money(result) == ("25.00", "25.00", "0.00", "50.00", "50.00", "0.00")


def test_numeric_tax_comes_back_as_a_string() -> None:
    assert price({"price_net": 1, "tax": 0})["tax"] == "0"
    assert price({"price_net": 1, "tax": "5,5"})["tax"] == "5.5"
    assert price({"price_net": 1, "tax": Decimal("8")})["tax"] == "8"


# --- worked examples: rounding ------------------------------------------------------------


def test_half_cent_unit_price_rounds_up_not_to_even() -> None:
    # HALF_EVEN would give 0.00.
    result = price({"price_net": "0.005", "quantity": 1, "tax": 0})
    assert result["price_net"] == "0.01"
    assert result["total_price_net"] == "0.01"


def test_quantity_three_rounds_the_total_once_half_up() -> None:
    # 0.335 * 3 = 1.005 -> 1.01 (a rounded unit price 0.34 * 3 would give 1.02, HALF_EVEN 1.00).
    result = price({"price_net": "0.335", "quantity": 3, "tax": 0})
    assert money(result) == ("0.34", "0.34", "0.00", "1.01", "1.01", "0.00")
    assert result["quantity"] == "3.0"


def test_tax_tie_on_a_position_rounds_half_up() -> None:
    # 1.50 * 23% = 0.345 -> 0.35.
    result = price({"price_net": "1.50", "quantity": 1, "tax": 23})
    assert money(result) == ("1.50", "1.85", "0.35", "1.50", "1.85", "0.35")


def test_gross_total_over_quantity_three() -> None:
    # unit gross 10/3 = 3.33…; unit net 2.7100… -> 2.71; total net 10/1.23 = 8.1300… -> 8.13.
    result = price({"total_price_gross": "10", "quantity": 3, "tax": 23})
    assert money(result) == ("2.71", "3.33", "0.62", "8.13", "10.00", "1.87")


def test_xml_style_strings_total_over_quantity_three_at_zero_percent() -> None:
    result = price({"tax": "0", "total_price_gross": "10", "quantity": "3"})
    assert money(result) == ("3.33", "3.33", "0.00", "10.00", "10.00", "0.00")


def test_comma_decimals_in_price_and_quantity() -> None:
    # 59.00 * 1.5 = 88.50; 88.50 * 23% = 20.355 -> 20.36.
    result = price({"price_net": "59,00", "quantity": "1,5", "tax": "23"})
    assert money(result) == ("59.00", "72.57", "13.57", "88.50", "108.86", "20.36")
    assert result["quantity"] == "1.5"


def test_float_input_is_read_as_written_not_as_binary() -> None:
    # The float 1.005 is 1.00499999… in binary; read as written it is a tie and rounds up.
    result = price({"price_net": 1.005, "quantity": 1, "tax": 0})
    assert result["total_price_net"] == "1.01"


@pytest.mark.parametrize(
    ("quantity", "text"),
    [(13, "13.0"), ("1", "1.0"), ("2.500", "2.5"), ("0,125", "0.125"), ("1e1", "10.0"), (0, "0.0")],
)
def test_quantity_keeps_its_precision_in_the_services_style(quantity: Any, text: str) -> None:
    assert price({"price_net": "8", "quantity": quantity, "tax": 0})["quantity"] == text


def test_fractional_quantity_is_not_rounded_before_multiplying() -> None:
    result = price({"price_net": "8", "quantity": "0.125", "tax": 23})
    assert money(result) == ("8.00", "9.84", "1.84", "1.00", "1.23", "0.23")


def test_missing_quantity_means_one() -> None:
    assert price({"price_net": "7", "tax": 0})["total_price_net"] == "7.00"
    assert price({"price_net": "7", "tax": 0, "quantity": ""})["quantity"] == "1.0"


def test_callers_decimal_context_does_not_change_the_result() -> None:
    with localcontext() as ctx:
        ctx.prec = 3
        ctx.rounding = ROUND_HALF_EVEN
        result = price({"price_net": "0.335", "quantity": 3, "tax": "23"})
    # 1.005 -> 1.01; 1.01 * 0.23 = 0.2323 -> 0.23.
    assert money(result)[3:] == ("1.01", "1.24", "0.23")


def test_input_is_not_mutated_and_other_fields_pass_through() -> None:
    position = {"name": "A", "code": "X1", "price_net": "10", "tax": "23", "quantity": 2}
    before = copy.deepcopy(position)
    result = price(position)
    assert position == before
    assert result is not position
    assert result["code"] == "X1"
    assert result["total_price_gross"] == "24.60"


# --- worked examples: discounts -----------------------------------------------------------


def test_percent_unit_discounts_the_net_unit_price_from_the_docs_example() -> None:
    # Base 10.23 gross -> net unit 8.3170…; -50% -> 4.1585… -> total net 4.16; tax
    # 4.16 * 23% = 0.9568 -> 0.96; gross 5.12. Unit prices stay undiscounted.
    position = {"tax": 23, "total_price_gross": 10.23, "quantity": 1, "discount_percent": 50}
    result = price(position, "percent_unit")
    assert money(result) == ("8.32", "10.23", "1.91", "4.16", "5.12", "0.96")
    assert result["discount"] == "5.11"
    assert result["discount_net"] == "4.16"
    assert result["discount_percent"] == 50


def test_percent_unit_and_percent_unit_gross_differ_in_the_side_they_round() -> None:
    position = {"price_net": "10.03", "quantity": 1, "tax": 23, "discount_percent": 10}
    # Net side: 10.03 * 0.9 = 9.027 -> 9.03; tax 2.0769 -> 2.08; gross 11.11.
    net_side = price(position, "percent_unit")
    assert money(net_side) == ("10.03", "12.34", "2.31", "9.03", "11.11", "2.08")
    assert (net_side["discount"], net_side["discount_net"]) == ("1.23", "1.00")
    # Gross side: 12.3369 * 0.9 = 11.10321 -> 11.10; net 11.10 / 1.23 = 9.0243… -> 9.02.
    gross_side = price(position, "percent_unit_gross")
    assert money(gross_side) == ("10.03", "12.34", "2.31", "9.02", "11.10", "2.08")
    assert (gross_side["discount"], gross_side["discount_net"]) == ("1.24", "1.01")


def test_percent_unit_gross_with_quantity_three_and_a_tie() -> None:
    # 12.30 * 0.85 = 10.455 gross per unit; * 3 = 31.365 -> 31.37; net 31.37/1.23 = 25.504 -> 25.50.
    position = {"price_gross": "12.30", "quantity": 3, "tax": 23, "discount_percent": "15"}
    result = price(position, "percent_unit_gross")
    assert money(result) == ("10.00", "12.30", "2.30", "25.50", "31.37", "5.87")
    assert (result["discount"], result["discount_net"]) == ("5.53", "4.50")


def test_percent_total_discounts_the_rounded_position_total() -> None:
    # Net total 99.99; -10% = 89.991 -> 89.99; tax 20.6977 -> 20.70. Undiscounted gross 122.99.
    position = {"price_net": "33.33", "quantity": 3, "tax": 23, "discount_percent": "10"}
    result = price(position, "percent_total")
    assert money(result) == ("33.33", "41.00", "7.67", "89.99", "110.69", "20.70")
    assert (result["discount"], result["discount_net"]) == ("12.30", "10.00")


def test_amount_discount_off_a_gross_total_from_the_docs_example() -> None:
    # 10.23 - 5 = 5.23 gross; net 5.23/1.23 = 4.252… -> 4.25.
    position = {"tax": 23, "total_price_gross": 10.23, "quantity": 1, "discount": 5}
    result = price(position, "amount")
    assert money(result) == ("8.32", "10.23", "1.91", "4.25", "5.23", "0.98")
    assert (result["discount"], result["discount_net"]) == ("5.00", "4.07")


def test_amount_discount_off_a_net_total() -> None:
    position = {"price_net": "100", "quantity": 2, "tax": 23, "discount": "20"}
    result = price(position, "amount")
    assert money(result)[3:] == ("180.00", "221.40", "41.40")
    assert (result["discount"], result["discount_net"]) == ("24.60", "20.00")


def test_discount_is_ignored_without_show_discount() -> None:
    position = {"tax": 23, "total_price_gross": 10.23, "quantity": 1, "discount_percent": 50}
    result = price_position(position, show_discount=False, discount_kind="percent_unit")
    assert money(result) == ("8.32", "10.23", "1.91", "8.32", "10.23", "1.91")
    assert "discount" not in result and "discount_net" not in result


def test_discount_kind_none_means_percent_unit() -> None:
    position = {"price_net": "10.03", "quantity": 1, "tax": 23, "discount_percent": 10}
    assert price(position, "percent_unit") == price_position(
        position, show_discount=True, discount_kind=None
    )


def test_position_without_the_discount_input_is_not_discounted() -> None:
    result = price({"price_net": "10", "tax": 0, "discount": "3"}, "percent_total")
    assert result["total_price_net"] == "10.00"
    assert "discount_net" not in result


def test_hundred_percent_discount_leaves_nothing_to_pay() -> None:
    result = price({"price_net": "10", "tax": 23, "discount_percent": 100}, "percent_total")
    assert money(result)[3:] == ("0.00", "0.00", "0.00")
    assert result["discount"] == "12.30"


# --- worked examples: corrections ---------------------------------------------------------


def test_correction_position_may_have_a_negative_quantity() -> None:
    position = {"kind": "correction", "price_net": "100", "quantity": -2, "tax": 23}
    result = price(position)
    assert money(result) == ("100.00", "123.00", "23.00", "-200.00", "-246.00", "-46.00")
    assert result["quantity"] == "-2.0"


@pytest.mark.parametrize("kind", ["correction_before", "correction_after"])
def test_correction_before_and_after_rows_may_be_negative(kind: str) -> None:
    result = price({"kind": kind, "price_net": "1.50", "quantity": -1, "tax": 23})
    # The tie rounds away from zero: -0.345 -> -0.35, the exact negation of the sale.
    assert money(result)[3:] == ("-1.50", "-1.85", "-0.35")


def test_negative_correction_of_a_half_cent_is_symmetric() -> None:
    result = price({"kind": "correction", "price_net": "0.005", "quantity": -1, "tax": 0})
    assert result["total_price_net"] == "-0.01"


def test_amount_discount_on_a_negative_correction_reduces_its_size() -> None:
    position = {"kind": "correction", "price_net": "100", "quantity": -2, "tax": 0, "discount": 20}
    result = price(position, "amount")
    assert result["total_price_net"] == "-180.00"
    assert result["discount_net"] == "-20.00"


def test_no_negative_zero_in_money() -> None:
    result = price({"kind": "correction", "price_net": "0.001", "quantity": -1, "tax": 23})
    assert money(result)[3:] == ("0.00", "0.00", "0.00")


# --- corrections with before/after attributes --------------------------------------------


def _corrected(position: dict[str, Any], **invoice: Any) -> dict[str, Any]:
    priced: dict[str, Any] = price_invoice(
        {"kind": "correction", **invoice, "positions": [position]}
    )
    return priced


def test_a_correction_position_is_after_minus_before_whatever_it_sends() -> None:
    """The spec's example: one unit of 10.00 gross taken back (before 1, after 0)."""
    result = _corrected(
        {
            "name": "Product A1",
            "quantity": -5,
            "total_price_gross": "-999",
            "tax": 23,
            "kind": "correction",
            "correction_before_attributes": {
                "name": "Product A1",
                "quantity": 1,
                "total_price_gross": "10",
                "tax": 23,
                "kind": "correction_before",
            },
            "correction_after_attributes": {
                "name": "Product A1",
                "quantity": 0,
                "price_gross": "10",
                "tax": 23,
                "kind": "correction_after",
            },
        }
    )
    (position,) = result["positions"]
    assert position["quantity"] == "-1.0"
    assert money(position) == ("8.13", "10.00", "1.87", "-8.13", "-10.00", "-1.87")
    assert position["correction_before_attributes"]["total_price_gross"] == "10.00"
    assert position["correction_after_attributes"]["total_price_gross"] == "0.00"
    assert (result["price_net"], result["price_tax"], result["price_gross"]) == (
        "-8.13",
        "-1.87",
        "-10.00",
    )


def test_a_price_change_keeps_the_quantity_difference_zero() -> None:
    result = _corrected(
        {
            "name": "A",
            "correction_before_attributes": {"quantity": 3, "price_net": "10", "tax": 23},
            "correction_after_attributes": {"quantity": 3, "price_net": "8.50", "tax": 23},
        }
    )
    (position,) = result["positions"]
    assert position["quantity"] == "0.0" and position["kind"] == "correction"
    # totals: 25.50 net / 31.37 gross after, 30.00 / 36.90 before; the unit prices are the
    # differences of the sides' reported unit prices (gross 10.46 - 12.30)
    assert money(position) == ("-1.50", "-1.84", "-0.34", "-4.50", "-5.53", "-1.03")
    assert position["correction_before_attributes"]["kind"] == "correction_before"
    assert position["correction_after_attributes"]["kind"] == "correction_after"


def test_a_missing_side_counts_as_nothing() -> None:
    added = _corrected({"correction_after_attributes": {"price_net": "5", "tax": 8}})
    assert added["positions"][0]["total_price_gross"] == "5.40"
    assert "correction_before_attributes" not in added["positions"][0]
    removed = _corrected(
        {"correction_before_attributes": {"price_net": "5", "quantity": 2, "tax": "zw"}}
    )
    assert money(removed["positions"][0]) == ("5.00", "5.00", "0.00", "-10.00", "-10.00", "0.00")
    assert removed["positions"][0]["tax"] == "zw"


def test_the_sides_take_the_invoices_discount_rule() -> None:
    result = _corrected(
        {
            "correction_before_attributes": {"price_net": "100", "tax": 0, "discount_percent": 10},
            "correction_after_attributes": {"price_net": "100", "tax": 0, "discount_percent": 20},
        },
        show_discount=True,
        discount_kind="percent_unit",
    )
    assert result["positions"][0]["total_price_net"] == "-10.00"


@pytest.mark.parametrize(
    ("position", "field"),
    [
        ({"kind": ["correction"], "price_net": "1", "tax": 23}, "positions.kind"),
        ({"kind": {"a": 1}, "price_net": "1", "tax": 23}, "positions.kind"),
        (
            {"correction_after_attributes": {"kind": [1], "price_net": "1", "tax": 23}},
            "positions.correction_after_attributes.kind",
        ),
        ({"correction_before_attributes": "x"}, "positions.correction_before_attributes"),
        (
            {"correction_after_attributes": {"price_net": "1", "tax": "vat"}},
            "positions.correction_after_attributes.tax",
        ),
        (
            {"correction_before_attributes": {"tax": 23}},
            "positions.correction_before_attributes.total_price_gross",
        ),
    ],
)
def test_a_bad_side_names_its_nested_field(position: dict[str, Any], field: str) -> None:
    with pytest.raises(PricingError) as caught:
        _corrected(position)
    assert caught.value.field == field and caught.value.position == 0


@settings(max_examples=200, deadline=None)
@given(
    before=st.tuples(
        st.decimals("-1000", "1000", places=2), st.integers(-5, 5), st.sampled_from([0, 5, 8, 23])
    ),
    after=st.tuples(
        st.decimals("-1000", "1000", places=2), st.integers(-5, 5), st.sampled_from([0, 5, 8, 23])
    ),
)
def test_correction_totals_are_exactly_the_difference(
    before: tuple[Decimal, int, int], after: tuple[Decimal, int, int]
) -> None:
    sides = {
        name: {"price_net": str(unit), "quantity": quantity, "tax": tax}
        for name, (unit, quantity, tax) in (
            ("correction_before_attributes", before),
            ("correction_after_attributes", after),
        )
    }
    (position,) = _corrected(sides)["positions"]
    for field in ("total_price_net", "total_price_gross", "total_price_tax"):
        difference = Decimal(position["correction_after_attributes"][field]) - Decimal(
            position["correction_before_attributes"][field]
        )
        assert Decimal(position[field]) == difference
    assert Decimal(position["total_price_gross"]) == Decimal(position["total_price_net"]) + Decimal(
        position["total_price_tax"]
    )


# --- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("position", "field"),
    [
        ({"price_net": "abc", "tax": 23}, "price_net"),
        ({"price_net": "1.234,56", "tax": 23}, "price_net"),
        ({"price_net": "1 234", "tax": 23}, "price_net"),
        ({"price_net": True, "tax": 23}, "price_net"),
        ({"price_net": float("nan"), "tax": 23}, "price_net"),
        ({"price_net": Decimal("Infinity"), "tax": 23}, "price_net"),
        ({"price_net": [1], "tax": 23}, "price_net"),
        ({"price_net": "1e20", "tax": 23}, "price_net"),
        ({"price_net": "0.00000000001", "tax": 23}, "price_net"),
        ({"total_price_gross": "10", "price_gross": "x", "tax": 23}, "price_gross"),
        ({"price_net": "1", "quantity": "two", "tax": 23}, "quantity"),
        ({"price_net": "1", "quantity": -1, "tax": 23}, "quantity"),
        ({"total_price_gross": "10", "quantity": 0, "tax": 23}, "quantity"),
        ({"total_price_net": "10", "quantity": "0", "tax": 23}, "quantity"),
        ({"price_net": "1", "tax": "vat"}, "tax"),
        ({"price_net": "1"}, "tax"),
        ({"price_net": "1", "tax": "-8"}, "tax"),
        ({"tax": 23, "quantity": 1}, "total_price_gross"),
        ({"tax": 23, "price_net": "", "total_price_gross": None}, "total_price_gross"),
    ],
)
def test_invalid_position_names_the_field(position: dict[str, Any], field: str) -> None:
    with pytest.raises(PricingError) as caught:
        price(position)
    assert caught.value.field == field
    assert caught.value.position is None
    assert str(caught.value).startswith(f"{field}: ")


@pytest.mark.parametrize(
    ("kind", "extra", "field"),
    [
        ("percent_unit", {"discount_percent": "150"}, "discount_percent"),
        ("percent_total", {"discount_percent": "-1"}, "discount_percent"),
        ("percent_unit_gross", {"discount_percent": "ten"}, "discount_percent"),
        ("amount", {"discount": "-1"}, "discount"),
        ("amount", {"discount": "12.31"}, "discount"),
        ("amount", {"discount": "lots"}, "discount"),
        ("by_magic", {"discount_percent": 5}, "discount_kind"),
    ],
)
def test_invalid_discount_names_the_field(kind: str, extra: dict[str, Any], field: str) -> None:
    with pytest.raises(PricingError) as caught:
        price({"price_net": "10", "tax": 23, **extra}, kind)
    assert caught.value.field == field


def test_zero_quantity_with_a_zero_total_is_a_free_nothing() -> None:
    result = price({"total_price_gross": "0", "quantity": 0, "tax": 23})
    assert money(result) == ("0.00",) * 6


# --- invoices -----------------------------------------------------------------------------

DOCS_POSITIONS = [
    {"name": "Produkt A1", "tax": 23, "total_price_gross": 10.23, "quantity": 1},
    {"name": "Produkt A2", "tax": 0, "total_price_gross": 50, "quantity": 2},
]


def test_invoice_totals_are_sums_of_the_position_totals() -> None:
    invoice = {"kind": "vat", "buyer_name": "Client1 SA", "positions": DOCS_POSITIONS}
    result = price_invoice(invoice)
    assert (result["price_net"], result["price_gross"], result["price_tax"]) == (
        "58.32",
        "60.23",
        "1.91",
    )
    assert [p["total_price_gross"] for p in result["positions"]] == ["10.23", "50.00"]
    assert result["buyer_name"] == "Client1 SA"
    assert invoice["positions"] is DOCS_POSITIONS
    assert DOCS_POSITIONS[0]["total_price_gross"] == 10.23


def test_invoice_rounds_tax_per_position_then_sums() -> None:
    # Each position: 1.50 * 23% = 0.345 -> 0.35, so 0.70; taxing the 3.00 sum would give 0.69.
    positions = [{"price_net": "1.50", "tax": 23}, {"price_net": "1.50", "tax": 23}]
    result = price_invoice({"positions": positions})
    assert (result["price_net"], result["price_tax"], result["price_gross"]) == (
        "3.00",
        "0.70",
        "3.70",
    )


def test_invoice_from_xml_shaped_strings() -> None:
    positions = [
        {"name": "Produkt X1", "tax": "23", "total_price_gross": "20", "quantity": "1"},
        {"name": "Produkt X2", "tax": "0", "total_price_gross": "10", "quantity": "3"},
    ]
    result = price_invoice({"positions": positions})
    # 20/1.23 = 16.2601… -> 16.26.
    assert (result["price_net"], result["price_gross"], result["price_tax"]) == (
        "26.26",
        "30.00",
        "3.74",
    )


@pytest.mark.parametrize(
    ("flag", "kind", "extra", "totals"),
    [
        (True, "percent_unit", [{"discount_percent": 50}, {"discount_percent": 10}], "49.16 50.12"),
        ("1", "amount", [{"discount": 5}, {"discount": 25}], "29.25 30.23"),
        ("0", "amount", [{"discount": 5}, {"discount": 25}], "58.32 60.23"),
        (
            False,
            "percent_unit",
            [{"discount_percent": 50}, {"discount_percent": 10}],
            "58.32 60.23",
        ),
        ("false", "percent_unit", [{"discount_percent": 50}, {}], "58.32 60.23"),
    ],
)
def test_invoice_discounts_from_the_docs_examples(
    flag: Any, kind: str, extra: list[dict[str, Any]], totals: str
) -> None:
    positions = [{**p, **e} for p, e in zip(DOCS_POSITIONS, extra, strict=True)]
    invoice = {"show_discount": flag, "discount_kind": kind, "positions": positions}
    result = price_invoice(invoice)
    assert f"{result['price_net']} {result['price_gross']}" == totals


def test_invoice_without_positions_totals_zero() -> None:
    result = price_invoice({"kind": "vat"})
    assert result["positions"] == []
    assert (result["price_net"], result["price_gross"], result["price_tax"]) == ("0.00",) * 3


def test_correction_invoice_allows_negative_quantities_and_nets_them() -> None:
    positions = [
        {"name": "returned", "price_net": "100", "quantity": -1, "tax": 23},
        {"name": "replacement", "price_net": "100", "quantity": 2, "tax": 23},
    ]
    result = price_invoice({"kind": "correction", "positions": positions})
    assert [p["total_price_gross"] for p in result["positions"]] == ["-123.00", "246.00"]
    assert (result["price_net"], result["price_tax"], result["price_gross"]) == (
        "100.00",
        "23.00",
        "123.00",
    )


def test_vat_invoice_refuses_a_negative_quantity_naming_the_position() -> None:
    positions = [{"price_net": "1", "tax": 23}, {"price_net": "1", "tax": 23, "quantity": -1}]
    with pytest.raises(PricingError) as caught:
        price_invoice({"kind": "vat", "positions": positions})
    assert (caught.value.field, caught.value.position) == ("positions.quantity", 1)


def test_destroyed_positions_are_dropped_and_display_rows_pass_through() -> None:
    positions = [
        {"price_net": "10", "tax": 0},
        {"price_net": "999", "tax": 0, "_destroy": 1},
        {"kind": "text_separator", "name": "Services"},
        {"price_net": "5", "tax": 0, "_destroy": "0"},
    ]
    result = price_invoice({"positions": positions})
    assert result["price_net"] == "15.00"
    assert [p.get("kind") for p in result["positions"]] == [None, "text_separator", None]
    assert "total_price_net" not in result["positions"][1]


@pytest.mark.parametrize(
    ("invoice", "field", "position"),
    [
        (
            {"positions": [{"price_net": "1", "tax": 0}, {"price_gross": "x", "tax": 8}]},
            "positions.price_gross",
            1,
        ),
        ({"positions": [{"price_net": "1"}]}, "positions.tax", 0),
        ({"positions": ["not a position"]}, "positions.base", 0),
        ({"positions": [{"price_net": 1, "tax": 0, "_destroy": "maybe"}]}, "positions._destroy", 0),
        ({"positions": "nope"}, "positions", None),
        ({"positions": {"0": {"price_net": "1", "tax": 0}}}, "positions", None),
        ({"show_discount": "maybe", "positions": []}, "show_discount", None),
        ({"show_discount": True, "discount_kind": "x", "positions": []}, "discount_kind", None),
        (
            {
                "show_discount": "1",
                "discount_kind": "percent_total",
                "positions": [{"price_net": "1", "tax": 0, "discount_percent": "101"}],
            },
            "positions.discount_percent",
            0,
        ),
    ],
)
def test_invalid_invoice_names_the_nested_field(
    invoice: dict[str, Any], field: str, position: int | None
) -> None:
    with pytest.raises(PricingError) as caught:
        price_invoice(invoice)
    assert (caught.value.field, caught.value.position) == (field, position)


def test_unknown_discount_kind_is_ignored_while_discounts_are_off() -> None:
    invoice = {
        "show_discount": "0",
        "discount_kind": "x",
        "positions": [{"price_net": 2, "tax": 0}],
    }
    assert price_invoice(invoice)["price_net"] == "2.00"


# --- settlements --------------------------------------------------------------------------

GROSS_123 = [{"name": "A", "price_net": "100", "tax": 23}]


def test_settlement_charges_and_deductions_change_the_amount_due() -> None:
    invoice = {
        "positions": GROSS_123,
        "settlement_positions": [
            {"kind": "charge", "amount": "10,50", "reason": "Shipping"},
            {"kind": "deduction", "amount": 3.25, "reason": "Deposit"},
            {"kind": "charge", "amount": "99", "reason": "Gone", "_destroy": True},
        ],
    }
    result = price_invoice(invoice)
    assert result["price_gross"] == "123.00"
    assert [(s["kind"], s["amount"]) for s in result["settlement_positions"]] == [
        ("charge", "10.50"),
        ("deduction", "3.25"),
    ]
    assert result["settlement_positions"][0]["reason"] == "Shipping"
    assert amount_due(invoice) == Decimal("130.25")
    assert "amount_due" not in result


def test_no_settlements_means_no_key_and_amount_due_is_the_gross() -> None:
    for settlements in ([], None, [{"kind": "charge", "amount": 1, "reason": "x", "_destroy": 1}]):
        invoice = {"positions": GROSS_123, "settlement_positions": settlements}
        assert "settlement_positions" not in price_invoice(invoice)
        assert amount_due(invoice) == Decimal("123.00")
    assert "settlement_positions" not in price_invoice({"positions": GROSS_123})


def test_advance_invoices_ignore_settlements() -> None:
    invoice = {
        "kind": "advance",
        "positions": GROSS_123,
        "settlement_positions": [{"kind": "charge", "amount": "bad", "reason": ""}],
    }
    assert "settlement_positions" not in price_invoice(invoice)
    assert amount_due(invoice) == Decimal("123.00")


@pytest.mark.parametrize(
    ("settlement", "field"),
    [
        ({"kind": "fee", "amount": 1, "reason": "x"}, "settlement_positions.kind"),
        ({"amount": 1, "reason": "x"}, "settlement_positions.kind"),
        ({"kind": "charge", "reason": "x"}, "settlement_positions.amount"),
        ({"kind": "charge", "amount": 0, "reason": "x"}, "settlement_positions.amount"),
        ({"kind": "charge", "amount": "-5", "reason": "x"}, "settlement_positions.amount"),
        ({"kind": "charge", "amount": "1.234", "reason": "x"}, "settlement_positions.amount"),
        ({"kind": "charge", "amount": "10000000", "reason": "x"}, "settlement_positions.amount"),
        ({"kind": "charge", "amount": "abc", "reason": "x"}, "settlement_positions.amount"),
        ({"kind": "charge", "amount": 1}, "settlement_positions.reason"),
        ({"kind": "charge", "amount": 1, "reason": "  "}, "settlement_positions.reason"),
        ({"kind": "charge", "amount": 1, "reason": "r" * 257}, "settlement_positions.reason"),
    ],
)
def test_invalid_settlement_names_the_field(settlement: dict[str, Any], field: str) -> None:
    invoice = {
        "positions": GROSS_123,
        "settlement_positions": [{"kind": "deduction", "amount": 1, "reason": "ok"}, settlement],
    }
    with pytest.raises(PricingError) as caught:
        price_invoice(invoice)
    assert (caught.value.field, caught.value.position) == (field, 1)


def test_settlement_limits_are_inclusive() -> None:
    settlements = [{"kind": "charge", "amount": "9999999.99", "reason": "r" * 256}] * 100
    invoice = {"positions": GROSS_123, "settlement_positions": settlements}
    assert amount_due(invoice) == Decimal("123.00") + 100 * Decimal("9999999.99")
    with pytest.raises(PricingError) as caught:
        price_invoice({**invoice, "settlement_positions": [*settlements, settlements[0]]})
    assert (caught.value.field, caught.value.position) == ("settlement_positions.kind", 100)


# --- properties ---------------------------------------------------------------------------

PROPERTIES = settings(max_examples=150, deadline=None)
MONEY_TEXT = re.compile(r"-?[0-9]+\.[0-9]{2}")
PRICE_FIELDS = ("total_price_gross", "price_net", "price_gross", "total_price_net")
TAXES = st.sampled_from(
    ["23", "8", "5", "0", 23, 8, 0, "5,5", 7.7, "zw", "np", "oo", "disabled", "ZW"]
)


def decimals(low: str, high: str, *, max_places: int = 4) -> st.SearchStrategy[Decimal]:
    return st.integers(0, max_places).flatmap(
        lambda places: st.decimals(min_value=Decimal(low), max_value=Decimal(high), places=places)
    )


def wire(value: Decimal) -> st.SearchStrategy[Any]:
    """The ways a request can spell a number."""
    text = format(value, "f")
    return st.sampled_from([value, text, text.replace(".", ","), float(text)])


@st.composite
def positions(draw: st.DrawFn, *, correction: bool = False) -> dict[str, Any]:
    basis = draw(st.sampled_from(PRICE_FIELDS))
    if correction:
        quantity = draw(decimals("-1000", "-0.001", max_places=3))
    else:
        quantity = draw(decimals("0.001", "1000", max_places=3))
    position: dict[str, Any] = {
        "name": "P",
        "tax": draw(TAXES),
        "quantity": draw(wire(quantity)),
        basis: draw(wire(draw(decimals("-99999", "99999")))),
    }
    if correction:
        position["kind"] = "correction"
    return position


@st.composite
def discounted(draw: st.DrawFn, position: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """A discount kind (None: none) and the position with a valid discount input."""
    kind = draw(st.sampled_from([None, *("percent_unit", "percent_unit_gross", "percent_total")]))
    if kind is not None:
        return {**position, "discount_percent": draw(wire(draw(decimals("0", "100"))))}, kind
    if not draw(st.booleans()):
        return position, None
    # An amount no larger than the basis-side total it comes off.
    plain = price(position)
    net_side = "price_net" in position or "total_price_net" in position
    total = abs(Decimal(plain["total_price_net" if net_side else "total_price_gross"]))
    share = draw(st.decimals(min_value=0, max_value=1, places=2))
    return {**position, "discount": str((total * share).quantize(Decimal("0.01")))}, "amount"


def assert_consistent(result: dict[str, Any]) -> None:
    for field in MONEY_FIELDS:
        assert MONEY_TEXT.fullmatch(result[field]), (field, result[field])
    net, gross, tax = (Decimal(result[f"total_price_{part}"]) for part in ("net", "gross", "tax"))
    assert gross == net + tax
    assert Decimal(result["price_gross"]) == Decimal(result["price_net"]) + Decimal(
        result["price_tax"]
    )
    if tax_rate(result["tax"]) == 0:
        assert net == gross


@PROPERTIES
@given(data=st.data(), correction=st.booleans())
def test_position_totals_add_up_exactly(data: st.DataObject, correction: bool) -> None:
    position, kind = data.draw(discounted(data.draw(positions(correction=correction))))
    assert_consistent(price(position, kind))


@PROPERTIES
@given(data=st.data(), count=st.integers(0, 6), show=st.booleans())
def test_invoice_totals_are_the_sums_of_position_totals(
    data: st.DataObject, count: int, show: bool
) -> None:
    kind = data.draw(st.sampled_from(["percent_unit", "percent_unit_gross", "percent_total"]))
    items = [
        {
            **data.draw(positions()),
            "discount_percent": data.draw(wire(data.draw(decimals("0", "100")))),
        }
        for _ in range(count)
    ]
    result = price_invoice({"show_discount": show, "discount_kind": kind, "positions": items})
    priced = result["positions"]
    assert priced == [price_position(p, show_discount=show, discount_kind=kind) for p in items]
    for part in ("net", "gross", "tax"):
        total = sum((Decimal(p[f"total_price_{part}"]) for p in priced), Decimal(0))
        assert Decimal(result[f"price_{part}"]) == total
        assert MONEY_TEXT.fullmatch(result[f"price_{part}"])
    assert Decimal(result["price_gross"]) == Decimal(result["price_net"]) + Decimal(
        result["price_tax"]
    )


@PROPERTIES
@given(data=st.data())
def test_correction_is_the_exact_negation_of_the_sale(data: st.DataObject) -> None:
    sale, kind = data.draw(discounted(data.draw(positions())))
    reversal = {
        **sale,
        "kind": "correction",
        "quantity": -Decimal(str(sale["quantity"]).replace(",", ".")),
    }
    for field in ("total_price_gross", "total_price_net"):
        if field in sale:
            reversal[field] = -Decimal(str(sale[field]).replace(",", "."))
    forward, backward = price(sale, kind), price(reversal, kind)
    for field in ("price_net", "price_gross", "price_tax"):
        assert backward[field] == forward[field]
    for field in ("total_price_net", "total_price_gross", "total_price_tax", "discount"):
        if field in forward:
            assert Decimal(backward[field]) == -Decimal(forward[field])


@PROPERTIES
@given(position=positions())
def test_pricing_a_priced_position_again_keeps_its_totals(position: dict[str, Any]) -> None:
    once = price(position)
    twice = price(once)
    assert money(twice)[3:] == money(once)[3:]
    assert (twice["quantity"], twice["tax"]) == (once["quantity"], once["tax"])
