"""User code that must pass ``mypy --strict`` (``nox -s typecheck`` checks it with the package).

Nothing here runs in the test suite: each function is a claim about the typed surface as a
user's program meets it, which only a type checker can prove. It fails the type check when a
signature stops taking what users naturally pass (a list built beforehand), or a return type
widens to ``Any``/``str`` where a precise one is known.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal, assert_never, assert_type

from invoceanio import InvoiceOcean
from invoceanio.errors import (
    PaginationError,
    RateLimitError,
    RequestTimeout,
    ValidationError,
    WebhookError,
)
from invoceanio.models import (
    Client,
    GtuCode,
    Invoice,
    InvoiceDraft,
    PositionDraft,
    PriceListDraft,
    PriceListPositionDraft,
    ProcedureDesignation,
    ProductDraft,
)


def positions_of(cart: Sequence[tuple[str, Decimal]]) -> list[PositionDraft]:
    return [
        # Ints where a number is natural (a quantity, a rate), the money as a Decimal.
        PositionDraft(name=name, total_price_gross=price, tax=23, quantity=1)
        for name, price in cart
    ]


async def checkout(io: InvoiceOcean, cart: Sequence[tuple[str, Decimal]]) -> Invoice:
    # Child records built beforehand, in a variable of their own type: lists are invariant,
    # so a field typed list[PositionDraft | dict] refused them.
    positions = positions_of(cart)
    draft = InvoiceDraft(buyer_name="Buyer", positions=positions)
    draft.positions = tuple(positions)
    rows: list[dict[str, Any]] = [{"name": "x", "total_price_gross": "1", "tax": 23}]
    InvoiceDraft(positions=rows)
    records: list[Mapping[str, Any]] = [{"name": "y"}]
    InvoiceDraft(positions=records)
    designations: list[str] = ["MPP"]
    InvoiceDraft(procedure_designations=designations)
    InvoiceDraft(procedure_designations=[ProcedureDesignation.MPP, "TP"])
    codes: list[GtuCode] = [GtuCode.GTU_01]
    ProductDraft(name="p", gtu_codes=codes)
    prices = [PriceListPositionDraft(priceable_id=5, price_net=Decimal("9.99"), tax="zw")]
    ProductDraft(name="q", price_gross=100, tax=8, quantity=Decimal("2.5"))
    PriceListDraft(name="VIP", price_list_positions=prices)

    invoice = await io.invoices.create(draft)
    assert_type(invoice, Invoice)
    assert_type(invoice.price_gross, Decimal | None)
    assert_type(invoice.positions[0].total_price_gross, Decimal | None)
    assert_type(await io.invoices.find_by_oid("ORDER-1"), Invoice | None)
    assert_type(await io.clients.get_by_external_id("crm-1"), Client | None)
    assert_type(await io.invoices.pdf(invoice.id or 0), bytes)
    return invoice


def explain(error: Exception) -> str:
    match error:
        case ValidationError(field_errors=fields):
            assert_type(fields, dict[str, list[str]])
            return ", ".join(fields)
        case RateLimitError(retry_after=seconds):
            assert_type(seconds, float | None)
            return f"throttled for {seconds}"
        case RequestTimeout():
            return f"timed out while {error.phase}"
        case PaginationError():
            return "the server repeats its pages"
        case WebhookError():
            return webhook_answer(error.reason)
    return str(error)


def webhook_answer(reason: Literal["malformed", "token"]) -> str:
    match reason:
        case "token":
            return "401"
        case "malformed":
            return "400"
        case _:
            assert_never(reason)


def reason_of(error: WebhookError) -> Literal["malformed", "token"]:
    return error.reason
