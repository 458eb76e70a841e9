"""Every curl example of the seed documents works against the sandbox as written, host replaced.

The examples come from :mod:`tests.sandbox.curl_examples` (seeds 000, 001, 002). Each one is
replayed on a fresh sandbox holding a small *world* (a client with ``external_id`` 100, an
invoice with ``oid`` ``nr_zam``, and a product, department, category, warehouse, payment and
warehouse document wherever the sandbox serves those). The host is dropped; ``API_TOKEN``,
``#{api_token}`` and the password placeholders (``YOUR_PASSWORD``, ``your_secret_password``)
become the sandbox token (its login call accepts any login with the sandbox token as password);
the example ids (``100``, ``111``, ``222``, ``333``, ``444``, ``555``, ``{{id}}`` in the path;
``*_id`` fields of the body; ``invoice_id=id`` in the query) become ids of world records of the
matching collection.

Three explicit lists, checked against each other so that none can go stale:

- **replayed** (every example not listed below): a 2xx answer whose body is of the format the
  path suffix asks for (JSON object or array, XML document, PDF);
- :data:`WRONG_IN_THE_DOCS`: examples whose path the live service does not serve as printed
  (the singular payment path); they must get the service's 404 with a JSON error body, and the
  corrected path must work;
- :data:`UNREPLAYABLE`: examples the scrape damaged beyond replaying (the URL is gone, the body
  is cut before its closing quote) with the defect the parser reports for each.

Counts at the time of writing: 164 examples (63 in 000, 38 in 001, 63 in 002); see the module
constants for the split (``len(WRONG_IN_THE_DOCS)``, ``len(UNREPLAYABLE)``).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Any, Final
from urllib.parse import parse_qsl, urlencode, urlsplit
from xml.etree import ElementTree

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient, TestServer

from invoceanio.sandbox import create_app
from tests.sandbox.curl_examples import PNG_1PX, CurlExample, load_examples

TOKEN: Final = "curl-examples-token"
EXAMPLES: Final = load_examples()
BY_ID: Final = {example.id: example for example in EXAMPLES}

# path prefix of a collection -> world key
_COLLECTIONS: Final = {
    "invoices": "invoices",
    "clients": "clients",
    "products": "products",
    "warehouse_documents": "warehouse_documents",
    "categories": "categories",
    "warehouses": "warehouses",
    "departments": "departments",
    "banking/payments": "payments",
    "banking/payment": "payments",
    "recurrings": "recurrings",
    "price_lists": "price_lists",
}
# body field -> world key
_ID_FIELDS: Final = {
    "client_id": "clients",
    "department_id": "departments",
    "product_id": "products",
    "warehouse_id": "warehouses",
    "invoice_id": "invoices",
    "from_invoice_id": "invoices",
    "category_id": "categories",
}
_MEMBER: Final = re.compile(
    r"^/(?P<coll>[a-z_]+(?:/[a-z_]+)?)/(?P<id>\d+|\{\{id\}\})(?P<rest>[./].*)$"
)

# The one documented path the live service does not serve: the pages show a single payment as
# ``/banking/payment/{id}.json`` (singular) but the service answers it with 404; the plural
# ``/banking/payments/{id}.json`` works (api-quirks.md "Paths and auth"; api-spec.md 4.7: every
# client tested live uses the plural). The sandbox plays the service, not the page, so these
# examples must get the service's 404 with a JSON error body, and their plural twin must work.
WRONG_IN_THE_DOCS: Final[frozenset[str]] = frozenset(
    {"000-44-GET-/banking/payment/100.json", "002-44-GET-/banking/payment/100.json"}
)

UNREPLAYABLE: Final[dict[str, str]] = {
    "001-01-POST-<no-url>": "the scraped text lost the URL",
    "001-02-GET-<no-url>": "cannot tokenize: No closing quotation",
    "001-03-GET-<no-url>": "cannot tokenize: No closing quotation",
    "001-04-GET-<no-url>": "cannot tokenize: No closing quotation",
    "001-05-PUT-<no-url>": "cannot tokenize: No closing quotation",
    "001-06-PUT-<no-url>": "cannot tokenize: No closing quotation",
    "001-07-PUT-<no-url>": "cannot tokenize: No closing quotation",
    "001-08-GET-<no-url>": "the scraped text lost the URL",
    "001-09-GET-<no-url>": "cannot tokenize: No closing quotation",
    "001-10-PUT-<no-url>": "cannot tokenize: No closing quotation",
    "001-11-DELETE-<no-url>": "the scraped text lost the URL",
    "001-12-POST-<no-url>": "the scraped text lost the URL",
    "001-13-GET-<no-url>": "the scraped text lost the URL",
    "001-14-GET-<no-url>": "the scraped text lost the URL",
    "001-15-GET-<no-url>": "the scraped text lost the URL",
    "001-16-GET-<no-url>": "the scraped text lost the URL",
    "001-17-GET-<no-url>": "the scraped text lost the URL",
    "001-18-GET-<no-url>": "the scraped text lost the URL",
    "001-19-GET-<no-url>": "cannot tokenize: No closing quotation",
    "001-20-PUT-<no-url>": "cannot tokenize: No closing quotation",
    "001-21-GET-<no-url>": "the scraped text lost the URL",
    "001-22-GET-<no-url>": "the scraped text lost the URL",
    "001-23-GET-<no-url>": "the scraped text lost the URL",
    "001-24-GET-<no-url>": "the scraped text lost the URL",
    "001-25-GET-<no-url>": "cannot tokenize: No closing quotation",
    "001-26-PUT-<no-url>": "cannot tokenize: No closing quotation",
    "001-27-GET-<no-url>": "the scraped text lost the URL",
    "001-28-POST-<no-url>": "the scraped text lost the URL",
    "001-29-DELETE-<no-url>": "the scraped text lost the URL",
    "001-30-GET-<no-url>": "the scraped text lost the URL",
    "001-31-GET-<no-url>": "the scraped text lost the URL",
    "001-32-GET-<no-url>": "the scraped text lost the URL",
    "001-33-GET-<no-url>": "the scraped text lost the URL",
    "001-34-GET-/banking/payments.json": "cannot tokenize: No closing quotation",
    "001-35-GET-/banking/payments.json": "cannot tokenize: No closing quotation",
    "001-36-GET-<no-url>": "the scraped text lost the URL",
    "001-37-GET-<no-url>": "the scraped text lost the URL",
    "001-38-DELETE-<no-url>": "the scraped text lost the URL",
}


@dataclass
class World:
    http: TestClient[Any, Any]
    ids: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    async def create(self, key: str, path: str, root: str, fields: dict[str, Any]) -> None:
        response = await self.http.post(path, json={"api_token": TOKEN, root: fields})
        text = await response.text()
        if response.status == 201 or response.status == 200:
            self.ids[key] = json.loads(text)["id"]
        else:
            self.problems.append(f"world {key}: POST {path} -> {response.status} {text[:200]}")


@pytest.fixture
async def world() -> AsyncIterator[World]:
    http: TestClient[Any, Any] = TestClient(TestServer(create_app(token=TOKEN)))
    await http.start_server()
    world = World(http)
    try:
        await world.create(
            "clients",
            "/clients.json",
            "client",
            {"name": "World Client SA", "external_id": "100", "email": "buyer@example.com"},
        )
        await world.create(
            "products",
            "/products.json",
            "product",
            {"name": "World product", "price_net": "10", "tax": "23"},
        )
        await world.create(
            "departments",
            "/departments.json",
            "department",
            {"name": "World dept", "shortcut": "WD"},
        )
        await world.create("categories", "/categories.json", "category", {"name": "world_category"})
        await world.create(
            "warehouses", "/warehouses.json", "warehouse", {"name": "world_warehouse"}
        )
        invoice: dict[str, Any] = {
            "kind": "vat",
            "oid": "nr_zam",
            "client_id": world.ids.get("clients", -1),
            "buyer_name": "World Client SA",
            "buyer_email": "buyer@example.com",
            "positions": [
                {"name": "World item", "tax": 23, "total_price_gross": "12.30", "quantity": 1}
            ],
        }
        await world.create("invoices", "/invoices.json", "invoice", invoice)
        await world.create(
            "payments",
            "/banking/payments.json",
            "banking_payment",
            {"name": "World payment", "price": "12.30", "kind": "api", "paid": True},
        )
        action: dict[str, Any] = {
            "product_name": "World item",
            "purchase_tax": 23,
            "purchase_price_net": "10",
            "quantity": 1,
        }
        document: dict[str, Any] = {"kind": "pz", "warehouse_actions": [action]}
        if "warehouses" in world.ids:
            document["warehouse_id"] = world.ids["warehouses"]
        await world.create(
            "warehouse_documents", "/warehouse_documents.json", "warehouse_document", document
        )
        assert not world.problems, world.problems
        yield world
    finally:
        await http.close()


def _token(text: str) -> str:
    return (
        text.replace("#{api_token}", TOKEN)
        .replace("API_TOKEN", TOKEN)
        .replace("YOUR_PASSWORD", TOKEN)
        .replace("your_secret_password", TOKEN)
    )


def _with_ids(value: Any, world: World) -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            target = _ID_FIELDS.get(key)
            numeric = (isinstance(item, int) and not isinstance(item, bool)) or (
                isinstance(item, str) and item.isdigit()
            )
            if target in world.ids and numeric and str(item) != "-1":
                new = world.ids[target]
                out[key] = str(new) if isinstance(item, str) else new
            else:
                out[key] = _with_ids(item, world)
        return out
    if isinstance(value, list):
        return [_with_ids(item, world) for item in value]
    if isinstance(value, str):
        return _token(value)
    return value


def _target(example: CurlExample, world: World) -> str:
    """The example's path and query with the host gone and placeholders substituted."""
    url = urlsplit(example.url.replace("#{domain}", "https://YOUR_DOMAIN.invoiceocean.com"))
    path = url.path
    match = _MEMBER.match(path)
    if match and match.group("coll") in _COLLECTIONS:
        key = _COLLECTIONS[match.group("coll")]
        if key in world.ids:
            path = f"/{match.group('coll')}/{world.ids[key]}{match.group('rest')}"
    query = []
    for name, value in parse_qsl(url.query, keep_blank_values=True):
        if name in ("invoice_id", "from_invoice_id") and value == "id" and "invoices" in world.ids:
            value = str(world.ids["invoices"])
        query.append((name, _token(value)))
    return f"{path}?{urlencode(query)}" if query else path


async def _replay(example: CurlExample, world: World) -> tuple[int, str, bytes]:
    headers = {name: _token(value) for name, value in example.headers}
    kwargs: dict[str, Any] = {}
    if example.user is not None:
        headers["Authorization"] = (
            "Basic " + base64.b64encode(_token(example.user).encode()).decode()
        )
    if example.form:
        form = FormData()
        for name, value in example.form:
            if value.startswith("@"):
                filename = value.rpartition("/")[2]
                form.add_field(name, PNG_1PX, filename=filename, content_type="image/png")
            else:
                form.add_field(name, _token(value))
        kwargs["data"] = form
    elif example.data is not None:
        content_type = headers.get("Content-Type", "application/x-www-form-urlencoded")
        headers["Content-Type"] = content_type
        if example.fmt == "json":
            kwargs["data"] = json.dumps(_with_ids(example.json_body(), world)).encode()
        else:
            kwargs["data"] = _token(example.data).encode()
    response = await world.http.request(
        example.method, _target(example, world), headers=headers, **kwargs
    )
    return response.status, response.content_type, await response.read()


def _is_list_call(example: CurlExample) -> bool:
    if example.method != "GET":
        return False
    stem = example.path.rpartition(".")[0].lstrip("/")
    return stem in _COLLECTIONS and stem != "banking/payment"


REPLAYED: Final = [
    e for e in EXAMPLES if e.id not in WRONG_IN_THE_DOCS and e.id not in UNREPLAYABLE
]


@pytest.mark.parametrize("example", REPLAYED, ids=[e.id for e in REPLAYED])
async def test_curl_example_works_against_the_sandbox(example: CurlExample, world: World) -> None:
    status, content_type, body = await _replay(example, world)
    context = f"{example.source[:300]}\n-> {status} {body[:300]!r}\nworld: {world.problems}"
    assert 200 <= status < 300, context
    if example.fmt == "pdf":
        assert content_type == "application/pdf" and body.startswith(b"%PDF-"), context
    elif example.fmt == "xml":
        assert "xml" in content_type, context
        ElementTree.fromstring(body)
    else:
        assert content_type == "application/json", context
        data = json.loads(body)
        if _is_list_call(example):
            assert isinstance(data, list), context
        elif example.method == "DELETE":
            assert data == "ok" or isinstance(data, dict), context
        else:
            assert isinstance(data, dict), context


@pytest.mark.parametrize("example_id", sorted(WRONG_IN_THE_DOCS))
async def test_documented_singular_payment_path_404s_like_the_service_and_plural_works(
    example_id: str, world: World
) -> None:
    example = BY_ID[example_id]
    status, content_type, body = await _replay(example, world)
    assert (status, content_type) == (404, "application/json"), body[:200]
    assert json.loads(body)["code"] == "error"
    corrected = replace(example, url=example.url.replace("/banking/payment/", "/banking/payments/"))
    status, content_type, body = await _replay(corrected, world)
    assert (status, content_type) == (200, "application/json"), body[:200]
    assert json.loads(body)["id"] == world.ids["payments"]


def test_the_seeds_hold_the_expected_examples_with_unique_ids() -> None:
    per_seed = {seed: sum(e.seed == seed for e in EXAMPLES) for seed in ("000", "001", "002")}
    assert per_seed == {"000": 63, "001": 38, "002": 63}
    assert len(BY_ID) == len(EXAMPLES)


def test_lists_name_real_examples_and_do_not_overlap() -> None:
    assert BY_ID.keys() >= WRONG_IN_THE_DOCS
    assert BY_ID.keys() >= UNREPLAYABLE.keys()
    assert not WRONG_IN_THE_DOCS & UNREPLAYABLE.keys()
    assert all(BY_ID[i].defect is None for i in WRONG_IN_THE_DOCS)


def test_unreplayable_examples_are_exactly_the_damaged_ones() -> None:
    assert {e.id: e.defect for e in EXAMPLES if e.defect is not None} == UNREPLAYABLE


def test_parser_reads_options_continuations_auth_and_forms() -> None:
    xml_create = BY_ID["002-16-POST-/invoices.xml"]
    assert xml_create.user == "login:YOUR_PASSWORD"
    assert ("Content-Type", "application/xml") in xml_create.headers
    assert xml_create.data is not None and xml_create.data.startswith("<invoice>")
    flattened = BY_ID["000-20-PUT-/invoices/444.json"]
    assert flattened.json_body()["invoice"] == {"buyer_name": "New buyer name SA"}
    bearer = BY_ID["000-16-POST-/invoices.xml"]
    assert ("Authorization", "Bearer API_TOKEN") in bearer.headers
    logo = BY_ID["000-63-PUT-/departments/222.json"]
    assert logo.form == [("api_token", "API_TOKEN"), ("department[logo]", "@/file_path/logo.png")]
    assert BY_ID["000-08-GET-/invoices.json"].url.endswith("?oid=nr_zam&api_token=API_TOKEN")
