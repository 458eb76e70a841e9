"""``io.invoices``: every document kind (VAT, proforma, receipt, correction, expense...)."""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable, Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any, Literal

import attrs

from invoceanio.core import query_params, query_value
from invoceanio.endpoints import endpoint
from invoceanio.errors import ConfigurationError
from invoceanio.http import Request
from invoceanio.importer import ImportItem, ImportProgress, ImportReport, run_import
from invoceanio.models.invoice import Invoice, Position
from invoceanio.resources.base import (
    CrudService,
    WriteData,
    _shown,
    as_document,
    as_list,
    check_flag,
    check_id,
    check_ids,
    check_key,
    check_name,
    field_list,
    pop_id_filter,
    write_types,
)
from invoceanio.resources.invoice_files import InvoiceFiles
from invoceanio.resources.invoice_limits import check_invoice_limits
from invoceanio.resources.invoice_variants import InvoiceVariants

__all__ = ["FiscalPrintMode", "InvoicesService", "PrintOption"]

PrintOption = Literal["original", "copy", "original_and_copy", "duplicate"]
_PRINT_OPTIONS = frozenset({"original", "copy", "original_and_copy", "duplicate"})
_MAX_EMAIL_RECIPIENTS = 5
#: The fiscal printer's two ways of issuing a receipt ([RCPT]): on paper, or as an e-receipt.
FiscalPrintMode = Literal["print", "e-receipt"]
_FISCAL_PRINT_MODES = frozenset({"print", "e-receipt"})


def _print_option(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value not in _PRINT_OPTIONS:
        raise ConfigurationError(
            f"print_option must be one of {sorted(_PRINT_OPTIONS)}, got {value!r}"
        )
    return value


def _create_flags(
    gov_save_and_send: object,
    fill_default_descriptions: object,
    identify_oss: object,
    oss_force_tax: object,
) -> dict[str, Any] | None:
    """The top-level members of a create for the flags that are on, spelled as the docs
    spell each (``identify_oss: "1"``, the others ``true``); None when none is on. A flag
    that is off is left out: the account's own setting applies then."""
    flags: dict[str, Any] = {}
    if check_flag(gov_save_and_send, "gov_save_and_send"):
        flags["gov_save_and_send"] = True
    if check_flag(fill_default_descriptions, "fill_default_descriptions"):
        flags["fill_default_descriptions"] = True
    if check_flag(identify_oss, "identify_oss"):
        flags["identify_oss"] = "1"
    if check_flag(oss_force_tax, "oss_force_tax"):
        flags["oss_force_tax"] = True
    return flags or None


def _emails(value: str | Sequence[str] | None, name: str) -> str | None:
    """Addresses as the API takes them: one comma-separated str. Given as a str ("a@x, b@y")
    or a list of str; anything else in the list (None, a nested list) is refused, not sent as
    its repr."""
    if value is None:
        return None
    items = as_list(value, name)
    if not all(isinstance(item, str) for item in items):
        kinds = sorted({type(item).__name__ for item in items if not isinstance(item, str)})
        raise ConfigurationError(f"{name} takes e-mail addresses as str, got {', '.join(kinds)}")
    # Split each item too: ["a@x,b@y"] is two addresses, counted against the limit as two.
    addresses = [part.strip() for item in items for part in item.split(",")]
    addresses = [address for address in addresses if address]
    if not addresses or len(addresses) > _MAX_EMAIL_RECIPIENTS:
        raise ConfigurationError(f"{name} takes 1 to {_MAX_EMAIL_RECIPIENTS} addresses")
    return ",".join(addresses)


class InvoicesService(CrudService[Invoice], InvoiceVariants, InvoiceFiles):
    collection = "invoices"
    root = "invoice"
    model = Invoice

    def _document(self, data: WriteData) -> dict[str, Any]:
        document = super()._document(data)
        if document.get("copy_invoice_from") not in (None, "") and document.get("positions"):
            # The API documents them as exclusive: a copy takes the source's positions.
            raise ConfigurationError(
                "a copied document takes its positions from the source (copy_invoice_from): "
                "leave positions out"
            )
        # The limits of the nested members (settlement positions, notes, parties...): here, so
        # a create, an update and each row of a bulk import are refused before anything is sent.
        check_invoice_limits(document)
        return document

    def _filters(self, filters: Mapping[str, Any]) -> list[tuple[str, str]]:
        filters = dict(filters)
        date_from: date | str | None = filters.pop("date_from", None)
        date_to: date | str | None = filters.pop("date_to", None)
        period = filters.pop("period", None)
        if date_from is not None or date_to is not None:
            # The API silently ignores dates unless period=more: send it for the caller.
            if period not in (None, "more"):
                raise ConfigurationError(
                    f"date_from/date_to work only with period='more', not period={_shown(period)}"
                )
            period = "more"
        # A flag, read as the models read one: "no", "false" and "0" are never income=yes.
        income = check_flag(filters.pop("income", None), "income")
        pairs: list[tuple[str, str]] = []
        if period is not None:
            pairs.append(("period", query_value(period, "period")))
        for key, value in (("date_from", date_from), ("date_to", date_to)):
            if value is not None:
                pairs.append((key, query_value(value, key)))
        if income is not None:
            # Both spellings documented: [PL] income=no for expenses, [FR] income=1 for sales
            # (no source writes "yes", nor, but a third party, "0").
            pairs.append(("income", "1" if income else "no"))
        # One CSV value, as documented (invoice_ids=1,2), not invoice_ids[]= pairs.
        pairs += pop_id_filter(filters, "invoice_ids")
        kinds = filters.pop("kinds", None)
        if kinds is not None:  # None is no filter, as for every other filter
            filters["kinds[]"] = [
                check_name(kind, "kinds: document kinds such as 'vat'")
                for kind in as_list(kinds, "kinds")
            ]
            if not filters["kinds[]"]:
                # Sent as nothing at all, it would list every kind: the opposite of asking.
                raise ConfigurationError("kinds takes at least one kind (or leave it out)")
        return pairs + query_params(filters)

    @endpoint(
        "POST",
        "{collection}",
        note="with an `oid`: `oid_unique`, looked up after a failure; top-level flags "
        "`gov_save_and_send`, `fill_default_descriptions`, `identify_oss`, `oss_force_tax`",
    )
    async def create(
        self,
        data: WriteData,
        *,
        gov_save_and_send: bool = False,
        fill_default_descriptions: bool = False,
        identify_oss: bool = False,
        oss_force_tax: bool = False,
    ) -> Invoice:
        """Issue an invoice. With an ``oid`` it is sent with ``oid_unique`` and, when the outcome
        of a send is unknown, looked up by that oid instead of being sent again. An
        ``oid_unique`` of your own that says no (several invoices for one order) turns the
        look-up off: a lost send then raises "outcome unknown", as any other POST does.

        The flags are members of the request beside the ``invoice`` object, as the API reads
        them (in XML, whose document has no room beside its root, they go in the query):

        - ``gov_save_and_send``: save the invoice and submit it to KSeF (Poland's national
          e-invoice system) at once; it answers with ``gov_status="processing"`` (poll with
          ``get(id, fields=[...])``, as after :meth:`send_to_ksef`).
        - ``fill_default_descriptions``: add the account's default notes to the invoice.
        - ``identify_oss``: let the API decide whether the sale is an OSS one (an EU consumer
          buyer) when the account has OSS recognition on.
        - ``oss_force_tax`` ([FR], with ``identify_oss``): for such a sale, apply the buyer
          country's VAT rates instead of the rates sent.

        A flag left False is not sent: the account's own settings apply."""
        top_level = None
        if gov_save_and_send or fill_default_descriptions or identify_oss or oss_force_tax:
            top_level = _create_flags(
                gov_save_and_send, fill_default_descriptions, identify_oss, oss_force_tax
            )
        invoice, _ = await self.create_document(self._document(data), top_level=top_level)
        return invoice

    async def create_document(
        self, document: dict[str, Any], *, top_level: Mapping[str, Any] | None = None
    ) -> tuple[Invoice, bool]:
        """:meth:`create` for an invoice already in wire form, and whether it *existed*: the
        server refused its ``oid`` as taken before this call, so this call made nothing.
        ``top_level`` holds the request's members beside the ``invoice`` object, in wire form
        too (``{"gov_save_and_send": True}``)."""
        request, data, existed = await self._post_document(document, top_level=top_level)
        return self._core.to_model(request, data, self.model), existed

    async def create_document_id(self, document: dict[str, Any]) -> tuple[int, bool]:
        """:meth:`create_document` for a caller that keeps only the new invoice's id (the bulk
        importer): the answer is checked and its id read, but the other ~80 fields are not
        structured into an :class:`Invoice`, the largest of the costs the SDK adds to a create."""
        request, data, existed = await self._post_document(document)
        return self._core.to_id(request, data), existed

    async def _post_document(
        self, document: dict[str, Any], *, top_level: Mapping[str, Any] | None = None
    ) -> tuple[Request, Any, bool]:
        oid = document.get("oid")
        # An API that keeps no oid unique is sent no oid_unique, and nothing is looked up.
        keyed = (
            self._core.capabilities.unique_create_key
            and oid not in (None, "")
            and _asks_unique(document)
        )
        request = self._build(
            "POST", self.collection, body=document, root=self.root, top_level=top_level
        )
        if keyed:
            request = attrs.evolve(
                request,
                reconciler=self._core.oid_reconciler(self.collection, str(oid), request),
            )
        response = await self._core.exchange(request)
        return request, self._core.interpret(request, response), response.duplicate

    @endpoint("POST", "{collection}", note="bulk: a worker pool, `oid_unique`, resumable")
    async def create_many(
        self,
        items: Iterable[ImportItem | WriteData] | AsyncIterable[ImportItem | WriteData],
        *,
        concurrency: int = 4,
        rate_per_minute: float | None = None,
        journal: str | Path | None = None,
        on_progress: Callable[[ImportProgress], None] | None = None,
        max_item_attempts: int = 5,
        journal_target: str | None = None,
        keep_failures: bool = True,
    ) -> ImportReport:
        """Import many invoices, none lost and none twice (see :mod:`invoceanio.importer`).

        ``items`` are drafts, dicts or :class:`ImportItem` (with a source row key and label),
        read lazily from a sync or async iterable. ``concurrency`` workers share the client's
        adaptive throttle; ``rate_per_minute`` paces them; ``journal`` (a SQLite file) makes
        the import resumable; ``on_progress`` is called after every item. The report counts
        created, existed (the oid was taken already), skipped (confirmed in the journal) and
        failed items, with the reason and source of each failure.

        The journal is tied to this client's account (its base URL) and refused for another
        (ConfigurationError, before anything is sent); ``journal_target`` names the account
        instead, for a server whose URL changes from run to run. ``keep_failures=False``
        leaves the report's ``failures`` empty (they are still counted): for a caller that
        takes each failure from ``on_progress``, memory then stays flat however many fail."""
        return await run_import(
            self,
            items,
            concurrency=concurrency,
            rate_per_minute=rate_per_minute,
            journal=journal,
            on_progress=on_progress,
            max_item_attempts=max_item_attempts,
            sleep=self._core.sleep,
            pace_sleep=self._core.clock_sleep,
            journal_target=journal_target,
            keep_failures=keep_failures,
        )

    @endpoint("GET", "{collection}", note="`?oid=&period=all`")
    async def find_by_oid(self, oid: str) -> Invoice | None:
        """The invoice carrying this external order number, or None (searches every period)."""
        oid = check_key(oid, "oid")
        # Every page, not the first alone: should the API's filter match more than the oid
        # itself (a prefix: ORD-1, ORD-10...), the invoice may sit on a later one. The first,
        # short, page is the only one in the common case.
        async for invoice in self.iterate(oid=oid, period="all"):
            if invoice.oid == oid:
                return invoice
        return None

    @endpoint("GET", "{collection}/{id}", suffix="pdf", note="`print_option=`, `print_ean_codes=`")
    async def pdf(
        self,
        id: int | str,
        print_option: PrintOption | None = None,
        *,
        print_ean_codes: bool | None = None,
    ) -> bytes:
        """The invoice as a PDF document (checked to be one: a login page raises DecodeError).
        ``print_option`` labels the printout (``original``, ``copy``, ``original_and_copy``,
        ``duplicate``); ``print_ean_codes=True`` ([FR]) prints the products' EAN codes."""
        params = query_params(
            {
                "print_option": _print_option(print_option),
                "print_ean_codes": check_flag(print_ean_codes, "print_ean_codes"),
            }
        )
        request = self._build("GET", self._member(id), params=params, expect="pdf")
        body: bytes = await self._core.call(request, expect="pdf")
        return body

    @endpoint("POST", "{collection}/{id}/send_by_email", note="never retried once sent")
    async def send_by_email(
        self,
        id: int | str,
        email_to: str | Sequence[str] | None = None,
        email_cc: str | Sequence[str] | None = None,
        email_pdf: bool | None = None,
        *,
        update_buyer_email: bool | None = None,
        print_option: PrintOption | None = None,
        force: bool | None = None,
    ) -> dict[str, Any]:
        """E-mail the invoice (to the buyer, or to ``email_to``, up to 5 addresses, with
        ``email_cc`` in copy; ``email_pdf=True`` attaches the PDF). Never retried after it may
        have been sent: a second e-mail is worse than an error. Returns the server's
        confirmation.

        ``update_buyer_email=True`` also stores ``email_to`` as the invoice's buyer e-mail (and
        the recipient's, when it has one), so it needs ``email_to``; ``print_option`` labels the
        attached PDF as :meth:`pdf` does; ``force=True`` ([FR]) sends it even though it was
        e-mailed in the last 3 days, which the API otherwise refuses."""
        addresses = _emails(email_to, "email_to")
        update = check_flag(update_buyer_email, "update_buyer_email")
        if update and addresses is None:
            raise ConfigurationError("update_buyer_email needs email_to: the address to store")
        params = query_params(
            {
                "email_to": addresses,
                "email_cc": _emails(email_cc, "email_cc"),
                "email_pdf": check_flag(email_pdf, "email_pdf"),
                "update_buyer_email": update,
                "print_option": _print_option(print_option),
                "force": check_flag(force, "force"),
            }
        )
        request = self._build("POST", self._member(id, "send_by_email"), params=params)
        result = await self._core.call(request)
        return result if isinstance(result, dict) else {}

    @endpoint("POST", "{collection}/{id}/change_status", suffix="json", note="`?status=`")
    async def change_status(self, id: int | str, status: str) -> None:
        """Set the status (``issued``, ``sent``, ``paid``, ``partial``, ``rejected``...).
        Setting a status twice is harmless, so this call is retried like a PUT."""
        if not isinstance(status, str) or not status.strip():
            raise ConfigurationError("status must be a non-empty string")
        request = self._build(
            "POST",
            self._member(id, "change_status"),
            params=[("status", str(status))],
            xml_form=False,
            idempotent=True,
        )
        await self._core.call(request)

    @endpoint("POST", "{collection}/cancel", suffix="json", note="`cancel_invoice_id`, no root key")
    async def cancel(self, id: int | str, reason: str | None = None) -> None:
        """Cancel the invoice (it reads back with ``kind="canceled"``)."""
        body: dict[str, Any] = {"cancel_invoice_id": int(check_id(id))}
        if reason is not None:
            body["cancel_reason"] = reason
        request = self._build("POST", f"{self.collection}/cancel", body=body, xml_form=False)
        await self._core.call(request)

    # --- reading with modifiers -----------------------------------------------------------------

    @endpoint(
        "GET",
        "{collection}/{id}",
        note="`fields[invoice]=`, `additional_fields[invoice]=`, `include=`, "
        "`correction_positions=full`",
    )
    async def get(
        self,
        id: int | str,
        *,
        fields: Sequence[str] | None = None,
        additional_fields: Sequence[str] | None = None,
        include: Sequence[str] | None = None,
        correction_positions: Literal["full"] | None = None,
    ) -> Invoice:
        """One invoice. ``fields`` asks for only those fields (a KSeF status check:
        ``fields=["id", "number", "gov_status", "gov_id"]``); ``additional_fields`` adds computed
        ones the API leaves out by default (``cancel_reason``, ``connected_payments``...);
        ``include`` adds associations (``["descriptions"]``, or a nested one such as
        ``"positions.correction_before"``); ``correction_positions="full"`` answers a
        correction's positions with what each was before and is after the correction."""
        if correction_positions is not None and correction_positions != "full":
            raise ConfigurationError(
                f"correction_positions takes only 'full', got {correction_positions!r}"
            )
        params = [
            *field_list("fields[invoice]", fields),
            *field_list("additional_fields[invoice]", additional_fields),
            *_include_list(include),
        ]
        if correction_positions is not None:
            params.append(("correction_positions", "full"))
        request = self._build("GET", self._member(id), params=params)
        return self._core.to_model(request, await self._core.call(request), self.model)

    # --- positions ------------------------------------------------------------------------------

    @endpoint("PUT", "{collection}/{id}", note="`positions: [{id, ...}]`")
    async def update_position(
        self, id: int | str, position_id: int | str, changes: WriteData
    ) -> Invoice:
        """Change one position of an invoice (the others stay as they are)."""
        document = as_document(changes, "Position", write_types(Position))
        position = {**document, "id": int(check_id(position_id))}
        return await self.update(id, {"positions": [position]})

    @endpoint("PUT", "{collection}/{id}", note="`positions: [{id, _destroy: 1}]`")
    async def delete_position(self, id: int | str, position_id: int | str) -> Invoice:
        """Remove one position of an invoice; answers the invoice as it is now."""
        position = {"id": int(check_id(position_id)), "_destroy": 1}
        return await self.update(id, {"positions": [position]})

    # --- KSeF and fiscal printing ---------------------------------------------------------------

    @endpoint("GET", "{collection}/{id}", note="`?send_to_ksef=yes`: a GET with a side effect")
    async def send_to_ksef(self, id: int | str) -> Invoice:
        """Submit the invoice to KSeF (Poland's national e-invoice system); answers the invoice,
        whose ``gov_status`` tells how it goes (``processing``, then ``ok`` or an error; poll
        with ``get(id, fields=[...])``). Not re-sent after an unanswered attempt."""
        request = self._build(
            "GET", self._member(id), params=[("send_to_ksef", "yes")], idempotent=False
        )
        return self._core.to_model(request, await self._core.call(request), self.model)

    @endpoint(
        "GET",
        "{collection}/fiscal_print",
        suffix="none",
        note="`invoice_ids[]=`; with `mode=` (`e-receipt` or `print`): `id=`",
    )
    async def fiscal_print(
        self,
        ids: Iterable[int | str] | int,
        printer: int | str | None = None,
        *,
        mode: FiscalPrintMode | None = None,
    ) -> dict[str, Any]:
        """Print the invoices (receipts) ``ids`` (a list, or one id alone: ``"123"`` is invoice
        123, never 1, 2 and 3) on a fiscal printer. ``printer`` is the printer's ``id`` from
        ``io.printers.list()``, sent as ``fiskator_name`` (the account's default printer when
        None). Never re-sent after an unanswered attempt: a receipt printed twice is a tax
        matter.

        ``mode`` is the e-receipt form ([RCPT]) for one receipt: ``"e-receipt"`` issues it as
        an electronic receipt, ``"print"`` prints it on paper; it is sent as ``id=`` with
        ``mode=``, so it takes exactly one id (call once per receipt)."""
        invoice_ids = check_ids(ids, "ids")
        if not invoice_ids:
            raise ConfigurationError("give at least one invoice id to print")
        if mode is not None:
            if not isinstance(mode, str) or mode not in _FISCAL_PRINT_MODES:
                raise ConfigurationError(
                    f"mode must be one of {sorted(_FISCAL_PRINT_MODES)}, got {mode!r}"
                )
            if len(invoice_ids) != 1:
                raise ConfigurationError(
                    f"mode= prints one receipt (the API takes one id), got {len(invoice_ids)}"
                )
        params = []
        if printer is not None:
            name = check_id(printer, "printer") if isinstance(printer, int) else printer
            params.append(("fiskator_name", check_key(name, "printer")))
        if mode is None:
            params[:0] = [("invoice_ids[]", invoice_id) for invoice_id in invoice_ids]
        else:
            params += [("id", invoice_ids[0]), ("mode", mode)]
        request = self._build(
            "GET",
            f"{self.collection}/fiscal_print",
            params=params,
            suffix="none",
            xml_form=False,
            idempotent=False,
        )
        result = await self._core.call(request)
        return result if isinstance(result, dict) else {}


def _include_list(values: Sequence[str] | None) -> list[tuple[str, str]]:
    """``include=a,b.c``: association names, a nested one joined by dots."""
    if values is None:
        return []
    names = []
    for value in as_list(values, "include"):
        path = value.strip() if isinstance(value, str) else value
        parts = path.split(".") if isinstance(path, str) else [path]
        names.append(".".join(check_name(part, "include association names") for part in parts))
    if not names:
        raise ConfigurationError("include takes at least one association name")
    return [("include", ",".join(names))]


def _asks_unique(document: dict[str, Any]) -> bool:
    """Whether the server keeps the invoice's ``oid`` unique (``"yes"`` unless the caller said
    otherwise), which alone makes a look-up by oid a safe answer to a lost create. With the
    caller's own no, the oid may already be on an older invoice: a look-up would hand that one
    back as this call's, so a lost attempt stays "outcome unknown", as for any other POST."""
    return check_flag(document.setdefault("oid_unique", "yes"), "oid_unique") is True
