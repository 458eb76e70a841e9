"""What a transport is: one coroutine that turns a Request into a Response."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from invoceanio.http import Request, Response

__all__ = ["Transport"]


@runtime_checkable
class Transport(Protocol):
    """Sends requests. The contract every implementation keeps:

    - returns a :class:`Response` for *every* HTTP status; a status is never an exception;
    - maps backend failures to :class:`~invoceanio.errors.ConnectError` (never sent),
      :class:`~invoceanio.errors.RequestTimeout` (with its phase) and
      :class:`~invoceanio.errors.ConnectionLostError` (sent, no answer), with redacted URLs;
    - reads at most ``max_body_size`` bytes of a body, else raises
      :class:`~invoceanio.errors.ResponseTooLargeError`;
    - re-raises cancellation untouched and never follows redirects.
    """

    async def send(self, request: Request) -> Response: ...

    async def aclose(self) -> None: ...
