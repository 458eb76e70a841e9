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
- The invoice's identity is its ``oid`` when it has one (a later line with the same ``oid`` is
  an error: it would be taken for the first), else a digest of its content (given by the
  importer), so the same line imported again is not created twice.

Streamed line by line: memory does not grow with the file (only a 64-bit digest per oid).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, NoReturn

from invoceanio.formats.fields import INVOICE_FIELDS, POSITION_FIELDS, ValueReader
from invoceanio.formats.records import InputFileError, KeyRegister, RowError, TextLines, lines_label
from invoceanio.formats.rules import invoice_problems, position_problems
from invoceanio.importer import ImportItem

__all__ = ["READ_ONLY_FIELDS", "JsonlInvoiceReader"]

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

Item = ImportItem | RowError


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a number the API takes")


class JsonlInvoiceReader:
    """The invoices of one JSON Lines file; opened here (an unreadable file raises
    :class:`InputFileError` at once), read as you iterate (once)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._text = TextLines(self.path)

    def close(self) -> None:
        self._text.close()

    def __enter__(self) -> JsonlInvoiceReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[Item]:
        invoices = 0
        oids = KeyRegister()
        try:
            for line in self._text:
                if not line.strip():
                    continue
                invoices += 1
                yield _read_line(line, self._text.number, oids)
        finally:
            self.close()
        if invoices == 0:
            raise InputFileError(
                f"{self.path} is empty: expected one invoice object per line (JSON Lines)"
            )


def _read_line(line: str, number: int, oids: KeyRegister) -> Item:
    source = lines_label(number, number)
    try:
        data = json.loads(line, parse_float=Decimal, parse_constant=_no_constant)
    except (json.JSONDecodeError, ValueError) as exc:
        message = (
            f"not valid JSON ({exc.msg} at column {exc.colno})"
            if isinstance(exc, json.JSONDecodeError)
            else str(exc)
        )
        return RowError(source, number, f"{source}: {message}", line.rstrip("\r\n"))
    if not isinstance(data, dict):
        return RowError(
            source, number, f"{source}: expected an invoice object, got {_kind(data)}", data
        )
    problems: list[str] = []
    invoice, bad = _fields(data, INVOICE_FIELDS, READ_ONLY_FIELDS, "", problems)
    from_another = any(invoice.get(name) is not None for name in _FROM_ANOTHER)
    positions = data.get("positions")
    if positions is not None or not from_another:
        invoice["positions"] = _positions(positions, problems)
    for name in _ENTRY_LISTS:
        entries = invoice.get(name)
        if isinstance(entries, list):
            invoice[name] = [_entry(entry) for entry in entries]
    if not from_another:
        problems.extend(invoice_problems({**invoice, **bad}))
    oid = invoice.get("oid")
    if oid is not None and not oids.add(str(oid)):
        problems.append(f"oid {str(oid)!r} already appeared on a line above")
    if problems:
        return RowError(source, number, "; ".join(f"{source}: {p}" for p in problems), data)
    return ImportItem(invoice, key=None, source=source)


def _fields(
    data: Mapping[str, Any],
    readers: Mapping[str, ValueReader],
    read_only: frozenset[str],
    where: str,
    problems: list[str],
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
            read = reader(value)
        except ValueError as exc:
            problems.append(f"{where}{name}: {exc}")
            bad[name] = True
            continue
        if read is not None:
            out[name] = read
    return out, bad


def _positions(value: Any, problems: list[str]) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        problems.append(
            "positions: expected a list of at least one position object"
            + ("" if value is None else f", got {_kind(value)}")
        )
        return []
    positions = []
    for number, entry in enumerate(value, 1):
        where = f"positions[{number}]"
        if not isinstance(entry, dict):
            problems.append(f"{where}: expected a position object, got {_kind(entry)}")
            continue
        position, bad = _fields(
            entry, POSITION_FIELDS, READ_ONLY_ENTRY_FIELDS, f"{where}.", problems
        )
        problems.extend(f"{where}: {p}" for p in position_problems({**position, **bad}))
        positions.append(position)
    return positions


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
