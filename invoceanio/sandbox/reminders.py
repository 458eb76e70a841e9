"""Payment reminders ([FR] spec 7.6): the records behind ``/reports/reminders_report`` and
``additional_fields[invoice]=reminders_info``.

The service sends reminders itself (on a schedule, or from its UI); no API call sends one. The
sandbox has no such scheduler, so a test records them through the control endpoint
``POST /__sandbox__/reminders`` (:mod:`admin`), which is :func:`record`.

A reminder is stored in the collection ``reminders`` as ``{"id", "invoice_id", "kind",
"date", "created_at"}``: ``kind`` is a lower-case word (``"email"`` by default; the spec names
no list, so any word such as ``"sms"`` or ``"letter"`` is taken), ``date`` the day it was sent
(``YYYY-MM-DD``, today by default) and ``created_at`` that day at the time it was recorded, so
the two never disagree. A reminder is about one invoice, looked up through the ``invoice_id``
index; "oldest first" is by ``date``, then by the order recorded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Final

from invoceanio.sandbox.store import Store
from invoceanio.sandbox.wire import INVOICES, ApiError, integer, parse_date

__all__ = ["COLLECTION", "DEFAULT_KIND", "INDEXES", "info", "of_invoice", "oldest_first", "record"]

COLLECTION: Final = "reminders"
#: The report and ``reminders_info`` read an invoice's reminders by it.
INDEXES: Final = ("invoice_id",)
DEFAULT_KIND: Final = "email"
# Open-ended (spec 7.3: enum-like strings grow over time), but a word: what the report's
# ``kind=`` filter can name in a query.
_KIND: Final = re.compile(r"[a-z][a-z0-9_]{0,29}")


def _kind(value: Any) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_KIND
    if isinstance(value, str) and _KIND.fullmatch(value.strip()):
        return value.strip()
    raise ApiError.field("kind", "is invalid")


def _created_at(day: date) -> str:
    # The reminder's day at the current time of day: a reminder dated in the past still reads
    # back a created_at on that day, which is what the report's window is about.
    now = datetime.now().astimezone()
    return datetime.combine(day, now.timetz()).isoformat(timespec="milliseconds")


def record(store: Store, body: Mapping[str, Any]) -> dict[str, Any]:
    """Store a reminder from ``{"invoice_id", "kind", "date"}``; the stored record.

    422 for an invoice_id that is no number (or none), a kind that is no word, a date that is
    not ``YYYY-MM-DD``; 404 when the invoice does not exist."""
    invoice_id = integer(body.get("invoice_id"), "invoice_id")
    if invoice_id is None:
        raise ApiError.field("invoice_id", "can't be blank")
    kind = _kind(body.get("kind"))
    day = parse_date(body.get("date"), "date") or date.today()
    if store.get(INVOICES, invoice_id) is None:
        raise ApiError(404, "Not found")
    reminder = {
        "id": store.new_id(COLLECTION),
        "invoice_id": invoice_id,
        "kind": kind,
        "date": day.isoformat(),
        "created_at": _created_at(day),
    }
    return store.add(COLLECTION, reminder)


def oldest_first(reminders: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(reminders, key=lambda reminder: (reminder["date"], reminder["id"]))


def of_invoice(store: Store, invoice_id: int) -> list[dict[str, Any]]:
    """The stored reminders of one invoice, oldest first."""
    return oldest_first(store.find(COLLECTION, "invoice_id", invoice_id))


def info(store: Store, invoice_id: int) -> dict[str, Any]:
    """``reminders_info`` of an invoice: how many, the last one's date and type, and each."""
    reminders = of_invoice(store, invoice_id)
    last = reminders[-1] if reminders else None
    return {
        "count": len(reminders),
        "last_reminder_date": None if last is None else last["date"],
        "last_reminder_type": None if last is None else last["kind"],
        "reminders": [{"date": item["date"], "type": item["kind"]} for item in reminders],
    }
