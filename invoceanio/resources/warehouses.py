"""``io.warehouses``, ``io.warehouse_documents`` (goods received ``pz``, issued ``wz``, moved
``mm``...) and ``io.warehouse_actions`` (the stock movements the documents make, list only)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from invoceanio.core import query_params, query_value
from invoceanio.errors import ConfigurationError
from invoceanio.models.warehouse import Warehouse, WarehouseAction, WarehouseDocument
from invoceanio.resources.base import CrudService, Listing, _shown

__all__ = ["WarehouseActionsService", "WarehouseDocumentsService", "WarehousesService"]


def _date_filters(filters: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Warehouse documents are listed like invoices: ``date_from``/``date_to`` count only with
    ``period=more``, which is sent for the caller, as ``io.invoices`` does; with any other
    period the API would ignore the dates, so that is refused (ConfigurationError) rather than
    answered with the period's documents. (The actions list takes its dates without a period.)"""
    filters = dict(filters)
    period = filters.pop("period", None)
    pairs: list[tuple[str, str]] = [
        (key, query_value(value, key))
        for key in ("date_from", "date_to")
        if (value := filters.pop(key, None)) is not None
    ]
    if pairs:
        if period not in (None, "more"):
            raise ConfigurationError(
                f"date_from/date_to work only with period='more', not period={_shown(period)}"
            )
        period = "more"
    if period is not None:
        pairs.insert(0, ("period", query_value(period, "period")))
    return pairs + query_params(filters)


class WarehousesService(CrudService[Warehouse]):
    collection = "warehouses"
    root = "warehouse"
    model = Warehouse


class WarehouseDocumentsService(CrudService[WarehouseDocument]):
    collection = "warehouse_documents"
    root = "warehouse_document"
    model = WarehouseDocument
    xml = False

    def _filters(self, filters: Mapping[str, Any]) -> list[tuple[str, str]]:
        return _date_filters(filters)


class WarehouseActionsService(Listing[WarehouseAction]):
    """Filters: ``warehouse_id``, ``kind``, ``product_id``, ``date_from``/``date_to``,
    ``from_warehouse_document``/``to_warehouse_document`` (a range of document ids),
    ``warehouse_document_id``."""

    collection = "warehouse_actions"
    root = "warehouse_action"
    model = WarehouseAction
    xml = False
