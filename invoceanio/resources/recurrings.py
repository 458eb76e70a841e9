"""``io.recurrings``: definitions of invoices issued on a schedule (``every="1m"``) from a
template invoice (``invoice_id``)."""

from __future__ import annotations

from invoceanio.models.recurring import Recurring
from invoceanio.resources.base import CrudService

__all__ = ["RecurringsService"]


class RecurringsService(CrudService[Recurring]):
    # get and delete are not in the docs but are Rails' own routes, used by tested clients.
    collection = "recurrings"
    root = "recurring"
    model = Recurring
    xml = False
