"""The sandbox's wire conventions: formats by path suffix, request documents, replies, errors.

- The path suffix picks the format (``.json``/``.xml``); routes capture it as ``{fmt}``.
- Write requests wrap the object in its root key (``{"invoice": {...}}`` in JSON, an
  ``<invoice>`` root element in XML); a JSON body may carry ``api_token`` beside the root key.
  A form-encoded or multipart body (spec 3: jQuery's ``$.ajax({data: ...})`` sends
  ``invoice[positions][0][name]=...``) is read for every resource by one parser,
  :func:`form_params` (:mod:`invoceanio.sandbox.forms`, re-exported here), into the nested
  objects and lists Rails' Rack parser makes of it.
- Replies are bare objects and bare arrays in JSON; in XML the object sits in its root element
  and a list in ``<invoices type="array">``; a character XML 1.0 cannot hold is written ``*``,
  as Rails' Builder writes it (:func:`xml_text`). A stored hash key that is no XML element name
  (a bundle's ``package_products_details`` is ``{"0": {...}}``) is escaped as ISO/IEC 9075-14
  does (``"0"`` -> ``<_x0030_>``): see :func:`xml_element_names`.
- Every error is a JSON body ``{"code": "error", "message": ...}`` whatever the suffix, with the
  message a string or ``{field: [messages]}`` (422). :class:`ApiError` carries one to the error
  middleware, which renders it.

Also here: the application keys the resource modules share, the name of the ``invoices``
collection (the modules around invoices import it from here, below the invoice resource, to
avoid an import cycle), and parsers for the loose request values the service accepts (ids as
numeric strings, ``"0"``/``"1"``/``"yes"`` flags, dates, lists of ids, a query value out of a
list of choices).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from datetime import date
from typing import Any, Final

from aiohttp import web

from invoceanio.codecs import JsonCodec, XmlCodec
from invoceanio.codecs.base import CodecError
from invoceanio.sandbox.faults import FaultEngine
from invoceanio.sandbox.forms import (
    FORM_DEPTH_LIMIT,
    FORMS,
    FormBodyError,
    FormParamsError,
    first_upload,
    form_params,
    is_form,
    read_form,
)
from invoceanio.sandbox.store import Store

__all__ = [
    "FAULTS",
    "FORMS",
    "FORM_DEPTH_LIMIT",
    "INVOICES",
    "STORE",
    "TOKEN",
    "ApiError",
    "FormParamsError",
    "body_error_reply",
    "body_fields",
    "choice",
    "error_reply",
    "flag",
    "fmt_of",
    "form_params",
    "id_list",
    "integer",
    "is_form",
    "paginate",
    "parse_date",
    "read_document",
    "read_field",
    "read_plain",
    "reply",
    "xml_element_name",
    "xml_element_names",
    "xml_text",
]

STORE: Final = web.AppKey("invoceanio_store", Store)
FAULTS: Final = web.AppKey("invoceanio_faults", FaultEngine)
TOKEN: Final = web.AppKey("invoceanio_token", str)

#: The store collection of invoices (every document kind).
INVOICES: Final = "invoices"

JSON: Final = JsonCodec()
XML: Final = XmlCodec()
FORMATS: Final = ("json", "xml")

_TRUE: Final = frozenset({"1", "true", "t", "yes", "y", "on"})
_FALSE: Final = frozenset({"0", "false", "f", "no", "n", "off", ""})
_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# The characters XML 1.0 cannot hold (outside its Char production), as Builder::XChar knows them.
_NOT_XML_CHAR: Final = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
#: What Builder (Rails' XML renderer) writes in place of each of them (Builder::XChar's
#: REPLACEMENT_CHAR).
XML_REPLACEMENT_CHAR: Final = "*"
# The first element name of an XML document, after the declaration, comments and PIs. A UTF-8
# byte-order mark may lead (Windows tools write one): the XML codec decodes such a body, so the
# root must be found behind it too.
_XML_ROOT: Final = re.compile(
    rb"(?:\xef\xbb\xbf)?\s*(?:<\?.*?\?>\s*|<!--.*?-->\s*)*<([A-Za-z_][\w.-]*)", re.S
)


class ApiError(Exception):
    """An answer of the service's error shape: ``{"code": "error", "message": message}``."""

    def __init__(
        self, status: int, message: str | Mapping[str, list[str]], *, headers: Any = None
    ) -> None:
        super().__init__(str(message))
        self.status = status
        self.message = message
        self.headers = headers

    @classmethod
    def field(cls, field: str, message: str, status: int = 422) -> ApiError:
        return cls(status, {field: [message]})

    def response(self) -> web.Response:
        return error_reply(self.status, self.message, headers=self.headers)


def error_reply(
    status: int, message: str | Mapping[str, list[str]], *, headers: Any = None
) -> web.Response:
    body = JSON.encode({"code": "error", "message": message})
    return web.Response(status=status, body=body, content_type="application/json", headers=headers)


def body_error_reply(message: str) -> web.Response:
    """HTTP 200 whose body says error (as send_by_email does when KSeF blocks it)."""
    return web.Response(
        status=200,
        body=JSON.encode({"code": "error", "message": message}),
        content_type="application/json",
    )


def fmt_of(request: web.Request) -> str:
    fmt = request.match_info.get("fmt", "json")
    return fmt if fmt in FORMATS else "json"


def reply(request: web.Request, data: Any, *, root: str, status: int = 200) -> web.Response:
    """``data`` in the request's format; ``root`` names the XML root element."""
    if fmt_of(request) == "xml":
        body = XML.encode({root: _xml_texts(xml_element_names(data))})
        return web.Response(status=status, body=body, content_type="application/xml")
    return web.Response(status=status, body=JSON.encode(data), content_type="application/json")


# --- XML element names -------------------------------------------------------------------------
#
# Spec 8 documents no XML answer holding a hash with numeric keys, such as a bundle's
# ``package_products_details`` (``{"0": {"id": 1, "quantity": 2}}``, spec 4.4). Rails' ``to_xml``
# would write the key as the tag itself, ``<0>``, which no XML parser accepts. The nearest
# well-formed answer keeps Rails' shape and changes only the names XML cannot hold, escaped the
# way ISO/IEC 9075-14 (SQL/XML, also .NET's XmlConvert.EncodeName) maps a name to XML: each
# character that may not stand where it stands becomes ``_xHHHH_``, its code point in hex, and
# so does an ``_`` that starts ``_x``. The escape is reversible, and the SDK's XML codec reads the
# answer as it reads any hash: ``{"_x0030_": {"id": 1, "quantity": 2}}``.


# The names most keys are; anything else is judged one character at a time, as XML's grammar
# does (a start character, then name characters), so the cache holds characters, not keys.
_ASCII_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


@functools.lru_cache(maxsize=4096)
def _allowed(char: str, *, first: bool) -> bool:
    """Whether the XML codec writes ``char`` at the start (``first``) or inside an element name:
    the codec's own test, so every name written here is one the SDK reads back."""
    try:
        XML.encode({char if first else f"a{char}": ""})
    except CodecError:
        return False
    return True


def _escaped(char: str) -> str:
    return f"_x{ord(char):04X}_" if ord(char) <= 0xFFFF else f"_x{ord(char):08X}_"


def xml_element_name(key: str) -> str:
    """``key`` as an XML element name: itself when it is one holding no ``_x``, else
    ISO 9075-escaped."""
    # ISO/IEC 9075-14 escapes every ``_`` followed by ``x``, valid name or not: else the key
    # ``_x0030_`` would be written as the escape of ``0`` and the two keys would collide.
    literal = "_x" not in key
    if literal and _ASCII_NAME.fullmatch(key):
        return key
    if not key:
        return "_"  # the escape has no form for the empty name
    allowed = [_allowed(char, first=index == 0) for index, char in enumerate(key)]
    if literal and all(allowed):
        return key  # a name beyond ASCII (``zażółć``) is an XML name all the same
    name = []
    for index, char in enumerate(key):
        starts_escape = char == "_" and key[index + 1 : index + 2] == "x"
        name.append(char if allowed[index] and not starts_escape else _escaped(char))
    return "".join(name)


def xml_text(text: str) -> str:
    """``text`` with each character XML 1.0 cannot hold (a control character such as ``\\x0b``
    pasted from a spreadsheet, a lone surrogate) replaced by ``*``, as Builder's ``to_xs``
    writes it. JSON can carry those characters, so a record holding one is stored; its XML
    reads must still answer (the SDK's XML codec refuses to write them, rightly, for a request)."""
    return _NOT_XML_CHAR.sub(XML_REPLACEMENT_CHAR, text)


def _xml_texts(data: Any) -> Any:
    if isinstance(data, str):
        return xml_text(data)
    if isinstance(data, dict):
        return {key: _xml_texts(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_xml_texts(item) for item in data]
    return data


def xml_element_names(data: Any) -> Any:
    """A copy of ``data`` whose hash keys are XML element names (:func:`xml_element_name`)."""
    if isinstance(data, dict):
        return {xml_element_name(str(key)): xml_element_names(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [xml_element_names(item) for item in data]
    return data


async def _decoded(request: web.Request) -> Any:
    body = await request.read()
    fmt = fmt_of(request)
    try:
        return (XML if fmt == "xml" else JSON).decode(body)
    except CodecError as exc:
        raise ApiError(400, f"malformed {fmt.upper()} request body: {exc}") from None
    except (ValueError, RecursionError, MemoryError):
        raise ApiError(400, f"malformed {fmt.upper()} request body") from None


# --- form bodies ----------------------------------------------------------------------------------
#
# The parser is :mod:`invoceanio.sandbox.forms`; these two turn what it reports into answers.


async def _form(request: web.Request) -> dict[str, Any]:
    try:
        return await read_form(request)
    except FormBodyError as exc:
        raise ApiError(400, str(exc)) from None


def _no_uploads(data: Any, name: str) -> None:
    """422 for a file where the resource takes text (Rails would store the upload's text form)."""
    field = first_upload(data, name)
    if field is not None:
        raise ApiError.field(field, "is invalid")


async def body_fields(request: web.Request) -> dict[str, Any]:
    """The top-level fields of a JSON or form body (beside the root key: ``api_token``,
    ``gov_save_and_send``, ``find_by``); ``{}`` for XML or a body that is no object, and for a
    malformed one, which :func:`read_document` answers."""
    try:
        if is_form(request):
            return await _form(request)
        if fmt_of(request) != "json":
            return {}
        decoded = await _decoded(request)
    except ApiError:
        return {}
    return decoded if isinstance(decoded, dict) else {}


async def read_document(
    request: web.Request, root: str, *, uploads: bool = False
) -> dict[str, Any]:
    """The object under ``root`` in the request body: 400 when malformed or missing.

    A form body is read by :func:`form_params`; only with ``uploads`` may it carry files, and
    then only as the object's own fields (``department[logo]``)."""
    if is_form(request):
        document = (await _form(request)).get(root)
        if not isinstance(document, dict) or not document:
            raise ApiError(400, f"param is missing or the value is empty: {root}")
        for key, value in document.items():
            if not (uploads and isinstance(value, web.FileField)):
                _no_uploads(value, key)
        return document
    decoded = await _decoded(request)
    if fmt_of(request) == "xml":
        match = _XML_ROOT.match(await request.read())
        if match is None or match.group(1).decode().replace("-", "_") != root:
            raise ApiError(400, f"param is missing or the value is empty: {root}")
        document = decoded
        if document is None or document == "":
            document = {}
    else:
        if not isinstance(decoded, dict) or root not in decoded:
            raise ApiError(400, f"param is missing or the value is empty: {root}")
        document = decoded[root]
    if not isinstance(document, dict):
        raise ApiError(400, f"param is missing or the value is empty: {root}")
    return document


async def read_plain(request: web.Request) -> dict[str, Any]:
    """A body without a root key (``cancel``): the top-level object; 400 when not one."""
    if is_form(request):
        form = await _form(request)
        _no_uploads(form, "base")
        return form
    decoded = await _decoded(request)
    if not isinstance(decoded, dict):
        raise ApiError(400, "the request body must be an object")
    return decoded


async def read_field(request: web.Request, name: str) -> Any:
    """One top-level field of a body without a root key (``merge_ids``); None without a body.

    JSON: ``{name: value}`` (``api_token`` may sit beside it). XML: a ``<name>`` root element
    is the value itself, which is how the XML codec writes ``{name: value}``; any other root
    is read as the object holding it. 400 when the body is not one of those."""
    if is_form(request):
        return (await read_plain(request)).get(name)
    body = await request.read()
    if not body:
        return None
    if fmt_of(request) == "xml":
        match = _XML_ROOT.match(body)
        if match is not None and match.group(1).decode().replace("-", "_") == name:
            return await _decoded(request)
    return (await read_plain(request)).get(name)


# --- loose request values -----------------------------------------------------------------------


def flag(value: Any, field: str) -> bool:
    """A request flag as a real boolean; ``"0"``/``"false"`` are False. 422 otherwise."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ApiError.field(field, "is not a flag")


def integer(value: Any, field: str) -> int | None:
    """An id as int (ints or numeric strings); None when blank. 422 otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ApiError.field(field, "is not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,18}", value.strip()):
        return int(value.strip())
    raise ApiError.field(field, "is not a number")


def id_list(field: str, value: Any = None, *, query: Mapping[str, str] | None = None) -> list[int]:
    """The ids a request names, in order and each once; 422 ``{field: ["can't be blank"]}``
    when it names none.

    From ``value`` (a body field: a list, ``"1,2"`` CSV text or one id) and from ``query``
    (``field[]=1&field[]=2`` or ``field=1,2``); 422 ``is invalid`` for a value of another shape
    (an object, a flag), ``is not a number`` for an id that is not one."""
    raw: list[Any] = []
    if isinstance(value, str | int) and not isinstance(value, bool):
        raw.extend(str(value).split(","))
    elif isinstance(value, list):
        raw.extend(value)
    elif value is not None:
        raise ApiError.field(field, "is invalid")
    if query is not None:
        if hasattr(query, "getall"):
            raw.extend(query.getall(f"{field}[]", []))
        raw.extend(query.get(field, "").split(","))
    ids = [integer(item, field) for item in raw]
    wanted = list(dict.fromkeys(item for item in ids if item is not None))
    if not wanted:
        raise ApiError.field(field, "can't be blank")
    return wanted


def choice(query: Mapping[str, str], field: str, allowed: tuple[str, ...]) -> str:
    """The query value ``field`` when it is one of ``allowed``; the first of them (the default)
    when absent or blank; 422 ``{field: ["is not included in the list"]}`` otherwise."""
    value = query.get(field, "").strip()
    if not value:
        return allowed[0]
    if value not in allowed:
        raise ApiError.field(field, "is not included in the list")
    return value


def parse_date(value: Any, field: str, *, month: bool = False) -> date | None:
    """``YYYY-MM-DD`` (or ``YYYY-MM`` when ``month``) as a date; None when blank; 422 otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        text = value.strip()
        if month and re.fullmatch(r"[0-9]{4}-[0-9]{2}", text):
            text += "-01"
        if _DATE.fullmatch(text):
            try:
                return date.fromisoformat(text)
            except ValueError:
                pass
    raise ApiError.field(field, "is not a valid date")


# --- lists --------------------------------------------------------------------------------------

DEFAULT_PER_PAGE: Final = 25
MAX_PER_PAGE: Final = 100


def _positive(text: str | None, default: int) -> int:
    if text is None or not text.strip().isascii() or not text.strip().isdigit():
        return default
    return max(int(text.strip()[:18]), 1)


def paginate(query: Mapping[str, str], items: list[Any]) -> list[Any]:
    """One page: ``page`` from 1 (default 1), ``per_page`` default 25, capped at 100.

    Past the end is ``[]``; a value that is not a positive number counts as the default."""
    page = _positive(query.get("page"), 1)
    per_page = min(_positive(query.get("per_page"), DEFAULT_PER_PAGE), MAX_PER_PAGE)
    start = (page - 1) * per_page
    return items[start : start + per_page]
