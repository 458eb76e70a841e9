"""``/reports``: the account's reports ([FR] spec 7.6). One is documented, the reminders sent.

``GET /reports/reminders_report.json?date_from=YYYY-MM-DD&date_to=YYYY-MM-DD`` (JSON only: an
``.xml`` path is no route and answers 404, as the other JSON-only actions do) answers a bare
array, one entry per reminder (:mod:`reminders`) whose ``date`` is in the window, both ends
included, oldest first::

    {"kind", "created_at", "user_name", "user_id", "document_number", "document_id",
     "buyer_name", "client_id", "document_status"}

The document fields are the invoice's as it reads now (``document_status`` its ``status``); a
reminder of an invoice deleted since is left out, as the service cannot list a document it no
longer has. The user is the sandbox account's, as the sandbox knows it: it keeps no user
record for the account itself (an account created without a user has ``user_id`` None too,
:mod:`accounts`), so ``user_id`` is null and ``user_name`` the account's name, its prefix
(``GET /account.json``).

Optional filters: ``kind=`` (the reminder's kind, exactly) and ``department_id=`` (the
invoice's, an id in the query matching an int or numeric text on the invoice); blank means no
filter.

Errors: 422 naming the parameter: ``date_from``/``date_to`` missing (``can't be blank``) or not
a date (``is not a valid date``), ``date_to`` before ``date_from`` or more than 7 days after it
counting both ends ([FR] documented limit: ``date_to - date_from`` at most 6 days).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any, Final

from aiohttp import web

from invoceanio.sandbox import reminders
from invoceanio.sandbox.accounts import account_prefix
from invoceanio.sandbox.wire import INVOICES, STORE, ApiError, parse_date, reply

__all__ = ["COLLECTION", "INDEXES", "MAX_DAYS", "routes"]

# The report is the API's only view of the reminders: this resource registers their
# collection (and its index) with the app.
COLLECTION: Final = reminders.COLLECTION
INDEXES: Final = reminders.INDEXES
#: The longest window, both ends counted.
MAX_DAYS: Final = 7


def _day(query: Mapping[str, str], name: str) -> date:
    day = parse_date(query.get(name), name)
    if day is None:
        raise ApiError.field(name, "can't be blank")
    return day


def _window(query: Mapping[str, str]) -> tuple[date, date]:
    start, end = _day(query, "date_from"), _day(query, "date_to")
    if end < start:
        raise ApiError.field("date_to", "must be on or after date_from")
    if end - start > timedelta(days=MAX_DAYS - 1):
        raise ApiError.field("date_to", f"must be at most {MAX_DAYS} days from date_from")
    return start, end


def _id_key(value: Any) -> Any:
    """An id as the filter compares it: ints and numeric text alike, anything else as text."""
    text = str(value).strip()
    return int(text) if text.isascii() and text.isdigit() else text


def _entry(
    reminder: Mapping[str, Any], invoice: Mapping[str, Any], user_name: str
) -> dict[str, Any]:
    return {
        "kind": reminder["kind"],
        "created_at": reminder["created_at"],
        "user_name": user_name,
        "user_id": None,
        "document_number": invoice.get("number"),
        "document_id": invoice["id"],
        "buyer_name": invoice.get("buyer_name"),
        "client_id": invoice.get("client_id"),
        "document_status": invoice.get("status"),
    }


async def reminders_report(request: web.Request) -> web.Response:
    store, query = request.app[STORE], request.query
    start, end = _window(query)
    kind = query.get("kind", "").strip()
    department = query.get("department_id", "").strip()
    user_name = account_prefix(request)
    entries = []
    for reminder in reminders.oldest_first(store.all(COLLECTION)):
        if not start.isoformat() <= reminder["date"] <= end.isoformat():
            continue
        if kind and reminder["kind"] != kind:
            continue
        invoice = store.get(INVOICES, reminder["invoice_id"])
        if invoice is None:
            continue
        if department and (
            invoice.get("department_id") is None
            or _id_key(invoice["department_id"]) != _id_key(department)
        ):
            continue
        entries.append(_entry(reminder, invoice, user_name))
    return reply(request, entries, root="reminders")


def routes() -> list[web.RouteDef]:
    return [
        web.get(
            "/reports/reminders_report.{fmt:json}",
            reminders_report,
            name="reports.reminders_report",
        ),
    ]
