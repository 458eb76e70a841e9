"""``GET /__sandbox__/``, the link ``invoceanio sandbox`` prints as its admin: an index of the
admin endpoints (method, path, one line each) that names every admin route of the app, each of
its GETs answering, and that a client off loopback is refused as at every other admin path."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from aiohttp.typedefs import Handler

from invoceanio.sandbox import create_app
from invoceanio.sandbox.admin import PREFIX

from .serving import Client, served

INDEX = f"{PREFIX}/"


def _admin_routes(app: web.Application) -> set[tuple[str, str]]:
    return {
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        if route.resource is not None
        and route.resource.canonical.startswith(INDEX)
        and route.method != "HEAD"  # aiohttp's automatic twin of a GET
    }


async def test_the_index_lists_every_admin_route_with_a_line_on_what_it_does() -> None:
    async with served(token="index-token") as http:
        response = await http.get(INDEX)
        assert response.status == 200
        assert response.content_type == "application/json"
        index = await response.json()
        listed = {(entry["method"], entry["path"]) for entry in index["endpoints"]}
        assert listed == _admin_routes(create_app(token="index-token"))
        assert ("GET", f"{PREFIX}/counts") in listed and ("POST", f"{PREFIX}/reset") in listed
        for entry in index["endpoints"]:
            assert entry["description"].strip() and "\n" not in entry["description"], entry
        assert "loopback" in index["description"]


async def test_every_get_the_index_lists_answers() -> None:
    async with served(token="index-token") as http:
        index = await (await http.get(INDEX)).json()
        for entry in index["endpoints"]:
            if entry["method"] == "GET":
                path = entry["path"].replace("{collection}", "invoices")
                assert (await http.get(path)).status == 200, path


def _from_elsewhere(remote: str) -> Any:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        return await handler(request.clone(remote=remote))

    return middleware


@pytest.fixture
async def remote_http() -> AsyncIterator[Client]:
    """A client the app sees as one on another machine (203.0.113.7, a documentation address)."""
    app = create_app(token="index-token")
    # Inside the error middleware (it renders the 403), before the API middleware's check.
    app.middlewares.insert(1, _from_elsewhere("203.0.113.7"))
    client: Client = TestClient(TestServer(app))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


async def test_a_client_off_loopback_gets_the_403_of_every_admin_path(
    remote_http: Client,
) -> None:
    refused = await remote_http.get(INDEX)
    other = await remote_http.get(f"{PREFIX}/counts")
    assert refused.status == other.status == 403
    assert await refused.json() == await other.json()
