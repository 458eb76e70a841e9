"""The sandbox's in-memory store: collections of JSON-shaped records, ids, numbering, the outbox.

One :class:`Store` holds every collection a resource module registers (``invoices``,
``clients``...). Records are plain dicts exactly as the API answers them; ids are ints counted per
collection from 1, and never reused until :meth:`Store.reset`. The store is used from the
server's event loop only, so it needs no lock; what it hands out to the outside
(:meth:`records`, :attr:`outbox` through the admin endpoint) are copies.

**Indexes and memos.** Looking a record up by a field value (an invoice by ``oid``, a client by
tax number) must not scan the collection: a bulk import of 10,000 invoices would otherwise cost
the server O(n²). :meth:`register` takes the fields to index; :meth:`find` answers from the index.
A field holding a list (a payment's ``invoice_ids``) is filed under each of its values, so the
records naming one id are found by it.
:meth:`memo` keeps a value derived from a whole collection (the default sort order of a list)
until the collection next changes. Both stay right as long as a resource that changes a stored
record in place hands it to :meth:`add` again, which re-indexes it and forgets the memos.

**Numbering.** :meth:`next_number` gives the next automatic number of a document kind in the
month of its issue date, as ``"{PREFIX} {n}/{MM}/{YYYY}"`` (``"FV 1/11/2026"``, the service's
default ``nr-m/mm/yyyy`` pattern). ``n`` counts per kind and month from 1; the prefix comes from
:data:`NUMBER_PREFIXES` (any other kind uses its name upper-cased).
"""

from __future__ import annotations

import copy
import itertools
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator
from datetime import date
from typing import Any, Final, TypeVar

_T = TypeVar("_T")

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
        # collection -> field -> value -> ids holding it (a dict used as an ordered set)
        self._indexes: dict[str, dict[str, dict[Hashable, dict[int, None]]]] = {}
        # collection -> id -> per indexed field, the keys the record was filed under
        self._filed: dict[str, dict[int, tuple[tuple[Hashable, ...], ...]]] = {}
        self._memos: dict[str, dict[str, Any]] = {}
        self.outbox: list[dict[str, Any]] = []
        for name in collections:
            self.register(name)

    def register(self, name: str, *, index: Iterable[str] = ()) -> None:
        """Make ``name`` a known collection (idempotent): it shows in :meth:`counts`.

        ``index`` names fields :meth:`find` looks up; it may grow on a later call."""
        if name not in self._collections:
            self._collections[name] = {}
            self._indexes[name] = {}
            self._filed[name] = {}
            self._memos[name] = {}
        new = [field for field in index if field not in self._indexes[name]]
        if new:
            for field in new:
                self._indexes[name][field] = {}
            self._filed[name].clear()
            for field_index in self._indexes[name].values():
                field_index.clear()
            for record in self._collections[name].values():
                self._file(name, record)

    @property
    def collections(self) -> tuple[str, ...]:
        return tuple(self._collections)

    def reset(self) -> None:
        """Forget every record, id counter, number counter and e-mail."""
        self._ids.clear()
        for name in self._collections:
            self._collections[name] = {}
            self._filed[name] = {}
            self._memos[name] = {}
            for field in self._indexes[name]:
                self._indexes[name][field] = {}
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
        """Store ``record`` (given an ``id`` when it has none) and return it.

        Also what to call after changing a stored record in place: it files the record under
        its new indexed values and forgets the collection's memos."""
        if not isinstance(record.get("id"), int):
            record["id"] = self.new_id(collection)
        self._collection(collection)[record["id"]] = record
        self._unfile(collection, record["id"])
        self._file(collection, record)
        self._memos[collection].clear()
        return record

    def get(self, collection: str, id: int) -> dict[str, Any] | None:
        return self._collection(collection).get(id)

    def all(self, collection: str) -> list[dict[str, Any]]:
        """The stored records themselves (not copies), in id order."""
        return list(self._collection(collection).values())

    def delete(self, collection: str, id: int) -> bool:
        if self._collection(collection).pop(id, None) is None:
            return False
        self._unfile(collection, id)
        self._memos[collection].clear()
        return True

    def find(self, collection: str, field: str, value: Any) -> list[dict[str, Any]]:
        """The stored records whose indexed ``field`` equals ``value``, in the order filed.

        KeyError when ``field`` is not indexed (see :meth:`register`)."""
        records = self._collection(collection)
        try:
            ids = self._indexes[collection][field].get(_key(value), {})
        except KeyError:
            raise KeyError(f"{collection}.{field} is not indexed") from None
        return [records[id] for id in ids]

    def memo(self, collection: str, name: str, build: Callable[[], _T]) -> _T:
        """``build()``, computed once until ``collection`` next changes through :meth:`add`
        or :meth:`delete` (or the store is reset)."""
        memos = self._memos[self._known(collection)]
        if name not in memos:
            memos[name] = build()
        value: _T = memos[name]
        return value

    def next_number(self, kind: str, issued: date) -> str:
        key = (kind, issued.year, issued.month)
        self._numbers[key] += 1
        prefix = NUMBER_PREFIXES.get(kind, kind.upper())
        return f"{prefix} {self._numbers[key]}/{issued.month:02d}/{issued.year}"

    def _known(self, name: str) -> str:
        if name not in self._collections:
            raise KeyError(f"unknown collection {name!r}")
        return name

    def _collection(self, name: str) -> dict[int, dict[str, Any]]:
        try:
            return self._collections[name]
        except KeyError:
            raise KeyError(f"unknown collection {name!r}") from None

    def _file(self, collection: str, record: dict[str, Any]) -> None:
        indexes = self._indexes[collection]
        if not indexes:
            return
        filed = tuple(_keys(record.get(field)) for field in indexes)
        for field_index, keys in zip(indexes.values(), filed, strict=True):
            for key in keys:
                field_index.setdefault(key, {})[record["id"]] = None
        self._filed[collection][record["id"]] = filed

    def _unfile(self, collection: str, id: int) -> None:
        filed = self._filed[collection].pop(id, None)
        if filed is None:
            return
        for field_index, keys in zip(self._indexes[collection].values(), filed, strict=True):
            for key in keys:
                holders = field_index.get(key)
                if holders is not None:
                    holders.pop(id, None)
                    if not holders:
                        del field_index[key]


def _key(value: Any) -> Hashable:
    """An indexable form of a scalar value (anything else, never looked up, counts as None)."""
    return value if value is None or isinstance(value, str | int | float) else None


def _keys(value: Any) -> tuple[Hashable, ...]:
    """The keys a field value is filed under: each distinct scalar of a list (the records that
    name an id among several are found by it; an empty list files nothing), else its
    :func:`_key`."""
    if isinstance(value, list):
        return tuple(dict.fromkeys(_key(item) for item in value if _key(item) is not None))
    return (_key(value),)
