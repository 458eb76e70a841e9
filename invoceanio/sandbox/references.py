"""What an invoice takes from the records it references, as the service fills it in.

- ``department_id``: the seller block comes from the department card. The card wins over
  ``seller_*`` fields sent beside it (spec 6.1: "dane z tych obiektów nadpiszą dane podane
  bezpośrednio"), except where the card leaves a field blank.
- ``positions[].product_id``: a position names a product and may give nothing else (the
  documented minimal invoice is ``{"product_id": 1, "quantity": 2}``). The product's name, tax
  rate, unit and code fill what the position leaves out; its net price becomes the position's
  price unless the position sends one of its own (any of :data:`PRICE_FIELDS`).

- EAN codes on a printout (``print_ean_codes``, [FR] spec 4.1): a position prints its
  product's ``ean_code`` (its own, if the request gave one); :func:`with_ean_codes`.

An unknown reference is a 422 naming the field, as an unknown ``client_id`` is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from invoceanio.sandbox.pricing import PRICE_FIELDS
from invoceanio.sandbox.store import Store
from invoceanio.sandbox.wire import ApiError, integer

__all__ = [
    "DEPARTMENT_TO_SELLER",
    "PRODUCT_TO_POSITION",
    "fill_positions",
    "fill_seller",
    "with_ean_codes",
]

DEPARTMENTS: Final = "departments"
PRODUCTS: Final = "products"

#: department card field -> invoice field
DEPARTMENT_TO_SELLER: Final = {
    "name": "seller_name",
    "tax_no": "seller_tax_no",
    "tax_no_kind": "seller_tax_no_kind",
    "street": "seller_street",
    "post_code": "seller_post_code",
    "city": "seller_city",
    "country": "seller_country",
    "email": "seller_email",
    "phone": "seller_phone",
    "www": "seller_www",
    "fax": "seller_fax",
    "person": "seller_person",
    "bank": "seller_bank",
    "bank_account": "seller_bank_account",
}
#: product field -> position field, filled only where the position has none
PRODUCT_TO_POSITION: Final = {
    "name": "name",
    "tax": "tax",
    "quantity_unit": "quantity_unit",
    "code": "code",
    "additional_info": "additional_info",
}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def fill_seller(store: Store, invoice: dict[str, Any]) -> None:
    """Copy the referenced department's card into the seller block (in place)."""
    department_id = invoice.get("department_id")
    if department_id is None:
        return
    department = store.get(DEPARTMENTS, department_id)
    if department is None:
        raise ApiError.field("department_id", "does not exist")
    for source, target in DEPARTMENT_TO_SELLER.items():
        if not _blank(department.get(source)):
            invoice[target] = department[source]


#: A product's prices under the invoice's price list (see ``resources.price_list_pricer``):
#: ``price_net`` and ``tax`` as ``prices_for_products`` answers them.
ListPrice = Callable[[Mapping[str, Any]], Mapping[str, Any]]


def _fill_position(
    store: Store, position: dict[str, Any], list_price: ListPrice | None = None
) -> None:
    product_id = integer(position.get("product_id"), "positions.product_id")
    if product_id is None:
        return
    position["product_id"] = product_id
    product = store.get(PRODUCTS, product_id)
    if product is None:
        raise ApiError.field("positions.product_id", "does not exist")
    own_tax = not _blank(position.get("tax"))
    for source, target in PRODUCT_TO_POSITION.items():
        if _blank(position.get(target)) and not _blank(product.get(source)):
            position[target] = product[source]
    if all(_blank(position.get(field)) for field in PRICE_FIELDS):
        if list_price is not None:
            listed = list_price(product)
            position["price_net"] = listed["price_net"]
            if not own_tax and listed.get("tax") is not None:
                position["tax"] = listed["tax"]  # the list's own rate (use_tax), as it answers
        else:
            position["price_net"] = product.get("price_net") or "0.00"


def fill_positions(store: Store, positions: Any, list_price: ListPrice | None = None) -> None:
    """Fill every position that references a product (in place); others are left alone. With
    ``list_price`` (an invoice using price-list prices), a position that names no price of
    its own takes its product's price under the list."""
    if not isinstance(positions, list):
        return
    for position in positions:
        if isinstance(position, dict) and "product_id" in position:
            _fill_position(store, position, list_price)


def _ean_code(store: Store, position: Mapping[str, Any]) -> Any:
    if not _blank(position.get("ean_code")):
        return position["ean_code"]
    product_id = position.get("product_id")
    product = store.get(PRODUCTS, product_id) if isinstance(product_id, int) else None
    return None if product is None else product.get("ean_code")


def with_ean_codes(store: Store, invoice: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``invoice`` whose positions carry ``ean_code`` where one is known (the stored
    invoice does not change: the API's positions have no such field). A product deleted since
    leaves its position without one."""
    positions = invoice.get("positions")
    if not isinstance(positions, list):
        return dict(invoice)
    coded = [
        {**position, "ean_code": _ean_code(store, position)}
        if isinstance(position, Mapping)
        else position
        for position in positions
    ]
    return {**invoice, "positions": coded}
