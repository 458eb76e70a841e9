"""How the InvoiceOcean provider reads answers: error bodies in every shape, records that only
look like errors, and the oid look-up that decides whether a create is sent again.

Found by a review of the provider, each pinned here:

- a record was taken for a 200 error document when it held ``code: "error"`` (a product's own
  SKU): the product was made, yet the caller got an APIError, and a retry made a second;
- the oid look-up read one default-sized page and took a full page without the oid as proof
  of absence (wrong should the filter match a prefix); find_by_oid did the same;
- two invoices carrying the oid: the first was returned as this create's, silently;
- a bare list of messages, ``{"error": {...}}`` and an unlabelled 422 lost message or fields.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from invoceanio import APIError, RetryPolicy, TransportError, ValidationError
from invoceanio.http import Request, Response
from tests.support import Recorder, SleepRecorder, json_response, make_client, query, raw_response

OID = "ORD-1"


def _client(handler: Any, **retry: Any) -> Any:
    sleeper = SleepRecorder()
    policy = RetryPolicy(sleep=sleeper.sleep, clock=sleeper.clock, **retry)
    return make_client(handler, retry=policy, sleeper=sleeper)


# --- a record is never an error document ----------------------------------------------------


async def test_a_product_whose_code_is_error_is_a_product() -> None:
    record = {"id": 1, "name": "Widget", "code": "error", "price_net": "10.0"}
    recorder = Recorder(json_response(201, record), json_response(200, record))
    io = _client(recorder)

    made = await io.products.create({"name": "Widget", "code": "error"})
    again = await io.products.get(1)

    assert (made.id, made.code) == (1, "error") and again.code == "error"
    assert len(recorder.requests) == 2


async def test_a_status_document_saying_error_still_raises() -> None:
    io = _client(Recorder(json_response(200, {"code": "error", "message": "nie wysłano"})))

    with pytest.raises(APIError, match="nie wysłano"):
        await io.invoices.send_by_email(5)


# --- error bodies in every shape ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "message", "fields"),
    [
        (json_response(422, ["Buyer name can't be blank"]), "Buyer name can't be blank", {}),
        (
            raw_response(
                422,
                b"<errors><error>Buyer name can't be blank</error></errors>",
                "application/xml",
            ),
            "Buyer name can't be blank",
            {},
        ),
        (
            json_response(422, {"error": {"buyer_name": ["can't be blank"]}}),
            "buyer_name: can't be blank",
            {"buyer_name": ["can't be blank"]},
        ),
        (
            json_response(422, {"error": {"message": "Nie można edytować"}}),
            "Nie można edytować",
            {},
        ),
        (
            raw_response(
                422, json.dumps({"code": "error", "message": {"oid": ["taken"]}}).encode(), None
            ),
            "oid: taken",
            {"oid": ["taken"]},
        ),
    ],
    ids=["json-list", "rails-xml-errors", "error-fields", "error-message", "unlabelled-json"],
)
async def test_an_error_body_keeps_its_message_and_fields(
    answer: Response, message: str, fields: dict[str, list[str]]
) -> None:
    io = _client(Recorder(answer))

    with pytest.raises(ValidationError) as caught:
        await io.clients.create({"name": "A"})

    assert caught.value.message == message
    assert caught.value.field_errors == fields


# --- the oid look-up ------------------------------------------------------------------------------


def _prefix_matching_api(matches: list[dict[str, Any]]) -> Any:
    """An API whose oid filter is a prefix match, paging by page/per_page (25 by default); every
    create is refused as a duplicate oid."""

    def handler(request: Request) -> Response:
        if request.method == "POST":
            return json_response(
                422, {"code": "error", "message": {"oid": ["has already been taken"]}}
            )
        params = dict(request.params)
        page, per_page = int(params.get("page", 1)), int(params.get("per_page", 25))
        hits = [item for item in matches if item["oid"].startswith(params["oid"])]
        return json_response(200, hits[(page - 1) * per_page : page * per_page])

    return handler


def _prefixed(count: int) -> list[dict[str, Any]]:
    return [{"id": 100 + n, "oid": f"{OID}{n}", "kind": "vat"} for n in range(count)]


async def test_the_lookup_asks_for_the_largest_page() -> None:
    recorder = Recorder(_prefix_matching_api([*_prefixed(30), {"id": 77, "oid": OID}]))

    invoice = await _client(recorder).invoices.create({"oid": OID, "buyer_name": "B"})

    # Before: the default 25 per page, and the invoice on the second page was never seen.
    assert invoice.id == 77
    assert query(recorder.requests[1])["per_page"] == ["100"]


async def test_a_full_lookup_page_without_the_oid_proves_no_absence() -> None:
    sent: list[str] = []
    api = _prefix_matching_api(_prefixed(150))

    def handler(request: Request) -> Response:
        sent.append(request.method)
        if request.method == "POST" and len(sent) == 1:
            raise TransportError("connection lost after sending")
        return api(request)

    with pytest.raises(TransportError) as caught:
        await _client(handler, max_attempts=3).invoices.create({"oid": OID, "buyer_name": "B"})

    assert caught.value.outcome_unknown and "may follow" in str(caught.value)
    # Never sent again; and not asked again either: the same page would say the same.
    assert sent == ["POST", "GET"]


async def test_two_invoices_with_the_oid_after_a_lost_create_are_an_unknown_outcome() -> None:
    twins = [{"id": 5, "oid": OID}, {"id": 6, "oid": OID}]
    api = _prefix_matching_api(twins)
    sent: list[str] = []

    def handler(request: Request) -> Response:
        sent.append(request.method)
        if request.method == "POST":
            raise TransportError("connection lost after sending")
        return api(request)

    with pytest.raises(TransportError) as caught:
        await _client(handler).invoices.create({"oid": OID, "buyer_name": "B"})

    # Before: the first was returned as this create's, silently.
    assert caught.value.outcome_unknown
    assert "found 2 invoices" in str(caught.value) and "5, 6" in str(caught.value)
    assert sent == ["POST", "GET"]


async def test_two_invoices_with_the_oid_after_a_duplicate_refusal_are_that_refusal() -> None:
    # Nothing of this call was made (the oid was taken before it): the outcome is known, and
    # the caller gets the refusal, not an "unknown outcome" after four look-ups.
    twins = [{"id": 5, "oid": OID}, {"id": 6, "oid": OID}]
    recorder = Recorder(_prefix_matching_api(twins))

    with pytest.raises(ValidationError) as caught:
        await _client(recorder).invoices.create({"oid": OID, "buyer_name": "B"})

    assert "oid" in caught.value.field_errors
    assert [r.method for r in recorder.requests] == ["POST", "GET"]


async def test_a_duplicate_whose_lookup_first_fails_with_a_5xx_still_existed() -> None:
    # The look-up is a GET: its 502 made nothing. Before, it counted as an attempt that may
    # have made the invoice, and the invoice that existed before the call read as created.
    found = json_response(200, [{"id": 77, "oid": OID}])
    recorder = Recorder(
        json_response(422, {"code": "error", "message": {"oid": ["is taken"]}}),
        json_response(502, {"message": "bad gateway"}),
        found,
    )

    invoice_id, existed = await _client(recorder).invoices.create_document_id(
        {"oid": OID, "buyer_name": "B"}
    )

    assert (invoice_id, existed) == (77, True)
    assert [r.method for r in recorder.requests] == ["POST", "GET", "GET"]


async def test_find_by_oid_pages_past_prefix_matches() -> None:
    recorder = Recorder(_prefix_matching_api([*_prefixed(150), {"id": 77, "oid": OID}]))

    found = await _client(recorder).invoices.find_by_oid(OID)

    assert found is not None and found.id == 77
    assert [query(r)["page"] for r in recorder.requests] == [["1"], ["2"]]


async def test_find_by_oid_asks_once_when_the_filter_is_exact() -> None:
    recorder = Recorder(json_response(200, [{"id": 77, "oid": OID}]))

    found = await _client(recorder).invoices.find_by_oid(OID)

    assert found is not None and found.id == 77 and len(recorder.requests) == 1
