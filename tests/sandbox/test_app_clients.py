"""The sandbox's client resource over HTTP: create rules, shortcuts, filters, types, XML."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from invoceanio.codecs import XmlCodec
from invoceanio.sandbox import create_app

TOKEN = "clients-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
async def http() -> AsyncIterator[TestClient[Any, Any]]:
    client: TestClient[Any, Any] = TestClient(TestServer(create_app(token=TOKEN)))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


async def _create(http: TestClient[Any, Any], **fields: Any) -> Any:
    response = await http.post("/clients.json", json={"client": fields}, headers=AUTH)
    assert response.status == 201, await response.text()
    return await response.json()


async def test_create_types_defaults_and_deduplicated_shortcut(http: TestClient[Any, Any]) -> None:
    first = await _create(http, name="Acme", company="1", category_id="4")
    second = await _create(http, name="Acme")
    assert first["company"] is True and first["category_id"] == 4
    assert isinstance(first["id"], int) and first["kind"] == "buyer"
    assert (first["shortcut"], second["shortcut"]) == ("Acme", "Acme (2)")


async def test_private_person_is_named_from_first_and_last_name(
    http: TestClient[Any, Any],
) -> None:
    person = await _create(http, company="0", first_name="Jan", last_name="Kowalski")
    assert person["name"] == "Jan Kowalski" and person["company"] is False


@pytest.mark.parametrize(
    ("fields", "field"),
    [({}, "name"), ({"name": ""}, "name"), ({"name": "A", "company": "perhaps"}, "company")],
)
async def test_invalid_clients_are_422(
    http: TestClient[Any, Any], fields: dict[str, Any], field: str
) -> None:
    response = await http.post("/clients.json", json={"client": fields}, headers=AUTH)
    assert response.status == 422
    assert list((await response.json())["message"]) == [field]


async def test_filters_and_pagination(http: TestClient[Any, Any]) -> None:
    await _create(http, name="Alpha", shortcut="AL", external_id="1")
    await _create(http, name="Beta", tax_no="PL1", email="b@example.com")
    for _ in range(3):
        await _create(http, name="Gamma")

    async def names(query: str) -> list[str]:
        response = await http.get(f"/clients.json?{query}", headers=AUTH)
        return [item["name"] for item in await response.json()]

    assert await names("name=ALP") == ["Alpha"]
    assert await names("shortcut=AL") == ["Alpha"]
    assert await names("external_id=1") == ["Alpha"]
    assert await names("tax_no=PL1") == ["Beta"]
    assert await names("email=b@example.com") == ["Beta"]
    assert await names("per_page=2&page=3") == ["Gamma"]
    assert await names("page=4&per_page=2") == []


async def test_update_and_delete(http: TestClient[Any, Any]) -> None:
    client = await _create(http, name="Old")
    response = await http.put(
        f"/clients/{client['id']}.json", json={"client": {"name": "New"}}, headers=AUTH
    )
    assert (await response.json())["name"] == "New"
    blank = await http.put(
        f"/clients/{client['id']}.json", json={"client": {"name": " "}}, headers=AUTH
    )
    assert blank.status == 422
    assert (await http.delete(f"/clients/{client['id']}.json", headers=AUTH)).status == 200
    assert (await http.get(f"/clients/{client['id']}.json", headers=AUTH)).status == 404


async def test_xml_requests_and_responses(http: TestClient[Any, Any]) -> None:
    codec = XmlCodec()
    response = await http.post(
        "/clients.xml", data=codec.encode({"client": {"name": "Xml Co"}}), headers=AUTH
    )
    assert response.status == 201
    created = codec.decode(await response.read())
    assert created["name"] == "Xml Co" and created["company"] is True
    fetched = await http.get(f"/clients/{created['id']}.xml", headers=AUTH)
    assert b"<client>" in await fetched.read()
