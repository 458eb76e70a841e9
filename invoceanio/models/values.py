"""Small value types for the API's wire quirks: month-only dates, tax codes, open enums, UNSET."""

from __future__ import annotations

import enum
import re
from datetime import MAXYEAR, MINYEAR, date
from decimal import Decimal
from typing import Any, Final

import attrs

__all__ = [
    "UNSET",
    "ClientKind",
    "DiscountKind",
    "InvoiceKind",
    "InvoiceStatus",
    "SellDate",
    "TaxRate",
    "Unset",
    "YearMonth",
    "tax_percent",
]


class Unset(enum.Enum):
    """The type of :data:`UNSET`: a field left out of a write, as opposed to one set to None."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Final = Unset.UNSET

_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@attrs.frozen(order=True)
class YearMonth:
    """A month, as the API allows for ``sell_date`` ("2026-11")."""

    # The years ``date`` allows: any other year has no "YYYY-MM" spelling to send or read back.
    year: int = attrs.field(
        validator=attrs.validators.and_(attrs.validators.ge(MINYEAR), attrs.validators.le(MAXYEAR))
    )
    month: int = attrs.field()

    @month.validator
    def _check_month(self, _: attrs.Attribute[int], value: int) -> None:
        if not 1 <= value <= 12:
            raise ValueError(f"month must be 1..12, got {value}")

    @classmethod
    def parse(cls, text: str) -> YearMonth:
        match = _YEAR_MONTH.match(text)
        if match is None:
            raise ValueError(f"not a year-month: {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


SellDate = date | YearMonth
#: A position's tax: a rate in percent, or a code ("zw" exempt, "np" not subject, "oo", "disabled").
TaxRate = Decimal | str


def tax_percent(tax: TaxRate | None) -> Decimal:
    """The rate to compute with: codes such as ``zw`` and ``np`` count as 0%."""
    return tax if isinstance(tax, Decimal) else Decimal(0)


class OpenStrEnum(enum.StrEnum):
    """Known values of an open-ended field. Parsing keeps unknown values as plain ``str``, so a
    value the vendor adds tomorrow does not break today's client; compare with ``==`` either way.
    """

    @classmethod
    def parse(cls, value: Any) -> OpenStrEnum | str:
        try:
            return cls(value)
        except ValueError:
            return str(value)


class InvoiceKind(OpenStrEnum):
    VAT = "vat"
    PROFORMA = "proforma"
    BILL = "bill"
    RECEIPT = "receipt"
    ADVANCE = "advance"
    FINAL = "final"
    CORRECTION = "correction"
    INVOICE_OTHER = "invoice_other"
    VAT_MARGIN = "vat_margin"
    KP = "kp"
    KW = "kw"
    ESTIMATE = "estimate"
    VAT_MP = "vat_mp"
    VAT_RR = "vat_rr"
    CORRECTION_NOTE = "correction_note"
    ACCOUNTING_NOTE = "accounting_note"
    CLIENT_ORDER = "client_order"
    DW = "dw"
    WNT = "wnt"
    WDT = "wdt"
    IMPORT_SERVICE = "import_service"
    IMPORT_SERVICE_EU = "import_service_eu"
    IMPORT_PRODUCTS = "import_products"
    EXPORT_PRODUCTS = "export_products"
    CANCELED = "canceled"


class InvoiceStatus(OpenStrEnum):
    ISSUED = "issued"
    SENT = "sent"
    PAID = "paid"
    PARTIAL = "partial"
    REJECTED = "rejected"
    ACCEPTED = "accepted"
    INCOMPLETE = "incomplete"


class DiscountKind(OpenStrEnum):
    PERCENT_UNIT = "percent_unit"
    PERCENT_UNIT_GROSS = "percent_unit_gross"
    PERCENT_TOTAL = "percent_total"
    AMOUNT = "amount"


class ClientKind(OpenStrEnum):
    BUYER = "buyer"
    SELLER = "seller"
    BOTH = "both"
