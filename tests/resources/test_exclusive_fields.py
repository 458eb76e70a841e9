"""Pairs of write fields the API documents as exclusive are refused before anything is sent
(ConfigurationError), in every way a write can be given: a draft, a dict, a create or an
update. One of each pair alone still goes out as given."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from invoceanio import ConfigurationError, InvoiceOcean
from invoceanio.models import InvoiceDraft, PaymentDraft, PositionDraft, RecurringDraft
from invoceanio.transport import MockTransport
from tests.resources.mock_api import answer
from tests.support import body_json

Call = Callable[[InvoiceOcean], Awaitable[Any]]
POSITION = {"name": "A", "quantity": 1, "total_price_gross": "10", "tax": 23}


async def _sent(call: Call) -> list[Any]:
    transport = MockTransport(answer)
    async with InvoiceOcean(prefix="acme", api_token="tok-1234567", transport=transport) as io:
        await call(io)
    return [body_json(request) for request in transport.requests]


async def _refused(call: Call, match: str) -> None:
    transport = MockTransport(answer)
    async with InvoiceOcean(prefix="acme", api_token="tok-1234567", transport=transport) as io:
        with pytest.raises(ConfigurationError, match=match):
            await call(io)
    assert transport.requests == []


@pytest.mark.parametrize(
    "call",
    [
        lambda io: io.invoices.create({"copy_invoice_from": 7, "positions": [POSITION]}),
        lambda io: io.invoices.create(
            InvoiceDraft(copy_invoice_from=7, positions=[PositionDraft(name="A")])
        ),
        lambda io: io.invoices.create({"copy_invoice_from": "7", "kind": "vat", "positions": [{}]}),
    ],
)
async def test_a_copy_with_positions_is_refused(call: Call) -> None:
    await _refused(call, "takes its positions from the source")


async def test_a_copy_alone_and_positions_alone_go_out() -> None:
    (copy,) = await _sent(lambda io: io.invoices.create({"copy_invoice_from": 7, "kind": "vat"}))
    assert copy["invoice"] == {"copy_invoice_from": 7, "kind": "vat"}
    (own,) = await _sent(lambda io: io.invoices.create({"positions": [POSITION]}))
    assert own["invoice"]["positions"] == [POSITION]
    # An empty list is no positions: nothing to contradict the copy.
    (empty,) = await _sent(lambda io: io.invoices.create({"copy_invoice_from": 7, "positions": []}))
    assert empty["invoice"]["copy_invoice_from"] == 7


@pytest.mark.parametrize(
    "call",
    [
        lambda io: io.payments.create({"price": "10", "invoice_id": 1, "invoice_ids": [2, 3]}),
        lambda io: io.payments.create(PaymentDraft(price=10, invoice_id=1, invoice_ids=[2])),
        lambda io: io.payments.update(5, {"invoice_id": 1, "invoice_ids": []}),
    ],
)
async def test_a_payment_for_invoice_id_and_invoice_ids_is_refused(call: Call) -> None:
    await _refused(call, "give invoice_id or invoice_ids")


async def test_a_payment_names_its_invoices_one_way_or_the_other() -> None:
    (one,) = await _sent(lambda io: io.payments.create({"price": "10", "invoice_id": 1}))
    assert one["banking_payment"]["invoice_id"] == 1
    (many,) = await _sent(lambda io: io.payments.create({"price": "10", "invoice_ids": [2, 3]}))
    assert many["banking_payment"]["invoice_ids"] == [2, 3]
    # None is "no invoice": it contradicts nothing.
    (cleared,) = await _sent(
        lambda io: io.payments.update(5, {"invoice_id": None, "invoice_ids": [2]})
    )
    assert cleared["banking_payment"]["invoice_ids"] == [2]


@pytest.mark.parametrize(
    ("only_year_month", "end_of_month"),
    [(True, True), ("1", True), (True, "yes"), ("true", "1")],
)
async def test_both_sell_date_rules_of_a_recurring_are_refused(
    only_year_month: Any, end_of_month: Any
) -> None:
    await _refused(
        lambda io: io.recurrings.create(
            {
                "name": "R",
                "only_year_month": only_year_month,
                "end_of_month_sell_date": end_of_month,
            }
        ),
        "cannot both be true",
    )
    await _refused(
        lambda io: io.recurrings.update(
            3, {"only_year_month": only_year_month, "end_of_month_sell_date": end_of_month}
        ),
        "cannot both be true",
    )


@pytest.mark.parametrize(
    ("only_year_month", "end_of_month"),
    [(True, False), (False, True), ("0", True), (True, None), ("maybe", True)],
)
async def test_one_sell_date_rule_of_a_recurring_goes_out(
    only_year_month: Any, end_of_month: Any
) -> None:
    (sent,) = await _sent(
        lambda io: io.recurrings.create(
            RecurringDraft(
                name="R", only_year_month=only_year_month, end_of_month_sell_date=end_of_month
            )
        )
    )
    assert sent["recurring"]["only_year_month"] == only_year_month
