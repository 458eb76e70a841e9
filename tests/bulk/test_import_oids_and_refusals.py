"""Two review findings of 2026-12-02 in ``create_many``.

- Items of one run that share an oid (two equal items without one share their content's
  digest) were merged into one invoice: the first was created, the others found as "existing"
  (or skipped as journalled) and, with a journal, counted as created. Their data never reached
  the account and the report said nothing was lost. A repeated oid now fails, naming the first.
- A refusal of the 4xx range that would come again (a 404 from a wrong base URL, a 400) was
  tried ``max_item_attempts`` times with backoff, for every item: a wrong URL crawled through
  the whole file. It now fails the item at once; throttling and timeouts are still retried.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from invoceanio import ConfigurationError, InvoiceOcean, RetryPolicy
from invoceanio.http import Request, Response
from invoceanio.importer import ImportItem
from invoceanio.sandbox import Sandbox
from invoceanio.transport import MockTransport
from tests.support import json_response

SALE = {
    "buyer_name": "B",
    "positions": [{"name": "x", "tax": 23, "quantity": 1, "total_price_gross": "1.00"}],
}


async def _no_sleep(_: float) -> None:
    return None


@pytest.mark.parametrize("journal", [False, True])
@pytest.mark.parametrize("concurrency", [1, 4])
async def test_equal_items_without_an_oid_are_not_merged_into_one_invoice(
    tmp_path: Path, journal: bool, concurrency: int
) -> None:
    async with (
        Sandbox(token="t") as sandbox,
        InvoiceOcean(base_url=sandbox.url, api_token="t") as io,
    ):
        report = await io.invoices.create_many(
            [dict(SALE), dict(SALE), dict(SALE)],
            concurrency=concurrency,
            journal=tmp_path / "j.db" if journal else None,
        )
        stored = len(sandbox.store.records("invoices"))
    assert stored == 1
    # One made; the two the account never got are failures, not "created" or "skipped".
    assert (report.created, report.existed, report.skipped, report.failed) == (1, 0, 0, 2)
    for failure in report.failures:
        assert failure.error is not None and "the same oid as the item at index" in failure.error
        assert failure.data is not None and failure.data["buyer_name"] == "B"


async def test_two_different_items_with_one_oid_report_the_second() -> None:
    async with (
        Sandbox(token="t") as sandbox,
        InvoiceOcean(base_url=sandbox.url, api_token="t") as io,
    ):
        report = await io.invoices.create_many(
            [
                ImportItem({**SALE, "buyer_name": "First"}, key="ORD-1", source="row 1"),
                ImportItem({**SALE, "buyer_name": "Second"}, key="ORD-1", source="row 2"),
            ],
            concurrency=1,
        )
        stored = [record["buyer_name"] for record in sandbox.store.records("invoices")]
    assert stored == ["First"]
    (failure,) = report.failures
    assert failure.source == "row 2" and failure.oid == "ORD-1"
    assert failure.error is not None and "index 0" in failure.error


async def test_a_resumed_run_still_skips_what_an_earlier_run_confirmed(tmp_path: Path) -> None:
    # The check is per run: the journal's entry from the first run is no repeat.
    async with (
        Sandbox(token="t") as sandbox,
        InvoiceOcean(base_url=sandbox.url, api_token="t") as io,
    ):
        items = [{**SALE, "buyer_name": f"B{n}"} for n in range(3)]
        first = await io.invoices.create_many(items, journal=tmp_path / "j.db")
        second = await io.invoices.create_many(items, journal=tmp_path / "j.db")
    assert (first.created, second.skipped, second.failed) == (3, 3, 0)


class _Refusing:
    def __init__(self, status: int) -> None:
        self.status = status
        self.posts = 0

    def __call__(self, request: Request) -> Response:
        self.posts += 1
        if self.status == 429:
            return json_response(429, {"message": "slow"})
        if self.status == 200:
            return json_response(201, {"id": self.posts, **json.loads(request.body)["invoice"]})
        return json_response(self.status, {"message": "nope"})


def _client(server: _Refusing) -> InvoiceOcean:
    return InvoiceOcean(
        prefix="acme",
        api_token="tok",
        transport=MockTransport(server),
        # One attempt per try, and the importer's own waits between tries are not slept.
        retry=RetryPolicy(max_attempts=1, sleep=_no_sleep),
    )


@pytest.mark.parametrize("status", [400, 404, 405, 413])
async def test_a_refusal_that_would_repeat_fails_the_item_at_once(status: int) -> None:
    server = _Refusing(status)
    async with _client(server) as io:
        report = await io.invoices.create_many(
            [dict(SALE, buyer_name=f"B{n}") for n in range(3)], max_item_attempts=5
        )
    assert report.failed == 3
    assert server.posts == 3  # one each, not five


async def test_throttling_is_still_tried_again_up_to_the_item_attempts() -> None:
    server = _Refusing(429)
    async with _client(server) as io:
        report = await io.invoices.create_many([dict(SALE)], max_item_attempts=3)
    assert report.failed == 1
    assert server.posts == 3


async def test_keep_failures_false_counts_them_and_hands_each_to_on_progress() -> None:
    server = _Refusing(422)
    seen: list[str | None] = []
    async with _client(server) as io:
        report = await io.invoices.create_many(
            [dict(SALE, buyer_name=f"B{n}") for n in range(3)],
            keep_failures=False,
            on_progress=lambda progress: seen.append(progress.last.error),
        )
    assert report.failed == 3 and report.failures == []
    assert len(seen) == 3 and all(error and "ValidationError" in error for error in seen)


async def test_keep_failures_must_be_a_bool() -> None:
    server = _Refusing(200)
    async with _client(server) as io:
        with pytest.raises(ConfigurationError, match="keep_failures"):
            await io.invoices.create_many([dict(SALE)], keep_failures="no")  # type: ignore[arg-type]
    assert server.posts == 0


@pytest.mark.parametrize("status", [429, 503])
async def test_an_invoice_there_before_is_counted_existed_though_its_look_up_was_throttled(
    status: int,
) -> None:
    # Every POST is refused as a duplicate, so the invoice was there before the import; the
    # first look-up is told to wait longer than the policy does. A throttled answer says the
    # request was not processed: that try made nothing, and the item is no "created".
    calls: list[str] = []

    def server(request: Request) -> Response:
        calls.append(request.method)
        if request.method == "POST":
            return json_response(
                422, {"code": "error", "message": {"oid": ["has already been taken"]}}
            )
        if calls.count("GET") == 1:
            return json_response(status, {"message": "later"}, {"Retry-After": "3600"})
        return json_response(200, [{"id": 5, "oid": "O-1", "buyer_name": "B"}])

    async with InvoiceOcean(
        prefix="acme",
        api_token="tok",
        transport=MockTransport(server),
        retry=RetryPolicy(max_attempts=2, sleep=_no_sleep),
    ) as io:
        report = await io.invoices.create_many([{**SALE, "oid": "O-1"}])
    assert (report.created, report.existed, report.failed) == (0, 1, 0)
