"""``io.price_lists``: special prices for chosen products (for a client, a currency...).

Writes use Rails' nested-attributes *hash* form for the positions
(``"price_list_positions_attributes": {"0": {...}, "1": {...}}``): a draft or dict gives them as
a plain list under ``price_list_positions`` and this service reshapes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from invoceanio.core import query_params
from invoceanio.endpoints import endpoint
from invoceanio.errors import ConfigurationError, DecodeError
from invoceanio.models.price_list import PriceList, ProductPrice
from invoceanio.resources.base import (
    CrudService,
    WriteData,
    check_id,
    check_id_filter,
    pop_id_filter,
)

__all__ = ["PriceListsService"]

_LIST_KEY = "price_list_positions"
_HASH_KEY = "price_list_positions_attributes"


class PriceListsService(CrudService[PriceList]):
    collection = "price_lists"
    root = "price_list"
    model = PriceList
    xml = False

    def _document(self, data: WriteData) -> dict[str, Any]:
        document = super()._document(data)
        positions = document.pop(_LIST_KEY, None)
        if positions is not None:
            if _HASH_KEY in document:
                raise ConfigurationError(f"give {_LIST_KEY} or {_HASH_KEY}, not both")
            if not isinstance(positions, list):
                raise ConfigurationError(f"{_LIST_KEY} must be a list of positions")
            document[_HASH_KEY] = {str(index): entry for index, entry in enumerate(positions)}
        return document

    def _filters(self, filters: Mapping[str, Any]) -> list[tuple[str, str]]:
        """``price_list_ids`` (a list, or one id) as the docs write it, comma-joined
        (``price_list_ids=1,2``), as product ``ids`` go; anything else as given."""
        filters = dict(filters)
        return pop_id_filter(filters, "price_list_ids") + query_params(filters)

    @endpoint(
        "GET", "{collection}/{id}/prices_for_products", suffix="json", note="`product_ids[]=`"
    )
    async def prices_for_products(
        self, id: int | str, product_ids: Iterable[int | str] | int
    ) -> dict[int, ProductPrice]:
        """What the products cost under this price list, by product id (one id alone may be
        given as it is: ``"56"`` is product 56)."""
        ids = check_id_filter(product_ids, "product_ids")
        if not ids:
            raise ConfigurationError("give at least one product id")
        request = self._build(
            "GET",
            f"{self._member(id)}/prices_for_products",
            params=[("product_ids[]", product_id) for product_id in ids],
        )
        data = await self._core.call(request)
        if not isinstance(data, dict):
            raise DecodeError(
                "expected an object of prices by product id", method="GET", url=request.path
            )
        prices: dict[int, ProductPrice] = {}
        for key, value in data.items():
            try:
                product_id: int | None = int(check_id(key))
            except ConfigurationError:
                product_id = None
            if product_id is None:
                # The server's key, not the caller's: a bad answer. Raised outside the except
                # block, so the refusal quoting the key is not even its hidden context.
                raise DecodeError(
                    f"a price is keyed by {self._core.quote(key)}, which is no product id",
                    method=request.method,
                    url=request.path,
                )
            prices[product_id] = self._core.to_model(request, value, ProductPrice)
        return prices
