"""Invoices from a JSON Lines file: one invoice object per line, as the API takes it.

- Each non-blank line is one JSON object with the API's field names and ``positions`` as a
  list of objects (``{"buyer_name": "ACME", "positions": [{"name": "...", "tax": 23, ...}]}``).
  Blank lines are skipped; line numbers count every line.
- Numbers are read as ``Decimal`` (``parse_float``), never float, so ``339.99`` arrives as it
  was written. The fields of :mod:`invoceanio.formats.fields` are checked and converted like a
  CSV cell (``"59,00"`` works too); any other field (the API has many more) is sent as given.
- ``null`` means "not given": the field is left out.
- Fields only the API writes (``id``, ``token``, ``view_url``, timestamps, computed totals, the
  KSeF state...) are dropped, also inside positions and the other lists, so a file written by
  ``invoceanio export`` imports as it is.
- A position the service priced (it carries such a field) under a shown discount has its
  discount taken off its totals already, while its unit prices and ``discount_percent`` or
  ``discount`` would take it off again: it keeps its final total only (``total_price_gross``,
  else ``total_price_net``), as the CSV export writes it, and the invoice loses
  ``show_discount``/``discount_kind`` when no position keeps a discount. The totals stay exact;
  the discount is no longer shown as one. A position written by hand is never changed.
- The invoice's identity is its ``oid`` when it has one, else a digest of its content (the
  oid the importer derives), so the same line imported again is not created twice. A later
  line with the same identity is an error (the same ``oid``, or the same content without one):
  it would be taken for the first and never created.
- A line that is not text (a lone surrogate escape such as ``"\\ud800"``, which cannot be
  encoded as UTF-8) or is nested deeper than any invoice is a bad line, like one that is not
  JSON; so is a number (in any field) more than 1000 digits before or after the decimal point
  (``1e999999999``: see :data:`~invoceanio.formats.fields.MAX_EXPONENT`).
- A line is at most 8 MiB (:data:`MAX_LINE_BYTES`, an invoice of over 10,000 positions): a
  longer one (a JSON array saved as ``.jsonl``, a file with no line breaks) is a bad line,
  read past without being held in memory, and the reading goes on with the next.

Streamed line by line: memory does not grow with the file (a 64-bit digest and a line number
per invoice).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, NoReturn

from invoceanio.errors import ConfigurationError
from invoceanio.formats.fields import (
    INVOICE_FIELDS,
    MONEY_FIELDS,
    NUMBER_FIELDS,
    POSITION_FIELDS,
    PRICE_FIELDS,
    NumberStyle,
    ValueReader,
    check_magnitude,
    in_range,
)
from invoceanio.formats.records import (
    LineRegister,
    LineTooLongError,
    NoInvoicesError,
    RowError,
    TextLines,
    lines_label,
)
from invoceanio.formats.rules import invoice_problems, position_problems
from invoceanio.importer import ImportItem, derive_oid
from invoceanio.resources.base import as_document

__all__ = ["MAX_LINE_BYTES", "READ_ONLY_FIELDS", "JsonlInvoiceReader"]

#: Invoice fields the API answers with but never takes on a create (spec 6.2).
READ_ONLY_FIELDS: Final = frozenset(
    {
        "id",
        "user_id",
        "account_id",
        "token",
        "view_url",
        "payment_url",
        "created_at",
        "updated_at",
        "sent_time",
        "print_time",
        "price_net",
        "price_gross",
        "price_tax",
        "transaction_date",
        "gov_id",
        "gov_kind",
        "gov_status",
        "gov_send_date",
        "gov_sell_date",
        "gov_error_messages",
        "gov_verification_link",
        "gov_link",
        "attachments_count",
        "has_attachments",
        "recurring_id",
        "cancelled",
        "from_api",
        "origin",
        "fiscal_status",
        "email_status",
        "normalized_number",
        "kind_text",
        "issue_year",
        "search_data",
        # Computed on request (additional_fields[invoice]=...): the payments that pay it and
        # the reminders sent; sent back on a create, they would be nested records to make.
        "connected_payments",
        "reminders_info",
    }
)
#: Fields of a position (and of the other nested entries) that only the API writes.
READ_ONLY_ENTRY_FIELDS: Final = frozenset(
    {
        "id",
        "invoice_id",
        "account_id",
        "created_at",
        "updated_at",
        "price_tax",
        "total_price_tax",
        "discount_net",
        "deleted",
        "invoice_position_id",
    }
)
#: Lists of entries besides ``positions`` whose entries lose their read-only fields too.
_ENTRY_LISTS: Final = (
    "recipients",
    "issuers",
    "descriptions",
    "settlement_positions",
    "bank_accounts",
)
#: A create from another document needs neither positions nor a buyer of its own.
_FROM_ANOTHER: Final = ("copy_invoice_from", "advance_creation_mode", "invoice_ids")
#: Deeper than any invoice (one with positions is 3 levels; a correction's sides 4). Deeper
#: ones would fail where they are written out (RecursionError), far from their line.
MAX_DEPTH: Final = 32
#: A priced position's totals, the discount taken off, in the order the service prefers them.
_TOTALS: Final = ("total_price_gross", "total_price_net")


def _line_numbers(data: Mapping[str, Any]) -> NumberStyle:
    """How one line writes its number texts (``"2,5"``, ``"1.200,00"``), learnt from all of
    them (the invoice's and its positions'), as a CSV file's are from all its cells: it
    settles a money text with a comma before three digits (``"6,459"``), which a spreadsheet
    writes for 6 459 as often as for 6.459. JSON numbers show nothing of it (they are written
    by JSON's rules, not by the spreadsheet the texts may come from)."""
    style = NumberStyle("this line")
    positions = data.get("positions")
    records = [data, *positions] if isinstance(positions, list) else [data]
    for record in records:
        if isinstance(record, dict):
            for name in NUMBER_FIELDS.intersection(record):
                value = record[name]
                if isinstance(value, str):
                    style.learn(value)
    return style


_DISCOUNT_INPUTS: Final = ("discount", "discount_percent")
#: The longest line read: one invoice, with room for over 10,000 exported positions (as many as
#: the CSV reader takes for one invoice; an exported position is some 350 to 700 bytes). A JSON
#: array of invoices (or a file without line breaks) is one line as long as the file.
MAX_LINE_BYTES: Final = 8 * 1024 * 1024
_TOO_LONG_HINT: Final = (
    " (one invoice per line): a JSON array of invoices, or a file with no line breaks, is "
    "read as one line; write each invoice as one JSON object on a line of its own"
)

Item = ImportItem | RowError


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a number the API takes")


class JsonlInvoiceReader:
    """The invoices of one JSON Lines file; opened here (an unreadable file raises
    :class:`InputFileError` at once), read as you iterate (once)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._text = TextLines(self.path, max_line=MAX_LINE_BYTES, too_long_hint=_TOO_LONG_HINT)

    def close(self) -> None:
        self._text.close()

    def __enter__(self) -> JsonlInvoiceReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[Item]:
        invoices = 0
        identities = LineRegister()
        try:
            while True:
                try:
                    line = self._text.read_line()
                except LineTooLongError as exc:
                    invoices += 1
                    source = lines_label(exc.number, exc.number)
                    message = f"{source}: {exc.reason} (data: the start of the line)"
                    yield RowError(source, exc.number, message, exc.start)
                    continue
                if line is None:
                    break
                if not line.strip():
                    continue
                invoices += 1
                yield _read_line(line, self._text.number, identities)
        finally:
            self.close()
        if invoices == 0:
            raise NoInvoicesError(
                f"{self.path} holds no invoice: nothing to import (JSON Lines: one invoice "
                "object per line)"
            )


def _read_line(line: str, number: int, identities: LineRegister) -> Item:
    source = lines_label(number, number)
    raw = line.rstrip("\r\n")
    too_deep = f"nested deeper than {MAX_DEPTH} levels of lists and objects (no invoice is)"
    numbers = _Numbers()
    try:
        data = json.loads(line, parse_float=numbers, parse_constant=_no_constant)
    except RecursionError:
        return RowError(source, number, f"{source}: {too_deep}", raw)
    except (json.JSONDecodeError, ValueError) as exc:
        message = (
            f"not valid JSON ({exc.msg} at column {exc.colno})"
            if isinstance(exc, json.JSONDecodeError)
            else str(exc)
        )
        return RowError(source, number, f"{source}: {message}", raw)
    if not isinstance(data, dict):
        return RowError(
            source, number, f"{source}: expected an invoice object, got {_kind(data)}", data
        )
    if _too_deep(data):
        return RowError(source, number, f"{source}: {too_deep}", raw)
    if numbers.out_of_range:
        # Before anything is built from it: written out, such a number is a billion digits.
        return RowError(source, number, f"{source}: {_out_of_range(data)}", raw)
    # Only a \u escape can make a lone surrogate: the line itself was decoded from UTF-8.
    where = _not_text(data) if "\\ud" in line or "\\uD" in line else None
    if where is not None:
        message = (
            f"{where}: a lone surrogate (an escape like \\ud800 without its pair) is not text "
            "and cannot be encoded as UTF-8"
        )
        return RowError(source, number, f"{source}: {message}", raw)
    problems: list[str] = []
    style = _line_numbers(data)
    invoice, bad = _fields(data, INVOICE_FIELDS, READ_ONLY_FIELDS, "", problems, style)
    from_another = any(invoice.get(name) is not None for name in _FROM_ANOTHER)
    positions = data.get("positions")
    discounted = invoice.get("show_discount") is True
    if positions is not None or not from_another:
        invoice["positions"], resolved = _positions(positions, problems, discounted, style)
        if resolved and not any(
            position.get(name) is not None
            for position in invoice["positions"]
            for name in _DISCOUNT_INPUTS
        ):
            invoice.pop("show_discount", None)
            invoice.pop("discount_kind", None)
    for name in _ENTRY_LISTS:
        entries = invoice.get(name)
        if isinstance(entries, list):
            invoice[name] = [_entry(entry) for entry in entries]
    if not from_another:
        problems.extend(invoice_problems({**invoice, **bad}))
    _check_identity(invoice, number, identities, problems)
    if problems:
        return RowError(source, number, "; ".join(f"{source}: {p}" for p in problems), data)
    return ImportItem(invoice, key=None, source=source, exported_id=_exported_id(data, invoice))


def _exported_id(line: Mapping[str, Any], invoice: Mapping[str, Any]) -> int | None:
    """The id a line's invoice had in the account it was exported from, when it has no oid (see
    ``ImportItem.exported_id``): the line's ``id``, which is not sent."""
    if invoice.get("oid") not in (None, ""):
        return None
    value = line.get("id")
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 10**18:
        return None
    return value


def _check_identity(
    invoice: dict[str, Any], number: int, identities: LineRegister, problems: list[str]
) -> None:
    """Note the oid the importer will send this invoice under; a problem when a line above
    has it already: the second would be found as the first ("already existed"), never made."""
    oid = invoice.get("oid")
    if oid not in (None, ""):
        if identities.first_line(str(oid), number) is not None:
            problems.append(f"oid {str(oid)!r} already appeared on a line above")
        return
    if problems:
        return  # not sendable as it is: it takes no identity
    try:
        # The importer's own derivation (a digest of the invoice as sent), so "the same" here
        # is exactly what would be merged there.
        identity = derive_oid(as_document(invoice, "Invoice"), None)
    except ConfigurationError as exc:
        problems.append(str(exc))
        return
    except Exception as exc:
        # Any value the writing refuses (a ValueError, a TypeError...) is this line's problem,
        # reported with it, rather than an error that stops the reading of the file.
        problems.append(f"cannot be written as the API takes it: {type(exc).__name__}: {exc}")
        return
    earlier = identities.first_line(identity, number)
    if earlier is not None:
        problems.append(
            f"same content as line {earlier} and no oid: it would be taken for that invoice "
            "and not created (give each invoice its own oid)"
        )


def _fields(
    data: Mapping[str, Any],
    readers: Mapping[str, ValueReader],
    read_only: frozenset[str],
    where: str,
    problems: list[str],
    numbers: NumberStyle,
) -> tuple[dict[str, Any], dict[str, bool]]:
    """``data`` without its read-only and null fields, the known ones read by their reader;
    and the fields given but unreadable (reported, so not to be called missing as well)."""
    out: dict[str, Any] = {}
    bad: dict[str, bool] = {}
    for name, value in data.items():
        if value is None or name in read_only or name == "positions":
            continue
        reader = readers.get(name)
        if reader is None:
            out[name] = value
            continue
        try:
            if name in MONEY_FIELDS and isinstance(value, str) and "," in value:
                # A dot is JSON's own decimal mark ("1.845" is 1.845); a comma is the
                # spreadsheet's, decimals or thousands as the line's other texts settle it.
                numbers.check(value, money=True)
            read = reader(value)
        except ValueError as exc:
            problems.append(f"{where}{name}: {exc}")
            bad[name] = True
            continue
        if read is not None:
            out[name] = read
    return out, bad


def _positions(
    value: Any, problems: list[str], discounted: bool, numbers: NumberStyle
) -> tuple[list[dict[str, Any]], int]:
    """The positions, and how many of them were left with their final total only (priced by
    the service under a discount, see the module docstring)."""
    if not isinstance(value, list) or not value:
        problems.append(
            "positions: expected a list of at least one position object"
            + ("" if value is None else f", got {_kind(value)}")
        )
        return [], 0
    positions = []
    resolved = 0
    for number, entry in enumerate(value, 1):
        where = f"positions[{number}]"
        if not isinstance(entry, dict):
            problems.append(f"{where}: expected a position object, got {_kind(entry)}")
            continue
        position, bad = _fields(
            entry, POSITION_FIELDS, READ_ONLY_ENTRY_FIELDS, f"{where}.", problems, numbers
        )
        if discounted and _priced(entry) and _final_total_only(position):
            resolved += 1
        problems.extend(f"{where}: {p}" for p in position_problems({**position, **bad}))
        positions.append(position)
    return positions, resolved


def _priced(entry: Mapping[str, Any]) -> bool:
    """Whether a position was read back from the service: it has a field only the service
    writes (a hand-written one has none, and its prices are inputs, not results)."""
    return any(entry.get(name) is not None for name in READ_ONLY_ENTRY_FIELDS)


def _final_total_only(position: dict[str, Any]) -> bool:
    """Keep, of a priced position's prices, its first total (the discount is in it) and drop
    the unit prices and the discount's inputs, which would take the discount off again. False
    (and unchanged) without a total: its unit price and discount then price it once."""
    total = next((name for name in _TOTALS if position.get(name) is not None), None)
    if total is None:
        return False
    for name in (*PRICE_FIELDS, *_DISCOUNT_INPUTS):
        if name != total:
            position.pop(name, None)
    return True


class _Numbers:
    """The ``parse_float`` of one line: each number as a Decimal, noting whether one of them
    is out of :func:`~invoceanio.formats.fields.in_range` (found again by :func:`_out_of_range`
    only then, so a line without one costs no further walk)."""

    def __init__(self) -> None:
        self.out_of_range = False

    def __call__(self, text: str) -> Decimal:
        value = Decimal(text)
        if not self.out_of_range and not in_range(value):
            self.out_of_range = True
        return value


def _out_of_range(data: Any) -> str:
    """The problem of the first number of ``data`` out of range, with the field it is in."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, Decimal):
            try:
                check_magnitude(value, str(value))
            except ValueError as exc:
                return f"{where or 'the line'}: {exc}"
        elif isinstance(value, dict):
            stack.extend(
                (f"{where}.{key}" if where else str(key), child)
                for key, child in reversed(value.items())
            )
        elif isinstance(value, list):
            stack.extend(
                (f"{where}[{index}]", child) for index, child in reversed(list(enumerate(value, 1)))
            )
    return "a number is out of range"


def _too_deep(data: Any) -> bool:
    """Whether ``data`` nests lists and objects deeper than MAX_DEPTH (walked without
    recursion, as the point is not to recurse)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_DEPTH:
            return True
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children)
    return False


def _not_text(data: Any) -> str | None:
    """Where (a field's path) ``data`` holds a string or a name that is not valid Unicode
    text, else None. The path shows such a name escaped, so the message can be printed."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            if not _encodes(value):
                return where or "the line"
        elif isinstance(value, dict):
            for key, child in value.items():
                name = key if _encodes(key) else ascii(key)
                path = f"{where}.{name}" if where else name
                if name != key:
                    return f"the name of {path}"
                stack.append((path, child))
        elif isinstance(value, list):
            stack.extend((f"{where}[{index}]", child) for index, child in enumerate(value, 1))
    return None


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _entry(entry: Any) -> Any:
    if not isinstance(entry, dict):
        return entry
    return {
        name: value
        for name, value in entry.items()
        if value is not None and name not in READ_ONLY_ENTRY_FIELDS
    }


def _kind(value: Any) -> str:
    return {list: "a list", dict: "an object", str: "a string", bool: "true/false"}.get(
        type(value), "a number" if isinstance(value, int | Decimal) else "null"
    )
