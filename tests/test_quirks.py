"""Every line of ``api-quirks.md`` (how the live API really behaves), proved end to end through
the client on MockTransport: the quirky answer goes in at the transport, and what comes out of
``io.invoices`` / ``io.clients`` is the value or the typed error the SDK promises.

Tests are named after the quirk and grouped under the heading of the document they come from.
"""

from __future__ import annotations

import email.utils
import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from invoceanio import (
    APIError,
    DecodeError,
    NotFoundError,
    PaginationError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    ValidationError,
)
from invoceanio.http import Response
from invoceanio.models import (
    InvoiceDraft,
    InvoiceKind,
    InvoiceStatus,
    YearMonth,
    tax_percent,
)
from tests.support import (
    Recorder,
    SleepRecorder,
    body_json,
    ids,
    invoice_payload,
    json_response,
    make_client,
    nan_reading_codecs,
    query,
    raw_response,
)

BASE = "https://acme.invoiceocean.com"
LOGIN_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Fakturownia - logowanie</title></head>"
    b'<body><form action="/login">Zaloguj si\xc4\x99</form></body></html>'
)


async def get_invoice(payload: dict[str, Any]) -> Any:
    rec = Recorder(json_response(200, payload))
    async with make_client(rec) as io:
        return await io.invoices.get(payload.get("id", 100))


# === Wire format ================================================================================


async def test_quirk_money_and_quantities_arrive_as_dot_decimal_strings() -> None:
    invoice = await get_invoice(
        invoice_payload(
            price_net="339.99",
            price_gross="418.19",
            price_tax="78.20",
            positions=[{"quantity": "89.0", "price_net": "0.0", "total_price_gross": "13.0"}],
        )
    )
    assert invoice.price_net == Decimal("339.99")
    assert isinstance(invoice.price_net, Decimal)
    assert invoice.price_tax == Decimal("78.20")
    position = invoice.positions[0]
    assert (position.quantity, position.price_net) == (Decimal("89.0"), Decimal("0.0"))
    assert all(
        isinstance(v, Decimal)
        for v in (position.quantity, position.price_net, position.total_price_gross)
    )


async def test_quirk_comma_decimals_from_the_docs_become_decimal() -> None:
    invoice = await get_invoice(
        invoice_payload(price_net="59,00", positions=[{"total_price_gross": "10,23"}])
    )
    assert invoice.price_net == Decimal("59.00")
    assert invoice.positions[0].total_price_gross == Decimal("10.23")


async def test_quirk_money_as_json_numbers_becomes_the_exact_decimal() -> None:
    invoice = await get_invoice(
        invoice_payload(
            price_net=0.1,
            price_gross=13726.8,
            price_tax=23,
            paid=0,
            positions=[{"quantity": 1.005, "price_net": 99999999999.99}],
        )
    )
    assert invoice.price_net == Decimal("0.1")  # not 0.1000000000000000055511151231257827
    assert str(invoice.price_net) == "0.1"
    assert invoice.price_gross == Decimal("13726.8")
    assert invoice.price_tax == Decimal(23)
    assert invoice.paid == Decimal(0)
    assert str(invoice.positions[0].quantity) == "1.005"
    assert invoice.positions[0].price_net == Decimal("99999999999.99")


async def test_quirk_requests_send_money_as_strings_never_floats() -> None:
    rec = Recorder(json_response(201, invoice_payload()))
    async with make_client(rec) as io:
        await io.invoices.create(
            {"paid": Decimal("0.10"), "positions": [{"total_price_gross": Decimal("10.23")}]}
        )
    sent = body_json(rec.requests[0])["invoice"]
    assert sent == {"paid": "0.10", "positions": [{"total_price_gross": "10.23"}]}


@pytest.mark.parametrize("code", ["zw", "np", "oo", "disabled"])
async def test_quirk_tax_may_be_a_code_instead_of_a_number(code: str) -> None:
    invoice = await get_invoice(invoice_payload(positions=[{"tax": code}, {"tax": "23"}]))
    coded, rated = invoice.positions
    assert coded.tax == code
    assert isinstance(coded.tax, str)
    assert tax_percent(coded.tax) == Decimal(0)
    assert rated.tax == Decimal("23")
    assert tax_percent(rated.tax) == Decimal("23")


async def test_quirk_blank_string_dates_read_as_none() -> None:
    invoice = await get_invoice(
        invoice_payload(paid_date="", payment_to="", transaction_date=" ", sell_date="")
    )
    assert invoice.paid_date is None
    assert invoice.payment_to is None
    assert invoice.transaction_date is None
    assert invoice.sell_date is None


async def test_quirk_sell_date_may_be_a_month_and_is_written_back_as_one() -> None:
    rec = Recorder(json_response(200, invoice_payload(id=5, sell_date="2026-11")))
    async with make_client(rec) as io:
        invoice = await io.invoices.get(5)
        assert invoice.sell_date == YearMonth(2026, 11)
        await io.invoices.update(5, invoice)
        await io.invoices.update(5, InvoiceDraft(sell_date=YearMonth(2027, 1)))
    assert body_json(rec.requests[1])["invoice"]["sell_date"] == "2026-11"
    assert body_json(rec.requests[2]) == {"invoice": {"sell_date": "2027-01"}}


async def test_quirk_paid_date_may_be_a_full_timestamp_on_a_date_field() -> None:
    invoice = await get_invoice(invoice_payload(paid_date="2026-11-23T14:05:09.000+01:00"))
    assert invoice.paid_date == date(2026, 11, 23)
    assert type(invoice.paid_date) is date


async def test_quirk_datetimes_carry_milliseconds_and_an_offset() -> None:
    invoice = await get_invoice(
        invoice_payload(
            created_at="2018-01-04T19:59:15.000+01:00", updated_at="2018-01-05T08:00:00.123Z"
        )
    )
    assert invoice.created_at == datetime(
        2018, 1, 4, 19, 59, 15, tzinfo=timezone(timedelta(hours=1))
    )
    assert invoice.created_at.utcoffset() == timedelta(hours=1)
    assert invoice.updated_at == datetime(2018, 1, 5, 8, 0, 0, 123000, tzinfo=UTC)


@pytest.mark.parametrize("falsy", ["0", "false", "no", "False", 0, False])
async def test_quirk_flag_strings_0_false_no_never_become_true(falsy: Any) -> None:
    invoice = await get_invoice(
        invoice_payload(income=falsy, buyer_company=falsy, show_discount=falsy)
    )
    assert invoice.income is False
    assert invoice.buyer_company is False
    assert invoice.show_discount is False


@pytest.mark.parametrize("truthy", ["1", "true", "yes", 1, True])
async def test_quirk_flag_strings_1_true_yes_are_true(truthy: Any) -> None:
    invoice = await get_invoice(invoice_payload(income=truthy, split_payment=truthy))
    assert invoice.income is True
    assert invoice.split_payment is True


async def test_quirk_ids_may_arrive_as_numeric_strings() -> None:
    invoice = await get_invoice(
        invoice_payload(id="123", client_id="7", department_id=" 8 ", positions=[{"id": "9"}])
    )
    assert invoice.id == 123
    assert invoice.client_id == 7
    assert invoice.department_id == 8
    assert invoice.positions[0].id == 9
    assert all(type(v) is int for v in (invoice.id, invoice.client_id, invoice.positions[0].id))


async def test_quirk_lists_are_bare_json_arrays_without_a_total() -> None:
    rec = Recorder(
        json_response(200, [invoice_payload(id=1), invoice_payload(id="2")]),
        json_response(200, {"invoices": [invoice_payload(id=1)], "total": 1}),
    )
    async with make_client(rec) as io:
        assert ids(await io.invoices.list()) == [1, 2]
        with pytest.raises(DecodeError, match="expected a list"):
            await io.invoices.list()


async def test_quirk_per_page_defaults_to_25_and_tops_out_at_100() -> None:
    rec = Recorder(json_response(200, []))
    async with make_client(rec) as io:
        await io.invoices.list()
        await io.invoices.list(per_page=100)
        with pytest.raises(ValueError, match="per_page"):
            await io.invoices.list(per_page=101)
    assert [query(r)["per_page"] for r in rec.requests] == [["25"], ["100"]]


async def test_quirk_the_end_of_a_list_is_a_short_or_empty_page() -> None:
    short = Recorder(json_response(200, [invoice_payload(id=1)]))
    empty = Recorder(json_response(200, [invoice_payload(id=1)]), json_response(200, []))
    async with make_client(short) as io:
        assert [i.id async for i in io.invoices.iterate(per_page=2)] == [1]
    async with make_client(empty) as io:
        assert [i.id async for i in io.invoices.iterate(per_page=1)] == [1]
    assert len(short.requests) == 1
    assert len(empty.requests) == 2


async def test_quirk_a_server_that_ignores_page_raises_pagination_error() -> None:
    page = json_response(200, [invoice_payload(id=1), invoice_payload(id=2)])

    def same_page_bounded(request: Any) -> Response:
        # Without the guard, the repeated records are dropped as seen and iterate() asks for
        # page after page: this ends that with a failure instead of a hang.
        assert len(rec.requests) < 10, "iterate() did not end"
        return page

    rec = Recorder(same_page_bounded)
    seen: list[int | None] = []
    async with make_client(rec) as io:
        with pytest.raises(PaginationError, match="repeats") as caught:
            async for invoice in io.invoices.iterate(per_page=2):
                seen.append(invoice.id)
    assert isinstance(caught.value, DecodeError)
    assert seen == [1, 2]
    assert [query(r)["page"] for r in rec.requests] == [["1"], ["2"]]


async def test_quirk_a_repeated_page_of_id_less_records_holding_a_nan_still_ends() -> None:
    # Records without ids were compared whole, and a NaN is not equal to itself: the repeated
    # page looked new every time, and iterate() never ended. (The SDK's codecs refuse NaN; a
    # codec plug-in may not, and an unnamed field keeps it in extra.)
    answer = raw_response(200, b'[{"name": "a", "score": NaN}, {"name": "b"}]', "application/json")
    rec = Recorder(answer)
    seen: list[str | None] = []
    async with make_client(rec, codecs=nan_reading_codecs()) as io:
        with pytest.raises(PaginationError, match="repeats"):
            async for client in io.clients.iterate(per_page=2):
                seen.append(client.name)
                assert len(seen) < 10, "iterate() did not end"
    assert seen == ["a", "b"]
    assert len(rec.requests) == 2


async def test_quirk_find_by_oid_sends_period_all_past_the_12_month_default() -> None:
    rec = Recorder(json_response(200, [invoice_payload(oid="ORD-1", issue_date="2019-01-01")]))
    async with make_client(rec) as io:
        found = await io.invoices.find_by_oid("ORD-1")
        await io.invoices.list()
    assert found is not None and found.oid == "ORD-1"
    assert query(rec.requests[0]) == {
        "page": ["1"],
        "per_page": ["100"],
        "oid": ["ORD-1"],
        "period": ["all"],
    }
    # A plain list leaves the server's default window alone: no period is invented.
    assert "period" not in query(rec.requests[1])


async def test_quirk_date_filters_send_period_more_or_they_would_be_ignored() -> None:
    rec = Recorder(json_response(200, []))
    async with make_client(rec) as io:
        await io.invoices.list(date_from=date(2020, 1, 1))
        await io.invoices.list(date_to=date(2020, 12, 31))
        async for _ in io.invoices.iterate(date_from=date(2020, 1, 1), date_to=date(2020, 2, 1)):
            pass
    assert [query(r)["period"] for r in rec.requests] == [["more"], ["more"], ["more"]]
    assert query(rec.requests[2])["date_to"] == ["2020-02-01"]


async def test_quirk_create_answers_201_and_some_fields_appear_only_on_refetch() -> None:
    created = invoice_payload(id=500)
    fetched = invoice_payload(id=500, payment_url="https://acme.invoiceocean.com/invoice/pay/t")
    rec = Recorder(json_response(201, created), json_response(200, fetched))
    async with make_client(rec) as io:
        invoice = await io.invoices.create(InvoiceDraft(buyer_name="Klient ABC"))
        again = await io.invoices.get(invoice.id or 0)
    assert invoice.id == 500
    assert invoice.payment_url is None
    assert again.payment_url == "https://acme.invoiceocean.com/invoice/pay/t"
    assert [r.method for r in rec.requests] == ["POST", "GET"]


@pytest.mark.parametrize(
    "response",
    [
        json_response(200, "ok"),
        raw_response(200, b"", "application/json"),
        raw_response(200, b"", None),
        raw_response(204, b"", None),
        json_response(200, {"code": "success", "message": "Faktura usunięta"}),
    ],
    ids=["json-string-ok", "empty-json", "empty-unlabelled", "204", "code-success"],
)
async def test_quirk_delete_bodies_vary_and_all_succeed(response: Response) -> None:
    rec = Recorder(response)
    async with make_client(rec) as io:
        assert await io.invoices.delete(1) is None
        assert await io.clients.delete(2) is None
    assert [(r.method, r.url) for r in rec.requests] == [
        ("DELETE", f"{BASE}/invoices/1.json"),
        ("DELETE", f"{BASE}/clients/2.json"),
    ]


# === Errors =====================================================================================


async def create_fails_with(response: Response) -> APIError:
    rec = Recorder(response)
    async with make_client(rec) as io:
        with pytest.raises(APIError) as caught:
            await io.invoices.create({"buyer_name": ""})
    assert len(rec.requests) == 1  # a 4xx is never retried
    return caught.value


async def test_quirk_422_field_errors_under_message() -> None:
    error = await create_fails_with(
        json_response(422, {"code": "error", "message": {"buyer_name": ["- nie może być puste"]}})
    )
    assert isinstance(error, ValidationError)
    assert error.status == 422
    assert error.field_errors == {"buyer_name": ["- nie może być puste"]}
    assert "buyer_name" in error.message and "nie może być puste" in error.message
    assert (error.method, error.url) == ("POST", "/invoices.json")


async def test_quirk_422_message_as_a_plain_string() -> None:
    text = "Nie można edytować dokumentu, ponieważ został przesłany do KSeF."
    error = await create_fails_with(json_response(422, {"code": "error", "message": text}))
    assert isinstance(error, ValidationError)
    assert error.message == text
    assert error.field_errors == {}


async def test_quirk_error_body_with_only_message() -> None:
    error = await create_fails_with(json_response(422, {"message": "Brak kont do odłączenia"}))
    assert isinstance(error, ValidationError)
    assert error.message == "Brak kont do odłączenia"


async def test_quirk_error_body_with_errors_object() -> None:
    error = await create_fails_with(
        json_response(422, {"errors": {"positions": ["is invalid"], "kind": "unknown"}})
    )
    assert isinstance(error, ValidationError)
    assert error.field_errors == {"positions": ["is invalid"], "kind": ["unknown"]}


async def test_quirk_error_body_with_error_string() -> None:
    error = await create_fails_with(json_response(422, {"error": "Invalid record"}))
    assert isinstance(error, ValidationError)
    assert error.message == "Invalid record"
    assert error.body == {"error": "Invalid record"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"code": "error"}, "the server reported an error without a message"),
        (
            {"status": "error", "message": "Faktura nie może zostać wysłana - brak numeru KSeF"},
            "Faktura nie może zostać wysłana - brak numeru KSeF",
        ),
        ({"code": "error", "message": "Nieznany status"}, "Nieznany status"),
    ],
)
@pytest.mark.parametrize("call", ["change_status", "send_by_email"])
async def test_quirk_200_with_an_error_body_raises(
    body: dict[str, Any], message: str, call: str
) -> None:
    rec = Recorder(json_response(200, body))
    async with make_client(rec) as io:
        with pytest.raises(APIError) as caught:
            if call == "change_status":
                await io.invoices.change_status(1, "paid")
            else:
                await io.invoices.send_by_email(1, email_to="a@x")
    error = caught.value
    assert type(error) is APIError
    assert error.status == 200
    assert error.message == message
    assert error.method == "POST"
    assert error.url.partition("?")[0] == f"/invoices/1/{call}.json"
    assert error.body == body
    assert len(rec.requests) == 1  # an answered request is not sent again


async def test_quirk_200_with_ok_status_body_is_success() -> None:
    rec = Recorder(json_response(200, {"status": "ok", "message": "Wysłano"}))
    async with make_client(rec) as io:
        result = await io.invoices.send_by_email(1)
    assert result == {"status": "ok", "message": "Wysłano"}


@pytest.mark.parametrize(
    "content_type", ["text/html; charset=utf-8", None, "application/json"], ids=str
)
@pytest.mark.parametrize("status", [200, 201])
async def test_quirk_2xx_html_login_page_where_json_was_expected(
    content_type: str | None, status: int
) -> None:
    rec = Recorder(raw_response(status, LOGIN_PAGE, content_type))
    async with make_client(rec) as io:
        with pytest.raises(DecodeError, match="HTML") as caught:
            await io.invoices.list()
        with pytest.raises(DecodeError, match="HTML"):
            await io.clients.create({"name": "x"})
    assert caught.value.status == status
    assert caught.value.method == "GET"
    assert caught.value.url.startswith("/invoices.json")


async def test_quirk_a_page_labelled_html_is_one_whatever_its_first_bytes() -> None:
    # "Check the Content-Type before decoding": the label alone says it, for a page that does
    # not open with <!DOCTYPE or <html (a comment, a byte-order mark, a blank line first).
    page = b"<!-- login -->\n<!DOCTYPE html><html><body>Zaloguj</body></html>"
    rec = Recorder(raw_response(200, page, "text/html; charset=utf-8"))
    async with make_client(rec) as io:
        with pytest.raises(DecodeError, match="HTML page"):
            await io.invoices.list()
        with pytest.raises(DecodeError, match="HTML page"):
            await io.invoices.get(1)
        with pytest.raises(DecodeError, match="HTML page"):
            await io.invoices.download_attachment(1, "gov")


@pytest.mark.parametrize(
    "call",
    [
        lambda io: io.invoices.fiscal_print([1, 2]),
        lambda io: io.invoices.change_status(1, "paid"),
        lambda io: io.invoices.delete(1),
    ],
    ids=["fiscal_print", "change_status", "delete"],
)
async def test_quirk_an_empty_2xx_labelled_html_is_an_answer_not_a_login_page(call: Any) -> None:
    # Rails' `head :ok` to a path without an extension (fiscal_print) is labelled text/html;
    # a printed receipt reported as "a login page" would be printed again.
    rec = Recorder(raw_response(200, b"", "text/html; charset=utf-8"))
    async with make_client(rec) as io:
        result = await call(io)
    assert result in (None, {})
    assert len(rec.requests) == 1


async def test_quirk_an_empty_html_answer_where_a_record_or_file_was_expected_is_refused() -> None:
    rec = Recorder(raw_response(200, b"", "text/html"))
    async with make_client(rec) as io:
        with pytest.raises(DecodeError):
            await io.invoices.get(1)
        with pytest.raises(DecodeError, match="PDF"):
            await io.invoices.pdf(1)
        with pytest.raises(DecodeError, match="HTML"):
            await io.invoices.download_attachment(1, "gov")


async def test_quirk_pdf_302_to_a_login_page_is_an_error_not_followed() -> None:
    rec = Recorder(
        raw_response(302, b"", "text/html", Location="https://acme.invoiceocean.com/login")
    )
    async with make_client(rec) as io:
        with pytest.raises(APIError) as caught:
            await io.invoices.pdf(1)
    error = caught.value
    assert error.status == 302
    assert "not followed" in error.message
    assert (error.method, error.url) == ("GET", "/invoices/1.pdf")
    assert [r.url for r in rec.requests] == [f"{BASE}/invoices/1.pdf"]


@pytest.mark.parametrize("content_type", ["text/html", "application/pdf", None])
async def test_quirk_pdf_200_html_login_page_is_a_decode_error(content_type: str | None) -> None:
    rec = Recorder(raw_response(200, LOGIN_PAGE, content_type))
    async with make_client(rec) as io:
        with pytest.raises(DecodeError, match="HTML"):
            await io.invoices.pdf(1)


@pytest.mark.parametrize("body", [b"", b"PK\x03\x04zip", b'{"error":"nope"}', b" %PDF-1.4"])
async def test_quirk_a_real_pdf_starts_with_percent_pdf(body: bytes) -> None:
    rec = Recorder(raw_response(200, body, "application/pdf"))
    async with make_client(rec) as io:
        with pytest.raises(DecodeError, match="PDF") as caught:
            await io.invoices.pdf(1)
    assert caught.value.content_type == "application/pdf"


# === Paths and auth =============================================================================


async def test_quirk_cancel_posts_to_invoices_cancel_without_a_root_key() -> None:
    rec = Recorder(json_response(200, {"code": "success", "message": "ok"}))
    async with make_client(rec) as io:
        await io.invoices.cancel(17, reason="Błędny nabywca")
    request = rec.requests[0]
    assert (request.method, request.url) == ("POST", f"{BASE}/invoices/cancel.json")
    assert body_json(request) == {"cancel_invoice_id": 17, "cancel_reason": "Błędny nabywca"}


async def test_quirk_token_may_carry_the_account_prefix() -> None:
    rec = Recorder(json_response(200, []))
    async with make_client(rec, prefix=None, api_token="XXXXXXXXXXXXXXXXXXXX/acme") as io:
        assert io.base_url == "https://acme.invoiceocean.com"
        await io.invoices.list()
    request = rec.requests[0]
    assert request.url == "https://acme.invoiceocean.com/invoices.json"
    assert request.headers["Authorization"] == "Bearer XXXXXXXXXXXXXXXXXXXX/acme"


async def test_quirk_explicit_prefix_wins_over_the_token_prefix() -> None:
    rec = Recorder(json_response(200, []))
    async with make_client(rec, prefix="other", api_token="XXXX/acme") as io:
        await io.invoices.list()
    assert rec.requests[0].url == "https://other.invoiceocean.com/invoices.json"


async def test_quirk_default_bearer_mode_keeps_the_token_out_of_every_url() -> None:
    token = "SEKRET-TOKEN-123/acme"
    rec = Recorder(
        json_response(200, [invoice_payload()]),
        json_response(201, invoice_payload()),
        json_response(200, "ok"),
        raw_response(200, b"%PDF-1.4", "application/pdf"),
    )
    async with make_client(rec, prefix=None, api_token=token) as io:
        await io.invoices.list(period="all")
        await io.invoices.create({"buyer_name": "x"})
        await io.invoices.delete(1)
        await io.invoices.pdf(1)
    assert len(rec.requests) == 4
    for request in rec.requests:
        assert "api_token" not in request.full_url
        assert token not in request.full_url
        assert request.body is None or b"api_token" not in request.body
        assert request.headers["Authorization"] == f"Bearer {token}"


async def test_quirk_429_and_503_are_throttling_honouring_retry_after() -> None:
    soon = datetime.now(UTC) + timedelta(seconds=30)
    rec = Recorder(
        json_response(429, {"error": "slow down"}, headers={"Retry-After": "3"}),
        json_response(503, None, headers={"Retry-After": email.utils.format_datetime(soon, True)}),
        json_response(200, [invoice_payload(id=1)]),
    )
    sleeper = SleepRecorder()
    async with make_client(rec, sleeper=sleeper) as io:
        assert ids(await io.invoices.list()) == [1]
    assert len(rec.requests) == 3
    assert sleeper.delays[0] == 3.0
    assert 20.0 < sleeper.delays[1] <= 30.0


async def test_quirk_throttling_that_does_not_end_surfaces_typed_errors() -> None:
    limited = Recorder(json_response(429, {"error": "slow down"}, headers={"Retry-After": "1"}))
    down = Recorder(raw_response(503, b"down for maintenance", "text/plain"))
    async with make_client(limited) as io:
        with pytest.raises(RateLimitError) as caught:
            await io.invoices.list()
    assert caught.value.retry_after == 1.0
    async with make_client(down) as io:
        with pytest.raises(ServerError, match="down for maintenance"):
            await io.invoices.list()


@pytest.mark.parametrize("adaptive", [True, False], ids=["throttle", "no-throttle"])
@pytest.mark.parametrize("status", [429, 503])
async def test_quirk_an_http_date_retry_after_not_waited_for_is_the_errors_hint(
    adaptive: bool, status: int
) -> None:
    # Without the adaptive throttle, the error's own reading of the header is all there is.
    soon = datetime.now(UTC) + timedelta(seconds=30)
    hint = {"Retry-After": email.utils.format_datetime(soon, True)}
    sleeper = SleepRecorder()
    policy = RetryPolicy(sleep=sleeper.sleep, clock=sleeper.clock, max_attempts=1)
    rec = Recorder(json_response(status, {"error": "slow down"}, headers=hint))
    async with make_client(rec, retry=policy, adaptive_concurrency=adaptive) as io:
        with pytest.raises((RateLimitError, ServerError)) as caught:
            await io.invoices.get(1)
    assert caught.value.retry_after is not None
    assert 20.0 < caught.value.retry_after <= 30.0


async def test_quirk_no_idempotency_key_oid_unique_and_lookup_by_oid() -> None:
    existing = invoice_payload(id=41, oid="ORD-41")
    rec = Recorder(
        json_response(422, {"code": "error", "message": {"oid": ["jest już zajęty"]}}),
        json_response(200, [invoice_payload(id=40, oid="ORD-410"), existing]),
    )
    async with make_client(rec) as io:
        invoice = await io.invoices.create(InvoiceDraft(buyer_name="x", oid="ORD-41"))
    create, lookup = rec.requests
    assert body_json(create) == {
        "invoice": {"buyer_name": "x", "oid": "ORD-41", "oid_unique": "yes"}
    }
    assert (lookup.method, lookup.url) == ("GET", f"{BASE}/invoices.json")
    assert query(lookup) == {"oid": ["ORD-41"], "period": ["all"], "per_page": ["100"]}
    assert invoice.id == 41  # the invoice the first send made, not a second one


# === Model promises that follow from the quirks =================================================


async def test_quirk_unknown_response_fields_are_kept_and_sent_back_on_update() -> None:
    payload = invoice_payload(
        id=5,
        gov_kseF_number="1234-ABC",
        future_parties=[{"name": "Odbiorca", "role": "Odbiorca"}],
        positions=[{"id": 1, "name": "X", "tax": "23", "gtu_code_new": "GTU_13"}],
    )
    rec = Recorder(json_response(200, payload))
    async with make_client(rec) as io:
        invoice = await io.invoices.get(5)
        assert invoice.extra == {
            "gov_kseF_number": "1234-ABC",
            "future_parties": [{"name": "Odbiorca", "role": "Odbiorca"}],
        }
        assert invoice.positions[0].extra == {"gtu_code_new": "GTU_13"}
        await io.invoices.update(5, invoice)
    sent = body_json(rec.requests[1])["invoice"]
    assert sent["gov_kseF_number"] == "1234-ABC"
    assert sent["future_parties"] == [{"name": "Odbiorca", "role": "Odbiorca"}]
    assert sent["positions"] == [{"id": 1, "name": "X", "tax": "23", "gtu_code_new": "GTU_13"}]
    assert sent["price_gross"] == "123.0"
    assert sent["issue_date"] == "2026-11-22"
    assert "paid_date" not in sent  # read as None (blank), so not sent back


async def test_quirk_unknown_kind_and_status_values_are_kept_as_strings() -> None:
    rec = Recorder(
        json_response(
            200,
            [
                invoice_payload(id=1, kind="vat_2030", status="sent_to_ksef"),
                invoice_payload(id=2, kind="proforma", status="paid"),
            ],
        )
    )
    async with make_client(rec) as io:
        unknown, known = await io.invoices.list()
    assert unknown.kind == "vat_2030"
    assert type(unknown.kind) is str
    assert unknown.status == "sent_to_ksef"
    assert type(unknown.status) is str
    assert known.kind is InvoiceKind.PROFORMA
    assert known.status is InvoiceStatus.PAID


# === Answers without a Content-Type =============================================================


async def test_an_unlabelled_answer_to_a_json_only_call_is_read_as_json_on_an_xml_client() -> None:
    # The call goes out as .json (the API offers it in JSON only), so its unlabelled answer is
    # JSON: it was read with the client's format, XML, and became a DecodeError.
    rec = Recorder(
        raw_response(200, json.dumps([{"id": 1, "name": "Główny"}]).encode(), None),
        raw_response(200, b"<invoice><id type='integer'>5</id></invoice>", None),
    )
    async with make_client(rec, format="xml") as io:
        departments = await io.departments.list()
        invoice = await io.invoices.get(5)  # a call with an XML form: its answer is XML
    assert [(d.id, d.name) for d in departments] == [(1, "Główny")]
    assert invoice.id == 5
    assert [r.headers["Accept"] for r in rec.requests] == ["application/json", "application/xml"]


async def test_an_unlabelled_error_to_a_json_download_is_read_by_its_suffix_on_an_xml_client() -> (
    None
):
    # attachments_zip asks for any type (it is a ZIP); its path's .json says what an error is.
    body = {"code": "error", "message": "no such invoice"}
    rec = Recorder(raw_response(404, json.dumps(body).encode(), None))
    async with make_client(rec, format="xml") as io:
        with pytest.raises(NotFoundError) as caught:
            await io.invoices.attachments_zip(5)
    assert caught.value.message == "no such invoice"


async def test_an_unlabelled_422_to_a_json_only_call_keeps_its_field_errors_on_an_xml_client() -> (
    None
):
    body = {"code": "error", "message": {"cancel_reason": ["is required"]}}
    rec = Recorder(raw_response(422, json.dumps(body).encode(), None))
    async with make_client(rec, format="xml") as io:
        with pytest.raises(ValidationError) as caught:
            await io.invoices.cancel(17)
    assert caught.value.field_errors == {"cancel_reason": ["is required"]}
