"""``/invoices``: the invoice resource with its actions, as the service behaves.

- **List** filters: ``period`` (``last_12_months`` by default, ``this_month``, ``last_month``,
  ``last_30_days``, ``this_year``, ``last_year``, ``all``, and ``more`` with
  ``date_from``/``date_to``, which are ignored under any other period) over the date
  ``search_date_type`` names (:data:`SEARCH_DATE_TYPES`: ``issue_date`` by default,
  ``paid_date``, ``transaction_date``, ``sell_date``; another value is a 422): an invoice
  without that date (an unpaid one, for ``paid_date``; ``sell_date: "off"``) is in no period but
  ``all``, and a month-only ``sell_date`` (``2026-05``) counts as the month's first day;
  ``client_id``, ``oid``, ``number``, ``kind``, ``kinds[]``, ``income`` (``yes``/``no``/``1``/
  ``0``), ``invoice_id``, ``from_invoice_id``, ``invoice_ids`` (CSV), ``order`` (a field,
  ``.desc`` for descending; default: newest ``issue_date`` first, then highest id). Positions
  only with ``include_positions=true``.
- **Get**: adds ``payment_url``; ``send_to_ksef=yes`` submits the invoice to KSeF first
  (:mod:`ksef`); ``additional_fields[invoice]`` and ``fields[invoice]`` as :mod:`modifiers`
  says.
- **Create** (201): totals by :func:`pricing.price_invoice`; ``number`` from
  :meth:`Store.next_number` when null or absent; ``issue_date`` today and ``sell_date`` the issue
  date by default; ``payment_to`` = issue date + ``payment_to_kind`` days (default 5 days;
  ``other_date`` keeps the given ``payment_to``, ``off`` clears it); ``oid_unique: "yes"``
  refuses a repeated ``oid``; a ``vat_margin`` without a ``procedure_vat_margin`` is a 422
  (:func:`_check_margin_procedure`, on update too); ``client_id: -1`` or ``buyer_*`` fields
  without a ``client_id`` create (or, by name/tax number/e-mail, reuse) a client card; an
  unknown ``client_id`` is a 422, and so is an invoice with no buyer at all (no
  ``buyer_name``, no card, no private person's name, no source to take one from:
  :func:`_require_buyer`; an update may not take the buyer away either). The ``id`` of a
  position a create sends is ignored: every position of a new invoice is numbered afresh. A due
  date past 9999-12-31 is a 422 naming ``payment_to``.
  The variants that start from another document (``copy_invoice_from``, advances, finals,
  corrections) are :mod:`copies`'; when such a variant takes the source's buyer, the client
  card it names does not refill the buyer (the card may have changed since). A
  ``gov_save_and_send: true`` at the top level (where the docs put it), inside the ``invoice``
  object, or as the query parameter also submits it to KSeF (top level first, then the object,
  then the query). Every invoice carries ``attachments_count``, ``has_attachments``,
  ``print_time``, ``fiscal_status`` and the ``gov_*`` fields, which only the service writes (a
  request setting them is ignored).
- **Update** (PUT/PATCH, JSON or XML): fields merge (a changed ``client_id`` refills the buyer
  from the card); ``positions`` entries with an ``id`` edit that position (``_destroy`` removes
  it), entries without one are appended; totals are recomputed. A stored position the request
  leaves alone, or changes only in what does not price it (name, description...), keeps its
  priced values as they are, so a no-op update changes no total. One it re-prices starts from
  the input that priced it (:func:`pricing.as_input`: the unit price every stored price rounds
  from, the discount's input kept), so a discount is taken once: a new price replaces the
  stored ones; a new quantity alone keeps that unit price; a correction position's
  ``correction_before_attributes``/``correction_after_attributes`` merge into the stored ones
  by the same rules (``{"id": 7, "correction_after_attributes": {"quantity": 1}}``). A change
  of ``show_discount``, ``discount_kind`` or ``kind`` re-prices every position that way.
  Update, delete and cancel of an invoice KSeF accepted are a 422 (:data:`ksef.LOCKED`); an
  advance or final is held to :func:`copies.check_links`.
- **Nested members** (create and update): ``settlement_positions``, ``descriptions``,
  ``recipients`` and ``issuers`` are kept with ids of their own and edited, removed and
  appended by ``id`` as positions are; they and ``calculating_strategy`` are held to the
  documented limits (10,000 notes, ``role_description`` 25 and only with "Rola inna"...):
  :mod:`nested`. The settlement positions' own rules are :mod:`pricing`'s.
- **Actions**: ``.pdf`` (``print_option``, ``print_ean_codes``), ``send_by_email`` (records the
  e-mail in ``store.outbox``; ``update_buyer_email`` stores ``email_to`` as the ``buyer_email``;
  a document e-mailed less than 3 days ago is not sent again without ``force=true``: HTTP 200
  ``{"status": "error", "message": ...}``, see :func:`_resend_refused`),
  ``change_status``, ``cancel`` (no root key; ``kind`` becomes ``canceled``).
  Attachments are :mod:`attachments`', fiscal printing :mod:`fiscal`'s, the public links (no
  token) :mod:`public`'s.

Every handler reads its invoice through :func:`stored` (or :func:`found`), which settles a
pending KSeF submission first, so the lock is seen as soon as it holds.

Money is dot-decimal strings, ids ints, flags real booleans, as in responses of the service.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from aiohttp import web

from invoceanio.sandbox import copies, ksef, modifiers, nested, public
from invoceanio.sandbox.clients import COLLECTION as CLIENTS
from invoceanio.sandbox.clients import create_client, now_text
from invoceanio.sandbox.periods import in_period
from invoceanio.sandbox.pricing import (
    CORRECTION_SIDES,
    PRICE_FIELDS,
    PricingError,
    as_input,
    parse_decimal,
    price_invoice,
)
from invoceanio.sandbox.references import ListPrice, fill_positions, fill_seller
from invoceanio.sandbox.resources import money_text, price_list_pricer
from invoceanio.sandbox.store import Store
from invoceanio.sandbox.wire import (
    INVOICES,
    JSON,
    STORE,
    ApiError,
    body_fields,
    flag,
    integer,
    paginate,
    parse_date,
    read_document,
    read_plain,
    reply,
)

__all__ = ["COLLECTION", "INDEXES", "found", "presented", "routes", "stored"]

COLLECTION: Final = INVOICES
#: ``oid_unique`` looks invoices up by ``oid`` on every create, the public links by ``token``,
#: an advance its order's other advances by ``invoice_id``, a final's check the finals naming
#: an advance by ``invoice_ids``, a client merge the invoices of a card by ``client_id`` and
#: ``recipient_id``.
INDEXES: Final = ("oid", "token", "invoice_id", "invoice_ids", "client_id", "recipient_id")
ROOT: Final = "invoice"
DEFAULT_PAYMENT_DAYS: Final = 5
MAX_EMAILS: Final = 5
#: Spec 4.1/7.5 [FR]: the same document cannot be e-mailed again within 3 days without force.
RESEND_PAUSE: Final = timedelta(days=3)
#: The dates a list's period may apply to (spec 5.1: "`issue_date` (default), `paid_date`,
#: `transaction_date`; [FR] also `sell_date`"), the default first. The spec names no answer for
#: another value; the sandbox refuses it as it refuses an unknown ``period``.
SEARCH_DATE_TYPES: Final = ("issue_date", "paid_date", "transaction_date", "sell_date")

_FLAGS: Final = (
    "income",
    "show_discount",
    "buyer_company",
    "split_payment",
    "reverse_charge",
    "exclude_from_stock_level",
    "show_attachments",
    "use_oss",
    "use_moss",
    "buyer_override",
    "additional_info",
    "test",
    # [FR] "to be completed by the buyer", the price-list prices, a product renamed on the
    # invoice: flags the API answers as real booleans (echoed as text, "0" read as true).
    "paid_after_completion",
    "send_after_completion",
    "prevent_send_email_to_complete",
    "use_prices_from_price_lists",
    "update_product_name",
)
_IDS: Final = (
    "client_id",
    "department_id",
    "category_id",
    "recipient_id",
    "warehouse_id",
    "invoice_id",
    "from_invoice_id",
    "invoice_template_id",
    "price_list_id",
    "copy_invoice_from",
)
#: The invoice's decimal fields besides those pricing computes (``price_*``) and ``paid``
#: (stored in cents): Rails' decimal columns, which take no "NaN" or "abc".
_NUMBERS: Final = (
    "exchange_rate",
    "exchange_currency_rate",
    "exchange_rate_den",
    "exchange_currency_rate_den",
    "exchange_difference",
    "adjust_invoice_price",
    "skonto_discount_value",
    "discount",
)
_NESTED: Final = frozenset(
    {
        "positions",
        "recipients",
        "issuers",
        "descriptions",
        "settlement_positions",
        "bank_accounts",
        "calculating_strategy",
        "additional_fields",
        "procedure_designations",
        "invoice_ids",
    }
)
# Request-only keys that are never stored.
_TRANSIENT: Final = (
    "oid_unique",
    "api_token",
    "buyer_override",
    "id",
    "token",
    "view_url",
    "payment_url",
    "send_to_ksef",
    *copies.REQUEST_ONLY,
)
# (gov_save_and_send never reaches the fields: _clean drops every gov_ key but one, so create
# reads it from the raw document.)
# Fields only the service writes: a request cannot set them (spec 6.1: gov_* are read-only,
# except the corrected invoice's KSeF number a correction may name).
_READ_ONLY: Final = frozenset(
    {*ksef.GOV_FIELDS, "attachments_count", "has_attachments", "print_time", "fiscal_status"}
)
_BUYER_TO_CLIENT: Final = {
    "buyer_name": "name",
    "buyer_tax_no": "tax_no",
    "buyer_street": "street",
    "buyer_post_code": "post_code",
    "buyer_city": "city",
    "buyer_country": "country",
    "buyer_email": "email",
    "buyer_phone": "phone",
    "buyer_first_name": "first_name",
    "buyer_last_name": "last_name",
    "buyer_company": "company",
}
_MONEY_ORDER: Final = frozenset({"price_net", "price_gross", "price_tax"})
_ORDER_FIELDS: Final = frozenset(
    {
        "id",
        "number",
        "updated_at",
        "created_at",
        "price_net",
        "price_gross",
        "price_tax",
        "issue_date",
        "sell_date",
        "payment_to",
        "paid_date",
        "transaction_date",
        "buyer_name",
        "buyer_tax_no",
        "seller_name",
        "oid",
    }
)
_EMAIL: Final = re.compile(r"[^@\s,]+@[^@\s,]+")
#: The invoice fields every position is priced under: changing one re-prices them all.
_PRICING_RULE: Final = ("show_discount", "discount_kind", "kind")
#: The position fields that price it: changing one re-prices the position.
_POSITION_PRICING: Final = frozenset(
    {*PRICE_FIELDS, "quantity", "tax", "discount_percent", "discount", "kind"}
)


# --- helpers --------------------------------------------------------------------------------------


def _store(request: web.Request) -> Store:
    return request.app[STORE]


def stored(store: Store, invoice_id: int) -> dict[str, Any]:
    """The stored invoice (404 when none), KSeF-settled (:func:`ksef.settle`)."""
    record = store.get(COLLECTION, invoice_id)
    if record is None:
        raise ApiError(404, "Not found")
    ksef.settle(store, record)
    return record


def found(request: web.Request, key: str = "id") -> dict[str, Any]:
    """The stored invoice the path names, as :func:`stored` reads it."""
    return stored(_store(request), int(request.match_info[key]))


def _money(value: Any, field: str) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return "0.00"
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ApiError.field(field, "is not a number")
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise ApiError.field(field, "is not a number") from None
    if not number.is_finite() or abs(number) >= Decimal("1e12"):
        raise ApiError.field(field, "is not a number")
    return money_text(number)  # half-up, as every sandbox amount; never "-0.00"


def _number(value: Any, field: str) -> None:
    """422 naming ``field`` when ``value`` is no number; the value is then stored as sent."""
    try:
        parse_decimal(value, field)
    except PricingError as error:
        raise ApiError.field(field, error.message) from None


def _clean(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Invoice fields with flags as booleans, ids as ints, scalars as strings; 422 when a value
    has the wrong type."""
    result: dict[str, Any] = {}
    for key, value in fields.items():
        if not isinstance(key, str) or key.startswith("_"):
            continue  # Rails ignores unpermitted keys; ``_destroy`` means nothing at this level
        if key in _READ_ONLY or (key.startswith("gov_") and key != "gov_corrected_invoice_number"):
            continue
        if key in _NESTED:
            if value is not None and not isinstance(value, list | dict):
                raise ApiError.field(key, "is invalid")
        elif isinstance(value, dict | list):
            raise ApiError.field(key, "is invalid")
        elif key in _FLAGS:
            value = flag(value, key)
        elif key in _IDS:
            value = integer(value, key)
        elif key == "paid":
            value = _money(value, key)
        elif key in _NUMBERS:
            _number(value, key)
        elif value is not None and not isinstance(value, str):
            value = str(value).lower() if isinstance(value, bool) else str(value)
        result[key] = value
    if isinstance(result.get("positions"), dict):
        # Rails' hash form ({"0": {...}, "1": {...}}, what a form body's
        # invoice[positions][0][name]=... parses to): the values, in the order sent, as the
        # other nested members (nested.py) read it.
        result["positions"] = list(result["positions"].values())
    if "positions" in result and not isinstance(result["positions"], list):
        raise ApiError.field("positions", "is invalid")
    return result


def _list_pricing(store: Store, invoice: Mapping[str, Any]) -> ListPrice | None:
    """How the invoice's product positions are priced when it says
    ``use_prices_from_price_lists`` (spec 4.1): by its ``price_list_id``, else by its client's
    default list; None (the products' own prices) without either, or when the client's list
    is gone. An unknown ``price_list_id`` of its own is a 422, raised only by a position that
    needs a price from it (an edit of the buyer's name needs none)."""
    if invoice.get("use_prices_from_price_lists") is not True:
        return None
    list_id = invoice.get("price_list_id")
    if list_id is not None:
        pricer = price_list_pricer(store, list_id)
        return pricer if pricer is not None else _unknown_price_list
    client_id = invoice.get("client_id")
    client = store.get(CLIENTS, client_id) if isinstance(client_id, int) else None
    return None if client is None else price_list_pricer(store, client.get("price_list_id"))


def _unknown_price_list(product: Mapping[str, Any]) -> Mapping[str, Any]:
    raise ApiError.field("price_list_id", "does not exist")


def _filled(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _has_buyer(record: Mapping[str, Any]) -> bool:
    """Whether the invoice names its buyer: a client card (``client_id``; an unknown one is
    :func:`_link_client`'s 422, ``-1`` asks for a new card and is no buyer by itself), a
    ``buyer_name``, or for a private person (``buyer_company`` false) a first or last name,
    which is what names such a buyer's card (:func:`clients.create_client`)."""
    client_id = record.get("client_id")
    if client_id is not None and client_id != -1:
        return True
    if _filled(record.get("buyer_name")):
        return True
    return record.get("buyer_company") is False and any(
        _filled(record.get(field)) for field in ("buyer_first_name", "buyer_last_name")
    )


def _require_buyer(record: Mapping[str, Any]) -> None:
    """422 ``{"buyer_name": ["can't be blank"]}`` for an invoice without a buyer (spec 7.2:
    "Missing buyer_name: [OBS] details['message']['buyer_name'] exists"; quirks: 422
    ``{"code":"error","message":{"buyer_name":[...]}}``). Every document kind: the spec names
    none that may go without one, and its one receipt example ([RCPT]) sends a buyer_name too."""
    if not _has_buyer(record):
        raise ApiError.field("buyer_name", "can't be blank")


def _price(record: dict[str, Any], priced: frozenset[int] = frozenset()) -> dict[str, Any]:
    try:
        return price_invoice(record, priced=priced)
    except PricingError as error:
        raise ApiError.field(error.field, error.message) from None


def _dates(record: dict[str, Any], today: date) -> None:
    """Defaults and checks for issue, sell and due dates (in place)."""
    issued = parse_date(record.get("issue_date"), "issue_date") or today
    record["issue_date"] = issued.isoformat()
    if record.get("sell_date") in (None, ""):
        record["sell_date"] = record["issue_date"]
    elif record["sell_date"] != "off":
        parse_date(record["sell_date"], "sell_date", month=True)
    sell = str(record["sell_date"])
    record["transaction_date"] = sell if len(sell) == 10 else record["issue_date"]
    kind = record.get("payment_to_kind")
    given = parse_date(record.get("payment_to"), "payment_to")
    if kind in (None, ""):
        kind = "other_date" if given else str(DEFAULT_PAYMENT_DAYS)
    kind = str(kind).strip()
    if kind == "off":
        record["payment_to"] = None
    elif kind == "other_date":
        record["payment_to"] = (given or issued).isoformat()
    elif kind.isascii() and kind.isdigit() and len(kind) <= 5:
        try:
            due = issued + timedelta(days=int(kind))
        except OverflowError:
            # Past 9999-12-31 (issue_date 9999-12-30 with the default 5 days): the sandbox's
            # dates end there, so the due date it would have to store cannot be written.
            raise ApiError.field("payment_to", "is not a valid date") from None
        record["payment_to"] = due.isoformat()
    else:
        raise ApiError.field("payment_to_kind", "is invalid")
    record["payment_to_kind"] = kind
    for field in ("paid_date", "delivery_date"):
        if record.get(field):
            parse_date(record[field], field)


def _check_margin_procedure(record: Mapping[str, Any]) -> None:
    """422 ``{"procedure_vat_margin": ["can't be blank"]}`` for a ``vat_margin`` invoice without
    one, whether or not it goes to KSeF. Spec 6.1: "`procedure_vat_margin` | required for
    `vat_margin`", then four values (three with an en dash, U+2013). The spec does not say that
    other text is refused (as it says "or custom text" of ``exempt_tax_kind``, it says nothing
    either way here), so any text that is not blank is taken as sent."""
    if record.get("kind") != "vat_margin":
        return
    procedure = record.get("procedure_vat_margin")
    if not isinstance(procedure, str) or not procedure.strip():
        raise ApiError.field("procedure_vat_margin", "can't be blank")


def _link_client(
    store: Store, record: dict[str, Any], *, override: bool, refill: bool = True
) -> int | None:
    """Resolve ``client_id`` (-1: new card) or create/reuse a card from the buyer fields;
    the id of the card it created, if it did. ``refill`` False: a named card is checked but
    does not refill the buyer (a copy keeps its source's buyer)."""
    client_id = record.get("client_id")
    buyer = {
        field: record[key]
        for key, field in _BUYER_TO_CLIENT.items()
        if record.get(key) not in (None, "")
    }
    if client_id is not None and client_id != -1:
        client = store.get(CLIENTS, client_id)
        if client is None:
            raise ApiError.field("client_id", "does not exist")
        if override:
            client.update(buyer)
            client["updated_at"] = now_text()
            store.add(CLIENTS, client)
        for key, field in _BUYER_TO_CLIENT.items():
            if refill and client.get(field) is not None:
                record[key] = client[field]
        return None
    if not set(buyer) - {"company"}:
        if client_id == -1:
            raise ApiError.field("buyer_name", "can't be blank")
        return None
    if client_id is None:
        matches = [
            client
            for field in ("tax_no", "email", "name")
            if buyer.get(field)
            for client in store.find(CLIENTS, field, buyer[field])
        ]
        if matches:
            record["client_id"] = min(client["id"] for client in matches)
            return None
    new_id: int = create_client(store, buyer)["id"]
    record["client_id"] = new_id
    return new_id


def _fresh_positions(record: dict[str, Any]) -> None:
    """A new invoice's positions without the ids a request sent (in place): every position of
    a new invoice is new, so :func:`_positions` numbers each one, as :func:`nested.fresh` does
    for the other children. A kept id would be stored as sent (text, or another invoice's
    position id) and a list one would crash the pricing."""
    positions = record.get("positions")
    if isinstance(positions, list):
        record["positions"] = [
            {key: value for key, value in position.items() if key != "id"}
            if isinstance(position, dict)
            else position
            for position in positions
        ]


def _positions(store: Store, invoice_id: int, positions: list[Any]) -> None:
    stamp = now_text()
    for position in positions:
        position.setdefault("id", store.new_id("positions"))
        position["invoice_id"] = invoice_id
        position.setdefault("created_at", stamp)
        position["updated_at"] = stamp
        if "product_id" in position:
            position["product_id"] = integer(position["product_id"], "positions.product_id")


def presented(record: Mapping[str, Any], *, positions: bool = True) -> dict[str, Any]:
    """The invoice as the API answers it: without the fields only ``additional_fields`` show."""
    result = dict(record)
    result.pop("cancel_reason", None)
    if not positions:
        result.pop("positions", None)
    return result


# --- list -----------------------------------------------------------------------------------------


def _income_filter(text: str) -> bool:
    value = text.strip().lower()
    if value in ("yes", "1", "true"):
        return True
    if value in ("no", "0", "false"):
        return False
    raise ApiError.field("income", "is not included in the list")


def _order_key(field: str) -> Callable[[dict[str, Any]], tuple[bool, Any]]:
    def key(item: dict[str, Any]) -> tuple[bool, Any]:
        value = item.get(field)
        if value is None or value == "":
            return (True, "")
        if field in _MONEY_ORDER:
            return (False, Decimal(str(value)))
        if field == "id":
            return (False, int(value))
        return (False, str(value))

    return key


def _newest(item: Mapping[str, Any]) -> tuple[str, int]:
    return item["issue_date"], item["id"]


def _candidates(store: Store, query: Mapping[str, str], order: str) -> list[dict[str, Any]]:
    """The invoices a list request filters, newest first unless it has its own ``order``."""
    if query.get("oid"):
        # The lookup after every ambiguous create of an import: the index, not a scan.
        matching = store.find(COLLECTION, "oid", query["oid"])
        return matching if order else sorted(matching, key=_newest, reverse=True)
    if order:
        return store.all(COLLECTION)
    # Every filter keeps this order, so the sort runs once per change of the collection rather
    # than once per page (an export pages through all of it). issue_date and id change only in
    # update(), which hands the record back to the store.
    return store.memo(
        COLLECTION, "newest_first", lambda: sorted(store.all(COLLECTION), key=_newest, reverse=True)
    )


async def list_invoices(request: web.Request) -> web.Response:
    query = request.query
    keep = in_period(query, date.today(), SEARCH_DATE_TYPES)
    order = query.get("order", "")
    items = _candidates(_store(request), query, order)
    if keep is not None:
        items = [item for item in items if keep(item)]
    for key in ("client_id", "invoice_id", "from_invoice_id"):
        if key in query:
            wanted = integer(query[key], key)
            items = [item for item in items if item.get(key) == wanted]
    for key in ("oid", "number", "kind", "status"):
        if key in query:
            items = [item for item in items if str(item.get(key) or "") == query[key]]
    kinds = query.getall("kinds[]", [])
    if kinds:
        items = [item for item in items if item.get("kind") in kinds]
    if "income" in query:
        income = _income_filter(query["income"])
        items = [item for item in items if item.get("income") is income]
    if query.get("invoice_ids"):
        ids = {integer(part, "invoice_ids") for part in query["invoice_ids"].split(",")}
        items = [item for item in items if item["id"] in ids]

    if order:
        field, _, direction = order.partition(".")
        if field not in _ORDER_FIELDS or direction not in ("", "desc", "asc"):
            raise ApiError.field("order", "is not included in the list")
        items = sorted(items, key=_order_key("id"))
        items = sorted(items, key=_order_key(field), reverse=direction == "desc")

    with_positions = query.get("include_positions", "").strip().lower() in ("true", "1", "yes")
    page = paginate(query, items)
    store = _store(request)
    for item in page:
        ksef.settle(store, item)
    page = [presented(item, positions=with_positions) for item in page]
    return reply(request, page, root=COLLECTION)


# --- one invoice ----------------------------------------------------------------------------------


async def get_invoice(request: web.Request) -> web.Response:
    store = _store(request)
    record = found(request)
    if flag(request.query.get("send_to_ksef"), "send_to_ksef"):
        ksef.check(store, record)
        ksef.submit(record)
        store.add(COLLECTION, record)
    view = presented(record)
    view["payment_url"] = public.payment_url(str(request.url.origin()), record["token"])
    return reply(request, modifiers.apply(store, request.query, record, view), root=ROOT)


def _oid_unique(value: Any) -> bool:
    if isinstance(value, str) and value.strip().lower() == "yes":
        return True
    try:
        return flag(value, "oid_unique")
    except ApiError:
        return False


async def create(request: web.Request) -> web.Response:
    store = _store(request)
    document = await read_document(request, ROOT)
    top_level = await body_fields(request)
    fields = _clean(document)
    unique = _oid_unique(document.get("oid_unique", top_level.get("oid_unique")))
    oid = fields.get("oid")
    if unique and oid not in (None, "") and store.find(COLLECTION, "oid", oid):
        raise ApiError.field("oid", "has already been taken")
    for source in (top_level, document, request.query):
        if "gov_save_and_send" in source:
            send = flag(source.get("gov_save_and_send"), "gov_save_and_send")
            break
    else:
        send = False
    prepared = copies.prepare(store, fields)
    fields = prepared.fields

    today = date.today()
    stamp = now_text()
    record: dict[str, Any] = {
        "kind": "vat",
        "number": None,
        "income": True,
        "status": "issued",
        "currency": "PLN",
        "lang": "pl",
        "paid": "0.00",
        "paid_date": None,
        "payment_type": "transfer",
        "show_discount": False,
        "discount_kind": None,
        "buyer_company": True,
        "client_id": None,
        "oid": None,
        "invoice_id": None,
        "from_invoice_id": None,
        "cancelled": False,
        "from_api": True,
        "origin": "api",
        "attachments_count": 0,
        "has_attachments": False,
        "print_time": None,
        "fiscal_status": None,
        **dict.fromkeys(ksef.GOV_FIELDS),
    }
    override = bool(fields.get("buyer_override"))
    record.update({key: value for key, value in fields.items() if key not in _TRANSIENT})
    if not isinstance(record["kind"], str) or not record["kind"].strip():
        raise ApiError.field("kind", "is invalid")
    _check_margin_procedure(record)
    if not prepared.buyer_copied:  # a copy's buyer is its source's, as the source was issued
        _require_buyer(record)
    _fresh_positions(record)
    nested.fresh(record)
    _dates(record, today)
    fill_seller(store, record)
    fill_positions(store, record.get("positions"), _list_pricing(store, record))
    priced = _price(record)  # before the client: a refused invoice must not leave a new card
    new_client = _link_client(store, priced, override=override, refill=not prepared.buyer_copied)
    try:
        copies.check_links(store, priced, {}, fields)
        if send:
            ksef.check(store, priced)
        # After KSeF's: where both limit a field (a note's kind, 256), KSeF's answer is given.
        nested.check(priced)
    except ApiError:
        if new_client is not None:
            store.delete(CLIENTS, new_client)
        raise
    if priced.get("number") in (None, ""):
        priced["number"] = store.next_number(
            priced["kind"], date.fromisoformat(priced["issue_date"])
        )
    invoice_id = store.new_id(COLLECTION)
    _positions(store, invoice_id, priced["positions"])
    nested.number(store, priced)
    token = secrets.token_urlsafe(15)
    priced.update(
        id=invoice_id,
        token=token,
        view_url=public.view_url(str(request.url.origin()), priced["number"], token),
        created_at=stamp,
        updated_at=stamp,
    )
    if send:
        ksef.submit(priced)
    store.add(COLLECTION, priced)
    return reply(request, presented(priced), root=ROOT, status=201)


Reprice = Callable[[Mapping[str, Any]], dict[str, Any]]


def _reprices(current: Mapping[str, Any], change: Mapping[str, Any]) -> bool:
    """Whether a change touches what prices a stored position (or side): a price, the
    quantity, tax, discount or kind, or a side it adds or sets to something else than an object
    (a new name or description does not)."""
    for key, value in change.items():
        if key in CORRECTION_SIDES:
            side = current.get(key)
            if not isinstance(value, Mapping) or not isinstance(side, Mapping):
                return True
            if _reprices(side, value):
                return True
        elif key in _POSITION_PRICING:
            return True
    return False


def _merge_positions(
    existing: list[dict[str, Any]], changes: list[Any], reprice: Reprice
) -> tuple[list[dict[str, Any]], set[int]]:
    """The positions after the request's changes, and the ids of the stored ones that keep
    their priced values (left alone, or changed only in what does not price them). A stored
    position a change re-prices goes through ``reprice`` (its undiscounted basis) first."""
    by_id = {position["id"]: dict(position) for position in existing}
    order = [position["id"] for position in existing]
    kept = set(order)
    appended: list[dict[str, Any]] = []
    for index, change in enumerate(changes):
        if not isinstance(change, dict):
            raise ApiError.field("positions", f"entry {index} is not an object")
        position_id = integer(change.get("id"), "positions.id")
        if position_id is None:
            if not flag(change.get("_destroy"), "positions._destroy"):
                appended.append({k: v for k, v in change.items() if k not in ("id", "_destroy")})
            continue
        if position_id not in by_id:
            raise ApiError.field("positions.id", f"{position_id} is not a position of this invoice")
        if flag(change.get("_destroy"), "positions._destroy"):
            del by_id[position_id]
            order.remove(position_id)
            kept.discard(position_id)
            continue
        current = by_id[position_id]
        if position_id in kept and _reprices(current, change):
            current = reprice(current)
            kept.discard(position_id)
        by_id[position_id] = _merged(current, change)
    return [by_id[position_id] for position_id in order] + appended, kept


def _merged(current: Mapping[str, Any], change: Mapping[str, Any]) -> dict[str, Any]:
    """A stored position (or a correction position's side) with a change applied."""
    result = dict(current)
    if any(field in change for field in PRICE_FIELDS):
        # New prices replace every stored (derived) one: the sent one is the new basis.
        for field in (*PRICE_FIELDS, "price_tax", "total_price_tax"):
            result.pop(field, None)
    elif "quantity" in change:
        # A new quantity keeps the unit price (the stored totals would otherwise win).
        for field in ("total_price_gross", "total_price_net", "total_price_tax"):
            result.pop(field, None)
    for key, value in change.items():
        if key in ("id", "_destroy"):
            continue
        if (
            key in CORRECTION_SIDES
            and isinstance(value, dict)
            and isinstance(result.get(key), dict)
        ):
            value = _merged(result[key], value)  # a side merges the same way
        result[key] = value
    return result


async def update(request: web.Request) -> web.Response:
    store = _store(request)
    record = found(request)
    ksef.refuse_if_locked(record)
    fields = _clean(await read_document(request, ROOT))
    override = bool(fields.get("buyer_override"))
    updated = dict(record)
    for key, value in fields.items():
        if key not in _TRANSIENT and key != "positions":
            updated[key] = value
    nested.merge(updated, record, fields)
    nested.check(updated)

    def reprice(position: Mapping[str, Any]) -> dict[str, Any]:
        # The stored prices are the discounted ones under the rule the record was priced by.
        return as_input(
            position,
            show_discount=record.get("show_discount") is True,
            discount_kind=record.get("discount_kind"),
        )

    positions, kept = _merge_positions(
        record.get("positions") or [], fields.get("positions") or [], reprice
    )
    if any(updated.get(name) != record.get(name) for name in _PRICING_RULE):
        positions = [reprice(p) if p.get("id") in kept else p for p in positions]
        kept = set()
    updated["positions"] = positions
    if "payment_to" in fields and "payment_to_kind" not in fields:
        updated["payment_to_kind"] = "other_date"
    _dates(updated, date.fromisoformat(record["issue_date"]))
    _check_margin_procedure(updated)
    if _has_buyer(record):
        # An update may not take the buyer away (a record stored without one, as a copy of a
        # buyer-less source may be, is not refused for what it already lacks).
        _require_buyer(updated)
    if "client_id" in fields and fields["client_id"] != record.get("client_id"):
        # A new card fills the buyer; edited buyer fields alone stay as sent.
        _link_client(store, updated, override=override)
    if "department_id" in fields:
        fill_seller(store, updated)
    # A stored position whose change names a product (and nothing that prices it) keeps its
    # prices, yet its product_id is checked and filled in as on a create: else an unknown
    # product, a 422 on a create, would be stored by an update.
    named = {
        integer(change.get("id"), "positions.id")
        for change in fields.get("positions") or []
        if isinstance(change, dict) and "product_id" in change
    }
    fill_positions(
        store,
        [p for p in positions if p.get("id") not in kept or p.get("id") in named],
        _list_pricing(store, updated),
    )
    priced = _price(updated, frozenset(kept))
    copies.check_links(store, priced, record, fields)
    if priced.get("number") in (None, ""):
        priced["number"] = record["number"]
    _positions(store, record["id"], priced["positions"])
    nested.number(store, priced)
    priced["updated_at"] = now_text()
    record.clear()
    record.update(priced)
    store.add(COLLECTION, record)
    return reply(request, presented(record), root=ROOT)


async def delete(request: web.Request) -> web.Response:
    record = found(request)
    ksef.refuse_if_locked(record)
    _store(request).delete(COLLECTION, record["id"])
    return reply(request, "ok", root="result")


async def pdf(request: web.Request) -> web.Response:
    body = public.printout(_store(request), found(request), request.query)
    return web.Response(body=body, content_type="application/pdf")


def _addresses(text: str | None, field: str) -> list[str]:
    if text is None:
        return []
    addresses = [part.strip() for part in text.split(",") if part.strip()]
    if len(addresses) > MAX_EMAILS:
        raise ApiError.field(field, f"takes at most {MAX_EMAILS} addresses")
    for address in addresses:
        if not _EMAIL.fullmatch(address):
            raise ApiError.field(field, f"{address[:80]} is not an e-mail address")
    return addresses


def _sent_at(record: Mapping[str, Any]) -> datetime | None:
    """When the invoice was last e-mailed (its ``sent_time``), None when never or unreadable."""
    stamp = record.get("sent_time")
    try:
        sent = datetime.fromisoformat(stamp) if isinstance(stamp, str) else None
    except ValueError:
        return None
    return None if sent is None or sent.tzinfo is None else sent


def _resend_refused(record: Mapping[str, Any], force: bool) -> web.Response | None:
    """The refusal of a repeated e-mail: [FR] "the system does not allow a document to be sent
    again within 3 days unless force=true" (spec 4.1, 7.5). The docs give no body for it; this
    is the shape they give for a refused send_by_email (KSeF, spec 7.1): HTTP 200 with
    ``{"status": "error", "message": ...}``. None when the e-mail may go."""
    sent = _sent_at(record)
    if force or sent is None or datetime.now(sent.tzinfo) - sent >= RESEND_PAUSE:
        return None
    body = {
        "status": "error",
        "message": "The document was already sent in the last 3 days: send it with force=true",
    }
    return web.Response(body=JSON.encode(body), content_type="application/json")


async def send_by_email(request: web.Request) -> web.Response:
    store = _store(request)
    record = found(request)
    to = _addresses(request.query.get("email_to"), "email_to")
    cc = _addresses(request.query.get("email_cc"), "email_cc")
    if not to and record.get("buyer_email"):
        to = _addresses(str(record["buyer_email"]), "buyer_email")
    if not to:
        raise ApiError.field("email_to", "can't be blank")
    with_pdf = flag(request.query.get("email_pdf"), "email_pdf")
    refused = _resend_refused(record, flag(request.query.get("force"), "force"))
    if refused is not None:
        return refused
    if flag(request.query.get("update_buyer_email"), "update_buyer_email"):
        if not request.query.get("email_to", "").strip():
            raise ApiError.field("email_to", "can't be blank")
        # The addresses become the invoice's buyer e-mail (spec 4.1; the sandbox has no
        # separate recipient e-mail to update).
        record["buyer_email"] = ", ".join(to)
    stamp = now_text()
    store.outbox.append(
        {
            "invoice_id": record["id"],
            "number": record.get("number"),
            "to": to,
            "cc": cc,
            "pdf": with_pdf,
            "print_option": request.query.get("print_option"),
            "sent_at": stamp,
        }
    )
    record["sent_time"] = stamp
    if record.get("status") == "issued":
        record["status"] = "sent"
    store.add(COLLECTION, record)
    message = f"Invoice {record.get('number')} was sent to {', '.join(to)}"
    return reply(request, {"status": "ok", "message": message}, root="result")


async def change_status(request: web.Request) -> web.Response:
    record = found(request)
    status = request.query.get("status", "").strip()
    if not status or len(status) > 50:
        raise ApiError.field("status", "can't be blank")
    record["status"] = status
    if status == "paid":
        record["paid"] = record.get("price_gross", "0.00")
        record["paid_date"] = record.get("paid_date") or date.today().isoformat()
    record["updated_at"] = now_text()
    _store(request).add(COLLECTION, record)
    return reply(request, presented(record), root=ROOT)


async def cancel(request: web.Request) -> web.Response:
    body = await read_plain(request)
    invoice_id = integer(body.get("cancel_invoice_id"), "cancel_invoice_id")
    if invoice_id is None:
        raise ApiError.field("cancel_invoice_id", "can't be blank")
    store = _store(request)
    record = stored(store, invoice_id)
    ksef.refuse_if_locked(record)  # spec 9.3: KSeF keeps it; only a correction undoes it
    reason = body.get("cancel_reason")
    if reason is not None and not isinstance(reason, str):
        raise ApiError.field("cancel_reason", "is invalid")
    record.update(kind="canceled", cancelled=True, cancel_reason=reason, updated_at=now_text())
    store.add(COLLECTION, record)
    return reply(request, {"code": "success", "message": "Invoice canceled"}, root="result")


def routes() -> list[web.RouteDef]:
    member = r"/invoices/{id:\d{1,18}}"
    fmt = "{fmt:json|xml}"
    return [
        web.get(f"/invoices.{fmt}", list_invoices, name="invoices.list"),
        web.post(f"/invoices.{fmt}", create, name="invoices.create"),
        web.post(f"/invoices/cancel.{fmt}", cancel, name="invoices.cancel"),
        web.get(f"{member}.{fmt}", get_invoice, name="invoices.get"),
        web.put(f"{member}.{fmt}", update, name="invoices.update"),
        web.patch(f"{member}.{fmt}", update, name="invoices.patch"),
        web.delete(f"{member}.{fmt}", delete, name="invoices.delete"),
        web.get(f"{member}.pdf", pdf, name="invoices.pdf"),
        web.post(f"{member}/send_by_email.{fmt}", send_by_email, name="invoices.send_by_email"),
        web.post(f"{member}/change_status.{fmt}", change_status, name="invoices.change_status"),
        *public.routes(),
    ]
