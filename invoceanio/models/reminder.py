"""Payment reminders ([FR] spec 7.6): the reminders an account sent, and those of one invoice.

Two documented shapes, both read-only:

- ``GET /reports/reminders_report.json`` lists :class:`ReminderReportEntry`: one per reminder
  sent in a window of at most seven days, with the document it was about and the user who
  sent it;
- ``GET /invoices/{id}.json?additional_fields[invoice]=reminders_info`` adds
  :class:`RemindersInfo` to the invoice: how many reminders it had, the last one, and each.

The spec documents the field names and nothing of their values beyond that, so a kind or type
stays plain text: an unknown one is kept as sent.
"""

from __future__ import annotations

import datetime as dt

import attrs

from invoceanio.models.base import Model
from invoceanio.models.values import InvoiceStatus

__all__ = ["Reminder", "ReminderReportEntry", "RemindersInfo"]


@attrs.frozen(kw_only=True, repr=False)
class ReminderReportEntry(Model):
    """One reminder of the account's report: which document it was about and who sent it."""

    #: What kind of reminder it was (the report's ``kind=`` filter).
    kind: str | None = None
    created_at: dt.datetime | None = None
    user_name: str | None = None
    user_id: int | None = None
    document_number: str | None = None
    document_id: int | None = None
    buyer_name: str | None = None
    client_id: int | None = None
    #: The document's status when the report was read (``issued``, ``paid``...).
    document_status: InvoiceStatus | str | None = None


@attrs.frozen(kw_only=True, repr=False)
class Reminder(Model):
    """One reminder an invoice had."""

    # dt.date, not date: a field named ``date`` would shadow the type in the class body.
    date: dt.date | None = None
    type: str | None = None


@attrs.frozen(kw_only=True, repr=False)
class RemindersInfo(Model):
    """The reminders of one invoice (``additional_fields[invoice]=reminders_info``)."""

    count: int | None = None
    last_reminder_date: dt.date | None = None
    last_reminder_type: str | None = None
    reminders: tuple[Reminder, ...] = ()
