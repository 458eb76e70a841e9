"""Price lists (``/price_lists``): special prices for chosen products, for a client or currency.

Spec 4.5. A price list reads back with ``price_list_positions[]`` (a list omits them). Writes
are a different shape: Rails nested attributes as a *hash*,
``"price_list_positions_attributes": {"0": {...}, "1": {...}}``. :class:`PriceListDraft` keeps
a plain list under ``price_list_positions`` and the price-lists service reshapes it, so a draft
reads like the record it makes. A position either fixes a price (``price_net`` or
``price_gross``) or takes a percentage off the product's price (``use_percentage``).

:class:`ProductPrice` is one entry of ``GET /price_lists/{id}/prices_for_products.json``
(``{"1": {"price_net": ..., ...}}``, keyed by product id).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from invoceanio.models.base import Draft, Model
from invoceanio.models.values import UNSET, Amount, TaxInput, TaxRate, Unset

__all__ = [
    "PriceList",
    "PriceListDraft",
    "PriceListPosition",
    "PriceListPositionDraft",
    "ProductPrice",
]


@attrs.frozen(kw_only=True, repr=False)
class PriceListPosition(Model):
    id: int | None = None
    price_list_id: int | None = None
    priceable_id: int | None = None
    priceable_name: str | None = None
    #: What the price is for: "Product" (the only kind documented).
    priceable_type: str | None = None
    use_percentage: bool | None = None
    percentage: Decimal | None = None
    price_net: Decimal | None = None
    price_gross: Decimal | None = None
    use_tax: bool | None = None
    tax: TaxRate | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.frozen(kw_only=True, repr=False)
class PriceList(Model):
    id: int | None = None
    name: str | None = None
    description: str | None = None
    currency: str | None = None
    deleted: bool | None = None
    account_id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    price_list_positions: tuple[PriceListPosition, ...] = ()


@attrs.frozen(kw_only=True, repr=False)
class ProductPrice(Model):
    """A product's price under a price list (``prices_for_products``)."""

    price_net: Decimal | None = None
    price_gross: Decimal | None = None
    tax: TaxRate | None = None
    currency: str | None = None
    category_id: int | None = None


@attrs.define(kw_only=True)
class PriceListPositionDraft(Draft):
    """A position to add; with ``id``, one to change; with ``_destroy`` in ``extra``, to drop."""

    id: int | Unset = UNSET
    priceable_id: int | Unset = UNSET
    priceable_name: str | Unset | None = UNSET
    priceable_type: str | Unset = UNSET
    use_percentage: bool | Unset = UNSET
    percentage: Amount | Unset | None = UNSET
    price_net: Amount | Unset | None = UNSET
    price_gross: Amount | Unset | None = UNSET
    use_tax: bool | Unset = UNSET
    tax: TaxInput | Unset | None = UNSET


@attrs.define(kw_only=True)
class PriceListDraft(Draft):
    """A price list to create or the changes of an update.

    ``price_list_positions`` is a plain list here; the service sends it as the Rails hash
    ``price_list_positions_attributes`` the API expects.
    """

    name: str | Unset = UNSET
    description: str | Unset | None = UNSET
    currency: str | Unset | None = UNSET
    price_list_positions: Sequence[PriceListPositionDraft | Mapping[str, Any]] | Unset = UNSET
