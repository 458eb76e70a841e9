"""The sandbox's XML wire edges: a request body behind a byte-order mark, and hash keys that
look like the ISO/IEC 9075-14 escape of another key."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from invoceanio.codecs import XmlCodec
from invoceanio.sandbox import Sandbox
from invoceanio.sandbox.wire import xml_element_name, xml_element_names

BOM = b"\xef\xbb\xbf"
INVOICE = (
    b"<invoice><kind>vat</kind><buyer_name>ACME</buyer_name><positions><position>"
    b"<name>P</name><tax>23</tax><total_price_gross>10</total_price_gross>"
    b"<quantity>1</quantity></position></positions></invoice>"
)


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(token="wire-encoding-token") as running:
        yield running


async def _post(sandbox: Sandbox, path: str, body: bytes) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {sandbox.token}", "Content-Type": "application/xml"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(sandbox.url + path, data=body, headers=headers) as response,
    ):
        return response.status, await response.read()


@pytest.mark.parametrize("prolog", [b"", b'<?xml version="1.0" encoding="UTF-8"?>\n'])
async def test_an_xml_body_behind_a_utf8_bom_is_read(sandbox: Sandbox, prolog: bytes) -> None:
    """The SDK's XML codec decodes a body that starts with a BOM; the sandbox must find its root
    element behind it too, not answer 400 "param is missing"."""
    body = BOM + prolog + INVOICE
    assert XmlCodec().decode(body)["buyer_name"] == "ACME"
    status, answer = await _post(sandbox, "/invoices.xml", body)
    assert status == 201, answer
    assert XmlCodec().decode(answer)["buyer_name"] == "ACME"


async def test_a_bom_does_not_hide_a_wrong_root(sandbox: Sandbox) -> None:
    status, answer = await _post(sandbox, "/invoices.xml", BOM + b"<client><name>A</name></client>")
    assert status == 400
    assert b"param is missing or the value is empty: invoice" in answer


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("_x0030_", "_x005F_x0030_"),  # reads as the escape of "0" unless escaped itself
        ("_x", "_x005F_x"),
        ("a_xb", "a_x005F_xb"),
        ("zażółć_x", "zażółć_x005F_x"),  # the non-ASCII path follows the same rule
        ("1_x", "_x0031__x005F_x"),
        ("_X0030_", "_X0030_"),  # only a lowercase x starts the escape
        ("ok_name", "ok_name"),
    ],
)
def test_an_underscore_starting_x_is_escaped(key: str, name: str) -> None:
    assert xml_element_name(key) == name


def test_a_key_spelled_like_an_escape_keeps_its_own_element() -> None:
    """``{"0": ..., "_x0030_": ...}`` used to come out as one element (the last value won)."""
    assert xml_element_names({"0": "zero", "_x0030_": "literal"}) == {
        "_x0030_": "zero",
        "_x005F_x0030_": "literal",
    }


async def test_an_xml_read_keeps_both_keys(sandbox: Sandbox) -> None:
    headers = {"Authorization": f"Bearer {sandbox.token}"}
    fields = {"0": "zero", "_x0030_": "literal"}
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{sandbox.url}/clients.json",
            json={"client": {"name": "Acme", "dynamic_fields": fields}},
            headers=headers,
        ) as response:
            assert response.status == 201
            client_id = (await response.json())["id"]
        async with session.get(f"{sandbox.url}/clients/{client_id}.xml", headers=headers) as got:
            assert got.status == 200
            decoded = XmlCodec().decode(await got.read())
    assert decoded["dynamic_fields"] == {"_x0030_": "zero", "_x005F_x0030_": "literal"}
