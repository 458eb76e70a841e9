"""``invoceanio import`` and the JSONL reader, on the audit's findings 1-5, 7 and 9: a journal is
refused for another account (the embedded sandbox keeps resuming), an unwritable failures file
stops before anything is sent, a line nested too deeply or holding a lone surrogate is a bad line
like any other, a repeated oid-less line is reported instead of merged, a JSONL export with
discounts imports back with the same totals, and progress in a log is one line per update."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from invoceanio import InvoiceOcean, cli
from invoceanio.formats import InvoiceWriter, RowError, read_invoices
from invoceanio.formats.failures import FailuresFile
from invoceanio.importer import ImportItem
from invoceanio.sandbox.server import Sandbox

from .conftest import CANARY_TOKEN, Run, failures, invoice, write_csv, write_jsonl

RunAsync = Callable[..., Any]

ROWS = (
    "ORD-1,Jan Nowak,2026-03-02,Chleb,10,5,120",
    "ORD-2,Northwind Ltd,2026-03-03,Design,2,23,300",
    "ORD-3,Jan Nowak,2026-03-04,Szkolenie,1,zw,1200",
)


def read_all(path: Path) -> list[ImportItem | RowError]:
    with read_invoices(path) as reader:
        return list(reader)


def oids(sandbox: Sandbox) -> list[str]:
    return sorted(str(record.get("oid")) for record in sandbox.store.records("invoices"))


# --- 1. the journal belongs to one account ------------------------------------------------------


async def test_a_journal_resumes_in_the_embedded_sandbox_and_is_refused_for_an_account(
    tmp_path: Path,
    run_async: RunAsync,
    embedded: list[Sandbox],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = write_csv(tmp_path / "invoices.csv", *ROWS)
    journal = tmp_path / "sandbox.journal"
    first = await run_async("import", path, "--journal", journal)
    assert first.code == 0, first
    # A new embedded sandbox (a new port) for every command: the journal still resumes.
    again = await run_async("import", path, "--journal", journal)
    assert again.code == 0, again
    assert "skipped:          3" in again.out
    stale = tmp_path / "invoices.csv.failures.jsonl"
    stale.write_text('{"source": "line 9"}\n', encoding="utf-8")
    async with Sandbox(token=CANARY_TOKEN) as account:
        url = account.url
        monkeypatch.setenv(cli.TOKEN_VARIABLE, CANARY_TOKEN)
        refused = await run_async("import", path, "--base-url", account.url, "--journal", journal)
        assert refused.code == 2, refused
        assert (
            f"{journal} is the journal of an import into the embedded sandbox, not {account.url}"
            in refused.err
        )
        assert "Traceback" not in refused.err
        assert account.store.counts()["invoices"] == 0  # before the fix: 0 too, "skipped 3"
        assert stale.read_text(encoding="utf-8") == '{"source": "line 9"}\n'  # left as it was
        # And the other way round: an account's journal is not the sandbox's.
        own = tmp_path / "account.journal"
        done = await run_async("import", path, "--base-url", account.url, "--journal", own)
        assert done.code == 0, done
        assert oids(account) == ["ORD-1", "ORD-2", "ORD-3"]
    monkeypatch.delenv(cli.TOKEN_VARIABLE)
    back = await run_async("import", path, "--journal", own)
    assert back.code == 2, back
    assert f"an import into {url}, not the embedded sandbox" in back.err


# --- 2. the failures file is checked before anything is sent ------------------------------------


@pytest.mark.parametrize("where", ["missing folder", "directory", "the input"])
async def test_a_failures_file_that_cannot_be_written_stops_before_anything_is_sent(
    tmp_path: Path, sandbox: Sandbox, run_async: RunAsync, where: str
) -> None:
    path = write_csv(tmp_path / "invoices.csv", ROWS[0], "BAD,Jan,2026-03-02,X,1,23,x", ROWS[1])
    target = {
        "missing folder": tmp_path / "no" / "such" / "f.jsonl",
        "directory": tmp_path,
        "the input": path,
    }[where]
    before = path.read_bytes()
    result = await run_async("import", path, "--base-url", sandbox.url, "--failures", target)
    assert result.code == 2, result
    assert "failures file" in result.err and "nothing was sent" in result.err
    assert "Traceback" not in result.err
    assert sandbox.store.counts()["invoices"] == 0
    assert path.read_bytes() == before


def test_the_failures_file_never_fails_on_text_that_is_not_unicode(tmp_path: Path) -> None:
    written = FailuresFile(tmp_path / "f.jsonl")
    written.write(source="line 1", stage="send", error="bad \ud800", data={"buyer_name": "J\udc00"})
    written.close()
    (record,) = failures(tmp_path / "f.jsonl")
    assert record["error"] == "bad \ud800"  # escaped on the way out, the same text read back
    assert record["data"] == {"buyer_name": "J\udc00"}


# --- 3. and 4. lines that cannot be read as an invoice --------------------------------------------


def _deep(depth: int) -> str:
    """A good invoice but for one field nested ``depth`` lists deep."""
    return json.dumps(invoice("B"))[:-1] + ', "x": ' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize("depth", [40, 100_000])
async def test_a_line_nested_too_deeply_is_a_bad_line_and_the_others_go_in(
    tmp_path: Path, sandbox: Sandbox, run_async: RunAsync, depth: int
) -> None:
    path = write_jsonl(tmp_path / "a.jsonl", [invoice("A"), _deep(depth), invoice("C")])
    _, bad, _ = read_all(path)
    assert isinstance(bad, RowError)
    assert bad.error == "line 2: nested deeper than 32 levels of lists and objects (no invoice is)"
    result = await run_async("import", path, "--base-url", sandbox.url)
    assert result.code == 1, result
    assert oids(sandbox) == ["A", "C"]
    (failure,) = failures(tmp_path / "a.jsonl.failures.jsonl")
    assert (failure["line"], failure["stage"]) == (2, "file")


async def test_a_lone_surrogate_is_a_bad_line_in_a_dry_run_and_in_a_real_one(
    tmp_path: Path, sandbox: Sandbox, run_async: RunAsync
) -> None:
    line = json.dumps(invoice("A", buyer_name="J\ud800an"))  # ensure_ascii: "J\\ud800an"
    path = write_jsonl(tmp_path / "a.jsonl", [line, invoice("B")])
    bad, _ = read_all(path)
    assert isinstance(bad, RowError)
    assert bad.error.startswith("line 1: buyer_name: a lone surrogate")
    assert "cannot be encoded as UTF-8" in bad.error
    assert bad.data == line  # the line as written: text that can be written down
    dry = await run_async("import", path, "--dry-run")
    assert dry.code == 1, dry
    assert "rejected:       1" in dry.out
    result = await run_async("import", path, "--base-url", sandbox.url)
    assert result.code == 1, result
    assert "Traceback" not in result.err
    assert oids(sandbox) == ["B"]
    (failure,) = failures(tmp_path / "a.jsonl.failures.jsonl")
    assert (failure["line"], failure["stage"], failure["data"]) == (1, "file", line)


# --- 5. a repeated line without an oid -----------------------------------------------------------


async def test_a_repeated_line_without_an_oid_is_reported_not_merged(
    tmp_path: Path, sandbox: Sandbox, run_async: RunAsync
) -> None:
    sale = invoice(issue_date="2026-03-02")
    reordered = json.dumps(dict(reversed(list(sale.items()))), indent=None, separators=(",", ":"))
    other = invoice(issue_date="2026-03-03")
    path = write_jsonl(tmp_path / "a.jsonl", [sale, other, sale, reordered])
    result = await run_async("import", path, "--base-url", sandbox.url)
    assert result.code == 1, result
    assert "created:          2" in result.out
    assert "already existed:  0" in result.out
    written = failures(tmp_path / "a.jsonl.failures.jsonl")
    assert [(f["line"], f["error"]) for f in written] == [
        (
            line,
            f"line {line}: same content as line 1 and no oid: it would be taken for that "
            "invoice and not created (give each invoice its own oid)",
        )
        for line in (3, 4)
    ]
    # The identity is the importer's oid: the same file again creates nothing twice.
    again = await run_async("import", path, "--base-url", sandbox.url)
    assert "already existed:  2" in again.out
    assert sandbox.store.counts()["invoices"] == 2


# --- 7. a JSONL export with discounts imports back with the same totals --------------------------


async def test_a_jsonl_export_with_discounts_imports_back_with_the_same_totals(
    tmp_path: Path,
) -> None:
    discounts = {
        "percent_total": {"discount_percent": "10"},
        "amount": {"discount": "10"},
        "percent_unit": {"discount_percent": "10"},
        "percent_unit_gross": {"discount_percent": "10"},
    }
    out = tmp_path / "export.jsonl"
    async with Sandbox(token="t") as source, Sandbox(token="t") as target:
        async with InvoiceOcean(base_url=source.url, api_token="t") as io:
            for kind, discount in discounts.items():
                position = {"name": "X", "quantity": "3", "tax": "23", "price_gross": "33.33"}
                await io.invoices.create(
                    {
                        "oid": kind,
                        "buyer_name": "Jan",
                        "show_discount": True,
                        "discount_kind": kind,
                        "positions": [{**position, **discount}],
                    }
                )
            with InvoiceWriter(out) as writer:
                async for exported in io.invoices.iterate(period="all", include_positions=True):
                    writer.write(exported)
                writer.commit()
        totals = {
            str(r["oid"]): Decimal(r["price_gross"]) for r in source.store.records("invoices")
        }
        assert totals["amount"] < Decimal("99.99")  # the discounts were taken off once
        # A discount written by hand (not read back from the service) still applies, once.
        by_hand = {
            "oid": "by-hand",
            "buyer_name": "Jan",
            "show_discount": True,
            "discount_kind": "percent_total",
            "positions": [
                {"name": "X", "quantity": 1, "tax": 23, "total_price_gross": "100.00",
                 "discount_percent": "10"}
            ],
        }  # fmt: skip
        with out.open("a", encoding="utf-8") as file:
            file.write(json.dumps(by_hand) + "\n")
        items = []
        for item in read_all(out):
            assert isinstance(item, ImportItem), item
            assert isinstance(item.data, dict)
            item.data.pop("client_id", None)  # ids of the source account
            items.append(item)
        async with InvoiceOcean(base_url=target.url, api_token="t") as io:
            report = await io.invoices.create_many(items)
        assert report.created == 5, report.failures
        again = {str(r["oid"]): Decimal(r["price_gross"]) for r in target.store.records("invoices")}
    assert again == {**totals, "by-hand": Decimal("90.00")}


# --- 9. progress in a log -------------------------------------------------------------------------


def test_progress_outside_a_terminal_is_a_line_per_update(
    tmp_path: Path, run: Callable[..., Run], embedded: list[Sandbox]
) -> None:
    path = write_csv(tmp_path / "invoices.csv", *ROWS)
    result = run("import", path)  # stderr is captured here: not a terminal
    assert result.code == 0, result
    assert "\r" not in result.err
    progress = [line for line in result.err.splitlines() if line.startswith("importing:")]
    assert progress and "3/3" in progress[-1]
    assert all(line == line.rstrip() for line in progress)
