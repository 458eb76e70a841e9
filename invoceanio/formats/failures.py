"""The failures file of ``invoceanio import``: one JSON object per invoice that did not go in.

    {"source": "lines 12-14", "line": 12, "stage": "file", "error": "line 13: ...", "data": []}
    {"source": "line 40", "line": 40, "stage": "send", "oid": "A-1", "error": "...", "data": {}}

``stage`` is ``file`` for an invoice rejected before sending (``data``: its raw rows or line)
and ``send`` for one the service refused or that could not be sent (``data``: the invoice as it
was sent). Written as failures happen, so a run stopped halfway still leaves them; the file is
only created when there is something to write, and one left by an earlier run is replaced (or
removed, when this run has no failure), so it always describes the last run.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import IO, Any, Final

__all__ = ["FailuresFile", "default_failures_path"]

_LINE: Final = re.compile(r"lines? (\d+)")


def default_failures_path(input_path: Path) -> Path:
    """``invoices.csv`` -> ``invoices.failures.jsonl``, beside it."""
    return input_path.with_name(input_path.stem + ".failures.jsonl")


class FailuresFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._file: IO[str] | None = None

    def write(
        self,
        *,
        source: str | None,
        stage: str,
        error: str | None,
        data: Any,
        oid: str | None = None,
    ) -> None:
        record: dict[str, Any] = {"source": source, "line": _first_line(source), "stage": stage}
        if oid is not None:
            record["oid"] = oid
        record["error"] = error
        record["data"] = data
        if self._file is None:
            self._file = self.path.open("w", encoding="utf-8")
        # default=str: the rows of a rejected invoice are text already; anything else that is
        # not JSON (a Decimal or a date of a half-read invoice) goes out as its text.
        self._file.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        self._file.flush()
        self.count += 1

    def close(self) -> bool:
        """Close the file; with no failure written, remove an earlier run's file. True when
        such a file was removed."""
        if self._file is not None:
            self._file.close()
            return False
        if self.path.is_file():
            self.path.unlink()
            return True
        return False


def _first_line(source: str | None) -> int | None:
    match = _LINE.match(source or "")
    return int(match.group(1)) if match else None
