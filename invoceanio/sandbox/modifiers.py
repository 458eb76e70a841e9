"""The single-object modifiers of ``GET /invoices/{id}.json`` (spec 5.2).

- ``additional_fields[invoice]=a,b``: computed fields added to the answer, absent without it:
  ``cancel_reason`` (the reason given to ``/invoices/cancel.json``, null when none) and
  ``connected_payments`` (an array: every ``/banking/payments`` record whose ``invoice_ids``
  hold the invoice, in id order, as ``/banking/payments`` answers them). Other names are
  ignored.
- ``fields[invoice]=id,number,gov_status``: a sparse fieldset, only those keys of the answer
  (in the answer's own order; a name the invoice does not have is left out) plus the
  additional fields asked for. Empty: the whole invoice.

Both take comma-separated names, spaces around a name ignored.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Final

from invoceanio.sandbox.resources import payments
from invoceanio.sandbox.store import Store

__all__ = ["ADDITIONAL_FIELDS", "apply", "connected_payments"]

PAYMENTS: Final = payments.COLLECTION
#: The additional fields the sandbox computes.
ADDITIONAL_FIELDS: Final = ("cancel_reason", "connected_payments")


def _names(query: Mapping[str, str], key: str) -> list[str]:
    return [part.strip() for part in query.get(key, "").split(",") if part.strip()]


def connected_payments(store: Store, invoice_id: int) -> list[dict[str, Any]]:
    """Copies of the payments that name ``invoice_id`` among their ``invoice_ids``, in id
    order (from the payments' ``invoice_ids`` index, not a scan of every payment)."""
    if PAYMENTS not in store.collections:
        return []
    found = store.find(PAYMENTS, "invoice_ids", invoice_id)
    return [copy.deepcopy(payment) for payment in sorted(found, key=lambda p: p["id"])]


def apply(
    store: Store, query: Mapping[str, str], record: Mapping[str, Any], shown: dict[str, Any]
) -> dict[str, Any]:
    """``shown`` (the invoice as answered) with the request's modifiers applied."""
    additional = _names(query, "additional_fields[invoice]")
    extra: dict[str, Any] = {}
    if "cancel_reason" in additional:
        extra["cancel_reason"] = record.get("cancel_reason")
    if "connected_payments" in additional:
        extra["connected_payments"] = connected_payments(store, record["id"])
    wanted = set(_names(query, "fields[invoice]"))
    if wanted:
        shown = {key: value for key, value in shown.items() if key in wanted}
    shown.update(extra)
    return shown
