"""An invoice's files: attachments (the three-step upload, the ZIP of all of them, one document
by kind, KSeF's included) and the no-login links to its page and PDF.

The upload's second step and a redirected download go to URLs the API hands out, not to the
API: they are checked (https, no credentials in them) and sent without the token."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from invoceanio.endpoints import endpoint
from invoceanio.errors import ConfigurationError, DecodeError
from invoceanio.http import Request
from invoceanio.models.invoice import Invoice
from invoceanio.resources.base import ResourceService, _shown, check_name
from invoceanio.uploads import FileInput, multipart, read_upload

__all__ = ["InvoiceFiles"]

_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,200}")


class InvoiceFiles(ResourceService[Invoice]):
    @endpoint("GET", "{collection}/{id}/get_new_attachment_credentials", suffix="json")
    @endpoint("POST", "{upload_url}", host="upload", note="multipart: the grant's fields + `file`")
    @endpoint("POST", "{collection}/{id}/add_attachment", suffix="json", note="`?file_name=`")
    async def add_attachment(
        self, id: int | str, filename: str | None, content: FileInput
    ) -> dict[str, Any]:
        """Attach a file to the invoice: the API's three steps (ask for upload credentials,
        upload the file to the storage they name, attach it). ``content`` is the bytes or a
        path; the file is read and checked (there, not empty, within ``max_upload_bytes``)
        before the first request. Attachments are hidden from the buyer until the invoice is
        updated with ``show_attachments=True``."""
        upload = read_upload(content, filename=filename, max_bytes=self._core.max_upload_bytes)
        member = self._member(id)
        asked = self._build("GET", f"{member}/get_new_attachment_credentials", xml_form=False)
        grant = await self._core.call(asked)
        url, fields = _upload_form(grant, asked)
        form = await multipart(fields, [("file", upload)])
        # The same key overwrites the same object: sending the upload twice is harmless.
        stored = self._core.external(
            "POST",
            url,
            operation="attachment upload",
            source=asked,
            content=form,
            idempotent=True,
        )
        await self._core.fetch_file(stored, accept_redirect=False)
        attach = self._build(
            "POST",
            f"{member}/add_attachment",
            params=[("file_name", upload.filename)],
            xml_form=False,
        )
        result = await self._core.call(attach)
        return result if isinstance(result, dict) else {}

    @endpoint("GET", "{collection}/{id}/attachments_zip", suffix="json", note="a ZIP archive")
    async def attachments_zip(self, id: int | str) -> bytes:
        """Every attachment of the invoice in one ZIP archive (checked to be one)."""
        # The path keeps its .json suffix: that is how the API names this download.
        request = self._build(
            "GET", f"{self._member(id)}/attachments_zip", expect="bytes", suffix="json"
        )
        body = await self._core.fetch_file(request)
        if not body.startswith((b"PK\x03\x04", b"PK\x05\x06")):
            raise DecodeError(
                "expected a ZIP archive of the attachments", method="GET", url=request.path
            )
        return body

    @endpoint(
        "GET", "{collection}/{id}/attachment", suffix="none", note="`?kind=`; 302 to the file"
    )
    @endpoint("GET", "{location}", host="redirect", note="without credentials")
    async def download_attachment(self, id: int | str, kind: str) -> bytes:
        """One attached document: ``kind="gov"`` is the KSeF FA XML, ``"gov_upo"`` its UPO
        (both once the invoice is in KSeF), ``"custom"`` a file you attached. The API answers
        with a redirect to the file, which is fetched without credentials. NotFoundError when
        the document does not exist (yet)."""
        check_name(kind, "an attachment kind such as 'gov' or 'gov_upo'")
        request = self._build(
            "GET", f"{self._member(id)}/attachment", params=[("kind", kind)], expect="bytes"
        )
        return await self._core.fetch_file(request)

    def public_url(self, invoice: Invoice | str) -> str:
        """The no-login link to the invoice's page (what the buyer gets), from its ``token``."""
        return f"{self._core.base_url}/invoice/{_token_of(invoice)}"

    def public_pdf_url(self, invoice: Invoice | str, *, inline: bool = False) -> str:
        """The no-login link to the invoice's PDF (``inline=True``: shown, not downloaded)."""
        url = f"{self._core.base_url}/invoice/{_token_of(invoice)}.pdf"
        return f"{url}?inline=yes" if inline else url


def _token_of(invoice: Invoice | str) -> str:
    token = invoice.token if isinstance(invoice, Invoice) else invoice
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        raise ConfigurationError(
            "the invoice has no public token (read it with get(), not from a list of another "
            f"account), got {_shown(token)}"
        )
    return token


def _upload_form(grant: Any, request: Request) -> tuple[str, list[tuple[str, str]]]:
    """The storage URL and form fields of an upload grant, in the order the API gave them."""
    if not isinstance(grant, dict) or not isinstance(grant.get("url"), str):
        raise DecodeError(
            "the upload credentials carry no url", method=request.method, url=request.path
        )
    try:
        urlsplit(grant["url"])
    except ValueError:  # "https://[::1": a bad answer, not the caller's mistake
        raise DecodeError(
            "the upload credentials carry a url that cannot be parsed",
            method=request.method,
            url=request.path,
        ) from None
    fields = [
        (str(key), str(value))
        for key, value in grant.items()
        if key != "url" and value is not None and not isinstance(value, dict | list)
    ]
    return grant["url"], fields
