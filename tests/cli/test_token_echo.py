"""A token typed as an option is never printed back, wherever it is put and however the option
is spelled: the token options are refused before the command too, and argparse's
"unrecognized arguments" error shows an unknown option's name with its value masked (``=***``,
and the word after it, which may be its value). Nothing is sent (no sandbox is even started).
A stray word that follows no option (a second file name) is still shown: it helps, and it is
no option's value."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from invoceanio.sandbox.server import Sandbox
from tests.cli.conftest import Run, write_csv

SECRET = "CANARY-5e0d7b13aa"
REFUSED = "the API token is never taken on the command line"


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "invoices.csv")


def _refused_silently(result: Run, started: list[Sandbox]) -> None:
    assert result.code == 2, result
    assert SECRET not in result.err + result.out
    assert "Traceback" not in result.err
    assert started == [], "the command ran"


@pytest.mark.parametrize(
    "before",
    [
        [f"--token={SECRET}"],
        ["--token", SECRET],
        [f"--api-token={SECRET}"],
        ["--api_token", SECRET],
    ],
    ids=["token=", "token", "api-token=", "api_token"],
)
@pytest.mark.parametrize("command", ["import", "export"])
def test_a_token_option_before_the_command_is_refused(
    run: Callable[..., Run],
    embedded: list[Sandbox],
    csv_file: Path,
    tmp_path: Path,
    before: list[str],
    command: str,
) -> None:
    rest = [csv_file] if command == "import" else ["--out", tmp_path / "out.csv"]
    result = run(*before, command, *rest)
    _refused_silently(result, embedded)
    assert REFUSED in result.err


@pytest.mark.parametrize(
    ("option", "shown"),
    [
        ([f"--api-key={SECRET}"], "unrecognized arguments: --api-key=***"),
        ([f"--apitoken={SECRET}"], "unrecognized arguments: --apitoken=***"),
        (["--apitoken", SECRET], "unrecognized arguments: --apitoken ***"),
        ([f"--TOKEN={SECRET}"], "unrecognized arguments: --TOKEN=***"),
        ([f"-k{SECRET}"], "unrecognized arguments: -k***"),
    ],
)
def test_an_unknown_option_after_the_command_is_named_with_its_value_masked(
    run: Callable[..., Run], embedded: list[Sandbox], csv_file: Path, option: list[str], shown: str
) -> None:
    result = run("import", csv_file, *option)
    _refused_silently(result, embedded)
    assert shown in result.err


def test_an_unknown_option_between_the_command_and_its_file_masks_the_next_word(
    run: Callable[..., Run], embedded: list[Sandbox], csv_file: Path
) -> None:
    # argparse takes the token for the file and reports the file as the stray word.
    result = run("import", "--api-key", SECRET, csv_file)
    _refused_silently(result, embedded)
    assert "unrecognized arguments: --api-key ***" in result.err


def test_an_unknown_option_of_the_pdf_command_is_masked(
    run: Callable[..., Run], embedded: list[Sandbox], tmp_path: Path
) -> None:
    result = run("pdf", "1", "--out", tmp_path, f"--TOKEN={SECRET}")
    _refused_silently(result, embedded)
    assert "unrecognized arguments: --TOKEN=***" in result.err


@pytest.mark.parametrize(
    ("before", "shown"),
    [
        ([f"--api-key={SECRET}"], "unrecognized arguments: --api-key=***"),
        # Without the check the token would be taken for the command: "invalid choice: '...'".
        (["--api-key", SECRET], "unrecognized arguments: --api-key "),
        # No abbreviations: "ambiguous option: --api=... could match" would print it all.
        ([f"--api={SECRET}"], "unrecognized arguments: --api=***"),
        ([f"--tok={SECRET}"], "unrecognized arguments: --tok=***"),
    ],
)
def test_an_unknown_option_before_the_command_is_named_with_its_value_masked(
    run: Callable[..., Run],
    embedded: list[Sandbox],
    csv_file: Path,
    before: list[str],
    shown: str,
) -> None:
    result = run(*before, "import", csv_file)
    _refused_silently(result, embedded)
    assert shown in result.err
    assert "options go after the command" in result.err


def test_a_stray_file_name_is_still_shown(
    run: Callable[..., Run], embedded: list[Sandbox], csv_file: Path
) -> None:
    result = run("import", csv_file, "second.csv")
    assert result.code == 2
    assert "unrecognized arguments: second.csv" in result.err
    assert embedded == []


def test_the_top_level_options_still_work(run: Callable[..., Run]) -> None:
    result = run("--version")
    assert result.code == 0
    assert result.out.startswith("invoceanio ")
    help_text = run("--help").out
    assert "--token" not in help_text
    assert "COMMAND" in help_text
