"""``iterate()`` on lists that change while they are read, and servers that page oddly.

Review of 2026-12-02, each a mock server on MockTransport:

- a server that ignores ``page`` while records are being created: every page differed from
  the last by one record, so the repeat guard (equal pages) never fired, and iterate() never
  ended;
- a record created during the listing (newest first) pushed the last record of a page onto
  the next, which was yielded twice (an export wrote that invoice twice);
- a provider saying "more" on an empty page was asked again for ever;
- an endpoint that ignores ``per_page`` (answering the default 25 when asked for 100) was taken
  for a short, last page: iterate() stopped after 25 records without a word.
"""

from __future__ import annotations

from typing import Any

import pytest

from invoceanio import InvoiceOcean, RetryPolicy
from invoceanio.http import Request
from invoceanio.providers.base import Page
from invoceanio.providers.invoiceocean import InvoiceOceanProvider
from invoceanio.resources.base import PaginationError
from invoceanio.transport import MockTransport
from tests.support import json_response

GUARD = 60  # requests after which a listing counts as endless


class Listing:
    """Invoices ``1..count``, newest first, paged by ``page``/``per_page`` unless told not to."""

    def __init__(
        self,
        count: int,
        *,
        inserts_per_call: int = 0,
        ignores_page: bool = False,
        page_size: int | None = None,
    ) -> None:
        self.newest = count
        self.inserts_per_call = inserts_per_call
        self.ignores_page = ignores_page
        self.page_size = page_size
        self.calls = 0

    def __call__(self, request: Request) -> Any:
        self.calls += 1
        assert self.calls <= GUARD, "the listing never ended"
        query = dict(request.params)
        page = 1 if self.ignores_page else int(query["page"])
        size = self.page_size or int(query["per_page"])
        ids = range(self.newest, 0, -1)
        chosen = list(ids[(page - 1) * size : page * size])
        self.newest += self.inserts_per_call  # created after this page was read
        return json_response(200, [{"id": n, "number": f"FV/{n}"} for n in chosen])


def _client(server: Any, **options: Any) -> InvoiceOcean:
    return InvoiceOcean(
        prefix="acme",
        api_token="tok",
        transport=MockTransport(server),
        retry=RetryPolicy(max_attempts=1),
        **options,
    )


async def _ids(io: InvoiceOcean, per_page: int = 100) -> list[int]:
    return [invoice.id async for invoice in io.invoices.iterate(per_page=per_page)]  # type: ignore[misc]


async def test_a_server_ignoring_page_while_records_are_added_is_refused_not_endless() -> None:
    server = Listing(500, inserts_per_call=1, ignores_page=True)
    async with _client(server) as io:
        with pytest.raises(PaginationError, match="ignores the page parameter"):
            await _ids(io)
    assert server.calls == 4  # three full pages in a row bringing one new record each


async def test_a_page_ignoring_server_whose_window_slides_is_refused_not_endless() -> None:
    class Sliding:
        """Oldest first, ``page`` ignored; one record dropped and one added per read."""

        def __init__(self) -> None:
            self.first = 1
            self.calls = 0

        def __call__(self, request: Request) -> Any:
            self.calls += 1
            assert self.calls <= GUARD, "the listing never ended"
            window = range(self.first, self.first + 10)
            self.first += 1
            return json_response(200, [{"id": n} for n in window])

    server = Sliding()
    async with _client(server) as io:
        with pytest.raises(PaginationError):
            await _ids(io, per_page=10)
    assert server.calls == 4


async def test_a_deletion_and_creations_meanwhile_yield_no_record_twice() -> None:
    class Churning:
        """Newest first, paged; before page 2, two records are created and page 1's last is
        deleted, so the records pushed on are no exact tail of page 1."""

        def __init__(self) -> None:
            self.ids = list(range(30, 0, -1))
            self.calls = 0

        def __call__(self, request: Request) -> Any:
            self.calls += 1
            query = dict(request.params)
            page, size = int(query["page"]), int(query["per_page"])
            if page == 2:
                self.ids.remove(21)
                self.ids[:0] = [32, 31]
            chosen = self.ids[(page - 1) * size : page * size]
            return json_response(200, [{"id": n} for n in chosen])

    async with _client(Churning()) as io:
        ids = await _ids(io, per_page=10)
    assert len(ids) == len(set(ids))
    assert set(ids) == set(range(1, 31))


@pytest.mark.parametrize("inserts", [1, 3])
async def test_a_record_pushed_onto_the_next_page_is_yielded_once(inserts: int) -> None:
    server = Listing(250, inserts_per_call=inserts)
    async with _client(server) as io:
        ids = await _ids(io)
    assert len(ids) == len(set(ids)) == 250  # the ones created meanwhile came after page 1
    assert set(ids) == set(range(1, 251))


async def test_a_provider_saying_more_on_an_empty_page_is_not_asked_again() -> None:
    class AlwaysMore(InvoiceOceanProvider):
        def unwrap_page(self, data: Any) -> Page:
            return Page(items=super().unwrap_page(data).items, has_more=True)

    server = Listing(150)
    async with _client(server, provider=AlwaysMore()) as io:
        ids = await _ids(io)
    assert ids == list(range(150, 0, -1))
    assert server.calls == 3  # two pages and the empty one


async def test_an_endpoint_that_answers_the_default_page_size_is_read_to_the_end() -> None:
    server = Listing(237, page_size=25)  # per_page not read
    async with _client(server) as io:
        ids = await _ids(io)
    assert ids == list(range(237, 0, -1))


async def test_a_last_page_shorter_than_asked_still_ends_the_listing_at_once() -> None:
    server = Listing(237)
    async with _client(server) as io:
        ids = await _ids(io)
    assert len(ids) == 237 and server.calls == 3


@pytest.mark.parametrize(
    ("count", "per_page", "inserts"),
    [(100, 100, 1), (40, 10, 4), (100, 10, 3), (400, 100, 40), (237, 100, 2), (120, 100, 60)],
)
async def test_records_created_during_a_listing_never_make_it_fail(
    count: int, per_page: int, inserts: int
) -> None:
    # The pushed-on records can be most of a short last page (or all of it): that is no
    # server ignoring page, whose repeat starts with the previous page's head.
    server = Listing(count, inserts_per_call=inserts)
    async with _client(server) as io:
        ids = await _ids(io, per_page=per_page)
    assert len(ids) == len(set(ids))
    assert set(ids) == set(range(1, count + 1))
