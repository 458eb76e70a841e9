"""Sandbox divergences from the live API a review found, each pinned by the behaviour it fixed.

Proves:

1. an invoice without a buyer (no ``buyer_name``, no ``client_id``, no private person's name,
   no source document to take one from) is a 422 ``{"buyer_name": [...]}`` (spec 7.2, quirks),
   of every kind, and an update may not take the buyer away;
2. ``/warehouse_documents.json`` takes the invoices' ``period`` (default last 12 months,
   ``date_from``/``date_to`` only with ``period=more``, an unknown period a 422);
3. form-encoded and multipart bodies are read for every resource into Rack's nested params
   (``invoice[positions][0][name]``, ``invoice[positions][][name]``), top-level fields included;
4. a character XML 1.0 cannot hold, stored through JSON, is written ``*`` in XML replies (as
   Rails' Builder writes it) instead of breaking every XML read holding it;
5. a due date past the last date (``issue_date`` 9999-12-30 + 5 days) is a 422 naming
   ``payment_to``, not a crash;
6. position ids a create sends are ignored (fresh ones are numbered); on update an id that is
   not a number is a 422;
7. ids in a list query (``ids``, ``ids[]``, ``warehouse_id``, ``from_warehouse_document``) are
   ASCII digits; another value is a 422, as the invoice list answers a bad ``invoice_ids``;
8. a payment updated from unpaid to paid pays its invoices as a paid create does, once.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from invoceanio.codecs import XmlCodec
from invoceanio.sandbox.store import Store
from invoceanio.sandbox.wire import FormParamsError, form_params, xml_text
from tests.sandbox.serving import served

TOKEN = "review-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
Client = TestClient[Any, Any]
POSITION = {"name": "x", "tax": "23", "total_price_gross": "123", "quantity": 1}
NO_BUYER = {"code": "error", "message": {"buyer_name": ["can't be blank"]}}


@pytest.fixture
def store() -> Store:
    return Store()


@pytest.fixture
async def http(store: Store, caplog: pytest.LogCaptureFixture) -> AsyncIterator[Client]:
    # A crash is answered 400 and logged: no test here may log one.
    with caplog.at_level(logging.ERROR, logger="invoceanio.sandbox"):
        async with served(token=TOKEN, store=store) as client:
            yield client
    assert [r.getMessage() for r in caplog.records if r.name == "invoceanio.sandbox"] == []


async def _post(http: Client, path: str, body: Any, status: int = 201) -> Any:
    response = await http.post(path, json=body, headers=AUTH)
    assert response.status == status, await response.text()
    return await response.json()


async def _invoice(http: Client, **fields: Any) -> dict[str, Any]:
    created: dict[str, Any] = await _post(
        http, "/invoices.json", {"invoice": {"buyer_name": "Buyer", **fields}}
    )
    return created


async def _get(http: Client, path: str, status: int = 200) -> Any:
    response = await http.get(path, headers=AUTH)
    assert response.status == status, await response.text()
    return await response.json()


# --- 1. an invoice needs a buyer ---------------------------------------------------------------


@pytest.mark.parametrize(
    "invoice",
    [
        {},
        {"positions": [POSITION]},
        {"buyer_name": "  ", "positions": [POSITION]},
        {"client_id": -1, "positions": [POSITION]},
        # a tax number alone names no buyer (and matches no card here)
        {"buyer_tax_no": "5252445767", "positions": [POSITION]},
        # a first name names a private person only: a company needs its name
        {"buyer_first_name": "Jan", "positions": [POSITION]},
        # no kind is exempt: the one receipt example of the docs ([RCPT]) sends a buyer_name
        {"kind": "receipt", "positions": [POSITION]},
        {"kind": "proforma", "positions": [POSITION]},
    ],
)
async def test_an_invoice_without_a_buyer_is_refused(
    http: Client, store: Store, invoice: dict[str, Any]
) -> None:
    assert await _post(http, "/invoices.json", {"invoice": invoice}, 422) == NO_BUYER
    assert store.counts().get("invoices", 0) == 0
    assert store.counts().get("clients", 0) == 0


async def test_an_xml_invoice_without_a_buyer_is_refused(http: Client, store: Store) -> None:
    body = XmlCodec().encode({"invoice": {"kind": "vat", "positions": [POSITION]}})
    response = await http.post(
        "/invoices.xml", data=body, headers={**AUTH, "Content-Type": "application/xml"}
    )
    assert response.status == 422
    assert await response.json() == NO_BUYER
    assert store.counts().get("invoices", 0) == 0


@pytest.mark.parametrize(
    "buyer",
    [
        {"buyer_name": "Acme"},
        {"buyer_company": False, "buyer_first_name": "Jan", "buyer_last_name": "Kowalski"},
        {"buyer_company": "0", "buyer_last_name": "Kowalski"},
    ],
)
async def test_a_named_buyer_is_enough(http: Client, buyer: dict[str, Any]) -> None:
    created = await _post(http, "/invoices.json", {"invoice": {**buyer, "positions": [POSITION]}})
    assert created["client_id"] is not None  # the buyer got (or reused) a card


async def test_a_client_card_or_a_source_document_gives_the_buyer(http: Client) -> None:
    client = await _post(http, "/clients.json", {"client": {"name": "Card Buyer"}})
    by_card = await _post(
        http, "/invoices.json", {"invoice": {"client_id": client["id"], "positions": [POSITION]}}
    )
    assert by_card["buyer_name"] == "Card Buyer"
    proforma = await _invoice(http, kind="proforma", positions=[POSITION])
    copy = await _post(
        http, "/invoices.json", {"invoice": {"copy_invoice_from": proforma["id"], "kind": "vat"}}
    )
    assert copy["buyer_name"] == "Buyer"


async def test_an_update_may_not_take_the_buyer_away(http: Client) -> None:
    invoice = await _invoice(http, positions=[POSITION])
    path = f"/invoices/{invoice['id']}.json"
    cleared = {"invoice": {"buyer_name": "", "client_id": None}}
    response = await http.put(path, json=cleared, headers=AUTH)
    assert response.status == 422
    assert await response.json() == NO_BUYER
    assert (await _get(http, path))["buyer_name"] == "Buyer"
    # while the invoice still names its client card, that card is its buyer
    assert (await _get(http, path))["client_id"] is not None
    blank_name = await http.put(path, json={"invoice": {"buyer_name": ""}}, headers=AUTH)
    assert blank_name.status == 200


# --- 2. warehouse documents take the invoices' period --------------------------------------


async def _document_ids(http: Client, query: str, status: int = 200) -> Any:
    response = await http.get(f"/warehouse_documents.json?{query}", headers=AUTH)
    assert response.status == status, await response.text()
    answer = await response.json()
    return {item["id"] for item in answer} if status == 200 else answer


async def test_warehouse_documents_list_by_period(http: Client) -> None:
    today = date.today()
    body = {"warehouse_document": {"kind": "pz", "issue_date": "2020-03-01"}}
    old = (await _post(http, "/warehouse_documents.json", body))["id"]
    body = {"warehouse_document": {"kind": "pz", "issue_date": today.isoformat()}}
    new = (await _post(http, "/warehouse_documents.json", body))["id"]
    body = {"warehouse_document": {"kind": "pz", "issue_date": f"{today.year - 1}-06-15"}}
    last_year = (await _post(http, "/warehouse_documents.json", body))["id"]
    dates = "date_from=2020-01-01&date_to=2020-12-31"

    default = await _document_ids(http, "")
    assert new in default and old not in default  # the last 12 months by default
    assert await _document_ids(http, dates) == default  # the dates need period=more
    assert await _document_ids(http, f"period=this_month&{dates}") == {new}
    assert await _document_ids(http, "period=last_year") == {last_year}
    assert await _document_ids(http, "period=all") == {old, new, last_year}
    assert await _document_ids(http, f"period=more&{dates}") == {old}
    by_transaction = f"period=more&{dates}&search_date_type=transaction_date"
    assert await _document_ids(http, by_transaction) == {old}
    assert await _document_ids(http, "period=bogus", 422) == {
        "code": "error",
        "message": {"period": ["is not included in the list"]},
    }
    assert await _document_ids(http, "period=more&date_from=2020-13-01", 422) == {
        "code": "error",
        "message": {"date_from": ["is not a valid date"]},
    }


# --- 3. form bodies ---------------------------------------------------------------------------


def test_form_params_nest_as_rack_does() -> None:
    indexed = form_params(
        [
            ("invoice[kind]", "vat"),
            ("invoice[positions][0][name]", "A"),
            ("invoice[positions][0][tax]", "23"),
            ("invoice[positions][1][name]", "B"),
        ]
    )
    assert indexed == {
        "invoice": {
            "kind": "vat",
            "positions": {"0": {"name": "A", "tax": "23"}, "1": {"name": "B"}},
        }
    }
    listed = form_params(
        [
            ("invoice[positions][][name]", "A"),
            ("invoice[positions][][tax]", "23"),
            ("invoice[positions][][name]", "B"),  # a key the last entry has: a new entry
            ("ids[]", "1"),
            ("ids[]", "2"),
            ("plain", "first"),
            ("plain", "last"),
        ]
    )
    assert listed == {
        "invoice": {"positions": [{"name": "A", "tax": "23"}, {"name": "B"}]},
        "ids": ["1", "2"],
        "plain": "last",
    }
    for pairs in (
        [("a", "1"), ("a[]", "2")],
        [("a[]", "1"), ("a[b]", "2")],
        [("a" + "[b]" * 40, "1")],
    ):
        with pytest.raises(FormParamsError):
            form_params(pairs)


def _form(*pairs: tuple[str, str]) -> list[tuple[str, str]]:
    return [("api_token", TOKEN), *pairs]  # the token in the form authenticates


async def test_a_form_invoice_is_created_as_a_json_one(http: Client) -> None:
    response = await http.post(
        "/invoices.json",
        data=_form(
            ("invoice[kind]", "vat"),
            ("invoice[buyer_name]", "Client1 SA"),
            ("invoice[positions][0][name]", "Produkt A1"),
            ("invoice[positions][0][tax]", "23"),
            ("invoice[positions][0][total_price_gross]", "10,23"),
            ("invoice[positions][0][quantity]", "1"),
            ("invoice[positions][1][name]", "Produkt A2"),
            ("invoice[positions][1][tax]", "0"),
            ("invoice[positions][1][total_price_gross]", "50"),
            ("invoice[positions][1][quantity]", "2"),
        ),
    )
    assert response.status == 201, await response.text()
    created = await response.json()
    assert created["buyer_name"] == "Client1 SA"
    assert [p["name"] for p in created["positions"]] == ["Produkt A1", "Produkt A2"]
    assert created["price_gross"] == "60.23"

    # The other list form (``[]``), editing a position by its id and adding one. As in Rack,
    # a key the last entry already has (``quantity``) starts the next entry.
    path = f"/invoices/{created['id']}.json"
    first = created["positions"][0]["id"]
    response = await http.put(
        path,
        data=_form(
            ("invoice[positions][][quantity]", "2"),
            ("invoice[positions][][id]", str(first)),
            ("invoice[positions][][quantity]", "1"),
            ("invoice[positions][][name]", "Produkt A3"),
            ("invoice[positions][][tax]", "23"),
            ("invoice[positions][][total_price_gross]", "1"),
        ),
    )
    assert response.status == 200, await response.text()
    updated = await response.json()
    assert [p["name"] for p in updated["positions"]] == ["Produkt A1", "Produkt A2", "Produkt A3"]
    # the same invoice and update sent as JSON price the same
    twin = await _invoice(
        http,
        buyer_name="Client1 SA",
        positions=[
            {"name": "Produkt A1", "tax": "23", "total_price_gross": "10,23", "quantity": "1"},
            {"name": "Produkt A2", "tax": "0", "total_price_gross": "50", "quantity": "2"},
        ],
    )
    change = [
        {"quantity": "2", "id": twin["positions"][0]["id"]},
        {"quantity": "1", "name": "Produkt A3", "tax": "23", "total_price_gross": "1"},
    ]
    response = await http.put(
        f"/invoices/{twin['id']}.json", json={"invoice": {"positions": change}}, headers=AUTH
    )
    expected = await response.json()
    assert updated["price_gross"] == expected["price_gross"] != created["price_gross"]
    priced = ("quantity", "total_price_gross")
    assert [[p[k] for k in priced] for p in updated["positions"]] == [
        [p[k] for k in priced] for p in expected["positions"]
    ]


async def test_form_top_level_fields_count(http: Client, store: Store) -> None:
    fields = (
        ("oid_unique", "yes"),  # beside the root key, as in JSON
        ("invoice[buyer_name]", "A"),
        ("invoice[oid]", "order-1"),
        ("invoice[positions][][name]", "x"),
        ("invoice[positions][][tax]", "23"),
        ("invoice[positions][][total_price_gross]", "1"),
    )
    assert (await http.post("/invoices.json", data=_form(*fields))).status == 201
    again = await http.post("/invoices.json", data=_form(*fields))
    assert again.status == 422
    assert await again.json() == {"code": "error", "message": {"oid": ["has already been taken"]}}
    assert store.counts()["invoices"] == 1


async def test_form_bodies_for_clients_cancel_and_nested_resources(http: Client) -> None:
    response = await http.post("/clients.json", data=_form(("client[name]", "Acme")))
    assert response.status == 201, await response.text()
    assert (await response.json())["name"] == "Acme"

    invoice = await _invoice(http, positions=[POSITION])
    response = await http.post(
        "/invoices/cancel.json",
        data=_form(("cancel_invoice_id", str(invoice["id"])), ("cancel_reason", "typo")),
    )
    assert response.status == 200, await response.text()
    assert (await _get(http, f"/invoices/{invoice['id']}.json"))["kind"] == "canceled"

    product = await _post(http, "/products.json", {"product": {"name": "W", "price_net": "10"}})
    response = await http.post(
        "/price_lists.json",
        data=_form(
            ("price_list[name]", "Wholesale"),
            ("price_list[price_list_positions_attributes][0][priceable_id]", str(product["id"])),
            ("price_list[price_list_positions_attributes][0][price_net]", "8"),
        ),
    )
    assert response.status == 201, await response.text()
    positions = (await response.json())["price_list_positions"]
    assert [(p["priceable_id"], p["price_net"]) for p in positions] == [(product["id"], "8.00")]


async def test_a_form_rack_refuses_is_a_400(http: Client, store: Store) -> None:
    response = await http.post(
        "/invoices.json",
        data=_form(
            ("invoice[buyer_name]", "A"),
            ("invoice[positions][]", "x"),
            ("invoice[positions][a]", "y"),
        ),
    )
    assert response.status == 400
    assert (await response.json())["code"] == "error"
    missing = await http.post("/invoices.json", data=_form(("client[name]", "A")))
    assert missing.status == 400
    assert await missing.json() == {
        "code": "error",
        "message": "param is missing or the value is empty: invoice",
    }
    assert store.counts().get("invoices", 0) == 0


async def test_a_file_where_no_file_is_taken_is_a_422(http: Client, store: Store) -> None:
    form = aiohttp.FormData()
    form.add_field("api_token", TOKEN)
    form.add_field("invoice[buyer_name]", "A")
    form.add_field("invoice[description]", b"bytes", filename="a.txt")
    response = await http.post("/invoices.json", data=form)
    assert response.status == 422
    assert await response.json() == {"code": "error", "message": {"description": ["is invalid"]}}
    assert store.counts().get("invoices", 0) == 0


# --- 4. XML replies write what XML cannot hold as "*" -----------------------------------------


def test_xml_text_replaces_as_builder_does() -> None:
    assert xml_text("Acme\x0bSp.\x00z\ud800o.o.\ufffe") == "Acme*Sp.*z*o.o.*"
    assert xml_text("tab\tnew\nline\rzażółć \U0001f600") == "tab\tnew\nline\rzażółć \U0001f600"


async def test_a_control_character_does_not_break_xml_reads(http: Client) -> None:
    good = await _invoice(http, positions=[POSITION])
    bad = await _invoice(
        http, buyer_name="Acme\x0bSp. z o.o.", positions=[{**POSITION, "name": "a\x1fb"}]
    )
    assert (await _get(http, f"/invoices/{bad['id']}.json"))["buyer_name"] == "Acme\x0bSp. z o.o."
    xml = XmlCodec()
    one = await http.get(f"/invoices/{bad['id']}.xml", headers=AUTH)
    assert one.status == 200
    decoded = xml.decode(await one.read())
    assert decoded["buyer_name"] == "Acme*Sp. z o.o."
    assert decoded["positions"][0]["name"] == "a*b"
    listed = await http.get("/invoices.xml?period=all&include_positions=true", headers=AUTH)
    assert listed.status == 200
    names = {item["id"]: item["buyer_name"] for item in xml.decode(await listed.read())}
    assert names == {good["id"]: "Buyer", bad["id"]: "Acme*Sp. z o.o."}


# --- 5. a due date past the last date ---------------------------------------------------------


@pytest.mark.parametrize(
    "dates",
    [
        {"issue_date": "9999-12-30"},  # the default 5 days
        {"issue_date": "9999-12-31", "payment_to_kind": 30},
        {"issue_date": "9800-01-01", "payment_to_kind": "99999"},
    ],
)
async def test_a_due_date_past_the_last_date_is_a_422(
    http: Client, store: Store, dates: dict[str, Any]
) -> None:
    body = {"invoice": {"buyer_name": "A", **dates, "positions": [POSITION]}}
    assert await _post(http, "/invoices.json", body, 422) == {
        "code": "error",
        "message": {"payment_to": ["is not a valid date"]},
    }
    assert store.counts().get("invoices", 0) == 0
    assert store.counts().get("clients", 0) == 0


async def test_the_last_date_itself_is_fine_and_an_update_past_it_is_a_422(http: Client) -> None:
    last = await _invoice(http, issue_date="9999-12-31", payment_to_kind="off")
    assert last["payment_to"] is None
    due = await _invoice(http, issue_date="9999-12-26")
    assert due["payment_to"] == "9999-12-31"
    path = f"/invoices/{due['id']}.json"
    response = await http.put(path, json={"invoice": {"issue_date": "9999-12-30"}}, headers=AUTH)
    assert response.status == 422
    assert await response.json() == {
        "code": "error",
        "message": {"payment_to": ["is not a valid date"]},
    }
    assert (await _get(http, path))["issue_date"] == "9999-12-26"


# --- 6. position ids ---------------------------------------------------------------------------


async def test_create_ignores_position_ids(http: Client) -> None:
    listed = await _invoice(http, positions=[{**POSITION, "id": [1]}])
    assert isinstance(listed["positions"][0]["id"], int)
    first = await _invoice(http, positions=[POSITION])
    taken = first["positions"][0]["id"]
    second = await _invoice(
        http,
        positions=[{**POSITION, "id": taken}, {**POSITION, "id": "abc"}, {**POSITION, "id": 10**9}],
    )
    ids = [position["id"] for position in second["positions"]]
    assert all(isinstance(i, int) for i in ids)
    seen = {listed["positions"][0]["id"], taken}
    assert len(set(ids)) == 3 and not seen & set(ids)
    # each invoice edits its own positions only
    path = f"/invoices/{second['id']}.json"
    edit = {"invoice": {"positions": [{"id": ids[0], "quantity": 2}]}}
    assert (await http.put(path, json=edit, headers=AUTH)).status == 200
    own = await _get(http, f"/invoices/{first['id']}.json")
    assert own["positions"][0]["id"] == taken and own["price_gross"] == "123.00"


@pytest.mark.parametrize("bad", [[1], {"a": 1}, "abc", True, 1.5])
async def test_update_refuses_a_position_id_that_is_no_number(http: Client, bad: Any) -> None:
    invoice = await _invoice(http, positions=[POSITION])
    response = await http.put(
        f"/invoices/{invoice['id']}.json",
        json={"invoice": {"positions": [{"id": bad, "quantity": 2}]}},
        headers=AUTH,
    )
    assert response.status == 422
    assert await response.json() == {
        "code": "error",
        "message": {"positions.id": ["is not a number"]},
    }


# --- 7. ids in list queries -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/products.json?ids=%C2%B2", "ids"),
        ("/categories.json?ids[]=%C2%B9", "ids"),
        ("/products.json?ids=abc", "ids"),
        ("/products/1.json?warehouse_id=%C2%B3", "warehouse_id"),
        ("/products.json?warehouse_id=%D9%A1", "warehouse_id"),  # ARABIC-INDIC DIGIT ONE
        ("/warehouse_actions.json?from_warehouse_document=%C2%B2", "from_warehouse_document"),
        ("/warehouse_actions.json?to_warehouse_document=x", "to_warehouse_document"),
    ],
)
async def test_an_id_in_a_list_query_that_is_no_number_is_a_422(
    http: Client, path: str, field: str
) -> None:
    await _post(http, "/products.json", {"product": {"name": "W", "tax": "23", "price_net": "10"}})
    assert await _get(http, path, 422) == {
        "code": "error",
        "message": {field: ["is not a number"]},
    }


async def test_ids_in_list_queries_still_filter(http: Client) -> None:
    first = await _post(http, "/categories.json", {"category": {"name": "A"}})
    await _post(http, "/categories.json", {"category": {"name": "B"}})
    by_ids = await _get(http, f"/categories.json?ids={first['id']},")
    assert [item["id"] for item in by_ids] == [first["id"]]
    by_list = await _get(http, f"/categories.json?ids[]=%20{first['id']}%20")
    assert [item["id"] for item in by_list] == [first["id"]]


# --- 8. a payment that becomes paid ------------------------------------------------------------


async def test_a_payment_updated_to_paid_pays_its_invoices_once(http: Client) -> None:
    a = await _invoice(http, positions=[{"name": "x", "tax": "23", "total_price_gross": "60"}])
    b = await _invoice(http, positions=[{"name": "x", "tax": "23", "total_price_gross": "60"}])
    body = {"banking_payment": {"price": "100", "paid": False, "invoice_ids": [a["id"], b["id"]]}}
    payment = await _post(http, "/banking/payments.json", body)
    assert (await _get(http, f"/invoices/{a['id']}.json"))["status"] == "issued"
    path = f"/banking/payments/{payment['id']}.json"

    async def patch(fields: dict[str, Any]) -> None:
        response = await http.patch(path, json={"banking_payment": fields}, headers=AUTH)
        assert response.status == 200, await response.text()

    async def states() -> list[tuple[str, str]]:
        found = [await _get(http, f"/invoices/{i['id']}.json") for i in (a, b)]
        return [(invoice["status"], invoice["paid"]) for invoice in found]

    await patch({"paid": "1"})
    assert await states() == [("paid", "60.00"), ("partial", "40.00")]
    await patch({"description": "edited", "paid": True})  # paid already: nothing paid again
    assert await states() == [("paid", "60.00"), ("partial", "40.00")]
