"""Payment reminders in the sandbox ([FR] spec 7.6), over HTTP.

Proves: ``POST /__sandbox__/reminders`` records a reminder against an invoice (defaults
``email`` and today; 404 for an unknown invoice, 422 for a bad ``invoice_id``, ``kind`` or
``date``, 400 for a body that is no object) and lists it under ``records/reminders``;
``GET /reports/reminders_report.json`` answers the reminders of a window of at most 7 days,
both ends included, oldest first, with the invoice's current fields and the account's user,
filtered by ``kind`` and ``department_id``, and refuses every bad window with a 422 naming the
parameter; ``additional_fields[invoice]=reminders_info`` adds the invoice's reminders (JSON and
XML) and is absent otherwise; ``POST /__sandbox__/reset`` forgets them. A hypothesis test
throws random values at both new routes and asserts no crash.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invoceanio.codecs import XmlCodec
from invoceanio.sandbox import create_app
from invoceanio.sandbox.store import Store
from tests.sandbox.serving import fuzzed, served

TOKEN = "reminders-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
Client = TestClient[Any, Any]
REPORT = "/reports/reminders_report.json"
ENTRY_KEYS = [
    "kind",
    "created_at",
    "user_name",
    "user_id",
    "document_number",
    "document_id",
    "buyer_name",
    "client_id",
    "document_status",
]


@pytest.fixture
async def store() -> Store:
    return Store()


@pytest.fixture
async def http(store: Store) -> AsyncIterator[Client]:
    async with served(token=TOKEN, store=store) as client:
        yield client


async def _json(http: Client, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
    response = await http.request(method, path, **kwargs)
    assert response.status == status, await response.text()
    assert response.content_type == "application/json"
    return await response.json()


async def _invoice(http: Client, **fields: Any) -> Any:
    invoice = {"buyer_name": "Acme", "positions": [{"name": "A", "tax": 23, "price_net": "10"}]}
    body = {"invoice": {**invoice, **fields}}
    return await _json(http, "POST", "/invoices.json", 201, json=body, headers=AUTH)


async def _remind(http: Client, status: int = 201, **body: Any) -> Any:
    return await _json(http, "POST", "/__sandbox__/reminders", status, json=body)


async def _report(http: Client, query: str, status: int = 200) -> Any:
    return await _json(http, "GET", f"{REPORT}?{query}", status, headers=AUTH)


def _error(field: str, message: str) -> dict[str, Any]:
    return {"code": "error", "message": {field: [message]}}


def _entry(reminder: dict[str, Any], invoice: dict[str, Any], **changes: Any) -> dict[str, Any]:
    entry = {
        "kind": reminder["kind"],
        "created_at": reminder["created_at"],
        "user_name": "sandbox",
        "user_id": None,
        "document_number": invoice["number"],
        "document_id": invoice["id"],
        "buyer_name": invoice["buyer_name"],
        "client_id": invoice["client_id"],
        "document_status": invoice["status"],
    }
    entry.update(changes)
    return entry


# --- recording reminders ------------------------------------------------------------------------


async def test_a_reminder_is_recorded_and_listed_with_its_defaults(http: Client) -> None:
    invoice = await _invoice(http)
    given = await _remind(http, invoice_id=invoice["id"], kind="sms", date="2026-03-04")
    assert set(given) == {"id", "invoice_id", "kind", "date", "created_at"}
    assert (given["id"], given["invoice_id"], given["kind"], given["date"]) == (
        1,
        invoice["id"],
        "sms",
        "2026-03-04",
    )
    stamp = datetime.fromisoformat(given["created_at"])
    assert stamp.date() == date(2026, 3, 4) and stamp.tzinfo is not None
    # The id as numeric text, no kind and no date: an e-mail reminder of today.
    default = await _remind(http, invoice_id=str(invoice["id"]))
    assert default["id"] == 2 and default["invoice_id"] == invoice["id"]
    assert default["kind"] == "email" and default["date"] == date.today().isoformat()
    assert datetime.fromisoformat(default["created_at"]).date() == date.today()
    blank = await _remind(http, invoice_id=invoice["id"], kind=" ", date="")
    assert (blank["kind"], blank["date"]) == ("email", date.today().isoformat())
    records = await _json(http, "GET", "/__sandbox__/records/reminders")
    assert records == [given, default, blank]
    counts = await _json(http, "GET", "/__sandbox__/counts")
    assert counts["reminders"] == 3


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"invoice_id": 99}, 404, {"code": "error", "message": "Not found"}),
        ({}, 422, _error("invoice_id", "can't be blank")),
        ({"invoice_id": None}, 422, _error("invoice_id", "can't be blank")),
        ({"invoice_id": "abc"}, 422, _error("invoice_id", "is not a number")),
        ({"invoice_id": True}, 422, _error("invoice_id", "is not a number")),
        ({"invoice_id": 1, "date": "2026-02-30"}, 422, _error("date", "is not a valid date")),
        ({"invoice_id": 1, "date": "04/03/2026"}, 422, _error("date", "is not a valid date")),
        ({"invoice_id": 1, "date": 20260304}, 422, _error("date", "is not a valid date")),
        ({"invoice_id": 1, "kind": "E-Mail"}, 422, _error("kind", "is invalid")),
        ({"invoice_id": 1, "kind": 3}, 422, _error("kind", "is invalid")),
        ({"invoice_id": 1, "kind": ["email"]}, 422, _error("kind", "is invalid")),
        # A bad kind is refused before the invoice is looked up.
        ({"invoice_id": 99, "kind": "x y"}, 422, _error("kind", "is invalid")),
    ],
)
async def test_a_bad_reminder_is_refused_and_not_stored(
    http: Client, body: dict[str, Any], status: int, error: dict[str, Any]
) -> None:
    await _invoice(http)
    assert await _remind(http, status, **body) == error
    assert await _json(http, "GET", "/__sandbox__/records/reminders") == []


async def test_a_reminder_body_that_is_no_object_is_a_400(http: Client) -> None:
    await _invoice(http)
    for raw in (b"{oops", b"[1]", b""):
        response = await http.post("/__sandbox__/reminders", data=raw)
        assert response.status == 400, raw
        assert (await response.json())["code"] == "error"
    assert await _json(http, "GET", "/__sandbox__/records/reminders") == []


# --- the report ---------------------------------------------------------------------------------


async def test_the_report_lists_the_window_oldest_first_with_the_invoice_fields(
    http: Client,
) -> None:
    first = await _invoice(http, buyer_name="First Buyer", number="FV 1/2026")
    second = await _invoice(http, buyer_name="Second Buyer", number="FV 2/2026")
    # Recorded out of date order: the report sorts by date, then by recording order.
    late = await _remind(http, invoice_id=first["id"], date="2026-03-07")
    early = await _remind(http, invoice_id=second["id"], kind="sms", date="2026-03-01")
    middle = await _remind(http, invoice_id=first["id"], date="2026-03-04")
    same_day = await _remind(http, invoice_id=second["id"], date="2026-03-04")
    await _remind(http, invoice_id=first["id"], date="2026-02-28")  # the day before
    await _remind(http, invoice_id=first["id"], date="2026-03-08")  # the day after
    report = await _report(http, "date_from=2026-03-01&date_to=2026-03-07")
    assert report == [
        _entry(early, second),
        _entry(middle, first),
        _entry(same_day, second),
        _entry(late, first),
    ]
    assert list(report[0]) == ENTRY_KEYS
    assert report[1]["document_number"] == "FV 1/2026"
    assert report[1]["buyer_name"] == "First Buyer" and report[0]["buyer_name"] == "Second Buyer"
    assert isinstance(report[0]["client_id"], int) and report[0]["client_id"] != first["client_id"]
    one_day = await _report(http, "date_from=2026-03-04&date_to=2026-03-04")
    assert one_day == [_entry(middle, first), _entry(same_day, second)]
    assert await _report(http, "date_from=2026-01-01&date_to=2026-01-07") == []


async def test_the_report_reads_the_invoice_as_it_is_now(http: Client) -> None:
    invoice = await _invoice(http)
    reminder = await _remind(http, invoice_id=invoice["id"], date="2026-05-05")
    query = f"/invoices/{invoice['id']}/change_status.json?status=paid"
    assert (await http.post(query, headers=AUTH)).status == 200
    report = await _report(http, "date_from=2026-05-05&date_to=2026-05-05")
    assert report == [_entry(reminder, invoice, document_status="paid")]
    assert (await http.delete(f"/invoices/{invoice['id']}.json", headers=AUTH)).status == 200
    # The document is gone: the report cannot name it.
    assert await _report(http, "date_from=2026-05-05&date_to=2026-05-05") == []


@pytest.mark.parametrize(
    ("date_from", "date_to"),
    [
        ("2026-03-01", "2026-03-07"),  # 7 days, both ends counted
        ("2026-02-25", "2026-03-03"),  # across a month end (2026 is no leap year)
        ("2026-12-29", "2027-01-04"),  # across a year end
        ("2026-03-01", "2026-03-01"),
    ],
)
async def test_a_window_of_up_to_seven_days_is_answered(
    http: Client, date_from: str, date_to: str
) -> None:
    invoice = await _invoice(http)
    ends = [await _remind(http, invoice_id=invoice["id"], date=day) for day in (date_from, date_to)]
    report = await _report(http, f"date_from={date_from}&date_to={date_to}")
    expected = [_entry(ends[0], invoice), _entry(ends[1], invoice)]
    assert report == expected


@pytest.mark.parametrize(
    ("query", "error"),
    [
        (
            "date_from=2026-03-01&date_to=2026-03-08",  # 8 days
            _error("date_to", "must be at most 7 days from date_from"),
        ),
        (
            "date_from=2026-02-25&date_to=2026-03-04",  # 8 days across a month end
            _error("date_to", "must be at most 7 days from date_from"),
        ),
        (
            "date_from=2026-01-01&date_to=2026-12-31",
            _error("date_to", "must be at most 7 days from date_from"),
        ),
        (
            "date_from=2026-03-02&date_to=2026-03-01",
            _error("date_to", "must be on or after date_from"),
        ),
        ("date_to=2026-03-01", _error("date_from", "can't be blank")),
        ("date_from=&date_to=2026-03-01", _error("date_from", "can't be blank")),
        ("date_from=2026-03-01", _error("date_to", "can't be blank")),
        ("date_from=2026-03-01&date_to=", _error("date_to", "can't be blank")),
        ("", _error("date_from", "can't be blank")),
        ("date_from=2026-13-01&date_to=2026-03-01", _error("date_from", "is not a valid date")),
        ("date_from=2026-03-01&date_to=2026-02-30", _error("date_to", "is not a valid date")),
        ("date_from=01.03.2026&date_to=2026-03-02", _error("date_from", "is not a valid date")),
        ("date_from=2026-03&date_to=2026-03-02", _error("date_from", "is not a valid date")),
        (
            "date_from=2026-03-01T00:00&date_to=2026-03-02",
            _error("date_from", "is not a valid date"),
        ),
    ],
)
async def test_a_bad_window_is_a_422_naming_the_parameter(
    http: Client, query: str, error: dict[str, Any]
) -> None:
    invoice = await _invoice(http)
    await _remind(http, invoice_id=invoice["id"], date="2026-03-01")
    assert await _report(http, query, 422) == error


async def test_the_kind_and_department_filters(http: Client) -> None:
    department = await _json(
        http,
        "POST",
        "/departments.json",
        201,
        json={"department": {"name": "Branch", "tax_no": "5252445767"}},
        headers=AUTH,
    )
    other = await _json(
        http,
        "POST",
        "/departments.json",
        201,
        json={"department": {"name": "Other", "tax_no": "6272616681"}},
        headers=AUTH,
    )
    branch = await _invoice(http, department_id=str(department["id"]))
    assert branch["department_id"] == department["id"]
    plain = await _invoice(http)
    assert plain.get("department_id") is None
    b_email = await _remind(http, invoice_id=branch["id"], date="2026-04-01")
    b_sms = await _remind(http, invoice_id=branch["id"], kind="sms", date="2026-04-02")
    p_email = await _remind(http, invoice_id=plain["id"], date="2026-04-03")
    p_sms = await _remind(http, invoice_id=plain["id"], kind="sms", date="2026-04-04")
    window = "date_from=2026-04-01&date_to=2026-04-07"
    everything = [
        _entry(b_email, branch),
        _entry(b_sms, branch),
        _entry(p_email, plain),
        _entry(p_sms, plain),
    ]
    assert await _report(http, window) == everything
    assert await _report(http, f"{window}&kind=&department_id=") == everything
    assert await _report(http, f"{window}&kind=sms") == [everything[1], everything[3]]
    assert await _report(http, f"{window}&kind=email") == [everything[0], everything[2]]
    assert await _report(http, f"{window}&kind=letter") == []
    assert await _report(http, f"{window}&kind=EMAIL") == []
    by_department = [everything[0], everything[1]]
    assert await _report(http, f"{window}&department_id={department['id']}") == by_department
    assert await _report(http, f"{window}&department_id=%20{department['id']}%20") == by_department
    assert await _report(http, f"{window}&department_id={other['id']}") == []
    assert await _report(http, f"{window}&department_id=abc") == []
    both = f"{window}&kind=sms&department_id={department['id']}"
    assert await _report(http, both) == [everything[1]]


async def test_the_user_is_the_account_named_by_the_token_prefix() -> None:
    app = create_app(token="prefixed-token/acme")
    client: Client = TestClient(TestServer(app))
    await client.start_server()
    try:
        headers = {"Authorization": "Bearer prefixed-token/acme"}
        body = {"invoice": {"buyer_name": "B", "positions": []}}
        invoice = await _json(client, "POST", "/invoices.json", 201, json=body, headers=headers)
        account = await _json(client, "GET", "/account.json", headers=headers)
        await _remind(client, invoice_id=invoice["id"], date="2026-06-01")
        report = await _json(
            client, "GET", f"{REPORT}?date_from=2026-06-01&date_to=2026-06-01", headers=headers
        )
        assert [(e["user_name"], e["user_id"]) for e in report] == [(account["name"], None)]
        assert account["name"] == "acme"
    finally:
        await client.close()


async def test_the_report_is_an_authenticated_json_only_call(http: Client) -> None:
    query = "date_from=2026-03-01&date_to=2026-03-02"
    unauthorized = await http.get(f"{REPORT}?{query}")
    assert unauthorized.status == 401
    assert (await unauthorized.json())["code"] == "error"
    assert await _json(http, "GET", f"{REPORT}?{query}&api_token={TOKEN}") == []
    xml = await http.get(f"/reports/reminders_report.xml?{query}", headers=AUTH)
    assert xml.status == 404
    assert await xml.json() == {"code": "error", "message": "Not Found"}
    wrong_method = await http.post(f"{REPORT}?{query}", headers=AUTH)
    assert wrong_method.status == 405


# --- reminders_info -----------------------------------------------------------------------------


async def test_reminders_info_is_added_only_when_asked(http: Client) -> None:
    invoice = await _invoice(http)
    other = await _invoice(http)
    url = f"/invoices/{invoice['id']}.json"
    assert "reminders_info" not in await _json(http, "GET", url, headers=AUTH)
    info = "?additional_fields[invoice]=reminders_info"
    none = await _json(http, "GET", f"{url}{info}", headers=AUTH)
    assert none["reminders_info"] == {
        "count": 0,
        "last_reminder_date": None,
        "last_reminder_type": None,
        "reminders": [],
    }
    await _remind(http, invoice_id=invoice["id"], kind="sms", date="2026-03-09")
    await _remind(http, invoice_id=invoice["id"], date="2026-03-02")
    await _remind(http, invoice_id=other["id"], kind="letter", date="2026-03-20")
    await _remind(http, invoice_id=invoice["id"], kind="letter", date="2026-03-05")
    expected = {
        "count": 3,
        "last_reminder_date": "2026-03-09",
        "last_reminder_type": "sms",
        "reminders": [
            {"date": "2026-03-02", "type": "email"},
            {"date": "2026-03-05", "type": "letter"},
            {"date": "2026-03-09", "type": "sms"},
        ],
    }
    shown = await _json(http, "GET", f"{url}{info}", headers=AUTH)
    assert shown["reminders_info"] == expected
    assert shown["id"] == invoice["id"] and shown["number"] == invoice["number"]
    assert "reminders_info" not in await _json(http, "GET", url, headers=AUTH)
    with_others = await _json(
        http,
        "GET",
        f"{url}?additional_fields[invoice]=cancel_reason, reminders_info&fields[invoice]=id",
        headers=AUTH,
    )
    assert with_others == {"id": invoice["id"], "cancel_reason": None, "reminders_info": expected}
    raw = await http.get(f"/invoices/{invoice['id']}.xml{info}", headers=AUTH)
    assert raw.status == 200 and raw.content_type == "application/xml"
    assert XmlCodec().decode(await raw.read())["reminders_info"] == expected
    empty = await http.get(f"/invoices/{other['id']}.xml{info}&fields[invoice]=id", headers=AUTH)
    assert XmlCodec().decode(await empty.read()) == {
        "id": other["id"],
        "reminders_info": {
            "count": 1,
            "last_reminder_date": "2026-03-20",
            "last_reminder_type": "letter",
            "reminders": [{"date": "2026-03-20", "type": "letter"}],
        },
    }


async def test_reset_forgets_the_reminders(http: Client, store: Store) -> None:
    invoice = await _invoice(http)
    await _remind(http, invoice_id=invoice["id"], date="2026-03-01")
    assert store.counts()["reminders"] == 1
    after = await _json(http, "POST", "/__sandbox__/reset")
    assert after["reminders"] == 0 and after["invoices"] == 0
    assert await _json(http, "GET", "/__sandbox__/records/reminders") == []
    again = await _invoice(http)
    assert again["id"] == invoice["id"]  # ids restart: a stale reminder would attach to it
    assert await _report(http, "date_from=2026-03-01&date_to=2026-03-01") == []
    info = await _json(
        http,
        "GET",
        f"/invoices/{again['id']}.json?additional_fields[invoice]=reminders_info",
        headers=AUTH,
    )
    assert info["reminders_info"]["count"] == 0
    renewed = await _remind(http, invoice_id=again["id"], date="2026-03-01")
    assert renewed["id"] == 1


# --- robustness ---------------------------------------------------------------------------------

_VALUES = (
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(
        ["", "1", "2", "-1", "email", "sms", "2026-03-01", "2026-03-07", "2026-02-30"]
    )
)
_BODIES = st.dictionaries(st.sampled_from(["invoice_id", "kind", "date", "x"]), _VALUES, max_size=4)
_QUERIES = st.lists(
    st.tuples(
        st.sampled_from(["date_from", "date_to", "kind", "department_id", "api_token"]),
        _VALUES.map(lambda value: "" if value is None else str(value)),
    ),
    max_size=5,
)


def test_random_reminders_and_report_queries_never_crash(caplog: pytest.LogCaptureFixture) -> None:
    with fuzzed(caplog, token=TOKEN) as (loop, client):
        loop.run_until_complete(_invoice(client))

        async def send(method: str, path: str, body: bytes | None) -> tuple[int, str, bytes]:
            response = await client.request(method, path, data=body, headers=AUTH)
            return response.status, response.content_type, await response.read()

        @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(body=_BODIES | st.binary(max_size=16), query=_QUERIES)
        def check(body: dict[str, Any] | bytes, query: list[tuple[str, str]]) -> None:
            raw = body if isinstance(body, bytes) else json.dumps(body).encode()
            search = "&".join(f"{quote(k)}={quote(v)}" for k, v in query)
            for method, path, data in (
                ("POST", "/__sandbox__/reminders", raw),
                ("GET", f"{REPORT}?{search}", None),
            ):
                status, content_type, answer = loop.run_until_complete(send(method, path, data))
                assert status in (200, 201, 400, 401, 404, 422), (path, raw, answer[:200])
                assert content_type == "application/json", (path, answer[:200])
                if status >= 400:
                    assert json.loads(answer)["code"] == "error"

        check()
