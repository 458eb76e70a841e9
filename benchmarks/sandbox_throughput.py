"""Sandbox throughput (issue 3): creates/s and list requests/s of the sandbox on loopback.

Issue 3 asks that the sandbox never be the bottleneck of our benchmarks. This measures how many
requests it serves, and how much server CPU each one costs, under the load shape of
:mod:`benchmarks.create_throughput`, and compares it with the minimal canned server of
:mod:`benchmarks.server` under the very same load.

How:

- The sandbox runs in a **separate process**, started with its command line
  (``python -m invoceanio sandbox --port 0 --token bench-token``; the URL is the first line of
  its stdout), exactly as a user starts it. The canned server runs as
  :class:`benchmarks.server.ServerProcess`.
- The load is raw aiohttp: one ``ClientSession(connector=TCPConnector(limit=32))`` and a fixed
  pool of 32 worker tasks pulling from one counter, ``Authorization: Bearer``.
- **Creates**: ``POST /invoices.json`` with pre-built bytes, the document invoceanio sends for a
  3-position draft (``{"invoice": {..., "oid_unique": "yes"}}``); only the ``oid`` differs per
  request (spliced into the pre-encoded bytes), because the sandbox, like the service, refuses a
  repeated ``oid`` under ``oid_unique``. Every create must answer 201. The sandbox store is reset
  (``POST /__sandbox__/reset``) before each round, so every round starts from an empty store.
- **Lists**: ``GET /invoices.json?per_page=100&page=N&period=all`` with N cycling 1..10, once the
  store holds ``list_store_size`` (1000) invoices; every answer must be 200 with 100 invoices.
- A reference series: invoceanio's own ``io.invoices.create`` against the sandbox, the SDK
  benchmark's load (32 workers, ``max_concurrency=32``) pointed at the sandbox instead of the
  canned server, and the same SDK load against the canned server in the same run.
- **Growth**: one store, never reset, filled up to each of ``growth_points`` (0, 5000, 10000
  invoices); at each point a round of ``growth_creates`` raw creates and one of
  ``growth_lists`` list pages (``period=all``, pages 1..10). It shows whether the cost of a
  request grows with what the sandbox holds (a long import or export must not slow down).
- Each series: a warm-up, then ``rounds`` timed rounds; the figures are medians. Server CPU
  per request is the server process's ``utime + stime`` from ``/proc/<pid>/stat`` (Linux)
  over the round, divided by the requests; it is ``None`` where ``/proc`` is missing.

Run it alone with ``python -m benchmarks --only sandbox``; ``python -m
benchmarks.sandbox_throughput --profile`` instead runs the sandbox process under cProfile during a
create and a list load and prints where its time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pstats
import select
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Final

import aiohttp
import attrs

from benchmarks.create_throughput import drive, sdk_client, sdk_create_op
from benchmarks.payloads import BENCH_TOKEN, bench_headers, create_draft
from benchmarks.server import ServerProcess, stop_process
from invoceanio.codecs import JsonCodec
from invoceanio.models import to_wire

__all__ = [
    "SandboxProcess",
    "SandboxSettings",
    "create_body_parts",
    "process_cpu_seconds",
    "run_sandbox_benchmark",
]

_REPO_ROOT: Final = Path(__file__).resolve().parent.parent
_OID_MARK: Final = "@@OID@@"
_LIST_PAGES: Final = 10
_PER_PAGE: Final = 100
_CLOCK_TICKS: Final = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

Op = Callable[[int], Awaitable[None]]


@attrs.frozen
class SandboxSettings:
    concurrency: int = 32
    creates: int = 2000
    create_warmup: int = 200
    list_store_size: int = 1000
    lists: int = 1000
    list_warmup: int = 100
    rounds: int = 5
    #: store sizes at which the growth series measures creates and list pages (store kept)
    growth_points: tuple[int, ...] = (0, 5000, 10000)
    growth_creates: int = 1000
    growth_lists: int = 300


@attrs.frozen
class Sample:
    """One timed round: wall clock, requests, and the CPU of both processes."""

    seconds: float
    requests: int
    client_cpu_seconds: float
    server_cpu_seconds: float | None

    @property
    def ops_per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def client_cpu_us_per_op(self) -> float:
        return self.client_cpu_seconds / self.requests * 1e6

    @property
    def server_cpu_us_per_op(self) -> float | None:
        if self.server_cpu_seconds is None:
            return None
        return self.server_cpu_seconds / self.requests * 1e6


def process_cpu_seconds(pid: int) -> float | None:
    """``utime + stime`` of process ``pid`` in seconds (Linux ``/proc``), None elsewhere."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    fields = text[text.rindex(")") + 2 :].split()
    # Fields 14 and 15 of the line (utime, stime) are 11 and 12 after the name.
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def create_body_parts() -> tuple[bytes, bytes]:
    """The create bytes invoceanio sends for a 3-position draft, split where the oid goes."""
    document = to_wire(create_draft(_OID_MARK))
    document["oid_unique"] = "yes"
    body = JsonCodec().encode({"invoice": document})
    mark = _OID_MARK.encode()
    if body.count(mark) != 1:
        raise RuntimeError("the oid mark must occur exactly once in the create body")
    head, _, tail = body.partition(mark)
    return head, tail


class SandboxProcess:
    """``python -m invoceanio sandbox --port 0`` in a child process, stopped on exit.

    ``profile_to`` runs the same command under ``python -m cProfile -o PATH`` (the stats are
    written when the sandbox stops cleanly on SIGTERM).
    """

    def __init__(self, *, profile_to: Path | None = None, start_timeout: float = 20.0) -> None:
        self._profile_to = profile_to
        self._start_timeout = start_timeout
        self._process: subprocess.Popen[str] | None = None
        self.base_url = ""

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def command(self) -> list[str]:
        prefix = [sys.executable]
        if self._profile_to is not None:
            prefix += ["-m", "cProfile", "-o", str(self._profile_to)]
        return [*prefix, "-m", "invoceanio", "sandbox", "--port", "0", "--token", BENCH_TOKEN]

    def __enter__(self) -> SandboxProcess:
        process = subprocess.Popen(
            self.command(),
            cwd=_REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self._process = process
        try:
            assert process.stdout is not None
            ready, _, _ = select.select([process.stdout], [], [], self._start_timeout)
            if not ready:
                raise RuntimeError("the sandbox did not start in time")
            line = process.stdout.readline().strip()
            if not line.startswith("http://"):
                raise RuntimeError(f"the sandbox failed to start (said {line!r})")
            self.base_url = line
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            # Longer than the canned server's: under cProfile the stats are written on exit.
            stop_process(process, timeout=30)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


async def _timed(op: Op, requests: int, workers: int, server_pid: int) -> Sample:
    server_start = process_cpu_seconds(server_pid)
    cpu_start = time.process_time()
    start = time.perf_counter()
    await drive(op, requests, workers)
    seconds = time.perf_counter() - start
    client_cpu = time.process_time() - cpu_start
    server_end = process_cpu_seconds(server_pid)
    server_cpu = None if server_start is None or server_end is None else server_end - server_start
    return Sample(seconds, requests, client_cpu, server_cpu)


def _session(concurrency: int) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency))


def _create_op(session: aiohttp.ClientSession, base_url: str, prefix: str) -> Op:
    url = f"{base_url}/invoices.json"
    head, tail = create_body_parts()
    headers = bench_headers()

    async def post(number: int) -> None:
        body = b"".join((head, f"{prefix}-{number}".encode(), tail))
        async with session.post(url, data=body, headers=headers) as response:
            answer = await response.read()
            if response.status != 201:
                raise RuntimeError(f"create got HTTP {response.status}: {answer[:200]!r}")

    return post


def _list_op(session: aiohttp.ClientSession, base_url: str) -> Op:
    url = f"{base_url}/invoices.json"
    headers = bench_headers()

    async def get(number: int) -> None:
        params = {"per_page": str(_PER_PAGE), "page": str(number % _LIST_PAGES + 1)}
        params["period"] = "all"
        async with session.get(url, params=params, headers=headers) as response:
            await response.read()
            if response.status != 200:
                raise RuntimeError(f"list got HTTP {response.status}")

    return get


async def _reset(session: aiohttp.ClientSession, base_url: str) -> None:
    async with session.post(f"{base_url}/__sandbox__/reset") as response:
        await response.read()
        if response.status != 200:
            raise RuntimeError(f"sandbox reset got HTTP {response.status}")


async def raw_create_round(
    base_url: str, pid: int, settings: SandboxSettings, *, reset: bool, tag: str
) -> Sample:
    async with _session(settings.concurrency) as session:
        if reset:
            await _reset(session, base_url)
        await drive(
            _create_op(session, base_url, f"{tag}-warm"),
            settings.create_warmup,
            settings.concurrency,
        )
        return await _timed(
            _create_op(session, base_url, tag), settings.creates, settings.concurrency, pid
        )


async def sdk_create_round(
    base_url: str, pid: int, settings: SandboxSettings, *, reset: bool, tag: str
) -> Sample:
    if reset:
        async with _session(1) as session:
            await _reset(session, base_url)
    async with sdk_client(base_url, settings.concurrency) as io:
        await drive(sdk_create_op(io, f"{tag}-warm"), settings.create_warmup, settings.concurrency)
        return await _timed(sdk_create_op(io, tag), settings.creates, settings.concurrency, pid)


async def fill_store(base_url: str, settings: SandboxSettings) -> int:
    """Reset the sandbox and create ``list_store_size`` invoices; return the stored count."""
    async with _session(settings.concurrency) as session:
        await _reset(session, base_url)
        await drive(
            _create_op(session, base_url, "fill"), settings.list_store_size, settings.concurrency
        )
        async with session.get(f"{base_url}/__sandbox__/counts") as response:
            counts = await response.json()
        url = f"{base_url}/invoices.json?per_page={_PER_PAGE}&page=1&period=all"
        async with session.get(url, headers=bench_headers()) as response:
            page = await response.json()
            if len(page) != min(_PER_PAGE, settings.list_store_size):
                raise RuntimeError(f"a list page held {len(page)} invoices")
    return int(counts["invoices"])


async def list_round(base_url: str, pid: int, settings: SandboxSettings) -> Sample:
    async with _session(settings.concurrency) as session:
        await drive(_list_op(session, base_url), settings.list_warmup, settings.concurrency)
        return await _timed(_list_op(session, base_url), settings.lists, settings.concurrency, pid)


async def growth_series(base_url: str, pid: int, settings: SandboxSettings) -> list[dict[str, Any]]:
    """Creates and list pages at each store size of ``settings.growth_points``."""
    points: list[dict[str, Any]] = []
    async with _session(settings.concurrency) as session:
        await _reset(session, base_url)
        stored = 0
        for target in settings.growth_points:
            if target > stored:
                fill = _create_op(session, base_url, f"grow{target}")
                await drive(fill, target - stored, settings.concurrency)
                stored = target
            create_op = _create_op(session, base_url, f"grown{target}")
            creates = await _timed(create_op, settings.growth_creates, settings.concurrency, pid)
            _report(f"growth creates from {stored}", 0, 1, creates)
            stored += settings.growth_creates
            list_op = _list_op(session, base_url)
            lists = await _timed(list_op, settings.growth_lists, settings.concurrency, pid)
            _report(f"growth lists at {stored}", 0, 1, lists)
            points.append(
                {
                    "stored_before": target,
                    "creates": summarise([creates]),
                    "lists_stored": stored,
                    "lists": summarise([lists]),
                }
            )
    return points


def summarise(samples: Sequence[Sample]) -> dict[str, Any]:
    server = [s.server_cpu_us_per_op for s in samples]
    known = [value for value in server if value is not None]
    return {
        "median_ops_per_s": round(statistics.median(s.ops_per_second for s in samples), 1),
        "min_ops_per_s": round(min(s.ops_per_second for s in samples), 1),
        "max_ops_per_s": round(max(s.ops_per_second for s in samples), 1),
        "median_server_cpu_us_per_op": round(statistics.median(known), 1) if known else None,
        "median_client_cpu_us_per_op": round(
            statistics.median(s.client_cpu_us_per_op for s in samples), 1
        ),
        "rounds_ops_per_s": [round(s.ops_per_second, 1) for s in samples],
    }


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _report(label: str, number: int, rounds: int, sample: Sample) -> None:
    server = sample.server_cpu_us_per_op
    server_text = "   n/a" if server is None else f"{server:6.0f}"
    _progress(
        f"  {label:<26} round {number + 1}/{rounds} {sample.ops_per_second:8.0f} req/s "
        f"server {server_text} us cpu/req, client {sample.client_cpu_us_per_op:4.0f}"
    )


async def _series(
    label: str, rounds: int, make: Callable[[int], Awaitable[Sample]]
) -> list[Sample]:
    samples = []
    for number in range(rounds):
        sample = await make(number)
        _report(label, number, rounds, sample)
        samples.append(sample)
    return samples


def run_sandbox_benchmark(settings: SandboxSettings) -> dict[str, Any]:
    """Every series; starts and stops the sandbox and the canned server itself."""
    results: dict[str, Any] = {"settings": attrs.asdict(settings)}
    rounds = settings.rounds
    with SandboxProcess() as sandbox:
        url, pid = sandbox.base_url, sandbox.pid
        _progress(f"sandbox: pid {pid} on {url} ...")

        async def sandbox_series() -> dict[str, list[Sample]]:
            raw = await _series(
                "sandbox raw creates",
                rounds,
                lambda n: raw_create_round(url, pid, settings, reset=True, tag=f"raw{n}"),
            )
            sdk = await _series(
                "sandbox invoceanio creates",
                rounds,
                lambda n: sdk_create_round(url, pid, settings, reset=True, tag=f"sdk{n}"),
            )
            stored = await fill_store(url, settings)
            results["list_store_size"] = stored
            lists = await _series(
                f"sandbox lists ({stored} stored)",
                rounds,
                lambda n: list_round(url, pid, settings),
            )
            results["growth"] = await growth_series(url, pid, settings)
            return {"creates_raw": raw, "creates_invoceanio": sdk, "lists_raw": lists}

        sandbox_samples = asyncio.run(sandbox_series())
    with ServerProcess() as server:
        canned_url, canned_pid = server.base_url, server.pid
        _progress(f"canned server: pid {canned_pid} on {canned_url} ...")

        async def canned_series() -> dict[str, list[Sample]]:
            raw = await _series(
                "canned raw creates",
                rounds,
                lambda n: raw_create_round(
                    canned_url, canned_pid, settings, reset=False, tag=f"raw{n}"
                ),
            )
            sdk = await _series(
                "canned invoceanio creates",
                rounds,
                lambda n: sdk_create_round(
                    canned_url, canned_pid, settings, reset=False, tag=f"sdk{n}"
                ),
            )
            return {"creates_raw": raw, "creates_invoceanio": sdk}

        canned_samples = asyncio.run(canned_series())
    results["sandbox"] = {name: summarise(s) for name, s in sandbox_samples.items()}
    results["canned_server"] = {name: summarise(s) for name, s in canned_samples.items()}
    sandbox_raw = results["sandbox"]["creates_raw"]["median_ops_per_s"]
    canned_raw = results["canned_server"]["creates_raw"]["median_ops_per_s"]
    sandbox_sdk = results["sandbox"]["creates_invoceanio"]["median_ops_per_s"]
    canned_sdk = results["canned_server"]["creates_invoceanio"]["median_ops_per_s"]
    results["ratios"] = {
        "sandbox_to_canned_raw_creates": round(sandbox_raw / canned_raw, 3),
        "sandbox_to_canned_invoceanio_creates": round(sandbox_sdk / canned_sdk, 3),
        "sandbox_raw_creates_to_canned_invoceanio_creates": round(sandbox_raw / canned_sdk, 3),
    }
    return results


# --- profiling ------------------------------------------------------------------------------------


def profile_sandbox(settings: SandboxSettings, top: int = 30) -> None:
    """Run the sandbox process under cProfile during one create and one list round; print it."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sandbox.prof"
        with SandboxProcess(profile_to=path) as sandbox:
            url, pid = sandbox.base_url, sandbox.pid

            async def load() -> None:
                sample = await raw_create_round(url, pid, settings, reset=True, tag="prof")
                _report("profiled creates", 0, 1, sample)
                await fill_store(url, settings)
                sample = await list_round(url, pid, settings)
                _report("profiled lists", 0, 1, sample)

            asyncio.run(load())
        stats = pstats.Stats(str(path))
        stats.sort_stats("tottime").print_stats(top)
        stats.sort_stats("cumulative").print_stats(top)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sandbox_throughput")
    parser.add_argument(
        "--profile", action="store_true", help="profile the sandbox process instead (cProfile)"
    )
    args = parser.parse_args(argv)
    if args.profile:
        profile_sandbox(SandboxSettings(rounds=1))
        return
    import json

    print(json.dumps(run_sandbox_benchmark(SandboxSettings()), indent=2))


if __name__ == "__main__":
    main()
