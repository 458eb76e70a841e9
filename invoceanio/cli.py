"""The ``invoceanio`` command line: one subcommand per tool (``sandbox`` and ``endpoints``
today; ``import``, ``export`` and ``pdf`` later). Each subcommand is a parser built in
``_add_<name>`` and a handler that takes the parsed arguments and returns the exit status.

``invoceanio sandbox`` runs the embedded InvoiceOcean-compatible server until it is interrupted.
It prints its base URL *alone on the first line of stdout* (so scripts can read one line and go)
and everything meant for people (token, seed, how to point the SDK at it) on stderr.

Exit statuses: 0 after a clean stop (SIGINT/SIGTERM), 1 when the server cannot start (port in
use, unknown host), 2 for bad options (argparse's convention, with a message and no traceback).

Heavy modules (aiohttp, the server) are imported only when a command that needs them runs, so
``invoceanio --version`` and ``--help`` stay quick.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import signal
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Final

from invoceanio._version import __version__
from invoceanio.errors import ConfigurationError

if TYPE_CHECKING:
    from invoceanio.sandbox.faults import FaultConfig, RateLimit

__all__ = ["build_parser", "fault_config_from_args", "main"]

PROG: Final = "invoceanio"
DEFAULT_SANDBOX_TOKEN: Final = "sandbox-token"
_STOP_SIGNALS: Final = (signal.SIGINT, signal.SIGTERM)

Handler = Callable[[argparse.Namespace, argparse.ArgumentParser], int]


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            f"port must be from 0 to 65535 (0 picks a free one), not {port}"
        )
    return port


def _milliseconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of milliseconds") from None
    if not 0 <= value < math.inf:
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, not {text!r}")
    return value


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    # "not 0 <= value <= 1" also refuses NaN.
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(
            f"must be a probability from 0 to 1 (0.1 fails one request in ten), not {text!r}"
        )
    return value


def _rate_limit(text: str) -> RateLimit:
    from invoceanio.sandbox.faults import parse_rate_limit

    try:
        return parse_rate_limit(text)
    except ConfigurationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _seed(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer seed") from None


def _token(text: str) -> str:
    if not text or text != text.strip():
        raise argparse.ArgumentTypeError("the token must be non-empty, without surrounding spaces")
    return text


def build_parser() -> argparse.ArgumentParser:
    """The whole command line. Later subcommands add an ``_add_<name>(subparsers)`` call here."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Tools for the InvoiceOcean / Fakturownia invoicing API.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_sandbox(subparsers)
    _add_endpoints(subparsers)
    return parser


def _add_endpoints(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    endpoints = subparsers.add_parser(
        "endpoints",
        help="print every API endpoint beside the SDK call that reaches it (Markdown)",
        description=(
            "Print the catalogue of API endpoints and the SDK methods that call them, as "
            "Markdown (the source of docs/endpoints.md)."
        ),
    )
    endpoints.set_defaults(handler=_print_endpoints, parser=endpoints)


def _print_endpoints(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from invoceanio.client import InvoiceOcean
    from invoceanio.endpoints import catalogue, render_markdown

    sys.stdout.write(render_markdown(catalogue(InvoiceOcean.SERVICES, InvoiceOcean)))
    return 0


def _add_sandbox(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sandbox = subparsers.add_parser(
        "sandbox",
        help="run a local InvoiceOcean-compatible server",
        description=(
            "Run the embedded InvoiceOcean-compatible sandbox until interrupted (Ctrl-C or "
            "SIGTERM). Its base URL is printed alone on the first line of stdout; the token and "
            "usage hints go to stderr. Data lives in memory and is gone when it stops."
        ),
    )
    sandbox.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: %(default)s)"
    )
    sandbox.add_argument(
        "--port", type=_port, default=0, help="port to bind; 0 picks a free one (default: 0)"
    )
    sandbox.add_argument(
        "--token",
        type=_token,
        default=DEFAULT_SANDBOX_TOKEN,
        help="the API token the sandbox accepts (default: %(default)s)",
    )
    sandbox.add_argument(
        "--latency-ms",
        type=_milliseconds,
        default=0.0,
        metavar="N",
        help="delay every answer by N milliseconds (default: 0)",
    )
    sandbox.add_argument(
        "--fail-rate",
        type=_rate,
        default=0.0,
        metavar="R",
        help="share of requests answered with a random 500/502/503, from 0 to 1 (default: 0)",
    )
    sandbox.add_argument(
        "--rate-limit",
        type=_rate_limit,
        default=None,
        metavar="N/S[,C]",
        help=(
            "at most N requests per sliding S seconds (and C concurrent) per client, "
            "answered 429 with Retry-After beyond it; e.g. 1000/60 or 1000/60,2"
        ),
    )
    sandbox.add_argument(
        "--seed",
        type=_seed,
        default=None,
        metavar="S",
        help="seed for the injected faults, to replay a run (default: a random one, printed)",
    )
    sandbox.set_defaults(handler=_run_sandbox, parser=sandbox)


def fault_config_from_args(args: argparse.Namespace) -> FaultConfig:
    """The sandbox's :class:`FaultConfig` from parsed ``sandbox`` options.

    Raises ConfigurationError when the options do not make a valid configuration.
    """
    from invoceanio.sandbox.faults import FaultConfig

    return FaultConfig(
        seed=args.seed,
        latency_ms=args.latency_ms,
        error_rate=args.fail_rate,
        rate_limit=args.rate_limit,
    )


def _run_sandbox(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    try:
        faults = fault_config_from_args(args)
    except ConfigurationError as exc:
        parser.error(str(exc))  # exits 2
    return asyncio.run(_serve_sandbox(args, faults))


async def _serve_sandbox(args: argparse.Namespace, faults: FaultConfig) -> int:
    from invoceanio.sandbox.server import Sandbox

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for signum in _STOP_SIGNALS:
        # Not available on Windows' event loop: Ctrl-C then arrives as KeyboardInterrupt,
        # which main() turns into a clean exit too.
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, stop.set)
            installed.append(signum)
    try:
        sandbox = Sandbox(token=args.token, host=args.host, port=args.port, faults=faults)
        try:
            await sandbox.start()
        except OSError as exc:
            print(
                f"{PROG} sandbox: cannot listen on {args.host}:{args.port}: {exc}",
                file=sys.stderr,
                flush=True,
            )
            return 1
        try:
            # The first line of stdout is the URL and nothing else: scripts read it.
            print(sandbox.url, flush=True)
            _print_banner(sandbox.url, args.token, sandbox.faults.seed, faults)
            await stop.wait()
        finally:
            await sandbox.stop()
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)
    print(f"{PROG} sandbox: stopped", file=sys.stderr, flush=True)
    return 0


def _print_banner(url: str, token: str, seed: int, faults: FaultConfig) -> None:
    injected = []
    if faults.latency_ms:
        injected.append(f"latency {faults.latency_ms:g} ms")
    if faults.error_rate:
        injected.append(f"fail rate {faults.error_rate:g}")
    if faults.rate_limit is not None:
        injected.append(f"rate limit {faults.rate_limit}")
    lines = [
        f"{PROG} sandbox listening on {url}",
        f"  api token: {token}",
        f"  faults:    {', '.join(injected) or 'none'} (seed {seed}; replay with --seed {seed})",
        f"  admin:     {url}/__sandbox__/",
        "  use it:    InvoiceOcean(base_url=" + repr(url) + ", api_token=" + repr(token) + ")",
        "  stop:      Ctrl-C or SIGTERM",
    ]
    print("\n".join(lines), file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line (``argv`` defaults to ``sys.argv[1:]``) and return the exit status.

    Bad options raise SystemExit(2) after argparse prints the usage and the problem.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    # Errors found after parsing are reported by the subcommand's parser ("invoceanio sandbox:").
    command_parser: argparse.ArgumentParser = args.parser
    try:
        return handler(args, command_parser)
    except KeyboardInterrupt:
        # Only reached where signal handlers cannot be installed (Windows): still a clean stop.
        return 0
