"""Invoice pricing for the sandbox: position and invoice totals computed the way the service does.

Pure functions over JSON-shaped dicts as the API receives them (numbers or strings, dot or comma
decimals, ``"0"``/``"1"``/bool flags). They return new dicts with the API's response field names
and money as dot-decimal strings with two places (``"123.00"``); the input is never mutated.

**Which price wins.** A position may carry any of ``total_price_gross``, ``price_net``,
``price_gross``, ``total_price_net`` (the docs show all four at once, and mark every one but
``total_price_gross`` "if not entered it will be calculated"). The first one present in that order
is the position's *basis*; the others are validated as numbers and then recomputed. The documented
minimum is ``total_price_gross``, so it comes first; net before gross for unit prices because net
is the default printed price kind. ``quantity`` defaults to 1. A position's other decimal fields
(``discount``, ``discount_percent``, ``discount_net``, ``total_purchase_price``,
``vat_margin_total_price_*``) are validated as numbers too, used or not, and kept as sent: no
decimal column takes ``"NaN"`` or ``"abc"``.

**Rounding (one rule, applied per position, then summed).** Polish VAT practice computes the tax
on each position and the invoice totals as sums of the position totals, so rounding happens at
the position level, with ``ROUND_HALF_UP`` (0.005 -> 0.01; Decimal's HALF_UP rounds ties away
from zero, so a correction with a negative quantity is the exact negation of the sale):

* net basis: ``total_net = r(unit_net * quantity)`` (or the given total, rounded),
  ``total_tax = r(total_net * rate)``, ``total_gross = total_net + total_tax``;
* gross basis: ``total_gross = r(unit_gross * quantity)`` (or the given total, rounded),
  ``total_net = r(total_gross / (1 + rate))``, ``total_tax = total_gross - total_net``.

So ``total_price_gross == total_price_net + total_price_tax`` always holds exactly. Unit prices
keep the precision they were sent with for the computation (a total is rounded once, never a
rounded unit price times the quantity); a unit price derived from a total is ``total / quantity``.
The reported unit prices are those values rounded to cents, and ``price_tax`` is
``price_gross - price_net``. Quantities keep their precision and come back as the service writes
them (``"3.0"``, ``"2.5"``). Arithmetic runs in a private decimal context (60 digits), so the
caller's ``decimal`` context never changes a result.

**Tax.** A numeric rate in percent (0..100) or a code: ``zw``, ``np`` (also ``na``, ``n/a``,
``nie podlega``, ``not applicable``), ``oo``, ``disabled``, any case; codes count as 0%. ``tax``
comes back as the string that was sent (numbers written out, commas as dots).

**Discounts** apply only when ``show_discount`` is truthy; ``discount_kind`` ``None`` stands for
the account setting and means ``percent_unit`` here. A unit-price discount decides the side the
position is computed from; a total discount keeps the basis side:

* ``percent_unit``: the net unit price less ``discount_percent``%, then priced net-based;
* ``percent_unit_gross``: the gross unit price less ``discount_percent``%, then priced gross-based;
* ``percent_total``: the basis-side total less ``discount_percent``%, rounded, priced from it;
* ``amount``: the basis-side total less ``discount`` (towards zero for a negative correction).

Unit prices stay the undiscounted ones; the totals are the discounted ones. ``discount`` (gross)
and ``discount_net`` (both response fields of a position) report what was taken off, measured
against the same position priced on the same side without the discount. A position without the
discount's input field (``discount_percent``, or ``discount`` for ``amount``) is not discounted.

**Corrections.** A negative quantity is refused unless the position's ``kind`` is ``correction``,
``correction_before`` or ``correction_after``, or the invoice's ``kind`` is ``correction``.
A position with ``correction_before_attributes`` and/or ``correction_after_attributes`` (spec
4.1) is the difference of the two: each side is priced as a position of its own (negative
quantities allowed, the invoice's discount rule applied) and comes back priced, with its
``kind`` defaulting to ``correction_before``/``correction_after``; a missing side counts as
nothing (a position added or removed by the correction). The position itself then has
``quantity = after - before`` and ``total_price_net``/``total_price_gross``/``total_price_tax``
exactly ``after - before``, whatever it sent; its unit prices are the total differences over the
quantity difference, or the unit price differences when the quantity did not change; its ``tax``
is the after side's (else the before side's), its ``kind`` defaults to ``correction``.

**Pricing again** (a copy, an update). A priced position carries the discounted totals and
cent-rounded unit prices, so pricing it again as it is would take the discount a second time,
and pricing it from a rounded unit price can be a cent off. :func:`as_input` turns it back into
an input that prices to the same result: a unit price of full precision that every stored
price rounds from (the middle of their rounding intervals, on the net or the gross side), with
the discount's input kept, so the discount is taken once; the first such candidate that
reproduces every stored price is used, else the undiscounted basis of the rule (the net unit
price for ``percent_unit``, the gross one for ``percent_unit_gross``, the total gross before
the discount for ``percent_total`` and ``amount``). A unit price stays the basis, so a new
quantity alone still prices from it. A correction position's sides are turned back likewise.
An update also passes the stored positions it leaves alone through :func:`price_invoice`
unchanged (``priced``).

**Settlements** (``settlement_positions[]``, spec 6.7): charges and deductions are validated and
echoed with ``amount`` in cents; the key is absent when there are none and on ``advance``
invoices (where the service ignores them). The amount due, ``price_gross + charges -
deductions``, has no response field in the spec, so it is :func:`amount_due`, not a key.

Not modelled: ``calculating_strategy`` (``keep_gross``/``keep_net`` sums; every invoice is
summed from its positions), margin positions, ``tax2``/lump-sum tax and the invoice-level
``discount`` fields.
Invalid input raises :class:`PricingError` naming the field, for a 422 answer.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from decimal import (
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from typing import Any, Final, NamedTuple

__all__ = [
    "CORRECTION_SIDES",
    "DEFAULT_DISCOUNT_KIND",
    "DISCOUNT_KINDS",
    "PRICE_FIELDS",
    "TAX_CODES",
    "PricingError",
    "amount_due",
    "as_input",
    "parse_decimal",
    "price_invoice",
    "price_position",
    "tax_rate",
]

#: Tax codes that carry no tax, compared case-insensitively (spec 6.3).
TAX_CODES: Final = frozenset(
    {"zw", "np", "na", "n/a", "nie podlega", "not applicable", "oo", "disabled"}
)
DISCOUNT_KINDS: Final = ("percent_unit", "percent_unit_gross", "percent_total", "amount")
#: What ``discount_kind: None`` means (the account setting "How to calculate a discount").
DEFAULT_DISCOUNT_KIND: Final = "percent_unit"
#: The price inputs of a position, in the order that decides which one is the basis.
PRICE_FIELDS: Final = ("total_price_gross", "price_net", "price_gross", "total_price_net")
#: A position's other decimal fields (Rails' decimal columns). Pricing reads few of them, or
#: none without a discount, yet each is stored and answered, and the SDK refuses to read text
#: such as "NaN" as a decimal: each is checked as a number whether it is used or not.
_POSITION_NUMBERS: Final = (
    "discount",
    "discount_percent",
    "discount_net",
    "total_purchase_price",
    "vat_margin_total_price_net",
    "vat_margin_total_price_tax",
    "vat_margin_total_price_gross",
)

_CORRECTION_POSITION_KINDS: Final = frozenset(
    {"correction", "correction_before", "correction_after"}
)
#: The two sides of a correction position (spec 4.1), before and after.
CORRECTION_SIDES: Final = ("correction_before_attributes", "correction_after_attributes")
#: (side, the ``kind`` a side without one gets).
_CORRECTION_SIDES: Final = tuple(
    zip(CORRECTION_SIDES, ("correction_before", "correction_after"), strict=True)
)
# [FR] display rows: no prices, not summed.
_UNPRICED_POSITION_KINDS: Final = frozenset({"text_separator", "subtotal"})
_SETTLEMENT_KINDS: Final = ("charge", "deduction")
_SETTLEMENT_MAX_AMOUNT: Final = Decimal("9999999.99")
_SETTLEMENT_MAX_PER_KIND: Final = 100
_SETTLEMENT_REASON_MAX: Final = 256

_CENT: Final = Decimal("0.01")
_HUNDRED: Final = Decimal(100)
# Input guards, far beyond anything the service stores; they keep every intermediate exact
# within the private context and every output string short.
_MAX_ABS: Final = Decimal("1e12")
_FINEST: Final = Decimal("1e-10")
_CONTEXT: Final = Context(
    prec=60, rounding=ROUND_HALF_UP, traps=[InvalidOperation, DivisionByZero, Overflow]
)
# What Decimal() accepts minus its extras (underscores, NaN/Infinity, non-ASCII digits).
_NUMBER: Final = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)(?:[eE][+-]?[0-9]+)?")
_TRUE: Final = frozenset({"1", "true", "t", "yes", "y", "on"})
_FALSE: Final = frozenset({"0", "false", "f", "no", "n", "off", ""})


class PricingError(ValueError):
    """Input the service would refuse with 422 ``{"code":"error","message":{field:[message]}}``.

    ``field`` names the offending request field (``"price_net"``; inside an invoice
    ``"positions.price_net"`` or ``"settlement_positions.amount"``, the way Rails names nested
    errors), ``position`` the index of the offending entry in its list, when there is one.
    """

    def __init__(self, field: str, message: str, *, position: int | None = None) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.position = position


# --- parsing -------------------------------------------------------------------------------


def _decimal(value: Any, field: str, message: str = "is not a number") -> Decimal | None:
    """A request number as Decimal; None when absent or blank."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if not _NUMBER.fullmatch(text):
            raise PricingError(field, message)
        result = Decimal(text.replace(",", "."))
    elif isinstance(value, bool):
        raise PricingError(field, message)
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise PricingError(field, message)
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise PricingError(field, message)
        # repr is the shortest text that round-trips: 1.005 -> Decimal("1.005"), not 1.00499…
        result = Decimal(repr(value))
    else:
        raise PricingError(field, message)
    if abs(result) >= _MAX_ABS:
        raise PricingError(field, "is too large")
    if result != result.quantize(_FINEST):
        raise PricingError(field, "has too many decimal places")
    return result


def parse_decimal(value: Any, field: str) -> Decimal | None:
    """A request number as Decimal (None when absent or blank), as pricing reads its inputs:
    :class:`PricingError` naming ``field`` for anything else, text such as ``"NaN"``,
    ``"Infinity"`` or ``"abc"`` included (no decimal column holds it)."""
    return _decimal(value, field)


def _check_numbers(position: Mapping[str, Any]) -> None:
    for field in _POSITION_NUMBERS:
        _decimal(position.get(field), field)


def _flag(value: Any, field: str) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise PricingError(field, "is not a flag")


def _parse_tax(tax: Any) -> tuple[Decimal, str]:
    """The rate in percent and the text the response carries."""
    if tax is None or (isinstance(tax, str) and not tax.strip()):
        raise PricingError("tax", "can't be blank")
    if isinstance(tax, str):
        text = tax.strip()
        if text.casefold() in TAX_CODES:
            return Decimal(0), text
    rate = _decimal(tax, "tax", "is not a valid tax rate")
    if rate is None or not 0 <= rate <= _HUNDRED:
        raise PricingError("tax", "is not a valid tax rate")
    if isinstance(tax, str):
        return rate, tax.strip().replace(",", ".")
    return rate, _plain(rate)


def _discount_kind(value: str | None) -> str:
    kind = DEFAULT_DISCOUNT_KIND if value is None or not str(value).strip() else value
    if kind not in DISCOUNT_KINDS:
        raise PricingError("discount_kind", "is not included in the list")
    return kind


# --- formatting ----------------------------------------------------------------------------


def _r2(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def _plain(value: Decimal) -> str:
    """Fixed-point text, never exponent notation, no negative zero."""
    return "0" if value == 0 else format(value, "f")


def _money(value: Decimal) -> str:
    rounded = _r2(value)
    return format(rounded.copy_abs() if rounded == 0 else rounded, "f")


def _quantity_text(value: Decimal) -> str:
    """As the service writes a quantity: ``"13.0"``, ``"2.5"``, ``"0.125"``."""
    text = _plain(value)
    if "." not in text:
        return text + ".0"
    text = text.rstrip("0")
    return text + "0" if text.endswith(".") else text


# --- arithmetic ----------------------------------------------------------------------------


class _Amounts(NamedTuple):
    unit_net: Decimal  # full precision
    unit_gross: Decimal  # full precision
    total_net: Decimal  # cents
    total_gross: Decimal  # cents

    @property
    def total_tax(self) -> Decimal:
        return self.total_gross - self.total_net


def _per_unit(total: Decimal, quantity: Decimal) -> Decimal:
    if quantity == 0:
        if total == 0:
            return Decimal(0)
        raise PricingError("quantity", "can't be zero when a total price is given")
    return total / quantity


def _compute(basis: str, value: Decimal, quantity: Decimal, rate: Decimal) -> _Amounts:
    """Price a position from one input (see the module docstring for the rule)."""
    factor = 1 + rate / _HUNDRED
    if basis in ("price_net", "total_price_net"):
        if basis == "price_net":
            unit_net, total_net = value, _r2(value * quantity)
        else:
            total_net = _r2(value)
            unit_net = _per_unit(total_net, quantity)
        total_gross = total_net + _r2(total_net * rate / _HUNDRED)
        return _Amounts(unit_net, unit_net * factor, total_net, total_gross)
    if basis == "price_gross":
        unit_gross, total_gross = value, _r2(value * quantity)
    else:
        total_gross = _r2(value)
        unit_gross = _per_unit(total_gross, quantity)
    return _Amounts(unit_gross / factor, unit_gross, _r2(total_gross / factor), total_gross)


def _discounted(
    kind: str,
    position: Mapping[str, Any],
    base: _Amounts,
    basis: str,
    quantity: Decimal,
    rate: Decimal,
) -> tuple[_Amounts, _Amounts] | None:
    """(reference, discounted): the position priced without and with the discount, same side."""
    net_side = basis in ("price_net", "total_price_net")
    if kind == "amount":
        amount = _decimal(position.get("discount"), "discount")
        if amount is None:
            return None
        if amount < 0:
            raise PricingError("discount", "must be greater than or equal to 0")
        total = base.total_net if net_side else base.total_gross
        if amount > abs(total):
            raise PricingError("discount", "must be less than or equal to the position total")
        reduced = total - amount if total >= 0 else total + amount
        side = "total_price_net" if net_side else "total_price_gross"
        return base, _compute(side, reduced, quantity, rate)
    percent = _decimal(position.get("discount_percent"), "discount_percent")
    if percent is None:
        return None
    if not 0 <= percent <= _HUNDRED:
        raise PricingError("discount_percent", "must be between 0 and 100")
    keep = 1 - percent / _HUNDRED
    if kind == "percent_unit":
        reference = _compute("price_net", base.unit_net, quantity, rate)
        return reference, _compute("price_net", base.unit_net * keep, quantity, rate)
    if kind == "percent_unit_gross":
        reference = _compute("price_gross", base.unit_gross, quantity, rate)
        return reference, _compute("price_gross", base.unit_gross * keep, quantity, rate)
    # percent_total
    if net_side:
        return base, _compute("total_price_net", base.total_net * keep, quantity, rate)
    return base, _compute("total_price_gross", base.total_gross * keep, quantity, rate)


def _price_position(
    position: Mapping[str, Any],
    discount_kind: str | None,
    *,
    allow_negative: bool,
) -> dict[str, Any]:
    """``discount_kind`` None: no discount; otherwise an already validated kind."""
    _check_numbers(position)
    quantity = _decimal(position.get("quantity"), "quantity")
    if quantity is None:
        quantity = Decimal(1)
    if quantity < 0 and not allow_negative:
        raise PricingError("quantity", "must be greater than or equal to 0")
    rate, tax_text = _parse_tax(position.get("tax"))
    inputs = {field: _decimal(position.get(field), field) for field in PRICE_FIELDS}
    basis = next((field for field in PRICE_FIELDS if inputs[field] is not None), None)
    if basis is None:
        raise PricingError("total_price_gross", "can't be blank")
    value = inputs[basis]
    assert value is not None
    base = _compute(basis, value, quantity, rate)

    result = dict(position)
    totals = base
    if discount_kind is not None:
        applied = _discounted(discount_kind, position, base, basis, quantity, rate)
        if applied is not None:
            reference, totals = applied
            result["discount"] = _money(reference.total_gross - totals.total_gross)
            result["discount_net"] = _money(reference.total_net - totals.total_net)
    price_net, price_gross = _r2(base.unit_net), _r2(base.unit_gross)
    result.update(
        quantity=_quantity_text(quantity),
        tax=tax_text,
        price_net=_money(price_net),
        price_gross=_money(price_gross),
        price_tax=_money(price_gross - price_net),
        total_price_net=_money(totals.total_net),
        total_price_gross=_money(totals.total_gross),
        total_price_tax=_money(totals.total_tax),
    )
    return result


def _kind(position: Mapping[str, Any]) -> str | None:
    """The position's ``kind``: None or a string, else a 422 naming ``kind``."""
    kind = position.get("kind")
    if kind is not None and not isinstance(kind, str):
        raise PricingError("kind", "is not included in the list")
    return kind


def _is_correction(position: Mapping[str, Any]) -> bool:
    return _kind(position) in _CORRECTION_POSITION_KINDS


def _has_sides(position: Mapping[str, Any]) -> bool:
    return any(position.get(side) is not None for side, _ in _CORRECTION_SIDES)


def _side(position: Mapping[str, Any], name: str, kind: str, discount_kind: str | None) -> Any:
    value = position.get(name)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise PricingError(name, "is not an object")
    try:
        _kind(value)
        priced = _price_position(value, discount_kind, allow_negative=True)
    except PricingError as error:
        raise PricingError(f"{name}.{error.field}", error.message) from None
    if priced.get("kind") in (None, ""):
        priced["kind"] = kind
    return priced


def _price_correction(position: Mapping[str, Any], discount_kind: str | None) -> dict[str, Any]:
    """A correction position: the difference of its priced before and after sides."""
    before, after = (_side(position, name, kind, discount_kind) for name, kind in _CORRECTION_SIDES)
    present = after if after is not None else before
    assert present is not None

    def amount(side: Mapping[str, Any] | None, field: str) -> Decimal:
        return Decimal(0) if side is None else Decimal(side[field])

    quantity = amount(after, "quantity") - amount(before, "quantity")
    total_net = amount(after, "total_price_net") - amount(before, "total_price_net")
    total_gross = amount(after, "total_price_gross") - amount(before, "total_price_gross")
    if quantity != 0:
        unit_net, unit_gross = _r2(total_net / quantity), _r2(total_gross / quantity)
    else:
        unit_net = amount(after, "price_net") - amount(before, "price_net")
        unit_gross = amount(after, "price_gross") - amount(before, "price_gross")
    result = dict(position)
    for (name, _), side in zip(_CORRECTION_SIDES, (before, after), strict=True):
        if side is not None:
            result[name] = side
    if result.get("kind") in (None, ""):
        result["kind"] = "correction"
    result.update(
        quantity=_quantity_text(quantity),
        tax=present["tax"],
        price_net=_money(unit_net),
        price_gross=_money(unit_gross),
        price_tax=_money(unit_gross - unit_net),
        total_price_net=_money(total_net),
        total_price_gross=_money(total_gross),
        total_price_tax=_money(total_gross - total_net),
    )
    return result


# --- public API ----------------------------------------------------------------------------


def tax_rate(tax: Any) -> Decimal:
    """The rate in percent (``"23"`` -> ``Decimal("23")``); codes such as ``zw``/``np`` -> 0.

    Raises :class:`PricingError` (field ``tax``) for a blank, unknown, negative or >100 value.
    """
    with localcontext(_CONTEXT):
        return _parse_tax(tax)[0]


def price_position(
    position: Mapping[str, Any], *, show_discount: bool, discount_kind: str | None
) -> dict[str, Any]:
    """The position with ``price_net``, ``price_gross``, ``price_tax``, ``total_price_net``,
    ``total_price_gross``, ``total_price_tax``, ``quantity`` and ``tax`` as response strings,
    plus ``discount``/``discount_net`` when a discount applied. Other fields pass through.
    """
    with localcontext(_CONTEXT):
        kind = _discount_kind(discount_kind) if show_discount else None
        return _price_position(position, kind, allow_negative=_is_correction(position))


def _discount_applied(position: Mapping[str, Any], kind: str) -> bool:
    """Whether pricing under ``kind`` discounted the position (it has the rule's input)."""
    given = position.get("discount" if kind == "amount" else "discount_percent")
    return not (given is None or (isinstance(given, str) and not given.strip()))


_TOTALS: Final = ("total_price_gross", "total_price_net", "total_price_tax")
# What a re-priced position must reproduce of the stored one.
_REPRODUCED: Final = (
    "price_net",
    "price_gross",
    "price_tax",
    *_TOTALS,
    "discount",
    "discount_net",
)
_HALF_CENT: Final = Decimal("0.005")


def _unit_within(constraints: Sequence[tuple[Decimal, Decimal]]) -> Decimal | None:
    """A unit price ``u`` with ``r(u * c) == n`` for every ``(n, c)``: the middle of the
    intersection of their rounding intervals (the first pricing's full-precision unit price
    lies in it), to the precision an input may have; None when they do not meet."""
    low: Decimal | None = None
    high: Decimal | None = None
    for cents, factor in constraints:
        if factor == 0:
            continue
        a, b = (cents - _HALF_CENT) / factor, (cents + _HALF_CENT) / factor
        a, b = min(a, b), max(a, b)
        low = a if low is None else max(low, a)
        high = b if high is None else min(high, b)
    if low is None or high is None or low > high:
        return None
    return ((low + high) / 2).quantize(_FINEST)


def _candidates(position: dict[str, Any], kind: str | None) -> list[dict[str, Any]]:
    """Inputs that may price to ``position`` again, best first; the last is always usable."""
    number = {field: _decimal(position.get(field), field) or Decimal(0) for field in _REPRODUCED}
    quantity = _decimal(position.get("quantity"), "quantity")
    quantity = Decimal(1) if quantity is None else quantity
    factor = 1 + _parse_tax(position.get("tax"))[0] / _HUNDRED
    applied = kind is not None and _discount_applied(position, kind)
    percent = _decimal(position.get("discount_percent"), "discount_percent") if applied else None
    keep = 1 - (percent or Decimal(0)) / _HUNDRED
    # The undiscounted totals: the discounted ones plus what the discount took.
    reference_net = number["total_price_net"] + (number["discount_net"] if applied else 0)
    reference_gross = number["total_price_gross"] + (number["discount"] if applied else 0)
    stripped = {k: v for k, v in position.items() if k not in (*_TOTALS, "discount_net")}
    if kind == "percent_total" and applied:
        stripped.pop("discount", None)  # what was taken off: an answer, not an input

    def unit(field: str, constraints: list[tuple[Decimal, Decimal]]) -> list[dict[str, Any]]:
        value = _unit_within(constraints)
        if value is None:
            return []
        other = "price_gross" if field == "price_net" else "price_net"
        candidate = {k: v for k, v in stripped.items() if k != other}
        candidate[field] = format(value, "f")
        return [candidate]

    net_unit = [
        (number["price_net"], Decimal(1)),
        (number["price_gross"], factor),
        (reference_net, quantity),
    ]
    gross_unit = [
        (number["price_gross"], Decimal(1)),
        (number["price_net"], 1 / factor),
        (reference_gross, quantity),
    ]
    gross_total = {**stripped, "total_price_gross": _money(reference_gross)}
    if not applied:
        return [*unit("price_net", net_unit), *unit("price_gross", gross_unit), dict(position)]
    if kind == "percent_unit":
        net_unit.append((number["total_price_net"], keep * quantity))
        fallback = {k: v for k, v in stripped.items() if k != "price_gross"}
        return [*unit("price_net", net_unit), fallback]
    if kind == "percent_unit_gross":
        gross_unit.append((number["total_price_gross"], keep * quantity))
        fallback = {k: v for k, v in stripped.items() if k != "price_net"}
        return [*unit("price_gross", gross_unit), fallback]
    if kind == "percent_total":
        return [*unit("price_net", net_unit), *unit("price_gross", gross_unit), gross_total]
    # amount: the input was the amount taken on the basis side: ``discount_net`` when that was
    # net, ``discount`` (gross) otherwise; the gross total with ``discount`` always gives the
    # same totals. The answers are signed (a negative position's discount is negative), the
    # input never is.
    taken_net, taken_gross = _money(abs(number["discount_net"])), _money(abs(number["discount"]))
    gross_total["discount"] = taken_gross
    net_side = [{**c, "discount": taken_net} for c in unit("price_net", net_unit)]
    gross_side = [{**c, "discount": taken_gross} for c in unit("price_gross", gross_unit)]
    return [*net_side, *gross_side, gross_total]


def as_input(
    position: Mapping[str, Any], *, show_discount: bool, discount_kind: str | None
) -> dict[str, Any]:
    """A priced position (as :func:`price_invoice` left it under that discount rule) as the
    input that prices it again to the same result, the discount taken once (module docstring,
    "Pricing again"): the first of a few candidate bases that reproduces every stored price,
    else the undiscounted basis of the rule. A correction position's sides likewise."""
    result = dict(position)
    for side in CORRECTION_SIDES:
        if isinstance(result.get(side), Mapping):
            result[side] = as_input(
                result[side], show_discount=show_discount, discount_kind=discount_kind
            )
    if _has_sides(result) or _kind(result) in _UNPRICED_POSITION_KINDS:
        return result  # its own prices are derived from its sides, or it has none
    with localcontext(_CONTEXT):
        try:
            kind = _discount_kind(discount_kind) if _flag(show_discount, "show_discount") else None
            candidates = _candidates(result, kind)
        except PricingError:
            return result  # not what pricing stores: left for pricing to refuse
        for candidate in candidates[:-1]:
            try:
                again = _price_position(candidate, kind, allow_negative=True)
            except PricingError:
                continue
            if all(again.get(field) == result.get(field) for field in _REPRODUCED):
                return candidate
        return candidates[-1]


def price_invoice(invoice: Mapping[str, Any], *, priced: Collection[int] = ()) -> dict[str, Any]:
    """The invoice with priced ``positions`` and ``price_net``/``price_gross``/``price_tax``
    (sums of the position totals), and ``settlement_positions`` validated (see the module doc).

    Positions marked ``_destroy`` are dropped; ``text_separator``/``subtotal`` rows pass through
    unpriced. A position whose ``id`` is in ``priced`` is priced already (a stored one an update
    left alone): it passes through as it is and counts in the sums. Errors name nested fields
    Rails-style (``positions.tax``) with ``position`` set.
    """
    with localcontext(_CONTEXT):
        show_discount = _flag(invoice.get("show_discount"), "show_discount")
        kind = _discount_kind(invoice.get("discount_kind")) if show_discount else None
        allow_negative = invoice.get("kind") == "correction"
        entries = _entries(invoice, "positions")

        positions: list[dict[str, Any]] = []
        net = gross = Decimal(0)
        for index, entry in enumerate(entries):
            try:
                if not isinstance(entry, Mapping):
                    raise PricingError("base", "is not an object")
                if _flag(entry.get("_destroy"), "_destroy"):
                    continue
                # Every kept entry, also one left unpriced or priced already (an update that
                # changes only ``total_purchase_price`` does not price its position again).
                _check_numbers(entry)
                if _kind(entry) in _UNPRICED_POSITION_KINDS:
                    positions.append(dict(entry))
                    continue
                if entry.get("id") in priced:
                    done: dict[str, Any] = dict(entry)
                elif _has_sides(entry):
                    done = _price_correction(entry, kind)
                else:
                    done = _price_position(
                        entry, kind, allow_negative=allow_negative or _is_correction(entry)
                    )
            except PricingError as error:
                raise PricingError(
                    f"positions.{error.field}", error.message, position=index
                ) from None
            positions.append(done)
            net += Decimal(done["total_price_net"])
            gross += Decimal(done["total_price_gross"])

        result = dict(invoice)
        result["positions"] = positions
        result["price_net"] = _money(net)
        result["price_gross"] = _money(gross)
        result["price_tax"] = _money(gross - net)
        settlements = [] if invoice.get("kind") == "advance" else _settlements(invoice)
        if settlements:
            result["settlement_positions"] = settlements
        else:
            result.pop("settlement_positions", None)
        return result


def amount_due(invoice: Mapping[str, Any]) -> Decimal:
    """``price_gross + sum(charges) - sum(deductions)`` of the invoice (spec 6.7), in cents.

    The spec gives the rule but no response field for it, so it is a function, not a key.
    """
    priced = price_invoice(invoice)
    with localcontext(_CONTEXT):
        due = Decimal(priced["price_gross"])
        for entry in priced.get("settlement_positions", ()):
            amount = Decimal(entry["amount"])
            due += amount if entry["kind"] == "charge" else -amount
        return _r2(due)


def _entries(invoice: Mapping[str, Any], key: str) -> Sequence[Any]:
    value = invoice.get(key)
    if value is None:
        return ()
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise PricingError(key, "is not a list")
    return value


def _settlements(invoice: Mapping[str, Any]) -> list[dict[str, Any]]:
    settled: list[dict[str, Any]] = []
    counts = dict.fromkeys(_SETTLEMENT_KINDS, 0)
    for index, entry in enumerate(_entries(invoice, "settlement_positions")):
        try:
            if not isinstance(entry, Mapping):
                raise PricingError("base", "is not an object")
            if _flag(entry.get("_destroy"), "_destroy"):
                continue
            settled.append(_settlement(entry, counts))
        except PricingError as error:
            raise PricingError(
                f"settlement_positions.{error.field}", error.message, position=index
            ) from None
    return settled


def _settlement(entry: Mapping[str, Any], counts: dict[str, int]) -> dict[str, Any]:
    kind = entry.get("kind")
    if kind is None or (isinstance(kind, str) and not kind.strip()):
        raise PricingError("kind", "can't be blank")
    if kind not in _SETTLEMENT_KINDS:
        raise PricingError("kind", "is not included in the list")
    amount = _decimal(entry.get("amount"), "amount")
    if amount is None:
        raise PricingError("amount", "can't be blank")
    if amount <= 0:
        raise PricingError("amount", "must be greater than 0")
    if amount > _SETTLEMENT_MAX_AMOUNT:
        raise PricingError("amount", "must be less than or equal to 9999999.99")
    if amount != _r2(amount):
        raise PricingError("amount", "must have at most 2 decimal places")
    reason = entry.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise PricingError("reason", "can't be blank")
    if len(reason) > _SETTLEMENT_REASON_MAX:
        raise PricingError("reason", "is too long (maximum is 256 characters)")
    counts[kind] += 1
    if counts[kind] > _SETTLEMENT_MAX_PER_KIND:
        raise PricingError("kind", f"at most {_SETTLEMENT_MAX_PER_KIND} of each kind")
    return {**entry, "amount": _money(amount)}
