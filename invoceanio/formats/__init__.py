"""Invoice files: read ``.csv`` and ``.jsonl`` for ``invoceanio import``, write them for
``invoceanio export``.

    with read_invoices("invoices.csv") as reader:     # InputFileError: unusable file
        for item in reader:
            if isinstance(item, RowError):            # one bad invoice: report it, go on
                print(item.source, item.error)
            else:                                      # an ImportItem for create_many
                ...

- **CSV** (:mod:`~invoceanio.formats.csv_reader`): one row per position, rows grouped into
  invoices by ``invoice_key`` (consecutive rows), invoice columns by their API name, position
  columns as ``position_<name>``; comma, semicolon or tab separated.
- **JSONL** (:mod:`~invoceanio.formats.jsonl_reader`): one invoice object per line, with the
  API's field names and ``positions`` as a list.

Both stream (memory does not grow with the file), read money as ``Decimal`` (dot or comma
decimals), check every value offline with the SDK's converter (:mod:`~invoceanio.formats.fields`)
and what an invoice needs (:mod:`~invoceanio.formats.rules`), and yield a :class:`RowError`
with the line numbers for an invoice that cannot be sent, then go on. Neither holds a line
longer than its cap (1 MiB for CSV, 8 MiB for JSONL): such a line is refused with its number
while it is read. ``examples/README.md`` documents both formats with examples.

The CSV export keys each invoice by its id (``id-<id>``: numbers are not unique) and writes a
text cell a spreadsheet would run as a formula with a single quote in front, which the CSV
reader takes off again (:mod:`~invoceanio.formats.writers`).
"""

from __future__ import annotations

from pathlib import Path

from invoceanio.formats.csv_reader import CSV_COLUMNS, KEY_COLUMN, CsvInvoiceReader
from invoceanio.formats.jsonl_reader import JsonlInvoiceReader
from invoceanio.formats.records import InputFileError, NoInvoicesError, RowError
from invoceanio.formats.writers import CSV_EXPORT_COLUMNS, InvoiceWriter

__all__ = [
    "CSV_COLUMNS",
    "CSV_EXPORT_COLUMNS",
    "KEY_COLUMN",
    "SUFFIXES",
    "CsvInvoiceReader",
    "InputFileError",
    "InvoiceReader",
    "InvoiceWriter",
    "JsonlInvoiceReader",
    "NoInvoicesError",
    "RowError",
    "read_invoices",
]

InvoiceReader = CsvInvoiceReader | JsonlInvoiceReader
#: The file name endings the readers and the writer know.
SUFFIXES = (".csv", ".jsonl", ".ndjson")


def read_invoices(path: str | Path) -> InvoiceReader:
    """The reader for ``path``, chosen by its name's ending (``.csv``, ``.jsonl``/``.ndjson``).

    Raises :class:`InputFileError` for any other ending, a file that cannot be opened, and (for
    CSV) a header with unknown, repeated or missing columns.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return CsvInvoiceReader(path)
    if suffix in (".jsonl", ".ndjson"):
        return JsonlInvoiceReader(path)
    raise InputFileError(
        f"{path}: cannot tell the format from the name: it must end in .csv or .jsonl"
    )
