"""A bad value deep in nested records is read a fixed number of times, whatever the depth.

Each model is read by its one-pass function first and by cattrs' reference function when that
fails (for the detailed error). A model nested in another used to fall back on its own, and
then its parent's fallback read it again the same way: the work doubled at each level, and a
538-byte answer nested 22 levels deep held the event loop for seconds. Counted here by the
times the bad value itself is looked at, not timed.
"""

from __future__ import annotations

from typing import Any

import cattrs
import pytest

from invoceanio.models import Invoice, structure


class CountedText(str):
    """Text that counts how often the converter reads it (``strip`` is its first step)."""

    reads = 0

    def strip(self, chars: str | None = None) -> str:
        CountedText.reads += 1
        return str.strip(self, chars)


def _nested(depth: int) -> dict[str, Any]:
    invoice: dict[str, Any] = {
        "id": 1,
        "positions": [{"name": "x", "quantity": CountedText("not a number")}],
    }
    for _ in range(depth):
        invoice = {"id": 1, "connected_payments": [{"id": 2, "invoices": [invoice]}]}
    return invoice


def _reads(depth: int) -> int:
    CountedText.reads = 0
    with pytest.raises(cattrs.BaseValidationError):
        structure(_nested(depth), Invoice)
    return CountedText.reads


def test_a_bad_value_is_read_as_often_at_any_depth() -> None:
    shallow = _reads(0)
    assert shallow >= 1
    # 2 model levels per step (an invoice, a payment): 1 and 21 levels of nesting.
    assert _reads(10) == shallow
    assert _reads(1) == shallow


def test_the_error_still_names_the_path_to_the_bad_value() -> None:
    with pytest.raises(cattrs.BaseValidationError) as caught:
        structure(_nested(2), Invoice)
    text = "\n".join(cattrs.transform_error(caught.value))
    assert "connected_payments" in text and "quantity" in text
