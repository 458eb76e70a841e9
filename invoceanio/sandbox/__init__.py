"""The embedded InvoiceOcean-compatible sandbox: ``async with Sandbox() as sb: ... sb.url``.

The exports are loaded on first use: the pytest plugin lives in this package and pytest loads
it in every run of every project that has invoceanio installed, which should not pay for
importing the server and aiohttp.web until a sandbox is actually started.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from invoceanio.sandbox.app import create_app
    from invoceanio.sandbox.faults import FaultConfig
    from invoceanio.sandbox.server import Sandbox

__all__ = ["FaultConfig", "Sandbox", "create_app"]

_EXPORTS = {
    "FaultConfig": "invoceanio.sandbox.faults",
    "Sandbox": "invoceanio.sandbox.server",
    "create_app": "invoceanio.sandbox.app",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
