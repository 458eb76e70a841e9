"""Request and response logging at DEBUG, with redacted URLs and no headers or bodies.

It sits above the auth middleware, so it never sees a credential in the first place; it logs
``request.safe_url`` anyway, so a token that a user put into ``params`` is masked too.
"""

from __future__ import annotations

import logging
import time

from invoceanio.errors import InvoiceOceanError
from invoceanio.http import Request, Response, Send

__all__ = ["LoggingMiddleware"]

logger = logging.getLogger("invoceanio.http")


class LoggingMiddleware:
    def __init__(self, log: logging.Logger = logger) -> None:
        self._log = log

    async def __call__(self, request: Request, call_next: Send) -> Response:
        if not self._log.isEnabledFor(logging.DEBUG):
            return await call_next(request)
        started = time.perf_counter()
        self._log.debug("-> %s %s", request.method, request.safe_url)
        try:
            response = await call_next(request)
        except InvoiceOceanError as exc:
            self._log.debug(
                "x  %s %s failed after %.1f ms: %s: %s",
                request.method,
                request.safe_url,
                (time.perf_counter() - started) * 1000,
                type(exc).__name__,
                exc,
            )
            raise
        self._log.debug(
            "<- %s %s %s in %.1f ms (%d bytes)",
            response.status,
            request.method,
            request.safe_url,
            (time.perf_counter() - started) * 1000,
            len(response.body),
        )
        return response
