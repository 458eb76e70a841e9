"""Invoice attachments: the service's three-step upload through S3, the ZIP and the downloads.

1. ``GET /invoices/{id}/get_new_attachment_credentials.json`` answers the S3 POST form data:
   ``{"url", "AWSAccessKeyId", "key", "policy", "signature", "acl", "success_action_status"}``.
   ``url`` is the sandbox's own bucket, ``{origin}/__uploads__`` (outside the API: no token,
   as on S3); ``key`` (``attachments/{invoice_id}/{32 hex}``) is new on every call; ``policy``
   is a base64 S3 policy document (expiry :data:`CREDENTIAL_LIFETIME` from now, the key, ``acl``
   ``private``, ``success_action_status`` ``201``, any ``Content-Type``, at most
   :data:`MAX_UPLOAD_SIZE` bytes) and ``signature`` its base64 HMAC-SHA1.
2. ``POST /__uploads__`` (``multipart/form-data``: those fields, then ``file``; as on S3, fields
   after the file are ignored) stores the bytes under ``key`` and answers as S3 does: 201 with a
   ``<PostResponse>`` XML (``Location``, ``Bucket``, ``Key``, ``ETag``), the answer S3 gives
   for the ``success_action_status`` 201 the policy demands. Refusals are S3's XML
   ``<Error>`` bodies, not the API's JSON: 403 ``AccessDenied`` for an unknown key, an expired
   policy, a field the policy does not allow (``Extra input fields``) or a failed condition,
   403 ``SignatureDoesNotMatch`` / ``InvalidAccessKeyId``, 400 ``InvalidArgument`` without a
   key or file, for a body that is not multipart or for a Content-Type no header can carry (see
   below), 400 ``EntityTooLarge`` over the size cap. A credential takes uploads (the last one
   wins) until its file is attached.
3. ``POST /invoices/{id}/add_attachment.json?file_name=name.ext`` attaches the invoice's latest
   upload (422 ``file`` when nothing was uploaded, ``file_name`` when it is blank) under that
   name and answers the invoice, whose ``attachments_count`` and ``has_attachments`` follow.

**The file's type** is the policy's ``Content-Type`` form field, else the file part's own
header, else ``application/octet-stream`` (then guessed from the name given at step 3). The
value is parsed at upload: the media type (``type/subtype``, lower-cased) and the ``charset``
parameter are stored apart (``content_type``, ``charset``; other parameters are dropped) and the
download is served from those, so a charset never sits inside aiohttp's ``content_type`` (it
refuses that). A value with a control or non-ASCII character, a media type that is not
``type/subtype`` or a charset that is not a token is S3's 400 ``InvalidArgument``: stored, it
would break the download's headers outside the error middleware. The uploader chooses the type,
so downloads say ``X-Content-Type-Options: nosniff``.

**Limits** (the sandbox's; the spec names none): at most :data:`MAX_ATTACHMENTS` attached files
and :data:`MAX_INVOICE_BYTES` attached bytes per invoice, so the ZIP stays bounded: step 3 over
either is a 422 naming the limit (``attachments`` or ``file``), and so is step 1 once the count
is reached.

Reading them back:

- ``GET /invoices/{id}/attachments_zip.json``: a ZIP (``application/zip``, stdlib
  :mod:`zipfile`) of the attached files under their names (a repeated name gets `` (2)``),
  empty when there are none; stored, not deflated, and built in the default executor, so the
  event loop is never busy with it for long;
- ``GET /invoices/{id}/attachment?kind=custom|gov|gov_upo`` (no suffix; ``custom`` by default):
  302 with ``Location`` on the file (the latest attached file; the KSeF FA(3) XML; the UPO), or
  404 JSON while there is none (KSeF files exist once ``gov_status`` is ``ok``); another kind
  is a 422;
- ``GET /__uploads__/{key}``: the file itself, no token (the key is the secret, as with an S3
  presigned URL); KSeF files are ``text/xml``.

The two bucket routes are :data:`OPEN_ROUTES` (no API token, as on S3). The collection
``attachments`` holds one record per credential: ``invoice_id``, ``key``, ``state``
(``issued``, ``uploaded``, ``attached``), ``file_name``, ``content_type``, ``charset``,
``file_size`` and the bytes base64 in ``data``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import io
import json
import mimetypes
import re
import secrets
import zipfile
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final
from urllib.parse import quote
from xml.sax.saxutils import escape

from aiohttp import web

from invoceanio.sandbox import ksef
from invoceanio.sandbox.clients import now_text
from invoceanio.sandbox.invoices import found, presented
from invoceanio.sandbox.store import Store
from invoceanio.sandbox.wire import INVOICES, STORE, ApiError, reply

__all__ = [
    "COLLECTION",
    "INDEXES",
    "MAX_ATTACHMENTS",
    "MAX_INVOICE_BYTES",
    "MAX_UPLOAD_SIZE",
    "OPEN_ROUTES",
    "UPLOADS",
    "routes",
]

COLLECTION: Final = "attachments"
INDEXES: Final = ("key", "invoice_id")
#: The bucket's path on the sandbox (the ``url`` of the credentials).
UPLOADS: Final = "/__uploads__"
MAX_UPLOAD_SIZE: Final = 5 * 1024 * 1024
#: Attached files per invoice, and their bytes together (what one ZIP holds at most).
MAX_ATTACHMENTS: Final = 20
MAX_INVOICE_BYTES: Final = 20 * 1024 * 1024
#: The bucket's routes answer without an API token, as S3 does.
OPEN_ROUTES: Final = frozenset({"uploads.post", "uploads.get"})
CREDENTIAL_LIFETIME: Final = timedelta(hours=1)
BUCKET: Final = "invoceanio-sandbox"
ACCESS_KEY_ID: Final = "INVOCEANIO-SANDBOX"
ACL: Final = "private"
SUCCESS_STATUS: Final = "201"
KINDS: Final = ("custom", "gov", "gov_upo")
MAX_FILE_NAME: Final = 255

# Form fields S3 itself reads; any other field needs a policy condition.
_S3_FIELDS: Final = frozenset({"key", "policy", "signature", "AWSAccessKeyId", "file"})
_POLICY_FIELDS: Final = frozenset({"acl", "success_action_status", "Content-Type"})
_NAME_JUNK: Final = re.compile(r"[\x00-\x1f\x7f]")
# What a header value can carry here: printable ASCII (a control character breaks the response).
_HEADER_TEXT: Final = re.compile(r"[\x20-\x7e\t]*")
_HTTP_TOKEN: Final = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_MEDIA_TYPE: Final = re.compile(f"{_HTTP_TOKEN}/{_HTTP_TOKEN}")
_CHARSET: Final = re.compile(_HTTP_TOKEN)


def _store(request: web.Request) -> Store:
    return request.app[STORE]


def _now() -> datetime:
    return datetime.now(UTC)


# --- step 1: credentials ----------------------------------------------------------------------


def _policy(key: str, expires: datetime) -> str:
    document = {
        "expiration": expires.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "conditions": [
            {"bucket": BUCKET},
            {"key": key},
            {"acl": ACL},
            {"success_action_status": SUCCESS_STATUS},
            ["starts-with", "$Content-Type", ""],
            ["content-length-range", 0, MAX_UPLOAD_SIZE],
        ],
    }
    return base64.b64encode(json.dumps(document).encode()).decode()


def _too_many() -> ApiError:
    return ApiError.field("attachments", f"are too many (at most {MAX_ATTACHMENTS} per invoice)")


async def credentials(request: web.Request) -> web.Response:
    store = _store(request)
    invoice = found(request)
    if len(_of(store, invoice["id"], "attached")) >= MAX_ATTACHMENTS:
        raise _too_many()  # its upload could never be attached
    key = f"attachments/{invoice['id']}/{secrets.token_hex(16)}"
    expires = _now() + CREDENTIAL_LIFETIME
    policy = _policy(key, expires)
    signature = base64.b64encode(
        hmac.new(secrets.token_bytes(20), policy.encode(), hashlib.sha1).digest()
    ).decode()
    store.add(
        COLLECTION,
        {
            "invoice_id": invoice["id"],
            "kind": "custom",
            "key": key,
            "policy": policy,
            "signature": signature,
            "expires_at": expires.isoformat(),
            "state": "issued",
            "file_name": None,
            "content_type": None,
            "charset": None,
            "file_size": None,
            "data": None,
            "upload": None,
            "created_at": now_text(),
            "uploaded_at": None,
            "attached_at": None,
        },
    )
    answer = {
        "url": f"{request.url.origin()}{UPLOADS}",
        "AWSAccessKeyId": ACCESS_KEY_ID,
        "key": key,
        "policy": policy,
        "signature": signature,
        "acl": ACL,
        "success_action_status": SUCCESS_STATUS,
    }
    return reply(request, answer, root="credentials")


# --- step 2: the S3 POST ----------------------------------------------------------------------


class S3Error(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra

    def response(self) -> web.Response:
        # A key echoed from the path may hold any character: only XML's own may be written.
        parts = [f"<Code>{_xml(self.code)}</Code>", f"<Message>{_xml(self.message)}</Message>"]
        parts += [f"<{name}>{_xml(value)}</{name}>" for name, value in self.extra.items()]
        parts.append(f"<RequestId>{secrets.token_hex(8).upper()}</RequestId>")
        body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error>{"".join(parts)}</Error>'
        return web.Response(status=self.status, text=body, content_type="application/xml")


def _xml(value: Any) -> str:
    return escape(ksef.xml_text(value))


def _denied(message: str) -> S3Error:
    return S3Error(403, "AccessDenied", f"Invalid according to Policy: {message}")


async def _form(request: web.Request) -> tuple[dict[str, str], Any]:
    """The text fields before the file, and the file (a FileField or a text value)."""
    if request.content_type != "multipart/form-data":
        raise S3Error(
            400,
            "InvalidArgument",
            "Bucket POST must be of the enclosure-type multipart/form-data",
        )
    try:
        form = await request.post()
    except web.HTTPException:
        raise
    except Exception:
        message = "The body of your POST request is not well-formed multipart/form-data."
        raise S3Error(400, "MalformedPOSTRequest", message) from None
    fields: dict[str, str] = {}
    for name, value in form.items():
        if name == "file":
            return fields, value
        if isinstance(value, str):
            fields.setdefault(name, value)
        else:
            fields.setdefault(name, "")
    raise S3Error(400, "InvalidArgument", "POST requires exactly one file upload per request.")


def _credential(store: Store, fields: Mapping[str, str]) -> dict[str, Any]:
    key = fields.get("key")
    if not key:
        raise S3Error(400, "InvalidArgument", "Bucket POST must contain a field named 'key'.")
    if fields.get("AWSAccessKeyId") != ACCESS_KEY_ID:
        raise S3Error(
            403,
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
        )
    found_keys = store.find(COLLECTION, "key", key)
    if not found_keys:
        raise _denied(f'Policy Condition failed: ["eq", "$key", "{key[:200]}"]')
    record = found_keys[0]
    policy, signature = fields.get("policy", ""), fields.get("signature", "")
    if not hmac.compare_digest(policy.encode(), str(record["policy"]).encode()) or (
        not hmac.compare_digest(signature.encode(), str(record["signature"]).encode())
    ):
        raise S3Error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. "
            "Check your key and signing method.",
        )
    if record["state"] == "attached" or _now() >= datetime.fromisoformat(record["expires_at"]):
        raise _denied("Policy expired.")
    extra = sorted(set(fields) - _S3_FIELDS - _POLICY_FIELDS)
    extra = [name for name in extra if not name.lower().startswith("x-ignore-")]
    if extra:
        raise _denied(f"Extra input fields: {', '.join(extra)[:200]}")
    for name, wanted in (("acl", ACL), ("success_action_status", SUCCESS_STATUS)):
        if fields.get(name) != wanted:
            raise _denied(f'Policy Condition failed: ["eq", "${name}", "{wanted}"]')
    return record


def _bad_type() -> S3Error:
    return S3Error(400, "InvalidArgument", "Invalid according to Policy: Content-Type")


def _media(value: str) -> tuple[str, str | None] | None:
    """(media type, charset) of a Content-Type value, None when it names no type; S3 400
    ``InvalidArgument`` for one that no response header could carry (see the module doc)."""
    if not _HEADER_TEXT.fullmatch(value):
        raise _bad_type()
    media, *params = value.split(";")
    media = media.strip().lower()
    if not media:
        return None
    if not _MEDIA_TYPE.fullmatch(media):
        raise _bad_type()
    charset = None
    for param in params:
        name, _, given = param.partition("=")
        if name.strip().lower() != "charset":
            continue  # aiohttp writes the charset itself; other parameters are not kept
        given = given.strip()
        if len(given) >= 2 and given[0] == given[-1] == '"':
            given = given[1:-1]
        if not _CHARSET.fullmatch(given):
            raise _bad_type()
        charset = given
    return media, charset


def _file_type(field: str | None, part: str | None) -> tuple[str, str | None]:
    """The stored (media type, charset): the policy field's, else the file part's."""
    for given in (field, part):
        parsed = _media(given) if given else None
        if parsed is not None:
            return parsed
    return "application/octet-stream", None


def _content(upload: Any) -> tuple[bytes, str | None, str | None]:
    """The bytes, the client's file name and content type of the ``file`` field."""
    if isinstance(upload, str):
        return upload.encode(), None, None
    if isinstance(upload, bytes | bytearray):
        # A part without a file name whose type is not text/*: aiohttp hands over its bytes.
        return bytes(upload), None, None
    data = upload.file.read(MAX_UPLOAD_SIZE + 1)
    if not isinstance(data, bytes):
        data = str(data).encode()
    return data, upload.filename or None, upload.content_type or None


async def upload(request: web.Request) -> web.Response:
    store = _store(request)
    try:
        fields, part = await _form(request)
        record = _credential(store, fields)
        data, client_name, client_type = _content(part)
        if len(data) > MAX_UPLOAD_SIZE:
            raise S3Error(
                400,
                "EntityTooLarge",
                "Your proposed upload exceeds the maximum allowed size",
                MaxSizeAllowed=MAX_UPLOAD_SIZE,
            )
        content_type, charset = _file_type(fields.get("Content-Type"), client_type)
    except S3Error as error:
        return error.response()
    record.update(
        state="uploaded",
        data=base64.b64encode(data).decode(),
        file_size=len(data),
        content_type=content_type[:255],
        charset=charset if charset is None else charset[:64],
        upload=store.new_id("attachment_uploads"),
        uploaded_at=now_text(),
        file_name=record["file_name"] or (_clean_name(client_name) if client_name else None),
    )
    store.add(COLLECTION, record)
    location = f"{request.url.origin()}{UPLOADS}/{quote(record['key'])}"
    etag = f'"{hashlib.md5(data, usedforsecurity=False).hexdigest()}"'  # S3's ETag: the MD5
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<PostResponse>'
        f"<Location>{escape(location)}</Location><Bucket>{BUCKET}</Bucket>"
        f"<Key>{escape(record['key'])}</Key><ETag>{escape(etag)}</ETag></PostResponse>"
    )
    # The policy demands success_action_status 201, so S3's 200/204 answers never happen here.
    return web.Response(
        status=201,
        text=body,
        content_type="application/xml",
        headers={"ETag": etag, "Location": location},
    )


# --- step 3 and the downloads -----------------------------------------------------------------


def _clean_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return _NAME_JUNK.sub("", base).strip()[:MAX_FILE_NAME]


def _of(store: Store, invoice_id: int, state: str) -> list[dict[str, Any]]:
    return [r for r in store.find(COLLECTION, "invoice_id", invoice_id) if r["state"] == state]


async def add_attachment(request: web.Request) -> web.Response:
    store = _store(request)
    invoice = found(request)
    raw = request.query.get("file_name", "")
    name = _clean_name(raw)
    if not name:
        raise ApiError.field("file_name", "can't be blank")
    if len(raw) > MAX_FILE_NAME:
        raise ApiError.field("file_name", f"is too long (maximum is {MAX_FILE_NAME} characters)")
    uploads = _of(store, invoice["id"], "uploaded")
    if not uploads:
        raise ApiError.field("file", "has not been uploaded")
    latest = max(uploads, key=lambda record: record["upload"])
    attached = _of(store, invoice["id"], "attached")
    if len(attached) >= MAX_ATTACHMENTS:
        raise _too_many()
    if sum(int(r["file_size"] or 0) for r in attached) + latest["file_size"] > MAX_INVOICE_BYTES:
        raise ApiError.field(
            "file",
            f"is too large: an invoice's attachments may hold at most {MAX_INVOICE_BYTES} bytes",
        )
    content_type = latest["content_type"]
    if content_type in (None, "", "application/octet-stream"):
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    latest.update(
        state="attached", file_name=name, content_type=content_type, attached_at=now_text()
    )
    store.add(COLLECTION, latest)
    invoice["attachments_count"] = len(_of(store, invoice["id"], "attached"))
    invoice["has_attachments"] = invoice["attachments_count"] > 0
    store.add(INVOICES, invoice)
    return reply(request, presented(invoice), root="invoice")


def _unique(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem:
        stem, suffix = name, ""
    n = 2
    while (candidate := f"{stem} ({n}){'.' + suffix if suffix else ''}") in taken:
        n += 1
    return candidate


def _zip(files: list[tuple[str, str]]) -> bytes:
    """The archive of (name, base64 data) files: stored, not deflated (the files are bounded
    by the limits, and compressing them is the slow part)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in files:
            archive.writestr(name, base64.b64decode(data))
    return buffer.getvalue()


async def attachments_zip(request: web.Request) -> web.Response:
    store = _store(request)
    invoice = found(request)
    taken: set[str] = set()
    files = []
    for record in sorted(_of(store, invoice["id"], "attached"), key=lambda r: r["id"]):
        name = _unique(str(record["file_name"] or "attachment"), taken)
        taken.add(name)
        files.append((name, str(record["data"] or "")))
    # The store is the loop's; the executor gets only immutable strings read from it here.
    body = await asyncio.get_running_loop().run_in_executor(None, _zip, files)
    return web.Response(
        body=body,
        content_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="attachments.zip"'},
    )


def _ksef_path(invoice: Mapping[str, Any], kind: str) -> str:
    suffix = "-upo" if kind == "gov_upo" else ""
    return f"ksef/{invoice['token']}/{invoice['gov_id']}{suffix}.xml"


async def attachment(request: web.Request) -> web.Response:
    store = _store(request)
    invoice = found(request)
    kind = request.query.get("kind", "").strip() or "custom"
    if kind not in KINDS:
        raise ApiError.field("kind", "is not included in the list")
    if kind == "custom":
        attached = _of(store, invoice["id"], "attached")
        if not attached:
            raise ApiError(404, "Not found")
        path = quote(max(attached, key=lambda r: r["id"])["key"])
    else:
        if invoice.get("gov_status") != "ok" or not invoice.get("gov_id"):
            raise ApiError(404, "Not found")
        path = quote(_ksef_path(invoice, kind))
    location = f"{request.url.origin()}{UPLOADS}/{path}"
    return web.Response(status=302, headers={"Location": location})


def _no_such_key(key: str) -> web.Response:
    error = S3Error(404, "NoSuchKey", "The specified key does not exist.", Key=key[:300])
    return error.response()


def _ksef_file(store: Store, key: str) -> web.Response | None:
    _, token, name = [*key.split("/", 2), "", ""][:3]
    matches = store.find(INVOICES, "token", token) if token else []
    if not matches:
        return None
    invoice = matches[0]
    ksef.settle(store, invoice)
    if invoice.get("gov_status") != "ok" or not invoice.get("gov_id"):
        return None
    for kind, render in (("gov", ksef.fa_xml), ("gov_upo", ksef.upo_xml)):
        if key == _ksef_path(invoice, kind):
            return web.Response(
                body=render(invoice),
                content_type="text/xml",
                charset="utf-8",
                headers={
                    "Content-Disposition": f'attachment; filename="{name}"',
                    "X-Content-Type-Options": "nosniff",
                },
            )
    return None


async def download(request: web.Request) -> web.Response:
    store = _store(request)
    key = request.match_info["key"]
    if key.startswith("ksef/"):
        return _ksef_file(store, key) or _no_such_key(key)
    matches = [r for r in store.find(COLLECTION, "key", key) if r["state"] != "issued"]
    if not matches:
        return _no_such_key(key)
    record = matches[0]
    name = str(record["file_name"] or key.rsplit("/", 1)[-1])
    return web.Response(
        body=base64.b64decode(record["data"] or ""),
        content_type=str(record["content_type"] or "application/octet-stream"),
        charset=record.get("charset"),
        headers={
            "Content-Disposition": f'attachment; filename="{quote(name)}"',
            "X-Content-Type-Options": "nosniff",  # the uploader chose the type
        },
    )


def routes() -> list[web.RouteDef]:
    member = r"/invoices/{id:\d{1,18}}"
    fmt = "{fmt:json|xml}"
    return [
        web.get(
            f"{member}/get_new_attachment_credentials.{fmt}",
            credentials,
            name="invoices.attachment_credentials",
        ),
        web.post(f"{member}/add_attachment.{fmt}", add_attachment, name="invoices.add_attachment"),
        web.get(
            f"{member}/attachments_zip.{fmt}", attachments_zip, name="invoices.attachments_zip"
        ),
        web.get(f"{member}/attachment", attachment, name="invoices.attachment"),
        web.post(UPLOADS, upload, name="uploads.post"),
        web.get(f"{UPLOADS}/{{key:.+}}", download, name="uploads.get"),
    ]
