"""A MockTransport handler that answers every endpoint of the API plausibly, for tests that
check what the SDK *sends* (method, path, query, body) rather than what the service computes.

Objects are ``{"id": 7}`` (every model field is optional), lists are empty, files are the
smallest valid file of their kind; the answer is encoded in the format the path suffix asks for.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any, Final
from urllib.parse import urlsplit

from invoceanio.codecs import XmlCodec
from invoceanio.http import Request, Response

UPLOAD_URL: Final = "https://uploads.example.com/bucket"
FILE_URL: Final = "https://files.example.com/gov.xml?Signature=s3cr3t"
_XML: Final = XmlCodec()
LIST_PATHS: Final = frozenset(
    {
        "invoices",
        "clients",
        "products",
        "price_lists",
        "banking/payments",
        "recurrings",
        "warehouse_documents",
        "warehouses",
        "warehouse_actions",
        "categories",
        "departments",
        "issuers",
        "bank_accounts",
        "webhooks",
        "printers",
        "reports/reminders_report",
    }
)


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "attached")
    return buffer.getvalue()


def _encoded(path: str, data: Any, status: int = 200) -> Response:
    if path.endswith(".xml"):
        root = "objects" if isinstance(data, list) else "object"
        return Response(
            status=status,
            headers={"Content-Type": "application/xml"},
            body=_XML.encode({root: data}),
        )
    return Response(
        status=status, headers={"Content-Type": "application/json"}, body=json.dumps(data).encode()
    )


def answer(request: Request) -> Response:
    url = request.url
    if url.startswith(UPLOAD_URL):
        return Response(status=201, headers={"Content-Type": "application/xml"}, body=b"<ok/>")
    if url.startswith(FILE_URL.partition("?")[0]):
        return Response(status=200, headers={"Content-Type": "text/xml"}, body=b"<Faktura/>")
    path = urlsplit(url).path
    stem = (
        path.lstrip("/").rpartition(".")[0] if "." in path.rpartition("/")[2] else path.lstrip("/")
    )
    if stem.endswith("/get_new_attachment_credentials"):
        grant = {
            "url": UPLOAD_URL,
            "AWSAccessKeyId": "AKIA",
            "key": "attachments/1/a.txt",
            "policy": "cG9saWN5",
            "signature": "c2ln",
            "acl": "private",
            "success_action_status": "201",
        }
        return _encoded(path, grant)
    if stem.endswith("/attachment"):
        return Response(status=302, headers={"Location": FILE_URL}, body=b"")
    if stem.endswith("/attachments_zip"):
        return Response(status=200, headers={"Content-Type": "application/zip"}, body=_zip())
    if path.endswith(".pdf"):
        return Response(status=200, headers={"Content-Type": "application/pdf"}, body=b"%PDF-1.4")
    if stem.endswith("/prices_for_products"):
        price = {"price_net": "10.00", "price_gross": "12.30", "tax": "23", "currency": "PLN"}
        return _encoded(path, {"5": price})
    if stem == "login":
        login = {"login": "u", "url": "https://acme.invoiceocean.com", "api_token": "t0k/acme"}
        return _encoded(path, login)
    if stem == "account" and request.method == "POST":
        created = {"prefix": "new", "api_token": "t0k/new", "url": "https://new.invoiceocean.com"}
        return _encoded(path, created, status=201)
    if request.method == "GET" and stem in LIST_PATHS:
        return _encoded(path, [])
    if request.method == "DELETE":
        return _encoded(path, "ok")
    return _encoded(path, {"id": 7}, status=201 if request.method == "POST" else 200)
