"""JSON codec: orjson when it is installed (it is several times faster), the stdlib otherwise."""

from __future__ import annotations

import json
import math
import re
from typing import Any, Final

from invoceanio.codecs.base import CodecError

__all__ = ["JsonCodec"]

try:
    import orjson
except ImportError:  # pragma: no cover - depends on the optional extra
    orjson = None  # type: ignore[assignment]


# A \u escape of a UTF-16 surrogate. Valid JSON, but alone (not half of an escaped pair) it
# names no character: orjson refuses it, and text holding one fails every later encode (a CSV
# file, the next request). Searched in the raw body first, so that only a body holding one
# (an escaped emoji, say) pays for the full check.
_SURROGATE_ESCAPE: Final = re.compile(rb"\\u[dD][89abcdefABCDEF]")


def _no_constant(name: str) -> Any:
    # NaN, Infinity, -Infinity: no JSON (orjson refuses them), and no amount either.
    raise ValueError(f"{name} is no JSON value")


def _finite_float(text: str) -> float:
    # As orjson reads: a number too large for a float (1e400) is refused, not infinity.
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number out of range: {text[:40]}")
    return value


def _is_unicode(data: Any) -> bool:
    """Whether every text in ``data`` is valid Unicode (no lone surrogate is left in it)."""
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class JsonCodec:
    name = "json"
    media_type = "application/json"
    media_types = frozenset({"application/json", "text/json", "application/problem+json"})
    suffix = ".json"
    #: orjson reads 1 MiB in about 4 ms (the stdlib's json in about 9): a body past
    #: that is read in a worker thread (see :class:`~invoceanio.codecs.base.Codec`).
    decode_off_loop_above: int | None = 1024 * 1024

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
            # As orjson reads: strict UTF-8 (json.loads(bytes) would let the bytes of a lone
            # surrogate through, decoding with surrogatepass, and guess UTF-16 or UTF-32), and
            # no NaN, Infinity or number past a float's range.
            data = json.loads(
                body.decode("utf-8"), parse_constant=_no_constant, parse_float=_finite_float
            )
            if _SURROGATE_ESCAPE.search(body) is None or _is_unicode(data):
                return data
            problem = "malformed JSON: a \\u escape names a lone surrogate, which is no character"
        except (ValueError, UnicodeDecodeError) as exc:
            problem = f"malformed JSON: {str(exc)[:120]}"
        except RecursionError:
            # The stdlib parser recurses once per nesting level; a hostile body can exhaust it.
            problem = "JSON nested too deeply"
        # Raised outside the except block: not even as the hidden __context__ may the parser's
        # error stay attached, since it holds the whole body (orjson's ``.doc``), credentials
        # the server quoted back included.
        raise CodecError(problem)
