"""An import killed with SIGKILL at random points, three times, then resumed from its journal:
every invoice exists exactly once, and what was confirmed before a kill is not sent again."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
from collections import Counter
from pathlib import Path

from invoceanio.sandbox import FaultConfig, Sandbox

COUNT = 300
ROOT = Path(__file__).resolve().parents[2]


async def _run_worker(url: str, token: str, journal: Path, kill_after: int | None) -> list[str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.bulk.import_worker",
        url,
        token,
        str(journal),
        str(COUNT),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None
    lines: list[str] = []
    while line := (await process.stdout.readline()).decode().strip():
        lines.append(line)
        if kill_after is not None and line == f"done {kill_after}":
            process.send_signal(signal.SIGKILL)
            break
    await process.wait()
    return lines


async def test_killed_three_times_and_resumed_makes_every_invoice_once(tmp_path: Path) -> None:
    journal = tmp_path / "import.journal"
    rng = random.Random(20261201)
    # Drops after the create was stored make the kill land between "sent" and "confirmed" too.
    faults = FaultConfig(seed=5, drop_after_store_rate=0.05, error_rate=0.05)
    async with Sandbox(token="kill-token", faults=faults) as sandbox:
        # Each run goes through the input from the start, skipping what is confirmed, so its
        # "done N" counts those too: kill at N items of the whole import.
        kills = sorted(rng.sample(range(10, COUNT - 10), 3))
        for kill_after in kills:
            lines = await _run_worker(sandbox.url, sandbox.token, journal, kill_after)
            assert lines[-1] == f"done {kill_after}", lines[-3:]
        lines = await _run_worker(sandbox.url, sandbox.token, journal, None)
        oids = Counter(str(record["oid"]) for record in sandbox.store.records("invoices"))
    created, existed, skipped, failed = map(int, lines[-1].split()[1:])
    assert failed == 0
    assert set(oids) == {f"K-{n}" for n in range(COUNT)} and max(oids.values()) == 1
    # The last run skipped what the earlier runs had confirmed, and finished the rest.
    assert skipped >= kills[-1] - 4 * 3  # at most the in-flight items of each kill were unconfirmed
    assert created + existed + skipped == COUNT
