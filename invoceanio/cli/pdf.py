"""``invoceanio pdf``: download the PDF of invoices into a folder, each named by the invoice's
number made safe for a file name and its id (:func:`pdf_file_name`).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Final

from invoceanio.cli.options import (
    Account,
    ProgressBar,
    _access_refused,
    _bar,
    _count,
    _describe,
    _invoice_id,
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


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    command = add_account_command(
        subparsers,
        "pdf",
        verb="download from",
        help="download the PDF of invoices",
        description=(
            "Download the PDF of each invoice ID into DIR as 'NUMBER (ID).pdf': the invoice's "
            "number made safe for a file name ('FV 1/11/2026' is 'FV 1-11-2026 (4211).pdf'), "
            "then its id, which two invoices never share (a VAT invoice and a proforma may "
            "share a number); 'ID.pdf' when it has no number. A file of that name is that "
            "invoice's earlier download: it is replaced, so running the command again "
            "refreshes the same files, and no other file is ever written over. Exit 1 if any "
            "failed."
        ),
    )
    command.add_argument("ids", type=_invoice_id, nargs="+", metavar="ID", help="invoice ids")
    command.add_argument(
        "--out", type=Path, required=True, metavar="DIR", help="folder for the PDFs (created)"
    )
    command.add_argument(
        "--concurrency",
        type=_positive_int,
        default=4,
        metavar="N",
        help="downloads at once, at most (default: 4)",
    )
    command.set_defaults(handler=run, parser=command)


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.out.exists() and not args.out.is_dir():
        parser.error(f"--out: {args.out} is a file, not a folder")
    tqdm = load_tqdm("pdf")
    account = account_from_args(args, parser)
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        parser.error(f"--out: cannot create {args.out}: {exc.strerror or exc}")
    ids = list(dict.fromkeys(args.ids))  # each once, in the order given
    try:
        with sigterm_as_interrupt():
            return run_async(_pdfs(ids, args.out, args.concurrency, account, tqdm))
    except KeyboardInterrupt as stop:  # Ctrl-C or SIGTERM: no partial file is left
        how, status = stop_outcome(stop)
        _say("pdf", how)
        return status


async def _pdfs(
    ids: list[int], out: Path, concurrency: int, account: Account, tqdm: Callable[..., ProgressBar]
) -> int:
    from invoceanio.bulk import iter_bounded
    from invoceanio.errors import AuthenticationError, ConfigurationError, PermissionDeniedError

    failed: list[str] = []
    written = 0
    replaced = 0

    try:
        async with connect(account, "pdf", "downloading from") as io:

            async def download(invoice_id: int) -> bool:
                """Write the invoice's PDF; whether it replaced an earlier download of it."""
                invoice = await io.invoices.get(invoice_id, fields=["id", "number"])
                body = await io.invoices.pdf(invoice_id)
                path = out / pdf_file_name(invoice.number, invoice_id)
                # A name of its own: two runs into one folder must not share a ".part".
                part = path.with_name(f"{path.name}.{secrets.token_hex(4)}.part")
                try:
                    part.write_bytes(body)
                    # Only this invoice's file can be there (the name carries its id): replacing
                    # it is the refresh a second run is for. Looked at only for the summary.
                    earlier = path.exists()
                    os.replace(part, path)
                except BaseException:
                    part.unlink(missing_ok=True)
                    raise
                return earlier

            bar = _bar(tqdm, desc="downloading", unit=" PDFs", total=len(ids))
            try:
                async for outcome in iter_bounded(ids, download, concurrency=concurrency):
                    bar.update(1)
                    if outcome.error is None:
                        written += 1
                        replaced += bool(outcome.value)
                        continue
                    if isinstance(outcome.error, AuthenticationError | PermissionDeniedError):
                        raise outcome.error
                    failed.append(f"invoice {outcome.item}: {_describe(outcome.error)}")
            finally:
                bar.close()
    except (AuthenticationError, PermissionDeniedError) as exc:
        return _access_refused("pdf", exc)
    except ConfigurationError as exc:
        # Refused before anything was sent: the client cannot be made from the options and the
        # environment (a token with a space or a control character in it...). A download's own
        # ConfigurationError is that invoice's failure, reported below.
        _say("pdf", f"{exc}; nothing was downloaded")
        return 2
    lines = [f"wrote {_count(written, 'PDF')} to {out}" + _replaced_note(replaced)]
    if failed:
        lines.append(f"failed: {len(failed)}")
        lines.extend(f"  {text}" for text in failed)
    print("\n".join(lines), flush=True)
    return 1 if failed else 0


_UNSAFE: Final = re.compile(r"[^\w.\- ]+")
_MAX_STEM_BYTES: Final = 150


def _replaced_note(replaced: int) -> str:
    if not replaced:
        return ""
    # Named by the invoice's id, the file replaced was that invoice's own, from an earlier run.
    return f" ({replaced} refreshed: the same invoice's file from an earlier run)"


def pdf_file_name(number: str | None, invoice_id: int) -> str:
    """``FV 1/11/2026`` of invoice 42 -> ``FV 1-11-2026 (42).pdf``: the number with path
    separators and other characters a file system may refuse replaced, then the id; ``42.pdf``
    when nothing is left of the number.

    The id is always there: a name must belong to one invoice whatever else the folder holds.
    Two invoices may share a number (a VAT invoice and a proforma are separate series), and a
    name given only while free ("FV 1-11-2026.pdf" if no such file yet) could not tell, on the
    next run, whose file is already there: replaced, it may be another invoice's PDF; kept,
    every refresh would add copies. With the id, the file of that name is this invoice's earlier
    download, and a run of the same command refreshes the same files."""
    stem = _UNSAFE.sub("_", (number or "").replace("/", "-").replace("\\", "-")).strip(" .")
    # A file name is at most 255 bytes on most file systems: cut in whole characters to 150
    # bytes, room for " (id).pdf" and the ".part" suffix (100 CJK characters are 300 bytes).
    stem = stem.encode("utf-8", "surrogatepass")[:_MAX_STEM_BYTES].decode("utf-8", "ignore")
    return f"{stem} ({invoice_id}).pdf" if stem else f"{invoice_id}.pdf"
