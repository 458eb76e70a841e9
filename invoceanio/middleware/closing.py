"""Waits that end when the client closes.

Why: closing the transport ends every request on the wire at once, but a request waiting to be
retried (its backoff, a server's Retry-After, the throttle's shared pause, the rate pacer) is on
no wire. It slept out its whole wait, up to the policy's deadline, and only then learned the
client was closed: ``await io.aclose(); await gather(*workers)`` hung for as long.

:class:`ClosingWaits` wraps the sleep functions the middleware wait with. Closing it cancels the
tasks sleeping in them, and the cancellation comes out of the wait as a
:class:`~invoceanio.errors.ClientClosedError` (a ConfigurationError), which the retry layer
then reports as it reports a closed transport (for a create that may have been applied:
outcome unknown). A bulk import's own waits (its pace, its tries again) end too. It is
the pattern of :func:`asyncio.timeout`: a cancel this module sent is taken back with
``Task.uncancel``, and one that anybody else sent at the same time still cancels the task.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from invoceanio.errors import ClientClosedError

__all__ = ["ClosingWaits"]

Sleep = Callable[[float], Awaitable[None]]


def _closed() -> ClientClosedError:
    return ClientClosedError(
        "the client was closed while this request waited (for its turn, or to be tried "
        "again); create a new client"
    )


class ClosingWaits:
    """One close signal for every wait of one client."""

    def __init__(self) -> None:
        self.closed = False
        self._sleeping: set[asyncio.Task[object]] = set()
        self._interrupted: set[asyncio.Task[object]] = set()

    def wrap(self, sleep: Sleep) -> Sleep:
        """``sleep``, ended early (with the "closed" error) by :meth:`close`."""

        async def closing_sleep(seconds: float) -> None:
            if self.closed:
                raise _closed()
            task = asyncio.current_task()
            if task is None:  # not in a task (a bare coroutine driven by hand): nothing to cancel
                await sleep(seconds)
                return
            self._sleeping.add(task)
            try:
                await sleep(seconds)
            except asyncio.CancelledError:
                if task not in self._interrupted:
                    raise
                self._interrupted.discard(task)
                if task.uncancel() > 0:
                    raise  # cancelled by someone else too: that cancel wins
                raise _closed() from None
            else:
                if task in self._interrupted:  # the sleep swallowed the cancel: still closed
                    self._interrupted.discard(task)
                    task.uncancel()
                    raise _closed()
            finally:
                self._sleeping.discard(task)

        return closing_sleep

    def close(self) -> None:
        """End every wait in progress, and refuse the waits to come."""
        self.closed = True
        for task in self._sleeping - self._interrupted:
            self._interrupted.add(task)
            task.cancel()
