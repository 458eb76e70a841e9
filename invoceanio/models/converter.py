"""The one cattrs converter between JSON-shaped wire data and the attrs models, built once.

Its hooks encode the API's wire quirks (see ``api-quirks.md``):

- money and quantities arrive as dot-decimal strings, sometimes numbers, and the docs even send
  comma decimals ("59,00"): all become ``Decimal``, never float, and go back as strings;
- ``tax`` is a rate or a code (``zw``, ``np``, ``oo``, ``disabled``);
- a blank date is ``""`` (read as None), and so is the string ``"null"``, which the docs send
  for a recurring definition's ``end_date``; ``sell_date`` may be a month ("2026-11");
- a date-and-time field also reads a plain date ("2026-11-23") as that day's midnight, with no
  offset: payments' ``paid_date`` is a full timestamp in answers but a date in the docs'
  requests;
- flags come as ``"0"``/``"1"``/``"yes"``/``"false"``: the string ``"0"`` is never True;
- ids may be ints or numeric strings;
- enumerations are open: unknown values stay plain strings;
- credentials (a webhook's or an account's ``api_token``) are read into :class:`Secret`, so a
  repr or a log of the model shows a mask; writing (``to_wire``) reveals them, because whatever
  ``to_wire`` returns is what goes to the server, and a masked token sent back would replace
  the real one (see ``reveal_secret``).

Structuring tries a one-pass function per model first (``one_pass``: each key read once, no
call for a value that already has its type, slots filled directly) and falls back to cattrs'
generated function, the reference, on any exception, so errors keep cattrs' per-field detail.
Every field hook is looked up once, when those functions are generated, and is one plain call
that returns the common wire type at once (``str`` for text and money, ``int`` for ids) before
the general checks. ``to_wire`` does the same for plain built-in values.

A draft's named fields are written by hooks made once per field from the declared type
(``draft_writes``): a value of a type the field does not take (a bool in a quantity, text in
the ids) is refused with a ValueError naming the draft and the field, never sent.
"""

from __future__ import annotations

import enum
import functools
import re
import threading
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from itertools import filterfalse
from typing import Any, Final, TypeVar

import attrs
import cattrs
from cattrs.fns import identity
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from invoceanio.models.base import Draft, Model
from invoceanio.models.draft_writes import NO_LIST, draft_field_hooks
from invoceanio.models.one_pass import compile_one_pass
from invoceanio.models.values import UNSET, OpenStrEnum, Unset, YearMonth
from invoceanio.secrets import Secret

__all__ = ["converter", "structure", "to_wire"]

T = TypeVar("T")

_TRUE = frozenset({"1", "true", "t", "yes", "y", "on"})
_FALSE = frozenset({"0", "false", "f", "no", "n", "off"})
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")


#: Below it every integer is a float exactly (IEEE 754 double); 2**53 + 1 rounds to 2**53.
_EXACT_FLOAT_INTS = 2**53


def _blank(value: Any) -> bool:
    return isinstance(value, str) and not value.strip()


def _null_text(text: str) -> bool:
    """The string "null" where a date belongs: the docs themselves send ``"end_date": "null"``
    on recurring definitions. No date or time is ever spelled that way, so it reads as None."""
    return text.lower() == "null"


#: No amount, quantity or rate has its first digit more than this many places from the decimal
#: point, either way. ``Decimal("1e999999999")`` is finite, yet written out (the API takes no
#: exponent notation) it is a billion digits: refused when read, as when written.
MAX_DECIMAL_EXPONENT: Final = 1000


def _bounded(result: Decimal) -> Decimal:
    if not -MAX_DECIMAL_EXPONENT <= result.adjusted() <= MAX_DECIMAL_EXPONENT:
        # Not quoted: its text may be thousands of digits long.
        raise ValueError(
            f"a decimal with its first digit more than {MAX_DECIMAL_EXPONENT} places from the "
            "decimal point: no amount is that large or that small"
        )
    return result


def structure_decimal(value: Any, _: Any = Decimal) -> Decimal | None:
    # Text first: what the wire sends. No str is also a Decimal, bool, int or float.
    if isinstance(value, str):
        return _decimal_from_text(value)
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise ValueError(f"expected a decimal, got a boolean {value!r}")
    elif isinstance(value, int):
        return _bounded(Decimal(value))
    elif isinstance(value, float):
        # repr gives the shortest string that round-trips: 0.1 -> Decimal("0.1"), not 0.1000…055.
        # float.__repr__, not repr(): numpy 2 spells a float64 "np.float64(12.5)".
        result = Decimal(float.__repr__(value))
    else:
        raise ValueError(f"expected a decimal, got {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"not a finite decimal: {value!r}")
    return _bounded(result)


def _decimal_from_text(value: str) -> Decimal | None:
    text = value.strip()
    if not text:
        return None
    if "," in text:
        if "." in text:
            raise ValueError(f"ambiguous decimal separators in {value!r}")
        text = text.replace(",", ".")
    try:
        result = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not a decimal number: {value!r}") from None
    if not result.is_finite():
        raise ValueError(f"not a finite decimal: {value[:40]!r}")
    return _bounded(result)


def structure_int(value: Any, _: Any = int) -> int | None:
    if type(value) is int:
        return value
    if isinstance(value, bool):
        raise ValueError(f"expected an integer, got a boolean {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if text.lstrip("+-").isdigit():
            return int(text)
    # NaN and infinities are no integers: int() of them raises OverflowError, not ValueError.
    # From 2**53 on a float holds no longer every integer: the number the server wrote may have
    # been rounded on the way (orjson reads an integer past 64 bits as a float), and a wrong
    # id would name another object.
    if isinstance(value, float) and value.is_integer() and abs(value) < _EXACT_FLOAT_INTS:
        return int(value)
    if isinstance(value, Decimal) and value.is_finite() and value == int(value):
        return int(value)
    raise ValueError(f"expected an integer, got {value!r}")


def structure_bool(value: Any, _: Any = bool) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        if not text:
            return None
    raise ValueError(f"expected a flag, got {value!r}")


def structure_str(value: Any, _: Any = str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    raise ValueError(f"expected a string, got {type(value).__name__}")


def structure_date(value: Any, _: Any = date) -> date | None:
    # Text first: what the wire sends. No str is also a date.
    if isinstance(value, str):
        return _date_from_text(value)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raise ValueError(f"expected a date, got {value!r}")


def _date_from_text(value: str) -> date | None:
    text = value.strip()
    if not text or _null_text(text):
        return None
    if len(text) == 10:
        return date.fromisoformat(text)
    return datetime.fromisoformat(text).date()


def structure_datetime(value: Any, _: Any = datetime) -> datetime | None:
    if isinstance(value, str):
        return _datetime_from_text(value.strip())
    if isinstance(value, datetime):
        return value
    raise ValueError(f"expected a date and time, got {value!r}")


def _datetime_from_text(text: str) -> datetime | None:
    """``text`` already stripped. A plain date reads as its midnight."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        # Off the common path: only text that is no date and time at all gets here.
        if _null_text(text):
            return None
        raise


def structure_sell_date(value: Any, _: Any = None) -> date | YearMonth | None:
    if isinstance(value, str):
        text = value.strip()
        if text.lower() == "off":
            # [FR] "off" hides the sell date: there is none to read. Read as None, the field is
            # left out of a write-back, so the invoice keeps its "off".
            return None
        if len(text) == 7:
            return YearMonth.parse(text)
        return _date_from_text(value)
    if value is None:
        return None
    if isinstance(value, YearMonth):
        return value
    return structure_date(value)


def structure_tax(value: Any, _: Any = None) -> Decimal | str | None:
    if isinstance(value, str):
        text = value.strip()
        # A whole rate ("23", what almost every position has) needs no pattern and no other
        # check: isdecimal() is the pattern's \d, every char, and digits are always finite.
        if text.isdecimal():
            return Decimal(text)
        if not _NUMBER.match(text):
            return text or None
        return _decimal_from_text(value)
    if value is None:
        return None
    return structure_decimal(value)


# --- ``X | None`` fields ------------------------------------------------------------------
# cattrs' own hook for ``X | None`` looks up the hook of ``X`` again for every value. These are
# registered for the exact unions the models use, so each field costs one plain call: the
# common wire type is handled at once, anything else goes to the full hook above (same result).


def structure_optional_str(value: Any, _: Any = None) -> str | None:
    if type(value) is str:
        return value
    return None if value is None else structure_str(value)


def structure_optional_int(value: Any, _: Any = None) -> int | None:
    if type(value) is int:
        return value
    return None if value is None else structure_int(value)


def structure_optional_bool(value: Any, _: Any = None) -> bool | None:
    if type(value) is bool:
        return value
    return None if value is None else structure_bool(value)


def structure_optional_decimal(value: Any, _: Any = None) -> Decimal | None:
    if type(value) is str:
        # Decimal() ignores the same surrounding whitespace as str.strip(); text it refuses
        # (blank, comma decimals, garbage), that is not finite or out of range takes the full
        # path below, which says why.
        try:
            result = Decimal(value)
        except InvalidOperation:
            pass
        else:
            if (
                result.is_finite()
                and -MAX_DECIMAL_EXPONENT <= result.adjusted() <= MAX_DECIMAL_EXPONENT
            ):
                return result
    elif value is None:
        return None
    return structure_decimal(value)


def structure_optional_date(value: Any, _: Any = None) -> date | None:
    if type(value) is str:
        text = value.strip()
        if len(text) == 10:
            return date.fromisoformat(text)
        return _date_from_text(text)
    return None if value is None else structure_date(value)


def structure_optional_datetime(value: Any, _: Any = None) -> datetime | None:
    if type(value) is str:
        return _datetime_from_text(value.strip())
    return None if value is None else structure_datetime(value)


def structure_secret(value: Any, _: Any = Secret) -> Secret:
    """A credential the API sends back (a webhook's ``api_token``, a new account's token).

    The error messages name the type only: a token must not reach an exception either.
    """
    if isinstance(value, str | Secret):
        return Secret(value)
    raise ValueError(f"expected a credential string, got {type(value).__name__}")


def reveal_secret(value: Secret | str | None) -> str | None:
    """What a Secret is written as: its real value, since ``to_wire`` builds the request.

    Masking is for what people read (repr, str, logs, tracebacks). A request body is read by
    the server, which needs the real token: a webhook updated from a model it was read into
    would otherwise get "**********" as its new token. The logging middleware never shows
    bodies, and ``redaction`` masks ``api_token`` wherever a URL carries it.

    A model's credential field may hold a plain str (a token rotated with ``attrs.evolve``,
    which checks no types): it is sent as it is, the token the caller put there. None is None
    (the hook of ``Secret | None`` too). Anything else is refused, naming its type only.
    """
    if isinstance(value, Secret):
        return value.reveal()
    if isinstance(value, str) or value is None:
        return value
    raise ValueError(f"expected a credential string, got {type(value).__name__}")


def structure_optional_secret(value: Any, _: Any = None) -> Secret | None:
    # A blank token means none: as a Secret("") it would look, masked, like a real one.
    if value is None or _blank(value):
        return None
    return structure_secret(value)


_OPTIONAL_HOOKS: Mapping[Any, Callable[[Any, Any], Any]] = {
    str | None: structure_optional_str,
    Secret | None: structure_optional_secret,
    int | None: structure_optional_int,
    bool | None: structure_optional_bool,
    Decimal | None: structure_optional_decimal,
    date | None: structure_optional_date,
    datetime | None: structure_optional_datetime,
}


def _optional_of(type_: Any) -> Any:
    """``X`` of a ``X | None`` with a single ``X``; None for any other type."""
    args = typing.get_args(type_) if _union_members(type_) is not None else ()
    if len(args) != 2 or type(None) not in args:
        return None
    return args[0] if args[1] is type(None) else args[1]


def _make_optional(type_: Any, conv: cattrs.Converter) -> Callable[[Any, Any], Any]:
    """Any other ``X | None`` (``tuple[str, ...] | None``): the hook of ``X`` found once."""
    inner = _optional_of(type_)
    hook = conv.get_structure_hook(inner)
    if typing.get_origin(inner) is dict:
        # A free-form mapping (``additional_fields``): Rails' XML writes an empty one as blank
        # text, as it writes an empty record (see ``structure_model``).
        def structure_optional_mapping(value: Any, _: Any) -> Any:
            if value is None:
                return None
            if isinstance(value, str) and not value.strip():
                return {}
            return hook(value, inner)

        return structure_optional_mapping

    def structure_optional(value: Any, _: Any) -> Any:
        return None if value is None else hook(value, inner)

    return structure_optional


def _optional_decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else decimal_text(value)


def _make_unstructure_optional(type_: Any, conv: cattrs.Converter) -> Callable[[Any], Any]:
    """cattrs' own ``X | None`` hook is ``None if v is None else hook_of_x(v)``; when that hook
    is ``identity`` (str, int, bool) the whole is ``identity``, which the generated unstructure
    code inlines as a plain attribute read instead of two calls per field. A hook that writes
    None as None itself (dates, credentials) is its own ``X | None`` hook: one call too."""
    inner = conv.get_unstructure_hook(_optional_of(type_))
    if inner is identity or inner in _WRITES_NONE:
        return inner
    if inner is decimal_text:
        return _optional_decimal_text
    return _optional_hook(inner)


def _optional_hook(inner: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def unstructure_optional(value: Any) -> Any:
        return None if value is None else inner(value)

    return unstructure_optional


def _make_open_enum(type_: Any, _conv: cattrs.Converter) -> Callable[[Any, Any], Any]:
    enum_type = _open_enum_of(type_)
    assert enum_type is not None
    parse = enum_type.parse
    # What ``enum_type(text)`` looks up for a plain str. Text not here is an unknown value,
    # which ``parse`` would keep as it is too: returned at once, with no second lookup (blank
    # and unknown values are common: "" for a position's kind and gtu_code, "pl/en" for lang).
    members: dict[str, OpenStrEnum] = {member.value: member for member in enum_type}

    def structure_open_enum(value: Any, _: Any) -> Any:
        if type(value) is str:
            return members.get(value, value)
        if value is None:
            return None
        return parse(structure_str(value))

    return structure_open_enum


def _make_tuple(type_: Any, conv: cattrs.Converter) -> Callable[[Any, Any], tuple[Any, ...]]:
    (item_type, _ellipsis) = typing.get_args(type_)
    item_hook = conv.get_structure_hook(item_type)
    # An item that reads as nothing (null, or blank as in Rails' [""] for an empty choice) is
    # left out where the items cannot be None: (1, None) would break the annotation.
    keeps_none = type(None) in typing.get_args(item_type)

    def structure_tuple_or_empty(value: Any, _: Any) -> tuple[Any, ...]:
        # A null or blank list on the wire is an empty tuple, not an error.
        if value is None or _blank(value):
            return ()
        # Text and objects iterate too (into characters, into keys): refuse them, or a field
        # such as gov_error_messages: "Brak NIP" would read, and be written back, as letters.
        if not isinstance(value, list | tuple):
            raise ValueError(f"expected a list, got {type(value).__name__}")
        if keeps_none:
            return tuple([item_hook(item, item_type) for item in value])
        # A null item is left out unread: the item hook (an int's, a str's) refuses None.
        items = [item_hook(item, item_type) for item in value if item is not None]
        if None not in items:
            return tuple(items)
        return tuple([item for item in items if item is not None])

    return structure_tuple_or_empty


def _union_members(type_: Any) -> frozenset[Any] | None:
    if typing.get_origin(type_) not in (typing.Union, types.UnionType):
        return None
    return frozenset(arg for arg in typing.get_args(type_) if arg is not type(None))


def _open_enum_of(type_: Any) -> type[OpenStrEnum] | None:
    members = _union_members(type_)
    if members is None or str not in members or len(members) != 2:
        return None
    (other,) = members - {str}
    if isinstance(other, type) and issubclass(other, OpenStrEnum):
        return other
    return None


def _is_homogeneous_tuple(type_: Any) -> bool:
    origin: Any = typing.get_origin(type_)
    args = typing.get_args(type_)
    return origin is tuple and len(args) == 2 and args[1] is Ellipsis


def decimal_text(value: Decimal) -> str:
    """Fixed-point text, never exponent notation: ``Decimal("1E+2")`` (what ``normalize()``
    gives for 100) goes out as "100"; the API documents dot (or comma) decimals only.

    A money field of a model may hold something else than a Decimal (set through
    ``attrs.evolve``, which checks no types): it is read as the converter reads the wire, so a
    float keeps its shortest spelling (``format(4.1234567, "f")`` would round it to 6 places),
    an int gets no ".000000" and text such as "12.50" is sent as written."""
    if (
        type(value) is not Decimal
        or not value.is_finite()
        or not -MAX_DECIMAL_EXPONENT <= value.adjusted() <= MAX_DECIMAL_EXPONENT
    ):
        # Decimal("NaN") and infinities too: "NaN" is no amount the API can take; and a number
        # too large to write out (structure_decimal refuses both).
        value = _decimal_to_write(value)
    return format(value, "f")


def _decimal_to_write(value: Any) -> Decimal:
    result = structure_decimal(value)
    if result is None:
        raise ValueError(f"not a decimal number: {value!r}")
    return result


def _float_text(value: float) -> str:
    """A float in write data goes out as decimal text, as Decimal money does: a JSON float would
    carry binary noise or exponent notation (0.1 + 0.2, 1e-07), and NaN is no JSON at all."""
    return format(_decimal_to_write(value), "f")


def _refuse_unset(value: Unset) -> Any:
    raise ValueError(
        "UNSET leaves a field out of a write; it cannot stand alone or be an item of a list"
    )


# Exact types written as they are. float is not one: see _float_text.
_PLAIN: frozenset[type[Any]] = frozenset({str, int, bool, type(None)})


def _unstructure_scalar(value: Any) -> Any:
    """Turn any value users put into a plain-dict write into JSON-shaped data."""
    # Exact built-in types first (what a write is mostly made of), then the general checks.
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:
        # A member set to UNSET is left out, as on a draft: {"note": note or UNSET}.
        return {
            key if type(key) is str else str(key): (
                item if type(item) in _PLAIN else _unstructure_scalar(item)
            )
            for key, item in value.items()
            if item is not UNSET
        }
    if kind is list or kind is tuple:
        return [item if type(item) in _PLAIN else _unstructure_scalar(item) for item in value]
    if kind is Decimal:
        return decimal_text(value)
    if kind is float:
        return _float_text(value)
    if kind is date or kind is datetime:
        return value.isoformat()
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, YearMonth):
        return str(value)
    if isinstance(value, Unset):
        # Before the Enum branch: its value is the text "UNSET", which must never be sent.
        return _refuse_unset(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Secret):
        return value.reveal()
    if isinstance(value, Model | Draft):
        return converter.unstructure(value)
    if isinstance(value, Mapping):
        return {
            str(key): _unstructure_scalar(item) for key, item in value.items() if item is not UNSET
        }
    if isinstance(value, list | tuple):
        return [_unstructure_scalar(item) for item in value]
    return value


# --- What a model's field is written as ---------------------------------------------------
# A model's field may hold a value of another type than the one it declares: ``attrs.evolve``
# checks no types, and ``attrs.evolve(payment, paid_date=date(2026, 11, 24))`` is a natural
# call (a PaymentDraft takes a date there). The hooks below are picked by the declared type;
# the declared type is written at once, and any other value is written by what it is, as in a
# plain dict (``_unstructure_scalar``), never by a method of a type it is not.


def date_text(
    value: Any, _date: type[date] = date, _isoformat: Callable[[date], str] = date.isoformat
) -> Any:
    """A date field: ISO text. A datetime is written as its day, as ``date.isoformat`` does;
    text, None or anything else by what it is. Also the hook of ``date | None``.

    (The defaults are the names bound once: this runs for every date of every write.)"""
    if isinstance(value, _date):
        return _isoformat(value)
    return _unstructure_scalar(value)


def datetime_text(
    value: Any,
    _datetime: type[datetime] = datetime,
    _isoformat: Callable[[datetime], str] = datetime.isoformat,
) -> Any:
    """A date-and-time field: ISO text. A plain date is written as a date ("2026-11-24"), which
    the API and the converter read as that day; text, None or anything else by what it is.
    Also the hook of ``datetime | None``."""
    if isinstance(value, _datetime):
        return _isoformat(value)
    return _unstructure_scalar(value)


#: Hooks that write None as None, and so are their own ``X | None`` hook (one call per field).
_WRITES_NONE: frozenset[Callable[..., Any]] = frozenset({date_text, datetime_text, reveal_secret})


def _make_unstructure_tuple(
    type_: Any, conv: cattrs.Converter, name: str | None = None
) -> Callable[[Any], list[Any]]:
    """A ``tuple[X, ...]`` field: a list. A tuple is written as before, each item by the hook of
    ``X`` (an item of another type by what it is, where ``X`` is a model); a list, a set or a
    generator as its items, each by what it is. ``name`` (the field's) goes into errors.

    Text, bytes, a mapping or anything that does not iterate is refused: cattrs' own hook
    iterates whatever it gets, so ``invoice_ids="45"`` went out as ``["4", "5"]``, paying
    invoices 4 and 5, and ``tag_list="sale"`` as its letters."""
    (item_type, _ellipsis) = typing.get_args(type_)
    item_hook = conv.get_unstructure_hook(item_type)

    def items_of(value: Any) -> list[Any]:
        if type(value) is list:
            return value
        if isinstance(value, NO_LIST) or not isinstance(value, Iterable):
            where = "" if name is None else f"{name}: "
            raise ValueError(f"{where}expected a list or a tuple, got {type(value).__name__}")
        return list(value)

    if item_hook is identity:
        # str, int or bool items, as cattrs wrote them: a tuple's are not looked at again.
        def unstructure_plain_tuple(value: Any) -> list[Any]:
            if type(value) is tuple:
                return list(value)
            written: list[Any] = _unstructure_scalar(items_of(value))
            return written

        return unstructure_plain_tuple
    if not isinstance(item_type, type):
        # A union (``GtuCode | str``): its hook is picked by each item's own type already.
        def unstructure_union_tuple(value: Any) -> list[Any]:
            if type(value) is not tuple:
                value = items_of(value)
            return [item_hook(item) for item in value]

        return unstructure_union_tuple

    def unstructure_tuple(value: Any) -> list[Any]:
        # Models: a dict (or a draft) among the positions is written as it is, as a draft's
        # positions are; without a look at its type it got the hook of a class it is not.
        if type(value) is not tuple:
            value = items_of(value)
        return [
            item_hook(item) if type(item) is item_type else _unstructure_scalar(item)
            for item in value
        ]

    return unstructure_tuple


def _field_overrides(cls: type[Model | Draft], conv: cattrs.Converter) -> dict[str, Any]:
    """A model's tuple fields' hooks, made for each field so that an error names it; a draft's
    fields' hooks, which check each value by the field's declared type (``draft_writes``)."""
    if issubclass(cls, Draft):
        hooks = draft_field_hooks(cls, conv)
        return {name: override(unstruct_hook=hook) for name, hook in hooks.items()}
    overrides: dict[str, Any] = {}
    for field in attrs.fields(attrs.resolve_types(cls)):
        type_ = field.type
        inner = _optional_of(type_)
        if _is_homogeneous_tuple(type_):
            hook = _make_unstructure_tuple(type_, conv, field.name)
        elif inner is not None and _is_homogeneous_tuple(inner):
            hook = _optional_hook(_make_unstructure_tuple(inner, conv, field.name))
        else:
            continue
        overrides[field.name] = override(unstruct_hook=hook)
    return overrides


# Hooks that return a value of exactly this type as it is (and None as None): the one-pass
# function skips their call for such a value. See ``one_pass``.
_PASSTHROUGH: Mapping[Callable[[Any, Any], Any], type[Any]] = {
    structure_optional_str: str,
    structure_optional_int: int,
    structure_optional_bool: bool,
}
# Hooks that return None for None.
_KEEPS_NONE: frozenset[Callable[[Any, Any], Any]] = frozenset(
    {
        *_PASSTHROUGH,
        structure_optional_decimal,
        structure_optional_date,
        structure_optional_datetime,
    }
)


def _make_structure(
    cls: type[Model], conv: cattrs.Converter, *, one_pass_enabled: bool
) -> Callable[[Any, Any], Model]:
    known = frozenset(a.name for a in attrs.fields(cls)) - {"extra"}
    is_known = known.__contains__
    # cattrs' function is the reference: every error comes from it, with its per-field detail.
    generated = make_dict_structure_fn(cls, conv, extra=override(omit=True))
    one_pass = (
        compile_one_pass(cls, conv.get_structure_hook, _PASSTHROUGH, _KEEPS_NONE)
        if one_pass_enabled
        else None
    )

    def structure_model(data: Any, _: Any) -> Model:
        if type(data) is dict:
            if one_pass is not None:
                if _IN_ONE_PASS.get():
                    # A model nested in one being read in one pass: a failure here goes up to
                    # the outermost, which reads the whole again with the reference, once.
                    nested: Model = one_pass(data)
                    return nested
                token = _IN_ONE_PASS.set(True)
                try:
                    instance: Model = one_pass(data)
                except Exception:
                    pass  # the reference below decides: it raises the full error
                else:
                    return instance
                finally:
                    _IN_ONE_PASS.reset(token)
                # The reference's own nested models too, not this converter's hooks: each of
                # those would try its one-pass function again before its reference, and at
                # each level of nesting the work doubled (a 538-byte answer nested 22 levels
                # deep held the event loop for seconds).
                reference: Model = _reference_converter().structure(data, cls)
                return reference
            instance = generated(data, cls)
            extra = {key: data[key] for key in filterfalse(is_known, data)}
        elif isinstance(data, Mapping):
            instance = generated(data, cls)
            extra = {key: value for key, value in data.items() if key not in known}
        elif isinstance(data, str) and not data.strip():
            # Rails' XML writes an empty record ({}) as an element holding only its indentation,
            # which reads as blank text, as an empty one does: the record with nothing set.
            return structure_model({}, _)
        else:
            raise ValueError(f"expected an object for {cls.__name__}, got {type(data).__name__}")
        if extra:
            # The instance is brand new and not yet shared: filling it in beats a second copy.
            object.__setattr__(instance, "extra", extra)
        return instance

    return structure_model


_ModelHook = Callable[[Any, Any], Model]

#: Set while a model is read by its one-pass function: the models nested in it then leave a
#: failure to it (see ``structure_model``), so a bad value costs one reference pass, not one
#: per level of nesting.
_IN_ONE_PASS: ContextVar[bool] = ContextVar("invoceanio_in_one_pass", default=False)


def _model_structure_factory(
    *, one_pass_enabled: bool
) -> Callable[[type[Model], cattrs.Converter], _ModelHook]:
    """The hook factory of the models: each hook made once, and models that hold each other
    made without endless recursion.

    ``Invoice.connected_payments`` holds Payments and ``Payment.invoices`` holds Invoices: making
    the one's hook needs the other's, which needs the first again. A model asked for while its
    own hook is still being made (further up the same stack) gets a late hook instead, which
    calls the real one once that exists (by the time any data is structured). Without it the
    two are made in turn, a one-pass function compiled at every level, down to Python's
    recursion limit: the first invoice read took about 4 seconds (cattrs caught the
    RecursionError and fell back to ``converter.structure``), or failed with it when the stack
    was a little deeper (both measured).
    """
    made: dict[type[Model], _ModelHook] = {}
    building: set[type[Model]] = set()
    # Held while a hook is made: another thread waits for it rather than seeing a half-made
    # cycle (``building`` is this thread's stack, under the lock).
    lock = threading.RLock()

    def late(cls: type[Model], conv: cattrs.Converter) -> _ModelHook:
        def structure_late(data: Any, _: Any) -> Model:
            hook = made.get(cls)
            if hook is None:
                # Being made by another thread (the factory waits for it under the lock), or
                # its first making failed (a RecursionError near the stack's limit, a Ctrl-C):
                # cattrs keeps this late hook cached all the same, so it makes the real one.
                hook = factory(cls, conv)
            return hook(data, cls)

        return structure_late

    def factory(cls: type[Model], conv: cattrs.Converter) -> _ModelHook:
        with lock:
            hook = made.get(cls)
            if hook is not None:
                return hook
            if cls in building:
                return late(cls, conv)
            building.add(cls)
            try:
                hook = made[cls] = _make_structure(cls, conv, one_pass_enabled=one_pass_enabled)
            finally:
                building.discard(cls)
            return hook

    return factory


def _make_unstructure(cls: type[Model | Draft], conv: cattrs.Converter) -> Callable[[Any], Any]:
    # Defaults (None on models, UNSET on drafts) are left out: a write sends only what is set.
    generated = make_dict_unstructure_fn(
        cls,
        conv,
        _cattrs_omit_if_default=True,
        extra=override(omit=True),
        **_field_overrides(cls, conv),
    )

    def unstructure_model(instance: Model | Draft) -> dict[str, Any]:
        data = generated(instance)
        for key, value in instance.extra.items():
            if value is UNSET:
                continue  # left out, as the named fields of a draft are
            data.setdefault(key, value if type(value) in _PLAIN else _unstructure_scalar(value))
        return data

    return unstructure_model


def build_converter(*, one_pass: bool = True) -> cattrs.Converter:
    """The converter; ``one_pass=False`` builds it with cattrs' functions alone, the reference
    the tests hold the one-pass functions to."""
    conv = cattrs.Converter(detailed_validation=True)
    conv.register_structure_hook(Decimal, structure_decimal)
    conv.register_structure_hook(int, structure_int)
    conv.register_structure_hook(bool, structure_bool)
    conv.register_structure_hook(str, structure_str)
    conv.register_structure_hook(date, structure_date)
    conv.register_structure_hook(datetime, structure_datetime)
    conv.register_structure_hook(Secret, structure_secret)
    conv.register_structure_hook_func(
        lambda t: _union_members(t) == frozenset({date, YearMonth}), structure_sell_date
    )
    conv.register_structure_hook_func(
        lambda t: _union_members(t) == frozenset({Decimal, str}), structure_tax
    )

    for union, hook in _OPTIONAL_HOOKS.items():
        conv.register_structure_hook(union, hook)
    conv.register_structure_hook_factory(
        lambda t: _optional_of(t) is not None and t not in _OPTIONAL_HOOKS, _make_optional
    )
    conv.register_structure_hook_factory(lambda t: _open_enum_of(t) is not None, _make_open_enum)
    conv.register_structure_hook_factory(_is_homogeneous_tuple, _make_tuple)

    conv.register_unstructure_hook(Decimal, decimal_text)
    # A float in a draft's money field (drafts take one there) or a plain dict goes out as text.
    conv.register_unstructure_hook(float, _float_text)
    # Registered on the class: an enum member in a union such as a draft's
    # ``InvoiceKind | str | Unset`` is dispatched by its own type, and as a ``str`` subclass it
    # would otherwise go out as the member itself rather than its plain value.
    conv.register_unstructure_hook(OpenStrEnum, lambda value: value.value)
    conv.register_unstructure_hook(date, date_text)
    conv.register_unstructure_hook(datetime, datetime_text)
    conv.register_unstructure_hook(YearMonth, str)
    conv.register_unstructure_hook(Secret, reveal_secret)
    conv.register_unstructure_hook(Unset, lambda _: None)
    conv.register_unstructure_hook(dict, _unstructure_scalar)
    conv.register_unstructure_hook_func(
        lambda t: _open_enum_of(t) is not None,
        lambda value: value.value if isinstance(value, enum.Enum) else value,
    )
    conv.register_unstructure_hook_factory(
        lambda t: _optional_of(t) is not None, _make_unstructure_optional
    )
    conv.register_unstructure_hook_factory(_is_homogeneous_tuple, _make_unstructure_tuple)
    conv.register_unstructure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, Model | Draft),
        lambda instance: _unstructure_for(type(instance))(instance),
    )
    conv.register_structure_hook_factory(
        lambda t: isinstance(t, type) and issubclass(t, Model),
        _model_structure_factory(one_pass_enabled=one_pass),
    )
    return conv


_unstructure_cache: dict[type[Any], Callable[[Any], Any]] = {}


def _unstructure_for(cls: type[Model | Draft]) -> Callable[[Any], Any]:
    fn = _unstructure_cache.get(cls)
    if fn is None:
        fn = _unstructure_cache[cls] = _make_unstructure(cls, converter)
    return fn


converter = build_converter()


@functools.cache
def _reference_converter() -> cattrs.Converter:
    """cattrs' functions alone (made at the first answer the one-pass functions refuse)."""
    return build_converter(one_pass=False)


def structure(data: Any, cls: type[T]) -> T:
    """Wire data to a model; raises ``cattrs`` errors that the client turns into DecodeError."""
    return converter.structure(data, cls)


def to_wire(value: Any) -> Any:
    """A model, a draft or a plain dict (with Decimal, date, enum values) to JSON-shaped data."""
    return _unstructure_scalar(value)
