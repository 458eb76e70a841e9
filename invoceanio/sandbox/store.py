"""The sandbox's in-memory store: collections of JSON-shaped records, ids, numbering, the outbox.

One :class:`Store` holds every collection a resource module registers (``invoices``,
``clients``...). Records are plain dicts exactly as the API answers them; ids are ints counted per
collection from 1, and never reused until :meth:`Store.reset`. The store is used from the
server's event loop only, so it needs no lock; what it hands out to the outside
(:meth:`records`, :attr:`outbox` through the admin endpoint) are copies.

**Numbering.** :meth:`next_number` gives the next automatic number of a document kind in the
month of its issue date, as ``"{PREFIX} {n}/{MM}/{YYYY}"`` (``"FV 1/11/2026"``, the service's
default ``nr-m/mm/yyyy`` pattern). ``n`` counts per kind and month from 1; the prefix comes from
:data:`NUMBER_PREFIXES` (any other kind uses its name upper-cased).
"""

from __future__ import annotations

import copy
import itertools
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any, Final

__all__ = ["NUMBER_PREFIXES", "Store"]

NUMBER_PREFIXES: Final[dict[str, str]] = {
    "vat": "FV",
    "proforma": "PRO",
    "bill": "R",
    "receipt": "PAR",
    "advance": "FZAL",
    "final": "FKON",
    "correction": "FK",
    "estimate": "EST",
    "invoice_other": "FI",
    "vat_margin": "FM",
    "kp": "KP",
    "kw": "KW",
    "client_order": "ZAM",
}


class Store:
    """Collections of records keyed by id, plus the e-mail ``outbox``."""

    def __init__(self, collections: Iterable[str] = ()) -> None:
        self._collections: dict[str, dict[int, dict[str, Any]]] = {}
        self._ids: dict[str, Iterator[int]] = {}
        self._numbers: Counter[tuple[str, int, int]] = Counter()
        self.outbox: list[dict[str, Any]] = []
        for name in collections:
            self.register(name)

    def register(self, name: str) -> None:
        """Make ``name`` a known collection (idempotent): it shows in :meth:`counts`."""
        if name not in self._collections:
            self._collections[name] = {}

    @property
    def collections(self) -> tuple[str, ...]:
        return tuple(self._collections)

    def reset(self) -> None:
        """Forget every record, id counter, number counter and e-mail."""
        self._ids.clear()
        for name in self._collections:
            self._collections[name] = {}
        self._numbers.clear()
        self.outbox.clear()

    def counts(self) -> dict[str, int]:
        counts = {name: len(records) for name, records in self._collections.items()}
        counts["outbox"] = len(self.outbox)
        return counts

    def records(self, collection: str) -> list[dict[str, Any]]:
        """Copies of every record of ``collection`` in id order; KeyError when unknown."""
        return [copy.deepcopy(record) for record in self._collection(collection).values()]

    # used by the resource modules -------------------------------------------------------------

    def new_id(self, sequence: str) -> int:
        """The next id of a collection or of any other named sequence (``"positions"``)."""
        return next(self._ids.setdefault(sequence, itertools.count(1)))

    def add(self, collection: str, record: dict[str, Any]) -> dict[str, Any]:
        """Store ``record`` (given an ``id`` when it has none) and return it."""
        if not isinstance(record.get("id"), int):
            record["id"] = self.new_id(collection)
        self._collection(collection)[record["id"]] = record
        return record

    def get(self, collection: str, id: int) -> dict[str, Any] | None:
        return self._collection(collection).get(id)

    def all(self, collection: str) -> list[dict[str, Any]]:
        """The stored records themselves (not copies), in id order."""
        return list(self._collection(collection).values())

    def delete(self, collection: str, id: int) -> bool:
        return self._collection(collection).pop(id, None) is not None

    def next_number(self, kind: str, issued: date) -> str:
        key = (kind, issued.year, issued.month)
        self._numbers[key] += 1
        prefix = NUMBER_PREFIXES.get(kind, kind.upper())
        return f"{prefix} {self._numbers[key]}/{issued.month:02d}/{issued.year}"

    def _collection(self, name: str) -> dict[int, dict[str, Any]]:
        try:
            return self._collections[name]
        except KeyError:
            raise KeyError(f"unknown collection {name!r}") from None
