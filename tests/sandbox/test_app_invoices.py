"""The sandbox's invoice resource over HTTP (aiohttp TestClient on ``create_app``).

Proves the service's business behaviour: totals from pricing, automatic numbering per kind,
date defaults, ``oid_unique``, clients from buyer fields and checked ``client_id`` references,
list filters (period with dates, kinds[], income, client_id, oid) and pagination, positions
edited by ``id``/``_destroy``, the actions, and the real error bodies (400/404/413/422).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from invoceanio.codecs import XmlCodec
from invoceanio.sandbox import create_app
from invoceanio.sandbox.store import Store

TOKEN = "app-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TODAY = date.today()


@pytest.fixture
async def store() -> Store:
    return Store()


@pytest.fixture
async def http(store: Store) -> AsyncIterator[TestClient[Any, Any]]:
    client: TestClient[Any, Any] = TestClient(
        TestServer(create_app(token=TOKEN, store=store, max_body_size=64 * 1024))
    )
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


def _invoice(**fields: Any) -> dict[str, Any]:
    invoice: dict[str, Any] = {
        "buyer_name": "Klient ABC",
        "positions": [{"name": "A", "tax": 23, "quantity": 2, "price_net": "10,00"}],
    }
    invoice.update(fields)
    return invoice


async def _create(http: TestClient[Any, Any], **fields: Any) -> dict[str, Any]:
    response = await http.post("/invoices.json", json={"invoice": _invoice(**fields)}, headers=AUTH)
    assert response.status == 201, await response.text()
    created: dict[str, Any] = await response.json()
    return created


async def _list(http: TestClient[Any, Any], query: str = "") -> list[dict[str, Any]]:
    response = await http.get(f"/invoices.json?{query}", headers=AUTH)
    assert response.status == 200, await response.text()
    items: list[dict[str, Any]] = await response.json()
    return items


async def test_create_answers_201_with_priced_totals_and_response_types(
    http: TestClient[Any, Any],
) -> None:
    created = await _create(http, show_discount="0", income="1")
    assert created["price_net"] == "20.00"
    assert created["price_tax"] == "4.60"
    assert created["price_gross"] == "24.60"
    position = created["positions"][0]
    assert position["total_price_gross"] == "24.60"
    assert position["quantity"] == "2.0"
    assert isinstance(position["id"], int) and position["invoice_id"] == created["id"]
    assert isinstance(created["id"], int)
    assert created["income"] is True and created["show_discount"] is False
    assert created["token"] and created["view_url"].endswith(created["token"])
    assert "payment_url" not in created


async def test_defaults_today_and_payment_to_from_payment_to_kind(
    http: TestClient[Any, Any],
) -> None:
    default = await _create(http)
    assert default["issue_date"] == default["sell_date"] == TODAY.isoformat()
    assert default["payment_to"] == (TODAY + timedelta(days=5)).isoformat()
    later = await _create(http, issue_date="2026-01-10", payment_to_kind=14)
    assert later["payment_to"] == "2026-01-24"
    assert later["payment_to_kind"] == "14"
    off = await _create(http, payment_to_kind="off")
    assert off["payment_to"] is None


async def test_numbers_count_per_kind_and_month_when_null_or_absent(
    http: TestClient[Any, Any],
) -> None:
    first = await _create(http, issue_date="2026-11-03")
    second = await _create(http, issue_date="2026-11-20", number=None)
    proforma = await _create(http, issue_date="2026-11-20", kind="proforma")
    december = await _create(http, issue_date="2026-12-01")
    given = await _create(http, number="MY/1")
    assert first["number"] == "FV 1/11/2026"
    assert second["number"] == "FV 2/11/2026"
    assert proforma["number"] == "PRO 1/11/2026"
    assert december["number"] == "FV 1/12/2026"
    assert given["number"] == "MY/1"


async def test_oid_unique_refuses_a_second_invoice_with_the_same_oid(
    http: TestClient[Any, Any], store: Store
) -> None:
    await _create(http, oid="ORD-1", oid_unique="yes")
    response = await http.post(
        "/invoices.json",
        json={"invoice": _invoice(oid="ORD-1", oid_unique="yes")},
        headers=AUTH,
    )
    assert response.status == 422
    assert await response.json() == {
        "code": "error",
        "message": {"oid": ["has already been taken"]},
    }
    await _create(http, oid="ORD-1")  # without oid_unique the service accepts it
    assert store.counts()["invoices"] == 2


async def test_buyer_fields_create_a_client_and_client_id_minus_one_forces_one(
    http: TestClient[Any, Any], store: Store
) -> None:
    first = await _create(http, buyer_name="Acme", buyer_tax_no="123")
    again = await _create(http, buyer_name="Acme", buyer_tax_no="123")
    forced = await _create(http, buyer_name="Acme", buyer_tax_no="123", client_id=-1)
    assert first["client_id"] == again["client_id"]
    assert forced["client_id"] not in (first["client_id"], -1)
    assert [c["name"] for c in store.records("clients")] == ["Acme", "Acme"]
    assert [c["shortcut"] for c in store.records("clients")] == ["Acme", "Acme (2)"]


async def test_client_id_reference_fills_the_buyer_and_an_unknown_one_is_422(
    http: TestClient[Any, Any],
) -> None:
    response = await http.post(
        "/clients.json", json={"client": {"name": "Card Co", "tax_no": "999"}}, headers=AUTH
    )
    client = await response.json()
    invoice = await _create(http, client_id=str(client["id"]), buyer_name=None)
    assert invoice["client_id"] == client["id"]
    assert invoice["buyer_name"] == "Card Co" and invoice["buyer_tax_no"] == "999"
    bad = await http.post("/invoices.json", json={"invoice": _invoice(client_id=999)}, headers=AUTH)
    assert bad.status == 422
    assert (await bad.json())["message"] == {"client_id": ["does not exist"]}


async def test_pricing_error_is_422_naming_the_field(http: TestClient[Any, Any]) -> None:
    response = await http.post(
        "/invoices.json",
        json={
            "invoice": {
                "buyer_name": "B",
                "positions": [{"name": "A", "tax": "abc", "price_net": 1}],
            }
        },
        headers=AUTH,
    )
    assert response.status == 422
    body = await response.json()
    assert body["code"] == "error" and list(body["message"]) == ["positions.tax"]
    refused = await http.post(
        "/invoices.json",
        json={"invoice": _invoice(buyer_name="Never Stored", positions=[{"name": "A"}])},
        headers=AUTH,
    )
    assert refused.status == 422
    assert (await http.get("/clients.json?name=never", headers=AUTH)).status == 200
    assert await (await http.get("/clients.json?name=never", headers=AUTH)).json() == []


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"client_id": "abc"}, "client_id"),
        ({"income": "maybe"}, "income"),
        ({"issue_date": "yesterday"}, "issue_date"),
        ({"buyer_name": {"x": 1}}, "buyer_name"),
        ({"positions": "none"}, "positions"),
        ({"paid": [1]}, "paid"),
    ],
)
async def test_wrong_types_are_422_with_the_field(
    http: TestClient[Any, Any], fields: dict[str, Any], field: str
) -> None:
    response = await http.post("/invoices.json", json={"invoice": _invoice(**fields)}, headers=AUTH)
    assert response.status == 422
    assert list((await response.json())["message"]) == [field]


@pytest.mark.parametrize(
    ("paid", "stored"),
    [
        ("10.005", "10.01"),
        ("10.015", "10.02"),
        ("10.025", "10.03"),
        ("0.125", "0.13"),
        ("-0.125", "-0.13"),
        ("-0", "0.00"),
        ("-0.001", "0.00"),
        ("3,335", "3.34"),
        (7, "7.00"),
    ],
)
async def test_paid_rounds_half_up_and_never_reads_minus_zero(
    http: TestClient[Any, Any], paid: Any, stored: str
) -> None:
    created = await _create(http, paid=paid)
    assert created["paid"] == stored
    read = await http.get(f"/invoices/{created['id']}.json", headers=AUTH)
    assert (await read.json())["paid"] == stored


async def test_a_payment_settles_from_the_half_up_paid(http: TestClient[Any, Any]) -> None:
    """10.005 paid of 20.02 is 10.01 (half-up), so a 10.01 payment pays the invoice in full."""
    positions = [{"name": "A", "tax": "0", "quantity": 1, "total_price_gross": "20.02"}]
    invoice = await _create(http, paid="10.005", positions=positions)
    assert (invoice["price_gross"], invoice["paid"]) == ("20.02", "10.01")
    payment = {"name": "rest", "price": "10.01", "paid": True, "invoice_ids": [invoice["id"]]}
    response = await http.post(
        "/banking/payments.json", json={"banking_payment": payment}, headers=AUTH
    )
    assert response.status == 201, await response.text()
    read = await (await http.get(f"/invoices/{invoice['id']}.json", headers=AUTH)).json()
    assert (read["paid"], read["status"]) == ("20.02", "paid")


async def test_period_filters_by_issue_date_and_dates_need_period_more(
    http: TestClient[Any, Any],
) -> None:
    old = await _create(http, issue_date="2020-05-05")
    recent = await _create(http)
    assert [i["id"] for i in await _list(http)] == [recent["id"]]  # last_12_months
    assert {i["id"] for i in await _list(http, "period=all")} == {old["id"], recent["id"]}
    ignored = await _list(http, "date_from=2020-01-01&date_to=2020-12-31")
    assert [i["id"] for i in ignored] == [recent["id"]]
    more = await _list(http, "period=more&date_from=2020-01-01&date_to=2020-12-31")
    assert [i["id"] for i in more] == [old["id"]]
    assert [i["id"] for i in await _list(http, "period=this_month")] == [recent["id"]]
    assert await _list(http, "period=last_year") == []
    assert (await http.get("/invoices.json?period=someday", headers=AUTH)).status == 422


async def test_kinds_income_client_id_oid_number_filters(http: TestClient[Any, Any]) -> None:
    vat = await _create(http, oid="A", buyer_name="One")
    proforma = await _create(http, kind="proforma", buyer_name="Two")
    expense = await _create(http, kind="receipt", income="0", buyer_name="Three")
    kinds = await _list(http, "kinds[]=vat&kinds[]=proforma")
    assert {i["id"] for i in kinds} == {vat["id"], proforma["id"]}
    assert [i["id"] for i in await _list(http, "kind=receipt")] == [expense["id"]]
    assert [i["id"] for i in await _list(http, "income=no")] == [expense["id"]]
    assert {i["id"] for i in await _list(http, "income=yes")} == {vat["id"], proforma["id"]}
    by_client = await _list(http, f"client_id={proforma['client_id']}")
    assert [i["id"] for i in by_client] == [proforma["id"]]
    assert [i["id"] for i in await _list(http, "oid=A")] == [vat["id"]]
    number = await _list(http, f"number={expense['number'].replace(' ', '%20')}")
    assert [i["id"] for i in number] == [expense["id"]]


async def test_lists_omit_positions_unless_include_positions(http: TestClient[Any, Any]) -> None:
    await _create(http)
    assert "positions" not in (await _list(http))[0]
    assert len((await _list(http, "include_positions=true"))[0]["positions"]) == 1


async def test_pagination_default_25_capped_at_100_past_the_end_empty(
    http: TestClient[Any, Any],
) -> None:
    for _ in range(102):
        await _create(http)
    assert len(await _list(http)) == 25
    assert len(await _list(http, "per_page=1000")) == 100
    assert len(await _list(http, "per_page=100&page=2")) == 2
    assert await _list(http, "page=9") == []
    ordered = await _list(http, "order=id&per_page=3")
    assert [i["id"] for i in ordered] == [1, 2, 3]
    desc = await _list(http, "order=id.desc&per_page=2")
    assert [i["id"] for i in desc] == [102, 101]


async def test_update_edits_destroys_and_appends_positions_and_reprices(
    http: TestClient[Any, Any],
) -> None:
    created = await _create(
        http,
        positions=[
            {"name": "A", "tax": 23, "total_price_gross": "12.30"},
            {"name": "B", "tax": 23, "total_price_gross": "1.23"},
        ],
    )
    first, second = (p["id"] for p in created["positions"])
    response = await http.put(
        f"/invoices/{created['id']}.json",
        json={
            "invoice": {
                "buyer_name": "Nowy",
                "positions": [
                    {"id": first, "price_net": "100"},
                    {"id": second, "_destroy": 1},
                    {"name": "C", "tax": "zw", "total_price_gross": 5},
                ],
            }
        },
        headers=AUTH,
    )
    assert response.status == 200, await response.text()
    updated = await response.json()
    assert updated["buyer_name"] == "Nowy"
    assert [p["name"] for p in updated["positions"]] == ["A", "C"]
    assert updated["positions"][0]["id"] == first
    assert updated["positions"][0]["total_price_gross"] == "123.00"
    assert updated["price_gross"] == "128.00"
    assert updated["number"] == created["number"]
    bad = await http.patch(
        f"/invoices/{created['id']}.json",
        json={"invoice": {"positions": [{"id": 99999, "name": "x"}]}},
        headers=AUTH,
    )
    assert bad.status == 422


async def test_actions_pdf_send_by_email_change_status_cancel(
    http: TestClient[Any, Any], store: Store
) -> None:
    created = await _create(http, buyer_email="buyer@example.com")
    url = f"/invoices/{created['id']}"
    pdf = await http.get(f"{url}.pdf?print_option=copy", headers=AUTH)
    assert pdf.status == 200 and (await pdf.read()).startswith(b"%PDF")
    assert (await http.get(f"{url}.pdf?print_option=bogus", headers=AUTH)).status == 422
    sent = await http.post(f"{url}/send_by_email.json?email_cc=c@example.com", headers=AUTH)
    assert (await sent.json())["status"] == "ok"
    assert store.outbox[0]["to"] == ["buyer@example.com"]
    assert store.outbox[0]["cc"] == ["c@example.com"]
    too_many = ",".join(f"a{n}@example.com" for n in range(6))
    refused = await http.post(f"{url}/send_by_email.json?email_to={too_many}", headers=AUTH)
    assert refused.status == 422 and len(store.outbox) == 1
    paid = await http.post(f"{url}/change_status.json?status=paid", headers=AUTH)
    assert (await paid.json())["status"] == "paid"
    cancel = await http.post(
        "/invoices/cancel.json",
        json={"api_token": TOKEN, "cancel_invoice_id": created["id"], "cancel_reason": "typo"},
    )
    assert (await cancel.json())["code"] == "success"
    fetched = await http.get(f"{url}.json?additional_fields[invoice]=cancel_reason", headers=AUTH)
    body = await fetched.json()
    assert body["kind"] == "canceled" and body["cancel_reason"] == "typo"
    assert body["payment_url"].endswith(created["token"])


async def test_xml_create_and_list_use_root_elements(http: TestClient[Any, Any]) -> None:
    codec = XmlCodec()
    body = codec.encode({"invoice": _invoice()})
    response = await http.post(
        "/invoices.xml", data=body, headers={**AUTH, "Content-Type": "application/xml"}
    )
    assert response.status == 201, await response.text()
    raw = await response.read()
    assert b"<invoice>" in raw
    assert codec.decode(raw)["price_gross"] == "24.60"
    listed = await (await http.get("/invoices.xml", headers=AUTH)).read()
    assert b'<invoices type="array">' in listed
    wrong_root = codec.encode({"client": _invoice()})
    refused = await http.post("/invoices.xml", data=wrong_root, headers=AUTH)
    assert refused.status == 400


async def test_xml_update_edits_and_destroys_positions_by_id(http: TestClient[Any, Any]) -> None:
    codec = XmlCodec()
    created = await _create(
        http,
        positions=[
            {"name": "A", "tax": 23, "total_price_gross": "12.30"},
            {"name": "B", "tax": 23, "total_price_gross": "1.23"},
            {"name": "C", "tax": 0, "total_price_gross": "5"},
        ],
    )
    first, second, third = (p["id"] for p in created["positions"])
    url = f"/invoices/{created['id']}.xml"
    headers = {**AUTH, "Content-Type": "application/xml"}
    typed = codec.encode(
        {
            "invoice": {
                "positions": [
                    {"id": first, "price_net": "100"},
                    {"id": second, "_destroy": 1},
                ]
            }
        }
    )
    response = await http.put(url, data=typed, headers=headers)
    assert response.status == 200, await response.text()
    updated = codec.decode(await response.read())
    assert [(p["id"], p["total_price_gross"]) for p in updated["positions"]] == [
        (first, "123.00"),
        (third, "5.00"),
    ]
    # Untyped, hand-written XML as the docs show it: one <position> in <positions>.
    plain = (
        f"<invoice><positions><position><id>{third}</id><_destroy>1</_destroy></position>"
        "</positions></invoice>"
    ).encode()
    response = await http.patch(url, data=plain, headers=headers)
    assert response.status == 200, await response.text()
    patched = codec.decode(await response.read())
    assert [p["id"] for p in patched["positions"]] == [first]
    assert patched["price_gross"] == "123.00"
    quantity = (
        f"<invoice><positions><position><id>{first}</id><quantity>2</quantity></position>"
        "</positions></invoice>"
    ).encode()
    doubled = codec.decode(await (await http.put(url, data=quantity, headers=headers)).read())
    assert doubled["positions"][0]["total_price_gross"] == "246.00"
    unknown = (
        b"<invoice><positions><position><id>99999</id><name>x</name></position>"
        b"</positions></invoice>"
    )
    refused = await http.put(url, data=unknown, headers=headers)
    assert refused.status == 422 and refused.content_type == "application/json"


async def test_malformed_json_or_missing_root_is_400_json(http: TestClient[Any, Any]) -> None:
    for body in (b"{not json", b'{"client": {}}', b"[1, 2]", b'{"invoice": 5}'):
        response = await http.post("/invoices.json", data=body, headers=AUTH)
        assert response.status == 400, body
        assert response.content_type == "application/json"
        assert (await response.json())["code"] == "error"
    malformed_xml = await http.post("/invoices.xml", data=b"<invoice><a></invoice>", headers=AUTH)
    assert malformed_xml.status == 400


async def test_unknown_route_and_record_are_404_json(http: TestClient[Any, Any]) -> None:
    for path in ("/nothing.json", "/invoices.yaml", "/invoices/1.json"):
        response = await http.get(path, headers=AUTH)
        assert response.status == 404
        assert (await response.json())["code"] == "error"


async def test_body_over_max_body_size_is_413_json(http: TestClient[Any, Any]) -> None:
    big = b'{"invoice": {"buyer_name": "' + b"x" * (70 * 1024) + b'"}}'
    response = await http.post("/invoices.json", data=big, headers=AUTH)
    assert response.status == 413
    assert await response.json() == {"code": "error", "message": "Request Entity Too Large"}


async def test_delete_removes_the_invoice(http: TestClient[Any, Any], store: Store) -> None:
    created = await _create(http)
    response = await http.delete(f"/invoices/{created['id']}.json", headers=AUTH)
    assert response.status == 200 and await response.json() == "ok"
    assert store.counts()["invoices"] == 0


async def _post(http: TestClient[Any, Any], path: str, root: str, **fields: Any) -> dict[str, Any]:
    response = await http.post(path, json={root: fields}, headers=AUTH)
    assert response.status == 201, await response.text()
    created: dict[str, Any] = await response.json()
    return created


async def test_invoice_by_ids_takes_seller_from_department_and_positions_from_products(
    http: TestClient[Any, Any],
) -> None:
    """The documented minimal invoice: ``client_id``, ``department_id`` and positions that
    give only ``product_id`` and ``quantity``."""
    client = await _post(http, "/clients.json", "client", name="Buyer SA", tax_no="5252445767")
    department = await _post(
        http,
        "/departments.json",
        "department",
        name="Seller Sp. z o.o.",
        tax_no="1234563218",
        city="Warszawa",
    )
    product = await _post(
        http, "/products.json", "product", name="Widget", price_net="10.00", tax="23", code="W-1"
    )
    service = await _post(http, "/products.json", "product", name="Service", price_gross="100")
    created = await _create(
        http,
        buyer_name=None,
        client_id=client["id"],
        department_id=department["id"],
        seller_name="sent inline, overridden by the card",
        payment_to_kind=5,
        positions=[
            {"product_id": product["id"], "quantity": 2},
            {"product_id": str(service["id"]), "total_price_gross": "50.00", "name": "Own name"},
        ],
    )
    assert (created["seller_name"], created["seller_tax_no"], created["seller_city"]) == (
        "Seller Sp. z o.o.",
        "1234563218",
        "Warszawa",
    )
    assert created["buyer_name"] == "Buyer SA"
    widget, own = created["positions"]
    assert (widget["name"], widget["code"], widget["tax"], widget["product_id"]) == (
        "Widget",
        "W-1",
        "23",
        product["id"],
    )
    assert (widget["price_net"], widget["total_price_gross"]) == ("10.00", "24.60")
    # what the position sends itself wins over the product card
    assert (own["name"], own["total_price_gross"], own["product_id"]) == (
        "Own name",
        "50.00",
        service["id"],
    )
    assert created["price_gross"] == "74.60"


async def test_unknown_product_or_department_is_422_and_stores_nothing(
    http: TestClient[Any, Any], store: Store
) -> None:
    for fields, field in (
        ({"positions": [{"product_id": 999, "quantity": 1}]}, "positions.product_id"),
        ({"department_id": 999}, "department_id"),
    ):
        response = await http.post(
            "/invoices.json", json={"invoice": _invoice(**fields)}, headers=AUTH
        )
        assert response.status == 422
        assert (await response.json())["message"] == {field: ["does not exist"]}
    assert store.counts()["invoices"] == 0 and store.counts()["clients"] == 0


async def test_update_appends_a_product_position_and_keeps_the_list_order_current(
    http: TestClient[Any, Any],
) -> None:
    product = await _post(http, "/products.json", "product", name="Widget", price_net="5", tax="0")
    older = await _create(http, issue_date=(TODAY - timedelta(days=3)).isoformat())
    newer = await _create(http, issue_date=(TODAY - timedelta(days=1)).isoformat())
    assert [i["id"] for i in await _list(http)] == [newer["id"], older["id"]]
    changes = {
        "issue_date": TODAY.isoformat(),
        "positions": [{"product_id": product["id"], "quantity": 3}],
    }
    response = await http.put(
        f"/invoices/{older['id']}.json", json={"invoice": changes}, headers=AUTH
    )
    assert response.status == 200, await response.text()
    updated = await response.json()
    assert [p["name"] for p in updated["positions"]] == ["A", "Widget"]
    assert updated["positions"][1]["total_price_net"] == "15.00"
    # the moved issue date re-sorts the list at once (the sorted order is cached per change)
    assert [i["id"] for i in await _list(http)] == [older["id"], newer["id"]]


async def test_oid_lookup_and_uniqueness_follow_updates_and_deletes(
    http: TestClient[Any, Any],
) -> None:
    first = await _create(http, oid="ORDER-1", oid_unique="yes")
    renamed = await http.put(
        f"/invoices/{first['id']}.json", json={"invoice": {"oid": "ORDER-2"}}, headers=AUTH
    )
    assert renamed.status == 200
    assert [i["id"] for i in await _list(http, "oid=ORDER-2")] == [first["id"]]
    assert await _list(http, "oid=ORDER-1") == []
    again = await _create(http, oid="ORDER-1", oid_unique="yes")  # the old oid is free again
    taken = await http.post(
        "/invoices.json", json={"invoice": _invoice(oid="ORDER-2", oid_unique="yes")}, headers=AUTH
    )
    assert taken.status == 422
    assert (await http.delete(f"/invoices/{first['id']}.json", headers=AUTH)).status == 200
    replacement = await _create(http, oid="ORDER-2", oid_unique="yes")
    assert {i["id"] for i in await _list(http, "oid=ORDER-2")} == {replacement["id"]}
    assert [i["id"] for i in await _list(http, "oid=ORDER-1")] == [again["id"]]


async def test_buyer_matching_follows_an_edited_client_card(http: TestClient[Any, Any]) -> None:
    card = await _post(http, "/clients.json", "client", name="Old Name", tax_no="111")
    edited = await http.put(
        f"/clients/{card['id']}.json", json={"client": {"tax_no": "222"}}, headers=AUTH
    )
    assert edited.status == 200
    by_new_tax_no = await _create(http, buyer_name="Someone", buyer_tax_no="222")
    assert by_new_tax_no["client_id"] == card["id"]
    by_old_tax_no = await _create(http, buyer_name="Other", buyer_tax_no="111")
    assert by_old_tax_no["client_id"] != card["id"]
