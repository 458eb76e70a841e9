"""The documented limits of an invoice's nested members are checked before anything is sent
(ConfigurationError naming the member, the child's index and the limit), on create, update and
each row of a bulk import; values at the limits go out as given.

Covers settlement_positions (kind, amount, reason, 100 of each kind; not on an advance),
descriptions (10,000; kind 256, content 65,535), the role_description of recipients and issuers
(25, only with "Rola inna") and calculating_strategy (documented keys and values; a partial one
goes out). An update's child with an id edits a stored one and is not held to what a new child
must have; a child marked ``_destroy`` is not checked at all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest

from invoceanio import ConfigurationError, InvoiceOcean
from invoceanio.models import (
    InvoiceDescriptionDraft,
    InvoiceDraft,
    InvoicePartyDraft,
    IssuerRole,
    RecipientRole,
    SettlementKind,
    SettlementPositionDraft,
)
from invoceanio.transport import MockTransport
from tests.resources.mock_api import answer
from tests.support import body_json

Call = Callable[[InvoiceOcean], Awaitable[Any]]
OTHER = RecipientRole.OTHER.value


def _client(transport: MockTransport) -> InvoiceOcean:
    return InvoiceOcean(prefix="acme", api_token="tok-1234567", transport=transport)


async def _write(how: str, data: Any) -> list[Any]:
    """The bodies sent by a create or an update (``how``) of ``data``."""
    transport = MockTransport(answer)
    async with _client(transport) as io:
        if how == "create":
            await io.invoices.create(data)
        else:
            await io.invoices.update(7, data)
    return [body_json(request)["invoice"] for request in transport.requests]


async def _refused(how: str, data: Any, match: str) -> str:
    transport = MockTransport(answer)
    async with _client(transport) as io:
        with pytest.raises(ConfigurationError, match=match) as caught:
            if how == "create":
                await io.invoices.create(data)
            else:
                await io.invoices.update(7, data)
    assert transport.requests == []
    return str(caught.value)


def _charge(amount: Any = "10.00", reason: Any = "Transport", kind: Any = "charge") -> Any:
    return {"kind": kind, "amount": amount, "reason": reason}


WRITES = pytest.mark.parametrize("how", ["create", "update"])


# --- refused before sending -----------------------------------------------------------------------


@WRITES
@pytest.mark.parametrize(
    ("data", "match"),
    [
        # settlement_positions
        (
            {"settlement_positions": [_charge(), {"amount": "1", "reason": "r"}]},
            r"settlement_positions\[1\]\.kind must be 'charge' or 'deduction', got None",
        ),
        (
            {"settlement_positions": [_charge(kind="fee")]},
            r"settlement_positions\[0\]\.kind must be 'charge' or 'deduction', got 'fee'",
        ),
        (
            {"settlement_positions": [_charge(amount="0")]},
            r"settlement_positions\[0\]\.amount must be over 0, got '0'",
        ),
        (
            {"settlement_positions": [_charge(amount="-5,00")]},
            r"settlement_positions\[0\]\.amount must be over 0",
        ),
        (
            {"settlement_positions": [_charge(amount="10000000")]},
            r"settlement_positions\[0\]\.amount must be at most 9999999\.99, got '10000000'",
        ),
        (
            {"settlement_positions": [_charge(amount=Decimal("9999999.991"))]},
            r"settlement_positions\[0\]\.amount must be at most 9999999\.99",
        ),
        (
            {"settlement_positions": [_charge(amount="1,234")]},
            r"settlement_positions\[0\]\.amount takes at most 2 decimal places, got '1,234'",
        ),
        # A float's binary noise is no amount of cents: 0.1 + 0.2 is 0.30000000000000004.
        (
            {"settlement_positions": [_charge(amount=0.1 + 0.2)]},
            r"settlement_positions\[0\]\.amount takes at most 2 decimal places",
        ),
        (
            {"settlement_positions": [_charge(amount="abc")]},
            r"settlement_positions\[0\]\.amount must be a decimal over 0 and at most 9999999\.99",
        ),
        (
            {"settlement_positions": [_charge(amount="1.000,50")]},
            r"settlement_positions\[0\]\.amount must be a decimal",
        ),
        (
            {"settlement_positions": [_charge(amount=True)]},
            r"settlement_positions\[0\]\.amount must be a decimal",
        ),
        (
            {"settlement_positions": [{"kind": "charge", "reason": "r"}]},
            r"settlement_positions\[0\]\.amount must be a decimal .*, got None",
        ),
        (
            {"settlement_positions": [{"kind": "charge", "amount": "1"}]},
            r"settlement_positions\[0\]\.reason is required: text of 1 to 256 characters",
        ),
        (
            {"settlement_positions": [_charge(reason="   ")]},
            r"settlement_positions\[0\]\.reason is required",
        ),
        (
            {"settlement_positions": [_charge(reason="r" * 257)]},
            r"settlement_positions\[0\]\.reason takes at most 256 characters, got 257",
        ),
        (
            {"settlement_positions": [_charge()] * 101},
            r"settlement_positions\[100\]: an invoice takes at most 100 settlement positions "
            r"of each kind, and this is charge number 101",
        ),
        (
            {"settlement_positions": {"0": _charge(), "1": _charge(amount="0.001")}},
            r"settlement_positions\[1\]\.amount takes at most 2 decimal places",
        ),
        (
            {"settlement_positions": [_charge(), "charge"]},
            r"settlement_positions\[1\] must be an object, got str",
        ),
        (
            {"settlement_positions": "charge 10"},
            r"settlement_positions must be a list of objects, got str",
        ),
        # descriptions
        (
            {"descriptions": [{"kind": "Uwaga", "content": "x"}] * 10_001},
            r"descriptions\[10000\]: an invoice takes at most 10000 descriptions",
        ),
        (
            {"descriptions": [{"content": "x"}, {"kind": "k" * 257, "content": "x"}]},
            r"descriptions\[1\]\.kind takes at most 256 characters, got 257",
        ),
        (
            {"descriptions": [{"content": "c" * 65_536}]},
            r"descriptions\[0\]\.content takes at most 65535 characters, got 65536",
        ),
        # recipients and issuers
        (
            {"recipients": [{"name": "F", "role": OTHER, "role_description": "d" * 26}]},
            r"recipients\[0\]\.role_description takes at most 25 characters, got 26",
        ),
        (
            {"recipients": [{"name": "F", "role": "Odbiorca", "role_description": "Opis"}]},
            r"recipients\[0\]\.role_description goes only with role 'Rola inna', not 'Odbiorca'",
        ),
        (
            # A new recipient without a role is an "Odbiorca".
            {"recipients": [{"name": "F"}, {"name": "G", "role_description": "Opis"}]},
            r"recipients\[1\]\.role_description goes only with role 'Rola inna', not 'Odbiorca'",
        ),
        (
            {"issuers": [{"name": "F", "role": "Faktor", "role_description": "Opis"}]},
            r"issuers\[0\]\.role_description goes only with role 'Rola inna', not 'Faktor'",
        ),
        (
            {"issuers": [{"name": "F", "role_description": "Opis"}]},
            r"issuers\[0\]\.role_description goes only with role 'Rola inna', "
            r"not 'Wystawca faktury'",
        ),
        # calculating_strategy
        (
            {"calculating_strategy": {"position": "round"}},
            r"calculating_strategy\.position must be one of \['default', 'keep_gross'\], "
            r"got 'round'",
        ),
        (
            {"calculating_strategy": {"sum": "net"}},
            r"calculating_strategy\.sum must be one of \['sum', 'keep_gross', 'keep_net'\]",
        ),
        (
            {"calculating_strategy": {"invoice_form_price_kind": "Gross"}},
            r"calculating_strategy\.invoice_form_price_kind must be one of \['net', 'gross'\]",
        ),
        (
            {"calculating_strategy": {"postion": "default"}},
            r"calculating_strategy takes only position, sum, invoice_form_price_kind, "
            r"got 'postion'",
        ),
        (
            {"calculating_strategy": "keep_gross"},
            r"calculating_strategy must be an object of position, sum, invoice_form_price_kind",
        ),
    ],
)
async def test_a_write_over_a_documented_limit_is_refused_before_sending(
    how: str, data: dict[str, Any], match: str
) -> None:
    await _refused(how, data, match)


@pytest.mark.parametrize(
    ("draft", "match"),
    [
        (
            InvoiceDraft(
                settlement_positions=[
                    SettlementPositionDraft(
                        kind=SettlementKind.DEDUCTION, amount=Decimal("0.001"), reason="r"
                    )
                ]
            ),
            r"settlement_positions\[0\]\.amount takes at most 2 decimal places, got '0\.001'",
        ),
        (
            InvoiceDraft(
                settlement_positions=[SettlementPositionDraft(amount=Decimal(1), reason="r")]
            ),
            r"settlement_positions\[0\]\.kind must be 'charge' or 'deduction'",
        ),
        (
            InvoiceDraft(descriptions=[InvoiceDescriptionDraft(kind="k" * 300, content="c")]),
            r"descriptions\[0\]\.kind takes at most 256 characters, got 300",
        ),
        (
            InvoiceDraft(
                issuers=[InvoicePartyDraft(role=IssuerRole.FACTOR, role_description="Opis")]
            ),
            r"issuers\[0\]\.role_description goes only with role 'Rola inna', not 'Faktor'",
        ),
    ],
)
async def test_a_draft_over_a_limit_is_refused_as_a_dict_is(
    draft: InvoiceDraft, match: str
) -> None:
    await _refused("create", draft, match)


async def test_a_refusal_never_quotes_a_huge_value_whole() -> None:
    digits = "9" * 5_000
    message = await _refused(
        "create", {"settlement_positions": [_charge(amount=digits)]}, "at most"
    )
    assert digits not in message and len(message) < 200
    text = "r" * 100_000
    message = await _refused(
        "create", {"settlement_positions": [_charge(reason=text)]}, "got 100000"
    )
    assert text[:100] not in message and len(message) < 200
    message = await _refused("create", {"calculating_strategy": {"sum": "s" * 10_000}}, "got 'sss")
    assert len(message) < 200


# --- at the limits: sent as given ---------------------------------------------------------------


@WRITES
@pytest.mark.parametrize(
    "data",
    [
        {
            "settlement_positions": [_charge("9999999.99", "r" * 256)] * 100
            + [_charge("0.01", "d", "deduction")] * 100
        },
        # Money as the models read it: comma or dot text, int, a float's shortest text, a
        # Decimal with trailing zeros or in exponent form.
        {
            "settlement_positions": [
                _charge("0,01"),
                _charge(1),
                _charge(0.5),
                _charge(Decimal("10.500")),
                _charge(Decimal("1E+2")),
                _charge(" 12.30 "),
            ]
        },
        # A destroyed child is not counted: 100 charges and one dropped.
        {"settlement_positions": [_charge()] * 100 + [{**_charge(), "_destroy": 1}]},
        {"descriptions": [{"kind": "Uwaga", "content": "n"}] * 10_000},
        # An empty note is ignored by the API, so it is not counted either.
        {"descriptions": [{"content": "n"}] * 10_000 + [{"kind": "", "content": " "}]},
        {"descriptions": [{"kind": "k" * 256, "content": "c" * 65_535}]},
        # Values are stripped before they are stored (and measured).
        {"descriptions": [{"kind": f" {'k' * 256} ", "content": f"\n{'c' * 65_535}\n"}]},
        {"recipients": [{"name": "F", "role": OTHER, "role_description": "d" * 25}]},
        {"issuers": [{"name": "F", "role": IssuerRole.OTHER, "role_description": "d" * 25}]},
        {"recipients": [{"name": "F", "role": "Odbiorca", "role_description": ""}]},
        {
            "calculating_strategy": {
                "position": "keep_gross",
                "sum": "keep_net",
                "invoice_form_price_kind": "gross",
            }
        },
        # Partial: only [FR] asks for all three, and a refusal here could not be overridden.
        {"calculating_strategy": {"position": "default"}},
        {"calculating_strategy": {"sum": "sum", "position": None}},
        {"calculating_strategy": None},
        # An advance ignores settlement positions: nothing of them is checked.
        {"kind": "advance", "settlement_positions": [_charge(amount="0", reason="")] * 101},
    ],
)
async def test_a_write_within_the_limits_goes_out_as_given(how: str, data: dict[str, Any]) -> None:
    (sent,) = await _write(how, data)
    for key, value in data.items():
        if key == "settlement_positions" and isinstance(value, list):
            # Money goes out as text (a Decimal as its fixed-point text, a float as its
            # shortest one); the rest as given.
            assert [entry["reason"] for entry in sent[key]] == [entry["reason"] for entry in value]
            assert len(sent[key]) == len(value)
        elif key == "issuers":
            assert sent[key][0]["role"] == "Rola inna"
        else:
            assert sent[key] == value


async def test_a_draft_at_the_limits_goes_out() -> None:
    draft = InvoiceDraft(
        settlement_positions=[
            SettlementPositionDraft(
                kind=SettlementKind.CHARGE, amount=Decimal("9999999.99"), reason="r" * 256
            )
        ],
        recipients=[InvoicePartyDraft(role=RecipientRole.OTHER, role_description="d" * 25)],
    )
    (sent,) = await _write("create", draft)
    assert sent["settlement_positions"] == [
        {"kind": "charge", "amount": "9999999.99", "reason": "r" * 256}
    ]
    assert sent["recipients"] == [{"role": "Rola inna", "role_description": "d" * 25}]


# --- updates: what an edit and a removal legitimately send --------------------------------------


@pytest.mark.parametrize(
    "children",
    [
        {"settlement_positions": [{"id": 5, "_destroy": 1}]},
        {"settlement_positions": [{"id": "5", "_destroy": "true", "amount": "-1", "reason": ""}]},
        {"settlement_positions": [{"id": 5, "amount": "20,50"}]},
        {"settlement_positions": [{"id": 5, "reason": "Nowy powód"}]},
        {"settlement_positions": [{"id": 5, "kind": "deduction"}]},
        # Without an id, _destroy makes the child nothing to the API: not checked.
        {"settlement_positions": [{"_destroy": 1, "kind": "fee"}]},
        # One stored child named many times is one child, not 101.
        {"settlement_positions": [{"id": 5, "kind": "charge"}] * 101},
        {"settlement_positions": [{"id": 5, "kind": "charge"}] + [_charge()] * 99},
        {"descriptions": [{"id": 4, "kind": "", "content": ""}]},
        {"descriptions": [{"id": 4, "_destroy": 1, "content": "c" * 70_000}]},
        # An edit keeps its stored role, which may be "Rola inna".
        {"recipients": [{"id": 3, "role_description": "Nowy opis"}]},
        {"issuers": [{"id": 3, "_destroy": 1, "role_description": "d" * 40}]},
    ],
)
async def test_an_update_of_stored_children_is_not_held_to_the_rules_of_new_ones(
    children: dict[str, Any],
) -> None:
    (sent,) = await _write("update", children)
    assert sent == children


@pytest.mark.parametrize(
    ("children", "match"),
    [
        # An edit that sends a required member blank would clear it.
        ({"settlement_positions": [{"id": 5, "kind": ""}]}, r"\[0\]\.kind must be 'charge'"),
        ({"settlement_positions": [{"id": 5, "kind": None}]}, r"\[0\]\.kind must be 'charge'"),
        ({"settlement_positions": [{"id": 5, "reason": " "}]}, r"\[0\]\.reason is required"),
        ({"settlement_positions": [{"id": 5, "amount": None}]}, r"\[0\]\.amount must be"),
        # What an edit does send is checked as a new child's is.
        ({"settlement_positions": [{"id": 5, "amount": "0"}]}, r"\[0\]\.amount must be over 0"),
        ({"settlement_positions": [{"id": 5, "_destroy": "0", "amount": "0"}]}, r"over 0"),
        (
            {"settlement_positions": [{"id": 5, "reason": "r" * 300}]},
            r"\[0\]\.reason takes at most 256",
        ),
        (
            {"settlement_positions": [{"id": n, "kind": "charge"} for n in range(101)]},
            r"settlement_positions\[100\]: an invoice takes at most 100",
        ),
        ({"descriptions": [{"id": 4, "content": "c" * 65_536}]}, r"descriptions\[0\]\.content"),
        (
            {"recipients": [{"id": 3, "role": "Pracownik", "role_description": "Opis"}]},
            r"recipients\[0\]\.role_description goes only with role 'Rola inna'",
        ),
        (
            {"recipients": [{"id": 3, "role_description": "d" * 26}]},
            r"recipients\[0\]\.role_description takes at most 25 characters",
        ),
    ],
)
async def test_an_update_of_stored_children_is_held_to_what_it_sends(
    children: dict[str, Any], match: str
) -> None:
    await _refused("update", children, match)


async def test_positions_helpers_are_not_held_up_by_the_checks() -> None:
    transport = MockTransport(answer)
    async with _client(transport) as io:
        await io.invoices.update_position(7, 11, {"quantity": 2})
        await io.invoices.delete_position(7, 11)
    assert len(transport.requests) == 2


# --- the bulk import ----------------------------------------------------------------------------


async def test_the_bulk_import_reports_a_row_over_a_limit_and_goes_on() -> None:
    transport = MockTransport(answer)
    async with _client(transport) as io:
        report = await io.invoices.create_many(
            [
                {"oid": "L1", "settlement_positions": [_charge()] * 101},
                {"oid": "L2", "settlement_positions": [_charge("9999999.99")] * 100},
                {"oid": "L3", "descriptions": [{"content": "c" * 65_536}]},
                InvoiceDraft(
                    oid="L4",
                    recipients=[InvoicePartyDraft(role=OTHER, role_description="d" * 25)],
                ),
                {"oid": "L5", "calculating_strategy": {"sum": "netto"}},
            ]
        )
    assert (report.created, report.failed) == (2, 3)
    errors = sorted(failure.error or "" for failure in report.failures)
    assert "calculating_strategy.sum must be one of" in errors[0]
    assert "descriptions[0].content takes at most 65535 characters" in errors[1]
    assert "settlement_positions[100]: an invoice takes at most 100" in errors[2]
    sent = sorted(body_json(request)["invoice"]["oid"] for request in transport.requests)
    assert sent == ["L2", "L4"]
