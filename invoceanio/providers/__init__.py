"""API conventions, one provider per invoicing service."""

from invoceanio.providers.base import ErrorInfo, Page, Provider
from invoceanio.providers.invoiceocean import InvoiceOceanProvider

__all__ = ["ErrorInfo", "InvoiceOceanProvider", "Page", "Provider"]
