"""Documented fields the answers send as text, read as what they are (review of 2026-12-02).

They were not named, so they stayed text in ``extra``: ``invoice.discount + discount_net`` was
a TypeError, and a position's or a warehouse document's dates were strings. And documented
writable fields the drafts did not name (the legacy single recipient, a client's
``buyer_id``...), which could only go through ``extra``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from invoceanio.models import (
    ClientDraft,
    Invoice,
    InvoiceDraft,
    PaymentDraft,
    UserDraft,
    WarehouseDocument,
    WarehouseDocumentDraft,
    structure,
    to_wire,
)

STAMP = "2018-01-04T19:59:15.000+01:00"


def test_an_invoice_and_its_positions_read_their_amounts_and_dates_typed() -> None:
    invoice = structure(
        {
            "id": 1,
            "discount": "10.00",
            "discount_net": "8.13",
            "accounting_other_tax_date": "2018-01-04",
            "positions": [
                {"name": "A", "exchange_rate": "4.1735", "created_at": STAMP, "updated_at": STAMP}
            ],
        },
        Invoice,
    )
    assert invoice.discount_net == Decimal("8.13")
    assert invoice.discount is not None and invoice.discount + invoice.discount_net == Decimal(
        "18.13"
    )
    assert invoice.accounting_other_tax_date == date(2018, 1, 4)
    (position,) = invoice.positions
    assert position.exchange_rate == Decimal("4.1735")
    assert position.created_at == datetime(
        2018, 1, 4, 19, 59, 15, tzinfo=timezone(timedelta(hours=1))
    )
    assert position.updated_at == position.created_at
    assert "discount_net" not in invoice.extra and "exchange_rate" not in position.extra
    # Written back as read: the money as its text, the date as ISO.
    wire = to_wire(invoice)
    assert wire["discount_net"] == "8.13" and wire["accounting_other_tax_date"] == "2018-01-04"
    assert wire["positions"][0]["exchange_rate"] == "4.1735"


def test_a_warehouse_document_reads_and_writes_its_transaction_date() -> None:
    document = structure({"id": 3, "transaction_date": "2026-01-02"}, WarehouseDocument)
    assert document.transaction_date == date(2026, 1, 2)
    assert to_wire(WarehouseDocumentDraft(kind="pz", transaction_date=date(2026, 1, 2))) == {
        "kind": "pz",
        "transaction_date": "2026-01-02",
    }


def test_the_drafts_name_their_documented_writable_fields() -> None:
    assert to_wire(InvoiceDraft(recipient_name="Jan", recipient_city="Kraków")) == {
        "recipient_name": "Jan",
        "recipient_city": "Kraków",
    }
    assert to_wire(ClientDraft(buyer_id=7, tp_client_connection=True)) == {
        "buyer_id": 7,
        "tp_client_connection": True,
    }
    assert to_wire(PaymentDraft(provider_status="ok", provider_title="T")) == {
        "provider_status": "ok",
        "provider_title": "T",
    }
    assert to_wire(UserDraft(from_partner=True)) == {"from_partner": True}
