"""The clients under comparison, each driving the same load against the same server.

Every client gets the same work, written the way its own users write it:

- **raw aiohttp**: one ``ClientSession`` posting the pre-built bytes invoceanio sends and
  reading the answer (``create``), or ``await response.json()`` per page (``iterate``): the
  practical limit of the machine, with nothing typed at the end.
- **invoceanio**: ``io.invoices.create(draft)`` from a worker pool, and ``create_many`` (the
  bulk helper, its own worker pool of ``concurrency``), from a dict draft with Decimal money and
  a new ``oid`` per invoice; ``io.invoices.iterate(per_page=100)``.
- **fakturownia-client** (PyPI, async over httpx): ``create_invoice(InvoiceCreate(...))``
  built from the same draft (its models want money as strings) from a worker pool, and
  ``iter_invoices(per_page=100)``; built with its public constructor, ``max_retries=0`` and an
  httpx pool as wide as the concurrency, then pointed at plain http.
- **requests, sequential**: ``session.post(url, json=document)``, ``raise_for_status()``,
  ``response.json()`` in a ``for`` loop: how most importers start. Concurrency 1 only.

Each round is a plain function that runs its own event loop (or none) and returns a
:class:`~benchmarks.create_throughput.Sample`: a fresh session per round, warmed up (connections
open, code paths hot) before the timed part.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, Final

import aiohttp
import attrs

from benchmarks.create_throughput import (
    Sample,
    drive,
    raw_round,
    sdk_round,
    timed,
)
from benchmarks.payloads import BENCH_TOKEN, bench_headers, create_draft, drafts
from invoceanio import InvoiceOcean
from invoceanio.models import to_wire

__all__ = [
    "CREATE_CLIENTS",
    "ITERATE_CLIENTS",
    "Load",
    "fakturownia_connect",
    "fakturownia_template",
    "requests_document",
]

PER_PAGE: Final = 100


@attrs.frozen
class Load:
    """One round's work: ``requests`` timed operations after ``warmup`` untimed ones."""

    base_url: str
    concurrency: int
    requests: int
    warmup: int


# --- creates ------------------------------------------------------------------------------------


def raw_aiohttp_create(load: Load) -> Sample:
    return asyncio.run(raw_round(load.base_url, load.concurrency, load.requests, load.warmup))


def invoceanio_create(load: Load) -> Sample:
    return asyncio.run(sdk_round(load.base_url, load.concurrency, load.requests, load.warmup))


async def _create_many(load: Load) -> Sample:
    async with InvoiceOcean(
        base_url=load.base_url, api_token=BENCH_TOKEN, max_concurrency=load.concurrency
    ) as io:

        async def run(prefix: str, count: int) -> None:
            report = await io.invoices.create_many(
                drafts(prefix, count), concurrency=load.concurrency
            )
            if report.created != count:
                raise RuntimeError(f"create_many created {report.created} of {count}")

        await run("warm", load.warmup)
        cpu_start = time.process_time()
        start = time.perf_counter()
        await run("bench", load.requests)
        seconds = time.perf_counter() - start
        return Sample(seconds, time.process_time() - cpu_start, load.requests)


def invoceanio_create_many(load: Load) -> Sample:
    return asyncio.run(_create_many(load))


def fakturownia_connect(base_url: str, concurrency: int) -> Any:
    """fakturownia-client from its public constructor, then pointed at the plain-http server.

    It always builds ``https://<domain>``, so the loopback URL is set on its httpx client
    afterwards. Imported here, not at module import: it is a benchmark-only dependency.
    """
    import httpx
    from fakturownia_client import AsyncFakturowniaClient

    port = base_url.rsplit(":", 1)[1]
    client = AsyncFakturowniaClient(
        f"127.0.0.1:{port}",
        api_token=BENCH_TOKEN,
        max_retries=0,
        limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
    )
    client._http.base_url = base_url
    return client


def fakturownia_template() -> dict[str, Any]:
    """:func:`create_draft` in the shape fakturownia-client's ``InvoiceCreate`` takes: the same
    fields and values, money as strings (its models keep money as ``str`` or ``float``) and
    dates as ``date``; fields it does not name (``oid``, the buyer's address) pass through its
    ``extra="allow"``."""
    template = create_draft("template")
    template["positions"] = [
        {
            **line,
            "quantity": float(line["quantity"]),
            "price_net": str(line["price_net"]),
            "tax": str(line["tax"]),
        }
        for line in template["positions"]
    ]
    return template


async def _fakturownia_create(load: Load) -> Sample:
    from fakturownia_client import InvoiceCreate

    template = fakturownia_template()
    async with fakturownia_connect(load.base_url, load.concurrency) as client:

        def op_for(prefix: str) -> Callable[[int], Any]:
            async def create(number: int) -> None:
                draft = InvoiceCreate.model_validate({**template, "oid": f"{prefix}-{number}"})
                invoice = await client.create_invoice(draft)
                if invoice.id is None:
                    raise RuntimeError("fakturownia-client returned an invoice without an id")

            return create

        await drive(op_for("warm"), load.warmup, load.concurrency)
        return await timed(op_for("bench"), load.requests, load.concurrency)


def fakturownia_create(load: Load) -> Sample:
    return asyncio.run(_fakturownia_create(load))


def requests_document() -> dict[str, Any]:
    """What a hand-written importer posts: the draft as JSON-ready values (strings for money)."""
    document = to_wire(create_draft("template"))
    return {"invoice": document}


def requests_create(load: Load) -> Sample:
    """A ``for`` loop over ``requests.Session.post``: one create at a time, whatever the load
    says about concurrency."""
    import requests

    url = f"{load.base_url}/invoices.json"
    document = requests_document()
    headers = bench_headers(json_body=False)
    with requests.Session() as session:

        def create(prefix: str, number: int) -> None:
            body = {"invoice": {**document["invoice"], "oid": f"{prefix}-{number}"}}
            response = session.post(url, json=body, headers=headers, timeout=30)
            response.raise_for_status()
            if response.json().get("id") is None:
                raise RuntimeError("the answer has no id")

        for number in range(load.warmup):
            create("warm", number)
        cpu_start = time.process_time()
        start = time.perf_counter()
        for number in range(load.requests):
            create("bench", number)
        seconds = time.perf_counter() - start
        return Sample(seconds, time.process_time() - cpu_start, load.requests)


#: (client, variant) -> round function; requests runs at concurrency 1 only.
CREATE_CLIENTS: Final[dict[tuple[str, str], Callable[[Load], Sample]]] = {
    ("raw_aiohttp", ""): raw_aiohttp_create,
    ("invoceanio", "create"): invoceanio_create,
    ("invoceanio", "create_many"): invoceanio_create_many,
    ("fakturownia_client", "create_invoice"): fakturownia_create,
    ("requests_sequential", ""): requests_create,
}


# --- iterating ----------------------------------------------------------------------------------


async def _raw_iterate(base_url: str) -> int:
    url = f"{base_url}/invoices.json"
    headers = bench_headers(json_body=False)
    count = 0
    async with aiohttp.ClientSession() as session:
        page = 1
        while True:
            params = {"page": str(page), "per_page": str(PER_PAGE)}
            async with session.get(url, params=params, headers=headers) as response:
                response.raise_for_status()
                items = await response.json()
            count += len(items)
            if len(items) < PER_PAGE:
                return count
            page += 1


async def _invoceanio_iterate(base_url: str) -> int:
    async with InvoiceOcean(base_url=base_url, api_token=BENCH_TOKEN) as io:
        count = 0
        async for invoice in io.invoices.iterate(per_page=PER_PAGE):
            count += invoice.id is not None
        return count


async def _fakturownia_iterate(base_url: str) -> int:
    async with fakturownia_connect(base_url, 1) as client:
        count = 0
        async for invoice in client.iter_invoices(per_page=PER_PAGE):
            count += invoice.id is not None
        return count


def _requests_iterate(base_url: str) -> int:
    import requests

    url = f"{base_url}/invoices.json"
    headers = bench_headers(json_body=False)
    count = 0
    with requests.Session() as session:
        page = 1
        while True:
            params = {"page": str(page), "per_page": str(PER_PAGE)}
            response = session.get(url, params=params, headers=headers, timeout=30)
            response.raise_for_status()
            items = response.json()
            count += len(items)
            if len(items) < PER_PAGE:
                return count
            page += 1


def _async_iterate(run: Callable[[str], Any]) -> Callable[[str, int], Sample]:
    def iterate(base_url: str, expected: int) -> Sample:
        return _measure_iterate(lambda: asyncio.run(run(base_url)), expected)

    return iterate


def _measure_iterate(run: Callable[[], int], expected: int) -> Sample:
    cpu_start = time.process_time()
    start = time.perf_counter()
    count = run()
    seconds = time.perf_counter() - start
    if count != expected:
        raise RuntimeError(f"iterated {count} invoices, expected {expected}")
    return Sample(seconds, time.process_time() - cpu_start, count)


def requests_iterate(base_url: str, expected: int) -> Sample:
    return _measure_iterate(lambda: _requests_iterate(base_url), expected)


#: client -> function(base_url, expected count) -> Sample (one pass over every page).
ITERATE_CLIENTS: Final[dict[tuple[str, str], Callable[[str, int], Sample]]] = {
    ("raw_aiohttp", ""): _async_iterate(_raw_iterate),
    ("invoceanio", "iterate"): _async_iterate(_invoceanio_iterate),
    ("fakturownia_client", "iter_invoices"): _async_iterate(_fakturownia_iterate),
    ("requests_sequential", ""): requests_iterate,
}
