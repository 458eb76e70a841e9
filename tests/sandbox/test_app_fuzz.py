"""No request makes the sandbox answer 500: hypothesis throws random requests at the app.

Random methods, paths (known routes, random segments and suffixes, random query strings) and
bodies (random bytes, random JSON, XML fragments, and invoice/client-shaped documents whose
fields hold values of every JSON type) go through aiohttp's TestClient to an app holding an
invoice and a client, so member routes and updates are reached too. Every answer must be
below 500, every error answer a JSON body, and no request may reach the catch-all that
turns an unexpected exception into a logged 400.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invoceanio.sandbox import FaultConfig, create_app
from invoceanio.sandbox.faults import FaultEngine

TOKEN = "fuzz-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["", "0", "1", "-1", "yes", "zw", "23", "2026-11-22", "1,5", "1e400"])
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
_POSITION_KEYS = st.sampled_from(
    [
        "id",
        "_destroy",
        "name",
        "tax",
        "quantity",
        "price_net",
        "price_gross",
        "total_price_gross",
        "total_price_net",
        "discount_percent",
        "discount",
        "kind",
        "product_id",
    ]
)
_POSITION = st.dictionaries(_POSITION_KEYS, _JSON, max_size=5)
_INVOICE_KEYS = st.sampled_from(
    [
        "buyer_name",
        "client_id",
        "issue_date",
        "sell_date",
        "kind",
        "number",
        "oid",
        "oid_unique",
        "payment_to_kind",
        "payment_to",
        "income",
        "show_discount",
        "discount_kind",
        "paid",
        "buyer_company",
        "buyer_override",
        "settlement_positions",
        "name",
        "company",
        "cancel_invoice_id",
        "cancel_reason",
        "api_token",
    ]
)
_DOCUMENT = st.dictionaries(_INVOICE_KEYS, _JSON, max_size=6).flatmap(
    lambda fields: (
        st.lists(_POSITION | _JSON, max_size=3).map(
            lambda positions: {**fields, "positions": positions}
        )
        | st.just(fields)
    )
)
_BODY = st.one_of(
    st.binary(max_size=200),
    _JSON.map(lambda value: json.dumps(value).encode()),
    st.sampled_from(["invoice", "client", "x"]).flatmap(
        lambda root: _DOCUMENT.map(lambda doc: json.dumps({root: doc, "api_token": TOKEN}).encode())
    ),
    _DOCUMENT.map(lambda doc: json.dumps(doc).encode()),
    st.sampled_from(
        [
            b'<invoice><positions type="array"><position><tax>x</tax></position>'
            b"</positions></invoice>",
            b'<invoice><client_id type="integer">abc</client_id></invoice>',
            b"<client/>",
            b'<?xml version="1.0"?><invoice>',
            b"<!DOCTYPE x><invoice/>",
            b'<invoices type="array"><invoice/></invoices>',
        ]
    ),
    st.just(b""),
)
_BASES = st.sampled_from(
    [
        "/invoices",
        "/invoices/1",
        "/invoices/2",
        "/invoices/cancel",
        "/invoices/1/send_by_email",
        "/invoices/1/change_status",
        "/clients",
        "/clients/1",
        "/__sandbox__/records/invoices",
        "/__sandbox__/counts",
        "/__sandbox__/faults",
        "/",
        "/invoices/99999999999999999999",
    ]
)
_SUFFIX = st.sampled_from([".json", ".xml", ".pdf", "", ".html", ".JSON"]) | st.text(
    max_size=6
).map(lambda text: quote(text, safe=""))
_QUERY = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "page",
                "per_page",
                "period",
                "date_from",
                "date_to",
                "client_id",
                "income",
                "kinds[]",
                "order",
                "include_positions",
                "oid",
                "email_to",
                "email_cc",
                "status",
                "print_option",
                "invoice_ids",
                "name",
                "additional_fields[invoice]",
            ]
        ),
        _SCALARS.map(lambda value: "" if value is None else str(value)),
    ),
    max_size=4,
)

_RANDOM = st.tuples(
    st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"]),
    st.tuples(_BASES, _SUFFIX).map("".join),
    _BODY,
)
# Well-formed requests to real routes with random documents: these reach the handlers' logic.
_COHERENT = st.sampled_from(
    [
        ("POST", "/invoices.json", "invoice"),
        ("PUT", "/invoices/1.json", "invoice"),
        ("PATCH", "/invoices/1.json", "invoice"),
        ("POST", "/clients.json", "client"),
        ("PUT", "/clients/1.json", "client"),
    ]
).flatmap(
    lambda route: _DOCUMENT.map(
        lambda doc: (route[0], route[1], json.dumps({route[2]: doc}).encode())
    )
)
_CANCEL = _DOCUMENT.map(lambda doc: ("POST", "/invoices/cancel.json", json.dumps(doc).encode()))
_COHERENT = _COHERENT | _CANCEL


def test_random_requests_never_get_a_500(caplog: pytest.LogCaptureFixture) -> None:
    engine = FaultEngine(FaultConfig(seed=1))
    loop = asyncio.new_event_loop()

    async def start() -> TestClient[Any, Any]:
        client: TestClient[Any, Any] = TestClient(
            TestServer(create_app(token=TOKEN, faults=engine, max_body_size=2048))
        )
        await client.start_server()
        seed = {
            "invoice": {
                "buyer_name": "Seed",
                "buyer_email": "s@example.com",
                "positions": [{"name": "A", "tax": 23, "total_price_gross": 10}],
            }
        }
        assert (await client.post("/invoices.json", json=seed, headers=AUTH)).status == 201
        return client

    client = loop.run_until_complete(start())

    async def send(method: str, path: str, body: bytes, authorized: bool) -> tuple[int, str, bytes]:
        response = await client.request(
            method, path, data=body or None, headers=AUTH if authorized else {}
        )
        return response.status, response.content_type, await response.read()

    @settings(
        max_examples=400,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        call=st.one_of(_COHERENT, _RANDOM),
        query=_QUERY,
        authorized=st.booleans() | st.just(True),
    )
    def check(call: tuple[str, str, bytes], query: list[tuple[str, str]], authorized: bool) -> None:
        method, path, body = call
        search = "&".join(f"{quote(k)}={quote(v)}" for k, v in query)
        path += f"?{search}" if search else ""
        status, content_type, raw = loop.run_until_complete(send(method, path, body, authorized))
        engine.reconfigure(FaultConfig(seed=1))  # a fuzzed PUT /__sandbox__/faults must not stick
        assert status < 500, (method, path, body, raw[:300])
        if status >= 400:
            assert content_type == "application/json", (method, path, raw[:200])
            assert json.loads(raw)["code"] == "error"

    try:
        with caplog.at_level(logging.ERROR, logger="invoceanio.sandbox"):
            check()
        # The catch-all turns a crash into a 400, so a logged crash is a bug the fuzz found.
        assert [r.getMessage() for r in caplog.records if r.name == "invoceanio.sandbox"] == []
    finally:
        loop.run_until_complete(client.close())
        loop.close()
