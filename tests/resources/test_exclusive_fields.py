"""Pairs of write fields the API documents as exclusive are refused before anything is sent
(ConfigurationError), in every way a write can be given: a draft, a dict, a create or an
update. One of each pair alone still goes out as given."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from invoceanio import ConfigurationError, InvoiceOcean
from invoceanio.models import InvoiceDraft, PaymentDraft, PositionDraft, RecurringDraft
from invoceanio.sandbox import Sandbox
from invoceanio.transport import MockTransport
from tests.resources.mock_api import answer
from tests.support import body_json, sandbox_client

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
        lambda io: io.payments.update(5, {"invoice_id": 1, "invoice_ids": [1, 2]}),
        lambda io: io.payments.update(5, {"invoice_id": "x", "invoice_ids": [1]}),
    ],
)
async def test_a_payment_for_invoice_id_and_invoice_ids_is_refused(call: Call) -> None:
    await _refused(call, "give invoice_id or invoice_ids")


async def test_a_payment_names_its_invoices_one_way_or_the_other() -> None:
    (one,) = await _sent(lambda io: io.payments.create({"price": "10", "invoice_id": 1}))
    assert one["banking_payment"]["invoice_id"] == 1
    (many,) = await _sent(lambda io: io.payments.create({"price": "10", "invoice_ids": [2, 3]}))
    assert many["banking_payment"]["invoice_ids"] == [2, 3]
    # None is "no invoice" and an empty list names none: they contradict nothing.
    (cleared,) = await _sent(
        lambda io: io.payments.update(5, {"invoice_id": None, "invoice_ids": [2]})
    )
    assert cleared["banking_payment"]["invoice_ids"] == [2]
    (empty,) = await _sent(lambda io: io.payments.update(5, {"invoice_id": 5, "invoice_ids": []}))
    assert empty["banking_payment"]["invoice_id"] == 5
    # What the API answers for a payment of one invoice names it both ways: written back as
    # read, it must go out.
    (echoed,) = await _sent(
        lambda io: io.payments.update(5, {"invoice_id": 7, "invoice_ids": ["7"]})
    )
    assert echoed["banking_payment"]["invoice_ids"] == ["7"]


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
    # A draft's flags take a bool or a flag spelling (see draft_writes); a dict's are sent as
    # given, and the rule reads "0", None and "maybe" as no "true".
    typed = isinstance(only_year_month, bool) and isinstance(end_of_month, bool)
    document: Any = (
        RecurringDraft(
            name="R", only_year_month=only_year_month, end_of_month_sell_date=end_of_month
        )
        if typed
        else {
            "name": "R",
            "only_year_month": only_year_month,
            "end_of_month_sell_date": end_of_month,
        }
    )
    (sent,) = await _sent(lambda io: io.recurrings.create(document))
    assert sent["recurring"]["only_year_month"] == only_year_month


async def test_a_recurring_draft_flag_of_text_is_refused_naming_it() -> None:
    await _refused(
        lambda io: io.recurrings.create(RecurringDraft(name="R", only_year_month="maybe")),  # type: ignore[arg-type]
        "RecurringDraft.only_year_month",
    )


async def test_a_payment_read_back_from_the_sandbox_updates_as_read() -> None:
    async with Sandbox(token="exclusive-token/acme") as sandbox, sandbox_client(sandbox) as io:
        invoice = await io.invoices.create(
            {"buyer_name": "B", "positions": [{"name": "A", "tax": 23, "total_price_gross": "10"}]}
        )
        created = await io.payments.create({"price": "10", "invoice_id": invoice.id})
        read = await io.payments.get(created.id or 0)
        assert (read.invoice_id, read.invoice_ids) == (invoice.id, (invoice.id,))
        updated = await io.payments.update(read.id or 0, read)
        assert updated.invoice_ids == (invoice.id,)


async def test_the_bulk_import_refuses_such_an_item_and_goes_on() -> None:
    transport = MockTransport(answer)
    async with InvoiceOcean(prefix="acme", api_token="tok-1234567", transport=transport) as io:
        report = await io.invoices.create_many(
            [
                {"oid": "X1", "copy_invoice_from": 7, "positions": [POSITION]},
                {"oid": "X2", "positions": [POSITION]},
            ]
        )
    assert (report.created, report.failed) == (1, 1)
    (failure,) = report.failures
    assert "takes its positions from the source" in (failure.error or "")
    assert [body_json(r)["invoice"]["oid"] for r in transport.requests] == ["X2"]


@pytest.mark.parametrize("invoice_ids", [[7.5], [True], ["7a"], [None]])
async def test_a_payment_list_that_is_no_copy_of_its_invoice_id_is_refused(
    invoice_ids: list[Any],
) -> None:
    # 7.5 is no 7, nor is True: ids are read as the models read them.
    await _refused(
        lambda io: io.payments.update(5, {"invoice_id": 7, "invoice_ids": invoice_ids}),
        "give invoice_id or invoice_ids",
    )
