"""Products, price lists, categories, warehouses and warehouse documents: realistic answers
structure into the right types, unknown keys survive, and drafts send only what is set."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs

from invoceanio.models import (
    UNSET,
    Category,
    CategoryDraft,
    PriceList,
    PriceListDraft,
    PriceListPosition,
    PriceListPositionDraft,
    Product,
    ProductDraft,
    ProductPrice,
    Warehouse,
    WarehouseAction,
    WarehouseActionDraft,
    WarehouseDocument,
    WarehouseDocumentDraft,
    WarehouseDocumentKind,
    WarehouseDraft,
    structure,
    to_wire,
)
from tests.support import leaves, rejects

PLUS_ONE = timezone(timedelta(hours=1))

PRODUCT: dict[str, Any] = {
    "id": "501",
    "name": "Produkt X1",
    "code": "PX-001",
    "ean_code": "5901234123457",
    "description": "",
    "price_net": "339.99",
    "price_gross": "418,19",
    "price_tax": "78.2",
    "tax": "23",
    "currency": "PLN",
    "category_id": None,
    "tag_list": ["promo", "b2b"],
    "gtu_codes": ["GTU_01"],
    "service": "0",
    "electronic_service": False,
    "limited": "1",
    "stock_level": "9.0",
    "purchase_price_net": "",
    "purchase_tax": "zw",
    "package": True,
    "package_products_details": {"0": {"id": 7, "quantity": "2"}, "1": {"id": "8", "quantity": 1}},
    "quantity_unit": "szt.",
    "quantity": "1.0",
    "disabled": False,
    "token": "AbCdEf123",
    "created_at": "2026-11-22T10:00:00.000+01:00",
    "updated_at": "",
    # Not named by the model: kept in extra.
    "size_width": "10.5",
    "accounting_tax_code": None,
}


def test_a_product_answer_has_typed_values() -> None:
    product = structure(copy.deepcopy(PRODUCT), Product)
    assert product.id == 501
    assert type(product.id) is int
    assert product.price_net == Decimal("339.99")
    assert product.price_net.as_tuple() == Decimal("339.99").as_tuple()
    assert product.price_gross == Decimal("418.19")  # the comma decimal
    assert product.tax == Decimal("23")
    assert isinstance(product.tax, Decimal)
    assert product.purchase_tax == "zw"
    assert type(product.purchase_tax) is str
    assert product.stock_level == Decimal("9.0")
    assert product.purchase_price_net is None  # blank
    assert product.category_id is None
    assert (product.service, product.limited, product.package) == (False, True, True)
    assert product.tag_list == ("promo", "b2b")
    assert product.gtu_codes == ("GTU_01",)
    assert product.created_at == datetime(2026, 11, 22, 10, tzinfo=PLUS_ONE)
    assert product.updated_at is None
    assert product.description == ""
    assert product.token == "AbCdEf123"


def test_a_bundle_keeps_its_parts_as_the_hash_the_api_sent() -> None:
    product = structure(copy.deepcopy(PRODUCT), Product)
    assert product.package_products_details == PRODUCT["package_products_details"]
    assert to_wire(product)["package_products_details"] == PRODUCT["package_products_details"]
    assert structure({"package_products_details": None}, Product).package_products_details is None
    # A dict field must not make the frozen record unhashable.
    assert hash(product) == hash(structure(copy.deepcopy(PRODUCT), Product))


def test_unknown_product_fields_are_kept_and_written_back() -> None:
    product = structure(copy.deepcopy(PRODUCT), Product)
    assert product.extra == {"accounting_tax_code": None}
    assert product.size_width == Decimal("10.5")  # named since, and still written back
    wire = to_wire(product)
    assert wire["size_width"] == "10.5"
    assert "accounting_tax_code" in wire and wire["accounting_tax_code"] is None
    assert wire["price_net"] == "339.99"
    assert wire["price_gross"] == "418.19"
    assert wire["tax"] == "23"
    assert wire["purchase_tax"] == "zw"
    assert wire["service"] is False
    assert wire["tag_list"] == ["promo", "b2b"]
    # Blank and null values are not sent back; everything else is.
    assert "purchase_price_net" not in wire and "category_id" not in wire
    assert structure(wire, Product) == product
    assert not any(isinstance(leaf, float) for leaf in leaves(wire))


def test_a_product_rejects_a_flag_it_cannot_read() -> None:
    assert "service" in rejects({"service": "maybe"}, Product)
    assert "price_net" in rejects({"price_net": "12.3.4"}, Product)


def test_a_product_draft_sends_only_what_is_set() -> None:
    assert to_wire(ProductDraft()) == {}
    draft = ProductDraft(
        name="Produkt X2",
        price_gross=Decimal("1E+2"),
        tax="zw",
        tag_list=["a", "b"],
        category_id=None,
        service=False,
        package_products_details={"0": {"id": 1, "quantity": Decimal("2.0")}},
    )
    assert to_wire(draft) == {
        "name": "Produkt X2",
        "price_gross": "100",
        "tax": "zw",
        "tag_list": ["a", "b"],
        "category_id": None,
        "service": False,
        "package_products_details": {"0": {"id": 1, "quantity": "2.0"}},
    }
    assert to_wire(ProductDraft(tax=Decimal("8"), price_net=UNSET)) == {"tax": "8"}


# --- price lists -------------------------------------------------------------------------------

PRICE_LIST: dict[str, Any] = {
    "id": 3,
    "name": "Hurt",
    "description": None,
    "currency": "PLN",
    "deleted": "0",
    "account_id": "42",
    "created_at": "2026-11-22T10:00:00.000+01:00",
    "updated_at": "2026-11-22T10:00:00.000+01:00",
    "price_list_positions": [
        {
            "id": 11,
            "price_list_id": 3,
            "priceable_id": "501",
            "priceable_name": "Produkt X1",
            "priceable_type": "Product",
            "use_percentage": "1",
            "percentage": "10,5",
            "price_net": "",
            "price_gross": None,
            "use_tax": True,
            "tax": "23",
            "priceable_code": "PX-001",
        },
        {
            "id": 12,
            "priceable_id": 502,
            "priceable_type": "Product",
            "use_percentage": False,
            "price_net": "89.0",
            "price_gross": "109.47",
            "use_tax": "0",
            "tax": "np",
        },
    ],
}


def test_a_price_list_reads_its_positions() -> None:
    price_list = structure(copy.deepcopy(PRICE_LIST), PriceList)
    assert (price_list.id, price_list.account_id, price_list.deleted) == (3, 42, False)
    first, second = price_list.price_list_positions
    assert isinstance(first, PriceListPosition)
    assert first.priceable_id == 501
    assert first.use_percentage is True
    assert first.percentage == Decimal("10.5")
    assert first.price_net is None and first.price_gross is None
    assert first.tax == Decimal(23)
    assert first.extra == {"priceable_code": "PX-001"}
    assert second.use_tax is False
    assert second.price_net == Decimal("89.0")
    assert second.tax == "np"
    wire = to_wire(price_list)
    assert wire["price_list_positions"][0]["priceable_code"] == "PX-001"
    assert wire["price_list_positions"][0]["percentage"] == "10.5"
    assert structure(wire, PriceList) == price_list


def test_a_price_list_from_a_list_page_has_no_positions() -> None:
    # Lists omit the positions: an absent key is an empty tuple, not an error.
    assert structure({"id": 3, "name": "Hurt"}, PriceList).price_list_positions == ()


def test_a_price_list_draft_keeps_a_plain_position_list() -> None:
    draft = PriceListDraft(
        name="Hurt",
        currency="EUR",
        price_list_positions=[
            PriceListPositionDraft(
                priceable_id=501,
                priceable_type="Product",
                use_percentage=True,
                percentage=Decimal("10.50"),
                price_net=None,
            ),
            PriceListPositionDraft(id=12, extra={"_destroy": 1}),
            {"priceable_id": 502, "price_gross": Decimal("5"), "tax": Decimal("8")},
        ],
    )
    # The list form; the price-lists service turns it into price_list_positions_attributes.
    assert to_wire(draft) == {
        "name": "Hurt",
        "currency": "EUR",
        "price_list_positions": [
            {
                "priceable_id": 501,
                "priceable_type": "Product",
                "use_percentage": True,
                "percentage": "10.50",
                "price_net": None,
            },
            {"id": 12, "_destroy": 1},
            {"priceable_id": 502, "price_gross": "5", "tax": "8"},
        ],
    }


def test_a_product_price_reads_prices_for_products() -> None:
    price = structure(
        {"price_net": "10.0", "price_gross": "12,30", "tax": "23", "currency": "PLN"},
        ProductPrice,
    )
    assert price == ProductPrice(
        price_net=Decimal("10.0"),
        price_gross=Decimal("12.30"),
        tax=Decimal("23"),
        currency="PLN",
    )
    assert price.category_id is None


# --- categories and warehouses -----------------------------------------------------------------


def test_a_category_answer_and_draft() -> None:
    category = structure({"id": "4", "name": "Usługi", "description": "", "position": 2}, Category)
    assert (category.id, category.name, category.description) == (4, "Usługi", "")
    assert category.extra == {"position": 2}
    assert to_wire(category) == {"id": 4, "name": "Usługi", "description": "", "position": 2}
    assert to_wire(CategoryDraft(name="Towary", description=None)) == {
        "name": "Towary",
        "description": None,
    }


def test_a_warehouse_answer_and_draft() -> None:
    warehouse = structure({"id": "1", "name": "Główny", "kind": None, "description": ""}, Warehouse)
    assert (warehouse.id, warehouse.kind, warehouse.description) == (1, None, "")
    assert to_wire(warehouse) == {"id": 1, "name": "Główny", "description": ""}
    assert to_wire(WarehouseDraft(name="Zapas", kind=None)) == {"name": "Zapas", "kind": None}


WAREHOUSE_DOCUMENT: dict[str, Any] = {
    "id": 70,
    "kind": "mm",
    "number": "MM 1/11/2026",
    "warehouse_id": "1",
    "issue_date": "2026-11-22",
    "department_id": None,
    "department_name": "",
    "client_id": 7,
    "client_name": "Klient ABC",
    "invoice_ids": ["100", 111],
    "warehouse_actions": [
        {
            "id": 700,
            "warehouse_document_id": 70,
            "kind": "mm",
            "warehouse_id": 1,
            "warehouse2_id": "2",
            "product_id": 501,
            "quantity": "2,5",
            "purchase_price_net": "10.00",
            "purchase_tax": "23",
            "tax": "zw",
            "price_net": None,
            "issue_date": "2026-11-22",
            "stock_after": "6.5",
        }
    ],
    "created_at": "2026-11-22T10:00:00.000+01:00",
    "description": "Przesunięcie",
}


def test_a_warehouse_document_reads_its_actions() -> None:
    document = structure(copy.deepcopy(WAREHOUSE_DOCUMENT), WarehouseDocument)
    assert document.kind is WarehouseDocumentKind.MM
    assert document.warehouse_id == 1
    assert document.issue_date == date(2026, 11, 22)
    assert document.invoice_ids == (100, 111)
    assert document.department_name == ""
    assert document.extra == {"description": "Przesunięcie"}
    (action,) = document.warehouse_actions
    assert isinstance(action, WarehouseAction)
    assert action.kind is WarehouseDocumentKind.MM
    assert action.warehouse2_id == 2
    assert action.quantity == Decimal("2.5")
    assert action.purchase_price_net == Decimal("10.00")
    assert action.purchase_tax == Decimal("23")
    assert action.tax == "zw"
    assert action.price_net is None
    assert action.extra == {"stock_after": "6.5"}
    wire = to_wire(document)
    assert wire["warehouse_actions"][0]["stock_after"] == "6.5"
    assert wire["warehouse_actions"][0]["quantity"] == "2.5"
    assert wire["invoice_ids"] == [100, 111]
    assert structure(wire, WarehouseDocument) == document


def test_warehouse_document_kinds_are_open() -> None:
    assert {kind.value for kind in WarehouseDocumentKind} == {
        "pz",
        "wz",
        "mm",
        "pw",
        "rw",
        "pzk",
        "wzk",
        "zt",
    }
    assert structure({"kind": "pz"}, WarehouseDocument).kind is WarehouseDocumentKind.PZ
    future = structure({"kind": "inw"}, WarehouseDocument).kind
    assert future == "inw"
    assert type(future) is str


def test_a_warehouse_document_draft_sends_only_what_is_set() -> None:
    draft = WarehouseDocumentDraft(
        kind=WarehouseDocumentKind.PZ,
        issue_date=date(2026, 11, 22),
        warehouse_id=1,
        client_name="Dostawca",
        department_id=None,
        invoice_ids=[100],
        warehouse_actions=[
            WarehouseActionDraft(
                product_name="Nowy produkt",
                quantity=Decimal("3"),
                purchase_price_net=Decimal("10.00"),
                purchase_tax=Decimal("23"),
            ),
            WarehouseActionDraft(id=700, extra={"_destroy": 1}),
        ],
    )
    wire = to_wire(draft)
    assert wire == {
        "kind": "pz",
        "issue_date": "2026-11-22",
        "warehouse_id": 1,
        "client_name": "Dostawca",
        "department_id": None,
        "invoice_ids": [100],
        "warehouse_actions": [
            {
                "product_name": "Nowy produkt",
                "quantity": "3",
                "purchase_price_net": "10.00",
                "purchase_tax": "23",
            },
            {"id": 700, "_destroy": 1},
        ],
    }
    assert type(wire["kind"]) is str


def test_warehouse_drafts_have_no_read_only_fields() -> None:
    names = {field.name for field in attrs.fields(WarehouseActionDraft)}
    assert not names & {"warehouse_document_id", "created_at", "kind", "issue_date"}
