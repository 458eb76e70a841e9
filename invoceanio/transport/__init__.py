"""Transports: the only layer that does network I/O. See :class:`Transport` for the contract."""

from __future__ import annotations

from invoceanio.transport.aiohttp import AiohttpTransport
from invoceanio.transport.base import Transport
from invoceanio.transport.mock import MockTransport

__all__ = ["AiohttpTransport", "MockTransport", "Transport"]
