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
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Final

from invoceanio.models.converter import structure
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
    "POSITION_FIELDS",
    "POSITION_PREFIX",
    "PRICE_FIELDS",
    "TAX_CODES",
    "ValueReader",
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

_CURRENCY = re.compile(r"[A-Z]{3}")
_GTU = re.compile(r"GTU_(0[1-9]|1[0-3])")
_PAYMENT_TO_KINDS: Final = frozenset({"other_date", "off"})


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
        raise ValueError(f"{_shown(value)} is not a number") from None
    return result


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
    if rate is None or not Decimal(0) <= rate <= Decimal(100):
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
}
