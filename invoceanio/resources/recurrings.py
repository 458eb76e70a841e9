"""``io.recurrings``: definitions of invoices issued on a schedule (``every="1m"``) from a
template invoice (``invoice_id``)."""

from __future__ import annotations

from typing import Any

from invoceanio.errors import ConfigurationError
from invoceanio.models.converter import structure_bool
from invoceanio.models.recurring import Recurring
from invoceanio.resources.base import CrudService, WriteData

__all__ = ["RecurringsService"]


class RecurringsService(CrudService[Recurring]):
    # get and delete are not in the docs but are Rails' own routes, used by tested clients.
    collection = "recurrings"
    root = "recurring"
    model = Recurring
    xml = False

    def _document(self, data: WriteData) -> dict[str, Any]:
        document = super()._document(data)
        if _on(document.get("only_year_month")) and _on(document.get("end_of_month_sell_date")):
            # The API documents the pair as exclusive (spec 6.12): one sell date rule or the other.
            raise ConfigurationError(
                "only_year_month and end_of_month_sell_date cannot both be true: choose one"
            )
        return document


def _on(flag: object) -> bool:
    """True for a flag set in any spelling the API reads as true; anything else is left to it."""
    try:
        return structure_bool(flag) is True
    except ValueError:
        return False
