"""``python -m benchmarks``: invoceanio beside raw aiohttp and its peers, in one run (issue 6).

Runs every scenario of :mod:`benchmarks.suite` against servers in separate processes, then
writes ``benchmarks/results.json``, the table between the ``results`` markers of
``benchmarks/README.md`` and ``benchmarks/throughput.png`` (creates/s against concurrency).
When a goal is missed, a full run also profiles invoceanio's creates at concurrency 32 into
``benchmarks/profile-create.txt`` (pyinstrument when installed, cProfile otherwise), so the
published figures come with the evidence of where the time goes.

``--quick`` (under two minutes on two cores) runs every scenario with fewer requests and
rounds; it, and a run of some scenarios only (``--only``), write into ``benchmarks/quick/``
instead, leaving the published figures alone.
Peers are benchmark-only dependencies: ``pip install -e '.[orjson,bench]'`` (``nox -s bench``
does it). The older per-issue benchmarks stay in ``python -m benchmarks.core``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any, Final

import attrs

from benchmarks import report
from benchmarks.core import machine_facts
from benchmarks.suite import FULL, QUICK, SCENARIOS, goals, run_suite

HERE: Final = Path(__file__).resolve().parent
PEERS: Final = ("fakturownia-client", "httpx", "pydantic", "requests", "matplotlib")


def _say(message: str = "") -> None:
    print(message, file=sys.stderr, flush=True)


def _versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in PEERS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def _profile(output_dir: Path) -> Path:
    from benchmarks.profile_create import profile_creates

    path = output_dir / "profile-create.txt"
    _say("a goal is missed: profiling invoceanio creates at c=32 ...")
    path.write_text(profile_creates(concurrency=32, requests=3000))
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer requests and rounds")
    parser.add_argument(
        "--only", action="append", choices=SCENARIOS, help="run only this scenario (repeatable)"
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=None,
        help="where results.json and throughput.png go (default: benchmarks/ for a full run "
        "of every scenario, which also updates the README table; benchmarks/quick/ for a "
        "--quick or --only run)",
    )
    parser.add_argument(
        "--no-profile", action="store_true", help="skip the profile of a missed goal"
    )
    args = parser.parse_args(argv)
    quick: bool = args.quick
    only: list[str] = args.only or list(SCENARIOS)
    complete = set(only) == set(SCENARIOS)
    # Only a full run of everything replaces the published figures; anything less would leave
    # a results.json that silently lacks scenarios, or mixes quick figures into the table.
    published = complete and not quick
    output_dir: Path = args.output_dir or (HERE if published else HERE / "quick")
    output_dir.mkdir(parents=True, exist_ok=True)
    settings = QUICK if quick else FULL

    machine = machine_facts()
    started = time.perf_counter()
    rows = report.add_ratios(run_suite(settings, only))
    machine["load_average_1m_at_end"] = round(os.getloadavg()[0], 2)
    document: dict[str, Any] = {
        "command": " ".join(
            ["python -m benchmarks", *(["--quick"] if quick else [])]
            + ([] if complete else [f"--only {name}" for name in only])
        ),
        "mode": "quick" if quick else "full",
        "machine": machine,
        "peers": _versions(),
        "settings": attrs.asdict(settings),
        "seconds": round(time.perf_counter() - started, 1),
        "results": rows,
        "goals": goals(rows),
    }
    results_path = output_dir / "results.json"
    results_path.write_text(json.dumps(document, indent=2) + "\n")
    table = report.markdown_table(document)
    (output_dir / "table.md").write_text(table + "\n")
    report.write_plot(document, output_dir / "throughput.png")
    if published and output_dir == HERE:
        report.update_readme(HERE / "README.md", table)
    missed = any(goal["met"] is False for goal in document["goals"])
    if missed and published and not args.no_profile:
        _say(f"profile written to {_profile(output_dir)}")
    _say()
    _say(table)
    _say(f"\nresults written to {results_path} ({document['seconds']} s)")


if __name__ == "__main__":
    main()
