"""Client-wide limits: how many requests may be in flight, and optionally how many per second.

It sits below the retry middleware, so a request sleeping in backoff gives its slot back.
"""

from __future__ import annotations

import asyncio
import time

from invoceanio.errors import ConfigurationError
from invoceanio.http import Request, Response, Send

__all__ = ["LimiterMiddleware"]


class LimiterMiddleware:
    def __init__(self, max_concurrency: int, rate_per_second: float | None = None) -> None:
        if max_concurrency < 1:
            raise ConfigurationError("max_concurrency must be at least 1")
        if rate_per_second is not None and rate_per_second <= 0:
            raise ConfigurationError("rate_per_second must be positive")
        self.max_concurrency = max_concurrency
        self._slots = asyncio.Semaphore(max_concurrency)
        self._interval = 1.0 / rate_per_second if rate_per_second else 0.0
        self._next_start = 0.0

    async def _pace(self) -> None:
        # Evenly spaced starts: each caller reserves the next free start time, then waits for it.
        now = time.monotonic()
        start = max(now, self._next_start)
        self._next_start = start + self._interval
        if start > now:
            await asyncio.sleep(start - now)

    async def __call__(self, request: Request, call_next: Send) -> Response:
        async with self._slots:
            if self._interval:
                await self._pace()
            return await call_next(request)
