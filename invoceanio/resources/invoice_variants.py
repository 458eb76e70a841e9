"""Invoices made from other documents: copies (a VAT invoice from a proforma), advance and final
invoices of an order, and corrections. Each is a create with the fields that say so
(``copy_invoice_from``, ``kind``...), sent through the invoice service's own ``create``, so an
``oid`` in ``changes`` makes it as safe to retry as any other invoice."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from invoceanio.endpoints import endpoint
from invoceanio.errors import ConfigurationError
from invoceanio.models.base import Model
from invoceanio.models.converter import structure_decimal
from invoceanio.models.invoice import (
    CorrectionPosition,
    CorrectionPositionDraft,
    Invoice,
    Position,
    PositionDraft,
)
from invoceanio.resources.base import (
    Creating,
    WriteData,
    _shown,
    as_document,
    check_id,
    check_ids,
    check_name,
    write_types,
)

__all__ = ["InvoiceVariants"]

#: A correction position's two sides, and the kind the API documents for each.
# A corrected position is a position; the shape of its two sides is taken whole too.
_CORRECTION_POSITION_TYPES = (Position, PositionDraft, CorrectionPosition, CorrectionPositionDraft)
_CORRECTION_SIDES = (
    ("correction_before_attributes", "correction_before"),
    ("correction_after_attributes", "correction_after"),
)


#: What a position read back names of itself and its invoice: a correction's positions are new
#: records on a new invoice, and a nested child sent with an id is taken for an existing one
#: (Rails refuses an id that is not the new invoice's).
_RECORD_IDENTITY = frozenset({"id", "invoice_id", "created_at", "updated_at"})


def _new_record(entry: dict[str, Any]) -> dict[str, Any]:
    """A position read back (and changed), as the new record of a correction: without the
    identity of the one it was read from, on itself and on its before/after sides."""
    fresh = {key: value for key, value in entry.items() if key not in _RECORD_IDENTITY}
    for side, _ in _CORRECTION_SIDES:
        attributes = fresh.get(side)
        if isinstance(attributes, Mapping):
            fresh[side] = {k: v for k, v in attributes.items() if k not in _RECORD_IDENTITY}
    return fresh


class InvoiceVariants(Creating[Invoice]):
    @endpoint("POST", "{collection}", note="`copy_invoice_from`")
    async def copy(
        self, source_id: int | str, kind: str | None = None, changes: WriteData | None = None
    ) -> Invoice:
        """A new document copied from ``source_id``: a duplicate, or another kind (a VAT invoice
        from a proforma: ``kind="vat"``). ``changes`` may set other fields (a new due date),
        but not positions: the API takes them from the source."""
        chosen = {} if kind is None else {"kind": check_name(kind, "a document kind such as 'vat'")}
        document = self._variant(changes, copy_invoice_from=int(check_id(source_id)), **chosen)
        return await self.create(document)

    @endpoint("POST", "{collection}", note="`kind=advance`, `advance_creation_mode`")
    async def create_advance(
        self,
        order_id: int | str,
        *,
        percent: Decimal | int | str | None = None,
        amount: Decimal | int | str | None = None,
        position_name: str | None = None,
        changes: WriteData | None = None,
    ) -> Invoice:
        """An advance invoice for an order (``kind="client_order"``), worth ``percent`` of it or
        a fixed ``amount`` (exactly one of the two)."""
        if (percent is None) == (amount is None):
            raise ConfigurationError("give exactly one of percent= or amount=")
        mode, value = ("percent", percent) if percent is not None else ("amount", amount)
        document = self._variant(
            changes,
            copy_invoice_from=int(check_id(order_id)),
            kind="advance",
            advance_creation_mode=mode,
            advance_value=_decimal_text(value, mode),
        )
        if position_name is not None:
            document["position_name"] = position_name
        return await self.create(document)

    @endpoint("POST", "{collection}", note="`kind=final`, `invoice_ids`")
    async def create_final(
        self,
        order_id: int | str,
        advance_ids: Iterable[int | str] | int,
        changes: WriteData | None = None,
    ) -> Invoice:
        """The final invoice of an order, settling the advance invoices ``advance_ids`` (a list,
        or one id alone)."""
        advances = [int(advance) for advance in check_ids(advance_ids, "advance_ids")]
        if not advances:
            raise ConfigurationError("a final invoice needs at least one advance invoice")
        document = self._variant(
            changes, copy_invoice_from=int(check_id(order_id)), kind="final", invoice_ids=advances
        )
        return await self.create(document)

    @endpoint("POST", "{collection}", note="`kind=correction`, before/after positions")
    async def correct(
        self,
        invoice_id: int | str,
        positions: Sequence[WriteData],
        *,
        reason: str | None = None,
        changes: WriteData | None = None,
    ) -> Invoice:
        """A correction of ``invoice_id``. Each position states what changes: give it
        ``correction_before_attributes`` and ``correction_after_attributes`` (the position as it
        was and as it should be), or a negative quantity/amount for what is taken back. Each
        position is sent with ``kind="correction"`` and its two sides with
        ``kind="correction_before"``/``"correction_after"``, as the API documents them, unless
        they name a kind of their own."""
        if isinstance(positions, Mapping | str | bytes) or not isinstance(positions, Iterable):
            # A dict would give its keys, text its characters, a number nothing to iterate.
            raise ConfigurationError(
                f"positions takes a list of positions, got {type(positions).__name__}"
            )
        positions = list(positions)  # a generator too, read once
        if not positions:
            raise ConfigurationError("a correction needs at least one position")
        source = int(check_id(invoice_id))
        corrected = []
        for position in positions:
            entry = as_document(position, "Position", _CORRECTION_POSITION_TYPES)
            if isinstance(position, Model):
                entry = _new_record(entry)
            entry.setdefault("kind", "correction")
            for side, kind in _CORRECTION_SIDES:
                attributes = entry.get(side)
                if isinstance(attributes, Mapping) and "kind" not in attributes:
                    # A copy: the caller's own dict is left as it was given.
                    entry[side] = {**attributes, "kind": kind}
            corrected.append(entry)
        document = self._variant(
            changes, kind="correction", invoice_id=source, from_invoice_id=source
        )
        if document.get("positions"):
            raise ConfigurationError(
                "a correction's positions are its positions argument: leave them out of changes"
            )
        document["positions"] = corrected
        _set_reason(document, reason)
        return await self.create(document)

    @endpoint("POST", "{collection}", note="`kind=correction`, `total_correction`")
    async def correct_totally(
        self, invoice_id: int | str, *, reason: str | None = None, changes: WriteData | None = None
    ) -> Invoice:
        """A correction that takes the whole of ``invoice_id`` back (every position to zero)."""
        document = self._variant(
            changes,
            copy_invoice_from=int(check_id(invoice_id)),
            kind="correction",
            total_correction="1",
        )
        _set_reason(document, reason)
        return await self.create(document)

    def _variant(self, changes: WriteData | None, **fields: Any) -> dict[str, Any]:
        document = {} if changes is None else as_document(changes, "Invoice", write_types(Invoice))
        if "positions" in document and "copy_invoice_from" in fields:
            raise ConfigurationError(
                "a copied document takes its positions from the source: leave positions out"
            )
        for key, value in fields.items():
            given = document.get(key)
            if given not in (None, "") and not _same(given, value):
                # Overwritten without a word, the caller's value would simply vanish.
                raise ConfigurationError(
                    f"{key} is set by this call ({_shown(value)}): leave it out of changes, "
                    f"which give {_shown(given)}"
                )
        document.update(fields)
        return document


def _same(given: Any, value: Any) -> bool:
    """Whether the caller's value says what the call sets, however it is spelled: an id as
    text or a number, an amount as "10" or "10.00", a flag as True or "1"."""
    if isinstance(given, list | tuple) and isinstance(value, list | tuple):
        return len(given) == len(value) and all(map(_same, given, value))
    return _read(given) == _read(value)


def _read(value: Any) -> object:
    if isinstance(value, bool):
        return Decimal(int(value))
    try:
        number = structure_decimal(value) if isinstance(value, str | int | Decimal) else None
    except ValueError:
        number = None
    return number if number is not None else str(value)


def _set_reason(document: dict[str, Any], reason: str | None) -> None:
    if reason is None:
        return
    given = document.get("correction_reason")
    if given not in (None, "") and given != reason:
        raise ConfigurationError(
            "the correction's reason is given twice (reason= and changes' correction_reason)"
        )
    document["correction_reason"] = reason


def _decimal_text(value: Decimal | int | str | None, name: str) -> str:
    try:
        number = structure_decimal(value)
    except ValueError:
        number = None
    if number is None or number <= 0:
        raise ConfigurationError(f"{name} must be a positive number, got {value!r}")
    return format(number, "f")
