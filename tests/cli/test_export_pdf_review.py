"""``export`` and ``pdf`` review of 2026-12-02: the files they write and what a closed pipe does.

- Two exports to one file at once (a cron run overlapping the next) shared one ``.part``: one
  said it wrote 108 invoices while the file held the other's 350, the other failed.
- ``--out`` naming a folder downloaded everything, then failed and left the ``.part`` behind.
- A reader that closed stdout (``invoceanio endpoints | head``) got a BrokenPipeError traceback.
- A PDF named after a long CJK invoice number was over the file system's 255 bytes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from invoceanio import cli
from invoceanio.formats import InvoiceWriter
from invoceanio.models import Invoice

from .conftest import Run


def _invoice(number: str) -> Invoice:
    return Invoice(id=1, number=number, buyer_name="B")


def test_two_writers_of_one_file_keep_their_own_data(tmp_path: Path) -> None:
    out = tmp_path / "same.jsonl"
    with InvoiceWriter(out) as first, InvoiceWriter(out) as second:
        first.write(_invoice("FIRST"))
        second.write(_invoice("SECOND"))
        second.commit()
        assert "SECOND" in out.read_text()
        first.commit()
    assert "FIRST" in out.read_text() and "SECOND" not in out.read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["same.jsonl"]  # no .part left


def test_a_commit_that_cannot_put_the_file_in_place_leaves_no_part(tmp_path: Path) -> None:
    out = tmp_path / "taken.csv"
    writer = InvoiceWriter(out)
    writer.write(_invoice("A"))
    out.mkdir()  # a folder took the name meanwhile
    with pytest.raises(OSError), writer:
        writer.commit()
    assert [p.name for p in tmp_path.iterdir()] == ["taken.csv"]


def test_export_to_a_folder_is_refused_before_anything_is_read(tmp_path: Path, run: object) -> None:
    folder = tmp_path / "out.csv"
    folder.mkdir()
    result: Run = run("export", "--out", folder)  # type: ignore[operator]
    assert result.code == 2
    assert "is a folder" in result.err
    assert list(folder.iterdir()) == []


def test_a_closed_stdout_is_exit_141_without_a_traceback() -> None:
    reader = subprocess.Popen(
        [sys.executable, "-m", "invoceanio", "endpoints"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert reader.stdout is not None and reader.stderr is not None
    # The reader goes away before a word is written (as `| true` does): the interpreter is
    # still starting, and the whole output would fit in the pipe's buffer otherwise.
    reader.stdout.close()
    errors = reader.stderr.read().decode()
    assert reader.wait(timeout=60) == 141
    assert "Traceback" not in errors and "BrokenPipeError" not in errors


def test_a_pdf_name_is_cut_to_what_a_file_system_holds() -> None:
    name = cli.pdf_file_name("發票" * 100, 42)
    assert len(name.encode()) <= 255 - len(".abcdef12.part")
    assert name.endswith(".pdf") and name.startswith("發票")
    name.encode("utf-8")  # whole characters: no half of one left at the cut
