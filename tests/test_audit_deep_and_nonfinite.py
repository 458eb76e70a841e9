"""Answers nested beyond Python's recursion limit, and numbers that are not finite (audit, 2026-12).

orjson reads 1024 levels of nesting and expat any number, so a body deeper than Python recurses
decodes fine; what the SDK then does with it must not raise a raw RecursionError: masking the
credential out of an error body, making its message, writing a record back. NaN and infinities
are no amounts and no ids: a write refuses them before sending, a read refuses them as ids
(``int(inf)`` raises OverflowError, which nothing expected).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from invoceanio import (
    APIError,
    ConfigurationError,
    DecodeError,
    InvoiceOcean,
    RetryPolicy,
    ValidationError,
    WebhookError,
)
from invoceanio.models import Invoice, InvoiceDraft, PositionDraft, structure
from invoceanio.models.converter import structure_int
from invoceanio.redaction import mask_needles
from invoceanio.transport import MockTransport
from invoceanio.webhooks import Deal, parse_webhook
from tests.support import json_response, raw_response

TOKEN = "tok-deep-5e1f"


async def _no_sleep(_: float) -> None:
    return None


def _nested(depth: int, leaf: bytes = b"1") -> bytes:
    return b"[" * depth + leaf + b"]" * depth


def _client(transport: MockTransport) -> InvoiceOcean:
    return InvoiceOcean(
        prefix="acme", api_token=TOKEN, transport=transport, retry=RetryPolicy(sleep=_no_sleep)
    )


@pytest.mark.parametrize(
    ("status", "body", "content_type", "error"),
    [
        (422, b'{"message":' + _nested(1000) + b"}", "application/json", ValidationError),
        (404, _nested(1000), "application/json", APIError),
        (
            200,
            b'{"code":"error","message":{"f":' + _nested(1000) + b"}}",
            "application/json",
            ValidationError,
        ),
        (
            422,
            b"<errors>" + b"<e>" * 3000 + b"x" + b"</e>" * 3000 + b"</errors>",
            "application/xml",
            ValidationError,
        ),
    ],
)
async def test_an_error_answer_nested_past_the_recursion_limit_is_a_typed_error(
    status: int, body: bytes, content_type: str, error: type[Exception]
) -> None:
    transport = MockTransport(lambda _: raw_response(status, body, content_type))
    async with _client(transport) as io:
        with pytest.raises(error) as caught:
            await io.invoices.get(1)
    assert len(str(caught.value)) < 1000  # the message is cut to size, not 1000 brackets


async def test_the_token_is_masked_at_any_depth_of_an_error_answer() -> None:
    body = b'{"message":' + _nested(900, b'"' + TOKEN.encode() + b'"') + b"}"
    transport = MockTransport(lambda _: raw_response(422, body, "application/json"))
    async with _client(transport) as io:
        with pytest.raises(ValidationError) as caught:
            await io.invoices.get(1)
    leaf: Any = caught.value.body
    for _ in range(900):
        leaf = leaf["message"] if isinstance(leaf, dict) else leaf[0]
    assert leaf == ["REDACTED"] or leaf == "REDACTED"
    assert TOKEN not in str(caught.value)


def test_masking_keeps_the_shape_lists_tuples_and_dicts() -> None:
    value = {"a": ["xTx", ("T", ["T", ("k", "T")]), {"T": "b"}], "n": 5, "t": ("T",)}
    assert mask_needles(value, ["T"]) == {
        "a": ["xREDACTEDx", ("REDACTED", ["REDACTED", ("k", "REDACTED")]), {"REDACTED": "b"}],
        "n": 5,
        "t": ("REDACTED",),
    }


async def test_a_record_with_a_deep_extra_value_reads_and_is_refused_on_write_back() -> None:
    # 1000 levels: within orjson's limit (1024), past what a recursive writer survives.
    answer = b'{"id": 1, "number": "FV1", "deep": ' + _nested(1000) + b"}"
    transport = MockTransport(lambda _: raw_response(200, answer, "application/json"))
    async with _client(transport) as io:
        invoice = await io.invoices.get(1)
        assert "deep" in invoice.extra
        with pytest.raises(ConfigurationError, match="nested too deeply"):
            await io.invoices.update(1, invoice)
    assert [request.method for request in transport.requests] == ["GET"]


@pytest.mark.parametrize("value", ["NaN", "sNaN", "Infinity", "-Infinity"])
async def test_a_non_finite_decimal_is_refused_before_sending(value: str) -> None:
    transport = MockTransport(lambda _: json_response(201, {"id": 1}))
    draft = InvoiceDraft(
        buyer_name="B", positions=[PositionDraft(name="P", total_price_gross=Decimal(value))]
    )
    async with _client(transport) as io:
        with pytest.raises(ConfigurationError, match="finite"):
            await io.invoices.create(draft)
    assert transport.requests == []


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), 1.5, Decimal("NaN")])
def test_an_id_that_is_no_finite_integer_is_a_value_error(value: Any) -> None:
    with pytest.raises(ValueError):
        structure_int(value)


@pytest.mark.parametrize("value", [12.0, -7.0, float(2**53 - 1)])
def test_an_integral_float_reads_as_its_integer(value: float) -> None:
    assert structure_int(value) == int(value)


@pytest.mark.parametrize("value", [float(2**53), float(2**53 + 2), 1e20, -1.8446744073709552e19])
def test_a_float_past_the_exact_integers_is_no_id(value: float) -> None:
    # From 2**53 on a float may be the rounding of the integer the server wrote (2**53 + 1
    # reads as 2**53).
    with pytest.raises(ValueError, match="expected an integer"):
        structure_int(value)


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_an_id_rounded_by_the_json_reader_is_a_decode_error_not_another_id(
    fmt: str,
) -> None:
    # orjson reads an integer past 64 bits as a float: 18446744073709551617 would become the
    # id 18446744073709551616, another object's. The float itself is sent here, so the test
    # holds whichever JSON reader is installed.
    body = b'{"id": 1.8446744073709552e19, "number": "FV/1"}'
    transport = MockTransport(lambda _: raw_response(200, body, "application/json"))
    async with InvoiceOcean(prefix="acme", api_token=TOKEN, transport=transport, format=fmt) as io:
        with pytest.raises(DecodeError, match="not a valid Invoice"):
            await io.invoices.get(1)
        with pytest.raises(DecodeError, match="no valid id"):
            await io.invoices.create_document_id({"buyer_name": "B"})


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"id": 1e400}', "application/json"),
        (b'<invoice><id type="float">inf</id></invoice>', "application/xml"),
    ],
)
async def test_an_infinite_id_in_a_create_answer_is_a_decode_error(
    body: bytes, content_type: str
) -> None:
    fmt = "xml" if "xml" in content_type else "json"
    transport = MockTransport(lambda _: raw_response(201, body, content_type))
    async with InvoiceOcean(prefix="acme", api_token=TOKEN, transport=transport, format=fmt) as io:
        # orjson already refuses an infinite number; XML's type="float" reads one.
        with pytest.raises(DecodeError):
            await io.invoices.create_document_id({"buyer_name": "B"})
        with pytest.raises(DecodeError):
            await io.invoices.create({"buyer_name": "B"})
    assert structure({"id": 7}, Invoice).id == 7


def test_a_webhook_body_of_text_that_is_no_utf8_is_malformed() -> None:
    for body in (
        '{"api_token":"t","x":"\ud800"}',
        b'{"x":"\xff"}'.decode("utf-8", "surrogateescape"),
    ):
        with pytest.raises(WebhookError) as caught:
            parse_webhook(body, token="t")
        assert caught.value.reason == "malformed"


@pytest.mark.parametrize(
    ("external", "expected"),
    [(float("inf"), None), (1.5, None), ("12", 12), (12, 12), (True, None), ("x", None)],
)
def test_a_deals_invoice_id_is_an_id_or_none(external: Any, expected: int | None) -> None:
    assert Deal(external_ids={"fakturownia": external}).invoice_id == expected
