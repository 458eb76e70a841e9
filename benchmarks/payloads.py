"""The data every benchmark uses: a realistic invoice as the API returns it, and a create draft.

The invoice follows the shape of ``tests/support.invoice_payload`` (money as dot-decimal strings,
a blank ``paid_date``, a flag sent as ``"0"``) but carries the full width of a real answer: every
field :class:`invoceanio.models.Invoice` names plus fields it does not (kept in ``extra``), about
80 in all, and 1-3 positions. Structuring cost grows with width, so a thin fixture would flatter
the SDK.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any, Final

__all__ = [
    "BENCH_TOKEN",
    "bench_headers",
    "create_draft",
    "drafts",
    "invoice_page",
    "invoice_payload",
    "position_payload",
    "xml_shaped",
]

BENCH_TOKEN: Final = "bench-token"

# More fields the live API sends (and more still): most land in `extra`, a few are named by
# the models since they were widened (use_oss, exempt_tax_kind, show_attachments...).
_UNKNOWN_INVOICE_FIELDS: Final[dict[str, Any]] = {
    "tax2_visible": False,
    "seller_www": "https://example.test",
    "seller_fax": "",
    "buyer_mobile_phone": None,
    "buyer_www": "",
    "use_oss": False,
    "accounting_kind": None,
    "exempt_tax_kind": None,
    "show_attachments": False,
    "corrected_content_before": None,
}
_UNKNOWN_POSITION_FIELDS: Final[dict[str, Any]] = {
    "position": 1,
    "created_at": "2026-11-22T10:00:00.000+01:00",
    "updated_at": "2026-11-22T10:00:00.000+01:00",
    "tax2": "0",
}
_MONEY_FIELDS: Final = frozenset(
    {
        "paid",
        "price_net",
        "price_gross",
        "price_tax",
        "discount",
        "exchange_rate",
        "exchange_currency_rate",
        "quantity",
        "total_price_net",
        "total_price_gross",
        "total_price_tax",
    }
)


def position_payload(invoice_id: int, index: int) -> dict[str, Any]:
    """One position as the API returns it (money as strings, tax as a string rate)."""
    net = Decimal(100 + 10 * index)
    return {
        "id": invoice_id * 10 + index,
        "invoice_id": invoice_id,
        "product_id": 500 + index,
        "name": f"Produkt X{index}",
        "code": f"PX-{index:03d}",
        "description": "",
        "additional_info": "",
        "kind": "",
        "quantity": "1.0",
        "quantity_unit": "szt.",
        "price_net": f"{net}.0",
        "price_gross": f"{net * Decimal('1.23')}",
        "price_tax": f"{net * Decimal('0.23')}",
        "total_price_net": f"{net}.0",
        "total_price_gross": f"{net * Decimal('1.23')}",
        "total_price_tax": f"{net * Decimal('0.23')}",
        "tax": "23",
        "discount": None,
        "discount_percent": None,
        "gtu_code": "",
        "lump_sum_tax": None,
        **_UNKNOWN_POSITION_FIELDS,
        "position": index,
    }


def invoice_payload(invoice_id: int = 100, positions: int = 3) -> dict[str, Any]:
    """An invoice as the live API returns it: about 80 fields and ``positions`` positions."""
    lines = [position_payload(invoice_id, index) for index in range(1, positions + 1)]
    net = sum((Decimal(line["total_price_net"]) for line in lines), Decimal(0))
    tax = sum((Decimal(line["total_price_tax"]) for line in lines), Decimal(0))
    return {
        "id": invoice_id,
        "number": f"FV {invoice_id}/11/2026",
        "kind": "vat",
        "income": True,
        "status": "issued",
        "issue_date": "2026-11-22",
        "sell_date": "2026-11-22",
        "transaction_date": "2026-11-22",
        "place": "Warszawa",
        "payment_to": "2026-11-29",
        "payment_to_kind": "7",
        "payment_type": "transfer",
        "paid": "0.0",
        "paid_date": "",
        "price_net": str(net),
        "price_gross": str(net + tax),
        "price_tax": str(tax),
        "currency": "PLN",
        "lang": "pl",
        "discount": "0.0",
        "discount_kind": "percent_unit",
        "show_discount": False,
        "exchange_currency": "",
        "exchange_kind": "ecb",
        "exchange_rate": "1.0",
        "exchange_currency_rate": None,
        "split_payment": "0",
        "reverse_charge": False,
        "seller_name": "Wystawca Sp. z o.o.",
        "seller_tax_no": "5252445767",
        "seller_street": "ul. Prosta 51",
        "seller_post_code": "00-838",
        "seller_city": "Warszawa",
        "seller_country": "PL",
        "seller_email": "biuro@wystawca.test",
        "seller_phone": "+48 22 000 00 00",
        "seller_bank": "Bank Testowy",
        "seller_bank_account": "PL61 1090 1014 0000 0712 1981 2874",
        "seller_person": "Jan Wystawca",
        "buyer_name": "Klient ABC",
        "buyer_tax_no": "9462527777",
        "buyer_street": "ul. Kwiatowa 1",
        "buyer_post_code": "30-001",
        "buyer_city": "Kraków",
        "buyer_country": "PL",
        "buyer_email": "faktury@klient.test",
        "buyer_phone": "",
        "buyer_first_name": "",
        "buyer_last_name": "",
        "buyer_company": True,
        "buyer_note": "",
        "buyer_person": "Anna Klient",
        "client_id": 7,
        "department_id": 3,
        "category_id": None,
        "recipient_id": None,
        "warehouse_id": None,
        "invoice_id": None,
        "from_invoice_id": None,
        "recurring_id": None,
        "user_id": 11,
        "account_id": 42,
        "oid": f"order-{invoice_id}",
        "description": "Zamówienie internetowe",
        "description_footer": "",
        "description_long": "",
        "internal_note": "",
        "correction_reason": None,
        "token": f"tok{invoice_id:08d}",
        "view_url": f"https://acme.invoiceocean.com/invoice/tok{invoice_id:08d}",
        "payment_url": None,
        "gov_id": None,
        "gov_status": None,
        "sent_time": None,
        "created_at": "2026-11-22T10:00:00.000+01:00",
        "updated_at": "2026-11-22T10:00:00.000+01:00",
        **_UNKNOWN_INVOICE_FIELDS,
        "positions": lines,
    }


def invoice_page(size: int = 100, positions: int = 3) -> list[dict[str, Any]]:
    """A list page: ``size`` invoices with ``positions`` positions each."""
    return [invoice_payload(1000 + index, positions) for index in range(size)]


def xml_shaped(value: Any, name: str = "") -> Any:
    """The page as Rails writes it in XML: money as ``type="decimal"``, not plain text.

    The XML codec writes a :class:`Decimal` with ``type="decimal"`` and reads it back as a
    string, which is what ``GET /invoices.xml`` sends.
    """
    if isinstance(value, dict):
        return {key: xml_shaped(item, key) for key, item in value.items()}
    if isinstance(value, list):
        return [xml_shaped(item) for item in value]
    if name in _MONEY_FIELDS and isinstance(value, str) and value:
        return Decimal(value)
    return value


def create_draft(oid: str, positions: int = 3) -> dict[str, Any]:
    """A dict draft as a caller writes one: Decimal money, dates, positions and an oid."""
    return {
        "kind": "vat",
        "issue_date": date(2026, 11, 22),
        "sell_date": date(2026, 11, 22),
        "payment_to": date(2026, 11, 29),
        "payment_type": "transfer",
        "currency": "PLN",
        "seller_name": "Wystawca Sp. z o.o.",
        "seller_tax_no": "5252445767",
        "buyer_name": "Klient ABC",
        "buyer_tax_no": "9462527777",
        "buyer_street": "ul. Kwiatowa 1",
        "buyer_post_code": "30-001",
        "buyer_city": "Kraków",
        "buyer_email": "faktury@klient.test",
        "buyer_company": True,
        "oid": oid,
        "positions": [
            {
                "name": f"Produkt X{index}",
                "quantity": Decimal(index),
                "quantity_unit": "szt.",
                "price_net": Decimal("100.00") + index,
                "tax": Decimal(23),
            }
            for index in range(1, positions + 1)
        ],
    }


def drafts(prefix: str, count: int) -> Iterator[dict[str, Any]]:
    """``count`` :func:`create_draft` invoices, read lazily, each with its own oid."""
    template = create_draft("template")
    return ({**template, "oid": f"{prefix}-{number}"} for number in range(count))


def bench_headers(*, json_body: bool = True) -> dict[str, str]:
    """The headers a hand-written client sends (the same as invoceanio's): JSON, Bearer token."""
    headers = {"Accept": "application/json", "Authorization": f"Bearer {BENCH_TOKEN}"}
    if json_body:
        headers["Content-Type"] = "application/json"
    return headers
