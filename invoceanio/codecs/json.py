"""JSON codec: orjson when it is installed (it is several times faster), the stdlib otherwise."""

from __future__ import annotations

import json
from typing import Any

from invoceanio.codecs.base import CodecError

__all__ = ["JsonCodec"]

try:
    import orjson
except ImportError:  # pragma: no cover - depends on the optional extra
    orjson = None  # type: ignore[assignment]


class JsonCodec:
    name = "json"
    media_type = "application/json"
    media_types = frozenset({"application/json", "text/json", "application/problem+json"})
    suffix = ".json"

    def __init__(self, *, use_orjson: bool = True) -> None:
        self._orjson = orjson if use_orjson else None

    def encode(self, data: Any) -> bytes:
        try:
            if self._orjson is not None:
                encoded: bytes = self._orjson.dumps(data)
                return encoded
            return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
        except (TypeError, ValueError) as exc:
            raise CodecError(f"cannot encode as JSON: {exc}") from None

    def decode(self, body: bytes) -> Any:
        if not body.strip():
            raise CodecError("empty body where JSON was expected")
        try:
            if self._orjson is not None:
                return self._orjson.loads(body)
            return json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            problem = f"malformed JSON: {str(exc)[:120]}"
        except RecursionError:
            # The stdlib parser recurses once per nesting level; a hostile body can exhaust it.
            problem = "JSON nested too deeply"
        # Raised outside the except block: not even as the hidden __context__ may the parser's
        # error stay attached, since it holds the whole body (orjson's ``.doc``), credentials
        # the server quoted back included.
        raise CodecError(problem)
