"""What each call puts on the wire, on MockTransport: the query, the root key and the body.

``test_catalogue`` proves the verb and path of every call; this proves the rest of each
request, in JSON, and for the resources with an XML form the XML document's root element.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, Final
from xml.etree import ElementTree

import pytest

from invoceanio import InvoiceOcean
from invoceanio.http import Request
from invoceanio.models import InvoiceDraft, PositionDraft
from invoceanio.transport import MockTransport
from tests.resources.mock_api import answer
from tests.support import query

# io attribute -> (root key, update verb, path) of every CRUD service.
CRUD: Final = {
    "invoices": ("invoice", "PUT", "invoices"),
    "clients": ("client", "PUT", "clients"),
    "products": ("product", "PUT", "products"),
    "price_lists": ("price_list", "PUT", "price_lists"),
    "payments": ("banking_payment", "PATCH", "banking/payments"),
    "recurrings": ("recurring", "PUT", "recurrings"),
    "warehouse_documents": ("warehouse_document", "PUT", "warehouse_documents"),
    "warehouses": ("warehouse", "PUT", "warehouses"),
    "categories": ("category", "PUT", "categories"),
    "departments": ("department", "PUT", "departments"),
    "issuers": ("issuer", "PUT", "issuers"),
    "bank_accounts": ("bank_account", "PUT", "bank_accounts"),
    "webhooks": ("webhook", "PUT", "webhooks"),
}


async def _sent(call: Callable[[InvoiceOcean], Awaitable[Any]], **options: Any) -> list[Request]:
    transport = MockTransport(answer)
    options.setdefault("api_token", "tok")
    async with InvoiceOcean(prefix="acme", transport=transport, **options) as io:
        await call(io)
    return transport.requests


def _json(request: Request) -> Any:
    assert request.body is not None and request.headers["Content-Type"] == "application/json"
    return json.loads(request.body)


@pytest.mark.parametrize("attribute", sorted(CRUD))
async def test_crud_requests_carry_page_root_key_and_body(attribute: str) -> None:
    root, verb, path = CRUD[attribute]
    (listed,) = await _sent(lambda io: getattr(io, attribute).list(page=3, per_page=50))
    assert query(listed) == {"page": ["3"], "per_page": ["50"]} and listed.body is None
    (created,) = await _sent(
        lambda io: getattr(io, attribute).create({"name": "N", "price": Decimal("1.50")})
    )
    assert created.method == "POST" and created.url.endswith(f"/{path}.json")
    assert _json(created) == {root: {"name": "N", "price": "1.50"}}
    (updated,) = await _sent(lambda io: getattr(io, attribute).update(7, {"name": "M"}))
    assert updated.method == verb and updated.url.endswith(f"/{path}/7.json")
    assert _json(updated) == {root: {"name": "M"}}
    (deleted,) = await _sent(lambda io: getattr(io, attribute).delete(7))
    assert deleted.method == "DELETE" and deleted.body is None and deleted.params == ()


@pytest.mark.parametrize(
    "attribute", sorted(name for name, cls in InvoiceOcean.SERVICES.items() if name in CRUD)
)
async def test_xml_client_sends_xml_where_the_api_has_it_and_json_elsewhere(attribute: str) -> None:
    root = CRUD[attribute][0]
    (created,) = await _sent(lambda io: getattr(io, attribute).create({"name": "N"}), format="xml")
    service = InvoiceOcean.SERVICES[attribute]
    if service.xml and service.xml_writes:
        assert created.url.endswith(".xml") and created.headers["Content-Type"] == "application/xml"
        assert created.body is not None
        document = ElementTree.fromstring(created.body)
        assert document.tag == root and document.findtext("name") == "N"
    else:
        assert _json(created) == {root: {"name": "N"}}


async def test_invoice_create_with_oid_asks_for_uniqueness_and_drafts_send_only_what_is_set() -> (
    None
):
    draft = InvoiceDraft(
        oid="ORDER-1",
        buyer_name="B",
        positions=[PositionDraft(name="A", tax="zw", total_price_gross=Decimal("10"))],
    )
    (sent,) = await _sent(lambda io: io.invoices.create(draft))
    assert _json(sent) == {
        "invoice": {
            "oid": "ORDER-1",
            "buyer_name": "B",
            "positions": [{"name": "A", "tax": "zw", "total_price_gross": "10"}],
            "oid_unique": "yes",
        }
    }


@pytest.mark.parametrize(
    ("call", "expected_query", "expected_body"),
    [
        (
            lambda io: io.invoices.get(7, fields=["id", "gov_status"]),
            {"fields[invoice]": ["id,gov_status"]},
            None,
        ),
        (
            lambda io: io.invoices.get(7, additional_fields="connected_payments"),
            {"additional_fields[invoice]": ["connected_payments"]},
            None,
        ),
        (lambda io: io.invoices.send_to_ksef(7), {"send_to_ksef": ["yes"]}, None),
        (
            lambda io: io.invoices.fiscal_print([7, "8"], printer="P1"),
            {"invoice_ids[]": ["7", "8"], "fiskator_name": ["P1"]},
            None,
        ),
        (lambda io: io.invoices.change_status(7, "paid"), {"status": ["paid"]}, None),
        (
            lambda io: io.invoices.cancel(7, reason="r"),
            {},
            {"cancel_invoice_id": 7, "cancel_reason": "r"},
        ),
        (
            lambda io: io.invoices.update_position(7, 3, {"quantity": Decimal(2)}),
            {},
            {"invoice": {"positions": [{"quantity": "2", "id": 3}]}},
        ),
        (
            lambda io: io.invoices.delete_position(7, 3),
            {},
            {"invoice": {"positions": [{"id": 3, "_destroy": 1}]}},
        ),
        (
            lambda io: io.invoices.copy(7, kind="vat"),
            {},
            {"invoice": {"copy_invoice_from": 7, "kind": "vat"}},
        ),
        (
            lambda io: io.invoices.create_advance(7, amount="100,50", position_name="Zaliczka"),
            {},
            {
                "invoice": {
                    "copy_invoice_from": 7,
                    "kind": "advance",
                    "advance_creation_mode": "amount",
                    "advance_value": "100.50",
                    "position_name": "Zaliczka",
                }
            },
        ),
        (
            lambda io: io.invoices.create_final(7, [8, 9]),
            {},
            {"invoice": {"copy_invoice_from": 7, "kind": "final", "invoice_ids": [8, 9]}},
        ),
        (
            lambda io: io.invoices.correct_totally(7, reason="r"),
            {},
            {
                "invoice": {
                    "copy_invoice_from": 7,
                    "kind": "correction",
                    "total_correction": "1",
                    "correction_reason": "r",
                }
            },
        ),
        (lambda io: io.clients.get_by_external_id("crm 1"), {"external_id": ["crm 1"]}, None),
        (lambda io: io.clients.merge(7, ["8", 9]), {}, {"merge_ids": [8, 9]}),
        (lambda io: io.products.get(7, warehouse_id=2), {"warehouse_id": ["2"]}, None),
        (
            lambda io: io.products.list(ids=[1, 2], disabled=True, date_from="2026-01-01"),
            {
                "page": ["1"],
                "per_page": ["25"],
                "ids": ["1,2"],
                "filter": ["disabled"],
                "date_from": ["2026-01-01"],
            },
            None,
        ),
        (
            lambda io: io.payments.list(include_invoices=True, amount_from=Decimal("1.5")),
            {"page": ["1"], "per_page": ["25"], "include": ["invoices"], "amount_from": ["1.5"]},
            None,
        ),
        (lambda io: io.payments.get(7, include_invoices=True), {"include": ["invoices"]}, None),
        (
            lambda io: io.price_lists.create(
                {"name": "VIP", "price_list_positions": [{"priceable_id": 5}]}
            ),
            {},
            {
                "price_list": {
                    "name": "VIP",
                    "price_list_positions_attributes": {"0": {"priceable_id": 5}},
                }
            },
        ),
        (
            # The docs write price_list_ids= comma-joined, as product ids go.
            lambda io: io.price_lists.list(price_list_ids=[3, "4"], currency="EUR"),
            {"page": ["1"], "per_page": ["25"], "price_list_ids": ["3,4"], "currency": ["EUR"]},
            None,
        ),
        (
            # The docs' own spelling, as text, is taken too (a space after a comma or not).
            lambda io: io.price_lists.list(price_list_ids="3, 4"),
            {"page": ["1"], "per_page": ["25"], "price_list_ids": ["3,4"]},
            None,
        ),
        (
            lambda io: io.invoices.list(invoice_ids="7, 8"),
            {"page": ["1"], "per_page": ["25"], "invoice_ids": ["7,8"]},
            None,
        ),
        (
            lambda io: io.price_lists.prices_for_products(7, "5,6"),
            {"product_ids[]": ["5", "6"]},
            None,
        ),
        (
            lambda io: io.products.list(ids="1,2"),
            {"page": ["1"], "per_page": ["25"], "ids": ["1,2"]},
            None,
        ),
        (
            lambda io: io.price_lists.list(price_list_ids=3),
            {"page": ["1"], "per_page": ["25"], "price_list_ids": ["3"]},
            None,
        ),
        (
            lambda io: io.price_lists.prices_for_products(7, [5, 6]),
            {"product_ids[]": ["5", "6"]},
            None,
        ),
        (
            lambda io: io.warehouse_documents.list(date_from="2026-01-01"),
            {"page": ["1"], "per_page": ["25"], "period": ["more"], "date_from": ["2026-01-01"]},
            None,
        ),
        (
            lambda io: io.warehouse_actions.list(warehouse_id=2, date_from="2026-01-01"),
            {"page": ["1"], "per_page": ["25"], "warehouse_id": ["2"], "date_from": ["2026-01-01"]},
            None,
        ),
        (
            lambda io: io.account.get(integration_token="partner"),
            {"integration_token": ["partner"]},
            None,
        ),
        (lambda io: io.account.unlink("a"), {}, {"prefix": "a"}),
        (lambda io: io.account.unlink(["a", "b"]), {}, {"prefix": ["a", "b"]}),
        (
            lambda io: io.account.add_user(
                integration_token="p", email="u@x.pl", role=1234, department_ids=[1]
            ),
            {},
            {
                "integration_token": "p",
                "user": {"email": "u@x.pl", "role": 1234, "department_ids": [1]},
            },
        ),
        (
            lambda io: io.account.create(
                integration_token="p", account={"prefix": "n"}, user={"email": "e"}
            ),
            {},
            {"account": {"prefix": "n"}, "user": {"email": "e"}, "integration_token": "p"},
        ),
        (
            lambda io: io.request("GET", "reports/x", params=[("a", 1), ("a", 2)]),
            {"a": ["1", "2"]},
            None,
        ),
        (
            lambda io: io.request("POST", "addresses", body={"name": "N"}, root="address"),
            {},
            {"address": {"name": "N"}},
        ),
    ],
)
async def test_call_puts_this_query_and_body_on_the_wire(
    call: Callable[[InvoiceOcean], Awaitable[Any]],
    expected_query: dict[str, list[str]],
    expected_body: Any,
) -> None:
    (sent,) = await _sent(call)
    assert query(sent) == expected_query
    if expected_body is None:
        assert sent.body is None
    else:
        assert _json(sent) == expected_body


async def test_login_and_user_creation_go_to_the_app_host_without_the_token() -> None:
    sent = await _sent(
        lambda io: io.account.login("user@x.pl", "pw", integration_token="partner"),
        brand="fakturownia.pl",
    )
    (login,) = sent
    assert login.url == "https://app.fakturownia.pl/login.json" and not login.authenticate
    assert "Authorization" not in login.headers
    assert _json(login) == {"login": "user@x.pl", "password": "pw", "integration_token": "partner"}
    (user,) = await _sent(
        lambda io: io.account.create_user(integration_token="p", email="u@x.pl", password="pw"),
        auth="query",
    )
    assert user.url == "https://app.invoiceocean.com/users.json"
    assert ("api_token", "tok") not in user.params


async def test_department_logo_is_multipart_with_the_rails_field_name() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 8
    (sent,) = await _sent(
        lambda io: io.departments.upload_logo(7, "C:\\\\logos\\\\my logo.png", png)
    )
    assert sent.method == "PUT" and sent.url.endswith("/departments/7.json")
    content_type = sent.headers["Content-Type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    assert sent.body is not None
    assert b'name="department[logo]"; filename="my logo.png"' in sent.body
    assert png in sent.body


async def test_add_attachment_sends_the_grant_fields_then_the_file_then_the_name() -> None:
    sent = await _sent(lambda io: io.invoices.add_attachment(7, "a b.txt", b"attached"))
    grant, upload, attach = sent
    assert grant.url.endswith("/invoices/7/get_new_attachment_credentials.json")
    assert upload.body is not None and upload.authenticate is False
    fields = upload.body.split(b"--")
    assert any(b'name="key"' in part and b"attachments/1/a.txt" in part for part in fields)
    assert upload.body.index(b'name="policy"') < upload.body.index(b'name="file"')
    assert query(attach) == {"file_name": ["a b.txt"]}
