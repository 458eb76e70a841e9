"""The invoice and position fields the file formats know, and how each value is read.

One table serves every format: the CSV reader accepts exactly these columns (invoice fields by
their API name, position fields as ``position_<name>``), the JSONL reader checks these fields
wherever they appear (and passes any other field through, as the API has many more), and the
CSV writer of ``invoceanio export`` writes them back the same way.

Values are read with the SDK's own converter (:func:`invoceanio.models.converter.structure`), so
a file accepts what the API accepts: money and quantities as ``Decimal`` from dot or comma
decimals (``"59,00"``; never float), ISO dates, a month for ``sell_date``, flags as
``1/0/yes/no/true/false``. On top of it come the checks the API would make anyway but that can
be made offline, before anything is sent: a known ``kind``, a tax that is a rate from 0 to 100
or one of the codes, a three-letter currency, positive ids.

A reader returns ``None`` for a blank value (the field is then left out: the API's default
applies) and raises :class:`ValueError` with a message naming the value for a bad one.

Thousands separators are not supported: ``"1.200,00"`` is refused with a message saying to
write ``1200,00``. A value like ``"1.845"`` or ``"1,234"`` (one mark, followed by exactly three
digits) could be either, and text alone cannot say which: :class:`NumberStyle` settles it from
the way the rest of the file writes its numbers, and refuses it where the file does not (always
for money, :data:`MONEY_FIELDS`; a quantity of ``1.845`` kg is taken as it is, unless the file
shows that ``.`` is its thousands separator).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Final

from invoceanio.models.converter import MAX_DECIMAL_EXPONENT, structure
from invoceanio.models.values import (
    DiscountKind,
    InvoiceKind,
    InvoiceStatus,
    OpenStrEnum,
    SellDate,
    TaxRate,
)

__all__ = [
    "INVOICE_FIELDS",
    "MAX_EXPONENT",
    "MONEY_FIELDS",
    "NUMBER_FIELDS",
    "POSITION_FIELDS",
    "POSITION_PREFIX",
    "PRICE_FIELDS",
    "TAX_CODES",
    "NumberStyle",
    "ValueReader",
    "check_magnitude",
    "in_range",
]

#: Reads one raw value (CSV text, or a JSON value) into what is sent; None for blank.
ValueReader = Callable[[Any], Any]

#: CSV columns of position fields are these names with this prefix: ``position_name``.
POSITION_PREFIX: Final = "position_"

#: The tax codes the API takes besides a rate (spec 6.3), compared without case.
TAX_CODES: Final = frozenset(
    {"zw", "np", "na", "n/a", "nie podlega", "not applicable", "oo", "disabled"}
)

#: The position prices, in the order the service picks its basis from (the first one given).
PRICE_FIELDS: Final = ("total_price_gross", "price_net", "price_gross", "total_price_net")

#: A number read from a file is refused (:func:`check_magnitude`) when its first digit is more
#: than this many places from the decimal point, either way (``1e999999999`` would be written
#: out as a billion digits; no amount comes near): the models' own bound, so that a number a
#: file gives is refused where it is read, naming its line, rather than when it is written.
MAX_EXPONENT: Final = MAX_DECIMAL_EXPONENT

_CURRENCY = re.compile(r"[A-Z]{3}")
_GTU = re.compile(r"GTU_(0[1-9]|1[0-3])")
_PAYMENT_TO_KINDS: Final = frozenset({"other_date", "off"})

#: The two marks a number may have its decimals after.
_MARKS: Final = ".,"
#: "1.845", "-12,500": one mark between a group of one to three digits (not a lone 0: "0.125" is
#: decimals) and exactly three: a thousands separator, or decimals? The text cannot say.
_AMBIGUOUS = re.compile(r"[+-]?[1-9]\d{0,2}([.,])\d{3}")
#: "59.00", "0,125", "2,5", ".5", "1234.567": one mark, and it can only be the decimal mark.
_ONE_MARK = re.compile(r"[+-]?\d*([.,])\d+")
#: "1.200,00", "1 845,50", "1,234,567", "1'000.00": digits grouped by three with a thousands
#: separator (``t``), decimals (after ``d``) or not.
_GROUPED = re.compile(
    r"[+-]?\d{1,3}(?P<t>[.,' \u00a0\u202f])\d{3}(?:(?P=t)\d{3})*(?:(?P<d>[.,])\d+)?"
)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str | None:
    if _blank(value):
        return None
    if isinstance(value, dict | list | bool):
        raise ValueError(f"expected text, got {_shown(value)}")
    return str(value).strip()


def _decimal(value: Any) -> Decimal | None:
    if _blank(value):
        return None
    try:
        result: Decimal | None = structure(value, Decimal)
    except (ValueError, TypeError):
        number = _as_written(value)
        if number is not None:
            check_magnitude(number, value)  # a number, refused for its size: said so
        raise ValueError(f"{_shown(value)} is not a number{_thousands_hint(value)}") from None
    if result is not None:
        check_magnitude(result, value)
    return result


def _as_written(value: Any) -> Decimal | None:
    """The number ``value`` spells, read without the models' checks; None when it is none."""
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return Decimal(value)
    if not isinstance(value, str):
        return None
    with contextlib.suppress(ArithmeticError):
        return Decimal(value.strip().replace(",", "."))
    return None


def in_range(value: Decimal) -> bool:
    """Whether ``value`` is a number the API can be sent: finite, and no more than
    :data:`MAX_EXPONENT` places from the decimal point to its first digit (either way)."""
    return value.is_finite() and -MAX_EXPONENT <= value.adjusted() <= MAX_EXPONENT


def check_magnitude(value: Decimal, given: Any = None) -> None:
    """:class:`ValueError` for a number out of :func:`in_range`, naming ``given`` (the value as
    written, else ``value``)."""
    if not in_range(value):
        shown = _shown(value if given is None else given)
        raise ValueError(
            f"{shown} is out of range: its exponent puts it more than {MAX_EXPONENT} digits "
            "before or after the decimal point (it would be sent written out in full)"
        )


def _thousands_hint(value: Any) -> str:
    """For "1.200,00" and the like: what to write instead (the text without its separators)."""
    if not isinstance(value, str):
        return ""
    grouped = _GROUPED.fullmatch(value.strip())
    if grouped is None or grouped["t"] == grouped["d"]:
        return ""
    plain = value.strip().replace(grouped["t"], "")
    return f": thousands separators are not supported: write {plain}"


class NumberStyle:
    """How one file writes its numbers, as far as its cells show it: the marks it uses for
    decimals (``"59.00"``, ``"2,5"``, ``"1.200,00"``) and as thousands separators
    (``"1.200,00"``, ``"1,234,567"``), to settle a value like ``"1.845"`` that could be either.

    :meth:`learn` every number cell of the file first, then :meth:`check` each one:

    - the file writes decimals with that mark only, and never uses it for thousands: decimals,
      taken as written;
    - the file writes decimals with the other mark only, or uses this one for thousands: a
      thousands separator, which is not supported: refused, for any number;
    - nothing settles it (no other decimals, or both marks as decimals, as a file put together
      from two spreadsheets has): refused for money, where reading 1 845 PLN as 1.845 PLN is a
      price off by a factor of 1000; taken as written for other numbers (``1.845`` kg).
    """

    def __init__(self, scope: str = "this file") -> None:
        self.decimal_marks: set[str] = set()
        self.thousands_marks: set[str] = set()
        #: What the marks were learnt from, as the refusals name it ("this file writes...").
        self.scope = scope

    @property
    def mixed(self) -> bool:
        """Both marks seen as decimals: no further cell can settle anything."""
        return len(self.decimal_marks) == len(_MARKS)

    def learn(self, text: str) -> None:
        text = text.strip()
        if _AMBIGUOUS.fullmatch(text):
            return  # shows nothing
        one = _ONE_MARK.fullmatch(text)
        if one is not None:
            self.decimal_marks.add(one[1])
            return
        grouped = _GROUPED.fullmatch(text)
        if grouped is None or grouped["t"] == grouped["d"]:
            return
        if grouped["d"]:
            self.decimal_marks.add(grouped["d"])
        if grouped["t"] in _MARKS:
            self.thousands_marks.add(grouped["t"])

    def check(self, text: str, *, money: bool) -> None:
        """Raise :class:`ValueError` for an ambiguous number this file does not settle (or
        settles as a thousands separator); return for any other text."""
        text = text.strip()
        ambiguous = _AMBIGUOUS.fullmatch(text)
        if ambiguous is None:
            return
        mark = ambiguous[1]
        other = _MARKS.replace(mark, "")
        whole = text.replace(mark, "")
        as_thousands = mark not in self.decimal_marks and (
            mark in self.thousands_marks or other in self.decimal_marks
        )
        if as_thousands:
            why = (
                f"{self.scope} writes decimals with {other!r}"
                if other in self.decimal_marks
                else f"{self.scope} uses {mark!r} as a thousands separator"
            )
            raise ValueError(
                f"{text!r} is ambiguous: {why}, so it reads as {whole} with a thousands "
                f"separator, which is not supported: write {whole}, or "
                f"{text.replace(mark, other)} if it means decimals"
            )
        settled = self.decimal_marks == {mark} and mark not in self.thousands_marks
        if money and not settled:
            raise ValueError(
                f"{text!r} is ambiguous: {whole} with a thousands separator, or decimals? "
                f"Write {whole} (thousands separators are not supported), or {text}0 if it "
                "means decimals"
            )


def _date(value: Any) -> date | None:
    if _blank(value):
        return None
    if not isinstance(value, str):
        raise ValueError(f"{_shown(value)} is not a date (YYYY-MM-DD)")
    try:
        result: date | None = structure(value, date)
    except ValueError:
        raise ValueError(f"{_shown(value)} is not a date (YYYY-MM-DD)") from None
    return result


def _sell_date(value: Any) -> Any:
    if _blank(value):
        return None
    if not isinstance(value, str):
        raise ValueError(f"{_shown(value)} is not a date (YYYY-MM-DD or YYYY-MM)")
    if value.strip().lower() == "off":  # [FR] hides the sell date
        return "off"
    try:
        # The models' own SellDate union: the converter reads "2026-11" as a YearMonth.
        return structure(value, SellDate)  # type: ignore[arg-type]
    except ValueError:
        raise ValueError(f"{_shown(value)} is not a date (YYYY-MM-DD or YYYY-MM)") from None


def _flag(value: Any) -> bool | None:
    if _blank(value):
        return None
    try:
        result: bool | None = structure(value, bool)
    except ValueError:
        raise ValueError(
            f"{_shown(value)} is not a yes/no flag (1/0, yes/no, true/false)"
        ) from None
    return result


def _id(value: Any) -> int | None:
    if _blank(value):
        return None
    try:
        result: int | None = structure(value, int)
    except ValueError:
        result = None
    if result is None or result < 1:
        raise ValueError(f"{_shown(value)} is not an id (a whole number from 1)")
    return result


def _tax(value: Any) -> TaxRate | None:
    if _blank(value):
        return None
    if isinstance(value, bool | dict | list):
        raise ValueError(f"{_shown(value)} is not a tax rate")
    text = str(value).strip()
    if text.lower() in TAX_CODES:
        return text
    try:
        rate: Decimal | None = structure(value, Decimal)
    except ValueError:
        rate = None
    if rate is None or not in_range(rate) or not Decimal(0) <= rate <= Decimal(100):
        codes = ", ".join(sorted(TAX_CODES))
        raise ValueError(f"{_shown(value)} is not a tax rate (0 to 100) or a tax code ({codes})")
    return rate


def _currency(value: Any) -> str | None:
    text = _text(value)
    if text is None:
        return None
    if not _CURRENCY.fullmatch(text.upper()):
        raise ValueError(f"{_shown(value)} is not a currency code (three letters, e.g. PLN)")
    return text.upper()


def _gtu(value: Any) -> str | None:
    text = _text(value)
    if text is None:
        return None
    if not _GTU.fullmatch(text.upper()):
        raise ValueError(f"{_shown(value)} is not a GTU code (GTU_01 to GTU_13)")
    return text.upper()


def _payment_to_kind(value: Any) -> int | str | None:
    text = _text(value)
    if text is None:
        return None
    if text in _PAYMENT_TO_KINDS:
        return text
    if text.isdecimal():
        return int(text)
    raise ValueError(f"{_shown(value)} is not a number of days, 'other_date' or 'off'")


def _choice(enum: type[OpenStrEnum]) -> ValueReader:
    known = frozenset(member.value for member in enum)

    def read_choice(value: Any) -> str | None:
        text = _text(value)
        if text is None:
            return None
        if text not in known:
            raise ValueError(f"{_shown(value)} is not one of {', '.join(sorted(known))}")
        return text

    return read_choice


def _shown(value: Any) -> str:
    """A bad value as the message shows it: quoted, and cut short (a cell may be huge)."""
    text = repr(value.strip() if isinstance(value, str) else value)
    return text if len(text) <= 60 else text[:57] + "..."


#: Invoice fields (API names), in the order the CSV export writes them.
INVOICE_FIELDS: Final[Mapping[str, ValueReader]] = {
    "oid": _text,
    "kind": _choice(InvoiceKind),
    "number": _text,
    "status": _choice(InvoiceStatus),
    "income": _flag,
    "issue_date": _date,
    "sell_date": _sell_date,
    "place": _text,
    "payment_type": _text,  # the API also takes any free text here
    "payment_to_kind": _payment_to_kind,
    "payment_to": _date,
    "paid": _decimal,
    "paid_date": _date,
    "currency": _currency,
    "lang": _text,
    "exchange_currency": _currency,
    "exchange_kind": _text,
    "exchange_currency_rate": _decimal,
    "split_payment": _flag,
    "reverse_charge": _flag,
    "show_discount": _flag,
    "discount_kind": _choice(DiscountKind),
    "client_id": _id,
    "buyer_name": _text,
    "buyer_first_name": _text,
    "buyer_last_name": _text,
    "buyer_company": _flag,
    "buyer_tax_no": _text,
    "buyer_tax_no_kind": _text,
    "buyer_street": _text,
    "buyer_post_code": _text,
    "buyer_city": _text,
    "buyer_country": _text,
    "buyer_email": _text,
    "buyer_phone": _text,
    "buyer_person": _text,
    "buyer_note": _text,
    "department_id": _id,
    "seller_name": _text,
    "seller_tax_no": _text,
    "seller_tax_no_kind": _text,
    "seller_street": _text,
    "seller_post_code": _text,
    "seller_city": _text,
    "seller_country": _text,
    "seller_email": _text,
    "seller_phone": _text,
    "seller_bank": _text,
    "seller_bank_account": _text,
    "seller_person": _text,
    "category_id": _id,
    "warehouse_id": _id,
    "exempt_tax_kind": _text,
    "np_tax_kind": _text,
    # Required on a vat_margin invoice (spec 6.1): a margin invoice exports and imports back.
    "procedure_vat_margin": _text,
    "description": _text,
    "description_footer": _text,
    "description_long": _text,
    "internal_note": _text,
}

#: Position fields (API names; ``position_<name>`` in CSV), in the order the export writes them.
POSITION_FIELDS: Final[Mapping[str, ValueReader]] = {
    "name": _text,
    "code": _text,
    "product_id": _id,
    "description": _text,
    "additional_info": _text,
    "kind": _text,
    "quantity": _decimal,
    "quantity_unit": _text,
    "price_net": _decimal,
    "price_gross": _decimal,
    "total_price_net": _decimal,
    "total_price_gross": _decimal,
    "tax": _tax,
    "discount": _decimal,
    "discount_percent": _decimal,
    "gtu_code": _gtu,
    "lump_sum_tax": _text,
    # A margin position's purchase price (vat_margin invoices); the API computes the margin.
    "total_purchase_price": _decimal,
}

#: The fields read as numbers, invoice's and position's (the names do not overlap).
NUMBER_FIELDS: Final = frozenset(
    name
    for fields in (INVOICE_FIELDS, POSITION_FIELDS)
    for name, reader in fields.items()
    if reader is _decimal
)
#: Those of them that are amounts of money (``paid`` the invoice's, the others positions':
#: a margin invoice's purchase price as much as its prices).
MONEY_FIELDS: Final = frozenset({"paid", *PRICE_FIELDS, "discount", "total_purchase_price"})
