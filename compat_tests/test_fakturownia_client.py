"""A client we did not write works against the sandbox: ``fakturownia-client`` from PyPI.

Each test starts a fresh :class:`~invoceanio.sandbox.Sandbox` on loopback and drives it with
``fakturownia_client.AsyncFakturowniaClient``: invoices (with positions, totals computed by the
sandbox) and clients are created, read, listed, updated and deleted, and every result is checked
twice, through the third-party client's models and in the sandbox's store. A wrong token surfaces
as the client's own :class:`~fakturownia_client.AuthenticationError`.

This directory sits outside ``tests/`` on purpose: only ``nox -s compat`` installs
fakturownia-client, so the main suite never collects these tests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fakturownia_client import (
    AsyncFakturowniaClient,
    AuthenticationError,
    Client,
    Invoice,
    InvoiceCreate,
    InvoicePositionCreate,
    NotFoundError,
    ValidationError,
)

from invoceanio.sandbox import Sandbox

TOKEN = "compat-token"


def connect(sandbox: Sandbox, token: str = TOKEN) -> AsyncFakturowniaClient:
    """fakturownia-client pointed at the sandbox.

    It always builds ``https://<domain>``, so the plain-http loopback URL is set on its httpx
    client afterwards; no retries, so an error surfaces on the first answer.
    """
    client = AsyncFakturowniaClient(
        f"127.0.0.1:{sandbox.port}", api_token=token, max_retries=0, timeout=5.0
    )
    client._http.base_url = sandbox.url
    return client


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(token=TOKEN) as running:
        yield running


@pytest.fixture
async def fc(sandbox: Sandbox) -> AsyncIterator[AsyncFakturowniaClient]:
    async with connect(sandbox) as client:
        yield client


def stored(sandbox: Sandbox, collection: str, id: int) -> dict[str, Any]:
    """The sandbox's record ``id`` of ``collection`` (fails the test when absent)."""
    matches = [record for record in sandbox.store.records(collection) if record["id"] == id]
    assert len(matches) == 1, f"{collection} {id} is not in the store"
    return matches[0]


def two_position_invoice(**fields: Any) -> InvoiceCreate:
    """2 x 100.00 net at 23% plus 1 x 50.00 net at 8%: net 250.00, gross 300.00."""
    defaults: dict[str, Any] = {
        "kind": "vat",
        "issue_date": date(2026, 11, 2),
        "seller_name": "Seller Sp. z o.o.",
        "buyer_name": "Buyer S.A.",
        "buyer_tax_no": "5250000001",
        "positions": [
            InvoicePositionCreate(name="Consulting", quantity=2, tax=23, price_net="100.00"),
            InvoicePositionCreate(name="Book", quantity=1, tax=8, price_net="50.00"),
        ],
    }
    return InvoiceCreate(**{**defaults, **fields})


# --- invoices -------------------------------------------------------------------------------------


async def test_create_invoice_returns_the_sandbox_totals_and_stores_it(
    sandbox: Sandbox, fc: AsyncFakturowniaClient
) -> None:
    invoice = await fc.create_invoice(two_position_invoice())

    assert isinstance(invoice, Invoice)
    assert invoice.id == 1
    assert invoice.number == "FV 1/11/2026"
    assert invoice.kind == "vat"
    assert invoice.issue_date == date(2026, 11, 2)
    assert invoice.buyer_name == "Buyer S.A."
    assert Decimal(invoice.price_net or "") == Decimal("250.00")
    assert Decimal(invoice.price_gross or "") == Decimal("300.00")
    assert invoice.positions is not None
    first, second = invoice.positions
    assert (first.name, Decimal(first.total_price_net or ""), first.total_price_gross) == (
        "Consulting",
        Decimal("200.00"),
        "246.00",
    )
    assert (second.name, second.total_price_net, second.total_price_gross) == (
        "Book",
        "50.00",
        "54.00",
    )
    assert first.id is not None and second.id is not None and first.id != second.id

    record = stored(sandbox, "invoices", invoice.id)
    assert record["number"] == "FV 1/11/2026"
    assert record["price_net"] == "250.00"
    assert record["price_gross"] == "300.00"
    assert [p["total_price_gross"] for p in record["positions"]] == ["246.00", "54.00"]
    assert record["seller_name"] == "Seller Sp. z o.o."
    # The buyer fields without a client_id made a client card, as the service does.
    assert record["client_id"] is not None
    assert stored(sandbox, "clients", record["client_id"])["name"] == "Buyer S.A."


async def test_create_invoice_from_a_plain_dict_payload(
    sandbox: Sandbox, fc: AsyncFakturowniaClient
) -> None:
    invoice = await fc.create_invoice(
        {
            "kind": "proforma",
            "issue_date": "2026-11-05",
            "buyer_name": "Dict Buyer",
            "positions": [{"name": "Gross item", "quantity": 3, "tax": 23, "price_gross": "12.30"}],
        }
    )

    assert invoice.kind == "proforma"
    assert invoice.number == "PRO 1/11/2026"
    assert invoice.price_gross == "36.90"
    assert invoice.price_net == "30.00"
    assert stored(sandbox, "invoices", invoice.id)["price_gross"] == "36.90"


async def test_get_invoice_reads_what_was_created(
    sandbox: Sandbox, fc: AsyncFakturowniaClient
) -> None:
    created = await fc.create_invoice(two_position_invoice())

    fetched = await fc.get_invoice(created.id)

    assert fetched.id == created.id
    assert fetched.number == created.number
    assert fetched.price_gross == "300.00"
    assert fetched.positions is not None
    assert [p.id for p in fetched.positions] == [p.id for p in created.positions or []]
    assert [p.name for p in fetched.positions] == ["Consulting", "Book"]
    assert fetched.model_dump()["token"] == stored(sandbox, "invoices", created.id)["token"]


async def test_list_invoices_returns_every_invoice_newest_first(
    sandbox: Sandbox, fc: AsyncFakturowniaClient
) -> None:
    older = await fc.create_invoice(two_position_invoice(issue_date=date(2026, 10, 1)))
    newer = await fc.create_invoice(two_position_invoice(issue_date=date(2026, 11, 2)))

    listed = await fc.list_invoices(period="all")

    assert [invoice.id for invoice in listed] == [newer.id, older.id]
    assert all(invoice.positions is None for invoice in listed)
    assert {invoice.id for invoice in listed} == {
        record["id"] for record in sandbox.store.records("invoices")
    }


async def test_list_invoices_with_positions_and_filters(
    sandbox: Sandbox, fc: AsyncFakturowniaClient
) -> None:
    first = await fc.create_invoice(two_position_invoice())
    await fc.create_invoice(two_position_invoice(kind="proforma"))

    by_kind = await fc.list_invoices(period="all", kind="vat", include_positions=True)
    by_number = await fc.list_invoices(period="all", number=first.number)
    by_dates = await fc.list_invoices(date_from="2026-11-01", date_to="2026-11-30")
    out_of_range = await fc.list_invoices(date_from="2025-01-01", date_to="2025-01-31")

    assert [invoice.id for invoice in by_kind] == [first.id]
    assert by_kind[0].positions is not None
    assert [p.total_price_gross for p in by_kind[0].positions] == ["246.00", "54.00"]
    assert [invoice.id for invoice in by_number] == [first.id]
    assert len(by_dates) == 2
    assert out_of_range == []
    assert len(sandbox.store.records("invoices")) == 2


async def test_iter_invoices_pages_through_every_invoice(
    sandbox: Sandbox, fc: AsyncFakturowniaClient
) -> None:
    for _ in range(3):
        await fc.create_invoice(two_position_invoice())

    ids = [invoice.id async for invoice in fc.iter_invoices(period="all")]

    assert sorted(ids) == [1, 2, 3]
    assert sorted(ids) == [record["id"] for record in sandbox.store.records("invoices")]


async def test_update_invoice_recomputes_totals(
    sandbox: Sandbox, fc: AsyncFakturowniaClient
) -> None:
    created = await fc.create_invoice(two_position_invoice())
    assert created.positions is not None
    consulting, book = created.positions

    updated = await fc.update_invoice(
        created.id,
        {
            "buyer_email": "billing@buyer.example",
            "positions": [
                {"id": consulting.id, "quantity": 3},
                {"id": book.id, "_destroy": 1},
                {"name": "Travel", "quantity": 1, "tax": 23, "price_net": "10.00"},
            ],
        },
    )

    # 3 x 100.00 at 23% (369.00 gross) + 10.00 at 23% (12.30 gross)
    assert updated.id == created.id
    assert updated.number == created.number
    assert updated.buyer_email == "billing@buyer.example"
    assert updated.price_net == "310.00"
    assert updated.price_gross == "381.30"
    assert updated.positions is not None
    assert [p.name for p in updated.positions] == ["Consulting", "Travel"]
    assert updated.positions[0].id == consulting.id
    assert updated.positions[0].total_price_gross == "369.00"

    record = stored(sandbox, "invoices", created.id)
    assert record["price_gross"] == "381.30"
    assert record["buyer_email"] == "billing@buyer.example"
    assert [p["name"] for p in record["positions"]] == ["Consulting", "Travel"]
    assert (await fc.get_invoice(created.id)).price_gross == "381.30"


async def test_delete_invoice_removes_it(sandbox: Sandbox, fc: AsyncFakturowniaClient) -> None:
    kept = await fc.create_invoice(two_position_invoice())
    doomed = await fc.create_invoice(two_position_invoice())

    assert await fc.delete_invoice(doomed.id) is None

    assert [record["id"] for record in sandbox.store.records("invoices")] == [kept.id]
    with pytest.raises(NotFoundError) as caught:
        await fc.get_invoice(doomed.id)
    assert caught.value.status_code == 404
    assert [invoice.id for invoice in await fc.list_invoices(period="all")] == [kept.id]


async def test_invalid_invoice_is_a_validation_error_and_stores_nothing(
    sandbox: Sandbox, fc: AsyncFakturowniaClient
) -> None:
    with pytest.raises(ValidationError) as caught:
        await fc.create_invoice({"buyer_name": "X", "client_id": 999})

    assert caught.value.status_code == 422
    assert "client_id" in str(caught.value)
    assert sandbox.store.records("invoices") == []


# --- clients --------------------------------------------------------------------------------------


async def test_create_and_get_client(sandbox: Sandbox, fc: AsyncFakturowniaClient) -> None:
    created = await fc.create_client(
        {
            "name": "Acme Sp. z o.o.",
            "tax_no": "5250000002",
            "email": "office@acme.example",
            "city": "Warszawa",
            "post_code": "00-001",
            "external_id": "crm-42",
        }
    )

    assert isinstance(created, Client)
    assert created.id == 1
    assert created.name == "Acme Sp. z o.o."
    assert created.company is True
    fetched = await fc.get_client(created.id)
    assert (fetched.id, fetched.tax_no, fetched.email, fetched.city, fetched.external_id) == (
        created.id,
        "5250000002",
        "office@acme.example",
        "Warszawa",
        "crm-42",
    )
    assert fetched.created_at is not None

    record = stored(sandbox, "clients", created.id)
    assert record["name"] == "Acme Sp. z o.o."
    assert record["post_code"] == "00-001"
    assert record["shortcut"] == "Acme Sp. z o.o."


async def test_list_clients_with_filters(sandbox: Sandbox, fc: AsyncFakturowniaClient) -> None:
    acme = await fc.create_client({"name": "Acme", "tax_no": "111", "email": "a@acme.example"})
    other = await fc.create_client({"name": "Other Corp", "tax_no": "222"})

    everyone = await fc.list_clients()
    by_name = await fc.list_clients(name="acm")
    by_tax_no = await fc.list_clients(tax_no="222")
    by_email = await fc.list_clients(email="a@acme.example")
    nobody = await fc.list_clients(external_id="missing")
    iterated = [client.id async for client in fc.iter_clients()]

    assert [client.id for client in everyone] == [acme.id, other.id]
    assert [client.id for client in by_name] == [acme.id]
    assert [client.id for client in by_tax_no] == [other.id]
    assert [client.id for client in by_email] == [acme.id]
    assert nobody == []
    assert iterated == [record["id"] for record in sandbox.store.records("clients")]


async def test_update_client(sandbox: Sandbox, fc: AsyncFakturowniaClient) -> None:
    created = await fc.create_client({"name": "Acme", "city": "Kraków"})

    updated = await fc.update_client(created.id, {"city": "Gdańsk", "phone": "+48 123"})

    assert (updated.id, updated.name, updated.city, updated.phone) == (
        created.id,
        "Acme",
        "Gdańsk",
        "+48 123",
    )
    record = stored(sandbox, "clients", created.id)
    assert (record["city"], record["phone"]) == ("Gdańsk", "+48 123")
    assert (await fc.get_client(created.id)).city == "Gdańsk"


async def test_delete_client(sandbox: Sandbox, fc: AsyncFakturowniaClient) -> None:
    kept = await fc.create_client({"name": "Kept"})
    doomed = await fc.create_client({"name": "Doomed"})

    assert await fc.delete_client(doomed.id) is None

    assert [record["id"] for record in sandbox.store.records("clients")] == [kept.id]
    with pytest.raises(NotFoundError):
        await fc.get_client(doomed.id)
    assert [client.id for client in await fc.list_clients()] == [kept.id]


async def test_invoice_for_an_existing_client_takes_the_buyer_from_the_card(
    sandbox: Sandbox, fc: AsyncFakturowniaClient
) -> None:
    client = await fc.create_client({"name": "Card Buyer", "tax_no": "333"})

    invoice = await fc.create_invoice(
        InvoiceCreate(
            client_id=client.id,
            issue_date=date(2026, 11, 3),
            positions=[InvoicePositionCreate(name="Item", tax=23, price_net="10.00")],
        )
    )

    assert (invoice.client_id, invoice.buyer_name, invoice.buyer_tax_no) == (
        client.id,
        "Card Buyer",
        "333",
    )
    assert invoice.price_gross == "12.30"
    listed = await fc.list_invoices(period="all", client_id=client.id)
    assert [item.id for item in listed] == [invoice.id]
    assert len(sandbox.store.records("clients")) == 1


# --- authentication -------------------------------------------------------------------------------


async def test_wrong_token_is_an_authentication_error(sandbox: Sandbox) -> None:
    async with connect(sandbox, token="not-the-token") as intruder:
        with pytest.raises(AuthenticationError) as listing:
            await intruder.list_invoices()
        with pytest.raises(AuthenticationError) as creating:
            await intruder.create_client({"name": "Nope"})

    assert listing.value.status_code == 401
    assert "You must be logged in" in str(listing.value)
    assert creating.value.status_code == 401
    assert sandbox.store.records("clients") == []
    assert sandbox.store.records("invoices") == []
