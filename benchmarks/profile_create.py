"""Profile the client side of ``io.invoices.create`` under load, to see where its time goes.

Why: when the throughput benchmark misses its goal, this shows which layer of the SDK spends
the client's CPU. It runs the same workload as :mod:`benchmarks.create_throughput` (same
server process, a fixed pool of worker tasks, a fresh oid per create) with a profiler around
the timed part only.

``python -m benchmarks.profile_create [--concurrency 32] [--requests 3000]`` uses pyinstrument
when it is installed (``pip install pyinstrument``; it is not a dependency of the project)
and cProfile otherwise. Profilers slow Python code down unevenly (cProfile most of all for
code that makes many small calls), so read the output for proportions, not for absolute
figures: those come from ``create_breakdown`` and the throughput run.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import importlib.util
import io
import pstats

from benchmarks.create_throughput import drive, sdk_client, sdk_create_op
from benchmarks.server import ServerProcess

__all__ = ["main", "profile_creates"]


async def _creates(base_url: str, concurrency: int, requests: int, profiler: str) -> str:
    async with sdk_client(base_url, concurrency) as client:
        await drive(sdk_create_op(client, "warm"), 300, concurrency)
        if profiler == "pyinstrument":
            from pyinstrument import Profiler

            sampler = Profiler(interval=0.0005, async_mode="disabled")
            sampler.start()
            await drive(sdk_create_op(client, "bench"), requests, concurrency)
            sampler.stop()
            text: str = sampler.output_text(unicode=False, color=False)
            return text
        tracer = cProfile.Profile()
        tracer.enable()
        await drive(sdk_create_op(client, "bench"), requests, concurrency)
        tracer.disable()
        out = io.StringIO()
        stats = pstats.Stats(tracer, stream=out)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(25)
        return out.getvalue()


def profile_creates(concurrency: int = 32, requests: int = 3000, profiler: str = "auto") -> str:
    """The profile of ``requests`` creates at ``concurrency``, as text."""
    if profiler == "auto":
        profiler = "pyinstrument" if importlib.util.find_spec("pyinstrument") else "cprofile"
    with ServerProcess() as server:
        return asyncio.run(_creates(server.base_url, concurrency, requests, profiler))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile_create")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--profiler", choices=("auto", "pyinstrument", "cprofile"), default="auto")
    args = parser.parse_args(argv)
    print(profile_creates(args.concurrency, args.requests, args.profiler))


if __name__ == "__main__":
    main()
