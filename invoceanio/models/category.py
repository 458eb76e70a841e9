"""Categories (``/categories``): labels for invoices, clients and products.

Spec 4.8/6.14: ``{id, name, description}``. On an invoice write, [FR] ``category_id`` also
takes a category *name* (creating the category when it is unknown).
"""

from __future__ import annotations

from datetime import datetime

import attrs

from invoceanio.models.base import Draft, Model
from invoceanio.models.values import UNSET, Unset

__all__ = ["Category", "CategoryDraft"]


@attrs.frozen(kw_only=True, repr=False)
class Category(Model):
    id: int | None = None
    name: str | None = None
    description: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.define(kw_only=True)
class CategoryDraft(Draft):
    name: str | Unset = UNSET
    description: str | Unset | None = UNSET
