"""Bad arguments to the resource calls (the bad-input audit): each is refused with
ConfigurationError before anything is sent, or means what the caller meant, never something
else. A bad server answer (an unparsable URL, a price keyed by no id) is a DecodeError naming
the method and the path.

Every refusal is checked on a MockTransport that records what it was sent: nothing."""

from __future__ import annotations

import json
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from invoceanio import ConfigurationError, InvoiceOcean
from invoceanio.errors import DecodeError
from invoceanio.http import Request, Response
from invoceanio.resources.base import as_list, check_flag, check_id, check_ids, check_key
from invoceanio.transport import MockTransport
from tests.resources.mock_api import answer
from tests.support import query

Call = Callable[[InvoiceOcean], Awaitable[Any]]


async def _sent(call: Call, handler: Callable[[Request], Response] = answer) -> list[Request]:
    transport = MockTransport(handler)
    async with InvoiceOcean(prefix="acme", api_token="tok", transport=transport) as io:
        await call(io)
    return transport.requests


async def _refused(call: Call, match: str | None = None) -> ConfigurationError:
    """The call raises ConfigurationError, and the transport was sent nothing."""
    transport = MockTransport(answer)
    async with InvoiceOcean(prefix="acme", api_token="tok", transport=transport) as io:
        with pytest.raises(ConfigurationError, match=match) as caught:
            await call(io)
    assert transport.requests == []
    return caught.value


def _add_user(io: InvoiceOcean, **fields: Any) -> Awaitable[Any]:
    fields.setdefault("email", "a@x.pl")
    return io.account.add_user(integration_token="i", **fields)


def _body(request: Request) -> Any:
    assert request.body is not None
    return json.loads(request.body)


# --- finding 1: one id given alone is a list of one, never its characters ----------------------


@pytest.mark.parametrize("single", ["123", 123, " 123 "])
async def test_fiscal_print_of_one_id_prints_that_invoice_not_its_digits(single: object) -> None:
    (request,) = await _sent(lambda io: io.invoices.fiscal_print(single))
    assert query(request) == {"invoice_ids[]": ["123"]}


@pytest.mark.parametrize("single", ["45", 45])
async def test_merge_of_one_id_merges_that_client_not_its_digits(single: object) -> None:
    (request,) = await _sent(lambda io: io.clients.merge(9, single))
    assert _body(request) == {"merge_ids": [45]}


@pytest.mark.parametrize("single", ["23", 23])
async def test_create_final_of_one_id_settles_that_advance(single: object) -> None:
    (request,) = await _sent(lambda io: io.invoices.create_final(1, single))
    assert _body(request)["invoice"]["invoice_ids"] == [23]


@pytest.mark.parametrize("single", ["56", 56])
async def test_prices_for_one_product_ask_for_that_product(single: object) -> None:
    (request,) = await _sent(lambda io: io.price_lists.prices_for_products(1, single))
    assert query(request) == {"product_ids[]": ["56"]}


async def test_id_lists_take_any_iterable_of_ids() -> None:
    (request,) = await _sent(lambda io: io.invoices.fiscal_print(i for i in (7, 8)))
    assert query(request) == {"invoice_ids[]": ["7", "8"]}
    (request,) = await _sent(lambda io: io.clients.merge(9, (4, "5")))
    assert _body(request) == {"merge_ids": [4, 5]}


@pytest.mark.parametrize(
    "call",
    [
        lambda io: io.invoices.fiscal_print(None),
        lambda io: io.invoices.fiscal_print({"1": 2}),
        lambda io: io.invoices.fiscal_print(bytearray(b"12")),  # would be ids 49 and 50
        lambda io: io.invoices.fiscal_print(b"12"),
        lambda io: io.invoices.fiscal_print([1, None]),
        lambda io: io.invoices.fiscal_print("1,2"),
        lambda io: io.invoices.fiscal_print(1.5),
        lambda io: io.clients.merge(9, None),
        lambda io: io.clients.merge(9, [4, "x"]),
        lambda io: io.invoices.create_final(1, None),
        lambda io: io.invoices.create_final(1, [2.0]),
        lambda io: io.price_lists.prices_for_products(1, None),
        lambda io: io.price_lists.prices_for_products(1, {5: 1}),
        lambda io: io.products.list(ids={"a": 1}),
        lambda io: io.account.unlink(None),
        lambda io: io.account.unlink(5),
        lambda io: io.account.unlink(["ok", None]),
    ],
)
async def test_id_lists_refuse_anything_else(call: Call) -> None:
    await _refused(call)


async def test_an_empty_id_list_is_still_refused() -> None:
    await _refused(lambda io: io.invoices.fiscal_print([]), "at least one")
    await _refused(lambda io: io.clients.merge(9, []), "at least one")
    await _refused(lambda io: io.invoices.create_final(1, ()), "at least one")


async def test_unlink_takes_one_prefix_or_a_list() -> None:
    (request,) = await _sent(lambda io: io.account.unlink("newco"))
    assert _body(request) == {"prefix": "newco"}
    (request,) = await _sent(lambda io: io.account.unlink(["a", "b"]))
    assert _body(request) == {"prefix": ["a", "b"]}


def test_the_shared_helpers() -> None:
    assert as_list("abc", "x") == ["abc"] and as_list(5, "x") == [5]
    assert as_list((1, 2), "x") == [1, 2] and as_list({3}, "x") == [3]
    assert check_ids("123", "ids") == ["123"] and check_ids([1, "2"], "ids") == ["1", "2"]
    for bad in (None, {"a": 1}, b"1", bytearray(b"1"), memoryview(b"1")):
        with pytest.raises(ConfigurationError, match="takes one value or a list"):
            as_list(bad, "x")
    with pytest.raises(ConfigurationError, match="each of merge_ids"):
        check_ids([1, "x"], "merge_ids")


# --- finding 5: bad arguments are ConfigurationError, not a raw TypeError/ValueError ------------


@pytest.mark.parametrize(
    "call",
    [
        lambda io: io.invoices.pdf(1, print_option=["copy"]),
        lambda io: io.invoices.pdf(1, print_option={}),
        lambda io: io.invoices.list(kinds=5),
        lambda io: io.invoices.list(kinds={"vat": 1}),
        lambda io: io.invoices.list(kinds=["vat", None]),
        lambda io: io.invoices.get(1, fields=5),
        lambda io: io.invoices.get(1, fields={"id": 1}),
        lambda io: io.invoices.get(1, additional_fields=[["cancel_reason"]]),
        lambda io: io.invoices.send_by_email(1, email_to=123),
        lambda io: io.invoices.send_by_email(1, email_cc={"a@x.pl": 1}),
        lambda io: _add_user(io, department_ids=["x"]),
        lambda io: _add_user(io, department_ids=[None]),
        lambda io: _add_user(io, role="role_²"),
        lambda io: _add_user(io, role=10**5000),
        lambda io: io.invoices.get("9" * 5000),
        lambda io: io.invoices.get(10**5000),
        lambda io: io.invoices.get(2**63),
        lambda io: io.invoices.cancel("9" * 5000),
        lambda io: io.clients.merge("9" * 5000, [1]),
        lambda io: io.invoices.find_by_oid(10**5000),
    ],
)
async def test_bad_arguments_are_refused_before_anything_is_sent(call: Call) -> None:
    await _refused(call)


def test_an_id_is_at_most_64_bits_and_its_error_is_short() -> None:
    assert check_id(2**63 - 1) == str(2**63 - 1)
    assert check_id("0012") == "0012"
    with pytest.raises(ConfigurationError) as caught:
        check_id("9" * 5000)
    assert len(str(caught.value)) < 200
    with pytest.raises(ConfigurationError, match="too long to show"):
        check_id(10**5000)


async def test_kinds_none_is_no_filter_like_every_other_filter() -> None:
    (request,) = await _sent(lambda io: io.invoices.list(kinds=None))
    assert "kinds[]" not in query(request)


# --- finding 6: no value goes out as its Python repr ------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda io: io.invoices.find_by_oid(["A-1"]),
        lambda io: io.clients.get_by_external_id({"a": 1}),
        lambda io: io.clients.get_by_external_id(["x"]),
        lambda io: io.invoices.send_by_email(1, email_to=[None]),
        lambda io: io.invoices.send_by_email(1, email_to=[["a@x.pl"]]),
        lambda io: _add_user(io, email=["a"]),
        lambda io: _add_user(io, department_ids=[1.7]),
        lambda io: io.invoices.list(client_id={"a": 1}),
        lambda io: io.invoices.list(client_id=b"7"),
        lambda io: io.invoices.list(client_id=object()),
        lambda io: io.invoices.list(client_id=[[1, 2]]),
        lambda io: io.invoices.list(client_id=[1, None]),
        lambda io: io.invoices.list(date_from=["2026-01-01"]),
        lambda io: io.invoices.list(period=["all"]),
        lambda io: io.payments.list(amount_from=[1]),
        lambda io: io.products.list(warehouse_id={"a": 1}),
    ],
)
async def test_values_that_are_no_query_scalars_are_refused(call: Call) -> None:
    await _refused(call)


async def test_a_password_given_the_wrong_way_is_not_quoted_in_the_error() -> None:
    error = await _refused(
        lambda io: io.account.login("me", ["hunter2-secret"]),  # type: ignore[arg-type]
    )
    assert "hunter2" not in str(error)


def test_check_key_takes_text_or_a_number() -> None:
    assert check_key("ORD-1", "oid") == "ORD-1" and check_key(123, "oid") == "123"
    for bad in (None, True, ["a"], {"a": 1}, b"a", 1.5, "  "):
        with pytest.raises(ConfigurationError, match="non-empty string"):
            check_key(bad, "oid")


async def test_email_lists_count_comma_separated_items_and_send_them_joined() -> None:
    (request,) = await _sent(lambda io: io.invoices.send_by_email(1, email_to=["a@x,b@x", "c@x"]))
    assert query(request)["email_to"] == ["a@x,b@x,c@x"]
    await _refused(
        lambda io: io.invoices.send_by_email(1, email_to=["a@x,b@x,c@x", "d@x,e@x,f@x"]),
        "1 to 5",
    )


async def test_department_ids_are_sent_as_the_ids_given() -> None:
    (request,) = await _sent(
        lambda io: io.account.add_user(
            integration_token="i", email="a@x.pl", department_ids=["3", 4]
        )
    )
    assert _body(request)["user"]["department_ids"] == [3, 4]


# --- finding 7: "no", "false" and "0" never switch a flag on ---------------------------------


@pytest.mark.parametrize("off", [False, "no", "false", "0", 0, "off", "N"])
async def test_flag_filters_read_off_spellings_as_off(off: object) -> None:
    (products,) = await _sent(lambda io: io.products.list(disabled=off))
    assert "filter" not in query(products)
    (payments,) = await _sent(lambda io: io.payments.list(include_invoices=off))
    assert "include" not in query(payments)
    (payment,) = await _sent(lambda io: io.payments.get(1, include_invoices=off))
    assert "include" not in query(payment)
    (invoices,) = await _sent(lambda io: io.invoices.list(income=off))
    assert query(invoices)["income"] == ["no"]
    (email,) = await _sent(lambda io: io.invoices.send_by_email(1, email_pdf=off))
    assert query(email)["email_pdf"] == ["false"]
    (user,) = await _sent(
        lambda io: io.account.add_user(integration_token="i", email="a@x.pl", invite=off)
    )
    assert _body(user)["user"]["invite"] is False


@pytest.mark.parametrize("on", [True, "yes", "true", "1", 1])
async def test_flag_filters_read_on_spellings_as_on(on: object) -> None:
    (products,) = await _sent(lambda io: io.products.list(disabled=on))
    assert query(products)["filter"] == ["disabled"]
    (payments,) = await _sent(lambda io: io.payments.list(include_invoices=on))
    assert query(payments)["include"] == ["invoices"]
    (invoices,) = await _sent(lambda io: io.invoices.list(income=on))
    assert query(invoices)["income"] == ["1"]  # [FR] income=1 (sales); "yes" is undocumented


@pytest.mark.parametrize("bad", ["maybe", 2, [True], 1.0])
async def test_flag_filters_refuse_what_is_no_flag(bad: object) -> None:
    await _refused(lambda io: io.products.list(disabled=bad), "disabled must be a flag")
    await _refused(lambda io: io.payments.list(include_invoices=bad), "include_invoices")
    await _refused(lambda io: io.payments.get(1, include_invoices=bad), "include_invoices")
    await _refused(lambda io: io.invoices.list(income=bad), "income must be a flag")
    await _refused(lambda io: io.invoices.send_by_email(1, email_pdf=bad), "email_pdf")


def test_check_flag_reads_as_the_models_read() -> None:
    assert check_flag(None, "x") is None and check_flag("", "x") is None
    assert check_flag(" Yes ", "x") is True and check_flag("0", "x") is False


# --- findings 9 and 10: bad answers are DecodeError with the method and path -----------------


@pytest.mark.parametrize("location", ["http://[::1", "https://[bad/x"])
@pytest.mark.parametrize("download", ["attachment", "zip"])
async def test_an_unparsable_redirect_is_a_decode_error(location: str, download: str) -> None:
    def redirect(request: Request) -> Response:
        return Response(status=302, headers={"Location": location})

    with pytest.raises(DecodeError, match="Location") as caught:
        await _sent(
            (lambda io: io.invoices.download_attachment(1, "gov"))
            if download == "attachment"
            else (lambda io: io.invoices.attachments_zip(1)),
            redirect,
        )
    assert caught.value.method == "GET" and caught.value.url.startswith("/invoices/1/attachment")
    assert "[" not in str(caught.value)


async def test_an_unparsable_upload_url_is_a_decode_error_before_the_upload() -> None:
    sent: list[Request] = []

    def grant(request: Request) -> Response:
        sent.append(request)
        return Response(
            status=200,
            headers={"Content-Type": "application/json"},
            body=json.dumps({"url": "https://[bad", "key": "k"}).encode(),
        )

    with pytest.raises(DecodeError, match="cannot be parsed") as caught:
        await _sent(lambda io: io.invoices.add_attachment(1, "a.txt", b"hi"), grant)
    assert caught.value.method == "GET"
    assert caught.value.url == "/invoices/1/get_new_attachment_credentials.json"
    assert len(sent) == 1  # nothing uploaded, nothing attached


TOKEN = "SeCrEtToKeN123"
# Server-given targets that are refused; a server may quote the client's token in them.
REFUSED_TARGETS = [
    ("http://files.example.com/gov.xml", "plain-http"),
    (f"http://{TOKEN.lower()}.example.com/gov.xml", "plain-http"),
    ("https://user:s3cret@files.example.com/gov.xml", "carries credentials"),
    (f"ftp://files.example.com/{TOKEN}/gov.xml", "unusable URL"),
    (f"https://files.example.com:99999/{TOKEN}", "unusable URL"),
    ("https://files.example.com/a b", "not a clean absolute URL"),
]


async def _refused_target(call: Call, handler: Callable[[Request], Response]) -> DecodeError:
    """The call raises DecodeError, with no spelling of the client's token in it."""
    transport = MockTransport(handler)
    async with InvoiceOcean(prefix="acme", api_token=TOKEN, transport=transport) as io:
        with pytest.raises(DecodeError) as caught:
            await call(io)
    shown = "".join(traceback.format_exception(caught.value)) + repr(caught.value)
    for spelling in (TOKEN, TOKEN.lower(), "s3cret"):
        assert spelling not in shown
    return caught.value


@pytest.mark.parametrize(("location", "problem"), REFUSED_TARGETS)
@pytest.mark.parametrize("download", ["attachment", "zip"])
async def test_a_redirect_to_an_unsafe_url_is_a_decode_error_and_not_followed(
    location: str, problem: str, download: str
) -> None:
    """The server handed the URL out: refusing it is a bad answer, not a mistake in the
    caller's configuration (which ConfigurationError would say)."""
    sent: list[Request] = []

    def redirect(request: Request) -> Response:
        sent.append(request)
        return Response(status=302, headers={"Location": location})

    error = await _refused_target(
        (lambda io: io.invoices.download_attachment(1, "gov"))
        if download == "attachment"
        else (lambda io: io.invoices.attachments_zip(1)),
        redirect,
    )
    assert problem in str(error)
    assert (error.method, error.status) == ("GET", 302)
    assert error.url.startswith("/invoices/1/attachment")
    assert len(sent) == 1  # the target was never asked


@pytest.mark.parametrize(("target", "problem"), REFUSED_TARGETS)
async def test_an_unsafe_upload_url_is_a_decode_error_before_the_upload(
    target: str, problem: str
) -> None:
    sent: list[Request] = []

    def grant(request: Request) -> Response:
        sent.append(request)
        return Response(
            status=200,
            headers={"Content-Type": "application/json"},
            body=json.dumps({"url": target, "key": "k"}).encode(),
        )

    error = await _refused_target(lambda io: io.invoices.add_attachment(1, "a.txt", b"hi"), grant)
    assert problem in str(error)
    assert error.method == "GET"
    assert error.url == "/invoices/1/get_new_attachment_credentials.json"
    assert len(sent) == 1  # nothing uploaded, nothing attached


@pytest.mark.parametrize("key", ["abc", "0", "-1", "9" * 5000])
async def test_a_price_keyed_by_no_product_id_is_a_decode_error(key: str) -> None:
    def prices(request: Request) -> Response:
        return Response(
            status=200,
            headers={"Content-Type": "application/json"},
            body=json.dumps({key: {"price_net": "1"}}).encode(),
        )

    with pytest.raises(DecodeError, match="no product id") as caught:
        await _sent(lambda io: io.price_lists.prices_for_products(1, [5]), prices)
    assert caught.value.method == "GET"
    assert caught.value.url.startswith("/price_lists/1/prices_for_products.json")
