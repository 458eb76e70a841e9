"""``io.account.create_on_app_host``: the partner account creation at the address [SEED0]
gives (``https://app.{brand}/account.json``), beside ``create`` on the partner's own account."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from invoceanio import InvoiceOcean, RetryPolicy, Secret, TransportError
from invoceanio.errors import ConnectionLostError
from invoceanio.http import Request
from invoceanio.sandbox import Sandbox
from invoceanio.transport import MockTransport
from tests.resources.mock_api import answer
from tests.support import Recorder, SleepRecorder, make_client, sandbox_client

SECTIONS: dict[str, Any] = {
    "account": {"prefix": "newco"},
    "user": {"login": "owner", "email": "owner@newco.pl", "password": "owner-password"},
    "company": {"name": "NewCo"},
}


async def _sent(**options: Any) -> Request:
    transport = MockTransport(answer)
    async with InvoiceOcean(
        prefix="acme", api_token="tok", brand="fakturownia.pl", transport=transport, **options
    ) as io:
        await io.account.create_on_app_host(integration_token="partner", **SECTIONS)
    (sent,) = transport.requests
    return sent


async def test_it_goes_to_the_brands_app_host_with_the_clients_token() -> None:
    sent = await _sent()

    assert (sent.method, sent.url) == ("POST", "https://app.fakturownia.pl/account.json")
    # Unlike login and create_user, a partner call: the client's own token goes with it.
    assert sent.authenticate
    assert json.loads(sent.body or b"") == {**SECTIONS, "integration_token": "partner"}


async def test_the_token_stays_out_of_the_url_in_query_mode_logs() -> None:
    transport = MockTransport(answer)
    async with InvoiceOcean(
        prefix="acme", api_token="canary-4217", auth="query", transport=transport
    ) as io:
        await io.account.create_on_app_host(integration_token="partner", **SECTIONS)
    (sent,) = transport.requests

    assert ("api_token", "canary-4217") in sent.params
    assert "canary-4217" not in sent.safe_url and "canary-4217" not in repr(sent)


async def test_an_unanswered_create_is_never_sent_again() -> None:
    # A second account is worse than an error, on either host.
    recorder = Recorder(ConnectionLostError("connection reset by peer"))
    sleeper = SleepRecorder()
    io = make_client(recorder, retry=RetryPolicy(sleep=sleeper.sleep, clock=sleeper.clock))

    with pytest.raises(TransportError) as caught:
        await io.account.create_on_app_host(integration_token="partner", **SECTIONS)

    assert caught.value.outcome_unknown
    assert [request.url for request in recorder.requests] == [
        "https://app.invoiceocean.com/account.json"
    ]
    assert "owner-password" not in str(caught.value)


@pytest.fixture
async def io() -> AsyncIterator[InvoiceOcean]:
    async with (
        Sandbox(token="feature-token/acme") as sandbox,
        sandbox_client(sandbox, prefix="acme") as client,
    ):
        yield client


async def test_the_sandbox_creates_the_account(io: InvoiceOcean) -> None:
    created = await io.account.create_on_app_host(integration_token=Secret("partner"), **SECTIONS)

    assert created.prefix == "newco" and isinstance(created.api_token, Secret)
    # The same account store as create(): the prefix is taken now.
    other_owner = {"login": "other", "email": "other@newco.pl", "password": "pw"}
    again = await io.account.create(
        integration_token="partner", account=SECTIONS["account"], user=other_owner
    )
    assert again.prefix != "newco"
