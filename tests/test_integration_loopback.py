"""The real client stack (AiohttpTransport, middleware, codecs) against a server on loopback.

These prove over real sockets what the unit tests prove on MockTransport: the CRUD round trip in
JSON and XML, the token sent only where the chosen auth mode puts it, and, above all, that a
create whose connection drops after the server stored it is reconciled by oid, not duplicated.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from aiohttp.test_utils import TestServer

import invoceanio
from invoceanio import (
    AuthenticationError,
    ConnectionLostError,
    InvoiceOcean,
    NotFoundError,
    ResponseTooLargeError,
    RetryPolicy,
)
from invoceanio.models import Invoice, InvoiceDraft, PositionDraft
from tests.loopback_server import TOKEN, LoopbackApi


@pytest.fixture
async def api() -> AsyncIterator[tuple[LoopbackApi, str]]:
    backend = LoopbackApi()
    server = TestServer(backend.app(), host="127.0.0.1")
    await server.start_server()
    try:
        yield backend, str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


def _client(base_url: str, **options: object) -> InvoiceOcean:
    async def no_sleep(_: float) -> None:
        return None

    options.setdefault("api_token", TOKEN)
    return InvoiceOcean(base_url=base_url, retry=RetryPolicy(sleep=no_sleep), timeout=5, **options)  # type: ignore[arg-type]


def _draft(oid: str) -> InvoiceDraft:
    return InvoiceDraft(
        oid=oid,
        kind="vat",
        buyer_name="Klient ABC",
        positions=[
            PositionDraft(
                name="A", tax=Decimal(23), quantity=Decimal(1), total_price_gross=Decimal("12.30")
            ),
            PositionDraft(
                name="B", tax="zw", quantity=Decimal(2), total_price_gross=Decimal("0.70")
            ),
        ],
    )


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_crud_round_trip_over_loopback(api: tuple[LoopbackApi, str], fmt: str) -> None:
    backend, base_url = api
    async with _client(base_url, format=fmt) as io:
        created = await io.invoices.create(_draft("ORDER-1"))
        assert isinstance(created, Invoice)
        assert created.price_gross == Decimal("13.00")
        assert [p.tax for p in created.positions] == [Decimal(23), "zw"]
        fetched = await io.invoices.get(created.id)  # type: ignore[arg-type]
        assert fetched.buyer_name == "Klient ABC"
        assert fetched.positions[0].total_price_gross == Decimal("12.30")
        updated = await io.invoices.update(created.id, {"buyer_name": "Nowy"})  # type: ignore[arg-type]
        assert updated.buyer_name == "Nowy"
        listed = [inv async for inv in io.invoices.iterate(per_page=1)]
        assert [inv.id for inv in listed] == [created.id]
        assert (await io.invoices.find_by_oid("ORDER-1")) == listed[0]
        assert (await io.invoices.pdf(created.id)).startswith(b"%PDF")  # type: ignore[arg-type]
        await io.invoices.delete(created.id)  # type: ignore[arg-type]
        with pytest.raises(NotFoundError):
            await io.invoices.get(created.id)  # type: ignore[arg-type]
    assert all(path.split("?")[0].endswith((f".{fmt}", ".pdf")) for _, path in backend.requests)


@pytest.mark.parametrize("auth", ["bearer", "query"])
async def test_token_is_accepted_in_each_mode_and_wrong_token_is_401(
    api: tuple[LoopbackApi, str], auth: str
) -> None:
    backend, base_url = api
    async with _client(base_url, auth=auth) as io:
        assert await io.invoices.list() == []
    in_url = [path for _, path in backend.requests if TOKEN in path]
    assert bool(in_url) == (auth == "query")
    async with _client(base_url, auth=auth, api_token="wrong") as io:
        with pytest.raises(AuthenticationError) as caught:
            await io.clients.list()
    assert caught.value.status == 401
    assert "wrong" not in str(caught.value)


async def test_create_dropped_after_store_is_reconciled_not_duplicated(
    api: tuple[LoopbackApi, str],
) -> None:
    backend, base_url = api
    backend.create_faults = ["drop_after_store"]
    async with _client(base_url) as io:
        invoice = await io.invoices.create(_draft("ORDER-DROP"))
    assert invoice.oid == "ORDER-DROP"
    assert len(backend.records["invoices"]) == 1
    posts = [r for r in backend.requests if r[0] == "POST"]
    assert len(posts) == 1, "the create must not be re-sent once the lookup found it"
    assert any("oid=ORDER-DROP" in path for method, path in backend.requests if method == "GET")


async def test_create_dropped_before_store_is_sent_again_once(api: tuple[LoopbackApi, str]) -> None:
    backend, base_url = api
    backend.create_faults = ["drop_before_store"]
    async with _client(base_url) as io:
        invoice = await io.invoices.create(_draft("ORDER-RETRY"))
    assert invoice.oid == "ORDER-RETRY"
    assert len(backend.records["invoices"]) == 1
    assert [m for m, _ in backend.requests] == ["POST", "GET", "POST"]


async def test_create_without_oid_is_never_resent_after_a_drop(
    api: tuple[LoopbackApi, str],
) -> None:
    backend, base_url = api
    backend.create_faults = ["drop_after_store"]
    async with _client(base_url) as io:
        with pytest.raises(ConnectionLostError) as caught:
            await io.invoices.create({"buyer_name": "X", "positions": []})
    assert caught.value.outcome_unknown
    assert [m for m, _ in backend.requests] == ["POST"]
    assert len(backend.records["invoices"]) == 1


async def test_throttled_create_is_retried_after_retry_after(api: tuple[LoopbackApi, str]) -> None:
    backend, base_url = api
    backend.create_faults = ["503"]
    async with _client(base_url) as io:
        await io.invoices.create(_draft("ORDER-503"))
    assert [m for m, _ in backend.requests] == ["POST", "POST"]
    assert len(backend.records["invoices"]) == 1


async def test_second_create_with_same_oid_returns_the_existing_invoice(
    api: tuple[LoopbackApi, str],
) -> None:
    backend, base_url = api
    async with _client(base_url) as io:
        first = await io.invoices.create(_draft("ORDER-SAME"))
        second = await io.invoices.create(_draft("ORDER-SAME"))
    assert second.id == first.id
    assert len(backend.records["invoices"]) == 1


async def test_response_over_the_size_cap_is_refused_unread(api: tuple[LoopbackApi, str]) -> None:
    backend, base_url = api
    for number in range(30):
        backend.records["invoices"][number + 1] = {"id": number + 1, "buyer_name": "x" * 100}
    async with _client(base_url, max_response_bytes=1024) as io:
        with pytest.raises(ResponseTooLargeError) as caught:
            await io.invoices.list()
        assert "GET" in str(caught.value) and "/invoices.json" in str(caught.value)
        backend.records["invoices"].clear()
        assert await io.invoices.list() == []


async def test_requests_carry_the_sdk_user_agent(api: tuple[LoopbackApi, str]) -> None:
    backend, base_url = api
    async with _client(base_url) as io:
        await io.clients.list()
    assert backend.user_agents == [f"invoceanio/{invoceanio.__version__}"]
