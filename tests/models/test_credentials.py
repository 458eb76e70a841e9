"""Webhooks, the account, users, login results and printers, and above all their tokens.

A token the API sends back (a webhook's ``api_token``, an account's, a login's) is read into a
:class:`Secret`: ``repr``, ``str``, formatting and error messages show a mask, never the value.

``to_wire`` of a read model, on the other hand, writes the *real* value. That is deliberate:
``to_wire`` is how the SDK builds request bodies, and a model is a valid thing to write back
(``io.webhooks.update(id, webhook)``, a model turned into a draft). Masking there would set the
webhook's token to "**********" on the server. Showing a body to people is the logging's
business, and it never logs bodies; so the rule is "masked where people look, real where the
server looks".
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import pytest

from invoceanio.models import (
    Account,
    AccountCreated,
    LoginResult,
    Printer,
    User,
    UserDraft,
    Webhook,
    WebhookDraft,
    WebhookKind,
    structure,
    to_wire,
)
from invoceanio.models.base import Model
from invoceanio.secrets import Secret
from tests.strategies import ALL_DRAFTS, ALL_MODELS
from tests.support import rejects

PLUS_ONE = timezone(timedelta(hours=1))
TOKEN = "CANARY-whk-7f3a9c"
MASK = "**********"

WEBHOOK: dict[str, Any] = {
    "id": "12",
    "kind": "invoice:update",
    "url": "https://hooks.example.test/fakturownia",
    "api_token": TOKEN,
    "active": "1",
    "created_at": "2026-11-22T10:00:00.000+01:00",
    "failures": 0,
}


def shown(value: Any) -> list[str]:
    """Every way a value ends up in front of people."""
    # "%s" is how logging formats its arguments.
    return [repr(value), str(value), f"{value}", f"{value!r}", "%s" % (value,)]  # noqa: UP031


def test_a_webhook_reads_its_token_as_a_secret() -> None:
    webhook = structure(dict(WEBHOOK), Webhook)
    assert webhook.id == 12
    assert webhook.kind is WebhookKind.INVOICE_UPDATE
    assert webhook.active is True
    assert webhook.created_at == datetime(2026, 11, 22, 10, tzinfo=PLUS_ONE)
    assert isinstance(webhook.api_token, Secret)
    assert webhook.api_token.reveal() == TOKEN
    assert webhook.api_token == Secret(TOKEN)
    assert webhook.extra == {"failures": 0}


def test_a_webhook_never_shows_its_token() -> None:
    webhook = structure(dict(WEBHOOK), Webhook)
    for text in shown(webhook) + shown(webhook.api_token):
        assert TOKEN not in text
    assert f"api_token=Secret('{MASK}')" in repr(webhook)
    assert str(webhook) == repr(webhook)  # a model's str is its (masked) repr


def test_to_wire_of_a_read_webhook_writes_the_real_token() -> None:
    # What to_wire returns is a request body: the server must get the token itself, or an
    # update written from this model would replace the webhook's token with the mask.
    webhook = structure(dict(WEBHOOK), Webhook)
    wire = to_wire(webhook)
    assert wire["api_token"] == TOKEN
    assert type(wire["api_token"]) is str
    assert MASK not in json.dumps(wire)
    assert wire == {**WEBHOOK, "id": 12, "active": True, "created_at": "2026-11-22T10:00:00+01:00"}


def test_a_webhook_draft_writes_a_secret_revealed() -> None:
    assert to_wire(WebhookDraft(api_token=Secret("x"))) == {"api_token": "x"}
    assert to_wire(WebhookDraft(api_token="plain")) == {"api_token": "plain"}
    assert to_wire(WebhookDraft(api_token=None)) == {"api_token": None}
    draft = WebhookDraft(
        kind=WebhookKind.PRODUCT_CREATE,
        url="https://hooks.example.test/p",
        api_token=Secret(TOKEN),
        active=False,
    )
    assert to_wire(draft) == {
        "kind": "product:create",
        "url": "https://hooks.example.test/p",
        "api_token": TOKEN,
        "active": False,
    }
    # The draft's own repr stays masked, whether it was given a Secret or a plain str.
    assert TOKEN not in repr(draft)
    plain = WebhookDraft(api_token=TOKEN)
    assert isinstance(plain.api_token, Secret) and TOKEN not in repr(plain)
    assert to_wire(plain) == {"api_token": TOKEN}


def test_a_secret_in_a_plain_dict_or_a_draft_extra_is_written_revealed() -> None:
    assert to_wire({"webhook": {"api_token": Secret("x")}}) == {"webhook": {"api_token": "x"}}
    assert to_wire([Secret("a"), {"b": (Secret("c"),)}]) == ["a", {"b": ["c"]}]
    assert to_wire(WebhookDraft(extra={"secret_2": Secret("y")})) == {"secret_2": "y"}
    assert to_wire(Webhook(extra={"other_token": Secret("z")})) == {"other_token": "z"}


def test_a_token_that_is_not_text_is_refused_without_quoting_it() -> None:
    for value in (12345678, ["CANARY-list"], {"t": "CANARY-dict"}, True):
        message = rejects({"api_token": value}, Webhook)
        assert "api_token" in message
        for needle in ("12345678", "CANARY"):
            assert needle not in message


def test_webhook_kinds_are_the_nine_of_the_docs_and_others_stay_text() -> None:
    # spec 4.12 ([FR]): client, invoice and product events; nothing else is documented.
    assert {kind.value for kind in WebhookKind} == {
        f"{subject}:{event}"
        for subject in ("client", "invoice", "product")
        for event in ("create", "update", "destroy")
    }
    future = structure({"kind": "warehouse_document:create"}, Webhook).kind
    assert future == "warehouse_document:create"
    assert type(future) is str


def test_webhooks_with_different_tokens_differ() -> None:
    first = structure(dict(WEBHOOK), Webhook)
    assert first == structure(dict(WEBHOOK), Webhook)
    assert first != structure({**WEBHOOK, "api_token": "other"}, Webhook)
    assert hash(first) == hash(structure(dict(WEBHOOK), Webhook))


# --- the account, users and logins -------------------------------------------------------------


def test_an_account_carries_a_token_only_when_asked() -> None:
    plain = structure(
        {
            "prefix": "acme",
            "name": "ACME",
            "url": "https://acme.fakturownia.pl",
            "lang": "pl/en",
            "currency": "PLN",
            "plan": "pro",
        },
        Account,
    )
    assert (plain.prefix, plain.lang, plain.api_token) == ("acme", "pl/en", None)
    assert plain.extra == {"plan": "pro"}
    with_token = structure({"prefix": "acme", "api_token": "tok/acme"}, Account)
    assert with_token.api_token == Secret("tok/acme")
    assert "tok/acme" not in repr(with_token)
    assert to_wire(with_token) == {"prefix": "acme", "api_token": "tok/acme"}


def test_a_created_account_must_carry_its_token() -> None:
    created = structure(
        {
            "prefix": "acme2",
            "api_token": "abc123/acme2",
            "url": "https://acme2.fakturownia.pl",
            "login": "jan2",
            "email": "jan@acme.test",
        },
        AccountCreated,
    )
    assert created.api_token.reveal() == "abc123/acme2"
    assert created.prefix == "acme2"
    assert "abc123" not in repr(created)
    # Without a token there is no account to reach: a decode error, not None.
    assert "api_token" in rejects({"prefix": "acme2"}, AccountCreated)
    assert "api_token" in rejects({"api_token": None}, AccountCreated)


def test_a_user_reads_its_roles_and_departments() -> None:
    user = structure(
        {
            "id": "5",
            "login": "anna",
            "email": "anna@acme.test",
            "first_name": "Anna",
            "last_name": None,
            "role": 1234,
            "department_ids": ["1", 2],
            "invite": "yes",
            "created_at": "2026-11-22T10:00:00.000+01:00",
            "api_token": None,
            "locale": "pl",
        },
        User,
    )
    assert user.id == 5
    assert user.role == "1234"  # a custom role's id, as text like the named roles
    assert user.department_ids == (1, 2)
    assert user.invite is True
    assert user.api_token is None
    assert user.extra == {"locale": "pl"}
    assert structure({"department_ids": None}, User).department_ids == ()


def test_a_login_result_masks_its_token() -> None:
    result = structure(
        {
            "login": "jan",
            "email": "jan@acme.test",
            "prefix": "acme",
            "url": "https://acme.fakturownia.pl",
            "first_name": "Jan",
            "last_name": "Kowalski",
            "api_token": "login-CANARY",
        },
        LoginResult,
    )
    assert result.api_token == Secret("login-CANARY")
    for text in shown(result):
        assert "login-CANARY" not in text
    assert to_wire(result)["api_token"] == "login-CANARY"
    assert structure({"login": "jan"}, LoginResult).api_token is None


def test_a_user_draft_sends_its_password_revealed() -> None:
    draft = UserDraft(
        email="nowy@acme.test",
        password=Secret("s3cret!"),
        role="accountant",
        invite=False,
        department_ids=[1, 3],
    )
    assert "s3cret!" not in repr(draft)
    assert to_wire(draft) == {
        "email": "nowy@acme.test",
        "password": "s3cret!",
        "role": "accountant",
        "invite": False,
        "department_ids": [1, 3],
    }
    assert to_wire(UserDraft(role=1234)) == {"role": 1234}


# --- printers ----------------------------------------------------------------------------------


def test_a_printer_names_its_id_and_keeps_the_rest() -> None:
    printer = structure({"id": "5", "name": "Posnet Thermal", "serial": "ABC123"}, Printer)
    assert (printer.id, printer.name) == (5, "Posnet Thermal")
    assert printer.extra == {"serial": "ABC123"}
    assert to_wire(printer) == {"id": 5, "name": "Posnet Thermal", "serial": "ABC123"}


CREDENTIAL_FIELDS = frozenset({"api_token", "integration_token", "password"})
WITH_CREDENTIALS = [
    (cls, field.name)
    for cls in (*ALL_MODELS, *ALL_DRAFTS)
    for field in attrs.fields(cls)
    if field.name in CREDENTIAL_FIELDS
]


def test_the_credential_fields_are_found() -> None:
    # If discovery broke, the test below would check nothing.
    found = {(cls.__name__, name) for cls, name in WITH_CREDENTIALS}
    assert {
        ("Webhook", "api_token"),
        ("WebhookDraft", "api_token"),
        ("UserDraft", "password"),
    } <= found
    assert len(found) >= 7


@pytest.mark.parametrize(
    ("cls", "name"), WITH_CREDENTIALS, ids=[f"{c.__name__}.{n}" for c, n in WITH_CREDENTIALS]
)
def test_every_credential_field_holds_a_secret_and_never_shows_it(
    cls: type[Any], name: str
) -> None:
    # A read model gets it from the wire, a draft from the caller (a plain str is enough).
    if issubclass(cls, Model):
        record = structure({name: "CANARY-any"}, cls)
    else:
        record = cls(**{name: "CANARY-any"})
    assert isinstance(getattr(record, name), Secret)
    assert "CANARY-any" not in repr(record) and "CANARY-any" not in str(record)
    assert to_wire(record)[name] == "CANARY-any"


def test_a_blank_token_reads_as_none_not_as_an_empty_secret() -> None:
    # Secret("") would print masked, exactly like a real token.
    assert structure({"api_token": ""}, Webhook).api_token is None
    assert structure({"api_token": "  "}, LoginResult).api_token is None
