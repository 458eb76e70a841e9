"""A minimal, fast InvoiceOcean stand-in for the throughput benchmark, run in its own process.

It answers ``POST /invoices.json`` with 201 and a realistic invoice (1-3 positions, about 80
fields), ``GET /invoices.json?oid=...`` (the oid look-up a retried create would make) with ``[]``,
``GET /invoices.json?page=N&per_page=M`` with page N of ``--invoices`` stored invoices (newest
first, 3 positions each, an empty page past the end; ``[]`` when none are stored) and
``GET /invoices/{id}.json`` with one invoice. Answers are encoded once (pages on first use, the
100-per-page ones at start-up) and only rotated per request, so the server spends its time in
aiohttp, not in building payloads: every client under test sees the same server cost and the
same bytes, whatever filters it sends.

``--latency-ms`` delays every answer by that much (``asyncio.sleep``, so the server still serves
other requests meanwhile): the round trip of a real service, where a client's own CPU cost
hides behind the wait only if it keeps enough requests in flight.

It runs in a separate process (:class:`ServerProcess` starts ``python -m benchmarks.server``)
so its work does not share the client's event loop or GIL. It still shares the machine's
cores with the client, which matters on a 2-core box: see ``benchmarks/README.md``.

Run it alone with ``python -m benchmarks.server [--port N] [--latency-ms MS] [--invoices N]``;
it prints ``PORT <n>`` once it listens and stops on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import select
import signal
import socket
import subprocess
import sys
from pathlib import Path
from types import TracebackType

from aiohttp import web

from benchmarks.payloads import invoice_payload

__all__ = ["ServerProcess", "build_app", "main"]

_JSON = "application/json; charset=utf-8"
_READY_PREFIX = "PORT "
_REPO_ROOT = Path(__file__).resolve().parent.parent


def build_app(
    latency_ms: float = 0.0, invoices: int = 0, jitter_ms: float = 0.0
) -> web.Application:
    """The application: pre-encoded answers, no middleware, no access log."""
    created = [
        json.dumps(invoice_payload(invoice_id=200 + count, positions=count)).encode()
        for count in (1, 2, 3)
    ]
    next_created = itertools.cycle(created).__next__
    one = created[-1]
    empty_page = b"[]"
    delay = latency_ms / 1000
    spread = jitter_ms / 1000
    # Seeded: two runs with the same settings draw the same delays.
    draw = random.Random(20261201).uniform

    async def wait() -> None:
        await asyncio.sleep(delay + draw(-spread, spread) if spread else delay)

    pages: dict[tuple[int, int], bytes] = {}

    def page_body(page: int, per_page: int) -> bytes:
        body = pages.get((page, per_page))
        if body is None:
            # Newest first, as the service lists: page 1 holds ids invoices .. invoices-per_page+1.
            top = invoices - (page - 1) * per_page
            ids = range(top, max(top - per_page, 0), -1)
            body = json.dumps([invoice_payload(invoice_id, 3) for invoice_id in ids]).encode()
            pages[(page, per_page)] = body
        return body

    for number in range(1, -(-invoices // 100) + 2):
        page_body(number, 100)

    def answer(status: int, body: bytes) -> web.Response:
        return web.Response(status=status, body=body, headers={"Content-Type": _JSON})

    async def create_invoice(request: web.Request) -> web.Response:
        await request.read()  # a real server reads the whole body before answering
        if delay:
            await wait()
        return answer(201, next_created())

    async def list_invoices(request: web.Request) -> web.Response:
        if delay:
            await wait()
        query = request.query
        if "oid" in query or not invoices:
            return answer(200, empty_page)
        try:
            page, per_page = int(query.get("page", "1")), int(query.get("per_page", "25"))
        except ValueError:
            return answer(422, b'{"code": "error", "message": "page must be a number"}')
        if page < 1 or not 1 <= per_page <= 100:
            return answer(422, b'{"code": "error", "message": "page out of range"}')
        return answer(200, page_body(page, per_page))

    async def get_invoice(request: web.Request) -> web.Response:
        if delay:
            await wait()
        return answer(200, one)

    app = web.Application()
    app.router.add_post("/invoices.json", create_invoice)
    app.router.add_get("/invoices.json", list_invoices)
    app.router.add_get(r"/invoices/{id:\d+}.json", get_invoice)
    return app


async def _serve(port: int, latency_ms: float, invoices: int, jitter_ms: float) -> None:
    app = build_app(latency_ms, invoices, jitter_ms)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    site = web.SockSite(runner, sock, backlog=1024)
    await site.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    print(f"{_READY_PREFIX}{sock.getsockname()[1]}", flush=True)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument(
        "--latency-ms", type=float, default=0.0, help="delay every answer by this much"
    )
    parser.add_argument(
        "--invoices", type=int, default=0, help="invoices GET /invoices.json pages through"
    )
    parser.add_argument(
        "--jitter-ms",
        type=float,
        default=0.0,
        help="spread each delay uniformly over latency +- this much (default: exact)",
    )
    args = parser.parse_args(argv)
    asyncio.run(_serve(args.port, args.latency_ms, args.invoices, args.jitter_ms))


def stop_process(process: subprocess.Popen[str], *, timeout: float) -> None:
    """Stop a server child process: SIGTERM, then SIGKILL after ``timeout`` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stdout is not None:
        process.stdout.close()


class ServerProcess:
    """Starts the server in a child process and stops it on exit.

    >>> with ServerProcess() as server:  # doctest: +SKIP
    ...     print(server.base_url)
    """

    def __init__(
        self,
        start_timeout: float = 60.0,
        *,
        latency_ms: float = 0.0,
        invoices: int = 0,
        jitter_ms: float = 0.0,
    ) -> None:
        self._start_timeout = start_timeout
        self._options = [
            *("--latency-ms", str(latency_ms), "--invoices", str(invoices)),
            *("--jitter-ms", str(jitter_ms)),
        ]
        self._process: subprocess.Popen[str] | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def __enter__(self) -> ServerProcess:
        process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.server", *self._options],
            cwd=_REPO_ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._process = process
        try:
            self.port = self._wait_for_port(process)
        except BaseException:
            self._stop()
            raise
        return self

    def _wait_for_port(self, process: subprocess.Popen[str]) -> int:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], self._start_timeout)
        if not ready:
            raise RuntimeError("the benchmark server did not start in time")
        line = process.stdout.readline()
        if not line.startswith(_READY_PREFIX):
            raise RuntimeError(f"the benchmark server failed to start (said {line!r})")
        return int(line[len(_READY_PREFIX) :])

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            stop_process(process, timeout=10)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop()


if __name__ == "__main__":
    main()
