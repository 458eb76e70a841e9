"""An invoice's nested members besides its positions, as the service keeps and checks them.

- **Children**: ``settlement_positions`` (spec 6.7), ``descriptions`` (6.6), ``recipients`` and
  ``issuers`` (6.5), sent as a list or in Rails' hash form (``{"0": {...}}``), kept as a list,
  each child with an ``id`` of its own. On a create every child is new (a copy's children, taken
  from its source, get ids of their own). On an update they follow Rails' nested attributes, as
  spec 3 says of every nested list: a child with an ``id`` edits that stored child (only what it
  sends changes), with ``_destroy`` too it is removed, and an id the invoice has no such child
  of is a 422 (as for positions); a child without an id is appended, unless it has
  ``_destroy``. A member the update does not send stays as stored.
- **Descriptions** (6.6): ``kind`` and ``content`` are stripped; a new note with both blank is
  ignored and a stored one left with both blank is deleted; a note with content and no kind is
  headed "Uwaga" (the default). **Parties** (6.5): a recipient without a role is "Odbiorca", an
  issuer "Wystawca faktury".
- **Limits**, each a 422 ``{"code": "error", "message": {field: [message]}}`` naming every field
  over one (:func:`check`): at most 10,000 descriptions, ``kind`` 256 and ``content`` 65,535
  characters (the 256 of KSeF are :func:`ksef.check`'s, at submission); ``role_description`` at
  most 25 characters and only with the role "Rola inna"; a party's ``participation`` a number
  (a decimal column: no "NaN"); ``calculating_strategy`` (6.1) only its three keys with their
  documented values. The settlement positions' rules (kind, amount,
  reason, 100 of each kind) are :mod:`pricing`'s, run on the children as merged, so an edit
  sends only what changes; an ``advance`` ignores them.

A partial ``calculating_strategy`` is taken: only [FR] says all three keys must be sent, and
the client sends one (see ``invoceanio.resources.invoice_limits``). What the service answers
for an unknown key is not documented; it is refused here as the client refuses it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from invoceanio.sandbox.pricing import PricingError, parse_decimal
from invoceanio.sandbox.store import Store
from invoceanio.sandbox.wire import ApiError, flag, integer

__all__ = ["CHILDREN", "check", "children_over", "fresh", "merge", "number", "rails_too_long"]

CHILDREN: Final = ("settlement_positions", "descriptions", "recipients", "issuers")
MAX_DESCRIPTIONS: Final = 10_000
DEFAULT_DESCRIPTION_KIND: Final = "Uwaga"
#: Spec 6.6: "`kind` (header, ≤256 ...), `content` (≤65535; ≤256 when KSeF is active)".
_DESCRIPTION_LENGTHS: Final = {"kind": 256, "content": 65_535}
#: Spec 6.5: "`role_description` (≤25 characters, only with "Rola inna")".
_PARTY_LENGTHS: Final = {"role_description": 25}
OTHER_ROLE: Final = "Rola inna"
DEFAULT_ROLES: Final = {"recipients": "Odbiorca", "issuers": "Wystawca faktury"}
#: Spec 6.1: ``{position: "default"|"keep_gross", sum: "sum"|"keep_gross"|"keep_net",
#: invoice_form_price_kind: "net"|"gross"}``.
CALCULATING_STRATEGY: Final = {
    "position": ("default", "keep_gross"),
    "sum": ("sum", "keep_gross", "keep_net"),
    "invoice_form_price_kind": ("net", "gross"),
}

Errors = dict[str, list[str]]


def rails_too_long(limit: int) -> str:
    return f"is too long (maximum is {limit} characters)"


def children_over(
    children: Iterable[Mapping[str, Any]],
    limits: Mapping[str, int],
    name: str,
    too_long: Callable[[int], str] = rails_too_long,
) -> Errors:
    """``{"name.field": [too_long(limit)]}`` for each field of ``limits`` that some child's
    text exceeds (named once, however many children do, as Rails names a nested error)."""
    errors: Errors = {}
    for child in children:
        for field, limit in limits.items():
            value = child.get(field)
            if isinstance(value, str) and len(value) > limit:
                errors.setdefault(f"{name}.{field}", [too_long(limit)])
    return errors


def _entries(value: Any, name: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return list(value.values())  # Rails' hash form: the values, in the order sent
    raise ApiError.field(name, "is invalid")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _tidied(name: str, child: dict[str, Any]) -> dict[str, Any] | None:
    """A child as stored (None: a note with nothing in it, which is no note)."""
    if name == "descriptions":
        for field in ("kind", "content"):
            if isinstance(child.get(field), str):
                child[field] = child[field].strip()  # 6.6: "values are stripped"
        if _blank(child.get("kind")) and _blank(child.get("content")):
            return None
        if _blank(child.get("kind")):
            child["kind"] = DEFAULT_DESCRIPTION_KIND
    elif name in DEFAULT_ROLES and _blank(child.get("role")):
        child["role"] = DEFAULT_ROLES[name]
    return child


def _merged(stored: Any, changes: Any, name: str, *, create: bool) -> list[dict[str, Any]]:
    """The children after a request's ``changes`` to the ``stored`` ones (on a create, none:
    every child sent is new, whatever id it carries)."""
    result: list[dict[str, Any] | None] = [
        dict(child) for child in _entries(stored, name) if isinstance(child, Mapping)
    ]
    at = {child["id"]: index for index, child in enumerate(result) if child and "id" in child}
    appended: list[dict[str, Any]] = []
    for index, change in enumerate(_entries(changes, name)):
        if not isinstance(change, dict):
            raise ApiError.field(name, f"entry {index} is not an object")
        destroy = flag(change.get("_destroy"), f"{name}._destroy")
        child_id = None if create else integer(change.get("id"), f"{name}.id")
        values = {key: value for key, value in change.items() if key not in ("id", "_destroy")}
        if child_id is None:
            added = None if destroy else _tidied(name, values)
            if added is not None:
                appended.append(added)
            continue
        current = result[at[child_id]] if child_id in at else None
        if current is None:
            raise ApiError.field(f"{name}.id", f"{child_id} is not one of this invoice's {name}")
        result[at[child_id]] = None if destroy else _tidied(name, {**current, **values})
    return [child for child in result if child is not None] + appended


def fresh(record: dict[str, Any]) -> None:
    """A new invoice's children as stored (in place): every one new."""
    for name in CHILDREN:
        if name in record:
            record[name] = _merged(None, record[name], name, create=True)


def merge(updated: dict[str, Any], stored: Mapping[str, Any], fields: Mapping[str, Any]) -> None:
    """An update's children (in place in ``updated``): those of ``stored`` with the changes the
    request's ``fields`` send."""
    for name in CHILDREN:
        if name in fields:
            updated[name] = _merged(stored.get(name), fields[name], name, create=False)


def number(store: Store, record: Mapping[str, Any]) -> None:
    """An id for every child without one (in place), once the invoice is to be stored."""
    for name in CHILDREN:
        for child in _entries(record.get(name), name):
            if isinstance(child, dict) and not isinstance(child.get("id"), int):
                child["id"] = store.new_id(f"invoice_{name}")


def _children(record: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    value = record.get(name)
    entries = value if isinstance(value, list) else []
    return [child for child in entries if isinstance(child, Mapping)]


def _parties(record: Mapping[str, Any], name: str) -> Errors:
    children = _children(record, name)
    errors = children_over(children, _PARTY_LENGTHS, name)
    for child in children:
        try:
            parse_decimal(child.get("participation"), "participation")
        except PricingError as error:
            errors.setdefault(f"{name}.participation", [error.message])
    for child in children:
        if not _blank(child.get("role_description")) and child.get("role") != OTHER_ROLE:
            errors.setdefault(f"{name}.role_description", []).append(
                f"is allowed only with the role {OTHER_ROLE}"
            )
            break
    return errors


def _calculating_strategy(value: Any) -> Errors:
    if value is None:
        return {}
    if not isinstance(value, dict):
        return {"calculating_strategy": ["is invalid"]}
    errors: Errors = {}
    for key, choice in value.items():
        allowed = CALCULATING_STRATEGY.get(key)
        if allowed is None:
            errors.setdefault("calculating_strategy", []).append(
                f"{str(key)[:40]} is not a calculating strategy setting"
            )
        elif not _blank(choice) and choice not in allowed:
            errors[f"calculating_strategy.{key}"] = ["is not included in the list"]
    return errors


def check(record: Mapping[str, Any]) -> None:
    """422 naming every nested member of the invoice (its children as stored by :func:`fresh`
    or :func:`merge`) over a limit of the module docstring."""
    descriptions = _children(record, "descriptions")
    errors = children_over(descriptions, _DESCRIPTION_LENGTHS, "descriptions")
    if len(descriptions) > MAX_DESCRIPTIONS:
        errors["descriptions"] = [f"too many (maximum is {MAX_DESCRIPTIONS})"]
    for name in DEFAULT_ROLES:
        errors.update(_parties(record, name))
    errors.update(_calculating_strategy(record.get("calculating_strategy")))
    if errors:
        raise ApiError(422, errors)
