"""Product writes are JSON whatever ``format`` says (audit finding, 2026-12).

The docs give ``POST/PUT /products`` in JSON only, and a bundle's ``package_products_details``
is Rails' hash form (``{"0": {"id": ..., "quantity": ...}}``), whose numeric keys are no XML
element names: with ``format="xml"`` a bundle could not be created at all. Reads still follow
the client's format.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from invoceanio import InvoiceOcean
from invoceanio.models import ProductDraft
from invoceanio.sandbox import Sandbox
from invoceanio.transport import MockTransport
from tests.support import json_response

PRODUCT = {"id": 3, "name": "N"}


async def test_an_xml_client_writes_products_as_json_and_reads_them_as_xml() -> None:
    transport = MockTransport(lambda _: json_response(200, PRODUCT))
    async with InvoiceOcean(prefix="acme", api_token="t", transport=transport, format="xml") as io:
        await io.products.create({"name": "N", "package_products_details": {"0": {"id": 1}}})
        await io.products.update(3, {"name": "M"})
        await io.products.get(3)
    created, updated, read = transport.requests
    assert created.url.endswith("/products.json") and updated.url.endswith("/products/3.json")
    assert created.body is not None and updated.body is not None
    assert json.loads(created.body) == {
        "product": {"name": "N", "package_products_details": {"0": {"id": 1}}}
    }
    assert json.loads(updated.body) == {"product": {"name": "M"}}
    assert read.url.endswith("/products/3.xml")


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_a_bundle_is_created_in_either_format_against_the_sandbox(fmt: str) -> None:
    async with (
        Sandbox(token="bundle-token") as sandbox,
        InvoiceOcean(base_url=sandbox.url, api_token=sandbox.token, format=fmt) as io,
    ):
        part = await io.products.create(
            ProductDraft(name="part", price_gross=Decimal("10.00"), tax=Decimal("23"))
        )
        bundle = await io.products.create(
            ProductDraft(
                name="bundle",
                price_gross=Decimal("20.00"),
                tax=Decimal("23"),
                package=True,
                package_products_details={"0": {"id": part.id, "quantity": "2"}},
            )
        )
    assert bundle.package is True
    assert bundle.package_products_details == {"0": {"id": part.id, "quantity": "2"}}
