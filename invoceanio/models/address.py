"""A client's delivery addresses ([FR] spec 4.3, ``POST /addresses.json``).

The API keeps addresses as records of their own that point at their owner
(``addressable_type: "Client"``, ``addressable_id``); ``io.clients.add_address`` fills both
in, so an :class:`AddressDraft` holds only the address itself. Only the create is documented:
there is no documented way to list, change or delete an address.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from invoceanio.models.base import Draft, Model
from invoceanio.models.values import UNSET, Unset

__all__ = ["Address", "AddressDraft"]


@attrs.frozen(kw_only=True, repr=False)
class Address(Model):
    id: int | None = None
    #: The address's label, the only field the API requires.
    name: str | None = None
    #: ``delivery``, the only kind documented.
    kind: str | None = None
    addressable_type: str | None = None
    addressable_id: int | None = None
    street: str | None = None
    street_additional: str | None = None
    city: str | None = None
    post_code: str | None = None
    country: str | None = None
    #: The client's main delivery address.
    primary: bool | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.define(kw_only=True)
class AddressDraft(Draft):
    """An address to add to a client. ``kind`` is left out: ``delivery`` is sent for it."""

    name: str | Unset = UNSET
    street: str | Unset | None = UNSET
    street_additional: str | Unset | None = UNSET
    city: str | Unset | None = UNSET
    post_code: str | Unset | None = UNSET
    country: str | Unset | None = UNSET
    primary: bool | Unset = UNSET
