"""The ``invoceanio`` command line: one subcommand per tool (``sandbox``, ``endpoints``,
``import``, ``export``, ``pdf``). Each subcommand is a module of this package (``import`` is
``import_command``: the name is a keyword) with an ``add_parser(subparsers)`` that builds its
parser and a ``run`` handler that takes the parsed arguments and returns the exit status; what
they share (argument types, the account options, progress bars) is in ``options``.

``invoceanio sandbox`` runs the embedded InvoiceOcean-compatible server until it is interrupted.
It prints its base URL *alone on the first line of stdout* (so scripts can read one line and go)
and everything meant for people (token, seed, how to point the SDK at it) on stderr.

Exit statuses: 0 after a clean stop (SIGINT/SIGTERM), 1 when the server cannot start (port in
use, unknown host), 2 for bad options (argparse's convention, with a message and no traceback).

``invoceanio import``, ``export`` and ``pdf`` work on an account given by ``--prefix``
(``--brand``) or ``--base-url``, with the token from the environment variable
``INVOCEANIO_API_TOKEN`` only (an option would put it in the shell history and the process
list); with no account and no token they use an embedded sandbox and say so, and a token with
no account is refused (exit 2), never quietly taken to the sandbox nor to the account a
``TOKEN/acme`` token names. Their progress bars are tqdm's (the ``cli`` extra), on stderr;
results go to stdout. Exit statuses: 0 when everything went through, 1 when some invoices or
files failed (each reported), 2 for an unusable input file or options (nothing is sent then),
130 when interrupted (Ctrl-C), 143 when terminated (SIGTERM: ``timeout``, systemd, a cancelled
CI job), both after the same clean-up (no partial file left). Any command whose stdout is
closed by its reader (``| head``) ends with 141, a shell's status for SIGPIPE, and no
traceback. What cannot be printed in the output's encoding (a file name that is not UTF-8) is
printed as a backslash escape, never a UnicodeEncodeError.

Heavy modules (aiohttp, the server) are imported only when a command that needs them runs, so
``invoceanio --version`` and ``--help`` stay quick.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import cast

from invoceanio._version import __version__
from invoceanio.cli import endpoints, export, import_command, pdf, sandbox
from invoceanio.cli.options import PROG as PROG
from invoceanio.cli.options import (
    TOKEN_VARIABLE,
    Account,
    Parser,
    account_from_args,
    add_refused_token_options,
    connect,
    masked_arguments,
)
from invoceanio.cli.options import load_tqdm as load_tqdm
from invoceanio.cli.pdf import pdf_file_name
from invoceanio.cli.sandbox import DEFAULT_SANDBOX_TOKEN as DEFAULT_SANDBOX_TOKEN
from invoceanio.cli.sandbox import fault_config_from_args
from invoceanio.errors import ConfigurationError

__all__ = [
    "TOKEN_VARIABLE",
    "Account",
    "account_from_args",
    "build_parser",
    "connect",
    "fault_config_from_args",
    "main",
    "pdf_file_name",
]

Handler = Callable[[argparse.Namespace, argparse.ArgumentParser], int]


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: each subcommand's module adds its parser (``add_parser``) here."""
    # No abbreviations, as in the account commands: "--api=T" would match two refused token
    # options, and argparse's "ambiguous option" error would print it, value and all.
    parser = Parser(
        prog=PROG,
        description="Tools for the InvoiceOcean / Fakturownia invoicing API.",
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    add_refused_token_options(parser)
    # Of Parser too (add_subparsers takes the parser's class); typed as argparse's for the
    # commands' add_parser.
    subparsers = cast(
        "argparse._SubParsersAction[argparse.ArgumentParser]",
        parser.add_subparsers(dest="command", metavar="COMMAND", required=True),
    )
    sandbox.add_parser(subparsers)
    endpoints.add_parser(subparsers)
    import_command.add_parser(subparsers)
    export.add_parser(subparsers)
    pdf.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line (``argv`` defaults to ``sys.argv[1:]``) and return the exit status.

    Bad options raise SystemExit(2) after argparse prints the usage and the problem; an
    unrecognised option is named with its value masked (it may be a mistyped token option).
    """
    with _escaping_what_cannot_be_printed():
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    words = sys.argv[1:] if argv is None else list(argv)
    _refuse_options_before_the_command(parser, words)
    # parse_args would print the unrecognised arguments as typed: they are masked here.
    args, unknown = parser.parse_known_args(words)
    if unknown:
        parser.error(f"unrecognized arguments: {' '.join(masked_arguments(unknown))}")
    handler: Handler = args.handler
    # Errors found after parsing are reported by the subcommand's parser ("invoceanio sandbox:").
    command_parser: argparse.ArgumentParser = args.parser
    try:
        return handler(args, command_parser)
    except KeyboardInterrupt:
        # Only reached where signal handlers cannot be installed (Windows): still a clean stop.
        return 0
    except ConfigurationError as exc:
        # Each command reports its own; this is the net under them: a bad option or environment
        # is a message and exit 2, never a traceback (the SDK's messages never hold the token).
        print(f"{PROG} {args.command}: {exc}", file=sys.stderr, flush=True)
        return 2
    except BrokenPipeError:
        # The reader of stdout went away (`invoceanio endpoints | head`): nothing is wrong with
        # the command. Python would print a traceback, and another at exit flushing stdout.
        _silence_stdout()
        return 141  # what a shell reports for SIGPIPE (128 + 13)


def _refuse_options_before_the_command(parser: argparse.ArgumentParser, words: list[str]) -> None:
    """Before the command, only the top level's own options are read (--help, --version, the
    refused token options). Any other is refused here, masked: argparse would take the word
    after it (``--api-key T import``, the value) for the command, and print it in its "invalid
    choice" error."""
    known = parser._option_string_actions
    for word in words:
        if word == "--" or not word.startswith("-") or word == "-":
            return  # the command (or a word argparse reports without an option's value)
        if word.partition("=")[0] not in known:
            parser.error(
                f"unrecognized arguments: {' '.join(masked_arguments([word]))} "
                f"(options go after the command: {PROG} COMMAND [OPTIONS])"
            )


@contextlib.contextmanager
def _escaping_what_cannot_be_printed() -> Iterator[None]:
    """While main() runs, stdout and stderr write what their encoding cannot encode as a
    backslash escape instead of raising UnicodeEncodeError. A file name that is not UTF-8
    (``--out $'\\xff.csv'``) is text with lone surrogates: where stdout is strict UTF-8
    (PYTHONIOENCODING=utf-8, a UTF-8 locale outside UTF-8 mode), printing it in the summary
    failed after the work was done, with a traceback and exit 1. A stream that already does
    better (surrogateescape writes the name's own bytes) is left as it is."""
    changed: list[io.TextIOWrapper] = []
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors="backslashreplace")
            changed.append(stream)
    try:
        yield
    finally:
        for stream in changed:
            # Put back for a caller that runs main() in its own process (a test, a program);
            # a stream closed or a reader gone meanwhile has nothing left to put back.
            with contextlib.suppress(OSError, ValueError):
                stream.reconfigure(errors="strict")


def _silence_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
