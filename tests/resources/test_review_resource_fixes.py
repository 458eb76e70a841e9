"""What a review of the resource services against the spec found, each pinned by a test.

- a payment update (PATCH) was never retried, where every PUT update is;
- account.unlink was re-sent after a lost attempt, and the 422 of the second send ("nothing
  left to unlink") reported an unlink that worked as a failure;
- account writes raised raw ValueError/RecursionError for values no write can hold;
- ints of more than 4300 digits raised raw ValueError from the SDK's own messages;
- products.list(ids=[]) sent a blank filter (every product);
- iterate(page=N) sent page twice and ended in a misleading PaginationError;
- iterate stopped after a page longer than asked;
- a Product read back could never be written back (its computed price_net was refused).

A second review found: a webhook's own api_token unmasked in errors; raw UnicodeEncodeError
from product codes and tokens; bank-account department links taken for new records (never
retried); correct() and copy() dropping what changes= gave for fields the call sets.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import pytest

from invoceanio import (
    ConfigurationError,
    InvoiceOcean,
    RequestTimeout,
    ServerError,
    TransportError,
    ValidationError,
)
from invoceanio.models import Product
from tests.support import Recorder, body_json, json_response, make_client, query

HUGE = 10**5000
TIMEOUT = RequestTimeout("read timed out", phase="read")


def _client(*answers: Any) -> tuple[InvoiceOcean, Recorder]:
    recorder = Recorder(*answers)
    return make_client(recorder), recorder


@pytest.mark.parametrize("failure", [json_response(502, {"message": "bad gateway"}), TIMEOUT])
async def test_a_payment_update_is_retried_as_a_put_update_is(failure: Any) -> None:
    io, recorder = _client(failure, json_response(200, {"id": 5, "price": "10.00"}))

    payment = await io.payments.update(5, {"price": "10.00"})

    assert payment.price == Decimal("10.00")
    assert [r.method for r in recorder.requests] == ["PATCH", "PATCH"]


async def test_a_payment_update_that_adds_children_is_still_never_re_sent() -> None:
    io, recorder = _client(TIMEOUT)

    with pytest.raises(TransportError):
        await io.payments.update(5, {"invoices": [{"name": "new child"}]})

    assert [r.method for r in recorder.requests] == ["PATCH"]


async def test_unlink_is_not_re_sent_after_an_unanswered_attempt() -> None:
    nothing_left = json_response(422, {"code": "error", "message": "Brak kont do odłączenia"})
    io, recorder = _client(TIMEOUT, nothing_left)

    with pytest.raises(TransportError) as caught:
        await io.account.unlink("newco")

    # Before the fix: a ValidationError "Brak kont do odłączenia" after two PATCHes.
    assert type(caught.value) is RequestTimeout
    assert len(recorder.requests) == 1


deep: dict[str, Any] = {}
_cursor = deep
for _ in range(5000):
    _cursor["a"] = {}
    _cursor = _cursor["a"]


@pytest.mark.parametrize(
    "section",
    [{"capital": float("nan")}, {"capital": Decimal("Infinity")}, deep],
    ids=["nan", "infinity", "deep"],
)
async def test_account_sections_that_cannot_be_written_are_configuration_errors(
    section: dict[str, Any],
) -> None:
    io, recorder = _client(json_response(201, {"prefix": "p"}))
    calls = [
        lambda: io.account.create(integration_token="it", company=section),
        lambda: io.account.create_on_app_host(integration_token="it", account=section),
        lambda: io.account.create_user(
            integration_token="it", email="e@x.pl", password="pw", fields=section
        ),
    ]
    for call in calls:
        with pytest.raises(ConfigurationError, match="cannot write"):
            await call()
    assert recorder.requests == []


async def test_an_account_section_of_the_wrong_type_is_named() -> None:
    io, _ = _client(json_response(201, {"prefix": "p"}))
    with pytest.raises(ConfigurationError, match="company must be a dict"):
        await io.account.create(integration_token="it", company=["name"])  # type: ignore[arg-type]


async def test_huge_ints_are_refused_with_typed_errors() -> None:
    io, recorder = _client(json_response(200, []))
    calls = [
        lambda: io.clients.list(page=HUGE),
        lambda: io.clients.list(per_page=HUGE),
        lambda: io.products.update(1, {"name": "x"}, find_by=HUGE),  # type: ignore[arg-type]
        lambda: io.invoices.list(period=HUGE, date_from="2026-01-01"),
        lambda: io.warehouse_documents.list(period=HUGE, date_from="2026-01-01"),
        lambda: io.account.unlink(HUGE),  # type: ignore[arg-type]
    ]
    for call in calls:
        with pytest.raises(ConfigurationError):
            await call()
    with pytest.raises(ConfigurationError):
        io.invoices.public_url(HUGE)  # type: ignore[arg-type]
    assert recorder.requests == []


async def test_a_page_past_any_account_is_refused_and_the_largest_is_sent() -> None:
    io, recorder = _client(json_response(200, []))
    with pytest.raises(ConfigurationError, match="at most"):
        await io.clients.list(page=10**9 + 1)
    assert await io.clients.list(page=10**9) == []
    assert query(recorder.requests[0])["page"] == [str(10**9)]


async def test_a_correction_takes_positions_from_any_iterable() -> None:
    io, recorder = _client(json_response(201, {"id": 9}))
    lines = ({"name": name, "quantity": -1, "total_price_gross": "-1", "tax": 23} for name in "AB")
    await io.invoices.correct(5, lines, reason="r")
    assert [p["name"] for p in body_json(recorder.requests[0])["invoice"]["positions"]] == [
        "A",
        "B",
    ]


@pytest.mark.parametrize("positions", [3, True, {"name": "A"}, "AB"])
async def test_a_correction_needs_a_list_of_positions(positions: Any) -> None:
    io, recorder = _client(json_response(201, {"id": 9}))
    with pytest.raises(ConfigurationError, match="positions"):
        await io.invoices.correct(5, positions, reason="r")
    assert recorder.requests == []


async def test_an_empty_ids_filter_on_products_is_refused_not_every_product() -> None:
    io, recorder = _client(json_response(200, []))
    with pytest.raises(ConfigurationError, match="at least one id"):
        await io.products.list(ids=[])
    await io.products.list(ids=[3, "4"])
    assert query(recorder.requests[0])["ids"] == ["3,4"]


async def test_an_empty_price_list_ids_filter_is_refused() -> None:
    io, recorder = _client(json_response(200, []))
    with pytest.raises(ConfigurationError, match="at least one id"):
        await io.price_lists.list(price_list_ids=[])
    with pytest.raises(ConfigurationError, match="each of price_list_ids"):
        await io.price_lists.list(price_list_ids=["x"])
    assert recorder.requests == []


async def test_iterate_refuses_a_page_filter() -> None:
    io, recorder = _client(json_response(200, []))
    with pytest.raises(ConfigurationError, match=r"list\(page=\.\.\.\)"):
        async for _ in io.categories.iterate(page=2):
            pass
    assert recorder.requests == []


async def test_iterate_goes_on_after_a_page_longer_than_asked() -> None:
    pages = [[{"id": n, "name": f"c{n}"} for n in range(start, start + 25)] for start in (1, 26)]
    io, recorder = _client(json_response(200, pages[0]), json_response(200, pages[1][:5]))

    names = [category.id async for category in io.categories.iterate(per_page=10)]

    # The server served 25 a page whatever per_page said: both pages are read, not the first.
    assert names == list(range(1, 31))
    assert [query(r)["page"] for r in recorder.requests] == [["1"], ["2"]]


async def test_a_product_read_back_and_changed_can_be_written_back() -> None:
    stored = {"id": 5, "name": "A", "price_net": "10.00", "price_gross": "12.30", "tax": "23"}
    io, recorder = _client(json_response(200, stored), json_response(200, {**stored, "name": "B"}))

    product = await io.products.get(5)
    assert isinstance(product, Product) and product.price_net == Decimal("10.00")
    updated = await io.products.update(5, attrs.evolve(product, name="B"))

    assert updated.name == "B"
    sent = body_json(recorder.requests[1])["product"]
    assert sent["name"] == "B" and sent["price_gross"] == "12.30"
    assert "price_net" not in sent
    # Given by the caller (a dict, a draft), price_net is still refused: the API ignores it.
    with pytest.raises(ConfigurationError, match="price_net"):
        await io.products.update(5, {"price_net": "9.00"})


# --- a second review of the resource services -------------------------------------------------

WEBHOOK_TOKEN = "whk_SuperSecret_123456"


@pytest.mark.parametrize("call", ["create", "update"])
async def test_a_webhooks_own_token_quoted_back_is_masked_in_the_error(call: str) -> None:
    # Before: a 422 quoting it put the webhook's credential in str(exc), .body, .field_errors.
    refusal = {"code": "error", "message": {"api_token": [f"{WEBHOOK_TOKEN} is already used"]}}
    io, _ = _client(json_response(422, refusal))
    data = {"kind": "invoice:create", "url": "https://hooks.example/x", "api_token": WEBHOOK_TOKEN}

    with pytest.raises(ValidationError) as caught:
        if call == "create":
            await io.webhooks.create(data)
        else:
            await io.webhooks.update(3, data)

    error = caught.value
    assert WEBHOOK_TOKEN not in str(error)
    assert WEBHOOK_TOKEN not in repr(error.body) and WEBHOOK_TOKEN not in repr(error.field_errors)
    assert "is already used" in str(error)


async def test_a_short_webhook_token_does_not_mask_the_servers_words() -> None:
    refusal = {"code": "error", "message": {"url": ["is invalid"]}}
    io, _ = _client(json_response(422, refusal))

    with pytest.raises(ValidationError) as caught:
        await io.webhooks.create({"kind": "invoice:create", "url": "x", "api_token": "url"})

    assert caught.value.field_errors == {"url": ["is invalid"]}


def test_the_webhook_write_calls_are_still_listed_as_endpoints() -> None:
    from invoceanio.endpoints import catalogue

    calls = {row.sdk for row in catalogue(InvoiceOcean.SERVICES, InvoiceOcean)}
    assert {"io.webhooks.create", "io.webhooks.update"} <= calls


@pytest.mark.parametrize("call", ["update_by_code", "widget_url"])
async def test_a_product_code_or_token_that_is_no_utf8_is_a_configuration_error(call: str) -> None:
    # Lone surrogates (a name decoded with surrogateescape) raised a raw UnicodeEncodeError.
    io, recorder = _client(json_response(200, {"id": 1}))
    bad = "kod-\udcff"

    with pytest.raises(ConfigurationError, match="not valid UTF-8"):
        if call == "update_by_code":
            await io.products.update(bad, {"name": "X"}, find_by="code")
        else:
            io.products.widget_url(bad)

    assert recorder.requests == []


async def test_a_bank_account_update_of_its_department_links_is_retried() -> None:
    # The links are keyed by department_id (spec 6.10), not added: sent twice, the same links.
    # Before: taken for new nested records, the update was never re-sent after a 502.
    io, recorder = _client(
        json_response(502, {"message": "bad gateway"}), json_response(200, {"id": 4})
    )
    links = [{"department_id": 1, "show_on_invoice": True}]

    await io.bank_accounts.update(4, {"bank_name": "B", "bank_account_version_departments": links})

    assert recorder.requests[0].idempotent
    assert len(recorder.requests) == 2


async def test_a_bank_account_link_without_its_department_is_still_never_re_sent() -> None:
    io, recorder = _client(
        json_response(502, {"message": "bad gateway"}), json_response(200, {"id": 4})
    )

    with pytest.raises(ServerError):
        await io.bank_accounts.update(
            4, {"bank_account_version_departments": [{"show_on_invoice": 1}]}
        )

    assert not recorder.requests[0].idempotent and len(recorder.requests) == 1


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"positions": [{"name": "B", "quantity": -1}]}, "positions"),
        ({"kind": "vat"}, "kind"),
        ({"invoice_id": 77}, "invoice_id"),
        ({"from_invoice_id": 77}, "from_invoice_id"),
        ({"correction_reason": "other"}, "reason"),
    ],
)
async def test_correct_refuses_changes_that_the_call_would_overwrite(
    changes: dict[str, Any], named: str
) -> None:
    # Before: positions, kind and the source ids given in changes vanished without a word.
    io, recorder = _client(json_response(201, {"id": 9}))

    with pytest.raises(ConfigurationError, match=named):
        await io.invoices.correct(5, [{"name": "A", "quantity": -1}], reason="r", changes=changes)

    assert recorder.requests == []


async def test_changes_that_agree_with_the_call_are_taken() -> None:
    io, recorder = _client(json_response(201, {"id": 9}))

    await io.invoices.correct(
        5, [{"name": "A"}], reason="r", changes={"kind": "correction", "invoice_id": "5"}
    )
    await io.invoices.copy(5, kind="vat", changes={"kind": "vat", "payment_to": "2026-12-31"})
    await io.invoices.create_final(5, [7, 8], changes={"invoice_ids": ["7", "8"]})

    assert len(recorder.requests) == 3
    assert body_json(recorder.requests[1])["invoice"]["payment_to"] == "2026-12-31"


async def test_changes_spelled_otherwise_but_saying_the_same_are_taken() -> None:
    # A flag as True for "1", an amount as "10.00" for 10: the same, and not refused.
    io, recorder = _client(json_response(201, {"id": 9}))

    await io.invoices.correct_totally(5, changes={"total_correction": True})
    await io.invoices.create_advance(3, percent=10, changes={"advance_value": "10.00"})

    assert len(recorder.requests) == 2
    with pytest.raises(ConfigurationError, match="advance_value"):
        await io.invoices.create_advance(3, percent=10, changes={"advance_value": "20"})


async def test_copy_refuses_a_kind_in_changes_that_differs_from_its_kind() -> None:
    io, recorder = _client(json_response(201, {"id": 9}))

    with pytest.raises(ConfigurationError, match="kind"):
        await io.invoices.copy(5, kind="vat", changes={"kind": "proforma"})

    assert recorder.requests == []
