"""The ``period`` of a list request, shared by the lists that take the invoices' list parameters.

Spec 5.1: ``period`` is ``last_12_months`` (the default), ``this_month``, ``last_30_days``,
``last_month``, ``this_year``, ``last_year``, ``all`` or ``more``; ``date_from``/``date_to``
count only with ``more`` (quirks: "date_from / date_to are ignored unless period=more"), and
another period is a 422 ``{"period": ["is not included in the list"]}``. Spec 4.6 gives
``/warehouse_documents.json`` "the same list params as invoices", so both lists filter here
(the warehouse documents were once filtered by the dates alone, whatever the period).

Its own module because the invoice list and the generic resources (which the invoice module
imports, through :mod:`copies`) both need it.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import Any, Final

from invoceanio.sandbox.wire import ApiError, choice, parse_date

__all__ = ["DEFAULT_PERIOD", "in_period", "period_range"]

DEFAULT_PERIOD: Final = "last_12_months"

_DAY: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTH: Final = re.compile(r"[0-9]{4}-[0-9]{2}")


def _shift_months(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def period_range(query: Mapping[str, str], today: date) -> tuple[date | None, date | None]:
    """The inclusive window of a list request's ``period`` (None: unbounded)."""
    period = query.get("period", DEFAULT_PERIOD) or DEFAULT_PERIOD
    month_start = today.replace(day=1)
    if period == "all":
        return None, None
    if period == "last_12_months":
        return _shift_months(today, -12) + timedelta(days=1), today
    if period == "this_month":
        return month_start, _shift_months(month_start, 1) - timedelta(days=1)
    if period == "last_month":
        return _shift_months(month_start, -1), month_start - timedelta(days=1)
    if period == "last_30_days":
        return today - timedelta(days=29), today
    if period == "this_year":
        return date(today.year, 1, 1), date(today.year, 12, 31)
    if period == "last_year":
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    if period == "more":
        return (
            parse_date(query.get("date_from"), "date_from"),
            parse_date(query.get("date_to"), "date_to"),
        )
    raise ApiError.field("period", "is not included in the list")


def _search_day(item: Mapping[str, Any], field: str) -> str | None:
    """The record's ``field`` date as ``YYYY-MM-DD`` text, None when it has none (an unpaid
    invoice's ``paid_date``, ``sell_date: "off"``). A month-only sell date (``2026-05``, spec 6.1)
    counts as the month's first day: the spec does not say which day of it a period compares."""
    value = item.get(field)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if field == "sell_date" and _MONTH.fullmatch(text):
        return f"{text}-01"
    day = text[:10]
    return day if _DAY.fullmatch(day) else None


def in_period(
    query: Mapping[str, str], today: date, search_dates: tuple[str, ...]
) -> Callable[[Mapping[str, Any]], bool] | None:
    """Whether a record is in a list request's period, by the date ``search_date_type`` names
    out of ``search_dates`` (the default first). None: no filter, ``period=all``. A record
    without that date is in no other period, not even an unbounded ``more``. 422 for an unknown
    ``period`` or ``search_date_type`` (the latter under ``all`` too)."""
    low, high = period_range(query, today)
    field = choice(query, "search_date_type", search_dates)
    if (query.get("period") or DEFAULT_PERIOD) == "all":
        return None
    low_text = None if low is None else low.isoformat()
    high_text = None if high is None else high.isoformat()

    def keep(item: Mapping[str, Any]) -> bool:
        day = _search_day(item, field)
        return (
            day is not None
            and (low_text is None or day >= low_text)
            and (high_text is None or day <= high_text)
        )

    return keep
