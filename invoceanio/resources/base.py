"""What every resource service shares: one page, all pages lazily, get, create, update, delete,
as mixins a service combines according to what the API offers for its resource."""

from __future__ import annotations

import json
import re
import sys
from collections import deque
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from typing import Any, ClassVar, Generic, TypeVar

from invoceanio.core import ApiCore, query_params
from invoceanio.endpoints import endpoint
from invoceanio.errors import (
    ConfigurationError,
    DecodeError,
    InvoiceOceanError,
    PaginationError,
    ReadBackError,
)
from invoceanio.http import Request
from invoceanio.models.base import Draft, Model
from invoceanio.models.converter import structure_bool, to_wire

__all__ = [
    "Creating",
    "CrudService",
    "Deleting",
    "Getting",
    "Listing",
    "PaginationError",
    "ResourceService",
    "Updating",
    "as_list",
    "changes_children_once",
    "check_flag",
    "check_id",
    "check_id_filter",
    "check_ids",
    "check_key",
    "check_name",
    "destroys",
    "field_list",
    "pop_id_filter",
    "write_types",
]

ModelT = TypeVar("ModelT", bound=Model)
#: What ``list()`` asks for when not told: InvoiceOcean's own default page size. The limits
#: themselves are the provider's (``Provider.default_per_page``, ``max_per_page``).
DEFAULT_PER_PAGE = 25
#: No account has more pages; a larger number is a mistake (and past 4300 digits, str() raises).
MAX_PAGE = 10**9
WriteData = Draft | Model | Mapping[str, Any]


def _page_key(items: Sequence[Any], data: Any) -> Sequence[object]:
    """What tells two pages apart: their records' ids when every record has one. Not the models
    themselves: a value that is not equal to itself (a NaN) would make a repeated page look
    new, and iterating would never end; comparing deeply nested ``extra`` data also recurses.
    Records without ids are told apart by the text of the decoded page (``data``), in which a
    NaN is the same "NaN" every time; a page too deep to write out is compared whole (see
    :func:`_repeats`)."""
    ids = tuple(getattr(item, "id", None) for item in items)
    if None not in ids:
        return ids
    try:
        return (json.dumps(data, default=repr),)
    except (RecursionError, ValueError, TypeError):
        return items


def _repeats(page: Sequence[object], previous: Sequence[object] | None) -> bool:
    if not page or previous is None:
        return False
    try:
        return page == previous
    except RecursionError:
        return False  # too deep to compare: at worst one more page is asked for


def _all_ids(key: Sequence[object]) -> bool:
    """Whether a page key (:func:`_page_key`) is the records' ids, not the page's text."""
    return all(isinstance(value, int) for value in key)


#: Full pages in a row that bring under half a page of records not on the page before, after
#: which a listing is taken for a server that ignores ``page``. One such page is what records
#: created between two reads (the list is newest first) push onto the next; page after page,
#: it is the same window answered again while records are added (or a sliding one).
_STALE_PAGES = 3
#: Pages whose ids a listing remembers, to leave out a record pushed on from one of them.
_REMEMBERED_PAGES = 4


_WRITE_TYPES: dict[type[Model], tuple[type[Draft | Model], ...]] = {}


def write_types(model: type[Model]) -> tuple[type[Draft | Model], ...]:
    """The classes a write of ``model`` takes besides a dict: the model itself and its draft,
    the ``{Name}Draft`` its module defines beside it (``InvoiceDraft`` beside ``Invoice``)."""
    known = _WRITE_TYPES.get(model)
    if known is not None:
        return known
    types: tuple[type[Draft | Model], ...] = (model,)
    draft = getattr(sys.modules[model.__module__], f"{model.__name__}Draft", None)
    if isinstance(draft, type) and issubclass(draft, Draft):
        types = (model, draft)
    _WRITE_TYPES[model] = types
    return types


def as_document(
    data: WriteData,
    entity: str,
    accepts: tuple[type[Draft | Model], ...] | None = None,
) -> dict[str, Any]:
    """Write data (a draft, a model or a plain dict) as the JSON-shaped object sent on the wire.
    ``accepts`` are the draft and model classes the write takes: another resource's draft (a
    ProductDraft given to invoices.create) is refused, not sent as what it is not.

    Converted once here, so the request layer only has to encode it."""
    if accepts is not None and isinstance(data, Draft | Model) and not isinstance(data, accepts):
        names = ", ".join(cls.__name__ for cls in accepts)
        raise ConfigurationError(
            f"data to write as {entity} must be {names} or a dict, got {type(data).__name__}"
        )
    if isinstance(data, Draft | Model | Mapping):
        try:
            document = to_wire(data)
        except ValueError as exc:
            # A value that cannot be written (UNSET in a list, NaN, "abc" in a money field):
            # refused before anything is sent, as every other bad write is.
            raise ConfigurationError(f"cannot write this {entity}: {exc}") from None
        except RecursionError:
            # Nested deeper than Python recurses (a value kept in ``extra`` reads fine, as the
            # decoders are not recursive, but writing it back is): no API field is that deep.
            raise ConfigurationError(
                f"cannot write this {entity}: a value is nested too deeply"
            ) from None
        if isinstance(document, dict):
            if isinstance(data, Model):
                for name in type(data).read_only:
                    document.pop(name, None)
            return document
    raise ConfigurationError(
        f"data to write must be {entity}Draft, {entity} or a dict, got {type(data).__name__}"
    )


def changes_children_once(
    document: Mapping[str, Any], keyed_by: Mapping[str, str] | None = None
) -> bool:
    """True when a second send of this write would not end as the first did: a member that is
    a list of objects (or Rails' hash form, ``{"0": {...}, "1": {...}}``) holding a child
    without an ``id``, or one marked ``_destroy``.

    The API appends every nested child sent without an ``id`` (positions, recipients,
    price-list positions...): sent twice, it adds the child twice and changes the invoice's
    total. A child marked ``_destroy`` is gone after the first send, and a second names a child
    that no longer exists: the server refuses it, and the caller would be told the removal
    failed when it was done. Other children with an ``id`` (changes) are the same on a second
    send. ``keyed_by`` names the members whose children are found by another key (a bank
    account's department links, by ``department_id``): one carrying it is set, not added."""
    keyed_by = keyed_by or {}
    for member, value in document.items():
        key = keyed_by.get(member, "id")
        if isinstance(value, list):
            children: Iterable[Any] = value
        elif isinstance(value, Mapping) and value and all(str(key).isdigit() for key in value):
            children = value.values()
        else:
            continue
        for child in children:
            if isinstance(child, Mapping) and (child.get(key) in (None, "") or destroys(child)):
                return True
    return False


def destroys(child: Mapping[str, Any]) -> bool:
    """Whether a nested child's ``_destroy`` drops it. Read as the models read a flag; a value
    they cannot read is left to the server, which may take it as true (Rails takes most text
    so): such a child is checked as dropped, and its write is not re-sent either way."""
    value = child.get("_destroy")
    if value is None:
        return False
    try:
        return structure_bool(value) is True
    except ValueError:
        return True


#: The largest id the API has room for (a signed 64-bit integer): nothing larger names an
#: object, and the codecs could not write it into a body.
MAX_ID = 2**63 - 1


def _shown(value: object, limit: int = 60) -> str:
    """A caller's value as an error quotes it: clipped, and never raising itself (repr of an
    int of more than 4300 digits raises ValueError)."""
    try:
        text = repr(value)
    except ValueError:
        return f"{type(value).__name__} too long to show"
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def check_id(value: int | str, what: str = "an id") -> str:
    """An object id for a path: digits only, so nothing a caller passes can reshape the URL."""
    try:
        text = str(value).strip()
    except ValueError:  # an int of more than 4300 digits
        text = ""
    digits = text.lstrip("0")
    # isascii: str.isdigit() also accepts "²" and "١٢", which are no ids the API knows.
    # The length before int(): int() of more than 4300 digits raises a raw ValueError.
    if (
        isinstance(value, bool)
        or not (text.isascii() and text.isdigit())
        or not digits
        or len(digits) > len(str(MAX_ID))
        or int(digits) > MAX_ID
    ):
        raise ConfigurationError(
            f"{what} must be a positive integer of at most 64 bits, got {_shown(value)}"
        )
    return text


def as_list(values: object, name: str) -> list[Any]:
    """The items of an argument that takes one value or several: a list, tuple, set or other
    iterable gives its items, and a single str or number is a list of one. A str is one value,
    never its characters: ``fiscal_print("123")`` prints invoice 123, not invoices 1, 2 and 3.
    None, a mapping and bytes are refused: which items they would stand for is a guess."""
    if values is None or isinstance(values, Mapping | bytes | bytearray | memoryview):
        raise ConfigurationError(
            f"{name} takes one value or a list of them, got {type(values).__name__}"
        )
    if isinstance(values, str) or not isinstance(values, Iterable):
        return [values]
    return list(values)


def check_id_filter(values: object, name: str) -> list[str]:
    """The ids of a list filter (``ids``, ``price_list_ids``): a list of ids, one id, or the
    comma-joined text the API's docs write (``"1,2"``), each checked as :func:`check_ids`
    checks them."""
    if isinstance(values, str) and "," in values:
        values = [part.strip() for part in values.split(",")]
    return check_ids(values, name)


def pop_id_filter(filters: dict[str, Any], name: str) -> list[tuple[str, str]]:
    """The query pair of the ids filter ``name`` taken out of ``filters``, comma-joined as the
    docs write it (``ids=1,2``); none when it is not given. An empty one is refused: to the
    API a blank filter is no filter at all (every record, not none of them)."""
    values = filters.pop(name, None)
    if values is None:
        return []
    chosen = check_id_filter(values, name)
    if not chosen:
        raise ConfigurationError(f"{name} takes at least one id (or leave it out)")
    return [(name, ",".join(chosen))]


def check_ids(values: object, name: str) -> list[str]:
    """The ids of an argument that takes several (``merge_ids``, ``product_ids``...): one id (an
    int or a str of digits) or an iterable of them (see :func:`as_list`), each checked as
    :func:`check_id` checks a path's id. May be empty: callers say what an empty list means."""
    return [check_id(value, f"each of {name}") for value in as_list(values, name)]


def check_flag(value: object, name: str) -> bool | None:
    """A yes/no argument (``disabled``, ``include_invoices``...), read as the models read the
    API's flags: a bool, 0/1, or "yes"/"no", "true"/"false", "1"/"0", "on"/"off"... so "no",
    "false" and "0" are never True. None (or blank text) is not given; anything else is
    refused rather than guessed by its truthiness."""
    if value is None:
        return None
    try:
        return structure_bool(value)
    except ValueError:
        raise ConfigurationError(
            f"{name} must be a flag (True/False, yes/no, 1/0), got {_shown(value)}"
        ) from None


# The API's names of kinds, fields and attachment kinds: lower-case words joined by "_".
_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")


def field_list(name: str, values: Sequence[str] | None) -> list[tuple[str, str]]:
    """A ``fields[...]``-style parameter: the names, checked, as one comma-separated value
    (``fields[invoice]=number,buyer_name``); no parameter for None."""
    if values is None:
        return []
    names = [
        check_name(value.strip() if isinstance(value, str) else value, f"{name} field names")
        for value in as_list(values, name)
    ]
    if not names:
        raise ConfigurationError(f"{name} takes at least one field name")
    return [(name, ",".join(names))]


def check_name(value: object, what: str) -> str:
    """A name the API defines (a document kind, a field, an attachment kind), checked to be
    one before it goes into a query or a body: ``what`` says what was expected, for the error."""
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise ConfigurationError(f"expected {what}, got {_shown(value)}")
    return value


def check_key(value: object, name: str) -> str:
    """An external key to look up (text, or a number such as an order number): blank would
    match every object that has none, and any other value would be looked up by its repr."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        # The type only: the value may be a password given the wrong way.
        raise ConfigurationError(f"{name} must be a non-empty string, got {type(value).__name__}")
    try:
        text = str(value)
    except ValueError:  # an int of more than 4300 digits
        text = ""
    if not text.strip():
        raise ConfigurationError(f"{name} must be a non-empty string, got {_shown(value, 10)}")
    return text


def check_page(page: int, per_page: int, max_per_page: int) -> None:
    # bool is an int: page=True would go out as "page=True".
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise ConfigurationError(f"page must be an int of at least 1, got {_shown(page)}")
    if page > MAX_PAGE:
        # str() of an int past 4300 digits raises; no account has a billion pages.
        raise ConfigurationError(f"page must be at most {MAX_PAGE}, got {_shown(page)}")
    if (
        isinstance(per_page, bool)
        or not isinstance(per_page, int)
        or not 1 <= per_page <= max_per_page
    ):
        raise ConfigurationError(f"per_page must be 1..{max_per_page}, got {_shown(per_page)}")


class ResourceService(Generic[ModelT]):
    """A resource of the API: where it lives and what it holds. The operations come from the
    mixins below, one per HTTP call, so a service has exactly the methods the API supports
    (``io.warehouse_actions`` can list but has no ``create``)."""

    #: The path of the collection ("invoices", "banking/payments"), the write root key
    #: ("invoice") and the model of a record.
    collection: ClassVar[str]
    root: ClassVar[str]
    model: type[ModelT]
    #: False where the API documents JSON only: calls then use JSON whatever ``format`` says.
    xml: ClassVar[bool] = True
    #: False where only the writes (create, update) are JSON only: reads still follow ``format``.
    xml_writes: ClassVar[bool] = True

    def __init__(self, core: ApiCore) -> None:
        self._core = core

    def _build(self, method: str, path: str, **options: Any) -> Request:
        options.setdefault("xml_form", self.xml)
        return self._core.build(method, path, **options)

    def _member(self, id: int | str, action: str = "") -> str:
        member = f"{self.collection}/{check_id(id)}"
        return f"{member}/{action}" if action else member

    def _filters(self, filters: Mapping[str, Any]) -> list[tuple[str, str]]:
        """Query pairs for keyword filters; services override to add typed ones."""
        return query_params(filters)

    def _document(self, data: WriteData) -> dict[str, Any]:
        """The object a create or an update sends under the root key; services may reshape it."""
        return as_document(data, self.model.__name__, write_types(self.model))


class Listing(ResourceService[ModelT]):
    @endpoint("GET", "{collection}", note="one page; `iterate()` pages lazily to the end")
    async def list(
        self, page: int = 1, per_page: int = DEFAULT_PER_PAGE, **filters: Any
    ) -> list[ModelT]:
        """One page of results (the API returns no total: a short page is the last).

        The API's own defaults apply to what is left unsaid: invoices are listed for its
        default window, ``period="last_12_months"``, unless ``period`` (``"all"``,
        ``"this_month"``...: :class:`~invoceanio.models.Period`) or ``date_from``/``date_to``
        says otherwise, by the date ``search_date_type`` names
        (:class:`~invoceanio.models.SearchDateType`; the issue date by default). Warehouse
        documents take the same parameters ([PL]: "same list params as invoices"), so expect
        the same window: an export of all of them passes ``period="all"`` (the sandbox
        applies the window to both)."""
        check_page(page, per_page, self._core.capabilities.max_per_page)
        params = [*self._core.provider.page_params(page, per_page), *self._filters(filters)]
        request = self._build("GET", self.collection, params=params)
        return self._core.to_models(request, await self._core.call(request), self.model)

    async def iterate(self, per_page: int | None = None, **filters: Any) -> AsyncIterator[ModelT]:
        """Every result of the query, page by page, fetched lazily as the caller consumes them
        (for invoices, of the API's default 12 months unless ``period`` or the dates say
        otherwise: ``period="all"`` is every one). ``per_page`` is the API's largest page
        unless given (100 on InvoiceOcean: the fewest requests).

        The API pages by offset, so a list that changes while it is read shifts under it: a
        record created meanwhile pushes another onto the next page (it is yielded once, not
        again), and one deleted meanwhile pulls another back onto a page already read (that
        one is missed; no client can tell). A page equal to the one before, or full pages in
        a row that each bring under half a page of new records, are a
        :class:`PaginationError`: the sign of a server that ignores ``page``."""
        provider = self._core.provider
        capabilities = self._core.capabilities
        if per_page is None:
            per_page = capabilities.max_per_page
        check_page(1, per_page, capabilities.max_per_page)
        if "page" in filters:
            # It would go out beside the page iterate() asks for, and every page would repeat.
            raise ConfigurationError(
                "iterate() reads every page from the first; for one page use list(page=...)"
            )
        filter_params = self._filters(filters)
        previous: Sequence[object] | None = None
        # The ids of the last pages read: records created while listing (newest first) push
        # the last of a page onto the next ones (a deletion meanwhile mixes them), the same
        # records again, which an export would write twice. Those are left out.
        recent: deque[frozenset[object]] = deque(maxlen=_REMEMBERED_PAGES)
        stale = 0
        page = 1
        while True:
            params = [*provider.page_params(page, per_page), *filter_params]
            request = self._build("GET", self.collection, params=params)
            data = await self._core.call(request)
            try:
                items, has_more = self._core.to_page(request, data, self.model)
            except DecodeError as exc:
                # Raised with the page gone from this frame (see ApiCore.to_model): a page of
                # webhooks holds their tokens.
                failure = exc.with_traceback(None)
                del data
                raise failure from None
            if not items:
                return  # whatever the provider says of more: an empty page asks for nothing
            seen = _page_key(items, data)
            fresh = [
                item
                for item in items
                if not any(getattr(item, "id", None) in ids for ids in recent)
            ]
            # A provider that reports paging is believed; otherwise a short page is the last.
            # A page longer than asked (a server that ignores per_page) is no last page, nor is
            # a page of exactly the API's default size when more were asked for: the shape of
            # an endpoint that ignores per_page, whose next page would be cut off unread.
            if has_more is None:
                has_more = len(items) >= per_page or (
                    len(items) == capabilities.default_per_page < per_page
                )
            # Another page is due, yet this one brought little new: once, records created
            # meanwhile; page after page, a server answering the same window again.
            stale = stale + 1 if has_more and recent and len(fresh) * 2 < len(items) else 0
            if _repeats(seen, previous) or stale >= _STALE_PAGES:
                raise PaginationError(
                    f"page {page} repeats page {page - 1}: the server ignores the page parameter "
                    "(or records are created faster than pages are read)",
                    method=request.method,
                    url=request.path,
                )
            for item in fresh:
                yield item
            if not has_more:
                return
            if _all_ids(seen):
                recent.append(frozenset(seen))
            previous = seen
            page += 1


class Getting(ResourceService[ModelT]):
    @endpoint("GET", "{collection}/{id}")
    async def get(self, id: int | str) -> ModelT:
        request = self._build("GET", self._member(id))
        return self._core.to_model(request, await self._core.call(request), self.model)


class Creating(ResourceService[ModelT]):
    @endpoint("POST", "{collection}")
    async def create(self, data: WriteData) -> ModelT:
        request = self._build(
            "POST",
            self.collection,
            body=self._document(data),
            root=self.root,
            xml_form=self.xml and self.xml_writes,
        )
        return self._core.to_model(request, await self._core.call(request), self.model)


class Updating(ResourceService[ModelT]):
    #: The verb of an update: PUT for most resources, PATCH where the docs use it (payments).
    update_method: ClassVar[str] = "PUT"
    #: Nested members whose children the API finds by a key other than ``id`` (see
    #: changes_children_once): a child carrying it is set again, not added, on a second send.
    child_keys: ClassVar[Mapping[str, str]] = {}

    @endpoint("{update_method}", "{collection}/{id}")
    async def update(self, id: int | str, changes: WriteData) -> ModelT:
        """Change an object. An update that adds nested records (a position without an ``id``)
        is not re-sent after an attempt whose outcome is unknown: the API appends every child
        sent without an id, so a second send would add it twice (see changes_children_once).
        Any other update sets what it sends, and is retried as a PUT is, PATCH included (Rails
        routes both verbs to the same ``update``).

        An API whose update answers with no record (a 204: ``update_returns_record`` of its
        provider is False) has the record read again, so every provider returns the same."""
        document = self._document(changes)
        request = self._build(
            self.update_method,
            self._member(id),
            body=document,
            root=self.root,
            xml_form=self.xml and self.xml_writes,
            idempotent=not changes_children_once(document, self.child_keys),
        )
        # Written out, a Secret (a webhook's token) is plain text: no local of a frame that
        # may raise holds it (a traceback printed with its locals would show it).
        del document
        data = await self._core.call(request)
        if data is None and not self._core.capabilities.update_returns_record:
            # Only an empty answer: a record that came all the same is taken as it is. Read
            # from the member's own URL, as get() reads it (a service may update without get).
            applied = request
            request = self._build("GET", self._member(id))
            try:
                data = await self._core.call(request)
            except InvoiceOceanError as exc:
                # Raised as itself, a lost read would say "outcome unknown" and have the
                # caller send the update again: one that adds positions would add them twice.
                raise ReadBackError(
                    f"the update was applied (answered with no record), but reading it back "
                    f"failed: {type(exc).__name__}; do not send it again",
                    method=applied.method,
                    url=applied.path,
                ) from exc
        return self._core.to_model(request, data, self.model)


class Deleting(ResourceService[ModelT]):
    @endpoint("DELETE", "{collection}/{id}")
    async def delete(self, id: int | str) -> None:
        request = self._build("DELETE", self._member(id))
        await self._core.call(request)


class CrudService(
    Listing[ModelT], Getting[ModelT], Creating[ModelT], Updating[ModelT], Deleting[ModelT]
):
    """A resource with every CRUD call: list/iterate, get, create, update, delete."""
