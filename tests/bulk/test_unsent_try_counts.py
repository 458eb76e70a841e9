"""An item whose first try never left the machine, then found its oid taken by an invoice
that was in the account before the import, is counted "existed", not "created".

The importer treated every failed try but a 429/503 as one that may have landed, so the
invoice found later by its oid passed for the one this import made. A try refused before it
was sent (no connection through all of the client's retries, the deadline passed while it
waited) cannot have made one. A try that may have been sent still counts as sent: the retry
layer reports it as an outcome unknown, and the invoice found is then "created".

The journal says the same to a resumed run: an item given up on with no try ever sent stays
"pending" (with the reason), not "failed", which the next run took for "sent before"; and it is
"pending" again while the import waits to try it once more, so a run stopped then does not
take it for sent either.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from invoceanio import (
    AuthenticationError,
    ConnectError,
    InvoiceOcean,
    RequestTimeout,
    RetryPolicy,
)
from invoceanio.errors import ConnectionLostError, InvoiceOceanError
from invoceanio.http import Request, Response
from invoceanio.importer import ImportItem, ImportReport, run_import
from invoceanio.sandbox import Sandbox
from invoceanio.transport import AiohttpTransport
from tests.support import SleepRecorder


class ScriptedCreates:
    """The real transport, but the creates fail as scripted, one ``(make, landed)`` per create
    (``landed``: the sandbox stored the invoice before the failure); later ones go through."""

    def __init__(self, *script: tuple[Any, bool]) -> None:
        self.inner = AiohttpTransport()
        self.script = list(script)
        self.creates = 0

    async def send(self, request: Request) -> Response:
        if request.method != "POST":
            return await self.inner.send(request)
        self.creates += 1
        if not self.script:
            return await self.inner.send(request)
        make, landed = self.script.pop(0)
        if landed:
            await self.inner.send(request)
        raise make(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def _never_connected(request: Request) -> InvoiceOceanError:
    return ConnectError("connection refused", method=request.method, url=request.path)


def _deadline(request: Request) -> InvoiceOceanError:
    return RequestTimeout(
        "the deadline passed", phase="deadline", method=request.method, url=request.path
    )


def _dropped(request: Request) -> InvoiceOceanError:
    return ConnectionLostError("connection reset", method=request.method, url=request.path)


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(token="unsent-token") as running:
        yield running


def _client(sandbox: Sandbox, transport: ScriptedCreates, attempts: int) -> InvoiceOcean:
    clock = SleepRecorder()
    policy = RetryPolicy(max_attempts=attempts, sleep=clock.sleep, clock=clock.clock, deadline=None)
    return InvoiceOcean(
        base_url=sandbox.url, api_token=sandbox.token, transport=transport, retry=policy
    )


ITEM = {
    "buyer_name": "B",
    "positions": [{"name": "x", "tax": 23, "quantity": 1, "total_price_gross": "5"}],
}


async def _made_last_week(sandbox: Sandbox) -> int:
    async with InvoiceOcean(base_url=sandbox.url, api_token=sandbox.token) as io:
        return (await io.invoices.create({**ITEM, "oid": "ORDER-1"})).id


@pytest.mark.parametrize(
    "make", [_never_connected, _deadline], ids=["no connection", "deadline passed"]
)
async def test_an_unsent_first_try_leaves_the_invoice_found_existed(
    sandbox: Sandbox, make: Any
) -> None:
    before = await _made_last_week(sandbox)
    # Both of the client's attempts of the first try fail unsent; the item's second try
    # finds the oid taken.
    transport = ScriptedCreates((make, False), (make, False))
    async with _client(sandbox, transport, attempts=2) as io:
        report = await io.invoices.create_many([ImportItem(ITEM, key="ORDER-1")])
    assert (report.created, report.existed, report.failed) == (0, 1, 0)
    assert transport.creates == 3
    assert [r["id"] for r in sandbox.store.records("invoices")] == [before]


async def test_a_first_try_that_may_have_landed_makes_the_invoice_found_created(
    sandbox: Sandbox,
) -> None:
    # The counterpart: the first try stored the invoice and its answer was lost. The retry
    # layer looks the oid up and finds it: the invoice this import made.
    transport = ScriptedCreates((_dropped, True))
    async with _client(sandbox, transport, attempts=2) as io:
        report = await io.invoices.create_many([ImportItem(ITEM, key="ORDER-1")])
    assert (report.created, report.existed, report.failed) == (1, 0, 0)
    assert len(sandbox.store.records("invoices")) == 1


# --- the journal: what a resumed run learns of an item no try of which ever left ----------


def _state(journal: Path, oid: str) -> tuple[str, str | None]:
    with sqlite3.connect(journal) as db:
        state, error = db.execute("SELECT state, error FROM items WHERE oid = ?", (oid,)).fetchone()
    return state, error


async def _import(
    sandbox: Sandbox, transport: Any, journal: Path, states: list[tuple[str, str | None]]
) -> ImportReport:
    """One item (oid ORDER-1), two tries of one attempt each; ``states`` gets the journal's
    state of it while the import waits between the tries."""

    async def between_tries(delay: float) -> None:
        states.append(_state(journal, "ORDER-1"))

    policy = RetryPolicy(max_attempts=1, deadline=None)
    async with InvoiceOcean(
        base_url=sandbox.url, api_token=sandbox.token, transport=transport, retry=policy
    ) as io:
        return await run_import(
            io.invoices,
            [ImportItem(ITEM, key="ORDER-1")],
            journal=journal,
            max_item_attempts=2,
            sleep=between_tries,
        )


async def test_an_item_never_sent_stays_pending_so_its_resume_counts_it_existed(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    # It was journaled "failed", which a resumed run took for "sent before": the invoice that
    # had the oid before the import was then counted as one the import created.
    before = await _made_last_week(sandbox)
    journal = tmp_path / "import.sqlite"
    states: list[tuple[str, str | None]] = []
    transport = ScriptedCreates((_never_connected, False), (_deadline, False))
    first = await _import(sandbox, transport, journal, states)
    assert (first.created, first.existed, first.failed) == (0, 0, 1)
    assert [state for state, _ in states] == ["pending"]
    state, error = _state(journal, "ORDER-1")
    assert state == "pending"
    assert error is not None and error.startswith("RequestTimeout")

    resumed = await _import(sandbox, ScriptedCreates(), journal, [])
    assert (resumed.created, resumed.existed, resumed.failed) == (0, 1, 0)
    assert [r["id"] for r in sandbox.store.records("invoices")] == [before]
    assert _state(journal, "ORDER-1")[0] == "confirmed"


async def test_an_item_that_may_have_landed_stays_failed_though_its_last_try_never_left(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    # The first try stored the invoice and lost its answer; the second never left. The
    # invoice a resumed run finds is the one this import made.
    journal = tmp_path / "import.sqlite"
    states: list[tuple[str, str | None]] = []
    transport = ScriptedCreates((_dropped, True), (_never_connected, False))
    first = await _import(sandbox, transport, journal, states)
    assert first.failed == 1
    assert [state for state, _ in states] == ["sent"]
    assert _state(journal, "ORDER-1")[0] == "failed"

    resumed = await _import(sandbox, ScriptedCreates(), journal, [])
    assert (resumed.created, resumed.existed, resumed.failed) == (1, 0, 0)
    assert len(sandbox.store.records("invoices")) == 1


async def test_an_import_stopped_by_a_refused_token_leaves_its_item_pending(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    # A 401 made nothing, yet the item stayed "sent", and the run resumed with the right
    # token counted the invoice that had the oid before the import as one it created.
    before = await _made_last_week(sandbox)
    journal = tmp_path / "import.sqlite"
    async with InvoiceOcean(base_url=sandbox.url, api_token="not-the-token") as io:
        with pytest.raises(AuthenticationError):
            await io.invoices.create_many([ImportItem(ITEM, key="ORDER-1")], journal=journal)
    assert _state(journal, "ORDER-1")[0] == "pending"

    async with InvoiceOcean(base_url=sandbox.url, api_token=sandbox.token) as io:
        resumed = await io.invoices.create_many([ImportItem(ITEM, key="ORDER-1")], journal=journal)
    assert (resumed.created, resumed.existed, resumed.failed) == (0, 1, 0)
    assert [r["id"] for r in sandbox.store.records("invoices")] == [before]
