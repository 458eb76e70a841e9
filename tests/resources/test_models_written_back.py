"""A model read back, changed and written again sends what the write takes, not what it read.

Why (review of 2026-12-02):

- A Payment read with ``include_invoices=True`` holds its invoices, and an Invoice read with
  ``additional_fields=["connected_payments"]`` its payments: records of another resource, there
  to read. Written back whole, the update carried the whole graph (positions included) and the
  sandbox refused it, as Rails does an association given objects it cannot assign.
- ``correct()`` takes positions read back (``attrs.evolve(invoice.positions[0], ...)``): they
  went out with the id, invoice id and timestamps of the position they were read from, which
  a nested create takes for an existing record of the new invoice.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import pytest

from invoceanio import InvoiceOcean
from invoceanio.sandbox import Sandbox
from tests.support import Recorder, body_json, invoice_payload, json_response, make_client

FORMATS = ["json", "xml"]


async def _client(sandbox: Sandbox, fmt: str) -> InvoiceOcean:
    return InvoiceOcean(base_url=sandbox.url, api_token=sandbox.token, format=fmt)


async def _invoice(io: InvoiceOcean) -> Any:
    return await io.invoices.create(
        {
            "buyer_name": "B",
            "positions": [{"name": "a", "tax": "23", "quantity": 2, "total_price_gross": "246"}],
        }
    )


@pytest.mark.parametrize("fmt", FORMATS)
async def test_a_payment_read_with_its_invoices_is_written_back(fmt: str) -> None:
    async with Sandbox() as sandbox, await _client(sandbox, fmt) as io:
        invoice = await _invoice(io)
        made = await io.payments.create(
            {"name": "P", "price": "10.00", "invoice_id": invoice.id, "paid": True}
        )
        read = await io.payments.get(made.id, include_invoices=True)
        assert [i.id for i in read.invoices] == [invoice.id]

        updated = await io.payments.update(made.id, attrs.evolve(read, description="note"))

    assert updated.description == "note"


@pytest.mark.parametrize("fmt", FORMATS)
async def test_an_invoice_read_with_its_payments_is_written_back(fmt: str) -> None:
    async with Sandbox() as sandbox, await _client(sandbox, fmt) as io:
        invoice = await _invoice(io)
        await io.payments.create(
            {"name": "P", "price": "10.00", "invoice_id": invoice.id, "paid": True}
        )
        read = await io.invoices.get(invoice.id, additional_fields=["connected_payments"])
        assert read.connected_payments and len(read.connected_payments) == 1

        updated = await io.invoices.update(invoice.id, attrs.evolve(read, buyer_name="B2"))

    assert updated.buyer_name == "B2"


async def test_what_is_left_out_is_only_the_embedded_records() -> None:
    read = invoice_payload(id=5, buyer_name="B", connected_payments=[{"id": 1, "price": "1"}])
    rec = Recorder(json_response(200, read), json_response(200, invoice_payload(id=5)))
    async with make_client(rec) as io:
        invoice = await io.invoices.get(5)
        await io.invoices.update(5, invoice)
        # A dict is sent as given: only a model's read-only fields are known to be such.
        await io.invoices.update(5, {"connected_payments": [], "buyer_name": "B"})
    sent = body_json(rec.requests[1])["invoice"]
    assert "connected_payments" not in sent and "reminders_info" not in sent
    assert sent["buyer_name"] == "B" and sent["id"] == 5
    assert body_json(rec.requests[2])["invoice"] == {"connected_payments": [], "buyer_name": "B"}


async def test_a_correction_of_a_position_read_back_sends_a_new_record() -> None:
    async with Sandbox() as sandbox, await _client(sandbox, "json") as io:
        invoice = await _invoice(io)
    position = attrs.evolve(
        invoice.positions[0], quantity=Decimal(-1), total_price_gross=Decimal("-123")
    )
    assert position.id is not None

    rec = Recorder(json_response(201, invoice_payload(id=9)))
    async with make_client(rec) as io:
        await io.invoices.correct(invoice.id, [position], reason="r")
    (sent,) = body_json(rec.requests[0])["invoice"]["positions"]
    for identity in ("id", "invoice_id", "created_at", "updated_at"):
        assert identity not in sent
    assert sent["name"] == "a" and sent["quantity"] == "-1" and sent["kind"] == "correction"


async def test_a_correction_given_dicts_sends_them_as_given() -> None:
    rec = Recorder(json_response(201, invoice_payload(id=9)))
    given = {"id": 4, "name": "a", "quantity": -1}
    async with make_client(rec) as io:
        await io.invoices.correct(3, [given], reason="r")
    (sent,) = body_json(rec.requests[0])["invoice"]["positions"]
    assert sent["id"] == 4  # a caller's dict is theirs: nothing is guessed away
