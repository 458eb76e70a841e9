"""The ``invoceanio`` command line, and ``invoceanio sandbox`` in particular.

Proves, through ``main([...])``, that the options parse into the right FaultConfig (fail-rate is
the 5xx error rate), that every bad option exits 2 with a message naming the problem and no
traceback, and that ``--version`` and the subcommand requirement behave as argparse promises.
Then, through a real subprocess (``python -m invoceanio sandbox --port 0``), that the base URL is
alone on the first line of stdout, that the SDK works against it with the chosen token, that the
fault options reach the server, that SIGINT and SIGTERM stop it cleanly with exit 0, and that a
port already taken exits 1 with a message.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest

from invoceanio import AuthenticationError, InvoiceOcean, RetryPolicy, __version__, cli
from invoceanio.errors import ConfigurationError
from invoceanio.sandbox.faults import FaultConfig, RateLimit

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _exit_status(argv: Sequence[str]) -> int:
    with pytest.raises(SystemExit) as exc_info:
        cli.main(argv)
    code = exc_info.value.code
    assert isinstance(code, int)
    return code


# --- argument parsing, in process ------------------------------------------------------------


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_status(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"invoceanio {__version__}"


def test_a_subcommand_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_status([]) == 2
    assert "COMMAND" in capsys.readouterr().err


def test_an_unknown_subcommand_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_status(["serve"]) == 2
    assert "invalid choice: 'serve'" in capsys.readouterr().err


def test_sandbox_help_lists_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_status(["sandbox", "--help"]) == 0
    out = capsys.readouterr().out
    for option in (
        "--host",
        "--port",
        "--token",
        "--latency-ms",
        "--fail-rate",
        "--rate-limit",
        "--seed",
    ):
        assert option in out


def test_sandbox_defaults_inject_no_fault() -> None:
    args = cli.build_parser().parse_args(["sandbox"])
    assert (args.command, args.host, args.port, args.token) == (
        "sandbox",
        "127.0.0.1",
        0,
        "sandbox-token",
    )
    assert cli.fault_config_from_args(args) == FaultConfig()


def test_sandbox_options_build_the_fault_config() -> None:
    args = cli.build_parser().parse_args(
        [
            "sandbox",
            "--host",
            "::1",
            "--port",
            "8765",
            "--token",
            "tok-1",
            "--latency-ms",
            "25.5",
            "--fail-rate",
            "0.25",
            "--rate-limit",
            "10/1.5,2",
            "--seed",
            "42",
        ]
    )
    assert (args.host, args.port, args.token) == ("::1", 8765, "tok-1")
    assert cli.fault_config_from_args(args) == FaultConfig(
        seed=42,
        latency_ms=25.5,
        error_rate=0.25,
        rate_limit=RateLimit(requests=10, per_seconds=1.5, concurrent=2),
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--fail-rate", "1.5"], "argument --fail-rate: must be a probability from 0 to 1"),
        (["--fail-rate", "-0.1"], "argument --fail-rate: must be a probability from 0 to 1"),
        (["--fail-rate", "nan"], "argument --fail-rate: must be a probability from 0 to 1"),
        (["--fail-rate", "often"], "argument --fail-rate: 'often' is not a number"),
        (["--rate-limit", "abc"], "argument --rate-limit: rate limit 'abc' is not N/S or N/S,C"),
        (["--rate-limit", "10"], "argument --rate-limit: rate limit '10' is not N/S or N/S,C"),
        (["--rate-limit", "0/60"], "rate_limit.requests must be an int of at least 1"),
        (["--rate-limit", "10/0"], "rate_limit.per_seconds must be a finite number > 0"),
        (["--latency-ms", "-1"], "argument --latency-ms: must be a finite number >= 0"),
        (["--latency-ms", "inf"], "argument --latency-ms: must be a finite number >= 0"),
        (["--port", "70000"], "argument --port: port must be from 0 to 65535"),
        (["--port", "http"], "argument --port: 'http' is not a port number"),
        (["--seed", "1.5"], "argument --seed: '1.5' is not an integer seed"),
        (["--token", ""], "argument --token: the token must be non-empty"),
        (["--token", " tok "], "argument --token: the token must be non-empty"),
        # Inside the token too: it reached the sandbox, which refused it with a traceback.
        (["--token", "dev token"], "argument --token: the token must be non-empty, without"),
        (["--token", "dev\ttoken"], "argument --token: the token must be non-empty, without"),
        (["--unknown"], "unrecognized arguments: --unknown"),
    ],
)
def test_bad_sandbox_options_exit_2_with_a_clear_message(
    capsys: pytest.CaptureFixture[str], options: list[str], message: str
) -> None:
    assert _exit_status(["sandbox", *options]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.startswith("usage: invoceanio")
    assert "Traceback" not in err


def test_a_configuration_error_after_parsing_exits_2_without_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(args: object) -> FaultConfig:
        raise ConfigurationError("the fault rates sum to 1.5")

    monkeypatch.setattr(cli.sandbox, "fault_config_from_args", refuse)
    assert _exit_status(["sandbox"]) == 2
    err = capsys.readouterr().err
    assert "invoceanio sandbox: error: the fault rates sum to 1.5" in err
    assert "Traceback" not in err


# --- the real thing, in a subprocess ---------------------------------------------------------


class RunningSandbox:
    def __init__(self, process: asyncio.subprocess.Process, url: str) -> None:
        self.process = process
        self.url = url

    async def stop(self, signum: int = signal.SIGINT) -> tuple[int, str, str]:
        """Signal the process; its exit status, the rest of stdout and all of stderr."""
        self.process.send_signal(signum)
        out, err = await asyncio.wait_for(self.process.communicate(), STOP_TIMEOUT)
        assert self.process.returncode is not None
        return self.process.returncode, out.decode(), err.decode()


async def _spawn(*options: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "invoceanio",
        "sandbox",
        *options,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=ROOT,
        env=_env(),
    )


@asynccontextmanager
async def running_sandbox(*options: str) -> AsyncIterator[RunningSandbox]:
    process = await _spawn("--port", "0", *options)
    try:
        assert process.stdout is not None
        first_line = await asyncio.wait_for(process.stdout.readline(), START_TIMEOUT)
        url = first_line.decode().rstrip("\n")
        assert url, "the sandbox printed no URL before exiting"
        yield RunningSandbox(process, url)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_sandbox_prints_its_url_first_serves_the_sdk_and_stops_on_sigint() -> None:
    async with running_sandbox("--token", "cli-token", "--seed", "7") as sandbox:
        assert sandbox.url.startswith("http://127.0.0.1:")
        port = int(sandbox.url.rsplit(":", 1)[1])
        assert port > 0
        async with InvoiceOcean(base_url=sandbox.url, api_token="cli-token") as io:
            assert await io.invoices.list() == []
        status, rest_of_stdout, err = await sandbox.stop(signal.SIGINT)
    assert status == 0
    # The URL is alone on stdout: nothing else was printed there.
    assert rest_of_stdout == ""
    assert "cli-token" in err
    assert f"InvoiceOcean(base_url={sandbox.url!r}, api_token='cli-token')" in err
    assert "seed 7" in err
    assert "stopped" in err
    assert "Traceback" not in err


async def test_sandbox_stops_cleanly_on_sigterm() -> None:
    async with running_sandbox() as sandbox:
        status, _, err = await sandbox.stop(signal.SIGTERM)
    assert status == 0
    assert "Traceback" not in err


async def test_sandbox_refuses_a_token_other_than_the_one_given() -> None:
    async with running_sandbox("--token", "right") as sandbox:
        async with InvoiceOcean(
            base_url=sandbox.url, api_token="wrong", retry=RetryPolicy(max_attempts=1)
        ) as io:
            with pytest.raises(AuthenticationError):
                await io.invoices.list()
        status, _, _ = await sandbox.stop()
    assert status == 0


async def test_fail_rate_one_answers_every_request_with_a_5xx() -> None:
    async with running_sandbox("--token", "t", "--fail-rate", "1", "--seed", "3") as sandbox:
        async with aiohttp.ClientSession() as session:
            for _ in range(3):
                async with session.get(f"{sandbox.url}/invoices.json?api_token=t") as response:
                    assert response.status in {500, 502, 503}
        status, _, err = await sandbox.stop()
    assert status == 0
    assert "fail rate 1" in err


async def test_rate_limit_option_throttles_with_429_and_retry_after() -> None:
    async with running_sandbox("--token", "t", "--rate-limit", "1/60") as sandbox:
        async with aiohttp.ClientSession() as session:
            url = f"{sandbox.url}/invoices.json?api_token=t"
            async with session.get(url) as first:
                assert first.status == 200
                assert await first.json() == []
            async with session.get(url) as second:
                assert second.status == 429
                assert 1 <= int(second.headers["Retry-After"]) <= 60
        status, _, _ = await sandbox.stop()
    assert status == 0


async def test_a_port_already_in_use_exits_1_with_a_message() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = await _spawn("--port", str(port))
        out, err = await asyncio.wait_for(process.communicate(), START_TIMEOUT)
    assert process.returncode == 1
    assert out == b""
    assert f"cannot listen on 127.0.0.1:{port}" in err.decode()
    assert "Traceback" not in err.decode()


async def test_bad_options_exit_2_from_the_console_too() -> None:
    process = await _spawn("--fail-rate", "2")
    out, err = await asyncio.wait_for(process.communicate(), START_TIMEOUT)
    assert process.returncode == 2
    assert out == b""
    assert b"argument --fail-rate: must be a probability from 0 to 1" in err
    assert b"Traceback" not in err
