"""The endpoint catalogue is the code: ``docs/endpoints.md`` is what the marks render, every
marked call is exercised here and sends exactly the requests its marks declare, and every
endpoint of the API reference is reached by some SDK call (or listed as left out, with why).

Each entry of :data:`CALLS` runs one SDK call on MockTransport (answered by
:func:`tests.resources.mock_api.answer`) and the requests it sent are compared, in order, with
the marks of that method: the verb, and the path with ``{collection}`` filled in, every other
placeholder matching one path segment (``{path}``, the escape hatch's, any number), and the
suffix the mark names (``.json``/``.xml`` per the client's format for ``format`` marks on a
service with an XML form).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import pytest

from invoceanio import InvoiceOcean
from invoceanio.endpoints import EndpointRow, catalogue, render_markdown
from invoceanio.http import Request
from invoceanio.models import Invoice
from invoceanio.transport import MockTransport
from tests.resources.mock_api import FILE_URL, UPLOAD_URL, answer

DOC: Final = Path(__file__).resolve().parents[2] / "docs" / "endpoints.md"
ROWS: Final = catalogue(InvoiceOcean.SERVICES, InvoiceOcean)
PNG: Final = b"\x89PNG\r\n\x1a\n" + b"0" * 16

Call = Callable[[InvoiceOcean], Awaitable[Any]]


async def _drained(items: AsyncIterator[Any]) -> list[Any]:
    return [item async for item in items]


CALLS: Final[dict[str, Call]] = {
    "io.request": lambda io: io.request("GET", "invoices/7"),
    "io.invoices.list": lambda io: io.invoices.list(page=2, period="all"),
    "io.invoices.get": lambda io: io.invoices.get(7, fields=["id", "gov_status"]),
    "io.invoices.create": lambda io: io.invoices.create({"buyer_name": "B", "oid": "O-1"}),
    "io.invoices.update": lambda io: io.invoices.update(7, {"buyer_name": "C"}),
    "io.invoices.delete": lambda io: io.invoices.delete(7),
    "io.invoices.find_by_oid": lambda io: io.invoices.find_by_oid("O-1"),
    "io.invoices.create_many": lambda io: io.invoices.create_many([{"buyer_name": "B"}]),
    "io.invoices.pdf": lambda io: io.invoices.pdf(7, print_option="copy"),
    "io.invoices.send_by_email": lambda io: io.invoices.send_by_email(7, email_to="a@b.pl"),
    "io.invoices.change_status": lambda io: io.invoices.change_status(7, "paid"),
    "io.invoices.cancel": lambda io: io.invoices.cancel(7, reason="r"),
    "io.invoices.update_position": lambda io: io.invoices.update_position(7, 3, {"quantity": 2}),
    "io.invoices.delete_position": lambda io: io.invoices.delete_position(7, 3),
    "io.invoices.copy": lambda io: io.invoices.copy(7, kind="vat"),
    "io.invoices.create_advance": lambda io: io.invoices.create_advance(7, percent=30),
    "io.invoices.create_final": lambda io: io.invoices.create_final(7, [8, 9]),
    "io.invoices.correct": lambda io: io.invoices.correct(
        7, [{"name": "A", "quantity": -1, "total_price_gross": "-10", "tax": 23}], reason="r"
    ),
    "io.invoices.correct_totally": lambda io: io.invoices.correct_totally(7, reason="r"),
    "io.invoices.add_attachment": lambda io: io.invoices.add_attachment(7, "a.txt", b"attached"),
    "io.invoices.attachments_zip": lambda io: io.invoices.attachments_zip(7),
    "io.invoices.download_attachment": lambda io: io.invoices.download_attachment(7, "gov"),
    "io.invoices.send_to_ksef": lambda io: io.invoices.send_to_ksef(7),
    "io.invoices.fiscal_print": lambda io: io.invoices.fiscal_print([7, 8], printer="P1"),
    "io.clients.get_by_external_id": lambda io: io.clients.get_by_external_id("crm-1"),
    "io.clients.merge": lambda io: io.clients.merge(7, [8]),
    "io.clients.add_address": lambda io: io.clients.add_address(7, {"name": "Depot"}),
    "io.reports.reminders": lambda io: io.reports.reminders("2026-11-23", "2026-11-29"),
    "io.reports.iterate_reminders": lambda io: _drained(
        io.reports.iterate_reminders("2026-11-23", "2026-11-29")
    ),
    "io.products.get": lambda io: io.products.get(7, warehouse_id=2),
    "io.products.update": lambda io: io.products.update(7, {"price_gross": Decimal("12.30")}),
    "io.price_lists.prices_for_products": lambda io: io.price_lists.prices_for_products(7, [5]),
    "io.payments.get": lambda io: io.payments.get(7, include_invoices=True),
    "io.departments.upload_logo": lambda io: io.departments.upload_logo(7, "logo.png", PNG),
    "io.account.get": lambda io: io.account.get(integration_token="partner"),
    "io.account.create": lambda io: io.account.create(
        integration_token="partner", account={"prefix": "new"}
    ),
    "io.account.create_on_app_host": lambda io: io.account.create_on_app_host(
        integration_token="partner", account={"prefix": "new"}
    ),
    "io.account.delete": lambda io: io.account.delete(),
    "io.account.unlink": lambda io: io.account.unlink(["a", "b"]),
    "io.account.add_user": lambda io: io.account.add_user(
        integration_token="partner", email="u@x.pl", role="admin"
    ),
    "io.account.login": lambda io: io.account.login("u", "p"),
    "io.account.create_user": lambda io: io.account.create_user(
        integration_token="partner", email="u@x.pl", password="p"
    ),
}
# The CRUD calls every service shares get the same sample call.
_GENERIC: Final[dict[str, Call]] = {
    "list": lambda service: service.list(),
    "get": lambda service: service.get(7),
    "create": lambda service: service.create({"name": "N"}),
    "update": lambda service: service.update(7, {"name": "M"}),
    "delete": lambda service: service.delete(7),
}


def _call_for(sdk: str) -> Call | None:
    if sdk in CALLS:
        return CALLS[sdk]
    _, attribute, method = sdk.split(".")
    generic = _GENERIC.get(method)
    if generic is None:
        return None
    return lambda io: generic(getattr(io, attribute))


def _pattern(row: EndpointRow, fmt: str, service_xml: bool) -> re.Pattern[str]:
    mark = row.endpoint
    if mark.host == "upload":
        return re.compile(re.escape(UPLOAD_URL))
    if mark.host == "redirect":
        return re.compile(re.escape(FILE_URL.partition("?")[0]))
    path = mark.path.replace("{collection}", row.collection).lstrip("/")
    pieces = re.split(r"(\{[a-z_]+\})", path)
    body = "".join(
        (".+" if p == "{path}" else "[^/]+") if re.fullmatch(r"\{[a-z_]+\}", p) else re.escape(p)
        for p in pieces
    )
    suffix = {"format": fmt if service_xml else "json", "json": "json", "pdf": "pdf"}.get(
        mark.suffix
    )
    host = "https://app.invoiceocean.com" if mark.host == "app" else "https://acme.invoiceocean.com"
    return re.compile(re.escape(host) + "/" + body + (rf"\.{suffix}" if suffix else ""))


SDK_NAMES: Final = sorted({row.sdk for row in ROWS})


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("sdk", SDK_NAMES)
async def test_every_marked_call_sends_exactly_what_its_marks_declare(sdk: str, fmt: str) -> None:
    call = _call_for(sdk)
    assert call is not None, f"{sdk} has endpoint marks but no sample call in CALLS"
    transport = MockTransport(answer)
    async with InvoiceOcean(prefix="acme", api_token="tok", format=fmt, transport=transport) as io:
        await call(io)
    rows = [row for row in ROWS if row.sdk == sdk]
    service = InvoiceOcean.SERVICES.get(sdk.split(".")[1]) if sdk.count(".") == 2 else None
    service_xml = bool(getattr(service, "xml", True))
    sent: list[Request] = transport.requests
    assert len(sent) == len(rows), [r.url for r in sent]
    for request, row in zip(sent, rows, strict=True):
        if row.method != "ANY":
            assert request.method == row.method, (sdk, request.url)
        assert _pattern(row, fmt, service_xml).fullmatch(request.url), (sdk, request.url, row)
        if fmt == "xml" and row.method != "ANY" and row.endpoint.host in ("account", "app"):
            # The document says `.{json,xml}` exactly where format="xml" really sends `.xml`.
            sent_xml = urlsplit(request.url).path.endswith(".xml")
            assert row.path.endswith(".{json,xml}") == sent_xml, (sdk, request.url, row.path)


def test_json_only_services_render_json_not_the_format() -> None:
    """A service with ``xml = False`` sends `.json` whatever ``format`` says, and the document
    says so; one with an XML form keeps `.{json,xml}` on its ``format`` marks."""
    for row in ROWS:
        service = (
            InvoiceOcean.SERVICES.get(row.sdk.split(".")[1]) if row.sdk.count(".") == 2 else None
        )
        if service is None or row.endpoint.host != "account":
            continue
        service_xml = bool(getattr(service, "xml", True))
        assert row.xml is service_xml, row
        if not service_xml:
            assert ".{json,xml}" not in row.path, row
            if row.endpoint.suffix == "format":
                assert row.path.endswith(".json"), row
    recurrings = [row.path for row in ROWS if row.sdk == "io.recurrings.list"]
    assert recurrings == ["/recurrings.json"]
    assert [row.path for row in ROWS if row.sdk == "io.invoices.list"] == ["/invoices.{json,xml}"]


def test_docs_endpoints_md_is_what_the_code_renders() -> None:
    rendered = render_markdown(ROWS)
    assert DOC.read_text(encoding="utf-8") == rendered, (
        "docs/endpoints.md is stale: run `invoceanio endpoints > docs/endpoints.md`"
    )


async def test_services_table_names_exactly_the_services_the_client_has() -> None:
    async with InvoiceOcean(prefix="acme", api_token="tok", transport=MockTransport(answer)) as io:
        for name, cls in InvoiceOcean.SERVICES.items():
            assert type(getattr(io, name)) is cls
        services = {
            name for name, value in vars(io).items() if hasattr(value, "_core") and name != "_core"
        }
    assert services == set(InvoiceOcean.SERVICES)


async def test_upload_and_redirect_carry_no_token_in_any_auth_mode() -> None:
    """The upload target and the redirect target are not the API: no token goes there."""
    for auth in ("bearer", "query", "body"):
        transport = MockTransport(answer)
        async with InvoiceOcean(
            prefix="acme", api_token="tok", auth=auth, transport=transport
        ) as io:
            await io.invoices.add_attachment(7, "a.txt", b"attached")
            await io.invoices.download_attachment(7, "gov")
        outside = [r for r in transport.requests if not r.url.startswith("https://acme.")]
        assert [urlsplit(r.url).hostname for r in outside] == [
            "uploads.example.com",
            "files.example.com",
        ]
        for request in outside:
            assert "Authorization" not in request.headers
            assert all(key != "api_token" for key, _ in request.params)
            assert b"tok" not in (request.body or b"")


# --- the API reference: every endpoint is reached ---------------------------------------------

# (method, path) of api-spec.md section 4, with {id} for ids; the path as the SDK renders it.
SPEC_ENDPOINTS: Final = [
    ("GET", "/invoices"),
    ("GET", "/invoices/{id}"),
    ("GET", "/invoices/{id}.pdf"),
    ("POST", "/invoices"),
    ("PUT", "/invoices/{id}"),
    ("DELETE", "/invoices/{id}"),
    ("POST", "/invoices/{id}/send_by_email"),
    ("POST", "/invoices/{id}/change_status"),
    ("POST", "/invoices/cancel"),
    ("GET", "/invoices/{id}/attachments_zip"),
    ("GET", "/invoices/{id}/get_new_attachment_credentials"),
    ("POST", "/invoices/{id}/add_attachment"),
    ("GET", "/invoices/{id}/attachment"),
    ("GET", "/invoices/fiscal_print"),
    ("GET", "/printers"),
    ("GET", "/recurrings"),
    ("POST", "/recurrings"),
    ("PUT", "/recurrings/{id}"),
    ("DELETE", "/recurrings/{id}"),
    ("GET", "/recurrings/{id}"),
    ("GET", "/clients"),
    ("GET", "/clients/{id}"),
    ("POST", "/clients"),
    ("PUT", "/clients/{id}"),
    ("DELETE", "/clients/{id}"),
    ("POST", "/clients/{id}/merge"),
    ("POST", "/addresses"),
    ("GET", "/products"),
    ("GET", "/products/{id}"),
    ("POST", "/products"),
    ("PUT", "/products/{id}"),
    ("DELETE", "/products/{id}"),
    ("GET", "/price_lists"),
    ("GET", "/price_lists/{id}"),
    ("POST", "/price_lists"),
    ("PUT", "/price_lists/{id}"),
    ("DELETE", "/price_lists/{id}"),
    ("GET", "/price_lists/{id}/prices_for_products"),
    ("GET", "/warehouse_documents"),
    ("GET", "/warehouse_documents/{id}"),
    ("POST", "/warehouse_documents"),
    ("PUT", "/warehouse_documents/{id}"),
    ("DELETE", "/warehouse_documents/{id}"),
    ("GET", "/warehouses"),
    ("GET", "/warehouses/{id}"),
    ("POST", "/warehouses"),
    ("PUT", "/warehouses/{id}"),
    ("DELETE", "/warehouses/{id}"),
    ("GET", "/warehouse_actions"),
    ("GET", "/banking/payments"),
    ("GET", "/banking/payments/{id}"),
    ("POST", "/banking/payments"),
    ("PATCH", "/banking/payments/{id}"),
    ("DELETE", "/banking/payments/{id}"),
    ("GET", "/categories"),
    ("GET", "/categories/{id}"),
    ("POST", "/categories"),
    ("PUT", "/categories/{id}"),
    ("DELETE", "/categories/{id}"),
    ("GET", "/departments"),
    ("GET", "/departments/{id}"),
    ("POST", "/departments"),
    ("PUT", "/departments/{id}"),
    ("DELETE", "/departments/{id}"),
    ("GET", "/issuers"),
    ("GET", "/issuers/{id}"),
    ("POST", "/issuers"),
    ("PUT", "/issuers/{id}"),
    ("DELETE", "/issuers/{id}"),
    ("GET", "/bank_accounts"),
    ("GET", "/bank_accounts/{id}"),
    ("POST", "/bank_accounts"),
    ("PUT", "/bank_accounts/{id}"),
    ("DELETE", "/bank_accounts/{id}"),
    ("GET", "/webhooks"),
    ("GET", "/webhooks/{id}"),
    ("POST", "/webhooks"),
    ("PUT", "/webhooks/{id}"),
    ("DELETE", "/webhooks/{id}"),
    ("POST", "/login"),
    ("POST", "/account"),
    ("GET", "/account"),
    ("POST", "/account/delete"),
    ("PATCH", "/account/unlink"),
    ("POST", "/account/add_user"),
    ("POST", "/users"),
    ("GET", "/reports/reminders_report"),
]
# In the reference but deliberately not covered, and why.
LEFT_OUT: Final = {
    ("POST", "/clients/gus_data"): "the web app's own lookup, not an API (undocumented)",
    ("POST", "/payments"): "renamed to /banking/payments in 2019; the old path is gone",
}


def _normal(row: EndpointRow) -> tuple[str, str]:
    path = row.path.replace(".{json,xml}", "").replace(".json", "")
    path = re.sub(r"\{[a-z_]+\}", "{id}", path)
    return row.method, path


def test_every_endpoint_of_the_reference_is_reached_by_an_sdk_call() -> None:
    reached = {_normal(row) for row in ROWS}
    missing = [endpoint for endpoint in SPEC_ENDPOINTS if endpoint not in reached]
    assert missing == []
    assert not set(LEFT_OUT) & reached
    assert not set(LEFT_OUT) & set(SPEC_ENDPOINTS)


def test_public_links_need_no_request() -> None:
    io = InvoiceOcean(prefix="acme", api_token="tok", transport=MockTransport(answer))
    invoice = Invoice(id=1, token="AbC_12-x")
    assert io.invoices.public_url(invoice) == "https://acme.invoiceocean.com/invoice/AbC_12-x"
    assert io.invoices.public_pdf_url("AbC_12-x", inline=True) == (
        "https://acme.invoiceocean.com/invoice/AbC_12-x.pdf?inline=yes"
    )
