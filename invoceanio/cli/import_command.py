"""``invoceanio import``: import the invoices of a .csv or .jsonl file, none lost and none twice.

The file is read twice: once to check all of it before anything is sent (an unusable file
stops there, exit 2), then again to send each invoice as it is read. Invoices that fail are
written to a failures file, opened before anything is sent (one that cannot be written stops
there too, exit 2). (``import`` is a keyword, hence the module's name.)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Final

import attrs

from invoceanio.cli.options import (
    Account,
    ProgressBar,
    _access_refused,
    _bar,
    _count,
    _per_minute,
    _positive_int,
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

if TYPE_CHECKING:
    from invoceanio.formats.failures import FailuresFile
    from invoceanio.importer import ImportItem, ImportProgress, ImportReport


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    command = add_account_command(
        subparsers,
        "import",
        verb="import into",
        help="import invoices from a .csv or .jsonl file, none lost and none twice",
        description=(
            "Import every invoice of FILE (.csv: one row per position, rows grouped by "
            "invoice_key; .jsonl: one invoice object per line; see examples/README.md). The "
            "whole file is checked first: an unusable file or header stops before anything is "
            "sent (exit 2), a file of no invoices is nothing to do (exit 0); a bad invoice is "
            "reported with its line numbers and the rest go on. "
            "Each invoice is sent with an oid (its own, its invoice_key, or a digest of it), so "
            "running the same file again creates nothing twice. Exit 0 when every invoice went "
            "in, 1 when some failed (see the failures file)."
        ),
        epilog=_columns_help(),
    )
    command.add_argument("file", type=Path, metavar="FILE", help="a .csv or .jsonl file")
    command.add_argument(
        "--format",
        choices=("json", "xml"),
        default="json",
        help="what the API calls speak (default: json)",
    )
    command.add_argument(
        "--concurrency",
        type=_positive_int,
        default=4,
        metavar="N",
        help="invoices sent at once, at most (default: 4; fewer while the server pushes back)",
    )
    command.add_argument(
        "--rate",
        type=_per_minute,
        default=None,
        metavar="N/min",
        help="send at most N invoices a minute (default: as fast as the server allows)",
    )
    command.add_argument(
        "--journal",
        type=Path,
        default=None,
        metavar="PATH",
        help=(
            "a SQLite journal of the import: an interrupted run started again with the same "
            "journal skips what was confirmed and resumes the rest. It belongs to the account "
            "of its first run (refused for another) and to one run at a time"
        ),
    )
    command.add_argument(
        "--failures",
        type=Path,
        default=None,
        metavar="PATH",
        help="where to write the invoices that failed, one JSON object a line "
        "(default: FILE's name followed by .failures.jsonl, beside it)",
    )
    command.add_argument(
        "--dry-run",
        action="store_true",
        help="check the whole file and report, send nothing (needs no account)",
    )
    command.set_defaults(handler=run, parser=command)


def _columns_help() -> str:
    from invoceanio.formats.fields import INVOICE_FIELDS, POSITION_FIELDS, POSITION_PREFIX

    return (
        "CSV columns (any order; the rows of one invoice are consecutive and share "
        "invoice_key; invoice columns on every row or on its first row only): invoice_key; "
        f"invoice: {', '.join(INVOICE_FIELDS)}; position: "
        f"{', '.join(POSITION_PREFIX + name for name in POSITION_FIELDS)}. Required: "
        "invoice_key, buyer_name (or buyer_first_name/buyer_last_name, or client_id), and "
        "for each position position_name, position_tax (a rate or zw, np, oo...), "
        "position_quantity and a price (position_total_price_gross, position_price_net, "
        "position_price_gross or position_total_price_net). Decimals take a dot or a comma; "
        "dates are YYYY-MM-DD. The token: export INVOCEANIO_API_TOKEN=..."
    )


@attrs.define
class _Tally:
    """What became of the file's invoices, for the bar and the summary."""

    created: int = 0
    existed: int = 0
    skipped: int = 0
    failed: int = 0
    rejected: int = 0  # refused by the reader, never sent
    positions: int = 0
    ready: int = 0
    shown: list[str] = attrs.Factory(list)  # the first failures, for the summary

    def failure(self, source: str | None, error: str | None, *, located: bool = False) -> None:
        """Note a failure for the summary; ``located`` when the error names its lines."""
        if len(self.shown) < _SHOWN_FAILURES:
            text = error or "unknown error"
            self.shown.append(text if located else f"{source}: {text}")

    @property
    def postfix(self) -> str:
        return (
            f"created={self.created} existed={self.existed} skipped={self.skipped} "
            f"failed={self.failed + self.rejected}"
        )


_SHOWN_FAILURES: Final = 10
#: What a journal used with the embedded sandbox is tied to, instead of the sandbox's URL: a
#: new sandbox (and port) is started for every command, and a run started again with the same
#: journal must still resume; a real account's URL never matches this.
SANDBOX_JOURNAL_TARGET: Final = "the embedded sandbox"


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from invoceanio.formats.failures import FailuresFile, default_failures_path

    tqdm = load_tqdm("import")
    account = Account() if args.dry_run else account_from_args(args, parser)
    failures = FailuresFile(args.failures or default_failures_path(args.file))
    try:
        with sigterm_as_interrupt():
            return _import_file(args, account, tqdm, failures)
    except KeyboardInterrupt as stop:  # Ctrl-C or SIGTERM
        # Stopped: an earlier run's failures file is kept unless this run wrote its own.
        failures.discard()
        how, status = stop_outcome(stop)
        resume = (
            f"run the same command again to resume from the journal {args.journal}"
            if args.journal is not None
            else "run it again: what was created is recognised by its oid, not created twice"
        )
        _say("import", f"{how}; {resume}")
        return status


def _import_file(
    args: argparse.Namespace,
    account: Account,
    tqdm: Callable[..., ProgressBar],
    failures: FailuresFile,
) -> int:
    """Check the input, open the failures file, read the whole file once, then (unless a dry
    run) send it: the command's work, which Ctrl-C and SIGTERM stop (see :func:`run`)."""
    from invoceanio.formats import InputFileError, NoInvoicesError, read_invoices

    try:
        # The input first (a missing one says so, not that its failures file cannot be made).
        read_invoices(args.file).close()
    except InputFileError as exc:
        _say("import", f"{exc}; nothing was sent")
        return 2
    problem = _shared_file(args.file, args.journal, failures.path)
    if problem is None:
        problem = _open_failures(failures)
    if problem is not None:
        _say("import", f"{problem}; nothing was sent")
        return 2
    tally = _Tally()
    try:
        _check_file(args.file, tqdm, tally, failures if args.dry_run else None)
    except NoInvoicesError as exc:
        # What an export of an empty period writes: nothing to do is no mistake, and a
        # script that exports and imports again must not stop on it.
        failures.discard()
        print(f"{exc}; nothing was sent", flush=True)
        return 0
    except InputFileError as exc:
        failures.discard()
        _say("import", f"{exc}; nothing was sent")
        return 2
    if args.dry_run:
        return _dry_run_summary(args.file, tally, failures)
    return run_async(_import(args, account, tqdm, tally.ready + tally.rejected, failures))


def _same_file(one: Path, other: Path) -> bool:
    """Whether two paths name one file: the same file when both exist (a hard link, a
    symlink), else the same real path (symlinks resolved, ``a/../b`` spelled out)."""
    try:
        if one.exists() and other.exists():
            return one.samefile(other)
    except (OSError, ValueError):
        pass
    try:
        return one.resolve() == other.resolve()
    except (OSError, RuntimeError, ValueError):  # a symlink loop: RuntimeError before 3.13
        return one.absolute() == other.absolute()


def _shared_file(path: Path, journal: Path | None, failures: Path) -> str | None:
    """What is wrong when two of the input file, the journal (with the files SQLite and its
    lock put beside it) and the failures file are one file, else None: the failures file would
    be written over the journal or the input, the journal's lock over the input."""
    from invoceanio.journal import journal_files

    if _same_file(failures, path):
        return f"the failures file {failures} is the input file: give another --failures"
    if journal is None:
        return None
    try:
        database, *side_files = journal_files(journal)
    except ConfigurationError as exc:
        return str(exc)
    if _same_file(database, path):
        return f"the journal {journal} is the input file: give another --journal"
    if _same_file(database, failures):
        return f"the failures file {failures} is the journal: give another --failures"
    for side in side_files:
        if _same_file(side, path):
            return (
                f"the input file {path} is {side}, a file of the journal {journal}: "
                "give another --journal"
            )
        if _same_file(side, failures):
            return (
                f"the failures file {failures} is {side}, a file of the journal {journal}: "
                "give another --failures"
            )
    return None


def _open_failures(failures: FailuresFile) -> str | None:
    """Open the failures file before anything is sent; what is wrong with it, else None. One
    that cannot be written would otherwise stop the import at its first failure, halfway."""
    try:
        failures.open()
    except OSError as exc:
        return (
            f"cannot write the failures file {failures.path}: {exc.strerror or exc} "
            "(give a path in a folder you can write to with --failures)"
        )
    return None


def _check_file(
    path: Path, tqdm: Callable[..., ProgressBar], tally: _Tally, failures: FailuresFile | None
) -> None:
    """Read the whole file once before anything is sent: a header problem, a file that is not
    UTF-8 further down, or a file with no invoice stops here (InputFileError). Counts what is
    ready to send and what the reader rejects (written to ``failures`` for a dry run)."""
    from invoceanio.formats import RowError, read_invoices

    # Only on a terminal: in a log, a bar that vanishes when done is noise.
    bar = _bar(
        tqdm, desc="checking", unit=" invoices", leave=False, disable=not sys.stderr.isatty()
    )
    try:
        with read_invoices(path) as reader:
            for item in reader:
                bar.update(1)
                if isinstance(item, RowError):
                    tally.rejected += 1
                    tally.failure(item.source, item.error, located=True)
                    if failures is not None:
                        failures.write(
                            source=item.source, stage="file", error=item.error, data=item.data
                        )
                    continue
                tally.ready += 1
                positions = item.data.get("positions") if isinstance(item.data, dict) else None
                tally.positions += len(positions) if isinstance(positions, list) else 0
    finally:
        bar.close()


def _dry_run_summary(path: Path, tally: _Tally, failures: FailuresFile) -> int:
    removed = failures.close()
    lines = [
        f"dry run of {path}: nothing was sent",
        f"  ready to send:  {_count(tally.ready, 'invoice')} "
        f"({_count(tally.positions, 'position')})",
        f"  rejected:       {tally.rejected}",
        *_failure_lines(tally, failures, removed),
    ]
    print("\n".join(lines), flush=True)
    return 0 if tally.rejected == 0 else 1


async def _import(
    args: argparse.Namespace,
    account: Account,
    tqdm: Callable[..., ProgressBar],
    total: int,
    failures: FailuresFile,
) -> int:
    """The second reading of the file: each invoice sent as it is read (``total`` of them,
    rejects included, counted by the first)."""
    from invoceanio.errors import AuthenticationError, PermissionDeniedError
    from invoceanio.formats import InputFileError, RowError, read_invoices

    tally = _Tally()
    try:
        async with connect(account, "import", "importing into") as io:
            bar = _bar(tqdm, desc="importing", unit=" invoices", total=total)

            # A file that became unreadable after its check (rewritten in place mid-run): the
            # run ends there with its report, since what was read before may have been sent.
            stopped: list[InputFileError] = []

            def items() -> Iterator[ImportItem]:
                try:
                    yield from read_items()
                except InputFileError as exc:
                    stopped.append(exc)

            def read_items() -> Iterator[ImportItem]:
                # The reader's rejects never reach the importer: written down and counted here.
                with read_invoices(args.file) as reader:
                    for item in reader:
                        if isinstance(item, RowError):
                            tally.rejected += 1
                            tally.failure(item.source, item.error, located=True)
                            failures.write(
                                source=item.source, stage="file", error=item.error, data=item.data
                            )
                            bar.update(1)
                            bar.set_postfix_str(tally.postfix, refresh=False)
                        else:
                            yield item

            def on_progress(progress: ImportProgress) -> None:
                tally.created, tally.existed = progress.created, progress.existed
                tally.skipped, tally.failed = progress.skipped, progress.failed
                result = progress.last
                if result.status == "failed":
                    tally.failure(result.source, result.error)
                    failures.write(
                        source=result.source,
                        stage="send",
                        oid=result.oid,
                        error=result.error,
                        data=result.data,
                    )
                bar.update(1)
                bar.set_postfix_str(tally.postfix, refresh=False)

            try:
                report = await io.invoices.create_many(
                    items(),
                    concurrency=args.concurrency,
                    rate_per_minute=args.rate,
                    journal=args.journal,
                    on_progress=on_progress,
                    journal_target=SANDBOX_JOURNAL_TARGET if account.sandbox else None,
                    # Each failure is written to the failures file as it comes (on_progress):
                    # kept in the report too, a file of refused rows grew without bound.
                    keep_failures=False,
                )
            finally:
                bar.close()
            where = io.base_url
    except (AuthenticationError, PermissionDeniedError) as exc:
        # Stopped: an earlier run's failures file is kept unless this run wrote its own.
        failures.discard()
        return _access_refused("import", exc)
    except (InputFileError, ConfigurationError) as exc:
        # Refused before sending (a journal of another account or in use, the file changed
        # since it was checked): an earlier run's failures file stays as it was.
        failures.discard()
        _say("import", str(exc))
        return 2
    if stopped and report.done == 0 and tally.rejected == 0:
        failures.discard()
        _say("import", f"{stopped[0]}; nothing was sent")
        return 2
    removed = failures.close()
    _print_import_summary(args.file, where, account, report, tally, failures, removed)
    if stopped:
        _say(
            "import",
            f"stopped reading the file: {stopped[0]}; what was read before it is counted above. "
            "Fix the file and run the same command again: what was created is recognised by "
            "its oid, not created twice",
        )
        return 1
    return 0 if report.failed == 0 and tally.rejected == 0 else 1


def _print_import_summary(
    path: Path,
    where: str,
    account: Account,
    report: ImportReport,
    tally: _Tally,
    failures: FailuresFile,
    removed: bool,
) -> None:
    sent = report.created + report.existed
    rate = sent / report.elapsed if report.elapsed > 0 else 0.0
    target = f"the embedded sandbox at {where}" if account.sandbox else where
    lines = [
        f"imported {path} into {target}",
        f"  created:          {report.created}",
        f"  already existed:  {report.existed}",
        f"  skipped:          {report.skipped}"
        + (" (confirmed in the journal by an earlier run)" if report.skipped else ""),
        f"  failed:           {report.failed + tally.rejected}"
        + (f" ({tally.rejected} rejected before sending)" if tally.rejected else ""),
        *_failure_lines(tally, failures, removed),
        f"  elapsed:          {report.elapsed:.1f} s ({rate:.1f} invoices/s, {rate * 60:.0f}/min)",
    ]
    print("\n".join(lines), flush=True)


def _failure_lines(tally: _Tally, failures: FailuresFile, removed: bool) -> list[str]:
    lines = [f"    {text}" for text in tally.shown]
    more = failures.count - len(tally.shown)
    if more > 0:
        lines.append(f"    ... and {more} more")
    if failures.error is not None:
        lines.append(f"  failures file:    {failures.path} is INCOMPLETE: {failures.error}")
    elif failures.count:
        lines.append(f"  failures file:    {failures.path}")
    elif removed:
        lines.append(f"  failures file:    none (the earlier run's {failures.path} was removed)")
    return lines
