"""``invoceanio export`` and ``invoceanio pdf`` end to end against a sandbox: the export writes
every invoice with its positions (JSONL: the API's JSON; CSV: the import's format, so an export
imports back into another account with the same totals), and pdf writes valid PDFs named by
invoice number, reporting the ids that failed."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pypdf
import pytest

from invoceanio import InvoiceOcean, cli
from invoceanio.sandbox.server import Sandbox

from .conftest import CANARY_TOKEN, Run, write_csv

RunAsync = Callable[..., Any]

ROWS = (
    'ORD-1,Piekarnia Złoty Kłos,2026-03-02,Chleb,10,5,"120,00"',
    "ORD-1,,,Kawa,2,23,159.80",
    'ORD-2,Northwind Ltd,2026-03-03,Design (hour),"2,5",np,300',
    "ORD-3,Jan Nowak,2026-03-04,Szkolenie,1,zw,1200",
)


async def imported(tmp_path: Path, sandbox: Sandbox, run_async: RunAsync) -> None:
    path = write_csv(tmp_path / "seed.csv", *ROWS)
    result = await run_async("import", path, "--base-url", sandbox.url)
    assert result.code == 0, result


def summary(records: list[dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    """What must survive a round trip, by oid: buyer, dates, and each position's priced values."""
    return {
        record["oid"]: (
            record["buyer_name"],
            record["issue_date"],
            Decimal(record["price_gross"]),
            tuple(
                (p["name"], p["tax"], Decimal(p["quantity"]), Decimal(p["total_price_gross"]))
                for p in record["positions"]
            ),
        )
        for record in records
    }


async def test_export_to_jsonl_writes_every_invoice_as_the_api_gives_it(
    tmp_path: Path, sandbox: Sandbox, run_async: RunAsync
) -> None:
    await imported(tmp_path, sandbox, run_async)
    out = tmp_path / "export.jsonl"
    result = await run_async("export", "--out", out, "--base-url", sandbox.url)
    assert result.code == 0, result
    assert f"exported 3 invoices to {out}" in result.out
    assert "exporting: 3 invoices" in result.err
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {line["oid"] for line in lines} == {"ORD-1", "ORD-2", "ORD-3"}
    by_oid = {line["oid"]: line for line in lines}
    assert by_oid["ORD-1"]["price_gross"] == "279.80"
    assert [p["name"] for p in by_oid["ORD-1"]["positions"]] == ["Chleb", "Kawa"]
    assert isinstance(by_oid["ORD-1"]["id"], int)
    assert CANARY_TOKEN not in out.read_text(encoding="utf-8") + result.out + result.err
    assert not out.with_name("export.jsonl.part").exists()


async def test_an_exported_jsonl_imports_back_as_existing_invoices(
    tmp_path: Path, sandbox: Sandbox, run_async: RunAsync
) -> None:
    await imported(tmp_path, sandbox, run_async)
    out = tmp_path / "export.jsonl"
    assert (await run_async("export", "--out", out, "--base-url", sandbox.url)).code == 0
    again = await run_async("import", out, "--base-url", sandbox.url)
    assert again.code == 0, again
    assert "already existed:  3" in again.out
    assert len(sandbox.store.records("invoices")) == 3


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
@pytest.mark.parametrize("dry_run", [False, True])
async def test_an_export_of_an_empty_period_imports_as_nothing_to_do(
    tmp_path: Path, sandbox: Sandbox, run_async: RunAsync, suffix: str, dry_run: bool
) -> None:
    # A nightly export-then-import script must not stop on a day without invoices.
    out = tmp_path / f"export{suffix}"
    assert (await run_async("export", "--out", out, "--base-url", sandbox.url)).code == 0
    flags = ["--dry-run"] if dry_run else ["--base-url", sandbox.url]
    again = await run_async("import", out, *flags)
    assert again.code == 0, again
    assert "nothing to import" in again.out and "nothing was sent" in again.out
    assert "Traceback" not in again.err
    assert sandbox.store.counts()["invoices"] == 0
    assert not (tmp_path / f"export{suffix}.failures.jsonl").exists()


async def test_export_to_csv_then_import_into_another_account_round_trips(
    tmp_path: Path, sandbox: Sandbox, run_async: RunAsync, monkeypatch: pytest.MonkeyPatch
) -> None:
    await imported(tmp_path, sandbox, run_async)
    out = tmp_path / "export.csv"
    result = await run_async("export", "--out", out, "--base-url", sandbox.url)
    assert result.code == 0, result
    async with Sandbox(token="other-account") as other:
        monkeypatch.setenv(cli.TOKEN_VARIABLE, "other-account")
        back = await run_async("import", out, "--base-url", other.url)
        assert back.code == 0, back
        assert "created:          3" in back.out
        assert summary(other.store.records("invoices")) == summary(
            sandbox.store.records("invoices")
        )


async def test_export_with_dates_asks_for_that_period_only(
    tmp_path: Path, sandbox: Sandbox, run_async: RunAsync
) -> None:
    await imported(tmp_path, sandbox, run_async)
    out = tmp_path / "march.jsonl"
    result = await run_async(
        "export",
        "--out",
        out,
        "--date-from",
        "2026-03-03",
        "--date-to",
        "2026-03-04",
        "--base-url",
        sandbox.url,
    )
    assert result.code == 0, result
    oids = {json.loads(line)["oid"] for line in out.read_text(encoding="utf-8").splitlines()}
    assert oids == {"ORD-2", "ORD-3"}


def test_export_without_an_account_uses_an_embedded_sandbox_and_says_so(
    tmp_path: Path, run: Callable[..., Run], embedded: list[Sandbox]
) -> None:
    out = tmp_path / "empty.csv"
    result = run("export", "--period", "this_year", "--out", out)
    assert result.code == 0, result
    assert len(embedded) == 1
    assert "no account given (--prefix or --base-url): exporting from the embedded sandbox" in (
        result.err
    )
    assert out.read_text(encoding="utf-8").startswith("invoice_key,oid,kind,number")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--out", "x.xlsx"], "--out must end in .jsonl or .csv"),
        (["--out", "missing/x.csv"], "the folder missing does not exist"),
        (["--out", "x.csv", "--period", "this_year", "--date-from", "2026-01-01"], "--period more"),
        (["--out", "x.csv", "--date-from", "01.01.2026"], "'01.01.2026' is not a date"),
        (["--out", "x.csv", "--period", "forever"], "invalid choice: 'forever'"),
        (["--period", "all"], "the following arguments are required: --out"),
    ],
)
def test_bad_export_options_exit_2(
    tmp_path: Path,
    run: Callable[..., Run],
    monkeypatch: pytest.MonkeyPatch,
    options: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("export", *options)
    assert result.code == 2
    assert message in result.err


async def test_a_failed_export_leaves_no_file(
    tmp_path: Path, sandbox: Sandbox, run_async: RunAsync
) -> None:
    await imported(tmp_path, sandbox, run_async)
    await sandbox.stop()  # the server goes away: the export cannot finish
    out = tmp_path / "export.csv"
    result = await run_async(
        "export", "--out", out, "--base-url", f"http://127.0.0.1:{sandbox.port}"
    )
    assert result.code == 1, result
    assert "not written" in result.err
    assert not out.exists()
    assert not out.with_name("export.csv.part").exists()


# --- pdf ----------------------------------------------------------------------------------------


async def test_pdf_downloads_valid_pdfs_named_by_number_and_id(
    tmp_path: Path, sandbox: Sandbox, run_async: RunAsync
) -> None:
    await imported(tmp_path, sandbox, run_async)
    records = sandbox.store.records("invoices")
    ids = [str(record["id"]) for record in records]
    out = tmp_path / "pdfs"
    result = await run_async(
        "pdf", *ids, "--out", out, "--concurrency", "2", "--base-url", sandbox.url
    )
    assert result.code == 0, result
    assert "wrote 3 PDFs" in result.out

    def name(record: dict[str, Any]) -> str:
        return f"{record['number'].replace('/', '-')} ({record['id']}).pdf"

    assert {path.name for path in out.iterdir()} == {name(record) for record in records}
    for record in records:
        body = (out / name(record)).read_bytes()
        assert body.startswith(b"%PDF")
        text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(body)).pages)
        assert record["number"] in text


async def test_pdf_reports_the_ids_that_failed_and_exits_1(
    tmp_path: Path, sandbox: Sandbox, run_async: RunAsync
) -> None:
    await imported(tmp_path, sandbox, run_async)
    first_id = sandbox.store.records("invoices")[0]["id"]
    out = tmp_path / "pdfs"
    result = await run_async("pdf", first_id, 999_999, "--out", out, "--base-url", sandbox.url)
    assert result.code == 1, result
    assert "wrote 1 PDF to" in result.out
    assert "invoice 999999: NotFoundError" in result.out
    assert len(list(out.iterdir())) == 1


def test_pdf_without_an_account_uses_an_embedded_sandbox(
    tmp_path: Path, run: Callable[..., Run], embedded: list[Sandbox]
) -> None:
    result = run("pdf", "1", "--out", tmp_path / "pdfs")
    assert result.code == 1  # the fresh sandbox has no invoice 1
    assert "downloading from the embedded sandbox" in result.err
    assert "invoice 1: NotFoundError" in result.out


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["abc", "--out", "pdfs"], "'abc' is not an invoice id"),
        (["0", "--out", "pdfs"], "'0' is not an invoice id"),
        (["--out", "pdfs"], "the following arguments are required: ID"),
        (["1", "--out", "file.txt"], "is a file, not a folder"),
    ],
)
def test_bad_pdf_options_exit_2(
    tmp_path: Path,
    run: Callable[..., Run],
    monkeypatch: pytest.MonkeyPatch,
    options: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "file.txt").write_text("x")
    result = run("pdf", *options)
    assert result.code == 2
    assert message in result.err


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("FV 1/11/2026", "FV 1-11-2026 (42).pdf"),
        ("PRO 2\\2026", "PRO 2-2026 (42).pdf"),
        ("../../etc/passwd", "-..-etc-passwd (42).pdf"),
        ("a:b*c?d", "a_b_c_d (42).pdf"),
        ("Faktura żółta", "Faktura żółta (42).pdf"),
        ("", "42.pdf"),
        (None, "42.pdf"),
        ("...", "42.pdf"),
    ],
)
def test_pdf_file_names_are_safe(number: str | None, expected: str) -> None:
    assert cli.pdf_file_name(number, 42) == expected


def test_two_invoices_with_one_number_get_two_files() -> None:
    assert cli.pdf_file_name("1/2026", 7) == "1-2026 (7).pdf"
    assert cli.pdf_file_name("1/2026", 8) == "1-2026 (8).pdf"


async def test_a_margin_invoice_exports_to_csv_and_imports_back(
    tmp_path: Path, sandbox: Sandbox, run_async: RunAsync, monkeypatch: pytest.MonkeyPatch
) -> None:
    """vat_margin needs procedure_vat_margin (spec 6.1) and its position a purchase price: both
    are CSV columns, so such an invoice survives the round trip."""
    procedure = "procedura mar\u017cy \u2013 towary u\u017cywane"
    async with InvoiceOcean(base_url=sandbox.url, api_token=sandbox.token) as io:
        await io.invoices.create(
            {
                "kind": "vat_margin",
                "oid": "CAR-1",
                "procedure_vat_margin": procedure,
                "buyer_name": "Jan Nowak",
                "positions": [
                    {
                        "name": "Used car",
                        "tax": "disabled",
                        "quantity": 1,
                        "total_price_gross": "10000",
                        "total_purchase_price": "8000",
                    }
                ],
            }
        )
    out = tmp_path / "margin.csv"
    assert (await run_async("export", "--out", out, "--base-url", sandbox.url)).code == 0
    async with Sandbox(token="other-account") as other:
        monkeypatch.setenv(cli.TOKEN_VARIABLE, "other-account")
        back = await run_async("import", out, "--base-url", other.url)
        assert back.code == 0, back
        (record,) = other.store.records("invoices")
    assert (record["kind"], record["procedure_vat_margin"]) == ("vat_margin", procedure)
    assert Decimal(record["positions"][0]["total_purchase_price"]) == Decimal(8000)
