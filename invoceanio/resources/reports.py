"""``io.reports``: the account's reports ([FR] spec 7.6). One is documented: the reminders sent.

The API answers a window of at most seven days; a longer one is refused here, before anything
is sent, rather than by a 422 after a round trip (and rather than cut short silently).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta

from invoceanio.endpoints import endpoint
from invoceanio.errors import ConfigurationError
from invoceanio.models.reminder import ReminderReportEntry
from invoceanio.resources.base import ResourceService, _shown, check_id, check_name

__all__ = ["MAX_REMINDERS_WINDOW", "ReportsService"]

#: The longest window the reminders report answers, both ends included ([FR] documented limit).
MAX_REMINDERS_WINDOW = timedelta(days=7)


def _day(value: object, name: str) -> date:
    """A calendar day: a ``date``, or its ISO text (``2026-11-23``; ``date.fromisoformat``
    also reads ``20261123``, sent as ``2026-11-23``). A ``datetime`` is refused rather than cut
    to its day, which could move a window across midnight in the caller's time zone."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    elif isinstance(value, date) and not isinstance(value, datetime):
        return value
    raise ConfigurationError(f"{name} must be a date (or its ISO text), got {_shown(value)}")


def _window(date_from: object, date_to: object) -> tuple[date, date]:
    start = _day(date_from, "date_from")
    end = _day(date_to, "date_to")
    if end < start:
        raise ConfigurationError(f"date_to ({end}) is before date_from ({start})")
    return start, end


class ReportsService(ResourceService[ReminderReportEntry]):
    collection = "reports"
    root = "report"
    model = ReminderReportEntry
    xml = False  # documented with .json only

    @endpoint(
        "GET",
        "{collection}/reminders_report",
        note="[FR] `date_from`, `date_to` (7 days at most), `kind=`, `department_id=`",
    )
    async def reminders(
        self,
        date_from: date | str,
        date_to: date | str,
        *,
        kind: str | None = None,
        department_id: int | str | None = None,
    ) -> list[ReminderReportEntry]:
        """The payment reminders sent from ``date_from`` to ``date_to`` (both included, seven
        days at most), optionally only those of one ``kind`` or one department's documents.

        For a longer period, :meth:`iterate_reminders` asks for it a week at a time."""
        start, end = _window(date_from, date_to)
        if end - start >= MAX_REMINDERS_WINDOW:
            raise ConfigurationError(
                f"the reminders report covers at most 7 days, {start} to {end} is "
                f"{(end - start).days + 1}: iterate_reminders() asks for it a week at a time"
            )
        return await self._reminders(start, end, kind, department_id)

    @endpoint("GET", "{collection}/reminders_report", note="one request per 7 days, lazily")
    async def iterate_reminders(
        self,
        date_from: date | str,
        date_to: date | str,
        *,
        kind: str | None = None,
        department_id: int | str | None = None,
    ) -> AsyncIterator[ReminderReportEntry]:
        """The reminders sent from ``date_from`` to ``date_to`` (both included), however long
        the period: asked for seven days at a time, the next week only once the entries of
        the last one are consumed. The weeks do not overlap, so no reminder comes twice."""
        start, end = _window(date_from, date_to)
        longest = MAX_REMINDERS_WINDOW.days - 1
        while True:
            # Stepped within [start, end] only: near date.max, start + 6 days would overflow.
            week_end = start + timedelta(days=min((end - start).days, longest))
            for entry in await self._reminders(start, week_end, kind, department_id):
                yield entry
            if week_end >= end:
                return
            start = week_end + timedelta(days=1)

    async def _reminders(
        self, start: date, end: date, kind: str | None, department_id: int | str | None
    ) -> list[ReminderReportEntry]:
        params = [("date_from", start.isoformat()), ("date_to", end.isoformat())]
        if kind is not None:
            params.append(("kind", check_name(kind, "a reminder kind such as 'email'")))
        if department_id is not None:
            params.append(("department_id", check_id(department_id, "department_id")))
        request = self._build("GET", f"{self.collection}/reminders_report", params=params)
        return self._core.to_models(request, await self._core.call(request), self.model)
