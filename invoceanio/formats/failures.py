"""The failures file of ``invoceanio import``: one JSON object per invoice that did not go in.

    {"source": "lines 12-14", "line": 12, "stage": "file", "error": "line 13: ...", "data": []}
    {"source": "line 40", "line": 40, "stage": "send", "oid": "A-1", "error": "...", "data": {}}

``stage`` is ``file`` for an invoice rejected before sending (``data``: its raw rows or line)
and ``send`` for one the service refused or that could not be sent (``data``: the invoice as it
was sent). Written as failures happen, so a run stopped halfway still leaves them.

:meth:`FailuresFile.open` opens it before anything is sent, so a path that cannot be written
(no such folder, a directory, no permission) stops the import before it starts instead of at
its first failure. Opening appends nothing and truncates nothing: a file left by an earlier run
is replaced at this run's first failure, removed by :meth:`~FailuresFile.close` when this run
had none (so it always describes the last run), and left as it was by
:meth:`~FailuresFile.discard` (a run stopped before it sent anything).
"""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path
from typing import IO, Any, Final

__all__ = ["FailuresFile", "default_failures_path"]

_LINE: Final = re.compile(r"lines? (\d+)")


def default_failures_path(input_path: Path) -> Path:
    """``invoices.csv`` -> ``invoices.csv.failures.jsonl``, beside it.

    The whole name, suffix included: ``x.csv`` and ``x.jsonl`` in one folder would otherwise
    share one failures file, and a run of either would overwrite (or, when clean, remove) the
    failures the other reported."""
    return input_path.with_name(input_path.name + ".failures.jsonl")


class FailuresFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        #: Why the file could not be written further (a full disk...), else None.
        self.error: str | None = None
        self._file: IO[str] | None = None
        self._opened = False
        self._existed = False  # an earlier run's file was there when this run opened it
        self._written = False

    def open(self) -> None:
        """Open the file for this run; OSError when it cannot be written."""
        if self.path.is_dir():
            raise IsADirectoryError(21, "is a directory", str(self.path))
        self._existed = self.path.is_file()
        # "a" creates it if need be and keeps an earlier run's lines until the first failure.
        # errors="backslashreplace": text that is not Unicode (a lone surrogate from a JSON
        # escape) is written as its \\udXXX escape, which reads back as the same string.
        self._file = self.path.open("a", encoding="utf-8", errors="backslashreplace")
        self._opened = True

    def write(
        self,
        *,
        source: str | None,
        stage: str,
        error: str | None,
        data: Any,
        oid: str | None = None,
    ) -> None:
        """Write one failure. Never raises: a write that fails (a full disk) is kept in
        :attr:`error` for the summary, and the import goes on."""
        self.count += 1
        if self.error is not None:
            return
        record: dict[str, Any] = {"source": source, "line": _first_line(source), "stage": stage}
        if oid is not None:
            record["oid"] = oid
        record["error"] = error
        record["data"] = data
        try:
            line = _dumps(record)
        except (TypeError, ValueError, RecursionError) as exc:
            record["data"] = f"(not written: {type(exc).__name__})"
            line = _dumps(record)
        try:
            if self._file is None:
                self.open()
            assert self._file is not None
            if not self._written:
                self._file.truncate(0)  # the earlier run's failures: this run replaces them
                self._written = True
            self._file.write(line + "\n")
            self._file.flush()
        except OSError as exc:
            self.error = f"{exc.strerror or exc}"

    def close(self) -> bool:
        """Close the file at the end of a run; with no failure written, remove it. True when
        it held an earlier run's failures."""
        if not self._opened:
            self._existed = self.path.is_file()
        self._close()
        if self._written:
            return False
        try:
            self.path.unlink(missing_ok=True)
        except OSError:
            # Not removable (a read-only folder): emptied instead, so it tells of no failure.
            if self._existed and self.path.is_file():
                try:
                    self.path.write_bytes(b"")
                except OSError:
                    return False
        return self._existed

    def discard(self) -> None:
        """Close the file of a run that sent nothing: an earlier run's file is left as it was,
        the empty one this run created is removed."""
        self._close()
        if self._opened and not self._written and not self._existed:
            with contextlib.suppress(OSError):
                self.path.unlink(missing_ok=True)

    def _close(self) -> None:
        if self._file is not None:
            try:
                self._file.close()
            except OSError as exc:
                self.error = self.error or f"{exc.strerror or exc}"
            self._file = None


def _dumps(record: dict[str, Any]) -> str:
    # default=str: the rows of a rejected invoice are text already; anything else that is not
    # JSON (a Decimal or a date of a half-read invoice) goes out as its text.
    return json.dumps(record, ensure_ascii=False, default=str)


def _first_line(source: str | None) -> int | None:
    match = _LINE.match(source or "")
    return int(match.group(1)) if match else None
