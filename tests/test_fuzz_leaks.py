"""Credentials a fuzz of every public method found in errors, whole or in part.

Each test answers with a body (or header) that quotes a secret, and checks that no spelling of
it, nor the start of one, reaches ``str(exc)``, ``repr(exc)``, the formatted traceback or any
attribute of the chained errors. MockTransport only; retries never really sleep.
"""

from __future__ import annotations

import json
import traceback
from typing import Any

import pytest

from invoceanio import InvoiceOcean, InvoiceOceanError, RetryPolicy
from invoceanio.codecs import XmlCodec
from invoceanio.http import Request, Response
from invoceanio.middleware import deadline
from invoceanio.models import Client, Invoice, Payment, User, structure
from invoceanio.models.converter import build_converter
from invoceanio.transport import MockTransport
from tests.support import SleepRecorder, make_client

TOKEN = "canary-TOKEN-123456"
PASSWORD = "canary-PASSWORD-4242"
INTEGRATION = "canary-INTEGRATION-99"
JSON = {"Content-Type": "application/json"}


def client(handler: Any, *, fmt: str = "json") -> InvoiceOcean:
    sleeper = SleepRecorder()
    policy = RetryPolicy(sleep=sleeper.sleep, clock=sleeper.clock, max_attempts=2)
    return make_client(handler, retry=policy, api_token=TOKEN, format=fmt)


def texts_of(exc: BaseException) -> str:
    """Everything a reader or a tool could print of the error and its chain."""
    parts = ["".join(traceback.format_exception(exc))]
    link: BaseException | None = exc
    while link is not None:
        parts += [str(link), repr(link), *(repr(value) for value in vars(link).values())]
        link = link.__cause__ or link.__context__
    return "\n".join(parts)


def assert_no_part_of(secret: str, exc: BaseException) -> None:
    text = texts_of(exc)
    # Ten characters of a secret are already far more than chance: a cut left its start.
    for start in range(len(secret) - 9):
        assert secret[start : start + 10] not in text, f"part of {secret!r} in {text!r}"
    assert secret.lower()[:10] not in text.lower()


async def failure(call: Any) -> InvoiceOceanError:
    with pytest.raises(InvoiceOceanError) as caught:
        await call
    return caught.value


async def test_malformed_json_keeps_no_copy_of_the_body_in_a_hidden_cause() -> None:
    # orjson's error holds the whole body (.doc); `from None` only hid it from printing.
    answer = Response(status=200, headers=JSON, body=b"Invalid token " + TOKEN.encode())
    exc = await failure(client(lambda _: answer).clients.get(7))
    assert exc.__context__ is None or TOKEN not in repr(vars(exc.__context__))
    assert_no_part_of(TOKEN, exc)


async def test_an_xml_value_quoting_the_token_leaves_no_start_of_it() -> None:
    # The value used to be cut at 40 characters before the client masked the token.
    body = f'<client><id type="integer">Invalid token api_token={TOKEN}</id></client>'.encode()
    answer = Response(status=200, headers={"Content-Type": "application/xml"}, body=body)
    exc = await failure(client(lambda _: answer, fmt="xml").clients.get(7))
    assert "is typed integer but holds a 43-character text" in str(exc)
    assert_no_part_of(TOKEN, exc)


async def test_a_price_keyed_by_the_token_is_masked() -> None:
    answer = Response(status=200, headers=JSON, body=json.dumps({TOKEN: {}}).encode())
    exc = await failure(client(lambda _: answer).price_lists.prices_for_products(7, [5]))
    assert "which is no product id" in str(exc)
    assert_no_part_of(TOKEN, exc)


async def test_a_content_type_quoting_the_token_is_masked_though_lower_cased() -> None:
    answer = Response(status=200, headers={"Content-Type": f"text/x-{TOKEN}"}, body=b"x")
    exc = await failure(client(lambda _: answer).invoices.get(1))
    assert "unexpected content type" in str(exc)
    assert_no_part_of(TOKEN, exc)


async def test_an_oid_look_up_error_cut_through_the_token_leaves_no_start_of_it() -> None:
    # The provider cuts an error body's message at 300 characters: here, inside the token.
    lookup = json.dumps({"code": "error", "message": "x" * 290 + TOKEN}).encode()

    def handler(request: Request) -> Response:
        if request.method == "POST":
            return Response(status=500, headers={}, body=b"")
        return Response(status=200, headers=JSON, body=lookup)

    exc = await failure(client(handler).invoices.create({"buyer_name": "B", "oid": "O-1"}))
    assert_no_part_of(TOKEN, exc)


def _echo(request: Request) -> Response:
    quoted = (request.body or b"").replace(b'"', b"'")
    return Response(
        status=401, headers=JSON, body=b'{"message": "bad credentials: ' + quoted + b'"}'
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda: InvoiceOcean.log_in("me", PASSWORD, transport=MockTransport(_echo)),
        lambda: client(_echo).account.login("me", PASSWORD, integration_token=INTEGRATION),
        lambda: client(_echo).account.add_user(
            integration_token=INTEGRATION, email="u@x.pl", password=PASSWORD
        ),
        lambda: client(_echo).account.create_user(
            integration_token=INTEGRATION, email="u@x.pl", password=PASSWORD
        ),
        lambda: client(_echo).account.create(
            integration_token=INTEGRATION, user={"login": "me", "password": PASSWORD}
        ),
    ],
    ids=["log_in", "account.login", "add_user", "create_user", "account.create"],
)
async def test_the_credentials_given_to_a_call_are_masked_in_its_errors(call: Any) -> None:
    exc = await failure(call())
    assert "bad credentials" in str(exc)
    assert_no_part_of(PASSWORD, exc)
    assert_no_part_of(INTEGRATION, exc)


def test_blank_items_of_an_id_list_are_left_out_not_read_as_none() -> None:
    # (1, None) broke the models' tuple[int, ...] annotation.
    assert structure({"department_ids": [1, "", " 2 "]}, User).department_ids == (1, 2)
    assert structure({"invoice_ids": ["", 7]}, Payment).invoice_ids == (7,)


def test_null_items_of_a_list_are_left_out_too() -> None:
    # The item hook ran on None first and refused it: the whole answer was a DecodeError.
    assert structure({"invoice_ids": [None, 5]}, Payment).invoice_ids == (5,)
    assert structure({"tag_list": [None, "vip"]}, Client).tag_list == ("vip",)
    assert structure({"gov_error_messages": [None]}, Invoice).gov_error_messages == ()
    # The same answer in XML: <invoice-id nil="true"/> decodes to None.
    xml = XmlCodec().decode(
        b'<payment><invoice-ids type="array"><invoice-id type="integer">5</invoice-id>'
        b'<invoice-id nil="true"/></invoice-ids></payment>'
    )
    assert structure(xml, Payment).invoice_ids == (5,)
    # The reference path (cattrs' functions alone) agrees.
    reference = build_converter(one_pass=False)
    assert reference.structure({"invoice_ids": [None, 5]}, Payment).invoice_ids == (5,)


def test_a_deadline_stopped_in_another_context_is_no_error() -> None:
    # A call abandoned unfinished is closed by the garbage collector in another context.
    import contextvars

    token = contextvars.copy_context().run(deadline.start, lambda: 0.0, 10.0)
    deadline.stop(token)  # before: ValueError, printed as "Exception ignored" at collection
    assert deadline.seconds_left() is None
