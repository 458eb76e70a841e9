"""Small digests of keys, to tell whether a key came back without keeping the keys.

Used by the file readers (an invoice key seen twice in one file) and the importer (an oid seen
twice in one run): both must remember every key of an import of any size, so only an 8-byte
digest of each is kept.
"""

from __future__ import annotations

import hashlib

__all__ = ["KeyRegister", "LineRegister"]


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
