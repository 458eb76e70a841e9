"""The retry layer, proved through the public client: every cell of the retry matrix, the caps.

Each test drives ``InvoiceOcean`` on a MockTransport whose scripted ``Recorder`` answers and
records every request that reached the transport, with a ``SleepRecorder`` injected into the
``RetryPolicy`` so backoff is recorded on a fake clock instead of slept. The assertions are what
matters to a caller: how many requests went out (above all, how many POSTs) and what came back.

Matrix (from ``invoceanio/middleware/retry.py``), with the operations that stand for each column:

- idempotent: ``get`` (GET), ``update`` (PUT), ``delete`` (DELETE), ``change_status`` (a POST
  declared idempotent);
- reconciled: ``create`` carrying an ``oid`` (looked up by ``GET /invoices.json?oid=&period=all``);
- unsafe: ``create`` without an ``oid`` and ``send_by_email``.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import math
import random
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import tenacity

from invoceanio import (
    APIError,
    AuthenticationError,
    ConfigurationError,
    ConnectError,
    ConnectionLostError,
    InvoiceOcean,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeout,
    ServerError,
    TransportError,
    ValidationError,
)
from invoceanio.http import Request, Response
from invoceanio.middleware.retry import RetryPolicy, parse_retry_after
from invoceanio.models.invoice import Invoice
from tests.support import (
    Recorder,
    SleepRecorder,
    body_json,
    invoice_payload,
    json_response,
    make_client,
    query,
)

OID = "A-1"


# helpers -----------------------------------------------------------------------------------------


def policy(sleeper: SleepRecorder, **options: Any) -> RetryPolicy:
    return RetryPolicy(sleep=sleeper.sleep, clock=sleeper.clock, **options)


def client(
    handler: Callable[[Request], Any], sleeper: SleepRecorder | None = None, **options: Any
) -> InvoiceOcean:
    sleeper = sleeper or SleepRecorder()
    return make_client(handler, retry=policy(sleeper, **options), sleeper=sleeper)


def path(request: Request) -> str:
    return urlsplit(request.url).path


def calls(recorder: Recorder) -> list[tuple[str, str]]:
    return [(request.method, path(request)) for request in recorder.requests]


def posts(recorder: Recorder) -> int:
    return sum(request.method == "POST" for request in recorder.requests)


def retry_after(status: int, value: str) -> Response:
    return json_response(status, {"message": "slow down"}, {"Retry-After": value})


def http_date(seconds_ahead: float) -> str:
    return email.utils.format_datetime(
        datetime.now(UTC) + timedelta(seconds=seconds_ahead), usegmt=True
    )


@pytest.fixture
def upper_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the jittered backoff deterministic: every draw is the top of its range."""
    monkeypatch.setattr(random, "uniform", lambda low, high: high)


@pytest.fixture
def lower_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every backoff draw is the bottom of its range (0 s): only other time counts."""
    monkeypatch.setattr(random, "uniform", lambda low, high: low)


LOOKUP_PATH = "/invoices.json"
FOUND = json_response(200, [invoice_payload(id=77, oid=OID)])
NOT_FOUND: Response = json_response(200, [])
LOST = ConnectionLostError("connection reset by peer")


@dataclass(frozen=True)
class Op:
    """One public call, the request it sends, a success answer, and how to check the result."""

    name: str
    method: str
    path: str
    call: Callable[[InvoiceOcean], Awaitable[Any]]
    ok: Response
    expected: Callable[[Any], bool]

    def __str__(self) -> str:
        return self.name


def _is_invoice(id: int, oid: str | None = None) -> Callable[[Any], bool]:
    return lambda result: isinstance(result, Invoice) and result.id == id and result.oid == oid


GET = Op(
    "get",
    "GET",
    "/invoices/1.json",
    lambda io: io.invoices.get(1),
    json_response(200, invoice_payload(id=1)),
    _is_invoice(1),
)
UPDATE = Op(
    "update",
    "PUT",
    "/invoices/1.json",
    lambda io: io.invoices.update(1, {"buyer_name": "Nowy Klient"}),
    json_response(200, invoice_payload(id=1, buyer_name="Nowy Klient")),
    lambda result: isinstance(result, Invoice) and result.buyer_name == "Nowy Klient",
)
DELETE = Op(
    "delete",
    "DELETE",
    "/invoices/1.json",
    lambda io: io.invoices.delete(1),
    Response(status=200),
    lambda result: result is None,
)
CHANGE_STATUS = Op(
    "change_status",
    "POST",
    "/invoices/1/change_status.json",
    lambda io: io.invoices.change_status(1, "paid"),
    json_response(200, {"status": "ok"}),
    lambda result: result is None,
)
CREATE_OID = Op(
    "create_with_oid",
    "POST",
    "/invoices.json",
    lambda io: io.invoices.create({"oid": OID, "buyer_name": "Klient ABC"}),
    json_response(201, invoice_payload(id=5, oid=OID)),
    _is_invoice(5, OID),
)
CREATE_PLAIN = Op(
    "create_without_oid",
    "POST",
    "/invoices.json",
    lambda io: io.invoices.create({"buyer_name": "Klient ABC"}),
    json_response(201, invoice_payload(id=5)),
    _is_invoice(5),
)
SEND_BY_EMAIL = Op(
    "send_by_email",
    "POST",
    "/invoices/1/send_by_email.json",
    lambda io: io.invoices.send_by_email(1),
    json_response(200, {"status": "ok"}),
    lambda result: result == {"status": "ok"},
)

IDEMPOTENT = [GET, UPDATE, DELETE, CHANGE_STATUS]
UNSAFE = [CREATE_PLAIN, SEND_BY_EMAIL]
ALL_OPS = [*IDEMPOTENT, CREATE_OID, *UNSAFE]


def not_sent_errors() -> list[TransportError]:
    return [ConnectError("connection refused"), RequestTimeout("connect", phase="connect")]


def no_answer_errors() -> list[TransportError]:
    return [ConnectionLostError("connection reset"), RequestTimeout("read", phase="read")]


NOT_SENT = pytest.mark.parametrize(
    "error", not_sent_errors(), ids=["ConnectError", "RequestTimeout-connect"]
)
NO_ANSWER = pytest.mark.parametrize(
    "error", no_answer_errors(), ids=["ConnectionLostError", "RequestTimeout-read"]
)


def assert_lookup(request: Request) -> None:
    assert request.method == "GET"
    assert path(request) == LOOKUP_PATH
    assert query(request) == {"oid": [OID], "period": ["all"], "per_page": ["100"]}
    assert request.body is None


# not sent: always retried ------------------------------------------------------------------------


@pytest.mark.parametrize("op", ALL_OPS, ids=str)
@NOT_SENT
async def test_request_never_sent_is_retried_for_every_operation(
    op: Op, error: TransportError
) -> None:
    recorder = Recorder(error, op.ok)
    sleeper = SleepRecorder()
    io = client(recorder, sleeper)

    result = await op.call(io)

    assert op.expected(result)
    # No look-up even for the create with an oid: the server cannot have seen the first try.
    assert calls(recorder) == [(op.method, op.path)] * 2
    assert len(sleeper.delays) == 1


# sent, no answer ---------------------------------------------------------------------------------


@pytest.mark.parametrize("op", IDEMPOTENT, ids=str)
@NO_ANSWER
async def test_unanswered_idempotent_request_is_retried(op: Op, error: TransportError) -> None:
    recorder = Recorder(error, op.ok)

    result = await op.call(client(recorder))

    assert op.expected(result)
    assert calls(recorder) == [(op.method, op.path)] * 2


@NO_ANSWER
async def test_unanswered_create_with_oid_returns_the_invoice_found_by_oid(
    error: TransportError,
) -> None:
    recorder = Recorder(error, FOUND)

    invoice = await CREATE_OID.call(client(recorder))

    assert isinstance(invoice, Invoice)
    assert (invoice.id, invoice.oid) == (77, OID)
    assert posts(recorder) == 1
    assert len(recorder.requests) == 2
    assert_lookup(recorder.requests[1])


async def test_create_with_oid_sends_oid_unique() -> None:
    recorder = Recorder(CREATE_OID.ok)

    await CREATE_OID.call(client(recorder))

    assert body_json(recorder.requests[0])["invoice"] == {
        "oid": OID,
        "buyer_name": "Klient ABC",
        "oid_unique": "yes",
    }


@NO_ANSWER
async def test_unanswered_create_with_oid_is_resent_when_the_lookup_finds_nothing(
    error: TransportError,
) -> None:
    recorder = Recorder(error, NOT_FOUND, CREATE_OID.ok)

    invoice = await CREATE_OID.call(client(recorder))

    assert CREATE_OID.expected(invoice)
    assert calls(recorder) == [
        ("POST", "/invoices.json"),
        ("GET", LOOKUP_PATH),
        ("POST", "/invoices.json"),
    ]
    assert_lookup(recorder.requests[1])


async def test_unanswered_create_with_oid_is_looked_up_in_xml_too() -> None:
    found = Response(
        status=200,
        headers={"Content-Type": "application/xml; charset=utf-8"},
        body=b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<invoices type="array"><invoice><id type="integer">77</id>'
        b"<oid>A-1</oid></invoice></invoices>",
    )
    recorder = Recorder(LOST, found)

    invoice = await CREATE_OID.call(make_client(recorder, format="xml"))

    assert isinstance(invoice, Invoice)
    assert (invoice.id, invoice.oid) == (77, OID)
    assert [(r.method, path(r)) for r in recorder.requests] == [
        ("POST", "/invoices.xml"),
        ("GET", "/invoices.xml"),
    ]
    assert query(recorder.requests[1]) == {"oid": [OID], "period": ["all"], "per_page": ["100"]}


async def test_lookup_matches_the_oid_exactly() -> None:
    # A server that ignored the oid filter would list other invoices: none of them counts.
    other = json_response(200, [invoice_payload(id=9, oid="A-10"), invoice_payload(id=8)])
    recorder = Recorder(LOST, other, CREATE_OID.ok)

    invoice = await CREATE_OID.call(client(recorder))

    assert CREATE_OID.expected(invoice)
    assert posts(recorder) == 2


@pytest.mark.parametrize("op", UNSAFE, ids=str)
@NO_ANSWER
async def test_unanswered_unsafe_post_surfaces_after_one_attempt(
    op: Op, error: TransportError
) -> None:
    recorder = Recorder(error, op.ok)
    sleeper = SleepRecorder()

    with pytest.raises(type(error)) as caught:
        await op.call(client(recorder, sleeper))

    assert caught.value is error
    assert caught.value.outcome_unknown
    assert calls(recorder) == [(op.method, op.path)]
    assert sleeper.delays == []


# 429 / 503: throttled, retried for every method --------------------------------------------------


@pytest.mark.parametrize("op", ALL_OPS, ids=str)
@pytest.mark.parametrize("status", [429, 503])
async def test_throttling_is_retried_after_retry_after_seconds(op: Op, status: int) -> None:
    recorder = Recorder(retry_after(status, "7"), op.ok)
    sleeper = SleepRecorder()

    result = await op.call(client(recorder, sleeper))

    assert op.expected(result)
    # Throttled means not processed: even the create with an oid is simply sent again.
    assert calls(recorder) == [(op.method, op.path)] * 2
    assert sleeper.delays == [7.0]


@pytest.mark.parametrize("op", ALL_OPS, ids=str)
@pytest.mark.parametrize("status", [429, 503])
async def test_throttling_is_retried_after_a_retry_after_http_date(op: Op, status: int) -> None:
    recorder = Recorder(retry_after(status, http_date(30)), op.ok)
    sleeper = SleepRecorder()

    result = await op.call(client(recorder, sleeper))

    assert op.expected(result)
    assert len(recorder.requests) == 2
    [delay] = sleeper.delays
    # An HTTP-date has one-second resolution, and some wall time passes before it is read.
    assert 28.0 <= delay <= 30.5


async def test_throttling_without_retry_after_uses_the_backoff() -> None:
    recorder = Recorder(json_response(503, {"message": "busy"}), GET.ok)
    sleeper = SleepRecorder()

    await GET.call(client(recorder, sleeper, backoff_base=0.5, backoff_max=20))

    [delay] = sleeper.delays
    assert 0 <= delay <= 0.5


async def test_a_negative_retry_after_is_no_hint_and_the_backoff_applies() -> None:
    # float("-30") clamped to 0 used to send every retry at once, with no backoff at all.
    recorder = Recorder(retry_after(429, "-30"), retry_after(429, "-30"), GET.ok)
    sleeper = SleepRecorder()

    assert GET.expected(await GET.call(client(recorder, sleeper, backoff_base=0.5)))

    assert len(sleeper.delays) == 2
    assert all(0 < delay <= 1.0 for delay in sleeper.delays), sleeper.delays


async def test_retry_after_zero_retries_at_once() -> None:
    recorder = Recorder(retry_after(429, "0"), GET.ok)
    sleeper = SleepRecorder()

    assert GET.expected(await GET.call(client(recorder, sleeper)))
    assert sleeper.delays == [0.0]


@pytest.mark.parametrize("op", ALL_OPS, ids=str)
@pytest.mark.parametrize("hint", ["121", "3600"])
async def test_retry_after_above_the_limit_raises_rate_limit_error_at_once(
    op: Op, hint: str
) -> None:
    recorder = Recorder(retry_after(429, hint), op.ok)
    sleeper = SleepRecorder()

    with pytest.raises(RateLimitError) as caught:
        await op.call(client(recorder, sleeper, max_retry_after=120, deadline=None))

    assert caught.value.retry_after == float(hint)
    assert caught.value.status == 429
    assert len(recorder.requests) == 1
    assert sleeper.delays == []


async def test_retry_after_date_above_the_limit_raises_rate_limit_error_at_once() -> None:
    recorder = Recorder(retry_after(429, http_date(600)), GET.ok)

    with pytest.raises(RateLimitError) as caught:
        await GET.call(client(recorder, max_retry_after=120, deadline=None))

    assert caught.value.retry_after is not None
    assert 595 <= caught.value.retry_after <= 600.5
    assert len(recorder.requests) == 1


async def test_retry_after_exactly_at_the_limit_is_waited_for() -> None:
    recorder = Recorder(retry_after(429, "120"), GET.ok)
    sleeper = SleepRecorder()

    await GET.call(client(recorder, sleeper, max_retry_after=120, deadline=None))

    assert sleeper.delays == [120.0]


async def test_503_with_retry_after_above_the_limit_raises_server_error_at_once() -> None:
    recorder = Recorder(retry_after(503, "3600"), GET.ok)

    with pytest.raises(ServerError) as caught:
        await GET.call(client(recorder, max_retry_after=120, deadline=None))

    assert caught.value.status == 503
    # The server's word for when to come back (a maintenance window) is kept, as on a 429.
    assert caught.value.retry_after == 3600.0
    assert len(recorder.requests) == 1


async def test_a_server_error_without_retry_after_has_none() -> None:
    recorder = Recorder(json_response(500, {"message": "boom"}))

    with pytest.raises(ServerError) as caught:
        await GET.call(client(recorder, max_attempts=1))

    assert caught.value.retry_after is None


# 500 / 502 / 504 ---------------------------------------------------------------------------------

SERVER_FAILED = pytest.mark.parametrize("status", [500, 502, 504])


def failed(status: int) -> Response:
    return json_response(status, {"message": "oops"})


@pytest.mark.parametrize("op", IDEMPOTENT, ids=str)
@SERVER_FAILED
async def test_server_failure_is_retried_for_idempotent_requests(op: Op, status: int) -> None:
    recorder = Recorder(failed(status), op.ok)

    result = await op.call(client(recorder))

    assert op.expected(result)
    assert calls(recorder) == [(op.method, op.path)] * 2


@SERVER_FAILED
async def test_server_failure_on_create_with_oid_looks_up_first(status: int) -> None:
    recorder = Recorder(failed(status), FOUND)

    invoice = await CREATE_OID.call(client(recorder))

    assert isinstance(invoice, Invoice)
    assert invoice.id == 77
    assert posts(recorder) == 1
    assert_lookup(recorder.requests[1])


@SERVER_FAILED
async def test_server_failure_on_create_with_oid_is_resent_when_not_found(status: int) -> None:
    recorder = Recorder(failed(status), NOT_FOUND, CREATE_OID.ok)

    invoice = await CREATE_OID.call(client(recorder))

    assert CREATE_OID.expected(invoice)
    assert [request.method for request in recorder.requests] == ["POST", "GET", "POST"]
    assert_lookup(recorder.requests[1])


@pytest.mark.parametrize("op", UNSAFE, ids=str)
@SERVER_FAILED
async def test_server_failure_on_unsafe_post_raises_after_one_attempt(op: Op, status: int) -> None:
    recorder = Recorder(failed(status), op.ok)
    sleeper = SleepRecorder()

    with pytest.raises(ServerError) as caught:
        await op.call(client(recorder, sleeper))

    assert caught.value.status == status
    assert caught.value.method == "POST"
    assert len(recorder.requests) == 1
    assert sleeper.delays == []


# other 4xx: never retried ------------------------------------------------------------------------

CLIENT_ERRORS = pytest.mark.parametrize(
    ("status", "error_type"),
    [
        (400, APIError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (422, ValidationError),
    ],
)


@pytest.mark.parametrize("op", ALL_OPS, ids=str)
@CLIENT_ERRORS
async def test_client_error_raises_its_type_after_one_attempt(
    op: Op, status: int, error_type: type[APIError]
) -> None:
    body = (
        {"code": "error", "message": {"buyer_name": ["can't be blank"]}}
        if status == 422
        else {"code": "error", "message": "no"}
    )
    recorder = Recorder(json_response(status, body), op.ok)
    sleeper = SleepRecorder()

    with pytest.raises(APIError) as caught:
        await op.call(client(recorder, sleeper))

    assert type(caught.value) is error_type
    assert caught.value.status == status
    if status == 422:
        assert caught.value.field_errors == {"buyer_name": ["can't be blank"]}
    assert calls(recorder) == [(op.method, op.path)]
    assert sleeper.delays == []


DUPLICATE_OID = json_response(
    422, {"code": "error", "message": {"oid": ["has already been taken"]}}
)


async def test_duplicate_oid_returns_the_existing_invoice() -> None:
    recorder = Recorder(DUPLICATE_OID, FOUND)
    sleeper = SleepRecorder()

    invoice = await CREATE_OID.call(client(recorder, sleeper))

    assert isinstance(invoice, Invoice)
    assert (invoice.id, invoice.oid) == (77, OID)
    assert posts(recorder) == 1
    assert_lookup(recorder.requests[1])
    assert sleeper.delays == []


async def test_duplicate_oid_that_the_lookup_cannot_find_raises_validation_error() -> None:
    recorder = Recorder(DUPLICATE_OID, NOT_FOUND)

    with pytest.raises(ValidationError) as caught:
        await CREATE_OID.call(client(recorder))

    assert caught.value.field_errors == {"oid": ["has already been taken"]}
    assert [request.method for request in recorder.requests] == ["POST", "GET"]


async def test_validation_error_on_another_field_of_a_create_with_oid_is_not_looked_up() -> None:
    body = {"code": "error", "message": {"buyer_name": ["can't be blank"]}}
    recorder = Recorder(json_response(422, body), FOUND)

    with pytest.raises(ValidationError):
        await CREATE_OID.call(client(recorder))

    assert calls(recorder) == [("POST", "/invoices.json")]


async def test_duplicate_oid_on_a_create_without_oid_is_a_validation_error() -> None:
    recorder = Recorder(DUPLICATE_OID, FOUND)

    with pytest.raises(ValidationError) as caught:
        await CREATE_PLAIN.call(client(recorder))

    assert caught.value.field_errors == {"oid": ["has already been taken"]}
    assert len(recorder.requests) == 1


# DELETE that already happened --------------------------------------------------------------------


@NO_ANSWER
async def test_delete_whose_lost_attempt_took_effect_succeeds_on_404(
    error: TransportError,
) -> None:
    recorder = Recorder(error, json_response(404, {"code": "error", "message": "Not found"}))

    assert await DELETE.call(client(recorder)) is None

    assert calls(recorder) == [("DELETE", "/invoices/1.json")] * 2


async def test_delete_after_a_never_sent_attempt_still_raises_not_found() -> None:
    # The first attempt never left: a 404 now means the object never existed.
    recorder = Recorder(ConnectError("refused"), json_response(404, {"message": "Not found"}))

    with pytest.raises(NotFoundError):
        await DELETE.call(client(recorder))

    assert len(recorder.requests) == 2


async def test_get_after_a_lost_attempt_still_raises_not_found() -> None:
    recorder = Recorder(LOST, json_response(404, {"message": "Not found"}))

    with pytest.raises(NotFoundError):
        await GET.call(client(recorder))

    assert len(recorder.requests) == 2


# the look-up itself failing -------------------------------------------------------------------


async def test_lookup_that_is_throttled_is_retried() -> None:
    recorder = Recorder(LOST, json_response(503, {"message": "busy"}), FOUND)

    invoice = await CREATE_OID.call(client(recorder))

    assert isinstance(invoice, Invoice)
    assert invoice.id == 77
    assert posts(recorder) == 1
    assert [request.method for request in recorder.requests] == ["POST", "GET", "GET"]
    for lookup in recorder.requests[1:]:
        assert_lookup(lookup)


async def test_lookup_whose_connection_drops_is_retried() -> None:
    recorder = Recorder(LOST, ConnectionLostError("again"), FOUND)

    invoice = await CREATE_OID.call(client(recorder))

    assert isinstance(invoice, Invoice)
    assert invoice.id == 77
    assert [request.method for request in recorder.requests] == ["POST", "GET", "GET"]


@pytest.mark.parametrize("status", [401, 403, 404])
async def test_a_lookup_refused_after_a_lost_create_is_outcome_unknown(status: int) -> None:
    # Raised as the create's own 401/404 it would say the server refused the invoice, when the
    # lost attempt may have made it.
    recorder = Recorder(
        LOST, json_response(status, {"code": "error", "message": "bad token"}), CREATE_OID.ok
    )
    sleeper = SleepRecorder()

    with pytest.raises(TransportError) as caught:
        await CREATE_OID.call(client(recorder, sleeper))

    assert caught.value.outcome_unknown
    assert f"answered HTTP {status}" in str(caught.value)
    assert [request.method for request in recorder.requests] == ["POST", "GET"]
    assert len(sleeper.delays) == 1


async def test_lookup_is_authenticated_like_any_request() -> None:
    recorder = Recorder(LOST, FOUND)

    await CREATE_OID.call(client(recorder))

    lookup = recorder.requests[1]
    assert lookup.headers.get("Authorization") == "Bearer test-token"


# attempt cap -------------------------------------------------------------------------------------


async def test_attempt_cap_ends_with_the_last_server_error() -> None:
    recorder = Recorder(failed(500))
    sleeper = SleepRecorder()

    with pytest.raises(ServerError) as caught:
        await GET.call(client(recorder, sleeper, max_attempts=3))

    assert caught.value.status == 500
    assert len(recorder.requests) == 3
    assert len(sleeper.delays) == 2


async def test_attempt_cap_reraises_the_last_connect_error_not_retry_error() -> None:
    raised: list[ConnectError] = []

    def refuse(request: Request) -> Response:
        raised.append(ConnectError(f"refused #{len(raised) + 1}"))
        raise raised[-1]

    recorder = Recorder(refuse)

    with pytest.raises(ConnectError) as caught:
        await GET.call(client(recorder, max_attempts=3))

    assert not isinstance(caught.value, tenacity.RetryError)
    assert caught.value is raised[-1]
    assert str(caught.value) == "refused #3"
    assert len(recorder.requests) == 3


@pytest.mark.parametrize(("status", "error_type"), [(429, RateLimitError), (503, ServerError)])
async def test_attempt_cap_on_throttling_raises_the_typed_error(
    status: int, error_type: type[APIError]
) -> None:
    recorder = Recorder(retry_after(status, "1"))
    sleeper = SleepRecorder()

    with pytest.raises(error_type) as caught:
        await GET.call(client(recorder, sleeper, max_attempts=3))

    assert caught.value.status == status
    assert len(recorder.requests) == 3
    assert sleeper.delays == [1.0, 1.0]


async def test_attempt_cap_counts_a_lookup_and_its_resend_as_one_attempt() -> None:
    recorder = Recorder(failed(500), NOT_FOUND, failed(500), NOT_FOUND, failed(500))

    with pytest.raises(ServerError):
        await CREATE_OID.call(client(recorder, max_attempts=3))

    assert [request.method for request in recorder.requests] == [
        "POST",
        "GET",
        "POST",
        "GET",
        "POST",
    ]


async def test_attempt_cap_on_a_failing_lookup_ends_outcome_unknown() -> None:
    recorder = Recorder(LOST, json_response(503, {"message": "busy"}))

    with pytest.raises(TransportError) as caught:
        await CREATE_OID.call(client(recorder, max_attempts=3))

    assert caught.value.outcome_unknown and "answered HTTP 503" in str(caught.value)
    assert posts(recorder) == 1
    assert len(recorder.requests) == 3


async def test_a_throttled_lookup_waits_as_told_and_ends_outcome_unknown() -> None:
    recorder = Recorder(LOST, json_response(429, {"message": "slow down"}, {"Retry-After": "7"}))
    sleeper = SleepRecorder()

    with pytest.raises(TransportError) as caught:
        await CREATE_OID.call(client(recorder, sleeper, max_attempts=3))

    assert caught.value.outcome_unknown
    assert posts(recorder) == 1
    assert sleeper.delays[1:] == [7.0]  # the look-up's Retry-After is honoured


@pytest.mark.parametrize(("status", "raised"), [(404, ValidationError), (401, ValidationError)])
async def test_a_final_lookup_failure_after_a_duplicate_refusal_gives_the_refusal(
    status: int, raised: type[Exception]
) -> None:
    # Nothing of this call was made (the oid was taken before it): the 422 is the answer.
    refusal = json_response(422, {"code": "error", "message": {"oid": ["has already been taken"]}})
    recorder = Recorder(refusal, json_response(status, {"message": "oops"}))

    with pytest.raises(raised):
        await CREATE_OID.call(client(recorder, max_attempts=3))

    assert posts(recorder) == 1


async def test_a_passing_lookup_failure_after_a_duplicate_refusal_is_retried_as_itself() -> None:
    # The invoice exists but cannot be read yet: ending with the 422 made a bulk import fail
    # the item for good (a ValidationError is final there) though the invoice is on the account.
    refusal = json_response(422, {"code": "error", "message": {"oid": ["has already been taken"]}})
    recorder = Recorder(refusal, json_response(503, {"message": "busy"}))

    with pytest.raises(ServerError):
        await CREATE_OID.call(client(recorder, max_attempts=3))

    assert posts(recorder) == 1
    assert len(recorder.requests) == 4  # the POST and its look-up, then one per retry


# deadline ----------------------------------------------------------------------------------------


@pytest.mark.usefixtures("upper_jitter")
async def test_deadline_stops_before_a_sleep_would_pass_it() -> None:
    recorder = Recorder(failed(503))
    sleeper = SleepRecorder()
    io = client(recorder, sleeper, deadline=5, backoff_base=2, backoff_max=100, max_attempts=50)

    with pytest.raises(ServerError):
        await GET.call(io)

    # Sleeps of 2 then 4 s: after the first, a second would end at 6 s > 5 s.
    assert sleeper.delays == [2.0]
    assert len(recorder.requests) == 2


async def test_deadline_bounds_total_jittered_sleep() -> None:
    for _ in range(20):
        recorder = Recorder(failed(503))
        sleeper = SleepRecorder()
        io = client(recorder, sleeper, deadline=5, backoff_base=2, backoff_max=100, max_attempts=50)

        with pytest.raises(ServerError):
            await GET.call(io)

        assert sum(sleeper.delays) < 5
        assert len(recorder.requests) < 50
        assert len(recorder.requests) == len(sleeper.delays) + 1


@pytest.mark.usefixtures("lower_jitter")
async def test_deadline_counts_time_spent_waiting_for_answers() -> None:
    sleeper = SleepRecorder()

    def slow_failure(request: Request) -> Response:
        sleeper.now += 2.0  # each attempt takes 2 s of the fake clock
        return failed(503)

    recorder = Recorder(slow_failure)

    with pytest.raises(ServerError):
        await GET.call(client(recorder, sleeper, deadline=5, max_attempts=50))

    # 2 s, 4 s, then 6 s: the third attempt is the last one started inside the budget.
    assert len(recorder.requests) == 3


async def test_retry_after_beyond_the_deadline_is_not_waited_for() -> None:
    recorder = Recorder(retry_after(429, "10"), GET.ok)
    sleeper = SleepRecorder()

    with pytest.raises(RateLimitError) as caught:
        await GET.call(client(recorder, sleeper, deadline=5))

    assert caught.value.retry_after == 10.0
    assert len(recorder.requests) == 1
    assert sleeper.delays == []


async def test_no_deadline_leaves_only_the_attempt_cap() -> None:
    recorder = Recorder(retry_after(503, "100"))
    sleeper = SleepRecorder()

    with pytest.raises(ServerError):
        await GET.call(client(recorder, sleeper, deadline=None, max_attempts=5))

    assert sleeper.delays == [100.0] * 4
    assert len(recorder.requests) == 5


async def test_each_request_has_its_own_deadline() -> None:
    # A fresh retry state per request: a second call after a first one used up the budget
    # still gets its retries.
    sleeper = SleepRecorder()
    io = client(Recorder(failed(503)), sleeper, deadline=5, max_attempts=50)
    with pytest.raises(ServerError):
        await GET.call(io)
    sleeper.now += 1000.0

    recorder = Recorder(failed(503), GET.ok)
    io = client(recorder, sleeper, deadline=5, max_attempts=50)
    assert GET.expected(await GET.call(io))
    assert len(recorder.requests) == 2


# backoff -----------------------------------------------------------------------------------------


@pytest.mark.usefixtures("upper_jitter")
async def test_backoff_doubles_up_to_backoff_max() -> None:
    recorder = Recorder(failed(503))
    sleeper = SleepRecorder()

    with pytest.raises(ServerError):
        await GET.call(
            client(recorder, sleeper, backoff_base=1, backoff_max=10, max_attempts=7, deadline=None)
        )

    assert sleeper.delays == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


async def test_jittered_backoff_stays_within_its_exponential_bounds() -> None:
    seen: list[list[float]] = []
    for _ in range(10):
        recorder = Recorder(failed(503))
        sleeper = SleepRecorder()
        with pytest.raises(ServerError):
            await GET.call(
                client(
                    recorder,
                    sleeper,
                    backoff_base=1,
                    backoff_max=10,
                    max_attempts=8,
                    deadline=None,
                )
            )
        assert len(sleeper.delays) == 7
        for attempt, delay in enumerate(sleeper.delays, start=1):
            assert 0 <= delay <= min(2 ** (attempt - 1), 10)
        seen.append(sleeper.delays)
    # Jitter: runs do not all sleep the same amounts, and some late sleeps exceed early caps.
    assert len({tuple(delays) for delays in seen}) > 1
    assert max(delays[-1] for delays in seen) > 1.0


# disabled and invalid policies -------------------------------------------------------------------


@pytest.mark.parametrize(
    "make_policy",
    [
        lambda sleeper: policy(sleeper, max_attempts=1),
        lambda sleeper: RetryPolicy.disabled(),
    ],
    ids=["max_attempts=1", "disabled"],
)
@pytest.mark.parametrize(
    "answer",
    [json_response(503, {"message": "busy"}), ConnectError("refused")],
    ids=["503", "ConnectError"],
)
async def test_a_single_attempt_policy_never_retries(
    make_policy: Callable[[SleepRecorder], RetryPolicy], answer: Response | ConnectError
) -> None:
    recorder = Recorder(answer, GET.ok)
    sleeper = SleepRecorder()
    io = make_client(recorder, retry=make_policy(sleeper), sleeper=sleeper)

    with pytest.raises((ServerError, ConnectError)):
        await GET.call(io)

    assert len(recorder.requests) == 1
    assert sleeper.delays == []


async def test_a_single_attempt_policy_still_returns_the_existing_invoice_on_duplicate_oid() -> (
    None
):
    # Not a retry: the look-up is what makes the caller's own retry of a create safe.
    recorder = Recorder(DUPLICATE_OID, FOUND)

    invoice = await CREATE_OID.call(make_client(recorder, retry=RetryPolicy.disabled()))

    assert isinstance(invoice, Invoice)
    assert invoice.id == 77
    assert [request.method for request in recorder.requests] == ["POST", "GET"]


async def test_a_single_attempt_policy_surfaces_an_unanswered_create_with_oid() -> None:
    recorder = Recorder(LOST, FOUND)

    with pytest.raises(ConnectionLostError):
        await CREATE_OID.call(make_client(recorder, retry=RetryPolicy.disabled()))

    assert len(recorder.requests) == 1


def test_disabled_policy_is_a_single_attempt() -> None:
    assert RetryPolicy.disabled().max_attempts == 1


@pytest.mark.parametrize(
    "options",
    [
        {"max_attempts": 0},
        {"max_attempts": -1},
        {"max_attempts": 2.5},
        {"max_attempts": "3"},
        {"max_attempts": True},
        {"deadline": -1},
        {"deadline": math.nan},
        {"backoff_base": -0.5},
        {"backoff_max": -1},
        {"max_retry_after": -1},
        {"max_retry_after": math.nan},
    ],
    ids=repr,
)
def test_invalid_policy_raises_configuration_error(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        RetryPolicy(**options)


def test_default_policy_is_valid() -> None:
    default = RetryPolicy()
    assert default.max_attempts >= 2
    assert default.deadline is not None and default.deadline > 0


# concurrency and cancellation --------------------------------------------------------------------


async def test_concurrent_failing_requests_each_make_their_own_attempts() -> None:
    sleeper = SleepRecorder()

    async def yielding_sleep(seconds: float) -> None:
        await sleeper.sleep(seconds)
        await asyncio.sleep(0)  # let the other requests interleave

    async def busy(request: Request) -> Response:
        await asyncio.sleep(0)
        return json_response(503, {"message": "busy"})

    transport_paths: list[str] = []

    async def handler(request: Request) -> Response:
        transport_paths.append(path(request))
        return await busy(request)

    io = make_client(
        handler,
        retry=RetryPolicy(sleep=yielding_sleep, clock=sleeper.clock, max_attempts=4, deadline=None),
    )

    results = await asyncio.gather(
        *(io.invoices.get(id) for id in range(1, 51)), return_exceptions=True
    )

    assert all(isinstance(result, ServerError) for result in results)
    assert len(transport_paths) == 200
    assert Counter(transport_paths) == {f"/invoices/{id}.json": 4 for id in range(1, 51)}
    assert len(sleeper.delays) == 150


async def test_cancelling_a_request_during_backoff_stops_it() -> None:
    sleeping = asyncio.Event()
    never = asyncio.Event()

    async def blocking_sleep(seconds: float) -> None:
        sleeping.set()
        await never.wait()

    recorder = Recorder(failed(503), GET.ok)
    io = make_client(recorder, retry=RetryPolicy(sleep=blocking_sleep))

    task = asyncio.create_task(GET.call(io))
    await asyncio.wait_for(sleeping.wait(), timeout=1)
    task.cancel()

    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(10):
        await asyncio.sleep(0)
    assert len(recorder.requests) == 1


async def test_cancelling_a_request_while_it_waits_for_an_answer_stops_it() -> None:
    arrived = asyncio.Event()
    never = asyncio.Event()

    async def hang(request: Request) -> Response:
        arrived.set()
        await never.wait()
        return GET.ok

    recorder = Recorder(hang)
    sleeper = SleepRecorder()
    io = client(recorder, sleeper)

    task = asyncio.create_task(GET.call(io))
    await asyncio.wait_for(arrived.wait(), timeout=1)
    task.cancel()

    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(10):
        await asyncio.sleep(0)
    assert len(recorder.requests) == 1
    assert sleeper.delays == []


# logging -----------------------------------------------------------------------------------------


async def test_each_retry_is_logged_at_info_without_credentials(
    caplog: pytest.LogCaptureFixture,
) -> None:
    recorder = Recorder(retry_after(503, "2"), GET.ok)

    with caplog.at_level(logging.INFO, logger="invoceanio.retry"):
        await GET.call(client(recorder))

    [record] = [r for r in caplog.records if r.name == "invoceanio.retry"]
    message = record.getMessage()
    assert "retrying GET" in message
    assert "/invoices/1.json" in message
    assert "in 2.00s" in message
    assert "HTTP 503" in message
    assert "test-token" not in message


# parse_retry_after -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        ("0", 0.0),
        ("1.5", 1.5),
        (" 7 ", 7.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
        ("nan", None),
        ("inf", None),
        # float() reads these, but delay-seconds are ASCII digits: no hint, the backoff applies
        # (a negative one used to mean "retry at once", with no backoff at all).
        ("-30", None),
        ("-1e9", None),
        ("+5", None),
        ("1e3", None),
        ("1_0", None),
        ("\u0663", None),  # ARABIC-INDIC DIGIT THREE
        ("9" * 400, None),  # past float's range
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date_is_relative_to_now() -> None:
    now = datetime(2026, 11, 22, 10, 0, 0, tzinfo=UTC)

    assert parse_retry_after("Sun, 22 Nov 2026 10:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Sun, 22 Nov 2026 09:59:30 GMT", now=now) == 0.0


def test_parse_retry_after_reads_a_date_about_30_seconds_ahead() -> None:
    delay = parse_retry_after(http_date(30))

    assert delay is not None
    assert 28.0 <= delay <= 30.5


async def test_delete_answered_5xx_then_404_counts_as_done() -> None:
    """A 504 may come after the server deleted the object: the retry's 404 means it is gone."""
    recorder = Recorder(
        json_response(504, {"message": "gateway timeout"}),
        json_response(404, {"message": "Not found"}),
    )
    async with make_client(recorder) as io:
        await io.invoices.delete(5)
    assert [r.method for r in recorder.requests] == ["DELETE", "DELETE"]


async def test_get_answered_5xx_then_404_still_raises_not_found() -> None:
    recorder = Recorder(
        json_response(500, {"message": "boom"}), json_response(404, {"message": "Not found"})
    )
    async with make_client(recorder) as io:
        with pytest.raises(NotFoundError):
            await io.invoices.get(5)
    assert len(recorder.requests) == 2


@pytest.mark.parametrize("status", [429, 503])
async def test_a_lookup_told_to_wait_long_after_a_duplicate_refusal_ends_as_itself(
    status: int,
) -> None:
    # A Retry-After past what the policy waits: not retried, but still no final 422, which a
    # bulk import would take as the item's failure while the invoice is on the account.
    refusal = json_response(422, {"code": "error", "message": {"oid": ["has already been taken"]}})
    told = json_response(status, {"message": "later"}, {"Retry-After": "3600"})
    recorder = Recorder(refusal, told)

    with pytest.raises((RateLimitError, ServerError)) as caught:
        await CREATE_OID.call(client(recorder, max_attempts=3))

    assert not isinstance(caught.value, ValidationError)
    assert posts(recorder) == 1
