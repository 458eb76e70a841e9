"""Invoices from a CSV file: one row per position, rows grouped into invoices by ``invoice_key``.

The format (``examples/README.md`` shows it whole):

- The first line is the header. Columns are ``invoice_key``, invoice fields by their API name
  (``buyer_name``, ``issue_date``...) and position fields as ``position_<name>``
  (``position_name``, ``position_quantity``, ``position_tax``, ``position_total_price_gross``...):
  exactly the names in :mod:`invoceanio.formats.fields`, in any order and any case. Any other
  column stops the import before anything is sent: a misspelt column would otherwise be
  dropped from every invoice without a word.
- The separator is a comma, a semicolon or a tab, whichever the header line has most of
  (a Polish spreadsheet saves with semicolons, so that ``59,00`` needs no quotes).
- Each row is one position. Consecutive rows with the same ``invoice_key`` are one invoice, so
  the rows of an invoice must be together; a key that comes back further down is an error of
  that second group (it would get the same ``oid`` and be taken for the first). The key is
  the invoice's identity across imports: the same key in a later file is the same invoice,
  which is not created twice. Use your own order or document number.
- Invoice columns may be filled on every row of the invoice or on its first row only: the
  first value given counts, an empty cell adds nothing, and a different value on a later row
  is an error. A row whose position columns are all empty carries invoice fields only.
- Blank cells are left out (the API's default applies); blank lines are skipped.
- A cell that starts with a single quote followed by ``=``, ``+``, ``-``, ``@``, a tab, a
  carriage return or another single quote has that first quote taken off: it is how
  ``invoceanio export`` keeps a spreadsheet from running a text cell as a formula
  (:func:`neutralise_formula`), so an exported file imports back exactly.
- A line is at most 1 MiB (:data:`MAX_LINE_BYTES`) and a cell at most 128 KiB (the csv
  module's limit): a longer one stops the reading with :class:`InputFileError` naming its
  line, before it is held in memory whole.
- Numbers take a dot or a comma for decimals, and no thousands separator. A number like
  ``1.845`` or ``"1,234"`` (one mark, then exactly three digits) is read by the file's own
  convention (:class:`~invoceanio.formats.fields.NumberStyle`, learnt from every number cell of
  the file before the first invoice is yielded): decimals where the file writes its decimals
  with that mark only, refused as a thousands separator where it writes them with the other
  one; where the file does not settle it, refused in a money column, taken as decimals in any
  other (a quantity of ``1.845`` kg).

The file is read as a stream, one invoice's rows in memory at a time, so its size does not
matter (twice, in fact: a first reading only learns how its numbers are written, and stops as
soon as nothing more can be learnt); besides that, only a 64-bit digest per invoice key is
kept (:class:`KeyRegister`).
Each invoice is yielded as an :class:`~invoceanio.importer.ImportItem` (``source`` "line 12" or
"lines 12-14", ``key`` the invoice key), or as a :class:`RowError` naming every problem with
its line; the reader then goes on with the next invoice.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final, Literal

from invoceanio.formats.fields import (
    INVOICE_FIELDS,
    MONEY_FIELDS,
    NUMBER_FIELDS,
    POSITION_FIELDS,
    POSITION_PREFIX,
    PRICE_FIELDS,
    NumberStyle,
    ValueReader,
)
from invoceanio.formats.records import (
    InputFileError,
    KeyRegister,
    NoInvoicesError,
    RowError,
    TextLines,
    lines_label,
)
from invoceanio.formats.rules import BUYER_FIELDS, invoice_problems, position_problems
from invoceanio.importer import ImportItem

__all__ = [
    "CSV_COLUMNS",
    "FORMULA_STARTS",
    "IDENTITY_COLUMNS",
    "KEY_COLUMN",
    "MAX_LINE_BYTES",
    "MISSHAPEN_ROW",
    "CsvInvoiceReader",
    "neutralise_formula",
    "restore_formula",
]

KEY_COLUMN: Final = "invoice_key"
#: Every column the reader knows, in the order the export writes them.
CSV_COLUMNS: Final = (
    KEY_COLUMN,
    *INVOICE_FIELDS,
    *(POSITION_PREFIX + name for name in POSITION_FIELDS),
)
_KNOWN: Final = frozenset(CSV_COLUMNS)
_SEPARATORS: Final = (",", ";", "\t")
#: More rows than this under one key cannot be one real invoice: the group is rejected and its
#: further rows are read past without being kept, so memory stays bounded whatever the file.
MAX_ROWS_PER_INVOICE: Final = 10_000
#: In :attr:`RowError.data`, a row with more or fewer cells than the header has columns is
#: ``{"cells": [every cell, in order]}``: its values cannot be put under their columns.
MISSHAPEN_ROW: Final = "cells"
#: The longest line read (one row, or one line of a quoted value that spans lines): far more
#: than any row (a cell is at most 128 KiB), far less than a file saved with bare-CR line ends
#: (old "CSV (Macintosh)"), which is all one line.
MAX_LINE_BYTES: Final = 1024 * 1024
_TOO_LONG_HINT: Final = (
    " (one row per line): a file whose lines end in a bare CR (\\r, as the old "
    '"CSV (Macintosh)" saves) is read as one line; save it as CSV UTF-8'
)
#: What a spreadsheet takes a cell starting with for a formula (OWASP, "CSV injection").
FORMULA_STARTS: Final = frozenset("=+-@\t\r")
#: After the quote of a neutralised cell: a formula start, or a quote (a text that began with a
#: quote and one of these, quoted once more so that reading it back takes off one quote only).
_QUOTED: Final = FORMULA_STARTS | {"'"}


#: The columns that name an invoice (what a re-import finds it by): written and read exactly as
#: they are, never neutralised or restored. A quote taken off an oid would make it another oid,
#: and an import of a file that held one would create its invoices a second time.
IDENTITY_COLUMNS: Final = frozenset({KEY_COLUMN, "oid"})
#: The key the CSV export gives an invoice: ``id-<id>``, its id in the account it came from.
_EXPORTED_KEY: Final = re.compile(r"id-([1-9][0-9]{0,17})")


def exported_id(key: str) -> int | None:
    """The id an exported invoice had in its account, read from its key; None for any other
    key (one of the user's own, a key of an older export)."""
    match = _EXPORTED_KEY.fullmatch(key)
    return int(match[1]) if match else None


def neutralise_formula(text: str) -> str:
    """``text`` as a CSV cell no spreadsheet runs as a formula: with a single quote in front
    when it starts with ``=``, ``+``, ``-``, ``@``, a tab or a CR (or is a quote followed by one
    of these or by another quote); :func:`restore_formula` gives ``text`` back exactly."""
    first = text[:1]
    if first in FORMULA_STARTS or (first == "'" and text[1:2] in _QUOTED):
        return "'" + text
    return text


def restore_formula(cell: str) -> str:
    """The text a cell written by :func:`neutralise_formula` stands for."""
    if cell[:1] == "'" and len(cell) > 1 and cell[1] in _QUOTED:
        return cell[1:]
    return cell


Item = ImportItem | RowError


class CsvInvoiceReader:
    """The invoices of one CSV file. The header is read and checked here, at once, so a file
    with unknown or missing columns raises :class:`InputFileError` before anything else;
    iterate to read the invoices (once: the file is a stream)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._text = TextLines(self.path, max_line=MAX_LINE_BYTES, too_long_hint=_TOO_LONG_HINT)
        try:
            self.columns = self._read_header()
        except BaseException:
            self._text.close()
            raise

    def close(self) -> None:
        self._text.close()

    def __enter__(self) -> CsvInvoiceReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _read_header(self) -> tuple[str, ...]:
        lines = iter(self._text)
        for line in lines:
            if line.strip():
                break
        else:
            raise InputFileError(f"{self.path} is empty: expected a header line of columns")
        self.separator = max(_SEPARATORS, key=line.count)  # ties go to the comma, listed first
        # The header line read here goes first, then the rest, line by line as csv asks.
        self._reader = csv.reader(itertools.chain([line], lines), delimiter=self.separator)
        header_line = self._text.number
        try:
            header = next(self._reader)
        except csv.Error as exc:
            message = f"{self.path}, header (line {header_line}): not readable as CSV: {exc}"
            raise InputFileError(message) from None
        columns = tuple(name.strip().lower() for name in header)
        _check_header(self.path, header_line, columns)
        return columns

    def __iter__(self) -> Iterator[Item]:
        try:
            self._check_quotes()
            yield from self._groups(self._number_style())
        except csv.Error as exc:
            message = f"{self.path}, line {self._text.number}: not readable as CSV: {exc}"
            raise InputFileError(message) from None
        finally:
            self.close()

    def _check_quotes(self) -> None:
        """Refuse a file with a quoted value that is never closed, before anything is read.

        Python's lenient csv reader takes the rest of the file into that one value without a
        word: every invoice after it would be lost, and with the quote in the last column the
        row even reads as valid. A strict reading (a pass of its own) says so as "unexpected end
        of data"; its other complaints (text after a closing quote) the lenient reading takes,
        as it always has."""
        text = TextLines(self.path, max_line=MAX_LINE_BYTES)
        reader = csv.reader(text, delimiter=self.separator, strict=True)
        start = 1
        try:
            while True:
                start = text.number + 1
                next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                raise InputFileError(
                    f"{self.path}, line {start}: a quoted value opened there is never closed "
                    "(a closing quote missing): everything after it would be read as that one "
                    "value"
                ) from None
        except InputFileError:
            pass  # the reading proper reports it, where it is
        finally:
            text.close()

    def _number_style(self) -> NumberStyle:
        """How the file writes its numbers, learnt from all its number cells by a first reading
        of its own (a stream too), which stops once both marks were seen as decimals: nothing
        more can be settled then. A file that turns out unreadable stops it as well, and the
        reading proper reports the problem where it is."""
        style = NumberStyle()
        columns = [index for index, _, _, _, numeric in _plan(self.columns) if numeric]
        if not columns:
            return style
        text = TextLines(self.path, max_line=MAX_LINE_BYTES)
        try:
            for cells in csv.reader(text, delimiter=self.separator):
                for index in columns:
                    if index < len(cells):
                        style.learn(cells[index])
                if style.mixed:
                    break
        except (csv.Error, InputFileError):
            pass
        finally:
            text.close()
        return style

    def _groups(self, style: NumberStyle) -> Iterator[Item]:
        keys = KeyRegister()
        # What each invoice is imported under: its oid column, else its key. Two groups with
        # different keys may still share an oid, and the second would pass for the first.
        identities = KeyRegister()
        key_index = self.columns.index(KEY_COLUMN)
        plan = _plan(self.columns)
        group: _Group | None = None
        rows = 0
        while True:
            # csv reads no further than the record it returns: the lines counted so far end
            # the previous record, and the last one counted ends this one.
            first = self._text.number + 1
            try:
                cells = next(self._reader)
            except StopIteration:
                break
            if not any(cell.strip() for cell in cells):
                continue  # a blank line (or a row of empty cells): nothing to read
            rows += 1
            # The key as written: an identity is never rewritten (see IDENTITY_COLUMNS).
            key = cells[key_index].strip() if key_index < len(cells) else ""
            if group is None or key != group.key:
                if group is not None:
                    yield group.finish(identities)
                fresh = key == "" or keys.add(key)
                group = _Group(
                    key, first, fresh=fresh, columns=self.columns, plan=plan, style=style
                )
            group.add(first, self._text.number, cells)
        if group is not None:
            yield group.finish(identities)
        if rows == 0:
            raise NoInvoicesError(
                f"{self.path} has a header but no rows: nothing to import "
                "(one row per position: 'invoceanio import --help' shows the columns)"
            )


def _check_header(path: Path, line: int, columns: tuple[str, ...]) -> None:
    where = f"{path}, header (line {line})"
    for number, name in enumerate(columns, 1):
        if not name:
            raise InputFileError(f"{where}: column {number} has no name")
    repeated = sorted({name for name in columns if columns.count(name) > 1})
    if repeated:
        raise InputFileError(f"{where}: column {', '.join(repeated)} appears more than once")
    unknown = [name for name in columns if name not in _KNOWN]
    if unknown:
        raise InputFileError(
            f"{where}: unknown column {', '.join(map(repr, unknown))}; invoice columns are API "
            f"field names (buyer_name, issue_date...), position columns start with "
            f"{POSITION_PREFIX!r} (position_name...), and the rows of one invoice share "
            f"{KEY_COLUMN!r} ('invoceanio import --help' lists every column)"
        )
    missing = [
        name
        for name in (KEY_COLUMN, *(POSITION_PREFIX + f for f in ("name", "tax", "quantity")))
        if name not in columns
    ]
    if not any(POSITION_PREFIX + name in columns for name in PRICE_FIELDS):
        missing.append(f"one of {', '.join(POSITION_PREFIX + name for name in PRICE_FIELDS)}")
    if not any(name in columns for name in BUYER_FIELDS):
        missing.append(f"one of {', '.join(BUYER_FIELDS)}")
    if missing:
        raise InputFileError(f"{where}: required column missing: {'; '.join(missing)}")


#: What a number column holds: an amount of money, or another number (a quantity, a rate).
Numeric = Literal["money", "number"] | None
#: Per column (but the key): its index, its field name, its reader, whether it is a
#: position's, and what number it holds if any. Worked out once per file rather than per cell.
Plan = list[tuple[int, str, ValueReader, bool, Numeric]]


def _plan(columns: tuple[str, ...]) -> Plan:
    plan: Plan = []
    for index, name in enumerate(columns):
        of_position = name.startswith(POSITION_PREFIX)
        if of_position:
            field = name[len(POSITION_PREFIX) :]
            reader = POSITION_FIELDS[field]
        elif name != KEY_COLUMN:
            field = name
            reader = INVOICE_FIELDS[name]
        else:
            continue
        numeric: Numeric = None
        if field in NUMBER_FIELDS:
            numeric = "money" if field in MONEY_FIELDS else "number"
        plan.append((index, field, reader, of_position, numeric))
    return plan


class _Group:
    """The rows of one invoice key, read into an invoice as they come."""

    def __init__(
        self,
        key: str,
        first: int,
        *,
        fresh: bool,
        columns: tuple[str, ...],
        plan: Plan,
        style: NumberStyle,
    ) -> None:
        self.key = key
        self.first = first
        self.last = first
        self.columns = columns
        self.plan = plan
        self.style = style
        self.invoice: dict[str, Any] = {}
        self.origin: dict[str, int] = {}  # where each invoice field was given first
        self.positions: list[dict[str, Any]] = []
        self.raw: list[dict[str, Any]] = []
        self.problems: list[str] = []
        self.rows = 0
        #: A row could not be read (its cells do not match the columns): what the invoice
        #: lacks is not worth saying on top of that.
        self.unreadable = False
        self.fresh = fresh
        if not key:
            self.problems.append(f"line {first}: {KEY_COLUMN} is empty")
        elif not fresh:
            self.problems.append(
                f"line {first}: {KEY_COLUMN} {key!r} already appeared above: the rows of one "
                "invoice must be consecutive (sort the file by the key)"
            )

    def add(self, first: int, last: int, cells: list[str]) -> None:
        self.last = last
        self.rows += 1
        if self.rows > MAX_ROWS_PER_INVOICE:
            if self.rows == MAX_ROWS_PER_INVOICE + 1:
                self.problems.append(
                    f"line {first}: more than {MAX_ROWS_PER_INVOICE} rows for one invoice"
                )
            return  # read past, not kept
        if len(cells) != len(self.columns):
            # Its values cannot be put under their columns (one is shifted, or missing): all
            # of them are kept, in order, so the failures file loses none.
            self.raw.append({MISSHAPEN_ROW: list(cells)})
            self.unreadable = True
            self.problems.append(
                f"line {first}: {len(cells)} values but the header has {len(self.columns)} "
                + (
                    "columns (a separator inside a value that is not quoted?)"
                    if len(cells) > len(self.columns)
                    else "columns (a value or its separator missing?)"
                )
            )
            return
        self.raw.append(
            {name: cell for name, cell in zip(self.columns, cells, strict=True) if cell}
        )
        position: dict[str, Any] = {}
        for column, field, reader, of_position, numeric in self.plan:
            cell = cells[column]
            if not cell or cell.isspace():
                continue  # a blank cell adds nothing, to the invoice or the position
            if field not in IDENTITY_COLUMNS:
                cell = restore_formula(cell)
            if of_position:
                column_name = POSITION_PREFIX + field
                self._read(position, field, column_name, reader, numeric, cell, first)
            else:
                self._invoice_field(field, reader, numeric, cell, first)
        if position:
            self.positions.append(position)
            self.problems.extend(
                f"line {first}: {problem}"
                for problem in position_problems(position, POSITION_PREFIX)
            )

    def _read(
        self,
        into: dict[str, Any],
        field: str,
        column: str,
        reader: ValueReader,
        numeric: Numeric,
        cell: str,
        line: int,
    ) -> Any:
        try:
            value = reader(cell)
            if numeric is not None:
                # "1.845": 1845 with a thousands separator, or decimals? The file may say.
                self.style.check(cell, money=numeric == "money")
        except ValueError as exc:
            self.problems.append(f"line {line}: {column}: {exc}")
            into[field] = _BAD  # given, if wrongly: not "missing" as well
            return _BAD
        if value is not None:
            into[field] = value
        return value

    def _invoice_field(
        self, name: str, reader: ValueReader, numeric: Numeric, cell: str, line: int
    ) -> None:
        value = self._read({}, name, name, reader, numeric, cell, line)
        if value is None:
            return
        if value is _BAD:
            self.invoice.setdefault(name, _BAD)
            return
        if name not in self.invoice or self.invoice[name] is _BAD:
            self.invoice[name] = value
            self.origin[name] = line
        elif self.invoice[name] != value:
            self.problems.append(
                f"line {line}: {name} {cell.strip()!r} differs from the value given on line "
                f"{self.origin[name]} for the same invoice"
            )

    def finish(self, identities: KeyRegister) -> Item:
        source = lines_label(self.first, self.last)
        oid = self.invoice.get("oid")
        identity = oid if isinstance(oid, str) else self.key
        if self.key and self.fresh and not identities.add(identity):
            self.problems.append(
                f"{source}: oid {identity!r} is already the oid or {KEY_COLUMN} of an invoice "
                "above: it would be taken for that one"
            )
        if not self.unreadable:
            if not self.positions and self.rows <= MAX_ROWS_PER_INVOICE:
                self.problems.append(
                    f"{source}: no position (fill position_name, position_tax, "
                    "position_quantity and a price on at least one row)"
                )
            self.problems.extend(
                f"{source}: {problem}" for problem in invoice_problems(self.invoice)
            )
        if self.problems:
            return RowError(source, self.first, "; ".join(self.problems), self.raw)
        data = dict(self.invoice)
        data["positions"] = self.positions
        # Exported without an oid: the import checks that its account does not hold it.
        exported = None if isinstance(oid, str) else exported_id(self.key)
        return ImportItem(data, key=self.key, source=source, exported_id=exported)


#: A value that was given but could not be read (its problem is already recorded).
_BAD: Final[Any] = object()
