"""The ``/__sandbox__/`` admin endpoints and the auth rules of the API middleware.

Proves the admin API needs no token and exposes counts, records, the outbox, reset, the fault
configuration (partial PUTs, 422 on bad settings) and statistics, while every API route takes
the token from the query, a JSON body beside the root key, Bearer or Basic, and nothing else.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from invoceanio.sandbox import FaultConfig, create_app
from invoceanio.sandbox.app import RESOURCES
from invoceanio.sandbox.faults import FaultEngine
from invoceanio.sandbox.store import Store

TOKEN = "admin-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
async def engine() -> FaultEngine:
    return FaultEngine(FaultConfig(seed=7))


@pytest.fixture
async def http(engine: FaultEngine) -> AsyncIterator[TestClient[Any, Any]]:
    client: TestClient[Any, Any] = TestClient(
        TestServer(create_app(token=TOKEN, store=Store(), faults=engine))
    )
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


async def _json(
    http: TestClient[Any, Any], method: str, path: str, status: int = 200, **kwargs: Any
) -> Any:
    response = await http.request(method, path, **kwargs)
    assert response.status == status, await response.text()
    return await response.json()


async def test_counts_records_outbox_and_reset(http: TestClient[Any, Any]) -> None:
    empty = dict.fromkeys((resource.COLLECTION for resource in RESOURCES), 0) | {"outbox": 0}
    assert await _json(http, "GET", "/__sandbox__/counts") == empty
    invoice = {"buyer_name": "A", "buyer_email": "a@example.com", "positions": []}
    created = await _json(
        http, "POST", "/invoices.json", 201, json={"invoice": invoice}, headers=AUTH
    )
    await http.post(f"/invoices/{created['id']}/send_by_email.json", headers=AUTH)
    counts = await _json(http, "GET", "/__sandbox__/counts")
    assert counts == empty | {"clients": 1, "invoices": 1, "outbox": 1}
    records = await _json(http, "GET", "/__sandbox__/records/invoices")
    assert [r["id"] for r in records] == [created["id"]]
    outbox = await _json(http, "GET", "/__sandbox__/outbox")
    assert outbox[0]["to"] == ["a@example.com"] and outbox[0]["invoice_id"] == created["id"]
    missing = await http.get("/__sandbox__/records/nothing")
    assert missing.status == 404 and (await missing.json())["code"] == "error"
    after = await _json(http, "POST", "/__sandbox__/reset")
    assert after == empty
    again = await _json(
        http, "POST", "/invoices.json", 201, json={"invoice": invoice}, headers=AUTH
    )
    assert again["id"] == 1 and again["number"] == created["number"]


async def test_faults_get_put_partial_and_invalid(
    http: TestClient[Any, Any], engine: FaultEngine
) -> None:
    config = await _json(http, "GET", "/__sandbox__/faults")
    assert config == FaultConfig(seed=7).to_mapping()
    changed = await _json(
        http, "PUT", "/__sandbox__/faults", json={"latency_ms": 0, "html_rate": 0.5}
    )
    assert changed["html_rate"] == 0.5 and changed["seed"] == 7
    assert engine.config.html_rate == 0.5
    round_trip = await _json(http, "PUT", "/__sandbox__/faults", json=changed)
    assert round_trip == changed
    for bad in ({"html_rate": 2}, {"nonsense": 1}, [1]):
        response = await http.put("/__sandbox__/faults", json=bad)
        assert response.status == 422, bad
        assert (await response.json())["code"] == "error"
    malformed = await http.put("/__sandbox__/faults", data=b"{oops")
    assert malformed.status == 400
    assert engine.config.html_rate == 0.5


async def test_stats_count_requests_and_the_seed(http: TestClient[Any, Any]) -> None:
    await http.get("/invoices.json", headers=AUTH)
    await http.get("/clients.json", headers=AUTH)
    stats = await _json(http, "GET", "/__sandbox__/stats")
    assert stats["requests"] == 2 and stats["seed"] == 7 and stats["html"] == 0


async def test_admin_endpoints_need_no_token_and_unknown_admin_path_is_404(
    http: TestClient[Any, Any],
) -> None:
    assert (await http.get("/__sandbox__/counts")).status == 200
    response = await http.get("/__sandbox__/nothing")
    assert response.status == 404 and (await response.json())["code"] == "error"


async def test_token_in_query_or_json_body_beside_the_root(http: TestClient[Any, Any]) -> None:
    assert (await http.get(f"/clients.json?api_token={TOKEN}")).status == 200
    body = {"api_token": TOKEN, "client": {"name": "Body Co"}}
    assert (await http.post("/clients.json", json=body)).status == 201
    inside = {"client": {"name": "X", "api_token": TOKEN}}
    assert (await http.post("/clients.json", json=inside)).status == 401


async def test_token_with_account_prefix_after_a_slash(http: TestClient[Any, Any]) -> None:
    assert (await http.get(f"/clients.json?api_token={TOKEN}/acme")).status == 200


@pytest.mark.parametrize(
    "header",
    [
        "Basic " + base64.b64encode(f"login:{TOKEN}".encode()).decode(),
        "Basic " + base64.b64encode(f"someone@example.com:{TOKEN}".encode()).decode(),
    ],
)
async def test_basic_auth_takes_the_password_as_token(
    http: TestClient[Any, Any], header: str
) -> None:
    assert (await http.get("/invoices.xml", headers={"Authorization": header})).status == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer nope"},
        {"Authorization": "Basic !!!notbase64"},
        {"Authorization": "Basic " + base64.b64encode(f"{TOKEN}:".encode()).decode()},
        {"Authorization": f"Token {TOKEN}"},
    ],
)
async def test_missing_or_wrong_credentials_are_401(
    http: TestClient[Any, Any], headers: dict[str, str]
) -> None:
    response = await http.get("/invoices.json", headers=headers)
    assert response.status == 401
    assert await response.json() == {
        "code": "error",
        "message": "You must be logged in to gain access to the site",
    }


async def test_method_not_allowed_is_405_json(http: TestClient[Any, Any]) -> None:
    response = await http.delete("/invoices.json", headers=AUTH)
    assert response.status == 405
    assert (await response.json())["code"] == "error"


def test_create_app_refuses_a_blank_token() -> None:
    with pytest.raises(ValueError):
        create_app(token="")
