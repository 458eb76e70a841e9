"""The JSON Lines reader: one invoice a line, numbers as Decimal, known fields checked and
converted, read-only fields dropped (so an export imports back), bad lines reported with their
number while the others go on, unusable files refused with InputFileError."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from invoceanio.formats import (
    InputFileError,
    JsonlInvoiceReader,
    NoInvoicesError,
    RowError,
    read_invoices,
)
from invoceanio.importer import ImportItem

from .conftest import invoice, write_jsonl


def read_all(path: Path) -> list[ImportItem | RowError]:
    with read_invoices(path) as reader:
        return list(reader)


def only_item(path: Path) -> ImportItem:
    (item,) = read_all(path)
    assert isinstance(item, ImportItem), item
    return item


def only_error(path: Path) -> RowError:
    (item,) = read_all(path)
    assert isinstance(item, RowError), item
    return item


def data(item: ImportItem) -> dict[str, Any]:
    assert isinstance(item.data, dict)
    return item.data


def test_each_line_is_one_invoice_with_its_line_number(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", [invoice("A-1"), "", invoice("A-2")])
    first, second = read_all(path)
    assert isinstance(first, ImportItem)
    assert isinstance(second, ImportItem)
    assert (first.source, second.source) == ("line 1", "line 3")
    assert data(first)["oid"] == "A-1"
    # The oid is the identity; without one the importer derives it from the content.
    assert first.key is None


def test_numbers_are_decimals_never_floats_and_values_are_converted(tmp_path: Path) -> None:
    line = (
        '{"buyer_name": "ACME", "issue_date": "2026-03-02", "paid": "12,50", "currency": "eur",'
        ' "positions": [{"name": "Hours", "quantity": 1.5, "tax": "zw",'
        ' "total_price_gross": 339.99, "price_net": 0.1000000000000000055511151231257827}]}'
    )
    item = only_item(write_jsonl(tmp_path / "a.jsonl", [line]))
    (position,) = data(item)["positions"]
    assert data(item)["issue_date"] == date(2026, 3, 2)
    assert data(item)["paid"] == Decimal("12.50")
    assert data(item)["currency"] == "EUR"
    assert position["quantity"] == Decimal("1.5")
    assert position["tax"] == "zw"
    assert type(position["total_price_gross"]) is Decimal
    assert position["total_price_gross"] == Decimal("339.99")
    assert position["price_net"] == Decimal("0.1000000000000000055511151231257827")


def test_fields_the_reader_does_not_know_are_sent_as_given(tmp_path: Path) -> None:
    extra = {"use_oss": "1", "calculating_strategy": {"position": "keep_gross"}}
    item = only_item(write_jsonl(tmp_path / "a.jsonl", [invoice(**extra)]))
    assert data(item)["use_oss"] == "1"
    assert data(item)["calculating_strategy"] == {"position": "keep_gross"}


def test_read_only_fields_and_nulls_are_dropped(tmp_path: Path) -> None:
    exported = invoice(
        "A-1",
        id=930,
        token="secret-view-token",
        view_url="https://acme.invoiceocean.com/f/x",
        created_at="2026-11-28T10:00:00+01:00",
        price_gross="246.00",
        gov_status="ok",
        buyer_tax_no=None,
        descriptions=[{"id": 4, "kind": "Uwaga", "content": "Hi"}],
    )
    exported["positions"][0].update(id=3003, invoice_id=930, total_price_tax="46.00", code=None)
    item = only_item(write_jsonl(tmp_path / "a.jsonl", [exported]))
    assert set(data(item)) == {"oid", "buyer_name", "positions", "descriptions"}
    assert data(item)["descriptions"] == [{"kind": "Uwaga", "content": "Hi"}]
    assert set(data(item)["positions"][0]) == {"name", "quantity", "tax", "total_price_gross"}


def test_computed_additional_fields_are_not_imported(tmp_path: Path) -> None:
    exported = invoice(
        "A-1",
        connected_payments=[{"id": 9, "price": "246.00", "invoice_ids": [930]}],
        reminders_info={"reminders": [{"sent_at": "2026-11-20"}]},
    )
    item = only_item(write_jsonl(tmp_path / "a.jsonl", [exported]))
    assert "connected_payments" not in data(item) and "reminders_info" not in data(item)


def test_an_invoice_made_from_another_needs_no_positions_or_buyer(tmp_path: Path) -> None:
    item = only_item(write_jsonl(tmp_path / "a.jsonl", [{"copy_invoice_from": 17, "kind": "vat"}]))
    assert data(item) == {"copy_invoice_from": 17, "kind": "vat"}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"buyer_name": "ACME", "positions": [', "line 2: not valid JSON (Expecting value"),
        ("[1, 2]", "line 2: expected an invoice object, got a list"),
        ('"text"', "line 2: expected an invoice object, got a string"),
        (
            '{"buyer_name": "A", "positions": [{"name": "X", "quantity": NaN, "tax": 23,'
            ' "total_price_gross": 1}]}',
            "line 2: NaN is not a number the API takes",
        ),
        (json.dumps(invoice(issue_date="2026-02-30")), "line 2: issue_date: '2026-02-30' is not"),
        (json.dumps(invoice(issue_date=20260301)), "line 2: issue_date: 20260301 is not a date"),
        (json.dumps(invoice(kind="invoice")), "line 2: kind: 'invoice' is not one of"),
        (json.dumps({"buyer_name": "A"}), "line 2: positions: expected a list of at least one"),
        (json.dumps(invoice(positions=[])), "line 2: positions: expected a list of at least one"),
        (json.dumps(invoice(positions={"name": "X"})), "got an object"),
        (json.dumps(invoice(positions=["X"])), "line 2: positions[1]: expected a position object"),
        (json.dumps({"positions": invoice()["positions"]}), "line 2: no buyer"),
    ],
)
def test_a_bad_line_is_reported_with_its_number_and_the_others_go_on(
    tmp_path: Path, line: str, message: str
) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", [invoice("A-1"), line, invoice("A-3")])
    first, bad, last = read_all(path)
    assert isinstance(first, ImportItem)
    assert isinstance(last, ImportItem)
    assert isinstance(bad, RowError)
    assert (bad.source, bad.line) == ("line 2", 2)
    assert message in bad.error


def test_every_problem_of_the_positions_is_named(tmp_path: Path) -> None:
    line = invoice(
        positions=[
            {"name": "OK", "quantity": 1, "tax": 23, "total_price_gross": 10},
            {"quantity": "two", "tax": "vat", "total_price_gross": 10},
            {"name": "No price", "quantity": 1, "tax": 23},
        ]
    )
    bad = only_error(write_jsonl(tmp_path / "a.jsonl", [line]))
    assert bad.error == (
        "line 1: positions[2].quantity: 'two' is not a number; "
        "line 1: positions[2].tax: 'vat' is not a tax rate (0 to 100) or a tax code "
        "(disabled, n/a, na, nie podlega, not applicable, np, oo, zw); "
        "line 1: positions[2]: name is missing; "
        "line 1: positions[3]: no price: give one of total_price_gross, price_net, "
        "price_gross, total_price_net"
    )
    assert bad.data == line


def test_an_oid_used_twice_is_an_error_of_the_later_line(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", [invoice("A-1"), invoice("A-2"), invoice("A-1")])
    *_, again = read_all(path)
    assert isinstance(again, RowError)
    assert again.error == "line 3: oid 'A-1' already appeared on a line above"


def test_the_raw_line_is_kept_for_a_line_that_is_no_json(tmp_path: Path) -> None:
    bad = only_error(write_jsonl(tmp_path / "a.jsonl", ["{oops"]))
    assert bad.data == "{oops"


@pytest.mark.parametrize("content", [b"", b"\n  \n\n"])
def test_a_file_without_an_invoice_is_no_invoices(tmp_path: Path, content: bytes) -> None:
    # An InputFileError still (a reader's caller that wants invoices stops), of the kind the
    # import command takes as nothing to do: what an export of an empty period writes.
    path = tmp_path / "a.jsonl"
    path.write_bytes(content)
    with pytest.raises(NoInvoicesError, match="holds no invoice: nothing to import"):
        read_all(path)


def test_a_file_that_is_not_utf8_stops(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    good = json.dumps(invoice("A-1")) + "\n"
    path.write_bytes(
        good.encode() * 3
        + json.dumps(invoice(buyer_name="Żółw"), ensure_ascii=False).encode("cp1250")
    )
    with pytest.raises(InputFileError, match=r"not UTF-8 text \(byte 0xaf on line 4\)"):
        read_all(path)


def test_a_missing_file_stops_at_once(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="cannot read"):
        JsonlInvoiceReader(tmp_path / "absent.jsonl")


def test_ndjson_is_read_as_jsonl(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "a.ndjson", [invoice("A-1")])
    assert isinstance(read_invoices(path), JsonlInvoiceReader)
    assert only_item(path).source == "line 1"


def test_a_comma_amount_in_a_json_string_is_ambiguous_and_refused(tmp_path: Path) -> None:
    # JSON writes decimals with the dot; "1,845" is a spreadsheet's 1 845 as likely as 1.845.
    # Before: silently read as 1.845, where a CSV file refuses it.
    position = {"name": "x", "quantity": 1, "tax": 23, "total_price_gross": "1,845"}
    error = only_error(
        write_jsonl(tmp_path / "a.jsonl", [{"buyer_name": "A", "positions": [position]}])
    )

    assert "total_price_gross" in error.error and "ambiguous" in error.error


def test_a_line_that_writes_comma_decimals_settles_a_comma_amount(tmp_path: Path) -> None:
    # As a CSV file's cells settle it: the line's other texts write decimals with a comma, so
    # "6,459" is 6.459 (it was refused, "this file writes decimals with '.'", where the same
    # invoice as CSV was taken).
    position = {
        "name": "Paliwo",
        "quantity": "2,5",
        "tax": 23,
        "price_net": "6,459",
        "total_price_gross": "19,86",
    }
    item = only_item(
        write_jsonl(tmp_path / "a.jsonl", [{"buyer_name": "A", "positions": [position]}])
    )
    (read,) = data(item)["positions"]
    assert (read["price_net"], read["quantity"]) == (Decimal("6.459"), Decimal("2.5"))


def test_a_comma_amount_on_a_line_of_dot_decimal_texts_reads_as_thousands_and_is_refused(
    tmp_path: Path,
) -> None:
    positions = [
        {"name": "x", "quantity": 1, "tax": 23, "total_price_gross": "1,845"},
        {"name": "y", "quantity": 1, "tax": 23, "total_price_gross": "2.50"},
    ]
    error = only_error(
        write_jsonl(tmp_path / "a.jsonl", [{"buyer_name": "A", "positions": positions}])
    )
    assert "'1,845' is ambiguous: this line writes decimals with '.'" in error.error


def test_a_lone_comma_amount_is_refused_without_a_false_reason(tmp_path: Path) -> None:
    position = {"name": "x", "quantity": 1, "tax": 23, "total_price_gross": "6,459"}
    error = only_error(
        write_jsonl(tmp_path / "a.jsonl", [{"buyer_name": "A", "positions": [position]}])
    )
    assert "'6,459' is ambiguous" in error.error
    assert "writes decimals with" not in error.error  # nothing on the line writes any


def test_dot_amounts_and_json_numbers_in_money_fields_are_read_as_written(tmp_path: Path) -> None:
    positions = [
        {"name": "x", "quantity": 1, "tax": 23, "total_price_gross": "1.845"},
        {"name": "y", "quantity": 1, "tax": 23, "total_price_gross": 2.5},
        {"name": "z", "quantity": 1, "tax": 23, "total_price_gross": "59,00"},
    ]
    item = only_item(
        write_jsonl(tmp_path / "b.jsonl", [{"buyer_name": "A", "positions": positions}])
    )

    totals = [p["total_price_gross"] for p in data(item)["positions"]]
    assert totals == [Decimal("1.845"), Decimal("2.5"), Decimal("59.00")]
