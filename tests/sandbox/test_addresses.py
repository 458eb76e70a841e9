"""``POST /addresses.json``, a client's delivery addresses ([FR] spec 4.3), over HTTP.

Proves: a create answers 201 with the stored address as a bare object (every documented field,
a new ``id``, ``created_at``/``updated_at``), ``kind`` defaults to ``delivery`` and ``primary``
to false and takes the usual flag spellings; every wrong field is a 422 naming it (several at
once), a body without ``address`` a 400, and nothing is stored then; a new primary address of a
client makes its earlier primary one not primary, and leaves other clients' alone; the
addresses are listed by ``records/addresses`` and forgotten by ``reset``; the call needs the
token, is JSON only and takes the create faults. A hypothesis test throws random documents at
it and asserts no crash.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invoceanio.sandbox import FaultConfig
from invoceanio.sandbox.faults import FaultEngine
from invoceanio.sandbox.store import Store
from tests.sandbox.serving import fuzzed, served

TOKEN = "addresses-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
Client = TestClient[Any, Any]
KEYS = [
    "id",
    "name",
    "kind",
    "addressable_type",
    "addressable_id",
    "street",
    "street_additional",
    "city",
    "post_code",
    "country",
    "primary",
    "created_at",
    "updated_at",
]


@pytest.fixture
async def engine() -> FaultEngine:
    return FaultEngine(FaultConfig(seed=3))


@pytest.fixture
async def http(engine: FaultEngine) -> AsyncIterator[Client]:
    async with served(token=TOKEN, store=Store(), faults=engine) as client:
        yield client


async def _json(http: Client, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
    response = await http.request(method, path, **kwargs)
    assert response.status == status, await response.text()
    assert response.content_type == "application/json"
    return await response.json()


async def _client(http: Client, name: str = "Acme") -> Any:
    body = {"client": {"name": name}}
    return await _json(http, "POST", "/clients.json", 201, json=body, headers=AUTH)


async def _address(http: Client, status: int = 201, **fields: Any) -> Any:
    body = {"address": fields}
    return await _json(http, "POST", "/addresses.json", status, json=body, headers=AUTH)


def _owned(client: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A valid address of ``client``, with ``fields`` changed."""
    owner = {"addressable_type": "Client", "addressable_id": client["id"]}
    return {"name": "Warehouse", **owner, **fields}


async def _records(http: Client) -> Any:
    return await _json(http, "GET", "/__sandbox__/records/addresses")


def _error(field: str, message: str) -> dict[str, Any]:
    return {"code": "error", "message": {field: [message]}}


async def test_a_create_answers_the_stored_address(http: Client) -> None:
    client = await _client(http)
    fields = {
        "name": "Main warehouse",
        "kind": "delivery",
        "addressable_type": "Client",
        "addressable_id": client["id"],
        "street": "Magazynowa 1",
        "street_additional": "Gate 3",
        "city": "Warszawa",
        "post_code": "00-001",
        "country": "PL",
        "primary": True,
    }
    created = await _address(http, **fields)
    assert list(created) == KEYS
    stamp = created.pop("created_at")
    assert created.pop("updated_at") == stamp
    assert datetime.fromisoformat(stamp).tzinfo is not None
    assert created == {"id": 1, **fields}
    assert await _records(http) == [{**created, "created_at": stamp, "updated_at": stamp}]
    # A new id for the next one; ids count per collection.
    assert (await _address(http, **_owned(client)))["id"] == 2


async def test_only_the_required_fields_and_the_defaults(http: Client) -> None:
    client = await _client(http)
    created = await _address(
        http, name="Shop", addressable_type="Client", addressable_id=client["id"]
    )
    for stamp in ("created_at", "updated_at"):
        assert isinstance(created.pop(stamp), str)
    assert created == {
        "id": 1,
        "name": "Shop",
        "kind": "delivery",
        "addressable_type": "Client",
        "addressable_id": client["id"],
        "street": None,
        "street_additional": None,
        "city": None,
        "post_code": None,
        "country": None,
        "primary": False,
    }
    # Ids as numeric text, a post code as a number, a blank kind, unknown keys dropped.
    loose = await _address(
        http,
        **_owned(client, addressable_id=str(client["id"]), post_code=1234, kind="", x="y", id=77),
    )
    assert loose["id"] == 2 and loose["addressable_id"] == client["id"]
    assert loose["post_code"] == "1234" and loose["kind"] == "delivery" and "x" not in loose


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (True, True),
        ("true", True),
        ("1", True),
        (1, True),
        ("yes", True),
        ("YES", True),
        (False, False),
        ("false", False),
        ("0", False),
        (0, False),
        ("no", False),
        (None, False),
    ],
)
async def test_primary_takes_the_usual_flag_spellings(
    http: Client, given: Any, expected: bool
) -> None:
    client = await _client(http)
    created = await _address(http, **_owned(client, primary=given))
    assert created["primary"] is expected
    assert [record["primary"] for record in await _records(http)] == [expected]


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"name": None}, _error("name", "can't be blank")),
        ({"name": ""}, _error("name", "can't be blank")),
        ({"name": "   "}, _error("name", "can't be blank")),
        ({"name": ["a"]}, _error("name", "is invalid")),
        ({"name": True}, _error("name", "is invalid")),
        (
            {"addressable_type": "Product"},
            _error("addressable_type", "is not included in the list"),
        ),
        ({"addressable_type": "client"}, _error("addressable_type", "is not included in the list")),
        ({"addressable_type": None}, _error("addressable_type", "can't be blank")),
        ({"addressable_id": 999}, _error("addressable_id", "does not exist")),
        ({"addressable_id": "abc"}, _error("addressable_id", "is not a number")),
        ({"addressable_id": None}, _error("addressable_id", "can't be blank")),
        ({"kind": "billing"}, _error("kind", "is not included in the list")),
        ({"kind": "Delivery"}, _error("kind", "is not included in the list")),
        ({"primary": "maybe"}, _error("primary", "is not a flag")),
        ({"primary": 2}, _error("primary", "is not a flag")),
        ({"city": {"a": 1}}, _error("city", "is invalid")),
    ],
)
async def test_a_wrong_field_is_a_422_naming_it(
    http: Client, changes: dict[str, Any], error: dict[str, Any]
) -> None:
    client = await _client(http)
    fields = {key: value for key, value in _owned(client).items() if key not in changes}
    fields.update({key: value for key, value in changes.items() if value is not None})
    assert await _address(http, 422, **fields) == error
    assert await _records(http) == []


async def test_every_wrong_field_is_named_at_once(http: Client) -> None:
    await _client(http)
    answer = await _address(
        http, 422, name=" ", kind="billing", addressable_type="Invoice", addressable_id=42
    )
    assert answer == {
        "code": "error",
        "message": {
            "name": ["can't be blank"],
            "kind": ["is not included in the list"],
            "addressable_type": ["is not included in the list"],
            "addressable_id": ["does not exist"],
        },
    }
    assert await _address(http, 422) == {
        "code": "error",
        "message": {
            "name": ["can't be blank"],
            "addressable_type": ["can't be blank"],
            "addressable_id": ["can't be blank"],
        },
    }
    assert await _records(http) == []


async def test_a_body_without_an_address_is_a_400(http: Client) -> None:
    await _client(http)
    for body in (b'{"client": {"name": "x"}}', b'{"address": "x"}', b"{oops", b"[]"):
        response = await http.post("/addresses.json", data=body, headers=AUTH)
        assert response.status == 400, body
        assert (await response.json())["code"] == "error"
    assert await _records(http) == []


async def test_a_new_primary_address_demotes_the_clients_earlier_one(http: Client) -> None:
    acme, other = await _client(http, "Acme"), await _client(http, "Other")
    first = await _address(http, **_owned(acme, name="First", primary=True))
    elsewhere = await _address(http, **_owned(other, name="Elsewhere", primary=True))
    plain = await _address(http, **_owned(acme, name="Plain", primary=False))

    def primaries(records: list[dict[str, Any]]) -> dict[str, bool]:
        return {record["name"]: record["primary"] for record in records}

    # A non-primary address changes nothing.
    assert primaries(await _records(http)) == {"First": True, "Elsewhere": True, "Plain": False}
    second = await _address(http, **_owned(acme, name="Second", primary="1"))
    assert second["primary"] is True
    records = await _records(http)
    assert primaries(records) == {
        "First": False,
        "Elsewhere": True,
        "Plain": False,
        "Second": True,
    }
    demoted = records[0]
    assert demoted["id"] == first["id"] and demoted["created_at"] == first["created_at"]
    assert demoted["updated_at"] >= first["updated_at"]
    assert {
        key: value for key, value in demoted.items() if key not in ("primary", "updated_at")
    } == {key: value for key, value in first.items() if key not in ("primary", "updated_at")}
    assert records[1] == elsewhere and records[2] == plain
    third = await _address(http, **_owned(acme, name="Third", primary="yes"))
    assert primaries(await _records(http)) == {
        "First": False,
        "Elsewhere": True,
        "Plain": False,
        "Second": False,
        "Third": True,
    }
    assert third["id"] == 5
    # A refused primary address demotes nothing.
    await _address(http, 422, **_owned(acme, name="", primary=True))
    assert primaries(await _records(http))["Third"] is True


async def test_reset_forgets_the_addresses(http: Client) -> None:
    client = await _client(http)
    await _address(http, **_owned(client, primary=True))
    counts = await _json(http, "GET", "/__sandbox__/counts")
    assert counts["addresses"] == 1
    after = await _json(http, "POST", "/__sandbox__/reset")
    assert after["addresses"] == 0
    assert await _records(http) == []
    again = await _client(http)
    assert (await _address(http, **_owned(again)))["id"] == 1


async def test_the_create_is_authenticated_json_only_and_takes_create_faults(
    http: Client, engine: FaultEngine
) -> None:
    client = await _client(http)
    body = {"address": _owned(client)}
    unauthorized = await http.post("/addresses.json", json=body)
    assert unauthorized.status == 401 and (await unauthorized.json())["code"] == "error"
    beside = await _json(http, "POST", "/addresses.json", 201, json={**body, "api_token": TOKEN})
    assert beside["name"] == "Warehouse"
    xml = await http.post(
        "/addresses.xml",
        data=b"<address><name>X</name></address>",
        headers={**AUTH, "Content-Type": "application/xml"},
    )
    assert xml.status == 404
    assert await xml.json() == {"code": "error", "message": "Not Found"}
    assert (await http.get("/addresses.json", headers=AUTH)).status == 405
    # The route is a create: the create-only drop fault applies to it, after the store.
    engine.reconfigure(FaultConfig(seed=3, drop_after_store_rate=1.0))
    with pytest.raises(aiohttp.ClientError):
        await http.post("/addresses.json", json=body, headers=AUTH)
    engine.reconfigure(FaultConfig(seed=3))
    assert (await _json(http, "GET", "/__sandbox__/stats"))["drop_after_store"] == 1
    assert [record["id"] for record in await _records(http)] == [1, 2]


_VALUES = (
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False)
    | st.text(max_size=8)
    | st.sampled_from(["", "1", "Client", "delivery", "yes", "0"])
    | st.lists(st.integers(), max_size=2)
    | st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)
)
_FIELDS = st.sampled_from(
    [*KEYS, "x", "api_token"],
)


def test_random_addresses_never_crash(caplog: pytest.LogCaptureFixture) -> None:
    with fuzzed(caplog, token=TOKEN) as (loop, client):
        loop.run_until_complete(_client(client))

        async def send(body: bytes) -> tuple[int, str, bytes]:
            response = await client.post("/addresses.json", data=body, headers=AUTH)
            return response.status, response.content_type, await response.read()

        @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(
            document=st.dictionaries(_FIELDS, _VALUES, max_size=6) | _VALUES,
            wrapped=st.booleans() | st.just(True),
        )
        def check(document: Any, wrapped: bool) -> None:
            raw = json.dumps({"address": document} if wrapped else document).encode()
            status, content_type, answer = loop.run_until_complete(send(raw))
            assert status in (201, 400, 422), (raw, answer[:200])
            assert content_type == "application/json"
            if status == 201:
                assert list(json.loads(answer)) == KEYS
            else:
                assert json.loads(answer)["code"] == "error"

        check()
