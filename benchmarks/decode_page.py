"""Decoding one list page: 100 invoices (about 80 fields each, unknown ones included, and 3
positions) from response bytes to ``list[Invoice]``, in JSON and in XML.

Why: ``io.invoices.iterate()`` over a large account is this, page after page, and it is pure
CPU in the caller's event loop. The time is split into the two steps the client takes
(:meth:`ApiCore.decode` then :meth:`ApiCore.to_models`):

- decode: ``codec.decode(body)``: bytes to JSON-shaped data (lists, dicts, strings);
- structure: ``[structure(item, Invoice) for item in data]``: the cattrs converter with the
  API's quirk hooks (string money to Decimal, blank dates, ``"0"`` flags, unknown fields kept
  in ``extra``).

JSON is measured with the codec as configured (orjson when installed) and with the stdlib
``json`` for comparison. The XML page is what ``GET /invoices.xml`` returns: ``<invoices
type="array"><invoice>...</invoice>...</invoices>`` with Rails type attributes, built with
``XmlCodec().encode({"invoices": [...]})``; the codec returns the root's content, a list.

Each figure is the median of many single runs (``timeit.repeat(number=1)``, so the garbage
collector is off while timing), in milliseconds; the best run is kept too, since on a shared
virtual machine the spread between runs is wide (a second mode some 40% slower is common).
"""

from __future__ import annotations

import json
import statistics
import timeit
from collections.abc import Callable
from typing import Any, Final

import attrs

from benchmarks.payloads import invoice_page, xml_shaped
from invoceanio.codecs import JsonCodec, XmlCodec
from invoceanio.codecs.base import Codec
from invoceanio.models import Invoice, structure

__all__ = ["DecodeSettings", "page_bodies", "run_decode_benchmark"]

PAGE_SIZE: Final = 100
POSITIONS: Final = 3


@attrs.frozen
class DecodeSettings:
    repetitions: int = 60


def page_bodies() -> dict[str, bytes]:
    """The same page as the API sends it, in each format."""
    page = invoice_page(PAGE_SIZE, POSITIONS)
    return {
        "json": json.dumps(page, ensure_ascii=False).encode(),
        "xml": XmlCodec().encode({"invoices": xml_shaped(page)}),
    }


def structure_page(data: Any) -> list[Invoice]:
    """What ``ApiCore.to_models`` does with a decoded page."""
    return [structure(item, Invoice) for item in data]


def _times_ms(fn: Callable[[], object], repetitions: int) -> tuple[float, float]:
    """(median, best) of ``repetitions`` single runs, in milliseconds."""
    fn()  # warm caches and the converter's generated code
    times = timeit.repeat(fn, number=1, repeat=repetitions)
    return round(statistics.median(times) * 1000, 3), round(min(times) * 1000, 3)


def _check(codec: Codec, body: bytes) -> Any:
    """Decode once and prove the page round-trips into the models before timing it."""
    data = codec.decode(body)
    invoices = structure_page(data)
    if len(invoices) != PAGE_SIZE or any(len(i.positions) != POSITIONS for i in invoices):
        raise RuntimeError(f"{codec.name}: the page did not decode to {PAGE_SIZE} invoices")
    if not invoices[0].extra:
        raise RuntimeError(f"{codec.name}: unknown fields were not kept in extra")
    return data


def measure(codec: Codec, body: bytes, repetitions: int) -> dict[str, Any]:
    data = _check(codec, body)
    decode_ms, decode_best = _times_ms(lambda: codec.decode(body), repetitions)
    structure_ms, structure_best = _times_ms(lambda: structure_page(data), repetitions)
    total_ms, total_best = _times_ms(lambda: structure_page(codec.decode(body)), repetitions)
    return {
        "body_bytes": len(body),
        "decode_ms": decode_ms,
        "structure_ms": structure_ms,
        "total_ms": total_ms,
        "per_invoice_us": round(total_ms / PAGE_SIZE * 1000, 1),
        "best_ms": {"decode": decode_best, "structure": structure_best, "total": total_best},
    }


def run_decode_benchmark(settings: DecodeSettings) -> dict[str, Any]:
    bodies = page_bodies()
    sample = invoice_page(1, POSITIONS)[0]
    codecs: dict[str, tuple[Codec, bytes]] = {
        "json": (JsonCodec(), bodies["json"]),
        "json_stdlib": (JsonCodec(use_orjson=False), bodies["json"]),
        "xml": (XmlCodec(), bodies["xml"]),
    }
    return {
        "settings": attrs.asdict(settings),
        "page": {
            "invoices": PAGE_SIZE,
            "positions_per_invoice": POSITIONS,
            "invoice_fields": len(sample),
            "invoice_fields_unknown_to_the_model": len(
                set(sample) - {field.name for field in attrs.fields(Invoice)}
            ),
        },
        "formats": {
            name: measure(codec, body, settings.repetitions)
            for name, (codec, body) in codecs.items()
        },
    }
