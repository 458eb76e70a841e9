"""``/clients``: list (filters ``name``, ``email``, ``tax_no``, ``external_id``, ``shortcut``),
get, create, update, delete and merge, in JSON and XML.

``name`` is the only required field (a private person may give ``company: false`` and
``last_name`` instead). ``shortcut`` defaults to the name and is de-duplicated as the service
does (``"Acme (2)"``). ``name`` filters by a case-insensitive substring, the other filters match
exactly. :func:`create_client` is also how an invoice creates its buyer's card.

**Additional fields** ([FR], spec 4.3 and 5.2: ``GET /clients/{id}.json?additional_fields[client]=
bank_account,swift``): ``swift`` is left out of every answer unless asked for by name; a name
asked for is in the answer, null when the card has none. ``bank_account`` is answered by default
all the same: the recorded default answer carries it (spec 6.8, [OBS] ``client_created.json``).
Other names are ignored, as ``additional_fields[invoice]`` ignores them.

**Merge** ([FR]) ``POST /clients/{id}/merge.json`` with a top-level ``merge_ids: [ID2, ID3]``
(also ``"2,3"``, or ``merge_ids[]=`` / ``merge_ids=2,3`` in the query; in XML a
``<merge_ids type="array">`` root, as the XML codec writes that body, or a ``<merge_ids>``
inside any root): the invoices (as buyer, ``client_id``, and as recipient, ``recipient_id``),
payments, warehouse documents and recurring definitions of the merged cards now name ``{id}``
(their buyer fields stay as they are: a document keeps what it was issued with), the merged
cards are deleted, and the answer is the kept card. The kept card's fields do not change. 404
when ``{id}`` does not exist; 422 ``merge_ids`` when it is blank, not a list of ids, names
``{id}`` itself or a card that does not exist (then nothing changes). The linked records are
found through the ``client_id``/``recipient_id`` indexes those resources declare.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from aiohttp import web

from invoceanio.sandbox.pricing import PricingError, parse_decimal
from invoceanio.sandbox.store import Store
from invoceanio.sandbox.wire import (
    INVOICES,
    STORE,
    ApiError,
    flag,
    id_list,
    integer,
    paginate,
    read_document,
    read_field,
    reply,
)

__all__ = ["ADDITIONAL_FIELDS", "COLLECTION", "INDEXES", "create_client", "routes"]

COLLECTION: Final = "clients"
#: An invoice's buyer is matched to a card by these; ``shortcut`` is kept unique.
INDEXES: Final = ("tax_no", "email", "name", "shortcut")
ROOT: Final = "client"
_FLAGS: Final = ("company", "use_delivery_address", "disable_auto_reminders", "use_mass_payment")
_IDS: Final = ("category_id", "department_id", "price_list_id")
#: A decimal column (the buyer's default discount, percent): text such as "NaN" is refused.
_NUMBERS: Final = ("discount",)
_NESTED: Final = frozenset({"tag_list", "dynamic_fields"})
_EXACT_FILTERS: Final = ("email", "tax_no", "external_id", "shortcut")
#: The fields ``additional_fields[client]`` adds (spec 5.2 [FR]), and those of them no answer
#: carries unless asked for.
ADDITIONAL_FIELDS: Final = ("bank_account", "swift")
_ONLY_WHEN_ASKED: Final = frozenset({"swift"})
#: (collection, field) of the records that point at a client, relinked by a merge; each of
#: those resources indexes that field.
LINKED: Final = (
    (INVOICES, "client_id"),
    (INVOICES, "recipient_id"),
    ("banking_payments", "client_id"),
    ("warehouse_documents", "client_id"),
    ("recurrings", "client_id"),
)


def now_text() -> str:
    return datetime.now().astimezone().isoformat(timespec="milliseconds")


def _clean(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Client fields with flags as booleans and ids as ints; 422 on a value of the wrong type."""
    result: dict[str, Any] = {}
    for key, value in fields.items():
        if key in ("id", "api_token"):
            continue
        if isinstance(value, dict | list) and key not in _NESTED:
            raise ApiError.field(key, "is invalid")
        if key in _FLAGS:
            value = flag(value, key)
        elif key in _IDS:
            value = integer(value, key)
        else:
            if key in _NUMBERS:
                try:
                    parse_decimal(value, key)
                except PricingError as error:
                    raise ApiError.field(key, error.message) from None
            if value is not None and not isinstance(value, str | list | dict):
                value = str(value).lower() if isinstance(value, bool) else str(value)
        result[key] = value
    return result


def _unique_shortcut(store: Store, wanted: str, own_id: int | None = None) -> str:
    def taken(shortcut: str) -> bool:
        return any(
            record["id"] != own_id for record in store.find(COLLECTION, "shortcut", shortcut)
        )

    if not taken(wanted):
        return wanted
    n = 2
    while taken(f"{wanted} ({n})"):
        n += 1
    return f"{wanted} ({n})"


def create_client(store: Store, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and store a new client card; 422 when it has no name."""
    data = _clean(fields)
    company = data.get("company", True)
    name = str(data.get("name") or "").strip()
    if not name and not company:
        name = " ".join(
            part for part in (data.get("first_name"), data.get("last_name")) if part
        ).strip()
    if not name:
        raise ApiError.field("name", "can't be blank")
    stamp = now_text()
    record: dict[str, Any] = {
        "id": store.new_id(COLLECTION),
        "name": name,
        "shortcut": None,
        "tax_no": None,
        "email": None,
        "external_id": None,
        "kind": "buyer",
        "company": company,
        "token": secrets.token_hex(10),
        "deleted": False,
        "created_at": stamp,
        "updated_at": stamp,
    }
    record.update(data)
    record["name"] = name
    record["company"] = company
    record["shortcut"] = _unique_shortcut(store, str(data.get("shortcut") or name), None)
    store.add(COLLECTION, record)
    return record


def _answered(record: Mapping[str, Any], query: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The card as the API answers it: without the fields only ``additional_fields[client]``
    shows, plus those the query asks for."""
    shown = {key: value for key, value in record.items() if key not in _ONLY_WHEN_ASKED}
    asked = (query or {}).get("additional_fields[client]", "")
    for name in (part.strip() for part in asked.split(",")):
        if name in ADDITIONAL_FIELDS:
            shown[name] = record.get(name)
    return shown


def _found(request: web.Request) -> dict[str, Any]:
    record = request.app[STORE].get(COLLECTION, int(request.match_info["id"]))
    if record is None:
        raise ApiError(404, "Not found")
    return record


async def list_clients(request: web.Request) -> web.Response:
    query = request.query
    items = request.app[STORE].all(COLLECTION)
    name = query.get("name", "").strip().casefold()
    if name:
        items = [item for item in items if name in str(item.get("name") or "").casefold()]
    for key in _EXACT_FILTERS:
        if key in query:
            items = [item for item in items if str(item.get(key) or "") == query[key]]
    return reply(request, [_answered(item) for item in paginate(query, items)], root=COLLECTION)


async def get_client(request: web.Request) -> web.Response:
    return reply(request, _answered(_found(request), request.query), root=ROOT)


async def create(request: web.Request) -> web.Response:
    fields = await read_document(request, ROOT)
    record = create_client(request.app[STORE], fields)
    return reply(request, _answered(record), root=ROOT, status=201)


async def update(request: web.Request) -> web.Response:
    record = _found(request)
    changes = _clean(await read_document(request, ROOT))
    if "name" in changes and not str(changes["name"] or "").strip():
        raise ApiError.field("name", "can't be blank")
    if changes.get("shortcut"):
        changes["shortcut"] = _unique_shortcut(
            request.app[STORE], str(changes["shortcut"]), record["id"]
        )
    record.update(changes)
    record["updated_at"] = now_text()
    request.app[STORE].add(COLLECTION, record)
    return reply(request, _answered(record), root=ROOT)


async def delete(request: web.Request) -> web.Response:
    record = _found(request)
    request.app[STORE].delete(COLLECTION, record["id"])
    return reply(request, "ok", root="result")


async def merge(request: web.Request) -> web.Response:
    store = request.app[STORE]
    kept = _found(request)
    ids = id_list("merge_ids", await read_field(request, "merge_ids"), query=request.query)
    if kept["id"] in ids:
        raise ApiError.field("merge_ids", "can't include the client that is kept")
    for merged_id in ids:
        if store.get(COLLECTION, merged_id) is None:
            raise ApiError.field("merge_ids", f"{merged_id} does not exist")
    stamp = now_text()
    for collection, field in LINKED:
        if collection not in store.collections:
            continue
        for merged_id in ids:
            for record in store.find(collection, field, merged_id):
                record[field] = kept["id"]
                record["updated_at"] = stamp
                store.add(collection, record)
    for merged_id in ids:
        store.delete(COLLECTION, merged_id)
    kept["updated_at"] = stamp
    store.add(COLLECTION, kept)
    return reply(request, _answered(kept), root=ROOT)


def routes() -> list[web.RouteDef]:
    return [
        web.get("/clients.{fmt:json|xml}", list_clients, name="clients.list"),
        web.post("/clients.{fmt:json|xml}", create, name="clients.create"),
        web.get(r"/clients/{id:\d{1,18}}.{fmt:json|xml}", get_client, name="clients.get"),
        web.put(r"/clients/{id:\d{1,18}}.{fmt:json|xml}", update, name="clients.update"),
        web.patch(r"/clients/{id:\d{1,18}}.{fmt:json|xml}", update, name="clients.patch"),
        web.delete(r"/clients/{id:\d{1,18}}.{fmt:json|xml}", delete, name="clients.delete"),
        web.post(r"/clients/{id:\d{1,18}}/merge.{fmt:json|xml}", merge, name="clients.merge"),
    ]
