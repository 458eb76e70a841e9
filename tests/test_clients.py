"""``io.clients`` at the SDK level: list, iterate, get, get_by_external_id, create, update and
delete send exactly the request the API expects (``/clients`` paths with their format suffix,
root key ``client``) and return the right values; auth lands where each mode puts it."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from invoceanio import ConfigurationError, PaginationError
from invoceanio.codecs.xml import XmlCodec
from invoceanio.http import Request, Response
from invoceanio.models import Client, ClientDraft, ClientKind
from tests.support import Recorder, body_json, ids, json_response, make_client, query, raw_response

BASE = "https://acme.invoiceocean.com"
XML = XmlCodec()
FORMATS = ["json", "xml"]


def client_payload(**fields: Any) -> dict[str, Any]:
    """A client as the live API returns it."""
    payload: dict[str, Any] = {
        "id": 7,
        "name": "Klient ABC",
        "kind": "buyer",
        "company": True,
        "tax_no": "6272616681",
        "city": "Kraków",
        "email": "biuro@klient.pl",
        "discount": "5.0",
        "external_id": None,
        "tag_list": ["vip", "b2b"],
        "created_at": "2018-01-04T19:59:15.000+01:00",
    }
    payload.update(fields)
    return payload


def answer(fmt: str, data: Any, *, root: str, status: int = 200) -> Response:
    if fmt == "json":
        return json_response(status, data)
    return raw_response(status, XML.encode({root: data}), "application/xml")


def only(recorder: Recorder) -> Request:
    assert len(recorder.requests) == 1, recorder.requests
    return recorder.requests[0]


@pytest.mark.parametrize("fmt", FORMATS)
async def test_list_gets_one_page_of_clients(fmt: str) -> None:
    rec = Recorder(answer(fmt, [client_payload(id=1), client_payload(id=2)], root="clients"))
    async with make_client(rec, format=fmt) as io:
        clients = await io.clients.list(page=2, per_page=50, name="Klient", tax_no="123")
    request = only(rec)
    assert request.method == "GET"
    assert request.url == f"{BASE}/clients.{fmt}"
    assert query(request) == {
        "page": ["2"],
        "per_page": ["50"],
        "name": ["Klient"],
        "tax_no": ["123"],
    }
    assert request.body is None
    assert request.headers["Accept"] == f"application/{fmt}"
    assert ids(clients) == [1, 2]
    first = clients[0]
    assert isinstance(first, Client)
    assert first.name == "Klient ABC"
    assert first.kind == ClientKind.BUYER
    assert first.company is True
    assert first.discount == Decimal("5.0")
    assert first.tag_list == ("vip", "b2b")
    assert first.created_at == datetime(2018, 1, 4, 19, 59, 15, tzinfo=timezone(timedelta(hours=1)))


async def test_list_defaults_to_page_1_of_25_and_refuses_bad_paging() -> None:
    rec = Recorder(json_response(200, []))
    async with make_client(rec) as io:
        assert await io.clients.list() == []
        with pytest.raises(ConfigurationError):
            await io.clients.list(per_page=101)
        with pytest.raises(ConfigurationError):
            await io.clients.list(page=0)
    assert only(rec).params == (("page", "1"), ("per_page", "25"))


async def test_iterate_walks_pages_lazily_until_a_short_one() -> None:
    rec = Recorder(
        json_response(200, [client_payload(id=1), client_payload(id=2)]),
        json_response(200, [client_payload(id=3)]),
    )
    async with make_client(rec) as io:
        seen = [client.id async for client in io.clients.iterate(per_page=2, email="x@y")]
    assert seen == [1, 2, 3]
    assert [query(r) for r in rec.requests] == [
        {"page": ["1"], "per_page": ["2"], "email": ["x@y"]},
        {"page": ["2"], "per_page": ["2"], "email": ["x@y"]},
    ]
    assert all(r.url == f"{BASE}/clients.json" for r in rec.requests)


async def test_iterate_consuming_one_item_fetches_one_page() -> None:
    rec = Recorder(json_response(200, [client_payload(id=1), client_payload(id=2)]))
    async with make_client(rec) as io:
        pages = io.clients.iterate(per_page=2)
        first = await anext(pages)
        await pages.aclose()
    assert first.id == 1
    assert len(rec.requests) == 1


async def test_iterate_empty_first_page_and_repeated_page() -> None:
    page = [client_payload(id=1), client_payload(id=2)]
    empty = Recorder(json_response(200, []))
    repeating = Recorder(json_response(200, page))
    async with make_client(empty) as io:
        assert [c async for c in io.clients.iterate()] == []
    async with make_client(repeating) as io:
        seen: list[int | None] = []
        with pytest.raises(PaginationError):
            async for client in io.clients.iterate(per_page=2):
                seen.append(client.id)
    assert len(empty.requests) == 1
    assert seen == [1, 2]
    assert len(repeating.requests) == 2


@pytest.mark.parametrize("fmt", FORMATS)
async def test_get_fetches_one_client(fmt: str) -> None:
    rec = Recorder(answer(fmt, client_payload(id=9, name="Jan"), root="client"))
    async with make_client(rec, format=fmt) as io:
        client = await io.clients.get("9")
    request = only(rec)
    assert (request.method, request.url, request.params) == ("GET", f"{BASE}/clients/9.{fmt}", ())
    assert client.id == 9
    assert client.name == "Jan"


@pytest.mark.parametrize("bad", ["9/../../invoices", -3, True, "", "9?x=1"])
async def test_bad_ids_are_refused_before_any_request(bad: Any) -> None:
    rec = Recorder(json_response(200, client_payload()))
    async with make_client(rec) as io:
        with pytest.raises(ConfigurationError):
            await io.clients.get(bad)
        with pytest.raises(ConfigurationError):
            await io.clients.update(bad, {"name": "x"})
        with pytest.raises(ConfigurationError):
            await io.clients.delete(bad)
    assert rec.requests == []


@pytest.mark.parametrize("fmt", FORMATS)
async def test_get_by_external_id_returns_the_exact_match(fmt: str) -> None:
    rows = [client_payload(id=1, external_id="EXT-10"), client_payload(id=2, external_id="EXT-1")]
    rec = Recorder(answer(fmt, rows, root="clients"))
    async with make_client(rec, format=fmt) as io:
        found = await io.clients.get_by_external_id("EXT-1")
    request = only(rec)
    assert (request.method, request.url) == ("GET", f"{BASE}/clients.{fmt}")
    assert request.params == (("external_id", "EXT-1"),)
    assert found is not None
    assert found.id == 2


async def test_get_by_external_id_returns_none_without_an_exact_match() -> None:
    rec = Recorder(
        json_response(200, [client_payload(id=1, external_id="ext-1")]),
        json_response(200, []),
    )
    async with make_client(rec) as io:
        assert await io.clients.get_by_external_id("EXT-1") is None
        assert await io.clients.get_by_external_id("EXT-1") is None
    assert len(rec.requests) == 2


@pytest.mark.parametrize("blank", ["", "  ", None])
async def test_get_by_external_id_refuses_a_blank_key(blank: Any) -> None:
    rec = Recorder(json_response(200, [client_payload(external_id="")]))
    async with make_client(rec) as io:
        with pytest.raises(ConfigurationError, match="external_id"):
            await io.clients.get_by_external_id(blank)
    assert rec.requests == []


async def test_get_by_external_id_compares_a_numeric_key_as_text() -> None:
    rec = Recorder(json_response(200, [client_payload(id=4, external_id="123")]))
    async with make_client(rec) as io:
        found = await io.clients.get_by_external_id(123)  # type: ignore[arg-type]
    assert found is not None and found.id == 4
    assert only(rec).params == (("external_id", "123"),)


@pytest.mark.parametrize("fmt", FORMATS)
async def test_create_wraps_the_client_in_its_root_key(fmt: str) -> None:
    rec = Recorder(answer(fmt, client_payload(id=31, name="Nowy"), root="client", status=201))
    async with make_client(rec, format=fmt) as io:
        client = await io.clients.create({"name": "Nowy", "discount": Decimal("2.5")})
    request = only(rec)
    assert (request.method, request.url, request.params) == ("POST", f"{BASE}/clients.{fmt}", ())
    assert request.body is not None
    if fmt == "json":
        assert request.headers["Content-Type"] == "application/json"
        assert body_json(request) == {"client": {"name": "Nowy", "discount": "2.5"}}
    else:
        assert request.headers["Content-Type"] == "application/xml"
        assert b"<client>" in request.body
        assert XML.decode(request.body) == {"name": "Nowy", "discount": "2.5"}
    assert client.id == 31
    assert client.name == "Nowy"


async def test_create_from_a_draft_sends_only_set_fields() -> None:
    rec = Recorder(json_response(201, client_payload(id=32)))
    draft = ClientDraft(
        name="Jan Kowalski",
        company=False,
        last_name="Kowalski",
        kind=ClientKind.BUYER,
        tax_no=None,
        tag_list=["a"],
        extra={"use_mass_payment": True},
    )
    async with make_client(rec) as io:
        client = await io.clients.create(draft)
    assert body_json(only(rec)) == {
        "client": {
            "name": "Jan Kowalski",
            "company": False,
            "last_name": "Kowalski",
            "kind": "buyer",
            "tax_no": None,
            "tag_list": ["a"],
            "use_mass_payment": True,
        }
    }
    assert client.id == 32


@pytest.mark.parametrize("fmt", FORMATS)
async def test_update_puts_changes_under_the_client_root(fmt: str) -> None:
    rec = Recorder(answer(fmt, client_payload(id=7, email="new@x"), root="client"))
    async with make_client(rec, format=fmt) as io:
        client = await io.clients.update(7, ClientDraft(email="new@x"))
    request = only(rec)
    assert (request.method, request.url, request.params) == ("PUT", f"{BASE}/clients/7.{fmt}", ())
    if fmt == "json":
        assert body_json(request) == {"client": {"email": "new@x"}}
    else:
        assert XML.decode(request.body or b"") == {"email": "new@x"}
    assert client.email == "new@x"


async def test_update_round_trips_unknown_fields_of_a_fetched_client() -> None:
    fetched = client_payload(id=7, bank_swift="BREXPLPW")
    rec = Recorder(json_response(200, fetched))
    async with make_client(rec) as io:
        client = await io.clients.get(7)
        assert client.extra == {"bank_swift": "BREXPLPW"}
        await io.clients.update(7, client)
    sent = body_json(rec.requests[1])["client"]
    assert sent["bank_swift"] == "BREXPLPW"
    assert sent["discount"] == "5.0"
    assert sent["created_at"] == "2018-01-04T19:59:15+01:00"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "response",
    [
        json_response(200, "ok"),
        raw_response(200, b"", None),
        raw_response(204, b"", None),
        json_response(200, {"code": "success", "message": "Usunięto"}),
    ],
)
async def test_delete_sends_delete_and_accepts_every_success_body(
    fmt: str, response: Response
) -> None:
    rec = Recorder(response)
    async with make_client(rec, format=fmt) as io:
        assert await io.clients.delete(7) is None
    request = only(rec)
    assert (request.method, request.url, request.params) == (
        "DELETE",
        f"{BASE}/clients/7.{fmt}",
        (),
    )
    assert request.body is None


# --- auth placement -----------------------------------------------------------------------------

TOKEN = "test-token"
BASIC = "Basic " + base64.b64encode(b"jan:s3cret").decode()


@pytest.mark.parametrize("method", ["list", "get", "get_by_external_id", "delete"])
@pytest.mark.parametrize("mode", ["bearer", "query", "body", "basic"])
async def test_auth_placement_on_reads_and_deletes(method: str, mode: str) -> None:
    responses = {
        "list": json_response(200, [client_payload()]),
        "get": json_response(200, client_payload()),
        "get_by_external_id": json_response(200, [client_payload(external_id="E")]),
        "delete": json_response(200, "ok"),
    }
    rec = Recorder(responses[method])
    options: dict[str, Any] = {"auth": mode}
    if mode == "basic":
        options.update(login="jan", password="s3cret")
    async with make_client(rec, **options) as io:
        if method == "list":
            await io.clients.list()
        elif method == "get":
            await io.clients.get(7)
        elif method == "get_by_external_id":
            await io.clients.get_by_external_id("E")
        else:
            await io.clients.delete(7)
    request = only(rec)
    assert request.body is None
    token_param = ("api_token", TOKEN) in request.params
    header = request.headers.get("Authorization")
    expected = {
        "bearer": (False, f"Bearer {TOKEN}"),
        "query": (True, None),
        "body": (True, None),
        "basic": (False, BASIC),
    }[mode]
    assert (token_param, header) == expected


@pytest.mark.parametrize("method", ["create", "update"])
@pytest.mark.parametrize("mode", ["bearer", "query", "body", "basic"])
async def test_auth_placement_on_writes(method: str, mode: str) -> None:
    rec = Recorder(json_response(201 if method == "create" else 200, client_payload()))
    options: dict[str, Any] = {"auth": mode}
    if mode == "basic":
        options.update(login="jan", password="s3cret")
    async with make_client(rec, **options) as io:
        if method == "create":
            await io.clients.create({"name": "x"})
        else:
            await io.clients.update(7, {"name": "x"})
    request = only(rec)
    document = body_json(request)
    token_param = ("api_token", TOKEN) in request.params
    header = request.headers.get("Authorization")
    if mode == "body":
        assert document == {"api_token": TOKEN, "client": {"name": "x"}}
    else:
        assert document == {"client": {"name": "x"}}
    expected = {
        "bearer": (False, f"Bearer {TOKEN}"),
        "query": (True, None),
        "body": (False, None),
        "basic": (False, BASIC),
    }[mode]
    assert (token_param, header) == expected
