"""What an invoice needs before it is worth sending, checked offline by every reader.

The API's own minimum for a position is a name, a tax, a quantity and a price (spec 6.4: "the
usual minimum is name, tax, total_price_gross, quantity"; any one of the four prices will do,
the service computes the others; a [FR] text row, ``kind="text_separator"``, or a subtotal,
``kind="subtotal"``, is a line of text or a sum the service makes, and needs only its name),
and an invoice needs a buyer: a name (``buyer_name``, or a
person's ``buyer_first_name``/``buyer_last_name``) or an existing client (``client_id``).
A file that breaks these would only collect 422s: it is cheaper to say so at once, by line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from invoceanio.formats.fields import PRICE_FIELDS

__all__ = [
    "BUYER_FIELDS",
    "REQUIRED_POSITION_FIELDS",
    "UNPRICED_POSITION_KINDS",
    "invoice_problems",
    "position_problems",
]

#: Any one of these names the buyer.
BUYER_FIELDS: Final = ("buyer_name", "buyer_first_name", "buyer_last_name", "client_id")
REQUIRED_POSITION_FIELDS: Final = ("name", "tax", "quantity")
#: Positions that are no goods or service sold: no tax, quantity or price is theirs to give
#: (spec 4.1: ``{"name": "Chambre", "kind": "text_separator"}``).
UNPRICED_POSITION_KINDS: Final = frozenset({"text_separator", "subtotal"})


def position_problems(position: Mapping[str, Any], prefix: str = "") -> list[str]:
    """What a position lacks, each field named with ``prefix`` (``position_`` in CSV)."""
    if position.get("kind") in UNPRICED_POSITION_KINDS:
        return [] if position.get("name") is not None else [f"{prefix}name is missing"]
    problems = [
        f"{prefix}{name} is missing"
        for name in REQUIRED_POSITION_FIELDS
        if position.get(name) is None
    ]
    if all(position.get(name) is None for name in PRICE_FIELDS):
        names = ", ".join(prefix + name for name in PRICE_FIELDS)
        problems.append(f"no price: give one of {names}")
    return problems


def invoice_problems(invoice: Mapping[str, Any]) -> list[str]:
    """What the invoice itself (not its positions) lacks."""
    if all(invoice.get(name) is None for name in BUYER_FIELDS):
        return ["no buyer: give buyer_name (or buyer_first_name/buyer_last_name) or client_id"]
    return []
