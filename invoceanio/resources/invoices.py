"""``io.invoices``: every document kind (VAT, proforma, receipt, correction, expense...)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Literal

import attrs

from invoceanio.core import query_params, query_value
from invoceanio.errors import ConfigurationError
from invoceanio.models.invoice import Invoice
from invoceanio.resources.base import ResourceService, WriteData, as_document, check_id, check_key

__all__ = ["InvoicesService", "PrintOption"]

PrintOption = Literal["original", "copy", "original_and_copy", "duplicate"]
_PRINT_OPTIONS = frozenset({"original", "copy", "original_and_copy", "duplicate"})
_MAX_EMAIL_RECIPIENTS = 5


def _emails(value: str | Sequence[str] | None, name: str) -> str | None:
    if value is None:
        return None
    addresses = (
        [part.strip() for part in value.split(",")]
        if isinstance(value, str)
        else [str(part).strip() for part in value]
    )
    addresses = [address for address in addresses if address]
    if not addresses or len(addresses) > _MAX_EMAIL_RECIPIENTS:
        raise ConfigurationError(f"{name} takes 1 to {_MAX_EMAIL_RECIPIENTS} addresses")
    return ",".join(addresses)


class InvoicesService(ResourceService[Invoice]):
    collection = "invoices"
    root = "invoice"
    model = Invoice

    def _filters(self, filters: Mapping[str, Any]) -> list[tuple[str, str]]:
        filters = dict(filters)
        date_from: date | str | None = filters.pop("date_from", None)
        date_to: date | str | None = filters.pop("date_to", None)
        period = filters.pop("period", None)
        if date_from is not None or date_to is not None:
            # The API silently ignores dates unless period=more: send it for the caller.
            if period not in (None, "more"):
                raise ConfigurationError(
                    f"date_from/date_to work only with period='more', not period={period!r}"
                )
            period = "more"
        income = filters.pop("income", None)
        pairs: list[tuple[str, str]] = []
        if period is not None:
            pairs.append(("period", query_value(period)))
        for key, value in (("date_from", date_from), ("date_to", date_to)):
            if value is not None:
                pairs.append((key, query_value(value)))
        if income is not None:
            pairs.append(
                (
                    "income",
                    ("yes" if income else "no")
                    if isinstance(income, bool)
                    else query_value(income),
                )
            )
        if "kinds" in filters:
            kinds = filters.pop("kinds")
            filters["kinds[]"] = [kinds] if isinstance(kinds, str) else list(kinds)
        return pairs + query_params(filters)

    async def create(self, data: WriteData) -> Invoice:
        """Issue an invoice. With an ``oid`` it is sent with ``oid_unique`` and, when the outcome
        of a send is unknown, looked up by that oid instead of being sent again."""
        document = as_document(data, "Invoice")
        oid = document.get("oid")
        if oid not in (None, ""):
            document.setdefault("oid_unique", "yes")
        request = self._core.build("POST", self.collection, body=document, root=self.root)
        if oid not in (None, ""):
            request = attrs.evolve(
                request,
                reconciler=self._core.oid_reconciler(self.collection, str(oid), request),
            )
        return self._core.to_model(request, await self._core.call(request), self.model)

    async def find_by_oid(self, oid: str) -> Invoice | None:
        """The invoice carrying this external order number, or None (searches every period)."""
        oid = check_key(oid, "oid")
        request = self._core.build("GET", self.collection, params=[("oid", oid), ("period", "all")])
        for invoice in self._core.to_models(request, await self._core.call(request), Invoice):
            if invoice.oid == oid:
                return invoice
        return None

    async def pdf(self, id: int | str, print_option: PrintOption | None = None) -> bytes:
        """The invoice as a PDF document (checked to be one: a login page raises DecodeError)."""
        params = []
        if print_option is not None:
            if print_option not in _PRINT_OPTIONS:
                raise ConfigurationError(
                    f"print_option must be one of {sorted(_PRINT_OPTIONS)}, got {print_option!r}"
                )
            params.append(("print_option", print_option))
        request = self._core.build(
            "GET", f"{self.collection}/{check_id(id)}", params=params, expect="pdf"
        )
        body: bytes = await self._core.call(request, expect="pdf")
        return body

    async def send_by_email(
        self,
        id: int | str,
        email_to: str | Sequence[str] | None = None,
        email_cc: str | Sequence[str] | None = None,
        email_pdf: bool | None = None,
    ) -> dict[str, Any]:
        """E-mail the invoice (to the buyer, or to ``email_to``). Never retried after it may have
        been sent: a second e-mail is worse than an error. Returns the server's confirmation."""
        params = query_params(
            {
                "email_to": _emails(email_to, "email_to"),
                "email_cc": _emails(email_cc, "email_cc"),
                "email_pdf": email_pdf,
            }
        )
        request = self._core.build(
            "POST", f"{self.collection}/{check_id(id)}/send_by_email", params=params
        )
        result = await self._core.call(request)
        return result if isinstance(result, dict) else {}

    async def change_status(self, id: int | str, status: str) -> None:
        """Set the status (``issued``, ``sent``, ``paid``, ``partial``, ``rejected``...).
        Setting a status twice is harmless, so this call is retried like a PUT."""
        if not isinstance(status, str) or not status.strip():
            raise ConfigurationError("status must be a non-empty string")
        request = self._core.build(
            "POST",
            f"{self.collection}/{check_id(id)}/change_status",
            params=[("status", str(status))],
            xml_form=False,
            idempotent=True,
        )
        await self._core.call(request)

    async def cancel(self, id: int | str, reason: str | None = None) -> None:
        """Cancel the invoice (it reads back with ``kind="canceled"``)."""
        body: dict[str, Any] = {"cancel_invoice_id": int(check_id(id))}
        if reason is not None:
            body["cancel_reason"] = reason
        request = self._core.build("POST", f"{self.collection}/cancel", body=body, xml_form=False)
        await self._core.call(request)
