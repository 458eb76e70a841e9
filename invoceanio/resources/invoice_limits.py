"""The documented limits of an invoice's nested members, checked before a write is sent.

The API answers 422 for each of them; checking first names the offending child by its index
(``settlement_positions[3].amount``), which the API's error does not, and keeps a bad row of a
bulk import from costing a request. What is checked (spec 6.5-6.7 and 6.1):

- ``settlement_positions[]``: ``kind`` ``charge`` or ``deduction``; ``amount`` a decimal > 0,
  at most 9,999,999.99, with at most 2 decimal places; ``reason`` text of at most 256
  characters; at most 100 of each kind. Not on an ``advance``, which ignores them.
- ``descriptions[]``: at most 10,000; ``kind`` at most 256 characters, ``content`` at most 65,535
  (the 256 under KSeF depends on the account's KSeF setting, which a client cannot see).
- ``recipients[]`` and ``issuers[]`` (one field list, spec 6.5): ``role_description`` at most
  25 characters, and only with the role "Rola inna".
- ``calculating_strategy``: only its three keys, each with one of its documented values.

The document is the wire form (after ``to_wire``): money is text as given ("100,00", "1.5"),
a float already written out as its shortest decimal text, children dicts or Rails' hash form
(``{"0": {...}}``).

**Updates.** A child with an ``id`` edits a stored one and carries only what changes, so it is
not held to what a new child must have (``kind``, ``amount``, ``reason``); what it does carry is
checked, and a required member it sets to blank is refused, as that would clear it. A child
marked ``_destroy`` is dropped (with an id) or ignored (without), so nothing of it is checked.
The counts are of what the request itself holds: on an update the stored children add to them,
which only the API can count.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

from invoceanio.errors import ConfigurationError
from invoceanio.models.converter import structure_decimal
from invoceanio.models.values import IssuerRole, RecipientRole
from invoceanio.resources.base import _shown, destroys

__all__ = ["check_invoice_limits"]

SETTLEMENT_KINDS: Final = ("charge", "deduction")
MAX_SETTLEMENTS_PER_KIND: Final = 100
MAX_SETTLEMENT_AMOUNT: Final = Decimal("9999999.99")
MAX_REASON: Final = 256
MAX_DESCRIPTIONS: Final = 10_000
MAX_DESCRIPTION_KIND: Final = 256
MAX_DESCRIPTION_CONTENT: Final = 65_535
MAX_ROLE_DESCRIPTION: Final = 25
#: The role ``role_description`` goes with (the same text for recipients and issuers).
OTHER_ROLE: Final = RecipientRole.OTHER.value
#: The role a new party without one gets (spec 6.5: "(default)").
_DEFAULT_ROLES: Final = {
    "recipients": RecipientRole.RECIPIENT.value,
    "issuers": IssuerRole.ISSUER.value,
}
#: Spec 6.1: ``{position: "default"|"keep_gross", sum: "sum"|"keep_gross"|"keep_net",
#: invoice_form_price_kind: "net"|"gross"}``.
CALCULATING_STRATEGY: Final = {
    "position": ("default", "keep_gross"),
    "sum": ("sum", "keep_gross", "keep_net"),
    "invoice_form_price_kind": ("net", "gross"),
}
_CENT: Final = Decimal("0.01")


def check_invoice_limits(document: Mapping[str, Any]) -> None:
    """ConfigurationError for the first member of an invoice write (wire form) over a limit the
    API documents; nothing when every one is within them. Each check looks only at a member
    the write has, so an invoice without nested members costs a few lookups."""
    if document.get("kind") != "advance":  # spec 6.7: "Ignored on `advance` invoices"
        _settlement_positions(document)
    _descriptions(document)
    for name, default_role in _DEFAULT_ROLES.items():
        _parties(document, name, default_role)
    _calculating_strategy(document.get("calculating_strategy"))


def _children(document: Mapping[str, Any], name: str) -> list[tuple[str, Mapping[str, Any]]]:
    """(index, child) of a nested list, or of Rails' hash form (its keys are the indexes)."""
    value = document.get(name)
    if value is None:
        return []
    if isinstance(value, list):
        items = [(str(index), child) for index, child in enumerate(value)]
    elif isinstance(value, Mapping) and all(str(key).isdigit() for key in value):
        items = [(str(key), child) for key, child in value.items()]
    else:
        raise ConfigurationError(f"{name} must be a list of objects, got {type(value).__name__}")
    for index, child in items:
        if not isinstance(child, Mapping):
            raise ConfigurationError(
                f"{name}[{index}] must be an object, got {type(child).__name__}"
            )
    return items


def _is_new(child: Mapping[str, Any]) -> bool:
    # As changes_children_once reads it: a blank id is no id, and the API appends the child.
    return child.get("id") in (None, "")


def _first_time(child: Mapping[str, Any], seen: set[object]) -> bool:
    """Whether a child adds to a count: a new one always, an edit the first time its id comes
    (one stored child named twice is still one child; ``"5"`` and ``5`` name the same)."""
    if _is_new(child):
        return True
    ident = child["id"]
    if isinstance(ident, str):
        text = ident.strip()
        # The length first: int() of thousands of digits raises; no id is that long.
        ident = int(text) if text.isascii() and text.isdigit() and len(text) <= 19 else text
    elif not isinstance(ident, int):
        return True  # no id the server reads: counted, as it will be refused anyway
    if ident in seen:
        return False
    seen.add(ident)
    return True


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _required(child: Mapping[str, Any], field: str) -> bool:
    """Whether ``field`` must have a value: on a new child always; on an edit only when it
    sends the field, as a blank one would clear the stored value."""
    return _is_new(child) or field in child


def _too_long(where: str, value: Any, limit: int, *, stripped: bool = False) -> None:
    """Refuse text over ``limit`` characters (its length is told, never the text itself)."""
    if not isinstance(value, str):
        return  # a number or flag the server writes as short text
    length = len(value.strip() if stripped else value)
    if length > limit:
        raise ConfigurationError(f"{where} takes at most {limit} characters, got {length}")


# --- settlement_positions (spec 6.7) ----------------------------------------------------------


def _settlement_positions(document: Mapping[str, Any]) -> None:
    counts = dict.fromkeys(SETTLEMENT_KINDS, 0)
    edited: set[object] = set()
    for index, child in _children(document, "settlement_positions"):
        if destroys(child):
            continue
        where = f"settlement_positions[{index}]"
        kind = _settlement_kind(child, where)
        _settlement_amount(child, where)
        reason = child.get("reason")
        if _required(child, "reason") and _blank(reason):
            raise ConfigurationError(
                f"{where}.reason is required: text of 1 to {MAX_REASON} characters"
            )
        _too_long(f"{where}.reason", reason, MAX_REASON)
        if kind is None or not _first_time(child, edited):
            continue  # an edit that keeps its kind: which count it is in is the server's
        counts[kind] += 1
        if counts[kind] > MAX_SETTLEMENTS_PER_KIND:
            raise ConfigurationError(
                f"{where}: an invoice takes at most {MAX_SETTLEMENTS_PER_KIND} settlement "
                f"positions of each kind, and this is {kind} number {counts[kind]}"
            )


def _settlement_kind(child: Mapping[str, Any], where: str) -> str | None:
    kind = child.get("kind")
    if kind is None and not _required(child, "kind"):
        return None
    if not isinstance(kind, str) or kind not in SETTLEMENT_KINDS:
        raise ConfigurationError(
            f"{where}.kind must be 'charge' or 'deduction', got {_shown(kind)}"
        )
    return kind


def _settlement_amount(child: Mapping[str, Any], where: str) -> None:
    value = child.get("amount")
    if value is None and not _required(child, "amount"):
        return
    limits = f"a decimal over 0 and at most {MAX_SETTLEMENT_AMOUNT}, with at most 2 places"
    try:
        # As the models read money: text with a dot or a comma, an int, a Decimal; never a
        # float's binary value (a float in write data is its shortest decimal text by now).
        amount = structure_decimal(value)
    except ValueError:
        amount = None
    if amount is None:
        raise ConfigurationError(f"{where}.amount must be {limits}, got {_shown(value)}")
    if amount <= 0:
        raise ConfigurationError(f"{where}.amount must be over 0, got {_shown(value)}")
    if amount > MAX_SETTLEMENT_AMOUNT:
        raise ConfigurationError(
            f"{where}.amount must be at most {MAX_SETTLEMENT_AMOUNT}, got {_shown(value)}"
        )
    # Within the maximum, quantize cannot overflow the context. "10.500" is 10.50: the value
    # has 2 places, however many zeros the text ends with.
    if amount != amount.quantize(_CENT):
        raise ConfigurationError(
            f"{where}.amount takes at most 2 decimal places, got {_shown(value)}"
        )


# --- descriptions (spec 6.6) ------------------------------------------------------------------


def _descriptions(document: Mapping[str, Any]) -> None:
    count = 0
    edited: set[object] = set()
    for index, child in _children(document, "descriptions"):
        if destroys(child):
            continue
        where = f"descriptions[{index}]"
        # "values are stripped" before they are stored, so the limits are of stripped text.
        kind, content = child.get("kind"), child.get("content")
        _too_long(f"{where}.kind", kind, MAX_DESCRIPTION_KIND, stripped=True)
        _too_long(f"{where}.content", content, MAX_DESCRIPTION_CONTENT, stripped=True)
        if _blank(kind) and _blank(content):
            # "empty kind and content are ignored" (or delete the stored one): not a note.
            continue
        if not _first_time(child, edited):
            continue
        count += 1
        if count > MAX_DESCRIPTIONS:
            raise ConfigurationError(
                f"{where}: an invoice takes at most {MAX_DESCRIPTIONS} descriptions"
            )


# --- recipients and issuers (spec 6.5) --------------------------------------------------------


def _parties(document: Mapping[str, Any], name: str, default_role: str) -> None:
    for index, child in _children(document, name):
        if destroys(child):
            continue
        where = f"{name}[{index}].role_description"
        description = child.get("role_description")
        if _blank(description):
            continue
        _too_long(where, description, MAX_ROLE_DESCRIPTION)
        role = child.get("role")
        if _blank(role):
            if not _is_new(child):
                continue  # an edit keeps its stored role, which may be "Rola inna"
            role = default_role
        if role != OTHER_ROLE:
            raise ConfigurationError(
                f"{where} goes only with role {OTHER_ROLE!r}, not {_shown(role)}"
            )


# --- calculating_strategy (spec 6.1) ----------------------------------------------------------
#
# [FR] says all three keys "must be sent"; [PL], the canonical source, documents the same keys
# and values and says nothing of the sort. A refusal here could not be overridden: a caller
# whose account takes a partial strategy could not send one at all, while a partial one the
# server refuses costs one 422 that names the field. So a partial strategy goes out; what no
# source documents (another key, another value) never does anything the caller meant, and a
# misspelt key would otherwise go unnoticed, so that is refused. A key set to None (or blank)
# says nothing, as a key left out does.


def _calculating_strategy(value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, Mapping):
        raise ConfigurationError(
            "calculating_strategy must be an object of "
            f"{', '.join(CALCULATING_STRATEGY)}, got {type(value).__name__}"
        )
    for key, choice in value.items():
        allowed = CALCULATING_STRATEGY.get(key)
        if allowed is None:
            raise ConfigurationError(
                f"calculating_strategy takes only {', '.join(CALCULATING_STRATEGY)}, "
                f"got {_shown(key)}"
            )
        if not _blank(choice) and choice not in allowed:
            raise ConfigurationError(
                f"calculating_strategy.{key} must be one of {list(allowed)}, got {_shown(choice)}"
            )
