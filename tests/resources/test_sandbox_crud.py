"""Every CRUD resource end to end: the real client stack (AiohttpTransport, middleware, codecs)
against the embedded sandbox on loopback, with the client set to JSON and to XML (resources the
API offers in JSON only must work from an XML client too: they fall back to JSON).

Per resource: create answers the typed model with the sent values, get and list find it, an
update changes it, delete removes it (get is then a NotFoundError), and a create without the
required field is a ValidationError naming it, with nothing stored.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any, Final

import pytest

from invoceanio import InvoiceOcean, NotFoundError, RetryPolicy, ValidationError
from invoceanio.models.base import Model
from invoceanio.sandbox import Sandbox

FORMATS: Final = ["json", "xml"]

# io attribute, a valid document, an update, (field, value read back after the update), the
# required field.
CRUD: Final[list[tuple[str, dict[str, Any], dict[str, Any], tuple[str, Any], str]]] = [
    (
        "clients",
        {"name": "ACME SA", "tax_no": "5252445767"},
        {"city": "Kraków"},
        ("city", "Kraków"),
        "name",
    ),
    (
        "products",
        {"name": "Widget", "tax": Decimal(23), "price_gross": Decimal("12.30")},
        {"code": "W-1"},
        ("code", "W-1"),
        "name",
    ),
    ("categories", {"name": "Services"}, {"description": "d"}, ("description", "d"), "name"),
    ("warehouses", {"name": "Main"}, {"description": "d"}, ("description", "d"), "name"),
    (
        "payments",
        {"name": "Payment 001", "price": Decimal("100.05"), "kind": "api"},
        {"description": "paid by card"},
        ("description", "paid by card"),
        "price",
    ),
    (
        "departments",
        {"name": "HQ", "tax_no": "1234563218"},
        {"shortcut": "H"},
        ("shortcut", "H"),
        "name",
    ),
    (
        "issuers",
        {"name": "Faktor SA", "tax_no": "111"},
        {"role": "Faktor"},
        ("role", "Faktor"),
        "name",
    ),
    (
        "bank_accounts",
        {"bank_account_number": "PL61109010140000071219812874"},
        {"name": "main"},
        ("name", "main"),
        "bank_account_number",
    ),
    (
        "webhooks",
        {"kind": "invoice:create", "url": "https://example.com/hook", "api_token": "hook-token"},
        {"active": False},
        ("active", False),
        "url",
    ),
    ("recurrings", {"name": "Monthly", "every": "1m"}, {"every": "3m"}, ("every", "3m"), "name"),
    (
        "price_lists",
        {"name": "VIP", "currency": "PLN"},
        {"description": "d"},
        ("description", "d"),
        "name",
    ),
    (
        "warehouse_documents",
        {"kind": "pz", "client_name": "Supplier"},
        {"client_name": "Other"},
        ("client_name", "Other"),
        "kind",
    ),
]


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(token="crud-token") as running:
        yield running


def _client(sandbox: Sandbox, fmt: str) -> InvoiceOcean:
    async def no_sleep(_: float) -> None:
        return None

    return InvoiceOcean(
        base_url=sandbox.url,
        api_token=sandbox.token,
        format=fmt,
        retry=RetryPolicy(sleep=no_sleep),
        timeout=10,
    )


def _value(model: Model, name: str) -> Any:
    value = getattr(model, name)
    return value.reveal() if hasattr(value, "reveal") else value


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("attribute", "document", "change", "expected", "required"),
    CRUD,
    ids=[row[0] for row in CRUD],
)
async def test_crud_round_trip(
    sandbox: Sandbox,
    fmt: str,
    attribute: str,
    document: dict[str, Any],
    change: dict[str, Any],
    expected: tuple[str, Any],
    required: str,
) -> None:
    async with _client(sandbox, fmt) as io:
        service = getattr(io, attribute)
        created = await service.create(document)
        assert isinstance(created, service.model) and isinstance(created.id, int)
        for name, value in document.items():
            assert _value(created, name) == value, name
        fetched = await service.get(created.id)
        assert fetched.id == created.id
        assert created.id in [item.id for item in await service.list(per_page=100)]
        assert created.id in [item.id async for item in service.iterate(per_page=1)]
        updated = await service.update(created.id, change)
        assert _value(updated, expected[0]) == expected[1]
        assert _value(await service.get(created.id), expected[0]) == expected[1]
        await service.delete(created.id)
        with pytest.raises(NotFoundError):
            await service.get(created.id)


@pytest.mark.parametrize(
    ("attribute", "document", "required"),
    [(row[0], row[1], row[4]) for row in CRUD],
    ids=[row[0] for row in CRUD],
)
async def test_missing_required_field_is_a_validation_error_naming_it(
    sandbox: Sandbox, attribute: str, document: dict[str, Any], required: str
) -> None:
    async with _client(sandbox, "json") as io:
        service = getattr(io, attribute)
        incomplete = {key: value for key, value in document.items() if key != required}
        before = sandbox.store.counts()
        with pytest.raises(ValidationError) as caught:
            await service.create(incomplete)
        assert required in caught.value.field_errors
        assert sandbox.store.counts() == before
