"""The sandbox application: :func:`create_app` wires the resources, the admin endpoints and two
middlewares around an in-memory :class:`Store` and a :class:`FaultEngine`.

**Resources** are modules with a ``COLLECTION`` name and a ``routes()`` list (see
:data:`RESOURCES`), and optionally the ``INDEXES`` their lookups need (:meth:`Store.find`):
adding one is a module and a line here.

**The API middleware**, for every request outside ``/__sandbox__/``, in this order:

1. reads the credential: ``api_token`` in the query, ``Authorization: Bearer``, HTTP Basic
   (any login, the password is the token) or ``"api_token"`` beside the root key of a JSON body;
   a token may carry the account prefix after a slash (``TOKEN/prefix``);
2. asks the fault engine (client key: the credential, else the remote address; creates are the
   ``POST`` of a ``*.create`` route) and applies its decision: the delay, then a 429 with
   ``Retry-After``, a 5xx, a 200 ``{"code": "error"}`` body, a 200 HTML login page, or a dropped
   connection before or after the create is stored;
3. refuses a missing or wrong credential with 401 ``{"code": "error", "message": "You must be
   logged in to gain access to the site"}``, except on the routes :data:`OPEN_ROUTES` names: an
   invoice's public links (:mod:`public`), the attachment bucket ``/__uploads__``
   (:mod:`attachments`, which plays S3 and answers S3's XML errors) and the app-host
   ``login``/``users`` calls (:mod:`accounts`). Each module declares its open route names beside
   the routes (``OPEN_ROUTES``); this module only collects them, and :func:`create_app` refuses
   a name that is no route of the app, so a renamed route cannot silently close or open.

**The error middleware** (outermost) renders every error as a JSON body of the service's shape:
:class:`ApiError` as it says, aiohttp's HTTP errors with their status (404 for an unknown route,
405, 413 for a body over ``max_body_size``), and anything unexpected as a logged 400. The
sandbox never answers 500 of its own accord (an injected 5xx fault is the only way to get one).
A client that hung up mid-request (timed out against an injected latency) is nothing
unexpected: one DEBUG line, no traceback and no answer. A cancellation (aiohttp cancels the
handlers still running after :class:`~invoceanio.sandbox.Sandbox`'s stop grace) passes through
untouched, and unlogged.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import logging
from typing import Any, Final

from aiohttp import web
from aiohttp.typedefs import Handler

from invoceanio.codecs.base import CodecError
from invoceanio.sandbox import (
    accounts,
    addresses,
    admin,
    attachments,
    clients,
    fiscal,
    invoices,
    public,
    reports,
    resources,
)
from invoceanio.sandbox.faults import FaultEngine
from invoceanio.sandbox.forms import FORMS
from invoceanio.sandbox.store import Store
from invoceanio.sandbox.wire import (
    FAULTS,
    JSON,
    STORE,
    TOKEN,
    ApiError,
    body_error_reply,
    error_reply,
)

__all__ = ["DEFAULT_MAX_BODY_SIZE", "OPEN_ROUTES", "RESOURCES", "UNAUTHORIZED", "create_app"]

log = logging.getLogger("invoceanio.sandbox")

DEFAULT_MAX_BODY_SIZE: Final = 10 * 1024 * 1024
RESOURCES: Final[tuple[Any, ...]] = (
    clients,
    addresses,
    invoices,
    attachments,
    fiscal,
    reports,
    *resources.ALL,
    accounts,
)
UNAUTHORIZED: Final = "You must be logged in to gain access to the site"
#: The names of the routes that answer without an API token (an explicit allow-list: a route
#: is closed unless named here).
OPEN_ROUTES: Final = public.OPEN_ROUTES | attachments.OPEN_ROUTES | accounts.OPEN_ROUTES
_REASONS: Final = {404: "Not Found", 405: "Method Not Allowed", 413: "Request Entity Too Large"}
LOGIN_PAGE: Final = (
    '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Log in</title></head>\n'
    '<body><h1>Log in</h1><form action="/login" method="post">'
    '<input name="login"><input name="password" type="password">'
    "<button>Log in</button></form></body></html>\n"
)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as error:
        return error.response()
    except web.HTTPException as error:
        if error.status < 400:
            raise
        message = _REASONS.get(error.status, error.reason)
        headers = {"Allow": error.headers["Allow"]} if "Allow" in error.headers else None
        return error_reply(error.status, message, headers=headers)
    except asyncio.CancelledError:
        raise
    except Exception as error:
        if _client_gone(request, error):
            log.debug(
                "sandbox: the client went away during %s %s (%s: %s)",
                request.method,
                request.path,
                type(error).__name__,
                error,
            )
            return web.Response()  # aiohttp needs one; writing it to the gone client is a no-op
        log.exception("sandbox: unexpected error on %s %s", request.method, request.path)
        return error_reply(400, "the request could not be processed")


def _client_gone(request: web.Request, error: Exception) -> bool:
    """Whether ``error`` only says the client hung up: a connection error (aiohttp's
    ``ConnectionResetError("Connection lost")`` from reading the body of a request whose
    client left, or its ``ClientConnectionResetError`` from writing to the closed transport)
    while the connection is in fact gone. The same error on a live connection is unexpected."""
    if not isinstance(error, ConnectionError):
        return False
    transport = request.transport
    return transport is None or transport.is_closing()


def _token_matches(presented: str | None, token: str) -> bool:
    if not presented:
        return False
    candidates = {presented}
    if "/" in presented and "/" not in token:
        candidates.add(presented.partition("/")[0])
    return any(hmac.compare_digest(c.encode(), token.encode()) for c in candidates)


async def presented_token(request: web.Request) -> str | None:
    """The credential the request carries, wherever the service would look for it."""
    if "api_token" in request.query:
        return request.query["api_token"]
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.partition(":")[2] or None
    if request.can_read_body and request.content_type in FORMS:
        try:
            form = await request.post()
        except web.HTTPException:
            raise
        except Exception:
            return None
        given = form.get("api_token")
        return given if isinstance(given, str) else None
    json_request = request.path.endswith(".json") or request.content_type == "application/json"
    if request.can_read_body and json_request:
        try:
            data = JSON.decode(await request.read())
        except CodecError:
            return None
        if isinstance(data, dict) and isinstance(data.get("api_token"), str):
            return str(data["api_token"])
    return None


def _drop(request: web.Request) -> None:
    if request.transport is not None:
        request.transport.close()


@web.middleware
async def api_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith(f"{admin.PREFIX}/"):
        admin.check_loopback(request)
        return await handler(request)
    token = await presented_token(request)
    route = request.match_info.route.name or ""
    is_create = request.method == "POST" and route.endswith(".create")
    engine = request.app[FAULTS]
    with engine.admit(token or request.remote or "unknown", is_create=is_create) as decision:
        if decision.delay > 0:
            await asyncio.sleep(decision.delay)
        if decision.throttled:
            raise ApiError(
                429, "Too many requests", headers={"Retry-After": str(decision.retry_after or 1)}
            )
        if decision.fault == "server_error":
            status = decision.status or 503
            if status == 429:
                return error_reply(
                    429, "sandbox: injected throttling", headers={"Retry-After": "1"}
                )
            return error_reply(status, f"sandbox: injected server error {status}")
        if decision.body_error:
            return body_error_reply("sandbox: injected error in a 200 response")
        if decision.html:
            return web.Response(text=LOGIN_PAGE, content_type="text/html")
        if not _token_matches(token, request.app[TOKEN]) and route not in OPEN_ROUTES:
            raise ApiError(401, UNAUTHORIZED)
        if decision.drop == "before_store":
            _drop(request)
            return web.Response()
        try:
            return await handler(request)
        finally:
            if decision.drop == "after_store":
                _drop(request)


def create_app(
    *,
    token: str,
    store: Store | None = None,
    faults: FaultEngine | None = None,
    max_body_size: int = DEFAULT_MAX_BODY_SIZE,
) -> web.Application:
    """The sandbox as an aiohttp application (serve it with ``web.AppRunner`` or a test client)."""
    if not isinstance(token, str) or not token or any(ch.isspace() for ch in token):
        raise ValueError("token must be a non-empty string without whitespace")
    store = Store() if store is None else store
    app = web.Application(
        client_max_size=max_body_size, middlewares=[error_middleware, api_middleware]
    )
    app[TOKEN] = token
    app[STORE] = store
    app[FAULTS] = FaultEngine() if faults is None else faults
    for resource in RESOURCES:
        store.register(resource.COLLECTION, index=getattr(resource, "INDEXES", ()))
        app.router.add_routes(resource.routes())
    app.router.add_routes(admin.routes())
    unknown = OPEN_ROUTES - {route.name for route in app.router.routes()}
    if unknown:  # a renamed route: fail at start-up, not with a 401 (or an open route) later
        raise RuntimeError(f"OPEN_ROUTES names no route: {sorted(unknown)}")
    return app
