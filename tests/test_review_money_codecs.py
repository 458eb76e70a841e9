"""Findings of a review of the money and codec paths.

- A float subclass whose ``repr`` is no number (numpy 2 spells a float64 ``np.float64(12.5)``)
  in a write raised a bare ``decimal.InvalidOperation``, no error of the SDK's.
- numpy's integers and bools (what a pandas row holds) were refused in every draft field.
- Rails' XML writes an empty record or mapping (``{}``) as an element holding only its
  indentation: the whole answer was a DecodeError, though JSON's ``{}`` reads.
- An XML ``type="float"`` took what Python's ``float()`` takes: NaN, infinity, ``1_000.5``,
  none of them a JSON number, so the record read but could not be written back.

numpy is no test dependency: the stand-ins below are what the SDK sees of numpy's types (a
float subclass with its own repr; an int registered as ``numbers.Integral``; a bool type of
module ``numpy``), so the tests run without it.
"""

from __future__ import annotations

import numbers
from decimal import Decimal
from typing import Any

import pytest

from invoceanio.codecs import JsonCodec, XmlCodec
from invoceanio.codecs.base import CodecError
from invoceanio.errors import DecodeError
from invoceanio.models import (
    Invoice,
    InvoiceDraft,
    PaymentDraft,
    PositionDraft,
    structure,
    to_wire,
)
from invoceanio.models.department import Department

from .support import Recorder, json_response, make_client, raw_response, rejects


class Float64(float):
    """numpy 2's float64 as the SDK sees it: a float whose repr is no number."""

    def __repr__(self) -> str:
        return f"np.float64({float.__repr__(self)})"


class Int64:
    """numpy's int64: no int, but an ``numbers.Integral`` with ``__index__``."""

    def __init__(self, value: int) -> None:
        self._value = value

    def __index__(self) -> int:
        return self._value

    def __int__(self) -> int:
        return self._value


numbers.Integral.register(Int64)


class NumpyBool:
    """numpy's bool: no bool, no int; its type lives in the module ``numpy``."""

    def __init__(self, value: bool) -> None:
        self._value = value

    def __bool__(self) -> bool:
        return self._value


NumpyBool.__module__ = "numpy"
NumpyBool.__name__ = NumpyBool.__qualname__ = "bool"


# --- numpy's scalars in writes ------------------------------------------------------------


def test_a_float_whose_repr_is_no_number_is_written_as_its_decimal_text() -> None:
    assert repr(Float64(12.5)) == "np.float64(12.5)"
    assert to_wire(PositionDraft(name="x", quantity=Float64(2.0), price_net=Float64(12.5))) == {
        "name": "x",
        "quantity": "2.0",
        "price_net": "12.5",
    }
    assert to_wire({"price_net": Float64(0.1)}) == {"price_net": "0.1"}
    assert structure({"id": 1, "price_net": Float64(0.1)}, Invoice).price_net == Decimal("0.1")


async def test_such_a_float_reaches_the_wire_of_a_create_and_the_query_of_a_list() -> None:
    recorder = Recorder(json_response(201, {"id": 1}), json_response(200, []))
    async with make_client(recorder) as io:
        await io.invoices.create(
            InvoiceDraft(positions=[PositionDraft(name="x", quantity=1, price_net=Float64(12.5))])
        )
        await io.invoices.list(price_net_from=Float64(10.5))
    create, listing = recorder.requests
    assert b'"price_net":"12.5"' in create.body
    assert ("price_net_from", "10.5") in listing.params


def test_numpy_integers_are_taken_as_the_int_they_are() -> None:
    wire = to_wire(PositionDraft(name="x", quantity=Int64(3), price_net=Int64(10), tax=Int64(23)))
    assert wire == {"name": "x", "quantity": 3, "price_net": 10, "tax": 23}
    assert to_wire(InvoiceDraft(client_id=Int64(45), buyer_name=Int64(7))) == {
        "buyer_name": 7,
        "client_id": 45,
    }
    assert to_wire(PaymentDraft(invoice_ids=[Int64(4), 5])) == {"invoice_ids": [4, 5]}


@pytest.mark.parametrize(("flag", "sent"), [(NumpyBool(True), True), (NumpyBool(False), False)])
def test_numpy_bools_and_integers_set_a_flag_as_the_bool_they_mean(flag: Any, sent: bool) -> None:
    assert to_wire(InvoiceDraft(income=flag)) == {"income": sent}
    assert to_wire(InvoiceDraft(income=Int64(int(sent)))) == {"income": sent}


def test_numpy_values_that_mean_nothing_there_are_still_refused_naming_the_field() -> None:
    with pytest.raises(ValueError, match=r"PositionDraft\.quantity: .*got a boolean True"):
        to_wire(PositionDraft(name="x", quantity=NumpyBool(True)))
    with pytest.raises(ValueError, match=r"InvoiceDraft\.income: .*got the int 5"):
        to_wire(InvoiceDraft(income=Int64(5)))
    with pytest.raises(ValueError, match=r"InvoiceDraft\.client_id: "):
        to_wire(InvoiceDraft(client_id=Int64(2**70)))


# --- Rails' XML of an empty record --------------------------------------------------------


XML = XmlCodec()


def _xml_invoice(inner: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<invoice>\n{inner}\n</invoice>\n'.encode()


@pytest.mark.parametrize(
    "element",
    [
        "  <reminders-info>\n  </reminders-info>",  # Rails' to_xml of {} (indent 2)
        "  <reminders-info></reminders-info>",  # the same, written without indentation
        "  <reminders-info/>",
    ],
    ids=["indented", "empty", "self-closing"],
)
def test_an_empty_record_in_xml_reads_as_the_empty_record_json_reads(element: str) -> None:
    body = _xml_invoice(f'  <id type="integer">1</id>\n{element}')
    from_xml = structure(XML.decode(body), Invoice)
    from_json = structure(JsonCodec().decode(b'{"id": 1, "reminders_info": {}}'), Invoice)
    assert from_xml == from_json
    assert from_xml.reminders_info is not None


def test_an_empty_correction_side_of_a_position_reads_in_xml() -> None:
    body = _xml_invoice(
        '  <id type="integer">1</id>\n  <positions type="array">\n    <position>\n'
        '      <id type="integer">5</id>\n'
        "      <correction-before-attributes>\n      </correction-before-attributes>\n"
        "    </position>\n  </positions>"
    )
    (position,) = structure(XML.decode(body), Invoice).positions
    assert position.id == 5
    assert position.correction_before_attributes == structure(
        {}, type(position.correction_before_attributes)
    )


def test_an_empty_free_form_mapping_in_xml_reads_as_the_empty_dict_json_reads() -> None:
    body = (
        b'<department><id type="integer">1</id><name>D</name>'
        b"<additional-fields>\n  </additional-fields></department>"
    )
    from_xml = structure(XML.decode(body), Department)
    assert from_xml.additional_fields == {}
    assert from_xml == structure({"id": 1, "name": "D", "additional_fields": {}}, Department)


def test_text_in_a_record_field_is_still_refused() -> None:
    body = _xml_invoice('  <id type="integer">1</id>\n  <reminders-info>soon</reminders-info>')
    assert "reminders_info" in rejects(XML.decode(body))


# --- XML floats -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["NaN", "nan", "inf", "-Infinity", "1e400", "1_000.5", "0x10"])
def test_an_xml_float_that_is_no_json_number_is_a_codec_error(text: str) -> None:
    body = _xml_invoice(f'  <weight type="float">{text}</weight>')
    with pytest.raises(CodecError, match="typed float"):
        XML.decode(body)


@pytest.mark.parametrize(
    ("text", "value"),
    [("1.5", 1.5), (" -2 ", -2.0), ("1e-3", 0.001), ("3.", 3.0), (".25", 0.25), ("+1E+2", 100.0)],
)
def test_an_xml_float_as_rails_and_xml_schema_write_one_is_read(text: str, value: float) -> None:
    body = _xml_invoice(f'  <weight type="float">{text}</weight>')
    assert XML.decode(body)["weight"] == value


async def test_a_nan_float_in_an_xml_answer_is_a_decode_error_for_the_caller() -> None:
    body = _xml_invoice('  <id type="integer">1</id>\n  <weight type="float">NaN</weight>')
    async with make_client(
        Recorder(raw_response(200, body, "application/xml")), format="xml"
    ) as io:
        with pytest.raises(DecodeError, match="typed float"):
            await io.invoices.get(1)
