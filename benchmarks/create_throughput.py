"""Invoice creates per second: ``io.invoices.create`` against raw aiohttp, same server, same load.

Why: the SDK puts a request through a model conversion, a codec, a retry layer (tenacity), a
limiter, logging and auth middleware, the transport's bookkeeping, and then decodes and
structures the answer into an :class:`~invoceanio.models.Invoice`. This measures what all that
costs against the floor: raw aiohttp posting pre-built bytes and reading the answer.

How, so that the comparison is fair:

- The server (:mod:`benchmarks.server`) runs in a separate process on loopback; both clients
  talk to the same one in the same run.
- Both clients drive a fixed number of requests per round with a fixed pool of ``concurrency``
  worker tasks pulling from one shared counter (not one task per request).
- Raw aiohttp: one ``ClientSession`` with ``TCPConnector(limit=concurrency)``, posting the bytes
  the SDK would send (``{"invoice": {...}}`` with ``oid_unique``) with the same headers,
  ``Authorization: Bearer`` included, and reading the whole body.
- invoceanio: the real client, ``InvoiceOcean(base_url=..., api_token=..., max_concurrency=
  concurrency)`` with the default retry policy, creating from a dict draft with positions,
  Decimal money and a fresh ``oid`` per create (so the oid reconciler is built every time).
- A third series, raw aiohttp that also decodes the answer and structures it into an
  ``Invoice`` with the SDK's converter, is a reference point: the best any client that returns
  a typed invoice could do with today's converter. It separates the cost of the models from
  the cost of the other layers.
- Every round opens a fresh session/client and warms it up (connections opened, code paths hot)
  before the timed part. The two clients alternate which goes first from round to round.
- Besides wall-clock throughput, the client process's CPU time per request is recorded
  (``time.process_time``; the server is another process): on a small machine where client and
  server compete for cores, it is the cleaner measure of client-side overhead.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, Final, Literal

import aiohttp
import attrs

from benchmarks.payloads import BENCH_TOKEN, bench_headers, create_draft
from invoceanio import InvoiceOcean
from invoceanio.codecs import JsonCodec
from invoceanio.models import Invoice, structure, to_wire

__all__ = ["CreateSettings", "Sample", "raw_body", "run_create_benchmark"]

ClientKind = Literal["raw_aiohttp", "raw_aiohttp_structured", "invoceanio"]
KINDS: Final[tuple[ClientKind, ...]] = ("raw_aiohttp", "raw_aiohttp_structured", "invoceanio")
Op = Callable[[int], Awaitable[None]]


@attrs.frozen
class CreateSettings:
    concurrencies: tuple[int, ...] = (1, 8, 32)
    requests: int = 3000
    warmup: int = 300
    rounds: int = 5


@attrs.frozen
class Sample:
    """One timed round of one client at one concurrency."""

    seconds: float
    cpu_seconds: float
    requests: int

    @property
    def ops_per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def cpu_us_per_op(self) -> float:
        return self.cpu_seconds / self.requests * 1e6


def raw_body() -> bytes:
    """The bytes invoceanio sends for :func:`create_draft`: root key, wire values, oid_unique."""
    document = to_wire(create_draft("bench-raw"))
    document["oid_unique"] = "yes"
    return JsonCodec().encode({"invoice": document})


async def drive(op: Op, requests: int, workers: int) -> None:
    """Run ``op(0) .. op(requests - 1)`` on ``workers`` tasks sharing one iterator."""
    numbers: Iterator[int] = iter(range(requests))

    async def worker() -> None:
        for number in numbers:
            await op(number)

    await asyncio.gather(*(worker() for _ in range(workers)))


async def timed(op: Op, requests: int, workers: int) -> Sample:
    cpu_start = time.process_time()
    start = time.perf_counter()
    await drive(op, requests, workers)
    seconds = time.perf_counter() - start
    return Sample(seconds, time.process_time() - cpu_start, requests)


async def _raw(
    base_url: str, concurrency: int, requests: int, warmup: int, *, to_model: bool
) -> Sample:
    url = f"{base_url}/invoices.json"
    body = raw_body()
    headers = bench_headers()
    codec = JsonCodec()
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def post(_: int) -> None:
            async with session.post(url, data=body, headers=headers) as response:
                answer = await response.read()
                if response.status != 201:
                    raise RuntimeError(f"raw aiohttp got HTTP {response.status}")
            if to_model:
                structure(codec.decode(answer), Invoice)

        await drive(post, warmup, concurrency)
        return await timed(post, requests, concurrency)


async def raw_round(base_url: str, concurrency: int, requests: int, warmup: int) -> Sample:
    """Raw aiohttp: post the pre-built bytes, read the answer, nothing more."""
    return await _raw(base_url, concurrency, requests, warmup, to_model=False)


async def raw_structured_round(
    base_url: str, concurrency: int, requests: int, warmup: int
) -> Sample:
    """Raw aiohttp, then ``structure(JsonCodec().decode(answer), Invoice)``."""
    return await _raw(base_url, concurrency, requests, warmup, to_model=True)


def sdk_client(base_url: str, concurrency: int) -> InvoiceOcean:
    """The client as a user builds it: default retry policy, JSON, bearer auth."""
    return InvoiceOcean(base_url=base_url, api_token=BENCH_TOKEN, max_concurrency=concurrency)


def sdk_create_op(io: InvoiceOcean, prefix: str) -> Op:
    template = create_draft("template")

    async def create(number: int) -> None:
        invoice = await io.invoices.create({**template, "oid": f"{prefix}-{number}"})
        if invoice.id is None:
            raise RuntimeError("invoceanio returned an invoice without an id")

    return create


async def sdk_round(base_url: str, concurrency: int, requests: int, warmup: int) -> Sample:
    async with sdk_client(base_url, concurrency) as io:
        await drive(sdk_create_op(io, "warm"), warmup, concurrency)
        return await timed(sdk_create_op(io, "bench"), requests, concurrency)


_ROUNDS: Final[dict[ClientKind, Callable[[str, int, int, int], Awaitable[Sample]]]] = {
    "raw_aiohttp": raw_round,
    "raw_aiohttp_structured": raw_structured_round,
    "invoceanio": sdk_round,
}


def summarise(samples: dict[ClientKind, list[Sample]]) -> dict[str, Any]:
    """Medians per client, and the ratio invoceanio / raw of the median throughputs."""
    result: dict[str, Any] = {}
    for kind in KINDS:
        rounds = samples[kind]
        result[kind] = {
            "median_ops_per_s": round(statistics.median(s.ops_per_second for s in rounds), 1),
            "min_ops_per_s": round(min(s.ops_per_second for s in rounds), 1),
            "max_ops_per_s": round(max(s.ops_per_second for s in rounds), 1),
            "median_client_cpu_us_per_op": round(
                statistics.median(s.cpu_us_per_op for s in rounds), 1
            ),
            "rounds_ops_per_s": [round(s.ops_per_second, 1) for s in rounds],
        }
    raw = result["raw_aiohttp"]
    sdk = result["invoceanio"]
    result["ratio_invoceanio_to_raw"] = round(sdk["median_ops_per_s"] / raw["median_ops_per_s"], 3)
    result["ratio_raw_structured_to_raw"] = round(
        result["raw_aiohttp_structured"]["median_ops_per_s"] / raw["median_ops_per_s"], 3
    )
    result["client_cpu_overhead_us_per_op"] = round(
        sdk["median_client_cpu_us_per_op"] - raw["median_client_cpu_us_per_op"], 1
    )
    return result


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def run_create_benchmark(base_url: str, settings: CreateSettings) -> dict[str, Any]:
    """Every concurrency level, ``settings.rounds`` rounds each, both clients per round."""
    per_concurrency: dict[str, Any] = {}
    for concurrency in settings.concurrencies:
        samples: dict[ClientKind, list[Sample]] = {kind: [] for kind in KINDS}
        for number in range(settings.rounds):
            # Rotate the order so that no client always runs first (or last) in a round.
            shift = number % len(KINDS)
            order = KINDS[shift:] + KINDS[:shift]
            for kind in order:
                sample = await _ROUNDS[kind](
                    base_url, concurrency, settings.requests, settings.warmup
                )
                samples[kind].append(sample)
                _progress(
                    f"  create c={concurrency:<3} round {number + 1}/{settings.rounds} "
                    f"{kind:<22} {sample.ops_per_second:8.0f} ops/s "
                    f"{sample.cpu_us_per_op:6.0f} us cpu/op"
                )
        per_concurrency[str(concurrency)] = summarise(samples)
    return {
        "settings": attrs.asdict(settings),
        "concurrency": per_concurrency,
    }
