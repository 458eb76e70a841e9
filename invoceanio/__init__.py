"""invoceanio: an async-first SDK for the InvoiceOcean / Fakturownia invoicing API.

>>> from invoceanio import InvoiceOcean
"""

from invoceanio._version import __version__
from invoceanio.client import InvoiceOcean
from invoceanio.errors import (
    APIError,
    AuthenticationError,
    ClientClosedError,
    ConfigurationError,
    ConnectError,
    ConnectionLostError,
    DecodeError,
    InvoiceOceanError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    RateLimitError,
    ReadBackError,
    RequestTimeout,
    ResponseTooLargeError,
    ServerError,
    TransportError,
    ValidationError,
    WebhookError,
)
from invoceanio.middleware.retry import RetryPolicy
from invoceanio.secrets import Secret

__all__ = [
    "APIError",
    "AuthenticationError",
    "ClientClosedError",
    "ConfigurationError",
    "ConnectError",
    "ConnectionLostError",
    "DecodeError",
    "InvoiceOcean",
    "InvoiceOceanError",
    "NotFoundError",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimitError",
    "ReadBackError",
    "RequestTimeout",
    "ResponseTooLargeError",
    "RetryPolicy",
    "Secret",
    "ServerError",
    "TransportError",
    "ValidationError",
    "WebhookError",
    "__version__",
]
