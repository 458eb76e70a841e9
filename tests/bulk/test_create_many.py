"""``io.invoices.create_many``: every item gets an oid and goes out with ``oid_unique``; under
dropped connections, 5xx and 429 every invoice exists exactly once; invoices that existed are
reported as such; bad items fail alone with their reason; a wrong token stops the import; a
journal makes a stopped import resume without re-sending what was confirmed.

Against the embedded sandbox over the real client stack. Retries sleep through a no-op, so
the faults cost no wall time."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from invoceanio import AuthenticationError, InvoiceOcean, RetryPolicy
from invoceanio.importer import ImportItem, ImportProgress, derive_oid
from invoceanio.journal import ImportJournal
from invoceanio.sandbox import FaultConfig, Sandbox
from invoceanio.transport import MockTransport
from tests.support import json_response

# 10% 5xx, 5% 429 (no Retry-After), 2% dropped after the create is stored, 1% before.
HARSH = FaultConfig(
    seed=1234,
    error_rate=0.15,
    error_statuses={500: 2, 502: 2, 503: 2, 429: 3},
    drop_after_store_rate=0.02,
    drop_before_store_rate=0.01,
)


class FakeTime:
    """Retries and throttle pauses wait on this clock: advanced, never slept."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


def _client(sandbox: Sandbox, **options: Any) -> InvoiceOcean:
    time = FakeTime()
    options.setdefault("retry", RetryPolicy(sleep=time.sleep, clock=time.clock, deadline=None))
    return InvoiceOcean(base_url=sandbox.url, api_token=sandbox.token, timeout=10, **options)


def _invoice(number: int) -> dict[str, Any]:
    return {
        "buyer_name": f"Buyer {number % 17}",
        "issue_date": "2026-11-20",
        "positions": [
            {
                "name": f"Item {number}",
                "tax": 23,
                "quantity": 1,
                "total_price_gross": f"{number}.50",
            }
        ],
    }


def _oids(sandbox: Sandbox) -> Counter[str]:
    return Counter(str(record["oid"]) for record in sandbox.store.records("invoices"))


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(token="bulk-token") as running:
        yield running


async def test_under_drops_5xx_and_429_every_invoice_exists_exactly_once(sandbox: Sandbox) -> None:
    sandbox.faults.reconfigure(HARSH)
    items = [ImportItem(_invoice(n), key=f"ORDER-{n}", source=f"line {n + 2}") for n in range(400)]
    progress: list[ImportProgress] = []
    async with _client(sandbox) as io:
        report = await io.invoices.create_many(items, concurrency=6, on_progress=progress.append)
    stats = sandbox.faults.stats()
    assert stats["drop_after_store"] > 0 and stats["drop_before_store"] > 0
    assert stats["server_error_429"] > 0 and stats["server_error_503"] > 0
    assert report.failed == 0, report.failures[:3]
    assert report.created + report.existed == 400 and report.skipped == 0
    oids = _oids(sandbox)
    assert set(oids) == {f"ORDER-{n}" for n in range(400)}
    assert max(oids.values()) == 1
    assert [p.done for p in progress] == list(range(1, 401))
    assert progress[-1].created == report.created


async def test_every_create_carries_an_oid_and_oid_unique() -> None:
    sent: list[dict[str, Any]] = []

    def answer(request: Any) -> Any:
        body = json.loads(request.body)
        sent.append(body)
        return json_response(201, {"id": len(sent), **body["invoice"]})

    async with InvoiceOcean(prefix="acme", api_token="tok", transport=MockTransport(answer)) as io:
        report = await io.invoices.create_many(
            [
                {"buyer_name": "A", "oid": "OWN-1"},
                ImportItem({"buyer_name": "B"}, key="ROW-7"),
                ImportItem({"buyer_name": "C"}, key="x" * 100),
                {"buyer_name": "D"},
            ],
            concurrency=1,
        )
    assert report.created == 4
    oids = [body["invoice"]["oid"] for body in sent]
    assert oids[:2] == ["OWN-1", "ROW-7"]
    assert oids[2].startswith("imp-") and oids[3].startswith("imp-")
    assert all(body["invoice"]["oid_unique"] == "yes" for body in sent)
    # Content-derived oids are stable: the same invoice maps to the same oid in every run.
    assert derive_oid({"buyer_name": "D"}, None) == oids[3]
    assert derive_oid({"buyer_name": "E"}, None) != oids[3]


async def test_invoices_that_exist_already_are_reported_not_duplicated(sandbox: Sandbox) -> None:
    async with _client(sandbox) as io:
        await io.invoices.create({**_invoice(1), "oid": "ORDER-1"})
        report = await io.invoices.create_many(
            [ImportItem(_invoice(n), key=f"ORDER-{n}") for n in range(3)]
        )
    assert (report.created, report.existed, report.failed) == (2, 1, 0)
    assert _oids(sandbox) == Counter({"ORDER-0": 1, "ORDER-1": 1, "ORDER-2": 1})


async def test_a_bad_item_fails_alone_with_its_reason_and_data(sandbox: Sandbox) -> None:
    bad = {
        "buyer_name": "Bad",
        "positions": [{"name": "X", "tax": "not a tax", "total_price_gross": 1}],
    }
    items = [
        ImportItem(_invoice(0), key="A", source="line 2"),
        ImportItem(bad, key="B", source="lines 3-4"),
        ImportItem(_invoice(2), key="C", source="line 5"),
        ImportItem(object(), key="D", source="line 6"),  # type: ignore[arg-type]
    ]
    async with _client(sandbox) as io:
        report = await io.invoices.create_many(items, concurrency=2)
    assert (report.created, report.failed) == (2, 2)
    by_source = {failure.source: failure for failure in report.failures}
    tax = by_source["lines 3-4"]
    assert tax.oid == "B" and "ValidationError" in (tax.error or "") and "tax" in (tax.error or "")
    assert tax.data is not None and tax.data["buyer_name"] == "Bad"
    assert "ConfigurationError" in (by_source["line 6"].error or "")
    assert set(_oids(sandbox)) == {"A", "C"}


async def test_a_wrong_token_stops_the_import(sandbox: Sandbox) -> None:
    async with InvoiceOcean(base_url=sandbox.url, api_token="wrong") as io:
        with pytest.raises(AuthenticationError):
            await io.invoices.create_many(ImportItem(_invoice(n), key=str(n)) for n in range(1000))
    assert sandbox.store.counts()["invoices"] == 0


async def test_a_stopped_import_resumes_from_its_journal(sandbox: Sandbox, tmp_path: Path) -> None:
    journal = tmp_path / "import.journal"
    items = [ImportItem(_invoice(n), key=f"ORDER-{n}") for n in range(120)]
    sandbox.faults.reconfigure(FaultConfig(seed=7, drop_after_store_rate=0.05, error_rate=0.05))
    async with _client(sandbox) as io:

        def stop_at_50(progress: ImportProgress) -> None:
            if progress.done == 50:
                raise KeyboardInterrupt  # the operator pressed Ctrl-C

        with pytest.raises(KeyboardInterrupt):
            await io.invoices.create_many(items, journal=journal, on_progress=stop_at_50)
        with ImportJournal(journal) as opened:
            counts = opened.counts()
        assert counts["confirmed"] >= 50
        first = sandbox.store.counts()["invoices"]
        resumed = await io.invoices.create_many(items, journal=journal, concurrency=3)
    assert resumed.skipped == counts["confirmed"]
    assert resumed.skipped + resumed.created + resumed.existed == 120 and resumed.failed == 0
    assert sandbox.store.counts()["invoices"] == 120 >= first
    assert max(_oids(sandbox).values()) == 1
    text = journal.read_bytes()
    assert sandbox.token.encode() not in text  # the journal holds no credential


async def test_a_generator_is_consumed_lazily(sandbox: Sandbox) -> None:
    pulled = 0

    def rows() -> Iterator[ImportItem]:
        nonlocal pulled
        for n in range(60):
            pulled += 1
            yield ImportItem(_invoice(n), key=f"G-{n}")

    seen: list[int] = []
    async with _client(sandbox) as io:
        await io.invoices.create_many(
            rows(), concurrency=2, on_progress=lambda p: seen.append(pulled - p.done)
        )
    # Never more than the workers and their bounded queue ahead of what is done.
    assert max(seen) <= 2 * 3 + 1


async def test_an_invoice_this_import_made_on_an_earlier_try_counts_as_created() -> None:
    """A try that failed after the invoice was stored, then a try that finds the oid taken:
    the import made that invoice, so it is 'created', not 'existed'."""
    sent: list[str] = []

    def answer(request: Any) -> Any:
        sent.append(request.method)
        if len(sent) == 1:
            return json_response(500, {"code": "error", "message": "gateway"})
        if request.method == "POST":
            return json_response(
                422, {"code": "error", "message": {"oid": ["has already been taken"]}}
            )
        return json_response(200, [{"id": 9, "oid": "X-1"}])

    time = FakeTime()
    retry = RetryPolicy(max_attempts=1, sleep=time.sleep, clock=time.clock)
    async with InvoiceOcean(
        prefix="acme", api_token="tok", transport=MockTransport(answer), retry=retry
    ) as io:
        report = await io.invoices.create_many([{"oid": "X-1", "buyer_name": "B"}])
    assert sent == ["POST", "POST", "GET"]  # failed, then refused as taken, then looked up
    assert (report.created, report.existed) == (1, 0)


async def test_the_import_keeps_the_new_id_even_when_other_fields_of_the_answer_are_odd() -> None:
    """The importer keeps only the id of each answer: an id sent as a string is read as the
    int, and a field it never uses (a garbled total) does not turn a stored invoice into a
    'failed' item that a rerun would then report as 'existed'."""
    answers = iter(
        [
            {"id": "41", "oid": "A-1"},
            {"id": 42, "oid": "A-2", "price_gross": "twelve"},
        ]
    )

    def answer(request: Any) -> Any:
        return json_response(201, next(answers))

    done: list[ImportProgress] = []
    async with InvoiceOcean(prefix="acme", api_token="tok", transport=MockTransport(answer)) as io:
        report = await io.invoices.create_many(
            [{"oid": "A-1", "buyer_name": "A"}, {"oid": "A-2", "buyer_name": "B"}],
            concurrency=1,
            on_progress=done.append,
        )
    assert (report.created, report.failed) == (2, 0)
    assert [(state.last.oid, state.last.invoice_id) for state in done] == [
        ("A-1", 41),
        ("A-2", 42),
    ]


@pytest.mark.parametrize(
    "body",
    [{"oid": "A-1"}, {"id": None}, {"id": ""}, {"id": "forty"}, {"id": True}, [], "created"],
    ids=["no id", "null id", "blank id", "text id", "boolean id", "a list", "a string"],
)
async def test_an_answer_without_a_usable_id_fails_the_item_with_a_decode_error(body: Any) -> None:
    time = FakeTime()
    async with InvoiceOcean(
        prefix="acme",
        api_token="tok",
        transport=MockTransport(lambda request: json_response(201, body)),
        retry=RetryPolicy(sleep=time.sleep, clock=time.clock),
    ) as io:
        report = await io.invoices.create_many([{"oid": "A-1", "buyer_name": "A"}])
    assert (report.created, report.failed) == (0, 1)
    (failure,) = report.failures
    assert "DecodeError" in (failure.error or "")
    assert "no valid id" in (failure.error or "")
