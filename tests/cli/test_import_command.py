"""``invoceanio import`` end to end, through ``cli.main([...])`` against a sandbox: the invoices
land in the sandbox's store, the summary and the exit codes say what happened, the failures
file holds every failure with its line, an unusable file stops before any request, a dry run
sends nothing, a journal makes a rerun skip everything, and the token is never printed."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from invoceanio import cli
from invoceanio.sandbox.server import Sandbox

from .conftest import CANARY_TOKEN, HEADER, Run, failures, invoice, write_csv, write_jsonl

RunAsync = Callable[..., Any]

GOOD_ROWS = (
    'ORD-1,Piekarnia Złoty Kłos,2026-03-02,Chleb,10,5,"120,00"',
    "ORD-1,,,Kawa,2,23,159.80",
    'ORD-2,Northwind Ltd,2026-03-03,Design (hour),"2,5",np,300',
    "ORD-3,Jan Nowak,2026-03-04,Szkolenie,1,zw,1200",
)


def stored(sandbox: Sandbox) -> dict[str, dict[str, Any]]:
    """The sandbox's invoices by oid."""
    return {record["oid"]: record for record in sandbox.store.records("invoices")}


def assert_no_token(result: Run) -> None:
    assert CANARY_TOKEN not in result.out
    assert CANARY_TOKEN not in result.err


# --- the happy paths ---------------------------------------------------------------------------


async def test_a_csv_import_creates_every_invoice(
    tmp_path: Path, sandbox: Sandbox, run_async: RunAsync
) -> None:
    path = write_csv(tmp_path / "invoices.csv", *GOOD_ROWS)
    result = await run_async("import", path, "--base-url", sandbox.url)
    assert result.code == 0, result
    invoices = stored(sandbox)
    assert set(invoices) == {"ORD-1", "ORD-2", "ORD-3"}
    first = invoices["ORD-1"]
    assert first["buyer_name"] == "Piekarnia Złoty Kłos"
    assert first["issue_date"] == "2026-03-02"
    assert [p["name"] for p in first["positions"]] == ["Chleb", "Kawa"]
    assert Decimal(first["price_gross"]) == Decimal("279.80")
    assert invoices["ORD-2"]["positions"][0]["tax"] == "np"
    assert Decimal(invoices["ORD-2"]["positions"][0]["quantity"]) == Decimal("2.5")
    assert "created:          3" in result.out
    assert "failed:           0" in result.out
    assert f"imported {path} into {sandbox.url}" in result.out
    # tqdm's bar, on stderr.
    assert "importing: 100%|" in result.err
    assert not (tmp_path / "invoices.csv.failures.jsonl").exists()
    assert_no_token(result)


async def test_a_jsonl_import_creates_every_invoice(
    tmp_path: Path, sandbox: Sandbox, run_async: RunAsync
) -> None:
    path = write_jsonl(
        tmp_path / "invoices.jsonl",
        [invoice("J-1"), invoice("J-2", buyer_name="Beta", currency="EUR"), invoice()],
    )
    result = await run_async("import", path, "--base-url", sandbox.url)
    assert result.code == 0, result
    records = sandbox.store.records("invoices")
    assert len(records) == 3
    oids = {record["oid"] for record in records}
    assert {"J-1", "J-2"} < oids
    # The line without an oid got one derived from its content.
    (derived,) = oids - {"J-1", "J-2"}
    assert derived.startswith("imp-")
    assert stored(sandbox)["J-2"]["currency"] == "EUR"
    assert "created:          3" in result.out


async def test_the_xml_format_imports_too(
    tmp_path: Path, sandbox: Sandbox, run_async: RunAsync
) -> None:
    path = write_csv(tmp_path / "invoices.csv", *GOOD_ROWS)
    result = await run_async("import", path, "--base-url", sandbox.url, "--format", "xml")
    assert result.code == 0, result
    assert len(stored(sandbox)) == 3


def test_without_an_account_it_imports_into_an_embedded_sandbox_and_says_so(
    tmp_path: Path, run: Callable[..., Run], embedded: list[Sandbox]
) -> None:
    path = write_csv(tmp_path / "invoices.csv", *GOOD_ROWS)
    result = run("import", path)
    assert result.code == 0, result
    (sandbox,) = embedded
    assert len(sandbox.store.records("invoices")) == 3
    assert (
        "invoceanio import: no account given (--prefix or --base-url): importing into the "
        "embedded sandbox at http://127.0.0.1:" in result.err
    )
    assert "into the embedded sandbox at http://127.0.0.1:" in result.out


# --- failures: reported, written down, exit 1 ---------------------------------------------------


async def test_bad_rows_are_reported_and_written_and_the_rest_go_in(
    tmp_path: Path, sandbox: Sandbox, run_async: RunAsync
) -> None:
    path = write_csv(
        tmp_path / "invoices.csv",
        GOOD_ROWS[0],
        GOOD_ROWS[1],
        "ORD-4,Beta,2026-02-30,Widget,1,23,10",
        "ORD-5,Gamma,,Widget,abc,23,10",
        "ORD-5,,,,1,23,10",
        GOOD_ROWS[2],
    )
    result = await run_async("import", path, "--base-url", sandbox.url)
    assert result.code == 1, result
    assert set(stored(sandbox)) == {"ORD-1", "ORD-2"}
    assert "created:          2" in result.out
    assert "failed:           2 (2 rejected before sending)" in result.out
    assert "line 4: issue_date: '2026-02-30' is not a date (YYYY-MM-DD)" in result.out
    assert "line 5: position_quantity: 'abc' is not a number" in result.out
    written = failures(tmp_path / "invoices.csv.failures.jsonl")
    assert [(f["source"], f["line"], f["stage"]) for f in written] == [
        ("line 4", 4, "file"),
        ("lines 5-6", 5, "file"),
    ]
    assert written[1]["error"] == (
        "line 5: position_quantity: 'abc' is not a number; line 6: position_name is missing"
    )
    assert written[1]["data"][0]["position_quantity"] == "abc"
    assert f"failures file:    {tmp_path / 'invoices.csv.failures.jsonl'}" in result.out


async def test_an_invoice_the_service_refuses_is_a_send_failure_with_what_was_sent(
    tmp_path: Path, sandbox: Sandbox, run_async: RunAsync
) -> None:
    path = write_jsonl(
        tmp_path / "invoices.jsonl", [invoice("J-1"), invoice("J-2", client_id=999_999)]
    )
    out = tmp_path / "report" / "failed.jsonl"
    out.parent.mkdir()
    result = await run_async("import", path, "--base-url", sandbox.url, "--failures", out)
    assert result.code == 1, result
    assert set(stored(sandbox)) == {"J-1"}
    (failure,) = failures(out)
    assert (failure["source"], failure["line"], failure["stage"]) == ("line 2", 2, "send")
    assert failure["oid"] == "J-2"
    assert "ValidationError" in failure["error"]
    assert failure["data"]["client_id"] == 999_999
    assert failure["data"]["positions"][0]["total_price_gross"] == "246"
    assert "line 2: ValidationError" in result.out
    assert_no_token(result)


async def test_a_clean_run_removes_the_failures_file_of_an_earlier_run(
    tmp_path: Path, sandbox: Sandbox, run_async: RunAsync
) -> None:
    path = write_csv(tmp_path / "invoices.csv", *GOOD_ROWS)
    stale = tmp_path / "invoices.csv.failures.jsonl"
    stale.write_text('{"source": "line 9"}\n', encoding="utf-8")
    result = await run_async("import", path, "--base-url", sandbox.url)
    assert result.code == 0, result
    assert not stale.exists()
    assert "the earlier run's" in result.out


async def test_a_clean_run_leaves_the_failures_of_another_file_with_the_same_stem(
    tmp_path: Path, sandbox: Sandbox, run_async: RunAsync
) -> None:
    # x.csv and x.jsonl once shared x.failures.jsonl: the clean JSONL run removed what the
    # CSV run had reported.
    csv_path = write_csv(tmp_path / "invoices.csv", GOOD_ROWS[0], "ORD-9,Beta,2026-02-30,W,1,23,1")
    jsonl_path = write_jsonl(tmp_path / "invoices.jsonl", [invoice("J-1")])
    first = await run_async("import", csv_path, "--base-url", sandbox.url)
    assert first.code == 1, first
    second = await run_async("import", jsonl_path, "--base-url", sandbox.url)
    assert second.code == 0, second
    (kept,) = failures(tmp_path / "invoices.csv.failures.jsonl")
    assert kept["source"] == "line 3"
    assert not (tmp_path / "invoices.jsonl.failures.jsonl").exists()


# --- unusable input: exit 2, nothing sent -------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.csv", HEADER + ",colour\nORD-1,A,,X,1,23,10,red\n", "unknown column 'colour'"),
        ("a.csv", HEADER.replace(",position_tax", "") + "\n", "required column missing"),
        ("a.csv", "", "is empty"),
        ("a.txt", "hello\n", "must end in .csv or .jsonl"),
    ],
)
async def test_an_unusable_file_exits_2_before_anything_is_sent(
    tmp_path: Path,
    sandbox: Sandbox,
    run_async: RunAsync,
    name: str,
    content: str,
    message: str,
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = await run_async("import", path, "--base-url", sandbox.url)
    assert result.code == 2, result
    assert message in result.err
    assert "nothing was sent" in result.err
    assert "Traceback" not in result.err
    assert sandbox.store.counts()["invoices"] == 0


async def test_a_file_that_is_not_utf8_far_down_stops_before_the_first_invoice_is_sent(
    tmp_path: Path, sandbox: Sandbox, run_async: RunAsync
) -> None:
    path = tmp_path / "a.csv"
    good = "".join(f"ORD-{n},ACME,,X,1,23,10\n" for n in range(500))
    path.write_bytes(f"{HEADER}\n{good}".encode() + "ORD-x,Żółw,,X,1,23,10\n".encode("cp1250"))
    result = await run_async("import", path, "--base-url", sandbox.url)
    assert result.code == 2, result
    assert "is not UTF-8 text (byte 0xaf on line 502)" in result.err
    assert sandbox.store.counts()["invoices"] == 0


def test_a_missing_file_exits_2(tmp_path: Path, run: Callable[..., Run]) -> None:
    result = run("import", tmp_path / "absent.csv", "--dry-run")
    assert result.code == 2
    assert "cannot read" in result.err


# --- dry run ------------------------------------------------------------------------------------


async def test_a_dry_run_checks_everything_and_sends_nothing(
    tmp_path: Path, sandbox: Sandbox, run_async: RunAsync
) -> None:
    path = write_csv(tmp_path / "invoices.csv", *GOOD_ROWS)
    result = await run_async("import", path, "--base-url", sandbox.url, "--dry-run")
    assert result.code == 0, result
    assert "nothing was sent" in result.out
    assert "ready to send:  3 invoices (4 positions)" in result.out
    assert sandbox.store.counts()["invoices"] == 0


def test_a_dry_run_with_bad_rows_exits_1_and_writes_them(
    tmp_path: Path, run: Callable[..., Run], embedded: list[Sandbox]
) -> None:
    path = write_csv(tmp_path / "invoices.csv", GOOD_ROWS[0], "ORD-9,,,X,1,23,10")
    result = run("import", path, "--dry-run")
    assert result.code == 1, result
    assert embedded == []  # no account needed, no sandbox started
    assert "rejected:       1" in result.out
    (failure,) = failures(tmp_path / "invoices.csv.failures.jsonl")
    assert failure["source"] == "line 3"
    assert "no buyer" in failure["error"]


# --- reruns -------------------------------------------------------------------------------------


async def test_a_rerun_with_the_journal_skips_everything(
    tmp_path: Path, sandbox: Sandbox, run_async: RunAsync
) -> None:
    path = write_csv(tmp_path / "invoices.csv", *GOOD_ROWS)
    journal = tmp_path / "import.journal"
    first = await run_async("import", path, "--base-url", sandbox.url, "--journal", journal)
    assert first.code == 0, first
    assert journal.exists()
    second = await run_async("import", path, "--base-url", sandbox.url, "--journal", journal)
    assert second.code == 0, second
    assert "created:          0" in second.out
    assert "skipped:          3 (confirmed in the journal by an earlier run)" in second.out
    assert len(sandbox.store.records("invoices")) == 3
    assert CANARY_TOKEN.encode() not in journal.read_bytes()


async def test_a_rerun_without_a_journal_finds_every_invoice_by_its_oid(
    tmp_path: Path, sandbox: Sandbox, run_async: RunAsync
) -> None:
    path = write_csv(tmp_path / "invoices.csv", *GOOD_ROWS)
    assert (await run_async("import", path, "--base-url", sandbox.url)).code == 0
    again = await run_async("import", path, "--base-url", sandbox.url, "--concurrency", "2")
    assert again.code == 0, again
    assert "already existed:  3" in again.out
    assert len(sandbox.store.records("invoices")) == 3


# --- the token and the options ------------------------------------------------------------------


@pytest.mark.parametrize(
    "option",
    [
        ["--token", "s3cr3t-value"],
        ["--api-token=s3cr3t-value"],
        ["--api_token", "s3cr3t-value"],
        ["--token"],
    ],
)
def test_a_token_on_the_command_line_is_refused_without_echoing_it(
    tmp_path: Path, run: Callable[..., Run], option: list[str]
) -> None:
    path = write_csv(tmp_path / "invoices.csv", *GOOD_ROWS)
    result = run("import", path, "--prefix", "acme", *option)
    assert result.code == 2
    assert "the API token is never taken on the command line" in result.err
    assert "INVOCEANIO_API_TOKEN" in result.err
    assert "s3cr3t-value" not in result.err + result.out


def test_an_account_without_the_token_variable_exits_2(
    tmp_path: Path, run: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(cli.TOKEN_VARIABLE, raising=False)
    path = write_csv(tmp_path / "invoices.csv", *GOOD_ROWS)
    result = run("import", path, "--prefix", "acme", "--brand", "fakturownia.pl")
    assert result.code == 2
    assert "INVOCEANIO_API_TOKEN is not set" in result.err


async def test_a_wrong_token_exits_2_and_is_not_printed(
    tmp_path: Path, sandbox: Sandbox, run_async: RunAsync, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cli.TOKEN_VARIABLE, "wrong-canary-55d1")
    path = write_csv(tmp_path / "invoices.csv", *GOOD_ROWS)
    result = await run_async("import", path, "--base-url", sandbox.url)
    assert result.code == 2, result
    assert "the account refused the token" in result.err
    assert "wrong-canary-55d1" not in result.err + result.out
    assert sandbox.store.counts()["invoices"] == 0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--brand", "fakturownia.pl"], "--brand needs --prefix"),
        (["--prefix", "acme", "--base-url", "https://acme.fakturownia.pl"], "not both"),
        (["--prefix=-acme-"], "prefix must be a DNS label"),
        (["--brand", "example.com", "--prefix", "acme"], "unknown brand 'example.com'"),
        (["--base-url", "http://example.com"], "base_url must use https"),
        (["--concurrency", "0"], "argument --concurrency: must be from 1 to 64"),
        (["--rate", "fast"], "argument --rate: 'fast' is not a rate"),
        (["--rate", "0/min"], "argument --rate: '0/min' is not a rate"),
        (["--format", "yaml"], "argument --format: invalid choice: 'yaml'"),
    ],
)
def test_bad_options_exit_2(
    tmp_path: Path, run: Callable[..., Run], options: list[str], message: str
) -> None:
    path = write_csv(tmp_path / "invoices.csv", *GOOD_ROWS)
    result = run("import", path, *options)
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize(
    ("text", "per_minute"), [("600", 600.0), ("600/min", 600.0), ("10/s", 600.0), ("6000/h", 100.0)]
)
def test_the_rate_is_read_per_minute(tmp_path: Path, text: str, per_minute: float) -> None:
    args = cli.build_parser().parse_args(["import", "x.csv", "--rate", text])
    assert args.rate == pytest.approx(per_minute)


def test_help_lists_the_csv_columns(run: Callable[..., Run]) -> None:
    result = run("import", "--help")
    assert result.code == 0
    for text in (
        "invoice_key",
        "position_total_price_gross",
        "INVOCEANIO_API_TOKEN",
        "--dry-run",
        "--journal",
        "--failures",
        "--rate",
    ):
        assert text in result.out
    assert "--token" not in result.out


def test_the_top_level_help_lists_the_bulk_commands(run: Callable[..., Run]) -> None:
    result = run("--help")
    assert result.code == 0
    for command in ("import", "export", "pdf", "sandbox", "endpoints"):
        assert command in result.out
