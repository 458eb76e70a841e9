"""The invoice fields added for KSeF (``gov_*``), parties, notes, settlements, bank accounts,
corrections and advances, and the drafts that write them."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from invoceanio.models import (
    BankAccount,
    BankAccountDraft,
    Client,
    ClientDraft,
    CorrectionPosition,
    CorrectionPositionDraft,
    ExemptTaxKind,
    GovStatus,
    Invoice,
    InvoiceDescription,
    InvoiceDescriptionDraft,
    InvoiceDraft,
    InvoiceKind,
    InvoiceParty,
    InvoicePartyDraft,
    IssuerRole,
    OpenStrEnum,
    PaymentType,
    Position,
    PositionDraft,
    Product,
    ProductDraft,
    RecipientRole,
    SettlementKind,
    SettlementPosition,
    SettlementPositionDraft,
    VatMarginProcedure,
    structure,
    to_wire,
)
from tests.support import invoice_payload

PLUS_ONE = timezone(timedelta(hours=1))


def test_gov_status_knows_the_production_and_demo_values() -> None:
    production = {"ok", "processing", "send_error", "server_error", "not_applicable"}
    production |= {"not_connected"}
    assert {status.value for status in GovStatus} == production | {
        f"demo_{value}" for value in production
    }


def test_the_ksef_fields_of_a_status_check() -> None:
    # The answer of GET /invoices/{id}.json?fields[invoice]=id,number,gov_status,...
    invoice = structure(
        {
            "id": 100,
            "number": "FV 1/02/2026",
            "gov_status": "ok",
            "gov_id": "5252445767-20260201-ABC123DEF456",
            "gov_kind": "vat",
            "gov_send_date": "2026-02-01T10:15:00.000+01:00",
            "gov_sell_date": "2026-02-01",
            "gov_error_messages": [],
            "gov_verification_link": "https://ksef.mf.gov.pl/web/verify/5252445767/hash",
            "gov_link": "https://ksef.mf.gov.pl/x",
            "gov_corrected_invoice_number": None,
        },
        Invoice,
    )
    assert invoice.gov_status is GovStatus.OK
    assert invoice.gov_id == "5252445767-20260201-ABC123DEF456"
    assert invoice.gov_send_date == datetime(2026, 2, 1, 10, 15, tzinfo=PLUS_ONE)
    assert invoice.gov_sell_date == datetime(2026, 2, 1)  # a plain date: that midnight
    assert invoice.gov_error_messages == ()
    assert invoice.gov_corrected_invoice_number is None
    assert invoice.extra == {"gov_kind": "vat"}  # [3P] only: not named
    wire = to_wire(invoice)
    assert wire["gov_status"] == "ok"
    assert type(wire["gov_status"]) is str
    assert structure(wire, Invoice) == invoice


@pytest.mark.parametrize(
    ("wire", "member"),
    [
        ("processing", GovStatus.PROCESSING),
        ("demo_send_error", GovStatus.DEMO_SEND_ERROR),
        ("not_applicable", GovStatus.NOT_APPLICABLE),
    ],
)
def test_known_gov_statuses_are_members(wire: str, member: GovStatus) -> None:
    assert structure({"gov_status": wire}, Invoice).gov_status is member


@pytest.mark.parametrize("wire", ["not_sent", "sent", "error"])
def test_undocumented_gov_statuses_stay_plain_strings(wire: str) -> None:
    status = structure({"gov_status": wire}, Invoice).gov_status
    assert status == wire
    assert type(status) is str


def test_gov_error_messages_read_null_as_empty() -> None:
    assert structure({"gov_error_messages": None}, Invoice).gov_error_messages == ()
    messages = structure(
        {"gov_error_messages": ["buyer_tax_no - nie może być puste", "Brak NIP"]}, Invoice
    ).gov_error_messages
    assert messages == ("buyer_tax_no - nie może być puste", "Brak NIP")


def test_recipients_and_issuers_are_parties_with_byte_exact_roles() -> None:
    role = "JST \u2013 odbiorca"
    invoice = structure(
        invoice_payload(
            recipients=[
                {"id": "1", "name": "Gmina", "role": role, "company": "true"},
                {
                    "name": "Drugi nabywca",
                    "role": "Dodatkowy nabywca",
                    "participation": "10.00",
                    "buyer_id": 44,
                },
            ],
            issuers=[{"name": "Faktor SA", "role": "Faktor", "tax_no": "1234567890"}],
        ),
        Invoice,
    )
    first, second = invoice.recipients
    assert isinstance(first, InvoiceParty)
    assert (first.id, first.role, first.company) == (1, role, True)
    assert second.participation == Decimal("10.00")
    assert second.extra == {"buyer_id": 44}
    (issuer,) = invoice.issuers
    assert (issuer.name, issuer.role) == ("Faktor SA", "Faktor")
    wire = to_wire(invoice)
    assert wire["recipients"][0]["role"].encode() == role.encode()
    assert wire["recipients"][1]["buyer_id"] == 44
    assert "recipients" not in invoice.extra


def test_descriptions_settlements_and_bank_accounts() -> None:
    invoice = structure(
        invoice_payload(
            descriptions=[
                {"id": 1, "kind": "Uwaga", "content": "Dziękujemy", "position_index": None},
                {"kind": "Termin", "content": "14 dni", "position_index": "0", "row_number": 2},
            ],
            settlement_positions=[
                {"id": 5, "kind": "charge", "amount": "100.0", "reason": "Transport"},
                {"kind": "deduction", "amount": "5,50", "reason": "Rabat"},
                {"kind": "bonus", "amount": "1.00", "reason": "?"},
            ],
            bank_accounts=[
                {"bank_account_number": "PL61 1090", "bank_name": "Bank", "own_bank_account": "0"}
            ],
        ),
        Invoice,
    )
    note, term = invoice.descriptions
    assert isinstance(note, InvoiceDescription)
    assert (note.kind, note.content, note.position_index) == ("Uwaga", "Dziękujemy", None)
    assert (term.position_index, term.row_number) == (0, 2)
    charge, deduction, other = invoice.settlement_positions
    assert isinstance(charge, SettlementPosition)
    assert charge.kind is SettlementKind.CHARGE
    assert charge.amount == Decimal("100.0")
    assert deduction.kind is SettlementKind.DEDUCTION
    assert deduction.amount == Decimal("5.50")
    assert other.kind == "bonus" and type(other.kind) is str
    (account,) = invoice.bank_accounts
    assert isinstance(account, BankAccount)
    assert account.own_bank_account is False
    wire = to_wire(invoice)
    assert wire["settlement_positions"][1] == {
        "kind": "deduction",
        "amount": "5.50",
        "reason": "Rabat",
    }
    assert structure(wire, Invoice) == invoice


def test_absent_children_are_empty_tuples() -> None:
    # settlement_positions is absent from the JSON when there are none.
    invoice = structure(invoice_payload(), Invoice)
    for name in ("recipients", "issuers", "descriptions", "settlement_positions", "bank_accounts"):
        assert getattr(invoice, name) == ()


def test_a_correction_reads_positions_before_and_after() -> None:
    invoice = structure(
        {
            "kind": "correction",
            "invoice_id": "99",
            "correction_reason": "Zła ilość",
            "corrected_content_before": "Ilość: 2",
            "corrected_content_after": "Ilość: 1",
            "positions": [
                {
                    "name": "Produkt X1",
                    "kind": "correction",
                    "quantity": "-1",
                    "total_price_gross": "-10,00",
                    "tax": "23",
                    "correction_before_attributes": {
                        "name": "Produkt X1",
                        "quantity": "2",
                        "total_price_gross": "20.0",
                        "tax": "23",
                        "kind": "correction_before",
                        "invoice_position_id": 5,
                    },
                    "correction_after_attributes": {
                        "name": "Produkt X1",
                        "quantity": "1",
                        "total_price_gross": "10.0",
                        "tax": "zw",
                        "kind": "correction_after",
                    },
                }
            ],
        },
        Invoice,
    )
    assert invoice.kind is InvoiceKind.CORRECTION
    assert invoice.corrected_content_before == "Ilość: 2"
    (position,) = invoice.positions
    assert position.quantity == Decimal(-1)
    assert position.total_price_gross == Decimal("-10.00")
    before, after = position.correction_before_attributes, position.correction_after_attributes
    assert isinstance(before, CorrectionPosition) and isinstance(after, CorrectionPosition)
    assert (before.kind, before.quantity) == ("correction_before", Decimal(2))
    assert before.extra == {"invoice_position_id": 5}
    assert (after.quantity, after.tax) == (Decimal(1), "zw")
    wire = to_wire(invoice)
    assert wire["positions"][0]["correction_before_attributes"]["invoice_position_id"] == 5
    assert wire["positions"][0]["correction_after_attributes"]["tax"] == "zw"
    assert structure(wire, Invoice) == invoice


def test_position_margin_and_second_tax_fields() -> None:
    position = structure(
        {"discount_net": "0.0", "tax2": "0", "total_purchase_price": "80.00", "tax": "disabled"},
        Position,
    )
    assert position.discount_net == Decimal("0.0")
    assert position.tax2 == Decimal(0)
    assert position.total_purchase_price == Decimal("80.00")
    assert position.tax == "disabled"
    assert structure({"tax2": "np"}, Position).tax2 == "np"


def test_a_margin_positions_margin_reads_as_money_and_writes_back_as_text() -> None:
    wire = {
        "name": "Used car",
        "tax": "disabled",
        "total_purchase_price": "8000.00",
        "vat_margin_tax": "23",
        "vat_margin_total_price_net": "1626,02",
        "vat_margin_total_price_tax": "373.98",
        "vat_margin_total_price_gross": "2000.00",
        "additional_info": "PKWiU 45.11.Z",
    }
    position = structure(wire, Position)
    assert position.vat_margin_tax == Decimal(23)
    assert position.vat_margin_total_price_net == Decimal("1626.02")
    assert position.vat_margin_total_price_tax == Decimal("373.98")
    assert position.vat_margin_total_price_gross == Decimal("2000.00")
    assert position.additional_info == "PKWiU 45.11.Z"
    assert position.extra == {}
    assert to_wire(position)["vat_margin_total_price_net"] == "1626.02"


def test_a_position_draft_writes_its_extra_column_and_margin() -> None:
    draft = PositionDraft(
        name="Used car",
        additional_info="GTIN 5901234123457",
        vat_margin_tax="23",
        vat_margin_total_price_gross=Decimal("2000.00"),
    )
    assert to_wire(draft) == {
        "name": "Used car",
        "additional_info": "GTIN 5901234123457",
        "vat_margin_tax": "23",
        "vat_margin_total_price_gross": "2000.00",
    }


def test_the_answers_amounts_dates_and_ids_read_as_what_they_are() -> None:
    invoice = structure(
        {
            "exchange_rate_den": "100",
            "exchange_currency_rate_den": "1.0",
            "exchange_difference": "0,50",
            "adjust_invoice_price": "-0.01",
            "accounting_vat_tax_date": "2026-11-30",
            "accounting_income_tax_date": "",
            "seller_bank_account_id": "12",
            "skonto_active": "1",
            "skonto_discount_date": "2026-12-08",
            "skonto_discount_value": "2.0",
        },
        Invoice,
    )
    assert (invoice.exchange_rate_den, invoice.exchange_currency_rate_den) == (
        Decimal(100),
        Decimal("1.0"),
    )
    assert invoice.exchange_difference == Decimal("0.50")
    assert invoice.adjust_invoice_price == Decimal("-0.01")
    assert invoice.accounting_vat_tax_date == date(2026, 11, 30)
    assert invoice.accounting_income_tax_date is None
    assert invoice.seller_bank_account_id == 12
    assert (invoice.skonto_active, invoice.skonto_discount_date, invoice.skonto_discount_value) == (
        True,
        date(2026, 12, 8),
        Decimal("2.0"),
    )
    assert invoice.extra == {}


def test_an_invoice_draft_names_the_polish_and_ksef_specifics() -> None:
    margin = "procedura mar\u017cy \u2013 towary u\u017cywane"
    draft = InvoiceDraft(
        kind="vat_margin",
        procedure_vat_margin=margin,
        skonto_active=True,
        skonto_discount_date=date(2026, 12, 8),
        skonto_discount_value=Decimal("2"),
        buyer_jst=True,
        disable_tax_no_validation=True,
        calculating_strategy={
            "position": "default",
            "sum": "sum",
            "invoice_form_price_kind": "net",
        },
    )
    assert to_wire(draft) == {
        "kind": "vat_margin",
        "procedure_vat_margin": margin,
        "skonto_active": True,
        "skonto_discount_date": "2026-12-08",
        "skonto_discount_value": "2",
        "buyer_jst": True,
        "disable_tax_no_validation": True,
        "calculating_strategy": {
            "position": "default",
            "sum": "sum",
            "invoice_form_price_kind": "net",
        },
    }


def test_flags_counts_and_tax_kinds() -> None:
    invoice = structure(
        {
            "cancelled": "0",
            "attachments_count": "2",
            "has_attachments": True,
            "show_attachments": "1",
            "exempt_tax_kind": "Zwolnienie ze względu na rodzaj prowadzonej działalności",
            "np_tax_kind": "export_service",
            "buyer_tax_no_kind": "",
            "seller_tax_no_kind": "nip_ue",
        },
        Invoice,
    )
    assert (invoice.cancelled, invoice.has_attachments, invoice.show_attachments) == (
        False,
        True,
        True,
    )
    assert invoice.attachments_count == 2
    assert invoice.np_tax_kind == "export_service"
    assert invoice.buyer_tax_no_kind == ""  # a Polish NIP: blank, not None
    assert invoice.seller_tax_no_kind == "nip_ue"
    assert invoice.extra == {}


def test_create_instructions_are_draft_fields_kept_in_extra_when_read() -> None:
    # copy_invoice_from, advance_* and invoice_ids are request fields (spec 6.1), not in the
    # answers (6.2); should an answer carry them, they are kept and written back as sent.
    sent = {"advance_creation_mode": "percent", "advance_value": "10", "invoice_ids": [11, 12]}
    invoice = structure({"id": 1, **sent}, Invoice)
    assert invoice.extra == sent
    assert to_wire(invoice) == {"id": 1, **sent}


@pytest.mark.parametrize(
    ("wire", "expected"),
    [("transfer", PaymentType.TRANSFER), ("cash_on_delivery", PaymentType.CASH_ON_DELIVERY)],
)
def test_payment_types_are_an_open_enum(wire: str, expected: PaymentType) -> None:
    assert structure({"payment_type": wire}, Invoice).payment_type is expected
    assert structure({"default_payment_type": wire}, Client).default_payment_type is expected


def test_a_free_text_payment_type_stays_text() -> None:
    # The API takes any text here ("dowolny_inny_wpis_tekstowy").
    value = structure({"payment_type": "Przelew 7 dni"}, Invoice).payment_type
    assert value == "Przelew 7 dni"
    assert type(value) is str
    assert to_wire(InvoiceDraft(payment_type=PaymentType.CARD)) == {"payment_type": "card"}
    assert type(to_wire(InvoiceDraft(payment_type=PaymentType.CARD))["payment_type"]) is str


def test_lang_stays_free_text() -> None:
    assert structure({"lang": "pl/en"}, Invoice).lang == "pl/en"
    assert structure({"lang": "en / fr"}, Invoice).lang == "en / fr"


# --- drafts ------------------------------------------------------------------------------------


def test_a_correction_draft_writes_its_before_and_after() -> None:
    draft = InvoiceDraft(
        kind=InvoiceKind.CORRECTION,
        invoice_id=99,
        from_invoice_id=99,
        correction_reason="Zła ilość",
        gov_corrected_invoice_number="FV 1/01/2026",
        positions=[
            PositionDraft(
                name="Produkt X1",
                kind="correction",
                quantity=Decimal(-1),
                total_price_gross=Decimal("-10.00"),
                tax=Decimal(23),
                correction_before_attributes=CorrectionPositionDraft(
                    name="Produkt X1",
                    quantity=Decimal(2),
                    total_price_gross=Decimal("20.00"),
                    tax=Decimal(23),
                    kind="correction_before",
                ),
                correction_after_attributes={"quantity": Decimal(1), "kind": "correction_after"},
            )
        ],
    )
    assert to_wire(draft) == {
        "kind": "correction",
        "invoice_id": 99,
        "from_invoice_id": 99,
        "correction_reason": "Zła ilość",
        "gov_corrected_invoice_number": "FV 1/01/2026",
        "positions": [
            {
                "name": "Produkt X1",
                "kind": "correction",
                "quantity": "-1",
                "total_price_gross": "-10.00",
                "tax": "23",
                "correction_before_attributes": {
                    "name": "Produkt X1",
                    "kind": "correction_before",
                    "quantity": "2",
                    "total_price_gross": "20.00",
                    "tax": "23",
                },
                "correction_after_attributes": {"quantity": "1", "kind": "correction_after"},
            }
        ],
    }


def test_advance_and_final_invoice_drafts() -> None:
    advance = InvoiceDraft(
        copy_invoice_from=500,
        kind=InvoiceKind.ADVANCE,
        advance_creation_mode="percent",
        advance_value=Decimal("10"),
        position_name="Zaliczka 10%",
    )
    assert to_wire(advance) == {
        "copy_invoice_from": 500,
        "kind": "advance",
        "advance_creation_mode": "percent",
        "advance_value": "10",
        "position_name": "Zaliczka 10%",
    }
    final = InvoiceDraft(copy_invoice_from=500, kind=InvoiceKind.FINAL, invoice_ids=[601, 602])
    assert to_wire(final) == {"copy_invoice_from": 500, "kind": "final", "invoice_ids": [601, 602]}


def test_an_invoice_draft_writes_its_new_children() -> None:
    draft = InvoiceDraft(
        buyer_tax_no_kind="nip_ue",
        exempt_tax_kind=None,
        show_attachments=True,
        recipients=[
            InvoicePartyDraft(name="Gmina", role="JST \u2013 odbiorca", company=True),
            InvoicePartyDraft(id=3, extra={"_destroy": 1}),
        ],
        issuers=[{"name": "Faktor SA", "role": "Faktor"}],
        descriptions=[InvoiceDescriptionDraft(kind="Uwaga", content="Tekst", position_index=None)],
        settlement_positions=[
            SettlementPositionDraft(
                kind=SettlementKind.CHARGE, amount=Decimal("100.00"), reason="Transport"
            )
        ],
        bank_accounts=[BankAccountDraft(bank_account_number="PL61 1090", bank_currency="EUR")],
    )
    wire = to_wire(draft)
    assert wire == {
        "buyer_tax_no_kind": "nip_ue",
        "exempt_tax_kind": None,
        "show_attachments": True,
        "recipients": [
            {"name": "Gmina", "role": "JST \u2013 odbiorca", "company": True},
            {"id": 3, "_destroy": 1},
        ],
        "issuers": [{"name": "Faktor SA", "role": "Faktor"}],
        "descriptions": [{"kind": "Uwaga", "content": "Tekst", "position_index": None}],
        "settlement_positions": [{"kind": "charge", "amount": "100.00", "reason": "Transport"}],
        "bank_accounts": [{"bank_account_number": "PL61 1090", "bank_currency": "EUR"}],
    }
    assert type(wire["settlement_positions"][0]["kind"]) is str


def test_the_full_support_payload_still_reads_the_same() -> None:
    # The invoice named more fields; an answer that has none of them is read as before.
    invoice = structure(invoice_payload(), Invoice)
    assert invoice.gov_status is None
    assert invoice.payment_type is None
    assert to_wire(invoice)["positions"] == [
        {
            "id": 1,
            "name": "Produkt X1",
            "quantity": "1.0",
            "tax": "23",
            "price_net": "100.0",
            "total_price_gross": "123.0",
        }
    ]


# The texts as spec 6.5, 6.1 and 9.3 give them, en dashes (U+2013) included.
SPEC_TEXTS = {
    RecipientRole: [
        "Odbiorca",
        "Dodatkowy nabywca",
        "Dokonujący płatności",
        "JST \u2013 odbiorca",
        "Członek GV \u2013 odbiorca",
        "Pracownik",
        "Rola inna",
    ],
    IssuerRole: [
        "Wystawca faktury",
        "Faktor",
        "Podmiot pierwotny",
        "JST \u2013 wystawca",
        "Członek GV \u2013 wystawca",
        "Rola inna",
    ],
    VatMarginProcedure: [
        "procedura marży dla biur podróży",
        "procedura marży \u2013 towary używane",
        "procedura marży \u2013 dzieła sztuki",
        "procedura marży \u2013 przedmioty kolekcjonerskie i antyki",
    ],
    ExemptTaxKind: [
        "Zwolnienie ze względu na rodzaj prowadzonej działalności (art. 43 ust 1 ustawy o VAT)",
        "Zwolnienie ze względu na nieprzekroczenie limitu obrotu (art. 113 ust 1 i 9 ustawy o VAT)",
        "Zwolnienie na mocy rozporządzenia MF (art. 82 ust 3 ustawy o VAT)",
        "Zwolnienie, o którym mowa w art. 132 ust 1 lub art. 135 ust 1 Dyrektywy 2006/112/WE",
    ],
}


@pytest.mark.parametrize("enum", list(SPEC_TEXTS), ids=lambda cls: cls.__name__)
def test_the_polish_texts_are_spelled_byte_exact(enum: type[OpenStrEnum]) -> None:
    assert [member.value for member in enum] == SPEC_TEXTS[enum]
    # A hyphen where the API has an en dash would be another role to it.
    assert not any(" - " in member.value for member in enum)


def test_a_party_role_and_an_exemption_go_out_byte_exact_and_read_back() -> None:
    draft = InvoiceDraft(
        exempt_tax_kind=ExemptTaxKind.MF_REGULATION,
        procedure_vat_margin=VatMarginProcedure.USED_GOODS,
        recipients=[InvoicePartyDraft(name="Gmina", role=RecipientRole.JST_RECIPIENT)],
    )
    wire = to_wire(draft)
    assert wire["recipients"][0]["role"] == "JST \u2013 odbiorca"
    assert type(wire["recipients"][0]["role"]) is str
    assert wire["procedure_vat_margin"] == "procedura marży \u2013 towary używane"
    invoice = structure({"exempt_tax_kind": wire["exempt_tax_kind"]}, Invoice)
    assert invoice.exempt_tax_kind is ExemptTaxKind.MF_REGULATION
    custom = structure({"exempt_tax_kind": "art. 43 ust 1 pkt 37"}, Invoice).exempt_tax_kind
    assert custom == "art. 43 ust 1 pkt 37" and not isinstance(custom, ExemptTaxKind)


def test_a_products_dimensions_and_weight_read_as_numbers_and_write_back() -> None:
    product = structure(
        {"size": "1.20", "size_width": "0,40", "size_height": "", "size_unit": "m", "weight": "2"},
        Product,
    )
    assert (product.size, product.size_width, product.size_height) == (
        Decimal("1.20"),
        Decimal("0.40"),
        None,
    )
    assert (product.size_unit, product.weight, product.weight_unit) == ("m", Decimal(2), None)
    assert product.extra == {}
    assert to_wire(ProductDraft(weight=Decimal("2.50"), weight_unit="kg")) == {
        "weight": "2.50",
        "weight_unit": "kg",
    }
    assert to_wire(ClientDraft(street_no="12A", use_mass_payment=True)) == {
        "street_no": "12A",
        "use_mass_payment": True,
    }
