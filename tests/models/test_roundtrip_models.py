"""Property tests: every model survives model -> wire -> bytes -> wire -> model in JSON and XML.

The models are found in ``invoceanio.models`` itself and the strategies are derived from their
fields (``tests/strategies.py``), so a model or field added later is covered by these
tests without an edit here; a field of a type no strategy knows fails
``test_every_field_of_every_model_has_a_strategy``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invoceanio.codecs import JsonCodec, XmlCodec
from invoceanio.models import (
    AccountCreated,
    BankAccount,
    Client,
    Invoice,
    Payment,
    Position,
    PriceList,
    WarehouseAction,
    WarehouseDocument,
    Webhook,
    structure,
    to_wire,
)
from invoceanio.models.base import Model
from invoceanio.secrets import Secret
from tests.strategies import (
    ALL_MODELS,
    field_strategies,
    full_models,
    models,
    root_of,
    round_trips,
    strategy_for,
    through,
)

EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Invoice, Position and Client have their own round trips in tests/test_roundtrip.py (the full
# invoice there draws every child too); every other model is new.
NEW_MODELS = [cls for cls in ALL_MODELS if cls not in (Invoice, Position, Client)]


def test_the_model_list_is_the_whole_package() -> None:
    names = {cls.__name__ for cls in ALL_MODELS}
    # A sample of what must be there: if discovery broke, these tests would cover nothing.
    assert {"Product", "Payment", "Webhook", "AccountCreated", "Printer", "Invoice"} <= names
    assert len(ALL_MODELS) >= 27


@pytest.mark.parametrize("cls", ALL_MODELS, ids=lambda cls: cls.__name__)
def test_every_field_of_every_model_has_a_strategy(cls: type[Model]) -> None:
    strategies = field_strategies(cls)
    assert set(strategies) == {field.name for field in attrs.fields(cls)} - {"extra"}


def test_unknown_field_types_are_refused_by_the_strategy_builder() -> None:
    for hint in (complex, int | float, list[str], dict[str, int], tuple[int, str], set[str]):
        with pytest.raises(TypeError):
            strategy_for(hint)


@pytest.mark.parametrize("cls", NEW_MODELS, ids=lambda cls: cls.__name__)
@EXAMPLES
@given(data=st.data())
def test_every_model_survives_a_round_trip_in_json_and_xml(
    cls: type[Model], data: st.DataObject
) -> None:
    model = data.draw(st.one_of(models(cls), full_models(cls)), label=cls.__name__)
    round_trips(cls, model)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=st.lists(models(PriceList, max_fields=4), max_size=3))
def test_a_page_of_price_lists_survives_a_round_trip(items: list[PriceList]) -> None:
    # A list page: a bare array in JSON, <price_lists type="array"> in XML.
    for codec in (JsonCodec(), XmlCodec()):
        decoded = through(codec, "price_lists", [to_wire(item) for item in items])
        assert [structure(item, PriceList) for item in decoded] == items


def test_round_trips_notice_a_changed_value() -> None:
    # The checker itself must be able to fail: a value changed on the way is caught.
    original = BankAccount(bank_account_number="1")

    class Broken(JsonCodec):
        def decode(self, body: bytes) -> Any:
            data = super().decode(body)
            data[root_of(BankAccount)]["bank_account_number"] = "2"
            return data

    with pytest.raises(AssertionError):
        round_trips(BankAccount, original, codecs=[Broken()])


def test_nested_records_come_back_as_their_classes_not_dicts() -> None:
    document = structure(
        {"kind": "mm", "warehouse_actions": [{"quantity": "2,5", "tax": "zw"}]}, WarehouseDocument
    )
    (action,) = document.warehouse_actions
    assert isinstance(action, WarehouseAction)
    assert (action.quantity, action.tax) == (Decimal("2.5"), "zw")
    payment = structure({"invoices": [{"id": "1", "price_net": "1.0"}]}, Payment)
    (invoice,) = payment.invoices
    assert isinstance(invoice, Invoice)
    assert invoice.price_net == Decimal("1.0")
    round_trips(WarehouseDocument, document)
    round_trips(Payment, payment)


def test_a_required_credential_is_always_drawn() -> None:
    @settings(max_examples=20, deadline=None)
    @given(created=models(AccountCreated))
    def check(created: AccountCreated) -> None:
        assert isinstance(created.api_token, Secret)
        round_trips(AccountCreated, created)

    check()


def test_a_webhook_token_survives_the_trip_as_a_secret() -> None:
    webhook = Webhook(api_token=Secret("tok <&> \r\n"), kind="invoice:create")
    round_trips(Webhook, webhook)
    assert structure(to_wire(webhook), Webhook).api_token == Secret("tok <&> \r\n")
