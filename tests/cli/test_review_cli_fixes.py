"""The CLI review of 2026-12-02 (second pass): five findings, each reproduced and fixed.

- A. ``pdf`` wrote over the PDF of another invoice with the same number (a VAT invoice and a
  proforma both "1/2026", downloaded in two runs into one folder), and which invoice got the
  plain name depended on the order of the ids. A name now always carries the invoice's id.
- B. ``sandbox --host 0.0.0.0`` printed ``http://0.0.0.0:PORT`` (the line scripts read), a URL
  the SDK refuses (plain http only to loopback): it prints loopback's URL now.
- C. A file name that is not UTF-8 made the summary line raise UnicodeEncodeError, after the
  work was done, where stdout is strict UTF-8 (PYTHONIOENCODING=utf-8).
- D. SIGTERM (``timeout``, systemd, a cancelled CI job) killed export, import and pdf on the
  spot: ``.part`` files and an empty failures file left behind, exit -15. It now stops them as
  Ctrl-C does, with exit 143.
- E. A token in INVOCEANIO_API_TOKEN and no account option went to the embedded sandbox, with
  exit 0: a cron job that lost its --prefix "imported" into a throwaway sandbox every night.
"""

from __future__ import annotations

import asyncio
import io
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import attrs
import pypdf
import pytest
from aiohttp import web

from invoceanio import InvoiceOcean, cli
from invoceanio.cli import options
from invoceanio.sandbox import server
from invoceanio.sandbox.server import Sandbox

from .conftest import CANARY_TOKEN, Run, call, write_csv

RunAsync = Callable[..., Any]

ROOT = Path(__file__).resolve().parents[2]
#: Bounds of the subprocess tests: the interpreter starting, then the command stopping.
START_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0


def _env(**variables: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop(cli.TOKEN_VARIABLE, None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(variables)
    return env


async def _spawn(*argv: str | Path | bytes, cwd: Path, **variables: str) -> Any:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "invoceanio",
        *argv,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=cwd,
        env=_env(**variables),
    )


# --- A. pdf: a name belongs to one invoice -----------------------------------------------------


async def _two_invoices_numbered_alike(sandbox: Sandbox) -> tuple[int, int]:
    """A VAT invoice and a proforma, both "1/2026" (separate series): their ids."""
    positions = [{"name": "a", "tax": "23", "quantity": 1, "total_price_gross": "10"}]
    async with InvoiceOcean(base_url=sandbox.url, api_token=sandbox.token) as client:
        vat = await client.invoices.create(
            {"kind": "vat", "number": "1/2026", "buyer_name": "Alpha Buyer", "positions": positions}
        )
        proforma = await client.invoices.create(
            {
                "kind": "proforma",
                "number": "1/2026",
                "buyer_name": "Beta Buyer",
                "positions": positions,
            }
        )
    assert vat.id is not None and proforma.id is not None
    return vat.id, proforma.id


def _text(path: Path) -> str:
    return "".join(page.extract_text() for page in pypdf.PdfReader(path).pages)


async def test_two_runs_into_one_folder_keep_both_pdfs_of_one_number(
    tmp_path: Path, sandbox: Sandbox, run_async: RunAsync
) -> None:
    vat, proforma = await _two_invoices_numbered_alike(sandbox)
    out = tmp_path / "pdfs"
    for invoice_id in (vat, proforma):
        result = await run_async("pdf", invoice_id, "--out", out, "--base-url", sandbox.url)
        assert result.code == 0, result
    assert sorted(path.name for path in out.iterdir()) == sorted(
        [f"1-2026 ({vat}).pdf", f"1-2026 ({proforma}).pdf"]
    )
    assert "Alpha Buyer" in _text(out / f"1-2026 ({vat}).pdf")
    assert "Beta Buyer" in _text(out / f"1-2026 ({proforma}).pdf")


async def test_a_pdfs_name_does_not_depend_on_the_order_of_the_ids(
    tmp_path: Path, sandbox: Sandbox, run_async: RunAsync
) -> None:
    vat, proforma = await _two_invoices_numbered_alike(sandbox)
    names = []
    for order, ids in enumerate([(vat, proforma), (proforma, vat)]):
        out = tmp_path / f"order{order}"
        result = await run_async("pdf", *ids, "--out", out, "--base-url", sandbox.url)
        assert result.code == 0, result
        names.append({path.name: _text(path) for path in out.iterdir()})
    assert names[0].keys() == names[1].keys()
    for name, text in names[0].items():
        assert ("Alpha Buyer" in text) == ("Alpha Buyer" in names[1][name])


async def test_a_second_run_refreshes_the_same_files_and_says_so(
    tmp_path: Path, sandbox: Sandbox, run_async: RunAsync
) -> None:
    vat, proforma = await _two_invoices_numbered_alike(sandbox)
    out = tmp_path / "pdfs"
    first = await run_async("pdf", vat, proforma, "--out", out, "--base-url", sandbox.url)
    assert first.code == 0, first
    assert "refreshed" not in first.out
    before = sorted(path.name for path in out.iterdir())
    again = await run_async("pdf", vat, proforma, "--out", out, "--base-url", sandbox.url)
    assert again.code == 0, again
    assert sorted(path.name for path in out.iterdir()) == before  # no copies
    assert "wrote 2 PDFs" in again.out
    assert "2 refreshed: the same invoice's file from an earlier run" in again.out


async def test_a_file_already_there_under_the_numbers_plain_name_is_never_written_over(
    tmp_path: Path, sandbox: Sandbox, run_async: RunAsync
) -> None:
    # Another invoice's PDF, as an earlier version named it, or a file of the user's own: it
    # cannot be told from this invoice's, so it is left alone.
    vat, _ = await _two_invoices_numbered_alike(sandbox)
    out = tmp_path / "pdfs"
    out.mkdir()
    (out / "1-2026.pdf").write_bytes(b"someone else's PDF")
    result = await run_async("pdf", vat, "--out", out, "--base-url", sandbox.url)
    assert result.code == 0, result
    assert (out / "1-2026.pdf").read_bytes() == b"someone else's PDF"
    assert (out / f"1-2026 ({vat}).pdf").read_bytes().startswith(b"%PDF")


def test_the_pdf_help_explains_the_names(run: Callable[..., Run]) -> None:
    result = run("pdf", "--help")
    assert result.code == 0
    text = " ".join(result.out.split())
    assert "'NUMBER (ID).pdf'" in text
    assert "running the command again refreshes the same files" in text


# --- B. sandbox bound to every interface -------------------------------------------------------


@pytest.mark.parametrize(
    ("bound", "connect_to"),
    [
        ("0.0.0.0", "127.0.0.1"),
        ("::", "::1"),
        ("127.0.0.1", "127.0.0.1"),
        ("::1", "::1"),
        ("192.0.2.7", "192.0.2.7"),
        ("localhost", "localhost"),
    ],
)
def test_the_url_of_a_server_bound_to_every_interface_is_loopbacks(
    bound: str, connect_to: str
) -> None:
    assert server._connectable(bound) == connect_to


async def test_a_sandbox_on_every_ipv4_interface_gives_a_url_the_sdk_takes() -> None:
    async with (
        Sandbox(token=CANARY_TOKEN, host="0.0.0.0") as sandbox,
        InvoiceOcean(base_url=sandbox.url, api_token=sandbox.token) as client,
    ):
        assert sandbox.url == f"http://127.0.0.1:{sandbox.port}"
        assert await client.invoices.list() == []


async def test_the_sandbox_command_on_0000_prints_loopbacks_url_first(tmp_path: Path) -> None:
    process = await _spawn("sandbox", "--host", "0.0.0.0", "--token", "any-host-1", cwd=tmp_path)
    try:
        line = await asyncio.wait_for(process.stdout.readline(), START_TIMEOUT)
        url = line.decode().rstrip("\n")
        assert url.startswith("http://127.0.0.1:"), url
        async with InvoiceOcean(base_url=url, api_token="any-host-1") as client:
            assert await client.invoices.list() == []
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), STOP_TIMEOUT)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    banner = err.decode()
    assert process.returncode == 0, banner
    assert f"InvoiceOcean(base_url={url!r}, api_token='any-host-1')" in banner
    assert "bound to:  every interface (--host 0.0.0.0)" in banner
    assert "0.0.0.0:" not in banner


# --- C. a file name that is not UTF-8 ----------------------------------------------------------

#: A name whose bytes are not UTF-8 (0xff 0xfe): what Python makes of it, lone surrogates.
UNDECODABLE = os.fsdecode(b"\xff\xfe")


def _strict_stdout(monkeypatch: pytest.MonkeyPatch) -> io.TextIOWrapper:
    """stdout as it is with PYTHONIOENCODING=utf-8: UTF-8 that refuses what it cannot encode.
    Set in the test itself: pytest puts its own capture back between a fixture and the test."""
    stream = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    monkeypatch.setattr(sys, "stdout", stream)
    return stream


def _printed(stream: io.TextIOWrapper) -> str:
    stream.flush()
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode("utf-8")


def test_an_export_to_a_name_that_is_not_utf8_prints_its_summary(
    tmp_path: Path, embedded: list[Sandbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    strict_stdout = _strict_stdout(monkeypatch)
    out = tmp_path / f"{UNDECODABLE}.csv"
    assert call(["export", "--out", str(out)]) == 0
    assert os.listdir(os.fsencode(tmp_path)) == [b"\xff\xfe.csv"]
    assert "exported 0 invoices to " in _printed(strict_stdout)
    assert "\\udcff\\udcfe.csv" in _printed(strict_stdout)
    assert strict_stdout.errors == "strict"  # put back after the command


def test_an_import_whose_failures_file_is_not_utf8_prints_its_summary(
    tmp_path: Path, embedded: list[Sandbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    strict_stdout = _strict_stdout(monkeypatch)
    path = write_csv(tmp_path / "in.csv", "K-1,ACME,2026-03-02,Widget,1,23,")  # no price
    failures = tmp_path / f"{UNDECODABLE}.failures.jsonl"
    assert call(["import", str(path), "--failures", str(failures)]) == 1
    assert failures.is_file()
    assert "\\udcff\\udcfe.failures.jsonl" in _printed(strict_stdout)


def test_pdfs_into_a_folder_whose_name_is_not_utf8_print_their_summary(
    tmp_path: Path, embedded: list[Sandbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    strict_stdout = _strict_stdout(monkeypatch)
    out = tmp_path / UNDECODABLE
    assert call(["pdf", "1", "--out", str(out)]) == 1  # the fresh sandbox has no invoice 1
    assert out.is_dir()
    assert "wrote 0 PDFs to " in _printed(strict_stdout)
    assert "\\udcff\\udcfe" in _printed(strict_stdout)


async def test_the_reviewers_export_with_pythonioencoding_utf8_exits_0(tmp_path: Path) -> None:
    process = await _spawn(
        "export", "--out", b"\xff\xfe.csv", cwd=tmp_path, PYTHONIOENCODING="utf-8"
    )
    out, err = await asyncio.wait_for(process.communicate(), START_TIMEOUT + STOP_TIMEOUT)
    assert process.returncode == 0, err.decode("utf-8", "replace")
    assert b"Traceback" not in err
    assert b"exported 0 invoices to \\udcff\\udcfe.csv" in out
    assert (tmp_path / f"{UNDECODABLE}.csv").is_file()


# --- D. SIGTERM stops a command as Ctrl-C does -------------------------------------------------


@attrs.define
class Held:
    """A server that takes every request and answers none until the test ends."""

    url: str
    arrived: asyncio.Event


@pytest.fixture
async def held() -> AsyncIterator[Held]:
    arrived = asyncio.Event()
    release = asyncio.Event()

    async def hold(request: web.Request) -> web.Response:
        arrived.set()
        await release.wait()
        return web.Response(status=503)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", hold)
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield Held(f"http://127.0.0.1:{port}", arrived)
    finally:
        release.set()
        await runner.cleanup()


async def _terminated_while_held(held: Held, folder: Path, *argv: str | Path) -> tuple[int, str]:
    """Run a command against ``held``, send it SIGTERM once its request is in: its exit status
    and its stderr."""
    process = await _spawn(
        *argv, "--base-url", held.url, cwd=folder, **{cli.TOKEN_VARIABLE: CANARY_TOKEN}
    )
    try:
        waiting = asyncio.ensure_future(held.arrived.wait())
        exited = asyncio.ensure_future(process.wait())
        await asyncio.wait(
            {waiting, exited}, timeout=START_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
        )
        waiting.cancel()
        exited.cancel()
        assert held.arrived.is_set(), "the command sent no request"
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), STOP_TIMEOUT)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert isinstance(process.returncode, int)
    return process.returncode, err.decode()


def _left(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.rglob("*"))


async def test_sigterm_stops_an_export_without_leaving_its_part_file(
    tmp_path: Path, held: Held
) -> None:
    status, err = await _terminated_while_held(held, tmp_path, "export", "--out", "x.csv")
    assert status == 143, err
    assert "invoceanio export: terminated (SIGTERM); x.csv was not written" in err
    assert "Traceback" not in err
    assert _left(tmp_path) == []


async def test_sigterm_stops_pdf_downloads_without_leaving_a_file(
    tmp_path: Path, held: Held
) -> None:
    status, err = await _terminated_while_held(held, tmp_path, "pdf", "1", "2", "--out", "pdfs")
    assert status == 143, err
    assert "invoceanio pdf: terminated (SIGTERM)" in err
    assert "Traceback" not in err
    assert _left(tmp_path) == ["pdfs"]


async def test_sigterm_stops_an_import_as_ctrl_c_does(tmp_path: Path, held: Held) -> None:
    write_csv(tmp_path / "in.csv", "K-1,ACME,2026-03-02,Widget,1,23,100")
    status, err = await _terminated_while_held(
        held, tmp_path, "import", "in.csv", "--journal", "j.sqlite"
    )
    assert status == 143, err
    assert (
        "invoceanio import: terminated (SIGTERM); run the same command again to resume from "
        "the journal j.sqlite"
    ) in err
    assert "Traceback" not in err
    # No failures file of this run (it wrote none), no partial file: the input and the journal.
    assert [name for name in _left(tmp_path) if not name.startswith("j.sqlite")] == ["in.csv"]


def test_sigterm_handling_is_put_back_after_a_command() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with options.sigterm_as_interrupt():
        assert signal.getsignal(signal.SIGTERM) is not before

        async def status() -> int:
            return 7

        assert options.run_async(status()) == 7
    assert signal.getsignal(signal.SIGTERM) == before


def test_a_stop_by_sigterm_or_ctrl_c_says_which_and_exits_as_a_shell_reports_it() -> None:
    assert options.stop_outcome(options.Terminated()) == ("terminated (SIGTERM)", 143)
    assert options.stop_outcome(KeyboardInterrupt()) == ("interrupted", 130)


# --- E. a token in the environment and no account ----------------------------------------------


@pytest.mark.parametrize("token", ["T0KEN-secret-1234/acme", "T0KEN-secret-1234"])
@pytest.mark.parametrize(
    "argv",
    [["import", "in.csv"], ["export", "--out", "x.csv"], ["pdf", "1", "--out", "pdfs"]],
    ids=["import", "export", "pdf"],
)
def test_a_token_without_an_account_is_refused_before_anything_is_sent(
    tmp_path: Path,
    run: Callable[..., Run],
    embedded: list[Sandbox],
    monkeypatch: pytest.MonkeyPatch,
    token: str,
    argv: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "in.csv", "K-1,ACME,2026-03-02,Widget,1,23,100")
    monkeypatch.setenv(cli.TOKEN_VARIABLE, token)
    result = run(*argv)
    assert result.code == 2, result
    message = " ".join(result.err.split())
    assert f"{cli.TOKEN_VARIABLE} is set" in message
    assert "pass --prefix (with --brand) or --base-url" in message
    assert f"unset {cli.TOKEN_VARIABLE}" in message and "nothing was sent" in message
    assert ("names an account" in message) == ("/" in token)
    assert "T0KEN" not in result.err + result.out and "acme" not in result.err + result.out
    assert embedded == []  # no sandbox started: nothing was sent anywhere
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.csv"]


def test_a_dry_run_with_a_token_and_no_account_still_checks_the_file(
    tmp_path: Path, run: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_csv(tmp_path / "in.csv", "K-1,ACME,2026-03-02,Widget,1,23,100")
    monkeypatch.setenv(cli.TOKEN_VARIABLE, "T0KEN-secret-1234/acme")
    result = run("import", path, "--dry-run")
    assert result.code == 0, result
    assert "ready to send:  1 invoice" in result.out


def test_a_blank_token_is_no_token_the_embedded_sandbox_is_used(
    tmp_path: Path,
    run: Callable[..., Run],
    embedded: list[Sandbox],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(cli.TOKEN_VARIABLE, "  ")
    result = run("export", "--out", tmp_path / "x.csv")
    assert result.code == 0, result
    assert len(embedded) == 1
