"""The overall deadline of the request in progress, for the layers under the retry middleware.

The retry policy's ``deadline`` bounds all attempts and waits of one call together. Only the
retry middleware knows when the call started, but a layer below it may be about to wait too:
the throttle's shared ``Retry-After`` pause holds every new request of the client, and a request
may wait for a place in flight (the throttle's limit, ``max_concurrency``) or for its start time
(``rate_limit``). Such a layer asks :func:`seconds_left` and refuses a wait the deadline does not
leave room for with :func:`not_sent`, instead of sending the request after its caller's budget
has run out. It asks only once it has to wait: a request that finds its way free pays nothing.

A context variable, not a field of the Request: it is per task (concurrent calls each see
their own), costs nothing to pass down the chain, and the reconciler's look-ups, sent through
the same chain by the retry middleware, see the deadline of the create they belong to.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from contextvars import ContextVar, Token

from invoceanio.errors import RequestTimeout
from invoceanio.http import Request

__all__ = ["not_sent", "seconds_left", "start", "stop", "wait_at_most"]

Entry = tuple[Callable[[], float], float]

# (the retry policy's clock, the clock's reading at which the deadline falls)
_DEADLINE: ContextVar[Entry | None] = ContextVar("invoceanio_deadline", default=None)


def start(clock: Callable[[], float], at: float) -> Token[Entry | None]:
    """Set the deadline of the call the current task is making; pass the token to :func:`stop`."""
    return _DEADLINE.set((clock, at))


def stop(token: Token[Entry | None]) -> None:
    # A call abandoned unfinished is closed by the garbage collector in whatever context runs
    # then, where the token cannot be reset: its own context is gone, and its deadline with it.
    with contextlib.suppress(ValueError):
        _DEADLINE.reset(token)


def seconds_left() -> float | None:
    """Seconds until the current call's deadline (may be negative); None when it has none."""
    entry = _DEADLINE.get()
    if entry is None:
        return None
    clock, at = entry
    return at - clock()


def not_sent(request: Request, reason: str) -> RequestTimeout:
    """The error of a request refused because its call's deadline passes (or would) before it
    could be sent: ``phase="deadline"``, never sent, so always safe to send again later. The
    retry middleware does not try it again itself: a later attempt of the same call would meet
    the same wait with even less time left."""
    return RequestTimeout(
        f"{request.method} {request.safe_url}: not sent; {reason}",
        phase="deadline",
        method=request.method,
        url=request.safe_url,
    )


async def wait_at_most(seconds: float, wait: Awaitable[object]) -> bool:
    """Await ``wait``, for ``seconds`` at most; False when they ran out first.

    For the waits on other requests (a place in flight to come free), which no sleep function
    times: the seconds the deadline leaves, read on the policy's clock when the wait starts,
    become a timer of the event loop. With the default clock (``time.monotonic``, the loop's
    clock too) that is the deadline itself; with a test's fake clock it is what was left then.
    ``wait`` must clean up after a cancel (leave its line, pass on a place it was given), as
    :class:`asyncio.Semaphore` does. :func:`asyncio.timeout` takes back only the cancel it sent:
    the caller's own cancel, even at the same moment, still ends the task cancelled.
    """
    timeout = asyncio.timeout(seconds)
    try:
        async with timeout:
            await wait
    except TimeoutError:
        if not timeout.expired():
            raise  # raised by the wait itself, not the deadline's
        return False
    return True
