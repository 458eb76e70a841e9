"""Products (``/products``): the catalogue positions are made from, with prices and stock.

Spec 6.9. Wire quirks: prices and stock levels come back as dot-decimal strings; ``tax`` (and
``purchase_tax``) is a rate or a code (``zw``, ``np``, ``disabled``); a bundle's
``package_products_details`` is a Rails nested hash (``{"0": {"id": 1, "quantity": 2}}``),
kept as the dict it is. On an update ``price_net`` cannot be set: the API computes it from
``price_gross`` and ``tax`` (spec 4.4), so send those.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from invoceanio.models.base import Draft, Model
from invoceanio.models.values import UNSET, Amount, GtuCode, TaxInput, TaxRate, Unset

__all__ = ["Product", "ProductDraft"]


@attrs.frozen(kw_only=True, repr=False)
class Product(Model):
    id: int | None = None
    name: str | None = None
    code: str | None = None
    ean_code: str | None = None
    description: str | None = None
    price_net: Decimal | None = None
    price_gross: Decimal | None = None
    price_tax: Decimal | None = None
    tax: TaxRate | None = None
    currency: str | None = None
    category_id: int | None = None
    department_id: int | None = None
    tag_list: tuple[str, ...] = ()
    #: ``GTU_01`` ... ``GTU_13`` (Polish JPK goods and services groups, :class:`GtuCode`).
    gtu_codes: tuple[GtuCode | str, ...] = ()
    service: bool | None = None
    electronic_service: bool | None = None
    limited: bool | None = None
    stock_level: Decimal | None = None
    #: The stock of the warehouse asked for with ``warehouse_id=``; absent otherwise.
    warehouse_quantity: Decimal | None = None
    purchase_price_net: Decimal | None = None
    purchase_price_gross: Decimal | None = None
    purchase_price_tax: Decimal | None = None
    purchase_tax: TaxRate | None = None
    package: bool | None = None
    package_products_details: dict[str, Any] | None = attrs.field(default=None, hash=False)
    quantity_unit: str | None = None
    #: The quantity a sale takes by default.
    quantity: Decimal | None = None
    #: PKWiU and the like, printed in the invoice's extra column.
    additional_info: str | None = None
    supplier_code: str | None = None
    accounting_id: str | None = None
    disabled: bool | None = None
    use_moss: bool | None = None
    use_product_warehouses: bool | None = None
    #: Dimensions and weight (``size_unit`` m or cm, ``weight_unit`` kg or g).
    size: Decimal | None = None
    size_width: Decimal | None = None
    size_height: Decimal | None = None
    size_unit: str | None = None
    weight: Decimal | None = None
    weight_unit: str | None = None
    #: Identifies the product in the payment widget (spec [SEED0]).
    token: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.define(kw_only=True)
class ProductDraft(Draft):
    """A product to create or the changes of an update (``price_net`` only on a create)."""

    name: str | Unset = UNSET
    code: str | Unset | None = UNSET
    ean_code: str | Unset | None = UNSET
    description: str | Unset | None = UNSET
    price_net: Amount | Unset | None = UNSET
    price_gross: Amount | Unset | None = UNSET
    tax: TaxInput | Unset | None = UNSET
    currency: str | Unset | None = UNSET
    category_id: int | Unset | None = UNSET
    department_id: int | Unset | None = UNSET
    tag_list: list[str] | Unset = UNSET
    gtu_codes: Sequence[GtuCode | str] | Unset = UNSET
    service: bool | Unset = UNSET
    electronic_service: bool | Unset = UNSET
    limited: bool | Unset = UNSET
    stock_level: Amount | Unset | None = UNSET
    purchase_price_net: Amount | Unset | None = UNSET
    purchase_price_gross: Amount | Unset | None = UNSET
    purchase_tax: TaxInput | Unset | None = UNSET
    package: bool | Unset = UNSET
    #: The bundle's parts, ``{"0": {"id": PRODUCT_ID, "quantity": 2}, ...}``.
    package_products_details: dict[str, Any] | Unset = UNSET
    quantity_unit: str | Unset | None = UNSET
    quantity: Amount | Unset | None = UNSET
    additional_info: str | Unset | None = UNSET
    supplier_code: str | Unset | None = UNSET
    accounting_id: str | Unset | None = UNSET
    disabled: bool | Unset = UNSET
    use_moss: bool | Unset = UNSET
    use_product_warehouses: bool | Unset = UNSET
    size: Amount | Unset | None = UNSET
    size_width: Amount | Unset | None = UNSET
    size_height: Amount | Unset | None = UNSET
    size_unit: str | Unset | None = UNSET
    weight: Amount | Unset | None = UNSET
    weight_unit: str | Unset | None = UNSET
