"""Payments and recurring definitions: a payment's timestamp ``paid_date`` (and the plain date
the docs send), the invoices ``include=invoices`` adds, and the string ``"null"`` as a
recurring definition's ``end_date``."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from invoceanio.models import (
    Invoice,
    InvoiceKind,
    Payment,
    PaymentDraft,
    Recurring,
    RecurringDraft,
    structure,
    to_wire,
)
from tests.support import invoice_payload, rejects

PLUS_ONE = timezone(timedelta(hours=1))

PAYMENT: dict[str, Any] = {
    "id": "9001",
    "name": "Płatność za FV 1/11/2026",
    "price": "59,00",
    "currency": "PLN",
    "description": "",
    "paid": "1",
    "paid_date": "2026-11-23T09:15:00.000+01:00",
    "kind": "api",
    "invoice_id": None,
    "invoice_ids": ["100", 101],
    "client_id": 7,
    "bank_account_id": "",
    "provider": "transfer",
    "generate_invoice": "0",
    "quantity": "1.0",
    "deleted": False,
    "created_at": "2026-11-23T09:15:01.000+01:00",
    # Not named by the model: kept in extra (provider_response may be an object).
    "provider_response": {"status": "OK"},
    "match_status": "matched",
}


def test_a_payment_answer_has_typed_values() -> None:
    payment = structure(copy.deepcopy(PAYMENT), Payment)
    assert payment.id == 9001
    assert payment.price == Decimal("59.00")
    assert payment.paid is True
    assert payment.generate_invoice is False
    assert payment.paid_date == datetime(2026, 11, 23, 9, 15, tzinfo=PLUS_ONE)
    assert payment.invoice_ids == (100, 101)
    assert all(type(invoice_id) is int for invoice_id in payment.invoice_ids)
    assert payment.invoice_id is None
    assert payment.bank_account_id is None  # blank id
    assert payment.quantity == Decimal("1.0")
    assert payment.invoices == ()
    assert payment.extra == {"provider_response": {"status": "OK"}, "match_status": "matched"}


def test_a_payment_is_written_back_with_its_unknown_fields() -> None:
    payment = structure(copy.deepcopy(PAYMENT), Payment)
    wire = to_wire(payment)
    assert wire["price"] == "59.00"
    assert wire["paid"] is True
    assert wire["paid_date"] == "2026-11-23T09:15:00+01:00"
    assert wire["invoice_ids"] == [100, 101]
    assert wire["provider_response"] == {"status": "OK"}
    assert wire["match_status"] == "matched"
    assert "invoice_id" not in wire and "bank_account_id" not in wire
    assert structure(wire, Payment) == payment


def test_a_plain_date_as_paid_date_reads_as_a_naive_midnight() -> None:
    # The docs' requests (and some answers) give a date; the model's type is a datetime, so a
    # date reads as that day's midnight, with no offset (none was given).
    payment = structure({"paid_date": "2026-11-23"}, Payment)
    assert payment.paid_date == datetime(2026, 11, 23, 0, 0)
    assert type(payment.paid_date) is datetime
    assert payment.paid_date.tzinfo is None
    # Written back as the datetime it now is, and read back equal.
    assert to_wire(payment) == {"paid_date": "2026-11-23T00:00:00"}
    assert structure(to_wire(payment), Payment) == payment


@pytest.mark.parametrize("wire", ["", None, "null"])
def test_a_blank_paid_date_is_none(wire: Any) -> None:
    assert structure({"paid_date": wire}, Payment).paid_date is None


def test_a_paid_date_that_is_no_date_is_rejected() -> None:
    assert "paid_date" in rejects({"paid_date": "yesterday"}, Payment)
    assert "paid_date" in rejects({"paid_date": "2026-02-30"}, Payment)


def test_include_invoices_adds_typed_invoices() -> None:
    payment = structure(
        {**copy.deepcopy(PAYMENT), "invoices": [invoice_payload(id=100), invoice_payload(id=101)]},
        Payment,
    )
    first, second = payment.invoices
    assert isinstance(first, Invoice)
    assert (first.id, second.id) == (100, 101)
    assert first.kind is InvoiceKind.VAT
    assert first.price_gross == Decimal("123.0")
    assert first.positions[0].tax == Decimal("23")
    assert "invoices" not in payment.extra
    assert to_wire(payment)["invoices"][0]["price_gross"] == "123.0"
    assert structure({"invoices": None}, Payment).invoices == ()


def test_a_payment_draft_sends_only_what_is_set() -> None:
    assert to_wire(PaymentDraft()) == {}
    draft = PaymentDraft(
        kind="api",
        price=Decimal("59.00"),
        invoice_ids=[555, 666],
        paid=True,
        paid_date=date(2026, 11, 23),
        invoice_id=None,
    )
    assert to_wire(draft) == {
        "kind": "api",
        "price": "59.00",
        "invoice_ids": [555, 666],
        "paid": True,
        "paid_date": "2026-11-23",
        "invoice_id": None,
    }
    # A datetime keeps its time and offset.
    stamp = datetime(2026, 11, 23, 9, 15, tzinfo=PLUS_ONE)
    assert to_wire(PaymentDraft(paid_date=stamp)) == {"paid_date": "2026-11-23T09:15:00+01:00"}
    assert to_wire(PaymentDraft(price=Decimal("1.5E+3"))) == {"price": "1500"}


# --- recurring definitions ---------------------------------------------------------------------

RECURRING: dict[str, Any] = {
    "id": 4,
    "name": "Abonament",
    "invoice_id": "100",
    "start_date": "2026-01-01",
    "next_invoice_date": "2026-12-01",
    "end_date": "null",
    "every": "1m",
    "time_in_timezone": "11:30",
    "issue_working_day_only": "0",
    "only_year_month": False,
    "send_email": "1",
    "buyer_email": "a@klient.test, b@klient.test",
    "create_as_paid": False,
    "price_gross": "123.0",
    "quantity": "1",
    "payment_to": "1m",
    "created_at": "2026-01-01T08:00:00.000+01:00",
    "sent_count": 11,
}


def test_a_recurring_answer_has_typed_values() -> None:
    recurring = structure(copy.deepcopy(RECURRING), Recurring)
    assert recurring.invoice_id == 100
    assert recurring.start_date == date(2026, 1, 1)
    assert recurring.next_invoice_date == date(2026, 12, 1)
    assert recurring.end_date is None  # the string "null"
    assert recurring.every == "1m"
    assert recurring.time_in_timezone == "11:30"
    assert (recurring.issue_working_day_only, recurring.send_email) == (False, True)
    assert recurring.buyer_email == "a@klient.test, b@klient.test"
    assert recurring.price_gross == Decimal("123.0")
    assert recurring.quantity == Decimal(1)
    assert recurring.payment_to == "1m"
    assert recurring.extra == {"sent_count": 11}
    wire = to_wire(recurring)
    assert "end_date" not in wire  # None is not sent back...
    assert wire["sent_count"] == 11  # ...unknown fields are
    assert structure(wire, Recurring) == recurring


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("null", None),
        ("NULL", None),
        (" null ", None),
        ("", None),
        (None, None),
        ("2027-06-30", date(2027, 6, 30)),
    ],
)
def test_an_end_date_reads_null_in_every_spelling(wire: Any, expected: date | None) -> None:
    assert structure({"end_date": wire}, Recurring).end_date == expected


def test_null_is_only_a_blank_date_not_any_text() -> None:
    assert "end_date" in rejects({"end_date": "never"}, Recurring)
    # Text fields keep the word as it is.
    assert structure({"name": "null"}, Recurring).name == "null"


def test_a_recurring_draft_sends_only_what_is_set() -> None:
    draft = RecurringDraft(
        name="Abonament",
        invoice_id=100,
        every="1m",
        start_date=date(2026, 1, 1),
        end_date=None,
        send_email=True,
        price_gross=Decimal("123.00"),
    )
    # None goes out as JSON null ("no end"), not the docs' string "null".
    assert to_wire(draft) == {
        "name": "Abonament",
        "invoice_id": 100,
        "every": "1m",
        "start_date": "2026-01-01",
        "end_date": None,
        "send_email": True,
        "price_gross": "123.00",
    }
    assert to_wire(RecurringDraft(next_invoice_date=date(2026, 12, 1))) == {
        "next_invoice_date": "2026-12-01"
    }
