"""Bulk invoice import that never loses or duplicates an invoice: ``io.invoices.create_many``.

The API has no bulk endpoint and no idempotency key, so safety comes from the ``oid``:

- **Every item gets an oid** and is sent with ``oid_unique``: the oid it carries, else one
  derived from its source row key (``ImportItem.key``, used as it is when it is a short
  printable text), else one derived from its content (``imp-`` and a SHA-256 of the invoice
  as sent). The same input therefore maps to the same oids in every run.
- **An ambiguous failure is reconciled**, not re-sent: the client's retry layer looks the oid up
  after a timeout, a dropped connection or a 5xx, and the server refuses a second invoice with
  the same oid. An invoice that existed before is reported as ``existed``, not as an error and
  not created twice; one found by the look-up after a try that may have landed is counted as
  ``created``, since the answer does not tell whether that try or someone before made it.
- **Nothing is lost**: an item whose create still fails after the client's own retries (a long
  outage, a throttled window) is tried again later, up to ``max_item_attempts``; only a refusal
  that would repeat (a 422 validation error, bad data, any other 4xx but 408, 409, 425 and
  429) fails the item at once. The failures are collected with their reason and source, never
  raised mid-run; a wrong token (401/403) or a client closed under the import stops it, since
  every other item would fail the same way. Any other failure of one item (its data cannot be
  written, a custom transport raises something unexpected) fails that item alone, reported
  with its source, oid and data like any refusal.
- **One invoice per oid**: a second item of the same run with an oid already taken by an
  earlier one (two equal items without an oid share their content's) fails, naming the first:
  it would be taken for the first and never reach the account.
- **Resumable**: with a journal (see :mod:`invoceanio.journal`), confirmed items are skipped on
  a later run and the rest go again, safely, under the same oids. An item an earlier run sent
  (or gave up on after sending) stays recorded as such until it is sent again, so a run
  stopped before that (waiting for its turn under ``rate_per_minute``) does not make the next
  one take the invoice it made for one that was there before; one given up on before any try
  of it left the machine stays ``pending`` (with the reason), so the next run does not take an
  invoice that was there before for one it made. The journal is tied to the
  account (the client's base URL, or ``journal_target``): used for another one, it is refused
  before anything is sent, as its confirmed items are not in that account.

All of it stands on the server keeping an oid unique: a client whose provider says its API
keeps no external key unique (``Provider.unique_create_key``) is refused before anything is sent.

Workers are a fixed pool (:func:`invoceanio.bulk.iter_bounded`), so memory stays flat for any
number of items; only failures are kept. The client's adaptive throttle finds the server's
limit; ``rate_per_minute`` adds a fixed pace on top.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import random
import time
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs

from invoceanio.bulk import check_concurrency, iter_bounded
from invoceanio.digests import LineRegister
from invoceanio.errors import (
    APIError,
    AuthenticationError,
    ClientClosedError,
    ConfigurationError,
    InvoiceOceanError,
    NotFoundError,
    PermissionDeniedError,
    TransportError,
    ValidationError,
)
from invoceanio.journal import ImportJournal, account_of
from invoceanio.middleware.limiter import Pacer
from invoceanio.models.base import Draft, Model
from invoceanio.models.converter import structure_bool, to_wire
from invoceanio.models.values import UNSET
from invoceanio.resources.base import WriteData, _shown

if TYPE_CHECKING:
    from invoceanio.models.invoice import Invoice
    from invoceanio.resources.invoices import InvoicesService

__all__ = ["ImportItem", "ImportProgress", "ImportReport", "ItemResult", "derive_oid", "run_import"]

Status = Literal["created", "existed", "skipped", "failed"]
#: Refusals that would come again on every attempt: the item fails at once.
_FINAL: Final = (ValidationError, ConfigurationError)
#: Answers of the 4xx range (and 2xx bodies that say error) that another try may change: a
#: timeout, a conflict, "too early", throttling. Any other such answer fails the item at once:
#: a 404 from a wrong base URL retried five times an invoice would crawl through a whole file.
_WORTH_RETRYING_BELOW_500: Final = frozenset({408, 409, 425, 429})
#: Refusals that would come again for every item: the import stops. So does a client closed
#: under it: every item left would fail the same way (and wait its turn to).
_FATAL: Final = (AuthenticationError, PermissionDeniedError, ClientClosedError)
_MAX_KEY: Final = 64
_BACKOFF_BASE: Final = 1.0
_BACKOFF_MAX: Final = 30.0


def _exported_id(_: object, __: attrs.Attribute[int | None], value: object) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ConfigurationError(f"exported_id must be a positive int or None, got {value!r}")


@attrs.frozen
class ImportItem:
    """One invoice to import: its data (a draft or a dict of API fields), the key of its source
    row (an oid is derived from it when the data has none) and a label for reports."""

    data: WriteData
    key: str | None = None
    source: str | None = None
    #: The invoice's id in the account its file was exported from, for one exported without an
    #: oid (the CSV export keys it ``id-<id>``; a JSONL line keeps its ``id``). Its oid is new
    #: to that account, so imported back there it would be made twice: the import first reads
    #: that id, and an invoice there with the same number and issue date and no oid is this
    #: one, counted as ``existed`` (another account's invoice of that id is not, by them).
    exported_id: int | None = attrs.field(default=None, validator=_exported_id)


@attrs.frozen
class ItemResult:
    """What became of one item. ``data`` (the invoice as sent) is kept for failures only."""

    index: int
    oid: str | None
    status: Status
    invoice_id: int | None = None
    source: str | None = None
    error: str | None = None
    data: dict[str, Any] | None = None


@attrs.frozen
class ImportProgress:
    done: int
    created: int
    existed: int
    skipped: int
    failed: int
    last: ItemResult


@attrs.define
class ImportReport:
    created: int = 0
    existed: int = 0
    skipped: int = 0
    failed: int = 0
    failures: list[ItemResult] = attrs.Factory(list)
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return self.failed == 0

    @property
    def done(self) -> int:
        return self.created + self.existed + self.skipped + self.failed

    def count(self, result: ItemResult, *, keep: bool = True) -> None:
        """Count ``result``; a failure is also kept in :attr:`failures` unless ``keep`` is
        false."""
        if result.status == "created":
            self.created += 1
        elif result.status == "existed":
            self.existed += 1
        elif result.status == "skipped":
            self.skipped += 1
        else:
            self.failed += 1
            if keep:
                self.failures.append(result)


def derive_oid(document: Mapping[str, Any], key: str | None) -> str:
    """The oid an item is imported under: its own, its row key, or a hash of its content."""
    own = document.get("oid")
    if own not in (None, ""):
        return str(own)
    if key is not None:
        text = str(key).strip()
        if text and len(text) <= _MAX_KEY and text.isprintable():
            return text
        if text:
            return "imp-" + hashlib.sha256(text.encode()).hexdigest()[:24]
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "imp-" + hashlib.sha256(canonical.encode()).hexdigest()[:24]


def _check_oid_unique(document: dict[str, Any]) -> None:
    """Refuse an item that asks for duplicates: its own ``oid_unique`` of ``False``, ``"no"``,
    ``0`` or ``""`` would let the server take a second invoice with the oid, and a re-run (or a
    retry of a create that did land) would then make one. A yes in any spelling the API reads
    (``True``, ``"1"``, ``"true"``, ``"Yes"``) is what the import sends anyway."""
    if "oid_unique" not in document:
        return
    asked = document["oid_unique"]
    try:
        unique = structure_bool(asked)
    except ValueError:
        unique = None
    if unique is not True:
        raise ConfigurationError(
            "an import sends every invoice with oid_unique='yes' (none twice): leave "
            f"oid_unique out of the item, got {_shown(asked)}"
        )
    document["oid_unique"] = "yes"  # the spelling the API documents


def _as_item(value: ImportItem | WriteData) -> ImportItem:
    if isinstance(value, ImportItem):
        return value
    if isinstance(value, Draft | Model | Mapping):
        return ImportItem(value)
    raise ConfigurationError(
        f"an import item must be an ImportItem, a draft or a dict, got {type(value).__name__}"
    )


async def _numbered(
    items: Iterable[ImportItem | WriteData] | AsyncIterable[ImportItem | WriteData],
) -> AsyncIterator[tuple[int, ImportItem | WriteData]]:
    """The input with each item's position, read lazily (sync or async alike)."""
    if isinstance(items, AsyncIterable):
        index = 0
        async for item in items:
            yield index, item
            index += 1
    else:
        for index, item in enumerate(items):
            yield index, item


def _final(error: InvoiceOceanError) -> bool:
    """Whether another try of the item would only be refused again."""
    if isinstance(error, _FINAL):
        return True
    return (
        isinstance(error, APIError)
        and error.status < 500
        and error.status not in _WORTH_RETRYING_BELOW_500
    )


def _throttled(error: InvoiceOceanError) -> bool:
    return isinstance(error, APIError) and error.status in (429, 503)


def _unsent(error: InvoiceOceanError) -> bool:
    """A try that never reached the server. The retry layer reports a create whose earlier
    attempt may have as ``request_sent`` (outcome unknown), never as unsent."""
    return isinstance(error, TransportError) and not error.request_sent


#: What tells an exported invoice from another of the same id (see ImportItem.exported_id).
_SAME_INVOICE_FIELDS: Final = ("id", "oid", "number", "issue_date", "buyer_name", "kind")


def _same_invoice(found: Invoice, document: Mapping[str, Any]) -> bool:
    """Whether ``found`` is the invoice ``document`` was exported from: no oid of its own (it
    was exported without one), the same number, and the same issue date, buyer name and kind
    where the document gives them. Without a number nothing tells, and it is created."""
    if found.oid or not document.get("number"):
        return False
    wire = to_wire(found)
    return all(
        wire.get(name) == document[name] for name in _SAME_INVOICE_FIELDS[2:] if name in document
    )


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:500]


def _given(data: Any) -> dict[str, Any] | None:
    """An item's data as given, for the report of an item that failed before it could be
    written as sent: a dict as it is, a draft or a model as its fields (those set, nested ones
    too, ``extra`` merged in; values as they are, as writing them is what failed)."""
    if isinstance(data, Mapping):
        return dict(data)
    if isinstance(data, Draft | Model):
        fields = attrs.asdict(data, recurse=True, filter=lambda _, value: value is not UNSET)
        extra = fields.pop("extra", None)
        return {**extra, **fields} if isinstance(extra, dict) else fields
    return None


def _known_oid(item: ImportItem) -> str | None:
    """The oid an item would be imported under, as far as it is known without writing its data
    (which failed): its own oid, else the one derived from its key; None when only its content
    would give it."""
    data = item.data
    own = data.get("oid") if isinstance(data, Mapping) else getattr(data, "oid", None)
    if isinstance(own, str) and own:
        return own
    if item.key is not None and str(item.key).strip():
        try:
            return derive_oid({}, item.key)
        except ValueError:  # a key that is not text (a lone surrogate): it derives no oid
            return None
    return None


#: More than any API takes (a million invoices a second); past it the number is a mistake.
_MAX_RATE_PER_MINUTE: Final = 60_000_000


class _Run:
    """The state one import shares between its workers."""

    def __init__(
        self,
        service: InvoicesService,
        *,
        journal: ImportJournal | None,
        pacer: Pacer | None,
        max_item_attempts: int,
        sleep: Callable[[float], Any],
    ) -> None:
        self.service = service
        self.journal = journal
        self.pacer = pacer
        self.max_item_attempts = max_item_attempts
        self.sleep = sleep
        # The oids of this run's items, with the first item of each: a second item with the
        # oid would be taken for the first (found as existing, or skipped as journalled) and
        # never reach the account. An 8-byte digest each, so memory stays small.
        self.oids = LineRegister()

    async def one(self, numbered: tuple[int, ImportItem | WriteData]) -> ItemResult:
        position, value = numbered
        item = _as_item(value)
        try:
            # The service's own conversion, so an item gets every check a create() makes.
            document = self.service._document(item.data)
            oid = derive_oid(document, item.key)
            _check_oid_unique(document)
        except Exception as exc:
            # A ConfigurationError, or any other failure to write the data (a ValueError, a
            # TypeError, a MemoryError from a number too large to write...): this item fails
            # with everything known of it, and the others go on.
            return ItemResult(
                position,
                _known_oid(item),
                "failed",
                source=item.source,
                error=_describe(exc),
                data=_given(item.data),
            )
        earlier = self.oids.first_line(oid, position)
        if earlier is not None:
            # Checked before the journal, whose entry is the first item's.
            refusal = ConfigurationError(
                f"the same oid as the item at index {earlier} of this import "
                f"({_shown(oid)}): each invoice needs its own oid or key (one without either "
                "is known by its content, so two equal items share one)"
            )
            return ItemResult(
                position,
                oid,
                "failed",
                source=item.source,
                error=_describe(refusal),
                data={**document, "oid": oid},
            )
        document["oid"] = oid
        journal = self.journal
        # Whether an earlier run of this import may have created it already.
        sent_before = False
        if journal is not None:
            entry = journal.entry(oid)
            if entry is not None and entry.state == "confirmed":
                return ItemResult(
                    position, oid, "skipped", invoice_id=entry.invoice_id, source=item.source
                )
            sent_before = entry is not None and entry.state in ("sent", "failed")
            if not sent_before:
                # An item an earlier run sent keeps that state until it is sent again (in
                # _send, after its turn under the pacer): marked "pending" now, a run stopped
                # before then would leave the next one thinking it was never sent, and count
                # the invoice it made as one that existed before.
                journal.pending(oid, position, item.source)
        if item.exported_id is not None and not sent_before:
            # Not when an earlier run sent it: the invoice it made is found by the oid then.
            here = await self._already_here(position, oid, document, item)
            if here is not None:
                return here
        return await self._send(position, oid, document, item.source, sent_before)

    async def _already_here(
        self, position: int, oid: str, document: dict[str, Any], item: ImportItem
    ) -> ItemResult | None:
        """The result of an exported item whose invoice this account already holds (see
        :attr:`ImportItem.exported_id`), a failure when that cannot be known, else None: it
        is to be created. Reading is retried as a create is; until it is known, nothing is
        sent, as sending could make the invoice twice."""
        assert item.exported_id is not None
        attempt = 0
        while True:
            attempt += 1
            if self.pacer is not None:
                await self.pacer.wait()
            try:
                found = await self.service.get(item.exported_id, fields=_SAME_INVOICE_FIELDS)
            except NotFoundError:
                return None
            except _FATAL:
                raise
            except InvoiceOceanError as exc:
                if _final(exc) or attempt >= self.max_item_attempts:
                    reason = (
                        f"not sent: could not read invoice {item.exported_id} to tell whether "
                        f"this account holds it already ({_describe(exc)})"
                    )[:500]
                    if self.journal is not None:
                        self.journal.pending(oid, position, error=reason)
                    return ItemResult(
                        position,
                        oid,
                        "failed",
                        source=item.source,
                        error=reason,
                        data=document,
                    )
                delay = min(_BACKOFF_MAX, _BACKOFF_BASE * 2 ** (attempt - 1))
                await self.sleep(random.uniform(delay / 2, delay))
                continue
            if not _same_invoice(found, document):
                return None
            if self.journal is not None:
                self.journal.confirmed(oid, position, found.id)
            return ItemResult(position, oid, "existed", invoice_id=found.id, source=item.source)

    def unexpected(
        self, numbered: tuple[int, ImportItem | WriteData], error: BaseException
    ) -> ItemResult:
        """The result of an item whose run raised (what :meth:`one` does not catch itself: an
        item that is not one, a journal that cannot be written, a worker cancelled from
        outside), with its source, oid and data as far as they can be known."""
        position, value = numbered
        if not isinstance(value, ImportItem | Draft | Model | Mapping):
            return ItemResult(position, None, "failed", error=_describe(error))
        item = _as_item(value)
        oid = _known_oid(item)
        data = _given(item.data)
        try:
            document = self.service._document(item.data)
            oid = derive_oid(document, item.key)
            document["oid"] = oid
            data = document
        except Exception:
            pass  # what was known without it is kept
        return ItemResult(
            position, oid, "failed", source=item.source, error=_describe(error), data=data
        )

    async def _send(
        self,
        position: int,
        oid: str,
        document: dict[str, Any],
        source: str | None,
        sent_before: bool,
    ) -> ItemResult:
        attempt = 0
        while True:
            attempt += 1
            if self.pacer is not None:
                await self.pacer.wait()
            if self.journal is not None:
                self.journal.sent(oid, position)
            try:
                invoice_id, existed = await self.service.create_document_id(dict(document))
            except _FATAL:
                # A refused token (401/403) or a closed client made nothing of this try (one
                # that may have landed ends "outcome unknown", a TransportError): unless an
                # earlier try may have, the journal says "not sent", as for an unsent failure.
                if self.journal is not None and not sent_before:
                    self.journal.pending(oid, position)
                raise
            except InvoiceOceanError as exc:
                # That try may have landed before it failed, unless the server said it was
                # throttled (429, 503: not processed) or it never left (no connection, the
                # deadline passed while it waited). Then an invoice found later by its oid is
                # one that was there before, as it is counted.
                sent_before = sent_before or not (_throttled(exc) or _unsent(exc))
                if _final(exc) or attempt >= self.max_item_attempts:
                    if self.journal is not None and sent_before:
                        self.journal.failed(oid, position, _describe(exc))
                    elif self.journal is not None:
                        # No try of it ever left: "pending" with the reason, so a resumed run
                        # knows an invoice it then finds by the oid was there before.
                        self.journal.pending(oid, position, error=_describe(exc))
                    return ItemResult(
                        position, oid, "failed", source=source, error=_describe(exc), data=document
                    )
                if self.journal is not None and not sent_before:
                    # No try of it has left yet: the journal says so again, or a run stopped
                    # during the wait would leave the next one taking it for sent.
                    self.journal.pending(oid, position)
                # Throttled or down for longer than the client's own retries cover: the oid
                # makes another try safe; wait a little more each time.
                delay = min(_BACKOFF_MAX, _BACKOFF_BASE * 2 ** (attempt - 1))
                await self.sleep(random.uniform(delay / 2, delay))
                continue
            except Exception as exc:
                # Not an API refusal (a custom transport or middleware raising something
                # unexpected): not worth another try, but reported like one, with its data;
                # the journal keeps it as given up after sending (it may have landed).
                if self.journal is not None:
                    self.journal.failed(oid, position, _describe(exc))
                return ItemResult(
                    position, oid, "failed", source=source, error=_describe(exc), data=document
                )
            if self.journal is not None:
                self.journal.confirmed(oid, position, invoice_id)
            # "existed" means it was there before this import; if this import may have sent it
            # already (an earlier try, an earlier run), the invoice found is the one it made.
            status: Status = "existed" if existed and not sent_before else "created"
            return ItemResult(position, oid, status, invoice_id=invoice_id, source=source)


async def run_import(
    service: InvoicesService,
    items: Iterable[ImportItem | WriteData] | AsyncIterable[ImportItem | WriteData],
    *,
    concurrency: int = 4,
    rate_per_minute: float | None = None,
    journal: str | Path | None = None,
    on_progress: Callable[[ImportProgress], None] | None = None,
    max_item_attempts: int = 5,
    sleep: Callable[[float], Any] = asyncio.sleep,
    journal_target: str | None = None,
    keep_failures: bool = True,
    pace_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> ImportReport:
    """The engine behind :meth:`InvoicesService.create_many` (see the module docstring).

    ``journal_target`` names the account in the journal; by default the service's base URL."""
    if isinstance(max_item_attempts, bool) or not isinstance(max_item_attempts, int):
        raise ConfigurationError("max_item_attempts must be an int")
    if max_item_attempts < 1:
        raise ConfigurationError("max_item_attempts must be at least 1")
    if not isinstance(items, Iterable | AsyncIterable) or isinstance(items, Mapping | str):
        raise ConfigurationError(
            f"items must be an iterable of invoices, got {type(items).__name__}"
        )
    if not isinstance(keep_failures, bool):
        raise ConfigurationError(f"keep_failures must be a bool, got {_shown(keep_failures)}")
    if journal_target is not None and (not isinstance(journal_target, str) or not journal_target):
        raise ConfigurationError("journal_target must be a non-empty str")
    if not service._core.capabilities.unique_create_key:
        # Every safety above stands on the server refusing a second invoice with the oid: an
        # item whose answer was lost is sent again. Without that promise a re-send may be a
        # duplicate, and an import cannot tell, so none is started.
        raise ConfigurationError(
            "create_many needs an API that keeps an invoice's external key (oid) unique, and "
            "this client's provider has none: an item whose answer was lost could not be sent "
            "again without risking a second invoice. Create them one by one with create(), "
            'which reports such an item as "outcome unknown" instead of sending it again'
        )
    # Checked here, before the journal is opened and anything is sent.
    check_concurrency(concurrency)
    if rate_per_minute is not None and (
        isinstance(rate_per_minute, bool)
        or not isinstance(rate_per_minute, int | float)
        # A bound, not math.inf: an int too large for a float would fail in the pacer.
        or not 0 < rate_per_minute <= _MAX_RATE_PER_MINUTE
    ):
        raise ConfigurationError(
            "rate_per_minute must be a positive, finite int or float (invoices a minute) or "
            f"None, got {_shown(rate_per_minute)}"
        )
    if on_progress is not None and not callable(on_progress):
        raise ConfigurationError(
            f"on_progress must be a callable or None, got {type(on_progress).__name__}"
        )
    pacer = None if rate_per_minute is None else Pacer(rate_per_minute / 60.0, sleep=pace_sleep)
    opened = None
    if journal is not None:
        # The client's base URL names the account (a token is never written to the journal).
        target = journal_target or account_of(service._core.base_url)
        opened = ImportJournal(journal, target=target)
    report = ImportReport()
    started = time.monotonic()
    run = _Run(
        service, journal=opened, pacer=pacer, max_item_attempts=max_item_attempts, sleep=sleep
    )
    try:
        # Closed before the journal: a run that stops on a fatal error (a 401, a raising
        # on_progress) cancels and awaits its workers first, so none is left running, and none
        # finishes a create once the journal that records it is closed.
        outcomes = iter_bounded(_numbered(items), run.one, concurrency=concurrency)
        async with contextlib.aclosing(outcomes):
            async for outcome in outcomes:
                if outcome.error is not None:
                    if isinstance(outcome.error, _FATAL):
                        raise outcome.error
                    # A bug or an odd item (not an API refusal): reported with what is known
                    # of the item, and the run goes on.
                    result = run.unexpected(outcome.item, outcome.error)
                else:
                    assert outcome.value is not None
                    result = outcome.value
                report.count(result, keep=keep_failures)
                if on_progress is not None:
                    on_progress(
                        ImportProgress(
                            report.done,
                            report.created,
                            report.existed,
                            report.skipped,
                            report.failed,
                            result,
                        )
                    )
    finally:
        report.elapsed = time.monotonic() - started
        if opened is not None:
            opened.close()
    return report
