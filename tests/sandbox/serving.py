"""The sandbox app on aiohttp's test server, for the tests that speak HTTP to it directly:
:func:`served` for async tests, :func:`fuzzed` for hypothesis ones."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from invoceanio.sandbox.app import create_app

Client = TestClient[Any, Any]


@contextlib.asynccontextmanager
async def served(**options: Any) -> AsyncIterator[Client]:
    """A client of ``create_app(**options)`` on a loopback port, closed (server and all) after."""
    client: Client = TestClient(TestServer(create_app(**options)))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


@contextlib.contextmanager
def fuzzed(
    caplog: pytest.LogCaptureFixture, **options: Any
) -> Iterator[tuple[asyncio.AbstractEventLoop, Client]]:
    """``create_app(**options)`` served on an event loop of its own, for a hypothesis test
    (whose examples run one by one, synchronously, each driving the loop).

    After the block, no request may have crashed the app. The app's catch-all turns a crash
    into a 400, so a crash shows only as an error logged by aiohttp or the sandbox; asserted
    absent. Client, server and loop are closed either way."""
    loop = asyncio.new_event_loop()

    async def start() -> Client:
        # Made inside the loop, as aiohttp wants its clients and servers to be.
        client: Client = TestClient(TestServer(create_app(**options)))
        await client.start_server()
        return client

    client = loop.run_until_complete(start())
    try:
        with caplog.at_level(logging.ERROR):
            yield loop, client
        crashes = [r.getMessage() for r in caplog.records if r.name.startswith("aiohttp")]
        crashes += [r.getMessage() for r in caplog.records if r.name == "invoceanio.sandbox"]
        assert crashes == []
    finally:
        loop.run_until_complete(client.close())
        loop.close()
