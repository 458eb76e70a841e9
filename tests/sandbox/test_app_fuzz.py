"""No request makes the sandbox answer 500: hypothesis throws random requests at the app.

Random methods, paths (known routes, random segments and suffixes, random query strings) and
bodies (random bytes, random JSON, XML fragments, and invoice/client-shaped documents whose
fields hold values of every JSON type) go through aiohttp's TestClient to an app holding
invoices, a client, a payment, a product and a price list, so member routes, updates, the
create variants, the attachment bucket (random multipart forms, some with a real credential's
fields), KSeF, fiscal printing, the public links and the clients merge are reached too. Every
answer must be below 500, every error answer a JSON body (the S3 bucket's an S3 XML
``<Error>``), and no request may reach the catch-all that turns an unexpected exception into
a logged 400.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invoceanio.sandbox import FaultConfig, create_app
from invoceanio.sandbox.faults import FaultEngine

TOKEN = "fuzz-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["", "0", "1", "-1", "yes", "zw", "23", "2026-11-22", "1,5", "1e400"])
    | st.sampled_from(
        ["gov", "gov_upo", "custom", "FISKATOR", "2", "e-receipt", "a.pdf", "id,number,gov_status"]
    )
    | st.sampled_from(["connected_payments", "cancel_reason,connected_payments", "1,2", "3"])
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
_POSITION_KEYS = st.sampled_from(
    [
        "id",
        "_destroy",
        "name",
        "tax",
        "quantity",
        "price_net",
        "price_gross",
        "total_price_gross",
        "total_price_net",
        "discount_percent",
        "discount",
        "kind",
        "product_id",
        "correction_before_attributes",
        "correction_after_attributes",
    ]
)
_POSITION = st.dictionaries(_POSITION_KEYS, _JSON, max_size=5)
_INVOICE_KEYS = st.sampled_from(
    [
        "buyer_name",
        "client_id",
        "issue_date",
        "sell_date",
        "kind",
        "number",
        "oid",
        "oid_unique",
        "payment_to_kind",
        "payment_to",
        "income",
        "show_discount",
        "discount_kind",
        "paid",
        "buyer_company",
        "buyer_override",
        "settlement_positions",
        "name",
        "company",
        "cancel_invoice_id",
        "cancel_reason",
        "api_token",
        "copy_invoice_from",
        "advance_creation_mode",
        "advance_value",
        "position_name",
        "invoice_ids",
        "invoice_id",
        "from_invoice_id",
        "total_correction",
        "correction_reason",
        "gov_save_and_send",
        "merge_ids",
        "seller_tax_no",
        "buyer_tax_no",
    ]
)
# Values that reach the variants' logic rather than their type checks.
_VARIANT = st.fixed_dictionaries(
    {
        "copy_invoice_from": st.sampled_from([1, 2, "1", 99, None]),
        "kind": st.sampled_from(["vat", "advance", "final", "correction", "proforma", None]),
    },
    optional={
        "advance_creation_mode": st.sampled_from(["percent", "amount", "x"]),
        "advance_value": st.sampled_from(["10", "50,5", "0", "101", "-1", "x", 5]),
        "invoice_ids": st.sampled_from([[2], [1, 2], [], "2", [99], {"a": 1}]),
        "total_correction": st.sampled_from(["1", "0", True, "maybe"]),
        "positions": st.sampled_from([None, []]),
        "payment_to_kind": st.sampled_from(["14", "other_date", "off"]),
    },
)
_DOCUMENT = st.dictionaries(_INVOICE_KEYS, _JSON, max_size=6).flatmap(
    lambda fields: (
        st.lists(_POSITION | _JSON, max_size=3).map(
            lambda positions: {**fields, "positions": positions}
        )
        | st.just(fields)
    )
)
_BODY = st.one_of(
    st.binary(max_size=200),
    _JSON.map(lambda value: json.dumps(value).encode()),
    st.sampled_from(["invoice", "client", "x"]).flatmap(
        lambda root: _DOCUMENT.map(lambda doc: json.dumps({root: doc, "api_token": TOKEN}).encode())
    ),
    _DOCUMENT.map(lambda doc: json.dumps(doc).encode()),
    st.sampled_from(
        [
            b'<invoice><positions type="array"><position><tax>x</tax></position>'
            b"</positions></invoice>",
            b'<invoice><client_id type="integer">abc</client_id></invoice>',
            b"<client/>",
            b'<?xml version="1.0"?><invoice>',
            b"<!DOCTYPE x><invoice/>",
            b'<invoices type="array"><invoice/></invoices>',
        ]
    ),
    st.just(b""),
)
_BASES = st.sampled_from(
    [
        "/invoices",
        "/invoices/1",
        "/invoices/2",
        "/invoices/cancel",
        "/invoices/1/send_by_email",
        "/invoices/1/change_status",
        "/invoices/1/get_new_attachment_credentials",
        "/invoices/1/add_attachment",
        "/invoices/1/attachments_zip",
        "/invoices/1/attachment",
        "/invoices/fiscal_print",
        "/printers",
        "/invoice/seedtoken",
        "/invoice/payment/seedtoken",
        "/f/slug/seedtoken",
        "/__uploads__",
        "/__uploads__/attachments/1/x",
        "/__uploads__/ksef/seedtoken/x.xml",
        "/clients/1/merge",
        "/price_lists/1/prices_for_products",
        "/clients",
        "/clients/1",
        "/__sandbox__/records/invoices",
        "/__sandbox__/counts",
        "/__sandbox__/faults",
        "/",
        "/invoices/99999999999999999999",
    ]
)
_SUFFIX = st.sampled_from([".json", ".xml", ".pdf", "", ".html", ".JSON"]) | st.text(
    max_size=6
).map(lambda text: quote(text, safe=""))
_QUERY = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "page",
                "per_page",
                "period",
                "date_from",
                "date_to",
                "client_id",
                "income",
                "kinds[]",
                "order",
                "include_positions",
                "oid",
                "email_to",
                "email_cc",
                "status",
                "print_option",
                "invoice_ids",
                "name",
                "additional_fields[invoice]",
                "fields[invoice]",
                "send_to_ksef",
                "gov_save_and_send",
                "kind",
                "file_name",
                "invoice_ids[]",
                "fiskator_name",
                "id",
                "mode",
                "inline",
                "product_ids[]",
                "product_ids",
                "merge_ids[]",
            ]
        ),
        _SCALARS.map(lambda value: "" if value is None else str(value)),
    ),
    max_size=4,
)

_RANDOM = st.tuples(
    st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"]),
    st.tuples(_BASES, _SUFFIX).map("".join),
    _BODY,
)
# Well-formed requests to real routes with random documents: these reach the handlers' logic.
_COHERENT = st.sampled_from(
    [
        ("POST", "/invoices.json", "invoice"),
        ("PUT", "/invoices/1.json", "invoice"),
        ("PATCH", "/invoices/1.json", "invoice"),
        ("POST", "/clients.json", "client"),
        ("PUT", "/clients/1.json", "client"),
    ]
).flatmap(
    lambda route: _DOCUMENT.map(
        lambda doc: (route[0], route[1], json.dumps({route[2]: doc}).encode())
    )
)
_CANCEL = _DOCUMENT.map(lambda doc: ("POST", "/invoices/cancel.json", json.dumps(doc).encode()))
_VARIANTS = st.tuples(_VARIANT, st.just({}) | _DOCUMENT).map(
    lambda pair: (
        "POST",
        "/invoices.json",
        json.dumps({"invoice": {**pair[1], **pair[0]}}).encode(),
    )
)
_MERGE = _DOCUMENT.map(lambda doc: ("POST", "/clients/1/merge.json", json.dumps(doc).encode()))
# The new routes, well formed (the random query does the rest).
_ACTIONS = st.sampled_from(
    [
        ("GET", "/invoices/1.json"),
        ("GET", "/invoices/3.json"),
        ("GET", "/invoices/3.xml"),
        ("GET", "/invoices/1/attachment"),
        ("GET", "/invoices/3/attachment"),
        ("GET", "/invoices/1/attachments_zip.json"),
        ("GET", "/invoices/1/get_new_attachment_credentials.json"),
        ("POST", "/invoices/1/add_attachment.json"),
        ("GET", "/invoices/fiscal_print"),
        ("GET", "/invoices/fiscal_print?fiskator_name=FISKATOR&invoice_ids[]=1"),
        ("GET", "/invoices/fiscal_print?fiskator_name=2&id=3&mode=e-receipt"),
        ("GET", "/invoices/3.json?send_to_ksef=yes"),
        ("GET", "/invoices/3/attachment?kind=gov"),
        ("GET", "/price_lists/1/prices_for_products.json?product_ids[]=1"),
        ("GET", "/printers.json"),
        ("GET", "/invoice/seedtoken"),
        ("GET", "/invoice/seedtoken.pdf"),
        ("GET", "/invoice/payment/seedtoken"),
        ("GET", "/f/x/seedtoken"),
        ("GET", "/price_lists/1/prices_for_products.json"),
        ("GET", "/__uploads__/ksef/seedtoken/x.xml"),
        ("POST", "/clients/2/merge.json"),
        ("PUT", "/invoices/3.json"),
    ]
).map(lambda route: (route[0], route[1], b""))
_COHERENT = _COHERENT | _CANCEL | _VARIANTS | _MERGE | _ACTIONS
_FORM_NAMES = st.sampled_from(
    [
        "key",
        "policy",
        "signature",
        "AWSAccessKeyId",
        "acl",
        "success_action_status",
        "Content-Type",
        "file",
        "x-ignore-me",
        "other",
    ]
)
BOUNDARY = "fuzzBoundary7MA4YWxkTrZu0gW"


# Content-Type values for the upload's policy field and its file part: parameters, charsets,
# quoting and control characters (a stored one once broke the download's headers).
_CONTENT_TYPES = st.sampled_from(
    [
        "text/plain; charset=utf-8",
        'text/csv; charset="ISO-8859-2"; header=present',
        "application/pdf; name=a.pdf",
        "text/plain;charset=",
        "; charset=utf-8",
        "a\nb",
        "x\x01y",
        "text/plain\r\nX-Evil: 1",
        "text/plain; charset=\x7f",
        "tëxt/plain",
        "image/png",
        "",
    ]
) | st.text(max_size=12)
Part = tuple[str, str | bytes, bool, str | None]


def _multipart(parts: list[Part]) -> bytes:
    """A multipart/form-data body; a part flagged True is sent as a file, with the part
    ``Content-Type`` header given (None: none)."""
    out = b""
    for name, value, is_file, content_type in parts:
        filename = '; filename="f.bin"' if is_file else ""
        header = "" if content_type is None else f"\r\nContent-Type: {content_type}"
        data = value if isinstance(value, bytes) else value.encode()
        out += (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"{filename}'
            f"{header}\r\n\r\n"
        ).encode()
        out += data + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


def test_random_requests_never_get_a_500(caplog: pytest.LogCaptureFixture) -> None:
    engine = FaultEngine(FaultConfig(seed=1))
    loop = asyncio.new_event_loop()

    async def start() -> tuple[TestClient[Any, Any], dict[str, str], str]:
        client: TestClient[Any, Any] = TestClient(
            TestServer(create_app(token=TOKEN, faults=engine, max_body_size=2048))
        )
        await client.start_server()
        seed = {
            "invoice": {
                "buyer_name": "Seed",
                "buyer_email": "s@example.com",
                "positions": [{"name": "A", "tax": 23, "total_price_gross": 10}],
            }
        }
        created = await client.post("/invoices.json", json=seed, headers=AUTH)
        assert created.status == 201
        token = (await created.json())["token"]
        for extra in (
            {"kind": "client_order"},
            {"seller_name": "S", "seller_tax_no": "5252445767", "buyer_tax_no": "6272616681"},
        ):
            order = {"invoice": {**seed["invoice"], **extra}}
            assert (await client.post("/invoices.json", json=order, headers=AUTH)).status == 201
        for path, root, fields in (
            ("/banking/payments.json", "banking_payment", {"price": "1", "invoice_ids": [1]}),
            ("/products.json", "product", {"name": "P", "tax": "23", "price_net": "10"}),
            (
                "/price_lists.json",
                "price_list",
                {"name": "L", "price_list_positions": [{"priceable_id": 1, "percentage": "5"}]},
            ),
            ("/clients.json", "client", {"name": "Second"}),
        ):
            assert (await client.post(path, json={root: fields}, headers=AUTH)).status == 201
        url = "/invoices/1/get_new_attachment_credentials.json"
        credential = await (await client.get(url, headers=AUTH)).json()
        return client, credential, token

    client, credential, seed_token = loop.run_until_complete(start())
    # Upload forms: random fields, most of them with the real credential's values.
    real = st.sampled_from([credential[name] for name in sorted(credential) if name != "url"])
    part: st.SearchStrategy[Part] = st.tuples(
        _FORM_NAMES,
        real | _CONTENT_TYPES | st.binary(max_size=20),
        st.booleans(),
        st.none() | _CONTENT_TYPES,
    )
    complete = st.just([(k, v, False, None) for k, v in credential.items() if k != "url"]).flatmap(
        lambda fields: st.tuples(
            st.lists(part, max_size=2), st.binary(max_size=64), st.none() | _CONTENT_TYPES
        ).map(lambda extra: [*fields, *extra[0], ("file", extra[1], True, extra[2])])
    )
    uploads = (st.lists(part, max_size=8) | complete).map(
        lambda parts: ("POST", "/__uploads__", _multipart(parts))
    )
    # A fresh credential, an upload with a random policy Content-Type field and file part type,
    # then the download of what was stored: the answer the uploader's type shapes.
    typed_uploads = st.tuples(st.none() | _CONTENT_TYPES, st.none() | _CONTENT_TYPES).map(
        lambda types: ("UPLOAD", types[0] or "", (types[1] or "").encode())
    )

    async def upload_and_download(field: str, part_type: str) -> tuple[int, str, bytes]:
        url = "/invoices/2/get_new_attachment_credentials.json"
        fresh = await (await client.get(url, headers=AUTH)).json()
        fields: list[Part] = [(k, v, False, None) for k, v in fresh.items() if k != "url"]
        if field:
            fields.append(("Content-Type", field, False, None))
        body = _multipart([*fields, ("file", b"data", True, part_type or None)])
        headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
        uploaded = await client.post("/__uploads__", data=body, headers=headers)
        if uploaded.status != 201:
            return uploaded.status, uploaded.content_type, await uploaded.read()
        response = await client.get(f"/__uploads__/{quote(fresh['key'])}")
        assert response.status == 200, (field, part_type, await response.read())
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        return response.status, response.content_type, await response.read()

    async def send(method: str, path: str, body: bytes, authorized: bool) -> tuple[int, str, bytes]:
        if method == "UPLOAD":
            return await upload_and_download(path, body.decode())
        headers = dict(AUTH) if authorized else {}
        if path.startswith("/__uploads__") and body.startswith(f"--{BOUNDARY}".encode()):
            headers["Content-Type"] = f"multipart/form-data; boundary={BOUNDARY}"
        path = path.replace("seedtoken", seed_token)
        response = await client.request(method, path, data=body or None, headers=headers)
        return response.status, response.content_type, await response.read()

    @settings(
        max_examples=600,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        call=st.one_of(_COHERENT, _RANDOM, uploads, typed_uploads),
        query=_QUERY,
        authorized=st.booleans() | st.just(True),
    )
    def check(call: tuple[str, str, bytes], query: list[tuple[str, str]], authorized: bool) -> None:
        method, path, body = call
        search = "&".join(f"{quote(k)}={quote(v)}" for k, v in query)
        if search and method != "UPLOAD":
            path += f"{'&' if '?' in path else '?'}{search}"
        status, content_type, raw = loop.run_until_complete(send(method, path, body, authorized))
        engine.reconfigure(FaultConfig(seed=1))  # a fuzzed PUT /__sandbox__/faults must not stick
        assert status < 500, (method, path, body, raw[:300])
        bucket = method == "UPLOAD" or path.startswith("/__uploads__")
        if status >= 400 and bucket and content_type != "application/json":
            # The bucket plays S3 and answers its XML errors.
            assert content_type == "application/xml", (method, path, raw[:200])
            assert ElementTree.fromstring(raw).tag == "Error"
        elif status >= 400:
            assert content_type == "application/json", (method, path, raw[:200])
            assert json.loads(raw)["code"] == "error"

    try:
        with caplog.at_level(logging.ERROR):
            check()
        # The catch-all turns a crash into a 400, so a logged crash is a bug the fuzz found; so
        # is aiohttp's own "Unhandled exception" (a failure outside the middlewares, such as
        # writing a header it refuses, which drops the connection).
        crashes = [r.getMessage() for r in caplog.records if r.name.startswith("aiohttp")]
        crashes += [r.getMessage() for r in caplog.records if r.name == "invoceanio.sandbox"]
        assert crashes == []
    finally:
        loop.run_until_complete(client.close())
        loop.close()
