"""Which sandbox routes answer without a token: exactly the allow-list :data:`OPEN_ROUTES`
(the public invoice links, the attachment bucket, ``login`` and ``users``), plus the
loopback-only ``/__sandbox__`` admin routes. Every other route of the app is walked and must
answer the middleware's 401."""

from __future__ import annotations

import re
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from invoceanio.sandbox import create_app
from invoceanio.sandbox.admin import PREFIX
from invoceanio.sandbox.app import OPEN_ROUTES, UNAUTHORIZED

# A value each path placeholder accepts, so that every route matches its own sample path.
_SAMPLES = {"id": "1", "fmt": "json", "token": "x", "slug": "s", "key": "k/x"}
EXPECTED_OPEN = {
    "invoices.public_page",
    "invoices.public_pdf",
    "invoices.payment_page",
    "invoices.view_url",
    "uploads.post",
    "uploads.get",
    "login",
    "users.register",
}


async def test_exactly_the_allow_listed_routes_need_no_token() -> None:
    app = create_app(token="routes-token")
    client: TestClient[Any, Any] = TestClient(TestServer(app))
    await client.start_server()
    try:
        open_names: set[str] = set()
        admin_reached: list[str] = []
        for route in app.router.routes():
            if route.method == "HEAD":
                continue  # aiohttp's automatic twin of a GET
            canonical = route.resource.canonical if route.resource is not None else ""
            path = re.sub(r"\{(\w+)\}", lambda m: _SAMPLES.get(m[1], "x"), canonical)
            # A body no handler accepts: a route that reaches its handler answers 4xx of its own.
            response = await client.request(
                route.method, path, data=b"{", headers={"Content-Type": "application/json"}
            )
            body = await response.read()
            if path.startswith(f"{PREFIX}/"):
                assert response.status != 401, path
                admin_reached.append(path)
                continue
            assert route.name, f"{route.method} {canonical} has no name to allow-list it by"
            if response.status == 401 and UNAUTHORIZED.encode() in body:
                assert route.name not in OPEN_ROUTES, route.name
            else:
                open_names.add(route.name)
        assert open_names == EXPECTED_OPEN == set(OPEN_ROUTES)
        assert admin_reached  # the walk saw them: they are outside the API middleware's token
    finally:
        await client.close()


def test_every_allow_listed_name_is_a_route_of_the_app() -> None:
    app = create_app(token="routes-token")
    names = {route.name for route in app.router.routes()}
    assert set(OPEN_ROUTES) <= names
