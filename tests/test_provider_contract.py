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

from invoceanio import (
    ConfigurationError,
    ConnectionLostError,
    DecodeError,
    NotFoundError,
    ReadBackError,
    TransportError,
    ValidationError,
)
from invoceanio.codecs.base import Codec, CodecError
from invoceanio.codecs.registry import CodecRegistry
from invoceanio.http import Reconciler, Request, Response
from invoceanio.middleware.auth import AuthMiddleware, BasicAuth
from invoceanio.providers.base import ErrorInfo, Page
from invoceanio.providers.invoiceocean import InvoiceOceanProvider
from invoceanio.secrets import Secret
from tests.support import Recorder, body_json, make_client, query


class EnvelopeConventions:
    """The conventions alone, as a provider written before capabilities were declared."""

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


class EnvelopeProvider(EnvelopeConventions):
    # Fakturan.nu: 30 records a page unless asked, at most 100; an update answers 204 with no
    # body; no field of an invoice is kept unique, so a lost create cannot be found again.
    default_per_page = 30
    max_per_page = 100
    update_returns_record = False
    unique_create_key = False


def _json(status: int, data: Any) -> Response:
    return Response(
        status=status, headers={"Content-Type": "application/json"}, body=json.dumps(data).encode()
    )


def _page(ids: list[int], next_page: int | None) -> Response:
    return _json(
        200, {"data": [{"id": i, "name": f"c{i}"} for i in ids], "paging": {"next": next_page}}
    )


def _client(recorder: Recorder, provider: Any = None) -> Any:
    return make_client(
        recorder,
        provider=provider or EnvelopeProvider(),
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


_BASE = "https://sandbox.example.test/api/v2"


async def test_an_update_answered_204_without_a_body_reads_the_record_again() -> None:
    # Fakturan.nu's PUT answers 204 and nothing else: update() still returns the record.
    recorder = Recorder(
        Response(status=204, headers={}, body=b""),
        _json(200, {"data": {"id": 9, "name": "Acme AB"}}),
    )
    async with _client(recorder) as io:
        updated = await io.clients.update(9, {"name": "Acme AB"})
    assert updated.id == 9 and updated.name == "Acme AB"
    assert [(r.method, r.url) for r in recorder.requests] == [
        ("PUT", f"{_BASE}/clients/9"),
        ("GET", f"{_BASE}/clients/9"),
    ]


async def test_an_update_that_answers_with_its_record_is_not_read_again() -> None:
    recorder = Recorder(_json(200, {"data": {"id": 9, "name": "Acme AB"}}))
    async with _client(recorder) as io:
        updated = await io.clients.update(9, {"name": "Acme AB"})
    assert updated.name == "Acme AB" and len(recorder.requests) == 1


async def test_an_empty_update_answer_from_invoiceocean_is_a_decode_error_not_a_second_read() -> (
    None
):
    # InvoiceOcean answers an update with the record: an empty answer is a bad one.
    recorder = Recorder(Response(status=200, headers={}, body=b""))
    async with make_client(recorder) as io:
        with pytest.raises(DecodeError):
            await io.clients.update(9, {"name": "Acme AB"})
    assert len(recorder.requests) == 1


class _ThirtyAPage(InvoiceOceanProvider):
    """InvoiceOcean's conventions with another API's page sizes."""

    default_per_page = 30
    max_per_page = 50


def _bare_page(first: int, count: int) -> Response:
    return _json(200, [{"id": i, "name": f"c{i}"} for i in range(first, first + count)])


async def test_the_largest_page_is_the_providers() -> None:
    recorder = Recorder(_bare_page(1, 50))
    async with make_client(recorder, provider=_ThirtyAPage()) as io:
        with pytest.raises(ConfigurationError, match=r"per_page must be 1\.\.50"):
            await io.clients.list(per_page=51)
        with pytest.raises(ConfigurationError, match=r"per_page must be 1\.\.50"):
            await io.clients.iterate(per_page=51).__anext__()
        assert len(await io.clients.list(per_page=50)) == 50
    assert len(recorder.requests) == 1  # the refused calls sent nothing


async def test_a_page_of_the_providers_default_size_is_not_taken_for_the_last() -> None:
    # 30 records when 50 were asked: the shape of an endpoint that ignores per_page and answers
    # with this API's default page size, so the next page is read; 25 (InvoiceOcean's default,
    # not this API's) is a short page, the last.
    recorder = Recorder(_bare_page(1, 30), _bare_page(31, 25))
    async with make_client(recorder, provider=_ThirtyAPage()) as io:
        ids = [client.id async for client in io.clients.iterate(per_page=50)]
    assert ids == list(range(1, 56))
    assert [query(r)["page"] for r in recorder.requests] == [["1"], ["2"]]


async def test_create_many_refuses_an_api_that_keeps_no_oid_unique_and_sends_nothing() -> None:
    # Its safety is the server refusing a second invoice with an oid; without that, a re-sent
    # item whose answer was lost could be a second invoice.
    recorder = Recorder()
    async with _client(recorder) as io:
        with pytest.raises(ConfigurationError, match="keeps an invoice's external key"):
            await io.invoices.create_many([{"buyer_name": "Acme AB"}])
    assert recorder.requests == []


async def test_a_lost_create_with_an_oid_is_outcome_unknown_where_no_oid_is_kept_unique() -> None:
    # No oid_unique is sent to an API that has no such flag, and no look-up by oid is made
    # (it would prove nothing): the caller learns the outcome is unknown.
    recorder = Recorder(ConnectionLostError("connection reset by peer"))
    async with _client(recorder) as io:
        with pytest.raises(TransportError) as caught:
            await io.invoices.create({"oid": "ORD-1", "buyer_name": "Acme AB"})
    assert caught.value.outcome_unknown
    assert len(recorder.requests) == 1
    sent = body_json(recorder.requests[0])
    assert sent["oid"] == "ORD-1" and "oid_unique" not in sent


async def test_a_provider_that_declares_no_capabilities_gets_the_safe_defaults() -> None:
    # Written before capabilities existed: it still plugs in. Pages as InvoiceOcean's, and no
    # unique oid assumed, so no bulk import that could duplicate an invoice.
    recorder = Recorder(_page([1, 2], None))
    async with _client(recorder, EnvelopeConventions()) as io:
        assert [c.id for c in await io.clients.list()] == [1, 2]
        with pytest.raises(ConfigurationError, match="keeps an invoice's external key"):
            await io.invoices.create_many([{"buyer_name": "Acme AB"}])
    assert query(recorder.requests[0])["per_page"] == ["25"]
    assert len(recorder.requests) == 1


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("max_per_page", "50"),
        ("max_per_page", 0),
        ("default_per_page", True),
        ("unique_create_key", 1),
    ],
)
def test_a_capability_of_the_wrong_kind_is_refused_when_the_client_is_made(
    name: str, value: Any
) -> None:
    provider = EnvelopeProvider()
    setattr(provider, name, value)
    with pytest.raises(ConfigurationError, match=f"the provider's {name} must be"):
        _client(Recorder(), provider)


def test_a_default_page_over_the_largest_is_refused() -> None:
    provider = _ThirtyAPage()
    provider.default_per_page = 60
    with pytest.raises(ConfigurationError, match="default_per_page is over its max_per_page"):
        make_client(Recorder(), provider=provider)


async def test_iterate_and_find_by_oid_ask_for_the_providers_largest_page() -> None:
    recorder = Recorder(_bare_page(1, 3))
    async with make_client(recorder, provider=_ThirtyAPage()) as io:
        assert [c.id async for c in io.clients.iterate()] == [1, 2, 3]
        assert await io.invoices.find_by_oid("ORD-9") is None
    assert [query(r)["per_page"] for r in recorder.requests] == [["50"], ["50"]]


async def test_a_full_lookup_page_of_the_providers_size_proves_no_absence() -> None:
    # The create's answer is lost; the look-up fills this API's largest page (50) with other
    # oids that the filter matched (ORD-10, ORD-11...): the invoice may sit on a later page, so
    # the create is not sent again.
    others = [{"id": n, "oid": f"ORD-1{n}"} for n in range(50)]
    recorder = Recorder(ConnectionLostError("reset"), _json(200, others))
    async with make_client(recorder, provider=_ThirtyAPage()) as io:
        with pytest.raises(TransportError) as caught:
            await io.invoices.create({"oid": "ORD-1", "buyer_name": "Acme AB"})
    assert caught.value.outcome_unknown
    assert [r.method for r in recorder.requests] == ["POST", "GET"]
    assert query(recorder.requests[1])["per_page"] == ["50"]


async def test_a_failed_read_back_after_a_204_update_says_the_update_was_applied() -> None:
    recorder = Recorder(
        Response(status=204, headers={}, body=b""), _json(404, {"errors": "not found"})
    )
    async with _client(recorder) as io:
        with pytest.raises(ReadBackError, match="the update was applied") as caught:
            await io.clients.update(9, {"name": "Acme AB"})
    assert isinstance(caught.value.__cause__, NotFoundError)
    assert (caught.value.method, caught.value.url) == ("PUT", "/api/v2/clients/9")
    assert [r.method for r in recorder.requests] == ["PUT", "GET"]
