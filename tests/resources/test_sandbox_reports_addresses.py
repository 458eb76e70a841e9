"""``io.reports.reminders``, ``Invoice.reminders_info`` and ``io.clients.add_address`` against
the embedded sandbox over the real aiohttp transport: what the SDK sends is what the sandbox
serves, and it comes back typed. Reminders are recorded through the sandbox's control endpoint
(``POST /__sandbox__/reminders``): no API call sends one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any

import aiohttp
import pytest

from invoceanio import ConfigurationError, InvoiceOcean, ValidationError
from invoceanio.models import Invoice, Reminder
from invoceanio.sandbox import Sandbox
from tests.support import sandbox_client


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(token="reports-token/acme") as running:
        yield running


@pytest.fixture
async def io(sandbox: Sandbox) -> AsyncIterator[InvoiceOcean]:
    async with sandbox_client(sandbox) as client:
        yield client


async def _remind(sandbox: Sandbox, invoice: Invoice, day: str, kind: str = "email") -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{sandbox.url}/__sandbox__/reminders",
            json={"invoice_id": invoice.id, "kind": kind, "date": day},
        ) as answer,
    ):
        assert answer.status == 201, await answer.text()


async def _invoice(io: InvoiceOcean, buyer: str, **fields: Any) -> Invoice:
    return await io.invoices.create(
        {
            "buyer_name": buyer,
            "positions": [{"name": "A", "tax": 23, "quantity": 1, "total_price_gross": "12.30"}],
            **fields,
        }
    )


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_the_reminders_report_lists_the_window_typed_and_filtered(
    sandbox: Sandbox, fmt: str
) -> None:
    async with InvoiceOcean(base_url=sandbox.url, api_token=sandbox.token, format=fmt) as io:
        paris = await io.departments.create({"name": "Paris", "shortcut": "PAR"})
        first = await _invoice(io, "Dupont SARL", department_id=paris.id)
        second = await _invoice(io, "Martin SAS")
        await _remind(sandbox, first, "2026-11-24")
        await _remind(sandbox, second, "2026-11-23", kind="sms")
        await _remind(sandbox, first, "2026-11-30")  # outside the window below
        await _remind(sandbox, first, "2026-11-22")  # before it

        entries = await io.reports.reminders(date(2026, 11, 23), date(2026, 11, 29))
        assert [(e.document_id, e.kind) for e in entries] == [
            (second.id, "sms"),
            (first.id, "email"),
        ]
        entry = entries[1]
        assert entry.document_number == first.number and entry.buyer_name == "Dupont SARL"
        assert isinstance(entry.created_at, datetime) and entry.created_at.date() == date(
            2026, 11, 24
        )
        assert entry.document_status == first.status

        only_sms = await io.reports.reminders("2026-11-23", "2026-11-29", kind="sms")
        assert [e.document_id for e in only_sms] == [second.id]
        department = await io.reports.reminders(
            "2026-11-23", "2026-11-29", department_id=paris.id or 0
        )
        assert [e.document_id for e in department] == [first.id]


async def test_a_window_the_sdk_would_refuse_is_refused_by_the_sandbox_too(
    io: InvoiceOcean, sandbox: Sandbox
) -> None:
    """The SDK's own check and the server's rule agree: seven days pass, eight do not."""
    assert await io.reports.reminders("2026-11-01", "2026-11-07") == []
    with pytest.raises(ConfigurationError, match="at most 7 days"):
        await io.reports.reminders("2026-11-01", "2026-11-08")
    with pytest.raises(ValidationError) as refused:
        await io.request(
            "GET", "reports/reminders_report", {"date_from": "2026-11-01", "date_to": "2026-11-08"}
        )
    assert "date_to" in refused.value.field_errors


async def test_reminders_info_reads_back_on_the_invoice(io: InvoiceOcean, sandbox: Sandbox) -> None:
    invoice = await _invoice(io, "Dupont SARL")
    await _remind(sandbox, invoice, "2026-11-20")
    await _remind(sandbox, invoice, "2026-11-27", kind="letter")

    read = await io.invoices.get(invoice.id or 0, additional_fields=["reminders_info"])
    assert read.reminders_info is not None
    assert read.reminders_info.count == 2
    assert read.reminders_info.last_reminder_date == date(2026, 11, 27)
    assert read.reminders_info.last_reminder_type == "letter"
    assert read.reminders_info.reminders == (
        Reminder(date=date(2026, 11, 20), type="email"),
        Reminder(date=date(2026, 11, 27), type="letter"),
    )
    assert (await io.invoices.get(invoice.id or 0)).reminders_info is None


async def test_add_address_stores_it_for_the_client_and_moves_primary(
    io: InvoiceOcean, sandbox: Sandbox
) -> None:
    client = await io.clients.create({"name": "Dupont SARL"})
    assert client.id is not None
    depot = await io.clients.add_address(
        client.id, {"name": "Depot", "city": "Lyon", "primary": True}
    )
    assert (depot.name, depot.city, depot.kind, depot.primary) == (
        "Depot",
        "Lyon",
        "delivery",
        True,
    )
    assert (depot.addressable_type, depot.addressable_id) == ("Client", client.id)
    assert isinstance(depot.id, int) and isinstance(depot.created_at, datetime)

    office = await io.clients.add_address(str(client.id), {"name": "Office", "primary": "1"})
    assert office.primary is True
    stored = {a["name"]: a["primary"] for a in sandbox.store.records("addresses")}
    assert stored == {"Depot": False, "Office": True}


async def test_an_address_for_a_client_that_does_not_exist_is_a_validation_error(
    io: InvoiceOcean, sandbox: Sandbox
) -> None:
    with pytest.raises(ValidationError) as refused:
        await io.clients.add_address(999, {"name": "Depot"})
    assert "addressable_id" in refused.value.field_errors
    assert sandbox.store.records("addresses") == []
