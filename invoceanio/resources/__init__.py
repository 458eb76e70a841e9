"""One service per API resource, reached as attributes of the client (``io.invoices``)."""

from invoceanio.resources.base import PaginationError, ResourceService
from invoceanio.resources.clients import ClientsService
from invoceanio.resources.invoices import InvoicesService

__all__ = ["ClientsService", "InvoicesService", "PaginationError", "ResourceService"]
