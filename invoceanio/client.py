"""``InvoiceOcean``: the client users hold. It checks its configuration, assembles the layers
(transport, middleware, codecs, provider) once, and exposes one service per resource."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, ClassVar, Final, get_args

from invoceanio import hosts
from invoceanio._version import __version__
from invoceanio.codecs.registry import CodecRegistry, default_registry
from invoceanio.core import ApiCore, Expect, query_params
from invoceanio.endpoints import endpoint
from invoceanio.errors import ClientClosedError, ConfigurationError
from invoceanio.http import Request, Response
from invoceanio.middleware.auth import scrubber_of
from invoceanio.middleware.base import Middleware, build_chain
from invoceanio.middleware.closing import ClosingWaits
from invoceanio.middleware.limiter import LimiterMiddleware
from invoceanio.middleware.logging import LoggingMiddleware
from invoceanio.middleware.retry import RetryMiddleware, RetryPolicy
from invoceanio.middleware.throttle import AdaptiveThrottle
from invoceanio.models.account import LoginResult
from invoceanio.models.converter import to_wire
from invoceanio.providers.base import Provider
from invoceanio.providers.invoiceocean import InvoiceOceanProvider
from invoceanio.resources.account import AccountService
from invoceanio.resources.clients import ClientsService
from invoceanio.resources.departments import DepartmentsService
from invoceanio.resources.invoices import InvoicesService
from invoceanio.resources.payments import PaymentsService
from invoceanio.resources.price_lists import PriceListsService
from invoceanio.resources.printers import PrintersService
from invoceanio.resources.products import ProductsService
from invoceanio.resources.recurrings import RecurringsService
from invoceanio.resources.reports import ReportsService
from invoceanio.resources.simple import (
    BankAccountsService,
    CategoriesService,
    IssuersService,
    WebhooksService,
)
from invoceanio.resources.warehouses import (
    WarehouseActionsService,
    WarehouseDocumentsService,
    WarehousesService,
)
from invoceanio.secrets import Secret, unsendable
from invoceanio.transport.aiohttp import AiohttpTransport
from invoceanio.transport.base import Transport

__all__ = ["InvoiceOcean"]

DEFAULT_TIMEOUT: Final = 30.0
DEFAULT_MAX_CONCURRENCY: Final = 16
#: Responses larger than this raise ResponseTooLargeError instead of being buffered.
DEFAULT_MAX_RESPONSE_BYTES: Final = 50 * 1024 * 1024
#: Files bigger than this are refused before any request (attachments, logos).
DEFAULT_MAX_UPLOAD_BYTES: Final = 25 * 1024 * 1024
_METHODS: Final = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
_EXPECTS: Final = frozenset(get_args(Expect))
USER_AGENT: Final = f"invoceanio/{__version__}"


def _relative_path(path: str) -> str:
    """A path for :meth:`InvoiceOcean.request`: relative to the account, no host, no suffix."""
    if not isinstance(path, str) or not path.strip("/ "):
        raise ConfigurationError("path must be a non-empty string such as 'invoices/12'")
    clean = path.strip().strip("/")
    if "://" in clean or any(c in clean for c in "?#\\ \t\r\n"):
        raise ConfigurationError(
            f"path must be relative to the account, without query or host, got {path!r}"
        )
    if any(part in ("", ".", "..") for part in clean.split("/")):
        raise ConfigurationError(f"path must not hold empty, '.' or '..' parts, got {path!r}")
    if clean.endswith((".json", ".xml")):
        raise ConfigurationError("leave the format suffix out: the client adds it")
    return clean


def _check_parts(
    *,
    format: object,
    auth: object,
    retry: object,
    transport: object,
    middleware: object,
    codecs: object,
) -> None:
    """The arguments that are objects of the SDK, checked for their kind: a wrong one would
    otherwise fail later, and obscurely (an AttributeError on the first call, a TypeError)."""
    for name, value in (("format", format), ("auth", auth)):
        if not isinstance(value, str):
            raise ConfigurationError(f"{name} must be a str, got {type(value).__name__}")
    if retry is not None and not isinstance(retry, RetryPolicy):
        raise ConfigurationError(f"retry must be a RetryPolicy, got {type(retry).__name__}")
    if codecs is not None and not isinstance(codecs, CodecRegistry):
        raise ConfigurationError(f"codecs must be a CodecRegistry, got {type(codecs).__name__}")
    if transport is not None and not (
        callable(getattr(transport, "send", None)) and callable(getattr(transport, "aclose", None))
    ):
        raise ConfigurationError(
            "transport must have async send(request) and aclose() (see invoceanio.transport), "
            f"got {type(transport).__name__}"
        )
    if isinstance(middleware, str | bytes) or not isinstance(middleware, Sequence):
        raise ConfigurationError(
            f"middleware must be a list of middleware, got {type(middleware).__name__}"
        )
    for layer in middleware:
        if not callable(layer):
            raise ConfigurationError(
                "each middleware must be callable as (request, call_next), "
                f"got {type(layer).__name__}"
            )


def _secret(value: str | Secret | None, name: str) -> Secret | None:
    if value is None:
        return None
    if not isinstance(value, str | Secret):
        raise ConfigurationError(f"{name} must be a str or a Secret")
    secret = Secret(value) if isinstance(value, str) else value
    problem = unsendable(secret.reveal())
    if problem is not None:
        # Said here, without the value: at the first request it would be a raw encoding
        # error of the HTTP library, quoting the whole credential.
        raise ConfigurationError(f"{name} {problem}")
    return secret


class InvoiceOcean:
    """An async client for one InvoiceOcean / Fakturownia / VosFactures / BitFactura account.

    >>> async with InvoiceOcean(prefix="acme", api_token="...") as io:  # doctest: +SKIP
    ...     invoice = await io.invoices.get(123)

    ``max_response_bytes`` caps the body the default transport will read (pass your own
    ``transport=`` to set it otherwise). ``base_url`` overrides ``prefix``/``brand`` (https
    only, plain http only for loopback hosts); a known brand's account URL also gives the
    prefix and the brand, and a ``prefix`` naming another account beside it is refused.
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
        app_url: str | None = None,
        max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
        adaptive_concurrency: bool = True,
    ) -> None:
        token = _secret(api_token, "api_token")
        _check_parts(
            format=format,
            auth=auth,
            retry=retry,
            transport=transport,
            middleware=middleware,
            codecs=codecs,
        )
        self.provider: Provider = provider or InvoiceOceanProvider()
        self.brand = hosts.check_brand(brand)
        self.base_url = (
            hosts.check_base_url(base_url)
            if base_url is not None
            else self.provider.account_url(prefix=prefix, brand=brand, token=token)
        )
        # The host of the global calls (login, users): the brand's app host, or the server a
        # base_url names (a sandbox serves both).
        self.app_url = (
            hosts.check_base_url(app_url)
            if app_url is not None
            else hosts.app_url_for(self.base_url)
        )
        url_prefix = hosts.prefix_of(self.base_url)
        self.prefix = hosts.check_prefix(prefix) if prefix else url_prefix
        if url_prefix is not None and self.prefix != url_prefix:
            # Calls would go to one account and its widget URLs name another.
            raise ConfigurationError(
                f"prefix {self.prefix!r} and base_url {self.base_url} name two accounts: "
                "pass one of them"
            )
        # A known brand's account URL says which brand this is, whatever the default says.
        self.brand = hosts.brand_of(self.base_url) or self.brand
        if isinstance(max_upload_bytes, bool) or not isinstance(max_upload_bytes, int):
            raise ConfigurationError("max_upload_bytes must be an int")
        if max_upload_bytes < 1:
            raise ConfigurationError("max_upload_bytes must be positive")
        self.max_upload_bytes = max_upload_bytes
        self.codecs = codecs or default_registry()
        if "json" not in self.codecs.names:
            # The API answers errors, and some calls, only in JSON, whatever the format.
            raise ConfigurationError("codecs= must include a JSON codec (JsonCodec)")
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
        #: Finds the server's limit by itself (AIMD on the requests in flight, and a pause shared
        #: by every request when one is told to wait); None with adaptive_concurrency=False.
        # It waits with the retry policy's sleep and clock, so a test's fake time is its too.
        # Every wait of a request between its attempts ends when the client closes, and from
        # then on nothing is sent (see _send_unless_closed).
        self._waits = ClosingWaits()
        self._closed = False
        policy_sleep = self._waits.wrap(self.retry_policy.sleep)
        self.throttle = (
            AdaptiveThrottle(
                max_concurrency,
                # No shared pause longer than the policy waits: see AdaptiveThrottle.
                max_pause=self.retry_policy.longest_wait,
                sleep=policy_sleep,
                clock=self.retry_policy.clock,
            )
            if adaptive_concurrency
            else None
        )
        chain: list[Middleware] = [
            RetryMiddleware(
                self.retry_policy, sleep=policy_sleep, mask=scrubber_of(auth_layer).mask
            ),
            *([self.throttle] if self.throttle is not None else []),
            LimiterMiddleware(max_concurrency, rate_limit, sleep=self._waits.wrap(asyncio.sleep)),
            LoggingMiddleware(scrubber=scrubber_of(auth_layer)),
            *middleware,
            auth_layer,
        ]
        self._core = ApiCore(
            base_url=self.base_url,
            app_url=self.app_url,
            max_upload_bytes=max_upload_bytes,
            prefix=self.prefix,
            provider=self.provider,
            codecs=self.codecs,
            format=format,
            send=build_chain(chain, self._send_unless_closed),
            timeout=timeout,
            # Waits above the chain (a bulk import's) end at the close too.
            sleep=policy_sleep,
            clock_sleep=self._waits.wrap(asyncio.sleep),
            # Its credential spellings: the core scrubs them out of the errors it builds.
            auth=auth_layer,
        )
        self.invoices = InvoicesService(self._core)
        self.clients = ClientsService(self._core)
        self.products = ProductsService(self._core)
        self.price_lists = PriceListsService(self._core)
        self.payments = PaymentsService(self._core)
        self.recurrings = RecurringsService(self._core)
        self.warehouse_documents = WarehouseDocumentsService(self._core)
        self.warehouses = WarehousesService(self._core)
        self.warehouse_actions = WarehouseActionsService(self._core)
        self.categories = CategoriesService(self._core)
        self.departments = DepartmentsService(self._core)
        self.issuers = IssuersService(self._core)
        self.bank_accounts = BankAccountsService(self._core)
        self.webhooks = WebhooksService(self._core)
        self.printers = PrintersService(self._core)
        self.reports = ReportsService(self._core)
        self.account = AccountService(self._core)

    #: ``io.<name>`` -> its service class: what this client covers (``docs/endpoints.md`` is
    #: generated from their marked methods, see :mod:`invoceanio.endpoints`). A test checks it
    #: names exactly the services ``__init__`` creates.
    SERVICES: ClassVar[Mapping[str, type[Any]]] = {
        "invoices": InvoicesService,
        "clients": ClientsService,
        "products": ProductsService,
        "price_lists": PriceListsService,
        "payments": PaymentsService,
        "recurrings": RecurringsService,
        "warehouse_documents": WarehouseDocumentsService,
        "warehouses": WarehousesService,
        "warehouse_actions": WarehouseActionsService,
        "categories": CategoriesService,
        "departments": DepartmentsService,
        "issuers": IssuersService,
        "bank_accounts": BankAccountsService,
        "webhooks": WebhooksService,
        "printers": PrintersService,
        "reports": ReportsService,
        "account": AccountService,
    }

    @classmethod
    def from_login(
        cls,
        result: LoginResult,
        *,
        trusted_origin: str | None = None,
        **options: Any,
    ) -> InvoiceOcean:
        """A client for the account a login answered (``io.account.login`` or
        :meth:`log_in`). Its URL must be ``https://{prefix}.{brand}`` of a known brand (or be
        exactly ``trusted_origin``, e.g. the sandbox's URL) before the token is sent anywhere;
        anything else raises ConfigurationError. ``options`` are the usual client options."""
        if result.api_token is None:
            raise ConfigurationError(
                "the login answered no api_token: the user has not generated one yet "
                "(Settings -> Account settings -> Integration)"
            )
        url = hosts.check_account_url(result.url or "", trusted_origin=trusted_origin)
        return cls(base_url=url, api_token=result.api_token, **options)

    @classmethod
    async def log_in(
        cls,
        login: str,
        password: str | Secret,
        integration_token: str | Secret | None = None,
        *,
        brand: str = "invoiceocean.com",
        app_url: str | None = None,
        transport: Transport | None = None,
    ) -> LoginResult:
        """Log in with a web login and password, before any token is known: the call goes to
        the brand's app host (or ``app_url``) and carries no other credential."""
        base = app_url if app_url is not None else hosts.app_url(hosts.check_brand(brand))
        async with cls(base_url=base, brand=brand, auth="none", transport=transport) as anonymous:
            return await anonymous.account.login(login, password, integration_token)

    @endpoint(
        "ANY",
        "{path}",
        note="the escape hatch: any method, any path of the account; expect= for files",
    )
    async def request(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None,
        body: Any = None,
        *,
        root: str | None = None,
        xml_form: bool = True,
        idempotent: bool | None = None,
        expect: Expect = "data",
    ) -> Any:
        """Call any endpoint, for what the SDK does not cover yet, through the same middleware
        (retries, limits, logging, auth) and error handling as every other call.

        ``path`` is relative to the account, without the format suffix (``"invoices/12"``);
        ``params`` is a dict (or pairs) of query values; ``body`` is JSON-shaped data (or a
        draft/model), sent under ``root`` when one is given. Returns the decoded answer (dicts,
        lists, strings) or None for an empty body. A POST or PATCH is treated as not idempotent
        (never re-sent once it may have arrived) unless ``idempotent=True`` says otherwise.

        ``expect`` says what the answer is: ``"data"`` (decoded, the path suffixed with the
        format), ``"pdf"`` (the path suffixed ``.pdf``; the bytes, checked to be a PDF) or
        ``"bytes"`` (the path as given; the bytes of any answer that is no HTML login page,
        a redirect to a file's storage followed once, without credentials).
        """
        verb = str(method).upper()
        if verb not in _METHODS:
            raise ConfigurationError(f"method must be one of {sorted(_METHODS)}, got {method!r}")
        if not isinstance(expect, str) or expect not in _EXPECTS:
            raise ConfigurationError(f"expect must be one of {sorted(_EXPECTS)}, got {expect!r}")
        clean = _relative_path(path)
        if isinstance(params, Mapping) or params is None:
            pairs = query_params(params or {})
        elif isinstance(params, str | bytes | bytearray) or not isinstance(params, Iterable):
            raise ConfigurationError(
                f"params must be a dict or (name, value) pairs, got {type(params).__name__}"
            )
        else:  # pairs, so a key may repeat
            pairs = []
            for pair in params:
                if not isinstance(pair, tuple | list) or len(pair) != 2:
                    raise ConfigurationError(
                        f"params pairs must be (name, value), got {type(pair).__name__}"
                        + (f" of {len(pair)}" if isinstance(pair, tuple | list) else "")
                    )
                key, value = pair
                if not isinstance(key, str):
                    raise ConfigurationError(
                        f"a query parameter name must be a str, got {type(key).__name__}"
                    )
                pairs.extend(query_params({key: value}))
        try:
            document = None if body is None else to_wire(body)
        except ValueError as exc:  # a float NaN, UNSET where no field is left out...
            raise ConfigurationError(f"cannot write the request body: {exc}") from None
        except RecursionError:
            raise ConfigurationError(
                "cannot write the request body: a value is nested too deeply"
            ) from None
        request = self._core.build(
            verb,
            clean,
            params=pairs,
            body=document,
            root=root,
            xml_form=xml_form,
            idempotent=idempotent,
            operation=f"request {verb} {clean}",
            expect=expect,
        )
        if expect == "bytes":
            return await self._core.fetch_file(request)
        return await self._core.call(request, expect=expect)

    async def _send_unless_closed(self, request: Request) -> Response:
        # Innermost, so that a call already inside the chain when the client closed (queued
        # for a concurrency slot, or the oid look-up of a retry) sends nothing either, on a
        # transport passed in (which stays open) too.
        if self._closed:
            raise ClientClosedError("this client has been closed (aclose()); create a new one")
        return await self._transport.send(request)

    async def aclose(self) -> None:
        """Close the connection pool (a transport passed in by the caller stays theirs). From
        then on nothing is sent: a call raises :class:`ClientClosedError`, and so does one
        waiting to be retried or for its turn (outcome unknown for a create that may have been
        applied). Idempotent; from another event loop than the one that used the client it is
        a ConfigurationError that changes nothing."""
        if self._owns_transport:
            try:
                await self._transport.aclose()
            except ConfigurationError:
                # From another event loop it refuses before closing anything: nothing changes.
                raise
            except BaseException:
                # Cancelled while the pool closes (a shutdown timeout, a second cancel): the
                # transport is closed already, so the calls waiting to be retried must end too.
                self._close_waits()
                raise
        self._close_waits()

    def _close_waits(self) -> None:
        self._closed = True
        self._waits.close()

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
