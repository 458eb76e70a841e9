"""``Sandbox`` on a real loopback port, driven by the SDK's own client (AiohttpTransport).

Proves the sandbox is a backend the SDK works against unchanged: the whole invoice life cycle
in JSON and XML, clients, paged printers, price lists by ``price_list_ids``, a half-up
``paid``, every auth mode, 401, and each fault kind switched on through the
admin endpoint (the ambiguous drop after store is reconciled by oid into exactly one invoice).
A client that times out and leaves, or a stop() that cancels a handler, logs no error.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from invoceanio import (
    APIError,
    AuthenticationError,
    ConnectionLostError,
    DecodeError,
    InvoiceOcean,
    NotFoundError,
    RateLimitError,
    RequestTimeout,
    RetryPolicy,
    ServerError,
    ValidationError,
)
from invoceanio.models import InvoiceDraft, PositionDraft
from invoceanio.sandbox import FaultConfig, Sandbox


async def _no_sleep(_: float) -> None:
    return None


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(token="sb-token") as running:
        yield running


def _client(sandbox: Sandbox, **options: Any) -> InvoiceOcean:
    options.setdefault("api_token", sandbox.token)
    options.setdefault("retry", RetryPolicy(sleep=_no_sleep))
    return InvoiceOcean(base_url=sandbox.url, timeout=5, **options)


def _draft(oid: str | None = None) -> InvoiceDraft:
    return InvoiceDraft(
        oid=oid,
        kind="vat",
        buyer_name="Klient ABC",
        buyer_email="buyer@example.com",
        positions=[
            PositionDraft(
                name="A", tax=Decimal(23), quantity=Decimal(1), total_price_gross=Decimal("12.30")
            ),
            PositionDraft(name="B", tax="zw", quantity=Decimal(2), price_gross=Decimal("0.35")),
        ],
    )


async def _admin(sandbox: Sandbox, method: str, path: str, body: Any = None) -> Any:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, f"{sandbox.url}/__sandbox__/{path}", json=body) as response,
    ):
        assert response.status == 200, await response.text()
        return await response.json()


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_invoice_life_cycle_with_the_sdk(sandbox: Sandbox, fmt: str) -> None:
    async with _client(sandbox, format=fmt) as io:
        created = await io.invoices.create(_draft("ORDER-1"))
        assert created.id is not None
        assert created.price_gross == Decimal("13.00")
        assert created.price_net == Decimal("10.70")
        assert [p.tax for p in created.positions] == [Decimal(23), "zw"]
        assert created.number == f"FV 1/{created.issue_date:%m/%Y}"  # type: ignore[str-format]
        fetched = await io.invoices.get(created.id)
        assert fetched.buyer_name == "Klient ABC" and fetched.income is True
        first, second = (p.id for p in fetched.positions)
        updated = await io.invoices.update(
            created.id,
            {
                "buyer_name": "Nowy",
                "positions": [
                    {"id": first, "quantity": 2},
                    {"id": second, "_destroy": True},
                    {"name": "C", "tax": 8, "price_net": "10"},
                ],
            },
        )
        assert updated.buyer_name == "Nowy"
        assert [p.name for p in updated.positions] == ["A", "C"]
        assert updated.price_gross == Decimal("24.60") + Decimal("10.80")
        await io.invoices.create(_draft("ORDER-2"))
        listed = [invoice async for invoice in io.invoices.iterate(per_page=1)]
        assert {invoice.oid for invoice in listed} == {"ORDER-1", "ORDER-2"}
        assert len(await io.invoices.list(per_page=1, page=2)) == 1
        found = await io.invoices.find_by_oid("ORDER-1")
        assert found is not None and found.id == created.id
        assert await io.invoices.find_by_oid("NOPE") is None
        assert (await io.invoices.pdf(created.id, print_option="duplicate")).startswith(b"%PDF")
        confirmation = await io.invoices.send_by_email(created.id, email_to=["x@example.com"])
        assert confirmation["status"] == "ok"
        await io.invoices.change_status(created.id, "paid")
        assert (await io.invoices.get(created.id)).status == "paid"
        await io.invoices.cancel(created.id, reason="duplicate")
        assert (await io.invoices.get(created.id)).kind == "canceled"
        await io.invoices.delete(created.id)
        with pytest.raises(NotFoundError):
            await io.invoices.get(created.id)
    assert sandbox.store.outbox[0]["to"] == ["x@example.com"]
    assert sandbox.store.counts()["invoices"] == 1


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_client_crud_and_filters_with_the_sdk(sandbox: Sandbox, fmt: str) -> None:
    async with _client(sandbox, format=fmt) as io:
        acme = await io.clients.create({"name": "Acme", "external_id": "EXT-1", "tax_no": "1"})
        await io.clients.create({"name": "Other", "email": "o@example.com"})
        assert acme.id is not None and acme.company is True
        assert [c.name for c in await io.clients.list(external_id="EXT-1")] == ["Acme"]
        assert [c.name for c in await io.clients.list(name="oth")] == ["Other"]
        assert [c.name for c in await io.clients.list(email="o@example.com")] == ["Other"]
        assert [c.name for c in await io.clients.list(tax_no="1")] == ["Acme"]
        renamed = await io.clients.update(acme.id, {"name": "Acme 2"})
        assert renamed.name == "Acme 2"
        assert (await io.clients.get(acme.id)).external_id == "EXT-1"
        await io.clients.delete(acme.id)
        with pytest.raises(NotFoundError):
            await io.clients.get(acme.id)
        with pytest.raises(ValidationError) as caught:
            await io.clients.create({"email": "no-name@example.com"})
    assert caught.value.field_errors == {"name": ["can't be blank"]}


async def test_printers_and_price_lists_page_and_filter_with_the_sdk(sandbox: Sandbox) -> None:
    async with _client(sandbox) as io:
        assert [p.id for p in await io.printers.list(page=2, per_page=1)] == [2]
        assert [p.id for p in await io.printers.list(page=5, per_page=1)] == []
        assert [p.id async for p in io.printers.iterate(per_page=1)] == [1, 2]
        first = await io.price_lists.create({"name": "A"})
        await io.price_lists.create({"name": "B"})
        for ids in ([first.id], str(first.id), first.id):
            assert [x.name for x in await io.price_lists.list(price_list_ids=ids)] == ["A"]
        paid = await io.invoices.create(
            InvoiceDraft(
                buyer_name="B",
                paid=Decimal("10.005"),
                positions=[PositionDraft(name="x", tax="0", total_price_gross=Decimal("10.01"))],
            )
        )
        assert paid.paid == Decimal("10.01")


@pytest.mark.parametrize(
    "options",
    [
        {"auth": "bearer"},
        {"auth": "query"},
        {"auth": "body"},
        {"auth": "basic", "login": "anyone", "password": "sb-token"},
    ],
)
async def test_every_auth_mode_is_accepted(sandbox: Sandbox, options: dict[str, Any]) -> None:
    async with _client(sandbox, **options) as io:
        created = await io.invoices.create(_draft())
        assert (await io.invoices.get(created.id)).id == created.id  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "options",
    [
        {"auth": "bearer", "api_token": "wrong"},
        {"auth": "query", "api_token": "wrong"},
        {"auth": "basic", "login": "sb-token", "password": "wrong"},
    ],
)
async def test_wrong_credentials_are_401_with_the_service_message(
    sandbox: Sandbox, options: dict[str, Any]
) -> None:
    async with _client(sandbox, **options) as io:
        with pytest.raises(AuthenticationError) as caught:
            await io.invoices.list()
    assert caught.value.status == 401
    assert "You must be logged in to gain access to the site" in str(caught.value)


async def test_missing_token_is_401_json() -> None:
    async with (
        Sandbox() as sandbox,
        aiohttp.ClientSession() as session,
        session.get(f"{sandbox.url}/invoices.json") as response,
    ):
        assert response.status == 401
        assert await response.json() == {
            "code": "error",
            "message": "You must be logged in to gain access to the site",
        }


async def test_drop_after_store_is_reconciled_by_oid_to_exactly_one_invoice(
    sandbox: Sandbox,
) -> None:
    await _admin(sandbox, "PUT", "faults", {"drop_after_store_rate": 1.0, "seed": 1})
    async with _client(sandbox) as io:
        invoice = await io.invoices.create(_draft("ORDER-DROP"))
    assert invoice.oid == "ORDER-DROP"
    assert (await _admin(sandbox, "GET", "counts"))["invoices"] == 1
    assert (await _admin(sandbox, "GET", "stats"))["drop_after_store"] == 1


async def test_drop_before_store_loses_the_connection_and_stores_nothing(
    sandbox: Sandbox,
) -> None:
    sandbox.faults.reconfigure(FaultConfig(drop_before_store_rate=1.0, seed=3))
    async with _client(sandbox, retry=RetryPolicy(sleep=_no_sleep, max_attempts=1)) as io:
        with pytest.raises(ConnectionLostError):
            await io.invoices.create(_draft("ORDER-BEFORE"))
        assert await io.invoices.list() == []  # only creates are dropped
    assert sandbox.store.counts()["invoices"] == 0
    await _admin(sandbox, "PUT", "faults", {"drop_before_store_rate": 0})
    async with _client(sandbox) as io:
        await io.invoices.create(_draft("ORDER-BEFORE"))
    assert sandbox.store.counts()["invoices"] == 1


async def test_rate_limit_answers_429_with_retry_after(sandbox: Sandbox) -> None:
    await _admin(sandbox, "PUT", "faults", {"rate_limit": "1/60"})
    async with _client(sandbox, retry=RetryPolicy.disabled()) as io:
        await io.invoices.list()
        with pytest.raises(RateLimitError) as caught:
            await io.invoices.list()
    assert caught.value.status == 429
    assert caught.value.retry_after is not None and caught.value.retry_after > 0


async def test_server_errors_body_errors_and_html_pages(sandbox: Sandbox) -> None:
    async with _client(sandbox, retry=RetryPolicy.disabled()) as io:
        await _admin(sandbox, "PUT", "faults", {"error_rate": 1.0, "error_statuses": {"502": 1}})
        with pytest.raises(ServerError) as server_error:
            await io.invoices.list()
        assert server_error.value.status == 502
        await _admin(sandbox, "PUT", "faults", {"error_rate": 0, "body_error_rate": 1.0})
        with pytest.raises(APIError) as body_error:
            await io.invoices.list()
        assert body_error.value.status == 200
        await _admin(sandbox, "PUT", "faults", {"body_error_rate": 0, "html_rate": 1.0})
        with pytest.raises(DecodeError):
            await io.invoices.list()
        await _admin(sandbox, "PUT", "faults", {"html_rate": 0})
        assert await io.invoices.list() == []
    stats = await _admin(sandbox, "GET", "stats")
    assert (stats["server_error_502"], stats["body_error"], stats["html"]) == (1, 1, 1)


async def test_latency_delays_the_answer(sandbox: Sandbox) -> None:
    import time

    sandbox.faults.reconfigure(FaultConfig(latency_ms=150))
    async with _client(sandbox) as io:
        started = time.monotonic()
        await io.clients.list()
    assert time.monotonic() - started >= 0.14


async def test_sandbox_url_needs_start_and_stop_frees_it() -> None:
    sandbox = Sandbox()
    with pytest.raises(RuntimeError):
        _ = sandbox.url
    await sandbox.start()
    url = sandbox.url
    assert url.startswith("http://127.0.0.1:") and sandbox.port > 0
    await sandbox.stop()
    with pytest.raises(RuntimeError):
        _ = sandbox.url
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientConnectionError):
            await session.get(f"{url}/invoices.json")


@pytest.mark.parametrize("stalled", ["latency", "half_body"])
async def test_stop_does_not_wait_for_a_request_its_client_abandoned(stalled: str) -> None:
    import asyncio

    sandbox = Sandbox(token="sb-token")
    await sandbox.start()
    if stalled == "latency":
        sandbox.faults.reconfigure(FaultConfig(latency_ms=120_000))
        client = InvoiceOcean(
            base_url=sandbox.url,
            api_token=sandbox.token,
            retry=RetryPolicy.disabled(),
            timeout=0.2,
        )
        async with client as io:
            with pytest.raises(RequestTimeout):
                await io.clients.list()
        # A hang detector, not a timing: before the fix stop() waited out aiohttp's 60 s grace.
        await asyncio.wait_for(sandbox.stop(), timeout=10)
    else:
        # Headers that promise more body than ever comes, from a client that stays connected:
        # the handler waits on the read.
        _, writer = await asyncio.open_connection(sandbox.host, sandbox.port)
        writer.write(
            b"POST /clients.json HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sb-token\r\n"
            b'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"client":'
        )
        await writer.drain()
        await asyncio.sleep(0.1)
        try:
            await asyncio.wait_for(sandbox.stop(), timeout=10)
        finally:
            writer.close()


def _sandbox_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "invoceanio.sandbox"]


async def test_a_client_that_timed_out_and_left_is_no_unexpected_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The create's handler wakes from the latency, reads the body of a request whose client
    # has hung up, and aiohttp raises ConnectionResetError: it used to be logged as
    # "unexpected error" with its traceback.
    caplog.set_level(logging.DEBUG, logger="invoceanio.sandbox")
    async with Sandbox(token="sb-token", faults=FaultConfig(latency_ms=300)) as sandbox:
        client = InvoiceOcean(
            base_url=sandbox.url,
            api_token=sandbox.token,
            retry=RetryPolicy.disabled(),
            timeout=0.1,
        )
        async with client as io:
            with pytest.raises(RequestTimeout):
                await io.invoices.create(_draft())
        # The handler's own log line is the sign it has finished (a hang detector, no timing).
        for _ in range(500):
            if _sandbox_records(caplog):
                break
            await asyncio.sleep(0.02)
        assert sandbox.store.records("invoices") == []
    records = _sandbox_records(caplog)
    assert [(r.levelno, r.exc_info) for r in records] == [(logging.DEBUG, None)]
    message = records[0].getMessage()
    assert "POST /invoices.json" in message and "ConnectionResetError" in message
    assert "\n" not in message
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


async def test_a_handler_cancelled_by_stop_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="invoceanio.sandbox")
    sandbox = Sandbox(token="sb-token", faults=FaultConfig(latency_ms=120_000))
    await sandbox.start()
    client = InvoiceOcean(
        base_url=sandbox.url, api_token=sandbox.token, retry=RetryPolicy.disabled(), timeout=30
    )
    async with client as io:
        create = asyncio.create_task(io.invoices.create(_draft()))
        for _ in range(1000):  # until the handler is in its latency (a hang detector)
            if sandbox.faults.stats()["requests"]:
                break
            await asyncio.sleep(0.01)
        # After the grace stop() cancels the handler: the cancellation goes through (no 400
        # written in its stead), so the client sees the connection close.
        await asyncio.wait_for(sandbox.stop(), timeout=10)
        with pytest.raises(ConnectionLostError):
            await create
    assert sandbox.store.records("invoices") == []
    assert _sandbox_records(caplog) == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
