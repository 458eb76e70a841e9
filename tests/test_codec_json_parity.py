"""The JSON codec reads the same bodies the same way with orjson and with the stdlib (orjson is
an optional extra: without it the stdlib parses every answer).

The stdlib used to take what orjson refuses: a \\u escape naming a lone surrogate, the raw
bytes of one (``json.loads(bytes)`` decodes with ``surrogatepass``), UTF-16 and a UTF-8 BOM.
Text holding a lone surrogate then failed far from the answer, in the next encode: a CSV
export ended in a raw UnicodeEncodeError.
"""

from __future__ import annotations

import pytest

from invoceanio import DecodeError
from invoceanio.codecs import CodecError, CodecRegistry, JsonCodec, XmlCodec
from invoceanio.models import Invoice
from tests.support import Recorder, invoice_payload, make_client, raw_response

CODECS = pytest.mark.parametrize(
    "codec", [JsonCodec(), JsonCodec(use_orjson=False)], ids=["orjson", "stdlib"]
)

REFUSED = {
    "lone-high-escape": b'{"buyer_name": "ACME \\ud800"}',
    "lone-low-escape": b'{"buyer_name": "\\udfff ACME"}',
    "high-then-no-low": b'{"buyer_name": "\\ud800\\u0041"}',
    "lone-escape-as-key": b'{"\\udbff": 1}',
    "lone-escape-deep": b'[[{"a": ["x", "\\uDC00"]}]]',
    "surrogate-bytes": b'{"buyer_name": "ACME \xed\xa0\x80"}',
    "utf-16": '{"buyer_name": "ACME"}'.encode("utf-16"),
    "utf-8-bom": b'\xef\xbb\xbf{"buyer_name": "ACME"}',
    "nan": b'{"price_gross": NaN}',
    "infinity": b'{"price_gross": Infinity}',
    "minus-infinity": b"[-Infinity]",
    "past-a-float": b'{"price_gross": 1e400}',
}


@CODECS
@pytest.mark.parametrize("body", REFUSED.values(), ids=REFUSED.keys())
def test_both_parsers_refuse_what_is_no_unicode_json(codec: JsonCodec, body: bytes) -> None:
    with pytest.raises(CodecError, match="malformed JSON"):
        codec.decode(body)


@CODECS
def test_an_escaped_surrogate_pair_is_its_character(codec: JsonCodec) -> None:
    body = b'{"buyer_name": "\\ud83d\\ude00 \\uD83C\\uDF89", "n": "\\u00f3"}'
    assert codec.decode(body) == {"buyer_name": "\U0001f600 \U0001f389", "n": "ó"}


async def test_a_stdlib_client_answers_decode_error_for_a_lone_surrogate() -> None:
    payload = invoice_payload(id=5, buyer_name="ACME-PLACEHOLDER")
    body = JsonCodec().encode(payload).replace(b"ACME-PLACEHOLDER", b"ACME \\ud800")
    good = raw_response(200, JsonCodec().encode(payload), "application/json")
    recorder = Recorder(raw_response(200, body, "application/json"), good)
    codecs = CodecRegistry([JsonCodec(use_orjson=False), XmlCodec()])
    io = make_client(recorder, codecs=codecs)

    with pytest.raises(DecodeError) as caught:
        await io.invoices.get(5)

    assert (caught.value.method, caught.value.url) == ("GET", "/invoices/5.json")
    # Not retried (the answer was read), and a valid answer still reads through the client.
    assert isinstance(await io.invoices.get(5), Invoice)
    assert len(recorder.requests) == 2
