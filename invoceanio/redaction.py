"""The one place that turns a URL into something safe to show.

Every URL that reaches a log line, a repr or an exception goes through :func:`redact_url`: it
masks credential query parameters (``api_token`` and friends) and any user:password part.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, Final
from urllib.parse import SplitResult, unquote_plus, urlsplit

__all__ = ["SENSITIVE_PARAMS", "chain_quotes_any", "mask_needles", "quotes_any", "redact_url"]

SENSITIVE_PARAMS: Final = frozenset(
    {
        "api_token",
        "integration_token",
        "password",
        "token",
        "access_token",
        # A pre-signed file or upload URL (S3 style) is itself a key to the file.
        "signature",
        "x-amz-signature",
        "x-amz-credential",
        "x-amz-security-token",
    }
)
_MASK: Final = "REDACTED"
# "&" separates parameters; some servers (older Rack) also split on ";", so a value hidden
# behind one must be masked too.
_SEPARATORS: Final = re.compile(r"([&;])")


def _redact_pair(pair: str) -> str:
    key = pair.partition("=")[0]
    if unquote_plus(key).strip().lower() in SENSITIVE_PARAMS:
        return f"{key}={_MASK}"
    return pair


def redact_url(url: str) -> str:
    """Return ``url`` with credentials masked; cheap when there is nothing to mask.

    Parameter names match case-insensitively and after percent-decoding. Everything else (the
    order, repeated and bracketed names such as ``kinds[]``, the original percent-encoding) is
    kept as it was, and a URL with nothing to mask is returned unchanged.
    """
    if "@" not in url and "?" not in url:
        return url
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{_MASK}@{netloc.rpartition('@')[2]}"
    query = "".join(_redact_pair(piece) for piece in _SEPARATORS.split(parts.query))
    if netloc == parts.netloc and query == parts.query:
        return url
    return SplitResult(parts.scheme, netloc, parts.path, query, parts.fragment).geturl()


def mask_needles(value: object, needles: Sequence[str]) -> object:
    """``value`` with every occurrence of ``needles`` in its text masked: a str, or the strs
    (keys too) nested in lists, tuples and dicts, which is the shape of a decoded answer and
    of ``field_errors``. Anything else is returned as it is. Give ``needles`` longest first, so
    that a spelling holding another is masked whole.

    Iterative, not recursive: an error answer nested deeper than Python's recursion limit
    (orjson reads 1024 levels, expat any) must still come out masked, not as RecursionError.
    """
    holder: list[object] = [None]
    # (original, the copy's parent, the key in it); tuples are built as lists, then frozen.
    pending: list[tuple[object, Any, Any]] = [(value, holder, 0)]
    frozen: list[tuple[list[object], Any, Any]] = []
    while pending:
        item, parent, key = pending.pop()
        if isinstance(item, str):
            parent[key] = _masked_text(item, needles)
        elif isinstance(item, list | tuple):
            copy: list[object] = [None] * len(item)
            parent[key] = copy
            if isinstance(item, tuple):
                frozen.append((copy, parent, key))
            pending.extend((child, copy, index) for index, child in enumerate(item))
        elif isinstance(item, dict):
            mapping: dict[object, object] = {}
            parent[key] = mapping
            for name, child in item.items():
                masked = _masked_text(name, needles) if isinstance(name, str) else name
                mapping[masked] = None
                pending.append((child, mapping, masked))
        else:
            parent[key] = item
    # Inner tuples were recorded after their parents: freezing from the end freezes them first.
    for copy, parent, key in reversed(frozen):
        parent[key] = tuple(copy)
    return holder[0]


def _masked_text(text: str, needles: Sequence[str]) -> str:
    for needle in needles:
        if needle in text:
            text = text.replace(needle, _MASK)
    return text


def quotes_any(exc: BaseException, needles: Iterable[str]) -> bool:
    """True when the exception's message, repr or notes contain any of ``needles``."""
    try:
        texts = [str(exc), repr(exc), *map(str, getattr(exc, "__notes__", ()))]
    except Exception:
        # An exception that cannot even be rendered cannot be shown to be safe.
        return True
    return any(needle in text for text in texts for needle in needles)


def chain_quotes_any(exc: BaseException, needles: Iterable[str]) -> bool:
    """``quotes_any`` for the exception and every cause and context chained to it."""
    needles = list(needles)
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if quotes_any(current, needles):
            return True
        pending.extend(link for link in (current.__cause__, current.__context__) if link)
    return False
