"""What the readers yield besides invoices, and what stops them.

- :class:`RowError`: one invoice of the file that cannot be sent (a bad date, a missing name...),
  yielded in the stream in place of its :class:`~invoceanio.importer.ImportItem`, so the reader
  goes on with the next one and the caller reports it with its line numbers.
- :class:`InputFileError`: the file as a whole is unusable (unreadable, empty, not UTF-8, an
  unknown or missing column in the header). Raised before the first invoice is yielded
  wherever it can be known by then; a file that turns out not to be UTF-8 further down raises
  it when the reader gets there, which is why ``invoceanio import`` reads the whole file once
  before it sends anything.
- :class:`NoInvoicesError`: an :class:`InputFileError` for a well-formed file that holds no
  invoice (a CSV header alone, a JSONL file with no line): what ``invoceanio export`` writes
  for an empty period, which ``invoceanio import`` takes as nothing to do, not as a mistake.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Final

import attrs

from invoceanio.digests import KeyRegister, LineRegister
from invoceanio.errors import InvoiceOceanError

__all__ = [
    "InputFileError",
    "KeyRegister",
    "LineRegister",
    "LineTooLongError",
    "NoInvoicesError",
    "RowError",
    "TextLines",
    "lines_label",
]


class InputFileError(InvoiceOceanError):
    """The input file cannot be imported at all; the message says why and what to do."""


@attrs.frozen
class RowError:
    """An invoice of the file that was rejected before sending.

    ``source`` is ``"line 12"`` or ``"lines 12-14"``; ``line`` the first of them; ``error`` every
    problem found, each with its own line (``"line 13: position_tax: 'x' is not..."``);
    ``data`` what was read: the raw cells of its rows (CSV, ``[{column: value}]``; a row with
    more or fewer cells than the header has columns is ``{"cells": [every cell, in order]}``,
    as its values cannot be put under their columns) or the line's object or text
    (JSONL; only its start for a line over the reader's cap), for the failures file.
    """

    source: str
    line: int
    error: str
    data: Any = None


def lines_label(first: int, last: int) -> str:
    return f"line {first}" if first == last else f"lines {first}-{last}"


class NoInvoicesError(InputFileError):
    """The file is well formed but holds no invoice. Raised once it has been read to its end."""


class LineTooLongError(InputFileError):
    """A line of the file is longer than the reader's cap (:attr:`TextLines.max_line`).

    Raised by :meth:`TextLines.read_line` once the rest of that line has been read past (not
    kept), so a reader that can go on with the next line (JSONL) may: ``number`` is the line,
    ``reason`` the message without the file and line, ``start`` the first characters of the
    line (for the failures file)."""

    def __init__(self, path: Path, number: int, reason: str, start: str) -> None:
        super().__init__(f"{path}, line {number}: {reason}")
        self.number = number
        self.reason = reason
        self.start = start


class TextLines:
    """The lines of a UTF-8 file, decoded one at a time, counting them as they go.

    Decoding each line on its own (rather than through a text file, which decodes ahead in
    blocks) makes a byte that is not UTF-8 fail on the line it is on, so the message can say
    which. A byte order mark at the start is skipped (spreadsheets write one). Line ends are
    kept as they are, as the csv module asks for quoted line breaks.

    No line is read whole past ``max_line`` bytes: a file whose lines end in a bare CR (the old
    "CSV (Macintosh)"), or a JSON array saved as one line, would otherwise be held, decoded
    and parsed as one string of the size of the file. Such a line raises
    :class:`LineTooLongError` naming it and the cap, its rest read past in blocks, not kept.
    """

    def __init__(self, path: Path, *, max_line: int, too_long_hint: str = "") -> None:
        self.path = path
        self.max_line = max_line
        self._hint = too_long_hint
        if path.is_dir():
            raise InputFileError(f"{path} is a directory, not a file")
        try:
            self._file: IO[bytes] = path.open("rb")
        except OSError as exc:
            raise InputFileError(f"cannot read {path}: {exc.strerror or exc}") from None
        #: How many lines were read so far: the number of the last one.
        self.number = 0

    def __iter__(self) -> Iterator[str]:
        while (line := self.read_line()) is not None:
            yield line

    def read_line(self) -> str | None:
        """The next line, decoded (its line end kept); None at the end of the file.

        :class:`InputFileError` for a line that is not UTF-8, :class:`LineTooLongError` for one
        longer than ``max_line`` bytes (after which the next call reads the line after it)."""
        raw = self._file.readline(self.max_line + 1)
        if not raw:
            return None
        self.number += 1
        if len(raw) > self.max_line:
            start = raw[:_KEPT_OF_LONG_LINE].decode("utf-8", "replace")
            ended = raw.endswith(b"\n")
            del raw  # not held while the rest is read past
            if not ended:
                self._skip_rest()
            raise LineTooLongError(
                self.path,
                self.number,
                f"longer than {_size(self.max_line)}, the longest line this format reads"
                + self._hint,
                start.removeprefix("\ufeff") if self.number == 1 else start,
            )
        if self.number == 1 and raw.startswith(_BOM):
            raw = raw[len(_BOM) :]
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            byte = raw[exc.start : exc.start + 1].hex()
            raise InputFileError(
                f"{self.path} is not UTF-8 text (byte 0x{byte} on line {self.number}): "
                "save it as UTF-8 (in a spreadsheet: CSV UTF-8)"
            ) from None

    def _skip_rest(self) -> None:
        """Read past the rest of the line, a block at a time."""
        while True:
            block = self._file.readline(_SKIP_BLOCK)
            if not block or block.endswith(b"\n"):
                return

    def close(self) -> None:
        self._file.close()


def _size(limit: int) -> str:
    if limit % 1024**2 == 0:
        return f"{limit // 1024**2} MiB"
    if limit % 1024 == 0:
        return f"{limit // 1024} KiB"
    return f"{limit} bytes"


_SKIP_BLOCK: Final = 64 * 1024
#: How much of a line too long to read :class:`LineTooLongError` keeps (bytes).
_KEPT_OF_LONG_LINE: Final = 1000
_BOM: Final = "\ufeff".encode()
