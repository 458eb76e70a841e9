"""``Sandbox``: the sandbox app served on a TCP port, started and stopped from Python.

    async with Sandbox(token="t") as sandbox:
        client = InvoiceOcean(base_url=sandbox.url, api_token=sandbox.token)

``port=0`` picks a free port; :attr:`Sandbox.url` is the real one once started (on loopback
for a server bound to every interface, ``0.0.0.0`` or ``::``: the SDK sends plain http only
there). The store and the fault engine are attributes, so a test can inspect records
(``sandbox.store.records("invoices")``) and change faults at run time
(``sandbox.faults.reconfigure(FaultConfig(...))``).
"""

from __future__ import annotations

import ipaddress
from types import TracebackType
from typing import Final

from aiohttp import web

from invoceanio.sandbox.app import DEFAULT_MAX_BODY_SIZE, create_app
from invoceanio.sandbox.faults import FaultConfig, FaultEngine
from invoceanio.sandbox.store import Store

__all__ = ["Sandbox"]

# How long stop() lets requests in flight finish before cancelling them. aiohttp's default is
# 60 s, and it does not cancel a handler whose client has hung up: a test whose client timed
# out against an injected latency (or sent half a body) held its teardown for up to a minute.
# A real handler answers in milliseconds, so half a second loses no normal answer.
_SHUTDOWN_GRACE: Final = 0.5


class Sandbox:
    def __init__(
        self,
        *,
        token: str = "sandbox-token",
        host: str = "127.0.0.1",
        port: int = 0,
        faults: FaultConfig | None = None,
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
    ) -> None:
        self.token = token
        self.host = host
        #: The port asked for; :attr:`port` is the one bound once started (0 picks a free one
        #: at each start, not the last start's, which something else may hold by then).
        self.requested_port = port
        self.port = port
        self.store = Store()
        self.faults = FaultEngine(faults)
        self._max_body_size = max_body_size
        self.app = self._new_app()
        self._runner: web.AppRunner | None = None
        self._url: str | None = None

    def _new_app(self) -> web.Application:
        return create_app(
            token=self.token,
            store=self.store,
            faults=self.faults,
            max_body_size=self._max_body_size,
        )

    def reset(self) -> None:
        """Forget every record and e-mail, and start the faults over (``POST
        /__sandbox__/reset``): a sandbox shared by several tests gives each the same start."""
        self.store.reset()
        self.faults.reset()

    @property
    def url(self) -> str:
        """``http://HOST:PORT`` of the running server (RuntimeError before :meth:`start`).

        Bound to every interface (``0.0.0.0``, ``::``), it is the loopback address of that
        family (``127.0.0.1``, ``[::1]``), which reaches the server from this machine: the
        unspecified address is no address to connect to, and the SDK refuses plain http to
        anything but loopback."""
        if self._url is None:
            raise RuntimeError("the sandbox is not running: call start() or use async with")
        return self._url

    async def start(self) -> None:
        if self._runner is not None:
            return
        if self.app.frozen:
            # Served before and stopped: an aiohttp app runs once, in the loop it ran in. The
            # same store and faults are served by a new one (in this loop, whichever it is).
            self.app = self._new_app()
        runner = web.AppRunner(
            self.app, access_log=None, handle_signals=False, shutdown_timeout=_SHUTDOWN_GRACE
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.requested_port)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        address = runner.addresses[0]
        host, port = _connectable(address[0]), address[1]
        host_text = f"[{host}]" if ":" in host else host
        self.port = port
        self._url = f"http://{host_text}:{port}"

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        self._url = None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()


def _connectable(host: str) -> str:
    """The address a client on this machine connects to, for a server bound to ``host``."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if not address.is_unspecified:
        return host
    return "::1" if address.version == 6 else "127.0.0.1"
