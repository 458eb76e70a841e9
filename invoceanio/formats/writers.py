"""Invoices to a file, for ``invoceanio export``: JSON Lines or the CSV the import reads.

- **JSONL**: one invoice per line, the API's JSON as the SDK reads it (every field, unknown
  ones included, money as dot-decimal strings), a faithful copy. The JSONL reader drops the
  fields a create does not take, so the file imports back as it is; it keeps the account's own
  ids (``client_id``, ``department_id``, ``product_id``...), which name nothing in another
  account. A discounted position carries its discounted totals beside its undiscounted unit
  prices and the discount's inputs (the same hazard as for the CSV below): the reader, not
  this writer, keeps its final total only, so files exported before that was done import
  right too.
- **CSV**: the import's format (:mod:`invoceanio.formats.csv_reader`), one row per position, the
  invoice columns repeated on each row. Written so that importing it gives the same invoices,
  in this account or another: buyer and seller are written out in full and the account's ids
  are left out; each position carries its quantity, tax and final gross total only (the
  service's first price basis), with any discount already taken off, so the discount columns
  are left out too and nothing is taken off twice. ``invoice_key`` is the invoice's ``oid``,
  else its number, else ``id-<id>``.

A writer writes to ``<file>.part`` and renames it onto the target only on :meth:`commit`, so an
export that fails halfway never leaves a file that looks complete.
"""

from __future__ import annotations

import csv
import enum
import json
import os
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Final

from invoceanio.formats.csv_reader import KEY_COLUMN
from invoceanio.formats.fields import INVOICE_FIELDS, POSITION_FIELDS, POSITION_PREFIX
from invoceanio.models.converter import decimal_text, to_wire
from invoceanio.models.invoice import Invoice, Position

__all__ = ["CSV_EXPORT_COLUMNS", "InvoiceWriter", "csv_rows", "invoice_key"]

#: Left out of the CSV export (see the module docstring): ids of this account, and what the
#: exported gross total already has in it.
_NOT_EXPORTED: Final = frozenset(
    {
        "client_id",
        "department_id",
        "category_id",
        "warehouse_id",
        "show_discount",
        "discount_kind",
        "position_product_id",
        "position_price_net",
        "position_price_gross",
        "position_total_price_net",
        "position_discount",
        "position_discount_percent",
    }
)
CSV_EXPORT_COLUMNS: Final = tuple(
    name
    for name in (
        KEY_COLUMN,
        *INVOICE_FIELDS,
        *(POSITION_PREFIX + field for field in POSITION_FIELDS),
    )
    if name not in _NOT_EXPORTED
)
_INVOICE_COLUMNS: Final = tuple(name for name in CSV_EXPORT_COLUMNS if name in INVOICE_FIELDS)
_POSITION_COLUMNS: Final = tuple(
    name[len(POSITION_PREFIX) :] for name in CSV_EXPORT_COLUMNS if name.startswith(POSITION_PREFIX)
)


class InvoiceWriter:
    """Writes invoices to ``path`` (``.jsonl`` or ``.csv``); use as a context manager and call
    :meth:`commit` when every invoice is written. Without it the partial file is removed."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.kind = _kind_of(self.path)
        self._part = self.path.with_name(self.path.name + ".part")
        self._file: IO[str] = self._part.open("w", encoding="utf-8", newline="")
        self._csv = csv.writer(self._file) if self.kind == "csv" else None
        if self._csv is not None:
            self._csv.writerow(CSV_EXPORT_COLUMNS)
        self.count = 0

    def write(self, invoice: Invoice) -> None:
        if self._csv is None:
            line = json.dumps(to_wire(invoice), ensure_ascii=False, default=str)
            self._file.write(line + "\n")
        else:
            self._csv.writerows(csv_rows(invoice))
        self.count += 1

    def commit(self) -> None:
        self._file.close()
        os.replace(self._part, self.path)

    def discard(self) -> None:
        self._file.close()
        self._part.unlink(missing_ok=True)

    def __enter__(self) -> InvoiceWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if not self._file.closed:
            self.discard()


def _kind_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    raise ValueError(f"{path}: the file name must end in .jsonl or .csv")


def invoice_key(invoice: Invoice) -> str:
    return invoice.oid or invoice.number or f"id-{invoice.id}"


def csv_rows(invoice: Invoice) -> list[list[str]]:
    """The CSV rows of one invoice: one per position (one with no position if it has none)."""
    head = [invoice_key(invoice), *(_cell(_value(invoice, name)) for name in _INVOICE_COLUMNS)]
    positions: tuple[Position | None, ...] = invoice.positions or (None,)
    return [
        head
        + ["" if position is None else _cell(_value(position, name)) for name in _POSITION_COLUMNS]
        for position in positions
    ]


def _value(record: Invoice | Position, name: str) -> Any:
    if hasattr(record, name):
        return getattr(record, name)
    return record.extra.get(name)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)  # text, ints, and YearMonth ("2026-11")
