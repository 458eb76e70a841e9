"""The command line on the review's findings: a ConfigurationError raised while the client is
made (a token with a space or a control character, a URL the checks cannot parse) is a message
and exit 2 in every account command, never a traceback, and never the token; ``import`` refuses
an input file, journal and failures file of which two are one file (however the path is
spelled: a symlink, ``a/../b``, a hard link), before anything is opened or sent; argparse's own
errors never echo a value given to an option that takes none (``--dry-run=T``, ``-hT``)."""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from invoceanio import cli
from invoceanio.cli import import_command
from invoceanio.errors import ConfigurationError
from invoceanio.sandbox.server import Sandbox

from .conftest import Run, write_csv

SECRET = "CANARY-9b1f4e77"
ROWS = (
    "ORD-1,Jan Nowak,2026-03-02,Chleb,10,5,120",
    "ORD-2,Northwind Ltd,2026-03-03,Design,2,23,300",
)
# Nothing listens there: a command that got as far as a request would fail another way.
NOWHERE = "http://127.0.0.1:9"


def _clean(result: Run, code: int = 2) -> None:
    assert result.code == code, result
    assert "Traceback" not in result.err
    assert SECRET not in result.out + result.err


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "invoices.csv", *ROWS)


def _commands(tmp_path: Path, csv_file: Path) -> dict[str, list[str | Path]]:
    return {
        "pdf": ["pdf", "1", "--out", tmp_path / "pdfs"],
        "export": ["export", "--out", tmp_path / "out.jsonl"],
        "import": ["import", csv_file],
    }


# --- finding 2: a client that cannot be made is a clean exit 2, in every command ---------------


@pytest.mark.parametrize("command", ["pdf", "export", "import"])
@pytest.mark.parametrize(
    "token", [f"{SECRET} pasted-with-space", f"{SECRET}\x01XYZ"], ids=["space", "control"]
)
def test_a_token_the_client_refuses_is_a_message_and_exit_2(
    run: Callable[..., Run],
    embedded: list[Sandbox],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    csv_file: Path,
    command: str,
    token: str,
) -> None:
    monkeypatch.setenv(cli.TOKEN_VARIABLE, token)
    result = run(*_commands(tmp_path, csv_file)[command], "--base-url", NOWHERE)
    _clean(result)
    assert f"invoceanio {command}: api_token" in result.err
    assert embedded == []


@pytest.mark.parametrize("command", ["pdf", "export", "import"])
def test_a_configuration_error_from_making_the_client_is_a_message_and_exit_2(
    run: Callable[..., Run],
    embedded: list[Sandbox],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    csv_file: Path,
    command: str,
) -> None:
    """Whatever InvoiceOcean() refuses (here: a stand-in for a check to come)."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise ConfigurationError("base_url is no URL that can be parsed")

    monkeypatch.setenv(cli.TOKEN_VARIABLE, SECRET)
    monkeypatch.setattr("invoceanio.client.InvoiceOcean.__init__", refuse)
    result = run(*_commands(tmp_path, csv_file)[command], "--base-url", NOWHERE)
    _clean(result)
    assert f"invoceanio {command}: base_url is no URL that can be parsed" in result.err


def test_a_configuration_error_no_command_catches_is_still_a_message_and_exit_2(
    run: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    def handler(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
        raise ConfigurationError("something was refused")

    monkeypatch.setattr("invoceanio.cli.endpoints.run", handler)
    result = run("endpoints")
    _clean(result)
    assert "invoceanio endpoints: something was refused" in result.err


def test_a_base_url_check_that_fails_without_a_message_does_not_echo_the_url(
    run: Callable[..., Run],
    embedded: list[Sandbox],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    def check(url: str) -> str:
        raise ValueError(f"cannot parse {url!r}")

    monkeypatch.setattr("invoceanio.hosts.check_base_url", check)
    url = f"https://[acme.fakturownia.pl]/?api_token={SECRET}"
    result = run("export", "--out", tmp_path / "o.jsonl", "--base-url", url)
    _clean(result)
    assert "argument --base-url" in result.err
    assert embedded == []


@pytest.mark.skipif(sys.platform == "win32", reason="signal handlers")
def test_a_sandbox_host_the_resolver_cannot_take_is_a_message_and_exit_1(
    run: Callable[..., Run],
) -> None:
    result = run("sandbox", "--host", "a" * 300, "--port", "0")
    _clean(result, code=1)
    assert "cannot listen on" in result.err and "not a host name" in result.err


# --- finding 3: the input, the journal and the failures file are three files ------------------


def _journal(tmp_path: Path) -> Path:
    """A journal an earlier run left (so that it exists: samefile sees hard links)."""
    path = tmp_path / "run.journal"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE kept (x)")
    return path


def _refused(result: Run, embedded: list[Sandbox], *words: str) -> None:
    _clean(result)
    assert "nothing was sent" in result.err
    for word in words:
        assert word in result.err
    assert embedded == []


@pytest.mark.parametrize("dry_run", [False, True], ids=["import", "dry-run"])
@pytest.mark.parametrize("exists", [False, True], ids=["new", "existing"])
def test_the_failures_file_cannot_be_the_journal(
    run: Callable[..., Run],
    embedded: list[Sandbox],
    tmp_path: Path,
    dry_run: bool,
    exists: bool,
) -> None:
    journal = _journal(tmp_path) if exists else tmp_path / "run.journal"
    before = journal.read_bytes() if exists else None
    # A bad row: a dry run would write it to the failures file.
    path = write_csv(tmp_path / "invoices.csv", *ROWS, "ORD-3,Jan,2026-03-04,X,many,23,1")
    result = run(
        "import", path, "--journal", journal, "--failures", journal, *(["--dry-run"] * dry_run)
    )
    _refused(result, embedded, "is the journal", "--failures")
    assert (journal.read_bytes() if journal.exists() else None) == before


@pytest.mark.parametrize("spelling", ["symlink", "dotdot", "relative", "hardlink"])
def test_the_failures_file_cannot_be_the_journal_under_another_name(
    run: Callable[..., Run],
    embedded: list[Sandbox],
    tmp_path: Path,
    csv_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    spelling: str,
) -> None:
    journal = _journal(tmp_path)
    before = journal.read_bytes()
    (tmp_path / "sub").mkdir()
    other: Path
    if spelling == "symlink":
        other = tmp_path / "link.jsonl"
        other.symlink_to(journal)
    elif spelling == "dotdot":
        other = tmp_path / "sub" / ".." / journal.name
    elif spelling == "relative":
        monkeypatch.chdir(tmp_path / "sub")
        other = Path("..") / journal.name
    else:
        other = tmp_path / "hard.jsonl"
        os.link(journal, other)
    result = run("import", csv_file, "--journal", journal, "--failures", other)
    _refused(result, embedded, "is the journal")
    assert journal.read_bytes() == before


def test_a_dangling_symlink_to_the_journal_is_the_journal(
    run: Callable[..., Run], embedded: list[Sandbox], tmp_path: Path, csv_file: Path
) -> None:
    journal = tmp_path / "new.journal"  # not created yet
    link = tmp_path / "failures.jsonl"
    link.symlink_to(journal)
    result = run("import", csv_file, "--journal", journal, "--failures", link)
    _refused(result, embedded, "is the journal")
    assert not journal.exists()


@pytest.mark.parametrize("side", ["-wal", "-shm", ".lock"])
def test_the_failures_file_cannot_be_a_file_of_the_journal(
    run: Callable[..., Run], embedded: list[Sandbox], tmp_path: Path, csv_file: Path, side: str
) -> None:
    journal = tmp_path / "run.journal"
    result = run(
        "import", csv_file, "--journal", journal, "--failures", tmp_path / f"run.journal{side}"
    )
    _refused(result, embedded, "a file of the journal", "--failures")


def test_the_journal_cannot_be_the_input_file(
    run: Callable[..., Run], embedded: list[Sandbox], tmp_path: Path, csv_file: Path
) -> None:
    before = csv_file.read_bytes()
    link = tmp_path / "journal-link"
    link.symlink_to(csv_file)
    for journal in (csv_file, link):
        result = run("import", csv_file, "--journal", journal)
        _refused(result, embedded, "is the input file", "--journal")
    assert csv_file.read_bytes() == before
    assert not (tmp_path / "invoices.csv.lock").exists()


def test_the_journal_cannot_be_the_default_failures_file(
    run: Callable[..., Run], embedded: list[Sandbox], tmp_path: Path, csv_file: Path
) -> None:
    journal = tmp_path / "invoices.csv.failures.jsonl"
    result = run("import", csv_file, "--journal", journal)
    _refused(result, embedded, "is the journal")


def test_the_input_cannot_be_a_file_of_the_journal(tmp_path: Path) -> None:
    path = tmp_path / "run.journal.lock"
    path.write_text("a,b\n")
    problem = import_command._shared_file(path, tmp_path / "run.journal", tmp_path / "f.jsonl")
    assert problem is not None and "a file of the journal" in problem


def test_three_files_of_their_own_still_import(
    run: Callable[..., Run], embedded: list[Sandbox], tmp_path: Path, csv_file: Path
) -> None:
    result = run(
        "import", csv_file, "--journal", tmp_path / "j", "--failures", tmp_path / "f.jsonl"
    )
    assert result.code == 0, result
    assert "created:          2" in result.out


# --- finding 7: argparse never echoes a value given to an option that takes none --------------


@pytest.mark.parametrize(
    "argv",
    [
        [f"--version={SECRET}"],
        [f"--help={SECRET}"],
        [f"-h={SECRET}"],
        ["import", "FILE", f"--dry-run={SECRET}"],
        ["import", "FILE", f"--help={SECRET}"],
        ["import", "FILE", f"-h{SECRET}"],
        ["export", "--out", "o.csv", f"-h{SECRET}"],
        ["pdf", "1", "--out", "d", f"--help={SECRET}"],
        ["sandbox", f"--help={SECRET}"],
        ["endpoints", f"-h={SECRET}"],
    ],
)
def test_a_value_given_to_an_option_that_takes_none_is_not_echoed(
    run: Callable[..., Run], embedded: list[Sandbox], csv_file: Path, argv: list[str]
) -> None:
    result = run(*[csv_file if word == "FILE" else word for word in argv])
    _clean(result)
    assert "takes no value (given ***)" in result.err
    assert embedded == []


def test_the_flags_without_a_value_still_work(
    run: Callable[..., Run], embedded: list[Sandbox], csv_file: Path
) -> None:
    assert run("--version").code == 0
    assert run("import", "--help").code == 0
    result = run("import", csv_file, "--dry-run")
    assert result.code == 0, result
    assert "dry run of" in result.out


# --- a token pasted into an option that takes a number is not echoed -------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["import", "FILE", "--concurrency", SECRET],
        ["import", "FILE", "--rate", SECRET],
        ["sandbox", "--port", SECRET],
        ["sandbox", "--latency-ms", SECRET],
        ["export", "--out", "o.csv", "--date-from", SECRET],
    ],
)
def test_a_token_given_where_a_number_belongs_is_not_echoed(
    run: Callable[..., Run], embedded: list[Sandbox], csv_file: Path, argv: list[str]
) -> None:
    result = run(*[csv_file if word == "FILE" else word for word in argv])
    _clean(result)
    assert f"{len(SECRET)} characters, not shown" in result.err
    assert embedded == []


def test_a_short_bad_number_is_still_quoted(
    run: Callable[..., Run], embedded: list[Sandbox], csv_file: Path
) -> None:
    result = run("import", csv_file, "--concurrency", "ten")
    _clean(result)
    assert "'ten' is not a whole number" in result.err
