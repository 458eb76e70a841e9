"""The sandbox's invoice printout: a valid PDF 1.4 file that shows what the invoice says.

Proves that render_invoice_pdf writes a well-formed file (header, exact xref offsets for every
object, trailer, startxref, %%EOF; deterministic bytes) that a real parser (pypdf, strict mode)
reads page by page; that the extracted text carries the title, dates, both parties, every
position and the totals with the currency; that parentheses and backslashes are escaped; that
Polish and other non-WinAnsi text never crashes and comes out as documented (ó and the dashes
kept, ą ę ł ń ś ź ż transliterated, the rest "?"); that 300 positions flow onto several numbered
pages repeating the table header, and that no text run leaves the page margins (measured with
Adobe's Helvetica metrics as pypdf ships them); that every print_option prints its label (and
original_and_copy prints the document twice) while an unknown one is refused; and that expense
invoices swap the party labels.
"""

from __future__ import annotations

import decimal
import io
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from pypdf import PdfReader
from pypdf._codecs.core_font_metrics import CORE_FONT_METRICS
from pypdf.generic import ByteStringObject, ContentStream

from invoceanio.sandbox.pdf import (
    PRINT_OPTIONS,
    SANDBOX_NOTICE,
    render_invoice_pdf,
    winansi_text,
)
from tests.support import invoice_payload

PAGE_WIDTH = 595.28
PAGE_HEIGHT = 841.89
LEFT, RIGHT = 50.0, PAGE_WIDTH - 50.0
EN_DASH = "\u2013"  # in WinAnsi (0x96), like the em dash of the sandbox notice
TIMES = "\u00d7"
QUOTED = "\u2018x\u2019"


def invoice(**fields: Any) -> dict[str, Any]:
    payload = invoice_payload(
        number="FV 7/11/2026",
        seller_name="Sandbox Seller Sp. z o.o.",
        seller_tax_no="5252445767",
        seller_street="ul. Prosta 1",
        seller_post_code="00-850",
        seller_city="Warszawa",
        buyer_name="Klient ABC",
        buyer_tax_no="PL1234563218",
        price_net="300.00",
        price_tax="69.00",
        price_gross="369.00",
        currency="EUR",
        positions=[
            {
                "name": "Consulting",
                "quantity": "2.0",
                "quantity_unit": "h",
                "price_net": "100.00",
                "tax": "23",
                "total_price_gross": "246.00",
            },
            {
                "name": "Licence",
                "quantity": "1.0",
                "price_net": "100.00",
                "tax": "23",
                "total_price_gross": "123.00",
            },
        ],
    )
    payload.update(fields)
    return payload


def many_positions(count: int) -> list[dict[str, Any]]:
    return [
        {
            "name": f"Item {number}",
            "quantity": "1.0",
            "price_net": "10.00",
            "tax": "23",
            "total_price_gross": "12.30",
        }
        for number in range(1, count + 1)
    ]


def read(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf), strict=True)


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in read(pdf).pages]


def all_text(pdf: bytes) -> str:
    return "\n".join(pages_text(pdf))


@dataclass(frozen=True)
class Run:
    page: int
    font: str
    size: float
    x: float
    y: float
    text: str


def runs(pdf: bytes) -> Iterator[Run]:
    """Every shown string with its font and position, from pypdf's content-stream parser."""
    reader = read(pdf)
    for index, page in enumerate(reader.pages):
        fonts = page["/Resources"]["/Font"]
        assert all(fonts[name]["/Encoding"] == "/WinAnsiEncoding" for name in fonts)
        font, size, x, y = "", 0.0, 0.0, 0.0
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"BT":
                x = y = 0.0
            elif operator == b"Tf":
                font, size = str(fonts[operands[0]]["/BaseFont"])[1:], float(operands[1])
            elif operator == b"Td":
                x, y = x + float(operands[0]), y + float(operands[1])
            elif operator == b"Tj":
                string = operands[0]
                raw = (
                    bytes(string)
                    if isinstance(string, ByteStringObject)
                    else string.get_original_bytes()
                )
                yield Run(index, font, size, x, y, raw.decode("cp1252"))


def width(run: Run) -> float:
    metrics = CORE_FONT_METRICS[run.font].character_widths
    return sum(metrics[char] for char in run.text) * run.size / 1000


def raw_contents(pdf: bytes) -> bytes:
    return b"".join(page.get_contents().get_data() for page in read(pdf).pages)


def xref_entries(pdf: bytes) -> tuple[int, list[tuple[int, int, bytes]]]:
    """(xref offset, [(offset, generation, kind)]) parsed from the file's only xref table."""
    match = re.search(rb"startxref\n(\d+)\n%%EOF\n\Z", pdf)
    assert match, "startxref and %%EOF must close the file"
    start = int(match.group(1))
    assert pdf[start:].startswith(b"xref\n")
    header = re.match(rb"xref\n0 (\d+)\n", pdf[start:])
    assert header
    count = int(header.group(1))
    table = start + header.end()
    entries = []
    for number in range(count):
        entry = pdf[table + 20 * number : table + 20 * (number + 1)]
        assert re.fullmatch(rb"\d{10} \d{5} [nf] \n", entry), entry
        entries.append((int(entry[:10]), int(entry[11:16]), entry[17:18]))
    assert pdf[table + 20 * count :].startswith(b"trailer\n")
    size = re.search(rb"/Size (\d+)", pdf[table + 20 * count :])
    assert size and int(size.group(1)) == count
    return start, entries


# --------------------------------------------------------------------------- the file


def test_output_is_a_pdf_1_4_file_from_header_to_eof() -> None:
    pdf = render_invoice_pdf(invoice())

    assert pdf.startswith(b"%PDF-1.4\n%")
    assert all(byte >= 128 for byte in pdf[10:14])  # the binary marker comment
    assert pdf.endswith(b"%%EOF\n")
    assert pdf.count(b"%%EOF") == 1


def test_the_same_invoice_always_gives_the_same_bytes() -> None:
    assert render_invoice_pdf(invoice()) == render_invoice_pdf(invoice())
    assert render_invoice_pdf(invoice()) != render_invoice_pdf(invoice(number="FV 8/11/2026"))


@pytest.mark.parametrize(
    ("positions", "print_option"),
    [(2, None), (300, None), (40, "original_and_copy")],
    ids=["one-page", "300-positions", "original-and-copy"],
)
def test_every_xref_offset_points_exactly_at_its_object(
    positions: int, print_option: str | None
) -> None:
    pdf = render_invoice_pdf(
        invoice(positions=many_positions(positions)), print_option=print_option
    )

    start, entries = xref_entries(pdf)

    assert entries[0] == (0, 65535, b"f")
    assert len(entries) > 6
    for number, (offset, generation, kind) in enumerate(entries[1:], start=1):
        assert (generation, kind) == (0, b"n")
        assert pdf[offset:].startswith(b"%d 0 obj\n" % number), number
        assert offset < start
    # every object in the file is in the table, once
    assert len(re.findall(rb"(?m)^\d+ 0 obj\n", pdf)) == len(entries) - 1


def test_stream_lengths_are_exact() -> None:
    pdf = render_invoice_pdf(invoice(positions=many_positions(80)))

    streams = list(re.finditer(rb"<< /Length (\d+) >>\nstream\n", pdf))
    assert len(streams) == len(read(pdf).pages) > 1
    for match in streams:
        end = match.end() + int(match.group(1))
        assert pdf[end:].startswith(b"\nendstream\nendobj\n")


def test_a_strict_parser_reads_every_page_and_the_metadata() -> None:
    pdf = render_invoice_pdf(invoice(number="FV ąę/2026"))
    reader = read(pdf)

    assert len(reader.pages) == 1
    assert reader.trailer["/Root"]["/Type"] == "/Catalog"
    page = reader.pages[0]
    assert [round(float(value), 2) for value in page.mediabox] == [0, 0, PAGE_WIDTH, PAGE_HEIGHT]
    fonts = {str(font["/BaseFont"]) for font in page["/Resources"]["/Font"].values()}
    assert fonts == {"/Helvetica", "/Helvetica-Bold"}
    assert reader.metadata is not None
    assert reader.metadata.title == "VAT invoice FV ąę/2026"  # UTF-16 keeps every character
    assert len(reader.trailer["/ID"]) == 2


def test_content_streams_are_pure_ascii() -> None:
    pdf = render_invoice_pdf(invoice(buyer_name=f"Łódź {EN_DASH} Zürich € “quoted”"))

    contents = raw_contents(pdf)

    assert contents.isascii()
    assert b"\\226" in contents  # the en dash, WinAnsi 0x96, as an octal escape
    assert b"\\200" in contents  # the euro sign, WinAnsi 0x80


# --------------------------------------------------------------------------- the content


def test_text_shows_title_notice_dates_parties_and_totals() -> None:
    text = all_text(render_invoice_pdf(invoice()))

    for expected in (
        "VAT invoice FV 7/11/2026",
        SANDBOX_NOTICE,
        "Issue date: 2026-11-22",
        "Sell date: 2026-11-22",
        "Due date: 2026-11-29",
        "Sandbox Seller Sp. z o.o.",
        "Tax no: 5252445767",
        "ul. Prosta 1",
        "00-850 Warszawa",
        "Klient ABC",
        "Tax no: PL1234563218",
        "Total net:",
        "300.00 EUR",
        "69.00 EUR",
        "Total gross:",
        "369.00 EUR",
    ):
        assert expected in text, expected


def test_positions_table_shows_name_quantity_unit_net_tax_and_gross() -> None:
    pdf = render_invoice_pdf(invoice())
    rows: dict[float, list[str]] = {}
    for run in runs(pdf):
        rows.setdefault(run.y, []).append(run.text)

    table = list(rows.values())

    assert ["No.", "Name", "Qty", "Unit net", "Tax", "Total gross"] in table
    assert ["1.", "Consulting", "2 h", "100.00", "23%", "246.00"] in table
    assert ["2.", "Licence", "1", "100.00", "23%", "123.00"] in table


@pytest.mark.parametrize(
    ("position", "cells"),
    [
        ({"quantity": "2,5", "price_net": "10,5", "tax": "8", "total_price_gross": 28.35},
         ["2.5", "10.50", "8%", "28.35"]),
        ({"quantity": 3, "price_net": 1, "tax": "zw", "total_price_gross": "3"},
         ["3", "1.00", "zw", "3.00"]),
        ({"price_net": "0.005", "tax": 0, "total_price_gross": "0.005"},
         ["1", "0.01", "0%", "0.01"]),
        ({"quantity": "-1.0", "price_net": "n/a", "tax": "np", "total_price_gross": "-12.30"},
         ["-1", "n/a", "np", "-12.30"]),
        ({"quantity": "0.000", "price_net": "-0.004", "tax": "5.50", "total_price_gross": "1e2"},
         ["0", "0.00", "5.5%", "100.00"]),
        ({"quantity": "1e45", "price_net": "12.345", "tax": "23", "total_price_gross": "1E+50"},
         ["1e45", "12.35", "23%", "1E+50"]),
    ],
    ids=[
        "comma-decimals",
        "numbers-and-code",
        "half-up-default-quantity",
        "negative-and-text",
        "zeros-and-exponent",
        "beyond-1e40-as-text",
    ],
)  # fmt: skip
def test_position_values_are_printed_in_the_documented_forms(
    position: dict[str, Any], cells: list[str]
) -> None:
    pdf = render_invoice_pdf(invoice(positions=[{"name": "P", **position}]))
    rows: dict[float, list[str]] = {}
    for run in runs(pdf):
        rows.setdefault(run.y, []).append(run.text)

    assert ["1.", "P", *cells] in rows.values()


def test_the_callers_decimal_context_changes_nothing() -> None:
    positions = [{"name": "P", "quantity": "123456.789", "price_net": "1234567.895",
                  "tax": "23", "total_price_gross": "152415787517.1555"}]  # fmt: skip
    expected = render_invoice_pdf(invoice(positions=positions))

    with decimal.localcontext(decimal.Context(prec=3, rounding=decimal.ROUND_DOWN)):
        assert render_invoice_pdf(invoice(positions=positions)) == expected
    assert "152415787517.16" in all_text(expected)


def test_missing_invoice_totals_are_summed_from_the_positions() -> None:
    positions = [
        {"name": "A", "total_price_net": "10.00", "total_price_tax": "2.30",
         "total_price_gross": "12.30"},
        {"name": "B", "total_price_net": "5", "total_price_tax": "0.40",
         "total_price_gross": "5.40"},
    ]  # fmt: skip
    bare = invoice(positions=positions, currency="PLN")
    for key in ("price_net", "price_tax", "price_gross"):
        del bare[key]

    text = all_text(render_invoice_pdf(bare))

    assert "15.00 PLN" in text
    assert "2.70 PLN" in text
    assert "17.70 PLN" in text


def test_a_total_that_cannot_be_summed_prints_a_dash() -> None:
    bare = invoice(positions=[{"name": "A", "total_price_gross": "1"}], currency="")
    del bare["price_net"]

    totals = {run.text for run in runs(render_invoice_pdf(bare)) if run.x + width(run) > RIGHT - 1}

    assert "-" in totals  # net: the position has no total_price_net
    assert "369.00" in totals  # the stored gross total wins, printed without a currency


def test_text_separator_positions_are_headings_without_a_number() -> None:
    positions = [{"name": "Rooms", "kind": "text_separator"}, *many_positions(1)]
    texts = [run.text for run in runs(render_invoice_pdf(invoice(positions=positions)))]

    assert "Rooms" in texts
    assert texts[texts.index("Rooms") + 1] == "1."  # the first numbered row follows it


def test_an_empty_invoice_still_renders() -> None:
    text = all_text(render_invoice_pdf({}))

    assert "VAT invoice" in text
    assert "ORIGINAL" in text
    assert "Total gross:" in text
    assert "0.00" in text


def test_positions_must_be_a_list_of_objects() -> None:
    with pytest.raises(TypeError, match="positions"):
        render_invoice_pdf(invoice(positions=["not an object"]))
    with pytest.raises(TypeError, match="positions"):
        render_invoice_pdf(invoice(positions={"name": "A"}))


def test_expense_invoices_print_the_seller_fields_under_buyer() -> None:
    def column_of(pdf: bytes, text: str) -> str:
        all_runs = list(runs(pdf))
        target = next(run for run in all_runs if run.text == text)
        headings = [run for run in all_runs if run.text in ("SELLER", "BUYER")]
        return next(run.text for run in headings if run.x == target.x)

    income = render_invoice_pdf(invoice())
    expense = render_invoice_pdf(invoice(income="0"))

    assert column_of(income, "Sandbox Seller Sp. z o.o.") == "SELLER"
    assert column_of(income, "Klient ABC") == "BUYER"
    assert column_of(expense, "Sandbox Seller Sp. z o.o.") == "BUYER"
    assert column_of(expense, "Klient ABC") == "SELLER"


# --------------------------------------------------------------------------- escaping, characters


def test_parentheses_and_backslashes_are_escaped() -> None:
    name = r"Smith (UK) \ Sons :-) ((\n"
    pdf = render_invoice_pdf(invoice(buyer_name=name, number="FV (1)\\2026"))

    contents = raw_contents(pdf)

    assert rb"(Smith \(UK\) \\ Sons :-\) \(\(\\n) Tj" in contents
    assert rb"(VAT invoice FV \(1\)\\2026) Tj" in contents
    texts = {run.text for run in runs(pdf)}
    assert name in texts
    assert "VAT invoice FV (1)\\2026" in texts
    assert name in all_text(pdf)


@pytest.mark.parametrize(
    ("given", "printed"),
    [
        ("Zażółć gęślą jaźń", "Zazólc gesla jazn"),
        ("ZAŻÓŁĆ GĘŚLĄ JAŹŃ", "ZAZÓLC GESLA JAZN"),
        (f"Łódź {EN_DASH} Kraków — Gdańsk", f"Lódz {EN_DASH} Kraków — Gdansk"),
        (
            f"„Usługa” {QUOTED} € 5{TIMES}2 ½ ß é ü š ž",
            f"„Usluga” {QUOTED} € 5{TIMES}2 ½ ß é ü š ž",
        ),
        ("Đorđe Øre ħ \u0131 ŧ", "Dorde Øre h i t"),
        ("a\u2010b\u2011c\u2212d 5\u2032 6\u2033", "a-b-c-d 5' 6\""),
        ("ﬁle", "file"),
        ("tab\tnew\nline\r\u2028nbsp\u00a0thin\u2009x", "tab new line  nbsp thin x"),
        ("soft\u00adhy\u200bphen\ufeff", "softhyphen"),
        ("Привет 中文 😀", "?????? ?? ?"),
    ],
    ids=[
        "polish-lower",
        "polish-upper",
        "dashes-kept",
        "winansi-kept",
        "table",
        "dashes-primes",
        "nfkd",
        "spaces",
        "invisible",
        "unmappable",
    ],
)
def test_winansi_text_maps_or_transliterates_as_documented(given: str, printed: str) -> None:
    assert winansi_text(given) == printed
    printed.encode("cp1252")  # always drawable


def test_polish_text_in_the_invoice_comes_out_transliterated() -> None:
    pdf = render_invoice_pdf(
        invoice(
            buyer_name=f"Zażółć gęślą jaźń {EN_DASH} Łódź",
            positions=[{"name": f"Usługa księgowa {EN_DASH} marzec", "total_price_gross": "1"}],
        )
    )

    text = all_text(pdf)

    assert f"Zazólc gesla jazn {EN_DASH} Lódz" in text
    assert f"Usluga ksiegowa {EN_DASH} marzec" in text


def test_text_no_font_can_draw_does_not_crash() -> None:
    pdf = render_invoice_pdf(invoice(buyer_name="😀 株式会社", seller_name=None, buyer_tax_no=7))

    text = all_text(pdf)

    assert "? ????" in text
    assert "Tax no: 7" in text


# --------------------------------------------------------------------------- pages


def test_300_positions_flow_onto_several_numbered_pages() -> None:
    pdf = render_invoice_pdf(invoice(positions=many_positions(300)))
    texts = pages_text(pdf)
    page_runs = list(runs(pdf))

    assert len(texts) >= 5
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {len(texts)}" in text
        assert "ORIGINAL" in text
        assert SANDBOX_NOTICE in text
        assert "Total gross" in text  # the table header is repeated on every page
    assert "(continued)" in texts[1]
    numbers = [run.text for run in page_runs if re.fullmatch(r"\d+\.", run.text)]
    assert numbers == [f"{number}." for number in range(1, 301)]
    assert "Item 1" in texts[0]
    assert "Item 300" in texts[-1]
    assert "369.00 EUR" in texts[-1]
    assert all("369.00 EUR" not in text for text in texts[:-1])


def test_no_text_leaves_the_page_margins() -> None:
    positions = [
        {"name": "word " * 400, "total_price_gross": "1"},  # taller than a page: it is split
        {"name": "x" * 3000, "quantity": "1" * 40, "price_net": "9" * 40},  # unbreakable
        *many_positions(30),
    ]
    pdf = render_invoice_pdf(
        invoice(positions=positions, buyer_name="Very long buyer name " * 20, number="N" * 200)
    )

    all_runs = list(runs(pdf))

    assert len(read(pdf).pages) >= 3
    for run in all_runs:
        assert run.x >= LEFT - 0.01, run
        assert run.x + width(run) <= RIGHT + 0.01, run
        assert 30 <= run.y <= PAGE_HEIGHT - 50, run


def test_texts_on_one_line_never_overlap() -> None:
    positions = [
        {"name": "y" * 500, "quantity": "7" * 30, "quantity_unit": "kg", "price_net": "8" * 30,
         "tax": "23", "total_price_gross": "9" * 35},
        *many_positions(5),
    ]  # fmt: skip
    pdf = render_invoice_pdf(invoice(positions=positions, seller_name="S " * 200))
    lines: dict[tuple[int, float], list[Run]] = {}
    for run in runs(pdf):
        lines.setdefault((run.page, run.y), []).append(run)

    for line in lines.values():
        line.sort(key=lambda run: run.x)
        for before, after in itertools.pairwise(line):
            assert before.x + width(before) < after.x, (before, after)


def test_an_unbreakable_name_is_cut_to_the_name_column_and_nothing_is_lost() -> None:
    from invoceanio.sandbox import pdf as module

    _, left, right, _ = module._COLUMNS[1]
    pdf = render_invoice_pdf(invoice(positions=[{"name": "x" * 3000}]))

    lines = [run for run in runs(pdf) if run.x == left and set(run.text) == {"x"}]

    assert len({run.page for run in lines}) > 1
    assert "".join(run.text for run in lines) == "x" * 3000
    for run in lines:
        assert width(run) <= right - left + 0.01
    for run in lines[:-1]:
        assert width(run) > right - left - 5  # filled up to the last x that fits


def test_a_position_that_fits_on_a_page_is_not_split() -> None:
    positions = [
        {"name": f"Item {number} " + "with a name long enough to wrap " * 3, "tax": "23"}
        for number in range(1, 101)
    ]
    pdf = render_invoice_pdf(invoice(positions=positions))
    page_runs: dict[int, list[str]] = {}
    for run in runs(pdf):
        page_runs.setdefault(run.page, []).append(run.text)

    assert len(page_runs) > 2
    for texts in page_runs.values():
        first_row = texts.index("Total gross") + 1  # the run after the table header
        assert re.fullmatch(r"\d+\.", texts[first_row]), texts[first_row : first_row + 3]


def test_an_absurdly_long_number_is_cut_to_three_title_lines() -> None:
    pdf = render_invoice_pdf(invoice(number="N" * 5000, positions=many_positions(60)))

    title_lines = [run for run in runs(pdf) if run.page == 0 and run.size == 16]

    assert len(read(pdf).pages) == 2
    assert [run.text[:3] for run in title_lines] == ["VAT", "NNN", "NNN"]
    assert title_lines[-1].text.endswith("N…")
    assert all(width(run) <= RIGHT - LEFT for run in title_lines)


def test_amounts_are_right_aligned_on_the_margin() -> None:
    pdf = render_invoice_pdf(invoice())

    ends = {run.text: run.x + width(run) for run in runs(pdf)}

    for text in ("369.00 EUR", "69.00 EUR", "246.00", "Total gross", "ORIGINAL"):
        assert ends[text] == pytest.approx(RIGHT, abs=0.01), text


def test_width_table_matches_adobe_helvetica_metrics() -> None:
    from invoceanio.sandbox import pdf as module

    for font, table in (
        ("Helvetica", module._HELVETICA),
        ("Helvetica-Bold", module._HELVETICA_BOLD),
    ):
        metrics = CORE_FONT_METRICS[font].character_widths
        for code in range(32, 256):
            try:
                char = bytes([code]).decode("cp1252")
            except UnicodeDecodeError:
                continue
            char = {"\xa0": " ", "\xad": "-"}.get(char, char)
            if char != "\x7f":
                assert table[code - 32] == metrics[char], (font, code)


# --------------------------------------------------------------------------- print_option


@pytest.mark.parametrize(
    ("print_option", "label"),
    [("original", "ORIGINAL"), ("copy", "COPY"), ("duplicate", "DUPLICATE")],
)
def test_print_option_prints_its_label_on_every_page(print_option: str, label: str) -> None:
    pdf = render_invoice_pdf(invoice(positions=many_positions(120)), print_option=print_option)

    texts = pages_text(pdf)

    assert len(texts) > 1
    others = {"ORIGINAL", "COPY", "DUPLICATE"} - {label}
    for text in texts:
        assert label in text
        assert not any(other in text for other in others)


@pytest.mark.parametrize("print_option", [None, ""])
def test_no_print_option_means_original(print_option: str | None) -> None:
    assert render_invoice_pdf(invoice(), print_option=print_option) == render_invoice_pdf(
        invoice(), print_option="original"
    )


def test_original_and_copy_prints_the_document_twice() -> None:
    single = pages_text(render_invoice_pdf(invoice(positions=many_positions(120))))
    both = pages_text(
        render_invoice_pdf(invoice(positions=many_positions(120)), print_option="original_and_copy")
    )

    assert len(both) == 2 * len(single)
    originals, copies = both[: len(single)], both[len(single) :]
    assert all("ORIGINAL" in text and "COPY" not in text for text in originals)
    assert all("COPY" in text and "ORIGINAL" not in text for text in copies)
    assert f"Page 1 of {len(single)}" in copies[0]
    assert "369.00 EUR" in originals[-1]
    assert "369.00 EUR" in copies[-1]


@pytest.mark.parametrize("print_option", ["ORIGINAL", "triplicate", " copy"])
def test_an_unknown_print_option_is_refused(print_option: str) -> None:
    with pytest.raises(ValueError, match="print_option must be one of"):
        render_invoice_pdf(invoice(), print_option=print_option)


def test_print_options_are_the_documented_four() -> None:
    assert PRINT_OPTIONS == ("original", "copy", "original_and_copy", "duplicate")
    for option in PRINT_OPTIONS:
        assert render_invoice_pdf(invoice(), print_option=option).startswith(b"%PDF-1.4")
