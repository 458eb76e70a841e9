"""Files sent to the API (invoice attachments, department logos): read, checked, encoded.

Everything that can be wrong with a file is found before any request goes out: a path that is
not there or not a regular file, an empty file, a file over the client's ``max_upload_bytes``.
A file name (``filename=``, or the path's) that is not a ``str`` or that cannot be sent as UTF-8
(a name on disk that is not UTF-8 reaches Python as lone surrogates), a path that cannot be a
path (a NUL in it, not a ``str``/``os.PathLike[str]``) and a ``content_type`` that is no MIME
type are refused there too. Each raises :class:`ConfigurationError` naming the file, so an
upload never fails half-way for a reason that was knowable up front (the attachment upload is
three calls: a bad file must not leave step one done and step two failed).

The multipart body is built by aiohttp's own ``FormData`` (no hand-written encoder); field names
keep their brackets (``department[logo]``) because Rails reads them that way.
"""

from __future__ import annotations

import mimetypes
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import aiohttp
import attrs

from invoceanio.errors import ConfigurationError

__all__ = ["FileInput", "Upload", "multipart", "read_upload"]

#: What an upload accepts: the bytes themselves, or the path of a file to read.
FileInput = bytes | bytearray | memoryview | str | os.PathLike[str]

# Control characters (C0, DEL, C1), the line separators, and what would break the
# Content-Disposition header or make the name a path.
_UNSAFE_NAME: Final = re.compile(r'[\x00-\x1f\x7f-\x9f\u2028\u2029"\\/;]')
_MAX_NAME: Final = 200
# Longer than this after the last dot, a name has no extension worth keeping when shortened.
_MAX_EXTENSION: Final = 16
# type/subtype with optional parameters, all printable ASCII (RFC 6838 names; nothing that could
# end the header line).
_CONTENT_TYPE: Final = re.compile(r"[\w!#$&^.+-]+/[\w!#$&^.+-]+(?:\s*;[\x20-\x7e]*)?", re.ASCII)


@attrs.frozen(repr=False)
class Upload:
    """A file ready to send: its name (as the server will store it), type and bytes."""

    filename: str
    content_type: str
    data: bytes

    def __repr__(self) -> str:
        return f"<Upload {self.filename!r} {self.content_type} {len(self.data)} bytes>"


def _clean_name(filename: str) -> str:
    # Only the last path component, and nothing that could break the Content-Disposition header.
    try:
        filename.encode("utf-8")
    except UnicodeEncodeError:
        # A name on disk that is not UTF-8 comes back from os.fsdecode as lone surrogates: the
        # server cannot be sent it (and step one must not go out for a file step two refuses).
        raise ConfigurationError(
            f"the file name {filename!r} is not valid UTF-8 (a name on disk in another "
            "encoding?): give the name to store with filename="
        ) from None
    name = _UNSAFE_NAME.sub("_", filename.replace("\\", "/").rpartition("/")[2]).strip(" .")
    if not name:
        raise ConfigurationError(f"the file name {filename!r} is empty once cleaned")
    if len(name) <= _MAX_NAME:
        return name
    # Shortened in its stem: the extension is what the type is guessed from (a logo must be a
    # PNG, JPEG or GIF) and what the server stores the file as.
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension) > _MAX_EXTENSION:
        return name[:_MAX_NAME]
    return f"{stem[: _MAX_NAME - len(extension) - 1].rstrip(' .')}.{extension}"


def _check_content_type(content_type: object) -> str:
    if not isinstance(content_type, str) or not _CONTENT_TYPE.fullmatch(content_type):
        shown = repr(content_type) if isinstance(content_type, str) else type(content_type).__name__
        raise ConfigurationError(
            f"content_type= must be a MIME type such as 'application/pdf', got {shown}"
        )
    return content_type


def read_upload(
    content: FileInput,
    *,
    filename: str | None,
    max_bytes: int,
    content_type: str | None = None,
) -> Upload:
    """The file to send, checked. ``content`` is bytes or a path; ``filename`` defaults to the
    path's name (and is required with bytes); the type is guessed from the name when not given.
    """
    if filename is not None and not isinstance(filename, str):
        raise ConfigurationError(
            f"filename= must be a str (or None with a path), got {type(filename).__name__}"
        )
    if isinstance(content, bytes | bytearray | memoryview):
        if filename is None:
            raise ConfigurationError("filename= is required when the content is given as bytes")
        data = bytes(content)
        source = f"{filename!r}"
    elif isinstance(content, str | os.PathLike):
        try:
            path = Path(content)
        except TypeError:  # an os.PathLike[bytes], or one whose __fspath__ is no str
            raise ConfigurationError(
                f"the file path must be a str or os.PathLike[str], got {type(content).__name__}"
            ) from None
        source = f"file {str(path)!r}"
        if "\x00" in str(path):
            raise ConfigurationError(f"{source} is not a file path: it contains a NUL character")
        try:
            size = path.stat().st_size
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            raise ConfigurationError(f"cannot read {source}: {reason}") from None
        if not path.is_file():
            raise ConfigurationError(f"{source} is not a regular file")
        if size > max_bytes:
            raise ConfigurationError(
                f"{source} is {size} bytes, over the upload limit of {max_bytes} bytes"
            )
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ConfigurationError(f"cannot read {source}: {exc.strerror or exc}") from None
        filename = path.name if filename is None else filename
    else:
        raise ConfigurationError(
            f"the content must be bytes or a file path, got {type(content).__name__}"
        )
    if not data:
        raise ConfigurationError(f"{source} is empty: there is nothing to upload")
    if len(data) > max_bytes:
        raise ConfigurationError(
            f"{source} is {len(data)} bytes, over the upload limit of {max_bytes} bytes"
        )
    name = _clean_name(filename)
    if content_type is not None:
        content_type = _check_content_type(content_type)
    guessed = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return Upload(filename=name, content_type=guessed, data=data)


async def multipart(
    fields: Sequence[tuple[str, str]], files: Sequence[tuple[str, Upload]]
) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body of text ``fields`` then ``files``, and its Content-Type."""
    form = aiohttp.FormData(quote_fields=False)
    for name, value in fields:
        form.add_field(name, value)
    for name, upload in files:
        form.add_field(
            name, upload.data, filename=upload.filename, content_type=upload.content_type
        )
    writer = form()
    if not isinstance(writer, aiohttp.MultipartWriter):  # pragma: no cover - files force it
        raise ConfigurationError("a multipart body needs at least one file")
    return await writer.as_bytes(), writer.content_type
