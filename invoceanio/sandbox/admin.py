"""``/__sandbox__/``: the sandbox's own control endpoints (no API token; loopback clients only).

- ``GET`` (``/__sandbox__/`` itself): the list below as JSON, ``{"endpoints": [{"method",
  "path", "description"}...]}``, made from the routes themselves (:data:`_ENDPOINTS`), so it
  names every one: the banner of ``invoceanio sandbox`` links there.
- ``GET counts``: records per collection plus ``outbox`` (e-mails sent).
- ``GET records/{collection}``: every record of a collection (404 for an unknown one): one per
  resource (``invoices``, ``clients``, ``products``...), plus ``attachments`` (one record per
  upload credential: its ``state``, ``file_name``, ``content_type``, ``file_size`` and the bytes
  base64 in ``data``) and ``fiscal_prints`` (the ``/invoices/fiscal_print`` jobs).
- ``GET outbox``: the e-mails ``send_by_email`` recorded.
- ``POST reminders``: record a payment reminder the service would have sent ([FR] spec 7.6;
  no API call sends one): a JSON body ``{"invoice_id": N, "kind": "email", "date":
  "YYYY-MM-DD"}`` (``kind`` defaults to ``"email"``, ``date`` to today) answers 201 with the
  stored reminder ``{"id", "invoice_id", "kind", "date", "created_at"}``; 404 when the invoice
  does not exist, 422 for a missing ``invoice_id``, a bad ``kind`` or ``date`` (see
  :mod:`reminders`). Reminders are listed by ``GET records/reminders``, read back by
  ``/reports/reminders_report.json`` and ``additional_fields[invoice]=reminders_info``.
- ``POST reset``: forget every record, e-mail and fault statistic, and the rate limit's history;
  the fault stream starts again from its seed (the fault config stays).
- ``GET faults`` / ``PUT faults``: the :class:`FaultConfig` as JSON; a PUT changes only the
  keys it sends (``FaultConfig.from_mapping(base=...)``).
- ``GET stats``: :meth:`FaultEngine.stats` plus the ``seed`` in effect.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Final

import attrs
from aiohttp import web
from aiohttp.typedefs import Handler

from invoceanio.codecs.base import CodecError
from invoceanio.errors import ConfigurationError
from invoceanio.sandbox import reminders
from invoceanio.sandbox.faults import FaultConfig
from invoceanio.sandbox.wire import FAULTS, JSON, STORE, ApiError, read_plain

__all__ = ["PREFIX", "routes"]

PREFIX = "/__sandbox__"


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, body=JSON.encode(data), content_type="application/json")


def check_loopback(request: web.Request) -> None:
    """403 unless the client is on a loopback address (or a Unix socket)."""
    remote = request.remote
    if not remote:
        return
    try:
        loopback = ipaddress.ip_address(remote.split("%")[0]).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ApiError(403, "the sandbox admin endpoints answer loopback clients only")


async def counts(request: web.Request) -> web.Response:
    return _json(request.app[STORE].counts())


async def records(request: web.Request) -> web.Response:
    try:
        items = request.app[STORE].records(request.match_info["collection"])
    except KeyError:
        raise ApiError(404, "Not found") from None
    return _json(items)


async def outbox(request: web.Request) -> web.Response:
    return _json(list(request.app[STORE].outbox))


async def add_reminder(request: web.Request) -> web.Response:
    reminder = reminders.record(request.app[STORE], await read_plain(request))
    return _json(dict(reminder), status=201)


async def reset(request: web.Request) -> web.Response:
    request.app[STORE].reset()
    request.app[FAULTS].reset()
    return _json(request.app[STORE].counts())


def _faults_view(request: web.Request) -> dict[str, Any]:
    # Exactly to_mapping(): what a GET answers can be PUT back as it is.
    return request.app[FAULTS].config.to_mapping()


async def get_faults(request: web.Request) -> web.Response:
    return _json(_faults_view(request))


async def put_faults(request: web.Request) -> web.Response:
    engine = request.app[FAULTS]
    try:
        data = JSON.decode(await request.read())
    except CodecError as exc:
        raise ApiError(400, f"malformed JSON request body: {exc}") from None
    try:
        config = FaultConfig.from_mapping(data, base=engine.config)
    except (ConfigurationError, TypeError, ValueError) as exc:
        raise ApiError(422, str(exc)[:300]) from None
    engine.reconfigure(config)
    return _json(_faults_view(request))


async def stats(request: web.Request) -> web.Response:
    engine = request.app[FAULTS]
    return _json({**engine.stats(), "seed": engine.seed})


async def index(request: web.Request) -> web.Response:
    return _json(
        {
            "description": "the sandbox's admin endpoints: no API token, loopback clients only",
            "endpoints": [
                {"method": endpoint.method, "path": endpoint.path, "description": endpoint.does}
                for endpoint in _ENDPOINTS
            ],
        }
    )


@attrs.frozen
class _Endpoint:
    method: str
    #: After the prefix: "" is the prefix itself (``/__sandbox__/``).
    name: str
    handler: Handler
    #: One line for the index, :func:`index`.
    does: str

    @property
    def path(self) -> str:
        return f"{PREFIX}/{self.name}"


# The routes and the index that lists them, in one place: an endpoint added here is listed.
_ENDPOINTS: Final = (
    _Endpoint("GET", "", index, "this list"),
    _Endpoint(
        "GET",
        "counts",
        counts,
        "how many records each collection holds, and the e-mails sent (outbox)",
    ),
    _Endpoint(
        "GET",
        "records/{collection}",
        records,
        "every record of a collection: invoices, clients, reminders... (404 for no such one)",
    ),
    _Endpoint("GET", "outbox", outbox, "the e-mails send_by_email recorded"),
    _Endpoint(
        "POST",
        "reminders",
        add_reminder,
        'record a payment reminder: {"invoice_id": N, "kind": "email", "date": "YYYY-MM-DD"}',
    ),
    _Endpoint(
        "POST",
        "reset",
        reset,
        "forget every record, e-mail, fault statistic and rate-limit window (not the faults)",
    ),
    _Endpoint("GET", "faults", get_faults, "the fault configuration (latency, error rates...)"),
    _Endpoint(
        "PUT",
        "faults",
        put_faults,
        "change the fault configuration: only the keys sent (a GET's answer can be PUT back)",
    ),
    _Endpoint("GET", "stats", stats, "the fault engine's statistics and the seed in effect"),
)


def routes() -> list[web.RouteDef]:
    return [web.route(e.method, e.path, e.handler) for e in _ENDPOINTS]
