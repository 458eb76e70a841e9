"""What a provider is: the conventions of one invoicing API, kept apart from the machinery.

Transport, middleware, codecs and bulk helpers know nothing of URL schemes, root keys or error
shapes; resource services ask the provider. A second API with other conventions (Fakturan.nu v2:
no path suffix, ``{"data": ...}`` envelopes, paging metadata, ``{"errors": ...}`` bodies) is a
second implementation of this protocol.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import attrs

from invoceanio.codecs.base import Codec
from invoceanio.codecs.registry import CodecRegistry
from invoceanio.errors import ConfigurationError
from invoceanio.http import Reconciler, Request, Response
from invoceanio.middleware.base import Middleware
from invoceanio.secrets import Secret

__all__ = ["Capabilities", "ErrorInfo", "Page", "Provider"]


@attrs.frozen
class ErrorInfo:
    """What an error body says, whatever its shape on the wire."""

    message: str
    field_errors: Mapping[str, Sequence[str]] = attrs.field(factory=dict)


@attrs.frozen
class Page:
    """The items of one list response, and whether the provider knows more follow."""

    items: list[Any]
    #: True/False when the response says so; None when only a short page tells (InvoiceOcean).
    has_more: bool | None = None


@attrs.frozen
class Capabilities:
    """What an API does that the resource and bulk layers must know, read from its provider's
    attributes of the same names (:meth:`of`). A provider may leave any of them out: it gets the
    value below, InvoiceOcean's, except ``unique_create_key``, which only a provider that says
    so has (assumed, it could duplicate invoices)."""

    #: The page size the API answers with when ``per_page`` is not given (or not read): a page
    #: of exactly that size, when more were asked for, is read as an endpoint ignoring per_page.
    default_per_page: int = 25
    #: The largest page the API gives: ``per_page`` is checked against it, and ``iterate()``
    #: asks for it unless told otherwise.
    max_per_page: int = 100
    #: Whether an update answers with the record. An API that answers 204 with no body
    #: (Fakturan.nu's PUT) says False, and the record is read again after the update.
    update_returns_record: bool = True
    #: Whether the API keeps a create's external key unique when asked (InvoiceOcean's ``oid``
    #: with ``oid_unique``), so that a create whose answer was lost can be found by it and sent
    #: again without a second invoice. The bulk importer re-sends on that promise alone: for an
    #: API without one it refuses to run rather than risk duplicates.
    unique_create_key: bool = False

    @classmethod
    def of(cls, provider: object) -> Capabilities:
        """The capabilities ``provider`` declares; ConfigurationError for one of the wrong kind
        (at the client's construction, before any call)."""
        found: dict[str, Any] = {}
        for field in attrs.fields(cls):
            if not hasattr(provider, field.name):
                continue
            value = getattr(provider, field.name)
            if field.type in (bool, "bool"):
                if not isinstance(value, bool):
                    raise ConfigurationError(
                        f"the provider's {field.name} must be a bool, got {type(value).__name__}"
                    )
            elif isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigurationError(
                    f"the provider's {field.name} must be an int of at least 1, got {value!r}"
                )
            found[field.name] = value
        capabilities = cls(**found)
        if capabilities.default_per_page > capabilities.max_per_page:
            raise ConfigurationError("the provider's default_per_page is over its max_per_page")
        return capabilities


class Provider(Protocol):
    """The conventions of one API. Besides these members, a provider may declare the
    attributes of :class:`Capabilities` (``max_per_page``, ``unique_create_key``...); left out,
    they take its defaults, so a provider written before one existed is still one."""

    #: Codec names every call of this API can use ("json", "xml").
    formats: frozenset[str]
    #: Ways this API accepts credentials (``auth=`` values).
    auth_modes: frozenset[str]

    def account_url(self, *, prefix: str | None, brand: str, token: Secret | None) -> str:
        """The base URL of an account, checked (raises ConfigurationError before any I/O)."""

    def authenticator(
        self, mode: str, *, token: Secret | None, login: Secret | None, password: Secret | None
    ) -> Middleware:
        """The innermost middleware that attaches the credentials where this API reads them."""

    def url(self, base_url: str, path: str, fmt: str | None) -> str:
        """The absolute URL of ``path`` (``"invoices/12"``) in a format ("json", "xml", "pdf"),
        or as it stands (``fmt=None``) for calls that have no format of their own."""

    def wrap(self, root: str | None, data: Any, top_level: Mapping[str, Any] | None = None) -> Any:
        """The request document for ``data`` under the resource root key.

        ``top_level`` holds the members of the request itself rather than of the object (a
        create's flags, such as InvoiceOcean's ``gov_save_and_send``); the provider puts them
        where its API reads them: beside the root key, or, for an API without one (Fakturan.nu),
        among the object's own members. The core passes it only when there are some, so a
        provider whose API has no such members may leave the parameter out."""

    def unwrap_one(self, data: Any) -> Any:
        """The object in a single-object response document."""

    def unwrap_page(self, data: Any) -> Page:
        """The items of a list response document."""

    def page_params(self, page: int, per_page: int) -> list[tuple[str, str]]:
        """Query parameters that select one page."""

    def error_info(self, data: Any) -> ErrorInfo | None:
        """What an error document says; None when it does not look like an error."""

    def body_error(self, data: Any) -> ErrorInfo | None:
        """For a 2xx document: the error it reports despite the status, or None."""

    def oid_reconciler(
        self,
        *,
        base_url: str,
        codec: Codec,
        codecs: CodecRegistry,
        collection: str,
        oid: str,
        template: Request,
    ) -> Reconciler | None:
        """A reconciler for a create carrying the unique external key ``oid``, if supported.

        ``codec`` is the client's configured format; ``codecs`` its whole registry, which
        reads an answer labelled with another media type (a 422 in JSON to an XML client)."""

    def is_html(self, response: Response) -> bool:
        """True when the body is an HTML page (a login page where data was expected)."""
