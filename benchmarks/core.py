"""``python -m benchmarks.core``: the core benchmarks of issues 2 and 3, figures as JSON on stdout.

Runs, in order: the decode/structure of a 100-invoice page (JSON and XML), the per-step CPU
breakdown of one create, and the create throughput of invoceanio against raw aiohttp at
concurrency 1, 8 and 32 against a loopback server in a separate process, and the throughput of
the sandbox (``invoceanio sandbox``, issue 3) against that server. Progress and a
readable summary go to stderr; the results JSON goes to stdout and, for the full run, to
``benchmarks/results-core.json``.

``--quick`` (about a minute) is for checking that everything works; the figures in
``benchmarks/README.md`` come from the full run (a few minutes on a 2-core machine).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any, Final

import aiohttp

from benchmarks.create_breakdown import run_breakdown
from benchmarks.create_throughput import CreateSettings, run_create_benchmark
from benchmarks.decode_page import DecodeSettings, run_decode_benchmark
from benchmarks.sandbox_throughput import SandboxSettings, run_sandbox_benchmark
from benchmarks.server import ServerProcess
from invoceanio import __version__ as invoceanio_version
from invoceanio.codecs import json as json_codec

GOAL_CONCURRENCY: Final = 32
GOAL_RATIO: Final = 0.8
DEFAULT_OUTPUT: Final = Path(__file__).resolve().parent / "results-core.json"
BENCHMARKS: Final = ("decode", "breakdown", "create", "sandbox")

FULL: Final = {
    "create": CreateSettings(requests=3000, warmup=300, rounds=7),
    "decode": DecodeSettings(repetitions=100),
    "breakdown_loops": 500,
    "sandbox": SandboxSettings(),
}
QUICK: Final = {
    "create": CreateSettings(requests=600, warmup=100, rounds=3),
    "decode": DecodeSettings(repetitions=10),
    "breakdown_loops": 100,
    "sandbox": SandboxSettings(
        creates=500,
        create_warmup=50,
        lists=200,
        list_warmup=20,
        rounds=3,
        growth_points=(0, 2000),
        growth_creates=300,
        growth_lists=100,
    ),
}


def machine_facts() -> dict[str, Any]:
    load = os.getloadavg()
    loop = asyncio.new_event_loop()
    loop_name = type(loop).__name__
    loop.close()
    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "aiohttp": aiohttp.__version__,
        "invoceanio": invoceanio_version,
        # The codec picks orjson at import when it is installed.
        "orjson_in_use": getattr(json_codec, "orjson", None) is not None,
        "event_loop": loop_name,
        "executable": sys.executable,
        "load_average_1m_at_start": round(load[0], 2),
        "note": "server and client share the machine's cores (separate processes)",
    }


def _say(message: str = "") -> None:
    print(message, file=sys.stderr, flush=True)


def _summary(results: dict[str, Any]) -> None:
    facts = results["machine"]
    _say()
    _say(
        f"machine: {facts['cpu_count']} cores, Python {facts['python']}, "
        f"aiohttp {facts['aiohttp']}, orjson {'on' if facts['orjson_in_use'] else 'off'}, "
        f"load {facts['load_average_1m_at_start']} -> {facts['load_average_1m_at_end']}"
    )
    if "decode" in results:
        _say("\ndecode + structure of a 100-invoice page (median ms, best in brackets)")
        _say(f"  {'format':<12} {'decode':>16} {'structure':>16} {'total':>16}")
        for name, row in results["decode"]["formats"].items():
            best = row["best_ms"]
            _say(
                f"  {name:<12} {row['decode_ms']:>7.2f} ({best['decode']:>6.2f}) "
                f"{row['structure_ms']:>7.2f} ({best['structure']:>6.2f}) "
                f"{row['total_ms']:>7.2f} ({best['total']:>6.2f})"
            )
    if "breakdown" in results:
        _say("\none create, CPU per step (best of repeats, us)")
        for name, value in results["breakdown"]["us_per_op"].items():
            _say(f"  {name:<42} {value:>8.1f}")
        _say("objects left in reference cycles per create (freed only by the gc)")
        for name, value in results["breakdown"]["objects_in_reference_cycles_per_create"].items():
            _say(f"  {name:<42} {value:>8.1f}")
    if "create" in results:
        _say("\ncreates per second (median of rounds); client CPU us per create")
        _say(
            f"  {'conc.':>5} {'raw':>7} {'raw+model':>9} {'invoceanio':>10} {'ratio':>6}"
            f" {'cpu raw':>8} {'cpu raw+model':>13} {'cpu invoceanio':>14}"
        )
        for concurrency, row in results["create"]["concurrency"].items():
            raw = row["raw_aiohttp"]
            model = row["raw_aiohttp_structured"]
            sdk = row["invoceanio"]
            _say(
                f"  {concurrency:>5} {raw['median_ops_per_s']:>7.0f} "
                f"{model['median_ops_per_s']:>9.0f} {sdk['median_ops_per_s']:>10.0f} "
                f"{row['ratio_invoceanio_to_raw']:>6.2f} "
                f"{raw['median_client_cpu_us_per_op']:>8.0f} "
                f"{model['median_client_cpu_us_per_op']:>13.0f} "
                f"{sdk['median_client_cpu_us_per_op']:>14.0f}"
            )
        goal = results["create"]["goal"]
        verdict = "MET" if goal["met"] else "NOT MET"
        _say(
            f"\ngoal: invoceanio >= {GOAL_RATIO}x raw aiohttp at concurrency {GOAL_CONCURRENCY}: "
            f"{verdict} (ratio {goal['ratio']})"
        )
    if "sandbox" in results:
        sandbox = results["sandbox"]
        concurrency = sandbox["settings"]["concurrency"]
        _say(f"\nsandbox vs canned server, c={concurrency} (median req/s; server CPU us/req)")
        rows = [
            ("sandbox raw creates", sandbox["sandbox"]["creates_raw"]),
            ("sandbox invoceanio creates", sandbox["sandbox"]["creates_invoceanio"]),
            (
                f"sandbox lists ({sandbox['list_store_size']} stored)",
                sandbox["sandbox"]["lists_raw"],
            ),
            ("canned raw creates", sandbox["canned_server"]["creates_raw"]),
            ("canned invoceanio creates", sandbox["canned_server"]["creates_invoceanio"]),
        ]
        rows += [
            (f"growth creates from {point['stored_before']}", point["creates"])
            for point in sandbox["growth"]
        ]
        rows += [
            (f"growth lists at {point['lists_stored']}", point["lists"])
            for point in sandbox["growth"]
        ]
        for name, row in rows:
            server_cpu = row["median_server_cpu_us_per_op"]
            cpu_text = "n/a" if server_cpu is None else f"{server_cpu:.0f}"
            _say(f"  {name:<30} {row['median_ops_per_s']:>8.0f} {cpu_text:>8}")


def _goal(create: dict[str, Any]) -> dict[str, Any]:
    row = create["concurrency"].get(str(GOAL_CONCURRENCY))
    if row is None:
        return {"concurrency": GOAL_CONCURRENCY, "target_ratio": GOAL_RATIO, "met": None}
    ratio = row["ratio_invoceanio_to_raw"]
    return {
        "concurrency": GOAL_CONCURRENCY,
        "target_ratio": GOAL_RATIO,
        "ratio": ratio,
        "met": ratio >= GOAL_RATIO,
    }


def run(quick: bool, only: list[str]) -> dict[str, Any]:
    settings = QUICK if quick else FULL
    results: dict[str, Any] = {
        "command": "python -m benchmarks.core" + (" --quick" if quick else ""),
        "mode": "quick" if quick else "full",
        "machine": machine_facts(),
    }
    started = time.perf_counter()
    if "decode" in only:
        _say("decode: 100-invoice page, JSON and XML ...")
        decode_settings = settings["decode"]
        assert isinstance(decode_settings, DecodeSettings)
        results["decode"] = run_decode_benchmark(decode_settings)
    if "breakdown" in only:
        _say("breakdown: one create, step by step ...")
        loops = settings["breakdown_loops"]
        assert isinstance(loops, int)
        results["breakdown"] = run_breakdown(loops)
    if "create" in only:
        create_settings = settings["create"]
        assert isinstance(create_settings, CreateSettings)
        with ServerProcess() as server:
            _say(f"create: server pid {server.pid} on {server.base_url} ...")
            create = asyncio.run(run_create_benchmark(server.base_url, create_settings))
        create["goal"] = _goal(create)
        results["create"] = create
    if "sandbox" in only:
        sandbox_settings = settings["sandbox"]
        assert isinstance(sandbox_settings, SandboxSettings)
        results["sandbox"] = run_sandbox_benchmark(sandbox_settings)
    results["machine"]["load_average_1m_at_end"] = round(os.getloadavg()[0], 2)
    results["seconds"] = round(time.perf_counter() - started, 1)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.core", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="fewer requests and rounds (about a minute)"
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=BENCHMARKS,
        help="run only this benchmark (repeatable; default: all)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help=f"write the results JSON here (default for a full run: {DEFAULT_OUTPUT.name}; "
        "a quick run writes no file unless given one)",
    )
    args = parser.parse_args(argv)
    only: list[str] = args.only or list(BENCHMARKS)
    results = run(args.quick, only)
    _summary(results)
    output: Path | None = args.output
    if output is None and not args.quick and set(only) == set(BENCHMARKS):
        output = DEFAULT_OUTPUT
    text = json.dumps(results, indent=2)
    if output is not None:
        output.write_text(text + "\n")
        _say(f"\nresults written to {output}")
    print(text)


if __name__ == "__main__":
    main()
