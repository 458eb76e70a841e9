"""XML codec: Rails-style XML to JSON-shaped data and back.

InvoiceOcean is a Rails application and answers in XML as well as JSON. Rather than keep a
second set of models for XML, this codec does the Rails-specific normalisation itself: dashed
names become underscores, ``type="integer"``/``"boolean"``/``"float"`` become Python scalars,
``nil="true"`` becomes ``None`` and array containers become lists. What comes out has the same
shape as the JSON codec's output, so one converter structures both. ``type="decimal"`` stays a
string on purpose: money must reach the converter as text and become ``Decimal``, never float.

The root element is only an envelope (``<invoice>`` around an invoice, ``<invoices
type="array">`` around a page), so :meth:`XmlCodec.decode` returns its content and
:meth:`XmlCodec.encode` takes a dict with exactly one key naming it. Encoding writes type
attributes wherever the decoder would otherwise guess, so ``decode(encode({"root": x})) == x``
for every JSON-shaped ``x`` whose dict keys are XML names without dashes (a dash comes back as
an underscore, as it does in Rails).

Security: any markup declaration (``<!DOCTYPE``, ``<!ENTITY`` ...) is refused before expat
sees the body, and again by the parser itself the moment a DOCTYPE starts, which rules out
entity expansion ("billion laughs"), external entities (XXE) and DTD attribute defaults.
xmltodict's ``disable_entities`` stays on as a third line, and every parse failure surfaces
as :class:`CodecError`, never as an expat exception.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Final
from xml.parsers import expat
from xml.sax.saxutils import escape

import xmltodict  # type: ignore[import-untyped]

from invoceanio.codecs.base import CodecError

__all__ = ["XmlCodec"]

_DECLARATION: Final = '<?xml version="1.0" encoding="UTF-8"?>\n'
_INTEGER: Final = re.compile(r"[+-]?[0-9]+")
# A float as XML Schema and Rails write one: digits, an optional fraction and exponent. Not
# what Python's float() takes besides ("1_000.5", "NaN", "inf"), which is no JSON number.
_FLOAT: Final = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_BOOLEANS: Final = {"true": True, "1": True, "false": False, "0": False}
# Characters XML 1.0 cannot carry at all, not even as character references.
_NOT_XML_CHAR: Final = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ASCII_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
# Anything that could turn "<name/>" into a different but well-formed tag. Colons are out too:
# a prefix without a namespace declaration is not namespace-well-formed.
_NAME_BREAKERS: Final = re.compile(r"[\s<>/=\"'&:]")
# A carriage return would come back as a newline (XML normalises line ends) unless escaped.
_TEXT_ENTITIES: Final = {"\r": "&#13;"}


def _quoted(text: str) -> str:
    """A bad value for an error message: quoted whole when short, else only its length. Never
    cut: the client masks credentials a message quotes, and a cut through one would leave its
    start, which no masking can recognise."""
    return repr(text) if len(text) <= 40 else f"a {len(text)}-character text"


def _to_int(name: str, text: str) -> int:
    stripped = text.strip()
    if not _INTEGER.fullmatch(stripped):
        raise CodecError(f"<{name}> is typed integer but holds {_quoted(stripped)}")
    return int(stripped)


def _to_float(name: str, text: str) -> float:
    stripped = text.strip()
    if _FLOAT.fullmatch(stripped):
        value = float(stripped)
        if math.isfinite(value):
            return value
        # As the JSON codec reads: a number past a float's range (1e400) is refused.
        raise CodecError(f"<{name}> is typed float but {_quoted(stripped)} is out of range")
    raise CodecError(f"<{name}> is typed float but holds {_quoted(stripped)}")


def _to_bool(name: str, text: str) -> bool:
    value = _BOOLEANS.get(text.strip().lower())
    if value is None:
        raise CodecError(f"<{name}> is typed boolean but holds {_quoted(text.strip())}")
    return value


def _as_text(name: str, text: str) -> str:
    return text


# Rails' to_xml spells date-times "dateTime"; Hash.from_xml also accepts "datetime".
_SCALARS: Final[dict[str, Callable[[str, str], Any]]] = {
    "integer": _to_int,
    "float": _to_float,
    "double": _to_float,
    "boolean": _to_bool,
    "decimal": _as_text,
    "date": _as_text,
    "datetime": _as_text,
    "dateTime": _as_text,
}


def _singulars(name: str) -> tuple[str, ...]:
    """The names ``name`` may be the plural of, most likely first; empty if it is not plural.

    Deliberately crude (no irregular plurals): it only decides whether ``<positions>`` holding
    ``<position>`` elements is a list, and what to call the items of an array we write.
    """
    if len(name) < 2 or not name.endswith("s") or name.endswith("ss"):
        return ()
    if name.endswith("ies"):
        return (name[:-3] + "y", name[:-1])
    if name.endswith(("ses", "xes", "zes", "ches", "shes")):
        return (name[:-2], name[:-1])
    return (name[:-1],)


def _item_name(name: str) -> str:
    singulars = _singulars(name)
    return singulars[0] if singulars else "item"


@functools.lru_cache(maxsize=4096)
def _is_xml_name(name: str) -> bool:
    if _ASCII_NAME.fullmatch(name):
        return True
    if not name or _NAME_BREAKERS.search(name):
        return False
    # Expat follows the older, narrower XML 1.0 name rules; asking it directly guarantees that
    # every name we write is one our own decoder reads back.
    parser = expat.ParserCreate("utf-8")
    try:
        parser.Parse(f"<{name}/>".encode(), True)
    except (expat.ExpatError, UnicodeEncodeError):
        return False
    return True


def _reject_declarations(body: bytes) -> None:
    """Refuse DOCTYPE/ENTITY and every other ``<!`` construct except comments and CDATA."""
    start = body.find(b"<!")
    while start != -1:
        if body.startswith(b"<!--", start):
            end = body.find(b"-->", start + 4)
        elif body.startswith(b"<![CDATA[", start):
            end = body.find(b"]]>", start + 9)
        else:
            raise CodecError("XML with a DOCTYPE or ENTITY declaration is not accepted")
        if end == -1:
            return  # unterminated: expat reports it as malformed
        start = body.find(b"<!", end)


def _refuse_doctype(*_: object) -> None:
    raise CodecError("XML with a DOCTYPE or ENTITY declaration is not accepted")


class _DoctypeRefusingExpat:
    """The expat module as xmltodict uses it (``ParserCreate`` alone), whose parsers refuse a
    DOCTYPE the moment one starts, before any of its declarations applies. The byte-level scan
    above is the fast first line; this one cannot be fooled by what the scan does not parse (a
    ``<!--`` inside a processing instruction once hid a DOCTYPE from it, and its ATTLIST
    defaults then added ``nil="true"`` to elements)."""

    @staticmethod
    def ParserCreate(*args: Any, **kwargs: Any) -> Any:
        parser = expat.ParserCreate(*args, **kwargs)
        parser.StartDoctypeDeclHandler = _refuse_doctype
        return parser


def _group(children: list[tuple[str, Any]]) -> dict[str, Any]:
    """Children to a dict; a repeated tag collects its values in a list, as xmltodict does."""
    result: dict[str, Any] = {}
    repeated: set[str] = set()
    for tag, value in children:
        if tag not in result:
            result[tag] = value
        elif tag in repeated:
            result[tag].append(value)
        else:
            result[tag] = [result[tag], value]
            repeated.add(tag)
    return result


def _element_value(name: str, raw: Any) -> Any:
    """The JSON-shaped value of one closed element.

    ``raw`` is what xmltodict built for it: None (empty, no attributes), a str (text only) or a
    dict of ``"@attr"`` strings, ``"#text"`` and ``(sequence, tag)`` keys holding the children's
    already converted values.
    """
    if raw is None:
        return ""
    if isinstance(raw, str):
        return raw
    if raw.get("@nil") == "true":
        return None
    kind = raw.get("@type")
    children = [(key[1], value) for key, value in raw.items() if isinstance(key, tuple)]
    if kind == "array":
        return [value for _, value in children]
    if kind in _SCALARS:
        if children:
            raise CodecError(f"<{name}> is typed {kind} but has child elements")
        text: str = raw.get("#text", "")
        # Rails reads a blank typed value as nil.
        return _SCALARS[kind](name, text) if text.strip() else None
    if children:
        tag = children[0][0]
        if (
            kind != "hash"
            and tag in _singulars(name)
            and all(other == tag for other, _ in children)
        ):
            return [value for _, value in children]
        # Text between child elements is indentation (or mixed content, which JSON cannot
        # express); either way it is dropped.
        return _group(children)
    if kind == "hash":
        return {}
    return raw.get("#text", "")


def _text(name: str, value: str) -> str:
    if _NOT_XML_CHAR.search(value):
        raise CodecError(f"<{name}> holds a character XML 1.0 cannot represent")
    return escape(value, _TEXT_ENTITIES)


def _emit(out: list[str], name: str, value: Any) -> None:
    if not isinstance(name, str) or not _is_xml_name(name):
        raise CodecError(f"{name!r} is not a valid XML element name")
    if isinstance(value, str):
        if not value:
            # Rails reads an untyped empty element as nil (Hash.from_xml), and "" only when
            # typed string: the same "" a JSON body sends (a field cleared, not nulled).
            out.append(f'<{name} type="string"></{name}>')
            return
        out.append(f"<{name}>{_text(name, value)}</{name}>")
    elif value is None:
        out.append(f'<{name} nil="true"/>')
    elif isinstance(value, bool):
        out.append(f'<{name} type="boolean">{"true" if value else "false"}</{name}>')
    elif isinstance(value, int):
        # int.__repr__, not str(): an IntEnum's str() is its member name on some versions.
        out.append(f'<{name} type="integer">{int.__repr__(value)}</{name}>')
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise CodecError(f"<{name}>: {value!r} is not JSON-shaped (NaN and infinity)")
        out.append(f'<{name} type="float">{float.__repr__(value)}</{name}>')
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise CodecError(f"<{name}>: {value!r} is not a finite decimal")
        out.append(f'<{name} type="decimal">{value}</{name}>')
    elif isinstance(value, dict):
        if not value:
            out.append(f'<{name} type="hash"/>')
            return
        # A lone <position> inside <positions> would decode as a one-element list.
        lone_item = len(value) == 1 and next(iter(value)) in _singulars(name)
        out.append(f'<{name} type="hash">' if lone_item else f"<{name}>")
        for key, item in value.items():
            _emit(out, key, item)
        out.append(f"</{name}>")
    elif isinstance(value, list | tuple):
        if not value:
            out.append(f'<{name} type="array"/>')
            return
        out.append(f'<{name} type="array">')
        item_name = _item_name(name)
        for item in value:
            _emit(out, item_name, item)
        out.append(f"</{name}>")
    else:
        raise CodecError(f"<{name}>: cannot encode {type(value).__name__} as XML")


class XmlCodec:
    """Rails-style ``application/xml`` bodies, normalised to JSON-shaped data."""

    name: str = "xml"
    media_type: str = "application/xml"
    media_types: frozenset[str] = frozenset({"application/xml", "text/xml"})
    suffix: str = ".xml"
    #: xmltodict parses in pure Python, about 2 ms per 16 KiB (0.1 ms/KiB): past that, in a
    #: worker thread (see :class:`~invoceanio.codecs.base.Codec`), so that a page does not
    #: stall the event loop.
    decode_off_loop_above: int | None = 16 * 1024

    def encode(self, data: Any) -> bytes:
        """Serialise ``{root_name: value}`` as a UTF-8 document with Rails type attributes."""
        if not isinstance(data, dict) or len(data) != 1:
            raise CodecError("XML needs a dict with exactly one key: the root element name")
        ((root, value),) = data.items()
        out = [_DECLARATION]
        try:
            _emit(out, root, value)
        except RecursionError:
            raise CodecError("data is nested too deeply to encode as XML") from None
        return "".join(out).encode("utf-8")

    def decode(self, body: bytes) -> Any:
        """Parse a UTF-8 XML body and return the content of its root element."""
        if not body.strip():
            raise CodecError("empty XML body")
        try:
            # Expat obeys a UTF-16 byte order mark even when told the encoding, which would
            # also slip a DOCTYPE past the byte-level check below.
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CodecError(
                f"XML body is not valid UTF-8: {exc.reason} at byte {exc.start}"
            ) from exc
        _reject_declarations(body)
        sequence = itertools.count()

        def postprocess(path: object, key: str, value: Any) -> tuple[object, Any]:
            if key[0] in "@#":  # an attribute, or "#text"
                return key, value
            tag = key.replace("-", "_")
            # A unique key per child keeps xmltodict from merging repeated tags into lists:
            # document order must survive for arrays, and merging would also append to a list
            # an earlier sibling already decoded to.
            return (next(sequence), tag), _element_value(tag, value)

        # One pass: elements are converted as they close, so a page of 100 invoices with ~120
        # fields each decodes in about 45 ms, 40 of them spent in xmltodict itself (measured).
        # strip_whitespace=False keeps text exactly as sent (and lets " x " round trip);
        # indentation only ever sits between child elements, where it is dropped anyway.
        try:
            # encoding= overrides whatever the document declares; the body is UTF-8 (checked
            # above) even when its declaration says otherwise.
            parsed = xmltodict.parse(
                body,
                encoding="utf-8",
                disable_entities=True,
                expat=_DoctypeRefusingExpat,
                strip_whitespace=False,
                postprocessor=postprocess,
                dict_constructor=dict,
            )
        except CodecError:
            raise
        except expat.ExpatError as exc:
            raise CodecError(f"malformed XML: {exc}") from exc
        except ValueError as exc:  # xmltodict's entity guard, int() digit limits
            raise CodecError(f"invalid XML: {exc}") from exc
        if not isinstance(parsed, dict) or len(parsed) != 1:
            raise CodecError("XML document has no root element")
        return next(iter(parsed.values()))
