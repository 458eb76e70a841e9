"""Every decimal field the sandbox stores is checked as a number.

Rails keeps these in decimal columns, which take no "NaN" or "abc". The sandbox used to store
such text as sent in the fields pricing does not read (``exchange_rate``, a position's
``discount`` without ``show_discount``, a product's ``weight``...). The SDK rightly refuses to
read a non-finite decimal, so the create answer and every later list of that collection failed
with DecodeError. Now each such value is a 422 naming the field, on create and on update.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest

from invoceanio import InvoiceOcean, RetryPolicy, ValidationError
from invoceanio.sandbox import Sandbox

BAD = ["NaN", "nan", "sNaN", "-NaN", "Infinity", "-inf", "inf", "abc"]
POSITION = {"name": "P", "tax": "23", "total_price_gross": "10", "quantity": "1"}


def _invoice(**fields: Any) -> dict[str, Any]:
    return {"invoice": {"kind": "vat", "buyer_name": "A", "positions": [dict(POSITION)], **fields}}


def _position(**fields: Any) -> dict[str, Any]:
    return _invoice(positions=[{**POSITION, **fields}])


Body = Callable[[str], dict[str, Any]]
#: (path, field the 422 names, the request body holding the value)
CREATES: list[tuple[str, str, Body]] = [
    *(
        ("invoices", name, lambda bad, name=name: _invoice(**{name: bad}))
        for name in (
            "exchange_rate",
            "exchange_currency_rate",
            "exchange_rate_den",
            "exchange_currency_rate_den",
            "exchange_difference",
            "adjust_invoice_price",
            "skonto_discount_value",
            "discount",
        )
    ),
    *(
        ("invoices", f"positions.{name}", lambda bad, name=name: _position(**{name: bad}))
        for name in (
            "discount",
            "discount_percent",
            "discount_net",
            "total_purchase_price",
            "vat_margin_total_price_net",
            "vat_margin_total_price_tax",
            "vat_margin_total_price_gross",
        )
    ),
    (
        "invoices",
        "positions.discount",
        lambda bad: _invoice(positions=[{"kind": "text_separator", "name": "T", "discount": bad}]),
    ),
    (
        "invoices",
        "recipients.participation",
        lambda bad: _invoice(recipients=[{"name": "R", "participation": bad}]),
    ),
    (
        "invoices",
        "issuers.participation",
        lambda bad: _invoice(issuers=[{"name": "I", "participation": bad}]),
    ),
    *(
        (
            "products",
            name,
            lambda bad, name=name: {"product": {"name": "X", "tax": "23", name: bad}},
        )
        for name in ("size", "size_width", "size_height", "weight")
    ),
    ("clients", "discount", lambda bad: {"client": {"name": "C", "discount": bad}}),
    (
        "departments",
        "cash_init_state",
        lambda bad: {"department": {"name": "D", "cash_init_state": bad}},
    ),
    ("issuers", "participation", lambda bad: {"issuer": {"name": "I", "participation": bad}}),
    ("recurrings", "quantity", lambda bad: {"recurring": {"name": "R", "quantity": bad}}),
]
# Fields that were refused already (by the pricing and resource number parsers): kept here so a
# change to those parsers cannot let a non-finite value through either.
ALREADY: list[tuple[str, str, Body]] = [
    ("invoices", "positions.quantity", lambda bad: _position(quantity=bad)),
    (
        "invoices",
        "positions.price_net",
        lambda bad: _position(total_price_gross=None, price_net=bad),
    ),
    ("invoices", "paid", lambda bad: _invoice(paid=bad)),
    (
        "products",
        "price_net",
        lambda bad: {"product": {"name": "X", "tax": "23", "price_net": bad}},
    ),
    ("banking/payments", "price", lambda bad: {"banking_payment": {"name": "p", "price": bad}}),
]


def _ids(cases: list[tuple[str, str, Body]]) -> list[str]:
    return [f"{path}:{field}" for path, field, _ in cases]


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(token="decimal-fields-token") as running:
        yield running


@pytest.fixture
async def http(sandbox: Sandbox) -> AsyncIterator[aiohttp.ClientSession]:
    headers = {"Authorization": f"Bearer {sandbox.token}"}
    async with aiohttp.ClientSession(base_url=sandbox.url, headers=headers) as session:
        yield session


async def _count(http: aiohttp.ClientSession, path: str) -> int:
    async with http.get(f"/{path}.json") as response:
        assert response.status == 200
        return len(await response.json())


@pytest.mark.parametrize("bad", BAD)
@pytest.mark.parametrize(("path", "field", "body"), CREATES + ALREADY, ids=_ids(CREATES + ALREADY))
async def test_a_non_number_is_a_422_naming_the_field(
    http: aiohttp.ClientSession, path: str, field: str, body: Body, bad: str
) -> None:
    before = await _count(http, path)
    async with http.post(f"/{path}.json", json=body(bad)) as response:
        assert response.status == 422
        assert await response.json() == {"code": "error", "message": {field: ["is not a number"]}}
    assert await _count(http, path) == before  # nothing stored


@pytest.mark.parametrize(("path", "field", "body"), CREATES, ids=_ids(CREATES))
async def test_a_number_is_still_taken_as_sent(
    http: aiohttp.ClientSession, path: str, field: str, body: Body
) -> None:
    async with http.post(f"/{path}.json", json=body("1.5")) as response:
        assert response.status == 201, await response.text()
        answer = await response.json()
    for part in field.split(".")[:-1]:
        answer = answer[part][-1]
    assert answer[field.split(".")[-1]] == "1.5"


async def test_an_update_is_checked_too(http: aiohttp.ClientSession) -> None:
    """Also a position an update does not price again (only a non-pricing field changes)."""
    async with http.post("/invoices.json", json=_invoice()) as response:
        assert response.status == 201
        created = await response.json()
    url = f"/invoices/{created['id']}.json"
    async with http.get(url) as response:
        stored = await response.json()
    position_id = created["positions"][0]["id"]
    changes = [
        ({"exchange_rate": "NaN"}, "exchange_rate"),
        ({"positions": [{"id": position_id, "total_purchase_price": "NaN"}]}, "positions."),
        ({"positions": [{"id": position_id, "discount": "Infinity"}]}, "positions."),
        ({"recipients": [{"name": "R", "participation": "-inf"}]}, "recipients."),
    ]
    for change, field in changes:
        async with http.put(url, json={"invoice": change}) as response:
            assert response.status == 422, change
            message = (await response.json())["message"]
            assert [key for key in message if key.startswith(field)], message
    async with http.get(url) as response:
        assert await response.json() == stored  # nothing changed


@pytest.mark.parametrize(
    ("path", "root", "field"),
    [("clients", "client", "discount"), ("products", "product", "weight")],
)
async def test_a_resource_update_is_checked_too(
    http: aiohttp.ClientSession, path: str, root: str, field: str
) -> None:
    async with http.post(f"/{path}.json", json={root: {"name": "N", "tax": "23"}}) as response:
        assert response.status == 201
        record_id = (await response.json())["id"]
    async with http.put(f"/{path}/{record_id}.json", json={root: {field: "NaN"}}) as response:
        assert response.status == 422
        assert (await response.json())["message"] == {field: ["is not a number"]}


async def _no_sleep(_: float) -> None:
    return None


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_the_sdk_gets_a_validation_error_and_can_still_list(
    sandbox: Sandbox, fmt: str
) -> None:
    """The reviewer's repro: the create used to answer 201 and every list to raise DecodeError."""
    async with InvoiceOcean(
        base_url=sandbox.url,
        api_token=sandbox.token,
        format=fmt,
        retry=RetryPolicy(sleep=_no_sleep),
        timeout=5,
    ) as io:
        with pytest.raises(ValidationError) as raised:
            await io.invoices.create(
                {"kind": "vat", "buyer_name": "A", "exchange_rate": "NaN", "positions": [POSITION]}
            )
        assert "exchange_rate" in str(raised.value)
        assert await io.invoices.list() == []
