"""The sandbox's invoice attachments over HTTP: the three-step S3 upload, the ZIP and the
downloads.

Proves the credentials have the service's shape and a new key per call, the bucket route needs
no token and refuses what S3 refuses (unknown key, wrong policy or signature, expired policy,
extra fields, too large) with S3's XML errors, ``add_attachment`` attaches the latest upload and
counts it on the invoice, the ZIP is a real one, and ``attachment?kind=...`` redirects to a file
that needs no token or answers 404.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from invoceanio.sandbox import attachments, create_app
from invoceanio.sandbox.attachments import MAX_UPLOAD_SIZE
from invoceanio.sandbox.store import Store

TOKEN = "attach-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
Client = TestClient[Any, Any]


@pytest.fixture
async def store() -> Store:
    return Store()


@pytest.fixture
async def http(store: Store) -> AsyncIterator[Client]:
    client: Client = TestClient(
        TestServer(create_app(token=TOKEN, store=store, max_body_size=8 * 1024 * 1024))
    )
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


async def _invoice(http: Client) -> dict[str, Any]:
    body = {"invoice": {"buyer_name": "B", "positions": [{"name": "A", "tax": 23, "price_net": 1}]}}
    response = await http.post("/invoices.json", json=body, headers=AUTH)
    assert response.status == 201
    created: dict[str, Any] = await response.json()
    return created


async def _credentials(http: Client, invoice_id: int) -> dict[str, Any]:
    url = f"/invoices/{invoice_id}/get_new_attachment_credentials.json"
    response = await http.get(url, headers=AUTH)
    assert response.status == 200, await response.text()
    answer: dict[str, Any] = await response.json()
    return answer


def _form(
    fields: dict[str, Any], content: bytes, *, name: str = "scan.pdf", **extra: str
) -> aiohttp.FormData:
    form = aiohttp.FormData()
    for key, value in fields.items():
        if key != "url":
            form.add_field(key, str(value))
    for key, value in extra.items():
        form.add_field(key, value)
    form.add_field("file", content, filename=name, content_type="application/pdf")
    return form


async def _upload(http: Client, fields: dict[str, Any], content: bytes, **extra: str) -> Any:
    path = urlsplit(fields["url"]).path
    return await http.post(path, data=_form(fields, content, **extra))  # no token, like S3


async def _attach(http: Client, invoice_id: int, name: str) -> Any:
    return await http.post(
        f"/invoices/{invoice_id}/add_attachment.json?file_name={name}", headers=AUTH
    )


def _s3_error(raw: bytes) -> str:
    root = ElementTree.fromstring(raw)
    assert root.tag == "Error"
    code = root.findtext("Code")
    assert code is not None
    return code


async def test_credentials_have_the_s3_post_fields_and_a_new_key_per_call(http: Client) -> None:
    invoice = await _invoice(http)
    first = await _credentials(http, invoice["id"])
    second = await _credentials(http, invoice["id"])
    assert set(first) == {
        "url",
        "AWSAccessKeyId",
        "key",
        "policy",
        "signature",
        "acl",
        "success_action_status",
    }
    assert first["success_action_status"] == "201" and first["acl"] == "private"
    assert first["key"] != second["key"]
    url = urlsplit(first["url"])
    assert url.path == "/__uploads__" and not url.path.startswith("/__sandbox__")
    assert f"{url.scheme}://{url.netloc}" == str(http.make_url("/").origin())
    assert (await http.get("/invoices/99/get_new_attachment_credentials.json")).status == 401
    missing = await http.get("/invoices/99/get_new_attachment_credentials.json", headers=AUTH)
    assert missing.status == 404 and (await missing.json())["code"] == "error"


async def test_the_three_steps_attach_the_file_and_count_it(http: Client, store: Store) -> None:
    invoice = await _invoice(http)
    assert (invoice["attachments_count"], invoice["has_attachments"]) == (0, False)
    fields = await _credentials(http, invoice["id"])
    uploaded = await _upload(http, fields, b"%PDF-1.4 scan")
    assert uploaded.status == 201, await uploaded.text()
    assert uploaded.content_type == "application/xml"
    post = ElementTree.fromstring(await uploaded.read())
    assert post.tag == "PostResponse" and post.findtext("Key") == fields["key"]
    assert post.findtext("ETag", "").startswith('"')
    attached = await _attach(http, invoice["id"], "skan.pdf")
    assert attached.status == 200, await attached.text()
    body = await attached.json()
    assert (body["attachments_count"], body["has_attachments"]) == (1, True)
    fetched = await (await http.get(f"/invoices/{invoice['id']}.json", headers=AUTH)).json()
    assert fetched["attachments_count"] == 1
    (record,) = store.records("attachments")
    assert (record["state"], record["file_name"], record["file_size"]) == (
        "attached",
        "skan.pdf",
        13,
    )


async def test_add_attachment_takes_the_latest_upload(http: Client) -> None:
    invoice = await _invoice(http)
    first = await _credentials(http, invoice["id"])
    second = await _credentials(http, invoice["id"])
    assert (await _upload(http, second, b"second")).status == 201
    assert (await _upload(http, first, b"first")).status == 201  # uploaded last
    assert (await _attach(http, invoice["id"], "a.txt")).status == 200
    assert (await _attach(http, invoice["id"], "b.txt")).status == 200
    nothing_left = await _attach(http, invoice["id"], "c.txt")
    assert nothing_left.status == 422
    assert (await nothing_left.json())["message"] == {"file": ["has not been uploaded"]}
    archive = await http.get(f"/invoices/{invoice['id']}/attachments_zip.json", headers=AUTH)
    with zipfile.ZipFile(io.BytesIO(await archive.read())) as opened:
        assert {name: opened.read(name) for name in opened.namelist()} == {
            "a.txt": b"first",
            "b.txt": b"second",
        }


async def test_add_attachment_needs_a_file_name_and_an_upload(http: Client) -> None:
    invoice = await _invoice(http)
    blank = await http.post(f"/invoices/{invoice['id']}/add_attachment.json", headers=AUTH)
    assert blank.status == 422 and list((await blank.json())["message"]) == ["file_name"]
    none = await _attach(http, invoice["id"], "x.pdf")
    assert none.status == 422
    assert (await _attach(http, 999, "x.pdf")).status == 404


async def test_the_zip_is_a_real_zip_with_repeated_names_kept_apart(http: Client) -> None:
    invoice = await _invoice(http)
    empty = await http.get(f"/invoices/{invoice['id']}/attachments_zip.json", headers=AUTH)
    assert empty.status == 200 and empty.content_type == "application/zip"
    with zipfile.ZipFile(io.BytesIO(await empty.read())) as opened:
        assert opened.namelist() == []
    for content in (b"one", b"two"):
        fields = await _credentials(http, invoice["id"])
        assert (await _upload(http, fields, content)).status == 201
        assert (await _attach(http, invoice["id"], "doc.txt")).status == 200
    full = await http.get(f"/invoices/{invoice['id']}/attachments_zip.json", headers=AUTH)
    assert full.headers["Content-Disposition"].startswith("attachment")
    with zipfile.ZipFile(io.BytesIO(await full.read())) as opened:
        assert opened.testzip() is None
        assert opened.namelist() == ["doc.txt", "doc (2).txt"]
        assert opened.read("doc (2).txt") == b"two"


async def test_attachment_redirects_to_a_file_that_needs_no_token(http: Client) -> None:
    invoice = await _invoice(http)
    url = f"/invoices/{invoice['id']}/attachment?kind=custom"
    absent = await http.get(url, headers=AUTH)
    assert absent.status == 404 and (await absent.json())["code"] == "error"
    fields = await _credentials(http, invoice["id"])
    assert (await _upload(http, fields, b"%PDF-1.4 data")).status == 201
    assert (await _attach(http, invoice["id"], "umowa.pdf")).status == 200
    redirect = await http.get(url, headers=AUTH, allow_redirects=False)
    assert redirect.status == 302
    location = urlsplit(redirect.headers["Location"])
    assert location.path.startswith("/__uploads__/")
    file = await http.get(location.path)  # no token
    assert file.status == 200 and await file.read() == b"%PDF-1.4 data"
    assert file.content_type == "application/pdf"
    assert "umowa.pdf" in file.headers["Content-Disposition"]
    default = await http.get(f"/invoices/{invoice['id']}/attachment", headers=AUTH)
    assert default.status == 200 and await default.read() == b"%PDF-1.4 data"  # followed
    for kind in ("gov", "gov_upo"):  # not sent to KSeF
        gov = await http.get(f"/invoices/{invoice['id']}/attachment?kind={kind}", headers=AUTH)
        assert gov.status == 404
    bad = await http.get(f"/invoices/{invoice['id']}/attachment?kind=other", headers=AUTH)
    assert bad.status == 422 and list((await bad.json())["message"]) == ["kind"]
    assert (await http.get(url)).status == 401  # the API route itself needs the token
    missing = await http.get("/__uploads__/attachments/1/nope")
    assert missing.status == 404 and _s3_error(await missing.read()) == "NoSuchKey"


async def test_the_bucket_refuses_what_s3_refuses(http: Client, store: Store) -> None:
    invoice = await _invoice(http)
    fields = await _credentials(http, invoice["id"])

    async def code(changed: dict[str, Any], **extra: str) -> tuple[int, str]:
        response = await _upload(http, {**fields, **changed}, b"x", **extra)
        return response.status, _s3_error(await response.read())

    assert await code({"key": "attachments/1/guessed"}) == (403, "AccessDenied")
    assert await code({"policy": fields["policy"][:-4] + "AAAA"}) == (
        403,
        "SignatureDoesNotMatch",
    )
    assert await code({"signature": "bm90IGl0"}) == (403, "SignatureDoesNotMatch")
    assert await code({"AWSAccessKeyId": "AKIAOTHER"}) == (403, "InvalidAccessKeyId")
    assert await code({"acl": "public-read"}) == (403, "AccessDenied")
    assert await code({}, x_other="1") == (403, "AccessDenied")  # extra input field
    no_key = {k: v for k, v in fields.items() if k != "key"}
    response = await http.post("/__uploads__", data=_form(no_key, b"x"))
    assert (response.status, _s3_error(await response.read())) == (400, "InvalidArgument")
    no_file = aiohttp.FormData()
    for key, value in fields.items():
        no_file.add_field(key, value)
    response = await http.post("/__uploads__", data=no_file)
    assert (response.status, _s3_error(await response.read())) == (400, "InvalidArgument")
    plain = await http.post("/__uploads__", json=fields)
    assert (plain.status, _s3_error(await plain.read())) == (400, "InvalidArgument")
    too_big = await _upload(http, fields, b"x" * (MAX_UPLOAD_SIZE + 1))
    assert (too_big.status, _s3_error(await too_big.read())) == (400, "EntityTooLarge")
    (record,) = store.records("attachments")
    assert record["state"] == "issued"  # nothing above stored a file
    stored = store.all("attachments")[0]
    stored["expires_at"] = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    assert await code({}) == (403, "AccessDenied")


async def test_fields_after_the_file_are_ignored_as_on_s3(http: Client) -> None:
    invoice = await _invoice(http)
    fields = await _credentials(http, invoice["id"])
    form = aiohttp.FormData()
    for key in ("AWSAccessKeyId", "policy", "signature", "acl", "success_action_status"):
        form.add_field(key, fields[key])
    form.add_field("file", b"data", filename="a.bin")
    form.add_field("key", fields["key"])  # after the file: S3 never reads it
    response = await http.post("/__uploads__", data=form)
    assert (response.status, _s3_error(await response.read())) == (400, "InvalidArgument")


async def test_a_credential_is_spent_once_its_file_is_attached(http: Client) -> None:
    invoice = await _invoice(http)
    fields = await _credentials(http, invoice["id"])
    assert (await _upload(http, fields, b"v1")).status == 201
    assert (await _upload(http, fields, b"v2")).status == 201  # replaced before attaching
    assert (await _attach(http, invoice["id"], "f.txt")).status == 200
    again = await _upload(http, fields, b"v3")
    assert (again.status, _s3_error(await again.read())) == (403, "AccessDenied")
    archive = await http.get(f"/invoices/{invoice['id']}/attachments_zip.json", headers=AUTH)
    with zipfile.ZipFile(io.BytesIO(await archive.read())) as opened:
        assert opened.read("f.txt") == b"v2"


def _raw_upload(
    fields: dict[str, Any], content: bytes, part_type: str | None, filename: str | None = "a.txt"
) -> bytes:
    """A multipart body written by hand, so that a part header can hold anything."""
    out = b""
    for key, value in fields.items():
        if key != "url":
            out += f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'.encode()
            out += str(value).encode() + b"\r\n"
    named = "" if filename is None else f'; filename="{filename}"'
    out += f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"{named}'.encode()
    if part_type is not None:
        out += f"\r\nContent-Type: {part_type}".encode()
    return out + b"\r\n\r\n" + content + f"\r\n--{BOUNDARY}--\r\n".encode()


BOUNDARY = "attachBoundary9X"
MULTIPART = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


async def _download(http: Client, key: str) -> Any:
    return await http.get(f"/__uploads__/{key}")  # no token


@pytest.mark.parametrize(
    ("field", "part", "media", "charset"),
    [
        (None, "text/plain; charset=utf-8", "text/plain", "utf-8"),
        ("text/plain; charset=utf-8", None, "text/plain", "utf-8"),
        ('Text/CSV; charset="ISO-8859-2"; header=present', None, "text/csv", "ISO-8859-2"),
        (None, "application/pdf; name=x.pdf", "application/pdf", None),
        ("image/png", "text/plain; charset=utf-8", "image/png", None),  # the policy field wins
        ("", None, "application/octet-stream", None),
    ],
)
async def test_an_upload_content_type_keeps_its_charset_apart(
    http: Client, field: str | None, part: str | None, media: str, charset: str | None
) -> None:
    # Found by review: a charset in the type made the download fail (aiohttp refuses a
    # charset inside content_type), so the file could never be fetched.
    invoice = await _invoice(http)
    fields = await _credentials(http, invoice["id"])
    if field is not None:
        fields["Content-Type"] = field
    response = await http.post(
        "/__uploads__",
        data=_raw_upload(fields, b"zawarto\xc5\x9b\xc4\x87", part),
        headers=MULTIPART,
    )
    assert response.status == 201, await response.text()
    served = await _download(http, fields["key"])
    assert served.status == 200, await served.text()
    assert (served.content_type, served.charset) == (media, charset)
    assert served.headers["X-Content-Type-Options"] == "nosniff"  # the uploader chose the type
    assert await served.read() == b"zawarto\xc5\x9b\xc4\x87"


@pytest.mark.parametrize(
    ("field", "part"),
    [
        ("a\nb", None),
        ("x\x01y", None),
        ("text/plain; charset=utf-8\r\nX-Evil: 1", None),
        ("text/plain; charset=ut\x7ff-8", None),
        ("tëxt/plain", None),
        ("not a type", None),
        ("text/plain; charset=", None),
        (None, "x\x01y"),
        (None, "text/plain; charset=\x02"),
    ],
)
async def test_a_content_type_with_control_characters_or_no_type_is_refused(
    http: Client, field: str | None, part: str | None
) -> None:
    # Found by review: a control character was stored and broke the download's headers
    # outside the error middleware (a dropped connection on a route that needs no token).
    invoice = await _invoice(http)
    fields = await _credentials(http, invoice["id"])
    if field is not None:
        fields["Content-Type"] = field
    response = await http.post(
        "/__uploads__", data=_raw_upload(fields, b"x", part), headers=MULTIPART
    )
    assert (response.status, _s3_error(await response.read())) == (400, "InvalidArgument")
    assert (await _download(http, fields["key"])).status == 404  # nothing was stored


async def test_attachments_per_invoice_are_capped_in_number_and_bytes(
    http: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Found by review: unlimited attachments per invoice, all zipped in memory on the loop.
    monkeypatch.setattr(attachments, "MAX_ATTACHMENTS", 2)
    monkeypatch.setattr(attachments, "MAX_INVOICE_BYTES", 10)
    invoice = await _invoice(http)
    for content in (b"12345", b"67890"):
        fields = await _credentials(http, invoice["id"])
        assert (await _upload(http, fields, content)).status == 201
        assert (await _attach(http, invoice["id"], "a.txt")).status == 200
    full = await http.get(
        f"/invoices/{invoice['id']}/get_new_attachment_credentials.json", headers=AUTH
    )
    assert full.status == 422
    assert (await full.json())["message"] == {
        "attachments": ["are too many (at most 2 per invoice)"]
    }
    other = await _invoice(http)
    fields = await _credentials(http, other["id"])
    assert (await _upload(http, fields, b"123456")).status == 201
    assert (await _attach(http, other["id"], "a.txt")).status == 200
    fields = await _credentials(http, other["id"])
    assert (await _upload(http, fields, b"12345")).status == 201
    too_big = await _attach(http, other["id"], "b.txt")
    assert too_big.status == 422
    assert (await too_big.json())["message"] == {
        "file": ["is too large: an invoice's attachments may hold at most 10 bytes"]
    }
    counted = await (await http.get(f"/invoices/{other['id']}.json", headers=AUTH)).json()
    assert counted["attachments_count"] == 1


async def test_the_zip_stores_its_files_uncompressed(http: Client) -> None:
    invoice = await _invoice(http)
    fields = await _credentials(http, invoice["id"])
    assert (await _upload(http, fields, b"a" * 1000)).status == 201
    assert (await _attach(http, invoice["id"], "a.txt")).status == 200
    archive = await http.get(f"/invoices/{invoice['id']}/attachments_zip.json", headers=AUTH)
    with zipfile.ZipFile(io.BytesIO(await archive.read())) as opened:
        (info,) = opened.infolist()
        assert info.compress_type == zipfile.ZIP_STORED  # no deflating on the event loop
        assert opened.read("a.txt") == b"a" * 1000


async def test_a_file_part_without_a_file_name_is_taken_whatever_its_type(http: Client) -> None:
    # Found by the fuzz: aiohttp hands such a part over as bytes, which the upload did not take
    # (a logged crash behind a 400).
    invoice = await _invoice(http)
    fields = await _credentials(http, invoice["id"])
    body = _raw_upload(fields, b"%PDF-1.4 bytes", "application/pdf", filename=None)
    response = await http.post("/__uploads__", data=body, headers=MULTIPART)
    assert response.status == 201, await response.text()
    assert await (await _download(http, fields["key"])).read() == b"%PDF-1.4 bytes"


async def test_an_s3_error_echoing_a_key_is_well_formed_xml(http: Client) -> None:
    # Found by the fuzz: a control character in the key made the NoSuchKey body invalid XML.
    missing = await http.get("/__uploads__/attachments/1/x%08y")
    assert missing.status == 404
    root = ElementTree.fromstring(await missing.read())
    assert (root.findtext("Code"), root.findtext("Key")) == ("NoSuchKey", "attachments/1/xy")
