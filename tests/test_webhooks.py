"""Receiving webhooks: the payloads of spec section 10 parse into typed records, the token is
checked in constant time before anything else and never kept, and bad bodies are WebhookErrors.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from invoceanio import Secret, WebhookError
from invoceanio.webhooks import parse_webhook, token_matches

TOKEN = "hook-s3cret"


def _deal_payload(**deal: Any) -> dict[str, Any]:
    return {
        "id": 564047351,
        "deal": {
            "name": "Faktura 1/09/2026",
            "description": None,
            "price": "123.0",
            "paid": False,
            "date": "2026-09-15",
            "invoice_no": "1/09/2026",
            "kind": "vat",
            "status": "issued",
            "currency": "PLN",
            "url": "https://firma.fakturownia.net/f/1-09-2026/key",
            "external_ids": {"fakturownia": 21552648},
            "client": {
                "name": "Klient",
                "tax_no": "5252445767",
                "external_ids": {"fakturownia": 1},
            },
            "skip_webhooks": True,
            **deal,
        },
        "app_name": "fakturownia",
        "api_token": TOKEN,
        "locale": "pl",
    }


def test_invoice_event_is_a_deal_with_typed_values() -> None:
    event = parse_webhook(json.dumps(_deal_payload()).encode(), token=TOKEN)
    assert (event.subject, event.id, event.app_name, event.locale) == (
        "invoice",
        564047351,
        "fakturownia",
        "pl",
    )
    deal = event.deal
    assert deal is not None
    assert (deal.price, deal.paid, deal.date, deal.invoice_id) == (
        Decimal("123.0"),
        False,
        date(2026, 9, 15),
        21552648,
    )
    assert deal.client is not None and deal.client.tax_no == "5252445767"
    assert deal.client.extra == {"external_ids": {"fakturownia": 1}}
    assert "api_token" not in event.payload
    assert TOKEN not in repr(event) and TOKEN not in str(event.payload)


def test_client_product_and_relayed_invoice_events() -> None:
    client = parse_webhook(
        {"client": {"id": 5, "name": "ACME", "company": "1"}, "api_token": TOKEN}, token=TOKEN
    )
    assert client.subject == "client" and client.client is not None
    assert (client.client.id, client.client.company) == (5, True)
    product = parse_webhook(
        json.dumps({"product": {"id": 9, "name": "W", "price_net": "10,50"}, "api_token": TOKEN}),
        token=Secret(TOKEN),
    )
    assert product.subject == "product" and product.product is not None
    assert product.product.price_net == Decimal("10.50")
    relayed = parse_webhook(
        {"data": {"invoice": {"id": 3, "price_gross": "12.30"}}, "api_token": TOKEN}, token=TOKEN
    )
    assert relayed.subject == "invoice" and relayed.invoice is not None
    assert relayed.invoice.price_gross == Decimal("12.30")
    unknown = parse_webhook({"something": 1, "api_token": TOKEN}, token=TOKEN)
    assert unknown.subject == "unknown" and unknown.payload == {"something": 1}


@pytest.mark.parametrize(
    "body",
    [
        _deal_payload() | {"api_token": "wrong"},
        {key: value for key, value in _deal_payload().items() if key != "api_token"},
        _deal_payload() | {"api_token": 12345},
        _deal_payload() | {"api_token": ""},
    ],
    ids=["wrong", "missing", "not-a-string", "blank"],
)
def test_a_missing_or_wrong_token_is_refused(body: dict[str, Any]) -> None:
    with pytest.raises(WebhookError) as caught:
        parse_webhook(body, token=TOKEN)
    assert caught.value.reason == "token"
    assert TOKEN not in str(caught.value)


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", b'"text"', b"", "{" * 3, b"{" + b" " * (1024 * 1024 + 1) + b"}"],
    ids=["garbage", "array", "string", "empty", "truncated", "too-big"],
)
def test_bodies_that_are_no_json_object_are_malformed(body: bytes | str) -> None:
    with pytest.raises(WebhookError) as caught:
        parse_webhook(body, token=TOKEN)
    assert caught.value.reason == "malformed"


def test_a_record_of_the_wrong_shape_is_malformed_not_a_crash() -> None:
    with pytest.raises(WebhookError, match="deal") as caught:
        parse_webhook({"deal": {"price": "not money"}, "api_token": TOKEN}, token=TOKEN)
    assert caught.value.reason == "malformed"
    with pytest.raises(WebhookError):
        parse_webhook({"client": ["not", "an", "object"], "api_token": TOKEN}, token=TOKEN)


def test_token_matches_is_exact() -> None:
    assert token_matches(TOKEN, TOKEN) and token_matches(TOKEN, Secret(TOKEN))
    assert not token_matches(TOKEN + "x", TOKEN)
    assert not token_matches(TOKEN.upper(), TOKEN)
    assert not token_matches(None, TOKEN)
    assert not token_matches("", "")


def test_token_none_skips_the_check_on_purpose() -> None:
    event = parse_webhook(_deal_payload() | {"api_token": "anything"}, token=None)
    assert event.deal is not None and "api_token" not in event.payload


@pytest.mark.parametrize(("raw", "expected"), [("564047351", 564047351), (7, 7), ("x7", None)])
def test_the_events_id_is_read_as_the_api_sends_ids(raw: object, expected: int | None) -> None:
    # IDs arrive as an int or as digits (api-quirks): "564047351" was dropped to None.
    event = parse_webhook({"id": raw, "client": {"id": 1, "name": "A"}}, token=None)
    assert event.id == expected


@pytest.mark.parametrize(
    "body",
    [
        b'{"api_token": "hook-s3cret", "deal": {"name": ',  # cut short: a codec error
        '{"api_token": "hook-s3cret", "x": "\udcff"}',  # a lone surrogate: no UTF-8 text
    ],
    ids=["truncated", "surrogate"],
)
def test_a_malformed_body_leaves_no_error_behind_that_holds_it(body: bytes | str) -> None:
    # "from None" only hides the error a refusal was raised in handling: a UnicodeEncodeError
    # holds the whole text, and a codec error's frames the body, both with the service's token.
    with pytest.raises(WebhookError) as caught:
        parse_webhook(body, token=TOKEN)
    assert caught.value.reason == "malformed"
    assert caught.value.__context__ is None
    assert caught.value.__cause__ is None
    assert caught.value.__traceback__ is not None  # its own frames only: the raise here
    assert TOKEN not in repr(caught.value) + str(caught.value)


@pytest.mark.parametrize("subject", ["invoice", "product"])
def test_a_relay_key_beside_an_invoice_or_product_record_is_no_envelope(subject: str) -> None:
    record = {"id": 7, "name": "Widget"} if subject == "product" else {"id": 7, "number": "1/26"}
    body = {subject: record, "webhook": {"relayed_by": "proxy"}, "api_token": TOKEN}
    event = parse_webhook(json.dumps(body).encode(), token=TOKEN)
    assert event.subject == subject
    found = event.product if subject == "product" else event.invoice
    assert found is not None and found.id == 7
