"""Uploads (review fixes): everything about the file that would stop the upload is found by
read_upload, before the first request, and is a ConfigurationError: a name that cannot be sent
as UTF-8 (a file name on disk in another encoding), a filename= that is no str, a path with a
NUL or a path that is not a str, a content_type= that is no MIME type."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

from invoceanio import ConfigurationError, InvoiceOcean
from invoceanio.transport import MockTransport
from invoceanio.uploads import multipart, read_upload
from tests.resources.mock_api import answer


async def _nothing_sent(**arguments: Any) -> ConfigurationError:
    transport = MockTransport(answer)
    async with InvoiceOcean(prefix="acme", api_token="tok", transport=transport) as io:
        with pytest.raises(ConfigurationError) as caught:
            await io.invoices.add_attachment(1, **arguments)
    assert transport.requests == []  # not even step one
    return caught.value


@pytest.fixture
def byte_named_file(tmp_path: Path) -> str:
    """A file whose name on disk is not UTF-8, as Python sees it (a lone surrogate)."""
    if sys.platform in ("win32", "darwin"):
        pytest.skip("file names there are Unicode")
    raw = os.fsencode(tmp_path) + b"/faktura-\xff.pdf"
    path = os.fsdecode(raw)
    Path(path).write_bytes(b"%PDF-1.4 test")
    return path


async def test_a_file_named_in_another_encoding_is_refused_before_step_one(
    byte_named_file: str,
) -> None:
    path = byte_named_file
    error = await _nothing_sent(filename=None, content=path)
    assert "not valid UTF-8" in str(error) and "filename=" in str(error)
    # With a name given, the same file goes.
    upload = read_upload(path, filename="faktura.pdf", max_bytes=100)
    assert upload.filename == "faktura.pdf"
    body, _ = await multipart([], [("file", upload)])
    assert b'filename="faktura.pdf"' in body


@pytest.mark.parametrize(
    ("filename", "content", "problem"),
    [
        ("a-\udcff.pdf", b"x", "not valid UTF-8"),
        (5, b"x", "filename= must be a str"),
        (b"a.pdf", b"x", "filename= must be a str"),
        (None, "a\x00.pdf", "NUL"),
        (None, Path("a\x00.pdf"), "NUL"),
    ],
    ids=["surrogate-name", "int-name", "bytes-name", "nul-str-path", "nul-path"],
)
async def test_a_bad_name_or_path_is_a_configuration_error_before_anything_is_sent(
    filename: Any, content: Any, problem: str
) -> None:
    error = await _nothing_sent(filename=filename, content=content)
    assert problem in str(error)


def test_a_path_like_of_bytes_is_refused() -> None:
    class BytesPath:
        def __fspath__(self) -> bytes:
            return b"a.pdf"

    with pytest.raises(ConfigurationError, match=r"os\.PathLike"):
        read_upload(BytesPath(), filename=None, max_bytes=10)  # type: ignore[arg-type]


def test_a_path_with_a_nul_when_given_the_filename_too_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="NUL"):
        read_upload("dir\x00/a.pdf", filename="a.pdf", max_bytes=10)


@pytest.mark.parametrize(
    "content_type", ["text/plain\r\nX-Evil: 1", "pdf", "", "tëxt/plain", 5, b"text/plain"]
)
def test_a_content_type_that_is_no_mime_type_is_refused(content_type: Any) -> None:
    with pytest.raises(ConfigurationError, match="MIME type"):
        read_upload(b"x", filename="a.pdf", max_bytes=10, content_type=content_type)


@pytest.mark.parametrize("content_type", ["application/pdf", "text/plain; charset=utf-8"])
def test_a_mime_type_is_kept(content_type: str) -> None:
    upload = read_upload(b"x", filename="a.txt", max_bytes=10, content_type=content_type)
    assert upload.content_type == content_type


@pytest.mark.parametrize("bad", ["\x85", "\u2028", "\u2029", "\x9f"])
def test_c1_controls_and_line_separators_leave_the_name(bad: str) -> None:
    upload = read_upload(b"x", filename=f"a{bad}b.pdf", max_bytes=10)
    assert upload.filename == "a_b.pdf"


def test_a_long_name_is_shortened_in_its_stem_and_keeps_its_extension() -> None:
    # Before: cut at 200 characters, extension included, so a PNG logo was guessed
    # application/octet-stream and refused, and an attachment lost its type.
    upload = read_upload(b"\x89PNG data", filename="x" * 300 + ".png", max_bytes=1024)

    assert len(upload.filename) == 200
    assert upload.filename.endswith("x.png")
    assert upload.content_type == "image/png"


def test_a_long_name_without_a_short_extension_is_cut_as_it_is() -> None:
    upload = read_upload(b"data", filename="y" * 250, max_bytes=1024)
    dotted = read_upload(b"data", filename="z." + "w" * 250, max_bytes=1024)

    assert upload.filename == "y" * 200
    assert dotted.filename == ("z." + "w" * 250)[:200]


async def test_a_logo_with_a_long_name_is_uploaded_as_a_png() -> None:
    transport = MockTransport(answer)
    async with InvoiceOcean(prefix="acme", api_token="tok", transport=transport) as io:
        await io.departments.upload_logo(1, "logo-" + "x" * 250 + ".png", b"\x89PNG data")

    [request] = transport.requests
    assert request.body is not None and b"Content-Type: image/png" in request.body
