"""What a codec is: bytes of one media type to JSON-shaped data and back.

JSON-shaped data means dicts with str keys, lists, str, int, float, bool and None. Every codec
produces and accepts exactly that shape, so one cattrs converter serves every wire format.
"""

from __future__ import annotations

from typing import Any, Protocol

__all__ = ["Codec", "CodecError"]


class CodecError(ValueError):
    """A body could not be decoded or data could not be encoded.

    Codecs raise this without request context; the client re-raises it as
    :class:`~invoceanio.errors.DecodeError` naming the method and the redacted path.
    """


class Codec(Protocol):
    #: Short name, also the ``format=`` value that selects it ("json", "xml").
    name: str
    #: The media type sent in ``Content-Type`` and ``Accept``.
    media_type: str
    #: Every media type this codec accepts when decoding.
    media_types: frozenset[str]
    #: The path suffix that selects this format on the InvoiceOcean API (".json").
    suffix: str
    # Optional: ``decode_off_loop_above: int | None``, the body size in bytes past which the
    # client decodes an answer in a worker thread rather than on the event loop (a codec
    # without it, or with None, always decodes on the loop; below 16 KiB no body goes to a
    # thread). Not a member of the protocol, so that a codec written before it still is one.

    def encode(self, data: Any) -> bytes:
        """Serialise JSON-shaped data. XML needs a dict with exactly one key: the root element."""

    def decode(self, body: bytes) -> Any:
        """Parse a body into JSON-shaped data; raise :class:`CodecError` when it is not valid."""
