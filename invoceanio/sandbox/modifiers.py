"""The single-object modifiers of ``GET /invoices/{id}.json`` (spec 5.2).

- ``additional_fields[invoice]=a,b``: computed fields added to the answer, absent without it:
  ``cancel_reason`` (the reason given to ``/invoices/cancel.json``, null when none) and
  ``connected_payments`` (an array: every ``/banking/payments`` record whose ``invoice_ids``
  hold the invoice, in id order, as ``/banking/payments`` answers them) and [FR]
  ``reminders_info`` (``{"count", "last_reminder_date", "last_reminder_type", "reminders":
  [{"date", "type"}]}``, oldest first: :func:`reminders.info`). Other names are ignored.
- ``fields[invoice]=id,number,gov_status``: a sparse fieldset, only those keys of the answer
  (in the answer's own order; a name the invoice does not have is left out) plus the
  additional fields asked for. Empty: the whole invoice.

- ``include=descriptions,positions.correction_before``: associations added to the answer (after
  the fieldset, as the additional fields are): ``descriptions`` (the notes, ``[]`` when none),
  ``positions``, and ``positions.correction_before`` / ``positions.correction_after`` (each
  position with its state before / after the correction as ``correction_before`` /
  ``correction_after``, null on a position that is no correction; naming one implies
  ``positions``, as a nested include does in Rails). Other names are ignored.

All take comma-separated names, spaces around a name ignored.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Final

from invoceanio.sandbox import reminders
from invoceanio.sandbox.resources import payments
from invoceanio.sandbox.store import Store

__all__ = ["ADDITIONAL_FIELDS", "INCLUDES", "apply", "connected_payments"]

PAYMENTS: Final = payments.COLLECTION
#: The additional fields the sandbox computes.
ADDITIONAL_FIELDS: Final = ("cancel_reason", "connected_payments", "reminders_info")
#: The associations ``include`` adds (spec 5.2: ``include=descriptions`` [PL], and
#: ``include=positions,positions.correction_before,positions.correction_after`` [PL branch]).
INCLUDES: Final = (
    "descriptions",
    "positions",
    "positions.correction_before",
    "positions.correction_after",
)
_CORRECTION_STATES: Final = ("correction_before", "correction_after")


def _names(query: Mapping[str, str], key: str) -> list[str]:
    return [part.strip() for part in query.get(key, "").split(",") if part.strip()]


def connected_payments(store: Store, invoice_id: int) -> list[dict[str, Any]]:
    """Copies of the payments that name ``invoice_id`` among their ``invoice_ids``, in id
    order (from the payments' ``invoice_ids`` index, not a scan of every payment)."""
    if PAYMENTS not in store.collections:
        return []
    found = store.find(PAYMENTS, "invoice_ids", invoice_id)
    return [copy.deepcopy(payment) for payment in sorted(found, key=lambda p: p["id"])]


def _position_with(position: Mapping[str, Any], states: list[str]) -> dict[str, Any]:
    """A position with the correction states asked for, as Rails writes an included
    association: the state's object under its name (the sandbox keeps it as the
    ``..._attributes`` the request gave), null when the position has none."""
    shown = copy.deepcopy(dict(position))
    for state in states:
        value = position.get(f"{state}_attributes")
        shown[state] = copy.deepcopy(value) if isinstance(value, Mapping) else None
    return shown


def _included(record: Mapping[str, Any], names: list[str]) -> dict[str, Any]:
    """The associations ``include`` names, as the answer carries them."""
    associations: dict[str, Any] = {}
    if "descriptions" in names:
        associations["descriptions"] = copy.deepcopy(record.get("descriptions") or [])
    states = [state for state in _CORRECTION_STATES if f"positions.{state}" in names]
    if "positions" in names or states:
        positions = record.get("positions") or []
        associations["positions"] = [
            _position_with(position, states)
            for position in positions
            if isinstance(position, Mapping)
        ]
    return associations


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
    if "reminders_info" in additional:
        extra["reminders_info"] = reminders.info(store, record["id"])
    wanted = set(_names(query, "fields[invoice]"))
    if wanted:
        shown = {key: value for key, value in shown.items() if key in wanted}
    shown.update(extra)
    shown.update(_included(record, _names(query, "include")))
    return shown
