"""Warehouses, warehouse documents (goods received, issued, moved...) and their actions.

Spec 4.6/6.13/6.14. A warehouse document (``/warehouse_documents``) holds one action per
product moved (``warehouse_actions[]``); ``/warehouse_actions`` lists the actions of every
document (read-only). An ``mm`` transfer moves goods from ``warehouse_id`` to each action's
``warehouse2_id``. A document names its department and client by id **or** by name
(``department_name``, ``client_name``), and an action its product by ``product_id`` or
``product_name``. Link invoices with ``invoice_ids``.

Wire quirks: quantities and prices are dot-decimal strings; ``tax`` and ``purchase_tax`` are a
rate or a code; a warehouse's ``kind`` may be null.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs

from invoceanio.models.base import Draft, Model
from invoceanio.models.values import UNSET, Amount, OpenStrEnum, TaxInput, TaxRate, Unset

__all__ = [
    "Warehouse",
    "WarehouseAction",
    "WarehouseActionDraft",
    "WarehouseDocument",
    "WarehouseDocumentDraft",
    "WarehouseDocumentKind",
    "WarehouseDraft",
]


class WarehouseDocumentKind(OpenStrEnum):
    """The Polish warehouse document types. ``pz``, ``wz`` and ``mm`` are documented; the
    others appear in the departments' numbering patterns (spec 6.13, 6.15)."""

    PZ = "pz"  # przyjęcie zewnętrzne: goods received from outside
    WZ = "wz"  # wydanie zewnętrzne: goods issued to a client
    MM = "mm"  # przesunięcie międzymagazynowe: a transfer between warehouses
    PW = "pw"  # przyjęcie wewnętrzne: internal receipt (e.g. from production)
    RW = "rw"  # rozchód wewnętrzny: internal issue
    PZK = "pzk"  # correction of a pz
    WZK = "wzk"  # correction of a wz
    ZT = "zt"


@attrs.frozen(kw_only=True, repr=False)
class Warehouse(Model):
    id: int | None = None
    name: str | None = None
    kind: str | None = None
    description: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.frozen(kw_only=True, repr=False)
class WarehouseAction(Model):
    """One product moved by a warehouse document (``pz`` takes purchase prices, ``wz`` sale
    prices); ``kind``, ``warehouse_id`` and ``issue_date`` repeat the document's."""

    id: int | None = None
    warehouse_document_id: int | None = None
    kind: WarehouseDocumentKind | str | None = None
    warehouse_id: int | None = None
    #: The target warehouse of an ``mm`` transfer.
    warehouse2_id: int | None = None
    product_id: int | None = None
    product_name: str | None = None
    quantity: Decimal | None = None
    price_net: Decimal | None = None
    price_gross: Decimal | None = None
    tax: TaxRate | None = None
    purchase_price_net: Decimal | None = None
    purchase_price_gross: Decimal | None = None
    purchase_tax: TaxRate | None = None
    issue_date: date | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.frozen(kw_only=True, repr=False)
class WarehouseDocument(Model):
    id: int | None = None
    kind: WarehouseDocumentKind | str | None = None
    number: str | None = None
    warehouse_id: int | None = None
    issue_date: date | None = None
    department_id: int | None = None
    department_name: str | None = None
    client_id: int | None = None
    client_name: str | None = None
    invoice_ids: tuple[int, ...] = ()
    warehouse_actions: tuple[WarehouseAction, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None
    #: The date of the goods' movement (the issue date unless given), which
    #: ``search_date_type="transaction_date"`` lists by.
    transaction_date: date | None = None


@attrs.define(kw_only=True)
class WarehouseDraft(Draft):
    name: str | Unset = UNSET
    kind: str | Unset | None = UNSET
    description: str | Unset | None = UNSET


@attrs.define(kw_only=True)
class WarehouseActionDraft(Draft):
    """An action to add; with ``id``, one to change; with ``_destroy`` in ``extra``, to drop."""

    id: int | Unset = UNSET
    product_id: int | Unset | None = UNSET
    product_name: str | Unset | None = UNSET
    quantity: Amount | Unset = UNSET
    price_net: Amount | Unset | None = UNSET
    tax: TaxInput | Unset | None = UNSET
    purchase_price_net: Amount | Unset | None = UNSET
    purchase_tax: TaxInput | Unset | None = UNSET
    warehouse2_id: int | Unset | None = UNSET


@attrs.define(kw_only=True)
class WarehouseDocumentDraft(Draft):
    """A document to create (``kind`` is required) or the changes of an update.

    Omit both ``department_id`` and ``department_name`` for the default department.
    """

    kind: WarehouseDocumentKind | str | Unset = UNSET
    number: str | Unset | None = UNSET
    warehouse_id: int | Unset | None = UNSET
    issue_date: date | Unset = UNSET
    transaction_date: date | Unset | None = UNSET
    department_id: int | Unset | None = UNSET
    department_name: str | Unset | None = UNSET
    client_id: int | Unset | None = UNSET
    client_name: str | Unset | None = UNSET
    invoice_ids: list[int] | Unset = UNSET
    warehouse_actions: Sequence[WarehouseActionDraft | Mapping[str, Any]] | Unset = UNSET
