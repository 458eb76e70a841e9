"""The import journal: a local SQLite file (stdlib ``sqlite3``) that records what became of every
item of a bulk import, so an import stopped at any point (``kill -9`` included) resumes without
re-sending what is confirmed and without duplicates.

One row per item, keyed by its ``oid`` (every imported invoice has one): ``state`` is

- ``pending``: seen, not sent yet;
- ``sent``: a create went out and its answer was not recorded yet (it may have landed: on
  resume the item is sent again with ``oid_unique``, which finds it instead of duplicating it);
- ``confirmed``: the server answered with the invoice (its ``invoice_id`` is kept);
- ``failed``: given up, with the reason (a resumed import tries these again).

Each state change is committed before the import goes on (WAL mode, ``synchronous=NORMAL``:
durable across a crash of the process, which is what a killed import is). The journal holds no
credential: no token, no URL with a query, only oids, states, ids and error texts.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from types import TracebackType
from typing import Final, Literal

import attrs

from invoceanio.errors import ConfigurationError

__all__ = ["ImportJournal", "JournalEntry", "State"]

State = Literal["pending", "sent", "confirmed", "failed"]

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS items (
    oid TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'confirmed', 'failed')),
    invoice_id INTEGER,
    error TEXT,
    source TEXT,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
_VERSION: Final = "1"


@attrs.frozen
class JournalEntry:
    oid: str
    position: int
    state: State
    invoice_id: int | None
    error: str | None
    source: str | None


class ImportJournal:
    """``with ImportJournal(path) as journal:``; safe to use from one event loop (the import's)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None)
            self._db.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; " + _SCHEMA)
            row = self._db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
            if row is None:
                self._db.execute("INSERT INTO meta VALUES ('version', ?)", (_VERSION,))
            elif row[0] != _VERSION:
                raise ConfigurationError(
                    f"{self.path} is an import journal of another version ({row[0]})"
                )
        except sqlite3.DatabaseError as exc:
            raise ConfigurationError(f"{self.path} cannot be used as a journal: {exc}") from None

    def entry(self, oid: str) -> JournalEntry | None:
        row = self._db.execute(
            "SELECT oid, position, state, invoice_id, error, source FROM items WHERE oid = ?",
            (oid,),
        ).fetchone()
        return None if row is None else JournalEntry(*row)

    def _set(
        self,
        oid: str,
        position: int,
        state: State,
        *,
        invoice_id: int | None = None,
        error: str | None = None,
        source: str | None = None,
    ) -> None:
        self._db.execute(
            "INSERT INTO items (oid, position, state, invoice_id, error, source, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (oid) DO UPDATE SET "
            "position = excluded.position, state = excluded.state, "
            "invoice_id = excluded.invoice_id, error = excluded.error, "
            "source = COALESCE(excluded.source, items.source), updated_at = excluded.updated_at",
            (oid, position, state, invoice_id, error, source, time.time()),
        )

    def pending(self, oid: str, position: int, source: str | None = None) -> None:
        self._set(oid, position, "pending", source=source)

    def sent(self, oid: str, position: int) -> None:
        self._set(oid, position, "sent")

    def confirmed(self, oid: str, position: int, invoice_id: int | None) -> None:
        self._set(oid, position, "confirmed", invoice_id=invoice_id)

    def failed(self, oid: str, position: int, error: str) -> None:
        self._set(oid, position, "failed", error=error[:2000])

    def counts(self) -> dict[str, int]:
        rows = self._db.execute("SELECT state, COUNT(*) FROM items GROUP BY state").fetchall()
        counts = dict.fromkeys(("pending", "sent", "confirmed", "failed"), 0)
        counts.update({state: number for state, number in rows})
        return counts

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> ImportJournal:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
