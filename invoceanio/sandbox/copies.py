"""The create variants of ``POST /invoices.json`` that start from another document (spec 4.1).

:func:`prepare` turns the cleaned fields of a create request into the fields of the new
document; the invoice resource then prices, numbers and stores it as any other create.

- **Copy** ``copy_invoice_from: ID`` (optionally ``kind``; ``payment_to_kind``/``payment_to``
  change the due date): the source's buyer, seller, positions and the rest of its content
  (currency, language, payment type, notes, discount rule...) in a new document with its own
  number, today's dates (unless sent) and ``from_invoice_id`` = the source. Without ``kind`` the
  copy has the source's kind (a duplicate); ``kind: "vat"`` from a proforma is the usual use.
  The due date follows the source's ``payment_to_kind`` (its date too when that is
  ``other_date``). A client card, department or product the source names that no longer exists
  is dropped from the copy rather than refused. The buyer is the source's as it was issued,
  ``client_id`` included: the card, edited since, does not refill it (a request that names a
  ``client_id`` or sends ``buyer_*`` fields describes the buyer itself, as on any create).
- **Advance** ``kind: "advance"`` with ``copy_invoice_from: ORDER_ID``,
  ``advance_creation_mode: "percent"|"amount"``, ``advance_value`` and an optional
  ``position_name``: one position (default name ``"Zaliczka na poczet zamówienia {number}"``,
  quantity 1, the tax rate of the order's first priced position) whose gross total is that
  share of the order's gross (a percentage is rounded half up to the cent); ``invoice_id`` and
  ``from_invoice_id`` = the order. The source must be an order, ``kind: "client_order"`` (spec
  4.1: "advance from an order"; a proforma or an invoice is a 422 naming ``copy_invoice_from``).
  422 ``advance_value`` when the mode is not one of the two, the value is not a number above 0
  (at most 100 for ``percent``), the share rounds to 0.00, or the order's advances would exceed
  its gross. The same limit holds for an advance an update re-prices (:func:`check_links`).
- **Final** ``kind: "final"`` with ``copy_invoice_from: ORDER_ID, invoice_ids: [ADV...]``: the
  order's positions (so the order's full totals), ``invoice_ids`` = the advances,
  ``invoice_id``/``from_invoice_id`` = the order. The spec does not say how the service shows the
  amount still due; the sandbox's choice: the advances count as paid, ``paid`` = the sum of
  their gross totals and ``status`` ``partial`` (``paid`` when they cover it all), so the amount
  still due is ``price_gross - paid``, and a later ``/banking/payments`` payment settles exactly
  that (a final the advances cover entirely reads ``paid`` with today's ``paid_date``). The
  source must be an order (``client_order``); 422 ``invoice_ids`` without advances, or when one
  does not exist, is no ``advance``, is not an advance of this order (``invoice_id``), or is
  already settled by another final (a canceled final settles nothing). An update that names
  ``invoice_ids`` of a final is held to the same rules; ``paid`` is not recomputed then.
- **Correction of a whole document** ``kind: "correction"`` with ``copy_invoice_from: ID``: every
  position of the source becomes a correction position with the source position as its
  ``correction_before_attributes``. With [FR] ``total_correction: "1"`` the after side is the
  same position with quantity 0, so every position is negated and the document totals are the
  source's negated; without it the after side equals the before side (a zero correction, to be
  edited). ``invoice_id``/``from_invoice_id`` = the source. When the source is a correction
  itself, each of its positions contributes its after side (what it corrected to), and a
  position it removed contributes nothing.
- **Correction with positions** ``kind: "correction"`` with ``invoice_id`` (or only
  ``from_invoice_id``, which then also fills ``invoice_id``): the referenced original must
  exist (422 naming the field otherwise); a party the request does not describe at all (no
  ``buyer_*``/``client_id``, no ``seller_*``/``department_id``, no ``recipient_*``) is the
  original's. The positions' before/after difference is :mod:`pricing`'s.

``copy_invoice_from`` together with ``positions`` is a 422 (the spec calls them mutually
exclusive), and an unknown source is a 422 naming ``copy_invoice_from``.

A copied position is priced again from the same inputs (:func:`pricing.as_input`): its total
gross, or, when a discount applied to it, the undiscounted price the discount rule starts from,
so the discount is not taken twice.

Lookups go through the invoices' indexes: an order's advances and finals by ``invoice_id``, the
finals naming an advance by ``invoice_ids``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final, NamedTuple

from invoceanio.sandbox.pricing import CORRECTION_SIDES, PRICE_FIELDS, as_input
from invoceanio.sandbox.resources import money_text, number
from invoceanio.sandbox.store import Store
from invoceanio.sandbox.wire import INVOICES, ApiError, flag, id_list

__all__ = ["REQUEST_ONLY", "Prepared", "check_links", "copied_position", "prepare"]

#: Fields of the variants that only steer the create; never stored.
REQUEST_ONLY: Final = (
    "copy_invoice_from",
    "advance_creation_mode",
    "advance_value",
    "position_name",
    "total_correction",
)
ADVANCE_MODES: Final = ("percent", "amount")
#: The document kind advances and finals are made from (spec 4.1: "advance from an order").
ORDER_KIND: Final = "client_order"
_UNPRICED: Final = frozenset({"text_separator", "subtotal"})
_CENT: Final = Decimal("0.01")
_HUNDRED: Final = Decimal(100)
# Never copied: identity, numbering, dates, money state, links and read-only service fields.
_NOT_COPIED: Final = frozenset(
    {
        "id",
        "number",
        "token",
        "view_url",
        "payment_url",
        "created_at",
        "updated_at",
        "kind",
        "status",
        "paid",
        "paid_date",
        "oid",
        "issue_date",
        "sell_date",
        "transaction_date",
        "payment_to",
        "invoice_id",
        "from_invoice_id",
        "invoice_ids",
        "price_net",
        "price_gross",
        "price_tax",
        "positions",
        "cancelled",
        "cancel_reason",
        "sent_time",
        "print_time",
        "fiscal_status",
        "attachments_count",
        "has_attachments",
        "correction_reason",
        "from_api",
        "origin",
    }
)
#: (field prefix, id fields) of each party a correction takes from its original.
_PARTIES: Final = (
    ("buyer_", ("client_id",)),
    ("seller_", ("department_id",)),
    ("recipient_", ("recipient_id",)),
)
_POSITION_CONTENT: Final = ("name", "tax", "quantity_unit", "code", "product_id", "description")


def _source(store: Store, invoice_id: int, field: str) -> dict[str, Any]:
    record = store.get(INVOICES, invoice_id)
    if record is None:
        raise ApiError.field(field, "does not exist")
    return record


def _amount(value: Any) -> Decimal:
    """A stored money string as Decimal (0 when blank or not a number)."""
    try:
        return Decimal(str(value or "0"))
    except ArithmeticError:
        return Decimal(0)


def _gross(record: Mapping[str, Any]) -> Decimal:
    return _amount(record.get("price_gross"))


def copied_position(
    store: Store, position: Mapping[str, Any], *, show_discount: bool, discount_kind: Any
) -> dict[str, Any]:
    """A stored position as the input of a new one: same content, priced from the same basis
    (see the module docstring), without its id and owner."""
    copy = {
        key: value
        for key, value in position.items()
        if key not in ("id", "invoice_id", "created_at", "updated_at")
    }
    product_id = copy.get("product_id")
    if isinstance(product_id, int) and store.get("products", product_id) is None:
        copy.pop("product_id")
    if copy.get("kind") in _UNPRICED:
        return copy
    kind = discount_kind if isinstance(discount_kind, str) else None
    return as_input(copy, show_discount=show_discount, discount_kind=kind)


def _positions(store: Store, source: Mapping[str, Any]) -> list[dict[str, Any]]:
    show_discount = source.get("show_discount") is True
    return [
        copied_position(
            store, position, show_discount=show_discount, discount_kind=source.get("discount_kind")
        )
        for position in source.get("positions") or []
        if isinstance(position, Mapping)
    ]


def _content(store: Store, source: Mapping[str, Any], fields: Mapping[str, Any]) -> dict[str, Any]:
    """What a new document takes from ``source``, with ``fields`` (the request) winning."""
    base = {
        key: value
        for key, value in source.items()
        if key not in _NOT_COPIED and not key.startswith("gov_")
    }
    if base.get("payment_to_kind") == "other_date":
        base["payment_to"] = source.get("payment_to")
    if "payment_to_kind" in fields or "payment_to" in fields:
        base.pop("payment_to_kind", None)
        base.pop("payment_to", None)
    for name, collection in (("client_id", "clients"), ("department_id", "departments")):
        value = base.get(name)
        if isinstance(value, int) and store.get(collection, value) is None:
            base.pop(name)
    base.update({key: value for key, value in fields.items() if key not in REQUEST_ONLY})
    base["from_invoice_id"] = source["id"]
    return base


def _copy(store: Store, source: Mapping[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    result = _content(store, source, fields)
    if fields.get("kind") in (None, ""):
        kind = source.get("kind")
        result["kind"] = kind if isinstance(kind, str) and kind != "canceled" else "vat"
    result["positions"] = _positions(store, source)
    return result


def _order(store: Store, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The order an advance or final is made from: 422 ``copy_invoice_from`` for another kind."""
    order = _source(store, fields["copy_invoice_from"], "copy_invoice_from")
    if order.get("kind") != ORDER_KIND:
        raise ApiError.field("copy_invoice_from", f"is not an order (kind {ORDER_KIND})")
    return order


def _taken(store: Store, order: Mapping[str, Any], but: Any = None) -> Decimal:
    """The gross of the order's advances (other than ``but``), from the ``invoice_id`` index."""
    return sum(
        (
            _gross(advance)
            for advance in store.find(INVOICES, "invoice_id", order["id"])
            if advance.get("kind") == "advance" and advance["id"] != but
        ),
        Decimal(0),
    )


def _left(gross: Decimal, taken: Decimal) -> str:
    return money_text(max(gross - taken, Decimal(0)))


def _advance(store: Store, fields: dict[str, Any]) -> dict[str, Any]:
    order = _order(store, fields)
    mode = fields.get("advance_creation_mode")
    if mode not in ADVANCE_MODES:
        raise ApiError.field("advance_creation_mode", "is not included in the list")
    value = number(fields.get("advance_value"), "advance_value")
    if value is None:
        raise ApiError.field("advance_value", "can't be blank")
    if value <= 0:
        raise ApiError.field("advance_value", "must be greater than 0")
    gross = _gross(order)
    if mode == "percent":
        if value > _HUNDRED:
            raise ApiError.field("advance_value", "must be less than or equal to 100")
        share = (gross * value / _HUNDRED).quantize(_CENT, rounding=ROUND_HALF_UP)
    else:
        share = value.quantize(_CENT, rounding=ROUND_HALF_UP)
    if share <= 0:
        raise ApiError.field(
            "advance_value", f"gives an advance of {money_text(share)} (at least 0.01 is needed)"
        )
    taken = _taken(store, order)
    if taken + share > gross:
        raise ApiError.field(
            "advance_value", f"exceeds what is left of the order ({_left(gross, taken)})"
        )
    priced = [
        p
        for p in order.get("positions") or []
        if isinstance(p, Mapping) and p.get("kind") not in _UNPRICED and p.get("tax") is not None
    ]
    name = fields.get("position_name")
    if name in (None, ""):
        name = f"Zaliczka na poczet zamówienia {order.get('number')}"
    result = _content(store, order, fields)
    result["positions"] = [
        {
            "name": name,
            "tax": priced[0]["tax"] if priced else "23",
            "quantity": "1",
            "total_price_gross": money_text(share),
        }
    ]
    result["invoice_id"] = order["id"]
    return result


def _advances(store: Store, order_id: Any, value: Any, own_id: Any = None) -> list[dict[str, Any]]:
    """The advances a final of ``order_id`` names (the final itself ``own_id`` on an update):
    each an ``advance`` of that order that no other final settles."""
    advances = []
    for advance_id in id_list("invoice_ids", value):
        advance = store.get(INVOICES, advance_id)
        if advance is None:
            raise ApiError.field("invoice_ids", f"{advance_id} does not exist")
        if advance.get("kind") != "advance":
            raise ApiError.field("invoice_ids", f"{advance_id} is not an advance invoice")
        if advance.get("invoice_id") != order_id:
            raise ApiError.field("invoice_ids", f"{advance_id} is not an advance of this order")
        for final in store.find(INVOICES, "invoice_ids", advance_id):
            if final.get("kind") == "final" and final["id"] != own_id:
                raise ApiError.field(
                    "invoice_ids",
                    f"{advance_id} is already settled by the final invoice {final.get('number')}",
                )
        advances.append(advance)
    return advances


def _final(store: Store, fields: dict[str, Any]) -> dict[str, Any]:
    order = _order(store, fields)
    advances = _advances(store, order["id"], fields.get("invoice_ids"))
    paid = sum((_gross(advance) for advance in advances), Decimal(0))
    gross = _gross(order)
    if paid > gross:
        raise ApiError.field("invoice_ids", "the advances exceed the order's total")
    result = _content(store, order, fields)
    result["positions"] = _positions(store, order)
    covered = paid >= gross
    result.update(
        invoice_id=order["id"],
        invoice_ids=[advance["id"] for advance in advances],
        paid=money_text(paid),
        status="paid" if covered else "partial",
        paid_date=date.today().isoformat() if covered else None,
    )
    return result


def check_links(
    store: Store, record: Mapping[str, Any], before: Mapping[str, Any], changed: Mapping[str, Any]
) -> None:
    """The advance and final rules for a create or an update: ``record`` as it would be stored,
    ``before`` as it is (``{}`` on a create), ``changed`` the request's fields. An advance of an
    order priced higher than before (or newly linked) may not take the order's advances past
    its gross (422 ``price_gross``); a final of an order whose ``invoice_ids`` the request
    names is held to :func:`_advances`' rules."""
    kind, order_id = record.get("kind"), record.get("invoice_id")
    if kind == "advance" and isinstance(order_id, int):
        grew = _gross(record) > _gross(before)
        relinked = (kind, order_id) != (before.get("kind"), before.get("invoice_id"))
        order = store.get(INVOICES, order_id)
        if order is not None and (grew or relinked):
            gross, taken = _gross(order), _taken(store, order, but=record.get("id"))
            if taken + _gross(record) > gross:
                raise ApiError.field(
                    "price_gross", f"exceeds what is left of the order ({_left(gross, taken)})"
                )
    if kind == "final" and isinstance(order_id, int) and "invoice_ids" in changed:
        _advances(store, order_id, changed["invoice_ids"], own_id=record.get("id"))


def _correction_of(
    store: Store, source: Mapping[str, Any], fields: dict[str, Any]
) -> dict[str, Any]:
    total = flag(fields.get("total_correction"), "total_correction")
    show_discount = source.get("show_discount") is True
    result = _content(store, source, fields)
    positions = []
    for position in source.get("positions") or []:
        if not isinstance(position, Mapping) or position.get("kind") in _UNPRICED:
            continue
        state: Any = position
        if any(position.get(name) is not None for name in CORRECTION_SIDES):
            # A correction position: what it corrected to is what this correction starts from.
            state = position.get("correction_after_attributes")
            if not isinstance(state, Mapping):
                continue  # that correction removed the position
        before = copied_position(
            store, state, show_discount=show_discount, discount_kind=source.get("discount_kind")
        )
        after = dict(before)
        if total:
            # Nothing left, at the same unit price (an amount discount has nothing to take off).
            for name in (*PRICE_FIELDS, "discount"):
                after.pop(name, None)
            after.update(quantity="0", price_net=state.get("price_net") or "0.00")
        entry: dict[str, Any] = {key: before[key] for key in _POSITION_CONTENT if key in before}
        entry.update(
            kind="correction",
            correction_before_attributes={**before, "kind": "correction_before"},
            correction_after_attributes={**after, "kind": "correction_after"},
        )
        positions.append(entry)
    result["positions"] = positions
    result["invoice_id"] = source["id"]
    return result


class Prepared(NamedTuple):
    """The fields of the new document, and whether its buyer is its source's as issued (then
    the client card it names must not refill it)."""

    fields: dict[str, Any]
    buyer_copied: bool


def _describes(fields: Mapping[str, Any], prefix: str, ids: tuple[str, ...]) -> bool:
    """Whether the request describes a party itself (any ``{prefix}*`` or id field given)."""
    return any(
        value is not None and (key.startswith(prefix) or key in ids)
        for key, value in fields.items()
    )


def _link_original(store: Store, fields: dict[str, Any]) -> dict[str, Any]:
    field = "invoice_id" if fields.get("invoice_id") is not None else "from_invoice_id"
    original_id = fields.get(field)
    if original_id is None:
        return fields
    original = _source(store, original_id, field)
    result = dict(fields)
    if result.get("invoice_id") is None:
        result["invoice_id"] = original_id
    for prefix, ids in _PARTIES:
        if _describes(fields, prefix, ids):
            continue  # the request describes this party itself
        for key, value in original.items():
            if key.startswith(prefix) or key in ids:
                result[key] = value
    for name, collection in (("client_id", "clients"), ("department_id", "departments")):
        value = result.get(name)
        if name not in fields and isinstance(value, int) and store.get(collection, value) is None:
            result.pop(name)
    return result


def prepare(store: Store, fields: dict[str, Any]) -> Prepared:
    """The fields of the document a create request makes (``fields`` as the invoice resource
    cleaned them; ``copy_invoice_from`` and ``invoice_id`` already ints)."""
    source_id = fields.get("copy_invoice_from")
    kind = fields.get("kind")
    buyer, buyer_ids = _PARTIES[0]
    named = fields.get("invoice_id") is not None or fields.get("from_invoice_id") is not None
    has_source = source_id is not None or (kind == "correction" and named)
    # Every variant that starts from another document takes its buyer when the request
    # describes none (a correction without a named original has no source at all).
    copied = has_source and not _describes(fields, buyer, buyer_ids)
    if source_id is None:
        return Prepared(_link_original(store, fields) if kind == "correction" else fields, copied)
    if fields.get("positions") is not None:
        raise ApiError.field("copy_invoice_from", "can't be used together with positions")
    if kind == "advance":
        return Prepared(_advance(store, fields), copied)
    if kind == "final":
        return Prepared(_final(store, fields), copied)
    source = _source(store, source_id, "copy_invoice_from")
    if kind == "correction":
        return Prepared(_correction_of(store, source, fields), copied)
    return Prepared(_copy(store, source, fields), copied)
