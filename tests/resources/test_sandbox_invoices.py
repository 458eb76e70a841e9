"""The invoice calls beyond CRUD against the embedded sandbox, over the real client stack:
attachments (the three-step upload, the ZIP, the redirected download), KSeF, fiscal printing,
public links, copies, advances and finals, corrections, and positions edited one by one."""

from __future__ import annotations

import io as io_module
import zipfile
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import aiohttp
import pytest

from invoceanio import ConfigurationError, InvoiceOcean, NotFoundError
from invoceanio.models import Invoice
from invoceanio.sandbox import Sandbox
from tests.support import sandbox_client


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(token="invoice-token") as running:
        yield running


@pytest.fixture(params=["json", "xml"])
async def io(sandbox: Sandbox, request: pytest.FixtureRequest) -> AsyncIterator[InvoiceOcean]:
    async with sandbox_client(sandbox, format=request.param) as client:
        yield client


async def _invoice(io: InvoiceOcean, **fields: object) -> Invoice:
    document = {
        "kind": "vat",
        "seller_name": "Seller Sp. z o.o.",
        "seller_tax_no": "5252445767",
        "buyer_name": "Klient ABC",
        "buyer_tax_no": "1234563218",
        "positions": [
            {"name": "A", "tax": 23, "quantity": 2, "total_price_gross": "246.00"},
            {"name": "B", "tax": 8, "quantity": 1, "total_price_gross": "108.00"},
        ],
        **fields,
    }
    return await io.invoices.create(document)


async def test_attachments_upload_zip_and_download(
    io: InvoiceOcean, sandbox: Sandbox, tmp_path: Path
) -> None:
    invoice = await _invoice(io)
    receipt = tmp_path / "receipt.txt"
    receipt.write_bytes(b"paid in cash")
    await io.invoices.add_attachment(invoice.id, None, receipt)
    await io.invoices.add_attachment(invoice.id, "scan.pdf", b"%PDF-1.4 scan")
    assert (await io.invoices.get(invoice.id)).attachments_count == 2
    archive = zipfile.ZipFile(io_module.BytesIO(await io.invoices.attachments_zip(invoice.id)))
    assert sorted(archive.namelist()) == ["receipt.txt", "scan.pdf"]
    assert archive.read("receipt.txt") == b"paid in cash"
    assert await io.invoices.download_attachment(invoice.id, "custom") == b"%PDF-1.4 scan"
    with pytest.raises(NotFoundError):
        await io.invoices.download_attachment(invoice.id, "gov")
    with pytest.raises(ConfigurationError):
        await io.invoices.download_attachment(invoice.id, "../etc")


async def test_ksef_submission_status_and_documents(io: InvoiceOcean) -> None:
    invoice = await _invoice(io)
    submitted = await io.invoices.send_to_ksef(invoice.id)
    assert submitted.gov_status == "processing"
    status = await io.invoices.get(invoice.id, fields=["id", "number", "gov_status", "gov_id"])
    assert status.gov_status == "ok" and status.gov_id and status.gov_id.startswith("5252445767-")
    assert status.buyer_name is None  # only the fields asked for came back
    fa = await io.invoices.download_attachment(invoice.id, "gov")
    assert b"5252445767" in fa and b"1234563218" in fa
    assert (await io.invoices.download_attachment(invoice.id, "gov_upo")).lstrip().startswith(b"<")


async def test_fiscal_print_names_a_printer_from_the_list(io: InvoiceOcean) -> None:
    receipt = await _invoice(io, kind="receipt")
    printers = await io.printers.list()
    assert printers and all(printer.name for printer in printers)
    answer = await io.invoices.fiscal_print([receipt.id], printer=printers[0].name)
    assert answer
    printed = await io.invoices.get(receipt.id)
    assert printed.extra.get("fiscal_status") == "printed" or getattr(
        printed, "fiscal_status", None
    )


async def test_public_links_open_without_a_token(io: InvoiceOcean) -> None:
    invoice = await io.invoices.get((await _invoice(io)).id)
    async with aiohttp.ClientSession() as anonymous:
        async with anonymous.get(io.invoices.public_url(invoice)) as page:
            assert page.status == 200 and invoice.number in await page.text()
        async with anonymous.get(io.invoices.public_pdf_url(invoice, inline=True)) as pdf:
            assert pdf.status == 200 and (await pdf.read()).startswith(b"%PDF")
            assert pdf.headers["Content-Disposition"].startswith("inline")


async def test_copy_advance_final_and_corrections(io: InvoiceOcean) -> None:
    proforma = await _invoice(io, kind="proforma")
    vat = await io.invoices.copy(proforma.id, kind="vat")
    assert (vat.kind, vat.from_invoice_id, vat.price_gross) == (
        "vat",
        proforma.id,
        Decimal("354.00"),
    )
    with pytest.raises(ConfigurationError, match="positions"):
        await io.invoices.copy(proforma.id, changes={"positions": []})

    order = await _invoice(io, kind="client_order")
    advance = await io.invoices.create_advance(order.id, percent=50, position_name="Zaliczka")
    assert (advance.kind, advance.invoice_id, advance.price_gross) == (
        "advance",
        order.id,
        Decimal("177.00"),
    )
    final = await io.invoices.create_final(order.id, [advance.id])
    assert final.kind == "final" and final.price_gross == order.price_gross
    assert final.paid == Decimal("177.00")

    correction = await io.invoices.correct(
        vat.id,
        [
            {
                "name": "A",
                "tax": 23,
                "correction_before_attributes": {
                    "name": "A",
                    "tax": 23,
                    "quantity": 2,
                    "total_price_gross": "246.00",
                },
                "correction_after_attributes": {
                    "name": "A",
                    "tax": 23,
                    "quantity": 1,
                    "total_price_gross": "123.00",
                },
            }
        ],
        reason="one returned",
    )
    assert (correction.kind, correction.invoice_id) == ("correction", vat.id)
    assert correction.price_gross == Decimal("-123.00")
    total = await io.invoices.correct_totally(vat.id, reason="cancelled order")
    assert total.price_gross == -vat.price_gross
    with pytest.raises(ConfigurationError):
        await io.invoices.create_advance(order.id, percent=10, amount=5)
    with pytest.raises(ConfigurationError):
        await io.invoices.create_final(order.id, [])


async def test_positions_are_edited_and_removed_one_by_one(io: InvoiceOcean) -> None:
    invoice = await _invoice(io)
    first, second = invoice.positions
    edited = await io.invoices.update_position(invoice.id, first.id, {"quantity": 3})
    assert [p.quantity for p in edited.positions] == [Decimal("3"), Decimal("1")]
    assert edited.positions[0].total_price_gross == Decimal("369.00")
    trimmed = await io.invoices.delete_position(invoice.id, second.id)
    assert [p.id for p in trimmed.positions] == [first.id]
    assert trimmed.price_gross == Decimal("369.00")


async def test_expense_invoices_are_kept_apart(io: InvoiceOcean) -> None:
    sale = await _invoice(io)
    expense = await _invoice(io, income=False)
    assert expense.income is False
    assert [i.id async for i in io.invoices.iterate(income=False, period="all")] == [expense.id]
    assert [i.id async for i in io.invoices.iterate(income=True, period="all")] == [sale.id]


async def test_an_invoice_with_its_sell_date_off_reads_and_lists(io: InvoiceOcean) -> None:
    """[FR] sell_date "off" prints no sell date: read as None, and left out of a write-back,
    so the invoice keeps it; a list holding one still reads."""
    invoice = await _invoice(io, sell_date="off")
    assert invoice.id is not None and invoice.sell_date is None
    listed = [item async for item in io.invoices.iterate(period="all")]
    assert [item.id for item in listed] == [invoice.id]
    await io.invoices.update(invoice.id, listed[0])
    assert (await io.request("GET", f"invoices/{invoice.id}"))["sell_date"] == "off"
