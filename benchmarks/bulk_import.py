"""Bulk import at full size (issue 5): the big runs the test suite proves at small size.

    python -m benchmarks.bulk_import                 # all four, ~5 minutes
    python -m benchmarks.bulk_import --quick         # the same, smaller (~1 minute)
    python -m benchmarks.bulk_import --only faults --only memory

Each run talks to the sandbox in a **separate process** (``python -m invoceanio sandbox``; its
faults set through ``PUT /__sandbox__/faults``), and counts the result in the sandbox's own
store (``GET /__sandbox__/records/invoices``):

- ``faults``: 10,000 invoices with 10% 5xx, 5% 429, 2% connections dropped after the create
  was stored and 1% dropped before it. Afterwards exactly 10,000 invoices exist, each oid once.
- ``kills``: the same import in a child process with a journal, killed with SIGKILL at three
  random points and resumed: still exactly 10,000, none twice.
- ``memory``: 100,000 invoices from a generator, with a journal, in a child process that
  reports its peak resident memory (``VmHWM``, the whole process: interpreter, SDK, aiohttp,
  the journal's SQLite) when it is done; the sandbox holding the 100,000 invoices is another
  process.
- ``rate``: the sandbox's rate limit of 1000 requests a minute and 2 concurrent requests, and
  no rate given to the import: the rate it reaches against the allowed one, failed items, and
  the share of requests answered 429.

The results JSON goes to stdout and (full run) to ``benchmarks/results-bulk.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any, Final

import aiohttp
import attrs

from benchmarks.bulk_memory import peak_rss_mb
from benchmarks.payloads import BENCH_TOKEN
from benchmarks.sandbox_throughput import SandboxProcess
from invoceanio import InvoiceOcean, RetryPolicy
from invoceanio.importer import ImportItem, ImportProgress
from invoceanio.sandbox.faults import FaultConfig

_ROOT: Final = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT: Final = Path(__file__).resolve().parent / "results-bulk.json"
RUNS: Final = ("faults", "kills", "memory", "rate")
HARSH: Final = {
    "seed": 2026,
    "error_rate": 0.15,
    "error_statuses": {"500": 2, "502": 2, "503": 2, "429": 3},
    "drop_after_store_rate": 0.02,
    "drop_before_store_rate": 0.01,
}
# Retries in these runs wait milliseconds, not the default's half-seconds: the faults are
# dense on purpose, and the point is what the import does about them, not how long it naps.
FAST_RETRY: Final = RetryPolicy(backoff_base=0.02, backoff_max=0.2, deadline=None)


@attrs.frozen
class Sizes:
    faults: int = 10_000
    kills: int = 10_000
    memory: int = 100_000
    rate: int = 3_000


QUICK: Final = Sizes(faults=2_000, kills=2_000, memory=20_000, rate=1_300)


def invoice(number: int) -> ImportItem:
    """A realistic invoice with 1-3 positions; its key (and so its oid) is ``B-{number}``."""
    positions = [
        {
            "name": f"Product {number}-{line}",
            "tax": ("23", "8", "zw")[line % 3],
            "quantity": str(1 + line),
            "price_net": f"{10 + number % 90}.{line * 7 % 100:02d}",
        }
        for line in range(1 + number % 3)
    ]
    return ImportItem(
        {
            "kind": "vat",
            "issue_date": "2026-11-20",
            "buyer_name": f"Klient {number % 500} Sp. z o.o.",
            "buyer_tax_no": f"{5250000000 + number % 500}",
            "positions": positions,
        },
        key=f"B-{number}",
        source=f"row {number}",
    )


def invoices(count: int) -> Iterator[ImportItem]:
    return (invoice(number) for number in range(count))


# --- the importing process ------------------------------------------------------------------------


async def import_into(
    url: str, count: int, *, journal: str | None = None, progress: bool = False
) -> dict[str, Any]:
    def report_progress(state: ImportProgress) -> None:
        print(f"done {state.done}", flush=True)

    async with InvoiceOcean(base_url=url, api_token=BENCH_TOKEN, retry=FAST_RETRY) as io:
        started = time.monotonic()
        report = await io.invoices.create_many(
            invoices(count),
            concurrency=4,
            journal=journal,
            on_progress=report_progress if progress else None,
        )
        elapsed = time.monotonic() - started
    return {
        "created": report.created,
        "existed": report.existed,
        "skipped": report.skipped,
        "failed": report.failed,
        "failures": [f"{f.source}: {f.error}" for f in report.failures[:5]],
        "seconds": round(elapsed, 1),
    }


def worker_main(argv: list[str]) -> None:
    url, count, journal = argv[0], int(argv[1]), argv[2] if len(argv) > 2 else None
    result = asyncio.run(import_into(url, count, journal=journal, progress=journal is not None))
    # Measured in the child only: the benchmark process itself holds the sandbox's records.
    print("result " + json.dumps({**result, "peak_rss_mb": peak_rss_mb()}), flush=True)


async def _child(
    url: str, count: int, journal: str | None, kill_after: int | None = None
) -> dict[str, Any] | None:
    """Run the import in a child process; kill it with SIGKILL after ``kill_after`` items."""
    args = [url, str(count)] + ([journal] if journal else [])
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "benchmarks.bulk_import",
        "worker",
        *args,
        cwd=_ROOT,
        stdout=asyncio.subprocess.PIPE,
        limit=2**20,
    )
    assert process.stdout is not None
    result: dict[str, Any] | None = None
    while line := (await process.stdout.readline()).decode().strip():
        if kill_after is not None and line == f"done {kill_after}":
            process.send_signal(signal.SIGKILL)
            break
        if line.startswith("result "):
            result = json.loads(line[len("result ") :])
    await process.wait()
    return result


# --- checking the sandbox -----------------------------------------------------------------------


async def _admin(
    session: aiohttp.ClientSession, url: str, method: str, path: str, body: Any = None
) -> Any:
    async with session.request(method, f"{url}/__sandbox__/{path}", json=body) as response:
        response.raise_for_status()
        return await response.json()


async def _oids(url: str) -> Counter[str]:
    async with aiohttp.ClientSession() as session:
        records = await _admin(session, url, "GET", "records/invoices")
    return Counter(str(record["oid"]) for record in records)


async def _prepare(url: str, faults: dict[str, Any]) -> None:
    """An empty store and exactly these faults (a PUT changes only the keys it sends: start
    from the defaults, or the last run's faults would stay on)."""
    async with aiohttp.ClientSession() as session:
        await _admin(session, url, "POST", "reset")
        await _admin(session, url, "PUT", "faults", {**FaultConfig().to_mapping(), **faults})


async def _stats(url: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session:
        stats: dict[str, Any] = await _admin(session, url, "GET", "stats")
        return stats


def _exactly_once(oids: Counter[str], count: int) -> dict[str, Any]:
    expected = {f"B-{number}" for number in range(count)}
    return {
        "invoices_stored": sum(oids.values()),
        "distinct_oids": len(oids),
        "missing": len(expected - set(oids)),
        "duplicated": sum(1 for value in oids.values() if value > 1),
        "exactly_once": set(oids) == expected and max(oids.values(), default=0) == 1,
    }


# --- the runs -------------------------------------------------------------------------------------


async def run_faults(url: str, count: int) -> dict[str, Any]:
    await _prepare(url, HARSH)
    result = await import_into(url, count)
    return {
        "count": count,
        **result,
        **_exactly_once(await _oids(url), count),
        "sandbox": await _stats(url),
    }


async def run_kills(url: str, count: int, seed: int = 20261201) -> dict[str, Any]:
    await _prepare(url, {**HARSH, "seed": 7})
    kills = sorted(random.Random(seed).sample(range(count // 10, count - count // 10), 3))
    with TemporaryDirectory() as folder:
        journal = str(Path(folder) / "import.journal")
        for kill_after in kills:
            await _child(url, count, journal, kill_after)
        final = await _child(url, count, journal)
    return {
        "count": count,
        "killed_after": kills,
        "last_run": final,
        **_exactly_once(await _oids(url), count),
    }


async def run_memory(url: str, count: int) -> dict[str, Any]:
    await _prepare(url, {"seed": 1})
    with TemporaryDirectory() as folder:
        result = await _child(url, count, str(Path(folder) / "import.journal"))
    assert result is not None
    return {"count": count, **result, "limit_mb": 150}


async def run_rate(url: str, count: int) -> dict[str, Any]:
    await _prepare(url, {"seed": 1, "rate_limit": "1000/60,2"})
    started = time.monotonic()
    result = await import_into(url, count)
    elapsed = time.monotonic() - started
    stats = await _stats(url)
    throttled = stats["throttled_window"] + stats["throttled_concurrent"]
    # A sliding window of 1000 per 60 s: the n-th request can go 60 s after the (n-1000)-th,
    # so the fastest any client could send ``count`` is 60 s per full thousand after the first.
    fastest = 60.0 * ((count - 1) // 1000)
    return {
        "count": count,
        **result,
        "requests": stats["requests"],
        "throttled": throttled,
        "throttled_share": round(throttled / stats["requests"], 4),
        "fastest_possible_seconds": fastest,
        "share_of_allowed_rate": round(fastest / elapsed, 3) if fastest else None,
    }


async def run_all(sizes: Sizes, only: list[str]) -> dict[str, Any]:
    results: dict[str, Any] = {"cpu_count": os.cpu_count(), "python": sys.version.split()[0]}
    with SandboxProcess() as sandbox:
        for name in only:
            print(f"bulk: {name} ...", file=sys.stderr, flush=True)
            run = {"faults": run_faults, "kills": run_kills, "memory": run_memory, "rate": run_rate}
            results[name] = await run[name](sandbox.base_url, getattr(sizes, name))
            print(f"bulk: {name}: {json.dumps(results[name])}", file=sys.stderr, flush=True)
    return results


def main(argv: list[str] | None = None) -> None:
    args_in = sys.argv[1:] if argv is None else argv
    if args_in[:1] == ["worker"]:
        worker_main(args_in[1:])
        return
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bulk_import", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller runs, about a minute")
    parser.add_argument("--only", action="append", choices=RUNS, help="run only these (repeatable)")
    parser.add_argument("--output", type=Path, default=None, help="write the results JSON here too")
    args = parser.parse_args(args_in)
    results = asyncio.run(run_all(QUICK if args.quick else Sizes(), args.only or list(RUNS)))
    text = json.dumps(results, indent=2)
    print(text)
    output = args.output or (None if args.quick else DEFAULT_OUTPUT)
    if output is not None:
        output.write_text(text + "\n")


if __name__ == "__main__":
    main()
