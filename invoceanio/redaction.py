"""The one place that turns a URL into something safe to show.

Every URL that reaches a log line, a repr or an exception goes through :func:`redact_url`: it
masks credential query parameters (``api_token`` and friends) and any user:password part.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Final
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
    that a spelling holding another is masked whole."""
    if isinstance(value, str):
        for needle in needles:
            if needle in value:
                value = value.replace(needle, _MASK)
        return value
    if isinstance(value, list | tuple):
        masked = [mask_needles(item, needles) for item in value]
        return masked if isinstance(value, list) else tuple(masked)
    if isinstance(value, dict):
        return {mask_needles(k, needles): mask_needles(v, needles) for k, v in value.items()}
    return value


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
