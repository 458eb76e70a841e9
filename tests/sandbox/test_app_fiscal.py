"""Fiscal printing over HTTP: the printer list (paged by ``page``/``per_page``),
``/invoices/fiscal_print`` in both documented forms recording the print on the invoices and in
``fiscal_prints``, and its 404/422 JSON."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from invoceanio.sandbox.store import Store
from tests.sandbox.serving import served

TOKEN = "fiscal-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
Client = TestClient[Any, Any]


@pytest.fixture
async def store() -> Store:
    return Store()


@pytest.fixture
async def http(store: Store) -> AsyncIterator[Client]:
    async with served(token=TOKEN, store=store) as client:
        yield client


async def _receipt(http: Client) -> dict[str, Any]:
    body = {
        "invoice": {
            "kind": "receipt",
            "buyer_name": "B",
            "positions": [{"name": "A", "tax": 23, "total_price_gross": "10,23"}],
        }
    }
    response = await http.post("/invoices.json", json=body, headers=AUTH)
    assert response.status == 201
    created: dict[str, Any] = await response.json()
    return created


async def test_printers_list_in_json_and_xml(http: Client) -> None:
    printers = await (await http.get("/printers.json", headers=AUTH)).json()
    assert [p["id"] for p in printers] == [1, 2]
    assert all(isinstance(p["name"], str) for p in printers)
    xml = await http.get("/printers.xml", headers=AUTH)
    assert b'<printers type="array">' in await xml.read()
    assert (await http.get("/printers.json")).status == 401


@pytest.mark.parametrize(
    ("query", "ids"),
    [
        ("page=1&per_page=1", [1]),
        ("page=2&per_page=1", [2]),
        ("page=5&per_page=1", []),
        ("page=2&per_page=2", []),
        ("per_page=abc", [1, 2]),
        ("", [1, 2]),
    ],
)
async def test_printers_list_pages_like_every_list(
    http: Client, query: str, ids: list[int]
) -> None:
    response = await http.get(f"/printers.json?{query}", headers=AUTH)
    assert response.status == 200, await response.text()
    assert [printer["id"] for printer in await response.json()] == ids


async def test_fiscal_print_records_the_print_on_every_invoice(http: Client, store: Store) -> None:
    first, second = await _receipt(http), await _receipt(http)
    response = await http.get(
        f"/invoices/fiscal_print?invoice_ids[]={first['id']}&invoice_ids[]={second['id']}"
        "&fiskator_name=FISKATOR",
        headers=AUTH,
    )
    assert response.status == 200, await response.text()
    answer = await response.json()
    assert answer["status"] == "ok"
    assert answer["fiscal_print"]["invoice_ids"] == [first["id"], second["id"]]
    assert answer["fiscal_print"]["mode"] == "print"
    for invoice in (first, second):
        read = await (await http.get(f"/invoices/{invoice['id']}.json", headers=AUTH)).json()
        assert read["fiscal_status"] == "printed" and read["print_time"]
    assert store.counts()["fiscal_prints"] == 1


async def test_without_fiskator_name_the_default_printer_prints(http: Client) -> None:
    receipt = await _receipt(http)
    response = await http.get(f"/invoices/fiscal_print?invoice_ids[]={receipt['id']}", headers=AUTH)
    assert response.status == 200, await response.text()
    printers = await (await http.get("/printers.json", headers=AUTH)).json()
    (default,) = [printer for printer in printers if printer["default"]]
    assert (await response.json())["fiscal_print"]["printer_id"] == default["id"]


async def test_the_e_receipt_form_takes_id_mode_and_a_printer_id(http: Client) -> None:
    receipt = await _receipt(http)
    response = await http.get(
        f"/invoices/fiscal_print?fiskator_name=2&id={receipt['id']}&mode=e-receipt",
        headers=AUTH,
    )
    assert response.status == 200, await response.text()
    job = (await response.json())["fiscal_print"]
    assert (job["printer_id"], job["mode"], job["invoice_ids"]) == (2, "e-receipt", [receipt["id"]])
    read = await (await http.get(f"/invoices/{receipt['id']}.json", headers=AUTH)).json()
    assert read["fiscal_status"] == "e_receipt"


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("invoice_ids[]=1&fiskator_name=NOPE", 422, "fiskator_name"),
        ("invoice_ids[]=1&fiskator_name=3", 422, "fiskator_name"),
        ("fiskator_name=FISKATOR", 422, "invoice_ids"),
        ("invoice_ids[]=x&fiskator_name=FISKATOR", 422, "invoice_ids"),
        ("invoice_ids[]=1&fiskator_name=FISKATOR&mode=fax", 422, "mode"),
        ("invoice_ids[]=1&invoice_ids[]=99&fiskator_name=FISKATOR", 404, None),
    ],
)
async def test_fiscal_print_errors(
    http: Client, store: Store, query: str, status: int, field: str | None
) -> None:
    await _receipt(http)
    response = await http.get(f"/invoices/fiscal_print?{query}", headers=AUTH)
    assert response.status == status
    body = await response.json()
    assert body["code"] == "error"
    if field is not None:
        assert list(body["message"]) == [field]
    assert store.records("invoices")[0]["print_time"] is None  # nothing printed
