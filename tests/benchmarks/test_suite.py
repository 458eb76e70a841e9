"""benchmarks/suite.py's verdicts and benchmarks/server.py's answers, without timing anything.

The suite's figures are only as good as the server every client talks to and the arithmetic of
the goals: a server whose pages overlap would make ``iterate`` stop early (or raise on a page
that repeats), and a goal judged on the wrong row would publish a wrong verdict.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from benchmarks.server import build_app
from benchmarks.suite import goals


def _row(scenario: str, client: str, variant: str, value: float, concurrency: int = 32) -> Any:
    return {
        "scenario": scenario,
        "client": client,
        "variant": variant,
        "concurrency": concurrency,
        "value": value,
        "unit": "ops/s",
    }


def test_goals_are_judged_on_the_concurrency_32_rows_of_this_run() -> None:
    rows = [
        _row("create_loopback", "raw_aiohttp", "", 10000),
        _row("create_loopback", "invoceanio", "create", 8000),
        _row("create_loopback", "invoceanio", "create", 100, concurrency=8),
        _row("create_loopback", "fakturownia_client", "create_invoice", 2000),
        _row("create_latency50", "invoceanio", "create", 570),
        _row("create_latency50", "raw_aiohttp", "", 630),
    ]
    loopback, peer, latency = goals(rows)
    assert (loopback["actual"], loopback["met"]) == ("0.80x", True)
    assert (peer["actual"], peer["met"]) == ("4.00x", False)
    assert (latency["actual"], latency["met"]) == ("89.06%", False)


def test_a_goal_without_its_figures_is_not_measured_rather_than_missed() -> None:
    verdicts = goals([_row("create_loopback", "invoceanio", "create", 8000)])
    assert [goal["met"] for goal in verdicts] == [None, None, None]
    assert {goal["actual"] for goal in verdicts} == {"not measured"}


async def _client(**options: Any) -> TestClient[Any, Any]:
    client: TestClient[Any, Any] = TestClient(TestServer(build_app(**options)))
    await client.start_server()
    return client


async def test_the_server_pages_through_its_invoices_newest_first_and_ends_with_an_empty_page() -> (
    None
):
    client = await _client(invoices=250)
    try:
        ids: list[int] = []
        sizes: list[int] = []
        for page in range(1, 5):
            response = await client.get(f"/invoices.json?page={page}&per_page=100")
            assert response.status == 200
            items = json.loads(await response.read())
            sizes.append(len(items))
            ids += [item["id"] for item in items]
        assert sizes == [100, 100, 50, 0]
        assert ids == list(range(250, 0, -1))
        first = json.loads(await (await client.get("/invoices.json?page=1&per_page=100")).read())
        assert len(first[0]["positions"]) == 3
        oid_lookup = await client.get("/invoices.json?oid=x&period=all")
        assert json.loads(await oid_lookup.read()) == []
        bad = await client.get("/invoices.json?page=0&per_page=100")
        assert bad.status == 422
    finally:
        await client.close()


async def test_the_server_answers_creates_with_201_and_delays_every_answer_by_its_latency() -> None:
    client = await _client(latency_ms=60)
    try:
        start = time.perf_counter()
        response = await client.post("/invoices.json", data=b'{"invoice": {}}')
        elapsed = time.perf_counter() - start
        assert response.status == 201
        assert json.loads(await response.read())["id"] > 0
        assert elapsed >= 0.055  # asyncio may wake a timer a hair early; 0 would fail
    finally:
        await client.close()


def test_a_bulk_memory_child_loads_no_client_library_but_its_own() -> None:
    """Each child's peak must be its own client's: a child that imported invoceanio and
    aiohttp before importing fakturownia-client would charge their memory to the peer."""
    script = (
        "import sys, benchmarks.bulk_memory\n"
        "names = ('aiohttp', 'invoceanio', 'httpx', 'pydantic', 'requests', 'fakturownia_client')\n"
        "print([name for name in names if name in sys.modules])"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
    )
    assert completed.stdout.strip() == "[]"
