"""``io.printers``: the account's fiscal printers (``io.invoices.fiscal_print`` names one)."""

from __future__ import annotations

from invoceanio.models.printer import Printer
from invoceanio.resources.base import Listing

__all__ = ["PrintersService"]


class PrintersService(Listing[Printer]):
    collection = "printers"
    root = "printer"
    model = Printer
    xml = False
