"""What may be a query value (the bad-input audit): a scalar the API can read, in its spelling.

Anything else (a dict, bytes, an object, a nested list, None inside a list, a NaN or an
infinity) is refused with ConfigurationError, never sent as its Python repr; ``request()``, the
escape hatch, checks its params and body the same way, before anything is sent."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from invoceanio import ConfigurationError, InvoiceOcean, Secret
from invoceanio.core import query_params, query_value
from invoceanio.models.values import UNSET, Period, SearchDateType, YearMonth
from invoceanio.transport import MockTransport
from tests.resources.mock_api import answer


class Colour(enum.Enum):
    RED = "red"
    ONE = 1
    ODD = (1, 2)


@pytest.mark.parametrize(
    ("value", "wire"),
    [
        ("FV 1", "FV 1"),
        (7, "7"),
        (True, "true"),
        (False, "false"),
        (Decimal("12.50"), "12.50"),
        (1.5, "1.5"),
        (date(2026, 1, 2), "2026-01-02"),
        (datetime(2026, 1, 2, 3, 4), "2026-01-02T03:04:00"),
        (YearMonth(2026, 11), "2026-11"),
        (Colour.RED, "red"),
        (Colour.ONE, "1"),
        (Secret("tok"), "tok"),
    ],
)
def test_query_scalars_go_out_in_the_api_spelling(value: Any, wire: str) -> None:
    assert query_value(value) == wire


@pytest.mark.parametrize(
    "value",
    [
        None,
        {"a": 1},
        b"7",
        bytearray(b"7"),
        object(),
        [1],
        (1,),
        {1},
        range(3),
        float("nan"),
        float("inf"),
        float("-inf"),
        Decimal("NaN"),
        Decimal("sNaN"),
        Decimal("Infinity"),
        Decimal("-Infinity"),
        Colour.ODD,
        UNSET,
    ],
)
def test_anything_else_is_refused_naming_the_filter(value: Any) -> None:
    with pytest.raises(ConfigurationError, match="client_id"):
        query_value(value, "client_id")


def test_an_int_too_long_for_str_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="client_id"):
        query_value(10**5000, "client_id")


def test_lists_are_repeated_keys_of_scalars_and_none_is_left_out() -> None:
    assert query_params({"client_id": [1, "2"], "kinds[]": ("vat",), "number": None}) == [
        ("client_id[]", "1"),
        ("client_id[]", "2"),
        ("kinds[]", "vat"),
    ]
    for bad in ([[1, 2]], [1, None], [{"a": 1}], [float("nan")]):
        with pytest.raises(ConfigurationError, match="each of client_id"):
            query_params({"client_id": bad})


@pytest.mark.parametrize("key", ["", "  ", 5, None])
def test_a_parameter_needs_a_name(key: Any) -> None:
    with pytest.raises(ConfigurationError, match="parameter name"):
        query_params({key: 1})


async def _refused(**arguments: Any) -> None:
    transport = MockTransport(answer)
    async with InvoiceOcean(prefix="acme", api_token="tok", transport=transport) as io:
        with pytest.raises(ConfigurationError):
            await io.request(**arguments)
    assert transport.requests == []


@pytest.mark.parametrize(
    "arguments",
    [
        {"method": "GET", "path": "invoices", "params": {"a": float("nan")}},
        {"method": "GET", "path": "invoices", "params": {"a": Decimal("Infinity")}},
        {"method": "GET", "path": "invoices", "params": {"a": {"b": 1}}},
        {"method": "GET", "path": "invoices", "params": {1: "x"}},
        {"method": "GET", "path": "invoices", "params": [("a",)]},
        {"method": "GET", "path": "invoices", "params": [("a", 1, 2)]},
        {"method": "GET", "path": "invoices", "params": ["ab"]},
        {"method": "GET", "path": "invoices", "params": [(5, "x")]},
        {"method": "GET", "path": "invoices", "params": [("a", object())]},
        {"method": "GET", "path": "invoices", "params": 5},
        {"method": "GET", "path": "invoices", "params": "a=1"},
        {"method": "POST", "path": "invoices", "body": float("nan")},
        {"method": "POST", "path": "invoices", "body": {"price": float("inf")}},
        {"method": "POST", "path": "invoices", "body": [UNSET]},
    ],
)
async def test_request_checks_params_and_body_before_sending(arguments: dict[str, Any]) -> None:
    await _refused(**arguments)


async def test_request_pairs_may_repeat_a_key_and_expand_lists() -> None:
    transport = MockTransport(answer)
    async with InvoiceOcean(prefix="acme", api_token="tok", transport=transport) as io:
        await io.request(
            "GET", "invoices", params=[("a", 1), ("a", "x"), ("b", None), ("c", [1, 2])]
        )
        await io.request("GET", "invoices", params={"d": date(2026, 1, 1)}.items())
    first, second = transport.requests
    assert first.params == (("a", "1"), ("a", "x"), ("c[]", "1"), ("c[]", "2"))
    assert second.params == (("d", "2026-01-01"),)


@pytest.mark.parametrize(
    "call",
    [
        lambda io, day: io.invoices.list(date_from=day),
        lambda io, day: io.invoices.list(date_to=day, period="more"),
        lambda io, day: io.products.list(date_from=day),
        lambda io, day: io.payments.list(date_to=day),
        lambda io, day: io.warehouse_documents.list(date_from=day),
        lambda io, day: io.warehouse_actions.list(date_to=day),
    ],
    ids=["invoices", "invoices-period", "products", "payments", "documents", "actions"],
)
async def test_a_day_filter_takes_a_date_and_refuses_a_datetime(call: Any) -> None:
    """The API reads date_from/date_to as YYYY-MM-DD: a timestamp would be unread or read in
    the server's time zone, moving the window by a day. Refused before anything is sent."""
    transport = MockTransport(answer)
    async with InvoiceOcean(prefix="acme", api_token="tok-1234567", transport=transport) as io:
        with pytest.raises(ConfigurationError, match="takes a day: pass a date"):
            await call(io, datetime(2026, 1, 2, 23, 30))
        assert transport.requests == []
        await call(io, date(2026, 1, 2))
    (sent,) = transport.requests
    assert "2026-01-02" in dict(sent.params).values(), sent.params


def test_other_filters_still_take_a_datetime_as_a_timestamp() -> None:
    assert query_params({"updated_after": datetime(2026, 1, 2, 3, 4)}) == [
        ("updated_after", "2026-01-02T03:04:00")
    ]


def test_the_list_periods_and_date_types_are_the_documented_ones() -> None:
    # Spec 5.1, in its order.
    assert [period.value for period in Period] == [
        "last_12_months",
        "this_month",
        "last_30_days",
        "last_month",
        "this_year",
        "last_year",
        "all",
        "more",
    ]
    assert [kind.value for kind in SearchDateType] == [
        "issue_date",
        "paid_date",
        "transaction_date",
        "sell_date",
    ]


async def test_a_period_and_a_date_type_go_out_as_their_text() -> None:
    transport = MockTransport(answer)
    async with InvoiceOcean(prefix="acme", api_token="tok-1234567", transport=transport) as io:
        await io.invoices.list(period=Period.LAST_YEAR, search_date_type=SearchDateType.PAID_DATE)
        await io.invoices.list(
            date_from=date(2026, 1, 1), search_date_type=SearchDateType.TRANSACTION_DATE
        )
    first, second = (dict(request.params) for request in transport.requests)
    assert (first["period"], first["search_date_type"]) == ("last_year", "paid_date")
    assert (second["period"], second["search_date_type"]) == ("more", "transaction_date")
    assert all(type(value) is str for value in first.values())
