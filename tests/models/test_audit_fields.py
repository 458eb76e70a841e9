"""The documented fields the spec audit found missing (findings 5, 6, 7 and 15).

Drafts name the commonly used request fields of spec 6.1 and 6.8 and send them, typed, in
JSON and XML; the read models name only the answer fields whose wire value needs reading as a
date, a date and time, a flag, an id or a tax rate (the rarely used text stays in ``extra``);
the documented value sets are open enums, so an unknown value stays a plain string.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Final
from xml.etree import ElementTree

import pytest

from invoceanio import InvoiceOcean
from invoceanio.http import Request
from invoceanio.models import (
    AccountingKind,
    Client,
    ClientDraft,
    ExchangeKind,
    Invoice,
    InvoiceDraft,
    InvoiceKind,
    InvoiceParty,
    Lang,
    NpTaxKind,
    OpenStrEnum,
    PaymentType,
    Position,
    PositionDraft,
    PositionKind,
    TaxNoKind,
    structure,
    to_wire,
)
from invoceanio.transport import MockTransport
from tests.resources.mock_api import answer

PLUS_ONE: Final = timezone(timedelta(hours=1))


async def _sent(call: Callable[[InvoiceOcean], Awaitable[Any]], fmt: str) -> Request:
    transport = MockTransport(answer)
    async with InvoiceOcean(prefix="acme", api_token="tok", format=fmt, transport=transport) as io:
        await call(io)
    (request,) = transport.requests
    return request


def _invoice_draft() -> InvoiceDraft:
    return InvoiceDraft(
        kind=InvoiceKind.VAT,
        seller_name="Wystawca Sp. z o.o.",
        seller_tax_no="5252445767",
        seller_street="ul. Prosta 51",
        seller_post_code="00-838",
        seller_city="Warszawa",
        seller_country="PL",
        seller_email="biuro@wystawca.test",
        seller_bank_account="PL61 1090 1014 0000 0712 1981 2874",
        seller_bdo_no="000012345",
        buyer_name="Klient ABC",
        buyer_phone="+48 12 000 00 00",
        buyer_mobile_phone="+48 600 000 000",
        buyer_note="NIP w nocie",
        buyer_person="",
        buyer_override=True,
        recipient_id=12,
        warehouse_id=3,
        exchange_currency="EUR",
        exchange_kind=ExchangeKind.OWN,
        exchange_currency_rate=Decimal("4.2500"),
        reverse_charge=False,
        use_oss=True,
        description_footer="Stopka",
        description_long="Opis",
        additional_info=True,
        additional_info_desc="PKWiU",
        accounting_kind=AccountingKind.FUEL0,
        delivery_date=date(2026, 11, 20),
        exclude_from_stock_level=True,
        price_list_id=9,
        use_prices_from_price_lists=True,
        invoice_template_id=4,
        procedure_designations=["SW", "MPP"],
        lang=Lang.EN_GB,
        np_tax_kind=NpTaxKind.EXPORT_SERVICE,
        buyer_tax_no_kind=TaxNoKind.NIP_UE,
        positions=[PositionDraft(name="Rabat", kind=PositionKind.SUBTOTAL)],
    )


#: What the draft above sends in JSON: money as text, dates ISO, flags and ids as they are.
INVOICE_JSON: Final = {
    "kind": "vat",
    "seller_name": "Wystawca Sp. z o.o.",
    "seller_tax_no": "5252445767",
    "seller_street": "ul. Prosta 51",
    "seller_post_code": "00-838",
    "seller_city": "Warszawa",
    "seller_country": "PL",
    "seller_email": "biuro@wystawca.test",
    "seller_bank_account": "PL61 1090 1014 0000 0712 1981 2874",
    "seller_bdo_no": "000012345",
    "buyer_name": "Klient ABC",
    "buyer_phone": "+48 12 000 00 00",
    "buyer_mobile_phone": "+48 600 000 000",
    "buyer_note": "NIP w nocie",
    "buyer_person": "",
    "buyer_override": True,
    "recipient_id": 12,
    "warehouse_id": 3,
    "exchange_currency": "EUR",
    "exchange_kind": "own",
    "exchange_currency_rate": "4.2500",
    "reverse_charge": False,
    "use_oss": True,
    "description_footer": "Stopka",
    "description_long": "Opis",
    "additional_info": True,
    "additional_info_desc": "PKWiU",
    "accounting_kind": "fuel0",
    "delivery_date": "2026-11-20",
    "exclude_from_stock_level": True,
    "price_list_id": 9,
    "use_prices_from_price_lists": True,
    "invoice_template_id": 4,
    "procedure_designations": ["SW", "MPP"],
    "lang": "en-GB",
    "np_tax_kind": "export_service",
    "buyer_tax_no_kind": "nip_ue",
    "positions": [{"name": "Rabat", "kind": "subtotal"}],
}


def _client_draft() -> ClientDraft:
    return ClientDraft(
        name="Klient ABC",
        tax_no_kind=TaxNoKind.OTHER,
        register_number="012345678",
        mobile_phone="+48 600 000 000",
        www="https://klient.test",
        fax="+48 12 000 00 01",
        person="Anna Klient",
        bank="Bank Testowy",
        price_list_id=9,
        default_payment_type=PaymentType.CARD,
        default_tax=Decimal("23"),
        use_delivery_address=True,
        delivery_address="ul. Magazynowa 2, 30-002 Kraków",
        accounting_id="K-17",
        disable_auto_reminders=False,
        mass_payment_code="MPP-1",
    )


CLIENT_JSON: Final = {
    "name": "Klient ABC",
    "tax_no_kind": "other",
    "register_number": "012345678",
    "mobile_phone": "+48 600 000 000",
    "www": "https://klient.test",
    "fax": "+48 12 000 00 01",
    "person": "Anna Klient",
    "bank": "Bank Testowy",
    "price_list_id": 9,
    "default_payment_type": "card",
    "default_tax": "23",
    "use_delivery_address": True,
    "delivery_address": "ul. Magazynowa 2, 30-002 Kraków",
    "accounting_id": "K-17",
    "disable_auto_reminders": False,
    "mass_payment_code": "MPP-1",
}


# --- drafts (finding 5) --------------------------------------------------------------------


def test_the_drafts_write_the_new_fields_as_plain_wire_values() -> None:
    invoice = to_wire(_invoice_draft())
    assert invoice == INVOICE_JSON
    # Enum members go out as their plain text, not as the member.
    assert type(invoice["exchange_kind"]) is str and type(invoice["lang"]) is str
    assert to_wire(_client_draft()) == CLIENT_JSON


async def test_invoices_create_sends_the_new_fields_in_json() -> None:
    sent = await _sent(lambda io: io.invoices.create(_invoice_draft()), "json")
    assert sent.url.endswith("/invoices.json")
    assert sent.body is not None
    assert json.loads(sent.body) == {"invoice": INVOICE_JSON}


async def test_invoices_create_sends_the_new_fields_in_xml() -> None:
    sent = await _sent(lambda io: io.invoices.create(_invoice_draft()), "xml")
    assert sent.url.endswith("/invoices.xml")
    assert sent.headers["Content-Type"] == "application/xml"
    assert sent.body is not None
    document = ElementTree.fromstring(sent.body)
    assert document.tag == "invoice"
    assert document.findtext("seller_street") == "ul. Prosta 51"
    assert document.findtext("seller_bdo_no") == "000012345"
    assert document.findtext("buyer_mobile_phone") == "+48 600 000 000"
    assert document.findtext("exchange_kind") == "own"
    assert document.findtext("exchange_currency_rate") == "4.2500"
    assert document.findtext("delivery_date") == "2026-11-20"
    assert document.findtext("accounting_kind") == "fuel0"
    assert document.findtext("lang") == "en-GB"
    for flag in ("buyer_override", "use_oss", "additional_info", "exclude_from_stock_level"):
        element = document.find(flag)
        assert element is not None and element.get("type") == "boolean", flag
        assert element.text == "true", flag
    reverse_charge = document.find("reverse_charge")
    assert reverse_charge is not None and reverse_charge.text == "false"
    for name, value in (("recipient_id", "12"), ("warehouse_id", "3"), ("price_list_id", "9")):
        element = document.find(name)
        assert element is not None and element.get("type") == "integer", name
        assert element.text == value, name
    template = document.find("invoice_template_id")
    assert template is not None and template.text == "4"
    designations = document.find("procedure_designations")
    assert designations is not None and designations.get("type") == "array"
    assert [item.text for item in designations] == ["SW", "MPP"]
    assert document.findtext("positions/position/kind") == "subtotal"
    # buyer_person "" (no recipient signature) is sent, not dropped.
    assert document.find("buyer_person") is not None


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_clients_create_sends_the_new_fields(fmt: str) -> None:
    sent = await _sent(lambda io: io.clients.create(_client_draft()), fmt)
    assert sent.body is not None
    if fmt == "json":
        assert json.loads(sent.body) == {"client": CLIENT_JSON}
        return
    document = ElementTree.fromstring(sent.body)
    assert document.tag == "client"
    for name in ("register_number", "mobile_phone", "www", "fax", "person", "bank"):
        assert document.findtext(name) == CLIENT_JSON[name], name
    for name in ("delivery_address", "accounting_id", "mass_payment_code", "tax_no_kind"):
        assert document.findtext(name) == CLIENT_JSON[name], name
    assert document.findtext("default_payment_type") == "card"
    assert document.findtext("default_tax") == "23"
    price_list = document.find("price_list_id")
    assert price_list is not None and price_list.get("type") == "integer"
    assert price_list.text == "9"
    for name, text in (("use_delivery_address", "true"), ("disable_auto_reminders", "false")):
        element = document.find(name)
        assert element is not None and element.get("type") == "boolean", name
        assert element.text == text, name


# --- read models (finding 6) ----------------------------------------------------------------

#: How the API sends these fields (spec 6.2; flags may come as "0"/"1", ids as text).
INVOICE_WIRE: Final = {
    "id": 1,
    "delivery_date": "2026-11-20",
    "exchange_date": "2026-11-19",
    "print_time": "2026-11-22T10:15:00.000+01:00",
    "additional_info": "1",
    "use_oss": False,
    "use_moss": "0",
    "exclude_from_stock_level": True,
    "use_delivery_address": "false",
    "invoice_template_id": "4",
    "warehouse_document_id": 88,
    "cancel_reason": "Duplikat",
    # Rarely used text: kept as sent, in extra.
    "seller_www": "https://wystawca.test",
    "seller_fax": "",
    "seller_bdo_no": "000012345",
    "buyer_mobile_phone": None,
    "additional_info_desc": "PKWiU",
    "accounting_kind": "fuel0",
    "exchange_note": "kurs NBP",
    "delivery_address": "",
    "recipient_name": "Odbiorca",
    "gov_kind": "vat",
}
IN_EXTRA: Final = {
    "seller_www",
    "seller_fax",
    "seller_bdo_no",
    "buyer_mobile_phone",
    "additional_info_desc",
    "accounting_kind",
    "exchange_note",
    "delivery_address",
    "recipient_name",
    "gov_kind",
}


def test_the_invoice_types_the_answer_fields_that_need_it() -> None:
    invoice = structure(INVOICE_WIRE, Invoice)
    assert invoice.delivery_date == date(2026, 11, 20)
    assert invoice.exchange_date == date(2026, 11, 19)
    assert invoice.print_time == datetime(2026, 11, 22, 10, 15, tzinfo=PLUS_ONE)
    assert invoice.additional_info is True
    assert invoice.use_oss is False
    assert invoice.use_moss is False
    assert invoice.exclude_from_stock_level is True
    assert invoice.use_delivery_address is False
    assert invoice.invoice_template_id == 4
    assert type(invoice.invoice_template_id) is int
    assert invoice.warehouse_document_id == 88
    assert invoice.cancel_reason == "Duplikat"
    assert set(invoice.extra) == IN_EXTRA
    assert invoice.extra["accounting_kind"] == "fuel0"
    # And back: the typed fields go out as the API spells them, extra as it came.
    wire = to_wire(invoice)
    assert wire["delivery_date"] == "2026-11-20"
    assert wire["print_time"] == "2026-11-22T10:15:00+01:00"
    assert wire["additional_info"] is True
    assert wire["invoice_template_id"] == 4
    assert {key: wire[key] for key in IN_EXTRA} == {key: INVOICE_WIRE[key] for key in IN_EXTRA}
    assert structure(wire, Invoice) == invoice


def test_blank_dates_and_ids_of_the_new_fields_read_as_none() -> None:
    invoice = structure(
        {"delivery_date": "", "exchange_date": None, "print_time": "", "invoice_template_id": ""},
        Invoice,
    )
    assert invoice.delivery_date is None and invoice.exchange_date is None
    assert invoice.print_time is None and invoice.invoice_template_id is None
    assert invoice.extra == {}


def test_the_client_types_the_answer_fields_that_need_it() -> None:
    client = structure(
        {
            "id": 5,
            "bank_account_id": "17",
            "use_mass_payment": "1",
            "default_tax": "23",
            "street_no": "5a",
            "mass_payment_code": "MPP-1",
        },
        Client,
    )
    assert client.bank_account_id == 17
    assert client.use_mass_payment is True
    assert client.default_tax == Decimal("23")
    assert structure({"default_tax": "zw"}, Client).default_tax == "zw"
    assert client.extra == {"street_no": "5a", "mass_payment_code": "MPP-1"}


# --- enums (findings 7 and 15) ----------------------------------------------------------------


@pytest.mark.parametrize("value", ["maintenance_request", "payment_receipt"])
def test_the_french_invoice_kinds_are_known(value: str) -> None:
    member = InvoiceKind(value)
    assert structure({"kind": value}, Invoice).kind is member
    assert to_wire(InvoiceDraft(kind=member)) == {"kind": value}


@pytest.mark.parametrize(
    ("enum_type", "values"),
    [
        (Lang, ["pl", "en", "en-GB", "cz", "cn", "fa", "hr2", "is", "uk"]),
        (ExchangeKind, ["ecb", "nbp", "cbr", "nbu", "nbg", "own", "nbt"]),
        (TaxNoKind, ["nip_ue", "other", "empty", "nip_with_id"]),
        (NpTaxKind, ["export_service", "export_service_eu", "not_specified"]),
        (AccountingKind, ["purchases", "fuel0", "fuel_expl75", "fixed_assets50"]),
        (PositionKind, ["correction", "correction_before", "correction_after", "subtotal"]),
    ],
)
def test_the_documented_value_sets_are_open_enums(
    enum_type: type[OpenStrEnum], values: list[str]
) -> None:
    for value in values:
        assert enum_type.parse(value) is enum_type(value)
    unknown = enum_type.parse("not-documented")
    assert type(unknown) is str and unknown == "not-documented"


def test_the_fields_read_their_enums_and_keep_unknown_values_as_text() -> None:
    invoice = structure(
        {
            "lang": "pl",
            "exchange_kind": "nbp",
            "seller_tax_no_kind": "",  # a Polish NIP: no member, stays ""
            "buyer_tax_no_kind": "nip_ue",
            "np_tax_kind": "export_service_eu",
            "positions": [{"kind": "correction"}, {"kind": ""}, {"kind": None}],
            "recipients": [{"tax_no_kind": "other"}],
        },
        Invoice,
    )
    assert invoice.lang is Lang.PL
    assert invoice.exchange_kind is ExchangeKind.NBP
    assert type(invoice.seller_tax_no_kind) is str and invoice.seller_tax_no_kind == ""
    assert invoice.buyer_tax_no_kind is TaxNoKind.NIP_UE
    assert invoice.np_tax_kind is NpTaxKind.EXPORT_SERVICE_EU
    assert [position.kind for position in invoice.positions] == [PositionKind.CORRECTION, "", None]
    assert invoice.recipients == (InvoiceParty(tax_no_kind=TaxNoKind.OTHER),)
    bilingual = structure({"lang": "pl/en"}, Invoice).lang
    assert type(bilingual) is str and bilingual == "pl/en"
    correction = structure(
        {"kind": "correction", "correction_before_attributes": {"kind": "correction_before"}},
        Position,
    )
    assert correction.correction_before_attributes is not None
    assert correction.correction_before_attributes.kind is PositionKind.CORRECTION_BEFORE
    assert structure({"tax_no_kind": "PESEL"}, Client).tax_no_kind == "PESEL"
    assert structure({"tax_no_kind": "empty"}, Client).tax_no_kind is TaxNoKind.EMPTY
    wire = to_wire(invoice)
    assert wire["lang"] == "pl" and type(wire["lang"]) is str
    assert type(wire["positions"][0]["kind"]) is str


def test_parse_keeps_its_answers_for_values_that_are_no_text() -> None:
    # Not what the wire sends, but what the converter hands on after structure_str.
    assert Lang.parse(Lang.PL) is Lang.PL
    assert InvoiceKind.parse(12) == "12"
