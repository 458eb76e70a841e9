"""Bad answers a fuzz of every public method found to crash or hang the client.

Each one now ends in an error of the SDK's tree (or, for the listing, a PaginationError instead
of a loop without end). MockTransport only; retries never really sleep.
"""

from __future__ import annotations

import json

import pytest

from invoceanio import (
    DecodeError,
    InvoiceOcean,
    InvoiceOceanError,
    PaginationError,
    RetryPolicy,
    TransportError,
)
from invoceanio.http import Request, Response
from invoceanio.transport import MockTransport
from tests.support import SleepRecorder, make_client, nan_reading_codecs

TOKEN = "fuzz-findings-token"
JSON = {"Content-Type": "application/json"}
XML = {"Content-Type": "application/xml"}


def client(answer: Response, *, fmt: str = "json", create: Response | None = None) -> InvoiceOcean:
    """Every request gets ``answer``; a POST gets ``create`` when one is given."""

    def handler(request: Request) -> Response:
        return create if create is not None and request.method == "POST" else answer

    sleeper = SleepRecorder()
    policy = RetryPolicy(sleep=sleeper.sleep, clock=sleeper.clock, max_attempts=2)
    return make_client(handler, retry=policy, api_token=TOKEN, format=fmt)


# -- a listing whose server ignores ``page`` ---------------------------------------------------


async def test_a_repeated_page_holding_a_nan_still_ends_the_listing() -> None:
    # NaN != NaN: comparing the models called every page new, and the listing never ended.
    # (The SDK's codecs refuse NaN; a codec plug-in may hand one up.)
    page = Response(status=200, headers=JSON, body=b'[{"id": 1, "score": NaN}, {"id": 2}]')
    io = make_client(lambda _: page, codecs=nan_reading_codecs())
    with pytest.raises(PaginationError, match="repeats"):
        async for _ in io.clients.iterate(per_page=2):
            pass


async def test_a_repeated_page_with_deeply_nested_extra_data_ends_in_pagination_error() -> None:
    depth = 1000  # orjson reads up to 1024 levels; comparing them recursed past Python's limit
    body = b'[{"id": 1, "x": ' + b"[" * depth + b"]" * depth + b'}, {"id": 2}]'
    io = client(Response(status=200, headers=JSON, body=body))
    with pytest.raises(PaginationError):
        async for _ in io.clients.iterate(per_page=2):
            pass


async def test_pages_of_records_without_ids_are_compared_whole() -> None:
    pages = iter([[{"name": "a"}, {"name": "b"}], [{"name": "c"}, {"name": "d"}], [{"name": "a"}]])

    def handler(_: Request) -> Response:
        return Response(status=200, headers=JSON, body=json.dumps(next(pages)).encode())

    io = InvoiceOcean(prefix="acme", api_token=TOKEN, transport=MockTransport(handler))
    names = [client.name async for client in io.clients.iterate(per_page=2)]
    assert names == ["a", "b", "c", "d", "a"]
    repeated = Response(status=200, headers=JSON, body=b'[{"name": "a"}, {"name": "b"}]')
    with pytest.raises(PaginationError):
        async for _ in client(repeated).clients.iterate(per_page=2):
            pass


# -- the oid look-up after a create whose outcome is unknown -----------------------------------

SERVER_ERROR = Response(status=500, headers={}, body=b"")


@pytest.mark.parametrize(
    ("fmt", "lookup"),
    [
        # Found, but the record has a key XML cannot write (the client re-encodes it in XML).
        ("xml", Response(status=200, headers=JSON, body=b'[{"id": 5, "oid": "O-1", "1 bad": 1}]')),
        # Found, but nested past orjson's 255-level write limit.
        (
            "json",
            Response(
                status=200,
                headers=JSON,
                body=b'[{"id": 5, "oid": "O-1", "x": ' + b"[" * 300 + b"]" * 300 + b"}]",
            ),
        ),
    ],
    ids=["xml-unwritable-key", "json-too-deep-to-write"],
)
async def test_a_found_record_that_cannot_be_written_back_is_outcome_unknown(
    fmt: str, lookup: Response
) -> None:
    io = client(lookup, fmt=fmt, create=SERVER_ERROR)
    with pytest.raises(TransportError) as caught:
        await io.invoices.create({"buyer_name": "B", "oid": "O-1"})
    assert caught.value.outcome_unknown


async def test_an_oid_nested_deeper_than_python_recurses_is_no_match() -> None:
    lookup = Response(
        status=200,
        headers=XML,
        body=b'<invoices type="array"><invoice><oid>'
        + b"<a>" * 3000
        + b"1"
        + b"</a>" * 3000
        + b"</oid></invoice></invoices>",
    )
    io = client(lookup, create=SERVER_ERROR)
    with pytest.raises(InvoiceOceanError):
        await io.invoices.create({"buyer_name": "B", "oid": "O-1"})


async def test_a_created_id_that_is_a_deeply_nested_list_is_a_decode_error() -> None:
    body = b'{"id": ' + b"[" * 990 + b"]" * 990 + b"}"
    io = client(Response(status=201, headers=JSON, body=body))
    with pytest.raises(DecodeError, match="no valid id"):
        await io.invoices.create_document_id({"buyer_name": "B"})
