"""A large answer is decoded in a worker thread, so that it does not stall the event loop.

A page of 100 invoices in XML takes about 0.1 s of pure Python to parse: on the loop, every
other task of an app (its web requests, heartbeats) would wait that long. Each codec says past
which size its bodies go to a thread (``decode_off_loop_above``); the result and the errors are
the same either way.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from invoceanio import DecodeError
from invoceanio.codecs.json import JsonCodec
from invoceanio.codecs.registry import CodecRegistry
from invoceanio.codecs.xml import XmlCodec
from invoceanio.http import Response
from invoceanio.models import Invoice, structure
from tests.support import Recorder, invoice_payload, make_client


def _page(size: int) -> list[dict[str, Any]]:
    return [invoice_payload(id=n, number=f"FV {n}/11/2026") for n in range(1, size + 1)]


def _xml(status: int, body: bytes) -> Response:
    return Response(status=status, headers={"Content-Type": "application/xml"}, body=body)


def _json(body: bytes) -> Response:
    return Response(status=200, headers={"Content-Type": "application/json"}, body=body)


@pytest.fixture
def decoding_threads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The thread each XML and JSON decode ran in."""
    threads: list[int] = []
    for codec in (XmlCodec, JsonCodec):
        original = codec.decode

        def spy(self: Any, body: bytes, _original: Any = original) -> Any:
            threads.append(threading.get_ident())
            return _original(self, body)

        monkeypatch.setattr(codec, "decode", spy)
    yield threads


async def test_a_large_xml_page_is_decoded_in_a_worker_thread_with_the_same_result(
    decoding_threads: list[int],
) -> None:
    page = _page(40)
    body = XmlCodec().encode({"invoices": page})
    assert len(body) > XmlCodec.decode_off_loop_above  # type: ignore[operator]
    expected = [structure(item, Invoice) for item in XmlCodec().decode(body)]
    decoding_threads.clear()
    async with make_client(Recorder(_xml(200, body)), format="xml") as io:
        invoices = await io.invoices.list(per_page=40)
    assert invoices == expected
    assert decoding_threads and threading.get_ident() not in decoding_threads


async def test_a_small_answer_is_decoded_on_the_loop(decoding_threads: list[int]) -> None:
    body = XmlCodec().encode({"invoice": invoice_payload()})
    async with make_client(Recorder(_xml(200, body)), format="xml") as io:
        invoice = await io.invoices.get(100)
    assert invoice.id == 100
    assert decoding_threads == [threading.get_ident()]


async def test_json_goes_to_a_thread_only_past_its_own_much_larger_size(
    decoding_threads: list[int],
) -> None:
    # orjson reads a 100-invoice page (~100 kB here) in well under a millisecond: on the loop.
    medium = json.dumps(_page(100)).encode()
    large = json.dumps([*_page(100), {"id": 0, "description": "x" * 1024 * 1024}]).encode()
    assert len(medium) > 16 * 1024 and len(large) > JsonCodec.decode_off_loop_above  # type: ignore[operator]
    async with make_client(Recorder(_json(medium), _json(large))) as io:
        assert len(await io.invoices.list(per_page=100)) == 100
        assert len(await io.invoices.list(per_page=100)) == 101
    loop_thread = threading.get_ident()
    assert decoding_threads[0] == loop_thread
    assert decoding_threads[1] != loop_thread


async def test_a_large_malformed_body_raises_the_same_decode_error_as_a_small_one() -> None:
    page = XmlCodec().encode({"invoices": _page(80)})
    broken = page[: len(page) // 2]  # cut mid-document
    small = XmlCodec().encode({"invoices": _page(1)})
    small_broken = small[: len(small) // 2]
    assert len(broken) > XmlCodec.decode_off_loop_above > len(small_broken)  # type: ignore[operator]
    errors: list[DecodeError] = []
    for body in (broken, small_broken):
        async with make_client(Recorder(_xml(200, body)), format="xml") as io:
            with pytest.raises(DecodeError) as caught:
                await io.invoices.list(per_page=80)
        errors.append(caught.value)
    large_error, small_error = errors
    assert large_error.method == small_error.method == "GET"
    assert large_error.url == small_error.url == "/invoices.xml?page=1&per_page=80"
    assert str(large_error).startswith("malformed XML: ")
    assert str(small_error).startswith("malformed XML: ")


async def test_a_codec_that_names_no_size_always_decodes_on_the_loop() -> None:
    # A codec written before the attribute existed: no thread, whatever the size.
    threads: list[int] = []

    class PlainJson:
        name = "json"
        media_type = "application/json"
        media_types = frozenset({"application/json"})
        suffix = ".json"

        def encode(self, data: Any) -> bytes:
            return json.dumps(data).encode()

        def decode(self, body: bytes) -> Any:
            threads.append(threading.get_ident())
            return json.loads(body)

    body = json.dumps([*_page(100), {"id": 0, "description": "x" * 2 * 1024 * 1024}]).encode()
    codecs = CodecRegistry([PlainJson()])
    async with make_client(Recorder(_json(body)), codecs=codecs) as io:
        assert len(await io.invoices.list(per_page=100)) == 101
    assert threads == [threading.get_ident()]
