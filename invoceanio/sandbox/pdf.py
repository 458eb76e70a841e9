"""Invoice printouts for the sandbox: ``GET /invoices/{id}.pdf`` rendered in pure Python.

:func:`render_invoice_pdf` turns a JSON-shaped invoice (the dict the sandbox stores and answers
with) into the bytes of a PDF 1.4 document. Nothing outside the standard library is used: no
external program, no font file, no PDF package.

**What the printout shows.** The title (document kind and ``number``), the ``print_option`` label
on every page, a "SANDBOX — not a real invoice" banner and footer, the issue, sell and due dates,
the seller and buyer (name, tax number, address), a positions table (number, name, quantity with
unit, unit net price, tax, total gross) and the net, tax and gross totals with the currency. A long
positions list flows onto further pages, each repeating the title (cut to three lines at most) and
the table header; a position keeps its lines together unless it is taller than a whole page. Every
page is numbered "Page i of n". An expense invoice (``income`` explicitly false: ``False``, ``0``,
``"0"``, ``"false"``, ``"no"``, ``"off"``) swaps the two party labels as the service's printout
does: ``seller_*`` is still your company, and it is printed under "Buyer".

Values are printed as stored: money as dot decimals with two places (``"1230.00"``, the API's own
form, so a printed amount can be matched against the JSON), quantities without trailing zeros
(``"3.0"`` prints ``3``), a numeric tax rate with a percent sign (``23%``) and a tax code as sent
(``zw``, ``np``). Comma decimals are read too; rounding is half up, in a private decimal context
(the caller's never changes a result). A value that is not a number, or a number beyond 10**40, is
printed as it is. Missing invoice totals are summed from the positions' totals (``-`` when a
position has none).

**print_option** selects the label: ``original`` (also the default for ``None`` or ``""``) prints
ORIGINAL, ``copy`` COPY, ``duplicate`` DUPLICATE, and ``original_and_copy`` prints the whole
document twice, first labelled ORIGINAL, then COPY (each with its own page numbers), like the
service. Any other value raises :class:`ValueError`; :data:`PRINT_OPTIONS` lists the valid ones.

**print_ean_codes** (``GET /invoices/{id}.pdf?print_ean_codes=true``, [FR], spec 4.1) prints each
position's ``ean_code`` after its name, as ``(EAN: 5901234123457)``; a position without one
prints as usual. The renderer reads only the invoice, so the caller puts the products' codes on
the positions first (:func:`invoceanio.sandbox.references.with_ean_codes`).

**Characters.** Text uses the standard Helvetica and Helvetica-Bold fonts with
``WinAnsiEncoding`` (Windows-1252), so only that repertoire can be drawn. :func:`winansi_text`
maps every string onto it, one character at a time, by the first rule that applies:

1. a character in WinAnsiEncoding is kept: ``ó Ó`` (the only Polish letters it has), ``š ž é ü
   ß``, the en dash (U+2013), the em dash ``—``, ``€``, the typographic quotes ``„ ”`` and
   U+2018/U+2019;
2. a control character, line or paragraph separator or any space (no-break, thin…) becomes a
   plain space; an invisible format character (soft hyphen, zero-width space, BOM…) is dropped;
3. letters with no Unicode decomposition use a fixed table: ``ł→l Ł→L đ→d Đ→D ħ→h Ħ→H ŧ→t Ŧ→T``,
   dotless i (U+0131) to ``i``, and the dashes and primes outside WinAnsi become
   ``-``, ``'`` or ``"``;
4. otherwise the character is decomposed (NFKD) and its combining marks are removed; if what
   remains is drawable it is used: ``ą→a ć→c ę→e ń→n ś→s ź→z ż→z`` (and their capitals), ``ﬁ→fi``;
5. anything else (Cyrillic, CJK, emoji…) becomes ``?``.

So "Zażółć gęślą jaźń, Łódź" prints as "Zazólc gesla jazn, Lódz". The document title in the
PDF's metadata is written in UTF-16 and keeps every character.

**The file.** A classic PDF 1.4 layout: header with a binary comment, one indirect object per
catalog, page tree, font, info dictionary, page and (uncompressed) content stream, a
cross-reference table with the exact byte offset of every object, a trailer with ``/Size``,
``/Root``, ``/Info`` and a content-derived ``/ID``, ``startxref`` and ``%%EOF``. Content streams
are pure ASCII: parentheses and backslashes are escaped and every byte outside printable ASCII
is written as an octal escape. The output depends only on the input (no timestamps), so the same
invoice always gives the same bytes.

The Helvetica widths below come from Adobe's Core 14 AFM files (Helvetica.afm and
Helvetica-Bold.afm, Copyright (c) 1985-1997 Adobe Systems Incorporated), re-indexed by
WinAnsiEncoding code; they are used to wrap and right-align text.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from itertools import zip_longest
from typing import Any, Final

__all__ = ["PRINT_OPTIONS", "SANDBOX_NOTICE", "render_invoice_pdf", "winansi_text"]

PRINT_OPTIONS: Final = ("original", "copy", "original_and_copy", "duplicate")
"""The ``print_option`` values the service documents."""

SANDBOX_NOTICE: Final = "SANDBOX — not a real invoice"
"""Printed under the title of the first page and in the footer of every page."""

_LABELS: Final[Mapping[str, tuple[str, ...]]] = {
    "original": ("ORIGINAL",),
    "copy": ("COPY",),
    "original_and_copy": ("ORIGINAL", "COPY"),
    "duplicate": ("DUPLICATE",),
}

_KIND_TITLES: Final[Mapping[str, str]] = {
    "vat": "VAT invoice",
    "proforma": "Proforma invoice",
    "bill": "Bill",
    "receipt": "Receipt",
    "advance": "Advance invoice",
    "final": "Final invoice",
    "correction": "Correction invoice",
    "invoice_other": "Invoice",
    "vat_margin": "VAT margin invoice",
    "kp": "Cash receipt (KP)",
    "kw": "Cash payment (KW)",
    "estimate": "Estimate",
    "vat_mp": "VAT invoice (split payment)",
    "vat_rr": "VAT RR invoice",
    "correction_note": "Correction note",
    "accounting_note": "Accounting note",
    "client_order": "Client order",
    "dw": "Internal document (DW)",
    "wnt": "Intra-EU acquisition (WNT)",
    "wdt": "Intra-EU supply (WDT)",
    "import_service": "Import of services",
    "import_service_eu": "Import of services (EU)",
    "import_products": "Import of goods",
    "export_products": "Export of goods",
    "canceled": "Cancelled invoice",
}

# --------------------------------------------------------------------------- characters

# Rule 3 of the module docstring: characters outside WinAnsi that NFKD cannot reduce.
_TRANSLITERATIONS: Final[Mapping[str, str]] = {
    "ł": "l",
    "Ł": "L",
    "đ": "d",
    "Đ": "D",
    "ħ": "h",
    "Ħ": "H",
    "\u0131": "i",  # dotless i
    "ŧ": "t",
    "Ŧ": "T",
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u2012": "-",  # figure dash
    "\u2015": "-",  # horizontal bar
    "\u2212": "-",  # minus sign
    "\u2032": "'",  # prime
    "\u2033": '"',  # double prime
}


def _is_winansi(char: str) -> bool:
    if unicodedata.category(char) in ("Cc", "Cf"):
        return False
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _map_char(char: str) -> str:
    category = unicodedata.category(char)
    if category in ("Cc", "Zs", "Zl", "Zp"):
        return " "
    if category == "Cf":
        return ""
    if _is_winansi(char):
        return char
    if char in _TRANSLITERATIONS:
        return _TRANSLITERATIONS[char]
    stripped = "".join(
        part for part in unicodedata.normalize("NFKD", char) if not unicodedata.combining(part)
    )
    if stripped and all(_is_winansi(part) for part in stripped):
        return stripped
    return "?"


def winansi_text(value: str) -> str:
    """Return ``value`` as it will be printed: only characters WinAnsiEncoding can draw.

    The rules are in the module docstring; for example ``"Łódź, ul. Żółta 5"`` gives
    ``"Lódz, ul. Zólta 5"``.
    """
    return "".join(_map_char(char) for char in value)


# Widths in 1/1000 em of WinAnsi codes 32..255 (0 for the five unused codes and DEL, never drawn).
_HELVETICA: Final = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 0,
    556, 0, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0,
    0, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 0, 500, 667,
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333,
    400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611,
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500,
)  # fmt: skip
_HELVETICA_BOLD: Final = (
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 0,
    556, 0, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0,
    0, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 0, 500, 667,
    278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333,
    400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611,
    722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
    556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278,
    611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556,
)  # fmt: skip


def _text_width(text: str, *, bold: bool, size: float) -> float:
    """Width in points of ``text`` (already passed through :func:`winansi_text`)."""
    widths = _HELVETICA_BOLD if bold else _HELVETICA
    return sum(widths[code - 32] for code in text.encode("cp1252")) * size / 1000


def _wrap(text: str, width: float, *, bold: bool, size: float) -> list[str]:
    """Break ``text`` into lines no wider than ``width``; a word that is too long is cut."""

    def fits(candidate: str) -> bool:
        return _text_width(candidate, bold=bold, size=size) <= width

    lines: list[str] = []
    current = ""
    for word in text.split():
        while not fits(word):
            if current:
                lines.append(current)
                current = ""
            cut = 1  # always make progress, even in an absurdly narrow column
            while cut < len(word) and fits(word[: cut + 1]):
                cut += 1
            lines.append(word[:cut])
            word = word[cut:]
        candidate = f"{current} {word}" if current else word
        if fits(candidate):
            current = candidate
        else:
            lines.append(current)
            current = word
    if current or not lines:
        lines.append(current)
    return lines


def _escape(data: bytes) -> bytes:
    """A PDF literal string body: ``( ) \\`` escaped, bytes outside printable ASCII in octal."""
    out = bytearray()
    for byte in data:
        if byte in b"()\\":
            out += b"\\" + bytes([byte])
        elif 32 <= byte < 127:
            out.append(byte)
        else:
            out += b"\\%03o" % byte
    return bytes(out)


# --------------------------------------------------------------------------- values


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return winansi_text(str(value)).strip()


# Roomy enough that rounding to cents is exact for every number _decimal accepts.
_DECIMALS: Final = Context(prec=120, rounding=ROUND_HALF_UP)
_CENT: Final = Decimal("0.01")


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        return None
    if not number.is_finite() or number.adjusted() >= 40:
        return None  # absurd sizes are printed as text rather than expanded
    return number


def _cents(number: Decimal) -> str:
    rounded = number.quantize(_CENT, context=_DECIMALS)
    return f"{rounded.copy_abs() if rounded.is_zero() else rounded:f}"  # never "-0.00"


def _money(value: Any) -> str:
    number = _decimal(value)
    return _text(value) if number is None else _cents(number)


def _quantity(value: Any) -> str:
    number = _decimal(value)
    if number is None:
        return _text(value)
    return f"{number.normalize(_DECIMALS):f}" if number else "0"


def _tax(value: Any) -> str:
    number = _decimal(value)
    if number is None:
        return _text(value)
    return f"{number.normalize(_DECIMALS):f}%" if number else "0%"


def _sum(positions: Sequence[Mapping[str, Any]], key: str) -> str:
    total = Decimal(0)
    for position in positions:
        number = _decimal(position.get(key))
        if number is None:
            return "-"
        total = _DECIMALS.add(total, number)
    return _cents(total)


def _is_expense(invoice: Mapping[str, Any]) -> bool:
    income = invoice.get("income")
    if income is None:
        return False
    return str(income).strip().lower() in ("false", "0", "no", "off")


# --------------------------------------------------------------------------- layout

_PAGE_WIDTH: Final = 595.28  # A4
_PAGE_HEIGHT: Final = 841.89
_LEFT: Final = 50.0
_RIGHT: Final = _PAGE_WIDTH - 50.0
_TOP: Final = _PAGE_HEIGHT - 50.0
_BOTTOM: Final = 60.0  # the flow stops here; the footer sits below
_FOOTER_Y: Final = 35.0
_BODY: Final = 9.0
_LINE: Final = _BODY * 1.4
_RED: Final = (0.75, 0.0, 0.0)

# Positions table: (heading, left edge, right edge, right-aligned).
_COLUMNS: Final = (
    ("No.", _LEFT, _LEFT + 24, False),
    ("Name", _LEFT + 26, _LEFT + 231, False),
    ("Qty", _LEFT + 235, _LEFT + 291, True),
    ("Unit net", _LEFT + 295, _LEFT + 366, True),
    ("Tax", _LEFT + 370, _LEFT + 411, True),
    ("Total gross", _LEFT + 415, _RIGHT, True),
)
_PARTY_WIDTH: Final = (_RIGHT - _LEFT - 20) / 2


@dataclass(frozen=True, slots=True)
class _Run:
    """One piece of text; ``x`` is its left edge, or its right edge when ``right`` is set."""

    x: float
    text: str
    bold: bool = False
    size: float = _BODY
    right: bool = False
    color: tuple[float, float, float] | None = None


@dataclass(frozen=True, slots=True)
class _Row:
    """Runs sharing one baseline; ``rule`` draws a line under the row."""

    runs: tuple[_Run, ...]
    height: float = _LINE
    rule: float | None = None  # grey level of the rule, 0 = black


def _draw_text(run: _Run, baseline: float) -> bytes:
    x = run.x - _text_width(run.text, bold=run.bold, size=run.size) if run.right else run.x
    font = "F2" if run.bold else "F1"
    encoded = _escape(run.text.encode("cp1252"))
    text = b"BT /%s %s Tf %s %s Td (%s) Tj ET" % (
        font.encode(),
        _num(run.size),
        _num(x),
        _num(baseline),
        encoded,
    )
    if run.color is None:
        return text
    red, green, blue = run.color
    return b"%s %s %s rg %s 0 g" % (_num(red), _num(green), _num(blue), text)


def _num(value: float) -> bytes:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return b"0" if text in ("", "-0") else text.encode()


class _Flow:
    """Places rows top to bottom, starting new pages (with a running header) as needed."""

    def __init__(self, title: str, label: str) -> None:
        self._title = title
        self._label = label
        self.pages: list[list[bytes]] = []
        self._y = 0.0
        self._new_page()

    def _header(self, first: bool) -> list[_Row]:
        """The running header: the title (smaller and "continued" after page 1) and the label."""
        title = self._title if first else f"{self._title} (continued)"
        size = 16.0 if first else 10.0
        width = _RIGHT - _LEFT - _text_width(self._label, bold=True, size=12) - 12
        label = _Run(_RIGHT, self._label, bold=True, size=12, right=True)
        lines = _wrap(title, width, bold=True, size=size)
        if len(lines) > 3:  # a pathological number must not push the page content off the page
            last = lines[2]
            while last and _text_width(f"{last}…", bold=True, size=size) > width:
                last = last[:-1]
            lines = [*lines[:2], f"{last}…"]
        rows = []
        for index, line in enumerate(lines):
            runs = (_Run(_LEFT, line, bold=True, size=size),)
            rows.append(_Row((*runs, label) if index == 0 else runs, height=size * 1.4))
        rows.append(_Row((), height=6))
        return rows

    def _new_page(self) -> None:
        header = self._header(first=not self.pages)
        self.pages.append([])
        self._y = _TOP
        for row in header:
            self._draw(row)

    def _draw(self, row: _Row) -> None:
        ops = self.pages[-1]
        baseline = self._y - row.height * 0.72
        ops.extend(_draw_text(run, baseline) for run in row.runs if run.text)
        self._y -= row.height
        if row.rule is not None:
            y = _num(self._y + 1)
            ops.append(b"%s G 0.5 w %s %s m %s %s l S 0 G" % (
                _num(row.rule), _num(_LEFT), y, _num(_RIGHT), y
            ))  # fmt: skip

    def gap(self, height: float) -> None:
        self._y -= height

    def add(self, rows: Sequence[_Row], *, repeat: Sequence[_Row] = ()) -> None:
        """Draw ``rows`` together if they fit on one page; ``repeat`` heads every new page."""
        needed = sum(row.height for row in rows)
        if self._y - needed < _BOTTOM and self._room_on_fresh_page(repeat) >= needed:
            self._break(repeat)
        for row in rows:
            if self._y - row.height < _BOTTOM:
                self._break(repeat)
            self._draw(row)

    def _break(self, repeat: Sequence[_Row]) -> None:
        self._new_page()
        for row in repeat:
            self._draw(row)

    def _room_on_fresh_page(self, repeat: Sequence[_Row]) -> float:
        used = sum(row.height for row in (*self._header(first=False), *repeat))
        return _TOP - _BOTTOM - used

    def finish(self) -> list[bytes]:
        """The content streams, each with its footer."""
        streams = []
        count = len(self.pages)
        for number, ops in enumerate(self.pages, start=1):
            footer = (
                _Run(_LEFT, SANDBOX_NOTICE, size=8, color=_RED),
                _Run(_RIGHT, f"{self._label} · Page {number} of {count}", size=8, right=True),
            )
            ops = [*ops, *(_draw_text(run, _FOOTER_Y) for run in footer)]
            streams.append(b"\n".join(ops) + b"\n")
        return streams


def _raw(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _title(invoice: Mapping[str, Any], clean: Callable[[Any], str] = _text) -> str:
    """Kind and number; ``clean=_raw`` keeps every character (for the metadata)."""
    kind = _raw(invoice.get("kind")) or "vat"
    name = _KIND_TITLES.get(kind) or clean(kind.replace("_", " ")).capitalize()
    number = clean(invoice.get("number"))
    return f"{name} {number}" if number else name


def _party(invoice: Mapping[str, Any], prefix: str) -> list[tuple[str, bool]]:
    """Lines of one party block as (text, bold)."""

    def field(name: str) -> str:
        return _text(invoice.get(f"{prefix}_{name}"))

    name = field("name") or " ".join(filter(None, (field("first_name"), field("last_name"))))
    city = " ".join(filter(None, (field("post_code"), field("city"))))
    lines = [(name or "-", True)]
    if field("tax_no"):
        lines.append((f"Tax no: {field('tax_no')}", False))
    lines.extend((text, False) for text in (field("street"), city, field("country")) if text)
    return lines


def _party_rows(invoice: Mapping[str, Any]) -> list[_Row]:
    left, right = ("buyer", "seller") if _is_expense(invoice) else ("seller", "buyer")
    columns: list[list[tuple[str, bool]]] = []
    for heading, prefix in (("Seller", left), ("Buyer", right)):
        lines = [(heading.upper(), True)]
        for text, bold in _party(invoice, prefix):
            lines.extend((line, bold) for line in _wrap(text, _PARTY_WIDTH, bold=bold, size=_BODY))
        columns.append(lines)
    rows = []
    blank = ("", False)
    for (left_text, left_bold), (right_text, right_bold) in zip_longest(*columns, fillvalue=blank):
        rows.append(
            _Row(
                (
                    _Run(_LEFT, left_text, bold=left_bold),
                    _Run(_LEFT + _PARTY_WIDTH + 20, right_text, bold=right_bold),
                )
            )
        )
    return rows


def _table_rows(cells: Sequence[str], *, bold: bool = False, rule: float | None) -> list[_Row]:
    """One table row per text line of the tallest cell; the rule goes under the last one."""
    wrapped = [
        _wrap(text, right - left, bold=bold, size=_BODY)
        for text, (_, left, right, _) in zip(cells, _COLUMNS, strict=True)
    ]
    height = max(len(lines) for lines in wrapped)
    rows = []
    for index in range(height):
        runs = tuple(
            _Run(right if align_right else left, lines[index], bold=bold, right=align_right)
            for lines, (_, left, right, align_right) in zip(wrapped, _COLUMNS, strict=True)
            if index < len(lines)
        )
        rows.append(_Row(runs, rule=rule if index == height - 1 else None))
    return rows


def _position_name(position: Mapping[str, Any], *, print_ean_codes: bool) -> str:
    name = _text(position.get("name")) or "-"
    ean_code = _text(position.get("ean_code")) if print_ean_codes else ""
    return f"{name} (EAN: {ean_code})" if ean_code else name


def _position_cells(
    number: int, position: Mapping[str, Any], *, print_ean_codes: bool = False
) -> list[str]:
    quantity = " ".join(
        filter(None, (_quantity(position.get("quantity", 1)), _text(position.get("quantity_unit"))))
    )
    return [
        f"{number}.",
        _position_name(position, print_ean_codes=print_ean_codes),
        quantity,
        _money(position.get("price_net")),
        _tax(position.get("tax")),
        _money(position.get("total_price_gross")),
    ]


def _positions(invoice: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    positions = invoice.get("positions") or []
    if isinstance(positions, Mapping | str | bytes) or not isinstance(positions, Iterable):
        raise TypeError("invoice['positions'] must be a list of objects")
    result = list(positions)
    for position in result:
        if not isinstance(position, Mapping):
            raise TypeError("invoice['positions'] must be a list of objects")
    return result


def _render_copy(
    invoice: Mapping[str, Any], label: str, *, print_ean_codes: bool = False
) -> list[bytes]:
    flow = _Flow(_title(invoice), label)
    flow.add([_Row((_Run(_LEFT, SANDBOX_NOTICE, bold=True, size=10, color=_RED),), height=14)])
    flow.gap(8)

    dates = (("Issue date", "issue_date"), ("Sell date", "sell_date"), ("Due date", "payment_to"))
    for caption, key in dates:
        value = _text(invoice.get(key))
        if value:
            flow.add([_Row((_Run(_LEFT, f"{caption}: {value}"),))])
    flow.gap(10)
    flow.add(_party_rows(invoice))
    flow.gap(14)

    header = _table_rows([heading for heading, *_ in _COLUMNS], bold=True, rule=0.0)
    positions = _positions(invoice)
    number = 0
    for index, position in enumerate(positions):
        if position.get("kind") == "text_separator":
            name = _wrap(_text(position.get("name")), _RIGHT - _LEFT, bold=True, size=_BODY)
            rows = [_Row((_Run(_LEFT, line, bold=True),)) for line in name]
        else:
            number += 1
            cells = _position_cells(number, position, print_ean_codes=print_ean_codes)
            rows = _table_rows(cells, rule=0.75)
        flow.add([*header, *rows] if index == 0 else rows, repeat=header)
    if not positions:
        flow.add(header)
    flow.gap(12)

    currency = _text(invoice.get("currency"))
    totals = []
    for caption, key, position_key in (
        ("Total net", "price_net", "total_price_net"),
        ("Tax", "price_tax", "total_price_tax"),
        ("Total gross", "price_gross", "total_price_gross"),
    ):
        stored = invoice.get(key)
        amount = _money(stored) if stored not in (None, "") else _sum(positions, position_key)
        bold = caption == "Total gross"
        value = f"{amount} {currency}" if currency else amount
        totals.append(
            _Row(
                (_Run(_LEFT + 295, f"{caption}:", bold=bold), _Run(_RIGHT, value, bold, right=True))
            )
        )
    flow.add(totals)
    return flow.finish()


# --------------------------------------------------------------------------- file


def _pdf_string_utf16(text: str) -> bytes:
    clean = "".join(" " if unicodedata.category(char) == "Cc" else char for char in text)
    return b"<FEFF" + clean.encode("utf-16-be").hex().upper().encode() + b">"


def _write_pdf(streams: Sequence[bytes], title: str) -> bytes:
    page_count = len(streams)
    first_page = 6
    kids = b" ".join(b"%d 0 R" % (first_page + 2 * index) for index in range(page_count))
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>"
    bodies: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, page_count),
        font % b"Helvetica",
        font % b"Helvetica-Bold",
        b"<< /Title %s /Producer (invoceanio sandbox) /Creator (invoceanio sandbox) >>"
        % _pdf_string_utf16(title),
    ]
    for index, stream in enumerate(streams):
        contents = first_page + 2 * index + 1
        bodies.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %s %s] "
            b"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> /ProcSet [/PDF /Text] >> "
            b"/Contents %d 0 R >>" % (_num(_PAGE_WIDTH), _num(_PAGE_HEIGHT), contents)
        )
        bodies.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    file_id = hashlib.md5(out, usedforsecurity=False).hexdigest().upper().encode()
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R /ID [<%s> <%s>] >>\n" % (
        len(bodies) + 1,
        file_id,
        file_id,
    )
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def _labels(print_option: str | None) -> tuple[str, ...]:
    if not print_option:
        return _LABELS["original"]
    try:
        return _LABELS[print_option]
    except KeyError:
        valid = ", ".join(PRINT_OPTIONS)
        raise ValueError(f"print_option must be one of {valid}, not {print_option!r}") from None


def render_invoice_pdf(
    invoice: Mapping[str, Any], *, print_option: str | None = None, print_ean_codes: bool = False
) -> bytes:
    """Render ``invoice`` (the JSON-shaped dict the API returns) as the bytes of a PDF file.

    ``print_option`` is the query parameter of ``GET /invoices/{id}.pdf``: one of
    :data:`PRINT_OPTIONS`, or ``None``/``""`` for ``original``. Raises :class:`ValueError` for any
    other option and :class:`TypeError` when ``positions`` is not a list of objects.
    ``print_ean_codes`` prints each position's ``ean_code`` after its name.
    """
    labels = _labels(print_option)
    streams: list[bytes] = []
    for label in labels:
        streams.extend(_render_copy(invoice, label, print_ean_codes=print_ean_codes))
    return _write_pdf(streams, _title(invoice, _raw))
