"""A small in-memory server speaking the InvoiceOcean wire format, for integration tests.

It is deliberately minimal (invoices and clients, bearer or query token, JSON and XML, a few
injectable faults); the embedded sandbox will replace it as the integration backend.
"""

from __future__ import annotations

import itertools
from typing import Any

from aiohttp import web

from invoceanio.codecs import JsonCodec, XmlCodec

TOKEN = "loopback-token-7c1e"
CODECS = {"json": JsonCodec(), "xml": XmlCodec()}
PDF = b"%PDF-1.4\n% loopback\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


class LoopbackApi:
    def __init__(self) -> None:
        self.records: dict[str, dict[int, dict[str, Any]]] = {"invoices": {}, "clients": {}}
        self.ids = itertools.count(1)
        self.requests: list[tuple[str, str]] = []
        self.user_agents: list[str] = []
        #: Faults consumed one per matching request: ("drop_after_store" | "drop_before_store"
        #: | "503") for POST creates.
        self.create_faults: list[str] = []

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{collection}.{fmt}", self.collection)
        app.router.add_route("*", "/{collection}/{id:\\d+}.{fmt}", self.member)
        return app

    def _authorized(self, request: web.Request) -> bool:
        self.user_agents.append(request.headers.get("User-Agent", ""))
        header = request.headers.get("Authorization", "")
        return header == f"Bearer {TOKEN}" or request.query.get("api_token") == TOKEN

    def _reply(self, fmt: str, data: Any, status: int = 200, root: str = "invoice") -> web.Response:
        if fmt == "xml":
            body = CODECS["xml"].encode({root: data})
            return web.Response(status=status, body=body, content_type="application/xml")
        return web.Response(
            status=status, body=CODECS["json"].encode(data), content_type="application/json"
        )

    async def _document(self, request: web.Request, fmt: str, root: str) -> dict[str, Any]:
        decoded = CODECS[fmt].decode(await request.read())
        obj = decoded[root] if fmt == "json" else decoded
        assert isinstance(obj, dict)
        return obj

    async def collection(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((request.method, request.path_qs))
        name, fmt = request.match_info["collection"], request.match_info["fmt"]
        if not self._authorized(request):
            return web.json_response(
                {"code": "error", "message": "You must be logged in"}, status=401
            )
        records = self.records.setdefault(name, {})
        root = name[:-1]
        if request.method == "GET":
            items = list(records.values())
            if "oid" in request.query:
                items = [item for item in items if item.get("oid") == request.query["oid"]]
            page, per_page = (
                int(request.query.get("page", 1)),
                int(request.query.get("per_page", 25)),
            )
            chunk = items[(page - 1) * per_page : page * per_page]
            return (
                self._reply(fmt, chunk, root=name)
                if fmt == "json"
                else web.Response(
                    body=CODECS["xml"].encode({name: chunk}), content_type="application/xml"
                )
            )
        if request.method == "POST":
            obj = await self._document(request, fmt, root)
            fault = self.create_faults.pop(0) if self.create_faults else None
            if fault == "503":
                return web.json_response(
                    {"message": "busy"}, status=503, headers={"Retry-After": "0"}
                )
            if fault == "drop_before_store":
                assert request.transport is not None
                request.transport.close()
                return web.Response()
            duplicate = obj.get("oid_unique") == "yes" and any(
                item.get("oid") == obj.get("oid") for item in records.values()
            )
            if obj.get("oid") and duplicate:
                return web.json_response(
                    {"code": "error", "message": {"oid": ["has already been taken"]}}, status=422
                )
            record = {**obj, "id": next(self.ids), "price_gross": _total(obj)}
            record.pop("oid_unique", None)
            records[record["id"]] = record
            if fault == "drop_after_store":
                assert request.transport is not None
                request.transport.close()
                return web.Response()
            return self._reply(fmt, record, status=201, root=root)
        return web.json_response({"message": "Not Found"}, status=404)

    async def member(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((request.method, request.path_qs))
        name, fmt = request.match_info["collection"], request.match_info["fmt"]
        if not self._authorized(request):
            return web.json_response(
                {"code": "error", "message": "You must be logged in"}, status=401
            )
        records = self.records.setdefault(name, {})
        record = records.get(int(request.match_info["id"]))
        if record is None:
            return web.json_response({"code": "error", "message": "Not found"}, status=404)
        if fmt == "pdf":
            return web.Response(body=PDF, content_type="application/pdf")
        if request.method == "GET":
            return self._reply(fmt, record, root=name[:-1])
        if request.method == "PUT":
            record.update(await self._document(request, fmt, name[:-1]))
            return self._reply(fmt, record, root=name[:-1])
        if request.method == "DELETE":
            del records[record["id"]]
            return web.json_response("ok")
        return web.json_response({"message": "Not Found"}, status=404)


def _total(invoice: dict[str, Any]) -> str:
    from decimal import Decimal

    positions = invoice.get("positions") or []
    return str(sum((Decimal(str(p.get("total_price_gross", "0"))) for p in positions), Decimal(0)))
