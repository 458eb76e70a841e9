"""Creates per second of two commits of invoceanio, interleaved, beside raw aiohttp.

Why: the throughput tables of :mod:`benchmarks` are one machine's figures on one day, and that
machine's speed moves by a factor of three from day to day (a shared host). Whether a change
slowed ``io.invoices.create`` down can only be told by running the code before and after it
side by side, round after round, against the same server. This does that:

- the ``--base`` commit is checked out into a temporary ``git worktree`` (removed afterwards);
  the working tree is the other side;
- each round runs every variant in a process of its own (so neither imports the other's
  code): raw aiohttp, raw aiohttp that also decodes and structures the answer (the floor of
  any client returning a typed ``Invoice``), and ``io.invoices.create`` of each commit; the
  order rotates from round to round;
- the server is :mod:`benchmarks.server` in its own process, shared by every round;
- the figures are the medians of the rounds: creates per second, its ratio to raw aiohttp, and
  the client process's CPU per create (the cleaner figure on a 2-core machine).

``python -m benchmarks.compare_commits --base ec33cb4 [--rounds 6] [--concurrency 32]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

__all__ = ["Variant", "main", "summarise"]

_REPO: Final = Path(__file__).resolve().parent.parent

Variant = tuple[str, Path, str]  # name, the tree its code comes from, the client kind


def summarise(samples: dict[str, list[dict[str, float]]], baseline: str) -> list[dict[str, Any]]:
    """One row per variant: median creates/s, its ratio to ``baseline``'s, median CPU µs."""
    base = statistics.median(sample["ops"] for sample in samples[baseline])
    rows = []
    for name, rounds in samples.items():
        ops = statistics.median(sample["ops"] for sample in rounds)
        rows.append(
            {
                "variant": name,
                "ops_per_s": round(ops, 1),
                "ratio": round(ops / base, 3),
                "cpu_us_per_op": round(statistics.median(s["cpu"] for s in rounds), 1),
                "rounds": len(rounds),
            }
        )
    return rows


# Run with ``python -c`` in the child, so that it needs nothing of this module: the base commit
# may predate it. ``create_throughput``'s rounds are the ones the published tables use.
_CHILD: Final = """
import asyncio, json, sys
from benchmarks import create_throughput as bench
kind, url, concurrency, requests = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
run = {"raw_aiohttp": bench.raw_round, "raw_aiohttp_structured": bench.raw_structured_round,
       "invoceanio": bench.sdk_round}[kind]
sample = asyncio.run(run(url, concurrency, requests, max(requests // 10, 100)))
print(json.dumps({"ops": sample.ops_per_second, "cpu": sample.cpu_us_per_op}))
"""


def _one_round(
    tree: Path, kind: str, url: str, concurrency: int, requests: int
) -> dict[str, float]:
    # The child imports benchmarks and invoceanio from ``tree``: its own commit's code.
    environment = dict(os.environ, PYTHONPATH=str(tree))
    command = [sys.executable, "-c", _CHILD, kind, url, str(concurrency), str(requests)]
    done = subprocess.run(
        command, env=environment, cwd=tree, capture_output=True, text=True, check=True
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def compare(
    variants: Sequence[Variant], *, rounds: int, concurrency: int, requests: int
) -> list[dict[str, Any]]:
    from benchmarks.server import ServerProcess

    samples: dict[str, list[dict[str, float]]] = {name: [] for name, _, _ in variants}
    with ServerProcess() as server:
        for number in range(rounds):
            shift = number % len(variants)
            for name, tree, kind in [*variants[shift:], *variants[:shift]]:
                sample = _one_round(tree, kind, server.base_url, concurrency, requests)
                samples[name].append(sample)
                print(
                    f"round {number + 1}/{rounds} {name:<12} {sample['ops']:8.0f}/s "
                    f"{sample['cpu']:6.0f} us cpu",
                    file=sys.stderr,
                    flush=True,
                )
    return summarise(samples, variants[0][0])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.compare_commits", description=__doc__
    )
    parser.add_argument("--base", required=True, help="the commit to compare the working tree with")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--requests", type=int, default=3000, help="creates per round")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="invoceanio-base-") as scratch:
        tree = Path(scratch) / "tree"
        subprocess.run(
            ["git", "-C", str(_REPO), "worktree", "add", "--detach", "-q", str(tree), args.base],
            check=True,
        )
        try:
            variants: list[Variant] = [
                ("raw", _REPO, "raw_aiohttp"),
                ("raw+model", _REPO, "raw_aiohttp_structured"),
                (f"base {args.base}", tree, "invoceanio"),
                ("working tree", _REPO, "invoceanio"),
            ]
            rows = compare(
                variants, rounds=args.rounds, concurrency=args.concurrency, requests=args.requests
            )
        finally:
            subprocess.run(
                ["git", "-C", str(_REPO), "worktree", "remove", "--force", str(tree)], check=False
            )
    for row in rows:
        print(
            f"{row['variant']:<20} {row['ops_per_s']:8.0f}/s  {row['ratio']:.2f}x  "
            f"{row['cpu_us_per_op']:6.0f} us cpu  ({row['rounds']} rounds)"
        )


if __name__ == "__main__":
    main()
