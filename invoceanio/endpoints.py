"""The catalogue of API endpoints, read off the SDK's own methods.

Every service method that talks to the API is marked with :func:`endpoint`, once per HTTP call
it makes (an attachment upload makes three). :func:`catalogue` collects the marks of every
service the client exposes, and :func:`render_markdown` turns them into ``docs/endpoints.md``
(``invoceanio endpoints`` prints it).
The test suite checks both directions: the file equals what the code renders, and every mark is
exercised by a test that checks the method and path the call really sends. So the document
cannot drift from the code, and the code cannot drift from the document.

Paths are written relative to the host, without the format suffix, with placeholders:
``{collection}`` (the service's own path, so marks on shared CRUD methods render once per
service), ``{id}`` and other names of values the method takes. A method of ``{name}`` is the
service's attribute ``name`` (``{update_method}``: PUT, or PATCH for payments).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, Literal, TypeVar

import attrs

__all__ = ["Endpoint", "EndpointRow", "catalogue", "endpoint", "render_markdown"]

F = TypeVar("F", bound=Callable[..., Any])
Host = Literal["account", "app", "upload", "redirect"]
#: What the path suffix is: the configured format (json or xml), json only, a fixed one, none.
Suffix = Literal["format", "json", "pdf", "none"]

_MARKS: Final = "__invoceanio_endpoints__"
_HOSTS: Final[Mapping[str, str]] = {
    "account": "`https://{prefix}.{brand}`",
    "app": "`https://app.{brand}`",
    "upload": "the URL the API handed out",
    "redirect": "the URL the API redirected to",
}


@attrs.frozen
class Endpoint:
    """One HTTP call a method makes."""

    method: str
    path: str
    suffix: Suffix = "format"
    host: Host = "account"
    note: str = ""

    def render_path(self, collection: str, xml: bool = True) -> str:
        """The path as a reader meets it; ``xml`` is False on a service the API documents in
        JSON only (its ``xml`` class attribute), whose ``format`` marks always send ``.json``."""
        if self.host in ("upload", "redirect"):
            return self.path
        path = "/" + self.path.replace("{collection}", collection).lstrip("/")
        if self.suffix == "format":
            return f"{path}.{{json,xml}}" if xml else f"{path}.json"
        if self.suffix in ("json", "pdf"):
            return f"{path}.{self.suffix}"
        return path


def endpoint(
    method: str,
    path: str,
    *,
    suffix: Suffix = "format",
    host: Host = "account",
    note: str = "",
) -> Callable[[F], F]:
    """Mark a method as making this HTTP call (stack the decorator for several calls)."""
    verb = method if method.startswith("{") else method.upper()
    mark = Endpoint(method=verb, path=path, suffix=suffix, host=host, note=note)

    def decorate(function: F) -> F:
        # Decorators apply bottom-up: prepend, so the marks read in the order written.
        setattr(function, _MARKS, (mark, *getattr(function, _MARKS, ())))
        return function

    return decorate


def marks_of(function: Any) -> tuple[Endpoint, ...]:
    marks: tuple[Endpoint, ...] = getattr(function, _MARKS, ())
    return marks


@attrs.frozen
class EndpointRow:
    """A mark as the user meets it: the SDK call beside the HTTP call it makes."""

    sdk: str
    endpoint: Endpoint
    collection: str
    #: The verb as this service sends it (a ``{update_method}`` mark names the service's own).
    method: str
    #: Whether the service has an XML form (its ``xml`` class attribute): without one, a
    #: ``format`` mark sends ``.json`` whatever the client's ``format`` says.
    xml: bool = True

    @property
    def path(self) -> str:
        return self.endpoint.render_path(self.collection, self.xml)


# The CRUD calls first, in the order people think of them; then the rest by name.
_FIRST: Final = ("list", "get", "create", "update", "delete")


def _public_methods(cls: type[Any]) -> Iterable[tuple[str, Any]]:
    members = [
        (name, member)
        for name, member in inspect.getmembers(cls, callable)
        if not name.startswith("_")
    ]
    members.sort(key=lambda item: (_FIRST.index(item[0]) if item[0] in _FIRST else 99, item[0]))
    return members


def _method(mark: Endpoint, owner: type[Any]) -> str:
    if mark.method.startswith("{") and mark.method.endswith("}"):
        return str(getattr(owner, mark.method[1:-1])).upper()
    return mark.method


def catalogue(services: Mapping[str, type[Any]], client_methods: type[Any]) -> list[EndpointRow]:
    """Every marked call: ``services`` maps ``io.<attribute>`` names to service classes (each
    with a ``collection``, and ``xml = False`` where the API has no XML form);
    ``client_methods`` is the client class for calls made on ``io``."""
    rows: list[EndpointRow] = []
    for attribute, service in services.items():
        collection = str(getattr(service, "collection", ""))
        xml = bool(getattr(service, "xml", True))
        for name, member in _public_methods(service):
            rows.extend(
                EndpointRow(f"io.{attribute}.{name}", mark, collection, _method(mark, service), xml)
                for mark in marks_of(member)
            )
    for name, member in _public_methods(client_methods):
        rows.extend(
            EndpointRow(f"io.{name}", mark, "", _method(mark, client_methods))
            for mark in marks_of(member)
        )
    return rows


def render_markdown(rows: Iterable[EndpointRow]) -> str:
    """``docs/endpoints.md``: one table per host, in the order of the services."""
    lines = [
        "# Endpoints and the SDK calls that reach them",
        "",
        "Generated from the code by `invoceanio endpoints > docs/endpoints.md`; a test fails",
        "when this file and the code differ. `.{json,xml}` is the client's `format`; a call with",
        "`.json` only has no XML form in the API. A method listed on several rows makes each",
        "call in turn.",
    ]
    rows = list(rows)
    for host, title in _HOSTS.items():
        selected = [row for row in rows if row.endpoint.host == host]
        if not selected:
            continue
        lines += [
            "",
            f"## On {title}",
            "",
            "| HTTP | path | SDK call | note |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {row.method} | `{row.path}` | `{row.sdk}()` | {row.endpoint.note} |"
            for row in selected
        ]
    return "\n".join(lines) + "\n"
