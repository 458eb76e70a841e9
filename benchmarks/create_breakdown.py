"""Where the CPU of one ``io.invoices.create`` goes, measured in process without a network.

Why: the throughput benchmark says *how much* slower the SDK is than raw aiohttp; this says
*which step* costs what, so a regression (or a fix) can be pinned to one layer. Each step is
timed on its own in a tight loop, the repeats going round all the steps, and the best
repeat of each is kept: on a shared machine the minimum is the figure least disturbed by other
processes.

The steps follow one create (see ``InvoicesService.create`` and ``ApiCore``):

- ``to_wire(draft)``: the dict draft (Decimal, date values, positions) to JSON-shaped data;
- ``JsonCodec.encode``: the ``{"invoice": ...}`` document to bytes;
- ``RetryMiddleware`` (default policy) around an instant answer, against ``max_attempts=1``,
  which skips tenacity: the price of setting up retries for a request that succeeds;
- ``JsonCodec.decode`` of the 201 answer, and ``structure(data, Invoice)`` of it;
- the whole create over :class:`MockTransport` (every layer but the socket), with the default
  retry policy and with retries disabled.

Every step runs inside one event loop with the garbage collector on, as in an application
(the single steps are wrapped in a coroutine, which adds well under a microsecond). Garbage
matters here: objects a create leaves in reference cycles are freed only by the collector,
so their number per create (counted with ``gc.DEBUG_SAVEALL``) is reported too.
"""

from __future__ import annotations

import asyncio
import gc
import json
import timeit
from collections.abc import Awaitable, Callable
from typing import Any, Final

from benchmarks.payloads import BENCH_TOKEN, create_draft, invoice_payload
from invoceanio import InvoiceOcean, RetryPolicy
from invoceanio.codecs import JsonCodec
from invoceanio.http import Request, Response
from invoceanio.middleware import RetryMiddleware
from invoceanio.models import Invoice, structure, to_wire
from invoceanio.transport import MockTransport

__all__ = ["run_breakdown"]

_REPEATS: Final = 15
_RESPONSE_HEADERS: Final = {"Content-Type": "application/json; charset=utf-8"}

Step = Callable[[int], Awaitable[object]]


def _sync(fn: Callable[[], object]) -> Step:
    async def step(_: int) -> object:
        return fn()

    return step


def _created() -> Response:
    body = json.dumps(invoice_payload(invoice_id=201, positions=3)).encode()
    return Response(status=201, headers=_RESPONSE_HEADERS, body=body)


async def _cyclic_garbage_per_call(fn: Step, calls: int) -> float:
    """Objects per call that only the cycle collector can free (0 for an acyclic design)."""
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for number in range(calls):
            await fn(number)
        gc.collect()
        found = len(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    return round(found / calls, 1)


async def _measure(loops: int) -> tuple[dict[str, float], dict[str, float]]:
    draft = create_draft("bench-1")
    document = {"invoice": to_wire(draft)}
    codec = JsonCodec()
    created = _created()
    data = codec.decode(created.body)
    request = Request(method="POST", url="http://127.0.0.1:1/invoices.json", body=b"{}")

    async def answer(_: Request) -> Response:
        return created

    def through(policy: RetryPolicy) -> Step:
        middleware = RetryMiddleware(policy)

        async def step(_: int) -> Response:
            return await middleware(request, answer)

        return step

    def creating(client: InvoiceOcean) -> Step:
        template = create_draft("template")

        async def step(number: int) -> object:
            return await client.invoices.create({**template, "oid": f"bench-{number}"})

        return step

    def on_mock(retry: RetryPolicy | None) -> InvoiceOcean:
        transport = MockTransport(lambda _: created, record=False)
        return InvoiceOcean(
            base_url="http://127.0.0.1:1", api_token=BENCH_TOKEN, transport=transport, retry=retry
        )

    with_retry, without_retry = on_mock(None), on_mock(RetryPolicy.disabled())
    steps: dict[str, Step] = {
        "to_wire_draft": _sync(lambda: to_wire(draft)),
        "json_encode_request": _sync(lambda: codec.encode(document)),
        "json_decode_response": _sync(lambda: codec.decode(created.body)),
        "structure_invoice": _sync(lambda: structure(data, Invoice)),
        "retry_middleware_default_policy": through(RetryPolicy()),
        "retry_middleware_max_attempts_1": through(RetryPolicy.disabled()),
        "create_on_mock_transport_default_retry": creating(with_retry),
        "create_on_mock_transport_retry_disabled": creating(without_retry),
    }
    best = dict.fromkeys(steps, float("inf"))
    for step in steps.values():
        await step(-1)
    # Repeats go round the steps, so a slow spell on the machine hits every step alike and
    # the best of each is taken from the whole run, not from one stretch of it.
    for _ in range(_REPEATS):
        for name, step in steps.items():
            gc.collect()  # every step starts from the same heap, not the last one's garbage
            start = timeit.default_timer()
            for number in range(loops):
                await step(number)
            best[name] = min(best[name], timeit.default_timer() - start)
    cycles = {
        name: await _cyclic_garbage_per_call(steps[name], 50)
        for name in (
            "create_on_mock_transport_default_retry",
            "create_on_mock_transport_retry_disabled",
        )
    }
    await with_retry.aclose()
    await without_retry.aclose()
    return {name: round(seconds / loops * 1e6, 1) for name, seconds in best.items()}, cycles


def run_breakdown(loops: int = 500) -> dict[str, Any]:
    """Best-of-repeats microseconds per step of one create (3 positions each way)."""
    timings, cycles = asyncio.run(_measure(loops))
    return {
        "loops": loops,
        "repeats": _REPEATS,
        "us_per_op": timings,
        "objects_in_reference_cycles_per_create": cycles,
    }
