"""The sandbox's plain CRUD resources, built by one factory: :func:`simple_resource`.

Every resource here serves, in JSON and XML (the path suffix selects the format):

- ``GET  {path}.json`` list: bare array, ``page``/``per_page``, exact ``filters``, ``ids=1,2`` or
  ``ids[]=1``, ``name``/``query`` as a case-insensitive substring of the ``name``;
- ``GET  {path}/{id}.json``: the object, 404 ``{"code":"error","message":"Not found"}``;
- ``POST {path}.json`` with ``{root: {...}}``: 201 and the object; a missing required field is a
  422 ``{"code":"error","message":{field: ["can't be blank"]}}``;
- ``PUT``/``PATCH {path}/{id}.json``: 200 and the object (fields merge); a resource with
  ``find_by`` fields also takes ``PUT {path}/{value}.json`` with a top-level
  ``"find_by": field`` (products: ``code``), see :meth:`SimpleResource.target`;
- ``DELETE {path}/{id}.json``: 200 with the JSON string ``"ok"`` (bank accounts: an empty body).

Write requests may also be form-encoded or multipart (``root[field]=...``, as jQuery or
``curl -F`` send them); a file field is kept as Paperclip-style ``{field}_file_name``,
``{field}_content_type``, ``{field}_file_size`` and ``{field}_updated_at`` (department logos).

Field values are normalised as the service answers them: ``*_id`` as ints, ``*_ids`` as lists of
ints, declared flags as booleans, declared money as dot-decimal strings (``"100.05"``; comma
input accepted), anything else as given (numbers as strings). A resource adds its own rules
through the ``prepare`` hook (validation, computed fields, nested children), ``present`` (how a
record is answered) and ``select`` (extra list filters).

Resources: products (§4.4: gross/net from ``tax``, ``warehouse_id`` stock, a ``token`` set on
create and never changed by a request, updated by ``code`` with ``find_by``), categories,
warehouses, payments (``/banking/payments``, root ``banking_payment``, ``include=invoices``; a
paid payment pays its invoices in the order given, so they read back ``partial`` or ``paid``),
departments (logo upload), issuers, bank accounts (de-duplicated by number), webhooks,
recurrings, price lists (nested-attributes hash form; the list takes [FR]
``price_list_ids=1,2``; ``GET /price_lists/{id}/prices_for_products.json``, see
:func:`prices_for_products`), warehouse documents
(``pz``/``wz``/``mm`` with nested ``warehouse_actions``; a ``transaction_date``, the issue date
unless given; their list takes the invoices' ``period``, by default the last 12 months, with
``date_from``/``date_to`` only under ``period=more``, over the date ``search_date_type`` names,
:data:`WAREHOUSE_SEARCH_DATES`) and the ``/warehouse_actions`` list (its dates apply without a
period).
"""

from __future__ import annotations

import copy
import re
import secrets
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Final

from aiohttp import web

from invoceanio.sandbox.clients import now_text
from invoceanio.sandbox.periods import in_period
from invoceanio.sandbox.pricing import PricingError, tax_rate
from invoceanio.sandbox.store import Store
from invoceanio.sandbox.wire import (
    INVOICES,
    STORE,
    ApiError,
    body_fields,
    flag,
    id_list,
    integer,
    paginate,
    parse_date,
    read_document,
    reply,
)

__all__ = [
    "ALL",
    "SimpleResource",
    "bank_accounts",
    "categories",
    "departments",
    "issuers",
    "payments",
    "price_lists",
    "products",
    "recurrings",
    "simple_resource",
    "warehouse_actions",
    "warehouse_documents",
    "warehouses",
    "webhooks",
]

Prepare = Callable[[Store, dict[str, Any], "dict[str, Any] | None"], None]
Present = Callable[[web.Request, dict[str, Any]], dict[str, Any]]
Select = Callable[[Store, Mapping[str, str], list[dict[str, Any]]], list[dict[str, Any]]]
Existing = Callable[[Store, dict[str, Any]], "dict[str, Any] | None"]
Action = Callable[[web.Request], Awaitable[web.Response]]

_ID = r"{id:\d{1,18}}"
# A record named by another field (find_by): one path segment up to the format suffix. Rails'
# segments stop at a dot too, so a value holding one never names a record.
_KEY = r"{key:[^/.]+}"
_FMT = "{fmt:json|xml}"
_NUMBER: Final = re.compile(r"[+-]?(?:[0-9]{1,15}(?:[.,][0-9]{0,6})?|[.,][0-9]{1,6})")
_CENT: Final = Decimal("0.01")


# --- value helpers --------------------------------------------------------------------------


def number(value: Any, name: str) -> Decimal | None:
    """A request number (int, float, ``"1.5"``, ``"1,5"``) as Decimal; None when blank; else 422."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ApiError.field(name, "is not a number")
    if isinstance(value, int) and abs(value) < 10**15:
        return Decimal(value)
    if isinstance(value, float) and value == value and abs(value) < 1e15:
        return Decimal(repr(value))
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        try:
            return Decimal(value.strip().replace(",", "."))
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
            pass
    raise ApiError.field(name, "is not a number")


def money_text(value: Decimal) -> str:
    """Two decimals, dot, never ``-0.00``: ``"100.05"``."""
    rounded = value.quantize(_CENT, rounding=ROUND_HALF_UP)
    return format(rounded.copy_abs() if rounded == 0 else rounded, "f")


def quantity(value: Decimal) -> str:
    """As the service writes a quantity: ``"13.0"``, ``"2.5"``."""
    text = "0" if value == 0 else format(value.normalize(), "f")
    return text if "." in text else text + ".0"


def _rate(value: Any) -> Decimal:
    try:
        return tax_rate(value)
    except PricingError as error:
        raise ApiError.field("tax", str(error).partition(": ")[2] or "is invalid") from None


def _date_text(fields: dict[str, Any], name: str) -> None:
    if name in fields:
        parsed = parse_date(fields[name], name)
        fields[name] = None if parsed is None else parsed.isoformat()


def _too_long(fields: Mapping[str, Any], limits: Mapping[str, int]) -> None:
    for name, limit in limits.items():
        value = fields.get(name)
        if isinstance(value, str) and len(value) > limit:
            raise ApiError.field(name, f"is too long (maximum is {limit} characters)")


def _one_of(fields: Mapping[str, Any], name: str, allowed: Iterable[Any]) -> None:
    if name in fields and fields[name] not in allowed:
        raise ApiError.field(name, "is not included in the list")


def _entries(value: Any, name: str) -> list[dict[str, Any]]:
    """Nested children as a list: a list of objects or the Rails hash form ``{"0": {...}}``."""
    if value is None:
        return []
    if isinstance(value, dict):
        value = [value[key] for key in sorted(value, key=lambda k: (len(str(k)), str(k)))]
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        raise ApiError.field(name, "is invalid")
    return [scalars(entry, name) for entry in value]


def scalar(value: Any, name: str) -> Any:
    """A nested value the codecs can always write back: None, str, bool, int; floats as text."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return repr(value)
    raise ApiError.field(name, "is invalid")


def scalars(entry: Mapping[str, Any], name: str) -> dict[str, Any]:
    return {str(key): scalar(value, f"{name}.{key}") for key, value in entry.items()}


def _id_list(value: Any, name: str) -> list[int]:
    if isinstance(value, str | int) and not isinstance(value, bool):
        value = [part for part in str(value).split(",") if part.strip()]
    if not isinstance(value, list):
        raise ApiError.field(name, "is invalid")
    ids = [integer(item, name) for item in value]
    return [item for item in ids if item is not None]


def _query_ids(query: Mapping[str, str], name: str) -> set[int] | None:
    """The ids ``name=1,2`` / ``name[]=1`` name (None: not given; blank entries name none).
    A value that is no id is a 422 ``{name: ["is not a number"]}``, as the invoice list answers
    a bad ``invoice_ids`` (:func:`wire.integer`: ASCII digits only; ``str.isdigit`` also takes
    ``"²"``, which ``int`` then refuses)."""
    raw: list[str] = []
    if hasattr(query, "getall"):
        raw = list(query.getall(f"{name}[]", []))
    if name in query:
        raw.extend(query[name].split(","))
    if not raw:
        return None
    ids = (integer(part, name) for part in raw)
    return {item for item in ids if item is not None}


def _query_date(query: Mapping[str, str], name: str) -> date | None:
    try:
        return parse_date(query.get(name), name)
    except ApiError:
        return None


def _day(value: Any) -> date | None:
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


# --- the factory ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SimpleResource:
    """A CRUD resource over one store collection; ``COLLECTION`` and :meth:`routes` make it a
    sandbox resource (see :data:`invoceanio.sandbox.app.RESOURCES`)."""

    COLLECTION: str
    root: str
    path: str
    #: fields :meth:`Store.find` looks records up by (registered by the app)
    INDEXES: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    defaults: Mapping[str, Any] = field(default_factory=dict)
    flags: tuple[str, ...] = ()
    money: tuple[str, ...] = ()
    #: other decimal fields: checked as numbers (422 for "NaN", "abc"), stored as sent
    numbers: tuple[str, ...] = ()
    nested: frozenset[str] = frozenset()
    filters: tuple[str, ...] = ()
    keep: frozenset[str] = frozenset()
    prepare: Prepare | None = None
    present: Present | None = None
    select: Select | None = None
    existing: Existing | None = None
    on_delete: Callable[[Store, dict[str, Any]], None] | None = None
    delete_body: str | None = "ok"
    list_root: str = ""
    read_only: bool = False
    #: member actions, ``GET {path}/{id}/{name}.json``: name -> handler
    actions: Mapping[str, Action] = field(default_factory=dict)
    #: fields an update may name its record by instead of the id (each one in ``INDEXES``)
    find_by: tuple[str, ...] = ()

    # -- fields --

    def clean(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in fields.items():
            if (key in ("id", "api_token") and key not in self.keep) or key.startswith("_"):
                continue
            if key in self.nested:
                result[key] = value
            elif key.endswith("_ids"):
                result[key] = _id_list(value, key) if value is not None else []
            elif isinstance(value, dict | list):
                raise ApiError.field(key, "is invalid")
            elif key in self.flags:
                result[key] = flag(value, key)
            elif key.endswith("_id"):
                result[key] = integer(value, key)
            elif key in self.money:
                parsed = number(value, key)
                result[key] = None if parsed is None else money_text(parsed)
            elif key in self.numbers:
                number(value, key)
                result[key] = value if value is None or isinstance(value, str) else str(value)
            elif value is None or isinstance(value, str | bool):
                result[key] = value
            else:
                result[key] = str(value)
        return result

    def _blank(self, record: Mapping[str, Any], names: Iterable[str]) -> None:
        missing = {
            name: ["can't be blank"]
            for name in names
            if record.get(name) is None or not str(record.get(name)).strip()
        }
        if missing:
            raise ApiError(422, missing)

    def _show(self, request: web.Request, record: dict[str, Any]) -> dict[str, Any]:
        return record if self.present is None else self.present(request, record)

    def _found(self, request: web.Request) -> dict[str, Any]:
        if "id" not in request.match_info:
            raise ApiError(404, "Not found")  # a path value that is no id, as Rails' find says
        record = request.app[STORE].get(self.COLLECTION, int(request.match_info["id"]))
        if record is None:
            raise ApiError(404, "Not found")
        return record

    async def _find_by(self, request: web.Request) -> str | None:
        """The ``find_by`` of an update: a top-level body field (beside the root key) or a
        query parameter, the body first as in Rails' params. 422 for a field it cannot be."""
        if not self.find_by:
            return None
        given: Any = request.query.get("find_by")
        body = await body_fields(request)  # {} when malformed: read_document answers that
        if "find_by" in body:
            given = body["find_by"]
        if given is None or given == "":
            return None
        if given not in self.find_by:
            raise ApiError.field("find_by", "is not included in the list")
        return str(given)

    async def target(self, request: web.Request) -> dict[str, Any]:
        """The record an update names: by the id in the path, or with ``find_by`` by that field
        (``PUT /products/ABC-1.json`` + ``"find_by": "code"``, spec 4.4 [FR]; a numeric path
        value is then a code too). Several records with the value: the oldest, as Rails'
        ``find_by`` answers the first. 404 when none has it."""
        field_name = await self._find_by(request)
        if field_name is None:
            return self._found(request)
        value = request.match_info.get("key", request.match_info.get("id"))
        matches = request.app[STORE].find(self.COLLECTION, field_name, value)
        if not matches:
            raise ApiError(404, "Not found")
        return min(matches, key=lambda record: int(record["id"]))

    async def _document(self, request: web.Request) -> dict[str, Any]:
        """The request's fields, cleaned. A form body is read by the sandbox's one form
        parser (:func:`wire.read_document`), so ``root[children][0][field]`` nests as in
        JSON; a file (``department[logo]``) is kept as Paperclip's four fields."""
        document = await read_document(request, self.root, uploads=True)
        files = {k: v for k, v in document.items() if isinstance(v, web.FileField)}
        cleaned = self.clean({k: v for k, v in document.items() if k not in files})
        for name, upload in files.items():
            size = len(upload.file.read())
            cleaned[f"{name}_file_name"] = upload.filename
            cleaned[f"{name}_content_type"] = upload.content_type
            cleaned[f"{name}_file_size"] = size
            cleaned[f"{name}_updated_at"] = now_text()
        return cleaned

    # -- handlers --

    async def index(self, request: web.Request) -> web.Response:
        store, query = request.app[STORE], request.query
        items = store.all(self.COLLECTION)
        for key in self.filters:
            if query.get(key, "").strip():
                items = [i for i in items if str(i.get(key) or "") == query[key].strip()]
        ids = _query_ids(query, "ids")
        if ids is not None:
            items = [item for item in items if item["id"] in ids]
        text = (query.get("name") or query.get("query") or "").strip().casefold()
        if text:
            items = [item for item in items if text in str(item.get("name") or "").casefold()]
        if self.select is not None:
            items = self.select(store, query, items)
        page = [self._show(request, item) for item in paginate(query, items)]
        return reply(request, page, root=self.list_root or self.COLLECTION)

    async def show(self, request: web.Request) -> web.Response:
        return reply(request, self._show(request, self._found(request)), root=self.root)

    async def create(self, request: web.Request) -> web.Response:
        store = request.app[STORE]
        fields = await self._document(request)
        if self.existing is not None and (found := self.existing(store, fields)) is not None:
            return reply(request, self._show(request, found), root=self.root, status=201)
        stamp = now_text()
        record: dict[str, Any] = {"id": 0, **copy.deepcopy(dict(self.defaults))}
        record.update(fields)
        self._blank(record, self.required)
        if self.prepare is not None:
            self.prepare(store, record, None)
        record["id"] = store.new_id(self.COLLECTION)
        record.setdefault("created_at", stamp)
        record["updated_at"] = stamp
        store.add(self.COLLECTION, record)
        if self.prepare is not None:
            self.prepare(store, record, record)  # a second pass: children learn the parent's id
        return reply(request, self._show(request, record), root=self.root, status=201)

    async def update(self, request: web.Request) -> web.Response:
        record = await self.target(request)
        fields = await self._document(request)
        self._blank(fields, (name for name in self.required if name in fields))
        if self.prepare is not None:
            self.prepare(request.app[STORE], fields, record)
        record.update(fields)
        record["updated_at"] = now_text()
        request.app[STORE].add(self.COLLECTION, record)  # refiles it under its new values
        return reply(request, self._show(request, record), root=self.root)

    async def delete(self, request: web.Request) -> web.Response:
        store = request.app[STORE]
        record = self._found(request)
        if self.on_delete is not None:
            self.on_delete(store, record)
        store.delete(self.COLLECTION, record["id"])
        if self.delete_body is None:
            return web.Response(status=200, body=b"")
        return reply(request, self.delete_body, root="result")

    def routes(self) -> list[web.RouteDef]:
        name, member = self.COLLECTION, f"{self.path}/{_ID}.{_FMT}"
        routes = [web.get(f"{self.path}.{_FMT}", self.index, name=f"{name}.list")]
        routes += [
            web.get(f"{self.path}/{_ID}/{action}.{{fmt:json}}", handler, name=f"{name}.{action}")
            for action, handler in self.actions.items()
        ]
        if self.read_only:
            return routes
        return [
            *routes,
            web.post(f"{self.path}.{_FMT}", self.create, name=f"{name}.create"),
            web.get(member, self.show, name=f"{name}.get"),
            web.put(member, self.update, name=f"{name}.update"),
            web.patch(member, self.update, name=f"{name}.patch"),
            web.delete(member, self.delete, name=f"{name}.delete"),
            *self._key_routes(),
        ]

    def _key_routes(self) -> list[web.RouteDef]:
        """``{path}/{value}.json`` for ``find_by`` updates. A GET or DELETE there names no
        record (only the update is documented by another field) and answers 404 as Rails'
        ``find`` does, not the 405 a PUT-only path would."""
        if not self.find_by:
            return []
        name, member = self.COLLECTION, f"{self.path}/{_KEY}.{_FMT}"
        return [
            web.put(member, self.update, name=f"{name}.update_by_key"),
            web.patch(member, self.update, name=f"{name}.patch_by_key"),
            web.get(member, self.show, name=f"{name}.get_by_key"),
            web.delete(member, self.delete, name=f"{name}.delete_by_key"),
        ]


def simple_resource(collection: str, root: str, **options: Any) -> SimpleResource:
    """A resource at ``/{collection}`` (or ``path=``) whose objects sit under ``root``."""
    options.setdefault("path", f"/{collection}")
    return SimpleResource(collection, root, **options)


# --- products ---------------------------------------------------------------------------------

PRODUCT_MONEY: Final = ("price_net", "price_gross", "price_tax", "purchase_price_net")
PRODUCT_MONEY_ALL: Final = (*PRODUCT_MONEY, "purchase_price_gross", "purchase_price_tax")


def product_token() -> str:
    """A product's public token (the payment widget's ``/a/{prefix}/p/{token}.js``)."""
    return secrets.token_urlsafe(15)


def _prepare_product(store: Store, fields: dict[str, Any], existing: dict[str, Any] | None) -> None:
    if existing is fields:
        return
    fields.pop("token", None)  # the service's own: set on create, never changed
    if existing is None:
        fields["token"] = product_token()
    for name in ("stock_level", "quantity", "warehouse_quantity"):
        if name in fields:
            parsed = number(fields[name], name)
            fields[name] = None if parsed is None else quantity(parsed)
    details = fields.get("package_products_details")
    if details is not None:
        fields["package_products_details"] = {
            str(n): entry for n, entry in enumerate(_entries(details, "package_products_details"))
        }
    for name in ("tag_list", "gtu_codes"):
        if isinstance(fields.get(name), list):
            fields[name] = [str(scalar(item, name)) for item in fields[name]]
        elif name in fields and fields[name] is not None:
            fields[name] = [
                str(part).strip() for part in str(scalar(fields[name], name)).split(",")
            ]
    current = {} if existing is None else existing
    tax = fields.get("tax", current.get("tax"))
    rate = _rate(tax) / 100
    fields["tax"] = str(tax).strip()
    if existing is not None:
        # Update: price_net cannot be set directly; it follows price_gross and tax.
        fields.pop("price_net", None)
    gross = number(fields.get("price_gross"), "price_gross")
    net = number(fields.get("price_net"), "price_net")
    if gross is None and net is None and existing is not None and "tax" in fields:
        gross = number(current.get("price_gross"), "price_gross")
    if gross is not None:
        net = gross / (1 + rate)
    elif net is not None:
        gross = net * (1 + rate)
    if gross is not None and net is not None:
        fields["price_gross"], fields["price_net"] = money_text(gross), money_text(net)
        fields["price_tax"] = money_text(
            Decimal(fields["price_gross"]) - Decimal(fields["price_net"])
        )
    for name in ("price_net", "price_gross", "price_tax"):
        if existing is None and fields.get(name) is None:
            fields[name] = "0.00"
    purchase_net = number(fields.get("purchase_price_net"), "purchase_price_net")
    if purchase_net is not None:
        purchase_rate = _rate(fields.get("purchase_tax", current.get("purchase_tax", tax))) / 100
        fields["purchase_price_gross"] = money_text(purchase_net * (1 + purchase_rate))


def stock(store: Store, product_id: int, warehouse_id: int) -> Decimal:
    """The product's quantity in a warehouse after every stored warehouse action."""
    total = Decimal(0)
    for action in store.all("warehouse_actions"):
        if action.get("product_id") != product_id:
            continue
        amount = number(action.get("quantity"), "quantity") or Decimal(0)
        kind = action.get("kind")
        if action.get("warehouse_id") == warehouse_id:
            total += amount if kind in ("pz", "pw", "pzk") else -amount
        if kind == "mm" and action.get("warehouse2_id") == warehouse_id:
            total += amount
    return total


def _present_product(request: web.Request, record: dict[str, Any]) -> dict[str, Any]:
    warehouse = _query_ids(request.query, "warehouse_id")
    if not warehouse:
        return record
    shown = dict(record)
    shown["warehouse_quantity"] = quantity(stock(request.app[STORE], record["id"], min(warehouse)))
    return shown


def _select_products(
    store: Store, query: Mapping[str, str], items: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    mode = query.get("filter", "").strip()
    if mode == "disabled":
        items = [item for item in items if item.get("disabled")]
    elif mode != "all":
        items = [item for item in items if not item.get("disabled")]
    since = _query_date(query, "date_from")
    if since is not None:
        items = [item for item in items if (_day(item.get("updated_at")) or since) >= since]
    return items


products: Final = simple_resource(
    "products",
    "product",
    INDEXES=("code",),  # an update by code (find_by) looks it up
    required=("name",),
    defaults={
        "code": None,
        "ean_code": None,
        "description": None,
        "tax": "23",
        "currency": "PLN",
        "category_id": None,
        "service": False,
        "disabled": False,
        "package": False,
        "quantity_unit": "szt.",
        "stock_level": None,
        "token": None,
    },
    flags=("service", "electronic_service", "limited", "package", "disabled", "use_moss"),
    money=PRODUCT_MONEY_ALL,
    numbers=("size", "size_width", "size_height", "weight"),
    nested=frozenset({"tag_list", "gtu_codes", "package_products_details"}),
    filters=("category_id", "code"),
    prepare=_prepare_product,
    present=_present_product,
    select=_select_products,
    # Spec 4.4 [FR]: "PUT /products/{CODE}.json with top-level find_by: code".
    find_by=("code",),
)

# --- categories, warehouses, issuers, webhooks -----------------------------------------------

categories: Final = simple_resource(
    "categories", "category", required=("name",), defaults={"name": None, "description": None}
)

warehouses: Final = simple_resource(
    "warehouses",
    "warehouse",
    required=("name",),
    defaults={"name": None, "kind": None, "description": None},
    filters=("kind",),
)

issuers: Final = simple_resource(
    "issuers",
    "issuer",
    required=("name",),
    defaults={"name": None, "tax_no": None, "company": True, "role": None, "deleted": False},
    flags=("company", "deleted"),
    numbers=("participation",),
    filters=("tax_no", "role"),
)

WEBHOOK_KINDS: Final = tuple(
    f"{subject}:{event}"
    for subject in ("client", "invoice", "product")
    for event in ("create", "update", "destroy")
)


def _prepare_webhook(store: Store, fields: dict[str, Any], existing: dict[str, Any] | None) -> None:
    _one_of(fields, "kind", WEBHOOK_KINDS)
    url = fields.get("url")
    if url is not None and not re.match(r"https?://\S+$", str(url)):
        raise ApiError.field("url", "is invalid")


webhooks: Final = simple_resource(
    "webhooks",
    "webhook",
    required=("kind", "url"),
    defaults={"kind": None, "url": None, "api_token": None, "active": True},
    flags=("active",),
    filters=("kind",),
    keep=frozenset({"api_token"}),
    prepare=_prepare_webhook,
)

# --- payments ---------------------------------------------------------------------------------


def _settle(store: Store, payment: Mapping[str, Any]) -> None:
    """A paid payment pays its invoices in the order given (spec 4.7): each takes what it still
    owes, up to what is left of the payment, and reads back ``partial`` or ``paid``."""
    left = Decimal(str(payment.get("price") or "0"))
    for invoice_id in payment.get("invoice_ids") or []:
        invoice = store.get(INVOICES, invoice_id) if isinstance(invoice_id, int) else None
        if invoice is None or left <= 0:
            continue
        gross, paid = (
            Decimal(invoice.get("price_gross") or "0"),
            Decimal(invoice.get("paid") or "0"),
        )
        applied = min(left, max(gross - paid, Decimal(0)))
        if applied <= 0:
            continue
        left -= applied
        invoice["paid"] = money_text(paid + applied)
        invoice["status"] = "paid" if paid + applied >= gross else "partial"
        if invoice["status"] == "paid":
            paid_on = _day(payment.get("paid_date")) or date.today()
            invoice["paid_date"] = paid_on.isoformat()
        invoice["updated_at"] = now_text()
        store.add(INVOICES, invoice)


def _timestamp(fields: dict[str, Any]) -> None:
    """A payment's ``paid_date`` as the live API keeps it (api-quirks): a timestamp with its
    offset, whatever it was sent as. A day alone is its midnight and a time without an offset
    is local time, as Rails reads them in the account's zone; blank text is no date."""
    given = fields.get("paid_date")
    if not isinstance(given, str):
        return
    text = given.strip()
    if not text:
        fields["paid_date"] = None
        return
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return  # not a date: kept as sent, as before
    fields["paid_date"] = moment.astimezone().isoformat(timespec="milliseconds")


def _prepare_payment(store: Store, fields: dict[str, Any], existing: dict[str, Any] | None) -> None:
    if existing is fields:  # second pass: the payment is stored
        if fields.get("paid"):
            _settle(store, fields)
        return
    if fields.get("invoice_id") is not None and not fields.get("invoice_ids"):
        fields["invoice_ids"] = [fields["invoice_id"]]
    _timestamp(fields)
    if fields.get("paid") and not fields.get("paid_date") and not (existing or {}).get("paid_date"):
        fields["paid_date"] = now_text()
    if fields.get("price") is not None and Decimal(fields["price"]) < 0:
        raise ApiError.field("price", "must be greater than or equal to 0")
    if existing is not None and fields.get("paid") and not existing.get("paid"):
        # An update that turns paid on (spec 4.7's PATCH) pays the invoices as a paid create
        # does, with the payment as it will be stored. Only then: a paid payment's invoices
        # were paid when it was, and an edit of it must not pay them twice.
        _settle(store, {**existing, **fields})


def _present_payment(request: web.Request, record: dict[str, Any]) -> dict[str, Any]:
    if request.query.get("include") != "invoices":
        return record
    store = request.app[STORE]
    ids = record.get("invoice_ids") or []
    found = [store.get(INVOICES, i) for i in ids if isinstance(i, int)]
    return {**record, "invoices": [invoice for invoice in found if invoice is not None]}


def _select_payments(
    store: Store, query: Mapping[str, str], items: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    start, end = _query_date(query, "date_from"), _query_date(query, "date_to")
    if start or end:
        days = [(item, _day(item.get("paid_date") or item.get("created_at"))) for item in items]
        items = [
            item
            for item, day in days
            if day is not None and (not start or day >= start) and (not end or day <= end)
        ]
    for name, keep in (("amount_from", Decimal.__ge__), ("amount_to", Decimal.__le__)):
        try:
            bound = number(query.get(name), name)
        except ApiError:
            bound = None
        if bound is not None:
            items = [i for i in items if keep(Decimal(i.get("price") or "0"), bound)]
    return items


payments: Final = simple_resource(
    "banking_payments",
    "banking_payment",
    path="/banking/payments",
    # a merge relinks payments by client; an invoice's connected_payments are found by id
    INDEXES=("client_id", "invoice_ids"),
    list_root="banking_payments",
    required=("price",),
    defaults={
        "name": None,
        "price": None,
        "currency": "PLN",
        "description": None,
        "paid": False,
        "paid_date": None,
        "kind": "api",
        "invoice_id": None,
        "invoice_ids": [],
        "client_id": None,
        "department_id": None,
        "oid": None,
        "provider": "transfer",
        "deleted": False,
    },
    flags=("paid", "generate_invoice", "deleted"),
    money=("price",),
    filters=("client_id", "bank_account_id", "invoice_id", "oid", "kind"),
    prepare=_prepare_payment,
    present=_present_payment,
    select=_select_payments,
)

# --- departments, bank accounts ---------------------------------------------------------------


def _prepare_department(
    store: Store, fields: dict[str, Any], existing: dict[str, Any] | None
) -> None:
    if existing is fields:
        return
    _too_long(fields, {"invoice_description": 256})
    extra = fields.get("additional_fields")
    if extra is not None:
        if not isinstance(extra, dict):
            raise ApiError.field("additional_fields", "is invalid")
        fields["additional_fields"] = {
            **((existing or {}).get("additional_fields") or {}),
            **scalars(extra, "additional_fields"),
        }
    if existing is None and not fields.get("shortcut"):
        fields["shortcut"] = fields.get("name")


departments: Final = simple_resource(
    "departments",
    "department",
    required=("name",),
    defaults={
        "name": None,
        "shortcut": None,
        "tax_no": None,
        "main": False,
        "invoice_description": None,
        "logo_file_name": None,
        "deleted": False,
    },
    flags=("main", "own_footer", "use_pattern", "own_email_settings", "restrict_warehouses"),
    numbers=("cash_init_state",),
    nested=frozenset({"additional_fields"}),
    filters=("tax_no", "shortcut"),
    prepare=_prepare_department,
)

OWN_ACCOUNT_TYPES: Final = ("debt_assignment", "debt_collection", "bank_own_business", None)


def _normal_number(value: Any) -> str:
    return re.sub(r"[\s-]", "", str(value or "")).upper()


def _prepare_bank_account(
    store: Store, fields: dict[str, Any], existing: dict[str, Any] | None
) -> None:
    if existing is fields:
        return
    _too_long(fields, {"name": 255, "bank_name": 256, "account_description": 256})
    _one_of(fields, "own_bank_account_type", OWN_ACCOUNT_TYPES)
    links = fields.get("bank_account_version_departments")
    if links is not None:
        entries = _entries(links, "bank_account_version_departments")
        for entry in entries:
            entry["department_id"] = integer(entry.get("department_id"), "department_id")
            for name in ("show_on_invoice", "main_on_department"):
                entry[name] = flag(entry.get(name), name)
        old = (existing or {}).get("bank_account_version_departments") or []
        removed = {e["department_id"] for e in entries if flag(e.pop("remove", None), "remove")}
        kept = {e["department_id"]: e for e in old if e.get("department_id") not in removed}
        kept.update({e["department_id"]: e for e in entries if e["department_id"] not in removed})
        fields["bank_account_version_departments"] = list(kept.values())


def _existing_bank_account(store: Store, fields: dict[str, Any]) -> dict[str, Any] | None:
    wanted = _normal_number(fields.get("bank_account_number"))
    if not wanted:
        return None
    for record in store.all("bank_accounts"):
        if _normal_number(record.get("bank_account_number")) == wanted:
            return record
    return None


def _present_bank_account(request: web.Request, record: dict[str, Any]) -> dict[str, Any]:
    return {**record, "bank_account_id": record["id"]}


bank_accounts: Final = simple_resource(
    "bank_accounts",
    "bank_account",
    required=("bank_account_number",),
    defaults={
        "name": None,
        "bank_name": "Rachunek bankowy",
        "bank_account_number": None,
        "bank_currency": "PLN",
        "bank_swift": None,
        "account_description": None,
        "own_bank_account": False,
        "own_bank_account_type": None,
        "factor_bank_account": False,
        "bank_account_version_departments": [],
    },
    flags=("own_bank_account", "factor_bank_account"),
    nested=frozenset({"bank_account_version_departments"}),
    filters=("bank_currency",),
    prepare=_prepare_bank_account,
    present=_present_bank_account,
    existing=_existing_bank_account,
    delete_body=None,
)

# --- recurrings -------------------------------------------------------------------------------

_EVERY: Final = re.compile(r"[1-9][0-9]?[dwmy]")


def _prepare_recurring(
    store: Store, fields: dict[str, Any], existing: dict[str, Any] | None
) -> None:
    if existing is fields:
        return
    if fields.get("end_date") in ("null", ""):
        fields["end_date"] = None
    for name in ("start_date", "next_invoice_date", "end_date"):
        _date_text(fields, name)
    every = fields.get("every")
    if every is not None and not _EVERY.fullmatch(str(every)):
        raise ApiError.field("every", "is not included in the list")
    merged = {**(existing or {}), **fields}
    if merged.get("only_year_month") and merged.get("end_of_month_sell_date"):
        raise ApiError.field("end_of_month_sell_date", "can't be used with only_year_month")
    if existing is None:
        fields["start_date"] = fields.get("start_date") or date.today().isoformat()
        fields["next_invoice_date"] = fields.get("next_invoice_date") or fields["start_date"]


recurrings: Final = simple_resource(
    "recurrings",
    "recurring",
    INDEXES=("client_id",),  # a merge relinks them
    required=("name",),
    defaults={
        "name": None,
        "invoice_id": None,
        "start_date": None,
        "next_invoice_date": None,
        "end_date": None,
        "every": "1m",
        "send_email": False,
        "buyer_email": None,
        "create_as_paid": False,
        "deleted": False,
    },
    flags=(
        "issue_working_day_only",
        "only_year_month",
        "end_of_month_sell_date",
        "invoice_pattern_enabled",
        "convert_to_vat_invoice",
        "create_as_paid",
        "send_email",
        "email_notification_enabled",
        "income",
        "deleted",
    ),
    money=("price_gross",),
    numbers=("quantity",),
    filters=("invoice_id", "client_id"),
    prepare=_prepare_recurring,
)

# --- price lists ------------------------------------------------------------------------------

PRICE_LIST_POSITION_FLAGS: Final = ("use_percentage", "use_tax")


def _position(store: Store, entry: dict[str, Any]) -> dict[str, Any]:
    name = "price_list_positions"
    result: dict[str, Any] = {"priceable_type": "Product"}
    for key, value in entry.items():
        if key in ("id", "_destroy"):
            continue
        if isinstance(value, dict | list):
            raise ApiError.field(f"{name}.{key}", "is invalid")
        if key in PRICE_LIST_POSITION_FLAGS:
            result[key] = flag(value, f"{name}.{key}")
        elif key.endswith("_id"):
            result[key] = integer(value, f"{name}.{key}")
        elif key in ("percentage", "price_net", "price_gross"):
            parsed = number(value, f"{name}.{key}")
            result[key] = None if parsed is None else money_text(parsed)
        else:
            result[key] = value if value is None or isinstance(value, str) else str(value)
    return result


def _prepare_price_list(
    store: Store, fields: dict[str, Any], existing: dict[str, Any] | None
) -> None:
    if existing is fields:
        return
    given = fields.pop("price_list_positions_attributes", None)
    if given is None:
        given = fields.pop("price_list_positions", None)
    if given is None:
        if existing is None:
            fields["price_list_positions"] = []
        return
    positions = [dict(p) for p in (existing or {}).get("price_list_positions", [])]
    by_id = {p["id"]: p for p in positions}
    for entry in _entries(given, "price_list_positions_attributes"):
        own = integer(entry.get("id"), "price_list_positions.id")
        if own is None:
            positions.append(
                {"id": store.new_id("price_list_positions"), **_position(store, entry)}
            )
            continue
        if own not in by_id:
            raise ApiError.field("price_list_positions.id", "not found")
        if flag(entry.get("_destroy"), "price_list_positions._destroy"):
            positions = [p for p in positions if p["id"] != own]
        else:
            by_id[own].update(_position(store, entry))
    fields["price_list_positions"] = positions


def _present_price_list(request: web.Request, record: dict[str, Any]) -> dict[str, Any]:
    if not (request.match_info.route.name or "").endswith(".list"):
        return record
    return {key: value for key, value in record.items() if key != "price_list_positions"}


def _list_price(
    product: Mapping[str, Any], position: Mapping[str, Any] | None, currency: Any
) -> dict[str, Any]:
    use_tax = position is not None and position.get("use_tax") and position.get("tax") is not None
    tax = position["tax"] if use_tax and position is not None else product.get("tax")
    rate = _rate(tax) / 100
    net = number(product.get("price_net"), "price_net") or Decimal(0)
    gross = None
    if position is not None and position.get("use_percentage"):
        change = number(position.get("percentage"), "percentage") or Decimal(0)
        net = max(net * (100 + change) / 100, Decimal(0))
    elif position is not None and (position.get("price_net") or position.get("price_gross")):
        given_net = number(position.get("price_net"), "price_net")
        gross = number(position.get("price_gross"), "price_gross")
        if given_net is not None:
            net = given_net
        elif gross is not None:
            net = gross / (1 + rate)
    if gross is None:
        gross = net * (1 + rate)
    return {
        "price_net": money_text(net),
        "price_gross": money_text(gross),
        "tax": None if tax is None else str(tax),
        "currency": currency,
        "category_id": product.get("category_id"),
    }


def price_list_pricer(
    store: Store, price_list_id: Any
) -> Callable[[Mapping[str, Any]], dict[str, Any]] | None:
    """The prices a product takes under the price list ``price_list_id`` (the list's position
    for it, else the product's own), as ``prices_for_products`` answers them; None when there
    is no such list. An invoice with ``use_prices_from_price_lists`` prices its positions so."""
    if not isinstance(price_list_id, int):
        return None
    price_list = store.get(price_lists.COLLECTION, price_list_id)
    if price_list is None:
        return None
    by_product: dict[int, Mapping[str, Any]] = {}
    for position in price_list.get("price_list_positions") or []:
        if position.get("priceable_type") in (None, "Product"):
            product_id = position.get("priceable_id")
            if isinstance(product_id, int):
                by_product.setdefault(product_id, position)

    def prices(product: Mapping[str, Any]) -> dict[str, Any]:
        product_id = product.get("id")
        listed = by_product.get(product_id) if isinstance(product_id, int) else None
        return _list_price(product, listed, price_list.get("currency"))

    return prices


async def prices_for_products(request: web.Request) -> web.Response:
    """``GET /price_lists/{id}/prices_for_products.json?product_ids[]=1&product_ids[]=2``
    ([FR]): ``{"1": {price_net, price_gross, tax, currency, category_id}, ...}``.

    A product on the list gets the list's price: a fixed ``price_net`` (gross from the tax) or
    ``price_gross`` (net from the tax), or with ``use_percentage`` the product's net price
    changed by ``percentage`` percent (``-10``: 10% off, ``5``: 5% more; the spec does not say
    which way it counts, this is the sandbox's reading), gross from the tax. The tax is the
    position's with ``use_tax``, else the product's; ``currency`` the list's. A product not on
    the list gets its own prices; an id that names no product is left out. 404 for an unknown
    list, 422 without ``product_ids`` or when one is not a number.
    """
    store = request.app[STORE]
    prices = price_list_pricer(store, int(request.match_info["id"]))
    if prices is None:
        raise ApiError(404, "Not found")
    wanted = id_list("product_ids", query=request.query)
    answer = {}
    for product_id in wanted:
        product = store.get(products.COLLECTION, product_id)
        if product is not None:
            answer[str(product_id)] = prices(product)
    return reply(request, answer, root="prices")


def _select_price_lists(
    store: Store, query: Mapping[str, str], items: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """[FR] ``price_list_ids=1,2`` (or ``price_list_ids[]=1``, as the client sends a list):
    only the lists it names, as ``ids`` does."""
    wanted = _query_ids(query, "price_list_ids")
    return items if wanted is None else [item for item in items if item["id"] in wanted]


price_lists: Final = simple_resource(
    "price_lists",
    "price_list",
    required=("name",),
    defaults={"name": None, "description": None, "currency": "PLN", "deleted": False},
    flags=("deleted",),
    nested=frozenset({"price_list_positions_attributes", "price_list_positions"}),
    filters=("currency",),
    prepare=_prepare_price_list,
    select=_select_price_lists,
    present=_present_price_list,
    actions={"prices_for_products": prices_for_products},
)

# --- warehouse documents and actions ----------------------------------------------------------

WAREHOUSE_KINDS: Final = ("pz", "wz", "mm", "pw", "rw", "pzk", "wzk", "zt")
ACTIONS: Final = "warehouse_actions"
ACTION_MONEY: Final = ("price_net", "purchase_price_net", "price_gross", "purchase_price_gross")


def _product_for(store: Store, action: dict[str, Any]) -> None:
    """``product_name`` without ``product_id`` finds the product by name or creates it."""
    if action.get("product_id") is not None or not action.get("product_name"):
        return
    name = str(action["product_name"])
    for product in store.all(products.COLLECTION):
        if product.get("name") == name:
            action["product_id"] = product["id"]
            return
    stamp = now_text()
    record = {**copy.deepcopy(dict(products.defaults)), "name": name, "token": product_token()}
    record.update({"id": store.new_id(products.COLLECTION), "created_at": stamp})
    record["updated_at"] = stamp
    action["product_id"] = store.add(products.COLLECTION, record)["id"]


def _action(entry: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in entry.items():
        if key in ("id", "_destroy"):
            continue
        if isinstance(value, dict | list):
            raise ApiError.field(f"{ACTIONS}.{key}", "is invalid")
        if key.endswith("_id"):
            result[key] = integer(value, f"{ACTIONS}.{key}")
        elif key in ACTION_MONEY:
            parsed = number(value, f"{ACTIONS}.{key}")
            result[key] = None if parsed is None else money_text(parsed)
        elif key == "quantity":
            parsed = number(value, f"{ACTIONS}.quantity")
            result[key] = quantity(Decimal(1) if parsed is None else parsed)
        elif key in ("tax", "purchase_tax"):
            _rate(value)
            result[key] = None if value is None else str(value)
        else:
            result[key] = value if value is None or isinstance(value, str) else str(value)
    return result


def _prepare_document(
    store: Store, fields: dict[str, Any], existing: dict[str, Any] | None
) -> None:
    if existing is fields:  # second pass after create: give the actions the document's id
        for action in fields.get(ACTIONS, []):
            _sync(store, fields, action)
        return
    _one_of(fields, "kind", WAREHOUSE_KINDS)
    _date_text(fields, "issue_date")
    _date_text(fields, "transaction_date")
    if existing is None:
        fields["issue_date"] = fields.get("issue_date") or date.today().isoformat()
        # The sandbox's choice: the spec names the date (search_date_type) but not its default.
        fields["transaction_date"] = fields.get("transaction_date") or fields["issue_date"]
        if not fields.get("number"):
            issued = date.fromisoformat(fields["issue_date"])
            fields["number"] = store.next_number(str(fields["kind"]), issued)
    elif "number" in fields and not fields["number"]:
        fields.pop("number")
    client = store.get("clients", fields["client_id"]) if fields.get("client_id") else None
    if client is not None and not fields.get("client_name"):
        fields["client_name"] = client.get("name")
    given = fields.pop(ACTIONS, None)
    if given is None:
        if existing is None:
            fields[ACTIONS] = []
        return
    actions = list((existing or {}).get(ACTIONS, []))
    by_id = {a["id"]: a for a in actions}
    for entry in _entries(given, ACTIONS):
        own = integer(entry.get("id"), f"{ACTIONS}.id")
        if own is None:
            action = {"id": store.new_id(ACTIONS), "warehouse2_id": None, **_action(entry)}
            action.setdefault("quantity", "1.0")
            _product_for(store, action)
            actions.append(action)
        elif own not in by_id:
            raise ApiError.field(f"{ACTIONS}.id", "not found")
        elif flag(entry.get("_destroy"), f"{ACTIONS}._destroy"):
            actions = [a for a in actions if a["id"] != own]
            store.delete(ACTIONS, own)
        else:
            by_id[own].update(_action(entry))
            _product_for(store, by_id[own])
    fields[ACTIONS] = actions
    if existing is not None:
        merged = {**existing, **fields}
        for action in actions:
            _sync(store, merged, action)


def _sync(store: Store, document: Mapping[str, Any], action: dict[str, Any]) -> None:
    action["warehouse_document_id"] = document["id"]
    action["kind"] = document.get("kind")
    action["warehouse_id"] = document.get("warehouse_id")
    action["issue_date"] = document.get("issue_date")
    store.add(ACTIONS, action)


def _drop_actions(store: Store, record: dict[str, Any]) -> None:
    for action in record.get(ACTIONS, []):
        store.delete(ACTIONS, action["id"])


#: Spec 4.6: the warehouse document list takes "[FR] `period=more&date_from&date_to&
#: search_date_type=issue_date|transaction_date`"; the default (first) as on invoices. Another
#: value is a 422, as on invoices.
WAREHOUSE_SEARCH_DATES: Final = ("issue_date", "transaction_date")


def _select_by_date(
    store: Store, query: Mapping[str, str], items: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    start, end = _query_date(query, "date_from"), _query_date(query, "date_to")
    if start or end:
        items = [
            item
            for item in items
            if (day := _day(item.get("issue_date"))) is not None
            and (not start or day >= start)
            and (not end or day <= end)
        ]
    return items


def _select_documents(
    store: Store, query: Mapping[str, str], items: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Spec 4.6: "same list params as invoices", so the invoices' ``period`` (by default the
    last 12 months; ``date_from``/``date_to`` only with ``period=more``; another period a 422)
    over the date ``search_date_type`` names."""
    keep = in_period(query, date.today(), WAREHOUSE_SEARCH_DATES)
    return items if keep is None else [item for item in items if keep(item)]


warehouse_documents: Final = simple_resource(
    "warehouse_documents",
    "warehouse_document",
    INDEXES=("client_id",),  # a merge relinks them
    required=("kind",),
    defaults={
        "kind": None,
        "number": None,
        "warehouse_id": None,
        "issue_date": None,
        "transaction_date": None,
        "department_id": None,
        "department_name": None,
        "client_id": None,
        "client_name": None,
        "invoice_ids": [],
    },
    nested=frozenset({ACTIONS}),
    filters=("kind", "warehouse_id", "client_id", "department_id", "number"),
    prepare=_prepare_document,
    select=_select_documents,
    on_delete=_drop_actions,
)


def _select_actions(
    store: Store, query: Mapping[str, str], items: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    items = _select_by_date(store, query, items)
    for name, keep in (
        ("from_warehouse_document", int.__ge__),
        ("to_warehouse_document", int.__le__),
    ):
        # A document id, read as every id of a list query is (a bad one is a 422).
        bound = integer(query.get(name), name)
        if bound is not None:
            items = [i for i in items if keep(int(i.get("warehouse_document_id") or 0), bound)]
    return items


warehouse_actions: Final = simple_resource(
    ACTIONS,
    "warehouse_action",
    filters=("warehouse_id", "kind", "product_id", "warehouse_document_id"),
    select=_select_actions,
    read_only=True,
)

#: Every resource of this module, in registration order.
ALL: Final = (
    products,
    categories,
    warehouses,
    payments,
    departments,
    issuers,
    bank_accounts,
    webhooks,
    recurrings,
    price_lists,
    warehouse_documents,
    warehouse_actions,
)
