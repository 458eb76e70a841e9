"""The one place that turns a URL into something safe to show.

Every URL that reaches a log line, a repr or an exception goes through :func:`redact_url`: it
masks credential query parameters (``api_token`` and friends) and any user:password part.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit

__all__ = ["SENSITIVE_PARAMS", "redact_url"]

SENSITIVE_PARAMS: Final = frozenset(
    {"api_token", "integration_token", "password", "token", "access_token"}
)
_MASK: Final = "REDACTED"


def redact_url(url: str) -> str:
    """Return ``url`` with credentials masked; cheap when there is nothing to mask."""
    if "@" not in url and not any(name in url for name in SENSITIVE_PARAMS):
        return url
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{_MASK}@{netloc.rpartition('@')[2]}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode(
            [(key, _MASK if key.lower() in SENSITIVE_PARAMS else value) for key, value in pairs],
            safe="[],",
        )
    return SplitResult(parts.scheme, netloc, parts.path, query, parts.fragment).geturl()
