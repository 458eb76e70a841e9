"""``io.request(..., expect=...)``: the escape hatch reads files and non-JSON answers too.

Before it took ``expect``, a call whose answer is a PDF or plain text (an endpoint the SDK does
not cover, a second provider's ``OK``) could only end in a DecodeError, raised after the server
had acted on it.
"""

from __future__ import annotations

from typing import Any

import pytest

from invoceanio import ConfigurationError, DecodeError, InvoiceOcean
from invoceanio.sandbox import Sandbox
from tests.support import Recorder, json_response, make_client, raw_response

PDF = b"%PDF-1.4 a document"


async def test_expect_pdf_asks_for_the_pdf_form_and_returns_its_bytes() -> None:
    recorder = Recorder(raw_response(200, PDF, "application/pdf"))
    async with make_client(recorder) as io:
        body = await io.request("GET", "warehouse_documents/7", {"x": 1}, expect="pdf")
    assert body == PDF
    (sent,) = recorder.requests
    assert sent.url == "https://acme.invoiceocean.com/warehouse_documents/7.pdf"
    assert sent.params == (("x", "1"),)
    assert sent.headers["Accept"] == "application/pdf"


async def test_expect_pdf_refuses_an_answer_that_is_no_pdf() -> None:
    recorder = Recorder(json_response(200, {"id": 7}))
    async with make_client(recorder) as io:
        with pytest.raises(DecodeError, match="expected a PDF"):
            await io.request("GET", "warehouse_documents/7", expect="pdf")


async def test_expect_bytes_sends_the_path_as_given_and_returns_any_body() -> None:
    recorder = Recorder(raw_response(200, b"OK", "text/plain"))
    async with make_client(recorder) as io:
        body = await io.request("POST", "invoices/7/send", expect="bytes")
    assert body == b"OK"
    (sent,) = recorder.requests
    assert sent.url == "https://acme.invoiceocean.com/invoices/7/send"
    assert sent.headers["Accept"] == "*/*"


async def test_expect_bytes_follows_a_storage_redirect_once_without_the_token() -> None:
    recorder = Recorder(
        raw_response(302, b"", None, Location="https://files.example.com/a.csv?sig=1"),
        raw_response(200, b"a;b\n1;2\n", "text/csv"),
    )
    async with make_client(recorder, api_token="a-long-secret-token") as io:
        body = await io.request("GET", "exports/3", expect="bytes")
    assert body == b"a;b\n1;2\n"
    first, second = recorder.requests
    assert "Authorization" in first.headers
    assert second.url.startswith("https://files.example.com/a.csv")
    assert "Authorization" not in second.headers
    assert "a-long-secret-token" not in repr(second.headers)


async def test_expect_bytes_refuses_a_login_page() -> None:
    login = raw_response(200, b"<!DOCTYPE html><html>log in</html>", "text/html")
    async with make_client(Recorder(login)) as io:
        with pytest.raises(DecodeError, match="HTML page"):
            await io.request("GET", "exports/3", expect="bytes")


async def test_expect_bytes_still_raises_the_error_an_answer_says() -> None:
    missing = json_response(404, {"code": "error", "message": "not found"})
    async with make_client(Recorder(missing)) as io:
        with pytest.raises(Exception) as caught:
            await io.request("GET", "exports/3", expect="bytes")
    assert type(caught.value).__name__ == "NotFoundError"


@pytest.mark.parametrize("expect", ["json", "PDF", None, ["pdf"]])
async def test_an_unknown_expect_is_refused_before_sending(expect: Any) -> None:
    recorder = Recorder(json_response(200, {}))
    async with make_client(recorder) as io:
        with pytest.raises(ConfigurationError, match="expect must be one of"):
            await io.request("GET", "invoices", expect=expect)
    assert recorder.requests == []


async def test_expect_pdf_reads_an_invoice_pdf_from_the_sandbox() -> None:
    async with (
        Sandbox(token="request-expect-token") as sandbox,
        InvoiceOcean(base_url=sandbox.url, api_token=sandbox.token) as io,
    ):
        invoice = await io.invoices.create(
            {"buyer_name": "ACME", "positions": [{"name": "A", "tax": 23, "total_price_gross": 1}]}
        )
        through_hatch = await io.request("GET", f"invoices/{invoice.id}", expect="pdf")
        through_service = await io.invoices.pdf(invoice.id)
    assert through_hatch.startswith(b"%PDF")
    assert through_hatch == through_service
