"""The journal belongs to one account and one import at a time (audit findings 1 and 8).

A journal's "confirmed" items were created in the account it was used with: used against
another one, every invoice would be skipped and none created there. It is refused before any
request; a journal from before targets were kept takes the first one it is used with. While an
import holds it, a second one is refused."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from invoceanio import ConfigurationError, InvoiceOcean
from invoceanio.journal import ImportJournal, account_of
from invoceanio.sandbox import Sandbox
from invoceanio.transport import MockTransport
from tests.support import json_response


def _items() -> list[dict[str, Any]]:
    return [
        {
            "oid": f"ORD-{number}",
            "buyer_name": "Jan",
            "positions": [{"name": "X", "quantity": 1, "tax": 23, "total_price_gross": "10"}],
        }
        for number in range(5)
    ]


def _stored_target(journal: Path) -> str | None:
    with sqlite3.connect(journal) as db:
        row = db.execute("SELECT value FROM meta WHERE key = 'target'").fetchone()
    return None if row is None else str(row[0])


async def test_a_journal_of_one_account_is_refused_for_another_before_anything_is_sent(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "import.journal"
    async with Sandbox(token="t") as first, Sandbox(token="t") as second:
        async with InvoiceOcean(base_url=first.url, api_token="t") as io:
            report = await io.invoices.create_many(_items(), journal=journal)
        assert report.created == 5
        async with InvoiceOcean(base_url=second.url, api_token="t") as io:
            with pytest.raises(ConfigurationError) as refused:
                await io.invoices.create_many(_items(), journal=journal)
        # Before the fix: no error, all 5 "skipped", and nothing in the second account.
        assert f"is the journal of an import into {first.url}, not {second.url}" in str(
            refused.value
        )
        assert second.store.counts()["invoices"] == 0
        # The account it belongs to still resumes from it.
        async with InvoiceOcean(base_url=first.url, api_token="t") as io:
            again = await io.invoices.create_many(_items(), journal=journal)
        assert again.skipped == 5 and again.created == 0


async def test_the_target_is_the_base_url_never_the_token(tmp_path: Path) -> None:
    journal = tmp_path / "import.journal"
    requests: list[Any] = []

    def answer(request: Any) -> Any:
        requests.append(request)
        body = json.loads(request.body)
        return json_response(201, {"id": len(requests), **body["invoice"]})

    token = "secret-token-5d1e"
    async with InvoiceOcean(prefix="acme", api_token=token, transport=MockTransport(answer)) as io:
        await io.invoices.create_many(_items()[:1], journal=journal)
        assert _stored_target(journal) == account_of(io.base_url) == io.base_url
    assert token.encode() not in journal.read_bytes()
    requests.clear()
    transport = MockTransport(answer)
    async with InvoiceOcean(prefix="other", api_token=token, transport=transport) as io:
        with pytest.raises(ConfigurationError, match="https://acme"):
            await io.invoices.create_many(_items(), journal=journal)
    assert requests == []  # refused before any request


def test_the_same_account_written_differently_is_the_same_target() -> None:
    base = "https://acme.invoiceocean.com"
    assert account_of("HTTPS://Acme.InvoiceOcean.com:443/") == base
    assert account_of(base + "/") == base
    assert account_of("http://127.0.0.1:8080/") == "http://127.0.0.1:8080"
    assert account_of("http://127.0.0.1:8080") != account_of("http://127.0.0.1:8081")
    assert account_of("https://acme.fakturownia.pl") != base


async def test_a_journal_from_before_targets_takes_the_first_one_it_is_used_with(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "old.journal"
    async with Sandbox(token="t") as first, Sandbox(token="t") as second:
        async with InvoiceOcean(base_url=first.url, api_token="t") as io:
            await io.invoices.create_many(_items(), journal=journal)
        with sqlite3.connect(journal) as db:  # as an older version left it
            db.execute("DELETE FROM meta WHERE key = 'target'")
        async with InvoiceOcean(base_url=first.url, api_token="t") as io:
            again = await io.invoices.create_many(_items(), journal=journal)
        assert again.skipped == 5  # it keeps working, and now knows its account
        assert _stored_target(journal) == first.url
        async with InvoiceOcean(base_url=second.url, api_token="t") as io:
            with pytest.raises(ConfigurationError, match="is the journal of an import into"):
                await io.invoices.create_many(_items(), journal=journal)
        assert second.store.counts()["invoices"] == 0


async def test_a_label_names_an_account_whose_url_changes(tmp_path: Path) -> None:
    journal = tmp_path / "import.journal"
    for _ in range(2):  # a new sandbox, on a new port, each time
        async with Sandbox(token="t") as sandbox:
            io = InvoiceOcean(base_url=sandbox.url, api_token="t")
            async with io:
                report = await io.invoices.create_many(
                    _items(), journal=journal, journal_target="my test server"
                )
    assert report.skipped == 5
    assert _stored_target(journal) == "my test server"


def test_a_journal_in_use_is_refused_until_it_is_closed(tmp_path: Path) -> None:
    path = tmp_path / "import.journal"
    with (
        ImportJournal(path, target="https://acme.invoiceocean.com"),
        pytest.raises(ConfigurationError, match="is in use by another import"),
    ):
        ImportJournal(path, target="https://acme.invoiceocean.com")
    with ImportJournal(path, target="https://acme.invoiceocean.com") as journal:
        assert journal.target == "https://acme.invoiceocean.com"


async def test_an_import_on_a_journal_in_use_sends_nothing(tmp_path: Path) -> None:
    path = tmp_path / "import.journal"
    async with Sandbox(token="t") as sandbox:
        with ImportJournal(path):  # another import holds it
            async with InvoiceOcean(base_url=sandbox.url, api_token="t") as io:
                with pytest.raises(ConfigurationError, match="in use by another import"):
                    await io.invoices.create_many(_items(), journal=path)
        assert sandbox.store.counts()["invoices"] == 0
