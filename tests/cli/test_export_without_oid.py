"""An export of invoices that have no oid, imported back into the account it came from.

Such an invoice is exported under a key made of its id (CSV: ``id-<id>``; JSONL: its ``id``) and
imported under an oid derived from it, which that account has never seen: before the import
read the id first, the first import back (a restore, a re-sync) made every one a second time.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from invoceanio import InvoiceOcean, cli
from invoceanio.importer import ImportItem
from invoceanio.sandbox.server import Sandbox
from tests.support import Recorder, json_response, make_client

from .conftest import CANARY_TOKEN

RunAsync = Callable[..., Any]
BUYERS = ("Piekarnia Złoty Kłos", "Northwind Ltd", "Jan Nowak")


async def made_without_oid(sandbox: Sandbox, token: str, buyers: tuple[str, ...]) -> list[int]:
    async with InvoiceOcean(base_url=sandbox.url, api_token=token) as io:
        made = [
            await io.invoices.create(
                {
                    "buyer_name": buyer,
                    "issue_date": "2026-05-04",
                    "positions": [
                        {"name": "Chleb", "quantity": 2, "tax": 5, "total_price_gross": 9}
                    ],
                }
            )
            for buyer in buyers
        ]
    assert all(invoice.oid is None for invoice in made)
    return [invoice.id for invoice in made if invoice.id is not None]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
async def test_an_export_imported_back_into_its_account_creates_nothing(
    tmp_path: Path, sandbox: Sandbox, run_async: RunAsync, suffix: str
) -> None:
    await made_without_oid(sandbox, CANARY_TOKEN, BUYERS)
    out = tmp_path / f"export{suffix}"
    assert (await run_async("export", "--out", out, "--base-url", sandbox.url)).code == 0

    back = await run_async("import", out, "--base-url", sandbox.url)

    assert back.code == 0, back
    assert "created:          0" in back.out
    assert "already existed:  3" in back.out
    assert len(sandbox.store.records("invoices")) == 3


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
async def test_an_invoice_deleted_since_the_export_is_restored_once(
    tmp_path: Path, sandbox: Sandbox, run_async: RunAsync, suffix: str
) -> None:
    ids = await made_without_oid(sandbox, CANARY_TOKEN, BUYERS)
    out = tmp_path / f"export{suffix}"
    assert (await run_async("export", "--out", out, "--base-url", sandbox.url)).code == 0
    async with InvoiceOcean(base_url=sandbox.url, api_token=CANARY_TOKEN) as io:
        await io.invoices.delete(ids[1])

    first = await run_async("import", out, "--base-url", sandbox.url)
    second = await run_async("import", out, "--base-url", sandbox.url)

    assert "created:          1" in first.out and "already existed:  2" in first.out, first
    assert "created:          0" in second.out and "already existed:  3" in second.out, second
    buyers = sorted(record["buyer_name"] for record in sandbox.store.records("invoices"))
    assert buyers == sorted(BUYERS)


async def test_another_accounts_invoice_of_the_same_id_is_not_taken_for_it(
    tmp_path: Path,
    sandbox: Sandbox,
    run_async: RunAsync,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await made_without_oid(sandbox, CANARY_TOKEN, BUYERS)
    out = tmp_path / "export.csv"
    assert (await run_async("export", "--out", out, "--base-url", sandbox.url)).code == 0
    async with Sandbox(token="other-account-token") as other:
        # Same ids, same numbering, same day: only the buyers tell them apart.
        await made_without_oid(other, "other-account-token", ("A", "B", "C"))
        monkeypatch.setenv(cli.TOKEN_VARIABLE, "other-account-token")
        back = await run_async("import", out, "--base-url", other.url)
        assert "created:          3" in back.out, back
        assert len(other.store.records("invoices")) == 6


DOCUMENT = {
    "number": "FV 1/2026",
    "issue_date": "2026-05-04",
    "buyer_name": "ACME",
    "positions": [{"name": "A", "tax": 23, "total_price_gross": 1}],
}
FOUND = {
    "id": 7,
    "oid": None,
    "number": "FV 1/2026",
    "issue_date": "2026-05-04",
    "buyer_name": "ACME",
}


async def test_an_item_whose_invoice_cannot_be_read_is_not_sent() -> None:
    # Unknown whether the account holds it: sending could make it twice, so nothing is sent.
    recorder = Recorder(json_response(500, {"message": "down"}))
    async with make_client(recorder, api_token="a-long-enough-token") as io:
        report = await io.invoices.create_many(
            [ImportItem(dict(DOCUMENT), key="id-7", exported_id=7)], max_item_attempts=2
        )
    (failure,) = report.failures
    assert failure.status == "failed"
    assert "could not read invoice 7" in (failure.error or "")
    assert {request.method for request in recorder.requests} == {"GET"}
    assert all(request.url.endswith("/invoices/7.json") for request in recorder.requests)


@pytest.mark.parametrize(
    ("found", "created"),
    [
        (FOUND, False),
        ({**FOUND, "oid": "someone-elses"}, True),
        ({**FOUND, "number": "FV 2/2026"}, True),
        ({**FOUND, "issue_date": "2026-05-05"}, True),
        ({**FOUND, "buyer_name": "Other"}, True),
    ],
    ids=["same", "has-an-oid", "other-number", "other-day", "other-buyer"],
)
async def test_only_the_same_invoice_counts_as_existing(
    found: dict[str, Any], created: bool
) -> None:
    answer = {**FOUND, "id": 99, "oid": "id-7", "positions": []}
    recorder = Recorder(json_response(200, found), json_response(201, answer))
    async with make_client(recorder, api_token="a-long-enough-token") as io:
        report = await io.invoices.create_many(
            [ImportItem(dict(DOCUMENT), key="id-7", exported_id=7)]
        )
    assert (report.created, report.existed) == ((1, 0) if created else (0, 1))
    methods = [request.method for request in recorder.requests]
    assert methods == (["GET", "POST"] if created else ["GET"])


async def test_a_missing_invoice_is_created() -> None:
    answer = {**FOUND, "id": 99, "oid": "id-7", "positions": []}
    recorder = Recorder(
        json_response(404, {"code": "error", "message": "not found"}), json_response(201, answer)
    )
    async with make_client(recorder, api_token="a-long-enough-token") as io:
        report = await io.invoices.create_many(
            [ImportItem(dict(DOCUMENT), key="id-7", exported_id=7)]
        )
    assert report.created == 1
    assert [request.method for request in recorder.requests] == ["GET", "POST"]


@pytest.mark.parametrize("value", [0, -1, True, "7", 1.0])
def test_exported_id_must_be_a_positive_int(value: Any) -> None:
    with pytest.raises(Exception, match="exported_id must be a positive int"):
        ImportItem({}, exported_id=value)
