"""What a middleware is, and how a chain of them is put in front of a transport."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Protocol

from invoceanio.http import Request, Response, Send

__all__ = ["Middleware", "build_chain"]


class Middleware(Protocol):
    """``async __call__(request, call_next)``: may change the request, call the rest of the chain
    (any number of times), and change or replace the response."""

    async def __call__(self, request: Request, call_next: Send) -> Response: ...


def build_chain(middlewares: Sequence[Middleware], send: Send) -> Send:
    """Compose ``middlewares`` (outermost first) in front of ``send``, once, not per request."""
    chained = send
    for middleware in reversed(middlewares):
        chained = partial(middleware, call_next=chained)
    return chained
