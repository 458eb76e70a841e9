"""One sandbox shared by several tests: a reset gives each the same start, and a stopped sandbox
starts again, in another event loop too, on a free port.

Before: a reset kept the rate limit's window and the random stream where the last test left
them (the next test's first request was a 429, a seeded run's faults depended on test order);
a sandbox served once could not be started in a second loop (aiohttp's "initialized with
different loop"), and ``port=0`` restarted on the first run's port, maybe taken by then.
"""

from __future__ import annotations

import asyncio
import socket

import aiohttp

from invoceanio.sandbox import FaultConfig, Sandbox
from invoceanio.sandbox.faults import FaultEngine, RateLimit

SEEDED = FaultConfig(seed=7, error_rate=0.4)


def _statuses(engine: FaultEngine, count: int) -> list[bool]:
    return [engine.decide("client").status is not None for _ in range(count)]


def test_an_engine_reset_replays_the_seeded_stream_from_its_start() -> None:
    fresh = _statuses(FaultEngine(SEEDED), 20)
    engine = FaultEngine(SEEDED)
    _statuses(engine, 13)  # what an earlier test drew
    engine.reset()
    assert _statuses(engine, 20) == fresh
    assert engine.stats()["requests"] == 20


def test_an_engine_reset_forgets_the_rate_limit_window() -> None:
    engine = FaultEngine(FaultConfig(rate_limit=RateLimit(requests=2, per_seconds=60)))
    assert [engine.decide("client").throttled for _ in range(3)] == [False, False, True]
    engine.reset()
    assert not engine.decide("client").throttled
    assert engine.config.rate_limit == RateLimit(requests=2, per_seconds=60)  # the config stays


async def test_the_admin_reset_gives_the_next_test_a_fresh_window() -> None:
    limited = FaultConfig(rate_limit=RateLimit(requests=3, per_seconds=60))
    async with Sandbox(faults=limited) as sandbox, aiohttp.ClientSession() as http:
        auth = {"Authorization": f"Bearer {sandbox.token}"}
        for _ in range(3):  # "the first test" uses the whole window
            async with http.get(f"{sandbox.url}/clients.json", headers=auth) as answer:
                assert answer.status == 200
        async with http.post(f"{sandbox.url}/__sandbox__/reset") as answer:
            assert answer.status == 200
        async with http.get(f"{sandbox.url}/clients.json", headers=auth) as answer:
            assert answer.status == 200, answer.headers.get("Retry-After")


async def test_sandbox_reset_forgets_records_and_restarts_the_faults() -> None:
    async with Sandbox(faults=SEEDED) as sandbox:
        first = _statuses(sandbox.faults, 5)
        sandbox.store.add("clients", {"name": "ACME"})
        sandbox.reset()
        assert sandbox.store.counts()["clients"] == 0
        assert _statuses(sandbox.faults, 5) == first


def test_a_stopped_sandbox_starts_again_in_another_event_loop() -> None:
    sandbox = Sandbox()

    async def serve_once() -> int:
        async with sandbox, aiohttp.ClientSession() as http:
            auth = {"Authorization": f"Bearer {sandbox.token}"}
            async with http.post(
                f"{sandbox.url}/clients.json", json={"client": {"name": "A"}}, headers=auth
            ) as answer:
                assert answer.status == 201
        return sandbox.store.counts()["clients"]

    assert asyncio.run(serve_once()) == 1
    assert asyncio.run(serve_once()) == 2  # the same store, served from the second loop


async def test_port_zero_picks_a_free_port_at_each_start() -> None:
    sandbox = Sandbox()
    await sandbox.start()
    first = sandbox.port
    await sandbox.stop()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", first))
        squatter.listen()
        await sandbox.start()
        try:
            assert sandbox.port not in (0, first)
            assert sandbox.requested_port == 0
        finally:
            await sandbox.stop()
