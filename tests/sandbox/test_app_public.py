"""An invoice's public links over HTTP: no token, the HTML pages, the PDF with its
``Content-Disposition``, the ``view_url`` and ``payment_url`` the invoice JSON carries, and 404
for an unknown token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp.test_utils import TestClient

from tests.sandbox.serving import served

TOKEN = "public-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
Client = TestClient[Any, Any]


@pytest.fixture
async def http() -> AsyncIterator[Client]:
    async with served(token=TOKEN) as client:
        yield client


async def _invoice(http: Client) -> dict[str, Any]:
    body = {
        "invoice": {
            "number": "FV 3/11/2026",
            "buyer_name": "Kupiec & Syn <Sp. z o.o.>",
            "seller_name": "Sprzedawca SA",
            "positions": [{"name": "Usługa", "tax": 23, "quantity": 1, "price_net": "100"}],
        }
    }
    response = await http.post("/invoices.json", json=body, headers=AUTH)
    assert response.status == 201
    created: dict[str, Any] = await response.json()
    return created


async def test_the_public_page_needs_no_token_and_shows_number_buyer_total(
    http: Client,
) -> None:
    invoice = await _invoice(http)
    page = await http.get(f"/invoice/{invoice['token']}")
    assert page.status == 200 and page.content_type == "text/html"
    text = await page.text()
    assert "FV 3/11/2026" in text and "123.00 PLN" in text
    assert "Kupiec &amp; Syn &lt;Sp. z o.o.&gt;" in text  # escaped
    assert f'href="/invoice/{invoice["token"]}.pdf"' in text


async def test_the_view_url_opens_the_same_page(http: Client) -> None:
    invoice = await _invoice(http)
    path = urlsplit(invoice["view_url"]).path
    assert path == f"/f/fv-3-11-2026/{invoice['token']}"
    page = await http.get(path)
    assert page.status == 200 and "FV 3/11/2026" in await page.text()
    assert (await http.get(f"/f/any-slug/{invoice['token']}")).status == 200


async def test_the_public_pdf_is_an_attachment_unless_inline(http: Client) -> None:
    invoice = await _invoice(http)
    pdf = await http.get(f"/invoice/{invoice['token']}.pdf")
    assert pdf.status == 200 and pdf.content_type == "application/pdf"
    assert (await pdf.read()).startswith(b"%PDF")
    assert pdf.headers["Content-Disposition"] == 'attachment; filename="fv-3-11-2026.pdf"'
    inline = await http.get(f"/invoice/{invoice['token']}.pdf?inline=yes")
    assert inline.headers["Content-Disposition"].startswith("inline;")
    copy = await http.get(f"/invoice/{invoice['token']}.pdf?print_option=bogus")
    assert copy.status == 422


async def test_the_payment_url_shows_what_is_left_to_pay(http: Client) -> None:
    invoice = await _invoice(http)
    fetched = await (await http.get(f"/invoices/{invoice['id']}.json", headers=AUTH)).json()
    path = urlsplit(fetched["payment_url"]).path
    assert path == f"/invoice/payment/{invoice['token']}"
    payment = {"banking_payment": {"price": "23", "paid": True, "invoice_id": invoice["id"]}}
    assert (await http.post("/banking/payments.json", json=payment, headers=AUTH)).status == 201
    page = await http.get(path)
    assert page.status == 200 and "100.00 PLN" in await page.text()


@pytest.mark.parametrize(
    "path",
    ["/invoice/unknown", "/invoice/unknown.pdf", "/f/x/unknown", "/invoice/payment/unknown"],
)
async def test_an_unknown_token_is_404(http: Client, path: str) -> None:
    await _invoice(http)
    response = await http.get(path)
    assert response.status == 404
    assert await response.json() == {"code": "error", "message": "Not found"}


async def test_a_deleted_invoice_has_no_public_page(http: Client) -> None:
    invoice = await _invoice(http)
    assert (await http.delete(f"/invoices/{invoice['id']}.json", headers=AUTH)).status == 200
    assert (await http.get(f"/invoice/{invoice['token']}")).status == 404


@pytest.mark.parametrize(
    ("value", "disposition"),
    [("yes", "inline"), ("t", "inline"), ("on", "inline"), ("0", "attachment"), ("", "attachment")],
)
async def test_inline_reads_as_any_api_flag(http: Client, value: str, disposition: str) -> None:
    invoice = await _invoice(http)
    pdf = await http.get(f"/invoice/{invoice['token']}.pdf?inline={value}")
    assert pdf.status == 200
    assert pdf.headers["Content-Disposition"].startswith(f"{disposition};")
    bad = await http.get(f"/invoice/{invoice['token']}.pdf?inline=maybe")
    assert bad.status == 422 and list((await bad.json())["message"]) == ["inline"]
