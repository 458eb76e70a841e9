"""Invoices to a file, for ``invoceanio export``: JSON Lines or the CSV the import reads.

- **JSONL**: one invoice per line, the API's JSON as the SDK reads it (every field, unknown
  ones included, money as dot-decimal strings), a faithful copy. The JSONL reader drops the
  fields a create does not take, so the file imports back as it is; it keeps the account's own
  ids (``client_id``, ``department_id``, ``product_id``...), which name nothing in another
  account. A line without an oid is read by its ``id`` before it is created, as the CSV's
  ``id-<id>`` key is below. A discounted position carries its discounted totals beside its
  undiscounted unit prices and the discount's inputs (the same hazard as for the CSV below):
  the reader, not this writer, keeps its final total only, so files exported before that was
  done import right too.
- **CSV**: the import's format (:mod:`invoceanio.formats.csv_reader`), one row per position, the
  invoice columns repeated on each row. Written so that importing it gives the same invoices,
  in this account or another: buyer and seller are written out in full and the account's ids
  are left out; each position carries its quantity, tax and final gross total only (the
  service's first price basis), with any discount already taken off, so the discount columns
  are left out too and nothing is taken off twice.

  ``invoice_key`` is ``id-<id>``, the invoice's id in the account it is exported from: unique
  per invoice, which neither the number is (each department has its own series, a yearly
  pattern starts again at 1, proforma and VAT series are apart) nor, in an account that
  created invoices without ``oid_unique``, the oid. The reader groups consecutive rows by it,
  so two invoices sharing a number came back as one. The ``oid`` column carries the invoice's
  own oid, which the import sends it under; an invoice without one is imported under its key,
  so importing the same file again finds every invoice instead of creating it twice, and the
  import reads the id first (``ImportItem.exported_id``): in the account it came from, where
  that oid is new, the invoice is found and not made a second time. (Exports
  made before this keyed an invoice by its oid, else its number: such a file still imports as
  it did, the same file again finds its invoices, but an invoice without an oid that it
  imported is not found by a newer export of it, which keys it by id: import one or the other
  into an account, not both.) An invoice with no id (made by hand, not read from the API) is
  keyed by its oid, else its number.

  A text cell that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
  ``@``, a tab or a CR: "CSV injection") is written with a single quote in front, which the
  CSV reader takes off again, so the file imports back exactly (numbers such as ``-12.50``
  stay as they are); :func:`~invoceanio.formats.csv_reader.neutralise_formula` says exactly
  which. ``InvoiceWriter(path, neutralise_formulas=False)`` writes every cell as it is. The
  identity columns (``invoice_key``, ``oid``) are never touched, either way: an invoice is
  found again by them byte for byte. The reader takes the quote off any other text cell that
  starts with one followed by a formula start or a quote, as a spreadsheet reads a leading
  quote (a mark, not text), whoever wrote the file.

A writer writes to ``<file>.part`` and renames it onto the target only on :meth:`commit`, so an
export that fails halfway never leaves a file that looks complete.
"""

from __future__ import annotations

import csv
import enum
import hashlib
import json
import os
import secrets
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Final

from invoceanio.formats.csv_reader import IDENTITY_COLUMNS, KEY_COLUMN, neutralise_formula
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
    :meth:`commit` when every invoice is written. Without it the partial file is removed.

    ``neutralise_formulas`` (CSV only, on by default): a text cell a spreadsheet would take for
    a formula gets a single quote in front, which the import takes off again (see the module
    docstring); ``False`` writes such cells as they are, for a program that reads the file with
    another CSV reader and wants the text untouched."""

    def __init__(self, path: str | Path, *, neutralise_formulas: bool = True) -> None:
        self.path = Path(path)
        self.neutralise_formulas = neutralise_formulas
        self.kind = _kind_of(self.path)
        # A name of its own, beside the target so that the rename stays on one filesystem:
        # two exports to one file at once (a cron run overlapping the next) each wrote into
        # the same ".part", and renamed each other's data into place. Created exclusively
        # ("x"), with the permissions the umask gives any new file (mkstemp's are 0600).
        self._part = self.path.with_name(f"{self.path.name}.{secrets.token_hex(4)}.part")
        self._file: IO[str] = self._part.open("x", encoding="utf-8", newline="")
        self._csv = csv.writer(self._file) if self.kind == "csv" else None
        if self._csv is not None:
            self._csv.writerow(CSV_EXPORT_COLUMNS)
        self.count = 0

    def write(self, invoice: Invoice) -> None:
        if self._csv is None:
            line = json.dumps(to_wire(invoice), ensure_ascii=False, default=str)
            self._file.write(line + "\n")
        else:
            self._csv.writerows(csv_rows(invoice, neutralise_formulas=self.neutralise_formulas))
        self.count += 1

    def commit(self) -> None:
        try:
            self._file.close()
            os.replace(self._part, self.path)
        except BaseException:
            # Not in place (a folder of that name, a full disk): the partial file goes, as it
            # does when the writing fails.
            self._part.unlink(missing_ok=True)
            raise

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
    """The ``invoice_key`` of an exported invoice: ``id-<id>``, unique per invoice (see the
    module docstring); for one without an id, its oid, else its number, else a digest of its
    content."""
    if invoice.id is not None:
        return f"id-{invoice.id}"
    if invoice.oid:
        return invoice.oid
    if invoice.number:
        return invoice.number
    text = json.dumps(to_wire(invoice), ensure_ascii=False, default=str, sort_keys=True)
    return "inv-" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def csv_rows(invoice: Invoice, *, neutralise_formulas: bool = True) -> list[list[str]]:
    """The CSV rows of one invoice: one per position (one with no position if it has none);
    with ``neutralise_formulas``, no text cell starts a formula (see :class:`InvoiceWriter`)."""

    def cell(value: Any, column: str = "") -> str:
        text = _cell(value)
        if (
            neutralise_formulas
            and column not in IDENTITY_COLUMNS  # an identity goes out exactly as it is
            and isinstance(value, str)
            and not isinstance(value, enum.Enum)
        ):
            return neutralise_formula(text)
        return text

    head = [
        _cell(invoice_key(invoice)),
        *(cell(_value(invoice, name), name) for name in _INVOICE_COLUMNS),
    ]
    positions: tuple[Position | None, ...] = invoice.positions or (None,)
    return [
        head
        + ["" if position is None else cell(_value(position, name)) for name in _POSITION_COLUMNS]
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
