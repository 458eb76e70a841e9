"""A model changed with ``attrs.evolve`` and written back (review C, finding 1).

``attrs.evolve`` checks no types, and ``attrs.evolve(payment, paid_date=date(2026, 11, 24))``
is a natural call (a PaymentDraft takes a date there). The write hooks were picked by the
field's declared type, so such a value met a method of a type it is not:

- a date in a datetime field, text in a date or datetime field: a raw TypeError
  ("descriptor 'isoformat' ... doesn't apply to ...");
- a plain str in a credential field: a raw AttributeError (no ``reveal``);
- a str in a tuple field went out as its characters (``invoice_ids="45"`` paid invoices 4 and
  5), an int raised a raw TypeError.

Now a value of the declared type is written as before and any other by what it is; text, bytes,
a mapping or a number where a list belongs is a ConfigurationError naming the field, before
anything is sent.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest

from invoceanio import ConfigurationError
from invoceanio.models import Invoice, Payment, Product, Webhook, structure, to_wire
from invoceanio.secrets import Secret
from tests.support import Recorder, body_json, json_response, make_client

PLUS_ONE = timezone(timedelta(hours=1))
TOKEN = "CANARY-old-token-abcdef"
NEW_TOKEN = "CANARY-new-token-123456"

PAYMENT: dict[str, Any] = {
    "id": 7,
    "name": "p",
    "price": "10.00",
    "paid": True,
    "kind": "api",
    "paid_date": "2026-11-23T09:15:00.000+01:00",
    "invoice_ids": [45],
    "created_at": "2026-11-23T09:15:00.000+01:00",
}
INVOICE: dict[str, Any] = {
    "id": 9,
    "number": "FV 1",
    "issue_date": "2026-11-01",
    "payment_to": "2026-11-15",
    "buyer_name": "B",
    "created_at": "2026-11-01T08:00:00.000+01:00",
    "positions": [{"id": 1, "name": "X", "quantity": "1.0", "tax": "23", "price_net": "10.00"}],
}
PRODUCT: dict[str, Any] = {"id": 3, "name": "Widget", "tag_list": ["sale", "new"]}
WEBHOOK: dict[str, Any] = {
    "id": 3,
    "kind": "invoice:create",
    "url": "https://hooks.example.test/h",
    "api_token": TOKEN,
    "active": True,
}

ANSWERS: dict[str, dict[str, Any]] = {
    "banking/payments": PAYMENT,
    "invoices": INVOICE,
    "products": PRODUCT,
    "webhooks": WEBHOOK,
}
ROOTS = {
    "banking/payments": "banking_payment",
    "invoices": "invoice",
    "products": "product",
    "webhooks": "webhook",
}


def _answer(request: Any) -> Any:
    for collection, data in ANSWERS.items():
        if f"/{collection}/" in request.url:
            return json_response(200, data)
    raise AssertionError(f"unexpected request {request.url}")


def payment(**changes: Any) -> Payment:
    return attrs.evolve(structure(PAYMENT, Payment), **changes)


def invoice(**changes: Any) -> Invoice:
    return attrs.evolve(structure(INVOICE, Invoice), **changes)


def product(**changes: Any) -> Product:
    return attrs.evolve(structure(PRODUCT, Product), **changes)


def webhook(**changes: Any) -> Webhook:
    return attrs.evolve(structure(WEBHOOK, Webhook), **changes)


async def _update(collection: str, model: Any, fmt: str = "json") -> tuple[Recorder, Any]:
    """``update(id, model)`` on MockTransport: the recorder and the document sent (JSON)."""
    recorder = Recorder(_answer)
    service = {
        "banking/payments": "payments",
        "invoices": "invoices",
        "products": "products",
        "webhooks": "webhooks",
    }[collection]
    async with make_client(recorder, format=fmt) as io:
        await getattr(io, service).update(model.id, model)
    (request,) = recorder.requests
    if fmt == "json" or request.body.lstrip().startswith(b"{"):
        return recorder, body_json(request)[ROOTS[collection]]
    return recorder, request.body.decode()


async def _refused(collection: str, model: Any, fmt: str = "json") -> str:
    """``update(id, model)`` must raise a ConfigurationError and send nothing."""
    recorder = Recorder(_answer)
    service = {"banking/payments": "payments", "products": "products"}[collection]
    async with make_client(recorder, format=fmt) as io:
        with pytest.raises(ConfigurationError) as caught:
            await getattr(io, service).update(model.id, model)
    assert recorder.requests == []
    return str(caught.value)


# --- the converter: what a field holding another type is written as ----------------------


def test_a_date_in_a_datetime_field_is_written_as_that_date() -> None:
    assert to_wire(payment(paid_date=date(2026, 11, 24)))["paid_date"] == "2026-11-24"


@pytest.mark.parametrize(
    ("model", "field", "text"),
    [
        (payment, "paid_date", "2026-11-24"),
        (payment, "created_at", "2026-11-23T00:00:00"),
        (invoice, "issue_date", "2026-11-24"),
        (invoice, "payment_to", "2026-11-30"),
        (invoice, "created_at", "2026-11-24T10:00:00+01:00"),
    ],
)
def test_text_in_a_date_or_datetime_field_is_written_as_written(
    model: Any, field: str, text: str
) -> None:
    assert to_wire(model(**{field: text}))[field] == text


def test_a_plain_str_in_a_credential_field_is_written_as_that_str() -> None:
    assert to_wire(webhook(api_token=NEW_TOKEN))["api_token"] == NEW_TOKEN


def test_a_credential_field_holding_no_text_is_refused_without_quoting_it() -> None:
    with pytest.raises(ValueError, match="credential") as caught:
        to_wire(webhook(api_token=12345678))
    assert "12345678" not in str(caught.value)


@pytest.mark.parametrize(
    ("model", "field", "value", "kind"),
    [
        (payment, "invoice_ids", "45", "str"),
        (payment, "invoice_ids", 45, "int"),
        (payment, "invoice_ids", b"45", "bytes"),
        (payment, "invoice_ids", {45: 1}, "dict"),
        (product, "tag_list", "sale", "str"),
    ],
)
def test_no_list_in_a_tuple_field_is_a_value_error_naming_the_field(
    model: Any, field: str, value: Any, kind: str
) -> None:
    with pytest.raises(ValueError, match=rf"^{field}: expected a list or a tuple, got {kind}$"):
        to_wire(model(**{field: value}))


def test_a_list_or_other_iterable_in_a_tuple_field_is_written_as_its_items() -> None:
    assert to_wire(payment(invoice_ids=[45, 46]))["invoice_ids"] == [45, 46]
    assert to_wire(payment(invoice_ids=iter([45])))["invoice_ids"] == [45]
    assert to_wire(product(tag_list=["sale"]))["tag_list"] == ["sale"]


def test_a_dict_among_a_models_positions_is_written_as_a_dict() -> None:
    model = invoice(positions=[{"name": "Y", "tax": "23"}])
    assert to_wire(model)["positions"] == [{"name": "Y", "tax": "23"}]


# --- through the public update() on MockTransport ----------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_update_of_a_payment_with_a_date_paid_date_sends_that_date(fmt: str) -> None:
    _, sent = await _update("banking/payments", payment(paid_date=date(2026, 11, 24)), fmt)
    if fmt == "json":
        assert sent["paid_date"] == "2026-11-24"
        assert sent["invoice_ids"] == [45]
    else:
        assert "<paid_date>2026-11-24</paid_date>" in sent


async def test_update_of_a_payment_with_text_paid_date_and_created_at() -> None:
    model = payment(paid_date="2026-11-24", created_at="2026-11-23T00:00:00")
    _, sent = await _update("banking/payments", model)
    assert sent["paid_date"] == "2026-11-24"
    assert sent["created_at"] == "2026-11-23T00:00:00"


async def test_update_of_an_invoice_with_a_text_issue_date() -> None:
    _, sent = await _update("invoices", invoice(issue_date="2026-11-24"))
    assert sent["issue_date"] == "2026-11-24"
    assert sent["positions"][0]["name"] == "X"


async def test_update_of_a_webhook_with_a_rotated_plain_str_token_sends_it() -> None:
    _, sent = await _update("webhooks", webhook(api_token=NEW_TOKEN))
    assert sent["api_token"] == NEW_TOKEN


@pytest.mark.parametrize(
    ("collection", "model", "field", "kind"),
    [
        ("banking/payments", payment(invoice_id=None, invoice_ids="45"), "invoice_ids", "str"),
        ("banking/payments", payment(invoice_id=None, invoice_ids=45), "invoice_ids", "int"),
        ("products", product(tag_list="sale"), "tag_list", "str"),
    ],
)
async def test_update_with_no_list_in_a_tuple_field_is_refused_before_sending(
    collection: str, model: Any, field: str, kind: str
) -> None:
    message = await _refused(collection, model)
    assert message.startswith("cannot write this ")
    assert f"{field}: expected a list or a tuple, got {kind}" in message


async def test_update_with_a_str_invoice_ids_is_refused_in_xml_too() -> None:
    message = await _refused("banking/payments", payment(invoice_ids="45"), "xml")
    assert "invoice_ids" in message


# --- values of the declared types: written exactly as before -----------------------------


def test_a_real_secret_is_still_masked_where_people_look_and_revealed_on_write() -> None:
    model = webhook()
    assert isinstance(model.api_token, Secret)
    assert TOKEN not in repr(model)
    assert to_wire(model)["api_token"] == TOKEN


def test_declared_types_are_written_as_before() -> None:
    model = payment(paid_date=datetime(2026, 11, 24, 9, 30, tzinfo=PLUS_ONE), invoice_ids=(45, 46))
    assert to_wire(model) == {
        "id": 7,
        "name": "p",
        "price": "10.00",
        "paid": True,
        "kind": "api",
        "paid_date": "2026-11-24T09:30:00+01:00",
        "invoice_ids": [45, 46],
        "created_at": "2026-11-23T09:15:00+01:00",
    }
    # A datetime in a date field was written as its day, and still is.
    assert to_wire(invoice(issue_date=datetime(2026, 11, 2, 23, 0)))["issue_date"] == "2026-11-02"
    assert to_wire(product())["tag_list"] == ["sale", "new"]
    assert to_wire(webhook())["api_token"] == TOKEN


async def test_round_trip_json_sends_what_was_read() -> None:
    _, sent = await _update("banking/payments", structure(PAYMENT, Payment))
    assert sent == {
        **PAYMENT,
        "paid_date": "2026-11-23T09:15:00+01:00",
        "created_at": "2026-11-23T09:15:00+01:00",
    }
    _, sent = await _update("invoices", structure(INVOICE, Invoice))
    assert sent["issue_date"] == "2026-11-01"
    assert sent["payment_to"] == "2026-11-15"
    assert sent["created_at"] == "2026-11-01T08:00:00+01:00"
    assert sent["positions"] == [
        {"id": 1, "name": "X", "quantity": "1.0", "tax": "23", "price_net": "10.00"}
    ]
    _, sent = await _update("products", structure(PRODUCT, Product))
    assert sent["tag_list"] == ["sale", "new"]
    _, sent = await _update("webhooks", structure(WEBHOOK, Webhook))
    assert sent["api_token"] == TOKEN


async def test_round_trip_xml_sends_what_was_read() -> None:
    _, sent = await _update("banking/payments", structure(PAYMENT, Payment), "xml")
    assert sent == (
        '<?xml version="1.0" encoding="UTF-8"?>\n<banking_payment><id type="integer">7</id>'
        '<name>p</name><price>10.00</price><paid type="boolean">true</paid>'
        "<paid_date>2026-11-23T09:15:00+01:00</paid_date><kind>api</kind>"
        '<invoice_ids type="array"><invoice_id type="integer">45</invoice_id></invoice_ids>'
        "<created_at>2026-11-23T09:15:00+01:00</created_at></banking_payment>"
    )
    _, sent = await _update("invoices", structure(INVOICE, Invoice), "xml")
    assert sent == (
        '<?xml version="1.0" encoding="UTF-8"?>\n<invoice><id type="integer">9</id>'
        "<number>FV 1</number><issue_date>2026-11-01</issue_date>"
        "<payment_to>2026-11-15</payment_to><buyer_name>B</buyer_name>"
        "<created_at>2026-11-01T08:00:00+01:00</created_at>"
        '<positions type="array"><position><id type="integer">1</id><name>X</name>'
        "<quantity>1.0</quantity><price_net>10.00</price_net><tax>23</tax></position>"
        "</positions></invoice>"
    )
