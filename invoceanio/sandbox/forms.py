"""Form bodies as Rails reads them: Rack's parameter parser, ported.

A form-encoded or multipart body (spec 3: jQuery's ``$.ajax({data: ...})`` sends
``invoice[positions][0][name]=...``) is read for every resource by one parser,
:func:`form_params`, into the nested objects and lists Rails' Rack parser makes of it:
``[key]`` an object (so ``[0]`` is the key ``"0"``: Rails' hash form of a list), ``[]`` a list,
the last of repeated plain names winning.

This module knows forms only; :mod:`invoceanio.sandbox.wire` turns what it refuses into the
service's 400 and 422 answers (:func:`read_form` raises :class:`FormBodyError`,
:func:`first_upload` names the field holding a file), so the parser does not depend on the
wire's error type and the wire can import it without a cycle.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Final

from aiohttp import web

__all__ = [
    "FORMS",
    "FORM_DEPTH_LIMIT",
    "FormBodyError",
    "FormParamsError",
    "first_upload",
    "form_params",
    "is_form",
    "read_form",
]

#: The bodies Rails reads as parameters (Rack's form parsers), whatever the path suffix says.
FORMS: Final = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})
#: Rack 3's ``param_depth_limit``: deeper nesting is a 400 (``Rack::QueryParser::
#: ParamsTooDeepError``), which also bounds the parser's recursion.
FORM_DEPTH_LIMIT: Final = 32


class FormParamsError(ValueError):
    """A form body Rack refuses (Rails answers 400): a name used as a list and as an object,
    or nesting deeper than :data:`FORM_DEPTH_LIMIT`."""


class FormBodyError(ValueError):
    """A form body that cannot be read (Rails answers 400); the text is the answer's message."""


def _has_key(params: dict[str, Any], key: str) -> bool:
    """Rack's ``params_hash_has_key?``: whether the nested ``key`` (``a[b]``) is set."""
    if "[]" in key:
        return False
    current: Any = params
    for part in re.split(r"[\[\]]+", key):
        if part == "":
            continue
        if not isinstance(current, dict) or part not in current:
            return False
        current = current[part]
    return True


def _normalize(params: dict[str, Any], name: str, value: Any, depth: int) -> Any:
    """Rack 3's ``QueryParser#normalize_params``, ported as it reads: ``name`` (``a[b][]``,
    ``a[][b]``...) set to ``value`` in ``params``."""
    if depth >= FORM_DEPTH_LIMIT:
        raise FormParamsError("the parameters are nested too deep")
    if depth == 0:
        start = name.find("[", 1)  # a name's own leading bracket is no nesting
        key, after = (name[:start], name[start:]) if start != -1 else (name, "")
    elif name.startswith("[]"):
        key, after = "[]", name[2:]
    elif name.startswith("[") and (end := name.find("]", 1)) != -1:
        key, after = name[1:end], name[end + 1 :]
    else:
        key, after = name, ""  # malformed nesting: the whole name, as Rack keeps it
    if not key:
        return None
    if after == "":
        if key == "[]" and depth != 0:
            return [value]
        params[key] = value
    elif after == "[":
        params[name] = value
    elif after == "[]":
        params[key] = _list(params, key)
        params[key].append(value)
    elif after.startswith("[]"):
        # a[][b]: an object inside a list; a key the last object already has starts a new one
        child = after[3:-1]
        simple = child and "[" not in child and "]" not in child
        if not (after[2:3] == "[" and after.endswith("]") and simple):
            child = after[2:]
        entries = params[key] = _list(params, key)
        last = entries[-1] if entries else None
        if isinstance(last, dict) and not _has_key(last, child):
            _normalize(last, child, value, depth + 1)
        else:
            entries.append(_normalize({}, child, value, depth + 1))
    else:
        current = params.get(key)
        if current is None:
            current = {}
        elif not isinstance(current, dict):
            raise FormParamsError(f"expected an object for param `{key}'")
        params[key] = _normalize(current, after, value, depth + 1)
    return params


def _list(params: dict[str, Any], key: str) -> list[Any]:
    current = params.get(key)
    if current is None:
        return []
    if not isinstance(current, list):
        raise FormParamsError(f"expected a list for param `{key}'")
    return current


def form_params(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """Form fields (``invoice[positions][0][name]``, ``invoice[positions][][name]``) as the
    nested parameters Rack makes of them: ``[key]`` an object (so ``[0]`` is the key ``"0"``:
    Rails' hash form of a list), ``[]`` a list, the last of repeated plain names winning.
    Values stay as given (text, or an upload). :class:`FormParamsError` when Rack refuses."""
    params: dict[str, Any] = {}
    for name, value in pairs:
        _normalize(params, name, value, 0)
    return params


def is_form(request: web.Request) -> bool:
    return request.content_type in FORMS


async def read_form(request: web.Request) -> dict[str, Any]:
    """The request's form body as :func:`form_params` nests it; :class:`FormBodyError` when it
    is malformed or Rack refuses it."""
    try:
        form = await request.post()
    except web.HTTPException:
        raise
    except Exception:
        raise FormBodyError("malformed form request body") from None
    try:
        return form_params(form.items())
    except FormParamsError as exc:
        raise FormBodyError(f"malformed form request body: {exc}") from None


def first_upload(data: Any, name: str) -> str | None:
    """The name of the field of ``data`` (itself called ``name``) that holds a file, if any:
    the field a resource that takes text refuses (Rails would store the upload's text form).
    A list's items are named after the list."""
    if isinstance(data, web.FileField):
        return name
    if isinstance(data, dict):
        for key, value in data.items():
            if (found := first_upload(value, str(key))) is not None:
                return found
    elif isinstance(data, list):
        for value in data:
            if (found := first_upload(value, name)) is not None:
                return found
    return None
