"""A single-pass structuring function per model, for the answers that are well formed.

Why: structuring is most of what a typed client spends on an answer (a 100-invoice page, the
201 of every create). cattrs' generated function checks each key twice (``in``, then ``[]``),
collects the results in a dict and calls the class with ``**`` that dict, whose ``__init__``
sets each attribute through ``object.__setattr__`` (the models are frozen). For a model of 110
fields that bookkeeping costs more than the conversions themselves.

The function generated here reads each key once (``dict.get``), skips the call for a value
that already has its final type (text for a ``str | None`` field, an int for an id, None for
anything optional), and fills a new instance's slots directly. It does *only* the fast part:
on any exception it is abandoned and the caller runs cattrs' detailed function on the same
data, so errors keep their detailed, per-field form, and a value the fast path could not
take is never guessed at. The tests hold both paths to the same result.

A class whose construction does more than store values (validators, converters,
``__attrs_post_init__``, aliases, no slots) gets no fast path: :func:`compile_one_pass`
returns None and cattrs' function does all the work.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from itertools import filterfalse
from typing import Any, Final

import attrs

__all__ = ["Hook", "compile_one_pass"]

Hook = Callable[[Any, Any], Any]
_MISSING: Final = object()


class _RequiredFieldMissing(Exception):
    """A field without a default is absent: the detailed path reports it."""


def compile_one_pass(
    cls: type[Any],
    hook_for: Callable[[Any], Hook],
    passthrough: Mapping[Hook, type[Any]],
    keeps_none: frozenset[Hook],
) -> Callable[[dict[str, Any]], Any] | None:
    """The fast structuring function of ``cls`` (a slotted attrs class with an ``extra`` dict).

    ``hook_for`` gives the field hooks (the converter's own, so both paths convert alike).
    ``passthrough`` maps a hook to the one type it returns unchanged (``str`` for the
    ``str | None`` hook): a value of exactly that type, or None, skips the call.
    ``keeps_none`` are hooks that return None for None: a None (or a missing key, when the
    field's default is None) skips their call.
    """
    attrs.resolve_types(cls)
    if not _plain_slotted(cls):
        return None
    names: dict[str, Any] = {
        "__new": object.__new__,
        "__cls": cls,
        "__filterfalse": filterfalse,
        "__MISSING": _MISSING,
        "__Missing": _RequiredFieldMissing,
    }
    lines = ["def structure_one_pass(o):", "  get = o.get", "  inst = __new(__cls)"]
    fields = [field for field in attrs.fields(cls) if field.name != "extra"]
    for number, field in enumerate(fields):
        hook = hook_for(field.type)
        names[f"set{number}"] = _slot_setter(cls, field.name)
        names[f"hook{number}"] = hook
        names[f"type{number}"] = field.type
        key = repr(field.name)
        call = f"hook{number}(v, type{number})"
        plain = passthrough.get(hook)
        if field.default is None and plain is not None:
            names[f"plain{number}"] = plain
            lines.append(f"  v = get({key})")
            lines.append(f"  if v is not None and type(v) is not plain{number}: v = {call}")
        elif field.default is None and hook in keeps_none:
            lines.append(f"  v = get({key})")
            lines.append(f"  if v is not None: v = {call}")
        else:
            lines.append(f"  v = get({key}, __MISSING)")
            lines.append(f"  if v is not __MISSING: v = {call}")
            lines.append(f"  else: {_default_statement(field, number, names)}")
        lines.append(f"  set{number}(inst, v)")
    known = frozenset(field.name for field in fields)
    names["__is_known"] = known.__contains__
    names["__set_extra"] = _slot_setter(cls, "extra")
    lines.append("  __set_extra(inst, {k: o[k] for k in __filterfalse(__is_known, o)})")
    lines.append("  return inst")
    source = "\n".join(lines)
    exec(compile(source, f"<invoceanio one-pass structure {cls.__qualname__}>", "exec"), names)
    function: Callable[[dict[str, Any]], Any] = names["structure_one_pass"]
    return function


def _default_statement(field: attrs.Attribute[Any], number: int, names: dict[str, Any]) -> str:
    default: Any = field.default
    if default is attrs.NOTHING:
        return "raise __Missing"
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        # takes_self factories are refused in _plain_slotted.
        names[f"default{number}"] = default.factory
        return f"v = default{number}()"
    names[f"default{number}"] = default
    return f"v = default{number}"


def _slot_setter(cls: type[Any], name: str) -> Callable[[Any, Any], None]:
    """The slot's own ``__set__``: it stores past the frozen class's ``__setattr__``, as attrs'
    ``__init__`` does with ``object.__setattr__``, without looking the name up each time."""
    for klass in cls.__mro__:
        if name in vars(klass):
            setter: Callable[[Any, Any], None] = vars(klass)[name].__set__
            return setter
    raise LookupError(f"{cls.__qualname__} has no slot {name!r}")


def _plain_slotted(cls: type[Any]) -> bool:
    """True when storing each field's value is all ``cls(...)`` would do."""
    if not attrs.has(cls) or "__slots__" not in vars(cls) or "extra" not in attrs.fields_dict(cls):
        return False
    if hasattr(cls, "__attrs_post_init__") or hasattr(cls, "__attrs_pre_init__"):
        return False
    if any("hash" in slot for klass in cls.__mro__ for slot in vars(klass).get("__slots__", ())):
        return False  # cache_hash=True: __init__ also resets the cached hash
    for field in attrs.fields(cls):
        if field.validator is not None or field.converter is not None:
            return False
        if not field.init or field.alias != field.name:
            return False
        default = field.default
        if isinstance(default, attrs.Factory) and default.takes_self:  # type: ignore[arg-type]
            return False
        slot = next((vars(k)[field.name] for k in cls.__mro__ if field.name in vars(k)), None)
        if not isinstance(slot, types.MemberDescriptorType):
            return False
    return True
