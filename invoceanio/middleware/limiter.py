"""Client-wide limits: how many requests may be in flight, and optionally how many per second.

It sits below the retry middleware, so a request sleeping in backoff gives its slot back.

The limiter belongs to the event loop it is first used in (its waits are bound to that loop, as
the client's transport is): using the same client from another loop raises
:class:`~invoceanio.errors.ConfigurationError` at once, rather than a ``RuntimeError`` later
and only when requests happen to wait.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable

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
    """Evenly spaced starts, at most ``rate_per_second`` (so bursts are smoothed, never
    refused).

    A caller that finds the next start time already reached goes at once. Others wait in line,
    oldest first, and only the one at the front sleeps: a start time is booked when its request
    really starts, so a caller cancelled while waiting (a handler's timeout) books nothing and
    delays no one after it.
    """

    def __init__(
        self,
        rate_per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        _check_rate(rate_per_second)
        self._interval = 1.0 / rate_per_second
        self._next_start = 0.0
        self._clock = clock
        self._sleep = sleep
        self._queued = 0
        self._line = asyncio.Lock()

    async def wait(self) -> None:
        now = self._clock()
        if not self._queued and now >= self._next_start:
            self._next_start = now + self._interval
            return
        self._queued += 1
        try:
            async with self._line:
                delay = self._next_start - self._clock()
                if delay > 0:
                    await self._sleep(delay)
                # Booked only now, once nothing can cancel it any more.
                self._next_start = max(self._clock(), self._next_start) + self._interval
        finally:
            self._queued -= 1


class LimiterMiddleware:
    def __init__(
        self,
        max_concurrency: int,
        rate_per_second: float | None = None,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if (
            isinstance(max_concurrency, bool)
            or not isinstance(max_concurrency, int)
            or max_concurrency < 1
        ):
            raise ConfigurationError("max_concurrency must be an int of at least 1")
        self.max_concurrency = max_concurrency
        self._slots = asyncio.Semaphore(max_concurrency)
        self._pacer = None if rate_per_second is None else Pacer(rate_per_second, sleep=sleep)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._busy = 0  # requests past the loop check and not finished

    def _check_loop(self) -> None:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            if self._loop is not None:
                raise ConfigurationError(
                    "the client's concurrency limiter is bound to the event loop it was first "
                    "used in; create one client per event loop"
                )
            self._loop = loop

    async def __call__(self, request: Request, call_next: Send) -> Response:
        # Asking which loop runs costs a system call, so only a request that finds nothing in
        # flight asks. That is every request of another loop: none of them gets past here, so
        # they never make the count non-zero (loops run one after another: a client is not
        # shared between threads).
        if not self._busy:
            self._check_loop()
        self._busy += 1
        try:
            # Pace first: a request waiting for its start time must not hold a concurrency slot.
            if self._pacer is not None:
                await self._pacer.wait()
            async with self._slots:
                return await call_next(request)
        finally:
            self._busy -= 1
