"""``invoceanio sandbox``: run the embedded InvoiceOcean-compatible server until SIGINT/SIGTERM,
its base URL alone on the first line of stdout and the token, seed and usage hints on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import signal
import sys
from typing import TYPE_CHECKING, Final

from invoceanio.cli.options import PROG, _milliseconds, _port, _rate, _rate_limit, _seed, _token
from invoceanio.errors import ConfigurationError

if TYPE_CHECKING:
    from invoceanio.sandbox.faults import FaultConfig

DEFAULT_SANDBOX_TOKEN: Final = "sandbox-token"
_STOP_SIGNALS: Final = (signal.SIGINT, signal.SIGTERM)


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
        "--host",
        default="127.0.0.1",
        help=(
            "address to bind (default: %(default)s); 0.0.0.0 or :: listens on every "
            "interface, and the URL printed is then loopback's (127.0.0.1, [::1]), the one the "
            "SDK takes plain http to"
        ),
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
    sandbox.set_defaults(handler=run, parser=sandbox)


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


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
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
        except (OSError, ValueError) as exc:
            # ValueError: a --host the resolver cannot even look up (UnicodeError from the idna
            # codec for a label over 63 characters, a NUL...).
            reason = exc if isinstance(exc, OSError) else f"not a host name or address ({exc})"
            print(
                f"{PROG} sandbox: cannot listen on {args.host}:{args.port}: {reason}",
                file=sys.stderr,
                flush=True,
            )
            return 1
        try:
            # The first line of stdout is the URL and nothing else: scripts read it.
            print(sandbox.url, flush=True)
            _print_banner(sandbox.url, args.host, args.token, sandbox.faults.seed, faults)
            await stop.wait()
        finally:
            await sandbox.stop()
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)
    print(f"{PROG} sandbox: stopped", file=sys.stderr, flush=True)
    return 0


def _print_banner(url: str, host: str, token: str, seed: int, faults: FaultConfig) -> None:
    injected = []
    if faults.latency_ms:
        injected.append(f"latency {faults.latency_ms:g} ms")
    if faults.error_rate:
        injected.append(f"fail rate {faults.error_rate:g}")
    if faults.rate_limit is not None:
        injected.append(f"rate limit {faults.rate_limit}")
    lines = [
        f"{PROG} sandbox listening on {url}",
        *_every_interface_lines(host),
        f"  api token: {token}",
        f"  faults:    {', '.join(injected) or 'none'} (seed {seed}; replay with --seed {seed})",
        f"  admin:     {url}/__sandbox__/ (lists the admin paths; loopback clients only)",
        "  use it:    InvoiceOcean(base_url=" + repr(url) + ", api_token=" + repr(token) + ")",
        "  stop:      Ctrl-C or SIGTERM",
    ]
    print("\n".join(lines), file=sys.stderr, flush=True)


def _every_interface_lines(host: str) -> list[str]:
    """What the banner says of a sandbox bound to every interface: the URL it prints is
    loopback's (the SDK sends plain http only there), and how another machine reaches it."""
    if not _binds_every_interface(host):
        return []
    return [
        f"  bound to:  every interface (--host {host or repr(host)}); the URL above reaches "
        "it from this machine",
        "  elsewhere: the SDK sends plain http only to loopback: forward a local port to this "
        "one (ssh -L, docker -p)",
    ]


def _binds_every_interface(host: str) -> bool:
    if not host:
        return True  # "": every address, as 0.0.0.0 and :: together
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False  # a host name: bound to what it resolves to
