"""What the API documents and the readers used to refuse: a [FR] text row or subtotal position,
which has a name and nothing else to give. An export holding one must import back, from CSV
and from JSONL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from invoceanio.formats import InvoiceWriter, RowError, read_invoices
from invoceanio.importer import ImportItem
from invoceanio.models import Invoice, structure

SUFFIXES = [".csv", ".jsonl"]


def _exported(tmp_path: Path, suffix: str, **fields: Any) -> Path:
    wire = {
        "id": 4,
        "number": "FV 4/11/2026",
        "kind": "vat",
        "buyer_name": "Hôtel du Lac",
        "issue_date": "2026-11-05",
        "positions": [
            {"id": 5, "name": "Chambre", "kind": "text_separator"},
            {
                "id": 6,
                "name": "Nuit",
                "tax": "10",
                "quantity": "1.0",
                "total_price_gross": "110.00",
            },
            {
                "id": 7,
                "name": "Sous-total",
                "kind": "subtotal",
                "tax": "disabled",
                "quantity": "0",
                "total_price_gross": "0",
            },
        ],
        **fields,
    }
    path = tmp_path / f"export{suffix}"
    with InvoiceWriter(path) as writer:
        writer.write(structure(wire, Invoice))
        writer.commit()
    return path


def _read(path: Path) -> list[ImportItem | RowError]:
    with read_invoices(path) as reader:
        return list(reader)


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_an_invoice_with_a_text_row_and_a_subtotal_imports_back(
    tmp_path: Path, suffix: str
) -> None:
    (item,) = _read(_exported(tmp_path, suffix))
    assert isinstance(item, ImportItem), item
    positions = item.data["positions"]
    assert [(p["name"], p.get("kind")) for p in positions] == [
        ("Chambre", "text_separator"),
        ("Nuit", None),
        ("Sous-total", "subtotal"),
    ]


def test_a_text_row_still_needs_its_name(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(
        '{"buyer_name": "A", "positions": [{"kind": "text_separator", "description": "x"}]}\n',
        encoding="utf-8",
    )
    (item,) = _read(path)
    assert isinstance(item, RowError)
    assert "name is missing" in item.error
