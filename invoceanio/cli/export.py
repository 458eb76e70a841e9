"""``invoceanio export``: write the invoices of a period, with their positions, to a .jsonl or
.csv file (the format ``import`` reads), which appears only when the export is complete.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from invoceanio.cli.options import (
    Account,
    ProgressBar,
    _access_refused,
    _bar,
    _count,
    _describe,
    _iso_date,
    _say,
    account_from_args,
    add_account_command,
    connect,
    load_tqdm,
    run_async,
    sigterm_as_interrupt,
    stop_outcome,
)
from invoceanio.errors import ConfigurationError
from invoceanio.models.values import Period

# "all" first: the export's default, not the API's.
_PERIODS: Final = (
    Period.ALL.value,
    *(period.value for period in Period if period is not Period.ALL),
)


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    command = add_account_command(
        subparsers,
        "export",
        verb="export from",
        help="write every invoice of a period to a .jsonl or .csv file",
        description=(
            "Write the invoices of a period, with their positions, to FILE: .jsonl (one "
            "invoice per line, the API's JSON) or .csv (the format import reads, so the file "
            "imports back). The file appears only when the export is complete."
        ),
    )
    command.add_argument(
        "--period",
        choices=_PERIODS,
        default=None,
        help="which invoices, by issue date (default: all; 'more' with --date-from/--date-to)",
    )
    command.add_argument("--date-from", type=_iso_date, metavar="D", help="first issue date")
    command.add_argument("--date-to", type=_iso_date, metavar="D", help="last issue date")
    command.add_argument(
        "--out", type=Path, required=True, metavar="FILE", help="FILE.jsonl or FILE.csv"
    )
    command.add_argument(
        "--format",
        choices=("json", "xml"),
        default="json",
        help="what the API calls speak (default: json)",
    )
    command.set_defaults(handler=run, parser=command)


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from invoceanio.formats import SUFFIXES

    if args.out.suffix.lower() not in SUFFIXES:
        parser.error(f"--out must end in .jsonl or .csv, not {args.out.name!r}")
    if not args.out.parent.is_dir():
        parser.error(f"--out: the folder {args.out.parent} does not exist")
    if args.out.is_dir():
        # Refused before anything is read: found only at the end, after the whole download.
        parser.error(f"--out: {args.out} is a folder; name the file to write")
    dated = args.date_from is not None or args.date_to is not None
    if dated and args.period not in (None, "more"):
        parser.error(f"--date-from/--date-to go with --period more, not --period {args.period}")
    filters: dict[str, Any] = {"period": args.period or ("more" if dated else "all")}
    if args.date_from is not None:
        filters["date_from"] = args.date_from
    if args.date_to is not None:
        filters["date_to"] = args.date_to
    tqdm = load_tqdm("export")
    account = account_from_args(args, parser)
    try:
        with sigterm_as_interrupt():
            return run_async(_export(args.out, filters, account, tqdm))
    except KeyboardInterrupt as stop:  # Ctrl-C or SIGTERM: the partial file is removed
        how, status = stop_outcome(stop)
        _say("export", f"{how}; {args.out} was not written")
        return status


async def _export(
    out: Path, filters: dict[str, Any], account: Account, tqdm: Callable[..., ProgressBar]
) -> int:
    from invoceanio.errors import (
        AuthenticationError,
        InvoiceOceanError,
        PermissionDeniedError,
    )
    from invoceanio.formats import InvoiceWriter

    started = time.monotonic()
    exported = 0
    try:
        async with connect(account, "export", "exporting from") as io:
            with InvoiceWriter(out) as writer:
                bar = _bar(tqdm, desc="exporting", unit=" invoices")
                try:
                    async for invoice in io.invoices.iterate(include_positions=True, **filters):
                        writer.write(invoice)
                        exported += 1
                        bar.update(1)
                finally:
                    bar.close()
                writer.commit()
    except (AuthenticationError, PermissionDeniedError) as exc:
        return _access_refused("export", exc)
    except ConfigurationError as exc:
        _say("export", str(exc))
        return 2
    except (InvoiceOceanError, OSError) as exc:
        _say("export", f"failed after {exported} invoices, {out} not written: {_describe(exc)}")
        return 1
    elapsed = time.monotonic() - started
    print(f"exported {_count(exported, 'invoice')} to {out} in {elapsed:.1f} s", flush=True)
    return 0
