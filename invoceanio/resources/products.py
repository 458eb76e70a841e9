"""``io.products``: the account's catalogue of goods and services, with stock per warehouse."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import quote

from invoceanio.core import query_params
from invoceanio.endpoints import endpoint
from invoceanio.errors import ConfigurationError
from invoceanio.models.product import Product
from invoceanio.resources.base import (
    CrudService,
    WriteData,
    _shown,
    changes_children_once,
    check_flag,
    check_id,
    check_key,
    pop_id_filter,
)

__all__ = ["ProductsService"]

_NO_PRICE_NET = "the API does not take price_net on an update: send price_gross and tax"


def _code_segment(code: object) -> str:
    """A product code as one path segment: every character but letters, digits and ``-_~``
    percent-quoted (``/``, ``?``, ``#``, spaces...), so the code stays one segment of the
    products path whatever it holds."""
    text = check_key(code, "a product code")
    if "." in text:
        # Quoting cannot help: %2E is "." to the URL's normalisation (and the HTTP client's).
        raise ConfigurationError(
            f"a product code with a dot ({text[:40]!r}) cannot be named in the path: "
            "update that product by its id"
        )
    return _path_quoted(text, "a product code")


def _path_quoted(text: str, what: str) -> str:
    try:
        return quote(text, safe="")
    except UnicodeEncodeError:
        # Lone surrogates (a name decoded with surrogateescape): no URL can carry them.
        raise ConfigurationError(f"{what} is not valid UTF-8 text") from None


class ProductsService(CrudService[Product]):
    collection = "products"
    root = "product"
    model = Product
    # The docs give product writes in JSON only, and a bundle's ``package_products_details``
    # is Rails' hash form ({"0": {...}}), whose numeric keys are no XML element names.
    xml_writes = False

    @endpoint("POST", "{collection}", suffix="json", note="JSON only, as documented")
    async def create(self, data: WriteData) -> Product:
        """Add a product; a bundle is ``package=True`` with ``package_products_details``
        (``{"0": {"id": ..., "quantity": ...}}``). Sent as JSON whatever ``format`` says."""
        return await super().create(data)

    def _filters(self, filters: Mapping[str, Any]) -> list[tuple[str, str]]:
        """``warehouse_id`` (stock in that warehouse), ``date_from`` (added or changed since:
        on products it needs no ``period``), ``ids`` (a list, or one id), ``disabled=True``
        (only disabled ones: a flag, so "no" or "0" is not True), anything else as given."""
        filters = dict(filters)
        pairs = pop_id_filter(filters, "ids")
        if check_flag(filters.pop("disabled", None), "disabled"):
            pairs.append(("filter", "disabled"))
        return pairs + query_params(filters)

    @endpoint("GET", "{collection}/{id}", note="`warehouse_id=`: the stock in that warehouse")
    async def get(self, id: int | str, *, warehouse_id: int | str | None = None) -> Product:
        params = [] if warehouse_id is None else [("warehouse_id", check_id(warehouse_id))]
        request = self._build("GET", self._member(id), params=params)
        return self._core.to_model(request, await self._core.call(request), self.model)

    @endpoint(
        "PUT",
        "{collection}/{id}",
        suffix="json",
        note="JSON only; `price_net` is computed: send `price_gross` + `tax`; "
        '`find_by="code"`: `/products/{code}` with a top-level `find_by`',
    )
    async def update(
        self, id: int | str, changes: WriteData, *, find_by: Literal["code"] | None = None
    ) -> Product:
        """Change a product. The API computes ``price_net`` from ``price_gross`` and ``tax`` and
        silently ignores a ``price_net`` sent on an update, so sending one raises here instead
        of being lost.

        ``find_by="code"`` ([FR]) names the product by its ``code`` (your catalogue's key)
        instead of its id: ``update("ABC-1", {...}, find_by="code")`` sends
        ``PUT /products/ABC-1.json`` with ``"find_by": "code"`` beside the ``product`` object.
        The code is percent-quoted into the path, so no code can reach another URL; a code with
        a dot is refused, as the API would read what follows the dot as the format suffix."""
        if find_by is None:
            return await super().update(id, self._update_document(changes))
        if find_by != "code":
            raise ConfigurationError(f"find_by takes only 'code', got {_shown(find_by)}")
        document = self._update_document(changes)
        request = self._build(
            self.update_method,
            f"{self.collection}/{_code_segment(id)}",
            body=document,
            root=self.root,
            top_level={"find_by": "code"},
            xml_form=False,
            idempotent=not changes_children_once(document),
        )
        return self._core.to_model(request, await self._core.call(request), self.model)

    def _update_document(self, changes: WriteData) -> dict[str, Any]:
        document = self._document(changes)
        if isinstance(changes, Product):
            # A product read back and changed (get(), then attrs.evolve) carries the price_net
            # the API computed: not the caller's to send, and the rest of it is the update.
            document.pop("price_net", None)
        elif "price_net" in document:
            raise ConfigurationError(_NO_PRICE_NET)
        return document

    def widget_url(self, product: Product | str) -> str:
        """The payment widget's script for a product (embed it in a page to sell it):
        ``https://app.{brand}/a/{prefix}/p/{token}.js``, from the product's ``token``."""
        token = product.token if isinstance(product, Product) else product
        if not isinstance(token, str) or not token.strip():
            raise ConfigurationError("the product has no token: read it with get() first")
        prefix = self._core.prefix
        if prefix is None:
            raise ConfigurationError(
                "the widget URL needs the account prefix: build the client with prefix="
            )
        return f"{self._core.app_url}/a/{prefix}/p/{_path_quoted(token, 'the product token')}.js"
