"""The oid look-up after a create whose outcome is unknown, when its answer is not plain JSON.

Two ways the look-up used to lie to the retry layer:

- a 2xx look-up whose body cannot be read (a login page, a 200 ``{"code": "error"}``,
  truncated JSON) counted as "no such invoice", so the create was sent again. Now it is a
  failed look-up: the next attempt looks up again, the create is never re-sent on it, and when
  attempts run out the caller gets a TransportError whose ``outcome_unknown`` is true;
- the look-up and the duplicate-oid 422 were read with the configured codec whatever their
  Content-Type, so an XML client never recognised the JSON 422 the API (and the sandbox)
  answers. Both are now read by their Content-Type.

MockTransport tests count what reached the wire; the last ones run the real sandbox.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from invoceanio import (
    ConfigurationError,
    ConnectionLostError,
    DecodeError,
    InvoiceOcean,
    RequestTimeout,
    ResponseTooLargeError,
    RetryPolicy,
    TransportError,
    ValidationError,
)
from invoceanio.codecs import JsonCodec, XmlCodec
from invoceanio.codecs.registry import CodecRegistry
from invoceanio.http import Response
from invoceanio.models.invoice import Invoice
from invoceanio.sandbox import Sandbox
from invoceanio.transport import MockTransport
from tests.support import (
    Recorder,
    SleepRecorder,
    invoice_payload,
    json_response,
    make_client,
    raw_response,
)

OID = "A-1"
DATA = {"oid": OID, "buyer_name": "Klient ABC"}
LOST = ConnectionLostError("connection reset by peer")
FOUND = json_response(200, [invoice_payload(id=77, oid=OID)])
DUPLICATE_OID = json_response(
    422, {"code": "error", "message": {"oid": ["has already been taken"]}}
)
XML_FOUND = raw_response(
    200,
    b'<?xml version="1.0" encoding="UTF-8"?><invoices type="array"><invoice>'
    b'<id type="integer">77</id><oid>A-1</oid></invoice></invoices>',
    "application/xml; charset=utf-8",
)

# 2xx look-up answers that say nothing about whether the invoice exists.
UNREADABLE = {
    "html-login-page": raw_response(200, b"<!DOCTYPE html><html>Log in</html>", "text/html"),
    "html-labelled-json": raw_response(200, b"<html><body>login</body></html>", "application/json"),
    "body-error": json_response(200, {"code": "error", "message": "temporarily unavailable"}),
    "truncated-json": raw_response(200, b'[{"id": 77, "oid": "A-1"', "application/json"),
    "empty-body": raw_response(200, b"", "application/json"),
    "unknown-type": raw_response(200, b"[]", "text/plain"),
    "not-a-list": json_response(200, {"id": 77, "oid": OID}),
}
BAD = pytest.mark.parametrize("bad", UNREADABLE.values(), ids=UNREADABLE.keys())


def client(recorder: Recorder, sleeper: SleepRecorder | None = None, **options: Any) -> Any:
    sleeper = sleeper or SleepRecorder()
    fmt = options.pop("format", "json")
    retry = RetryPolicy(sleep=sleeper.sleep, clock=sleeper.clock, **options)
    return make_client(recorder, retry=retry, sleeper=sleeper, format=fmt)


def wire(recorder: Recorder) -> list[str]:
    return [request.method for request in recorder.requests]


# an unreadable look-up is a failed look-up, never "absent" ---------------------------------------


@BAD
async def test_unreadable_lookup_is_looked_up_again_not_resent(bad: Response) -> None:
    recorder = Recorder(LOST, bad, FOUND)

    invoice = await client(recorder).invoices.create(DATA)

    assert isinstance(invoice, Invoice)
    assert (invoice.id, invoice.oid) == (77, OID)
    # Before the fix: POST, GET, POST (the create re-sent on a look-up that said nothing).
    assert wire(recorder) == ["POST", "GET", "GET"]


@BAD
async def test_lookups_unreadable_to_the_end_raise_outcome_unknown(bad: Response) -> None:
    recorder = Recorder(LOST, bad)

    with pytest.raises(TransportError) as caught:
        await client(recorder, max_attempts=3).invoices.create(DATA)

    error = caught.value
    assert error.outcome_unknown
    assert "outcome" in str(error) and "look-up" in str(error)
    assert (error.method, error.url) == ("POST", "/invoices.json")
    # What the look-up answered, for whoever reads the traceback.
    assert isinstance(error.__cause__, DecodeError)
    assert error.__cause__.status == 200
    # One create only, then a look-up per further attempt.
    assert wire(recorder) == ["POST", "GET", "GET"]


async def test_unreadable_lookup_after_a_duplicate_oid_looks_up_again() -> None:
    recorder = Recorder(DUPLICATE_OID, UNREADABLE["html-login-page"], FOUND)
    sleeper = SleepRecorder()

    invoice_id, existed = await client(recorder, sleeper).invoices.create_document_id(dict(DATA))

    # The invoice was there before this call (the 422 said so): found, and reported as such.
    assert (invoice_id, existed) == (77, True)
    assert wire(recorder) == ["POST", "GET", "GET"]
    assert len(sleeper.delays) == 1


async def test_single_attempt_policy_raises_outcome_unknown_on_an_unreadable_lookup() -> None:
    recorder = Recorder(DUPLICATE_OID, UNREADABLE["body-error"])

    with pytest.raises(TransportError) as caught:
        await client(recorder, max_attempts=1).invoices.create(DATA)

    assert caught.value.outcome_unknown
    assert not isinstance(caught.value, ValidationError)
    assert wire(recorder) == ["POST", "GET"]


async def test_a_lookup_over_the_size_cap_is_a_failed_lookup() -> None:
    # Before: the look-up's ResponseTooLargeError reached the caller at once, naming the GET,
    # and said nothing of the create whose outcome is unknown.
    too_large = raw_response(200, b"[" + b" " * 2000 + b"]", "application/json")
    recorder = Recorder(LOST, too_large, FOUND)
    sleeper = SleepRecorder()
    retry = RetryPolicy(sleep=sleeper.sleep, clock=sleeper.clock)
    transport = MockTransport(recorder, max_body_size=1000)
    io = InvoiceOcean(prefix="acme", api_token="test-token", transport=transport, retry=retry)

    invoice = await io.invoices.create(DATA)

    assert (invoice.id, invoice.oid) == (77, OID)
    assert wire(recorder) == ["POST", "GET", "GET"]


async def test_lookups_over_the_size_cap_to_the_end_raise_outcome_unknown() -> None:
    too_large = raw_response(200, b"[" + b" " * 2000 + b"]", "application/json")
    recorder = Recorder(LOST, too_large)
    sleeper = SleepRecorder()
    retry = RetryPolicy(sleep=sleeper.sleep, clock=sleeper.clock, max_attempts=3)
    transport = MockTransport(recorder, max_body_size=1000)
    io = InvoiceOcean(prefix="acme", api_token="test-token", transport=transport, retry=retry)

    with pytest.raises(TransportError) as caught:
        await io.invoices.create(DATA)

    assert caught.value.outcome_unknown
    assert (caught.value.method, caught.value.url) == ("POST", "/invoices.json")
    assert isinstance(caught.value.__cause__, ResponseTooLargeError)
    assert wire(recorder) == ["POST", "GET", "GET"]


async def test_a_client_closed_during_the_wait_still_says_the_outcome_is_unknown() -> None:
    # The first attempt was lost; the application shuts the transport down while the retry
    # waits. Before: the next attempt's ConfigurationError ("closed") replaced the unknown
    # outcome, which reads as "nothing happened".
    recorder = Recorder(LOST)
    transport = MockTransport(recorder)

    async def shut_down(_: float) -> None:
        await transport.aclose()

    io = InvoiceOcean(
        prefix="acme",
        api_token="test-token",
        transport=transport,
        retry=RetryPolicy(sleep=shut_down),
    )

    with pytest.raises(TransportError) as caught:
        await io.invoices.create(DATA)

    assert caught.value.outcome_unknown
    assert (caught.value.method, caught.value.url) == ("POST", "/invoices.json")
    assert isinstance(caught.value.__cause__, ConfigurationError)
    assert wire(recorder) == ["POST"]


async def test_an_unreadable_last_answer_is_not_called_unsent() -> None:
    # Lost, not found, sent again and answered 201 with a body over the cap: the outcome is
    # unknown, and the last attempt did go out (the message used to say it was not sent).
    too_large = raw_response(201, b"{" + b" " * 2000 + b"}", "application/json")
    recorder = Recorder(LOST, json_response(200, []), too_large)
    sleeper = SleepRecorder()
    retry = RetryPolicy(sleep=sleeper.sleep, clock=sleeper.clock)
    transport = MockTransport(recorder, max_body_size=1000)
    io = InvoiceOcean(prefix="acme", api_token="test-token", transport=transport, retry=retry)

    with pytest.raises(TransportError) as caught:
        await io.invoices.create(DATA)

    assert caught.value.outcome_unknown
    assert "the last answer cannot be read" in str(caught.value)
    assert "not sent" not in str(caught.value)
    assert wire(recorder) == ["POST", "GET", "POST"]


async def test_a_closed_client_before_any_attempt_is_a_configuration_error() -> None:
    # Nothing was sent: no outcome is unknown, and the caller's mistake keeps its own type.
    recorder = Recorder(LOST)
    transport = MockTransport(recorder)
    await transport.aclose()
    io = InvoiceOcean(prefix="acme", api_token="test-token", transport=transport)

    with pytest.raises(ConfigurationError):
        await io.invoices.create(DATA)

    assert wire(recorder) == []


async def test_an_invoice_this_call_made_is_created_even_when_refused_as_a_duplicate() -> None:
    # The lost create stored the invoice; the look-up did not see it yet; the re-send is
    # refused as a duplicate oid; the next look-up finds it. It is this call's own (its first
    # attempt made it), not one that existed before: before the fix it counted "existed".
    def script() -> Recorder:
        return Recorder(LOST, json_response(200, []), DUPLICATE_OID, FOUND)

    recorder = script()
    invoice_id, existed = await client(recorder).invoices.create_document_id(dict(DATA))
    assert (invoice_id, existed) == (77, False)
    assert wire(recorder) == ["POST", "GET", "POST", "GET"]

    report = await client(script()).invoices.create_many([dict(DATA)])
    assert (report.created, report.existed, report.failed) == (1, 0, 0)


@pytest.mark.parametrize(
    "failure",
    [
        ConnectionLostError("connection reset by peer"),
        RequestTimeout("timed out waiting for the server to answer", phase="read"),
    ],
    ids=["lost", "read-timeout"],
)
async def test_a_lookup_that_fails_after_a_lost_create_is_the_creates_unknown_outcome(
    failure: TransportError,
) -> None:
    # Raised as it was, the look-up's own error named a GET, which reads as safe to repeat.
    recorder = Recorder(LOST, failure)
    with pytest.raises(TransportError) as caught:
        await client(recorder, max_attempts=3).invoices.create(DATA)
    error = caught.value
    assert type(error) is TransportError
    assert error.outcome_unknown
    assert (error.method, error.url) == ("POST", "/invoices.json")
    assert "the outcome of POST /invoices.json is unknown" in str(error)
    assert error.__cause__ is failure
    assert wire(recorder) == ["POST", "GET", "GET"]  # looked up again, never re-sent


async def test_a_key_taken_after_a_lost_create_but_never_found_is_an_unknown_outcome() -> None:
    # The lost create made it, the look-up lags: the server refuses the re-send as a duplicate
    # and no look-up finds it. Before, a plain ValidationError said the invoice was refused,
    # and a bulk import failed the item as a refusal that would repeat.
    absent = json_response(200, [])
    recorder = Recorder(LOST, absent, DUPLICATE_OID, absent, absent, DUPLICATE_OID, absent)
    with pytest.raises(TransportError) as caught:
        await client(recorder, max_attempts=3).invoices.create(DATA)
    assert not isinstance(caught.value, ValidationError)
    assert caught.value.outcome_unknown
    assert "the server now says the key is taken" in str(caught.value)
    # Each attempt looks up before it sends, and the oid keeps any re-send from making one.
    assert wire(recorder) == ["POST", "GET", "POST", "GET", "GET", "POST", "GET"]


async def test_a_key_taken_after_a_lost_create_and_found_late_is_this_calls() -> None:
    recorder = Recorder(LOST, json_response(200, []), DUPLICATE_OID, json_response(200, []), FOUND)
    invoice_id, existed = await client(recorder, max_attempts=3).invoices.create_document_id(
        dict(DATA)
    )
    assert (invoice_id, existed) == (77, False)
    assert wire(recorder) == ["POST", "GET", "POST", "GET", "GET"]


async def test_create_many_counts_an_invoice_it_made_as_created() -> None:
    # The lost create stored the invoice; the first look-up is a login page, the second finds
    # it. Before the fix the create was re-sent, refused as a duplicate and counted "existed".
    recorder = Recorder(LOST, UNREADABLE["html-login-page"], FOUND)
    io = client(recorder)

    report = await io.invoices.create_many([dict(DATA)])

    assert (report.created, report.existed, report.failed) == (1, 0, 0)
    assert wire(recorder) == ["POST", "GET", "GET"]


# read by the Content-Type, not by the configured format ------------------------------------------


async def test_xml_client_recognises_a_json_duplicate_oid() -> None:
    recorder = Recorder(DUPLICATE_OID, XML_FOUND)

    invoice = await client(recorder, format="xml").invoices.create(DATA)

    assert isinstance(invoice, Invoice)
    assert (invoice.id, invoice.oid) == (77, OID)
    assert wire(recorder) == ["POST", "GET"]


async def test_xml_client_reads_a_json_lookup() -> None:
    recorder = Recorder(LOST, FOUND)

    invoice = await client(recorder, format="xml").invoices.create(DATA)

    assert isinstance(invoice, Invoice)
    assert (invoice.id, invoice.oid) == (77, OID)
    assert wire(recorder) == ["POST", "GET"]


async def test_json_client_recognises_an_xml_duplicate_oid() -> None:
    xml_duplicate = raw_response(
        422,
        b'<?xml version="1.0" encoding="UTF-8"?><hash><code>error</code>'
        b"<message><oid>has already been taken</oid></message></hash>",
        "application/xml",
    )
    recorder = Recorder(xml_duplicate, FOUND)

    invoice = await client(recorder).invoices.create(DATA)

    assert (invoice.id, invoice.oid) == (77, OID)
    assert wire(recorder) == ["POST", "GET"]


class _VendorJsonCodec(JsonCodec):
    """A codec a user registers for a media type the default registry does not know."""

    name = "vendor-json"
    media_type = "application/vnd.acme+json"
    media_types = frozenset({"application/vnd.acme+json"})
    suffix = ".vendor-json"


def _vendor_found() -> Response:
    return raw_response(
        200, json_response(200, [invoice_payload(id=77, oid=OID)]).body, _VendorJsonCodec.media_type
    )


async def test_lookup_is_read_with_the_clients_own_codecs() -> None:
    # Before the fix the reconciler read answers through the default registry, not the
    # client's codecs=: a look-up in a media type only the client's registry knows was
    # "unreadable" (looked up again to the end, then outcome unknown), although every other
    # call of that client reads it.
    codecs = CodecRegistry([JsonCodec(), XmlCodec(), _VendorJsonCodec()])
    recorder = Recorder(LOST, _vendor_found())
    sleeper = SleepRecorder()
    retry = RetryPolicy(sleep=sleeper.sleep, clock=sleeper.clock, max_attempts=2)

    io = make_client(recorder, retry=retry, sleeper=sleeper, format="xml", codecs=codecs)
    invoice = await io.invoices.create(DATA)

    assert (invoice.id, invoice.oid) == (77, OID)
    assert wire(recorder) == ["POST", "GET"]


async def test_a_duplicate_oid_is_read_with_the_clients_own_codecs() -> None:
    codecs = CodecRegistry([JsonCodec(), XmlCodec(), _VendorJsonCodec()])
    duplicate = raw_response(422, DUPLICATE_OID.body, _VendorJsonCodec.media_type)
    recorder = Recorder(duplicate, _vendor_found())

    invoice = await make_client(recorder, format="xml", codecs=codecs).invoices.create(DATA)

    assert (invoice.id, invoice.oid) == (77, OID)
    assert wire(recorder) == ["POST", "GET"]


# end to end: the sandbox answers errors in JSON whatever the suffix ------------------------------


def _sandbox_invoice(number: int) -> dict[str, Any]:
    return {
        "oid": f"ORDER-{number}",
        "buyer_name": "Buyer",
        "issue_date": "2026-11-20",
        "positions": [{"name": "Item", "tax": 23, "quantity": 1, "total_price_gross": "1.50"}],
    }


@pytest.fixture
async def seeded() -> AsyncIterator[tuple[Sandbox, dict[str, int]]]:
    async with Sandbox(token="oid-token") as sandbox:
        async with InvoiceOcean(base_url=sandbox.url, api_token=sandbox.token) as seed:
            ids = {}
            for number in range(3):
                made = await seed.invoices.create(_sandbox_invoice(number))
                assert made.id is not None
                ids[f"ORDER-{number}"] = made.id
        yield sandbox, ids


async def test_xml_client_re_importing_existing_oids_against_the_sandbox(
    seeded: tuple[Sandbox, dict[str, int]],
) -> None:
    sandbox, ids = seeded
    async with InvoiceOcean(base_url=sandbox.url, api_token=sandbox.token, format="xml") as io:
        report = await io.invoices.create_many([_sandbox_invoice(n) for n in range(3)])
        again = await io.invoices.create(_sandbox_invoice(0))

    assert (report.created, report.existed, report.failed) == (0, 3, 0), report.failures
    assert again.id == ids["ORDER-0"]
    assert len(sandbox.store.records("invoices")) == 3
