"""Credentials and URLs that cannot be used as given: each is refused with a typed error that
quotes nothing secret, instead of a raw exception (an encoding error quotes the whole value).

A credential read from the environment or a file holds a lone surrogate for every byte that
was no UTF-8 (Python's ``surrogateescape``); a control character comes with a copy and paste.
A URL may be unparsable (brackets that hold no IPv6 address, a host that Unicode normalisation
turns into "/"), and a login answer is the server's to choose.
"""

from __future__ import annotations

import json
import traceback
from typing import Any

import pytest

from invoceanio import ConfigurationError, InvoiceOcean, Secret, hosts
from invoceanio.errors import WebhookError
from invoceanio.models.account import LoginResult
from invoceanio.webhooks import parse_webhook, token_matches
from tests.support import Recorder, json_response, make_client

CANARY = "CANARY-7391"
UNSENDABLE = {
    "non-utf8-byte": f"{CANARY}\udcffXYZ",
    "nul": f"{CANARY}\x00XYZ",
    "control": f"{CANARY}\x01XYZ",
    "delete": f"{CANARY}\x7fXYZ",
    "c1-control": f"{CANARY}\x9bXYZ",
}
BAD_TOKEN = pytest.mark.parametrize("token", UNSENDABLE.values(), ids=UNSENDABLE.keys())


def _everything_shown(exc: BaseException) -> str:
    return repr(exc) + str(exc) + "".join(traceback.format_exception(exc))


# credentials --------------------------------------------------------------------------------


@BAD_TOKEN
@pytest.mark.parametrize("as_secret", [False, True], ids=["str", "Secret"])
def test_an_unsendable_token_is_refused_when_the_client_is_built(
    token: str, as_secret: bool
) -> None:
    given: str | Secret = Secret(token) if as_secret else token

    with pytest.raises(ConfigurationError, match="api_token") as caught:
        InvoiceOcean(prefix="acme", api_token=given)

    assert CANARY not in _everything_shown(caught.value)
    # Before the fix: a raw UnicodeEncodeError holding the token (or, for a control character,
    # aiohttp's ValueError at the first request).
    assert caught.value.__context__ is None


@BAD_TOKEN
def test_an_unsendable_basic_login_or_password_is_refused(token: str) -> None:
    for options in ({"login": token, "password": "pw"}, {"login": "me", "password": token}):
        with pytest.raises(ConfigurationError) as caught:
            InvoiceOcean(prefix="acme", auth="basic", **options)
        assert CANARY not in _everything_shown(caught.value)


def test_a_password_with_spaces_and_polish_letters_is_still_fine() -> None:
    io = InvoiceOcean(prefix="acme", auth="basic", login="me", password="zażółć gęślą\tjaźń")
    assert io.base_url == "https://acme.invoiceocean.com"


@BAD_TOKEN
async def test_account_calls_refuse_an_unsendable_password_before_sending(token: str) -> None:
    recorder = Recorder(json_response(200, {"url": "https://acme.invoiceocean.com"}))
    io = make_client(recorder)

    for call in (
        lambda: io.account.login("me", token),
        lambda: io.account.create_user(integration_token="p", email="u@x.pl", password=token),
        lambda: io.account.get(integration_token=Secret(token)),
    ):
        with pytest.raises(ConfigurationError) as caught:
            await call()
        assert CANARY not in _everything_shown(caught.value)
    assert recorder.requests == []


def test_secrets_compare_without_raising_on_any_text() -> None:
    odd = UNSENDABLE["non-utf8-byte"]
    # Before the fix a strict encode() raised UnicodeEncodeError quoting the value.
    assert Secret(odd) == Secret(odd)
    assert Secret(odd) != Secret("x")
    assert Secret("\ud800") != Secret("\udfff")


# webhooks -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "presented",
    ["\ud800", f"{CANARY}\udcff", 7391, ["real-token"], {"token": "real-token"}, None, ""],
)
def test_a_webhook_token_of_any_shape_is_no_match_not_a_crash(presented: Any) -> None:
    # A framework decodes the body with stdlib json first: "\ud800" is valid JSON text.
    body = json.loads(json.dumps({"api_token": presented, "deal": {"name": "x"}}))

    with pytest.raises(WebhookError) as caught:
        parse_webhook(body, token="real-token")

    assert caught.value.reason == "token"


def test_an_expected_webhook_token_with_a_non_utf8_byte_still_compares() -> None:
    expected = Secret(f"{CANARY}\udcffX")
    assert token_matches(f"{CANARY}\udcffX", expected)
    with pytest.raises(WebhookError) as caught:
        parse_webhook({"api_token": "guess"}, token=expected)
    assert caught.value.reason == "token"
    assert CANARY not in _everything_shown(caught.value)


@pytest.mark.parametrize("expected", [123, b"real-token", ["real-token"]])
def test_an_expected_webhook_token_of_the_wrong_type_is_a_configuration_error(
    expected: Any,
) -> None:
    with pytest.raises(ConfigurationError, match="expected token"):
        parse_webhook({"api_token": "real-token"}, token=expected)


# URLs -----------------------------------------------------------------------------------------

UNPARSABLE_BASE_URLS = [
    "https://[::1",
    "https://[evil]/",
    f"https://[::1/?api_token={CANARY}",
    "https://acme.fakturownia.pl\u2100x",  # NFKC turns U+2100 into "a/c"
    "http://[::1]evil.com",
    "http://[::1]@evil.com",
]


@pytest.mark.parametrize("base_url", UNPARSABLE_BASE_URLS)
def test_an_unparsable_base_url_is_a_configuration_error(base_url: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        InvoiceOcean(base_url=base_url, api_token="tok")
    assert CANARY not in _everything_shown(caught.value)


def test_an_ipv6_loopback_with_a_port_is_still_a_base_url() -> None:
    assert hosts.check_base_url("http://[::1]:8080/") == "http://[::1]:8080"


@pytest.mark.parametrize(
    "url",
    [
        "https://acme.fakturownia.pl:99999",
        "https://acme.fakturownia.pl:abc",
        "https://acme.fakturownia.pl:443",
        "https://acme.fakturownia.pl:",
        "https://[acme.fakturownia.pl]",
        "https://user@acme.fakturownia.pl",
        "https://acme.fakturownia.pl/#x",
        "https://acme.fakturownia.pl..",
    ],
)
def test_a_login_answer_with_an_odd_account_url_is_refused(url: str) -> None:
    with pytest.raises(ConfigurationError, match="account URL"):
        hosts.check_account_url(url)
    with pytest.raises(ConfigurationError):
        InvoiceOcean.from_login(LoginResult(url=url, api_token=Secret(CANARY)))


def test_a_fully_qualified_host_is_the_same_host() -> None:
    dotted = "https://acme.fakturownia.pl."
    assert hosts.brand_of(dotted) == "fakturownia.pl"
    assert hosts.prefix_of(dotted) == "acme"
    assert hosts.app_url_for(dotted) == "https://app.fakturownia.pl"
    assert hosts.check_account_url("https://ACME.fakturownia.pl./") == "https://acme.fakturownia.pl"
    # Before the fix the dot hid the brand: a prefix naming another account went unchecked.
    with pytest.raises(ConfigurationError):
        InvoiceOcean(base_url=dotted, prefix="other", api_token="tok")
