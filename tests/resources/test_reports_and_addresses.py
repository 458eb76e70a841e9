"""The [FR] reminders report (``io.reports.reminders``), an invoice's ``reminders_info`` and a
client's delivery addresses (``io.clients.add_address``), on MockTransport: what is sent, how
the answer reads, and what is refused before anything is sent."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from invoceanio import ConfigurationError, DecodeError, InvoiceOcean, ServerError
from invoceanio.models import (
    Address,
    AddressDraft,
    Reminder,
    ReminderReportEntry,
    RemindersInfo,
    to_wire,
)
from tests.support import Recorder, json_response, make_client

ENTRY = {
    "kind": "email",
    "created_at": "2026-11-24T09:15:00+01:00",
    "user_name": "Anne Martin",
    "user_id": "12",
    "document_number": "FV 2026/11/3",
    "document_id": 301,
    "buyer_name": "Dupont SARL",
    "client_id": "44",
    "document_status": "sent",
    "reminder_level": 2,
}


def _client(recorder: Recorder, **options: Any) -> InvoiceOcean:
    return make_client(recorder, prefix="acme", brand="vosfactures.fr", **options)


# --- the reminders report ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_reminders_sends_the_window_and_filters_as_json(fmt: str) -> None:
    recorder = Recorder(json_response(200, [ENTRY]))
    async with _client(recorder, format=fmt) as io:
        entries = await io.reports.reminders(
            date(2026, 11, 23), "2026-11-29", kind="email", department_id=5
        )
    (request,) = recorder.requests
    assert request.method == "GET"
    # JSON whatever the client's format: the report has no documented XML form.
    assert request.url == "https://acme.vosfactures.fr/reports/reminders_report.json"
    assert request.params == (
        ("date_from", "2026-11-23"),
        ("date_to", "2026-11-29"),
        ("kind", "email"),
        ("department_id", "5"),
    )
    assert entries == [
        ReminderReportEntry(
            kind="email",
            created_at=datetime.fromisoformat("2026-11-24T09:15:00+01:00"),
            user_name="Anne Martin",
            user_id=12,
            document_number="FV 2026/11/3",
            document_id=301,
            buyer_name="Dupont SARL",
            client_id=44,
            document_status="sent",
            extra={"reminder_level": 2},
        )
    ]


async def test_reminders_without_filters_sends_only_the_dates() -> None:
    recorder = Recorder(json_response(200, []))
    async with _client(recorder) as io:
        assert await io.reports.reminders(date(2026, 11, 29), date(2026, 11, 29)) == []
    assert recorder.requests[0].params == (("date_from", "2026-11-29"), ("date_to", "2026-11-29"))


@pytest.mark.parametrize("days", [0, 1, 6])
async def test_a_window_of_one_to_seven_days_is_asked_for(days: int) -> None:
    recorder = Recorder(json_response(200, []))
    start = date(2026, 2, 25)  # across the end of February
    async with _client(recorder) as io:
        await io.reports.reminders(start, start + timedelta(days=days))
    assert len(recorder.requests) == 1


@pytest.mark.parametrize(
    ("date_from", "date_to", "message"),
    [
        (date(2026, 11, 1), date(2026, 11, 8), "at most 7 days, 2026-11-01 to 2026-11-08 is 8"),
        (date(2026, 1, 1), date(2026, 12, 31), "at most 7 days"),
        (date(2026, 11, 9), date(2026, 11, 8), "date_to (2026-11-08) is before date_from"),
        (datetime(2026, 11, 1, 23, 30), date(2026, 11, 2), "date_from must be a date"),
        ("2026-11-01", datetime(2026, 11, 2), "date_to must be a date"),
        ("1 Nov 2026", "2026-11-02", "date_from must be a date"),
        (None, date(2026, 11, 2), "date_from must be a date"),
        (20261101, date(2026, 11, 2), "date_from must be a date"),
        # repr() of an int this long raises ValueError itself: the error must not.
        pytest.param(
            10**5000,
            date(2026, 11, 2),
            "date_from must be a date (or its ISO text), got int too long to show",
            id="huge-int",
        ),
    ],
)
async def test_a_bad_window_is_refused_before_anything_is_sent(
    date_from: Any, date_to: Any, message: str
) -> None:
    recorder = Recorder(json_response(200, []))
    async with _client(recorder) as io:
        with pytest.raises(ConfigurationError, match=re.escape(message)):
            await io.reports.reminders(date_from, date_to)
    assert recorder.requests == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"kind": "e mail&x=1"}, "reminder kind"),
        ({"kind": ""}, "reminder kind"),
        pytest.param(
            {"kind": 10**5000}, "such as 'email', got int too long to show", id="huge-int-kind"
        ),
        pytest.param({"kind": "x" * 100_000}, r"got 'xxx.*\.\.\.$", id="huge-text-kind"),
        ({"department_id": "5/../7"}, "department_id must be a positive integer"),
        ({"department_id": True}, "department_id must be a positive integer"),
    ],
)
async def test_bad_filters_are_refused_before_anything_is_sent(
    options: dict[str, Any], message: str
) -> None:
    recorder = Recorder(json_response(200, []))
    async with _client(recorder) as io:
        with pytest.raises(ConfigurationError, match=message) as refused:
            await io.reports.reminders("2026-11-23", "2026-11-24", **options)
    assert recorder.requests == []
    assert len(str(refused.value)) < 200  # the value is quoted clipped, never whole


@pytest.mark.parametrize(
    "answer",
    [[{"created_at": "yesterday"}], [{"document_id": "x"}], {"kind": "email"}, "ok", [[1]]],
)
async def test_a_report_that_is_no_list_of_entries_is_a_decode_error(answer: Any) -> None:
    recorder = Recorder(json_response(200, answer))
    async with _client(recorder) as io:
        with pytest.raises(DecodeError, match="reminders_report"):
            await io.reports.reminders("2026-11-23", "2026-11-24")


async def _all(io: InvoiceOcean, date_from: Any, date_to: Any, **options: Any) -> list[Any]:
    return [entry async for entry in io.reports.iterate_reminders(date_from, date_to, **options)]


async def test_iterate_reminders_walks_a_long_period_in_weeks_that_do_not_overlap() -> None:
    def week(request: Any) -> Any:
        return json_response(200, [{**ENTRY, "document_id": len(recorder.requests)}])

    recorder = Recorder(week)
    async with _client(recorder) as io:
        entries = await _all(io, date(2026, 11, 1), "2026-11-16", kind="email", department_id=5)
    windows = [dict(r.params) for r in recorder.requests]
    assert [(w["date_from"], w["date_to"]) for w in windows] == [
        ("2026-11-01", "2026-11-07"),
        ("2026-11-08", "2026-11-14"),
        ("2026-11-15", "2026-11-16"),
    ]
    assert all(w["kind"] == "email" and w["department_id"] == "5" for w in windows)
    assert [entry.document_id for entry in entries] == [1, 2, 3]


async def test_iterate_reminders_asks_for_the_next_week_only_when_it_is_needed() -> None:
    recorder = Recorder(json_response(200, [ENTRY]))
    async with _client(recorder) as io:
        walk = io.reports.iterate_reminders("2026-01-01", "2026-12-31")
        first = await anext(walk)
        assert first.kind == "email" and len(recorder.requests) == 1
        await walk.aclose()
    assert len(recorder.requests) == 1


@pytest.mark.parametrize(
    ("date_from", "date_to", "windows"),
    [
        ("2026-11-01", "2026-11-01", [("2026-11-01", "2026-11-01")]),
        ("2026-11-01", "2026-11-07", [("2026-11-01", "2026-11-07")]),
        ("2026-11-01", "2026-11-08", [("2026-11-01", "2026-11-07"), ("2026-11-08", "2026-11-08")]),
        # The last days of the calendar: stepping past date.max would overflow.
        ("9999-12-25", "9999-12-31", [("9999-12-25", "9999-12-31")]),
        ("9999-12-20", "9999-12-31", [("9999-12-20", "9999-12-26"), ("9999-12-27", "9999-12-31")]),
    ],
)
async def test_iterate_reminders_window_edges(
    date_from: str, date_to: str, windows: list[tuple[str, str]]
) -> None:
    recorder = Recorder(json_response(200, []))
    async with _client(recorder) as io:
        assert await _all(io, date_from, date_to) == []
    assert [
        (dict(r.params)["date_from"], dict(r.params)["date_to"]) for r in recorder.requests
    ] == (windows)


@pytest.mark.parametrize(
    ("date_from", "date_to", "options", "message"),
    [
        ("2026-11-09", "2026-11-08", {}, "is before date_from"),
        (datetime(2026, 11, 1), "2026-11-08", {}, "date_from must be a date"),
        ("2026-11-01", "2026-11-08", {"kind": "E-MAIL"}, "reminder kind"),
    ],
)
async def test_iterate_reminders_refuses_bad_input_before_anything_is_sent(
    date_from: Any, date_to: Any, options: dict[str, Any], message: str
) -> None:
    recorder = Recorder(json_response(200, []))
    async with _client(recorder) as io:
        with pytest.raises(ConfigurationError, match=message):
            await _all(io, date_from, date_to, **options)
    assert recorder.requests == []


# --- an invoice's reminders_info ----------------------------------------------------------------


async def test_reminders_info_reads_as_typed_reminders() -> None:
    info = {
        "count": "2",
        "last_reminder_date": "2026-11-30",
        "last_reminder_type": "email",
        "reminders": [
            {"date": "2026-11-20", "type": "email"},
            {"date": "2026-11-30", "type": "sms"},
        ],
    }
    recorder = Recorder(json_response(200, {"id": 301, "reminders_info": info}))
    async with _client(recorder) as io:
        invoice = await io.invoices.get(301, additional_fields=["reminders_info"])
    assert recorder.requests[0].params == (("additional_fields[invoice]", "reminders_info"),)
    assert invoice.reminders_info == RemindersInfo(
        count=2,
        last_reminder_date=date(2026, 11, 30),
        last_reminder_type="email",
        reminders=(
            Reminder(date=date(2026, 11, 20), type="email"),
            Reminder(date=date(2026, 11, 30), type="sms"),
        ),
    )


async def test_an_invoice_without_reminders_info_reads_none_and_writes_nothing() -> None:
    recorder = Recorder(json_response(200, {"id": 301}))
    async with _client(recorder) as io:
        invoice = await io.invoices.get(301)
    assert invoice.reminders_info is None
    assert "reminders_info" not in invoice.extra
    assert "reminders_info" not in to_wire(invoice)


# --- delivery addresses -------------------------------------------------------------------------

STORED = {
    "id": 91,
    "name": "Depot",
    "kind": "delivery",
    "addressable_type": "Client",
    "addressable_id": 44,
    "street": "1 rue de la Paix",
    "city": "Paris",
    "post_code": "75002",
    "country": "FR",
    "primary": "1",
    "created_at": "2026-12-01T10:00:00+01:00",
    "updated_at": "2026-12-01T10:00:00+01:00",
}


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    "address",
    [
        AddressDraft(name="Depot", street="1 rue de la Paix", city="Paris", primary=True),
        {"name": "Depot", "street": "1 rue de la Paix", "city": "Paris", "primary": True},
    ],
)
async def test_add_address_posts_it_for_the_client_and_reads_the_answer(
    address: Any, fmt: str
) -> None:
    recorder = Recorder(json_response(201, STORED))
    async with _client(recorder, format=fmt) as io:
        stored = await io.clients.add_address("44", address)
    (request,) = recorder.requests
    assert request.method == "POST"
    assert request.url == "https://acme.vosfactures.fr/addresses.json"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.body or b"") == {
        "address": {
            "name": "Depot",
            "street": "1 rue de la Paix",
            "city": "Paris",
            "primary": True,
            "kind": "delivery",
            "addressable_type": "Client",
            "addressable_id": 44,
        }
    }
    assert stored == Address(
        id=91,
        name="Depot",
        kind="delivery",
        addressable_type="Client",
        addressable_id=44,
        street="1 rue de la Paix",
        city="Paris",
        post_code="75002",
        country="FR",
        primary=True,
        created_at=datetime.fromisoformat("2026-12-01T10:00:00+01:00"),
        updated_at=datetime.fromisoformat("2026-12-01T10:00:00+01:00"),
    )


@pytest.mark.parametrize(
    ("given", "kind"),
    [
        ({"kind": "billing", "addressable_id": "44"}, "billing"),
        ({"addressable_id": "044", "addressable_type": "Client"}, "delivery"),
        ({"addressable_id": 44}, "delivery"),
        # None is "not given", as for every draft field left out.
        ({"kind": None, "addressable_id": None, "addressable_type": None}, "delivery"),
    ],
)
async def test_add_address_keeps_a_kind_given_and_the_same_owner_spelled_out(
    given: dict[str, Any], kind: str
) -> None:
    recorder = Recorder(json_response(201, STORED))
    async with _client(recorder) as io:
        await io.clients.add_address(44, {"name": "Depot", **given})
    sent = json.loads(recorder.requests[0].body or b"")["address"]
    assert (sent["kind"], sent["addressable_type"], sent["addressable_id"]) == (
        kind,
        "Client",
        44,
    )


@pytest.mark.parametrize(
    ("client_id", "address", "message"),
    [
        (44, {"street": "1 rue"}, "needs a name"),
        (44, {"name": "  "}, "needs a name"),
        (44, AddressDraft(city="Paris"), "needs a name"),
        (44, {"name": "Depot", "addressable_id": 45}, "another owner than client 44"),
        (44, {"name": "Depot", "addressable_type": "Department"}, "another owner"),
        (44, {"name": "Depot", "addressable_id": "4x4"}, "another owner"),
        (44, {"name": "Depot", "addressable_id": 0}, "another owner"),
        ("44/../1", {"name": "Depot"}, "a client id must be a positive integer"),
        (44, ["Depot"], "must be AddressDraft, Address or a dict"),
    ],
)
async def test_add_address_refuses_bad_input_before_anything_is_sent(
    client_id: Any, address: Any, message: str
) -> None:
    recorder = Recorder(json_response(201, STORED))
    async with _client(recorder) as io:
        with pytest.raises(ConfigurationError, match=message):
            await io.clients.add_address(client_id, address)
    assert recorder.requests == []


@pytest.mark.parametrize("status", [500, 502, 504])
async def test_add_address_is_never_re_sent_after_a_server_error(status: int) -> None:
    # A 500/502/504 may come after the address was stored: a second send would add it twice.
    # (A 503 is retried, as for every request: the server says it did not take it.)
    recorder = Recorder(json_response(status, {"code": "error", "message": "failed"}))
    async with _client(recorder) as io:
        with pytest.raises(ServerError):
            await io.clients.add_address(44, {"name": "Depot"})
    assert len(recorder.requests) == 1
