"""Options the SDK sends that the sandbox now models, each through the SDK's own client:

- ``products.update(code, ..., find_by="code")``: ``PUT /products/{code}.json`` with a top-level
  ``"find_by": "code"`` (spec 4.4 [FR]);
- ``clients.get(id, additional_fields=[...])``: ``additional_fields[client]=bank_account,swift``
  (spec 4.3, 5.2 [FR]);
- ``invoices.get(id, include=[...])``: ``include=descriptions``, ``positions.correction_before``...
  (spec 5.2);
- ``invoices.pdf(id, print_ean_codes=True)`` (spec 4.1 [FR]);
- ``invoices.send_by_email(id, force=True)``: a document e-mailed less than 3 days ago is sent
  again only with ``force=true`` (spec 4.1, 7.5 [FR]).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from invoceanio import APIError, InvoiceOcean, NotFoundError, RetryPolicy
from invoceanio.models import Invoice, InvoiceDraft, PositionDraft
from invoceanio.sandbox import Sandbox

EAN = "5901234123457"


async def _no_sleep(_: float) -> None:
    return None


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(token="options-token") as running:
        yield running


@pytest.fixture
async def io(sandbox: Sandbox) -> AsyncIterator[InvoiceOcean]:
    async with InvoiceOcean(
        base_url=sandbox.url,
        api_token=sandbox.token,
        retry=RetryPolicy(sleep=_no_sleep),
        timeout=5,
    ) as client:
        yield client


def _stored(sandbox: Sandbox, collection: str, record_id: int | None) -> dict[str, Any]:
    assert record_id is not None
    record = sandbox.store.get(collection, record_id)
    assert record is not None
    return record


async def _invoice(io: InvoiceOcean, **positions: Any) -> Invoice:
    position = positions or {
        "name": "Cable",
        "tax": Decimal(23),
        "quantity": Decimal(2),
        "total_price_gross": Decimal("24.60"),
    }
    return await io.invoices.create(
        InvoiceDraft(kind="vat", buyer_name="Klient ABC", positions=[PositionDraft(**position)])
    )


# --- products by code (spec 4.4 [FR]) -----------------------------------------------------------


@pytest.mark.parametrize("code", ["ABC-1", "A/B 1?#&", "zażółć-1", "%41"])
async def test_update_by_code_changes_the_product_with_that_code(
    io: InvoiceOcean, sandbox: Sandbox, code: str
) -> None:
    other = await io.products.create({"name": "Other", "code": "OTHER", "price_gross": "1"})
    product = await io.products.create({"name": "Cable", "code": code, "price_gross": "12.30"})
    updated = await io.products.update(
        code, {"description": "by code", "price_gross": "24.60"}, find_by="code"
    )
    assert updated.id == product.id and updated.code == code
    assert updated.description == "by code" and updated.price_net == Decimal("20.00")
    assert _stored(sandbox, "products", product.id)["description"] == "by code"
    assert _stored(sandbox, "products", other.id)["description"] is None


async def test_a_numeric_code_names_the_code_not_the_id(io: InvoiceOcean, sandbox: Sandbox) -> None:
    first = await io.products.create({"name": "First", "code": "2"})
    second = await io.products.create({"name": "Second"})
    assert second.id == 2
    updated = await io.products.update("2", {"name": "First, renamed"}, find_by="code")
    assert updated.id == first.id and updated.name == "First, renamed"
    assert _stored(sandbox, "products", second.id)["name"] == "Second"


async def test_update_by_an_unknown_code_is_not_found_and_by_id_still_works(
    io: InvoiceOcean,
) -> None:
    product = await io.products.create({"name": "Cable", "code": "ABC-1"})
    with pytest.raises(NotFoundError):
        await io.products.update("NOPE", {"name": "x"}, find_by="code")
    assert product.id is not None
    assert (await io.products.update(product.id, {"name": "By id"})).name == "By id"


async def test_a_changed_code_is_the_one_the_next_update_finds(io: InvoiceOcean) -> None:
    await io.products.create({"name": "Cable", "code": "OLD"})
    await io.products.update("OLD", {"code": "NEW"}, find_by="code")
    assert (await io.products.update("NEW", {"name": "Renamed"}, find_by="code")).code == "NEW"
    with pytest.raises(NotFoundError):
        await io.products.update("OLD", {"name": "x"}, find_by="code")


# --- clients.get(additional_fields=) (spec 4.3, 5.2 [FR]) --------------------------------------


async def test_swift_is_answered_only_when_asked_for(io: InvoiceOcean) -> None:
    created = await io.clients.create({"name": "Acme", "bank_account": "PL61 1090", "swift": "BIC"})
    assert created.id is not None and "swift" not in created.extra
    plain = await io.clients.get(created.id)
    assert plain.bank_account == "PL61 1090"  # in the default answer ([OBS], spec 6.8)
    assert "swift" not in plain.extra
    asked = await io.clients.get(created.id, additional_fields=["bank_account", "swift"])
    assert asked.bank_account == "PL61 1090" and asked.extra["swift"] == "BIC"
    listed = await io.clients.list()
    assert [client.id for client in listed] == [created.id]
    assert "swift" not in listed[0].extra


async def test_an_additional_field_the_card_lacks_is_answered_as_null(io: InvoiceOcean) -> None:
    created = await io.clients.create({"name": "Acme"})
    assert created.id is not None
    asked = await io.clients.get(created.id, additional_fields=["swift", "no_such_field"])
    assert "swift" in asked.extra and asked.extra["swift"] is None
    assert "no_such_field" not in asked.extra


# --- invoices.get(include=) (spec 5.2) ---------------------------------------------------------


async def test_include_adds_each_correction_position_state(io: InvoiceOcean) -> None:
    source = await _invoice(io)
    assert source.id is not None
    correction = await io.invoices.correct_totally(source.id, reason="returned")
    assert correction.id is not None
    plain = await io.invoices.get(correction.id)
    assert "correction_before" not in plain.positions[0].extra
    read = await io.invoices.get(
        correction.id, include=["positions.correction_before", "positions.correction_after"]
    )
    (position,) = read.positions
    before, after = position.extra["correction_before"], position.extra["correction_after"]
    assert before["kind"] == "correction_before" and after["kind"] == "correction_after"
    assert before["quantity"] == "2.0" and after["quantity"] == "0.0"
    assert position.correction_before_attributes is not None
    assert position.correction_before_attributes.quantity == Decimal(before["quantity"])


async def test_include_of_a_state_answers_null_on_a_position_that_is_no_correction(
    io: InvoiceOcean,
) -> None:
    invoice = await _invoice(io)
    assert invoice.id is not None
    read = await io.invoices.get(invoice.id, include=["positions.correction_after"])
    assert read.positions[0].extra["correction_after"] is None
    assert "correction_before" not in read.positions[0].extra


async def test_include_adds_positions_to_a_sparse_fieldset(io: InvoiceOcean) -> None:
    invoice = await _invoice(io)
    assert invoice.id is not None
    sparse = await io.invoices.get(invoice.id, fields=["id", "number"])
    assert sparse.positions == ()
    read = await io.invoices.get(
        invoice.id, fields=["id", "number"], include=["positions", "descriptions"]
    )
    assert [position.name for position in read.positions] == ["Cable"]
    assert read.buyer_name is None  # still the fieldset's answer


# --- invoices.pdf(print_ean_codes=) (spec 4.1 [FR]) ---------------------------------------------


async def test_print_ean_codes_prints_the_products_ean_codes(io: InvoiceOcean) -> None:
    product = await io.products.create(
        {"name": "Cable", "ean_code": EAN, "price_gross": "12.30", "tax": "23"}
    )
    invoice = await _invoice(io, product_id=product.id, quantity=Decimal(1))
    assert invoice.id is not None
    printed = await io.invoices.pdf(invoice.id, print_ean_codes=True)
    # "Cable (EAN: ...)", the parentheses escaped in the PDF string.
    assert printed.startswith(b"%PDF") and f"Cable \\(EAN: {EAN}\\)".encode() in printed
    assert EAN.encode() not in await io.invoices.pdf(invoice.id)
    assert EAN.encode() not in await io.invoices.pdf(invoice.id, print_ean_codes=False)


async def test_print_ean_codes_leaves_a_position_without_a_product_as_it_was(
    io: InvoiceOcean,
) -> None:
    invoice = await _invoice(io)
    assert invoice.id is not None
    printed = await io.invoices.pdf(invoice.id, print_ean_codes=True)
    assert printed.startswith(b"%PDF") and b"EAN" not in printed


# --- invoices.send_by_email(force=) (spec 4.1, 7.5 [FR]) ---------------------------------------


async def test_a_second_email_within_3_days_needs_force(io: InvoiceOcean, sandbox: Sandbox) -> None:
    invoice = await _invoice(io)
    assert invoice.id is not None
    first = await io.invoices.send_by_email(invoice.id, email_to="buyer@example.com")
    assert first["status"] == "ok"
    with pytest.raises(APIError, match="3 days") as refused:
        await io.invoices.send_by_email(invoice.id, email_to="buyer@example.com")
    assert refused.value.status == 200  # the body says error, as the docs show for send_by_email
    assert len(sandbox.store.outbox) == 1
    forced = await io.invoices.send_by_email(invoice.id, email_to="buyer@example.com", force=True)
    assert forced["status"] == "ok" and len(sandbox.store.outbox) == 2


async def test_a_refused_email_changes_nothing(io: InvoiceOcean, sandbox: Sandbox) -> None:
    invoice = await _invoice(io)
    assert invoice.id is not None
    await io.invoices.send_by_email(invoice.id, email_to="old@example.com", update_buyer_email=True)
    with pytest.raises(APIError):
        await io.invoices.send_by_email(
            invoice.id, email_to="new@example.com", update_buyer_email=True
        )
    assert (await io.invoices.get(invoice.id)).buyer_email == "old@example.com"


async def test_after_3_days_the_document_is_sent_again_without_force(
    io: InvoiceOcean, sandbox: Sandbox
) -> None:
    invoice = await _invoice(io)
    assert invoice.id is not None
    await io.invoices.send_by_email(invoice.id, email_to="buyer@example.com")
    record = _stored(sandbox, "invoices", invoice.id)
    three_days_ago = datetime.fromisoformat(record["sent_time"]) - timedelta(days=3)
    record["sent_time"] = three_days_ago.isoformat(timespec="milliseconds")
    again = await io.invoices.send_by_email(invoice.id, email_to="buyer@example.com")
    assert again["status"] == "ok" and len(sandbox.store.outbox) == 2


async def test_force_on_a_first_email_is_accepted(io: InvoiceOcean, sandbox: Sandbox) -> None:
    invoice = await _invoice(io)
    assert invoice.id is not None
    sent = await io.invoices.send_by_email(invoice.id, email_to="buyer@example.com", force=True)
    assert sent["status"] == "ok" and len(sandbox.store.outbox) == 1


async def test_unknown_find_by_is_refused_by_the_sandbox(sandbox: Sandbox) -> None:
    """Not reachable through the SDK (it sends only ``code``): a raw request, to pin the 422."""
    headers = {"Authorization": f"Bearer {sandbox.token}"}
    body = {"find_by": "name", "product": {"name": "x"}}
    async with (
        aiohttp.ClientSession() as session,
        session.put(f"{sandbox.url}/products/Cable.json", json=body, headers=headers) as response,
    ):
        assert response.status == 422
        assert (await response.json())["message"] == {"find_by": ["is not included in the list"]}


async def test_get_and_delete_by_a_path_value_that_is_no_id_are_not_found(
    io: InvoiceOcean, sandbox: Sandbox
) -> None:
    """Only the update names a product by code: a GET or DELETE of ``/products/ABC-1.json``
    answers 404 as Rails' ``find`` does, not a 405 for the PUT route's path. (Raw requests:
    the SDK refuses a non-numeric id before sending.)"""
    await io.products.create({"name": "Cable", "code": "ABC-1"})
    headers = {"Authorization": f"Bearer {sandbox.token}"}
    async with aiohttp.ClientSession() as session:
        for method in ("GET", "DELETE"):
            url = f"{sandbox.url}/products/ABC-1.json?find_by=code"
            async with session.request(method, url, headers=headers) as response:
                assert response.status == 404, method
    assert len(sandbox.store.records("products")) == 1
