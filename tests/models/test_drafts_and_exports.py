"""Rules every draft and every export follows, checked for all of them at once, so a draft or
model added later is held to them without a test edit.

A draft sends only what is set: every field defaults to UNSET and an empty draft is ``{}``;
``None`` goes out as null; Decimal as fixed-point text. Every field of a draft names a field
of the record it writes (a typo would be sent and ignored by the server), except the few that
are write-only instructions and the rarely used text a record keeps in ``extra``.
"""

from __future__ import annotations

import collections.abc
import inspect
import typing
from decimal import Decimal
from typing import Any

import attrs
import pytest

import invoceanio.models as models_package
from invoceanio.models import UNSET, InvoiceDraft, Unset, to_wire
from invoceanio.models.base import Draft, Model
from invoceanio.models.values import OpenStrEnum
from tests.strategies import ALL_DRAFTS, ALL_MODELS

#: Fields a draft sends that the record never reads back (instructions, not data).
WRITE_ONLY: dict[str, set[str]] = {
    "InvoiceDraft": {
        "copy_invoice_from",
        "advance_creation_mode",
        "advance_value",
        "position_name",
        "invoice_ids",
        # Documented request fields (spec 6.1) that no answer carries (6.2).
        "buyer_override",
        "price_list_id",
        "use_prices_from_price_lists",
        "procedure_designations",
        "seller_jst",
        "seller_gv",
        "buyer_jst",
        "buyer_gv",
        "buyer_mass_payment_code",
        "use_invoice_issuer",
        "invoice_issuer",
        "disable_tax_no_validation",
        "accounting_note_kind",
        "procedure_vat_margin",
        "additional_params",
        # The legacy single recipient's address (spec 6.1): the answers carry its name only.
        "recipient_street",
        "recipient_post_code",
        "recipient_city",
        "recipient_country",
        "recipient_email",
        "recipient_phone",
        "recipient_note",
    },
    "ClientDraft": {"tp_client_connection"},
    "UserDraft": {"password", "from_partner"},
    "BankAccountDepartmentDraft": {"remove"},
}
#: Fields a draft sends that the record reads back but does not name: rarely used text, kept
#: as sent in ``extra`` (each named field of a record costs structuring time on every read).
IN_EXTRA: dict[str, set[str]] = {
    "InvoiceDraft": {
        "calculating_strategy",  # answered as null (spec 6.2)
        "seller_www",
        "seller_fax",
        "seller_bdo_no",
        "buyer_mobile_phone",
        "exchange_note",
        "additional_info_desc",
        "accounting_kind",
        "recipient_name",
    },
    "ClientDraft": {"mass_payment_code", "street_no", "buyer_id"},
}


def record_of(draft: type[Draft]) -> type[Model]:
    record = getattr(models_package, draft.__name__.removesuffix("Draft"))
    assert issubclass(record, Model)
    return typing.cast(type[Model], record)


def fields_of(cls: type[Any]) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    return {field.name: hints[field.name] for field in attrs.fields(cls) if field.name != "extra"}


def members(hint: Any) -> set[Any]:
    return set(typing.get_args(hint)) if typing.get_origin(hint) is not None else {hint}


def test_every_draft_is_found() -> None:
    names = {draft.__name__ for draft in ALL_DRAFTS}
    assert {"ProductDraft", "PaymentDraft", "WebhookDraft", "PriceListPositionDraft"} <= names
    assert len(ALL_DRAFTS) >= 22


@pytest.mark.parametrize("draft", ALL_DRAFTS, ids=lambda cls: cls.__name__)
def test_a_draft_is_empty_until_set(draft: type[Draft]) -> None:
    instance = draft()
    assert to_wire(instance) == {}
    for name, hint in fields_of(draft).items():
        assert getattr(instance, name) is UNSET, name
        assert Unset in members(hint), name


@pytest.mark.parametrize("draft", ALL_DRAFTS, ids=lambda cls: cls.__name__)
def test_a_draft_writes_only_fields_its_record_has(draft: type[Draft]) -> None:
    written = set(fields_of(draft)) - WRITE_ONLY.get(draft.__name__, set())
    in_extra = IN_EXTRA.get(draft.__name__, set())
    assert written - in_extra <= set(fields_of(record_of(draft)))
    # ...and one the record does not name is really left to ``extra``, not named after all.
    assert not in_extra & set(fields_of(record_of(draft)))
    assert in_extra <= written


@pytest.mark.parametrize("draft", ALL_DRAFTS, ids=lambda cls: cls.__name__)
def test_none_is_sent_as_null_and_decimals_as_fixed_point(draft: type[Draft]) -> None:
    for name, hint in fields_of(draft).items():
        kinds = members(hint)
        if type(None) in kinds:
            assert to_wire(draft(**{name: None})) == {name: None}, name
        if Decimal in kinds:
            # What Decimal("100.00").normalize() gives: never sent as "1E+2".
            assert to_wire(draft(**{name: Decimal("1E+2")})) == {name: "100"}, name
        for kind in kinds:
            if isinstance(kind, type) and issubclass(kind, OpenStrEnum):
                member = next(iter(kind))
                wire = to_wire(draft(**{name: member}))
                assert wire == {name: member.value} and type(wire[name]) is str, name


def test_an_enum_member_in_a_list_goes_out_as_its_text() -> None:
    # A list of open-enum items (procedure_designations, gtu_codes): each member is sent as
    # the plain text it stands for, as a member in a field of its own is.
    found: set[tuple[str, str]] = set()
    for draft in ALL_DRAFTS:
        for name, hint in fields_of(draft).items():
            for kind in members(hint):
                if typing.get_origin(kind) not in (list, collections.abc.Sequence):
                    continue
                for item in members(typing.get_args(kind)[0]):
                    if isinstance(item, type) and issubclass(item, OpenStrEnum):
                        member = next(iter(item))
                        wire = to_wire(draft(**{name: [member, "other"]}))
                        assert wire == {name: [member.value, "other"]}, name
                        assert type(wire[name][0]) is str, name
                        found.add((draft.__name__, name))
    assert {("InvoiceDraft", "procedure_designations"), ("ProductDraft", "gtu_codes")} <= found


def test_a_draft_sends_exactly_the_fields_set_and_its_extra() -> None:
    draft = InvoiceDraft(buyer_name="B", seller_tax_no_kind=None, extra={"oid_unique": "yes"})
    assert to_wire(draft) == {"buyer_name": "B", "seller_tax_no_kind": None, "oid_unique": "yes"}


@pytest.mark.parametrize("model", ALL_MODELS, ids=lambda cls: cls.__name__)
def test_every_model_is_a_frozen_record_with_none_or_empty_defaults(model: type[Model]) -> None:
    instance_fields = fields_of(model)
    for field in attrs.fields(model):
        if field.name == "extra" or field.default is attrs.NOTHING:
            continue
        assert field.default in (None, ()), field.name
        if field.default == ():
            assert typing.get_origin(instance_fields[field.name]) is tuple, field.name
    required = {
        field.name: "x"
        for field in attrs.fields(model)
        if field.default is attrs.NOTHING and field.name != "extra"
    }
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        setattr(model(**required), next(iter(instance_fields)), None)


def _isort_key(name: str) -> tuple[int, str]:
    # Ruff's RUF022 order: CONSTANTS, then Classes, then functions.
    kind = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return (kind, name)


def test_the_package_exports_every_public_class_sorted() -> None:
    exported = models_package.__all__
    assert exported == sorted(exported, key=_isort_key)
    assert len(set(exported)) == len(exported)
    for module_name in (
        "account",
        "bank_account",
        "category",
        "client",
        "department",
        "invoice",
        "issuer",
        "payment",
        "price_list",
        "printer",
        "product",
        "recurring",
        "warehouse",
        "webhook",
    ):
        module = getattr(models_package, module_name)
        public = {
            name
            for name, value in vars(module).items()
            if inspect.isclass(value)
            and value.__module__ == module.__name__
            and not name.startswith("_")
        }
        assert set(module.__all__) == public, module_name
        assert public <= set(exported), module_name
