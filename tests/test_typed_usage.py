"""The user code of ``tests/typed_usage`` (which ``nox -s typecheck`` type-checks) also runs
and does what it says, against the sandbox: a type-correct sample that failed at run time
would prove nothing."""

from __future__ import annotations

from decimal import Decimal

from invoceanio import InvoiceOcean
from invoceanio.errors import (
    PaginationError,
    RateLimitError,
    RequestTimeout,
    ValidationError,
    WebhookError,
)
from invoceanio.sandbox import Sandbox
from tests.typed_usage.user_code import checkout, explain, reason_of


async def test_the_typed_checkout_runs_against_the_sandbox() -> None:
    cart = [("Widget", Decimal("12.30")), ("Gadget", Decimal("1"))]
    async with (
        Sandbox(token="typed-usage-token") as sandbox,
        InvoiceOcean(base_url=sandbox.url, api_token=sandbox.token) as io,
    ):
        invoice = await checkout(io, cart)
    assert [p.name for p in invoice.positions] == ["Widget", "Gadget"]
    assert invoice.price_gross == Decimal("13.30")


def test_the_typed_error_matches_read_the_errors_as_documented() -> None:
    where = {"method": "POST", "url": "/invoices.json"}
    invalid = ValidationError("bad", status=422, field_errors={"a": ["x"]}, **where)
    assert explain(invalid) == "a"
    throttled = RateLimitError("slow", status=429, retry_after=2.5, **where)
    assert explain(throttled) == "throttled for 2.5"
    assert explain(RequestTimeout("late", phase="read")) == "timed out while read"
    assert explain(PaginationError("again")) == "the server repeats its pages"
    refused = WebhookError("wrong token", reason="token")
    assert (explain(refused), reason_of(refused)) == ("401", "token")
    assert explain(ValueError("other")) == "other"
