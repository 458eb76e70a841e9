"""The embedded InvoiceOcean-compatible sandbox: ``async with Sandbox() as sb: ... sb.url``."""

from __future__ import annotations

from invoceanio.sandbox.app import create_app
from invoceanio.sandbox.faults import FaultConfig
from invoceanio.sandbox.server import Sandbox

__all__ = ["FaultConfig", "Sandbox", "create_app"]
