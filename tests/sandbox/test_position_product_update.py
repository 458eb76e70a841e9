"""An update naming a product on a stored position checks it as a create does.

A change that prices nothing (only ``product_id``) leaves the position's prices as stored, and
the sandbox used to skip its product then: an unknown ``product_id`` got a 200 and was stored,
while a create answers 422 ``positions.product_id: does not exist``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from invoceanio.sandbox import Sandbox

POSITION = {"name": "P", "tax": "23", "total_price_gross": "10", "quantity": "1"}
UNKNOWN = {"code": "error", "message": {"positions.product_id": ["does not exist"]}}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with Sandbox(token="position-product-token") as sandbox:
        headers = {"Authorization": f"Bearer {sandbox.token}"}
        async with aiohttp.ClientSession(base_url=sandbox.url, headers=headers) as session:
            yield session


async def _invoice(http: aiohttp.ClientSession, position: dict[str, Any]) -> dict[str, Any]:
    body = {"invoice": {"kind": "vat", "buyer_name": "A", "positions": [position]}}
    async with http.post("/invoices.json", json=body) as response:
        assert response.status == 201, await response.text()
        created: dict[str, Any] = await response.json()
        return created


async def test_an_unknown_product_is_refused_on_create_and_on_update(
    http: aiohttp.ClientSession,
) -> None:
    body = {"invoice": {"kind": "vat", "buyer_name": "A", "positions": [{"product_id": 99}]}}
    async with http.post("/invoices.json", json=body) as response:
        assert (response.status, await response.json()) == (422, UNKNOWN)
    created = await _invoice(http, POSITION)
    url = f"/invoices/{created['id']}.json"
    async with http.get(url) as response:
        stored = await response.json()
    change = {"positions": [{"id": created["positions"][0]["id"], "product_id": 99}]}
    async with http.put(url, json={"invoice": change}) as response:
        assert (response.status, await response.json()) == (422, UNKNOWN)
    async with http.get(url) as response:
        assert await response.json() == stored


async def test_a_known_product_is_linked_and_the_prices_kept(http: aiohttp.ClientSession) -> None:
    product = {"product": {"name": "Cable", "code": "C-1", "price_net": "5", "tax": "23"}}
    async with http.post("/products.json", json=product) as response:
        product_id = (await response.json())["id"]
    created = await _invoice(http, POSITION)
    position = created["positions"][0]
    change = {"positions": [{"id": position["id"], "product_id": product_id}]}
    async with http.put(f"/invoices/{created['id']}.json", json={"invoice": change}) as response:
        assert response.status == 200
        (updated,) = (await response.json())["positions"]
    assert updated["product_id"] == product_id
    assert updated["code"] == "C-1"  # filled where the position had none, as on a create
    assert updated["name"] == "P"  # the position's own name wins
    for field in ("total_price_gross", "price_net", "price_gross", "quantity", "tax"):
        assert updated[field] == position[field]
