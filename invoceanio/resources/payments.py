"""``io.payments``: payments received (the API's ``/banking/payments``, root key
``banking_payment``). A paid payment with ``invoice_ids`` pays those invoices in that order,
which is also the way to mark an invoice paid once it is in KSeF (it can no longer be edited).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from invoceanio.core import query_params, query_value
from invoceanio.endpoints import endpoint
from invoceanio.errors import ConfigurationError
from invoceanio.models.converter import structure_int
from invoceanio.models.payment import Payment
from invoceanio.resources.base import CrudService, WriteData, check_flag

__all__ = ["PaymentsService"]


class PaymentsService(CrudService[Payment]):
    # The docs' one-payment path is singular (/banking/payment/{id}), which the live service
    # answers with 404: the plural is right for every call (api-quirks.md).
    collection = "banking/payments"
    root = "banking_payment"
    model = Payment
    update_method: ClassVar[str] = "PATCH"

    def _document(self, data: WriteData) -> dict[str, Any]:
        document = super()._document(data)
        one, many = document.get("invoice_id"), document.get("invoice_ids")
        # The API documents one form or the other (spec 4.7). A payment it answers carries both,
        # the one invoice in the list too, so only a pair naming different invoices is refused:
        # which would the payment pay? An empty list names none.
        if one is not None and many and not _same_ids(many, [one]):
            raise ConfigurationError(
                "give invoice_id or invoice_ids (paid in the order given), not both naming "
                "different invoices"
            )
        return document

    def _filters(self, filters: Mapping[str, Any]) -> list[tuple[str, str]]:
        """``include_invoices=True`` (each payment with its invoices: a flag, so "no" or "0" is
        not True), ``date_from``/``date_to``, ``amount_from``/``amount_to``, ``client_id``,
        ``bank_account_id``, others as given."""
        filters = dict(filters)
        pairs: list[tuple[str, str]] = []
        if check_flag(filters.pop("include_invoices", None), "include_invoices"):
            pairs.append(("include", "invoices"))
        for key in ("amount_from", "amount_to"):
            if filters.get(key) is not None:
                pairs.append((key, query_value(filters.pop(key), key)))
        return pairs + query_params(filters)

    @endpoint("GET", "{collection}/{id}", note="`include=invoices`")
    async def get(self, id: int | str, *, include_invoices: bool = False) -> Payment:
        include = check_flag(include_invoices, "include_invoices")
        params = [("include", "invoices")] if include else []
        request = self._build("GET", self._member(id), params=params)
        return self._core.to_model(request, await self._core.call(request), self.model)


def _same_ids(left: Any, right: list[Any]) -> bool:
    """Whether two id lists name the same invoices, ids read as the models read them."""
    try:
        return isinstance(left, list) and [structure_int(x) for x in left] == [
            structure_int(x) for x in right
        ]
    except ValueError:
        return False
