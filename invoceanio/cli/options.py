"""What the subcommands share: the argparse value parsers (``type=`` callables that turn a
bad value into a usage error), the account options of ``import``, ``export`` and ``pdf``
(``--prefix``/``--brand``/``--base-url``, the token from the environment and never an option,
:class:`Account` and :func:`connect`), how they stop on Ctrl-C and SIGTERM (:func:`run_async`,
:func:`sigterm_as_interrupt`), tqdm's progress bars (the ``cli`` extra, loaded only when a
command runs) and the small helpers that print to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import re
import signal
import sys
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Sequence
from datetime import date
from types import FrameType
from typing import TYPE_CHECKING, Any, Final, NoReturn, Protocol

import attrs

from invoceanio import hosts
from invoceanio.errors import ConfigurationError
from invoceanio.secrets import Secret

if TYPE_CHECKING:
    from invoceanio.client import InvoiceOcean
    from invoceanio.sandbox.faults import RateLimit

PROG: Final = "invoceanio"

# --- argument types: the type= of add_argument, a bad value exits 2 with its message -----------

#: The longest value a refusal quotes. A token pasted into the wrong option (``--concurrency
#: <token>``) is longer: its message says how long it is, never what it is.
_QUOTED_UP_TO: Final = 12


def _given(text: str) -> str:
    if len(text) <= _QUOTED_UP_TO:
        return repr(text)
    return f"the value given ({len(text)} characters, not shown: it may be a token)"


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{_given(text)} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            f"port must be from 0 to 65535 (0 picks a free one), not {port}"
        )
    return port


def _milliseconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{_given(text)} is not a number of milliseconds"
        ) from None
    if not 0 <= value < math.inf:
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, not {_given(text)}")
    return value


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{_given(text)} is not a number") from None
    # "not 0 <= value <= 1" also refuses NaN.
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(
            f"must be a probability from 0 to 1 (0.1 fails one request in ten), not {_given(text)}"
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
        raise argparse.ArgumentTypeError(f"{_given(text)} is not an integer seed") from None


def _token(text: str) -> str:
    # Whitespace anywhere: an HTTP header or query value cannot carry it as one token, and the
    # sandbox refuses it (after the port is taken, with a traceback, before this check).
    if not text or any(char.isspace() for char in text):
        raise argparse.ArgumentTypeError("the token must be non-empty, without spaces")
    return text


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{_given(text)} is not a whole number") from None
    if not 1 <= value <= 64:
        raise argparse.ArgumentTypeError(f"must be from 1 to 64, not {value}")
    return value


_PER: Final = {"s": 60.0, "sec": 60.0, "m": 1.0, "min": 1.0, "h": 1 / 60, "hour": 1 / 60}


def _per_minute(text: str) -> float:
    """``600``, ``600/min``, ``10/s`` or ``20000/h``: requests per minute."""
    count, _, unit = text.partition("/")
    factor = _PER.get(unit.strip().lower() or "min")
    try:
        value = float(count)
    except ValueError:
        value = math.nan
    if factor is None or not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(
            f"{_given(text)} is not a rate: give N/min (or N/s, N/h) with N > 0, e.g. 600/min"
        )
    return value * factor


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{_given(text)} is not a date (YYYY-MM-DD)") from None


def _invoice_id(text: str) -> int:
    if not text.isdecimal() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{_given(text)} is not an invoice id (a whole number)")
    return int(text)


# --- import, export, pdf: the account they work on ---------------------------------------------

TOKEN_VARIABLE: Final = "INVOCEANIO_API_TOKEN"
#: Refused wherever they appear (before the command too), without echoing their value.
TOKEN_OPTIONS: Final = ("--token", "--api-token", "--api_token")
#: What an unrecognised option's value is shown as.
_MASKED: Final = "***"
_CLI_EXTRA: Final = "pip install 'invoceanio[cli]'"


def _unquoted(message: str, text: str) -> str:
    """``message`` without ``text`` (as typed, or lower-cased as the brand check quotes it)
    when that is too long to echo: a token pasted into --prefix must not be printed back."""
    if len(text) <= _QUOTED_UP_TO:
        return message
    for spelling in (text, text.lower(), text.strip(), text.strip().lower()):
        # A short word padded past the limit is no token, and masking it ("a") would mangle
        # the message around it.
        if len(spelling) > _QUOTED_UP_TO:
            message = message.replace(repr(spelling), _given(text)).replace(spelling, "...")
    return message


def _checked(check: Callable[[str], str]) -> Callable[[str], str]:
    def parse(text: str) -> str:
        try:
            return check(text)
        except ConfigurationError as exc:
            raise argparse.ArgumentTypeError(_unquoted(str(exc), text)) from None
        except (ValueError, TypeError):
            # A check that failed without saying why: argparse would print "invalid parse
            # value: <the value as typed>", a token in a URL's query and all.
            raise argparse.ArgumentTypeError("not a value that can be used") from None

    return parse


# What argparse puts in its own errors from the words as typed: the value given to an option
# that takes none ("--dry-run=T", "-hT": "ignored explicit argument 'T'") and the value a type=
# callable failed on without a message of its own ("invalid int value: 'T'"). A value that is
# none of an option's short list of choices ("--format yaml") is still shown: it helps.
_ECHOES: Final = (
    (re.compile(r"ignored explicit argument .*", re.DOTALL), f"takes no value (given {_MASKED})"),
    (re.compile(r"invalid (\S+) value: .*", re.DOTALL), rf"invalid \1 value: {_MASKED}"),
)


class Parser(argparse.ArgumentParser):
    """argparse's parser, whose errors never show a value argparse copied from the command
    line (see ``_ECHOES``): it may be a token typed in the wrong place. Subcommands' parsers are
    of the same class (``add_subparsers`` makes them so)."""

    def error(self, message: str) -> NoReturn:
        for pattern, masked in _ECHOES:
            message = pattern.sub(masked, message)
        super().error(message)


class _RefuseToken(argparse.Action):
    """``--token`` and friends: refused, without echoing the value (it is a secret)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        parser.error(
            f"the API token is never taken on the command line ({option_string} would keep it "
            f"in your shell history and show it in the process list): set the environment "
            f"variable {TOKEN_VARIABLE} instead"
        )


def add_refused_token_options(container: argparse._ActionsContainer) -> None:
    """The token options, refused (see :class:`_RefuseToken`) and left out of ``--help``."""
    for name in TOKEN_OPTIONS:
        container.add_argument(name, nargs="?", action=_RefuseToken, help=argparse.SUPPRESS)


def masked_arguments(words: Sequence[str]) -> list[str]:
    """Unrecognised arguments as they may be shown in an error: argparse would print them as
    typed, and a mistyped token option (``--api-key=T``, ``--apitoken T``) would put the token
    in the CI log. An option keeps its name and loses its value (``--api-key=***``); a word
    right after an option without ``=`` is masked too, as it may be that option's value. Other
    stray words (a second file name) are shown: they help and are not options' values."""
    shown: list[str] = []
    after_option = False
    for word in words:
        if word.startswith("--"):
            name, equals, _ = word.partition("=")
            shown.append(f"{name}={_MASKED}" if equals else name)
            after_option = not equals
        elif word.startswith("-") and len(word) > 1:
            # A short option carries its value glued on: -kVALUE.
            shown.append(word[:2] + (_MASKED if len(word) > 2 else ""))
            after_option = len(word) == 2
        else:
            shown.append(_MASKED if after_option else word)
            after_option = False
    return shown


def add_account_command(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    *,
    verb: str,
    help: str,
    description: str,
    **options: Any,
) -> argparse.ArgumentParser:
    """A subcommand that talks to an account (import, export, pdf), with the account options.

    No abbreviations: "--api" would match two of the refused token options, and argparse's
    "ambiguous option" error would print the argument, value and all."""
    command = subparsers.add_parser(
        name, allow_abbrev=False, help=help, description=description, **options
    )
    _add_account_options(command, verb)
    return command


def _add_account_options(parser: argparse.ArgumentParser, verb: str) -> None:
    group = parser.add_argument_group(
        "account",
        f"The account to {verb}: --prefix (with --brand) or --base-url, and the API token in "
        f"the environment variable {TOKEN_VARIABLE} (never an option). With neither option "
        f"and {TOKEN_VARIABLE} unset, an embedded sandbox is started for the command (in "
        f"memory, gone when it ends); with {TOKEN_VARIABLE} set and neither option, the "
        "command is refused (exit 2): the token is for an account, so name it.",
    )
    group.add_argument(
        "--prefix", type=_checked(hosts.check_prefix), help="the account's subdomain: acme"
    )
    group.add_argument(
        "--brand",
        type=_checked(hosts.check_brand),
        default=None,
        help="the service's domain, with --prefix (default: invoiceocean.com; "
        + ", ".join(hosts.BRANDS)
        + ")",
    )
    group.add_argument(
        "--base-url",
        type=_checked(hosts.check_base_url),
        metavar="URL",
        help="the account's URL instead of --prefix/--brand (https; http only on loopback)",
    )
    add_refused_token_options(group)


@attrs.frozen
class Account:
    """Where import/export/pdf go: a real account, or (``sandbox``) an embedded sandbox."""

    prefix: str | None = None
    brand: str | None = None
    base_url: str | None = None
    token: Secret | None = None
    format: str = "json"

    @property
    def sandbox(self) -> bool:
        return self.prefix is None and self.base_url is None


def account_from_args(args: argparse.Namespace, parser: argparse.ArgumentParser) -> Account:
    """The account the options name; exits 2 (``parser.error``) when they do not make one."""
    api_format = getattr(args, "format", "json")
    if args.prefix is not None and args.base_url is not None:
        parser.error("give --prefix (with --brand) or --base-url, not both")
    if args.brand is not None and args.prefix is None:
        parser.error("--brand needs --prefix (the account's subdomain)")
    token = os.environ.get(TOKEN_VARIABLE, "")
    if args.prefix is None and args.base_url is None:
        if token.strip():
            parser.error(_token_without_account(token))
        return Account(format=api_format)
    if not token.strip():
        parser.error(
            f"an account is given but {TOKEN_VARIABLE} is not set: export {TOKEN_VARIABLE}=... "
            "(the API token from the account's settings, Integration)"
        )
    return Account(
        prefix=args.prefix,
        brand=args.brand,
        base_url=args.base_url,
        token=Secret(token.strip()),
        format=api_format,
    )


def _token_without_account(token: str) -> str:
    """Why a token in the environment with no account option is refused. Not the embedded
    sandbox, silently: a cron job that lost its --prefix would "import" into a throwaway
    sandbox and exit 0 every night, and the README's demo import (a thousand invoices) must
    not go into a real account either, as the SDK would take a ``TOKEN/acme`` token there.
    The token is never shown, nor the account it names (a token pasted the wrong way round
    would put its secret part there)."""
    names = " and names an account (it ends in /PREFIX)" if "/" in token else ""
    return (
        f"{TOKEN_VARIABLE} is set{names}, but no account is given: pass --prefix (with "
        f"--brand) or --base-url to work on that account, or unset {TOKEN_VARIABLE} "
        f"(env -u {TOKEN_VARIABLE} ...) to use the embedded sandbox; nothing was sent"
    )


@contextlib.asynccontextmanager
async def connect(account: Account, command: str, verb: str) -> AsyncIterator[InvoiceOcean]:
    """A client on ``account``; for the sandbox, one is started first and stderr says so."""
    from invoceanio.client import InvoiceOcean

    if not account.sandbox:
        assert account.token is not None
        async with InvoiceOcean(
            prefix=account.prefix,
            brand=account.brand or "invoiceocean.com",
            base_url=account.base_url,
            api_token=account.token,
            format=account.format,
        ) as io:
            yield io
        return
    from invoceanio.sandbox.server import Sandbox

    async with Sandbox() as sandbox:
        _say(
            command,
            f"no account given (--prefix or --base-url): {verb} the embedded sandbox at "
            f"{sandbox.url} (in memory: gone when this command ends)",
        )
        async with InvoiceOcean(
            base_url=sandbox.url, api_token=sandbox.token, format=account.format
        ) as io:
            yield io


# --- stopping: Ctrl-C and SIGTERM --------------------------------------------------------------

#: The exit statuses of a command stopped by a signal, as a shell reports a process killed by
#: it (128 + its number): Ctrl-C (SIGINT) and SIGTERM (``timeout``, systemd, a cancelled CI job).
EXIT_INTERRUPTED: Final = 130
EXIT_TERMINATED: Final = 143


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C raises KeyboardInterrupt (see :func:`run_async` and
    :func:`sigterm_as_interrupt`). A KeyboardInterrupt itself, so that whatever cleans up after
    Ctrl-C (a partial file removed, the failures file and the journal left right) cleans up
    after SIGTERM too."""


def stop_outcome(stop: KeyboardInterrupt) -> tuple[str, int]:
    """What a command stopped by ``stop`` says it was, and the status it exits with."""
    if isinstance(stop, Terminated):
        return "terminated (SIGTERM)", EXIT_TERMINATED
    return "interrupted", EXIT_INTERRUPTED


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """While active, SIGTERM raises :class:`Terminated` in synchronous code, where Ctrl-C
    raises KeyboardInterrupt (in the event loop of :func:`run_async` it cancels the command's
    task instead). Python's default for SIGTERM is to die on the spot, leaving a ``.part``
    file or an empty failures file behind.

    Only in the main thread (no other may set a handler) and only over SIGTERM's default
    action: a program that runs :func:`invoceanio.cli.main` with a handler of its own keeps it.
    The previous handler is put back on the way out."""
    if not _may_handle_sigterm():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def _may_handle_sigterm() -> bool:
    return threading.current_thread() is threading.main_thread() and signal.getsignal(
        signal.SIGTERM
    ) in (signal.SIG_DFL, _raise_terminated)


def run_async(main: Coroutine[Any, Any, int]) -> int:
    """``asyncio.run(main)``, with SIGTERM handled as asyncio.run handles Ctrl-C: ``main`` is
    cancelled, cleans up as it unwinds, and :class:`Terminated` is raised once it has.

    A handler of the running loop (``add_signal_handler``): it runs between two steps of the
    loop, never in the middle of the command's code as a Python signal handler would. A second
    SIGTERM during the clean-up changes nothing (it is short; SIGKILL is there for a hung one)."""
    terminated = False

    async def cancelled_by_sigterm() -> int:
        task = asyncio.current_task()
        assert task is not None

        def on_sigterm() -> None:
            nonlocal terminated
            if not terminated:
                terminated = True
                task.cancel()

        with _sigterm_in_loop(on_sigterm):
            return await main

    try:
        return asyncio.run(cancelled_by_sigterm())
    except asyncio.CancelledError:
        if terminated:
            raise Terminated from None
        raise


@contextlib.contextmanager
def _sigterm_in_loop(callback: Callable[[], None]) -> Iterator[None]:
    """``callback`` on SIGTERM in the running loop, then the handler from before (removing a
    loop's handler leaves the default). Nothing where no handler can be set: a worker thread,
    Windows' event loop, a program's own SIGTERM handler."""
    loop = asyncio.get_running_loop()
    previous = signal.getsignal(signal.SIGTERM)
    installed = False
    if _may_handle_sigterm():
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGTERM, callback)
            installed = True
    try:
        yield
    finally:
        if installed:
            loop.remove_signal_handler(signal.SIGTERM)
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)


def _say(command: str, message: str) -> None:
    print(f"{PROG} {command}: {message}", file=sys.stderr, flush=True)


class ProgressBar(Protocol):
    """What the commands call on a progress bar: tqdm's, or :class:`NoProgressBar`."""

    def update(self, n: float = 1) -> object: ...

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> object: ...

    def close(self) -> object: ...


class NoProgressBar:
    """A progress bar that shows nothing: the stand-in for tqdm's when the ``cli`` extra is
    missing. Takes tqdm's options and ignores them, so the commands run the same without it."""

    def __init__(self, *args: object, **options: object) -> None:
        pass

    def update(self, n: float = 1) -> None:
        pass

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        pass

    def close(self) -> None:
        pass


def load_tqdm(command: str) -> Callable[..., ProgressBar]:
    """tqdm's ``tqdm`` class; :class:`NoProgressBar` (and a note) when the ``cli`` extra is
    missing. Without it the command still runs, only without bars: a dry run in CI, or an
    import on a server where only ``invoceanio`` was installed, must not fail for want of a
    progress bar.

    Loaded by name: tqdm ships no type hints, and mypy must pass where it is not installed.
    """
    import importlib

    try:
        tqdm: Callable[..., ProgressBar] = importlib.import_module("tqdm").tqdm
    except ImportError:
        _say(command, f"tqdm is not installed, so no progress bars ({_CLI_EXTRA} adds them)")
        return NoProgressBar
    return tqdm


def _bar(tqdm: Callable[..., ProgressBar], **options: Any) -> ProgressBar:
    # On a terminal the bar redraws in place. In a log (a nightly cron job, CI) a redraw is a
    # carriage return the log keeps: the whole run would be one line. There each update is a
    # line of its own, at most one every 30 seconds (and the last one at the end).
    if sys.stderr.isatty():
        return tqdm(file=sys.stderr, mininterval=0.1, dynamic_ncols=True, **options)
    return tqdm(file=_LogLines(sys.stderr), mininterval=30.0, maxinterval=30.0, **options)


class _LogLines:
    """tqdm's output as lines: its redraw (``\\r`` and the status, padded) becomes the status
    on a line of its own; a write with nothing to show (clearing, the final newline) is
    dropped."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        line = text.replace("\r", "").rstrip()
        if line:
            self._stream.write(line + "\n")
        return len(text)

    def flush(self) -> None:
        self._stream.flush()


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def _access_refused(command: str, error: BaseException) -> int:
    _say(
        command,
        f"the account refused the token ({_describe(error)}): check {TOKEN_VARIABLE} "
        "and --prefix/--base-url",
    )
    return 2
