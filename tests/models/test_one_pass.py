"""The one-pass structuring functions give exactly what cattrs' functions give, or step aside.

``invoceanio.models.one_pass`` is a speed path: the converter tries it first and, on any
exception, runs cattrs' detailed function on the same data. These tests hold it to the
reference converter built without it (``build_converter(one_pass=False)``): same model, same
``extra``, or the same error, for wire data that is valid, odd or wrong.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import cattrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invoceanio.models import AccountCreated, Client, Invoice, Position, structure, to_wire
from invoceanio.models.base import Model
from invoceanio.models.converter import (
    _KEEPS_NONE,
    _PASSTHROUGH,
    build_converter,
    converter,
)
from invoceanio.models.one_pass import compile_one_pass
from tests.strategies import ALL_MODELS, full_models, models

REFERENCE = build_converter(one_pass=False)
EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# What a field may hold on the wire besides its proper value: the API's quirks and plain junk.
ODD_VALUES = st.one_of(
    st.none(),
    st.sampled_from(["", " ", "0", "1", "yes", "no", "null", "12,50", " 7.5 ", "1e3", "NaN"]),
    st.sampled_from(["2026-11", "2026-11-05", "2026-11-05T10:00:00+01:00", "abc", "zw"]),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.just([]),
    st.just({}),
    st.lists(st.dictionaries(st.sampled_from(["id", "name", "tax", "quantity"]), st.text())),
    st.dictionaries(st.sampled_from(["id", "name"]), st.integers()),
)


def outcome(conv: cattrs.Converter, data: Any, cls: type[Model]) -> tuple[str, Any]:
    """What structuring gives: the model and its extra (nested ones compare by ==), or the
    error's type and text (cattrs' grouped errors: their sub-errors too)."""
    try:
        model = conv.structure(data, cls)
    except Exception as exc:  # comparing whatever happens
        return "error", describe(exc)
    return "model", (model, model.extra)


def describe(exc: BaseException) -> Any:
    notes = getattr(exc, "__notes__", None)
    if isinstance(exc, BaseExceptionGroup):
        return (type(exc).__name__, str(exc), notes, [describe(sub) for sub in exc.exceptions])
    return (type(exc).__name__, str(exc), notes)


def assert_same_as_reference(data: Any, cls: type[Model]) -> None:
    assert outcome(converter, data, cls) == outcome(REFERENCE, data, cls)


@pytest.mark.parametrize("cls", ALL_MODELS, ids=lambda cls: cls.__name__)
def test_every_model_has_a_one_pass_function(cls: type[Model]) -> None:
    # The speed-up only counts if it applies: every model is a plain slotted attrs class.
    assert compile_one_pass(cls, converter.get_structure_hook, _PASSTHROUGH, _KEEPS_NONE)


@pytest.mark.parametrize("cls", ALL_MODELS, ids=lambda cls: cls.__name__)
@EXAMPLES
@given(data=st.data())
def test_valid_wire_data_gives_the_reference_model(cls: type[Model], data: st.DataObject) -> None:
    model = data.draw(st.one_of(models(cls), full_models(cls)), label=cls.__name__)
    wire = to_wire(model)
    assert_same_as_reference(wire, cls)
    assert converter.structure(wire, cls) == model


@pytest.mark.parametrize("cls", [Invoice, Position, Client, AccountCreated])
@EXAMPLES
@given(data=st.data())
def test_odd_and_wrong_values_give_the_reference_outcome(
    cls: type[Model], data: st.DataObject
) -> None:
    wire = to_wire(data.draw(models(cls)))
    names = sorted(field.name for field in attrs.fields(cls) if field.name != "extra")
    for name in data.draw(st.lists(st.sampled_from(names), max_size=4), label="changed"):
        wire[name] = data.draw(ODD_VALUES, label=name)
    for name in data.draw(st.lists(st.sampled_from(names), max_size=3), label="removed"):
        wire.pop(name, None)
    wire.update(data.draw(st.dictionaries(st.text(max_size=5), ODD_VALUES, max_size=2)))
    assert_same_as_reference(wire, cls)


def test_an_answer_with_a_bad_position_keeps_the_detailed_error() -> None:
    wire = {"id": 7, "positions": [{"name": "a", "quantity": "x"}]}
    with pytest.raises(cattrs.ClassValidationError) as caught:
        structure(wire, Invoice)
    assert outcome(converter, wire, Invoice) == outcome(REFERENCE, wire, Invoice)
    # The path to the bad value is still named, as the client's DecodeError reports it.
    assert "positions" in repr(describe(caught.value))
    assert "quantity" in repr(describe(caught.value))


def test_a_missing_required_field_is_the_reference_error() -> None:
    assert_same_as_reference({"id": 3}, AccountCreated)
    assert outcome(converter, {"id": 3}, AccountCreated)[0] == "error"


def test_the_model_is_frozen_and_owns_its_extra() -> None:
    wire = {"id": "12", "buyer_name": "ACME", "price_gross": "12,30", "unknown": [1]}
    invoice = structure(wire, Invoice)
    assert (invoice.id, invoice.price_gross) == (12, Decimal("12.30"))
    assert invoice.extra == {"unknown": [1]}
    invoice.extra["more"] = 1
    assert "more" not in wire
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        invoice.buyer_name = "other"  # type: ignore[misc]
    assert hash(invoice) == hash(structure(wire, Invoice))
    assert structure({}, Invoice).extra == {}
    assert structure({}, Invoice).extra is not structure({}, Invoice).extra


def test_defaults_of_missing_keys_are_the_classes_own() -> None:
    assert structure({}, Invoice) == Invoice()
    assert structure({}, Invoice).positions == ()


def _hook_for(type_: Any) -> Any:
    return converter.get_structure_hook(type_)


def test_classes_whose_init_does_more_than_store_get_no_one_pass_function() -> None:
    @attrs.frozen(kw_only=True)
    class Validated(Model):
        amount: Decimal | None = attrs.field(
            default=None, validator=attrs.validators.instance_of(Decimal)
        )

    @attrs.frozen(kw_only=True)
    class Converted(Model):
        name: str | None = attrs.field(default=None, converter=str)

    @attrs.frozen(kw_only=True)
    class PostInit(Model):
        name: str | None = None

        def __attrs_post_init__(self) -> None:
            pass

    @attrs.frozen(kw_only=True, cache_hash=True)
    class CachedHash(Model):
        name: str | None = None

    @attrs.frozen(kw_only=True, slots=False)
    class NoSlots(Model):
        name: str | None = None

    @attrs.frozen(kw_only=True)
    class Aliased(Model):
        _name: str | None = None

    @attrs.frozen(kw_only=True)
    class NoExtra:
        name: str | None = None

    @attrs.frozen(kw_only=True)
    class Plain(Model):
        name: str | None = None

    for cls in (Validated, Converted, PostInit, CachedHash, NoSlots, Aliased, NoExtra):
        assert compile_one_pass(cls, _hook_for, _PASSTHROUGH, _KEEPS_NONE) is None, cls
    plain = compile_one_pass(Plain, _hook_for, _PASSTHROUGH, _KEEPS_NONE)
    assert plain is not None
    assert plain({"name": "x", "other": 1}) == Plain(name="x", extra={"other": 1})


def test_a_validating_model_is_still_validated() -> None:
    @attrs.frozen(kw_only=True)
    class Checked(Model):
        count: int | None = attrs.field(default=None, validator=attrs.validators.ge(0))

    assert structure({"count": "2"}, Checked) == Checked(count=2)
    with pytest.raises(cattrs.ClassValidationError):
        structure({"count": "-1"}, Checked)
