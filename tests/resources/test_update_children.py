"""An update that adds or removes nested records is never re-sent blindly (audit findings,
2026-12).

The API appends every nested child sent without an ``id`` (a position, a recipient, a
price-list position in Rails' hash form), so such a PUT is not idempotent: after an attempt
whose answer was lost, sending it again would add the line twice and change the invoice's
total without a word. A child marked ``_destroy`` is gone after the first send: a second one
names a child that no longer exists, and the refusal would tell the caller the removal failed.
Updates whose children all carry an ``id`` and only change stay retryable.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from invoceanio import ConnectionLostError, InvoiceOcean, RetryPolicy, ServerError
from invoceanio.http import Request, Response, Send
from invoceanio.resources.base import changes_children_once
from invoceanio.sandbox import Sandbox
from invoceanio.transport import MockTransport
from tests.support import Recorder, json_response

NEW_LINE = {"name": "Shipping", "tax": 23, "quantity": 1, "total_price_gross": "10.00"}
ANSWER = json_response(200, {"id": 7, "positions": []})


async def _no_sleep(_: float) -> None:
    return None


def _client(recorder: Recorder) -> InvoiceOcean:
    return InvoiceOcean(
        prefix="acme",
        api_token="tok",
        transport=MockTransport(recorder),
        retry=RetryPolicy(sleep=_no_sleep),
    )


@pytest.mark.parametrize(
    "failure", [ConnectionLostError("reset after send"), json_response(502, {"message": "bad"})]
)
async def test_an_update_adding_a_position_goes_out_once_when_its_outcome_is_unknown(
    failure: Any,
) -> None:
    recorder = Recorder(failure, ANSWER)
    async with _client(recorder) as io:
        with pytest.raises((ConnectionLostError, ServerError)):
            await io.invoices.update(7, {"positions": [NEW_LINE]})
    assert [request.method for request in recorder.requests] == ["PUT"]


@pytest.mark.parametrize(
    "changes",
    [
        {"buyer_name": "New name"},
        {"positions": [{"id": 11, "quantity": 3}]},
        {"positions": [{"id": 11, "_destroy": "0", "quantity": 3}]},
    ],
)
async def test_an_update_of_existing_children_only_is_still_retried(
    changes: dict[str, Any],
) -> None:
    recorder = Recorder(ConnectionLostError("reset after send"), ANSWER)
    async with _client(recorder) as io:
        invoice = await io.invoices.update(7, changes)
    assert invoice.id == 7
    assert [request.method for request in recorder.requests] == ["PUT", "PUT"]


@pytest.mark.parametrize(
    ("document", "adds"),
    [
        ({"positions": [{"id": 1}, {"name": "new"}]}, True),
        ({"positions": [{"id": ""}]}, True),
        ({"recipients": [{"email": "a@b.test"}]}, True),
        ({"price_list_positions_attributes": {"0": {"price_net": "1"}}}, True),
        ({"price_list_positions_attributes": {"0": {"id": 4, "price_net": "1"}}}, False),
        ({"positions": [{"id": 1, "_destroy": 1}]}, True),
        ({"positions": [{"id": 1, "_destroy": "true"}]}, True),
        ({"positions": [{"id": 1, "_destroy": "perhaps"}]}, True),
        ({"positions": [{"id": 1, "_destroy": False}]}, False),
        ({"warehouse_actions": {"0": {"id": 3, "_destroy": "1"}}}, True),
        ({"tag_list": ["a", "b"], "buyer_name": "x"}, False),
        ({"additional_fields": {"note": {"x": 1}}}, False),
        ({}, False),
    ],
)
def test_changes_children_once_tells_unrepeatable_writes_from_the_others(
    document: dict[str, Any], adds: bool
) -> None:
    assert changes_children_once(document) is adds


class _DropFirstPutAnswer:
    """Below the retry layer: the server has applied the PUT, then its answer is lost."""

    def __init__(self) -> None:
        self.dropped = False

    async def __call__(self, request: Request, call_next: Send) -> Response:
        response = await call_next(request)
        if request.method == "PUT" and not self.dropped:
            self.dropped = True
            raise ConnectionLostError("connection reset before the answer was read")
        return response


@contextlib.asynccontextmanager
async def _dropping_sandbox_client() -> AsyncIterator[InvoiceOcean]:
    """A client on a sandbox whose first PUT is applied and its answer lost."""
    async with (
        Sandbox(token="children-token") as sandbox,
        InvoiceOcean(
            base_url=sandbox.url,
            api_token=sandbox.token,
            middleware=[_DropFirstPutAnswer()],
            retry=RetryPolicy(sleep=_no_sleep),
        ) as io,
    ):
        yield io


async def test_against_the_sandbox_a_lost_answer_never_adds_the_line_twice() -> None:
    async with _dropping_sandbox_client() as io:
        invoice = await io.invoices.create(
            {
                "buyer_name": "B",
                "positions": [
                    {"name": "Base", "tax": 23, "quantity": 1, "total_price_gross": "100.00"}
                ],
            }
        )
        with pytest.raises(ConnectionLostError):
            await io.invoices.update(invoice.id, {"positions": [NEW_LINE]})
        stored = await io.invoices.get(invoice.id)
    assert [position.name for position in stored.positions] == ["Base", "Shipping"]


@pytest.mark.parametrize(
    "failure", [ConnectionLostError("reset after send"), json_response(502, {"message": "bad"})]
)
async def test_a_removal_of_a_position_goes_out_once_when_its_outcome_is_unknown(
    failure: Any,
) -> None:
    recorder = Recorder(failure, ANSWER)
    async with _client(recorder) as io:
        with pytest.raises((ConnectionLostError, ServerError)):
            await io.invoices.delete_position(7, 11)
    assert [request.method for request in recorder.requests] == ["PUT"]


async def test_against_the_sandbox_a_lost_removal_is_outcome_unknown_not_a_refusal() -> None:
    # Re-sent, the removal named a position already gone: a 422 said it failed when it was done.
    async with _dropping_sandbox_client() as io:
        invoice = await io.invoices.create(
            {
                "buyer_name": "B",
                "positions": [
                    {"name": "Base", "tax": 23, "quantity": 1, "total_price_gross": "100.00"},
                    NEW_LINE,
                ],
            }
        )
        with pytest.raises(ConnectionLostError) as caught:
            await io.invoices.delete_position(invoice.id, invoice.positions[1].id)
        stored = await io.invoices.get(invoice.id)
    assert caught.value.outcome_unknown
    assert [position.name for position in stored.positions] == ["Base"]
