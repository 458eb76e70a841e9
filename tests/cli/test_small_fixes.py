"""Three small fixes a docs review found. Without tqdm (the ``cli`` extra), ``import``,
``export`` and ``pdf`` run without progress bars, with one note on stderr saying what adds
them, and exit as they do with it (they used to exit 2 before doing anything, a dry run with
no terminal too). The admin link ``invoceanio sandbox`` prints answers: an index of the admin
paths. The receiver in the :mod:`invoceanio.webhooks` docstring runs as written."""

from __future__ import annotations

import ast
import importlib
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pypdf
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

import invoceanio.cli
import invoceanio.webhooks
from invoceanio.cli import sandbox as sandbox_command
from invoceanio.cli.options import NoProgressBar
from invoceanio.sandbox.faults import FaultConfig
from invoceanio.sandbox.server import Sandbox

from .conftest import Run, write_csv

RunAsync = Callable[..., Any]

ROWS = (
    "ORD-1,Jan Nowak,2026-03-02,Chleb,10,5,120",
    "ORD-2,Northwind Ltd,2026-03-03,Design,2,23,300",
)
NOTE = "pip install 'invoceanio[cli]'"


@pytest.fixture
def without_tqdm(monkeypatch: pytest.MonkeyPatch) -> None:
    # None in sys.modules makes "import tqdm" (and importlib's) raise ImportError.
    monkeypatch.setitem(sys.modules, "tqdm", None)


# --- 1. the commands without tqdm --------------------------------------------------------------


def _commands(tmp_path: Path) -> dict[str, tuple[list[str], int]]:
    """Each command on the embedded sandbox, and the status it exits with there (with tqdm)."""
    path = write_csv(tmp_path / "invoices.csv", *ROWS)
    return {
        "import --dry-run": (["import", str(path), "--dry-run"], 0),
        "import": (["import", str(path)], 0),
        "export": (["export", "--out", str(tmp_path / "export.jsonl")], 0),
        # The embedded sandbox is empty: invoice 1 is not there, a failure (1), not a refusal.
        "pdf": (["pdf", "1", "--out", str(tmp_path / "pdfs")], 1),
    }


@pytest.mark.parametrize("command", ["import --dry-run", "import", "export", "pdf"])
@pytest.mark.parametrize("tqdm_installed", [True, False], ids=["with tqdm", "without tqdm"])
def test_each_command_exits_the_same_with_or_without_tqdm(
    tmp_path: Path,
    run: Callable[..., Run],
    embedded: list[Sandbox],
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    tqdm_installed: bool,
) -> None:
    argv, status = _commands(tmp_path)[command]
    if not tqdm_installed:
        monkeypatch.setitem(sys.modules, "tqdm", None)
    result = run(*argv)
    assert result.code == status, result
    assert "Traceback" not in result.err
    # Without tqdm one note says what adds the bars; with it, none.
    assert result.err.count(NOTE) == (0 if tqdm_installed else 1), result.err
    assert ("no progress bars" in result.err) is not tqdm_installed


@pytest.mark.usefixtures("without_tqdm")
async def test_without_tqdm_import_export_and_pdf_still_do_their_work(
    tmp_path: Path, sandbox: Sandbox, run_async: RunAsync
) -> None:
    path = write_csv(tmp_path / "invoices.csv", *ROWS)
    imported = await run_async("import", path, "--base-url", sandbox.url)
    assert imported.code == 0, imported
    assert "created:          2" in imported.out
    out = tmp_path / "export.jsonl"
    exported = await run_async("export", "--out", out, "--base-url", sandbox.url)
    assert exported.code == 0, exported
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2
    ids = [str(record["id"]) for record in sandbox.store.records("invoices")]
    pdfs = tmp_path / "pdfs"
    downloaded = await run_async("pdf", *ids, "--out", pdfs, "--base-url", sandbox.url)
    assert downloaded.code == 0, downloaded
    files = sorted(pdfs.glob("*.pdf"))
    assert len(files) == 2
    assert all(len(pypdf.PdfReader(file).pages) >= 1 for file in files)
    for result in (imported, exported, downloaded):
        assert result.err.count(NOTE) == 1, result.err


@pytest.mark.usefixtures("without_tqdm")
def test_without_tqdm_load_tqdm_gives_the_stand_in(capsys: pytest.CaptureFixture[str]) -> None:
    assert invoceanio.cli.load_tqdm("export") is NoProgressBar
    assert capsys.readouterr().err.startswith("invoceanio export: ")


def test_with_tqdm_load_tqdm_gives_tqdm_itself(capsys: pytest.CaptureFixture[str]) -> None:
    # By name, as load_tqdm does: tqdm ships no type hints.
    assert invoceanio.cli.load_tqdm("export") is importlib.import_module("tqdm").tqdm
    assert capsys.readouterr().err == ""


def _called_on_bars() -> set[str]:
    """Every attribute the commands' code reads from a ``bar``: what the stand-in must have."""
    names: set[str] = set()
    for module in Path(invoceanio.cli.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "bar"
            ):
                names.add(node.attr)
    return names


def test_the_stand_in_has_every_method_the_commands_call_on_a_bar() -> None:
    called = _called_on_bars()
    assert {"update", "close", "set_postfix_str"} <= called  # the scan sees the commands' calls
    bar = NoProgressBar(desc="importing", unit=" invoices", total=3, file=sys.stderr)
    for name in called:
        assert callable(getattr(bar, name)), name
    bar.update(1)
    bar.set_postfix_str("1 created", refresh=False)
    bar.close()


# --- 2. the admin link of ``invoceanio sandbox`` -----------------------------------------------


def _admin_link(url: str, capsys: pytest.CaptureFixture[str]) -> str:
    sandbox_command._print_banner(url, "127.0.0.1", "banner-token", 7, FaultConfig())
    (line,) = [line for line in capsys.readouterr().err.splitlines() if "admin:" in line]
    return line.split("admin:", 1)[1].split()[0]


async def test_the_admin_link_the_banner_prints_answers_with_the_admin_paths(
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with Sandbox(token="banner-token") as sandbox:
        link = _admin_link(sandbox.url, capsys)
        assert link == f"{sandbox.url}/__sandbox__/"
        async with aiohttp.ClientSession() as session, session.get(link) as response:
            assert response.status == 200
            index = await response.json()
    paths = {entry["path"] for entry in index["endpoints"]}
    assert {"/__sandbox__/counts", "/__sandbox__/faults", "/__sandbox__/reset"} <= paths


# --- 3. the webhooks docstring's receiver ------------------------------------------------------


def _docstring_example() -> str:
    """The indented block of the module docstring: the example, as a reader would paste it."""
    doc = invoceanio.webhooks.__doc__ or ""
    lines = doc.splitlines()
    first = next(n for n, line in enumerate(lines) if line.startswith("    "))
    block: list[str] = []
    for line in lines[first:]:
        if line and not line.startswith("    "):
            break
        block.append(line)
    return textwrap.dedent("\n".join(block))


def _body(token: str | None, invoice_id: int = 7) -> bytes:
    import json

    deal = {"status": "issued", "external_ids": {"fakturownia": invoice_id}, "price": "10.0"}
    data: dict[str, Any] = {"id": "1", "deal": deal, "app_name": "invoiceocean"}
    if token is not None:
        data["api_token"] = token
    return json.dumps(data).encode()


@pytest.fixture
def example(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The docstring's example, run as written (the token from the environment, as it says)."""
    monkeypatch.setenv("WEBHOOK_TOKEN", "whk-docstring-token")
    namespace: dict[str, Any] = {"__name__": "webhook_example"}
    exec(compile(_docstring_example(), "<invoceanio.webhooks docstring>", "exec"), namespace)
    return namespace


async def test_the_docstring_receiver_runs_as_written(
    example: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    app = example["app"]
    assert isinstance(app, web.Application)
    async with TestClient(TestServer(app)) as client:
        good = await client.post("/invoiceocean-webhook", data=_body("whk-docstring-token"))
        assert (good.status, await good.text()) == (200, "ok")
        assert "invoice 7 issued" in capsys.readouterr().out
        wrong = await client.post("/invoiceocean-webhook", data=_body("not-the-token"))
        assert wrong.status == 401
        missing = await client.post("/invoiceocean-webhook", data=_body(None))
        assert missing.status == 401
        malformed = await client.post("/invoiceocean-webhook", data=b"<html>")
        assert malformed.status == 400


# --- from a secrets review: a token pasted into an account option is not echoed -------------


@pytest.mark.parametrize("option", ["--prefix", "--brand", "--base-url"])
@pytest.mark.parametrize("pasted", ["canary7f3a9b2c1dXYZ/acme", "  Canary7f3a9b2c1dXYZ  "])
def test_a_token_pasted_into_an_account_option_is_not_printed_back(
    tmp_path: Path, run: Callable[..., Run], option: str, pasted: str
) -> None:
    result = run("export", option, pasted, "--out", str(tmp_path / "out.jsonl"))
    assert result.code == 2
    # Said how long it was instead, where the message quoted it.
    assert "not shown: it may be a token" in result.err or "whitespace" in result.err
    for spelling in (pasted, pasted.strip(), pasted.strip().lower(), "7f3a9b2c1d"):
        assert spelling not in result.err + result.out


@pytest.mark.parametrize(("option", "value"), [("--prefix", "bad_x"), ("--brand", "nope.com")])
def test_a_short_wrong_value_is_still_quoted_to_help(
    tmp_path: Path, run: Callable[..., Run], option: str, value: str
) -> None:
    result = run("export", option, value, "--out", str(tmp_path / "out.jsonl"))
    assert result.code == 2
    assert repr(value) in result.err


def test_a_short_word_padded_past_the_limit_does_not_mangle_the_message(
    tmp_path: Path, run: Callable[..., Run]
) -> None:
    result = run("export", "--brand", "a" + " " * 20, "--out", str(tmp_path / "out.jsonl"))
    assert result.code == 2
    assert "known brands: fakturownia.pl" in result.err
    assert "..." not in result.err
