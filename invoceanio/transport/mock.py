"""An in-memory transport for tests: a function answers every request.

It keeps the parts of the :class:`~invoceanio.transport.base.Transport` contract that do not
depend on a network, so code under test sees the same behaviour it will see in production:
every status is a Response, the body cap raises :class:`ResponseTooLargeError`, a closed
transport refuses to send, and cancellation passes through untouched. Failures are simulated
by raising the SDK's own errors (``ConnectError``, ``RequestTimeout``, ...) from the handler;
they propagate unchanged.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from types import TracebackType

from invoceanio.errors import ClientClosedError, ConfigurationError, ResponseTooLargeError
from invoceanio.http import Request, Response

__all__ = ["Handler", "MockTransport"]

Handler = Callable[[Request], Response | Awaitable[Response]]
"""A plain or ``async`` function that answers one request."""


class MockTransport:
    """Answers every request with ``handler(request)``.

    ``requests`` lists every request received, in order (``record=False`` turns that off for
    long-running tests). ``max_body_size`` mirrors the production cap. After :meth:`aclose`,
    ``closed`` is true and ``send`` raises :class:`ConfigurationError`, as the real transport
    does.
    """

    def __init__(
        self,
        handler: Handler,
        *,
        max_body_size: int = 50 * 1024 * 1024,
        record: bool = True,
    ) -> None:
        if isinstance(max_body_size, bool) or not isinstance(max_body_size, int):
            raise ConfigurationError(f"max_body_size must be an int, got {max_body_size!r}")
        if max_body_size <= 0:
            raise ConfigurationError(f"max_body_size must be positive, got {max_body_size!r}")
        self.handler = handler
        self.max_body_size = max_body_size
        self.requests: list[Request] = []
        self.closed = False
        self._record = record

    async def send(self, request: Request) -> Response:
        if self.closed:
            raise ClientClosedError("this MockTransport has been closed")
        if self._record:
            self.requests.append(request)
        # Checking the result rather than the function also covers a sync callable that
        # returns a coroutine (functools.partial of an async function, a lambda, a mock).
        result = self.handler(request)
        response = await result if inspect.isawaitable(result) else result
        if not isinstance(response, Response):
            raise TypeError(
                f"MockTransport handler must return a Response, got {type(response).__name__}"
            )
        if len(response.body) > self.max_body_size:
            raise ResponseTooLargeError(
                f"response body is larger than the {self.max_body_size}-byte limit",
                method=request.method,
                url=request.safe_url,
                status=response.status,
                content_type=response.content_type,
            )
        return response

    async def aclose(self) -> None:
        self.closed = True

    async def __aenter__(self) -> MockTransport:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
