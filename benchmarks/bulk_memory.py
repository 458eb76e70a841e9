"""Peak memory of a bulk import, each client in a process of its own.

Why a process per client: peak resident memory (``VmHWM``) is a property of a process, and a
client measured after another would inherit its high-water mark. Each child imports the client
library, records its memory before the import (``before_mb``: interpreter, libraries, session),
creates ``count`` invoices against the canned server, and reports its peak.

Every client reads its invoices lazily from a generator, the way a real importer reads a file,
so the figure shows what the client itself holds on to: raw aiohttp and fakturownia-client from
a pool of ``concurrency`` worker tasks, invoceanio through ``io.invoices.create_many`` (its
report keeps counts and failures, not the invoices), requests in a ``for`` loop.

``python -m benchmarks.bulk_memory CLIENT URL COUNT CONCURRENCY`` runs one child by hand; it
prints one JSON line. The suite runs several children of a client at once, one per round.
"""

from __future__ import annotations

import asyncio
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, Final

from benchmarks.payloads import bench_headers, drafts

__all__ = ["BULK_CLIENTS", "measure", "peak_rss_mb"]

_ROOT: Final = Path(__file__).resolve().parent.parent

#: client name in results.json -> variant shown beside it.
BULK_CLIENTS: Final[dict[str, str]] = {
    "raw_aiohttp": "",
    "invoceanio": "create_many",
    "fakturownia_client": "create_invoice",
    "requests_sequential": "",
}


def peak_rss_mb() -> float:
    """This process's peak resident memory. ``VmHWM`` (Linux) is this program's own: after
    fork and exec, ``ru_maxrss`` still carries the parent's peak at the fork, which made a
    child of a large benchmark process look as large as its parent."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


async def _pool(
    count: int, concurrency: int, create: Callable[[dict[str, Any]], Coroutine[Any, Any, None]]
) -> None:
    pending = drafts("bulk", count)

    async def worker() -> None:
        for draft in pending:
            await create(draft)

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def _raw(url: str, count: int, concurrency: int, ready: Callable[[], None]) -> None:
    import aiohttp

    from benchmarks.create_throughput import raw_body

    body = raw_body()
    headers = bench_headers()
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        ready()

        async def create(_: dict[str, Any]) -> None:
            # The bytes are pre-built, as in the throughput runs; the draft is still produced
            # so that every client pays for the same generator.
            async with session.post(f"{url}/invoices.json", data=body, headers=headers) as r:
                await r.read()
                r.raise_for_status()

        await _pool(count, concurrency, create)


async def _invoceanio(url: str, count: int, concurrency: int, ready: Callable[[], None]) -> None:
    from invoceanio import InvoiceOcean

    async with InvoiceOcean(
        base_url=url, api_token="bench-token", max_concurrency=concurrency
    ) as io:
        ready()
        report = await io.invoices.create_many(drafts("bulk", count), concurrency=concurrency)
    if report.created != count:
        raise RuntimeError(f"create_many created {report.created} of {count}: {report.failures}")


async def _fakturownia(url: str, count: int, concurrency: int, ready: Callable[[], None]) -> None:
    from fakturownia_client import InvoiceCreate

    from benchmarks.peers import fakturownia_connect, fakturownia_template

    template = fakturownia_template()
    async with fakturownia_connect(url, concurrency) as client:
        ready()

        async def create(draft: dict[str, Any]) -> None:
            # The same drafts as the others; the peer takes its own model, built from each.
            await client.create_invoice(
                InvoiceCreate.model_validate({**template, "oid": draft["oid"]})
            )

        await _pool(count, concurrency, create)


def _requests(url: str, count: int, ready: Callable[[], None]) -> None:
    import requests

    from benchmarks.peers import requests_document

    document = requests_document()["invoice"]
    headers = bench_headers(json_body=False)
    with requests.Session() as session:
        ready()
        for number in range(count):
            body = {"invoice": {**document, "oid": f"bulk-{number}"}}
            response = session.post(f"{url}/invoices.json", json=body, headers=headers, timeout=30)
            response.raise_for_status()
            response.json()


def child_main(argv: list[str]) -> None:
    client, url, count, concurrency = argv[0], argv[1], int(argv[2]), int(argv[3])
    before: list[float] = []

    def ready() -> None:
        before.append(peak_rss_mb())

    start = time.perf_counter()
    if client == "raw_aiohttp":
        asyncio.run(_raw(url, count, concurrency, ready))
    elif client == "invoceanio":
        asyncio.run(_invoceanio(url, count, concurrency, ready))
    elif client == "fakturownia_client":
        asyncio.run(_fakturownia(url, count, concurrency, ready))
    elif client == "requests_sequential":
        _requests(url, count, ready)
    else:
        raise SystemExit(f"unknown client {client!r}")
    result = {
        "client": client,
        "count": count,
        "concurrency": 1 if client == "requests_sequential" else concurrency,
        "before_mb": before[0],
        "peak_mb": peak_rss_mb(),
        "seconds": round(time.perf_counter() - start, 1),
    }
    print(json.dumps(result), flush=True)


def measure(
    client: str, url: str, count: int, concurrency: int, rounds: int = 1
) -> list[dict[str, Any]]:
    """Run ``rounds`` children of ``client`` side by side and return what each reported.

    Side by side, not one after another: a process's peak memory does not depend on how fast
    it runs (the in-flight requests are fixed by the pool), and three rounds of the slowest
    peer one after another would take most of half an hour."""
    command = [
        sys.executable,
        "-m",
        "benchmarks.bulk_memory",
        *(client, url, str(count), str(concurrency)),
    ]
    children = [
        subprocess.Popen(
            command, cwd=_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(rounds)
    ]
    results: list[dict[str, Any]] = []
    for child in children:
        stdout, stderr = child.communicate()
        if child.returncode != 0:
            raise RuntimeError(f"bulk import child {client} failed:\n{stderr[-2000:]}")
        results.append(json.loads(stdout.strip().splitlines()[-1]))
    return results


if __name__ == "__main__":
    child_main(sys.argv[1:])
