"""The overall deadline of the request in progress, for the layers under the retry middleware.

The retry policy's ``deadline`` bounds all attempts and waits of one call together. Only the
retry middleware knows when the call started, but a layer below it may be about to wait too:
the throttle's shared ``Retry-After`` pause holds every new request of the client. Such a layer
asks :func:`seconds_left` and refuses a wait the deadline does not leave room for, instead of
sending the request after its caller's budget has run out.

A context variable, not a field of the Request: it is per task (concurrent calls each see
their own), costs nothing to pass down the chain, and the reconciler's look-ups, sent through
the same chain by the retry middleware, see the deadline of the create they belong to.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextvars import ContextVar, Token

__all__ = ["seconds_left", "start", "stop"]

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
