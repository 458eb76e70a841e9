"""The calls the spec-coverage audit found missing or mis-spelled (spec 4.1, 4.4, 5.1-5.3, 9.1):
what each sends on MockTransport, in JSON and in XML where the call has an XML form, and,
where the sandbox models the call, what the sandbox makes of it over the real client stack."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from typing import Any
from xml.etree import ElementTree

import pytest

from invoceanio import ConfigurationError, InvoiceOcean
from invoceanio.codecs.base import CodecError
from invoceanio.http import Request
from invoceanio.models import Invoice
from invoceanio.providers.invoiceocean import InvoiceOceanProvider
from invoceanio.sandbox import Sandbox
from invoceanio.transport import MockTransport
from tests.resources.mock_api import answer
from tests.support import sandbox_client

FLAGS = {
    "gov_save_and_send": True,
    "fill_default_descriptions": True,
    "identify_oss": True,
    "oss_force_tax": True,
}


async def _sent(call: Callable[[InvoiceOcean], Awaitable[Any]], **options: Any) -> list[Request]:
    transport = MockTransport(answer)
    options.setdefault("api_token", "tok")
    async with InvoiceOcean(prefix="acme", transport=transport, **options) as io:
        await call(io)
    return transport.requests


async def _refused(call: Callable[[InvoiceOcean], Awaitable[Any]], match: str) -> None:
    transport = MockTransport(answer)
    async with InvoiceOcean(prefix="acme", api_token="tok", transport=transport) as io:
        with pytest.raises(ConfigurationError, match=match):
            await call(io)
    assert transport.requests == []


def _json(request: Request) -> Any:
    assert request.body is not None and request.headers["Content-Type"] == "application/json"
    return json.loads(request.body)


def _xml_root(request: Request) -> ElementTree.Element:
    assert request.body is not None and request.headers["Content-Type"] == "application/xml"
    return ElementTree.fromstring(request.body)


# --- 1. invoices.create: the top-level flags -----------------------------------------------------


async def test_create_flags_sit_beside_the_invoice_root_key_in_json() -> None:
    (request,) = await _sent(lambda io: io.invoices.create({"buyer_name": "B"}, **FLAGS))
    assert request.url.endswith("/invoices.json") and request.params == ()
    # Spelled as documented: identify_oss "1" ([PL]), the others true.
    assert _json(request) == {
        "invoice": {"buyer_name": "B"},
        "gov_save_and_send": True,
        "fill_default_descriptions": True,
        "identify_oss": "1",
        "oss_force_tax": True,
    }


async def test_create_flags_beside_the_token_in_body_auth_and_next_to_oid_unique() -> None:
    (request,) = await _sent(
        lambda io: io.invoices.create({"buyer_name": "B", "oid": "O-1"}, gov_save_and_send=True),
        auth="body",
    )
    assert _json(request) == {
        "api_token": "tok",
        "invoice": {"buyer_name": "B", "oid": "O-1", "oid_unique": "yes"},
        "gov_save_and_send": True,
    }
    assert request.reconciler is not None  # the oid look-up still guards the create


async def test_create_flags_go_in_the_query_in_xml_which_has_one_root_element() -> None:
    (request,) = await _sent(
        lambda io: io.invoices.create({"buyer_name": "B"}, **FLAGS), format="xml"
    )
    assert request.url.endswith("/invoices.xml")
    root = _xml_root(request)
    assert root.tag == "invoice" and root.findtext("buyer_name") == "B"
    assert root.find("gov_save_and_send") is None
    # ?gov_save_and_send=1 is the documented query form; the others follow it.
    assert dict(request.params) == {
        "gov_save_and_send": "1",
        "fill_default_descriptions": "1",
        "identify_oss": "1",
        "oss_force_tax": "1",
    }


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_create_without_flags_or_with_flags_off_sends_only_the_invoice(fmt: str) -> None:
    plain, off = await _sent(
        lambda io: _both(
            io.invoices.create({"buyer_name": "B"}),
            io.invoices.create(
                {"buyer_name": "B"},
                gov_save_and_send=False,
                fill_default_descriptions="no",  # type: ignore[arg-type]
                identify_oss=0,  # type: ignore[arg-type]
            ),
        ),
        format=fmt,
    )
    for request in (plain, off):
        assert request.params == ()
        if fmt == "json":
            assert _json(request) == {"invoice": {"buyer_name": "B"}}
        else:
            assert [child.tag for child in _xml_root(request)] == ["buyer_name"]


async def _both(first: Awaitable[Any], second: Awaitable[Any]) -> None:
    await first
    await second


async def test_create_refuses_a_flag_that_is_no_flag() -> None:
    await _refused(
        lambda io: io.invoices.create({"buyer_name": "B"}, gov_save_and_send="maybe"),  # type: ignore[arg-type]
        "gov_save_and_send must be a flag",
    )


async def test_create_document_takes_top_level_members_in_wire_form() -> None:
    (request,) = await _sent(
        lambda io: io.invoices.create_document(
            {"buyer_name": "B"}, top_level={"gov_save_and_send": True}
        )
    )
    assert _json(request) == {"invoice": {"buyer_name": "B"}, "gov_save_and_send": True}


def test_the_provider_refuses_a_top_level_member_that_would_replace_the_object() -> None:
    provider = InvoiceOceanProvider()
    assert provider.wrap("invoice", {"a": 1}) == {"invoice": {"a": 1}}
    assert provider.wrap("invoice", {"a": 1}, {"f": True}) == {"invoice": {"a": 1}, "f": True}
    assert provider.wrap(None, {"a": 1}, {"f": True}) == {"a": 1, "f": True}
    with pytest.raises(CodecError, match="'invoice'"):
        provider.wrap("invoice", {"a": 1}, {"invoice": {}})
    with pytest.raises(CodecError, match="'a'"):
        provider.wrap(None, {"a": 1}, {"a": 2})


# --- 2. send_by_email ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_send_by_email_sends_update_buyer_email_print_option_and_force(fmt: str) -> None:
    (request,) = await _sent(
        lambda io: io.invoices.send_by_email(
            7, email_to="a@b.pl", update_buyer_email=True, print_option="copy", force=True
        ),
        format=fmt,
    )
    assert request.method == "POST" and request.url.endswith(f"/invoices/7/send_by_email.{fmt}")
    assert dict(request.params) == {
        "email_to": "a@b.pl",
        "update_buyer_email": "true",
        "print_option": "copy",
        "force": "true",
    }
    assert request.body is None


async def test_send_by_email_refuses_update_buyer_email_without_an_address() -> None:
    await _refused(
        lambda io: io.invoices.send_by_email(7, update_buyer_email=True), "needs email_to"
    )
    await _refused(
        lambda io: io.invoices.send_by_email(7, print_option="triplicate"),  # type: ignore[arg-type]
        "print_option must be one of",
    )
    await _refused(
        lambda io: io.invoices.send_by_email(7, force="sure"),  # type: ignore[arg-type]
        "force must be a flag",
    )


# --- 3. fiscal_print: the e-receipt form ---------------------------------------------------------


@pytest.mark.parametrize(("printer", "wire"), [(2, "2"), ("2", "2")])
@pytest.mark.parametrize("mode", ["e-receipt", "print"])
async def test_fiscal_print_e_receipt_form_sends_printer_id_id_and_mode(
    printer: int | str, wire: str, mode: str
) -> None:
    (request,) = await _sent(
        lambda io: io.invoices.fiscal_print(7, printer, mode=mode)  # type: ignore[arg-type]
    )
    assert request.url == "https://acme.invoiceocean.com/invoices/fiscal_print"
    assert request.params == (("fiskator_name", wire), ("id", "7"), ("mode", mode))


async def test_fiscal_print_without_mode_keeps_the_list_form() -> None:
    (request,) = await _sent(lambda io: io.invoices.fiscal_print([7, 8], printer=2))
    assert request.params == (
        ("invoice_ids[]", "7"),
        ("invoice_ids[]", "8"),
        ("fiskator_name", "2"),
    )


async def test_fiscal_print_refuses_an_unknown_mode_or_several_receipts_in_one() -> None:
    await _refused(
        lambda io: io.invoices.fiscal_print(7, mode="email"),  # type: ignore[arg-type]
        "mode must be one of",
    )
    await _refused(lambda io: io.invoices.fiscal_print([7, 8], mode="e-receipt"), "one receipt")
    await _refused(lambda io: io.invoices.fiscal_print(7, True), "printer")  # a bool: no id


# --- 4. invoices.get: include= and correction_positions=full -------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_get_sends_include_and_correction_positions(fmt: str) -> None:
    (request,) = await _sent(
        lambda io: io.invoices.get(
            7,
            fields=["id"],
            include=["descriptions", " positions.correction_before "],
            correction_positions="full",
        ),
        format=fmt,
    )
    assert request.url.endswith(f"/invoices/7.{fmt}")
    assert request.params == (
        ("fields[invoice]", "id"),
        ("include", "descriptions,positions.correction_before"),
        ("correction_positions", "full"),
    )


@pytest.mark.parametrize("bad", [["positions..x"], ["Positions"], ["a,b"], [], [None]])
async def test_get_refuses_an_include_that_is_no_association_name(bad: list[Any]) -> None:
    await _refused(lambda io: io.invoices.get(7, include=bad), "include")


async def test_get_refuses_a_correction_positions_other_than_full() -> None:
    await _refused(
        lambda io: io.invoices.get(7, correction_positions="half"),  # type: ignore[arg-type]
        "correction_positions",
    )


# --- 8. products: update by code -----------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_products_update_by_code_quotes_the_code_and_sends_find_by(fmt: str) -> None:
    (request,) = await _sent(
        lambda io: io.products.update("ABC 1/2?#ż", {"price_gross": "12.30"}, find_by="code"),
        format=fmt,
    )
    assert request.method == "PUT"
    # One path segment whatever the code holds; JSON, as every product write.
    assert request.url == "https://acme.invoiceocean.com/products/ABC%201%2F2%3F%23%C5%BC.json"
    assert request.params == ()
    assert _json(request) == {"product": {"price_gross": "12.30"}, "find_by": "code"}


async def test_products_update_by_code_in_body_auth_carries_the_token_too() -> None:
    (request,) = await _sent(
        lambda io: io.products.update("ABC-1", {"name": "N"}, find_by="code"), auth="body"
    )
    assert request.url.endswith("/products/ABC-1.json")
    assert _json(request) == {"api_token": "tok", "product": {"name": "N"}, "find_by": "code"}


async def test_products_update_by_id_is_unchanged_and_refuses_a_code() -> None:
    (request,) = await _sent(lambda io: io.products.update(7, {"name": "N"}))
    assert request.url.endswith("/products/7.json") and _json(request) == {"product": {"name": "N"}}
    await _refused(lambda io: io.products.update("ABC-1", {"name": "N"}), "positive integer")


@pytest.mark.parametrize(
    ("code", "match"),
    [("", "non-empty"), ("  ", "non-empty"), ("A.B", "dot"), ("..", "dot"), (None, "non-empty")],
)
async def test_products_update_by_code_refuses_codes_the_path_cannot_carry(
    code: Any, match: str
) -> None:
    await _refused(lambda io: io.products.update(code, {"name": "N"}, find_by="code"), match)


async def test_products_update_by_code_keeps_the_price_net_rule_and_knows_only_code() -> None:
    await _refused(
        lambda io: io.products.update("ABC-1", {"price_net": "10"}, find_by="code"), "price_net"
    )
    await _refused(
        lambda io: io.products.update("ABC-1", {"name": "N"}, find_by="ean"),  # type: ignore[arg-type]
        "find_by takes only 'code'",
    )


# --- 9. clients.get: additional_fields[client] ---------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_clients_get_sends_additional_fields(fmt: str) -> None:
    (request,) = await _sent(
        lambda io: io.clients.get(7, additional_fields=["bank_account", "swift"]), format=fmt
    )
    assert request.url.endswith(f"/clients/7.{fmt}")
    assert request.params == (("additional_fields[client]", "bank_account,swift"),)
    (plain,) = await _sent(lambda io: io.clients.get(7))
    assert plain.params == ()
    await _refused(lambda io: io.clients.get(7, additional_fields=["Bank"]), "field names")


# --- 10-12. invoices.list: invoice_ids as CSV, income in a documented spelling -------------------


@pytest.mark.parametrize(
    ("given", "wire"),
    # "1,2" is the docs' own spelling of the filter: taken as the two ids it names.
    [([1, "2"], "1,2"), ((5,), "5"), ("5", "5"), (9, "9"), ("1,2", "1,2"), (" 3 , 4", "3,4")],
)
async def test_list_sends_invoice_ids_as_one_csv_value(given: Any, wire: str) -> None:
    (request,) = await _sent(lambda io: io.invoices.list(invoice_ids=given))
    assert ("invoice_ids", wire) in request.params
    assert not any(key == "invoice_ids[]" for key, _ in request.params)


@pytest.mark.parametrize("bad", [[], ["a"], [1, None], "1,,2", "1,x", "1;2"])
async def test_list_refuses_invoice_ids_that_are_no_ids(bad: Any) -> None:
    await _refused(lambda io: io.invoices.list(invoice_ids=bad), "invoice_ids")


@pytest.mark.parametrize(("income", "wire"), [(True, "1"), ("yes", "1"), (False, "no"), (0, "no")])
async def test_list_income_is_spelled_as_documented(income: Any, wire: str) -> None:
    (request,) = await _sent(lambda io: io.invoices.list(income=income))
    assert dict(request.params)["income"] == wire


# --- 11. pdf: print_ean_codes --------------------------------------------------------------------


async def test_pdf_sends_print_ean_codes() -> None:
    (request,) = await _sent(lambda io: io.invoices.pdf(7, "copy", print_ean_codes=True))
    assert request.url.endswith("/invoices/7.pdf")
    assert request.params == (("print_option", "copy"), ("print_ean_codes", "true"))
    (plain,) = await _sent(lambda io: io.invoices.pdf(7))
    assert plain.params == ()
    await _refused(
        lambda io: io.invoices.pdf(7, print_ean_codes="x"),  # type: ignore[arg-type]
        "print_ean_codes must be a flag",
    )


# --- 13. warehouse_documents.list: dates only with period=more -----------------------------------


@pytest.mark.parametrize("period", ["all", "this_month", "last_12_months"])
async def test_warehouse_documents_refuse_dates_the_period_would_ignore(period: str) -> None:
    await _refused(
        lambda io: io.warehouse_documents.list(period=period, date_from=date(2026, 1, 1)),
        "period='more'",
    )


@pytest.mark.parametrize("period", [None, "more"])
async def test_warehouse_documents_send_period_more_with_dates(period: str | None) -> None:
    (request,) = await _sent(
        lambda io: io.warehouse_documents.list(
            period=period, date_from=date(2026, 1, 1), date_to="2026-01-31", kind="pz"
        )
    )
    assert request.params[2:] == (
        ("period", "more"),
        ("date_from", "2026-01-01"),
        ("date_to", "2026-01-31"),
        ("kind", "pz"),
    )


async def test_warehouse_documents_send_a_period_alone_as_given() -> None:
    (request,) = await _sent(lambda io: io.warehouse_documents.list(period="all"))
    assert request.params[2:] == (("period", "all"),)


# --- 14. correct(): the kinds of the two sides ---------------------------------------------------


async def test_correct_sets_the_kind_of_each_side_unless_given() -> None:
    before = {"name": "A", "quantity": "2", "total_price_gross": "20", "tax": "23"}
    after = {"name": "A", "quantity": "1", "kind": "own_kind"}
    position = {
        "name": "A",
        "quantity": -1,
        "correction_before_attributes": before,
        "correction_after_attributes": after,
    }
    (request,) = await _sent(lambda io: io.invoices.correct(7, [position], reason="r"))
    (sent,) = _json(request)["invoice"]["positions"]
    assert sent["kind"] == "correction"
    assert sent["correction_before_attributes"] == {**before, "kind": "correction_before"}
    assert sent["correction_after_attributes"] == after  # the caller's kind stays
    assert "kind" not in before  # the caller's dict is left as given


async def test_correct_adds_no_side_the_caller_left_out() -> None:
    (request,) = await _sent(
        lambda io: io.invoices.correct(7, [{"name": "A", "quantity": -1, "tax": 23}])
    )
    (sent,) = _json(request)["invoice"]["positions"]
    assert sent == {"name": "A", "quantity": -1, "tax": 23, "kind": "correction"}


# --- the sandbox ---------------------------------------------------------------------------------


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(token="audit-token") as running:
        yield running


@pytest.fixture(params=["json", "xml"])
async def io(sandbox: Sandbox, request: pytest.FixtureRequest) -> AsyncIterator[InvoiceOcean]:
    async with sandbox_client(sandbox, format=request.param) as client:
        yield client


async def _invoice(io: InvoiceOcean, **flags: Any) -> Invoice:
    document = {
        "kind": "vat",
        "seller_name": "Seller Sp. z o.o.",
        "seller_tax_no": "5252445767",
        "buyer_name": "Klient ABC",
        "buyer_tax_no": "1234563218",
        "buyer_email": "old@example.com",
        "positions": [{"name": "A", "tax": 23, "quantity": 1, "total_price_gross": "123.00"}],
    }
    return await io.invoices.create(document, **flags)


async def test_sandbox_create_with_gov_save_and_send_submits_to_ksef(io: InvoiceOcean) -> None:
    kept = await _invoice(io)
    assert kept.gov_status is None
    sent = await _invoice(io, gov_save_and_send=True, fill_default_descriptions=True)
    assert sent.gov_status == "processing"
    status = await io.invoices.get(sent.id, fields=["id", "gov_status", "gov_id"])
    assert status.gov_status == "ok" and status.gov_id


async def test_sandbox_prints_an_e_receipt_on_the_printer_named_by_id(
    io: InvoiceOcean, sandbox: Sandbox
) -> None:
    receipt = await _invoice(io)
    (printer,) = [p for p in await io.printers.list() if p.name == "E-PARAGON"]
    await io.invoices.fiscal_print(receipt.id, printer.id, mode="e-receipt")
    stored = sandbox.store.get("invoices", receipt.id)
    assert stored is not None and stored["fiscal_status"] == "e_receipt"
    (job,) = sandbox.store.records("fiscal_prints")
    assert job["printer_id"] == printer.id and job["invoice_ids"] == [receipt.id]


async def test_sandbox_lists_only_the_invoice_ids_asked_for(io: InvoiceOcean) -> None:
    first, _, third = [await _invoice(io) for _ in range(3)]
    listed = await io.invoices.list(invoice_ids=[first.id, third.id], period="all")
    assert sorted(invoice.id for invoice in listed) == sorted([first.id, third.id])
    assert [i.id for i in await io.invoices.list(income=True, period="all")] != []
    assert await io.invoices.list(income=False, period="all") == []


async def test_sandbox_send_by_email_updates_the_buyer_email(
    io: InvoiceOcean, sandbox: Sandbox
) -> None:
    invoice = await _invoice(io)
    await io.invoices.send_by_email(
        invoice.id, email_to="new@example.com", update_buyer_email=True, print_option="copy"
    )
    assert sandbox.store.outbox[-1]["to"] == ["new@example.com"]
    assert sandbox.store.outbox[-1]["print_option"] == "copy"
    assert (await io.invoices.get(invoice.id)).buyer_email == "new@example.com"
