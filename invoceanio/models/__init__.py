"""Typed entities (read) and drafts (write), with attribute names equal to the API's fields."""

from invoceanio.models.base import Draft, Model
from invoceanio.models.client import Client, ClientDraft
from invoceanio.models.converter import converter, structure, to_wire
from invoceanio.models.invoice import Invoice, InvoiceDraft, Position, PositionDraft
from invoceanio.models.values import (
    UNSET,
    ClientKind,
    DiscountKind,
    InvoiceKind,
    InvoiceStatus,
    SellDate,
    TaxRate,
    Unset,
    YearMonth,
    tax_percent,
)

__all__ = [
    "UNSET",
    "Client",
    "ClientDraft",
    "ClientKind",
    "DiscountKind",
    "Draft",
    "Invoice",
    "InvoiceDraft",
    "InvoiceKind",
    "InvoiceStatus",
    "Model",
    "Position",
    "PositionDraft",
    "SellDate",
    "TaxRate",
    "Unset",
    "YearMonth",
    "converter",
    "structure",
    "tax_percent",
    "to_wire",
]
