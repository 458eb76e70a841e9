"""``search_date_type`` on the sandbox's lists (spec 5.1 and 4.6).

Proves: on ``/invoices.json`` every period (``last_12_months`` by default, ``this_month``,
``last_month``, ``last_30_days``, ``this_year``, ``last_year``, ``more`` with or without dates)
applies to the date ``search_date_type`` names (``issue_date`` by default, ``paid_date``,
``transaction_date``, ``sell_date``), inclusive at both ends; an invoice without that date (an
unpaid one for ``paid_date``, ``sell_date: "off"``) is in no period but ``all``; a month-only
sell date counts as the month's first day; an invoice paid by ``change_status`` or by a payment
is found by the day it was paid; an unknown value is a 422 naming ``search_date_type``. On
``/warehouse_documents.json`` the dates apply to ``issue_date`` or ``transaction_date`` (the
issue date unless given), and another value is the same 422.
"""

from __future__ import annotations

import calendar
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from invoceanio.sandbox.store import Store
from tests.sandbox.serving import served

TOKEN = "search-date-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
Client = TestClient[Any, Any]
REFUSED = {"code": "error", "message": {"search_date_type": ["is not included in the list"]}}


@pytest.fixture
async def store() -> Store:
    return Store()


@pytest.fixture
async def http(store: Store) -> AsyncIterator[Client]:
    async with served(token=TOKEN, store=store) as client:
        yield client


def _months_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


async def _create(http: Client, **fields: Any) -> int:
    invoice: dict[str, Any] = {
        "buyer_name": "Klient ABC",
        "positions": [{"name": "A", "tax": 23, "quantity": 1, "total_price_gross": "123"}],
        **fields,
    }
    response = await http.post("/invoices.json", json={"invoice": invoice}, headers=AUTH)
    assert response.status == 201, await response.text()
    invoice_id: int = (await response.json())["id"]
    return invoice_id


async def _ids(http: Client, query: str) -> set[int]:
    response = await http.get(f"/invoices.json?{query}", headers=AUTH)
    assert response.status == 200, await response.text()
    return {item["id"] for item in await response.json()}


async def _paid(http: Client, issued: date, paid: date) -> int:
    return await _create(
        http, issue_date=issued.isoformat(), status="paid", paid_date=paid.isoformat()
    )


# --- invoices: paid_date ------------------------------------------------------------------------


async def test_paid_date_months_and_the_default_period(http: Client) -> None:
    today = date.today()
    this_month = today.replace(day=1)
    last_day_of_last_month = this_month - timedelta(days=1)
    # Issued today, paid on the last day of last month (paid before it was issued: the sandbox
    # does not police that, and it keeps the two dates apart).
    a = await _paid(http, today, last_day_of_last_month)
    # Issued two years ago, paid on the first day of this month.
    b = await _paid(http, today - timedelta(days=730), this_month)
    unpaid = await _create(http, issue_date=today.isoformat())

    by_paid = "search_date_type=paid_date"
    assert await _ids(http, f"{by_paid}&period=last_month") == {a}
    assert await _ids(http, f"{by_paid}&period=this_month") == {b}
    assert await _ids(http, by_paid) == {a, b}  # last_12_months, by paid_date
    assert await _ids(http, f"{by_paid}&period=all") == {a, b, unpaid}
    # more without dates is unbounded, but an unpaid invoice has no paid_date to be in it
    assert await _ids(http, f"{by_paid}&period=more") == {a, b}
    # the same periods by issue_date, explicitly, by default, or with the parameter blank
    assert await _ids(http, "search_date_type=issue_date&period=this_month") == {a, unpaid}
    assert await _ids(http, "period=this_month") == {a, unpaid}
    assert await _ids(http, "search_date_type=&period=this_month") == {a, unpaid}
    assert await _ids(http, "") == {a, unpaid}
    assert await _ids(http, "period=last_month") == set()
    assert await _ids(http, "period=more") == {a, b, unpaid}


async def test_paid_date_window_of_more_is_inclusive_at_both_ends(http: Client) -> None:
    first = await _paid(http, date(2026, 1, 5), date(2026, 2, 1))
    last = await _paid(http, date(2026, 1, 5), date(2026, 2, 28))
    after = await _paid(http, date(2026, 2, 10), date(2026, 3, 1))
    unpaid = await _create(http, issue_date="2026-02-10")

    async def window(start: str, end: str, by: str = "paid_date") -> set[int]:
        query = f"search_date_type={by}&period=more&date_from={start}&date_to={end}"
        return await _ids(http, query)

    assert await window("2026-02-01", "2026-02-28") == {first, last}
    assert await window("2026-02-01", "2026-02-01") == {first}
    assert await window("2026-02-28", "2026-02-28") == {last}
    assert await window("2026-02-02", "2026-02-27") == set()
    assert await window("2026-03-01", "2026-12-31") == {after}
    assert await window("2026-02-01", "2026-02-28", by="issue_date") == {after, unpaid}
    # One bound only.
    assert await _ids(http, "search_date_type=paid_date&period=more&date_from=2026-02-28") == {
        last,
        after,
    }
    assert await _ids(http, "search_date_type=paid_date&period=more&date_to=2026-02-01") == {first}
    # Dates without period=more are ignored (last_12_months by paid_date applies).
    ignored = "search_date_type=paid_date&date_from=2026-02-01&date_to=2026-02-01"
    assert await _ids(http, ignored) == await _ids(http, "search_date_type=paid_date")


@pytest.mark.parametrize(
    ("period", "inside", "outside"),
    [
        ("last_30_days", 29, 30),
        ("last_12_months", "12 months - 1 day", "12 months"),
    ],
)
async def test_paid_date_rolling_periods_at_their_first_day(
    http: Client, period: str, inside: int | str, outside: int | str
) -> None:
    today = date.today()
    twelve = _months_back(today, 12)

    def back(days: int | str) -> date:
        if isinstance(days, int):
            return today - timedelta(days=days)
        return twelve + timedelta(days=1) if days.endswith("1 day") else twelve

    issued = today - timedelta(days=1000)
    kept = await _paid(http, issued, back(inside))
    await _paid(http, issued, back(outside))
    await _paid(http, issued, today + timedelta(days=1))  # tomorrow is past the window's end
    assert await _ids(http, f"search_date_type=paid_date&period={period}") == {kept}


async def test_paid_date_calendar_years(http: Client) -> None:
    year = date.today().year
    new_year = await _paid(http, date(year - 3, 6, 1), date(year, 1, 1))
    old_year_end = await _paid(http, date(year - 3, 6, 1), date(year - 1, 12, 31))
    old_year_start = await _paid(http, date(year - 3, 6, 1), date(year - 1, 1, 1))
    await _paid(http, date(year - 3, 6, 1), date(year - 2, 12, 31))
    assert await _ids(http, "search_date_type=paid_date&period=this_year") == {new_year}
    assert await _ids(http, "search_date_type=paid_date&period=last_year") == {
        old_year_end,
        old_year_start,
    }
    assert await _ids(http, "period=last_year") == set()  # all issued three years ago


async def test_invoices_paid_by_status_or_payment_are_found_by_that_day(
    http: Client,
) -> None:
    old = (date.today() - timedelta(days=800)).isoformat()
    by_status = await _create(http, issue_date=old)
    changed = await http.post(f"/invoices/{by_status}/change_status.json?status=paid", headers=AUTH)
    assert changed.status == 200
    by_payment = await _create(http, issue_date=old)
    partly = await _create(http, issue_date=old)
    for invoice_id, price in ((by_payment, "123.00"), (partly, "23.00")):
        payment = {
            "price": price,
            "paid": True,
            "paid_date": "2026-04-15",
            "invoice_id": invoice_id,
        }
        answer = await http.post(
            "/banking/payments.json", json={"banking_payment": payment}, headers=AUTH
        )
        assert answer.status == 201, await answer.text()
    today = date.today().isoformat()
    assert await _ids(http, "search_date_type=paid_date&period=this_month") == {by_status}
    on_the_day = f"search_date_type=paid_date&period=more&date_from={today}&date_to={today}"
    assert await _ids(http, on_the_day) == {by_status}
    april = "search_date_type=paid_date&period=more&date_from=2026-04-15&date_to=2026-04-15"
    assert await _ids(http, april) == {by_payment}  # the partly paid one has no paid_date
    assert await _ids(http, "search_date_type=paid_date&period=all") == {
        by_status,
        by_payment,
        partly,
    }


# --- invoices: transaction_date and sell_date -------------------------------------------------


async def test_transaction_and_sell_dates(http: Client) -> None:
    day = await _create(http, issue_date="2026-03-10", sell_date="2026-02-27")
    month = await _create(http, issue_date="2026-03-10", sell_date="2026-02")
    off = await _create(http, issue_date="2026-03-10", sell_date="off")

    async def window(by: str, start: str, end: str) -> set[int]:
        return await _ids(
            http, f"search_date_type={by}&period=more&date_from={start}&date_to={end}"
        )

    # transaction_date is the sell date when it is a day, else the issue date
    assert await window("transaction_date", "2026-02-01", "2026-02-28") == {day}
    assert await window("transaction_date", "2026-03-10", "2026-03-10") == {month, off}
    # a month-only sell date counts as the month's first day
    assert await window("sell_date", "2026-02-01", "2026-02-01") == {month}
    assert await window("sell_date", "2026-02-02", "2026-02-28") == {day}
    assert await window("sell_date", "2026-02-01", "2026-02-28") == {day, month}
    assert await window("sell_date", "2026-03-01", "2026-03-31") == set()
    assert await window("issue_date", "2026-03-10", "2026-03-10") == {day, month, off}
    # sell_date "off" is no date: in no period but all
    assert await _ids(http, "search_date_type=sell_date&period=more") == {day, month}
    assert await _ids(http, "search_date_type=sell_date&period=all") == {day, month, off}


@pytest.mark.parametrize("value", ["due_date", "payment_to", "ISSUE_DATE", "created_at", "paid"])
@pytest.mark.parametrize("period", ["", "&period=all", "&period=more&date_from=2026-01-01"])
async def test_an_unknown_search_date_type_is_422_naming_it(
    http: Client, value: str, period: str
) -> None:
    await _create(http)
    response = await http.get(f"/invoices.json?search_date_type={value}{period}", headers=AUTH)
    assert response.status == 422
    assert await response.json() == REFUSED


async def test_an_unknown_period_is_still_named_first(http: Client) -> None:
    response = await http.get(
        "/invoices.json?period=someday&search_date_type=paid_date", headers=AUTH
    )
    assert response.status == 422
    assert await response.json() == {
        "code": "error",
        "message": {"period": ["is not included in the list"]},
    }


# --- warehouse documents ---------------------------------------------------------------------


async def _document(http: Client, **fields: Any) -> dict[str, Any]:
    response = await http.post(
        "/warehouse_documents.json",
        json={"warehouse_document": {"kind": "pz", **fields}},
        headers=AUTH,
    )
    assert response.status == 201, await response.text()
    created: dict[str, Any] = await response.json()
    return created


async def _document_ids(http: Client, query: str) -> set[int]:
    response = await http.get(f"/warehouse_documents.json?{query}", headers=AUTH)
    assert response.status == 200, await response.text()
    return {item["id"] for item in await response.json()}


async def test_warehouse_documents_by_issue_or_transaction_date(http: Client) -> None:
    early = await _document(http, issue_date="2026-01-16", transaction_date="2026-01-10")
    plain = await _document(http, issue_date="2026-01-20")
    assert early["transaction_date"] == "2026-01-10"
    assert plain["transaction_date"] == "2026-01-20"  # the issue date unless given

    async def window(start: str, end: str, by: str | None = None) -> set[int]:
        query = f"period=more&date_from={start}&date_to={end}"
        return await _document_ids(http, query if by is None else f"{query}&search_date_type={by}")

    assert await window("2026-01-10", "2026-01-15", "transaction_date") == {early["id"]}
    assert await window("2026-01-10", "2026-01-15", "issue_date") == set()
    assert await window("2026-01-10", "2026-01-15") == set()  # issue_date by default
    assert await window("2026-01-16", "2026-01-20") == {early["id"], plain["id"]}
    assert await window("2026-01-16", "2026-01-20", "transaction_date") == {plain["id"]}
    assert await window("2026-01-20", "2026-01-20", "transaction_date") == {plain["id"]}
    # an update may set it; the document keeps it when the issue date changes
    moved = await http.put(
        f"/warehouse_documents/{plain['id']}.json",
        json={"warehouse_document": {"issue_date": "2026-02-01"}},
        headers=AUTH,
    )
    assert (await moved.json())["transaction_date"] == "2026-01-20"
    assert await window("2026-01-20", "2026-01-20", "transaction_date") == {plain["id"]}
    assert await window("2026-01-20", "2026-01-20") == set()
    retimed = await http.put(
        f"/warehouse_documents/{early['id']}.json",
        json={"warehouse_document": {"transaction_date": "2026-01-31"}},
        headers=AUTH,
    )
    assert (await retimed.json())["transaction_date"] == "2026-01-31"
    assert await window("2026-01-31", "2026-01-31", "transaction_date") == {early["id"]}


@pytest.mark.parametrize("value", ["paid_date", "sell_date", "date"])
async def test_warehouse_documents_refuse_an_unknown_search_date_type(
    http: Client, value: str
) -> None:
    await _document(http, issue_date="2026-01-16")
    response = await http.get(
        f"/warehouse_documents.json?period=more&search_date_type={value}", headers=AUTH
    )
    assert response.status == 422
    assert await response.json() == REFUSED
    blank = await _document_ids(http, "search_date_type=")
    assert len(blank) == 1


async def test_warehouse_document_transaction_date_must_be_a_date(
    http: Client, store: Store
) -> None:
    response = await http.post(
        "/warehouse_documents.json",
        json={"warehouse_document": {"kind": "pz", "transaction_date": "tomorrow"}},
        headers=AUTH,
    )
    assert response.status == 422
    assert await response.json() == {
        "code": "error",
        "message": {"transaction_date": ["is not a valid date"]},
    }
    assert store.counts().get("warehouse_documents", 0) == 0
