"""Why creates fall short of ``c / latency`` behind a server with an exact 50 ms latency.

With every answer delayed by exactly the same time, the workers' requests stay in step: the
answers to a cycle's requests come back together, and the client handles them one after
another, so the last worker of a burst waits for the client's CPU of the whole burst before it
sends again. A cycle then lasts about ``latency + burst * client CPU per create`` instead of
``latency``, and the shortfall grows with the CPU each create costs the client. A real
service's latency varies, which breaks the bursts up. This measures both, in one run, for raw
aiohttp and invoceanio at concurrency 32: the exact 50 ms of the ``create_latency50`` scenario,
and 50 ms ± 10 ms drawn uniformly (the same mean, so the same ideal of 640 creates/s), with
each client's own view of the latency of its creates (median and 95th percentile).

``python -m benchmarks.latency_bursts [--rounds 3] [--requests-per-worker 20]`` prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any, Final

import aiohttp

from benchmarks.create_throughput import drive, raw_body, sdk_client
from benchmarks.payloads import bench_headers, create_draft
from benchmarks.server import ServerProcess

__all__ = ["main", "run"]

CONCURRENCY: Final = 32
LATENCY_MS: Final = 50.0


async def _timed_creates(
    create: Callable[[int], Awaitable[None]], requests: int
) -> tuple[float, list[float]]:
    latencies: list[float] = []

    async def op(number: int) -> None:
        start = time.perf_counter()
        await create(number)
        latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    await drive(op, requests, CONCURRENCY)
    return requests / (time.perf_counter() - start), latencies


async def _raw(base_url: str, requests: int) -> tuple[float, list[float]]:
    body = raw_body()
    headers = bench_headers()
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def create(_: int) -> None:
            async with session.post(f"{base_url}/invoices.json", data=body, headers=headers) as r:
                await r.read()

        await drive(create, CONCURRENCY, CONCURRENCY)
        return await _timed_creates(create, requests)


async def _sdk(base_url: str, requests: int) -> tuple[float, list[float]]:
    template = create_draft("template")
    async with sdk_client(base_url, CONCURRENCY) as io:
        prefix = f"burst-{time.monotonic_ns()}"

        async def create(number: int) -> None:
            await io.invoices.create({**template, "oid": f"{prefix}-{number}"})

        await drive(create, CONCURRENCY, CONCURRENCY)
        return await _timed_creates(create, requests)


def run(rounds: int, requests_per_worker: int) -> dict[str, Any]:
    requests = CONCURRENCY * requests_per_worker
    ideal = CONCURRENCY / (LATENCY_MS / 1000)
    results: dict[str, Any] = {"concurrency": CONCURRENCY, "ideal_ops_per_s": ideal}
    for jitter in (0.0, 10.0):
        label = f"{LATENCY_MS:.0f} ms" + (f" +- {jitter:.0f} ms" if jitter else " exactly")
        series: dict[str, Any] = {}
        with ServerProcess(latency_ms=LATENCY_MS, jitter_ms=jitter) as server:
            for name, client in (("raw_aiohttp", _raw), ("invoceanio", _sdk)):
                rates: list[float] = []
                latencies: list[float] = []
                for _ in range(rounds):
                    rate, seen = asyncio.run(client(server.base_url, requests))
                    rates.append(rate)
                    latencies += seen
                median = statistics.median(rates)
                series[name] = {
                    "median_ops_per_s": round(median, 1),
                    "share_of_ideal": round(median / ideal, 3),
                    "latency_p50_ms": round(statistics.median(latencies) * 1000, 1),
                    "latency_p95_ms": round(statistics.quantiles(latencies, n=20)[-1] * 1000, 1),
                }
                print(f"  {label:<16} {name:<12} {series[name]}", file=sys.stderr, flush=True)
        results[label] = series
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.latency_bursts")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests-per-worker", type=int, default=20)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.rounds, args.requests_per_worker), indent=2))


if __name__ == "__main__":
    main()
