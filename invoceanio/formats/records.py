"""What the readers yield besides invoices, and what stops them.

- :class:`RowError`: one invoice of the file that cannot be sent (a bad date, a missing name...),
  yielded in the stream in place of its :class:`~invoceanio.importer.ImportItem`, so the reader
  goes on with the next one and the caller reports it with its line numbers.
- :class:`InputFileError`: the file as a whole is unusable (unreadable, empty, not UTF-8, an
  unknown or missing column in the header). Raised before the first invoice is yielded
  wherever it can be known by then; a file that turns out not to be UTF-8 further down raises
  it when the reader gets there, which is why ``invoceanio import`` reads the whole file once
  before it sends anything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Final

import attrs

from invoceanio.errors import InvoiceOceanError

__all__ = [
    "InputFileError",
    "KeyRegister",
    "LineRegister",
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
    ``data`` what was read: the raw cells of its rows (CSV, ``[{column: value}]``) or the line's
    object or text (JSONL), for the failures file.
    """

    source: str
    line: int
    error: str
    data: Any = None


def lines_label(first: int, last: int) -> str:
    return f"line {first}" if first == last else f"lines {first}-{last}"


class KeyRegister:
    """The invoice keys seen so far, to catch one that comes back further down the file.

    Two invoices with one key would get one ``oid``, and the second would be reported as
    "already existed" instead of being created: a silent loss, so it is an error of the second.
    Only an 8-byte digest of each key is kept (a set of ints, some 60 bytes an invoice,
    whatever the size of the rows), so memory does not grow with the content of the file; two
    different keys sharing a 64-bit digest in one file is about as likely as a disk error.
    """

    def __init__(self) -> None:
        self._seen: set[int] = set()

    def add(self, key: str) -> bool:
        """Record ``key``; False when it was already there."""
        digest = _digest(key)
        if digest in self._seen:
            return False
        self._seen.add(digest)
        return True


class LineRegister:
    """Like :class:`KeyRegister`, with the line each key was first seen on, for a message that
    names it ("same content as line 12"): a dict entry instead of a set's, some 100 bytes an
    invoice."""

    def __init__(self) -> None:
        self._lines: dict[int, int] = {}

    def first_line(self, key: str, line: int) -> int | None:
        """Record ``key`` as seen on ``line``; the line it was first seen on when it was seen
        before, else None."""
        digest = _digest(key)
        earlier = self._lines.get(digest)
        if earlier is None:
            self._lines[digest] = line
        return earlier


def _digest(key: str) -> int:
    # surrogatepass: a lone surrogate (from a JSON escape) has a digest too, instead of raising.
    data = key.encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big")


class TextLines:
    """The lines of a UTF-8 file, decoded one at a time, counting them as they go.

    Decoding each line on its own (rather than through a text file, which decodes ahead in
    blocks) makes a byte that is not UTF-8 fail on the line it is on, so the message can say
    which. A byte order mark at the start is skipped (spreadsheets write one). Line ends are
    kept as they are, as the csv module asks for quoted line breaks.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        if path.is_dir():
            raise InputFileError(f"{path} is a directory, not a file")
        try:
            self._file: IO[bytes] = path.open("rb")
        except OSError as exc:
            raise InputFileError(f"cannot read {path}: {exc.strerror or exc}") from None
        #: How many lines were read so far: the number of the last one.
        self.number = 0

    def __iter__(self) -> Iterator[str]:
        for raw in self._file:
            self.number += 1
            if self.number == 1 and raw.startswith(_BOM):
                raw = raw[len(_BOM) :]
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                byte = raw[exc.start : exc.start + 1].hex()
                raise InputFileError(
                    f"{self.path} is not UTF-8 text (byte 0x{byte} on line {self.number}): "
                    "save it as UTF-8 (in a spreadsheet: CSV UTF-8)"
                ) from None

    def close(self) -> None:
        self._file.close()


_BOM: Final = "\ufeff".encode()
