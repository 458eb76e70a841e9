"""What a draft's field takes when it is written, checked by the field's declared type.

Why: a draft (an attrs class whose fields default to UNSET) checks no types when it is made or
changed, and cattrs writes a union field by the type of the value it holds. So
``PositionDraft(quantity=True)`` went out as JSON ``true``, ``PaymentDraft(invoice_ids="45")``
as one string (which the server may read as the ids 4 and 5, or 45), a list in a money field as
that list and an int in a date field as a number, all sent without a word.

Now every named field of a draft gets one hook, made once per class from its declared type
(:func:`draft_field_hooks`, used by the converter): a value of the field's common type is
written at once, another value the field takes is written as the converter writes a value of
its type (as before), or as what it means where the server would read it otherwise (a flag's
"no" as false, a datetime in a date field as its day, an integral float id as the int), and
anything else raises ValueError naming the draft class and the field
(``PaymentDraft.invoice_ids: expected a list ...``), which the resources turn into
ConfigurationError before anything is sent. A draft nested in another (a position, a
recipient, a correction's side) is checked the same way, and its error says where it sits
(``InvoiceDraft.positions[1]: PositionDraft.quantity: ...``).

What each declared type takes (UNSET is always left out; ``extra`` stays free-form):

- ``Decimal`` (money, quantities, rates; typed :data:`~invoceanio.models.values.Amount`,
  ``Decimal | int``, on drafts): a finite Decimal, an int (not a bool; as decimal
  text past the 64 bits the JSON codec takes), a float (as its shortest decimal text), or text
  in the API's decimal spelling, digits with at most one dot or comma ("12.50", "12,50", "-3",
  ".5"), sent as written. Refused: a bool, other text ("abc", "NaN", "1e5", "1.234,5", digits
  of other scripts), containers, other objects.
- ``TaxRate`` (``Decimal | str``; ``TaxInput``, ``Decimal | int | str``, on drafts): what a
  Decimal field takes, and any text: a code ("zw", "np") or a rate.
- ``int`` (ids, counts): an int (not a bool) in the JSON codec's 64 bits, text of ASCII digits
  (sent as written), an integral float or Decimal, sent as the int it is (pandas reads an id
  column with gaps as floats; ``Decimal("45")``, once sent as "45", is the same id to the
  server). Refused: a bool, 45.5, other text, other objects.
- ``bool`` (flags): True or False, 1 or 0, or a spelling the converter reads
  (``structure_bool``: "1", "0", "true", "false", "yes", "no", "t", "f", "y", "n", "on",
  "off", in any case, with spaces around), written as the bool it means: as text, "no" would
  set the flag (Rails reads every text but "0", "f", "false" and "off" as true). Refused: other
  text ("maybe"), other ints, floats, other objects.
- ``str``: text, or a number, which the server reads as its text (an int is sent as it is, a
  float or a Decimal as decimal text), or a UUID (a natural oid), as its canonical text, which
  the XML codec writes too. Refused: a bool, a date, containers, other objects.
- ``int | str`` (``payment_to_kind``, a user's ``role``): any text, or what an int field takes.
- Open enums (``InvoiceKind | str``): a member, sent as its value, or any text.
- ``date``: a date, or its text "YYYY-MM-DD"; a datetime (``datetime.now()``, a pandas
  Timestamp) is written as its own wall-clock day, as a model writes it, with no time-zone
  conversion (pandas' NaT, which has no day, is refused). ``datetime | date``
  (a payment's ``paid_date``) takes both and ISO text; ``sell_date`` also takes a YearMonth,
  "YYYY-MM" and "off".
- A credential (``Secret``): a Secret or text, sent revealed (see ``reveal_secret``); its
  error names the type only.
- ``list[X]`` (or ``Sequence[X]``, the type of a draft's child records, so that a
  ``list[PositionDraft]`` built beforehand type-checks): a list, a tuple or another iterable
  that is no text, bytes or mapping (the rule of the models' tuple fields), each item as ``X``
  takes it; sent as a list.
- A nested draft (``PositionDraft | dict``, or ``| Mapping``): a draft of that kind of
  record, or the record itself (the Position read from an invoice, kept on an update, or a
  correction's state before), or a dict, sent as a plain write's. A draft of another record
  is refused.
- ``dict[str, ...]``: a mapping, sent as a plain write's.
- None: sent as null where the field allows None, refused where it does not (a field left
  UNSET sends nothing). In a field that takes no free text (a number, an id, a date, a flag),
  blank text, which the converter reads as None, is taken where None is and refused elsewhere:
  sent as written, but as null in a flag, which writes what its text means; a date field there
  also takes the text "null", which the docs send for a recurring definition's ``end_date``.
- numpy's integers and bools (what a pandas row holds) are taken wherever an int or a bool is,
  as that int or bool; numpy's float64 is a float. Its float32 is refused.

A field of a type not listed (a draft subclassed outside invoceanio may add one) is written by
its value's type, unchecked, as before.
"""

from __future__ import annotations

import numbers
import operator
import re
import sys
import types
import typing
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

import attrs
import cattrs

from invoceanio.models.base import Draft, Model
from invoceanio.models.values import OpenStrEnum, Unset, YearMonth
from invoceanio.secrets import Secret

__all__ = ["NO_LIST", "draft_field_hooks"]

FieldHook = Callable[[Any], Any]
#: Makes a field's hook: its place in errors ("PositionDraft.quantity: ", or "" for a list's
#: item, whose list adds the index), whether None is taken, and the converter.
_HookMaker = Callable[[str, bool, cattrs.Converter], FieldHook]

#: The integers sent as JSON numbers: signed 64-bit, what the API stores (no id is larger) and
#: what the JSON codec (orjson) writes.
_JSON_INT_MIN: Final = -(2**63)
_JSON_INT_MAX: Final = 2**63 - 1
#: Below it every integer is a float exactly, as in ``structure_int``.
_EXACT_FLOAT_INTS: Final = 2**53

#: The API's decimal spelling: ASCII digits with at most one dot or comma. ``Decimal()`` also
#: takes exponents, "NaN", underscores and digits of other scripts, which the server may read
#: as something else, or as 0.
_DECIMAL_TEXT: Final = re.compile(r"\s*[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)\s*", re.ASCII)
_INTEGER_TEXT: Final = re.compile(r"\s*[+-]?[0-9]+\s*", re.ASCII)
_DAY_TEXT: Final = re.compile(r"\s*[0-9]{4}-[0-9]{2}-[0-9]{2}\s*", re.ASCII)
_MONTH_TEXT: Final = re.compile(r"\s*[0-9]{4}-[0-9]{2}\s*", re.ASCII)

#: Iterable, yet no list of items: text, bytes (as their characters) and a mapping (as its keys).
#: The rule of the models' tuple fields too (the converter's ``_make_unstructure_tuple``).
NO_LIST: Final = (str, bytes, bytearray, memoryview, Mapping)

_SHOWN_TEXT: Final = 40


def draft_field_hooks(cls: type[Draft], conv: cattrs.Converter) -> dict[str, FieldHook]:
    """The write hook of each named field of ``cls`` whose declared type is known here."""
    hooks: dict[str, FieldHook] = {}
    for field in attrs.fields(attrs.resolve_types(cls)):
        if field.name == "extra":
            continue
        hook = _hook_for(field.type, f"{cls.__name__}.{field.name}: ", conv)
        if hook is not None:
            hooks[field.name] = hook
    return hooks


def _hook_for(declared: Any, where: str, conv: cattrs.Converter) -> FieldHook | None:
    members = _members(declared) - {Unset}
    nullable = type(None) in members
    rest = members - {type(None)}
    make = _maker_for(rest)
    return None if make is None else make(where, nullable, conv)


def _members(declared: Any) -> frozenset[Any]:
    if typing.get_origin(declared) in (typing.Union, types.UnionType):
        return frozenset(typing.get_args(declared))
    return frozenset({declared})


def _maker_for(rest: frozenset[Any]) -> _HookMaker | None:
    """The hook maker for a declared type's members (without UNSET and None)."""
    plain = _PLAIN_MAKERS.get(rest)
    if plain is not None:
        return plain
    literals = {member for member in rest if typing.get_origin(member) is typing.Literal}
    if rest - literals == {date, YearMonth}:
        texts = frozenset(text for member in literals for text in typing.get_args(member))
        return _sell_date_maker(texts)
    if len(rest) == 1:
        (only,) = rest
        if typing.get_origin(only) in (list, Sequence):
            (item,) = typing.get_args(only)
            item_maker = _maker_for(_members(item))
            return None if item_maker is None else _list_maker(item_maker)
        if typing.get_origin(only) is dict:
            return _make_mapping
    if len(rest) == 2 and str in rest:
        (other,) = rest - {str}
        if isinstance(other, type) and issubclass(other, OpenStrEnum):
            return _make_open_enum
    drafts = {member for member in rest if isinstance(member, type) and issubclass(member, Draft)}
    others = rest - drafts
    if len(drafts) == 1 and len(others) <= 1 and all(_is_dict(member) for member in others):
        (draft,) = drafts
        return _child_maker(draft, takes_dict=bool(others))
    return None


def _is_dict(member: Any) -> bool:
    return member in (dict, Mapping) or typing.get_origin(member) in (dict, Mapping)


# --- What a refusal says ------------------------------------------------------------------


def _described(value: Any) -> str:
    """A value as an error shows it: never the repr of an arbitrary object (a long one, or one
    that holds a credential), text cut short, numbers only while they are short."""
    if isinstance(value, Unset):
        return "UNSET"
    if isinstance(value, bool):
        return f"a boolean {value}"
    if type(value) is str:
        shown = value[:_SHOWN_TEXT]
        return f"text {shown!r}" + ("..." if len(value) > _SHOWN_TEXT else "")
    if type(value) is int and value.bit_length() <= 64:
        return f"the int {value}"
    if type(value) is float:
        return f"the float {value!r}"
    return type(value).__name__


def _refused(where: str, expected: str, value: Any) -> ValueError:
    return ValueError(f"{where}expected {expected}, got {_described(value)}")


def _null(where: str, nullable: bool) -> None:
    """None, sent as null where the field takes it; refused where it does not."""
    if nullable:
        return None
    if not where:  # a list's item: the list says where
        raise ValueError("an item cannot be None")
    raise ValueError(f"{where}takes no None (leave the field UNSET to send nothing)")


def _blank(value: str) -> bool:
    return not value.strip()


def _located(where: str, exc: ValueError) -> ValueError:
    """An error raised further down (a NaN Decimal, a nested draft's), with its place."""
    return ValueError(f"{where}{exc}")


def _python_scalar(value: Any) -> int | bool | None:
    """numpy's (and pandas') integers and bools as Python's int and bool; None for any other
    value. A row of a DataFrame holds ``numpy.int64`` and ``numpy.bool``, which are no ``int``
    and no ``bool``: refused, they would fail every import from pandas. (numpy's float64 is a
    float already; its float32 is refused, as the amount it holds is not the one meant.)"""
    if isinstance(value, int):
        return None  # Python's own (a bool too): nothing to convert
    if isinstance(value, numbers.Integral):
        return operator.index(value)
    kind = type(value)
    if kind.__module__ == "numpy" and kind.__name__ in ("bool", "bool_"):
        return bool(value)
    return None


# --- Numbers ------------------------------------------------------------------------------

_AMOUNT: Final = 'a number (a Decimal, an int, a float, or text such as "12.50")'


def _make_amount(where: str, nullable: bool, conv: cattrs.Converter) -> FieldHook:
    write_decimal = conv.get_unstructure_hook(Decimal)

    def write_amount(value: Any) -> Any:
        kind = type(value)
        if kind is Decimal:
            try:
                return write_decimal(value)
            except ValueError as exc:  # NaN, an infinity, a billion digits
                raise _located(where, exc) from None
        if kind is int and _JSON_INT_MIN <= value <= _JSON_INT_MAX:
            return value  # quantity=2: natural, and sent as it always was
        return _amount(value, where, nullable, conv, _AMOUNT)

    return write_amount


def _amount(value: Any, where: str, nullable: bool, conv: cattrs.Converter, expected: str) -> Any:
    """A money field's value that is no Decimal (an int, a float, text...)."""
    if value is None:
        return _null(where, nullable)
    if isinstance(value, str):
        if _blank(value):
            if nullable:
                return value  # read as None; the server reads it as empty too
            raise _refused(where, expected, value)
        if _DECIMAL_TEXT.fullmatch(value) is None:
            raise _refused(where, expected, value)
        # In the API's spelling, yet maybe too long to be an amount: refused as when read.
        _written(where, conv.get_structure_hook(Decimal), value, Decimal)
        return conv.unstructure(value)
    if isinstance(value, bool):
        raise _refused(where, expected, value)
    if isinstance(value, int):
        return _int_number(value, where, conv)
    if isinstance(value, Decimal | float):
        return _written(where, conv.unstructure, value)
    plain = _python_scalar(value)
    if plain is not None:
        return _amount(plain, where, nullable, conv, expected)
    raise _refused(where, expected, value)


def _int_number(value: int, where: str, conv: cattrs.Converter) -> Any:
    """An int where a number or text is sent: as it is while the JSON codec takes it, else
    as decimal text (refused past ``MAX_DECIMAL_EXPONENT`` digits, as a Decimal is)."""
    if _JSON_INT_MIN <= value <= _JSON_INT_MAX:
        return conv.unstructure(value)
    return _written(where, conv.get_unstructure_hook(Decimal), Decimal(value))


def _written(where: str, hook: Callable[..., Any], *args: Any) -> Any:
    """``hook(*args)``, whose ValueError (a NaN, a number too long to write) gets its place."""
    try:
        return hook(*args)
    except ValueError as exc:
        raise _located(where, exc) from None


_TAX: Final = 'a rate (a Decimal, an int, a float) or a code such as "zw"'


def _make_tax(where: str, nullable: bool, conv: cattrs.Converter) -> FieldHook:
    write_decimal = conv.get_unstructure_hook(Decimal)

    def write_tax(value: Any) -> Any:
        kind = type(value)
        if kind is Decimal:
            try:
                return write_decimal(value)
            except ValueError as exc:
                raise _located(where, exc) from None
        if kind is str:
            return value  # a code, or a rate as written
        if isinstance(value, str):
            return conv.unstructure(value)  # a member of an enum as its value
        return _amount(value, where, nullable, conv, _TAX)

    return write_tax


_INTEGER: Final = "an integer (an int, or text of digits)"


def _make_integer(where: str, nullable: bool, conv: cattrs.Converter) -> FieldHook:
    def write_integer(value: Any) -> Any:
        if type(value) is int and _JSON_INT_MIN <= value <= _JSON_INT_MAX:
            return value
        return _integer(value, where, nullable, conv)

    return write_integer


def _integer(value: Any, where: str, nullable: bool, conv: cattrs.Converter) -> Any:
    """An id's or a count's value that is no plain int of 64 bits."""
    if value is None:
        return _null(where, nullable)
    if isinstance(value, bool):
        raise _refused(where, _INTEGER, value)
    if isinstance(value, str):
        if (nullable and _blank(value)) or _INTEGER_TEXT.fullmatch(value) is not None:
            return conv.unstructure(value)
        raise _refused(where, _INTEGER, value)
    whole = _whole_number(value)
    if whole is None:
        plain = _python_scalar(value)
        if plain is not None:
            return _integer(plain, where, nullable, conv)
    if whole is None or not _JSON_INT_MIN <= whole <= _JSON_INT_MAX:
        raise _refused(where, _INTEGER, value)
    return whole


def _whole_number(value: Any) -> int | None:
    """The int an int, a float or a Decimal is exactly; None for anything else."""
    if isinstance(value, int):
        return int(value)
    # From 2**53 on a float holds no longer every integer: it may not be the id meant.
    if isinstance(value, float) and value.is_integer() and abs(value) < _EXACT_FLOAT_INTS:
        return int(value)
    # Bounded first: int(Decimal("1e999999999")) would build a billion digits.
    if isinstance(value, Decimal) and value.is_finite() and value.adjusted() < 20:
        whole = int(value)
        return whole if whole == value else None
    return None


def _make_integer_or_text(where: str, nullable: bool, conv: cattrs.Converter) -> FieldHook:
    write_integer = _make_integer(where, nullable, conv)

    def write_integer_or_text(value: Any) -> Any:
        if type(value) is str:
            return value
        if isinstance(value, str):
            return conv.unstructure(value)
        return write_integer(value)

    return write_integer_or_text


# --- Flags and text -----------------------------------------------------------------------


#: What a flag's spellings mean: those the converter reads (``structure_bool``), and 1/0.
_FLAG_MEANINGS: Final[Mapping[object, bool]] = {
    **dict.fromkeys(("1", "true", "t", "yes", "y", "on", 1), True),
    **dict.fromkeys(("0", "false", "f", "no", "n", "off", 0), False),
}


def _make_flag(where: str, nullable: bool, conv: cattrs.Converter) -> FieldHook:
    def write_flag(value: Any) -> Any:
        if type(value) is bool:
            return value
        if value is None:
            return _null(where, nullable)
        # The API documents "1"/"0" (income "0" for an expense) and the SDK reads "yes"/"no":
        # each is written as the bool it means. Sent as text, "no" would be true to Rails.
        if isinstance(value, str | int) and not isinstance(value, bool):
            meant = _FLAG_MEANINGS.get(value.strip().lower() if isinstance(value, str) else value)
            if meant is not None:
                return meant
            if nullable and isinstance(value, str) and not value.strip():
                return None  # blank text: none, as the converter reads it
        plain = _python_scalar(value)
        if plain is not None:
            return write_flag(plain)
        raise _refused(where, "True or False (or 1/0, yes/no)", value)

    return write_flag


_TEXT: Final = "text (or a number)"


def _make_text(where: str, nullable: bool, conv: cattrs.Converter) -> FieldHook:
    def write_text(value: Any) -> Any:
        if type(value) is str:
            return value
        return _text(value, where, nullable, conv)

    return write_text


def _text(value: Any, where: str, nullable: bool, conv: cattrs.Converter) -> Any:
    if value is None:
        return _null(where, nullable)
    if isinstance(value, str):
        return conv.unstructure(value)  # an enum member as its value
    if isinstance(value, bool):
        raise _refused(where, _TEXT, value)
    if isinstance(value, int):
        return _int_number(value, where, conv)
    if isinstance(value, Decimal | float):
        return _written(where, conv.unstructure, value)
    if isinstance(value, uuid.UUID):
        return str(value)  # a natural unique key (an oid): its canonical text
    plain = _python_scalar(value)
    if plain is not None:
        return _text(plain, where, nullable, conv)
    raise _refused(where, _TEXT, value)


def _make_open_enum(where: str, nullable: bool, conv: cattrs.Converter) -> FieldHook:
    def write_open_enum(value: Any) -> Any:
        if type(value) is str:
            return value
        if isinstance(value, str):
            return conv.unstructure(value)  # a member as its plain value
        if value is None:
            return _null(where, nullable)
        raise _refused(where, "one of its values (a member or text)", value)

    return write_open_enum


def _make_credential(where: str, nullable: bool, conv: cattrs.Converter) -> FieldHook:
    reveal = conv.get_unstructure_hook(Secret)

    def write_credential(value: Any) -> Any:
        if isinstance(value, Secret | str):
            return reveal(value)
        if value is None:
            return _null(where, nullable)
        # The type only: whatever it is, it may be the credential.
        raise ValueError(f"{where}expected a Secret or text, got {type(value).__name__}")

    return write_credential


# --- Dates --------------------------------------------------------------------------------


def _null_or_blank(value: str) -> bool:
    """Text the converter reads as no date: blank, or "null" (what the docs send)."""
    text = value.strip()
    return not text or text.lower() == "null"


def _iso_day(value: str) -> bool:
    if _DAY_TEXT.fullmatch(value) is None:
        return False
    try:
        date.fromisoformat(value.strip())
    except ValueError:
        return False
    return True


_DAY: Final = 'a date, or its text "YYYY-MM-DD"'


def _make_day(where: str, nullable: bool, conv: cattrs.Converter) -> FieldHook:
    write_date = conv.get_unstructure_hook(date)

    def write_day(value: Any) -> Any:
        if type(value) is date:
            return write_date(value)
        return _day(value, where, nullable, conv)

    return write_day


def _day(value: Any, where: str, nullable: bool, conv: cattrs.Converter) -> Any:
    if value is None:
        return _null(where, nullable)
    if isinstance(value, datetime):
        return _day_of(value, where, _DAY)
    if isinstance(value, date):
        return conv.unstructure(value)
    if isinstance(value, str) and (_iso_day(value) or (nullable and _null_or_blank(value))):
        return conv.unstructure(value)
    raise _refused(where, _DAY, value)


def _day_of(moment: datetime, where: str, expected: str) -> str:
    """A datetime in a date field (``datetime.now()``, a pandas Timestamp): its own wall-clock
    day, as a model writes one, with no time-zone conversion.

    pandas' NaT (a missing date in a column) is a datetime with no day: its ``date()`` is NaT
    again, whose text is "NaT" (and ``date.isoformat`` reads it as 0001-01-01). Refused."""
    day = moment.date()
    if type(day) is not date:
        raise _refused(where, expected, moment)
    return day.isoformat()


_MOMENT: Final = "a datetime, a date, or ISO text"


def _make_moment(where: str, nullable: bool, conv: cattrs.Converter) -> FieldHook:
    def write_moment(value: Any) -> Any:
        if isinstance(value, date):  # a datetime too
            return conv.unstructure(value)
        if value is None:
            return _null(where, nullable)
        if isinstance(value, str) and (_iso_moment(value) or (nullable and _null_or_blank(value))):
            return conv.unstructure(value)
        raise _refused(where, _MOMENT, value)

    return write_moment


def _iso_moment(value: str) -> bool:
    # What the converter reads (a plain date too), in ASCII digits: fromisoformat takes others.
    if not value.isascii():
        return False
    try:
        datetime.fromisoformat(value.strip())
    except ValueError:
        return False
    return True


def _sell_date_maker(literals: frozenset[str]) -> _HookMaker:
    """``sell_date``: a day, a month (YearMonth, "YYYY-MM"), or one of its literal texts."""
    expected = 'a date, a YearMonth, or text "YYYY-MM-DD" or "YYYY-MM"' + "".join(
        f" or {text!r}" for text in sorted(literals)
    )

    def make(where: str, nullable: bool, conv: cattrs.Converter) -> FieldHook:
        def write_sell_date(value: Any) -> Any:
            if type(value) is date or isinstance(value, YearMonth):
                return conv.unstructure(value)
            if value is None:
                return _null(where, nullable)
            if isinstance(value, datetime):
                return _day_of(value, where, expected)
            if isinstance(value, date) or (isinstance(value, str) and _sell_date_text(value)):
                return conv.unstructure(value)
            raise _refused(where, expected, value)

        def _sell_date_text(value: str) -> bool:
            if value in literals or _month_or_day(value):
                return True
            return nullable and _null_or_blank(value)

        return write_sell_date

    return make


def _month_or_day(value: str) -> bool:
    if _MONTH_TEXT.fullmatch(value) is not None:
        try:
            YearMonth.parse(value.strip())
        except ValueError:
            return False
        return True
    return _iso_day(value)


# --- Lists, nested drafts, mappings -------------------------------------------------------


def _list_maker(make_item: _HookMaker) -> _HookMaker:
    def make(where: str, nullable: bool, conv: cattrs.Converter) -> FieldHook:
        # An item's error has no place of its own: the list adds the field and the index.
        write_item = make_item("", False, conv)

        def write_list(value: Any) -> Any:
            if type(value) is list:
                items = value
            elif value is None:
                return _null(where, nullable)
            elif isinstance(value, NO_LIST) or not isinstance(value, Iterable):
                # Iterated, text gave its characters, a dict its keys: "45" paid 4 and 5.
                raise _refused(where, "a list (or a tuple)", value)
            else:
                items = list(value)  # a generator too, read once
            try:
                return [write_item(item) for item in items]
            except ValueError:
                raise _item_error(where, items, write_item) from None

        return write_list

    return make


def _item_error(where: str, items: list[Any], write_item: FieldHook) -> ValueError:
    """The first item's refusal, with its index: found again, off the common path."""
    for index, item in enumerate(items):
        try:
            write_item(item)
        except ValueError as exc:
            return ValueError(f"{where.removesuffix(': ')}[{index}]: {exc}")
    # Unreachable while hooks are pure; said plainly all the same.
    return ValueError(f"{where}an item cannot be written")


def _child_maker(draft: type[Draft], *, takes_dict: bool) -> _HookMaker:
    """A nested draft's field (or a list's item): a draft of its kind, its record, a dict."""
    takes = _kin_of(draft)
    record = _record_of(draft)
    names = [draft.__name__] + ([] if record is None else [record.__name__])
    expected = ", ".join(f"a {name}" for name in names) + (" or a dict" if takes_dict else "")

    def make(where: str, nullable: bool, conv: cattrs.Converter) -> FieldHook:
        def write_child(value: Any) -> Any:
            if isinstance(value, takes) or (takes_dict and isinstance(value, Mapping)):
                try:
                    return conv.unstructure(value)
                except ValueError as exc:
                    raise _located(where, exc) from None
            if value is None:
                return _null(where, nullable)
            raise _refused(where, expected, value)

        return write_child

    return make


def _kin_of(draft: type[Draft]) -> tuple[type[Draft | Model], ...]:
    """The classes that write as a ``draft`` does: the drafts and records of its kind.

    The kind is the draft's topmost base below Draft (``_PositionValuesDraft`` for a
    PositionDraft, whose record base is ``_PositionValues``): so a correction's side takes the
    Position read from the invoice it corrects, and the positions take a CorrectionPosition."""
    root = next(
        cls for cls in reversed(draft.__mro__) if cls is not Draft and issubclass(cls, Draft)
    )
    kin: list[type[Draft | Model]] = [root]
    record = _record_of(root)
    if record is not None:
        kin.append(record)
    return tuple(kin)


def _record_of(draft: type[Draft]) -> type[Model] | None:
    """The record a draft writes, named as it is without "Draft", in the draft's module."""
    record = getattr(sys.modules[draft.__module__], draft.__name__.removesuffix("Draft"), None)
    return record if isinstance(record, type) and issubclass(record, Model) else None


def _make_mapping(where: str, nullable: bool, conv: cattrs.Converter) -> FieldHook:
    def write_mapping(value: Any) -> Any:
        if isinstance(value, Mapping):
            try:
                return conv.unstructure(value)
            except ValueError as exc:
                raise _located(where, exc) from None
        if value is None:
            return _null(where, nullable)
        raise _refused(where, "a dict", value)

    return write_mapping


_PLAIN_MAKERS: Final[Mapping[frozenset[Any], _HookMaker]] = {
    frozenset({Decimal}): _make_amount,
    frozenset({Decimal, int}): _make_amount,  # Amount: what a draft's numbers are typed
    frozenset({Decimal, str}): _make_tax,
    frozenset({Decimal, int, str}): _make_tax,  # TaxInput
    frozenset({int}): _make_integer,
    frozenset({int, str}): _make_integer_or_text,
    frozenset({bool}): _make_flag,
    frozenset({str}): _make_text,
    frozenset({date}): _make_day,
    frozenset({datetime, date}): _make_moment,
    frozenset({Secret}): _make_credential,
}
