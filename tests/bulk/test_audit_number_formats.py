"""Audit finding 6: a number with one mark and exactly three digits after it ("1.845", "1,234")
is never read silently as decimals in a money column when it may be 1 845 with a thousands
separator. The file's own convention settles it where it can; where it cannot, the invoice is
refused with a message naming both readings, and the import goes on with the next invoice.
Legitimate values (a quantity of 1.845 kg, a unit price of 0.125, a fuel price of 6.459 in a
dot-decimal file) still go in as written, and "1.200,00" says what to write instead."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from invoceanio import cli
from invoceanio.formats import RowError, read_invoices
from invoceanio.formats.fields import POSITION_FIELDS, NumberStyle
from invoceanio.importer import ImportItem

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

SEMICOLON_HEADER = (
    "invoice_key;buyer_name;issue_date;position_name;position_quantity;position_tax;"
    "position_total_price_gross"
)
COMMA_HEADER = SEMICOLON_HEADER.replace(";", ",")


def write(path: Path, header: str, *rows: str) -> Path:
    path.write_text("\n".join((header, *rows)) + "\n", encoding="utf-8")
    return path


def read_all(path: Path) -> list[ImportItem | RowError]:
    with read_invoices(path) as reader:
        return list(reader)


def by_key(path: Path) -> dict[str, ImportItem | RowError]:
    """Every invoice of the file by its key (the first cell of its first line)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    result: dict[str, ImportItem | RowError] = {}
    for item in read_all(path):
        line = item.line if isinstance(item, RowError) else int(item.source.split()[-1])
        separator = ";" if ";" in lines[0] else ","
        result[lines[line - 1].split(separator)[0]] = item
    return result


def position(item: ImportItem | RowError, index: int = 0) -> dict[str, Any]:
    assert isinstance(item, ImportItem), item
    assert isinstance(item.data, dict)
    positions: list[dict[str, Any]] = item.data["positions"]
    return positions[index]


def error(item: ImportItem | RowError) -> str:
    assert isinstance(item, RowError), item
    return item.error


# --- the audit's files ------------------------------------------------------------------------


def test_polish_export_with_a_thousands_dot_is_refused_not_sent_as_1_845(tmp_path: Path) -> None:
    """The reproduction: ';' file, decimal commas, "1.845" meaning 1 845 PLN."""
    path = write(
        tmp_path / "f6.csv",
        SEMICOLON_HEADER,
        "FV-1;Hurtownia;2026-03-02;Projekt logo;1;23;1.845",
        "FV-2;Hurtownia;2026-03-02;Szkolenie;1;zw;1.200,00",
        "FV-3;Hurtownia;2026-03-02;Kawa;2;23;59,00",
    )
    items = by_key(path)
    assert error(items["FV-1"]) == (
        "line 2: position_total_price_gross: '1.845' is ambiguous: this file writes decimals "
        "with ',', so it reads as 1845 with a thousands separator, which is not supported: "
        "write 1845, or 1,845 if it means decimals"
    )
    assert error(items["FV-2"]) == (
        "line 3: position_total_price_gross: '1.200,00' is not a number: thousands separators "
        "are not supported: write 1200,00"
    )
    # The import goes on: the next invoice is read as written.
    assert position(items["FV-3"])["total_price_gross"] == Decimal("59.00")


def test_semicolon_file_that_settles_nothing_refuses_an_ambiguous_price(tmp_path: Path) -> None:
    path = write(
        tmp_path / "a.csv",
        SEMICOLON_HEADER,
        "FV-1;Hurtownia;2026-03-02;Projekt logo;1;23;1.845",
        "FV-2;Hurtownia;2026-03-02;Kawa;2;23;60",
    )
    items = by_key(path)
    assert error(items["FV-1"]) == (
        "line 2: position_total_price_gross: '1.845' is ambiguous: 1845 with a thousands "
        "separator, or decimals? Write 1845 (thousands separators are not supported), or "
        "1.8450 if it means decimals"
    )
    assert position(items["FV-2"])["total_price_gross"] == Decimal("60")


def test_quoted_comma_in_a_comma_file_is_refused_not_read_as_1_234(tmp_path: Path) -> None:
    path = write(
        tmp_path / "a.csv",
        COMMA_HEADER,
        'K-1,ACME,2026-03-02,Laptop,1,23,"1,234"',
        "K-2,ACME,2026-03-02,Mouse,1,23,25",
    )
    items = by_key(path)
    assert error(items["K-1"]) == (
        "line 2: position_total_price_gross: '1,234' is ambiguous: 1234 with a thousands "
        "separator, or decimals? Write 1234 (thousands separators are not supported), or "
        "1,2340 if it means decimals"
    )
    assert position(items["K-2"])["total_price_gross"] == Decimal("25")


def test_comma_in_a_dot_decimal_file_reads_as_thousands_and_is_refused(tmp_path: Path) -> None:
    """An English export: "1,234" among "159.80"s is 1 234 with a thousands comma."""
    path = write(
        tmp_path / "a.csv",
        COMMA_HEADER,
        'K-1,ACME,2026-03-02,Laptop,1,23,"1,234"',
        "K-2,ACME,2026-03-02,Coffee,2,23,159.80",
    )
    assert error(by_key(path)["K-1"]) == (
        "line 2: position_total_price_gross: '1,234' is ambiguous: this file writes decimals "
        "with '.', so it reads as 1234 with a thousands separator, which is not supported: "
        "write 1234, or 1.234 if it means decimals"
    )


@pytest.mark.parametrize(
    ("column", "cell"),
    [
        ("position_price_net", "1.845"),
        ("position_price_gross", "2.500"),
        ("position_total_price_net", "-1.845"),
        ("position_discount", "1.500"),
        ("paid", "1.845"),
    ],
)
def test_every_money_column_refuses_an_unsettled_ambiguous_value(
    tmp_path: Path, column: str, cell: str
) -> None:
    header = SEMICOLON_HEADER + ";" + column
    path = write(tmp_path / "a.csv", header, f"FV-1;Hurtownia;2026-03-02;Usługa;1;23;100;{cell}")
    (item,) = read_all(path)
    assert error(item).startswith(f"line 2: {column}: '{cell}' is ambiguous: ")


def test_a_file_with_both_decimal_marks_settles_nothing(tmp_path: Path) -> None:
    """Like examples/invoices.csv: "60,00" and "114.00" side by side. An ambiguous price is
    refused; an ambiguous quantity is taken as written."""
    path = write(
        tmp_path / "a.csv",
        COMMA_HEADER,
        'K-1,ACME,2026-03-02,Pizza,3,8,"60,00"',
        "K-2,ACME,2026-03-02,Mug,5,23,114.00",
        "K-3,ACME,2026-03-02,Logo,1,23,1.845",
        "K-4,ACME,2026-03-02,Cheese (kg),1.845,5,73.80",
    )
    items = by_key(path)
    assert "'1.845' is ambiguous: 1845 with a thousands separator" in error(items["K-3"])
    assert position(items["K-4"])["quantity"] == Decimal("1.845")


def test_a_quantity_is_refused_when_the_file_shows_the_mark_is_for_thousands(
    tmp_path: Path,
) -> None:
    """In a file of comma decimals, a quantity of "1.000" is 1 000 pieces, not 1."""
    path = write(
        tmp_path / "a.csv",
        SEMICOLON_HEADER,
        "FV-1;Hurtownia;2026-03-02;Śruby;1.000;23;150,00",
    )
    (item,) = read_all(path)
    assert error(item) == (
        "line 2: position_quantity: '1.000' is ambiguous: this file writes decimals with ',', "
        "so it reads as 1000 with a thousands separator, which is not supported: write 1000, "
        "or 1,000 if it means decimals"
    )


def test_thousands_grouping_elsewhere_in_the_file_settles_the_mark(tmp_path: Path) -> None:
    path = write(
        tmp_path / "a.csv",
        SEMICOLON_HEADER,
        "FV-1;Hurtownia;2026-03-02;Projekt;1;23;1.845",
        "FV-2;Hurtownia;2026-03-02;Serwer;1;23;1.234.567",
    )
    items = by_key(path)
    assert "this file uses '.' as a thousands separator" in error(items["FV-1"])
    assert error(items["FV-2"]).endswith(
        "'1.234.567' is not a number: thousands separators are not supported: write 1234567"
    )


@pytest.mark.parametrize(
    ("cell", "plain"),
    [
        ("1.200,00", "1200,00"),
        ("1,200.00", "1200.00"),
        ("1 845,50", "1845,50"),
        ("1\u00a0845,50", "1845,50"),
        ("12'500.00", "12500.00"),
        ("1,234,567", "1234567"),
    ],
)
def test_a_grouped_number_says_what_to_write(cell: str, plain: str) -> None:
    with pytest.raises(ValueError) as caught:
        POSITION_FIELDS["total_price_gross"](cell)
    assert str(caught.value) == (
        f"{cell!r} is not a number: thousands separators are not supported: write {plain}"
    )


def test_other_bad_numbers_keep_the_plain_message() -> None:
    with pytest.raises(ValueError) as caught:
        POSITION_FIELDS["quantity"]("12.5zł")
    assert str(caught.value) == "'12.5zł' is not a number"


# --- what must still go in ---------------------------------------------------------------------


def test_the_files_own_decimal_mark_settles_it_wherever_the_evidence_is(tmp_path: Path) -> None:
    """A dot-decimal file: a fuel price of 6.459 is decimals, even on the first row, before
    any other decimal is seen (the whole file is looked at first)."""
    header = COMMA_HEADER + ",position_price_net"
    path = write(
        tmp_path / "a.csv",
        header,
        "K-1,ACME,2026-03-02,Diesel (l),40,23,,6.459",
        "K-2,ACME,2026-03-02,Coffee,2,23,159.80,",
    )
    items = by_key(path)
    assert position(items["K-1"])["price_net"] == Decimal("6.459")
    assert str(position(items["K-1"])["price_net"]) == "6.459"


def test_a_comma_decimal_file_settles_its_own_comma(tmp_path: Path) -> None:
    path = write(
        tmp_path / "a.csv",
        SEMICOLON_HEADER + ";position_price_net",
        "FV-1;Stacja;2026-03-02;Olej napędowy (l);40;23;;6,459",
        "FV-2;Stacja;2026-03-02;Kawa;2;23;12,50;",
    )
    assert position(by_key(path)["FV-1"])["price_net"] == Decimal("6.459")


@pytest.mark.parametrize(
    ("header", "row", "field", "expected"),
    [
        # Quantities with three decimals, where nothing says the mark is for thousands.
        (SEMICOLON_HEADER, "FV-1;Sklep;2026-03-02;Ser (kg);1.845;5;74", "quantity", "1.845"),
        (SEMICOLON_HEADER, "FV-1;Sklep;2026-03-02;Ser (kg);1,845;5;73,80", "quantity", "1.845"),
        (COMMA_HEADER, "K-1,Shop,2026-03-02,Cheese (kg),1.845,5,73.80", "quantity", "1.845"),
        (COMMA_HEADER, 'K-1,Shop,2026-03-02,Cheese (kg),"1,845",5,"73,80"', "quantity", "1.845"),
        # Prices that cannot be thousands: a leading 0, four digits before the mark, a
        # trailing zero, other numbers of decimals.
        (COMMA_HEADER, "K-1,Shop,2026-03-02,Screw,1000,23,0.125", "total_price_gross", "0.125"),
        (
            SEMICOLON_HEADER,
            "FV-1;Sklep;2026-03-02;Śruba;1000;23;0,125",
            "total_price_gross",
            "0.125",
        ),
        (COMMA_HEADER, "K-1,Shop,2026-03-02,Gold,1,23,1234.567", "total_price_gross", "1234.567"),
        (COMMA_HEADER, "K-1,Shop,2026-03-02,Logo,1,23,1.8450", "total_price_gross", "1.8450"),
        (SEMICOLON_HEADER, "FV-1;Sklep;2026-03-02;Logo;1;23;1845", "total_price_gross", "1845"),
        (
            SEMICOLON_HEADER,
            "FV-1;Sklep;2026-03-02;Logo;1;23;1845,00",
            "total_price_gross",
            "1845.00",
        ),
        (COMMA_HEADER, "K-1,Shop,2026-03-02,Logo,1,23,12.5", "total_price_gross", "12.5"),
        (COMMA_HEADER, 'K-1,Shop,2026-03-02,Logo,1,23,"0,1234"', "total_price_gross", "0.1234"),
    ],
)
def test_legitimate_values_go_in_as_written(
    tmp_path: Path, header: str, row: str, field: str, expected: str
) -> None:
    (item,) = read_all(write(tmp_path / "a.csv", header, row))
    value = position(item)[field]
    assert type(value) is Decimal
    assert str(value) == expected


def test_the_example_file_imports_fully_in_a_dry_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "invoices.csv"
    shutil.copyfile(EXAMPLES / "invoices.csv", copy)
    code = cli.main(["import", str(copy), "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "rejected:       0" in out
    assert "ready to send:  1000 invoices" in out or "ready to send:  1,000 invoices" in out


# --- the convention itself ---------------------------------------------------------------------


def test_number_style_learns_only_from_unambiguous_cells() -> None:
    style = NumberStyle()
    for cell in ("1.845", "12", "abc", "", "1,234"):
        style.learn(cell)
    assert style.decimal_marks == set() and style.thousands_marks == set()
    style.learn("1.200,00")
    assert style.decimal_marks == {","} and style.thousands_marks == {"."}
    assert not style.mixed
    style.learn("0.5")
    assert style.mixed
