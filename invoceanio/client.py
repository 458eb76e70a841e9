"""``InvoiceOcean``: the client users hold. It checks its configuration, assembles the layers
(transport, middleware, codecs, provider) once, and exposes one service per resource."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Any, Final, get_args

from invoceanio import hosts
from invoceanio._version import __version__
from invoceanio.codecs.registry import CodecRegistry, default_registry
from invoceanio.core import ApiCore
from invoceanio.errors import ConfigurationError
from invoceanio.middleware.auth import (
    AuthMode,
)
from invoceanio.middleware.base import Middleware, build_chain
from invoceanio.middleware.limiter import LimiterMiddleware
from invoceanio.middleware.logging import LoggingMiddleware
from invoceanio.middleware.retry import RetryMiddleware, RetryPolicy
from invoceanio.providers.base import Provider
from invoceanio.providers.invoiceocean import InvoiceOceanProvider
from invoceanio.resources.clients import ClientsService
from invoceanio.resources.invoices import InvoicesService
from invoceanio.secrets import Secret
from invoceanio.transport.aiohttp import AiohttpTransport
from invoceanio.transport.base import Transport

__all__ = ["InvoiceOcean"]

DEFAULT_TIMEOUT: Final = 30.0
DEFAULT_MAX_CONCURRENCY: Final = 16
#: Responses larger than this raise ResponseTooLargeError instead of being buffered.
DEFAULT_MAX_RESPONSE_BYTES: Final = 50 * 1024 * 1024
USER_AGENT: Final = f"invoceanio/{__version__}"
_AUTH_MODES: Final = frozenset(get_args(AuthMode))


def _secret(value: str | Secret | None, name: str) -> Secret | None:
    if value is None:
        return None
    if isinstance(value, Secret):
        return value
    if not isinstance(value, str):
        raise ConfigurationError(f"{name} must be a str or a Secret")
    return Secret(value)


class InvoiceOcean:
    """An async client for one InvoiceOcean / Fakturownia / VosFactures / BitFactura account.

    >>> async with InvoiceOcean(prefix="acme", api_token="...") as io:  # doctest: +SKIP
    ...     invoice = await io.invoices.get(123)

    ``max_response_bytes`` caps the body the default transport will read (pass your own
    ``transport=`` to set it otherwise). ``base_url`` overrides ``prefix``/``brand`` (https
    only, plain http only for loopback hosts).
    A token of the form ``TOKEN/prefix`` gives the prefix when none is passed. Every argument is
    checked here, before any network I/O, and errors raise :class:`ConfigurationError`.
    """

    def __init__(
        self,
        prefix: str | None = None,
        api_token: str | Secret | None = None,
        brand: str = "invoiceocean.com",
        base_url: str | None = None,
        format: str = "json",
        auth: str = "bearer",
        timeout: float | None = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        transport: Transport | None = None,
        *,
        login: str | Secret | None = None,
        password: str | Secret | None = None,
        rate_limit: float | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        middleware: Sequence[Middleware] = (),
        codecs: CodecRegistry | None = None,
        provider: Provider | None = None,
    ) -> None:
        token = _secret(api_token, "api_token")
        self.provider: Provider = provider or InvoiceOceanProvider()
        self.brand = hosts.check_brand(brand)
        self.base_url = (
            hosts.check_base_url(base_url)
            if base_url is not None
            else self.provider.account_url(prefix=prefix, brand=brand, token=token)
        )
        self.codecs = codecs or default_registry()
        if format not in self.provider.formats or format not in self.codecs.names:
            raise ConfigurationError(
                f"format must be one of {sorted(self.provider.formats)}, got {format!r}"
            )
        if not isinstance(max_concurrency, int) or max_concurrency < 1:
            raise ConfigurationError("max_concurrency must be an int of at least 1")
        # "not > 0" also refuses NaN, which every comparison answers with False.
        if timeout is not None and (
            isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0
        ):
            raise ConfigurationError("timeout must be a positive number (or None for no limit)")
        self.format = format
        self.auth = auth
        self.retry_policy = retry if retry is not None else RetryPolicy()
        auth_layer = self.provider.authenticator(
            auth, token=token, login=_secret(login, "login"), password=_secret(password, "password")
        )
        self._owns_transport = transport is None
        self._transport: Transport = transport or AiohttpTransport(
            max_connections=max_concurrency,
            timeout=timeout,
            max_body_size=max_response_bytes,
            user_agent=USER_AGENT,
        )
        chain: list[Middleware] = [
            RetryMiddleware(self.retry_policy),
            LimiterMiddleware(max_concurrency, rate_limit),
            LoggingMiddleware(),
            *middleware,
            auth_layer,
        ]
        self._core = ApiCore(
            base_url=self.base_url,
            provider=self.provider,
            codecs=self.codecs,
            format=format,
            send=build_chain(chain, self._transport.send),
            timeout=timeout,
        )
        self.invoices = InvoicesService(self._core)
        self.clients = ClientsService(self._core)

    async def aclose(self) -> None:
        """Close the connection pool (a transport passed in by the caller stays theirs)."""
        if self._owns_transport:
            await self._transport.aclose()

    async def __aenter__(self) -> InvoiceOcean:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"<InvoiceOcean {self.base_url} format={self.format} auth={self.auth}>"

    def __reduce__(self) -> Any:
        raise TypeError("an InvoiceOcean client holds credentials and cannot be pickled")
