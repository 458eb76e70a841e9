"""Hypothesis strategies for every model, derived from its attrs fields and resolved type hints,
shared by ``tests/test_roundtrip.py`` and ``tests/models/``.

A field added to any model is covered automatically, and a field of a type these strategies do
not know makes :func:`strategy_for` raise, so it fails a test instead of going untested. Nested
records and tuples of them, ``dict`` fields kept as sent, credentials (:class:`Secret`),
required fields and naive datetimes (a payment's date-only ``paid_date`` reads as a naive
midnight) are all drawn.

Text: any Unicode character XML 1.0 can carry, which includes the XML specials ``<>&"'``,
tab, newline, carriage return and U+007F-U+009F, but not the other C0 control characters
(U+0000-U+001F), surrogates or the non-characters U+FFFE/U+FFFF: XML 1.0 cannot represent those
at all, not even as character references, so the XML codec refuses them (its own tests prove it)
and no value the API sends in XML can hold them.
"""

from __future__ import annotations

import functools
import string
import typing
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
from hypothesis import settings
from hypothesis import strategies as st

import invoceanio.models as models_package
from invoceanio.codecs import JsonCodec, XmlCodec
from invoceanio.codecs.base import Codec
from invoceanio.models import YearMonth, structure, to_wire
from invoceanio.models.base import Draft, Model
from invoceanio.models.values import OpenStrEnum
from invoceanio.secrets import Secret

FAST = settings(max_examples=100, deadline=None)
CODECS: list[Codec] = [JsonCodec(), XmlCodec()]

# Cc: control characters, Cs: surrogates, Cn: unassigned code points and non-characters.
# Of the controls, XML allows tab, newline, carriage return and U+007F-U+009F: those are back in.
XML_CONTROLS = "\t\n\r" + "".join(map(chr, range(0x7F, 0xA0)))
ALPHABET = st.characters(exclude_categories=("Cc", "Cs", "Cn"), include_characters=XML_CONTROLS)
TEXT = st.one_of(
    st.text(alphabet=ALPHABET, max_size=20),
    st.text(alphabet=string.ascii_letters + string.digits + " <>&\"'\r\n", max_size=20),
)
WORD = st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=12)

# Fixed offsets: whole-minute offsets as the API sends them, east and west of UTC.
OFFSETS = [timezone(timedelta(minutes=m)) for m in (0, 60, 120, -300, 330, 345, -570, 840)]

TAX_CODES = ("zw", "np", "oo", "disabled")


def decimals() -> st.SearchStrategy[Decimal]:
    """Finite decimals with the places money, quantities and rates use."""
    return st.one_of(
        *(
            st.decimals(
                allow_nan=False,
                allow_infinity=False,
                places=places,
                min_value=-(10**9),
                max_value=10**9,
            )
            for places in (0, 1, 2, 4)
        )
    )


def open_enum(enum_type: type[OpenStrEnum]) -> st.SearchStrategy[Any]:
    """Known members and values the SDK has never heard of (they must stay plain strings)."""
    return st.one_of(st.sampled_from(list(enum_type)), WORD, TEXT)


TAX = st.one_of(
    decimals(),
    st.sampled_from(TAX_CODES),
    # Any other code: text that does not read as a number and has no padding to strip.
    st.from_regex(r"[a-z][a-z_]{0,10}", fullmatch=True),
)

YEAR_MONTHS = st.builds(YearMonth, st.integers(1, 9999), st.integers(1, 12))
DATETIMES = st.datetimes(timezones=st.sampled_from(OFFSETS))
INTS = st.integers(-(2**63), 2**63 - 1)

# JSON-shaped scalars for unknown fields: they are passed through untouched.
EXTRA_VALUES = st.one_of(TEXT, INTS, st.booleans(), st.none())


def through(codec: Codec, root: str, data: Any) -> Any:
    """Encode ``{root: data}`` as a document and decode it back to ``data``.

    The JSON codec returns the whole document; the XML codec returns the root element's
    content (the root is only an envelope), so the wrapper is removed for JSON only.
    """
    decoded = codec.decode(codec.encode({root: data}))
    if isinstance(codec, JsonCodec):
        assert isinstance(decoded, dict)
        assert list(decoded) == [root]
        return decoded[root]
    return decoded


def floats_in(value: Any) -> list[float]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in floats_in(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in floats_in(item)]
    return [value] if isinstance(value, float) else []


#: Every model and every draft the package exports: a new one is covered without a test edit.
ALL_MODELS: list[type[Model]] = sorted(
    (
        value
        for value in vars(models_package).values()
        if isinstance(value, type) and issubclass(value, Model) and value is not Model
    ),
    key=lambda cls: cls.__name__,
)
ALL_DRAFTS: list[type[Draft]] = sorted(
    (
        value
        for value in vars(models_package).values()
        if isinstance(value, type) and issubclass(value, Draft) and value is not Draft
    ),
    key=lambda cls: cls.__name__,
)

#: The JSON root key (XML root element) each entity travels under; others use snake_case.
ROOTS: dict[str, str] = {"Payment": "banking_payment", "LoginResult": "user", "User": "user"}

# Both kinds of datetime the converter produces: with the API's offsets, and naive (a plain
# date on a datetime field reads as its midnight, with no offset).
ANY_DATETIMES = st.one_of(DATETIMES, st.datetimes())

SCALARS: dict[Any, st.SearchStrategy[Any]] = {
    int: INTS,
    str: TEXT,
    bool: st.booleans(),
    Decimal: decimals(),
    date: st.dates(),
    datetime: ANY_DATETIMES,
    # A blank token reads as None (it would look like a real one, masked): draw real ones.
    Secret: TEXT.filter(str.strip).map(Secret),
}

# A nested Invoice (a payment's ``invoices``) and a nested Payment (an invoice's
# ``connected_payments``) are themselves wide, and hold each other: a few fields each.
NESTED_MAX_FIELDS: dict[str, int] = {"Invoice": 5, "Payment": 6}


def root_of(cls: type[Model]) -> str:
    if cls.__name__ in ROOTS:
        return ROOTS[cls.__name__]
    name = cls.__name__
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(name))


def _members(hint: Any) -> frozenset[Any]:
    if typing.get_origin(hint) in (typing.Union, type(int | str)):
        return frozenset(typing.get_args(hint))
    return frozenset({hint})


def _is_model(hint: Any) -> bool:
    return isinstance(hint, type) and issubclass(hint, Model)


@functools.cache
def _nested(cls: type[Model]) -> st.SearchStrategy[Any]:
    # Deferred: Invoice and Payment hold each other, so building the one's strategy at once
    # would build the other's, then the first's again, without end. A draw ends all the same:
    # with a few fields each, a nested record seldom draws the field that nests again.
    return st.deferred(lambda: models(cls, max_fields=NESTED_MAX_FIELDS.get(cls.__name__)))


def strategy_for(hint: Any) -> st.SearchStrategy[Any]:
    """The values a field of this type may hold; raises TypeError for a type not covered."""
    members = _members(hint)
    rest = members - {type(None)}
    base: st.SearchStrategy[Any]
    if rest == {Decimal, str}:
        base = TAX
    elif rest == {date, YearMonth}:
        base = st.one_of(st.dates(), YEAR_MONTHS)
    elif len(rest) == 2 and str in rest:
        (enum_type,) = rest - {str}
        if not (isinstance(enum_type, type) and issubclass(enum_type, OpenStrEnum)):
            raise TypeError(f"no strategy for {hint!r}")
        base = open_enum(enum_type)
    elif len(rest) == 1:
        (only,) = rest
        origin = typing.get_origin(only)
        if only in SCALARS:
            base = SCALARS[only]
        elif _is_model(only):
            base = _nested(only)
        elif origin is tuple:
            item, ellipsis = typing.get_args(only)
            if ellipsis is not Ellipsis:
                raise TypeError(f"no strategy for {hint!r}")
            items = _nested(item) if _is_model(item) else strategy_for(item)
            base = st.lists(items, max_size=3).map(tuple)
        elif origin is dict and typing.get_args(only) == (str, Any):
            # Kept as sent (a bundle's parts, a department's additional_fields): JSON scalars.
            base = st.dictionaries(WORD, EXTRA_VALUES, max_size=3)
        else:
            raise TypeError(f"no strategy for {hint!r}")
    else:
        raise TypeError(f"no strategy for {hint!r}")
    return st.one_of(st.none(), base) if type(None) in members else base


def field_strategies(cls: type[Model]) -> dict[str, st.SearchStrategy[Any]]:
    hints = typing.get_type_hints(cls)
    return {
        field.name: strategy_for(hints[field.name])
        for field in attrs.fields(cls)
        if field.name != "extra"
    }


def _required(cls: type[Model]) -> frozenset[str]:
    return frozenset(
        field.name
        for field in attrs.fields(cls)
        if field.default is attrs.NOTHING and field.name != "extra"
    )


def extra_for(cls: type[Model]) -> st.SearchStrategy[dict[str, Any]]:
    names = {field.name for field in attrs.fields(cls)}
    return st.dictionaries(WORD.filter(lambda key: key not in names), EXTRA_VALUES, max_size=3)


def models(cls: type[Model], max_fields: int | None = None) -> st.SearchStrategy[Any]:
    """Instances of ``cls`` with its required fields and a random subset of the others."""
    fields = field_strategies(cls)
    required = _required(cls)
    optional = sorted(set(fields) - required)

    @st.composite
    def build(draw: st.DrawFn) -> Any:
        chosen: set[str] = set()
        if optional:
            chosen = draw(st.sets(st.sampled_from(optional), max_size=max_fields))
        values = {name: draw(fields[name]) for name in sorted(chosen | required)}
        return cls(**values, extra=draw(extra_for(cls)))

    return build()


def full_models(cls: type[Model]) -> st.SearchStrategy[Any]:
    """Instances of ``cls`` with every field drawn (most of them set)."""
    return st.builds(
        lambda extra, **values: cls(**values, extra=extra),
        extra=extra_for(cls),
        **field_strategies(cls),
    )


def _enum_in(hint: Any) -> type[OpenStrEnum] | None:
    """The enum of ``SomeEnum | str | None``, or of the items of ``tuple[SomeEnum | str, ...]``."""
    for member in _members(hint):
        if typing.get_origin(member) is tuple:
            found = _enum_in(typing.get_args(member)[0])
            if found is not None:
                return found
        elif isinstance(member, type) and issubclass(member, OpenStrEnum):
            return member
    return None


@functools.cache
def _enums_of(cls: type[Model]) -> dict[str, type[OpenStrEnum]]:
    """The fields of ``cls`` typed ``SomeEnum | str | None`` (or a tuple of such items), with
    their enum (cached: resolving type hints is slow, and this runs for every record of every
    example)."""
    return {
        name: found
        for name, hint in typing.get_type_hints(cls).items()
        if (found := _enum_in(hint)) is not None
    }


def _assert_kind(after: Any, before: Any, enum_type: type[OpenStrEnum] | None) -> None:
    if isinstance(before, Model):
        assert_same(after, before)
    elif isinstance(before, tuple):
        assert type(after) is tuple
        for item_after, item_before in zip(after, before, strict=True):
            # Items of an enum's tuple (a product's ``gtu_codes``) are held to that enum.
            _assert_kind(item_after, item_before, enum_type)
    elif enum_type is not None and before is not None:
        # A known value is the member itself; any other stays a plain str.
        expected = enum_type.parse(before)
        if isinstance(expected, OpenStrEnum):
            assert after is expected
        else:
            assert type(after) is str
    elif isinstance(before, str):
        assert type(after) is str
    elif before is not None:
        # Decimal stays Decimal (a tax code stays str), date stays date, Secret stays Secret...
        assert type(after) is type(before)


def assert_same(decoded: Any, original: Any) -> None:
    """Equal, and every value of the same kind, all the way down the nested records."""
    assert type(decoded) is type(original)
    assert decoded == original
    assert decoded.extra == original.extra
    enums = _enums_of(type(original))
    for field in attrs.fields(type(original)):
        if field.name != "extra":
            _assert_kind(
                getattr(decoded, field.name),
                getattr(original, field.name),
                enums.get(field.name),
            )


def round_trips(cls: type[Model], model: Any, codecs: list[Codec] = CODECS) -> None:
    """``model`` -> wire -> bytes -> wire -> model gives it back, in JSON and in XML."""
    wire = to_wire(model)
    assert floats_in(wire) == []  # money and rates travel as text, never as binary floats
    for codec in codecs:
        assert_same(structure(through(codec, root_of(cls), wire), cls), model)
