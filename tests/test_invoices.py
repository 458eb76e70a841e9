"""``io.invoices`` at the SDK level: every public method sends exactly the request the API expects
(method, path with its format suffix, query pairs, root key and body, headers), in both formats
where the call has an XML form, and turns the answer into the right values. Auth placement is
checked for every mode on the request the transport really receives (the authorized one)."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from invoceanio import ConfigurationError, ConnectionLostError, InvoiceOcean
from invoceanio.codecs.xml import XmlCodec
from invoceanio.http import Request, Response
from invoceanio.models import (
    Invoice,
    InvoiceDraft,
    InvoiceKind,
    InvoiceStatus,
    Position,
    PositionDraft,
    YearMonth,
)
from tests.support import (
    Recorder,
    body_json,
    ids,
    invoice_payload,
    json_response,
    make_client,
    query,
    raw_response,
)

BASE = "https://acme.invoiceocean.com"
XML = XmlCodec()
FORMATS = ["json", "xml"]


def answer(fmt: str, data: Any, *, root: str, status: int = 200) -> Response:
    """``data`` as the server would send it in ``fmt`` (XML wraps it in its root element)."""
    if fmt == "json":
        return json_response(status, data)
    return raw_response(status, XML.encode({root: data}), "application/xml; charset=utf-8")


def sent_body(fmt: str, request: Request) -> Any:
    """The request body decoded in its format (XML: the content of the root element)."""
    assert request.body is not None
    if fmt == "json":
        assert request.headers["Content-Type"] == "application/json"
        return body_json(request)
    assert request.headers["Content-Type"] == "application/xml"
    return XML.decode(request.body)


def only(recorder: Recorder) -> Request:
    assert len(recorder.requests) == 1, recorder.requests
    return recorder.requests[0]


def pdf_response(body: bytes = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n") -> Response:
    return raw_response(200, body, "application/pdf")


# --- list ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
async def test_list_sends_get_with_page_params_and_returns_models(fmt: str) -> None:
    rec = Recorder(answer(fmt, [invoice_payload(id=1), invoice_payload(id=2)], root="invoices"))
    async with make_client(rec, format=fmt) as io:
        invoices = await io.invoices.list()
    request = only(rec)
    assert request.method == "GET"
    assert request.url == f"{BASE}/invoices.{fmt}"
    assert request.params == (("page", "1"), ("per_page", "25"))
    assert request.body is None
    assert request.headers["Accept"] == f"application/{fmt}"
    assert ids(invoices) == [1, 2]
    first = invoices[0]
    assert isinstance(first, Invoice)
    assert first.number == "FV 1/11/2026"
    assert first.kind == InvoiceKind.VAT
    assert first.status == InvoiceStatus.ISSUED
    assert first.price_gross == Decimal("123.0")
    assert first.issue_date == date(2026, 11, 22)
    assert first.paid_date is None
    assert first.positions[0] == Position(
        id=1,
        name="Produkt X1",
        quantity=Decimal("1.0"),
        tax=Decimal("23"),
        price_net=Decimal("100.0"),
        total_price_gross=Decimal("123.0"),
    )


async def test_list_sends_every_filter_in_the_api_spelling() -> None:
    rec = Recorder(json_response(200, []))
    async with make_client(rec) as io:
        result = await io.invoices.list(
            page=3,
            per_page=100,
            period="all",
            client_id=7,
            oid="ORD-1",
            number="FV 1/2026",
            kind="vat",
            kinds=["vat", "proforma"],
            income=True,
            include_positions=True,
            invoice_id=11,
            from_invoice_id=12,
            order="number.desc",
            search_date_type="paid_date",
        )
    assert result == []
    assert query(only(rec)) == {
        "page": ["3"],
        "per_page": ["100"],
        "period": ["all"],
        "client_id": ["7"],
        "oid": ["ORD-1"],
        "number": ["FV 1/2026"],
        "kind": ["vat"],
        "kinds[]": ["vat", "proforma"],
        "income": ["1"],
        "include_positions": ["true"],
        "invoice_id": ["11"],
        "from_invoice_id": ["12"],
        "order": ["number.desc"],
        "search_date_type": ["paid_date"],
    }


# The documented spellings: [FR] income=1 for sales, [PL] income=no for expenses.
@pytest.mark.parametrize(("income", "wire"), [(True, "1"), (False, "no")])
async def test_list_income_flag_is_one_or_no(income: bool, wire: str) -> None:
    rec = Recorder(json_response(200, []))
    async with make_client(rec) as io:
        await io.invoices.list(income=income)
    assert query(only(rec))["income"] == [wire]


async def test_list_single_kinds_string_becomes_one_repeated_key() -> None:
    rec = Recorder(json_response(200, []))
    async with make_client(rec) as io:
        await io.invoices.list(kinds="receipt")
    params = only(rec).params
    assert ("kinds[]", "receipt") in params
    assert all(key != "kinds" for key, _ in params)


@pytest.mark.parametrize("kinds", [[], ()])
async def test_list_empty_kinds_is_refused_not_every_kind(kinds: object) -> None:
    # Sent as no parameter at all, it listed every kind, as invoice_ids=[] would have.
    rec = Recorder(json_response(200, []))
    async with make_client(rec) as io:
        with pytest.raises(ConfigurationError, match="kinds takes at least one"):
            await io.invoices.list(kinds=kinds)
    assert rec.requests == []


async def test_list_date_filters_send_iso_dates_and_period_more() -> None:
    rec = Recorder(json_response(200, []))
    async with make_client(rec) as io:
        await io.invoices.list(date_from=date(2026, 1, 1), date_to=date(2026, 1, 31))
    q = query(only(rec))
    assert q["period"] == ["more"]
    assert q["date_from"] == ["2026-01-01"]
    assert q["date_to"] == ["2026-01-31"]


async def test_list_date_from_alone_with_explicit_period_more_is_accepted() -> None:
    rec = Recorder(json_response(200, []))
    async with make_client(rec) as io:
        await io.invoices.list(period="more", date_from=date(2025, 12, 1))
    q = query(only(rec))
    assert q["period"] == ["more"]
    assert q["date_from"] == ["2025-12-01"]
    assert "date_to" not in q


async def test_list_date_from_with_another_period_is_refused_before_any_request() -> None:
    rec = Recorder(json_response(200, []))
    async with make_client(rec) as io:
        with pytest.raises(ConfigurationError, match="period"):
            await io.invoices.list(period="this_month", date_from=date(2026, 1, 1))
        with pytest.raises(ConfigurationError):
            async for _ in io.invoices.iterate(period="last_year", date_to=date(2026, 1, 1)):
                pass
    assert rec.requests == []


async def test_list_passes_unknown_keywords_through_and_drops_none() -> None:
    rec = Recorder(json_response(200, []))
    async with make_client(rec) as io:
        await io.invoices.list(accounting_status="exported", status=None)
    assert only(rec).params == (
        ("page", "1"),
        ("per_page", "25"),
        ("accounting_status", "exported"),
    )


@pytest.mark.parametrize(
    ("page", "per_page"),
    [(1, 101), (0, 25), (-1, 25), (1, 0), (True, 25), (1, True), (1, "10")],
)
async def test_list_out_of_range_paging_is_refused_before_any_request(
    page: Any, per_page: Any
) -> None:
    rec = Recorder(json_response(200, []))
    async with make_client(rec) as io:
        with pytest.raises(ConfigurationError):
            await io.invoices.list(page=page, per_page=per_page)
    assert rec.requests == []


async def test_iterate_refuses_per_page_over_100_before_any_request() -> None:
    rec = Recorder(json_response(200, []))
    async with make_client(rec) as io:
        with pytest.raises(ConfigurationError):
            async for _ in io.invoices.iterate(per_page=101):
                pass
    assert rec.requests == []


# --- iterate ------------------------------------------------------------------------------------


async def test_iterate_walks_pages_until_a_short_one() -> None:
    rec = Recorder(
        json_response(200, [invoice_payload(id=1), invoice_payload(id=2)]),
        json_response(200, [invoice_payload(id=3), invoice_payload(id=4)]),
        json_response(200, [invoice_payload(id=5)]),
    )
    async with make_client(rec) as io:
        seen = [invoice.id async for invoice in io.invoices.iterate(per_page=2, period="all")]
    assert seen == [1, 2, 3, 4, 5]
    assert [query(r)["page"] for r in rec.requests] == [["1"], ["2"], ["3"]]
    assert all(query(r)["per_page"] == ["2"] for r in rec.requests)
    assert all(query(r)["period"] == ["all"] for r in rec.requests)
    assert all(r.method == "GET" and r.url == f"{BASE}/invoices.json" for r in rec.requests)


async def test_iterate_ends_on_an_empty_page_after_a_full_one() -> None:
    rec = Recorder(
        json_response(200, [invoice_payload(id=1), invoice_payload(id=2)]),
        json_response(200, []),
    )
    async with make_client(rec) as io:
        seen = [invoice.id async for invoice in io.invoices.iterate(per_page=2)]
    assert seen == [1, 2]
    assert len(rec.requests) == 2


async def test_iterate_is_lazy_first_item_fetches_only_page_one() -> None:
    rec = Recorder(
        json_response(200, [invoice_payload(id=1), invoice_payload(id=2)]),
        json_response(200, [invoice_payload(id=3)]),
    )
    async with make_client(rec) as io:
        pages = io.invoices.iterate(per_page=2)
        assert rec.requests == []  # nothing is sent before the caller asks
        first = await anext(pages)
        await pages.aclose()
    assert first.id == 1
    assert len(rec.requests) == 1
    assert query(rec.requests[0])["page"] == ["1"]


async def test_iterate_empty_first_page_yields_nothing() -> None:
    rec = Recorder(json_response(200, []))
    async with make_client(rec) as io:
        seen = [invoice async for invoice in io.invoices.iterate()]
    assert seen == []
    assert query(only(rec)) == {"page": ["1"], "per_page": ["100"]}


# --- get / find_by_oid --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("given", [12, "12"])
async def test_get_fetches_one_invoice_by_id(fmt: str, given: int | str) -> None:
    rec = Recorder(answer(fmt, invoice_payload(id=12, buyer_name="Kowalski"), root="invoice"))
    async with make_client(rec, format=fmt) as io:
        invoice = await io.invoices.get(given)
    request = only(rec)
    assert request.method == "GET"
    assert request.url == f"{BASE}/invoices/12.{fmt}"
    assert request.params == ()
    assert request.body is None
    assert invoice.id == 12
    assert invoice.buyer_name == "Kowalski"
    assert invoice.price_net == Decimal("100.0")
    assert invoice.created_at == datetime(2026, 11, 22, 10, tzinfo=timezone(timedelta(hours=1)))


@pytest.mark.parametrize("bad", ["12/../x", -1, True, False, "", "1 2", "12.json", "1e3", "²"])
async def test_get_refuses_an_id_that_could_reshape_the_path(bad: Any) -> None:
    rec = Recorder(json_response(200, invoice_payload()))
    async with make_client(rec) as io:
        with pytest.raises(ConfigurationError):
            await io.invoices.get(bad)
        with pytest.raises(ConfigurationError):
            await io.invoices.delete(bad)
        with pytest.raises(ConfigurationError):
            await io.invoices.update(bad, {"buyer_name": "x"})
        with pytest.raises(ConfigurationError):
            await io.invoices.pdf(bad)
        with pytest.raises(ConfigurationError):
            await io.invoices.change_status(bad, "paid")
        with pytest.raises(ConfigurationError):
            await io.invoices.cancel(bad)
    assert rec.requests == []


@pytest.mark.parametrize("fmt", FORMATS)
async def test_find_by_oid_searches_every_period_and_returns_the_exact_match(fmt: str) -> None:
    near = invoice_payload(id=1, oid="ORD-10")
    exact = invoice_payload(id=2, oid="ORD-1")
    rec = Recorder(answer(fmt, [near, exact], root="invoices"))
    async with make_client(rec, format=fmt) as io:
        found = await io.invoices.find_by_oid("ORD-1")
    request = only(rec)
    assert request.method == "GET"
    assert request.url == f"{BASE}/invoices.{fmt}"
    assert query(request) == {
        "page": ["1"],
        "per_page": ["100"],
        "oid": ["ORD-1"],
        "period": ["all"],
    }
    assert found is not None
    assert found.id == 2
    assert found.oid == "ORD-1"


async def test_find_by_oid_returns_none_without_an_exact_match() -> None:
    rec = Recorder(
        json_response(200, [invoice_payload(id=1, oid="ORD-10")]),
        json_response(200, []),
    )
    async with make_client(rec) as io:
        assert await io.invoices.find_by_oid("ORD-1") is None
        assert await io.invoices.find_by_oid("ORD-1") is None
    assert len(rec.requests) == 2


@pytest.mark.parametrize("blank", ["", "   ", None])
async def test_find_by_oid_refuses_a_blank_oid_that_would_match_invoices_without_one(
    blank: Any,
) -> None:
    rec = Recorder(json_response(200, [invoice_payload(oid="")]))
    async with make_client(rec) as io:
        with pytest.raises(ConfigurationError, match="oid"):
            await io.invoices.find_by_oid(blank)
    assert rec.requests == []


async def test_find_by_oid_matches_a_numeric_oid_sent_back_as_a_number() -> None:
    rec = Recorder(json_response(200, [invoice_payload(id=3, oid=12345)]))
    async with make_client(rec) as io:
        found = await io.invoices.find_by_oid("12345")
    assert found is not None and found.id == 3
    assert query(only(rec))["oid"] == ["12345"]


# --- create / update / delete -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
async def test_create_from_a_dict_wraps_it_in_the_invoice_root(fmt: str) -> None:
    created = invoice_payload(id=55, buyer_name="Klient ABC")
    rec = Recorder(answer(fmt, created, root="invoice", status=201))
    async with make_client(rec, format=fmt) as io:
        invoice = await io.invoices.create(
            {
                "kind": "vat",
                "buyer_name": "Klient ABC",
                "issue_date": date(2026, 11, 22),
                "positions": [
                    {"name": "Produkt X1", "quantity": 1, "total_price_gross": Decimal("123.00")}
                ],
            }
        )
    request = only(rec)
    assert request.method == "POST"
    assert request.url == f"{BASE}/invoices.{fmt}"
    assert request.params == ()
    expected_position: dict[str, Any] = {
        "name": "Produkt X1",
        "quantity": 1,
        "total_price_gross": "123.00",
    }
    expected = {
        "kind": "vat",
        "buyer_name": "Klient ABC",
        "issue_date": "2026-11-22",
        "positions": [expected_position],
    }
    if fmt == "json":
        assert body_json(request) == {"invoice": expected}
    else:
        assert request.body is not None and b"<invoice>" in request.body
        assert sent_body(fmt, request) == expected
    assert invoice.id == 55
    assert invoice.buyer_name == "Klient ABC"


async def test_create_from_a_draft_sends_only_set_fields_money_as_strings_and_oid_unique() -> None:
    rec = Recorder(json_response(201, invoice_payload(id=77, oid="ORD-7")))
    draft = InvoiceDraft(
        kind=InvoiceKind.VAT,
        issue_date=date(2026, 11, 22),
        sell_date=YearMonth(2026, 11),
        payment_to=None,
        buyer_name="Klient ABC",
        buyer_company=True,
        income=False,
        oid="ORD-7",
        paid=Decimal("0.10"),
        positions=[
            PositionDraft(
                name="Usługa",
                quantity=Decimal("2"),
                price_net=Decimal("59.00"),
                tax=Decimal("23"),
            ),
            {
                "name": "Zwolniona",
                "quantity": 1,
                "total_price_gross": Decimal("10.23"),
                "tax": "zw",
            },
        ],
    )
    async with make_client(rec) as io:
        invoice = await io.invoices.create(draft)
    request = only(rec)
    assert (request.method, request.url) == ("POST", f"{BASE}/invoices.json")
    assert body_json(request) == {
        "invoice": {
            "kind": "vat",
            "issue_date": "2026-11-22",
            "sell_date": "2026-11",
            "payment_to": None,
            "buyer_name": "Klient ABC",
            "buyer_company": True,
            "income": False,
            "oid": "ORD-7",
            "oid_unique": "yes",
            "paid": "0.10",
            "positions": [
                {"name": "Usługa", "quantity": "2", "price_net": "59.00", "tax": "23"},
                {"name": "Zwolniona", "quantity": 1, "total_price_gross": "10.23", "tax": "zw"},
            ],
        }
    }
    assert invoice.id == 77
    assert invoice.oid == "ORD-7"


async def test_create_keeps_a_callers_oid_unique_and_omits_it_without_an_oid() -> None:
    rec = Recorder(json_response(201, invoice_payload()))
    async with make_client(rec) as io:
        await io.invoices.create({"oid": "A", "oid_unique": "no", "buyer_name": "x"})
        await io.invoices.create({"buyer_name": "x"})
        await io.invoices.create(InvoiceDraft(buyer_name="x", oid=""))
    first, second, third = (body_json(r)["invoice"] for r in rec.requests)
    assert first == {"oid": "A", "oid_unique": "no", "buyer_name": "x"}
    assert second == {"buyer_name": "x"}
    assert "oid_unique" not in third


async def test_create_with_an_oid_attaches_an_oid_reconciler_to_the_request() -> None:
    seen: list[Request] = []

    async def spy(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Any:
        seen.append(request)
        return await call_next(request)

    rec = Recorder(json_response(201, invoice_payload(oid="ORD-9")))
    async with make_client(rec, middleware=[spy]) as io:
        await io.invoices.create({"oid": "ORD-9"})
        await io.invoices.create({"buyer_name": "no oid"})
    with_oid, without_oid = seen
    assert with_oid.reconciler is not None
    lookup = with_oid.reconciler.lookup_request()
    assert (lookup.method, lookup.url) == ("GET", f"{BASE}/invoices.json")
    assert dict(lookup.params) == {"oid": "ORD-9", "period": "all", "per_page": "100"}
    assert without_oid.reconciler is None


@pytest.mark.parametrize("off", ["no", False, 0, "false", ""])
async def test_a_lost_create_whose_caller_allows_twin_oids_is_not_looked_up(off: Any) -> None:
    # The oid is on an older invoice already: a look-up would return that one as this call's.
    lost = ConnectionLostError("dropped", method="POST", url=f"{BASE}/invoices.json")
    older = json_response(200, [invoice_payload(id=1, oid="ORD-7", buyer_name="OLD")])
    rec = Recorder(lost, older)
    async with make_client(rec) as io:
        with pytest.raises(ConnectionLostError) as caught:
            await io.invoices.create({"oid": "ORD-7", "oid_unique": off, "buyer_name": "NEW"})
    assert caught.value.outcome_unknown
    assert [r.method for r in rec.requests] == ["POST"]  # neither looked up nor re-sent
    assert body_json(rec.requests[0])["invoice"]["oid_unique"] == off


@pytest.mark.parametrize("on", ["yes", True, 1, "1", "Yes"])
async def test_a_lost_create_with_unique_oids_in_any_spelling_is_looked_up(on: Any) -> None:
    lost = ConnectionLostError("dropped", method="POST", url=f"{BASE}/invoices.json")
    mine = json_response(200, [invoice_payload(id=9, oid="ORD-7")])
    rec = Recorder(lost, mine)
    async with make_client(rec) as io:
        invoice = await io.invoices.create({"oid": "ORD-7", "oid_unique": on})
    assert invoice.id == 9
    assert [r.method for r in rec.requests] == ["POST", "GET"]


async def test_an_oid_unique_that_is_not_a_flag_is_refused_before_sending() -> None:
    rec = Recorder(json_response(201, invoice_payload()))
    async with make_client(rec) as io:
        with pytest.raises(ConfigurationError, match="oid_unique must be a flag"):
            await io.invoices.create({"oid": "ORD-7", "oid_unique": "maybe"})
    assert rec.requests == []


async def test_create_refuses_something_that_is_not_an_invoice() -> None:
    rec = Recorder(json_response(201, invoice_payload()))
    async with make_client(rec) as io:
        with pytest.raises(ConfigurationError):
            await io.invoices.create(["not", "an", "invoice"])  # type: ignore[arg-type]
    assert rec.requests == []


@pytest.mark.parametrize("fmt", FORMATS)
async def test_update_puts_the_changes_under_the_invoice_root(fmt: str) -> None:
    rec = Recorder(answer(fmt, invoice_payload(id=5, buyer_name="Nowy"), root="invoice"))
    async with make_client(rec, format=fmt) as io:
        invoice = await io.invoices.update(
            "5", {"buyer_name": "Nowy", "paid": Decimal("12.50"), "payment_to": date(2026, 12, 1)}
        )
    request = only(rec)
    assert request.method == "PUT"
    assert request.url == f"{BASE}/invoices/5.{fmt}"
    assert request.params == ()
    changes = {"buyer_name": "Nowy", "paid": "12.50", "payment_to": "2026-12-01"}
    if fmt == "json":
        assert body_json(request) == {"invoice": changes}
    else:
        assert sent_body(fmt, request) == changes
    assert invoice.id == 5
    assert invoice.buyer_name == "Nowy"


async def test_update_with_a_draft_sends_only_the_set_fields() -> None:
    rec = Recorder(json_response(200, invoice_payload(id=5)))
    async with make_client(rec) as io:
        await io.invoices.update(
            5,
            InvoiceDraft(
                status=InvoiceStatus.PAID, positions=[PositionDraft(id=1, quantity=Decimal("3"))]
            ),
        )
    assert body_json(only(rec)) == {
        "invoice": {"status": "paid", "positions": [{"id": 1, "quantity": "3"}]}
    }


@pytest.mark.parametrize("fmt", FORMATS)
async def test_delete_sends_delete_without_a_body(fmt: str) -> None:
    rec = Recorder(raw_response(200, b"", None))
    async with make_client(rec, format=fmt) as io:
        result = await io.invoices.delete(9)
    request = only(rec)
    assert request.method == "DELETE"
    assert request.url == f"{BASE}/invoices/9.{fmt}"
    assert request.params == ()
    assert request.body is None
    assert result is None


# --- pdf ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
async def test_pdf_gets_the_pdf_path_with_print_option_and_returns_the_bytes(fmt: str) -> None:
    document = b"%PDF-1.7\n" + bytes(range(256))
    rec = Recorder(pdf_response(document))
    async with make_client(rec, format=fmt) as io:
        result = await io.invoices.pdf(1, print_option="copy")
    request = only(rec)
    assert request.method == "GET"
    assert request.url == f"{BASE}/invoices/1.pdf"
    assert request.params == (("print_option", "copy"),)
    assert request.headers["Accept"] == "application/pdf"
    assert result == document


async def test_pdf_without_print_option_sends_no_query() -> None:
    rec = Recorder(pdf_response())
    async with make_client(rec) as io:
        assert (await io.invoices.pdf("3")).startswith(b"%PDF")
    assert only(rec).params == ()
    assert only(rec).url == f"{BASE}/invoices/3.pdf"


@pytest.mark.parametrize("option", ["original", "copy", "original_and_copy", "duplicate"])
async def test_pdf_accepts_every_documented_print_option(option: str) -> None:
    rec = Recorder(pdf_response())
    async with make_client(rec) as io:
        await io.invoices.pdf(1, print_option=option)  # type: ignore[arg-type]
    assert only(rec).params == (("print_option", option),)


@pytest.mark.parametrize("option", ["COPY", "triplicate", "", "copy&api_token=x"])
async def test_pdf_refuses_an_unknown_print_option_before_any_request(option: str) -> None:
    rec = Recorder(pdf_response())
    async with make_client(rec) as io:
        with pytest.raises(ConfigurationError, match="print_option"):
            await io.invoices.pdf(1, print_option=option)  # type: ignore[arg-type]
    assert rec.requests == []


# --- send_by_email / change_status / cancel -----------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
async def test_send_by_email_posts_recipients_in_the_query(fmt: str) -> None:
    confirmation = {"status": "ok", "message": "Wysłano do a@x"}
    rec = Recorder(answer(fmt, confirmation, root="result"))
    async with make_client(rec, format=fmt) as io:
        result = await io.invoices.send_by_email(
            1, email_to=["a@x", "b@x"], email_cc="c@x", email_pdf=True
        )
    request = only(rec)
    assert request.method == "POST"
    assert request.url == f"{BASE}/invoices/1/send_by_email.{fmt}"
    assert request.params == (("email_to", "a@x,b@x"), ("email_cc", "c@x"), ("email_pdf", "true"))
    assert request.body is None
    assert result == confirmation


async def test_send_by_email_without_arguments_sends_no_query_and_returns_empty_on_no_body() -> (
    None
):
    rec = Recorder(raw_response(200, b"", None))
    async with make_client(rec) as io:
        assert await io.invoices.send_by_email(4) == {}
    assert only(rec).params == ()
    assert only(rec).url == f"{BASE}/invoices/4/send_by_email.json"


async def test_send_by_email_normalises_a_comma_separated_string() -> None:
    rec = Recorder(json_response(200, {"status": "ok"}))
    async with make_client(rec) as io:
        await io.invoices.send_by_email(1, email_to=" a@x , b@x ,", email_pdf=False)
    assert only(rec).params == (("email_to", "a@x,b@x"), ("email_pdf", "false"))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"email_to": [f"u{i}@x" for i in range(6)]},
        {"email_to": ",".join(f"u{i}@x" for i in range(6))},
        {"email_to": "a@x", "email_cc": [f"u{i}@x" for i in range(6)]},
        {"email_to": []},
        {"email_to": " , "},
    ],
)
async def test_send_by_email_refuses_more_than_five_or_no_recipients(kwargs: Any) -> None:
    rec = Recorder(json_response(200, {"status": "ok"}))
    async with make_client(rec) as io:
        with pytest.raises(ConfigurationError):
            await io.invoices.send_by_email(1, **kwargs)
    assert rec.requests == []


async def test_send_by_email_accepts_exactly_five_recipients() -> None:
    rec = Recorder(json_response(200, {"status": "ok"}))
    async with make_client(rec) as io:
        await io.invoices.send_by_email(1, email_to=[f"u{i}@x" for i in range(5)])
    assert query(only(rec))["email_to"] == ["u0@x,u1@x,u2@x,u3@x,u4@x"]


@pytest.mark.parametrize("fmt", FORMATS)
async def test_change_status_posts_the_status_in_the_query_always_as_json(fmt: str) -> None:
    rec = Recorder(json_response(200, {"status": "ok"}))
    async with make_client(rec, format=fmt) as io:
        result = await io.invoices.change_status(1, "paid")
    request = only(rec)
    assert request.method == "POST"
    assert request.url == f"{BASE}/invoices/1/change_status.json"
    assert request.params == (("status", "paid"),)
    assert request.body is None
    assert request.headers["Accept"] == "application/json"
    assert request.idempotent is True
    assert result is None


@pytest.mark.parametrize("status", ["", "   ", None, 3])
async def test_change_status_refuses_an_empty_status(status: Any) -> None:
    rec = Recorder(json_response(200, {"status": "ok"}))
    async with make_client(rec) as io:
        with pytest.raises(ConfigurationError):
            await io.invoices.change_status(1, status)
    assert rec.requests == []


@pytest.mark.parametrize("fmt", FORMATS)
async def test_cancel_posts_to_the_collection_cancel_path_without_a_root_key(fmt: str) -> None:
    rec = Recorder(json_response(200, {"code": "success", "message": "Anulowano"}))
    async with make_client(rec, format=fmt) as io:
        result = await io.invoices.cancel(1, reason="x")
    request = only(rec)
    assert request.method == "POST"
    assert request.url == f"{BASE}/invoices/cancel.json"
    assert request.params == ()
    assert request.headers["Content-Type"] == "application/json"
    assert body_json(request) == {"cancel_invoice_id": 1, "cancel_reason": "x"}
    assert result is None


async def test_cancel_without_a_reason_sends_only_the_id_as_an_integer() -> None:
    rec = Recorder(json_response(200, {"code": "success"}))
    async with make_client(rec) as io:
        await io.invoices.cancel("42")
    assert body_json(only(rec)) == {"cancel_invoice_id": 42}


# --- auth placement -----------------------------------------------------------------------------

TOKEN = "test-token"
AUTH_OPTIONS: dict[str, dict[str, Any]] = {
    "bearer": {"auth": "bearer"},
    "query": {"auth": "query"},
    "body": {"auth": "body"},
    "basic": {"auth": "basic", "login": "jan", "password": "s3cret"},
}
BASIC = "Basic " + base64.b64encode(b"jan:s3cret").decode()


def token_in_params(request: Request) -> bool:
    return ("api_token", TOKEN) in request.params


def token_in_body(request: Request) -> bool:
    return request.body is not None and b"api_token" in request.body


Call = Callable[[InvoiceOcean], Awaitable[Any]]
CALLS: dict[str, tuple[Call, Response]] = {
    "list": (lambda io: io.invoices.list(), json_response(200, [])),
    "get": (lambda io: io.invoices.get(1), json_response(200, invoice_payload())),
    "delete": (lambda io: io.invoices.delete(1), json_response(200, "ok")),
    "pdf": (lambda io: io.invoices.pdf(1), pdf_response()),
    "change_status": (
        lambda io: io.invoices.change_status(1, "paid"),
        json_response(200, {"status": "ok"}),
    ),
    "send_by_email": (
        lambda io: io.invoices.send_by_email(1, email_to="a@x"),
        json_response(200, {"status": "ok"}),
    ),
    "create": (
        lambda io: io.invoices.create({"buyer_name": "x"}),
        json_response(201, invoice_payload()),
    ),
    "update": (
        lambda io: io.invoices.update(1, {"buyer_name": "x"}),
        json_response(200, invoice_payload()),
    ),
    "cancel": (lambda io: io.invoices.cancel(1, reason="r"), json_response(200, {"code": "ok"})),
}
BODY_CALLS = {"create", "update", "cancel"}


async def authorized(mode: str, call: str) -> Request:
    run, response = CALLS[call]
    rec = Recorder(response)
    async with make_client(rec, **AUTH_OPTIONS[mode]) as io:
        await run(io)
    return only(rec)


@pytest.mark.parametrize("call", sorted(CALLS))
async def test_bearer_auth_is_only_an_authorization_header(call: str) -> None:
    request = await authorized("bearer", call)
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert all(key != "api_token" for key, _ in request.params)
    assert not token_in_body(request)
    assert TOKEN not in request.full_url


@pytest.mark.parametrize("call", sorted(CALLS))
async def test_query_auth_is_only_an_api_token_query_param(call: str) -> None:
    request = await authorized("query", call)
    assert "Authorization" not in request.headers
    assert token_in_params(request)
    assert [key for key, _ in request.params].count("api_token") == 1
    assert not token_in_body(request)


@pytest.mark.parametrize("call", sorted(CALLS))
async def test_body_auth_puts_the_token_beside_the_root_key_or_in_the_query(call: str) -> None:
    request = await authorized("body", call)
    assert "Authorization" not in request.headers
    if call in BODY_CALLS:
        document = body_json(request)
        assert document["api_token"] == TOKEN
        assert not token_in_params(request)
        if call == "cancel":
            assert document == {"api_token": TOKEN, "cancel_invoice_id": 1, "cancel_reason": "r"}
        else:
            assert document == {"api_token": TOKEN, "invoice": {"buyer_name": "x"}}
    else:
        assert request.body is None
        assert token_in_params(request)


async def test_body_auth_on_an_xml_client_carries_the_token_in_the_query() -> None:
    rec = Recorder(answer("xml", invoice_payload(), root="invoice", status=201))
    async with make_client(rec, auth="body", format="xml") as io:
        await io.invoices.create({"buyer_name": "x"})
    request = only(rec)
    assert token_in_params(request)
    assert not token_in_body(request)
    assert XML.decode(request.body or b"") == {"buyer_name": "x"}


@pytest.mark.parametrize("call", sorted(CALLS))
async def test_basic_auth_is_only_a_basic_header(call: str) -> None:
    request = await authorized("basic", call)
    assert request.headers["Authorization"] == BASIC
    assert all(key != "api_token" for key, _ in request.params)
    assert not token_in_body(request)


@pytest.mark.parametrize("mode", sorted(AUTH_OPTIONS))
async def test_requests_above_the_auth_layer_never_hold_the_credential(mode: str) -> None:
    seen: list[Request] = []

    async def spy(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Any:
        seen.append(request)
        return await call_next(request)

    rec = Recorder(json_response(201, invoice_payload()))
    async with make_client(rec, middleware=[spy], **AUTH_OPTIONS[mode]) as io:
        await io.invoices.create({"buyer_name": "x"})
    (above,) = seen
    (wire,) = rec.requests
    # The same request, before and after the auth layer: only the credential differs.
    assert (above.method, above.url) == (wire.method, wire.url)
    assert "Authorization" not in above.headers
    assert above.params == ()
    assert body_json(above) == {"invoice": {"buyer_name": "x"}}
    assert wire != above


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_a_value_the_format_cannot_carry_is_refused_before_any_request(fmt: str) -> None:
    """A write holding something no wire format can express is the caller's error, not a
    DecodeError, and nothing is sent."""

    def fail(request: Request) -> Response:
        raise AssertionError(f"no request expected, got {request!r}")

    async with make_client(fail, format=fmt) as io:
        with pytest.raises(ConfigurationError, match="cannot encode the request body"):
            await io.invoices.create({"buyer_name": "X", "positions": [{"name": object()}]})
        with pytest.raises(ConfigurationError, match="must be InvoiceDraft, Invoice or a dict"):
            await io.invoices.update(1, ["not", "a", "mapping"])  # type: ignore[arg-type]
