"""The import journal on the review's findings: one lock whatever name the journal is opened
by (a symlink, another spelling of its path; a hard-linked journal is refused), a file that is
no journal (another program's SQLite database, even one with an ``items`` table) refused at
open and left as it was, and a path that cannot be one a ConfigurationError."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from invoceanio import ConfigurationError
from invoceanio.journal import ImportJournal, JournalEntry, journal_files

TARGET = "https://acme.fakturownia.pl"


# --- finding 4: one lock for every name of the journal ------------------------------------------


@pytest.mark.parametrize("spelling", ["symlink", "dotdot", "relative", "symlinked-folder"])
def test_a_journal_open_under_one_name_is_refused_under_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spelling: str
) -> None:
    real = tmp_path / "journal.db"
    (tmp_path / "sub").mkdir()
    other: Path
    if spelling == "symlink":
        other = tmp_path / "same-journal.db"
        other.symlink_to(real)
    elif spelling == "dotdot":
        other = tmp_path / "sub" / ".." / "journal.db"
    elif spelling == "relative":
        monkeypatch.chdir(tmp_path / "sub")
        other = Path("..") / "journal.db"
    else:
        (tmp_path / "folder").symlink_to(tmp_path, target_is_directory=True)
        other = tmp_path / "folder" / "journal.db"
    with ImportJournal(real, target=TARGET) as first:
        with pytest.raises(ConfigurationError, match="in use by another import"):
            ImportJournal(other, target=TARGET)
        first.sent("oid-1", 0)  # still the only writer
    with ImportJournal(other, target=TARGET) as again:  # once closed, any name opens it
        assert again.entry("oid-1") == JournalEntry("oid-1", 0, "sent", None, None, None)


def test_a_symlink_to_a_journal_not_made_yet_finds_the_same_lock(tmp_path: Path) -> None:
    real = tmp_path / "journal.db"
    link = tmp_path / "link.db"
    link.symlink_to(real)
    with ImportJournal(link, target=TARGET):
        assert real.exists()
        with pytest.raises(ConfigurationError, match="in use by another import"):
            ImportJournal(real, target=TARGET)


def test_a_hard_linked_journal_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "journal.db"
    with ImportJournal(real, target=TARGET) as journal:
        journal.confirmed("oid-1", 0, 42)
    os.link(real, tmp_path / "hard.db")
    before = real.read_bytes()
    for name in (real, tmp_path / "hard.db"):
        with pytest.raises(ConfigurationError, match="hard links"):
            ImportJournal(name, target=TARGET)
    assert real.read_bytes() == before
    (tmp_path / "hard.db").unlink()
    with ImportJournal(real, target=TARGET) as journal:
        assert journal.entry("oid-1") == JournalEntry("oid-1", 0, "confirmed", 42, None, None)


def test_journal_files_are_named_from_the_real_path(tmp_path: Path) -> None:
    link = tmp_path / "link.db"
    link.symlink_to(tmp_path / "real.db")
    real = (tmp_path / "real.db").resolve()
    assert journal_files(link) == (
        real,
        real.with_name("real.db-wal"),
        real.with_name("real.db-shm"),
        real.with_name("real.db-journal"),
        real.with_name("real.db.lock"),
    )


# --- finding 5: a file that is no journal is refused before anything is written -------------


def _foreign(path: Path, *statements: str) -> Path:
    with sqlite3.connect(path) as db:
        for statement in statements:
            db.execute(statement)
    return path


def _state(path: Path) -> tuple[Any, ...]:
    with sqlite3.connect(path) as db:
        return (
            sorted(db.execute("SELECT type, name, sql FROM sqlite_master").fetchall()),
            db.execute("PRAGMA journal_mode").fetchone(),
        )


@pytest.mark.parametrize(
    "statements",
    [
        ["CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)"],
        [
            "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)",
            "INSERT INTO items VALUES (1, 'x')",
        ],
        ["CREATE TABLE users (id INTEGER PRIMARY KEY)"],
        ["CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"],
        ["CREATE VIEW v AS SELECT 1"],
    ],
    ids=["items", "items-with-rows", "users", "meta-only", "a-view"],
)
def test_another_programs_database_is_refused_and_left_as_it_was(
    tmp_path: Path, statements: list[str]
) -> None:
    path = _foreign(tmp_path / "app.sqlite", *statements)
    before = _state(path)
    with pytest.raises(ConfigurationError, match="is not an import journal") as refused:
        ImportJournal(path, target=TARGET)
    assert str(path) in str(refused.value)
    assert _state(path) == before
    assert not (tmp_path / "app.sqlite-wal").exists()


def test_a_journal_with_another_programs_table_beside_its_own_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    with ImportJournal(path, target=TARGET):
        pass
    _foreign(path, "CREATE TABLE users (id INTEGER)")
    with pytest.raises(ConfigurationError, match="is not an import journal"):
        ImportJournal(path, target=TARGET)


def test_a_journal_of_another_version_is_still_named_so(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    with ImportJournal(path):
        pass
    # A later version may change the items table: the version says so first.
    _foreign(
        path,
        "UPDATE meta SET value = '2' WHERE key = 'version'",
        "ALTER TABLE items DROP COLUMN source",
    )
    with pytest.raises(ConfigurationError, match=r"another version \(2\)"):
        ImportJournal(path)


def test_a_journal_whose_version_was_never_written_still_opens(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    with ImportJournal(path) as journal:
        journal.pending("A", 0)
    _foreign(path, "DELETE FROM meta")  # an older first run, stopped before the version
    with ImportJournal(path, target=TARGET) as journal:
        assert journal.entry("A") is not None
    with sqlite3.connect(path) as db:
        assert dict(db.execute("SELECT key, value FROM meta").fetchall()) == {
            "version": "1",
            "target": TARGET,
        }


@pytest.mark.parametrize("empty", [False, True], ids=["missing", "empty-file"])
def test_a_new_journal_gets_its_tables(tmp_path: Path, empty: bool) -> None:
    path = tmp_path / "journal.db"
    if empty:
        path.write_bytes(b"")
    with ImportJournal(path, target=TARGET) as journal:
        journal.confirmed("A", 0, 1)
        assert journal.counts()["confirmed"] == 1
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


# --- finding 6: a path that cannot be a journal ---------------------------------------------------


class _BytesPath:
    def __fspath__(self) -> bytes:
        return b"journal.db"


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("a\x00b.journal", "NUL"),
        (Path("a\x00b.journal"), "NUL"),
        (5, "must be a file path"),
        (None, "must be a file path"),
        (b"journal.db", "must be a file path"),
        (_BytesPath(), "must be a file path"),
    ],
    ids=["nul-str", "nul-path", "int", "none", "bytes", "bytes-pathlike"],
)
def test_a_path_that_cannot_be_a_journal_is_a_configuration_error(
    path: Any, problem: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigurationError, match=problem):
        ImportJournal(path)
    assert list(tmp_path.iterdir()) == []


def test_a_target_that_is_no_str_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="target must be a str"):
        ImportJournal(tmp_path / "j.db", target=5)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_a_symlink_loop_is_a_configuration_error(tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    with pytest.raises(ConfigurationError):
        ImportJournal(loop)
