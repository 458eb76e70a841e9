"""The side-by-side suite (issue 6): every scenario, every client, one run, one machine.

Scenarios, each reported per client as a row of ``results.json`` (see :mod:`benchmarks.report`):

- ``create_loopback``: creates per second at concurrency 1, 8 and 32 against the canned server
  (:mod:`benchmarks.server`, its own process) on loopback, no added latency.
- ``create_latency50``: the same with 50 ms of server latency per answer: the ideal is
  ``concurrency / 0.05`` creates per second, and what a client's own CPU costs shows as the
  shortfall from it.
- ``iterate_10k``: one pass over 10,000 stored invoices, 100 per page (ms for the whole pass).
- ``decode_page``: bytes to objects for a 100-invoice page (ms): ``json.loads`` (what raw
  aiohttp's ``response.json()`` does), invoceanio's JSON and XML codecs plus its models, and
  fakturownia-client's own parse of the same JSON into its models.
- ``bulk_memory``: the peak resident memory of a process importing 100,000 invoices
  (:mod:`benchmarks.bulk_memory`, a process per client).

Fairness: the same server process, payloads and concurrency for every client of a scenario;
every throughput figure is the median of several rounds, each round with a fresh session that
is warmed up first, and the order of the clients rotates from round to round so that none
always runs first. Ratios are to raw aiohttp in the same run.
"""

from __future__ import annotations

import json
import statistics
import sys
import timeit
from collections.abc import Callable, Iterable
from typing import Any, Final

import attrs

from benchmarks import bulk_memory
from benchmarks.create_throughput import Sample
from benchmarks.decode_page import PAGE_SIZE, page_bodies, structure_page
from benchmarks.peers import CREATE_CLIENTS, ITERATE_CLIENTS, Load
from benchmarks.server import ServerProcess
from invoceanio.codecs import JsonCodec, XmlCodec

__all__ = ["FULL", "QUICK", "SCENARIOS", "SuiteSettings", "goals", "run_suite"]

GOAL_CONCURRENCY: Final = 32
LATENCY_MS: Final = 50.0


@attrs.frozen
class SuiteSettings:
    concurrencies: tuple[int, ...] = (1, 8, 32)
    rounds: int = 5
    loopback_requests: int = 2000
    loopback_warmup: int = 200
    latency_rounds: int = 3
    #: each of the ``concurrency`` workers makes this many creates per round, and a round makes
    #: at least ``latency_min_requests`` (c=1 would otherwise be over in a second)
    latency_requests_per_worker: int = 20
    latency_min_requests: int = 25
    iterate_invoices: int = 10_000
    iterate_rounds: int = 3
    decode_repetitions: int = 50
    bulk_invoices: int = 100_000
    bulk_concurrency: int = 32
    #: child processes per client, run side by side (see bulk_memory.measure)
    bulk_rounds: int = 3


FULL: Final = SuiteSettings()
QUICK: Final = SuiteSettings(
    rounds=3,
    loopback_requests=300,
    loopback_warmup=50,
    latency_rounds=2,
    latency_requests_per_worker=8,
    latency_min_requests=10,
    iterate_rounds=2,
    decode_repetitions=10,
    bulk_invoices=3_000,
)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _row(
    scenario: str,
    client: tuple[str, str],
    concurrency: int,
    values: list[float],
    unit: str,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "scenario": scenario,
        "client": client[0],
        "variant": client[1],
        "concurrency": concurrency,
        "value": round(statistics.median(values), 3),
        "unit": unit,
        "ratio_to_raw": None,
        "rounds": [round(value, 3) for value in values],
        **extra,
    }


def _rotated(items: list[Any], shift: int) -> list[Any]:
    shift %= len(items)
    return items[shift:] + items[:shift]


def _creates(
    scenario: str, base_url: str, settings: SuiteSettings, *, latency: bool
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    rounds = settings.latency_rounds if latency else settings.rounds
    for concurrency in settings.concurrencies:
        clients = [
            client
            for client in CREATE_CLIENTS
            if concurrency == 1 or client[0] != "requests_sequential"
        ]
        if latency:
            requests = max(
                settings.latency_min_requests, concurrency * settings.latency_requests_per_worker
            )
            warmup = concurrency
        else:
            requests, warmup = settings.loopback_requests, settings.loopback_warmup
        samples: dict[tuple[str, str], list[Sample]] = {client: [] for client in clients}
        for number in range(rounds):
            for client in _rotated(clients, number):
                sample = CREATE_CLIENTS[client](Load(base_url, concurrency, requests, warmup))
                samples[client].append(sample)
                _say(
                    f"  {scenario} c={concurrency:<3} round {number + 1}/{rounds} "
                    f"{'/'.join(filter(None, client)):<34} {sample.ops_per_second:8.0f} ops/s"
                    f" {sample.cpu_us_per_op:6.0f} us cpu/op"
                )
        for client, client_samples in samples.items():
            rows.append(
                _row(
                    scenario,
                    client,
                    concurrency,
                    [sample.ops_per_second for sample in client_samples],
                    "ops/s",
                    client_cpu_us_per_op=round(
                        statistics.median(sample.cpu_us_per_op for sample in client_samples), 1
                    ),
                    requests_per_round=requests,
                )
            )
    return rows


def _iterate(base_url: str, settings: SuiteSettings) -> list[dict[str, Any]]:
    clients = list(ITERATE_CLIENTS)
    samples: dict[tuple[str, str], list[Sample]] = {client: [] for client in clients}
    for client in clients:  # a warm-up pass each: imports, connections, generated code
        ITERATE_CLIENTS[client](base_url, settings.iterate_invoices)
    for number in range(settings.iterate_rounds):
        for client in _rotated(clients, number):
            sample = ITERATE_CLIENTS[client](base_url, settings.iterate_invoices)
            samples[client].append(sample)
            _say(
                f"  iterate_10k round {number + 1}/{settings.iterate_rounds} "
                f"{'/'.join(filter(None, client)):<34} {sample.seconds * 1000:8.0f} ms"
            )
    return [
        _row(
            "iterate_10k",
            client,
            1,
            [sample.seconds * 1000 for sample in client_samples],
            "ms",
            client_cpu_ms=round(
                statistics.median(sample.cpu_seconds for sample in client_samples) * 1000, 1
            ),
            invoices=settings.iterate_invoices,
        )
        for client, client_samples in samples.items()
    ]


def _fakturownia_parse() -> Callable[[bytes], list[Any]]:
    """fakturownia-client's own path from a list body to its models."""
    from fakturownia_client import Invoice as PeerInvoice

    def parse(body: bytes) -> list[Any]:
        return [PeerInvoice.model_validate(item) for item in json.loads(body)]

    return parse


def _decode(settings: SuiteSettings) -> list[dict[str, Any]]:
    bodies = page_bodies()
    json_codec, xml_codec = JsonCodec(), XmlCodec()
    peer_parse = _fakturownia_parse()
    cases: dict[tuple[str, str], tuple[Callable[[], Iterable[Any]], str]] = {
        ("raw_aiohttp", ""): (lambda: json.loads(bodies["json"]), "json"),
        ("invoceanio", "json"): (
            lambda: structure_page(json_codec.decode(bodies["json"])),
            "json",
        ),
        ("invoceanio", "xml"): (lambda: structure_page(xml_codec.decode(bodies["xml"])), "xml"),
        ("fakturownia_client", "json"): (lambda: peer_parse(bodies["json"]), "json"),
    }
    rows = []
    for client, (decode, body_format) in cases.items():
        page = list(decode())  # once untimed: warm, and prove it decodes the whole page
        if len(page) != PAGE_SIZE:
            raise RuntimeError(f"{client} decoded {len(page)} invoices")
        times = timeit.repeat(decode, number=1, repeat=settings.decode_repetitions)
        rows.append(
            _row(
                "decode_page",
                client,
                1,
                [seconds * 1000 for seconds in times],
                "ms",
                body_bytes=len(bodies[body_format]),
                note=f"{body_format} body",
            )
        )
        _say(f"  decode_page {'/'.join(filter(None, client)):<34} {rows[-1]['value']:8.2f} ms")
    return rows


def _bulk(base_url: str, settings: SuiteSettings) -> list[dict[str, Any]]:
    rows = []
    for client, variant in bulk_memory.BULK_CLIENTS.items():
        results = bulk_memory.measure(
            client,
            base_url,
            settings.bulk_invoices,
            settings.bulk_concurrency,
            rounds=settings.bulk_rounds,
        )
        peaks = [result["peak_mb"] for result in results]
        before = statistics.median(result["before_mb"] for result in results)
        seconds = statistics.median(result["seconds"] for result in results)
        _say(
            f"  bulk_memory {client:<22} peaks {peaks} MB "
            f"(before the import {before:.1f} MB, {seconds:.0f} s each)"
        )
        rows.append(
            _row(
                "bulk_memory",
                (client, variant),
                results[0]["concurrency"],
                peaks,
                "MB",
                before_import_mb=before,
                invoices=settings.bulk_invoices,
                seconds=seconds,
                note=f"a process per client and round; before the import: {before:.1f} MB",
            )
        )
    return rows


SCENARIOS: Final = (
    "create_loopback",
    "create_latency50",
    "iterate_10k",
    "decode_page",
    "bulk_memory",
)


def run_suite(settings: SuiteSettings, only: Iterable[str] = SCENARIOS) -> list[dict[str, Any]]:
    """The scenarios in ``only``, in turn; the rows of ``results.json`` without ratios."""
    chosen = set(only)
    rows: list[dict[str, Any]] = []
    if "decode_page" in chosen:
        _say("decode_page: a 100-invoice page ...")
        rows += _decode(settings)
    if chosen & {"create_loopback", "iterate_10k", "bulk_memory"}:
        with ServerProcess(invoices=settings.iterate_invoices) as server:
            _say(f"loopback server pid {server.pid} on {server.base_url} ...")
            if "create_loopback" in chosen:
                rows += _creates("create_loopback", server.base_url, settings, latency=False)
            if "iterate_10k" in chosen:
                rows += _iterate(server.base_url, settings)
            if "bulk_memory" in chosen:
                rows += _bulk(server.base_url, settings)
    if "create_latency50" in chosen:
        with ServerProcess(latency_ms=LATENCY_MS) as server:
            _say(f"create_latency50: server pid {server.pid}, {LATENCY_MS:.0f} ms per answer ...")
            rows += _creates("create_latency50", server.base_url, settings, latency=True)
    return rows


def _value(rows: list[dict[str, Any]], scenario: str, client: str, variant: str) -> float | None:
    for row in rows:
        if (row["scenario"], row["client"], row["variant"], row["concurrency"]) == (
            scenario,
            client,
            variant,
            GOAL_CONCURRENCY,
        ):
            return float(row["value"])
    return None


def goals(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The three goals of issue 6, judged on this run's medians."""
    sdk = _value(rows, "create_loopback", "invoceanio", "create")
    raw = _value(rows, "create_loopback", "raw_aiohttp", "")
    peer = _value(rows, "create_loopback", "fakturownia_client", "create_invoice")
    latency = _value(rows, "create_latency50", "invoceanio", "create")
    ideal = GOAL_CONCURRENCY / (LATENCY_MS / 1000)

    def judged(name: str, target: str, actual: float | None, bound: float, unit: str) -> Any:
        return {
            "name": name,
            "target": target,
            "actual": "not measured" if actual is None else f"{actual:.2f}{unit}",
            "met": None if actual is None else actual >= bound,
        }

    return [
        judged(
            "invoceanio create vs raw aiohttp, loopback, c=32",
            ">= 0.8x",
            None if sdk is None or not raw else sdk / raw,
            0.8,
            "x",
        ),
        judged(
            "invoceanio create vs fakturownia-client, loopback, c=32",
            ">= 5x",
            None if sdk is None or not peer else sdk / peer,
            5.0,
            "x",
        ),
        judged(
            "invoceanio create, 50 ms latency, c=32, share of the ideal 640/s",
            ">= 90%",
            None if latency is None else latency / ideal * 100,
            90.0,
            "%",
        ),
    ]
