"""A second API with other conventions plugs in through the provider alone.

The toy provider below follows Fakturan.nu v2 (see shared/reference/fakturan-nu.md): a path
prefix and no format suffix, ``{"data": ...}`` envelopes, paging metadata instead of short
pages, ``{"errors": ...}`` bodies, HTTP Basic credentials. Nothing in transport, middleware,
codecs or the resource services is changed for it: if this file passes, the core stays open.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

import pytest

from invoceanio import ConfigurationError, ValidationError
from invoceanio.codecs.base import Codec, CodecError
from invoceanio.codecs.registry import CodecRegistry
from invoceanio.http import Reconciler, Request, Response
from invoceanio.middleware.auth import AuthMiddleware, BasicAuth
from invoceanio.providers.base import ErrorInfo, Page
from invoceanio.secrets import Secret
from tests.support import Recorder, body_json, make_client, query


class EnvelopeProvider:
    formats = frozenset({"json"})
    auth_modes = frozenset({"basic"})

    def account_url(self, *, prefix: str | None, brand: str, token: Secret | None) -> str:
        return "https://sandbox.example.test/api/v2"

    def authenticator(
        self, mode: str, *, token: Secret | None, login: Secret | None, password: Secret | None
    ) -> AuthMiddleware:
        if mode != "basic" or not login or not password:
            raise ConfigurationError("this API takes auth='basic' with an API key id and password")
        return BasicAuth(login, password)

    def url(self, base_url: str, path: str, fmt: str | None) -> str:
        return f"{base_url}/{path}"

    def wrap(self, root: str | None, data: Any) -> Any:
        return data

    def unwrap_one(self, data: Any) -> Any:
        return data["data"]

    def unwrap_page(self, data: Any) -> Page:
        if not isinstance(data, Mapping) or not isinstance(data.get("data"), list):
            raise CodecError("expected {'data': [...]}")
        return Page(items=data["data"], has_more=data["paging"]["next"] is not None)

    def page_params(self, page: int, per_page: int) -> list[tuple[str, str]]:
        return [("page", str(page)), ("per_page", str(per_page))]

    def error_info(self, data: Any) -> ErrorInfo | None:
        if isinstance(data, Mapping) and isinstance(data.get("errors"), Mapping):
            fields = {
                key: [str(m.get("error", m)) for m in value]
                for key, value in data["errors"].items()
            }
            return ErrorInfo("; ".join(fields), fields)
        return ErrorInfo(str(data)[:200]) if data else None

    def body_error(self, data: Any) -> ErrorInfo | None:
        return None

    def oid_reconciler(
        self,
        *,
        base_url: str,
        codec: Codec,
        codecs: CodecRegistry,
        collection: str,
        oid: str,
        template: Request,
    ) -> Reconciler | None:
        return None

    def is_html(self, response: Response) -> bool:
        return response.content_type == "text/html"


def _json(status: int, data: Any) -> Response:
    return Response(
        status=status, headers={"Content-Type": "application/json"}, body=json.dumps(data).encode()
    )


def _page(ids: list[int], next_page: int | None) -> Response:
    return _json(
        200, {"data": [{"id": i, "name": f"c{i}"} for i in ids], "paging": {"next": next_page}}
    )


def _client(recorder: Recorder) -> Any:
    return make_client(
        recorder,
        provider=EnvelopeProvider(),
        auth="basic",
        login="key-id",
        password="key-secret",
        api_token=None,
    )


async def test_iterate_follows_the_providers_paging_metadata_not_page_length() -> None:
    # Two full pages of 2 and a last page also of 2: only the metadata says where it ends.
    recorder = Recorder(_page([1, 2], 2), _page([3, 4], 3), _page([5, 6], None))
    async with _client(recorder) as io:
        names = [client.name async for client in io.clients.iterate(per_page=2)]
    assert names == ["c1", "c2", "c3", "c4", "c5", "c6"]
    assert [r.url for r in recorder.requests] == ["https://sandbox.example.test/api/v2/clients"] * 3
    assert [query(r)["page"] for r in recorder.requests] == [["1"], ["2"], ["3"]]


async def test_envelopes_paths_credentials_and_errors_follow_the_provider() -> None:
    recorder = Recorder(
        _json(201, {"data": {"id": 9, "name": "Acme AB"}}),
        _json(422, {"errors": {"name": [{"error": "blank"}]}}),
    )
    async with _client(recorder) as io:
        created = await io.clients.create({"name": "Acme AB"})
        with pytest.raises(ValidationError) as caught:
            await io.clients.create({"name": ""})
    assert created.id == 9 and created.name == "Acme AB"
    first = recorder.requests[0]
    assert first.method == "POST" and first.url == "https://sandbox.example.test/api/v2/clients"
    assert body_json(first) == {"name": "Acme AB"}  # no root key for this API
    expected = base64.b64encode(b"key-id:key-secret").decode()
    assert first.headers["Authorization"] == f"Basic {expected}"
    assert caught.value.field_errors == {"name": ["blank"]}


def test_the_provider_refuses_auth_modes_its_api_does_not_have() -> None:
    with pytest.raises(ConfigurationError, match="auth='basic'"):
        make_client(Recorder(), provider=EnvelopeProvider(), auth="bearer")
