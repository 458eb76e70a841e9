"""``aclose()`` ends the requests waiting between attempts, not only those on the wire.

A request in its retry backoff, in a server's Retry-After, in the throttle's shared pause or in
the rate pacer's line is on no connection, so closing the transport did not reach it: it slept
out the whole wait (up to the policy's deadline) and only then failed. Here the waits are real
``asyncio.sleep`` calls of 20 s or more; ``asyncio.wait_for`` is a hang detector, not a timing.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from invoceanio import (
    ClientClosedError,
    ConfigurationError,
    ConnectionLostError,
    InvoiceOcean,
    RetryPolicy,
    TransportError,
)
from invoceanio.http import Request, Response
from invoceanio.middleware.closing import ClosingWaits
from invoceanio.sandbox import FaultConfig
from invoceanio.transport import MockTransport
from tests.support import invoice_payload, json_response

GUARD = 10  # seconds before a test counts as hung; every wait below is longer


def throttled(seconds: int) -> Response:
    return json_response(429, {"message": "slow down"}, {"Retry-After": str(seconds)})


class Server:
    """Answers the first request of each kind with ``first``, and counts every request."""

    def __init__(self, first: Response | BaseException) -> None:
        self.first = first
        self.requests: list[Request] = []

    def __call__(self, request: Request) -> Response:
        self.requests.append(request)
        if len(self.requests) == 1:
            if isinstance(self.first, BaseException):
                raise self.first
            return self.first
        return json_response(200, invoice_payload(id=1))


def client(server: Server, **options: Any) -> InvoiceOcean:
    options.setdefault("retry", RetryPolicy(max_retry_after=300, deadline=600))
    return InvoiceOcean(
        prefix="acme", api_token="test-token", transport=MockTransport(server), **options
    )


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_a_request_waiting_out_a_retry_after_ends_when_the_client_closes() -> None:
    server = Server(throttled(120))
    io = client(server)
    waiting = asyncio.create_task(io.invoices.get(1))
    await settle()
    assert len(server.requests) == 1 and not waiting.done()

    await io.aclose()
    with pytest.raises(ConfigurationError, match="closed while this request waited"):
        await asyncio.wait_for(waiting, GUARD)
    assert len(server.requests) == 1  # nothing sent after the close


@pytest.mark.parametrize(
    "first",
    [json_response(500, {"message": "oops"}), ConnectionLostError("dropped", method="POST")],
    ids=["5xx", "lost"],
)
async def test_a_create_that_may_have_landed_ends_outcome_unknown(first: Any) -> None:
    server = Server(first)
    # A backoff of at least 60 s: the first retry waits between 60 and 120.
    io = client(server, retry=RetryPolicy(backoff_base=60, backoff_max=120, deadline=600))
    waiting = asyncio.create_task(io.invoices.create({"oid": "ORD-1", "buyer_name": "A"}))
    await settle()
    assert not waiting.done()

    await io.aclose()
    with pytest.raises(TransportError) as caught:
        await asyncio.wait_for(waiting, GUARD)
    assert caught.value.outcome_unknown
    assert "closed while this request waited" in str(caught.value)
    assert [r.method for r in server.requests] == ["POST"]


@pytest.mark.parametrize(
    ("call", "noted"),
    [
        (lambda io: io.invoices.update(1, {"buyer_name": "B"}), True),
        (lambda io: io.invoices.delete(1), True),
        (lambda io: io.invoices.get(1), False),  # a read changes nothing: no note
    ],
    ids=["update", "delete", "get"],
)
async def test_an_update_cut_off_by_the_close_says_it_may_have_been_applied(
    call: Any, noted: bool
) -> None:
    # Its first attempt went out and its answer was lost; the close ended the backoff. The
    # error said only that the request "waited to be sent", as if nothing had happened.
    server = Server(ConnectionLostError("dropped", method="PUT"))
    io = client(server, retry=RetryPolicy(backoff_base=60, backoff_max=120, deadline=600))
    waiting = asyncio.create_task(call(io))
    await settle()
    assert len(server.requests) == 1 and not waiting.done()

    await io.aclose()
    with pytest.raises(ClientClosedError) as caught:
        await asyncio.wait_for(waiting, GUARD)
    notes = getattr(caught.value, "__notes__", [])
    assert any("may have been applied" in note for note in notes) is noted
    assert len(server.requests) == 1


async def test_requests_held_by_the_shared_pause_end_when_the_client_closes() -> None:
    server = Server(throttled(120))
    io = client(server)
    first = asyncio.create_task(io.invoices.get(1))
    await settle()
    # The 429 paused the whole client: these wait in the throttle without being sent.
    others = [asyncio.create_task(io.invoices.get(n)) for n in range(2, 6)]
    await settle()
    assert len(server.requests) == 1

    await io.aclose()
    results = await asyncio.wait_for(asyncio.gather(first, *others, return_exceptions=True), GUARD)
    assert all(isinstance(r, ConfigurationError) for r in results), results
    assert len(server.requests) == 1


async def test_requests_in_the_rate_pacers_line_end_when_the_client_closes() -> None:
    server = Server(json_response(200, invoice_payload(id=1)))
    io = client(server, rate_limit=1 / 60)  # one start a minute
    calls = [asyncio.create_task(io.invoices.get(n)) for n in range(1, 4)]
    await settle()
    assert len(server.requests) == 1

    await io.aclose()
    results = await asyncio.wait_for(asyncio.gather(*calls, return_exceptions=True), GUARD)
    assert getattr(results[0], "id", None) == 1
    assert all(isinstance(r, ConfigurationError) for r in results[1:]), results
    assert len(server.requests) == 1


async def test_a_callers_own_cancel_during_the_wait_is_still_a_cancel() -> None:
    server = Server(throttled(120))
    io = client(server)
    waiting = asyncio.create_task(io.invoices.get(1))
    await settle()
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(waiting, GUARD)
    await io.aclose()


async def test_a_cancel_and_a_close_at_once_leave_the_task_cancelled() -> None:
    waits = ClosingWaits()
    sleep = waits.wrap(asyncio.sleep)
    task = asyncio.create_task(sleep(3600))
    await settle()
    task.cancel()
    waits.close()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, GUARD)


async def test_a_close_alone_is_no_cancel_of_the_task() -> None:
    waits = ClosingWaits()
    sleep = waits.wrap(asyncio.sleep)

    async def sleeper() -> int:
        with pytest.raises(ConfigurationError):
            await sleep(3600)
        await asyncio.sleep(0)  # would raise CancelledError had the close's cancel stayed
        return asyncio.current_task().cancelling()  # type: ignore[union-attr]

    task = asyncio.create_task(sleeper())
    await settle()
    waits.close()
    assert await asyncio.wait_for(task, GUARD) == 0


async def test_a_sleep_after_the_close_is_refused_at_once() -> None:
    waits = ClosingWaits()
    waits.close()
    with pytest.raises(ConfigurationError):
        await waits.wrap(asyncio.sleep)(3600)


async def test_a_sleep_that_swallows_the_cancel_still_ends_closed() -> None:
    waits = ClosingWaits()

    async def stubborn(seconds: float) -> None:
        try:
            await asyncio.sleep(seconds)
        except asyncio.CancelledError:
            return

    sleep = waits.wrap(stubborn)

    async def sleeper() -> int:
        with pytest.raises(ConfigurationError):
            await sleep(3600)
        return asyncio.current_task().cancelling()  # type: ignore[union-attr]

    task = asyncio.create_task(sleeper())
    await settle()
    waits.close()
    assert await asyncio.wait_for(task, GUARD) == 0


# --- a bulk import's own waits, and what a close tells -------------------------------------------


async def test_an_import_pacing_its_items_stops_when_the_client_closes() -> None:
    server = Server(json_response(201, invoice_payload(id=1)))
    io = client(server)
    items = [{"buyer_name": f"B{n}", "oid": f"O-{n}"} for n in range(50)]
    job = asyncio.create_task(io.invoices.create_many(items, rate_per_minute=1))
    await settle()
    assert len(server.requests) == 1  # the first went at once; the next waits a minute

    await io.aclose()
    with pytest.raises(ClientClosedError):
        await asyncio.wait_for(job, GUARD)
    assert len(server.requests) == 1


async def test_an_import_waiting_to_try_an_item_again_stops_when_the_client_closes() -> None:
    server = Server(json_response(503, {"message": "down"}))
    # One attempt per try: the item's own backoff (1 s, then more) is the wait.
    io = client(server, retry=RetryPolicy(max_attempts=1))
    job = asyncio.create_task(io.invoices.create_many([{"buyer_name": "B", "oid": "O-1"}]))
    await settle()
    assert not job.done()

    await io.aclose()
    with pytest.raises(ClientClosedError):
        await asyncio.wait_for(job, GUARD)


async def test_a_send_after_the_close_is_a_client_closed_error() -> None:
    # The client's own transport (a supplied one stays the caller's, and open).
    io = InvoiceOcean(prefix="acme", api_token="test-token")
    await io.aclose()
    with pytest.raises(ClientClosedError):
        await io.invoices.get(1)
    mock = MockTransport(Server(json_response(200, invoice_payload(id=1))))
    await mock.aclose()
    with pytest.raises(ClientClosedError):
        await mock.send(Request(method="GET", url="https://acme.invoiceocean.com/x.json"))
    assert issubclass(ClientClosedError, ConfigurationError)


async def test_a_close_refused_from_another_loop_leaves_the_waits_alone() -> None:
    from invoceanio.sandbox import Sandbox

    released = asyncio.Event()

    async def held(_: float) -> None:
        await released.wait()

    async with Sandbox(token="t") as sandbox:
        io = InvoiceOcean(base_url=sandbox.url, api_token="t", retry=RetryPolicy(sleep=held))
        await io.clients.list()
        with pytest.raises(ConfigurationError, match="another event loop"):
            await asyncio.to_thread(asyncio.run, io.aclose())
        # Refused, it changed nothing: a request waiting to be retried still goes.
        sandbox.faults.reconfigure(FaultConfig(error_rate=1.0, error_statuses={503: 1}, seed=1))
        task = asyncio.create_task(io.clients.list())
        # The sandbox counts its faults but signals none: polled.
        while not task.done() and not sandbox.faults.stats()["server_error"]:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        sandbox.faults.reconfigure(FaultConfig())
        released.set()
        assert await asyncio.wait_for(task, GUARD) == []
        await io.aclose()


async def test_a_close_cancelled_while_the_pool_closes_still_ends_the_waits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A shutdown timeout cancelling aclose() while aiohttp closes its connections left the
    # client half closed: the transport shut, but the calls in a retry backoff slept on.
    from invoceanio.sandbox import Sandbox

    async with Sandbox(token="close-token-7") as sandbox:
        io = InvoiceOcean(
            base_url=sandbox.url,
            api_token="close-token-7",
            retry=RetryPolicy(backoff_base=600, backoff_max=600, deadline=3600),
        )
        transport = io._transport
        real_close = transport.aclose

        async def slow_close() -> None:  # a pool that takes long to close
            await real_close()
            await asyncio.sleep(3600)

        monkeypatch.setattr(transport, "aclose", slow_close)
        sandbox.faults.reconfigure(FaultConfig(error_rate=1.0, error_statuses={503: 1}, seed=1))
        waiting = asyncio.create_task(io.clients.list())
        while not sandbox.faults.stats()["server_error"]:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        await settle()
        assert not waiting.done()  # in its 600 s backoff

        closer = asyncio.create_task(io.aclose())
        await settle()
        closer.cancel()
        with pytest.raises(asyncio.CancelledError):
            await closer
        with pytest.raises(ConfigurationError, match="closed while this request waited"):
            await asyncio.wait_for(waiting, GUARD)
        with pytest.raises(ClientClosedError):
            await io.clients.list()


async def test_a_closed_client_on_a_transport_passed_in_sends_nothing() -> None:
    # The transport stays the caller's, and open: the client itself refuses.
    server = Server(json_response(200, invoice_payload(id=1)))
    io = client(server)
    await io.aclose()
    with pytest.raises(ClientClosedError):
        await io.invoices.get(1)
    with pytest.raises(ClientClosedError):
        await io.invoices.create({"oid": "O-1", "buyer_name": "B"})
    assert server.requests == []


async def test_a_call_queued_for_a_slot_when_the_client_closes_sends_nothing() -> None:
    # Inside the chain already (waiting for the one concurrency slot): the entry check had
    # passed, and it went out on a transport passed in once the slot came free.
    gate = asyncio.Event()
    sent: list[str] = []

    async def slow(request: Request) -> Any:
        sent.append(request.method)
        await gate.wait()
        return json_response(201, invoice_payload(id=len(sent)))

    io = InvoiceOcean(
        prefix="acme",
        api_token="test-token",
        transport=MockTransport(slow),
        max_concurrency=1,
        retry=RetryPolicy(max_attempts=1),
    )
    first = asyncio.create_task(io.invoices.get(1))
    queued = asyncio.create_task(io.invoices.create({"oid": "O-2", "buyer_name": "B"}))
    await settle()
    assert sent == ["GET"]

    await io.aclose()
    gate.set()
    assert (await asyncio.wait_for(first, GUARD)).id == 1  # on the wire before the close
    with pytest.raises(ClientClosedError):
        await asyncio.wait_for(queued, GUARD)
    assert sent == ["GET"]
