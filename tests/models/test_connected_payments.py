"""An invoice's ``connected_payments`` (``additional_fields[invoice]=connected_payments``):
typed Payments, read from JSON and from Rails XML, None when not asked for, ``()`` when asked
for and there are none, and written back as read. Invoice and Payment hold each other, so the
converter and the imports must cope with the cycle."""

from __future__ import annotations

import copy
import importlib
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from invoceanio.codecs import JsonCodec, XmlCodec
from invoceanio.models import Invoice, Payment, structure, to_wire
from invoceanio.models.converter import _KEEPS_NONE, _PASSTHROUGH, build_converter, converter
from invoceanio.models.one_pass import compile_one_pass
from tests.strategies import models, round_trips, through
from tests.support import invoice_payload, rejects

PLUS_ONE = timezone(timedelta(hours=1))
# The module: ``invoceanio.models.converter`` as an attribute is the converter it builds.
converter_module = importlib.import_module("invoceanio.models.converter")
REFERENCE = build_converter(one_pass=False)

PAYMENT: dict[str, Any] = {
    "id": 9001,
    "name": "Płatność za FV 1/11/2026",
    "price": "100.00",
    "currency": "PLN",
    "paid": True,
    "paid_date": "2026-11-23T09:15:00.000+01:00",
    "kind": "api",
    "invoice_id": None,
    "invoice_ids": [100, 101],
    "provider": "transfer",
    "created_at": "2026-11-23T09:15:01.000+01:00",
    # Not named by Payment: kept in the payment's own extra.
    "match_status": "matched",
}

RAILS_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<invoice>
  <id type="integer">100</id>
  <number>FV 1/11/2026</number>
  <connected-payments type="array">
    <connected-payment>
      <id type="integer">9001</id>
      <price type="decimal">100.0</price>
      <paid type="boolean">true</paid>
      <paid-date type="dateTime">2026-11-23T09:15:00+01:00</paid-date>
      <invoice-id nil="true"/>
      <invoice-ids type="array">
        <invoice-id type="integer">100</invoice-id>
        <invoice-id type="integer">101</invoice-id>
      </invoice-ids>
      <match-status>matched</match-status>
    </connected-payment>
    <connected-payment>
      <id type="integer">9002</id>
      <price type="decimal">5.0</price>
    </connected-payment>
  </connected-payments>
</invoice>
"""


def test_connected_payments_read_from_json_as_typed_payments() -> None:
    data = invoice_payload(id=100, connected_payments=[copy.deepcopy(PAYMENT), {"id": "9002"}])
    invoice = structure(data, Invoice)
    first, second = invoice.connected_payments or ()
    assert isinstance(first, Payment) and isinstance(second, Payment)
    assert first.price == Decimal("100.00")
    assert first.paid is True
    assert first.paid_date == datetime(2026, 11, 23, 9, 15, tzinfo=PLUS_ONE)
    assert first.invoice_ids == (100, 101)
    assert first.extra == {"match_status": "matched"}
    assert second.id == 9002
    assert "connected_payments" not in invoice.extra
    # Written back as read: the payment's unknown field too.
    wire = to_wire(invoice)
    assert wire["connected_payments"][0]["match_status"] == "matched"
    assert wire["connected_payments"][0]["price"] == "100.00"
    assert structure(wire, Invoice) == invoice


def test_connected_payments_read_from_rails_xml() -> None:
    invoice = structure(XmlCodec().decode(RAILS_XML), Invoice)
    assert invoice.id == 100
    assert invoice.connected_payments == (
        Payment(
            id=9001,
            price=Decimal("100.0"),
            paid=True,
            paid_date=datetime(2026, 11, 23, 9, 15, tzinfo=PLUS_ONE),
            invoice_ids=(100, 101),
            extra={"match_status": "matched"},
        ),
        Payment(id=9002, price=Decimal("5.0")),
    )
    assert invoice.extra == {}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # One payment, without type="array": its <connected-payment> still makes a list.
        (
            b"<invoice><connected-payments><connected-payment><id type='integer'>7</id>"
            b"</connected-payment></connected-payments></invoice>",
            (Payment(id=7),),
        ),
        # Asked for, none: Rails writes an empty array (or an empty element).
        (b'<invoice><connected-payments type="array"/></invoice>', ()),
        (b"<invoice><connected-payments/></invoice>", ()),
        (b'<invoice><connected-payments nil="true"/></invoice>', None),
        (b'<invoice><id type="integer">1</id></invoice>', None),
    ],
)
def test_the_xml_shapes_of_connected_payments(body: bytes, expected: Any) -> None:
    assert structure(XmlCodec().decode(body), Invoice).connected_payments == expected


def test_not_asked_for_is_none_and_asked_for_with_none_is_empty() -> None:
    assert structure(invoice_payload(), Invoice).connected_payments is None
    assert Invoice().connected_payments is None
    assert structure({"connected_payments": None}, Invoice).connected_payments is None
    empty = structure({"connected_payments": []}, Invoice)
    assert empty.connected_payments == ()
    # The empty answer goes back as the empty list it was, not left out.
    assert to_wire(empty) == {"connected_payments": []}
    assert "connected_payments" not in to_wire(Invoice(id=1))
    assert repr(empty) == "Invoice()"


def test_connected_payments_that_are_no_list_of_payments_are_rejected() -> None:
    assert "connected_payments" in rejects({"connected_payments": {"id": 1}}, Invoice)
    assert "connected_payments" in rejects({"connected_payments": [{"price": "x"}]}, Invoice)
    assert "connected_payments" in rejects({"connected_payments": ["9001"]}, Invoice)


@pytest.mark.parametrize("codec", [JsonCodec(), XmlCodec()], ids=["json", "xml"])
def test_an_invoice_with_its_payments_survives_a_round_trip(codec: Any) -> None:
    invoice = structure(
        invoice_payload(id=100, connected_payments=[copy.deepcopy(PAYMENT)]), Invoice
    )
    round_trips(Invoice, invoice, codecs=[codec])
    round_trips(Invoice, Invoice(connected_payments=()), codecs=[codec])
    decoded = through(codec, "invoice", to_wire(invoice))
    assert structure(decoded, Invoice) == invoice


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payments=models(Payment, max_fields=8).map(lambda p: (p,)))
def test_any_payments_survive_a_round_trip_inside_an_invoice(payments: tuple[Payment]) -> None:
    round_trips(Invoice, Invoice(id=1, connected_payments=payments))


def test_invoices_and_payments_nest_in_each_other() -> None:
    # A payment read with include=invoices whose invoices were read with their payments: the
    # cycle of the types, not of the data.
    data = {
        "id": 1,
        "invoices": [{"id": 100, "connected_payments": [{"id": 1, "invoices": [{"id": 100}]}]}],
    }
    payment = structure(data, Payment)
    (invoice,) = payment.invoices
    assert invoice.connected_payments == (Payment(id=1, invoices=(Invoice(id=100),)),)
    assert REFERENCE.structure(data, Payment) == payment
    assert to_wire(payment) == data
    round_trips(Payment, payment)


@pytest.mark.parametrize("first", [Invoice, Payment], ids=lambda cls: cls.__name__)
def test_a_new_converter_makes_both_hooks_whichever_comes_first(first: type[Any]) -> None:
    # The hooks are made on first use; each needs the other's, in either order.
    fresh = build_converter()
    second = Payment if first is Invoice else Invoice
    key = "connected_payments" if first is Invoice else "invoices"
    inner = "invoices" if first is Invoice else "connected_payments"
    data = {"id": 1, key: [{"id": 2, inner: [{"id": 3}]}]}
    made = fresh.structure(data, first)
    assert made == converter.structure(data, first)
    assert fresh.structure({"id": 4, inner: [{"id": 5}]}, second) == converter.structure(
        {"id": 4, inner: [{"id": 5}]}, second
    )


def test_a_first_making_that_fails_leaves_no_broken_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    # The first making of Invoice's hook fails (a RecursionError near the stack's limit, a
    # Ctrl-C): Payment's hook, made meanwhile, holds a late hook for Invoice that cattrs keeps.
    # Before the fix that late hook raised a raw KeyError on every read from then on.
    # The module, not the package's ``converter`` (the Converter instance of that name).
    converter_module = sys.modules["invoceanio.models.converter"]
    real = converter_module.compile_one_pass
    failures = [RecursionError("maximum recursion depth exceeded (simulated)")]

    def flaky(cls: type[Any], *rest: Any) -> Any:
        if cls is Invoice and failures:
            raise failures.pop()
        return real(cls, *rest)

    monkeypatch.setattr(converter_module, "compile_one_pass", flaky)
    fresh = build_converter()
    with pytest.raises(RecursionError):
        fresh.structure({"id": 1, "connected_payments": [{"id": 2}]}, Invoice)

    payment = fresh.structure({"id": 2, "invoices": [{"id": 1}]}, Payment)
    assert payment.invoices[0].id == 1
    invoice = fresh.structure({"id": 1, "connected_payments": [{"id": 2}]}, Invoice)
    assert invoice.connected_payments is not None and invoice.connected_payments[0].id == 2


def test_a_new_converter_compiles_each_model_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # Without the cycle guard the two hooks were made in turn down to the recursion limit
    # (the first read took seconds, or raised RecursionError), compiling at every level.
    compiled: list[type[Any]] = []
    real = converter_module.compile_one_pass

    def counting(cls: type[Any], *args: Any) -> Any:
        compiled.append(cls)
        return real(cls, *args)

    monkeypatch.setattr(converter_module, "compile_one_pass", counting)
    fresh = build_converter()
    data = {"id": 1, "connected_payments": [{"id": 2, "invoices": [{"id": 3}]}]}
    assert fresh.structure(data, Invoice) == structure(data, Invoice)
    assert fresh.structure({"invoices": [{"id": 4}]}, Payment) == Payment(invoices=(Invoice(id=4),))
    assert (compiled.count(Invoice), compiled.count(Payment)) == (1, 1)
    assert len(compiled) == len(set(compiled))


def test_the_one_pass_function_reads_connected_payments_itself() -> None:
    # The fast path must not step aside for it: it reads the payments without an error.
    fast = compile_one_pass(Invoice, converter.get_structure_hook, _PASSTHROUGH, _KEEPS_NONE)
    assert fast is not None
    data = invoice_payload(id=100, connected_payments=[copy.deepcopy(PAYMENT)])
    assert fast(data) == structure(data, Invoice) == REFERENCE.structure(data, Invoice)


@pytest.mark.parametrize("first", ["payment", "invoice"])
def test_either_module_may_be_imported_first(first: str) -> None:
    # The packages' __init__ always import invoice before payment; this loads the two modules
    # without them (empty stand-ins), in both orders, as a later import elsewhere could.
    root = Path(__file__).parents[2] / "invoceanio"
    script = f"""
import sys, types, typing
for name, path in (("invoceanio", {str(root)!r}), ("invoceanio.models", {str(root / "models")!r})):
    package = types.ModuleType(name)
    package.__path__ = [path]
    sys.modules[name] = package
import invoceanio.models.{first}
loaded = [name for name in sys.modules if name.startswith("invoceanio.models.")]
assert "invoceanio.models.client" not in loaded, loaded  # the real __init__ did not run
from invoceanio.models.invoice import Invoice
from invoceanio.models.payment import Payment
assert typing.get_type_hints(Invoice)["connected_payments"] == tuple[Payment, ...] | None
assert typing.get_type_hints(Payment)["invoices"] == tuple[Invoice, ...]
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
