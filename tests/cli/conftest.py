"""Helpers for the command tests: files to import, the commands run as ``main([...])``, and a
sandbox whose token is a canary that must never be printed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import attrs
import pytest

from invoceanio import cli
from invoceanio.sandbox.server import Sandbox

CANARY_TOKEN = "canary-token-7f3a9c1e"

HEADER = (
    "invoice_key,buyer_name,issue_date,position_name,position_quantity,position_tax,"
    "position_total_price_gross"
)


@attrs.frozen
class Run:
    code: int
    out: str
    err: str


def call(argv: Sequence[str]) -> int:
    """``cli.main(argv)``, with argparse's SystemExit turned into its status."""
    try:
        return cli.main(list(argv))
    except SystemExit as exc:
        assert isinstance(exc.code, int)
        return exc.code


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """Run a command in this thread (for commands that start their own sandbox, or none)."""

    def runner(*argv: str | Path) -> Run:
        code = call([str(arg) for arg in argv])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return runner


@pytest.fixture
def run_async(capsys: pytest.CaptureFixture[str]) -> Callable[..., Any]:
    """Run a command in a worker thread, so a sandbox on the test's own loop can serve it."""

    async def runner(*argv: str | Path) -> Run:
        code = await asyncio.to_thread(call, [str(arg) for arg in argv])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return runner


@pytest.fixture
async def sandbox(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Sandbox]:
    """A sandbox with a canary token, which the environment hands to the commands."""
    async with Sandbox(token=CANARY_TOKEN) as started:
        monkeypatch.setenv(cli.TOKEN_VARIABLE, CANARY_TOKEN)
        yield started


@pytest.fixture
def embedded(monkeypatch: pytest.MonkeyPatch) -> list[Sandbox]:
    """Every sandbox the commands start themselves, kept for a look at their store after."""
    started: list[Sandbox] = []

    class Recorded(Sandbox):
        def __init__(self, **options: Any) -> None:
            super().__init__(**options)
            started.append(self)

    monkeypatch.setattr("invoceanio.sandbox.server.Sandbox", Recorded)
    monkeypatch.delenv(cli.TOKEN_VARIABLE, raising=False)
    return started


def write_csv(path: Path, *rows: str, header: str = HEADER) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def write_jsonl(path: Path, invoices: Iterable[Any]) -> Path:
    lines = [item if isinstance(item, str) else json.dumps(item) for item in invoices]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def invoice(oid: str | None = None, **fields: Any) -> dict[str, Any]:
    """A valid JSONL invoice."""
    data: dict[str, Any] = {
        "buyer_name": "ACME sp. z o.o.",
        "positions": [{"name": "Consulting", "quantity": 2, "tax": 23, "total_price_gross": "246"}],
    }
    if oid is not None:
        data["oid"] = oid
    data.update(fields)
    return data


def failures(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
