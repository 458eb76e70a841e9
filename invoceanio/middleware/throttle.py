"""Throttling that finds the server's limit by itself (the API documents none).

One :class:`AdaptiveThrottle` per client (per account), just below the retry middleware, so
it sees every attempt:

- **AIMD concurrency.** At most ``limit`` requests are in flight. A throttled answer (429, 503)
  or a timeout cuts the limit to half of what was in flight when it came (multiplicative
  decrease); each success adds ``1/limit`` (additive increase: about one more
  request in flight per round of ``limit`` successes). One cut per congestion event: answers to
  requests sent before the last cut are not counted again, or a single burst of 429s would cut
  the limit to 1.
- **A learned ceiling.** The in-flight count at which the server pushed back is remembered;
  just below it the limit grows ``slow_factor`` times more slowly, and each further push-back at
  the same place doubles that factor. A server that allows two concurrent requests is then
  probed at three less and less often, so throttled answers become rare instead of periodic.
- **A shared pause.** A ``Retry-After`` longer than ``shared_pause_above`` (a second) on one
  answer holds back *every* new request of the client until then (the retry middleware still
  waits for the request that got it), so a window that is full costs one 429, not one per
  worker. A shorter hint is what a server answers an overflow of concurrent requests with:
  the cut answers that, and stalling every request for it would cost more than it saves.
  A hint longer than ``max_pause`` pauses no one: the client sets it to the longest wait its
  retry policy takes (:attr:`RetryPolicy.longest_wait`), so a hint the request that got it
  does not wait for (it raises RateLimitError at once) does not stall every later request
  past its deadline either. A request whose call's own deadline (the retry policy's, see
  :mod:`invoceanio.middleware.deadline`) would pass during a pause is not held: it fails at once,
  unsent, with ``RequestTimeout(phase="deadline")``.

The client-wide ``max_concurrency`` is the ceiling the limit starts at and never exceeds.

Requests that find no free place wait in arrival order, and a freed place wakes exactly one of
them (as :class:`asyncio.Semaphore` does), so a long queue costs one wake-up per request, not one
per request per release. A request whose call's deadline passes while it waits in line leaves
it, unsent, with ``RequestTimeout(phase="deadline")`` too (it asks for the deadline only when it
has to wait: one that finds a free place takes it at once). The queue belongs to the event loop
it is first used in, like the client's transport: a request that has to wait in another loop
raises :class:`ConfigurationError` (the client's limiter refuses every request of another loop).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Final

import attrs
from multidict import CIMultiDict

from invoceanio.errors import ConfigurationError, RequestTimeout
from invoceanio.http import Request, Response, Send
from invoceanio.middleware import deadline
from invoceanio.middleware.retry import parse_retry_after

__all__ = ["AdaptiveThrottle"]

_PUSHBACK: Final = frozenset({429, 503})
#: How much more carefully, at most, the limit creeps back up to a place pushed back at again
#: and again: 16 times, a few hundred answers, whatever the length of the trouble before.
_MAX_SLOWDOWN: Final = 16


class AdaptiveThrottle:
    def __init__(
        self,
        max_concurrency: int,
        *,
        decrease: float = 0.5,
        slow_factor: float = 8.0,
        max_pause: float = 120.0,
        shared_pause_above: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if isinstance(max_concurrency, bool) or not isinstance(max_concurrency, int):
            raise ConfigurationError("max_concurrency must be an int")
        if max_concurrency < 1 or not 0 < decrease < 1 or not slow_factor >= 1:
            raise ConfigurationError("AdaptiveThrottle: bad limits")
        self.max_concurrency = max_concurrency
        self.limit = float(max_concurrency)
        self.in_flight = 0
        self.paused_until = 0.0
        self.pushbacks = 0
        self._decrease = decrease
        self._base_slow = slow_factor
        self._slow = slow_factor
        self._ceiling: float | None = None
        self._max_pause = max_pause
        self._shared_above = shared_pause_above
        self._clock = clock
        self._sleep = sleep
        self._epoch = 0
        # Requests waiting for a place, oldest first; a future is popped when it is woken.
        self._waiters: deque[asyncio.Future[None]] = deque()
        # Woken and not yet back in _acquire: their places are promised, not taken.
        self._woken = 0
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- the gate --------------------------------------------------------------------------------

    def _allowed(self) -> int:
        return max(1, math.floor(self.limit))

    def _check_loop(self) -> asyncio.AbstractEventLoop:
        # Only a request that must wait needs the loop (the way in is plain counting), so only
        # that one pays for asking which loop runs (a system call). The client's limiter, below
        # this, refuses every request of another loop.
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            if self._loop is not None:
                raise ConfigurationError(
                    "the client's AdaptiveThrottle is bound to the event loop it was first used "
                    "in; create one client per event loop"
                )
            self._loop = loop
        return loop

    async def _acquire(self, request: Request) -> int:
        woken = False  # once woken, a request is ahead of everyone still queued
        # The pause this request has slept out. Each pause is waited once: asking the clock
        # again after the sleep would spin for ever with an injected sleep and the real clock
        # (or a frozen test clock and the real sleep). Only a pause pushed later is waited anew.
        waited_until: float | None = None
        while True:
            wait = self.paused_until - self._clock()
            if wait > 0 and self.paused_until != waited_until:
                # A pause belongs to the loop whose answer set it: a request of another loop
                # (a client kept across asyncio.run() calls) is refused now, not after it.
                self._check_loop()
                waited_until = self.paused_until
                try:
                    self._check_deadline(request, wait)
                    await self._sleep(wait)
                except BaseException:
                    # Leaving without a place (refused, cancelled): a woken request was let
                    # through for a place nobody else was woken for, so pass the turn on.
                    self._wake()
                    raise
                continue
            if self.in_flight + self._woken < self._allowed() and (woken or not self._waiters):
                self.in_flight += 1
                return self._epoch
            await self._queue_within_deadline(request, front=woken)
            woken = True

    @staticmethod
    def _check_deadline(request: Request, wait: float) -> None:
        """Refuse, unsent, a request whose call's deadline would pass during the pause: after
        it, the request would go out when its caller has stopped waiting for the answer."""
        left = deadline.seconds_left()
        if left is not None and wait > left:
            raise deadline.not_sent(
                request,
                f"the client is paused for {wait:.1f} s more by the server's Retry-After, and "
                f"this call's deadline ends in {max(0.0, left):.1f} s",
            )

    async def _queue_within_deadline(self, request: Request, *, front: bool) -> None:
        """:meth:`_queue`, refusing the request unsent once its call's deadline has passed.

        The wait is on other requests finishing, which no sleep function times: what the
        deadline leaves when the wait starts becomes a timer of the loop (see
        :func:`~invoceanio.middleware.deadline.wait_at_most`). Its cancel takes the request
        out of the line as any cancel does, passing on a place it had just been promised.
        """
        loop = self._check_loop()
        left = deadline.seconds_left()
        if left is None:
            await self._queue(loop, front=front)
        elif left <= 0 or not await deadline.wait_at_most(left, self._queue(loop, front=front)):
            raise deadline.not_sent(
                request,
                "this call's deadline passed before a place among the requests in flight came "
                f"free (the client's adaptive limit allows {self._allowed()} now)",
            )

    async def _queue(self, loop: asyncio.AbstractEventLoop, *, front: bool) -> None:
        """Wait in line until a place is promised (the caller still checks the pause)."""
        waiter: asyncio.Future[None] = loop.create_future()
        if front:
            # Woken, then beaten to the place by a cut: it keeps its turn.
            self._waiters.appendleft(waiter)
        else:
            self._waiters.append(waiter)
        self._wake()  # a place may be free already (a woken request gave its turn up)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.cancelled():
                # Cancelled while waiting: leave the line (usually from its front).
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
            else:
                # Woken, then cancelled before it ran: pass the promised place on.
                self._woken -= 1
                self._wake()
            raise
        self._woken -= 1

    def _wake(self) -> None:
        """Wake as many waiters, oldest first, as there are places nobody was promised."""
        waiters = self._waiters
        if not waiters:
            return
        free = self._allowed() - self.in_flight - self._woken
        while free > 0 and waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                self._woken += 1
                free -= 1

    def _release(self) -> None:
        self.in_flight -= 1
        if self._waiters:
            self._wake()

    # -- what the answers teach ------------------------------------------------------------------

    def _pushed_back(self, epoch: int, flight: int, retry_after: float | None) -> None:
        self.pushbacks += 1
        # Only a hint the retry policy waits for is shared: cutting a longer one to max_pause
        # would stall later requests for a wait their own policy would refuse.
        if retry_after is not None and self._shared_above < retry_after <= self._max_pause:
            self.paused_until = max(self.paused_until, self._clock() + retry_after)
            if self._loop is None:
                self._loop = asyncio.get_running_loop()  # the pause's loop: see _acquire
        if epoch != self._epoch:
            return  # sent before the last cut: that cut already answered this congestion
        if flight <= 1:
            # One request alone was pushed back (an outage, a rate window): that says nothing
            # of how many the server takes at once. No ceiling to creep up to: counted as one,
            # each push-back of an outage doubled the care, and the limit never grew again.
            self._ceiling = None
            self._slow = self._base_slow
            self.limit = 1.0
            self._epoch += 1
            return
        if self._ceiling is not None and abs(flight - self._ceiling) < 1:
            # The same place again: probe it less often, but not for ever less (the server
            # may have recovered since).
            self._slow = min(self._slow * 2, self._base_slow * _MAX_SLOWDOWN)
        else:
            self._slow = self._base_slow
        self._ceiling = float(flight)
        self.limit = max(1.0, flight * self._decrease)
        self._epoch += 1
        # A cut frees no place: nobody to wake.

    def _succeeded(self) -> None:
        if self.limit >= self.max_concurrency:
            return
        step = 1.0 / self.limit
        if self._ceiling is not None and self.limit + 1 >= self._ceiling:
            step /= self._slow
        self.limit = min(float(self.max_concurrency), self.limit + step)
        if self._ceiling is not None and self.limit >= self._ceiling + 1:
            self._ceiling = None  # grown past it without push-back: the limit moved
        if self._waiters:
            self._wake()  # the limit may have grown by a whole place

    async def __call__(self, request: Request, call_next: Send) -> Response:
        epoch = await self._acquire(request)
        try:
            response = await call_next(request)
            # How many were in flight when the server answered (this one included): the load
            # it pushed back against, which the cut halves.
            flight = self.in_flight
        except RequestTimeout as exc:
            # A refusal below for the call's deadline (the rate pacer, max_concurrency) is no
            # answer of the server's: nothing to cut.
            if exc.phase != "deadline":
                self._pushed_back(epoch, self.in_flight, None)
            raise
        finally:
            self._release()
        if response.status in _PUSHBACK:
            hint = parse_retry_after(response.headers.get("Retry-After"))
            self._pushed_back(epoch, flight, hint)
            if hint is not None:
                # Read the hint once: an HTTP-date read again above would give a slightly shorter
                # wait than the pause just set, and the retry would then wait twice.
                headers = CIMultiDict(response.headers)
                # Plain digits: the reading takes no exponent ("1e+16"), which repr() may write.
                headers["Retry-After"] = f"{hint:f}"
                response = attrs.evolve(response, headers=headers)
        elif response.is_success:
            self._succeeded()
        return response
