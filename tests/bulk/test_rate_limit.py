"""Throttling that finds the limit by itself: against the sandbox's rate limit (requests per
window and concurrent requests per client, answered 429 with Retry-After) an import with no
rate given reaches at least 90% of the allowed rate, fails nothing, and draws 429 on at most
5% of its requests. Scaled down in time (120 requests per 3-second window: Retry-After comes in
whole seconds, so a shorter window would not be the same kind of limit) to keep the suite
quick; the full-size run (1000/minute, 2 concurrent) is in ``benchmarks/bulk_import.py``.
"""

from __future__ import annotations

import time

from invoceanio import InvoiceOcean, RetryPolicy
from invoceanio.importer import ImportItem
from invoceanio.sandbox import FaultConfig, Sandbox
from invoceanio.sandbox.faults import RateLimit

# Requests already on their way when a window fills are all refused (a few per window, at
# most the workers): the window must be large next to them, as the real one (1000) is.
WINDOW = 120  # requests per PER_SECONDS
PER_SECONDS = 3.0
COUNT = 360


async def test_an_import_finds_the_servers_limit_by_itself() -> None:
    faults = FaultConfig(
        seed=3, rate_limit=RateLimit(requests=WINDOW, per_seconds=PER_SECONDS, concurrent=2)
    )
    items = [
        ImportItem(
            {"buyer_name": "B", "positions": [{"name": "A", "tax": 23, "total_price_gross": "1"}]},
            key=f"R-{n}",
        )
        for n in range(COUNT)
    ]
    async with Sandbox(token="rate-token", faults=faults) as sandbox:
        async with InvoiceOcean(
            base_url=sandbox.url, api_token=sandbox.token, retry=RetryPolicy(deadline=None)
        ) as io:
            started = time.monotonic()
            report = await io.invoices.create_many(items, concurrency=4)
            elapsed = time.monotonic() - started
        stats = sandbox.faults.stats()
    assert report.failed == 0 and report.created == COUNT
    throttled = stats["throttled_window"] + stats["throttled_concurrent"]
    assert throttled / stats["requests"] <= 0.05, stats
    # The first window is free; every later one allows WINDOW requests per PER_SECONDS.
    ideal = (COUNT - WINDOW) / (WINDOW / PER_SECONDS)
    assert elapsed <= ideal / 0.9 + 0.5, (elapsed, stats)
