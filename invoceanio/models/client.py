"""Clients (buyers and sellers on the account's client list)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from invoceanio.models.base import Draft, Model
from invoceanio.models.values import (
    UNSET,
    Amount,
    ClientKind,
    PaymentType,
    TaxInput,
    TaxNoKind,
    TaxRate,
    Unset,
)

__all__ = ["Client", "ClientDraft"]


@attrs.frozen(kw_only=True, repr=False)
class Client(Model):
    id: int | None = None
    name: str | None = None
    shortcut: str | None = None
    kind: ClientKind | str | None = None
    company: bool | None = None
    first_name: str | None = None
    last_name: str | None = None
    tax_no: str | None = None
    tax_no_kind: TaxNoKind | str | None = None
    register_number: str | None = None
    street: str | None = None
    post_code: str | None = None
    city: str | None = None
    country: str | None = None
    email: str | None = None
    phone: str | None = None
    mobile_phone: str | None = None
    www: str | None = None
    fax: str | None = None
    note: str | None = None
    person: str | None = None
    bank: str | None = None
    bank_account: str | None = None
    discount: Decimal | None = None
    payment_to_kind: str | None = None
    default_payment_type: PaymentType | str | None = None
    external_id: str | None = None
    accounting_id: str | None = None
    category_id: int | None = None
    department_id: int | None = None
    price_list_id: int | None = None
    use_delivery_address: bool | None = None
    delivery_address: str | None = None
    disable_auto_reminders: bool | None = None
    tag_list: tuple[str, ...] | None = None
    token: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    # Read as a flag, an id, a tax rate; text such as street_no or mass_payment_code is kept,
    # as sent, in ``extra`` (each named field costs structuring time on every read).
    bank_account_id: int | None = None
    use_mass_payment: bool | None = None
    #: The tax rate (or code) offered for this client's positions.
    default_tax: TaxRate | None = None


@attrs.define(kw_only=True)
class ClientDraft(Draft):
    """A client to create (only ``name`` is required) or the changes of an update."""

    name: str | Unset = UNSET
    shortcut: str | Unset | None = UNSET
    kind: ClientKind | str | Unset = UNSET
    company: bool | Unset = UNSET
    first_name: str | Unset | None = UNSET
    last_name: str | Unset | None = UNSET
    tax_no: str | Unset | None = UNSET
    tax_no_kind: TaxNoKind | str | Unset | None = UNSET
    #: The REGON (Polish business register number).
    register_number: str | Unset | None = UNSET
    street: str | Unset | None = UNSET
    post_code: str | Unset | None = UNSET
    city: str | Unset | None = UNSET
    country: str | Unset | None = UNSET
    use_delivery_address: bool | Unset = UNSET
    delivery_address: str | Unset | None = UNSET
    email: str | Unset | None = UNSET
    phone: str | Unset | None = UNSET
    mobile_phone: str | Unset | None = UNSET
    www: str | Unset | None = UNSET
    fax: str | Unset | None = UNSET
    note: str | Unset | None = UNSET
    person: str | Unset | None = UNSET
    bank: str | Unset | None = UNSET
    bank_account: str | Unset | None = UNSET
    #: The split-payment (MPP) identification code.
    mass_payment_code: str | Unset | None = UNSET
    #: [FR] Pay with the client's mass-payment (virtual account) code.
    use_mass_payment: bool | Unset = UNSET
    #: The house number, where ``street`` holds only the street (the form [EN] documents).
    street_no: str | Unset | None = UNSET
    discount: Amount | Unset | None = UNSET
    default_tax: TaxInput | Unset | None = UNSET
    price_list_id: int | Unset | None = UNSET
    payment_to_kind: int | str | Unset | None = UNSET
    default_payment_type: PaymentType | str | Unset | None = UNSET
    disable_auto_reminders: bool | Unset = UNSET
    external_id: str | Unset | None = UNSET
    accounting_id: str | Unset | None = UNSET
    category_id: int | Unset | None = UNSET
    department_id: int | Unset | None = UNSET
    tag_list: list[str] | Unset = UNSET
    #: The id of the client's own account on the platform (a buyer that also uses it), and
    #: whether the two accounts are connected ("Pola klienta").
    buyer_id: int | Unset | None = UNSET
    tp_client_connection: bool | Unset = UNSET
