"""The KSeF rules of spec 9.3/9.4 the sandbox checks on a submission, and the margin procedure
of spec 6.1 it checks on every save.

Proves: under KSeF (``gov_save_and_send`` on create, ``send_to_ksef`` on an existing invoice) a
``zw`` position needs ``exempt_tax_kind`` and an ``np`` one (in any of its spellings) needs
``np_tax_kind``, any text that is not blank; a refused invoice is neither stored nor submitted,
and the same invoice is taken without KSeF or once the field is there; the KSeF lengths of the
footer (3500), the notes (``description`` and ``descriptions[].content``, 256) and a
position's ``additional_info`` (50, or 20 as GTIN) are checked at and past their limits, and
only under KSeF (a note's ``kind`` is 256 at most everywhere). A ``vat_margin`` invoice without
``procedure_vat_margin`` is a 422 naming it, with or without KSeF, on create, update and copy;
the four documented values (byte-exact, three with an en dash) and any other text that is not
blank are taken.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from invoceanio.sandbox.store import Store
from tests.sandbox.serving import served

TOKEN = "ksef-rules-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
Client = TestClient[Any, Any]
BLANK = ["- nie może być puste"]
EXEMPTIONS = (
    "Zwolnienie ze względu na rodzaj prowadzonej działalności (art. 43 ust 1 ustawy o VAT)",
    "Zwolnienie ze względu na nieprzekroczenie limitu obrotu (art. 113 ust 1 i 9 ustawy o VAT)",
    "Zwolnienie na mocy rozporządzenia MF (art. 82 ust 3 ustawy o VAT)",
    "Zwolnienie, o którym mowa w art. 132 ust 1 lub art. 135 ust 1 Dyrektywy 2006/112/WE",
    "Zwolnienie własne",  # "or custom text"
)
PROCEDURES = (
    "procedura marży dla biur podróży",
    "procedura marży \u2013 towary używane",
    "procedura marży \u2013 dzieła sztuki",
    "procedura marży \u2013 przedmioty kolekcjonerskie i antyki",
)
NO_PROCEDURE = {"code": "error", "message": {"procedure_vat_margin": ["can't be blank"]}}


def _too_long(limit: int) -> list[str]:
    return [f"- pole jest za długie (maksymalna ilość znaków: {limit})"]


@pytest.fixture
async def store() -> Store:
    return Store()


@pytest.fixture
async def http(store: Store) -> AsyncIterator[Client]:
    async with served(token=TOKEN, store=store) as client:
        yield client


def _position(tax: Any = 23, **fields: Any) -> dict[str, Any]:
    return {"name": "Usługa", "tax": tax, "quantity": 2, "price_net": "100", **fields}


def _document(**fields: Any) -> dict[str, Any]:
    invoice: dict[str, Any] = {
        "kind": "vat",
        "seller_name": "Wystawca Sp. z o.o.",
        "seller_tax_no": "PL 525-244-57-67",
        "buyer_name": "Nabywca SA",
        "buyer_tax_no": "6272616681",
        "buyer_company": True,
        "positions": [_position()],
    }
    invoice.update(fields)
    return invoice


async def _post(http: Client, ksef: bool = True, **fields: Any) -> Any:
    body: dict[str, Any] = {"invoice": _document(**fields)}
    if ksef:
        body["gov_save_and_send"] = True
    return await http.post("/invoices.json", json=body, headers=AUTH)


async def _created(http: Client, ksef: bool = True, **fields: Any) -> dict[str, Any]:
    response = await _post(http, ksef, **fields)
    assert response.status == 201, await response.text()
    created: dict[str, Any] = await response.json()
    return created


async def _refused(http: Client, ksef: bool = True, **fields: Any) -> Any:
    response = await _post(http, ksef, **fields)
    assert response.status == 422, await response.text()
    body = await response.json()
    assert body["code"] == "error"
    return body["message"]


async def _get(http: Client, invoice_id: int, query: str = "") -> Any:
    return await http.get(f"/invoices/{invoice_id}.json{query}", headers=AUTH)


# --- exempt_tax_kind and np_tax_kind -----------------------------------------------------------


@pytest.mark.parametrize("tax", ["zw", "ZW", "Zw"])
async def test_a_zw_position_needs_exempt_tax_kind_under_ksef(
    http: Client, store: Store, tax: str
) -> None:
    positions = [_position(), _position(tax)]
    assert await _refused(http, positions=positions) == {"exempt_tax_kind": BLANK}
    for blank in ("", "   ", None):
        message = await _refused(http, positions=positions, exempt_tax_kind=blank)
        assert message == {"exempt_tax_kind": BLANK}
    assert store.counts()["invoices"] == 0
    created = await _created(http, positions=positions, exempt_tax_kind=EXEMPTIONS[0])
    assert created["gov_status"] == "processing"
    assert created["exempt_tax_kind"] == EXEMPTIONS[0]


@pytest.mark.parametrize("text", EXEMPTIONS)
async def test_exempt_tax_kind_takes_the_documented_texts_or_custom_text(
    http: Client, text: str
) -> None:
    created = await _created(http, positions=[_position("zw")], exempt_tax_kind=text)
    assert created["gov_status"] == "processing"
    assert (await (await _get(http, created["id"])).json())["exempt_tax_kind"] == text


@pytest.mark.parametrize(
    "tax", ["np", "NP", "na", "NA", "n/a", "N/A", "nie podlega", "NIE PODLEGA", "not applicable"]
)
async def test_an_np_position_needs_np_tax_kind_under_ksef(
    http: Client, store: Store, tax: str
) -> None:
    positions = [_position(tax)]
    assert await _refused(http, positions=positions) == {"np_tax_kind": BLANK}
    assert await _refused(http, positions=positions, np_tax_kind=" ") == {"np_tax_kind": BLANK}
    # an exemption reason is no np reason
    message = await _refused(http, positions=positions, exempt_tax_kind=EXEMPTIONS[0])
    assert message == {"np_tax_kind": BLANK}
    assert store.counts()["invoices"] == 0
    for kind in ("export_service", "export_service_eu", "not_specified"):
        created = await _created(http, positions=positions, np_tax_kind=kind)
        assert (created["gov_status"], created["np_tax_kind"]) == ("processing", kind)


async def test_zw_and_np_together_name_both_beside_other_ksef_errors(http: Client) -> None:
    positions = [_position("zw"), _position("np"), _position(8)]
    assert await _refused(http, positions=positions) == {
        "exempt_tax_kind": BLANK,
        "np_tax_kind": BLANK,
    }
    assert await _refused(http, positions=positions, buyer_tax_no="", np_tax_kind="x") == {
        "buyer_tax_no": BLANK,
        "exempt_tax_kind": BLANK,
    }
    created = await _created(
        http, positions=positions, exempt_tax_kind=EXEMPTIONS[1], np_tax_kind="export_service"
    )
    assert created["gov_status"] == "processing"


@pytest.mark.parametrize("tax", [23, "23", 0, "0", "oo", "disabled", "8"])
async def test_other_taxes_need_neither(http: Client, tax: Any) -> None:
    created = await _created(http, positions=[_position(tax)])
    assert created["gov_status"] == "processing"


async def test_the_tax_kinds_are_checked_only_under_ksef(http: Client) -> None:
    positions = [_position("zw"), _position("np")]
    plain = await _created(http, ksef=False, positions=positions)
    assert plain["gov_status"] is None
    # a kind KSeF does not take is marked not_applicable, unchecked
    proforma = await _created(http, kind="proforma", positions=positions)
    assert proforma["gov_status"] == "not_applicable"


async def test_send_to_ksef_refuses_an_existing_invoice_until_it_names_the_kinds(
    http: Client,
) -> None:
    created = await _created(http, ksef=False, positions=[_position("zw"), _position("n/a")])
    refused = await _get(http, created["id"], "?send_to_ksef=yes")
    assert refused.status == 422
    assert await refused.json() == {
        "code": "error",
        "message": {"exempt_tax_kind": BLANK, "np_tax_kind": BLANK},
    }
    unsent = await (await _get(http, created["id"])).json()
    assert (unsent["gov_status"], unsent["gov_id"]) == (None, None)
    update = {"invoice": {"exempt_tax_kind": EXEMPTIONS[2]}}
    updated = await http.put(f"/invoices/{created['id']}.json", json=update, headers=AUTH)
    assert updated.status == 200
    still = await _get(http, created["id"], "?send_to_ksef=yes")
    assert still.status == 422
    assert (await still.json())["message"] == {"np_tax_kind": BLANK}
    update = {"invoice": {"np_tax_kind": "not_specified"}}
    assert (
        await http.put(f"/invoices/{created['id']}.json", json=update, headers=AUTH)
    ).status == 200
    sent = await _get(http, created["id"], "?send_to_ksef=yes")
    assert sent.status == 200
    assert (await sent.json())["gov_status"] == "processing"


async def test_a_correction_of_zw_positions_needs_the_exemption_too(http: Client) -> None:
    original = await _created(http, ksef=False, positions=[_position("zw")])
    zw = _position("zw")
    correction = {
        "kind": "correction",
        "invoice_id": original["id"],
        "correction_reason": "Rabat",
        "positions": [
            {
                "kind": "correction",
                "correction_before_attributes": zw,
                "correction_after_attributes": {**zw, "quantity": 1},
            }
        ],
    }
    refused = await http.post(
        "/invoices.json", json={"invoice": correction, "gov_save_and_send": True}, headers=AUTH
    )
    assert refused.status == 422
    assert (await refused.json())["message"] == {"exempt_tax_kind": BLANK}
    correction["exempt_tax_kind"] = EXEMPTIONS[0]
    taken = await http.post(
        "/invoices.json", json={"invoice": correction, "gov_save_and_send": True}, headers=AUTH
    )
    assert taken.status == 201, await taken.text()
    assert (await taken.json())["positions"][0]["tax"] == "zw"


# --- lengths of spec 9.4 -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "too_long", "errors"),
    [
        (
            {"description_footer": "x" * 3500},
            {"description_footer": "x" * 3501},
            {"description_footer": _too_long(3500)},
        ),
        (
            {"description": "x" * 256},
            {"description": "x" * 257},
            {"description": _too_long(256)},
        ),
        (
            {"descriptions": [{"kind": "k" * 256, "content": "c" * 256}]},
            {"descriptions": [{"kind": "Uwaga", "content": "ok"}, {"content": "c" * 257}]},
            {"descriptions.content": _too_long(256)},
        ),
        # A note's kind is 256 at most with KSeF or without (spec 6.6), so it has no case here,
        # where past the limit is taken without KSeF: tests/sandbox/test_invoice_limits.py.
        (
            {"descriptions": {"0": {"kind": "Uwaga", "content": "c" * 256}}},
            {"descriptions": {"0": {"kind": "k" * 256, "content": "c" * 257}}},
            {"descriptions.content": _too_long(256)},
        ),
        (
            {"additional_info": True, "positions": [_position(additional_info="1" * 50)]},
            {
                "additional_info": "1",
                "positions": [_position(), _position(additional_info="1" * 51)],
            },
            {"positions.additional_info": _too_long(50)},
        ),
        (
            {
                "additional_info": "1",
                "additional_info_desc": "PKWiU",
                "positions": [_position(additional_info="1" * 50)],
            },
            {
                "additional_info": "1",
                "additional_info_desc": "PKWiU",
                "positions": [_position(additional_info="1" * 51)],
            },
            {"positions.additional_info": _too_long(50)},
        ),
        (
            {
                "additional_info": "1",
                "additional_info_desc": "CN",
                "positions": [_position(additional_info="1" * 50)],
            },
            {
                "additional_info": "1",
                "additional_info_desc": "CN",
                "positions": [_position(additional_info="1" * 51)],
            },
            {"positions.additional_info": _too_long(50)},
        ),
        (
            {
                "additional_info": "1",
                "additional_info_desc": "GTIN",
                "positions": [_position(additional_info="1" * 20)],
            },
            {
                "additional_info": "1",
                "additional_info_desc": "GTIN",
                "positions": [_position(additional_info="1" * 21)],
            },
            {"positions.additional_info": _too_long(20)},
        ),
        (
            {
                "additional_info": True,
                "additional_info_desc": "gtin",
                "positions": [_position(additional_info="1" * 20)],
            },
            {
                "additional_info": True,
                "additional_info_desc": "gtin",
                "positions": [_position(additional_info="1" * 21)],
            },
            {"positions.additional_info": _too_long(20)},
        ),
        (
            {
                "additional_info": "1",
                "positions": [_position(name="n" * 256, additional_info="1" * 50)],
            },
            {
                "additional_info": "1",
                "positions": [_position(name="n" * 257, additional_info="1" * 51)],
            },
            {"positions.name": _too_long(256), "positions.additional_info": _too_long(50)},
        ),
    ],
)
async def test_ksef_lengths_at_and_past_the_limit(
    http: Client,
    store: Store,
    fields: dict[str, Any],
    too_long: dict[str, Any],
    errors: dict[str, list[str]],
) -> None:
    at_the_limit = await _created(http, **fields)
    assert at_the_limit["gov_status"] == "processing"
    assert await _refused(http, **too_long) == errors
    assert store.counts()["invoices"] == 1
    unsent = await _created(http, ksef=False, **too_long)  # no KSeF, no limit
    assert unsent["gov_status"] is None
    refused = await _get(http, unsent["id"], "?send_to_ksef=1")
    assert refused.status == 422
    assert (await refused.json())["message"] == errors


# --- procedure_vat_margin ----------------------------------------------------------------------


@pytest.mark.parametrize("ksef", [False, True])
@pytest.mark.parametrize(
    "missing",
    [
        {},
        {"procedure_vat_margin": None},
        {"procedure_vat_margin": ""},
        {"procedure_vat_margin": "  "},
    ],
)
async def test_vat_margin_without_a_procedure_is_422_with_or_without_ksef(
    http: Client, store: Store, ksef: bool, missing: dict[str, Any]
) -> None:
    # a new buyer (no card yet): the refusal must leave no client card behind
    response = await _post(http, ksef, kind="vat_margin", buyer_name="Nowy Klient", **missing)
    assert response.status == 422
    assert await response.json() == NO_PROCEDURE
    assert store.counts()["invoices"] == 0
    assert store.counts()["clients"] == 0


@pytest.mark.parametrize("procedure", [*PROCEDURES, "procedura marży - towary używane", "inna"])
@pytest.mark.parametrize("ksef", [False, True])
async def test_vat_margin_takes_the_documented_procedures_and_other_text(
    http: Client, procedure: str, ksef: bool
) -> None:
    created = await _created(http, ksef, kind="vat_margin", procedure_vat_margin=procedure)
    assert created["gov_status"] == ("processing" if ksef else None)
    read = await (await _get(http, created["id"])).json()
    assert read["kind"] == "vat_margin"
    assert read["procedure_vat_margin"] == procedure
    assert read["procedure_vat_margin"].encode() == procedure.encode()


def test_three_documented_procedures_hold_an_en_dash() -> None:
    assert [("\u2013" in procedure) for procedure in PROCEDURES] == [False, True, True, True]


async def test_other_kinds_need_no_procedure(http: Client) -> None:
    for kind in ("vat", "proforma", "vat_mp"):
        assert (await _created(http, ksef=False, kind=kind))["kind"] == kind


async def test_an_update_to_vat_margin_or_clearing_its_procedure_is_refused(
    http: Client,
) -> None:
    vat = await _created(http, ksef=False)
    url = f"/invoices/{vat['id']}.json"
    refused = await http.put(url, json={"invoice": {"kind": "vat_margin"}}, headers=AUTH)
    assert refused.status == 422
    assert await refused.json() == NO_PROCEDURE
    assert (await (await _get(http, vat["id"])).json())["kind"] == "vat"
    change = {"kind": "vat_margin", "procedure_vat_margin": PROCEDURES[1]}
    taken = await http.patch(url, json={"invoice": change}, headers=AUTH)
    assert taken.status == 200, await taken.text()
    assert (await taken.json())["procedure_vat_margin"] == PROCEDURES[1]
    renamed = await http.put(url, json={"invoice": {"buyer_name": "Inny SA"}}, headers=AUTH)
    assert renamed.status == 200  # the stored procedure still holds
    for blank in ("", None, " "):
        cleared = await http.put(
            url, json={"invoice": {"procedure_vat_margin": blank}}, headers=AUTH
        )
        assert cleared.status == 422
        assert await cleared.json() == NO_PROCEDURE
    read = await (await _get(http, vat["id"])).json()
    assert (read["procedure_vat_margin"], read["buyer_name"]) == (PROCEDURES[1], "Inny SA")


async def test_a_copy_keeps_the_procedure_or_is_refused_without_one(http: Client) -> None:
    margin = await _created(http, ksef=False, kind="vat_margin", procedure_vat_margin=PROCEDURES[3])
    copied = await http.post(
        "/invoices.json", json={"invoice": {"copy_invoice_from": margin["id"]}}, headers=AUTH
    )
    assert copied.status == 201, await copied.text()
    body = await copied.json()
    assert (body["kind"], body["procedure_vat_margin"]) == ("vat_margin", PROCEDURES[3])
    proforma = await _created(http, ksef=False, kind="proforma")
    into_margin = {"copy_invoice_from": proforma["id"], "kind": "vat_margin"}
    refused = await http.post("/invoices.json", json={"invoice": into_margin}, headers=AUTH)
    assert refused.status == 422
    assert await refused.json() == NO_PROCEDURE


@pytest.mark.parametrize(
    "fields",
    [
        # The column is not shown: what a position holds there goes nowhere.
        {"positions": [_position(additional_info="1" * 60)]},
        {
            "additional_info": "0",
            "additional_info_desc": "GTIN",
            "positions": [_position(additional_info="1" * 60)],
        },
        # A header spec 9.4 gives no limit.
        {
            "additional_info": "1",
            "additional_info_desc": "Nr seryjny",
            "positions": [_position(additional_info="1" * 60)],
        },
    ],
)
async def test_additional_info_has_no_limit_where_the_spec_gives_none(
    http: Client, fields: dict[str, Any]
) -> None:
    created = await _created(http, **fields)
    assert created["gov_status"] == "processing"
