"""Review 37, the bulk importer: any failure of one item (its data cannot be written, a
transport raising something unexpected, a journal that cannot be written) is reported with the
item's source, oid and data and the others go on; a resumed item keeps its "sent" in the
journal until it is really sent again; bad arguments are refused before anything is sent."""

from __future__ import annotations

import asyncio
import json
import math
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from invoceanio import ConfigurationError, InvoiceOcean, PermissionDeniedError, RetryPolicy
from invoceanio.importer import ImportItem, ImportReport
from invoceanio.journal import ImportJournal, account_of
from invoceanio.models import InvoiceDraft, PositionDraft
from invoceanio.sandbox import Sandbox
from invoceanio.transport import MockTransport
from tests.support import json_response


def _invoice(name: str, **position: Any) -> dict[str, Any]:
    return {
        "buyer_name": name,
        "positions": [
            {"name": "x", "tax": 23, "quantity": 1, "total_price_gross": "1.00", **position}
        ],
    }


class Server:
    """A mock API that creates every invoice, and raises ``fail_with`` for the oid ``fail``."""

    def __init__(self, fail: str | None = None, fail_with: BaseException | None = None) -> None:
        self.sent: list[dict[str, Any]] = []
        self.fail = fail
        self.fail_with = fail_with

    def __call__(self, request: Any) -> Any:
        invoice = json.loads(request.body)["invoice"]
        self.sent.append(invoice)
        if invoice["oid"] == self.fail and self.fail_with is not None:
            raise self.fail_with
        return json_response(201, {"id": len(self.sent), **invoice})

    def client(self) -> InvoiceOcean:
        return InvoiceOcean(
            prefix="acme",
            api_token="tok",
            transport=MockTransport(self),
            retry=RetryPolicy(max_attempts=1),
        )


async def _import(server: Server, items: list[Any], **options: Any) -> ImportReport:
    async with server.client() as io:
        return await io.invoices.create_many(items, concurrency=1, **options)


# --- 1 and 4: a failure of one item keeps what is known of it --------------------------------


@pytest.mark.parametrize("error", [ValueError("odd value"), TypeError("odd type"), MemoryError()])
async def test_an_item_whose_document_cannot_be_built_fails_alone_with_its_source_oid_and_data(
    monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    server = Server()
    async with server.client() as io:
        document = io.invoices._document

        def build(data: Any) -> dict[str, Any]:
            if data.get("buyer_name") == "Bad":
                raise error
            return document(data)

        monkeypatch.setattr(io.invoices, "_document", build)
        report = await io.invoices.create_many(
            [
                ImportItem(_invoice("A"), key="K-1", source="line 2"),
                ImportItem(_invoice("Bad"), key="K-2", source="line 3"),
                ImportItem(_invoice("C"), key="K-3", source="line 4"),
            ],
            concurrency=1,
        )
    assert (report.created, report.failed) == (2, 1)
    (failure,) = report.failures
    assert (failure.source, failure.oid, failure.status) == ("line 3", "K-2", "failed")
    assert failure.error is not None and failure.error.startswith(type(error).__name__)
    assert failure.data == _invoice("Bad")
    assert [invoice["oid"] for invoice in server.sent] == ["K-1", "K-3"]


async def test_an_amount_too_large_to_write_fails_its_item_with_its_data_not_the_run() -> None:
    """``1e999999999999999999`` cannot be written out (a MemoryError today, a ValueError once
    the models refuse it): either way the item fails with its source, oid and data."""
    huge = Decimal("1e999999999999999999")
    draft = InvoiceDraft(
        buyer_name="Huge",
        oid="OWN-2",
        positions=[
            PositionDraft(name="x", tax=Decimal(23), quantity=Decimal(1), total_price_gross=huge)
        ],
    )
    server = Server()
    report = await _import(
        server,
        [
            ImportItem(_invoice("A"), key="K-1", source="line 2"),
            ImportItem(draft, source="line 3"),
            ImportItem(_invoice("C", total_price_gross=huge), key="K-3", source="line 4"),
            ImportItem(_invoice("D"), key="K-4", source="line 5"),
        ],
    )
    assert (report.created, report.failed) == (2, 2)
    by_source = {failure.source: failure for failure in report.failures}
    assert by_source["line 3"].oid == "OWN-2"
    assert by_source["line 3"].data is not None
    assert by_source["line 3"].data["buyer_name"] == "Huge"
    assert by_source["line 3"].data["positions"][0]["total_price_gross"] == huge
    assert by_source["line 4"].oid == "K-3"
    assert by_source["line 4"].data == _invoice("C", total_price_gross=huge)


async def test_a_configuration_error_from_the_document_keeps_the_data() -> None:
    copied = {**_invoice("Copy"), "copy_invoice_from": 5}  # positions and a copy: exclusive
    report = await _import(Server(), [ImportItem(copied, key="K-9", source="lines 7-8")])
    (failure,) = report.failures
    assert (failure.source, failure.oid) == ("lines 7-8", "K-9")
    assert failure.error is not None and failure.error.startswith("ConfigurationError")
    assert failure.data == copied


async def test_an_unexpected_exception_from_the_send_keeps_source_oid_and_data(
    tmp_path: Path,
) -> None:
    server = Server(fail="B-2", fail_with=KeyError("boom"))
    journal = tmp_path / "j.sqlite"
    items = [
        ImportItem(_invoice(f"Buyer {n}"), key=f"B-{n}", source=f"line {n + 2}") for n in (1, 2, 3)
    ]
    report = await _import(server, items, journal=journal)
    assert (report.created, report.failed) == (2, 1)
    (failure,) = report.failures
    assert (failure.source, failure.oid) == ("line 4", "B-2")
    assert failure.error == "KeyError: 'boom'"
    assert failure.data is not None
    assert (failure.data["oid"], failure.data["buyer_name"]) == ("B-2", "Buyer 2")
    with ImportJournal(journal) as opened:
        entry = opened.entry("B-2")
    assert entry is not None
    # Given up after sending (it may have landed): a resumed import sends it again safely.
    assert (entry.state, entry.source) == ("failed", "line 4")


async def test_a_failure_outside_the_send_keeps_source_oid_and_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the worker itself does not catch (here a journal that cannot be written) is
    reported from the item the pool hands back, with all that is known of it."""
    real = ImportJournal.pending

    def pending(self: ImportJournal, oid: str, position: int, source: str | None = None) -> None:
        if oid == "B-2":
            raise sqlite3.OperationalError("disk I/O error")
        real(self, oid, position, source)

    monkeypatch.setattr(ImportJournal, "pending", pending)
    server = Server()
    items = [
        ImportItem(_invoice(f"Buyer {n}"), key=f"B-{n}", source=f"line {n + 2}") for n in (1, 2, 3)
    ]
    report = await _import(server, items, journal=tmp_path / "j.sqlite")
    assert (report.created, report.failed) == (2, 1)
    (failure,) = report.failures
    assert (failure.source, failure.oid) == ("line 4", "B-2")
    assert failure.error == "OperationalError: disk I/O error"
    assert failure.data is not None and failure.data["buyer_name"] == "Buyer 2"


# --- 6. a resumed item keeps "sent" until it is sent again -----------------------------------


async def test_an_interrupted_paced_resume_keeps_what_an_earlier_run_sent(tmp_path: Path) -> None:
    journal = tmp_path / "j.sqlite"

    def item(oid: str) -> ImportItem:
        return ImportItem({**_invoice("B"), "oid": oid}, source=oid)

    async with Sandbox(token="t0k") as sandbox:
        async with InvoiceOcean(base_url=sandbox.url, api_token=sandbox.token) as io:
            # Run 1 sent X, which landed, and was killed before the answer.
            await io.invoices.create(item("X").data)
            with ImportJournal(journal, target=account_of(io.base_url)) as opened:
                opened.pending("X", 0, "X")
                opened.sent("X", 0)

            # Run 2, paced: Y takes the first slot, X waits for the next (a minute away), and
            # the run is stopped then.
            def stop(_: Any) -> None:
                task = asyncio.current_task()
                assert task is not None
                task.cancel()

            with pytest.raises(asyncio.CancelledError):
                await io.invoices.create_many(
                    [item("Y"), item("X")],
                    journal=journal,
                    rate_per_minute=1,
                    concurrency=2,
                    on_progress=stop,
                )
            with ImportJournal(journal) as opened:
                entry = opened.entry("X")
            assert entry is not None and entry.state == "sent"

            # Run 3: X is the invoice this import made, not one that was there before.
            report = await io.invoices.create_many([item("Y"), item("X")], journal=journal)
        assert (report.created, report.existed, report.skipped) == (1, 0, 1)
        assert sum(1 for record in sandbox.store.records("invoices") if record["oid"] == "X") == 1


# --- 7. bad arguments are refused before anything is sent ------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {"rate_per_minute": "10"},
        {"rate_per_minute": Decimal("10")},
        {"rate_per_minute": True},
        {"rate_per_minute": 0},
        {"rate_per_minute": -5},
        {"rate_per_minute": math.nan},
        {"rate_per_minute": math.inf},
        {"on_progress": 42},
        {"on_progress": "print"},
        {"concurrency": "4"},
        {"concurrency": 0},
    ],
)
async def test_bad_arguments_are_a_configuration_error_before_anything_is_sent(
    tmp_path: Path, options: dict[str, Any]
) -> None:
    server = Server()
    journal = tmp_path / "j.sqlite"
    items = [{"oid": f"A-{n}", **_invoice("B")} for n in range(3)]
    async with server.client() as io:
        with pytest.raises(ConfigurationError):
            await io.invoices.create_many(items, journal=journal, **options)
    assert server.sent == []
    assert not journal.exists()  # refused before the journal was even opened


@pytest.mark.parametrize("rate", [1, 0.5, 600, 1e-3])
async def test_good_rates_are_taken(rate: float) -> None:
    server = Server()
    report = await _import(server, [_invoice("A")], rate_per_minute=rate)
    assert report.created == 1


# --- an item's own oid_unique cannot switch the duplicate guard off ------------------------------


@pytest.mark.parametrize("asked", [False, "no", "", None, 0])
async def test_an_item_asking_for_no_oid_unique_fails_alone_unsent(asked: Any) -> None:
    # Before: it kept its own oid_unique, the server took a second invoice with the same oid,
    # and a re-run of the import made every such invoice twice.
    server = Server()
    items = [{**_invoice("A"), "oid": "O-1", "oid_unique": asked}, {**_invoice("B"), "oid": "O-2"}]

    report = await _import(server, items)

    assert (report.created, report.failed) == (1, 1)
    [failure] = report.failures
    assert failure.oid == "O-1" and "oid_unique" in failure.error
    assert [invoice["oid"] for invoice in server.sent] == ["O-2"]
    assert server.sent[0]["oid_unique"] == "yes"


@pytest.mark.parametrize("asked", ["yes", True, "1", 1, "true", "Yes", "YES"])
async def test_an_item_asking_for_oid_unique_itself_is_sent(asked: Any) -> None:
    # Every spelling of yes the API reads; sent as the one it documents.
    server = Server()

    report = await _import(server, [{**_invoice("A"), "oid": "O-1", "oid_unique": asked}])

    assert report.created == 1 and server.sent[0]["oid_unique"] == "yes"


async def test_an_invoice_draft_asking_for_oid_unique_in_extra_is_read_alike() -> None:
    server = Server()
    yes = InvoiceDraft(buyer_name="A", oid="O-1", extra={"oid_unique": "1"})
    no = InvoiceDraft(buyer_name="B", oid="O-2", extra={"oid_unique": "no"})

    report = await _import(server, [yes, no])

    assert (report.created, report.failed) == (1, 1)
    assert [invoice["oid"] for invoice in server.sent] == ["O-1"]


# --- a run that stops leaves no worker behind -----------------------------------------------------


async def test_a_run_stopped_by_a_fatal_error_leaves_no_worker_and_a_true_journal(
    tmp_path: Path,
) -> None:
    # Before: the pool was left to the garbage collector. Its workers outlived create_many,
    # and the creates they finished after it raised found the journal closed: left "sent".
    release = asyncio.Event()
    created: list[str] = []

    async def handler(request: Any) -> Any:
        oid = json.loads(request.body)["invoice"]["oid"]
        if oid == "O-0":
            await asyncio.sleep(0.01)
            return json_response(403, {"code": "error", "message": "forbidden"})
        await release.wait()
        created.append(oid)
        return json_response(201, {"id": len(created), "oid": oid})

    def workers() -> list[asyncio.Task[Any]]:
        return [
            task
            for task in asyncio.all_tasks()
            if not task.done() and getattr(task.get_coro(), "__name__", "") == "worker"
        ]

    journal = tmp_path / "journal.db"
    items = [{**_invoice(f"B{i}"), "oid": f"O-{i}"} for i in range(10)]
    async with InvoiceOcean(prefix="acme", api_token="tok", transport=MockTransport(handler)) as io:
        with pytest.raises(PermissionDeniedError):
            await io.invoices.create_many(items, journal=journal, concurrency=4)
        assert workers() == []
        release.set()
        for _ in range(5):
            await asyncio.sleep(0)

    # The creates in flight were cancelled, not finished behind the journal's back.
    assert created == []
    with sqlite3.connect(journal) as db:
        states = dict(db.execute("SELECT oid, state FROM items").fetchall())
    assert "confirmed" not in states.values()
