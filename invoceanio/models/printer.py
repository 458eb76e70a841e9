"""Fiscal printers (``GET /printers.json``, read-only; spec 4.1 [RCPT]).

The only documented use is the printer id, passed as ``fiskator_name`` to
``/invoices/fiscal_print`` to print a receipt or issue an e-receipt. Nothing else about the
record is documented, so only ``id`` and ``name`` are named; anything more the API sends
lands in ``extra`` and is kept.
"""

from __future__ import annotations

import attrs

from invoceanio.models.base import Model

__all__ = ["Printer"]


@attrs.frozen(kw_only=True, repr=False)
class Printer(Model):
    id: int | None = None
    name: str | None = None
