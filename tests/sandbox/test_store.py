"""The sandbox store's indexes and memos stay right through add, in-place change, delete and
reset (they are what keeps creates and list pages flat as the store grows)."""

from __future__ import annotations

import pytest

from invoceanio.sandbox.store import Store


def test_find_answers_from_the_index_through_changes() -> None:
    store = Store()
    store.register("invoices", index=("oid",))
    first = store.add("invoices", {"oid": "A"})
    second = store.add("invoices", {"oid": "A"})
    store.add("invoices", {"oid": None})
    assert store.find("invoices", "oid", "A") == [first, second]
    first["oid"] = "B"
    store.add("invoices", first)  # what a resource does after changing a record in place
    assert store.find("invoices", "oid", "A") == [second]
    assert store.find("invoices", "oid", "B") == [first]
    store.delete("invoices", second["id"])
    assert store.find("invoices", "oid", "A") == []
    store.reset()
    assert store.find("invoices", "oid", "B") == []


def test_index_added_later_covers_the_records_already_stored() -> None:
    store = Store(["clients"])
    card = store.add("clients", {"tax_no": "1", "tags": {"not": "hashable"}})
    store.register("clients", index=("tax_no", "tags"))
    assert store.find("clients", "tax_no", "1") == [card]
    assert store.find("clients", "tags", None) == [card]  # unhashable values file as None
    with pytest.raises(KeyError, match=r"clients\.email is not indexed"):
        store.find("clients", "email", "x")


def test_memo_is_rebuilt_only_after_the_collection_changes() -> None:
    store = Store(["invoices", "clients"])
    builds: list[int] = []

    def build() -> int:
        builds.append(1)
        return len(builds)

    assert store.memo("invoices", "n", build) == 1
    assert store.memo("invoices", "n", build) == 1
    store.add("clients", {})  # another collection: the memo stays
    assert store.memo("invoices", "n", build) == 1
    record = store.add("invoices", {})
    assert store.memo("invoices", "n", build) == 2
    store.delete("invoices", record["id"])
    assert store.memo("invoices", "n", build) == 3
    store.reset()
    assert store.memo("invoices", "n", build) == 4
    with pytest.raises(KeyError):
        store.memo("nothing", "n", build)


def test_a_list_field_is_filed_under_each_of_its_values() -> None:
    store = Store()
    store.register("payments", index=("invoice_ids",))
    first = store.add("payments", {"invoice_ids": [1, 2, 2]})
    second = store.add("payments", {"invoice_ids": [2, {"not": "hashable"}]})
    store.add("payments", {"invoice_ids": []})
    assert store.find("payments", "invoice_ids", 2) == [first, second]
    assert store.find("payments", "invoice_ids", 1) == [first]
    assert store.find("payments", "invoice_ids", None) == []  # an empty list files nothing
    first["invoice_ids"] = [3]
    store.add("payments", first)
    assert store.find("payments", "invoice_ids", 2) == [second]
    assert store.find("payments", "invoice_ids", 3) == [first]
    store.delete("payments", second["id"])
    assert store.find("payments", "invoice_ids", 2) == []
