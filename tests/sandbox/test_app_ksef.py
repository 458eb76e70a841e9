"""The sandbox's KSeF behaviour and the single-object modifiers of ``GET /invoices/{id}``.

Proves: ``send_to_ksef=yes|1`` and ``gov_save_and_send`` (top level or query) submit the invoice,
which reads ``processing`` in the answer and ``ok`` with a well-formed ``gov_id`` on the next
read; kinds KSeF does not take read ``not_applicable``; a non-compliant invoice is a 422 and is
not stored; update and delete of an accepted invoice are the 422 of spec 9.3 while status
changes and payments still work; ``attachment?kind=gov|gov_upo`` serves FA(3)-like and UPO XML;
``fields[invoice]`` answers only those fields and ``additional_fields[invoice]=
connected_payments`` the invoice's payments (with ``cancel_reason`` still working).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from aiohttp.test_utils import TestClient

from invoceanio.codecs import XmlCodec
from invoceanio.sandbox import ksef
from invoceanio.sandbox.ksef import FA_NAMESPACE, LOCKED, UPO_NAMESPACE
from invoceanio.sandbox.store import Store
from tests.sandbox.serving import served

TOKEN = "ksef-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
Client = TestClient[Any, Any]
GOV_ID = re.compile(r"5252445767-(\d{8})-[0-9A-F]{12}")


@pytest.fixture
async def store() -> Store:
    return Store()


@pytest.fixture
async def http(store: Store) -> AsyncIterator[Client]:
    async with served(token=TOKEN, store=store) as client:
        yield client


def _document(**fields: Any) -> dict[str, Any]:
    invoice: dict[str, Any] = {
        "kind": "vat",
        "number": "FV 7/2026",
        "seller_name": "Wystawca Sp. z o.o.",
        "seller_tax_no": "PL 525-244-57-67",
        "buyer_name": "Nabywca SA",
        "buyer_tax_no": "6272616681",
        "buyer_company": True,
        "positions": [{"name": "Usługa", "tax": 23, "quantity": 2, "price_net": "100"}],
    }
    invoice.update(fields)
    return invoice


async def _create(http: Client, query: str = "", top: Any = None, **fields: Any) -> Any:
    body: dict[str, Any] = {"invoice": _document(**fields)}
    if top is not None:
        body.update(top)
    response = await http.post(f"/invoices.json{query}", json=body, headers=AUTH)
    assert response.status == 201, await response.text()
    return await response.json()


async def _get(http: Client, invoice_id: int, query: str = "") -> Any:
    response = await http.get(f"/invoices/{invoice_id}.json{query}", headers=AUTH)
    assert response.status == 200, await response.text()
    return await response.json()


@pytest.mark.parametrize("value", ["yes", "1"])
async def test_send_to_ksef_reads_processing_then_ok_with_a_gov_id(
    http: Client, value: str
) -> None:
    created = await _create(http)
    assert created["gov_status"] is None and created["gov_id"] is None
    sent = await _get(http, created["id"], f"?send_to_ksef={value}")
    assert sent["gov_status"] == "processing" and sent["gov_id"] is None
    assert sent["gov_send_date"]
    accepted = await _get(http, created["id"])
    assert accepted["gov_status"] == "ok"
    match = GOV_ID.fullmatch(accepted["gov_id"])
    assert match is not None and match.group(1) == date.today().strftime("%Y%m%d")
    link = accepted["gov_verification_link"]
    assert link.startswith(f"https://ksef.mf.gov.pl/web/verify/{accepted['gov_id']}/")
    again = await _get(http, created["id"], "?send_to_ksef=yes")  # nothing changes
    assert (again["gov_status"], again["gov_id"]) == ("ok", accepted["gov_id"])


async def test_gov_save_and_send_on_create_top_level_or_query(http: Client) -> None:
    top = await _create(http, top={"gov_save_and_send": True})
    assert (top["gov_status"], top["gov_id"]) == ("processing", None)
    query = await _create(http, query="?gov_save_and_send=1")
    assert query["gov_status"] == "processing"
    # Found by review: inside the invoice object it was dropped as a read-only gov_ field.
    inside = await _create(http, gov_save_and_send=True)
    assert inside["gov_status"] == "processing" and "gov_save_and_send" not in inside
    unsent = await _create(http, gov_save_and_send="0")
    assert unsent["gov_status"] is None
    listed = await (await http.get("/invoices.json", headers=AUTH)).json()
    assert [item["gov_status"] for item in listed] == [None, "ok", "ok", "ok"]
    codec = XmlCodec()
    xml = await http.post(
        "/invoices.xml?gov_save_and_send=1",
        data=codec.encode({"invoice": _document()}),
        headers={**AUTH, "Content-Type": "application/xml"},
    )
    assert xml.status == 201 and codec.decode(await xml.read())["gov_status"] == "processing"
    inside_xml = await http.post(
        "/invoices.xml",
        data=codec.encode({"invoice": {**_document(), "gov_save_and_send": True}}),
        headers={**AUTH, "Content-Type": "application/xml"},
    )
    assert inside_xml.status == 201
    assert codec.decode(await inside_xml.read())["gov_status"] == "processing"


async def test_kinds_ksef_does_not_take_are_not_applicable(http: Client) -> None:
    proforma = await _create(http, kind="proforma", seller_tax_no=None)
    sent = await _get(http, proforma["id"], "?send_to_ksef=yes")
    assert (sent["gov_status"], sent["gov_id"]) == ("not_applicable", None)
    on_create = await _create(http, kind="estimate", top={"gov_save_and_send": True})
    assert on_create["gov_status"] == "not_applicable"
    update = await http.put(
        f"/invoices/{proforma['id']}.json", json={"invoice": {"buyer_name": "x"}}, headers=AUTH
    )
    assert update.status == 200  # not locked


async def test_a_non_compliant_invoice_is_a_422_and_is_not_stored(
    http: Client, store: Store
) -> None:
    body = {
        "invoice": _document(seller_tax_no="123", buyer_tax_no="", buyer_phone="1" * 17),
        "gov_save_and_send": True,
    }
    body["invoice"]["buyer_name"] = "A brand new buyer"
    response = await http.post("/invoices.json", json=body, headers=AUTH)
    assert response.status == 422
    assert (await response.json())["message"] == {
        "seller_tax_no": ["- nieprawidłowy NIP"],
        "buyer_tax_no": ["- nie może być puste"],
        "buyer_phone": ["- pole jest za długie (maksymalna ilość znaków: 16)"],
    }
    assert store.counts()["invoices"] == 0 and store.counts()["clients"] == 0
    private = await _create(
        http, buyer_company=False, buyer_tax_no=None, top={"gov_save_and_send": True}
    )
    assert private["gov_status"] == "processing"  # a private buyer needs no tax number
    stored = await _create(http, seller_name="")
    refused = await http.get(f"/invoices/{stored['id']}.json?send_to_ksef=yes", headers=AUTH)
    assert refused.status == 422
    assert (await refused.json())["message"] == {"seller_name": ["- nie może być puste"]}
    assert (await _get(http, stored["id"]))["gov_status"] is None


async def test_an_accepted_invoice_cannot_be_edited_or_deleted(http: Client) -> None:
    created = await _create(http, top={"gov_save_and_send": True})
    url = f"/invoices/{created['id']}.json"
    for response in (
        await http.put(url, json={"invoice": {"buyer_name": "x"}}, headers=AUTH),
        await http.patch(url, json={"invoice": {"positions": []}}, headers=AUTH),
        await http.delete(url, headers=AUTH),
    ):
        assert response.status == 422
        assert await response.json() == {"code": "error", "message": LOCKED}
    paid = await http.post(
        f"/invoices/{created['id']}/change_status.json?status=paid", headers=AUTH
    )
    assert paid.status == 200 and (await paid.json())["status"] == "paid"
    assert (await _get(http, created["id"]))["gov_status"] == "ok"


async def test_read_only_gov_fields_cannot_be_set_by_a_request(http: Client) -> None:
    created = await _create(http, gov_status="ok", gov_id="1-2-3", attachments_count=5)
    assert (created["gov_status"], created["gov_id"], created["attachments_count"]) == (
        None,
        None,
        0,
    )
    correction = await _create(
        http, kind="correction", invoice_id=created["id"], gov_corrected_invoice_number="X-1"
    )
    assert correction["gov_corrected_invoice_number"] == "X-1"


async def test_gov_and_upo_attachments_serve_xml_once_accepted(http: Client) -> None:
    created = await _create(http, top={"gov_save_and_send": True})
    url = f"/invoices/{created['id']}/attachment"
    redirect = await http.get(f"{url}?kind=gov", headers=AUTH, allow_redirects=False)
    assert redirect.status == 302  # the read accepted it
    fa = await http.get(urlsplit(redirect.headers["Location"]).path)  # no token
    assert fa.status == 200 and fa.content_type == "text/xml"
    root = ElementTree.fromstring(await fa.read())
    ns = {"fa": FA_NAMESPACE}
    assert root.tag == f"{{{FA_NAMESPACE}}}Faktura"
    assert root.findtext("fa:Fa/fa:P_2", namespaces=ns) == "FV 7/2026"
    assert root.findtext("fa:Podmiot1/fa:DaneIdentyfikacyjne/fa:NIP", namespaces=ns) == (
        "5252445767"
    )
    assert root.findtext("fa:Podmiot2/fa:DaneIdentyfikacyjne/fa:NIP", namespaces=ns) == (
        "6272616681"
    )
    assert root.findtext("fa:Fa/fa:P_13_1", namespaces=ns) == "200.00"
    assert root.findtext("fa:Fa/fa:P_15", namespaces=ns) == "246.00"
    upo = await http.get(f"{url}?kind=gov_upo", headers=AUTH)  # redirect followed
    assert upo.status == 200 and upo.content_type == "text/xml"
    receipt = ElementTree.fromstring(await upo.read())
    gov_id = (await _get(http, created["id"]))["gov_id"]
    assert receipt.tag == f"{{{UPO_NAMESPACE}}}Potwierdzenie"
    found = receipt.findtext("u:Dokument/u:NumerKSeFDokumentu", namespaces={"u": UPO_NAMESPACE})
    assert found == gov_id


async def test_fields_answers_only_those_fields(http: Client) -> None:
    created = await _create(http)
    sparse = await _get(http, created["id"], "?fields[invoice]=id,number,gov_status")
    assert sparse == {"id": created["id"], "number": "FV 7/2026", "gov_status": None}
    spaced = await _get(http, created["id"], "?fields[invoice]=id, price_gross,unknown")
    assert spaced == {"id": created["id"], "price_gross": "246.00"}
    whole = await _get(http, created["id"], "?fields[invoice]=")
    assert "positions" in whole
    raw = await http.get(f"/invoices/{created['id']}.xml?fields[invoice]=id,number", headers=AUTH)
    assert XmlCodec().decode(await raw.read()) == {"id": created["id"], "number": "FV 7/2026"}


async def test_additional_fields_connected_payments_and_cancel_reason(http: Client) -> None:
    created = await _create(http)
    other = await _create(http)
    assert "connected_payments" not in await _get(http, created["id"])
    for price, ids in (("100", [created["id"]]), ("5", [other["id"], created["id"]])):
        body = {"banking_payment": {"name": "P", "price": price, "invoice_ids": ids}}
        assert (await http.post("/banking/payments.json", json=body, headers=AUTH)).status == 201
    body = {"banking_payment": {"name": "P", "price": "1", "invoice_ids": [other["id"]]}}
    assert (await http.post("/banking/payments.json", json=body, headers=AUTH)).status == 201
    view = await _get(http, created["id"], "?additional_fields[invoice]=connected_payments")
    assert [payment["price"] for payment in view["connected_payments"]] == ["100.00", "5.00"]
    both = await _get(
        http,
        created["id"],
        "?additional_fields[invoice]=cancel_reason,connected_payments&fields[invoice]=id",
    )
    assert set(both) == {"id", "cancel_reason", "connected_payments"}
    assert both["cancel_reason"] is None
    cancel = {"api_token": TOKEN, "cancel_invoice_id": other["id"], "cancel_reason": "duplikat"}
    assert (await http.post("/invoices/cancel.json", json=cancel)).status == 200
    reason = await _get(http, other["id"], "?additional_fields[invoice]=cancel_reason")
    assert reason["cancel_reason"] == "duplikat"
    assert "cancel_reason" not in await _get(http, other["id"])
    xml = await http.get(
        f"/invoices/{created['id']}.xml?additional_fields[invoice]=connected_payments",
        headers=AUTH,
    )
    decoded = XmlCodec().decode(await xml.read())
    assert [payment["price"] for payment in decoded["connected_payments"]] == ["100.00", "5.00"]


def _correction(original: dict[str, Any], **fields: Any) -> dict[str, Any]:
    position = {"name": "Usługa", "tax": 23, "quantity": 2, "price_net": "100"}
    return {
        "invoice": {
            "kind": "correction",
            "invoice_id": original["id"],
            "correction_reason": "Rabat",
            "positions": [
                {
                    "kind": "correction",
                    "correction_before_attributes": position,
                    "correction_after_attributes": {**position, "quantity": 1},
                }
            ],
            **fields,
        },
        "gov_save_and_send": True,
    }


@pytest.mark.parametrize(
    ("fields", "locked"),
    [
        ({"buyer_tax_no": "5260250274", "buyer_name": "Nabywca SA"}, ["buyer_tax_no"]),
        ({"seller_tax_no": "7251801126", "seller_name": "Wystawca Sp. z o.o."}, ["seller_tax_no"]),
        (
            {"seller_email": "a@b.pl", "seller_name": "Wystawca SA", "seller_tax_no": "5252445767"},
            ["seller_email"],
        ),
        (
            {"buyer_name": "Nabywca SA", "buyer_tax_no": "6272616681", "buyer_email": "x@y.pl"},
            ["buyer_email"],
        ),
        ({"buyer_name": "Nabywca SA", "buyer_company": False}, ["buyer_company", "buyer_tax_no"]),
    ],
)
async def test_a_correction_sent_to_ksef_keeps_the_locked_fields_of_its_original(
    http: Client, store: Store, fields: dict[str, Any], locked: list[str]
) -> None:
    # Found by review: a correction with gov_save_and_send that changed the buyer's tax
    # number was accepted (spec 9.3 lists the fields a correction may not change).
    original = await _create(http, top={"gov_save_and_send": True})
    response = await http.post("/invoices.json", json=_correction(original, **fields), headers=AUTH)
    assert response.status == 422
    assert (await response.json())["message"] == {
        field: ["- nie może różnić się od faktury korygowanej"] for field in locked
    }
    assert store.counts()["invoices"] == 1


async def test_a_correction_sent_to_ksef_may_keep_or_reformat_the_locked_fields(
    http: Client,
) -> None:
    original = await _create(http, top={"gov_save_and_send": True})
    copied = await http.post("/invoices.json", json=_correction(original), headers=AUTH)
    assert copied.status == 201, await copied.text()  # the parties come from the original
    same = {
        "seller_name": "Wystawca Sp. z o.o.",
        "seller_tax_no": "5252445767",  # the same NIP written without PL and dashes
        "buyer_name": "Nabywca Spółka Akcyjna",  # the name is not on the locked list
        "buyer_tax_no": "627-261-66-81",
    }
    renamed = await http.post("/invoices.json", json=_correction(original, **same), headers=AUTH)
    assert renamed.status == 201, await renamed.text()
    unsent = _correction(original, buyer_tax_no="5260250274", buyer_name="Nabywca SA")
    del unsent["gov_save_and_send"]
    assert (await http.post("/invoices.json", json=unsent, headers=AUTH)).status == 201


async def test_cancel_of_an_invoice_ksef_accepted_is_refused(http: Client) -> None:
    # Found by review: cancel neither settled the submission nor looked at the lock.
    created = await _create(http, top={"gov_save_and_send": True})  # processing: unread
    cancel = {"cancel_invoice_id": created["id"], "cancel_reason": "duplikat"}
    response = await http.post("/invoices/cancel.json", json=cancel, headers=AUTH)
    assert response.status == 422
    assert await response.json() == {"code": "error", "message": LOCKED}
    read = await _get(http, created["id"])
    assert (read["kind"], read["gov_status"]) == ("vat", "ok")
    unsent = await _create(http)
    cancel = {"cancel_invoice_id": unsent["id"]}
    assert (await http.post("/invoices/cancel.json", json=cancel, headers=AUTH)).status == 200


def test_rendering_leaves_elementtree_namespace_prefixes_alone() -> None:
    # Found by review: every render re-registered the default namespace process-wide.
    ElementTree.register_namespace("fa", FA_NAMESPACE)
    try:
        before = ElementTree.tostring(ElementTree.Element(f"{{{FA_NAMESPACE}}}x"))
        record = {**_document(), "id": 1, "gov_id": "5252445767-20260101-ABCDEFABCDEF"}
        for render in (ksef.fa_xml, ksef.upo_xml):
            root = ElementTree.fromstring(render(record))
            assert root.tag.startswith("{")
        assert b'xmlns="' in ksef.fa_xml(record)  # the documents use the default namespace
        assert ElementTree.tostring(ElementTree.Element(f"{{{FA_NAMESPACE}}}x")) == before
    finally:
        for namespace in (FA_NAMESPACE, UPO_NAMESPACE):
            ElementTree._namespace_map.pop(namespace, None)


async def test_connected_payments_follow_a_payment_that_is_edited(http: Client) -> None:
    # connected_payments answers from the payments' invoice_ids index, which an update of a
    # payment must refile (a stale index would still show the payment on the first invoice).
    first, second = await _create(http), await _create(http)
    body = {"banking_payment": {"name": "P", "price": "7", "invoice_ids": [first["id"]]}}
    created = await http.post("/banking/payments.json", json=body, headers=AUTH)
    payment = await created.json()
    moved = {"banking_payment": {"invoice_ids": [second["id"]]}}
    url = f"/banking/payments/{payment['id']}.json"
    assert (await http.put(url, json=moved, headers=AUTH)).status == 200
    query = "?additional_fields[invoice]=connected_payments"
    assert (await _get(http, first["id"], query))["connected_payments"] == []
    assert [p["id"] for p in (await _get(http, second["id"], query))["connected_payments"]] == [
        payment["id"]
    ]
