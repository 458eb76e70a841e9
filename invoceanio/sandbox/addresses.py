"""``POST /addresses.json``: a client's delivery address ([FR] spec 4.3), JSON only (an ``.xml``
path is no route and answers 404, as the other JSON-only actions do).

The body's root key is ``address``: ``{"name", "kind", "addressable_type", "addressable_id",
"street", "street_additional", "city", "post_code", "country", "primary"}``. Other keys are
ignored, as Rails' permitted parameters drop them. The answer is 201 with the stored address, a
bare object as every create answers: those fields (a text field not sent is null) plus ``id``
and ``created_at``/``updated_at``.

- ``name`` is required;
- ``kind`` is ``delivery`` (the default, and the only kind documented);
- ``addressable_type`` must be ``Client`` and ``addressable_id`` a client that exists;
- ``primary`` takes the usual flag spellings (:func:`wire.flag`) and defaults to false. A
  primary address makes the client's earlier primary one not primary: a client has one.

Errors: 422 ``{"code": "error", "message": {field: [...]}}`` naming every field that is wrong
at once (``name``/``addressable_type``/``addressable_id`` ``can't be blank``, ``kind``/
``addressable_type`` ``is not included in the list``, ``addressable_id`` ``does not exist`` or
``is not a number``, ``primary`` ``is not a flag``, a text field ``is invalid`` when it is an
object, a list or a flag); 400 when the body is malformed or has no ``address`` object.

Addresses are stored in the collection ``addresses`` (``GET /__sandbox__/records/addresses``),
indexed by ``addressable_id`` to find a client's primary address.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, Final

from aiohttp import web

from invoceanio.sandbox.clients import COLLECTION as CLIENTS
from invoceanio.sandbox.clients import now_text
from invoceanio.sandbox.store import Store
from invoceanio.sandbox.wire import STORE, ApiError, flag, integer, read_document, reply

__all__ = ["COLLECTION", "INDEXES", "KINDS", "OWNER_TYPES", "routes"]

COLLECTION: Final = "addresses"
#: A new primary address looks up its client's other addresses by it.
INDEXES: Final = ("addressable_id",)
ROOT: Final = "address"
KINDS: Final = ("delivery",)
OWNER_TYPES: Final = ("Client",)
_TEXT: Final = ("name", "street", "street_additional", "city", "post_code", "country")


def _text(value: Any, field: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # a post code sent as a number is text all the same
    raise ApiError.field(field, "is invalid")


def _choice(value: Any, field: str, allowed: tuple[str, ...], default: str | None) -> str:
    text = _text(value, field)
    if text is None or not text.strip():
        if default is None:
            raise ApiError.field(field, "can't be blank")
        return default
    if text.strip() not in allowed:
        raise ApiError.field(field, "is not included in the list")
    return text.strip()


def _owner(store: Store, value: Any) -> int:
    client_id = integer(value, "addressable_id")
    if client_id is None:
        raise ApiError.field("addressable_id", "can't be blank")
    if store.get(CLIENTS, client_id) is None:
        raise ApiError.field("addressable_id", "does not exist")
    return client_id


def _name(value: Any) -> str:
    name = _text(value, "name")
    if name is None or not name.strip():
        raise ApiError.field("name", "can't be blank")
    return name


def _fields(store: Store, document: Mapping[str, Any]) -> dict[str, Any]:
    """The address's fields, checked; one 422 naming every field that is wrong."""
    checks: dict[str, Callable[[Any], Any]] = {
        "name": _name,
        "kind": lambda value: _choice(value, "kind", KINDS, KINDS[0]),
        "addressable_type": lambda value: _choice(value, "addressable_type", OWNER_TYPES, None),
        "addressable_id": lambda value: _owner(store, value),
        **{field: functools.partial(_text, field=field) for field in _TEXT if field != "name"},
        "primary": lambda value: flag(value, "primary"),
    }
    fields: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for field, check in checks.items():
        try:
            fields[field] = check(document.get(field))
        except ApiError as error:
            if not isinstance(error.message, Mapping):
                raise
            for name, messages in error.message.items():
                errors.setdefault(name, []).extend(messages)
    if errors:
        raise ApiError(422, errors)
    return fields


def _demote_primary(store: Store, client_id: int, stamp: str) -> None:
    """The client's other primary address is no longer primary (a client has one)."""
    for address in store.find(COLLECTION, "addressable_id", client_id):
        if address["primary"]:
            address["primary"] = False
            address["updated_at"] = stamp
            store.add(COLLECTION, address)


async def create(request: web.Request) -> web.Response:
    store = request.app[STORE]
    fields = _fields(store, await read_document(request, ROOT))
    stamp = now_text()
    if fields["primary"]:
        _demote_primary(store, fields["addressable_id"], stamp)
    record: dict[str, Any] = {
        "id": store.new_id(COLLECTION),
        "name": fields["name"],
        "kind": fields["kind"],
        "addressable_type": fields["addressable_type"],
        "addressable_id": fields["addressable_id"],
        **{field: fields[field] for field in _TEXT if field != "name"},
        "primary": fields["primary"],
        "created_at": stamp,
        "updated_at": stamp,
    }
    store.add(COLLECTION, record)
    return reply(request, dict(record), root=ROOT, status=201)


def routes() -> list[web.RouteDef]:
    return [web.post("/addresses.{fmt:json}", create, name="addresses.create")]
