"""The sandbox's generic resources over HTTP: CRUD of every resource, filters, error bodies of
the service's shapes, XML, the resource-specific rules (product prices and stock, payments with
``include=invoices``, department logo upload, bank-account de-duplication and empty DELETE,
price-list hash form, warehouse documents with actions) and the account/user/login calls.
A hypothesis test throws random documents at every new write route and asserts no 500."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invoceanio.codecs import XmlCodec
from invoceanio.sandbox import create_app
from tests.sandbox.serving import served

TOKEN = "res-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
Client = TestClient[Any, Any]


@pytest.fixture
async def http() -> AsyncIterator[Client]:
    async with served(token=TOKEN) as client:
        yield client


async def _create(http: Client, path: str, root: str, **fields: Any) -> Any:
    response = await http.post(f"{path}.json", json={root: fields}, headers=AUTH)
    assert response.status == 201, await response.text()
    return await response.json()


# (path, root, a valid document, an update, the required field)
CRUD = [
    ("/products", "product", {"name": "P", "tax": "23", "price_net": "10"}, {"code": "X"}, "name"),
    ("/categories", "category", {"name": "C"}, {"description": "d"}, "name"),
    ("/warehouses", "warehouse", {"name": "W"}, {"kind": "main"}, "name"),
    (
        "/banking/payments",
        "banking_payment",
        {"name": "Pay", "price": "1,5"},
        {"paid": "1"},
        "price",
    ),
    ("/departments", "department", {"name": "D", "tax_no": "1"}, {"shortcut": "DD"}, "name"),
    ("/issuers", "issuer", {"name": "I"}, {"role": "x"}, "name"),
    (
        "/bank_accounts",
        "bank_account",
        {"bank_account_number": "PL 11"},
        {"name": "n"},
        "bank_account_number",
    ),
    (
        "/webhooks",
        "webhook",
        {"kind": "invoice:create", "url": "http://h/x", "api_token": "t"},
        {"active": "0"},
        "url",
    ),
    (
        "/recurrings",
        "recurring",
        {"name": "R", "every": "1m", "end_date": "null"},
        {"next_invoice_date": "2027-01-01"},
        "name",
    ),
    ("/price_lists", "price_list", {"name": "PL"}, {"description": "d"}, "name"),
    ("/warehouse_documents", "warehouse_document", {"kind": "pz"}, {"client_name": "N"}, "kind"),
]


@pytest.mark.parametrize(("path", "root", "doc", "change", "required"), CRUD)
async def test_crud_roundtrip_and_error_bodies(
    http: Client, path: str, root: str, doc: dict[str, Any], change: dict[str, Any], required: str
) -> None:
    created = await _create(http, path, root, **doc)
    assert isinstance(created["id"], int) and created["created_at"]
    member = f"{path}/{created['id']}.json"
    got = await http.get(member, headers=AUTH)
    assert got.status == 200 and (await got.json())["id"] == created["id"]
    listed = await (await http.get(f"{path}.json", headers=AUTH)).json()
    assert [item["id"] for item in listed] == [created["id"]]
    for method in ("PUT", "PATCH"):
        updated = await http.request(method, member, json={root: change}, headers=AUTH)
        assert updated.status == 200, await updated.text()
        body = await updated.json()
        key, value = next(iter(change.items()))
        assert body[key] not in (None, created.get(key)) or body[key] == value
    missing = await http.post(f"{path}.json", json={root: {}}, headers=AUTH)
    assert missing.status == 422
    error = await missing.json()
    assert error["code"] == "error" and error["message"][required] == ["can't be blank"]
    no_root = await http.post(f"{path}.json", json={"x": doc}, headers=AUTH)
    assert no_root.status == 400 and (await no_root.json())["code"] == "error"
    deleted = await http.delete(member, headers=AUTH)
    assert deleted.status == 200
    raw = await deleted.read()
    assert raw == (b"" if path == "/bank_accounts" else b'"ok"')
    gone = await http.get(member, headers=AUTH)
    assert gone.status == 404
    assert await gone.json() == {"code": "error", "message": "Not found"}
    unauth = await http.get(f"{path}.json")
    assert unauth.status == 401


async def test_xml_list_and_get_of_products_categories_warehouses_payments(http: Client) -> None:
    await _create(http, "/products", "product", name="P", tax="23", price_gross="123")
    await _create(http, "/banking/payments", "banking_payment", name="Pay", price=5)
    xml = XmlCodec()
    response = await http.get("/products/1.xml", headers=AUTH)
    assert response.content_type == "application/xml"
    assert xml.decode(await response.read())["price_net"] == "100.00"
    listed = xml.decode(await (await http.get("/banking/payments.xml", headers=AUTH)).read())
    assert listed[0]["price"] == "5.00"
    body = b"<category><name>Xml</name></category>"
    made = await http.post("/categories.xml", data=body, headers=AUTH)
    assert made.status == 201 and xml.decode(await made.read())["name"] == "Xml"


async def test_product_prices_follow_gross_and_tax_and_net_is_not_editable(http: Client) -> None:
    product = await _create(http, "/products", "product", name="P", price_net="100", tax="23")
    assert (product["price_net"], product["price_gross"], product["price_tax"]) == (
        "100.00",
        "123.00",
        "23.00",
    )
    member = f"/products/{product['id']}.json"
    net_only = await (
        await http.put(member, json={"product": {"price_net": "5"}}, headers=AUTH)
    ).json()
    assert net_only["price_net"] == "100.00"
    gross = {"product": {"price_gross": "102", "tax": "zw"}}
    changed = await (await http.put(member, json=gross, headers=AUTH)).json()
    assert (changed["price_net"], changed["price_gross"], changed["tax"]) == (
        "102.00",
        "102.00",
        "zw",
    )
    bad = await http.post(
        "/products.json", json={"product": {"name": "B", "tax": "x"}}, headers=AUTH
    )
    assert bad.status == 422 and "tax" in (await bad.json())["message"]


async def test_products_get_a_token_on_create_that_requests_cannot_change(http: Client) -> None:
    product = await _create(http, "/products", "product", name="P", tax="23", token="mine")
    token = product["token"]
    assert isinstance(token, str) and len(token) >= 16 and token != "mine"
    other = await _create(http, "/products", "product", name="Q", tax="23")
    assert other["token"] != token
    member = f"/products/{product['id']}.json"
    changed = await http.put(member, json={"product": {"token": "x", "code": "C"}}, headers=AUTH)
    assert (await changed.json())["token"] == token


async def test_prices_for_products_from_the_price_list(http: Client) -> None:
    fixed = await _create(http, "/products", "product", name="F", price_net="100", tax="23")
    percent = await _create(
        http, "/products", "product", name="P", price_net="50", tax="8", category_id="4"
    )
    gross = await _create(http, "/products", "product", name="G", price_net="10", tax="23")
    plain = await _create(http, "/products", "product", name="N", price_net="7", tax="zw")
    price_list = await _create(
        http,
        "/price_lists",
        "price_list",
        name="Hurt",
        currency="EUR",
        price_list_positions_attributes={
            "0": {"priceable_id": fixed["id"], "price_net": "80", "use_tax": "1", "tax": "8"},
            "1": {"priceable_id": percent["id"], "use_percentage": "1", "percentage": "-10"},
            "2": {"priceable_id": gross["id"], "price_gross": "24.60"},
        },
    )
    ids = [fixed["id"], percent["id"], gross["id"], plain["id"], 999]
    query = "&".join(f"product_ids[]={i}" for i in ids)
    url = f"/price_lists/{price_list['id']}/prices_for_products.json?{query}"
    response = await http.get(url, headers=AUTH)
    assert response.status == 200, await response.text()
    assert await response.json() == {
        str(fixed["id"]): {
            "price_net": "80.00",
            "price_gross": "86.40",
            "tax": "8",
            "currency": "EUR",
            "category_id": None,
        },
        str(percent["id"]): {
            "price_net": "45.00",
            "price_gross": "48.60",
            "tax": "8",
            "currency": "EUR",
            "category_id": 4,
        },
        str(gross["id"]): {
            "price_net": "20.00",
            "price_gross": "24.60",
            "tax": "23",
            "currency": "EUR",
            "category_id": None,
        },
        str(plain["id"]): {  # not on the list: its own price
            "price_net": "7.00",
            "price_gross": "7.00",
            "tax": "zw",
            "currency": "EUR",
            "category_id": None,
        },
    }
    csv = await http.get(
        f"/price_lists/{price_list['id']}/prices_for_products.json?product_ids={plain['id']}",
        headers=AUTH,
    )
    assert list(await csv.json()) == [str(plain["id"])]
    for bad, status in (("", 422), ("?product_ids[]=x", 422)):
        answer = await http.get(
            f"/price_lists/{price_list['id']}/prices_for_products.json{bad}", headers=AUTH
        )
        assert answer.status == status
        assert list((await answer.json())["message"]) == ["product_ids"]
    unknown = await http.get("/price_lists/999/prices_for_products.json?product_ids[]=1")
    assert unknown.status == 401
    unknown = await http.get(
        "/price_lists/999/prices_for_products.json?product_ids[]=1", headers=AUTH
    )
    assert unknown.status == 404


async def test_product_list_filters(http: Client) -> None:
    a = await _create(http, "/products", "product", name="Alpha", category_id="3", tax="23")
    b = await _create(http, "/products", "product", name="Beta", code="B1", tax="23")
    c = await _create(http, "/products", "product", name="Gamma", disabled="1", tax="23")

    async def ids(query: str) -> list[int]:
        return [
            p["id"] for p in await (await http.get(f"/products.json?{query}", headers=AUTH)).json()
        ]

    assert await ids("") == [a["id"], b["id"]]
    assert await ids("filter=disabled") == [c["id"]]
    assert await ids("category_id=3") == [a["id"]]
    assert await ids("code=B1") == [b["id"]]
    assert await ids(f"ids={a['id']},{c['id']}&filter=all") == [a["id"], c["id"]]
    assert await ids(f"ids[]={b['id']}") == [b["id"]]
    assert await ids("name=alp") == [a["id"]]
    assert await ids("date_from=2999-01-01") == []
    assert await ids("per_page=1&page=2") == [b["id"]]


async def test_warehouse_documents_move_stock_and_list_actions(http: Client) -> None:
    w1 = await _create(http, "/warehouses", "warehouse", name="W1")
    w2 = await _create(http, "/warehouses", "warehouse", name="W2")
    pz = await _create(
        http,
        "/warehouse_documents",
        "warehouse_document",
        kind="pz",
        number=None,
        warehouse_id=str(w1["id"]),
        issue_date="2026-01-16",
        warehouse_actions=[
            {
                "product_name": "Produkt A1",
                "purchase_tax": 23,
                "purchase_price_net": 10.23,
                "quantity": 5,
            }
        ],
    )
    assert pz["number"] == "PZ 1/01/2026"
    product_id = pz["warehouse_actions"][0]["product_id"]
    assert pz["warehouse_actions"][0]["purchase_price_net"] == "10.23"
    await _create(
        http,
        "/warehouse_documents",
        "warehouse_document",
        kind="mm",
        warehouse_id=w1["id"],
        issue_date="2026-02-01",
        warehouse_actions=[{"product_id": product_id, "quantity": "2", "warehouse2_id": w2["id"]}],
    )

    async def stock(warehouse: int) -> str:
        got = await http.get(f"/products/{product_id}.json?warehouse_id={warehouse}", headers=AUTH)
        return str((await got.json())["warehouse_quantity"])

    assert (await stock(w1["id"]), await stock(w2["id"])) == ("3.0", "2.0")
    actions = await (await http.get("/warehouse_actions.json?kind=mm", headers=AUTH)).json()
    assert [a["warehouse2_id"] for a in actions] == [w2["id"]]
    dated = await http.get("/warehouse_actions.json?date_from=2026-01-20", headers=AUTH)
    assert [a["kind"] for a in await dated.json()] == ["mm"]
    by_doc = await http.get(
        f"/warehouse_actions.json?warehouse_document_id={pz['id']}", headers=AUTH
    )
    assert len(await by_doc.json()) == 1
    action_id = pz["warehouse_actions"][0]["id"]
    destroy = {"warehouse_document": {"warehouse_actions": [{"id": action_id, "_destroy": 1}]}}
    assert (
        await http.put(f"/warehouse_documents/{pz['id']}.json", json=destroy, headers=AUTH)
    ).status == 200
    assert await stock(w1["id"]) == "-2.0"
    await http.delete(f"/warehouse_documents/{pz['id']}.json", headers=AUTH)
    assert len(await (await http.get("/warehouse_actions.json", headers=AUTH)).json()) == 1
    bad = await http.post(
        "/warehouse_documents.json", json={"warehouse_document": {"kind": "xx"}}, headers=AUTH
    )
    assert await bad.json() == {
        "code": "error",
        "message": {"kind": ["is not included in the list"]},
    }


async def test_payment_include_invoices_and_filters(http: Client) -> None:
    invoice = {"buyer_name": "B", "positions": [{"name": "A", "tax": 23, "total_price_gross": 10}]}
    made = await http.post("/invoices.json", json={"invoice": invoice}, headers=AUTH)
    invoice_id = (await made.json())["id"]
    paid = await _create(
        http,
        "/banking/payments",
        "banking_payment",
        price="10",
        invoice_ids=[invoice_id],
        paid=True,
    )
    await _create(http, "/banking/payments", "banking_payment", price="500", client_id="7")
    assert paid["paid"] is True and paid["paid_date"]
    plain = await (await http.get(f"/banking/payments/{paid['id']}.json", headers=AUTH)).json()
    assert "invoices" not in plain
    full = await http.get(f"/banking/payments/{paid['id']}.json?include=invoices", headers=AUTH)
    assert [i["id"] for i in (await full.json())["invoices"]] == [invoice_id]
    cheap = await (await http.get("/banking/payments.json?amount_to=100", headers=AUTH)).json()
    assert [p["price"] for p in cheap] == ["10.00"]
    client = await (await http.get("/banking/payments.json?client_id=7", headers=AUTH)).json()
    assert [p["price"] for p in client] == ["500.00"]
    singular = await http.get(f"/banking/payment/{paid['id']}.json", headers=AUTH)
    assert singular.status == 404


async def test_a_paid_payment_pays_its_invoices_in_the_order_given(http: Client) -> None:
    ids = []
    for gross in ("100.00", "50.00", "30.00"):
        invoice = {
            "buyer_name": "B",
            "positions": [{"name": "A", "tax": 23, "total_price_gross": gross}],
        }
        made = await http.post("/invoices.json", json={"invoice": invoice}, headers=AUTH)
        ids.append((await made.json())["id"])
    first, second, third = ids
    await _create(
        http,
        "/banking/payments",
        "banking_payment",
        price="120,00",
        paid=True,
        paid_date="2026-03-04",
        invoice_ids=[first, second, third],
    )
    await _create(http, "/banking/payments", "banking_payment", price="30", invoice_id=third)

    async def invoice(invoice_id: int) -> Any:
        return await (await http.get(f"/invoices/{invoice_id}.json", headers=AUTH)).json()

    paid, partial, unpaid = [await invoice(i) for i in ids]
    assert (paid["status"], paid["paid"], paid["paid_date"]) == ("paid", "100.00", "2026-03-04")
    assert (partial["status"], partial["paid"], partial["paid_date"]) == ("partial", "20.00", None)
    # the second payment is not marked paid: it pays nothing
    assert (unpaid["status"], unpaid["paid"]) == ("issued", "0.00")
    await _create(
        http, "/banking/payments", "banking_payment", price="40", paid="1", invoice_ids=[second]
    )
    settled = await invoice(second)
    assert (settled["status"], settled["paid"]) == ("paid", "50.00")  # never more than owed


async def test_department_logo_upload_multipart_with_form_token(http: Client) -> None:
    department = await _create(http, "/departments", "department", name="D")
    assert department["shortcut"] == "D"
    form = aiohttp.FormData()
    form.add_field("api_token", TOKEN)
    form.add_field(
        "department[logo]", b"\x89PNG....", filename="logo.png", content_type="image/png"
    )
    response = await http.put(f"/departments/{department['id']}.json", data=form)
    assert response.status == 200, await response.text()
    body = await response.json()
    assert (body["logo_file_name"], body["logo_content_type"], body["logo_file_size"]) == (
        "logo.png",
        "image/png",
        8,
    )
    refused = aiohttp.FormData()
    refused.add_field("api_token", "wrong")
    refused.add_field("department[name]", "X")
    assert (await http.put(f"/departments/{department['id']}.json", data=refused)).status == 401
    long = {"department": {"invoice_description": "x" * 257}}
    too_long = await http.put(f"/departments/{department['id']}.json", json=long, headers=AUTH)
    assert too_long.status == 422
    assert (await too_long.json())["message"] == {
        "invoice_description": ["is too long (maximum is 256 characters)"]
    }


async def test_bank_accounts_deduplicate_by_number_and_link_departments(http: Client) -> None:
    first = await _create(
        http,
        "/bank_accounts",
        "bank_account",
        bank_account_number="PL61 1090 1014",
        bank_account_version_departments=[{"department_id": 1, "show_on_invoice": "1"}],
    )
    assert first["bank_account_id"] == first["id"] and first["bank_name"] == "Rachunek bankowy"
    assert first["bank_account_version_departments"][0]["show_on_invoice"] is True
    again = await _create(
        http, "/bank_accounts", "bank_account", bank_account_number="PL6110901014", name="ignored"
    )
    assert again["id"] == first["id"] and again["name"] is None
    bad = await http.post(
        "/bank_accounts.json",
        json={"bank_account": {"bank_account_number": "1", "own_bank_account_type": "x"}},
        headers=AUTH,
    )
    assert bad.status == 422


async def test_webhook_kind_and_url_are_validated(http: Client) -> None:
    for doc, field in (
        ({"kind": "nope", "url": "http://h"}, "kind"),
        ({"kind": "client:create", "url": "ftp:x"}, "url"),
    ):
        response = await http.post("/webhooks.json", json={"webhook": doc}, headers=AUTH)
        assert response.status == 422 and field in (await response.json())["message"]
    hook = await _create(
        http, "/webhooks", "webhook", kind="client:create", url="https://h/x", api_token="T"
    )
    assert hook["api_token"] == "T" and hook["active"] is True


async def test_recurring_defaults_and_validation(http: Client) -> None:
    made = await _create(
        http, "/recurrings", "recurring", name="R", start_date="2026-03-01", end_date="null"
    )
    assert (made["next_invoice_date"], made["end_date"], made["every"]) == (
        "2026-03-01",
        None,
        "1m",
    )
    for doc in (
        {"name": "R", "every": "often"},
        {"name": "R", "start_date": "x"},
        {"name": "R", "only_year_month": True, "end_of_month_sell_date": True},
    ):
        assert (
            await http.post("/recurrings.json", json={"recurring": doc}, headers=AUTH)
        ).status == 422


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("price_list_ids={A}", "A"),  # one id, as the SDK sends price_list_ids="1"
        ("price_list_ids[]={A}", "A"),  # as the SDK sends price_list_ids=[1]
        ("price_list_ids={A},{C}", "AC"),
        ("price_list_ids[]={A}&price_list_ids[]={C}", "AC"),
        ("price_list_ids=", ""),  # blank names none, as ids= does
        ("", "ABC"),
    ],
)
async def test_price_lists_filter_by_price_list_ids(http: Client, query: str, names: str) -> None:
    made = {name: await _create(http, "/price_lists", "price_list", name=name) for name in "ABC"}
    url = "/price_lists.json?" + query.format(**{name: made[name]["id"] for name in made})
    response = await http.get(url, headers=AUTH)
    assert response.status == 200, await response.text()
    assert [item["name"] for item in await response.json()] == list(names)


async def test_price_list_ids_that_are_no_ids_are_422(http: Client) -> None:
    await _create(http, "/price_lists", "price_list", name="A")
    response = await http.get("/price_lists.json?price_list_ids=1,x", headers=AUTH)
    assert response.status == 422
    assert (await response.json())["message"] == {"price_list_ids": ["is not a number"]}


async def test_price_list_positions_hash_form_update_and_destroy(http: Client) -> None:
    made = await _create(
        http,
        "/price_lists",
        "price_list",
        name="PL",
        price_list_positions_attributes={
            "0": {"priceable_id": "5", "priceable_name": "A", "price_net": "59,00", "use_tax": "1"},
            "1": {"priceable_id": 6, "use_percentage": "1", "percentage": 10},
        },
    )
    positions = made["price_list_positions"]
    assert [p["priceable_id"] for p in positions] == [5, 6]
    assert positions[0]["price_net"] == "59.00" and positions[0]["priceable_type"] == "Product"
    member = f"/price_lists/{made['id']}.json"
    change = {
        "price_list": {
            "price_list_positions_attributes": {
                "0": {"id": positions[0]["id"], "price_net": "1"},
                "1": {"id": positions[1]["id"], "_destroy": "1"},
                "2": {"priceable_id": 7},
            }
        }
    }
    updated = await (await http.put(member, json=change, headers=AUTH)).json()
    assert [(p["priceable_id"], p.get("price_net")) for p in updated["price_list_positions"]] == [
        (5, "1.00"),
        (7, None),
    ]
    listed = await (await http.get("/price_lists.json", headers=AUTH)).json()
    assert "price_list_positions" not in listed[0]
    unknown = {"price_list": {"price_list_positions_attributes": [{"id": 999}]}}
    assert (await http.put(member, json=unknown, headers=AUTH)).status == 422


async def test_account_calls(http: Client) -> None:
    account = await http.get(f"/account.json?api_token={TOKEN}&integration_token=it")
    assert (await account.json())["api_token"] == TOKEN
    plain = await (await http.get(f"/account.json?api_token={TOKEN}")).json()
    assert plain["prefix"] == "sandbox" and "api_token" not in plain
    body = {
        "api_token": TOKEN,
        "account": {"prefix": "prefix1"},
        "user": {"login": "login1", "email": "e1@example.com", "password": "pw1"},
        "company": {"name": "Company1", "tax_no": "5252445700"},
        "integration_token": "it",
    }
    created = await http.post("/account.json", json=body)
    assert created.status == 201
    made = await created.json()
    assert made["prefix"] == "prefix1" and made["api_token"].endswith("/prefix1")
    body["user"] = {"login": "login1", "email": "e2@example.com"}
    second = await (await http.post("/account.json", json=body)).json()
    assert (second["prefix"], second["login"]) == ("prefix1-2", "login1-2")
    bare = {"api_token": TOKEN, "account": {"prefix": "bare"}, "integration_token": "it"}
    bare_made = await http.post("/account.json", json=bare)
    assert bare_made.status == 201 and (await bare_made.json())["login"] is None
    no_partner = {k: v for k, v in body.items() if k != "integration_token"}
    assert (await http.post("/account.json", json=no_partner)).status == 422
    login = await http.post("/login.json", json={"login": "login1", "password": "pw1"})
    assert (await login.json())["api_token"] == made["api_token"]
    assert (await http.post("/login.json", json={"login": "login1", "password": "x"})).status == 401
    token_login = await (
        await http.post("/login.json", json={"login": "a@b.c", "password": TOKEN})
    ).json()
    assert token_login["api_token"] == TOKEN
    user = await http.post(
        "/users.json",
        json={"user": {"email": "u@x.pl", "password": "p"}, "integration_token": "it"},
    )
    assert user.status == 201 and "password" not in await user.json()
    no_token = await (
        await http.post("/login.json", json={"login": "u@x.pl", "password": "p"})
    ).json()
    assert "api_token" not in no_token
    assert (await http.post("/users.json", json={"user": {"email": "v@x.pl"}})).status == 401
    add = {
        "api_token": TOKEN,
        "integration_token": "it",
        "user": {"email": "m@x.pl", "role": "admin", "department_ids": ["1"]},
    }
    added = await http.post("/account/add_user.json", json=add)
    assert added.status == 201 and (await added.json())["department_ids"] == [1]
    add["user"] = {"email": "n@x.pl", "role": "boss"}
    assert (await http.post("/account/add_user.json", json=add)).status == 422
    deleted = await (await http.post("/account/delete.json", json={"api_token": TOKEN})).json()
    assert deleted["code"] == "success"
    unlink = await http.patch(
        "/account/unlink.json", json={"api_token": TOKEN, "prefix": ["prefix1", "zz"]}
    )
    assert await unlink.json() == {
        "code": "success",
        "message": "Konta odłączone",
        "result": {"unlinked": ["prefix1"], "not_unlinked": ["zz"]},
    }
    none = await http.patch("/account/unlink.json", json={"api_token": TOKEN, "prefix": "zz"})
    assert none.status == 422 and (await none.json())["message"] == "Brak kont do odłączenia"


_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats()
    | st.text(max_size=8)
    | st.sampled_from(["", "0", "1", "1,5", "zw", "2026-01-01", "null"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)
_KEYS = st.sampled_from(
    [
        "name",
        "tax",
        "price_net",
        "price_gross",
        "kind",
        "url",
        "price",
        "invoice_ids",
        "paid",
        "warehouse_actions",
        "price_list_positions_attributes",
        "bank_account_number",
        "every",
        "end_date",
        "additional_fields",
        "tag_list",
        "package_products_details",
        "issue_date",
        "warehouse_id",
        "bank_account_version_departments",
        "invoice_description",
        "stock_level",
    ]
)
_ROUTES = [(f"{path}.json", f"{path}/1.json", root) for path, root, *_ in CRUD]
_ACCOUNT = [
    "/account.json",
    "/account/unlink.json",
    "/account/add_user.json",
    "/login.json",
    "/users.json",
]


def test_random_documents_on_new_routes_never_get_a_500(caplog: pytest.LogCaptureFixture) -> None:
    loop = asyncio.new_event_loop()

    async def start() -> Client:
        client: Client = TestClient(TestServer(create_app(token=TOKEN, max_body_size=4096)))
        await client.start_server()
        for path, root, doc, _, _ in CRUD:
            assert (await client.post(f"{path}.json", json={root: doc}, headers=AUTH)).status == 201
        return client

    client = loop.run_until_complete(start())

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        route=st.sampled_from(_ROUTES),
        method=st.sampled_from(["POST", "PUT", "PATCH", "GET", "DELETE"]),
        doc=st.dictionaries(_KEYS, _VALUES, max_size=5),
        wrap=st.booleans(),
        account=st.sampled_from(_ACCOUNT),
        query=st.sampled_from(
            ["", "?warehouse_id=1", "?include=invoices&amount_from=x", "?ids[]=a&date_from=z"]
        ),
    )
    def check(
        route: tuple[str, str, str],
        method: str,
        doc: dict[str, Any],
        wrap: bool,
        account: str,
        query: str,
    ) -> None:
        collection, member, root = route
        path = (collection if method == "POST" else member) + query
        body = json.dumps({root: doc} if wrap else doc)

        async def send() -> list[tuple[int, bytes]]:
            out = []
            for target, verb in (
                (path, method),
                (account, "PATCH" if "unlink" in account else "POST"),
            ):
                response = await client.request(
                    verb, target, data=body, headers={**AUTH, "Content-Type": "application/json"}
                )
                out.append((response.status, await response.read()))
            return out

        for status, raw in loop.run_until_complete(send()):
            assert status < 500, (method, path, body, raw[:300])

    try:
        with caplog.at_level(logging.ERROR, logger="invoceanio.sandbox"):
            check()
        assert [r.getMessage() for r in caplog.records if r.name == "invoceanio.sandbox"] == []
    finally:
        loop.run_until_complete(client.close())
        loop.close()
