"""Fiscal printing ([PL] f19, [RCPT] e-paragony): the account's printers and print jobs.

- ``GET /printers.json`` (or ``.xml``): the sandbox's fixed printers, :data:`PRINTERS`, paged
  by ``page``/``per_page`` as every sandbox list is (:func:`wire.paginate`).
- ``GET /invoices/fiscal_print`` (no suffix; the service may move it to POST, so POST is
  served too) prints documents: ``invoice_ids[]=1&invoice_ids[]=2`` (also ``invoice_ids=1,2``)
  or the [RCPT] form ``id=1``; ``fiskator_name`` names the printer by ``name`` (any case) or
  ``id``, and without it (or blank) the default printer (``"default": true``) prints;
  ``mode`` is ``print`` (the default) or ``e-receipt``. Each invoice reads back with
  ``print_time`` (now) and ``fiscal_status`` (``printed``, or ``e_receipt`` for an e-receipt;
  the spec gives no values, these are the sandbox's); the job is stored in the collection
  ``fiscal_prints`` and answered as ``{"status": "ok", "message": ..., "fiscal_print": job}``.
  Printing is no edit: it works on invoices KSeF accepted.

Errors (JSON): 422 ``fiskator_name`` naming no printer, ``invoice_ids`` blank or not
numbers, ``mode`` not one of the two; 404 when an invoice does not exist (nothing is printed
then).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from aiohttp import web

from invoceanio.sandbox.clients import now_text
from invoceanio.sandbox.wire import INVOICES, STORE, ApiError, id_list, paginate, reply

__all__ = ["COLLECTION", "MODES", "PRINTERS", "routes"]

COLLECTION: Final = "fiscal_prints"
MODES: Final = {"print": "printed", "e-receipt": "e_receipt"}
PRINTERS: Final[tuple[Mapping[str, Any], ...]] = (
    {
        "id": 1,
        "name": "FISKATOR",
        "description": "Sandbox fiscal printer",
        "kind": "fiscal_printer",
        "default": True,
        "active": True,
    },
    {
        "id": 2,
        "name": "E-PARAGON",
        "description": "Sandbox e-receipt printer",
        "kind": "e_receipt",
        "default": False,
        "active": True,
    },
)


def _printer(name: str) -> Mapping[str, Any]:
    wanted = name.strip()
    if not wanted:
        return next(printer for printer in PRINTERS if printer["default"])
    for printer in PRINTERS:
        if wanted.casefold() == str(printer["name"]).casefold() or wanted == str(printer["id"]):
            return printer
    raise ApiError.field("fiskator_name", "does not exist")


async def list_printers(request: web.Request) -> web.Response:
    printers = [dict(printer) for printer in PRINTERS]
    return reply(request, paginate(request.query, printers), root="printers")


async def fiscal_print(request: web.Request) -> web.Response:
    store = request.app[STORE]
    query = request.query
    printer = _printer(query.get("fiskator_name", ""))
    mode = query.get("mode", "").strip() or "print"
    if mode not in MODES:
        raise ApiError.field("mode", "is not included in the list")
    ids = id_list("invoice_ids", query.get("id"), query=query)  # [RCPT] names one by ``id``
    invoices = [store.get(INVOICES, invoice_id) for invoice_id in ids]
    if any(invoice is None for invoice in invoices):
        raise ApiError(404, "Not found")
    stamp = now_text()
    for invoice in invoices:
        assert invoice is not None
        invoice.update(print_time=stamp, fiscal_status=MODES[mode])
        store.add(INVOICES, invoice)
    job = store.add(
        COLLECTION,
        {
            "printer_id": printer["id"],
            "fiskator_name": printer["name"],
            "mode": mode,
            "invoice_ids": ids,
            "created_at": stamp,
        },
    )
    message = f"Wysłano {len(ids)} dokument(y) do drukarki {printer['name']}"
    return reply(
        request, {"status": "ok", "message": message, "fiscal_print": dict(job)}, root="result"
    )


def routes() -> list[web.RouteDef]:
    return [
        web.get("/printers.{fmt:json|xml}", list_printers, name="printers.list"),
        web.get("/invoices/fiscal_print", fiscal_print, name="invoices.fiscal_print"),
        web.post("/invoices/fiscal_print", fiscal_print, name="invoices.fiscal_print_post"),
    ]
