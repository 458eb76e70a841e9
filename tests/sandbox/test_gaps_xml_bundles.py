"""XML answers holding a hash whose keys are no XML element names, through the SDK's own client.

A bundle's ``package_products_details`` is stored in Rails' hash form (``{"0": {...}}``, spec
4.4). Spec 8 documents no XML answer for it, and Rails' ``to_xml`` would write ``<0>``, which is
not XML, so an XML read of a bundle used to fail. The sandbox writes such keys escaped as
ISO/IEC 9075-14 does (``<_x0030_>``): well-formed, reversible, and read by the SDK's XML codec
into the model like any other hash.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from invoceanio import InvoiceOcean, RetryPolicy
from invoceanio.codecs import XmlCodec
from invoceanio.models import Product
from invoceanio.sandbox import Sandbox

_ISO_9075_ESCAPE = re.compile(r"_x([0-9A-F]{4}|[0-9A-F]{8})_")


async def _no_sleep(_: float) -> None:
    return None


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(token="xml-bundles-token") as running:
        yield running


def _client(sandbox: Sandbox, fmt: str) -> InvoiceOcean:
    return InvoiceOcean(
        base_url=sandbox.url,
        api_token=sandbox.token,
        format=fmt,
        retry=RetryPolicy(sleep=_no_sleep),
        timeout=5,
    )


def _unescaped(details: dict[str, Any]) -> dict[str, Any]:
    """The keys as the JSON answer has them: the ISO 9075 escape undone."""
    return {
        _ISO_9075_ESCAPE.sub(lambda match: chr(int(match[1], 16)), key): value
        for key, value in details.items()
    }


async def _bundle(io: InvoiceOcean) -> tuple[Product, Product]:
    """A bundle of two products (created in JSON, the only documented form of a product write),
    and its JSON read."""
    first = await io.products.create({"name": "Cable", "price_gross": "12.30", "tax": "23"})
    second = await io.products.create({"name": "Plug", "price_gross": "2.46", "tax": "23"})
    bundle = await io.products.create(
        {
            "name": "Cable kit",
            "package": True,
            "package_products_details": {
                "0": {"id": first.id, "quantity": 2},
                "1": {"id": second.id, "quantity": 1},
            },
        }
    )
    assert bundle.id is not None
    return bundle, await io.products.get(bundle.id)


async def test_an_xml_client_reads_a_bundle_and_its_details(sandbox: Sandbox) -> None:
    async with _client(sandbox, "json") as io_json, _client(sandbox, "xml") as io_xml:
        bundle, as_json = await _bundle(io_json)
        assert bundle.id is not None
        as_xml = await io_xml.products.get(bundle.id)
    assert as_json.package_products_details == {
        "0": {"id": 1, "quantity": 2},
        "1": {"id": 2, "quantity": 1},
    }
    assert as_xml.package is True and as_xml.name == "Cable kit"
    assert as_xml.package_products_details == {
        "_x0030_": {"id": 1, "quantity": 2},
        "_x0031_": {"id": 2, "quantity": 1},
    }
    assert as_xml.package_products_details is not None
    assert _unescaped(as_xml.package_products_details) == as_json.package_products_details


async def test_an_xml_list_holding_a_bundle_reads_every_product(sandbox: Sandbox) -> None:
    async with _client(sandbox, "json") as io_json, _client(sandbox, "xml") as io_xml:
        bundle, _ = await _bundle(io_json)
        listed = await io_xml.products.list()
    assert [product.name for product in listed] == ["Cable", "Plug", "Cable kit"]
    (read,) = [product for product in listed if product.id == bundle.id]
    assert read.package_products_details is not None
    assert set(read.package_products_details) == {"_x0030_", "_x0031_"}


async def test_the_xml_answer_is_well_formed_with_escaped_element_names(sandbox: Sandbox) -> None:
    async with _client(sandbox, "json") as io_json:
        bundle, _ = await _bundle(io_json)
    url = f"{sandbox.url}/products/{bundle.id}.xml"
    headers = {"Authorization": f"Bearer {sandbox.token}"}
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as response:
        assert response.status == 200
        assert response.content_type == "application/xml"
        body = await response.read()
    assert b"<_x0030_>" in body and b"<0>" not in body
    decoded = XmlCodec().decode(body)
    assert decoded["package_products_details"]["_x0031_"] == {"id": 2, "quantity": 1}


async def test_other_stored_keys_xml_cannot_name_are_escaped_too(sandbox: Sandbox) -> None:
    """Not only bundles: any stored hash, here a client card's ``dynamic_fields``."""
    fields = {"1st field": "a", "ok_name": "b", "x:y": "c", "_x": "d", "zażółć": "e"}
    async with _client(sandbox, "json") as io_json, _client(sandbox, "xml") as io_xml:
        created = await io_json.clients.create({"name": "Acme", "dynamic_fields": fields})
        assert created.id is not None
        read = await io_xml.clients.get(created.id)
    assert read.extra["dynamic_fields"] == {
        "_x0031_st_x0020_field": "a",
        "ok_name": "b",  # a valid name stays as it is
        "x_x003A_y": "c",
        "_x005F_x": "d",  # an ``_`` starting ``_x`` is escaped, so no key reads as an escape
        "zażółć": "e",  # XML names are not only ASCII
    }
    assert _unescaped(read.extra["dynamic_fields"]) == fields
