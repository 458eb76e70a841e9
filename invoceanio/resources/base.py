"""What every resource service shares: one page, all pages lazily, get, create, update, delete."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any, ClassVar, Generic, TypeVar

from invoceanio.core import ApiCore, query_params
from invoceanio.errors import ConfigurationError, DecodeError
from invoceanio.models.base import Draft, Model
from invoceanio.models.converter import to_wire

__all__ = ["MAX_PER_PAGE", "PaginationError", "ResourceService", "check_id", "check_key"]

ModelT = TypeVar("ModelT", bound=Model)
MAX_PER_PAGE = 100
WriteData = Draft | Model | Mapping[str, Any]


class PaginationError(DecodeError):
    """The server sent the same page twice (it ignores ``page``): iterating would never end."""


def as_document(data: WriteData, entity: str) -> dict[str, Any]:
    """Write data (a draft, a model or a plain dict) as the JSON-shaped object sent on the wire.

    Converted once here, so the request layer only has to encode it."""
    if isinstance(data, Draft | Model | Mapping):
        document = to_wire(data)
        if isinstance(document, dict):
            return document
    raise ConfigurationError(
        f"data to write must be {entity}Draft, {entity} or a dict, got {type(data).__name__}"
    )


def check_id(value: int | str) -> str:
    """An object id for a path: digits only, so nothing a caller passes can reshape the URL."""
    text = str(value).strip()
    # isascii: str.isdigit() also accepts "²" and "١٢", which are no ids the API knows.
    if isinstance(value, bool) or not (text.isascii() and text.isdigit()) or int(text) == 0:
        raise ConfigurationError(f"an id must be a positive integer, got {value!r}")
    return text


def check_key(value: object, name: str) -> str:
    """An external key to look up: blank would match every object that has none."""
    text = str(value)
    if value is None or isinstance(value, bool) or not text.strip():
        raise ConfigurationError(f"{name} must be a non-empty string, got {value!r}")
    return text


def check_page(page: int, per_page: int) -> None:
    # bool is an int: page=True would go out as "page=True".
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise ConfigurationError(f"page must be an int of at least 1, got {page!r}")
    if (
        isinstance(per_page, bool)
        or not isinstance(per_page, int)
        or not 1 <= per_page <= MAX_PER_PAGE
    ):
        raise ConfigurationError(f"per_page must be 1..{MAX_PER_PAGE}, got {per_page!r}")


class ResourceService(Generic[ModelT]):
    #: The collection path ("invoices"), the write root key ("invoice") and the model.
    collection: ClassVar[str]
    root: ClassVar[str]
    model: type[ModelT]

    def __init__(self, core: ApiCore) -> None:
        self._core = core

    def _filters(self, filters: Mapping[str, Any]) -> list[tuple[str, str]]:
        """Query pairs for keyword filters; services override to add typed ones."""
        return query_params(filters)

    async def list(self, page: int = 1, per_page: int = 25, **filters: Any) -> list[ModelT]:
        """One page of results (the API returns no total: a short page is the last)."""
        check_page(page, per_page)
        params = [*self._core.provider.page_params(page, per_page), *self._filters(filters)]
        request = self._core.build("GET", self.collection, params=params)
        return self._core.to_models(request, await self._core.call(request), self.model)

    async def iterate(self, per_page: int = 100, **filters: Any) -> AsyncIterator[ModelT]:
        """Every result, page by page, fetched lazily as the caller consumes them."""
        check_page(1, per_page)
        filter_params = self._filters(filters)
        previous: list[ModelT] | None = None
        page = 1
        while True:
            params = [*self._core.provider.page_params(page, per_page), *filter_params]
            request = self._core.build("GET", self.collection, params=params)
            items, has_more = self._core.to_page(
                request, await self._core.call(request), self.model
            )
            if items and items == previous:
                raise PaginationError(
                    f"page {page} repeats page {page - 1}: the server ignores the page parameter",
                    method=request.method,
                    url=request.path,
                )
            for item in items:
                yield item
            # A provider that reports paging is believed; otherwise a short page is the last.
            if not (len(items) == per_page if has_more is None else has_more):
                return
            previous = items
            page += 1

    async def get(self, id: int | str) -> ModelT:
        request = self._core.build("GET", f"{self.collection}/{check_id(id)}")
        return self._core.to_model(request, await self._core.call(request), self.model)

    async def create(self, data: WriteData) -> ModelT:
        document = as_document(data, self.model.__name__)
        request = self._core.build("POST", self.collection, body=document, root=self.root)
        return self._core.to_model(request, await self._core.call(request), self.model)

    async def update(self, id: int | str, changes: WriteData) -> ModelT:
        request = self._core.build(
            "PUT",
            f"{self.collection}/{check_id(id)}",
            body=as_document(changes, self.model.__name__),
            root=self.root,
        )
        return self._core.to_model(request, await self._core.call(request), self.model)

    async def delete(self, id: int | str) -> None:
        request = self._core.build("DELETE", f"{self.collection}/{check_id(id)}")
        await self._core.call(request)
