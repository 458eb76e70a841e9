"""A write takes its own resource's draft or model (or a dict), never another resource's.

Why: ``as_document`` took any draft or model, so ``io.invoices.create(ProductDraft(...))`` sent
a product's fields as an invoice, and the sandbox (like the API, which fills its defaults)
created one. Now it is a ConfigurationError before anything is sent.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from invoceanio import ConfigurationError, InvoiceOcean
from invoceanio.models import (
    AddressDraft,
    ClientDraft,
    CorrectionPositionDraft,
    Invoice,
    InvoiceDraft,
    PositionDraft,
    ProductDraft,
)
from invoceanio.resources.base import Creating, write_types
from tests.support import Recorder, invoice_payload, json_response, make_client


def _creating_services(io: InvoiceOcean) -> dict[str, Creating[Any]]:
    services = {name: getattr(io, name) for name in dir(io) if not name.startswith("_")}
    return {name: svc for name, svc in services.items() if isinstance(svc, Creating)}


def test_every_service_that_creates_takes_its_model_and_its_draft() -> None:
    io = make_client(Recorder())
    services = _creating_services(io)

    assert "invoices" in services and "clients" in services
    for name, service in services.items():
        model, *draft = write_types(service.model)
        assert model is service.model
        assert [cls.__name__ for cls in draft] == [f"{model.__name__}Draft"], name


async def test_another_resources_draft_is_refused_by_every_create_unsent() -> None:
    recorder = Recorder()  # answers nothing: any request would fail the test
    io = make_client(recorder)

    for name, service in _creating_services(io).items():
        foreign = ProductDraft(name="X") if name != "products" else ClientDraft(name="X")
        with pytest.raises(ConfigurationError, match=r"must be .*Draft or a dict"):
            await service.create(foreign)

    assert recorder.requests == []


async def test_the_refusal_names_what_is_taken() -> None:
    io = make_client(Recorder())

    with pytest.raises(ConfigurationError) as caught:
        await io.invoices.create(ProductDraft(name="X"))

    assert str(caught.value) == (
        "data to write as Invoice must be Invoice, InvoiceDraft or a dict, got ProductDraft"
    )


async def test_updates_and_nested_writes_refuse_a_foreign_draft_too() -> None:
    recorder = Recorder()
    io = make_client(recorder)

    with pytest.raises(ConfigurationError):
        await io.invoices.update(1, ClientDraft(name="X"))
    with pytest.raises(ConfigurationError):
        await io.invoices.update_position(1, 2, ProductDraft(name="X"))
    with pytest.raises(ConfigurationError):
        await io.invoices.correct(1, [ClientDraft(name="X")])
    with pytest.raises(ConfigurationError):
        await io.clients.add_address(1, PositionDraft(name="X"))

    assert recorder.requests == []


async def test_create_many_reports_a_foreign_draft_as_a_failed_item_and_goes_on() -> None:
    recorder = Recorder(json_response(201, invoice_payload(id=7, oid="O-2")))
    io = make_client(recorder)
    good = InvoiceDraft(oid="O-2", buyer_name="Klient ABC")

    report = await io.invoices.create_many([ClientDraft(name="X"), good])

    assert (report.created, report.failed) == (1, 1)
    assert "ClientDraft" in report.failures[0].error
    assert len(recorder.requests) == 1


async def test_the_resources_own_model_draft_and_dicts_still_go_out() -> None:
    answer = json_response(201, invoice_payload(id=7))
    recorder = Recorder(answer)
    io = make_client(recorder)
    position = PositionDraft(name="X", quantity=Decimal(1), total_price_gross=Decimal("1.23"))

    made = await io.invoices.create(InvoiceDraft(buyer_name="A", positions=[position]))
    again = await io.invoices.create(made)
    plain = await io.invoices.create({"buyer_name": "A"})
    corrected = await io.invoices.correct(
        7,
        [
            PositionDraft(
                name="X",
                correction_before_attributes=CorrectionPositionDraft(name="X", quantity=1),
                correction_after_attributes=CorrectionPositionDraft(name="X", quantity=0),
            )
        ],
    )

    assert all(isinstance(x, Invoice) for x in (made, again, plain, corrected))
    assert len(recorder.requests) == 4

    await io.clients.add_address(1, AddressDraft(name="Magazyn"))
    assert len(recorder.requests) == 5
