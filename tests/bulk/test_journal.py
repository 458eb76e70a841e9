"""The import journal: states survive a reopen, versions and bad files are refused clearly."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from invoceanio import ConfigurationError
from invoceanio.journal import ImportJournal, JournalEntry


def test_states_are_recorded_and_survive_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "import.journal"
    with ImportJournal(path) as journal:
        journal.pending("A", 0, "line 2")
        journal.pending("B", 1, "line 3")
        journal.sent("A", 0)
        journal.confirmed("A", 0, 501)
        journal.sent("B", 1)
        journal.failed("B", 1, "ValidationError: buyer_name can't be blank")
        journal.pending("C", 2)
    with ImportJournal(path) as journal:
        assert journal.entry("A") == JournalEntry("A", 0, "confirmed", 501, None, "line 2")
        assert journal.entry("B") == JournalEntry(
            "B", 1, "failed", None, "ValidationError: buyer_name can't be blank", "line 3"
        )
        assert journal.entry("missing") is None
        assert journal.counts() == {"pending": 1, "sent": 0, "confirmed": 1, "failed": 1}


def test_a_file_that_is_no_journal_is_refused(tmp_path: Path) -> None:
    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("hello, this is not SQLite" * 100)
    with pytest.raises(ConfigurationError, match="cannot be used as a journal"):
        ImportJournal(not_a_db)
    other = tmp_path / "other.db"
    with ImportJournal(other):
        pass
    with sqlite3.connect(other) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'version'")
    with pytest.raises(ConfigurationError, match="another version"):
        ImportJournal(other)
    with pytest.raises(ConfigurationError):
        ImportJournal(tmp_path / "no" / "such" / "dir" / "j.db")
