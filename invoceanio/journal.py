"""The import journal: a local SQLite file (stdlib ``sqlite3``) that records what became of every
item of a bulk import, so an import stopped at any point (``kill -9`` included) resumes without
re-sending what is confirmed and without duplicates.

One row per item, keyed by its ``oid`` (every imported invoice has one): ``state`` is

- ``pending``: seen, not sent yet; with an ``error`` when an import gave up on it without any
  try leaving the machine (no connection through all retries, its deadline passed), so the run
  that resumes it knows an invoice it then finds by the oid was there before the import;
- ``sent``: a create went out and its answer was not recorded yet (it may have landed: on
  resume the item is sent again with ``oid_unique``, which finds it instead of duplicating it);
- ``confirmed``: the server answered with the invoice (its ``invoice_id`` is kept);
- ``failed``: given up after a try that may have reached the server, with the reason (a resumed
  import tries these again).

Each state change is committed before the import goes on (WAL mode, ``synchronous=NORMAL``:
durable across a crash of the process, which is what a killed import is). The journal holds no
credential: no token, no URL with a query, only oids, states, ids and error texts.

A journal belongs to one account: its ``meta`` keeps the import's *target* (the client's base
URL, see :func:`account_of`; never the token), and opening it for another target raises
:class:`~invoceanio.errors.ConfigurationError` before anything is sent, since its "confirmed"
items were created in the first account, not in this one. A journal written before targets were
kept takes the first target it is used with.

While open, a journal is locked (``<journal>.lock``, an OS lock the system drops when the
process ends, ``kill -9`` included): a second import on the same journal at once is refused,
as each would count the other's invoices as its own. The lock is named from the journal's real
path (symlinks resolved, ``./a/../j`` spelled out), so every name of the file finds the same
lock; a journal file with hard links (another name the resolved path cannot see) is refused.

A file is checked before anything is written to it: an SQLite file that is no journal (another
program's database, even with an ``items`` table of its own) is refused, untouched, with a
:class:`~invoceanio.errors.ConfigurationError` naming it, as is a path that cannot be one (not
a ``str``/``os.PathLike``, a NUL in it).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Final, Literal
from urllib.parse import urlsplit

import attrs

from invoceanio.errors import ConfigurationError

__all__ = ["ImportJournal", "JournalEntry", "State", "account_of", "journal_files"]

State = Literal["pending", "sent", "confirmed", "failed"]

_SCHEMA: Final = (
    """
CREATE TABLE items (
    oid TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'confirmed', 'failed')),
    invoice_id INTEGER,
    error TEXT,
    source TEXT,
    updated_at REAL NOT NULL
)""",
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)
#: The columns of a journal's tables, by table: what a file must have to be taken for one.
_COLUMNS: Final = {
    "items": ("oid", "position", "state", "invoice_id", "error", "source", "updated_at"),
    "meta": ("key", "value"),
}
_VERSION: Final = "1"
#: What SQLite and the lock put beside the database file.
_SIDE_FILES: Final = ("-wal", "-shm", "-journal", ".lock")
_DEFAULT_PORTS: Final = {"https": 443, "http": 80}


def account_of(base_url: str) -> str:
    """The target a journal is tied to for a client on ``base_url``: the URL with its scheme and
    host in lower case, without a default port or a trailing slash (so ``HTTPS://Acme...:443/``
    is the same account), and without anything that could carry a credential."""
    parts = urlsplit(base_url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if ":" in host:
        host = f"[{host}]"  # IPv6
    port = parts.port
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    return f"{scheme}://{host}{parts.path.rstrip('/')}"


if sys.platform == "win32":
    import msvcrt

    def _try_lock(file: IO[str]) -> None:
        file.seek(0)
        msvcrt.locking(file.fileno(), msvcrt.LK_NBLCK, 1)

else:
    import fcntl

    def _try_lock(file: IO[str]) -> None:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def _journal_path(path: object) -> Path:
    """``path`` as a Path; ConfigurationError when it cannot name a file."""
    if not isinstance(path, str | os.PathLike):
        raise ConfigurationError(
            f"the journal must be a file path (str or Path), got {type(path).__name__}"
        )
    try:
        journal = Path(path)
    except TypeError:  # an os.PathLike of bytes
        raise ConfigurationError(
            f"the journal must be a file path (str or Path), got {type(path).__name__}"
        ) from None
    if "\x00" in str(journal):
        raise ConfigurationError(
            f"the journal {str(journal)!r} is not a file path: it contains a NUL character"
        )
    return journal


def _real(journal: Path) -> Path:
    """The journal's real path: absolute, symlinks resolved (all of them: the file need not
    exist yet)."""
    try:
        return journal.resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop (RuntimeError before 3.13)
        raise ConfigurationError(f"{journal} cannot be used as a journal: {exc}") from None


def journal_files(path: str | Path) -> tuple[Path, ...]:
    """The files a journal at ``path`` is made of, by their real paths: the database, then
    what SQLite and the lock put beside it (``-wal``, ``-shm``, ``-journal``, ``.lock``). None of
    them may be another file of the same import (its input, its failures file)."""
    real = _real(_journal_path(path))
    return (real, *(real.with_name(real.name + suffix) for suffix in _SIDE_FILES))


def _lock(journal: Path, real: Path) -> IO[str]:
    """Lock ``<journal>.lock`` for this process (held until the file is closed), named from
    the ``real`` path, so that the journal reached through a symlink or another spelling of its
    path finds the same lock. The lock file is left in place: removing it would let a third
    import lock a new file while a second one still holds the old."""
    path = real.with_name(real.name + ".lock")
    try:
        file = path.open("a+", encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(
            f"{journal} cannot be used as a journal: cannot open {path}: {exc.strerror or exc}"
        ) from None
    try:
        _try_lock(file)
    except OSError:
        try:
            file.seek(0)
            owner = file.read(100).strip()
        except OSError:
            owner = ""
        file.close()
        raise ConfigurationError(
            f"{journal} is in use by another import"
            + (f" ({owner})" if owner else "")
            + ": wait for it to end, or give this import a journal of its own"
        ) from None
    file.seek(0)
    file.truncate()
    file.write(f"process {os.getpid()}\n")
    file.flush()
    return file


@attrs.frozen
class JournalEntry:
    oid: str
    position: int
    state: State
    invoice_id: int | None
    error: str | None
    source: str | None


class ImportJournal:
    """``with ImportJournal(path, target=...) as journal:``; safe to use from one event loop
    (the import's). ``target`` names the account the import goes to (see the module docstring);
    a journal of another target is refused, ``None`` skips that check."""

    def __init__(self, path: str | Path, *, target: str | None = None) -> None:
        self.path = _journal_path(path)
        if target is not None and not isinstance(target, str):
            raise ConfigurationError(f"target must be a str or None, got {type(target).__name__}")
        real = _real(self.path)
        if real.is_dir():
            raise ConfigurationError(f"{self.path} is a directory, not a journal file")
        self._lock = _lock(self.path, real)
        try:
            links = real.stat().st_nlink if real.exists() else 1
        except OSError:
            links = 1  # sqlite3 says what is wrong with it
        if links > 1:
            self._lock.close()
            raise ConfigurationError(
                f"{self.path} has {links} names (hard links): an import through another of them "
                "would not see this one's lock; give this import a journal of its own (a copy)"
            )
        try:
            self._db = sqlite3.connect(real, isolation_level=None)
        except sqlite3.DatabaseError as exc:
            self._lock.close()
            raise ConfigurationError(f"{self.path} cannot be used as a journal: {exc}") from None
        try:
            # Checked before anything is written: another program's database stays as it was.
            self._check_schema()
            self._db.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
            version = self._meta("version")
            if version is None:  # a journal whose first open stopped before this line
                self._db.execute("INSERT INTO meta VALUES ('version', ?)", (_VERSION,))
            self.target = self._bind(target)
        except sqlite3.DatabaseError as exc:
            self.close()
            raise ConfigurationError(f"{self.path} cannot be used as a journal: {exc}") from None
        except BaseException:
            self.close()
            raise

    def _check_schema(self) -> None:
        """Create the tables of a new journal (an empty file, or none yet); for a file that has
        tables already, check they are a journal's (of this version), without writing."""
        objects = {
            (str(kind), str(name))
            for kind, name in self._db.execute(
                "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
            )
        }
        if not objects:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for statement in _SCHEMA:
                    self._db.execute(statement)
                self._db.execute("INSERT INTO meta VALUES ('version', ?)", (_VERSION,))
                self._db.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
                raise
            return
        if ("table", "meta") in objects and self._columns("meta") == _COLUMNS["meta"]:
            version = self._meta("version")
            if version is not None and version != _VERSION:
                raise ConfigurationError(
                    f"{self.path} is an import journal of another version ({version})"
                )
        tables = {("table", name) for name in _COLUMNS}
        if objects != tables or any(
            not set(columns) <= set(self._columns(name)) for name, columns in _COLUMNS.items()
        ):
            names = sorted(name for _, name in objects)
            shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
            raise ConfigurationError(
                f"{self.path} is not an import journal (an SQLite database of something else, "
                f"with {shown}): it was left as it is; give this import a journal of its own"
            )

    def _columns(self, table: str) -> tuple[str, ...]:
        # table is one of _COLUMNS' names, never input: PRAGMA takes no parameters.
        return tuple(str(row[1]) for row in self._db.execute(f"PRAGMA table_info({table})"))

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _bind(self, target: str | None) -> str | None:
        """The journal's target: ``target``, written down when the journal has none yet (a new
        one, or one from before targets were kept); another one already there is refused."""
        stored = self._meta("target")
        if target is None or stored == target:
            return stored
        if stored is None:
            self._db.execute("INSERT INTO meta VALUES ('target', ?)", (target,))
            return target
        raise ConfigurationError(
            f"{self.path} is the journal of an import into {stored}, not {target}: what it "
            "records as done was created there; give this import a journal of its own"
        )

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

    def pending(
        self, oid: str, position: int, source: str | None = None, *, error: str | None = None
    ) -> None:
        self._set(
            oid, position, "pending", source=source, error=None if error is None else error[:2000]
        )

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
        try:
            self._db.close()
        finally:
            self._lock.close()  # after the database: the lock covers all of its use

    def __enter__(self) -> ImportJournal:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
