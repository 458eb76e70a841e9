"""examples/: the committed invoices.csv is what make_invoices.py writes, it holds 1,000 valid
invoices with the variety the format allows, and the snippets of examples/README.md read as
documented."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

from invoceanio.formats import RowError, read_invoices
from invoceanio.formats.fields import INVOICE_FIELDS, POSITION_FIELDS, POSITION_PREFIX
from invoceanio.importer import ImportItem

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_the_committed_file_is_what_the_script_writes(tmp_path: Path) -> None:
    out = tmp_path / "invoices.csv"
    subprocess.run(
        [sys.executable, str(EXAMPLES / "make_invoices.py"), str(out)],
        check=True,
        capture_output=True,
    )
    assert out.read_bytes() == (EXAMPLES / "invoices.csv").read_bytes()


def test_the_example_holds_1000_valid_invoices_of_several_positions() -> None:
    with read_invoices(EXAMPLES / "invoices.csv") as reader:
        items = list(reader)
    assert not [item for item in items if isinstance(item, RowError)]
    invoices: list[dict[str, Any]] = [
        item.data for item in items if isinstance(item, ImportItem) and isinstance(item.data, dict)
    ]
    assert len(invoices) == 1000
    assert len({item.key for item in items if isinstance(item, ImportItem)}) == 1000
    positions = [p for invoice in invoices for p in invoice["positions"]]
    assert len(positions) > 2500
    taxes = Counter(str(p["tax"]) for p in positions)
    assert taxes["zw"] > 5
    assert taxes["np"] > 20
    assert {"23", "8", "5"} <= set(taxes)
    assert {invoice.get("currency") for invoice in invoices} == {"PLN", "EUR"}
    assert all(type(p.get("total_price_gross", Decimal(0))) is Decimal for p in positions)
    text = (EXAMPLES / "invoices.csv").read_text(encoding="utf-8")
    assert re.search(r',"\d+,\d\d"', text), "some prices use a comma decimal"
    assert "ł" in text and "ß" in text


def snippet(kind: str) -> str:
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"```{kind}\n(.*?)```", readme, re.S)
    assert match is not None
    return match.group(1)


def test_the_readme_csv_example_reads_as_documented(tmp_path: Path) -> None:
    path = tmp_path / "example.csv"
    path.write_text(snippet("csv"), encoding="utf-8")
    with read_invoices(path) as reader:
        first, second = list(reader)
    assert isinstance(first, ImportItem) and isinstance(second, ImportItem)
    assert (first.key, second.key) == ("ORD-1001", "ORD-1002")
    assert isinstance(first.data, dict) and isinstance(second.data, dict)
    assert len(first.data["positions"]) == 2
    assert first.data["positions"][0]["total_price_gross"] == Decimal("120.00")
    assert second.data["positions"][0]["quantity"] == Decimal("2.5")


def test_the_readme_jsonl_example_reads_as_documented(tmp_path: Path) -> None:
    path = tmp_path / "example.jsonl"
    path.write_text(snippet("json"), encoding="utf-8")
    with read_invoices(path) as reader:
        items = list(reader)
    assert [item.source for item in items] == ["line 1", "line 2"]
    assert all(isinstance(item, ImportItem) for item in items)


def _named_in(bullet: str) -> set[str]:
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    start = readme.index(f"- **{bullet}**")
    end = readme.index("\n- ", start + 3)
    return set(re.findall(r"`([a-z_]+)`", readme[start:end]))


def test_the_readme_lists_exactly_the_columns_the_reader_takes() -> None:
    # It promised seller_company, seller_first_name... (refused: "unknown column") and left
    # out procedure_vat_margin and position_total_purchase_price.
    assert _named_in("Invoice columns") == set(INVOICE_FIELDS)
    positions = _named_in("Position columns") - {"position_"}
    assert positions == {POSITION_PREFIX + name for name in POSITION_FIELDS}
