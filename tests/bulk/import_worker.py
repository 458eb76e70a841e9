"""A bulk import in a process of its own, to be killed (``kill -9``) and resumed by a test.

    python -m tests.bulk.import_worker URL TOKEN JOURNAL COUNT

Imports ``COUNT`` deterministic invoices (oids ``K-0``...) with the journal, printing ``done N``
after every item and ``report created existed skipped failed`` at the end.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator

from invoceanio import InvoiceOcean, RetryPolicy
from invoceanio.importer import ImportItem, ImportProgress


def items(count: int) -> Iterator[ImportItem]:
    for number in range(count):
        yield ImportItem(
            {
                "buyer_name": f"Buyer {number % 13}",
                "positions": [
                    {"name": f"Item {number}", "tax": 23, "total_price_gross": f"{number}.99"}
                ],
            },
            key=f"K-{number}",
        )


async def main(url: str, token: str, journal: str, count: int) -> None:
    def progress(state: ImportProgress) -> None:
        print(f"done {state.done}", flush=True)

    retry = RetryPolicy(backoff_base=0.01, backoff_max=0.05)
    async with InvoiceOcean(base_url=url, api_token=token, retry=retry, timeout=10) as io:
        report = await io.invoices.create_many(
            items(count), concurrency=4, journal=journal, on_progress=progress
        )
    print(f"report {report.created} {report.existed} {report.skipped} {report.failed}", flush=True)


if __name__ == "__main__":
    url, token, journal, count = sys.argv[1:5]
    asyncio.run(main(url, token, journal, int(count)))
