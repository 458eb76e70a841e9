"""Bodies the SDK cannot use become :class:`DecodeError` (never a parser's, cattrs' or expat's own
exception), naming the method and the redacted path: malformed or truncated JSON, the wrong
shape, a field that is no valid value, XML with entity declarations, an unexpected content type
and a body over the transport's cap (:class:`ResponseTooLargeError`). In query-auth mode no error
text ever holds the token."""

from __future__ import annotations

import json
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from invoceanio import (
    DecodeError,
    InvoiceOcean,
    InvoiceOceanError,
    NotFoundError,
    ResponseTooLargeError,
)
from invoceanio.codecs.json import JsonCodec
from invoceanio.codecs.registry import CodecRegistry
from invoceanio.codecs.xml import XmlCodec
from invoceanio.http import Request, Response
from invoceanio.transport import MockTransport
from tests.support import Recorder, invoice_payload, json_response, make_client, raw_response

CANARY = "CANARY-9d41-query-token"
INVOICE_JSON = json.dumps(invoice_payload()).encode()

Call = Callable[[InvoiceOcean], Awaitable[Any]]
GET: Call = lambda io: io.invoices.get(1)  # noqa: E731
LIST: Call = lambda io: io.invoices.list()  # noqa: E731


async def decode_error(
    response: Response, call: Call = GET, **options: Any
) -> tuple[DecodeError, Recorder]:
    rec = Recorder(response)
    async with make_client(rec, **options) as io:
        with pytest.raises(InvoiceOceanError) as caught:
            await call(io)
    error = caught.value
    assert isinstance(error, DecodeError), repr(error)
    # Raised "from None": no parser exception rides along in the chain.
    assert error.__cause__ is None
    assert error.__suppress_context__ or error.__context__ is None
    return error, rec


def json_body(body: bytes) -> Response:
    return raw_response(200, body, "application/json; charset=utf-8")


# --- JSON ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b'{"id": 1,, }', b"{'id': 1}", b"<not json>", b'{"id": 1} trailing', b"\xff\xfe{}"],
    ids=["double-comma", "single-quotes", "markup", "trailing", "bad-utf8"],
)
async def test_malformed_json_names_the_method_and_path(body: bytes) -> None:
    error, rec = await decode_error(json_body(body))
    assert "GET" in str(error)
    assert "/invoices/1.json" in str(error)
    assert (error.method, error.url) == ("GET", "/invoices/1.json")
    assert error.status == 200
    assert error.content_type == "application/json"
    assert len(rec.requests) == 1  # a bad body is not a reason to send again


@pytest.mark.parametrize("cut", [1, 10, len(INVOICE_JSON) // 2, len(INVOICE_JSON) - 1])
async def test_truncated_json_body_is_a_decode_error(cut: int) -> None:
    error, _ = await decode_error(json_body(INVOICE_JSON[:cut]))
    assert "malformed JSON" in str(error)
    assert "GET" in str(error) and "/invoices" in str(error)


async def test_truncated_json_list_is_a_decode_error() -> None:
    page = json.dumps([invoice_payload(id=1), invoice_payload(id=2)]).encode()
    error, _ = await decode_error(json_body(page[:-3]), LIST)
    assert error.method == "GET"
    assert error.url.startswith("/invoices.json?")


@pytest.mark.parametrize(
    "document",
    [
        invoice_payload(),
        {"invoices": [invoice_payload()]},
        "ok",
        42,
        None,
    ],
    ids=["object", "envelope", "string", "number", "null"],
)
async def test_a_list_call_answered_with_something_else_is_a_decode_error(document: Any) -> None:
    error, _ = await decode_error(json_body(json.dumps(document).encode()), LIST)
    assert "expected a list" in str(error)
    assert "GET" in str(error) and "/invoices.json" in str(error)


@pytest.mark.parametrize("document", [[invoice_payload()], "ok", 7, None], ids=str)
async def test_a_get_answered_with_something_not_an_object_is_a_decode_error(
    document: Any,
) -> None:
    error, _ = await decode_error(json_body(json.dumps(document).encode()))
    assert "not a valid Invoice" in str(error)
    assert "GET /invoices/1.json" in str(error)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("price_gross", "abc"),
        ("price_gross", "1.234,56"),
        ("issue_date", "22.11.2026"),
        ("created_at", "yesterday"),
        ("id", "12a"),
        ("income", "maybe"),
        ("sell_date", "2026-13"),
        ("positions", "abc"),
        ("buyer_name", {"nested": True}),
    ],
)
async def test_an_object_with_a_bad_field_names_the_field_method_and_path(
    field: str, value: Any
) -> None:
    error, _ = await decode_error(json_response(200, invoice_payload(**{field: value})))
    text = str(error)
    assert "GET" in text
    assert "/invoices" in text
    assert field in text


async def test_a_bad_field_in_a_list_item_is_a_decode_error() -> None:
    page = [invoice_payload(id=1), invoice_payload(id=2, price_gross="abc")]
    error, _ = await decode_error(json_response(200, page), LIST)
    assert "price_gross" in str(error)
    assert "GET /invoices.json" in str(error)


async def test_a_bad_field_in_a_position_is_a_decode_error() -> None:
    payload = invoice_payload(positions=[{"id": 1, "quantity": "dwa"}])
    error, _ = await decode_error(json_response(200, payload))
    assert "quantity" in str(error)


async def test_a_bad_create_answer_names_post() -> None:
    error, _ = await decode_error(
        raw_response(201, b'{"id": 5, "price_gross": "abc"}', "application/json"),
        lambda io: io.invoices.create({"buyer_name": "x"}),
    )
    assert (error.method, error.url) == ("POST", "/invoices.json")
    assert "POST /invoices.json" in str(error)


@pytest.mark.parametrize("use_orjson", [True, False], ids=["orjson", "stdlib-json"])
@pytest.mark.parametrize("opener", [b"[", b'{"a":'])
async def test_deeply_nested_json_is_a_decode_error_with_either_parser(
    use_orjson: bool, opener: bytes
) -> None:
    depth = 100_000
    closer = b"]" if opener == b"[" else b"}"
    body = opener * depth + b"1" + closer * depth
    codecs = CodecRegistry([JsonCodec(use_orjson=use_orjson), XmlCodec()])
    error, _ = await decode_error(json_body(body), codecs=codecs)
    assert "GET /invoices/1.json" in str(error)


# --- XML ----------------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<invoice><buyer_name>&lol9;</buyer_name></invoice>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE invoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<invoice><buyer_name>&xxe;</buyer_name></invoice>"""
PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE invoice [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>
<invoice><id>1</id></invoice>"""


@pytest.mark.parametrize(
    "body",
    [BILLION_LAUGHS, EXTERNAL_ENTITY, PARAMETER_ENTITY],
    ids=["billion-laughs", "external-entity", "parameter-entity"],
)
@pytest.mark.parametrize("call", [GET, LIST], ids=["get", "list"])
async def test_xml_with_entity_declarations_is_refused(body: bytes, call: Call) -> None:
    error, rec = await decode_error(raw_response(200, body, "application/xml"), call, format="xml")
    assert "DOCTYPE" in str(error) or "ENTITY" in str(error)
    assert error.method == "GET"
    assert error.url.startswith("/invoices")
    assert ".xml" in error.url
    assert "root:" not in str(error)  # nothing of /etc/passwd came back
    assert len(rec.requests) == 1


@pytest.mark.parametrize(
    "body",
    [
        b"<invoice><id>1</invoice>",
        b'<invoice><id type="integer">abc</id></invoice>',
        b"<invoice><buyer_name>&undefined;</buyer_name></invoice>",
        b"",
        b"not xml at all",
    ],
    ids=["mismatched", "bad-typed-integer", "undefined-entity", "empty", "text"],
)
async def test_malformed_xml_is_a_decode_error(body: bytes) -> None:
    error, _ = await decode_error(raw_response(200, body, "application/xml"), format="xml")
    assert "GET /invoices/1.xml" in str(error)


# --- content type and size ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type", ["application/octet-stream", "text/plain", "image/png", "application/pdf"]
)
@pytest.mark.parametrize("call", [GET, LIST], ids=["get", "list"])
async def test_an_unexpected_content_type_on_a_data_call_is_a_decode_error(
    content_type: str, call: Call
) -> None:
    error, _ = await decode_error(raw_response(200, INVOICE_JSON, content_type), call)
    assert content_type in str(error)
    assert error.content_type == content_type
    assert "GET /invoices" in str(error)


async def cap_error(
    body: bytes, call: Call, cap: int, **options: Any
) -> tuple[ResponseTooLargeError, MockTransport]:
    def handler(request: Request) -> Response:
        return raw_response(200, body, "application/json")

    transport = MockTransport(handler, max_body_size=cap)
    options.setdefault("prefix", "acme")
    options.setdefault("api_token", "test-token")
    async with InvoiceOcean(transport=transport, **options) as io:
        with pytest.raises(ResponseTooLargeError) as caught:
            await call(io)
    assert isinstance(caught.value, DecodeError)
    return caught.value, transport


async def test_a_body_over_the_transport_cap_is_response_too_large() -> None:
    error, transport = await cap_error(INVOICE_JSON, GET, cap=64)
    assert "64" in str(error)
    assert error.method == "GET"
    assert "/invoices/1.json" in error.url
    assert len(transport.requests) == 1  # not retried: a second read would be as large


async def test_a_body_at_the_cap_is_read() -> None:
    transport = MockTransport(
        lambda request: raw_response(200, INVOICE_JSON, "application/json"),
        max_body_size=len(INVOICE_JSON),
    )
    async with InvoiceOcean(prefix="acme", api_token="t", transport=transport) as io:
        invoice = await io.invoices.get(1)
    assert invoice.id == 100


async def test_a_pdf_over_the_transport_cap_is_response_too_large() -> None:
    error, _ = await cap_error(b"%PDF-1.4" + b"0" * 1000, lambda io: io.invoices.pdf(1), cap=512)
    assert "/invoices/1.pdf" in error.url


# --- no token in any error text -----------------------------------------------------------------


def all_text(error: BaseException) -> str:
    return "".join(traceback.format_exception(error)) + repr(error) + str(vars(error))


@pytest.mark.parametrize(
    "response",
    [
        raw_response(200, b'{"id": 1,,}', "application/json"),
        json_response(200, invoice_payload(price_gross="abc")),
        raw_response(200, b"<!DOCTYPE html><html>login</html>", "text/html"),
        raw_response(200, b"...", "application/octet-stream"),
    ],
    ids=["malformed", "bad-field", "html", "content-type"],
)
async def test_query_auth_decode_errors_never_hold_the_token(response: Response) -> None:
    error, rec = await decode_error(response, auth="query", api_token=CANARY)
    assert ("api_token", CANARY) in rec.requests[0].params  # the token was on the wire
    assert CANARY not in all_text(error)
    assert "GET /invoices/1.json" in str(error)


async def test_query_auth_response_too_large_redacts_the_path() -> None:
    error, _ = await cap_error(
        INVOICE_JSON,
        lambda io: io.invoices.list(period="all"),
        cap=16,
        auth="query",
        api_token=CANARY,
    )
    assert CANARY not in all_text(error)
    assert "api_token=REDACTED" in error.url
    assert "period=all" in error.url


# --- an error status is an APIError even when its body cannot be decoded ------------------------


async def test_an_error_status_with_a_malformed_body_is_still_the_typed_api_error() -> None:
    rec = Recorder(raw_response(404, b'{"code": "error", "message": ', "application/json"))
    async with make_client(rec) as io:
        with pytest.raises(NotFoundError) as caught:
            await io.invoices.get(1)
    assert caught.value.status == 404
    assert caught.value.url == "/invoices/1.json"
