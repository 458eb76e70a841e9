"""``invoceanio import`` when a run stops early or fails many rows (review of 2026-12-02).

- Ctrl-C (or a refused token) before this run wrote a failure removed the failures file an
  earlier run had left: a report lost, though nothing of this run replaced it.
- A file rewritten in place during the send pass, unreadable further down, ended the command
  with exit 2 ("nothing is sent then") and no summary, after invoices had been sent.
- Every failed invoice was also kept in memory with its whole document, though the command
  writes each to the failures file as it comes: a file of refused rows grew without bound.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from invoceanio import InvoiceOcean, cli, formats
from invoceanio.cli import import_command
from invoceanio.formats import InputFileError
from invoceanio.sandbox.server import Sandbox

from .conftest import failures, invoice, write_jsonl

RunAsync = Callable[..., Any]


def _stale(path: Path) -> Path:
    stale = path.with_name(path.name + ".failures.jsonl")
    stale.write_text('{"source": "line 9", "error": "from an earlier run"}\n', encoding="utf-8")
    return stale


async def test_ctrl_c_before_any_failure_keeps_the_earlier_runs_failures(
    tmp_path: Path, sandbox: Sandbox, run_async: RunAsync, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_jsonl(tmp_path / "invoices.jsonl", [invoice("A-1"), invoice("A-2")])
    stale = _stale(path)

    def interrupted(*_: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(import_command, "_check_file", interrupted)
    result = await run_async("import", path, "--base-url", sandbox.url)
    assert result.code == 130
    assert failures(stale) == [{"source": "line 9", "error": "from an earlier run"}]


async def test_a_refused_token_keeps_the_earlier_runs_failures(
    tmp_path: Path, sandbox: Sandbox, run_async: RunAsync, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_jsonl(tmp_path / "invoices.jsonl", [invoice("A-1")])
    stale = _stale(path)
    monkeypatch.setenv(cli.TOKEN_VARIABLE, "not-the-sandbox-token")
    result = await run_async("import", path, "--base-url", sandbox.url)
    assert result.code == 2
    assert failures(stale)[0]["error"] == "from an earlier run"


class _CutShort:
    """The reader of a file rewritten after its check: ``keep`` invoices, then unreadable."""

    def __init__(self, reader: Any, keep: int) -> None:
        self.reader = reader
        self.keep = keep

    def __enter__(self) -> _CutShort:
        self.reader.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.reader.__exit__(*exc)

    def close(self) -> None:
        self.reader.close()

    def __iter__(self) -> Iterator[Any]:
        for number, item in enumerate(self.reader):
            if number == self.keep:
                raise InputFileError("invoices.jsonl is not UTF-8 text (byte 0xb3 on line 3)")
            yield item


def _cut_on_the_send_pass(monkeypatch: pytest.MonkeyPatch, keep: int) -> None:
    real = formats.read_invoices
    opened: list[int] = []

    def read_invoices(path: Any) -> Any:
        opened.append(1)
        reader = real(path)
        # Opened to test it, read to check it, then read to send: the third is cut short.
        return _CutShort(reader, keep) if len(opened) == 3 else reader

    monkeypatch.setattr(formats, "read_invoices", read_invoices)


async def test_a_file_unreadable_mid_send_reports_what_went_in_and_exits_1(
    tmp_path: Path, sandbox: Sandbox, run_async: RunAsync, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_jsonl(tmp_path / "invoices.jsonl", [invoice(f"A-{n}") for n in range(5)])
    _cut_on_the_send_pass(monkeypatch, keep=2)
    result = await run_async("import", path, "--base-url", sandbox.url)
    assert result.code == 1, result
    assert "created:          2" in result.out
    assert "stopped reading the file" in result.err and "not UTF-8" in result.err
    assert {r["oid"] for r in sandbox.store.records("invoices")} == {"A-0", "A-1"}


async def test_a_file_unreadable_before_its_first_invoice_still_says_nothing_was_sent(
    tmp_path: Path, sandbox: Sandbox, run_async: RunAsync, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_jsonl(tmp_path / "invoices.jsonl", [invoice(f"A-{n}") for n in range(3)])
    _cut_on_the_send_pass(monkeypatch, keep=0)
    result = await run_async("import", path, "--base-url", sandbox.url)
    assert result.code == 2, result
    assert "nothing was sent" in result.err
    assert sandbox.store.records("invoices") == []


async def test_the_command_keeps_no_failure_in_memory(
    tmp_path: Path, sandbox: Sandbox, run_async: RunAsync, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept: list[int] = []
    real = InvoiceOcean.__init__

    def spy(self: InvoiceOcean, *args: Any, **kwargs: Any) -> None:
        real(self, *args, **kwargs)
        create_many = self.invoices.create_many

        async def counting(*a: Any, **k: Any) -> Any:
            report = await create_many(*a, **k)
            kept.append(len(report.failures))
            return report

        self.invoices.create_many = counting  # type: ignore[method-assign]

    monkeypatch.setattr(InvoiceOcean, "__init__", spy)
    refused = [invoice(f"A-{n}", client_id=999_999) for n in range(4)]
    path = write_jsonl(tmp_path / "invoices.jsonl", refused)
    result = await run_async("import", path, "--base-url", sandbox.url)
    assert result.code == 1
    assert "failed:           4" in result.out
    assert len(failures(tmp_path / "invoices.jsonl.failures.jsonl")) == 4  # written down
    assert kept == [0]  # and not kept besides
