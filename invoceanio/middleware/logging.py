"""Request and response logging at DEBUG, with redacted URLs and no headers or bodies.

It sits above the auth middleware, so it never sees a credential in the first place; it logs
``request.safe_url`` anyway, so a token that a user put into ``params`` is masked too. A URL the
server handed out (a redirect's target, an upload form's) may hold a credential under any name
or in its path: with the auth layer's ``scrubber`` every spelling of one is masked as well.
"""

from __future__ import annotations

import logging
import time

from invoceanio.errors import InvoiceOceanError
from invoceanio.http import Request, Response, Send
from invoceanio.middleware.auth import CredentialScrubber

__all__ = ["LoggingMiddleware"]

logger = logging.getLogger("invoceanio.http")


class LoggingMiddleware:
    def __init__(
        self, log: logging.Logger = logger, *, scrubber: CredentialScrubber | None = None
    ) -> None:
        self._log = log
        self._scrubber = scrubber or CredentialScrubber()

    async def __call__(self, request: Request, call_next: Send) -> Response:
        if not self._log.isEnabledFor(logging.DEBUG):
            return await call_next(request)
        started = time.perf_counter()
        url = str(self._scrubber.mask(request.safe_url))
        self._log.debug("-> %s %s", request.method, url)
        try:
            response = await call_next(request)
        except InvoiceOceanError as exc:
            self._log.debug(
                "x  %s %s failed after %.1f ms: %s: %s",
                request.method,
                url,
                (time.perf_counter() - started) * 1000,
                type(exc).__name__,
                # Masked here: a request sent without credentials (a storage URL the API
                # handed out) is not scrubbed by the auth layer, yet its URL may quote one.
                self._scrubber.mask(str(exc)),
            )
            raise
        self._log.debug(
            "<- %s %s %s in %.1f ms (%d bytes)",
            response.status,
            request.method,
            url,
            (time.perf_counter() - started) * 1000,
            len(response.body),
        )
        return response
