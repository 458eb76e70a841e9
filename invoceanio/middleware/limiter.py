"""Client-wide limits: how many requests may be in flight, and optionally how many per second.

It sits below the retry middleware, so a request sleeping in backoff gives its slot back. A
request whose call's deadline (the retry policy's, see :mod:`invoceanio.middleware.deadline`)
passes before it gets a slot, or falls before its start time, is refused unsent with
``RequestTimeout(phase="deadline")`` instead of waiting on: only a request that has to wait asks.

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
from invoceanio.middleware import deadline

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
    delays no one after it. Neither does a request refused because its call's deadline falls
    before its start time (see :meth:`wait`).
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

    async def wait(self, request: Request | None = None) -> None:
        """Return at this caller's start time.

        With ``request`` (the request about to start), a start time after its call's deadline
        raises ``RequestTimeout(phase="deadline")`` at once, before it joins the line.
        """
        now = self._clock()
        if not self._queued and now >= self._next_start:
            self._next_start = now + self._interval
            return
        if request is not None:
            self._check_deadline(request, now)
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

    def _check_deadline(self, request: Request, now: float) -> None:
        """Refuse, unsent, a request whose call's deadline falls before its start time.

        Decided up front, from the wait the line makes: the one at its front starts at the
        booked time, each after it one interval later. Not by asking the deadline again after
        sleeping: the deadline is read on the retry policy's clock, which an injected sleep
        (a test's) does not move, and neither does this pacer's own clock have to be the same.
        """
        left = deadline.seconds_left()
        if left is None:
            return
        wait = max(0.0, self._next_start - now) + self._queued * self._interval
        if wait > left:
            raise deadline.not_sent(
                request,
                f"the rate limit ({1 / self._interval:g} a second) starts it in {wait:.1f} s, "
                f"and this call's deadline ends in {max(0.0, left):.1f} s",
            )


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
                await self._pacer.wait(request)
            if self._slots.locked():
                await self._wait_for_slot(request)
            else:
                await self._slots.acquire()  # free: taken at once, nothing awaited for real
            try:
                return await call_next(request)
            finally:
                self._slots.release()
        finally:
            self._busy -= 1

    async def _wait_for_slot(self, request: Request) -> None:
        """Take a slot once one comes free, refusing the request unsent once its call's
        deadline has passed (the wait, on other requests finishing, is bounded by a timer of
        the loop: see :func:`~invoceanio.middleware.deadline.wait_at_most`). The semaphore
        cleans up after the timer's cancel as after any: it leaves the line, and passes on a
        slot it had just been given."""
        left = deadline.seconds_left()
        if left is None:
            await self._slots.acquire()
        elif left <= 0 or not await deadline.wait_at_most(left, self._slots.acquire()):
            raise deadline.not_sent(
                request,
                "this call's deadline passed before one of the client's "
                f"{self.max_concurrency} places in flight (max_concurrency) came free",
            )
