"""Client-wide limits: how many requests may be in flight, and optionally how many per second.

It sits below the retry middleware, so a request sleeping in backoff gives its slot back.
"""

from __future__ import annotations

import asyncio
import math
import time

from invoceanio.errors import ConfigurationError
from invoceanio.http import Request, Response, Send

__all__ = ["LimiterMiddleware", "Pacer"]


def _check_rate(rate_per_second: float) -> None:
    if (
        isinstance(rate_per_second, bool)
        or not isinstance(rate_per_second, int | float)
        # NaN passes "<= 0" and would turn the limit off without a word.
        or not (0 < rate_per_second < math.inf)
    ):
        raise ConfigurationError("a rate must be a positive, finite number")


class Pacer:
    """Evenly spaced starts, at most ``rate_per_second``: each caller reserves the next free
    start time, then waits for it (so bursts are smoothed, never refused)."""

    def __init__(self, rate_per_second: float) -> None:
        _check_rate(rate_per_second)
        self._interval = 1.0 / rate_per_second
        self._next_start = 0.0

    async def wait(self) -> None:
        now = time.monotonic()
        start = max(now, self._next_start)
        self._next_start = start + self._interval
        if start > now:
            await asyncio.sleep(start - now)


class LimiterMiddleware:
    def __init__(self, max_concurrency: int, rate_per_second: float | None = None) -> None:
        if (
            isinstance(max_concurrency, bool)
            or not isinstance(max_concurrency, int)
            or max_concurrency < 1
        ):
            raise ConfigurationError("max_concurrency must be an int of at least 1")
        self.max_concurrency = max_concurrency
        self._slots = asyncio.Semaphore(max_concurrency)
        self._pacer = None if rate_per_second is None else Pacer(rate_per_second)

    async def __call__(self, request: Request, call_next: Send) -> Response:
        # Pace first: a request waiting for its start time must not hold a concurrency slot.
        if self._pacer is not None:
            await self._pacer.wait()
        async with self._slots:
            return await call_next(request)
