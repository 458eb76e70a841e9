"""The one place that turns a URL into something safe to show.

Every URL that reaches a log line, a repr or an exception goes through :func:`redact_url`: it
masks credential query parameters (``api_token`` and friends) and any user:password part.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import SplitResult, unquote_plus, urlsplit

__all__ = ["SENSITIVE_PARAMS", "redact_url"]

SENSITIVE_PARAMS: Final = frozenset(
    {"api_token", "integration_token", "password", "token", "access_token"}
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
