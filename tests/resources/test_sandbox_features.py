"""The resource-specific calls against the embedded sandbox, over the real client stack: what
each one sends reaches the sandbox's behaviour of the service and comes back typed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Final

import pytest

from invoceanio import (
    ConfigurationError,
    InvoiceOcean,
    NotFoundError,
    Secret,
    ValidationError,
)
from invoceanio.models import Invoice
from invoceanio.sandbox import Sandbox
from invoceanio.transport import MockTransport
from tests.support import sandbox_client

PNG: Final = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4bc0000000049454e44ae426082"
)


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(token="feature-token/acme") as running:
        yield running


@pytest.fixture
async def io(sandbox: Sandbox) -> AsyncIterator[InvoiceOcean]:
    async with sandbox_client(sandbox, prefix="acme") as client:
        yield client


async def _invoice(io: InvoiceOcean, gross: str = "123.00", **fields: object) -> Invoice:
    document = {
        "buyer_name": "Klient ABC",
        "positions": [{"name": "A", "tax": 23, "quantity": 1, "total_price_gross": gross}],
        **fields,
    }
    return await io.invoices.create(document)


async def test_product_widget_url_and_net_price_guard(io: InvoiceOcean) -> None:
    product = await io.products.create({"name": "Course", "price_gross": "123.00", "tax": "23"})
    assert product.price_net == Decimal("100.00") and product.token
    assert io.products.widget_url(product) == f"{io.app_url}/a/acme/p/{product.token}.js"
    with pytest.raises(ConfigurationError, match="price_gross"):
        await io.products.update(product.id, {"price_net": "90.00"})
    cheaper = await io.products.update(product.id, {"price_gross": "61.50"})
    assert cheaper.price_net == Decimal("50.00")
    fetched = await io.products.get(product.id, warehouse_id=1)
    assert fetched.id == product.id


async def test_price_list_positions_go_as_the_rails_hash_form(io: InvoiceOcean) -> None:
    product = await io.products.create({"name": "Widget", "price_net": "10", "tax": "23"})
    price_list = await io.price_lists.create(
        {
            "name": "VIP",
            "price_list_positions": [
                {
                    "priceable_id": product.id,
                    "priceable_type": "Product",
                    "price_net": Decimal("8.00"),
                    "price_gross": Decimal("9.84"),
                    "tax": "23",
                }
            ],
        }
    )
    (position,) = price_list.price_list_positions
    assert (position.priceable_id, position.price_net) == (product.id, Decimal("8.00"))
    prices = await io.price_lists.prices_for_products(price_list.id, [product.id])
    assert prices[product.id].price_net == Decimal("8.00")


async def test_a_payment_pays_its_invoices_and_reads_back_with_them(io: InvoiceOcean) -> None:
    first, second = await _invoice(io, "100.00"), await _invoice(io, "50.00")
    payment = await io.payments.create(
        {
            "name": "Transfer",
            "price": Decimal("120.00"),
            "paid": True,
            "invoice_ids": [first.id, second.id],
        }
    )
    assert (await io.invoices.get(first.id)).status == "paid"
    assert (await io.invoices.get(second.id)).paid == Decimal("20.00")
    with_invoices = await io.payments.get(payment.id, include_invoices=True)
    assert [invoice.id for invoice in with_invoices.invoices] == [first.id, second.id]
    cheap = await io.payments.list(amount_to=Decimal("500"))
    assert [p.id for p in cheap] == [payment.id]


async def test_department_logo_upload_is_multipart_and_checked_first(
    io: InvoiceOcean, sandbox: Sandbox, tmp_path: Path
) -> None:
    department = await io.departments.create({"name": "HQ"})
    logo = tmp_path / "logo.png"
    logo.write_bytes(PNG)
    updated = await io.departments.upload_logo(department.id, None, logo)
    assert updated.logo_file_name == "logo.png"
    stored = sandbox.store.records("departments")[0]
    assert stored["logo_content_type"] == "image/png" and stored["logo_file_size"] == len(PNG)
    with pytest.raises(ConfigurationError, match="PNG, JPEG or GIF"):
        await io.departments.upload_logo(department.id, "notes.txt", b"text")


async def test_warehouse_document_moves_stock_and_actions_are_listed(io: InvoiceOcean) -> None:
    warehouse = await io.warehouses.create({"name": "Main"})
    product = await io.products.create({"name": "Bolt", "price_net": "1", "tax": "23"})
    document = await io.warehouse_documents.create(
        {
            "kind": "pz",
            "warehouse_id": warehouse.id,
            "warehouse_actions": [
                {
                    "product_id": product.id,
                    "quantity": 5,
                    "purchase_price_net": "0.50",
                    "purchase_tax": 23,
                }
            ],
        }
    )
    assert document.kind == "pz" and len(document.warehouse_actions) == 1
    actions = await io.warehouse_actions.list(warehouse_document_id=document.id)
    assert [(a.product_id, a.quantity) for a in actions] == [(product.id, Decimal("5"))]
    assert not hasattr(io.warehouse_actions, "create")
    stock = await io.products.get(product.id, warehouse_id=warehouse.id)
    assert stock.warehouse_quantity == Decimal("5")


async def test_account_calls_and_a_login_that_builds_a_client(
    io: InvoiceOcean, sandbox: Sandbox
) -> None:
    account = await io.account.get(integration_token=Secret("partner"))
    assert account.prefix == "acme" and account.api_token is not None
    assert "feature-token" not in repr(account)
    created = await io.account.create(
        integration_token="partner",
        account={"prefix": "newco"},
        user={"login": "owner", "email": "owner@newco.pl", "password": "pw"},
        company={"name": "NewCo"},
    )
    assert created.prefix == "newco" and isinstance(created.api_token, Secret)
    user = await io.account.add_user(integration_token="partner", email="m@newco.pl", role="admin")
    assert user.email == "m@newco.pl"
    unlinked = await io.account.unlink("newco")
    assert unlinked["result"]["unlinked"] == ["newco"]
    with pytest.raises(ValidationError):
        await io.account.unlink(["nothing-linked"])
    assert (await io.account.delete())["code"] == "success"

    result = await InvoiceOcean.log_in("owner", "pw", app_url=sandbox.url)
    assert result.api_token is not None and result.url
    with pytest.raises(ConfigurationError, match="no known brand host"):
        InvoiceOcean.from_login(result)  # a loopback URL is trusted only when named
    async with InvoiceOcean.from_login(result, trusted_origin=sandbox.url) as owner:
        assert owner.base_url == sandbox.url
    made = await io.account.create_user(
        integration_token="partner", email="new@x.pl", password="secret"
    )
    assert made.email == "new@x.pl"


async def test_clients_merge_moves_invoices_to_the_kept_card(io: InvoiceOcean) -> None:
    keep = await io.clients.create({"name": "Keep SA"})
    other = await io.clients.create({"name": "Other SA"})
    invoice = await _invoice(io, client_id=other.id, buyer_name=None)
    merged = await io.clients.merge(keep.id, [other.id])
    assert merged.id == keep.id
    assert (await io.invoices.get(invoice.id)).client_id == keep.id
    assert [c.id for c in await io.clients.list()] == [keep.id]
    with pytest.raises(ConfigurationError):
        await io.clients.merge(keep.id, [keep.id])


async def test_the_escape_hatch_goes_through_the_same_stack(io: InvoiceOcean) -> None:
    created = await io.request("POST", "categories", body={"name": "Raw"}, root="category")
    assert created["name"] == "Raw"
    listed = await io.request("GET", "/categories/", params={"page": 1})
    assert [item["id"] for item in listed] == [created["id"]]
    for bad in ("https://evil.example/x", "categories.json", "a/../b", "a?b=1", ""):
        with pytest.raises(ConfigurationError):
            await io.request("GET", bad)
    with pytest.raises(ConfigurationError):
        await io.request("TRACE", "categories")


async def test_bad_uploads_fail_before_any_request(tmp_path: Path) -> None:
    transport = MockTransport(lambda request: pytest.fail(f"sent {request!r}"))
    async with InvoiceOcean(
        prefix="acme", api_token="tok", transport=transport, max_upload_bytes=10
    ) as io:
        for content, message in (
            (tmp_path / "missing.pdf", "cannot read"),
            (tmp_path, "not a regular file"),
            (b"", "empty"),
            (b"x" * 11, "over the upload limit"),
        ):
            with pytest.raises(ConfigurationError, match=message):
                await io.invoices.add_attachment(1, "a.pdf", content)
        big = tmp_path / "big.png"
        big.write_bytes(PNG)
        with pytest.raises(ConfigurationError, match="over the upload limit"):
            await io.departments.upload_logo(1, None, big)
        with pytest.raises(ConfigurationError, match="filename"):
            await io.invoices.add_attachment(1, None, b"data")
    assert transport.requests == []


async def test_unknown_kinds_and_wrong_ids_get_typed_errors(io: InvoiceOcean) -> None:
    with pytest.raises(ValidationError) as document:
        await io.warehouse_documents.create({"kind": "qq"})
    assert "kind" in document.value.field_errors
    with pytest.raises(ValidationError) as hook:
        await io.webhooks.create({"kind": "invoice:explode", "url": "https://example.com/h"})
    assert "kind" in hook.value.field_errors
    with pytest.raises(ConfigurationError):
        await io.invoices.copy(1, kind="Not A Kind")
    for bad in (0, -3, "12a", "1/2", True, "../1"):
        with pytest.raises(ConfigurationError):
            await io.products.get(bad)  # type: ignore[arg-type]
    with pytest.raises(NotFoundError):
        await io.categories.get(999_999)


# --- as the live API answers: price-list prices, payment timestamps, real booleans ----------


async def _listed_product(io: InvoiceOcean) -> tuple[int, int]:
    """A product at 100 net and a price list selling it at 50 net: their ids."""
    product = await io.products.create({"name": "Widget", "price_net": "100", "tax": "23"})
    price_list = await io.price_lists.create(
        {
            "name": "VIP",
            "price_list_positions": [
                {"priceable_id": product.id, "priceable_type": "Product", "price_net": "50"}
            ],
        }
    )
    return product.id, price_list.id


async def _priced_by_list(
    io: InvoiceOcean, *positions: dict[str, object], **fields: object
) -> Invoice:
    """An invoice with ``use_prices_from_price_lists``; a position without a quantity has 1."""
    return await io.invoices.create(
        {
            "use_prices_from_price_lists": True,
            **fields,
            "positions": [{"quantity": 1, **position} for position in positions],
        }
    )


async def test_an_invoice_using_price_list_prices_prices_its_products_by_the_list(
    io: InvoiceOcean,
) -> None:
    # Spec 4.1, "use_prices_from_price_lists: true, price_list_id: ID": the sandbox stored the
    # flags and priced by the product's own price, 100, where the service takes the list's.
    product_id, price_list_id = await _listed_product(io)
    listed = await _priced_by_list(
        io,
        {"product_id": product_id, "quantity": 2},
        {"product_id": product_id, "quantity": 1, "price_net": "70"},  # its own price
        buyer_name="B",
        price_list_id=price_list_id,
    )
    assert [p.price_net for p in listed.positions] == [Decimal("50.00"), Decimal("70.00")]
    own = await io.invoices.create(
        {"buyer_name": "B", "positions": [{"product_id": product_id, "quantity": 1}]}
    )
    assert own.positions[0].price_net == Decimal("100.00")


async def test_an_invoice_using_price_list_prices_takes_its_clients_list(
    io: InvoiceOcean,
) -> None:
    product_id, price_list_id = await _listed_product(io)
    client = await io.clients.create({"name": "VIP client", "price_list_id": price_list_id})
    invoice = await _priced_by_list(io, {"product_id": product_id}, client_id=client.id)
    assert invoice.positions[0].price_net == Decimal("50.00")
    with pytest.raises(ValidationError) as caught:
        await _priced_by_list(io, {"product_id": product_id}, buyer_name="B", price_list_id=999)
    assert "price_list_id" in caught.value.field_errors


async def test_a_payment_given_a_day_answers_a_timestamp(io: InvoiceOcean) -> None:
    # api-quirks: a payment's paid_date is a full timestamp. The sandbox echoed "2026-12-01",
    # which reads as a naive datetime where the service's reads as an aware one.
    payment = await io.payments.create(
        {"name": "Transfer", "price": Decimal("10"), "paid": True, "paid_date": "2026-12-01"}
    )
    paid = payment.paid_date
    assert isinstance(paid, datetime) and paid.tzinfo is not None
    assert paid.date().isoformat() == "2026-12-01" and paid.time() == time()


async def test_invoice_flags_the_sandbox_did_not_know_come_back_as_real_booleans(
    io: InvoiceOcean,
) -> None:
    # They came back as text, so false and "0" read as true in Invoice.extra.
    invoice = await _invoice(
        io, paid_after_completion=False, send_after_completion="0", update_product_name=True
    )
    fetched = await io.invoices.get(invoice.id)
    assert fetched.extra["paid_after_completion"] is False
    assert fetched.extra["send_after_completion"] is False
    assert fetched.extra["update_product_name"] is True


async def test_a_price_list_position_with_its_own_tax_prices_the_invoice_position_so(
    io: InvoiceOcean,
) -> None:
    product = await io.products.create({"name": "Book", "price_net": "100", "tax": "23"})
    price_list = await io.price_lists.create(
        {
            "name": "Books",
            "price_list_positions": [
                {
                    "priceable_id": product.id,
                    "priceable_type": "Product",
                    "price_gross": "108",
                    "use_tax": True,
                    "tax": "8",
                }
            ],
        }
    )
    invoice = await _priced_by_list(
        io, {"product_id": product.id}, buyer_name="B", price_list_id=price_list.id
    )
    (position,) = invoice.positions
    assert (position.price_net, position.tax, position.total_price_gross) == (
        Decimal("100.00"),
        Decimal("8"),
        Decimal("108.00"),
    )


async def test_an_invoice_whose_clients_price_list_is_gone_is_still_priced_and_edited(
    io: InvoiceOcean,
) -> None:
    product_id, price_list_id = await _listed_product(io)
    client = await io.clients.create({"name": "VIP", "price_list_id": price_list_id})
    invoice = await _priced_by_list(
        io, {"name": "service", "tax": 23, "total_price_gross": "10"}, client_id=client.id
    )
    await io.price_lists.delete(price_list_id)
    renamed = await io.invoices.update(invoice.id, {"buyer_name": "New name"})
    assert renamed.buyer_name == "New name"
    later = await _priced_by_list(io, {"product_id": product_id}, client_id=client.id)
    assert later.positions[0].price_net == Decimal("100.00")  # the product's own price


@pytest.mark.parametrize("given", ["2026-12-01T10:00:00", "2026-12-01 10:00:00"])
async def test_a_payment_time_without_an_offset_answers_a_local_timestamp(
    io: InvoiceOcean, given: str
) -> None:
    payment = await io.payments.create(
        {"name": "Transfer", "price": Decimal("10"), "paid": True, "paid_date": given}
    )
    paid = payment.paid_date
    assert isinstance(paid, datetime) and paid.tzinfo is not None
    assert paid.replace(tzinfo=None) == datetime(2026, 12, 1, 10, 0)


async def test_a_paid_payment_with_a_blank_paid_date_is_paid_now(io: InvoiceOcean) -> None:
    payment = await io.payments.create(
        {"name": "Transfer", "price": Decimal("10"), "paid": True, "paid_date": " "}
    )
    assert isinstance(payment.paid_date, datetime)
