"""The sandbox holds an invoice's nested members to the limits the API documents (spec 6.5-6.7,
6.1), answering 422 in the API's error shape, and keeps its children as the API does.

Proves, over raw HTTP (the client refuses these before sending, so only a raw request reaches
the check): settlement positions (kind, amount, reason, 100 of each kind), descriptions
(10,000; kind 256, content 65,535, and KSeF's 256 at submission), a party's role_description
(25, only with "Rola inna"), calculating_strategy's keys and values, each at and past its
limit. And that an update edits, removes and appends children by ``id`` (Rails' nested
attributes), so an edit sends only what changes while the limits count the stored children
too; through the real client, what it accepts the sandbox takes and reads back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invoceanio import ConfigurationError
from invoceanio.models import InvoiceDraft, RecipientRole, SettlementKind, SettlementPositionDraft
from invoceanio.sandbox import Sandbox
from invoceanio.sandbox.store import Store
from tests.sandbox.serving import fuzzed, served
from tests.support import sandbox_client

TOKEN = "limits-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
Client = TestClient[Any, Any]
OTHER = "Rola inna"


@pytest.fixture
async def store() -> Store:
    return Store()


@pytest.fixture
async def http(store: Store) -> AsyncIterator[Client]:
    async with served(token=TOKEN, store=store) as client:
        yield client


def _invoice(**fields: Any) -> dict[str, Any]:
    return {
        "buyer_name": "Nabywca SA",
        "positions": [{"name": "A", "tax": 23, "quantity": 1, "price_net": "100"}],
        **fields,
    }


def _charge(amount: Any = "10.00", reason: str = "Transport", kind: str = "charge") -> Any:
    return {"kind": kind, "amount": amount, "reason": reason}


async def _post(http: Client, body: dict[str, Any]) -> Any:
    return await http.post("/invoices.json", json=body, headers=AUTH)


async def _created(http: Client, **fields: Any) -> dict[str, Any]:
    response = await _post(http, {"invoice": _invoice(**fields)})
    assert response.status == 201, await response.text()
    created: dict[str, Any] = await response.json()
    return created


async def _refused(http: Client, **fields: Any) -> Any:
    response = await _post(http, {"invoice": _invoice(**fields)})
    assert response.status == 422, await response.text()
    body = await response.json()
    assert body["code"] == "error"
    return body["message"]


async def _put(http: Client, invoice_id: int, **fields: Any) -> Any:
    return await http.put(f"/invoices/{invoice_id}.json", json={"invoice": fields}, headers=AUTH)


async def _updated(http: Client, invoice_id: int, **fields: Any) -> dict[str, Any]:
    response = await _put(http, invoice_id, **fields)
    assert response.status == 200, await response.text()
    updated: dict[str, Any] = await response.json()
    return updated


async def _update_refused(http: Client, invoice_id: int, **fields: Any) -> Any:
    response = await _put(http, invoice_id, **fields)
    assert response.status == 422, await response.text()
    return (await response.json())["message"]


# --- settlement_positions (spec 6.7) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("settlement", "errors"),
    [
        ({"amount": "1", "reason": "r"}, {"settlement_positions.kind": ["can't be blank"]}),
        (_charge(kind="fee"), {"settlement_positions.kind": ["is not included in the list"]}),
        (_charge(amount="0"), {"settlement_positions.amount": ["must be greater than 0"]}),
        (
            _charge(amount="9999999.991"),
            {"settlement_positions.amount": ["must be less than or equal to 9999999.99"]},
        ),
        (
            _charge(amount="1.234"),
            {"settlement_positions.amount": ["must have at most 2 decimal places"]},
        ),
        (_charge(reason=" "), {"settlement_positions.reason": ["can't be blank"]}),
        (
            _charge(reason="r" * 257),
            {"settlement_positions.reason": ["is too long (maximum is 256 characters)"]},
        ),
    ],
)
async def test_an_invalid_settlement_position_is_a_422(
    http: Client, store: Store, settlement: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    assert await _refused(http, settlement_positions=[_charge(), settlement]) == errors
    assert store.counts()["invoices"] == 0


async def test_settlement_positions_at_their_limits_are_taken_with_ids_of_their_own(
    http: Client,
) -> None:
    limits = [_charge("9999999.99", "r" * 256)] * 100 + [
        _charge("0,01", "d", kind="deduction")
    ] * 100
    created = await _created(http, settlement_positions=limits)
    settlements = created["settlement_positions"]
    assert len(settlements) == 200
    assert settlements[0]["amount"] == "9999999.99" and settlements[-1]["amount"] == "0.01"
    assert len({entry["id"] for entry in settlements}) == 200
    assert all(isinstance(entry["id"], int) for entry in settlements)
    assert await _refused(http, settlement_positions=[*limits, _charge()]) == {
        "settlement_positions.kind": ["at most 100 of each kind"]
    }


async def test_an_update_edits_removes_and_appends_settlement_positions_by_id(
    http: Client,
) -> None:
    created = await _created(
        http, settlement_positions=[_charge(), _charge("5", "Deposit", "deduction")]
    )
    first, second = (entry["id"] for entry in created["settlement_positions"])
    # An edit sends only what changes: kind and reason stay as stored.
    edited = await _updated(
        http, created["id"], settlement_positions=[{"id": first, "amount": "20,50"}]
    )
    assert [
        (s["id"], s["kind"], s["amount"], s["reason"]) for s in edited["settlement_positions"]
    ] == [
        (first, "charge", "20.50", "Transport"),
        (second, "deduction", "5.00", "Deposit"),
    ]
    removed = await _updated(
        http,
        created["id"],
        settlement_positions=[{"id": second, "_destroy": 1}, _charge("1", "Packing")],
    )
    assert [(s["id"] == first, s["reason"]) for s in removed["settlement_positions"]] == [
        (True, "Transport"),
        (False, "Packing"),
    ]
    # An update that leaves them out keeps them.
    kept = await _updated(http, created["id"], buyer_name="Inny")
    assert kept["settlement_positions"] == removed["settlement_positions"]


async def test_an_update_is_held_to_the_limits_of_the_children_as_merged(http: Client) -> None:
    created = await _created(http, settlement_positions=[_charge()] * 100)
    invoice_id, first = created["id"], created["settlement_positions"][0]["id"]
    # The 101st charge is refused although the request holds one: the stored ones count.
    assert await _update_refused(http, invoice_id, settlement_positions=[_charge()]) == {
        "settlement_positions.kind": ["at most 100 of each kind"]
    }
    # An edit that clears a required member is refused; one stored child named wrongly too.
    assert await _update_refused(
        http, invoice_id, settlement_positions=[{"id": first, "reason": ""}]
    ) == {"settlement_positions.reason": ["can't be blank"]}
    unknown = await _update_refused(http, invoice_id, settlement_positions=[{"id": 999_999}])
    assert list(unknown) == ["settlement_positions.id"]
    # Removing one makes room for another.
    swapped = await _updated(
        http, invoice_id, settlement_positions=[{"id": first, "_destroy": "1"}, _charge()]
    )
    assert len(swapped["settlement_positions"]) == 100


# --- descriptions (spec 6.6) --------------------------------------------------------------------


async def test_ten_thousand_descriptions_are_taken_and_one_more_is_a_422(
    http: Client, store: Store
) -> None:
    notes = [{"kind": "Uwaga", "content": f"n{index}"} for index in range(10_000)]
    # An entry with nothing in it is ignored, so it does not count.
    created = await _created(http, descriptions=[*notes, {"kind": " ", "content": ""}])
    assert len(created["descriptions"]) == 10_000
    more = [*notes, {"content": "one too many"}]
    assert await _refused(http, descriptions=more) == {
        "descriptions": ["too many (maximum is 10000)"]
    }
    assert await _update_refused(http, created["id"], descriptions=[{"content": "x"}]) == {
        "descriptions": ["too many (maximum is 10000)"]
    }
    assert store.counts()["invoices"] == 1


@pytest.mark.parametrize(
    ("at_the_limit", "past_it", "field", "limit"),
    [
        ({"kind": "k" * 256, "content": "c"}, {"kind": "k" * 257, "content": "c"}, "kind", 256),
        ({"content": "c" * 65_535}, {"content": "c" * 65_536}, "content", 65_535),
    ],
)
async def test_description_lengths_at_and_past_the_limit(
    http: Client, at_the_limit: dict[str, str], past_it: dict[str, str], field: str, limit: int
) -> None:
    # Values are stripped before they are measured (and stored).
    padded = {key: f"  {value} " for key, value in at_the_limit.items()}
    created = await _created(http, descriptions=[padded])
    assert created["descriptions"][0][field] == at_the_limit[field]
    assert await _refused(http, descriptions=[{"content": "ok"}, past_it]) == {
        f"descriptions.{field}": [f"is too long (maximum is {limit} characters)"]
    }
    # The Rails hash form is read the same way.
    assert await _refused(http, descriptions={"0": past_it}) == {
        f"descriptions.{field}": [f"is too long (maximum is {limit} characters)"]
    }


async def test_a_long_kind_sent_to_ksef_is_answered_by_ksef(http: Client) -> None:
    invoice = _invoice(
        kind="vat",
        seller_name="Wystawca",
        seller_tax_no="5252445767",
        buyer_tax_no="6272616681",
        descriptions=[{"kind": "k" * 257, "content": "c"}],
    )
    response = await _post(http, {"invoice": invoice, "gov_save_and_send": True})
    assert response.status == 422
    assert (await response.json())["message"] == {
        "descriptions.kind": ["- pole jest za długie (maksymalna ilość znaków: 256)"]
    }


async def test_an_update_edits_and_deletes_descriptions_by_id(http: Client) -> None:
    created = await _created(http, descriptions=[{"content": "Pierwsza"}, {"content": "Druga"}])
    first, second = created["descriptions"]
    assert first["kind"] == "Uwaga"  # the default header
    edited = await _updated(
        http,
        created["id"],
        descriptions=[{"id": first["id"], "content": " Zmieniona "}, {"kind": "", "content": ""}],
    )
    assert [(d["id"], d["content"]) for d in edited["descriptions"]] == [
        (first["id"], "Zmieniona"),
        (second["id"], "Druga"),
    ]
    # A stored note left with nothing in it is deleted.
    emptied = await _updated(
        http, created["id"], descriptions=[{"id": second["id"], "kind": "", "content": " "}]
    )
    assert [d["id"] for d in emptied["descriptions"]] == [first["id"]]


# --- recipients and issuers (spec 6.5) ----------------------------------------------------------


@pytest.mark.parametrize("name", ["recipients", "issuers"])
async def test_role_description_at_and_past_25_characters(http: Client, name: str) -> None:
    party = {"name": "Firma", "role": OTHER}
    created = await _created(http, **{name: [{**party, "role_description": "d" * 25}]})
    assert created[name][0]["role_description"] == "d" * 25
    assert isinstance(created[name][0]["id"], int)
    assert await _refused(http, **{name: [{**party, "role_description": "d" * 26}]}) == {
        f"{name}.role_description": ["is too long (maximum is 25 characters)"]
    }


@pytest.mark.parametrize(
    ("name", "party"),
    [
        ("recipients", {"name": "Firma", "role": "Odbiorca"}),
        ("recipients", {"name": "Firma"}),  # the default role, "Odbiorca"
        ("issuers", {"name": "Firma", "role": "Faktor"}),
        ("issuers", {"name": "Firma"}),  # the default role, "Wystawca faktury"
    ],
)
async def test_role_description_with_another_role_is_a_422(
    http: Client, name: str, party: dict[str, Any]
) -> None:
    assert await _refused(http, **{name: [{**party, "role_description": "Opis"}]}) == {
        f"{name}.role_description": ["is allowed only with the role Rola inna"]
    }
    # Without one, any role is taken; a party without a role gets the default.
    created = await _created(http, **{name: [party]})
    assert created[name][0]["role"] == party.get(
        "role", {"recipients": "Odbiorca", "issuers": "Wystawca faktury"}[name]
    )


async def test_an_edit_of_a_party_is_checked_with_its_stored_role(http: Client) -> None:
    created = await _created(
        http, recipients=[{"name": "Firma", "role": OTHER, "role_description": "Opis"}]
    )
    party = created["recipients"][0]["id"]
    edited = await _updated(
        http, created["id"], recipients=[{"id": party, "role_description": "Nowy opis"}]
    )
    assert edited["recipients"][0]["role_description"] == "Nowy opis"
    assert await _update_refused(
        http, created["id"], recipients=[{"id": party, "role": "Pracownik"}]
    ) == {"recipients.role_description": ["is allowed only with the role Rola inna"]}


# --- calculating_strategy (spec 6.1) ------------------------------------------------------------


@pytest.mark.parametrize(
    "strategy",
    [
        {"position": "keep_gross", "sum": "keep_net", "invoice_form_price_kind": "gross"},
        {"position": "default", "sum": "sum", "invoice_form_price_kind": "net"},
        {"sum": "keep_gross"},  # partial: only [FR] asks for all three
    ],
)
async def test_a_documented_calculating_strategy_is_taken(
    http: Client, strategy: dict[str, str]
) -> None:
    created = await _created(http, calculating_strategy=strategy)
    assert created["calculating_strategy"] == strategy


@pytest.mark.parametrize(
    ("strategy", "errors"),
    [
        ({"position": "round"}, {"calculating_strategy.position": ["is not included in the list"]}),
        ({"sum": "net"}, {"calculating_strategy.sum": ["is not included in the list"]}),
        (
            {"invoice_form_price_kind": "Gross"},
            {"calculating_strategy.invoice_form_price_kind": ["is not included in the list"]},
        ),
        (
            {"postion": "default"},
            {"calculating_strategy": ["postion is not a calculating strategy setting"]},
        ),
        ("keep_gross", {"calculating_strategy": ["is invalid"]}),
    ],
)
async def test_an_undocumented_calculating_strategy_is_a_422(
    http: Client, strategy: Any, errors: dict[str, list[str]]
) -> None:
    assert await _refused(http, calculating_strategy=strategy) == errors


# --- through the client ---------------------------------------------------------------------------


async def test_what_the_client_accepts_the_sandbox_takes_and_what_it_refuses_is_never_sent() -> (
    None
):
    async with Sandbox(token="limits-client/acme") as sandbox, sandbox_client(sandbox) as io:
        draft = InvoiceDraft(
            buyer_name="Nabywca SA",
            positions=[{"name": "A", "tax": 23, "quantity": 1, "price_net": "100"}],
            settlement_positions=[
                SettlementPositionDraft(
                    kind=SettlementKind.CHARGE, amount=Decimal("9999999.99"), reason="r" * 256
                ),
                SettlementPositionDraft(kind="deduction", amount=Decimal("0.5"), reason="Zaliczka"),
            ],
            recipients=[
                {"name": "Firma", "role": RecipientRole.OTHER, "role_description": "d" * 25}
            ],
            calculating_strategy={"position": "keep_gross"},
        )
        invoice = await io.invoices.create(draft)
        assert invoice.id is not None
        charge, deduction = invoice.settlement_positions
        assert (charge.amount, deduction.amount) == (Decimal("9999999.99"), Decimal("0.50"))
        assert invoice.recipients[0].role_description == "d" * 25
        # An edit of one settlement position sends its id and the new amount only.
        edited = await io.invoices.update(
            invoice.id, {"settlement_positions": [{"id": deduction.id, "amount": "1,25"}]}
        )
        assert [(s.kind, s.amount, s.reason) for s in edited.settlement_positions] == [
            ("charge", Decimal("9999999.99"), "r" * 256),
            ("deduction", Decimal("1.25"), "Zaliczka"),
        ]
        # Written back whole, as read, it goes out and changes nothing.
        again = await io.invoices.update(invoice.id, edited)
        assert again.settlement_positions == edited.settlement_positions
        before = sandbox.store.counts()
        with pytest.raises(ConfigurationError, match=r"settlement_positions\[0\]\.amount"):
            await io.invoices.update(
                invoice.id, {"settlement_positions": [{"id": charge.id, "amount": "10000000"}]}
            )
        assert sandbox.store.counts() == before


# --- no request over the nested members crashes the app ---------------------------------------

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8)
    | st.sampled_from(["", "1", "0", "charge", "deduction", "1,5", OTHER, "keep_gross", "sum"])
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
_CHILD = st.dictionaries(
    st.sampled_from(
        ["id", "_destroy", "kind", "amount", "reason", "content", "role", "role_description"]
    ),
    _VALUES | st.integers(1, 4),
    max_size=5,
)
_MEMBER = st.sampled_from(
    ["settlement_positions", "descriptions", "recipients", "issuers", "calculating_strategy"]
)
_NESTED = st.dictionaries(
    _MEMBER,
    st.lists(_CHILD | _VALUES, max_size=3)
    | st.dictionaries(st.sampled_from(["0", "1", "x"]), _CHILD, max_size=2)
    | _VALUES,
    max_size=3,
)


def test_random_nested_members_never_crash_the_app(caplog: pytest.LogCaptureFixture) -> None:
    # One app for every example, as in test_app_fuzz: an update meets the children that the
    # creates and updates before it left.
    with fuzzed(caplog, token=TOKEN) as (loop, client):

        async def send(method: str, members: dict[str, Any]) -> None:
            path = "/invoices.json" if method == "POST" else "/invoices/1.json"
            body = {"invoice": _invoice(**members)}
            response = await client.request(method, path, json=body, headers=AUTH)
            assert response.status < 500, (members, await response.text())
            if response.status >= 400:
                assert (await response.json())["code"] == "error"

        children = {
            "settlement_positions": [_charge(), _charge("1", "d", "deduction")],
            "descriptions": [{"content": "Uwaga"}],
            "recipients": [{"name": "F", "role": OTHER, "role_description": "Opis"}],
            "issuers": [{"name": "I"}],
        }
        loop.run_until_complete(send("POST", children))

        @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(method=st.sampled_from(["POST", "PUT"]), members=_NESTED)
        def one(method: str, members: dict[str, Any]) -> None:
            loop.run_until_complete(send(method, members))

        one()
