"""The building blocks that keep credentials out of sight.

- ``Secret`` masks itself under str, repr and formatting, gives the value back only through
  ``reveal()``, compares in constant time, hashes without depending on the value, and refuses
  to be pickled.
- ``redact_url`` masks credential query parameters (``api_token``, ``integration_token``,
  ``password``...) and a ``user:password@`` part, whatever their case or percent-encoding, keeps
  everything else as it was (order, repeated and bracketed names such as ``kinds[]``), and returns
  a URL with nothing to mask unchanged.
- The auth layer's last guard (``_scrub``): an error coming up from the transport whose chained
  cause or context mentions the credential gets that link cut; one whose own message, notes or
  ``url`` holds it gets them withheld; its type, and everything clean, is kept.
"""

from __future__ import annotations

import base64
import hmac
import pickle
import traceback
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import pytest

from invoceanio import (
    ConnectError,
    ConnectionLostError,
    DecodeError,
    RequestTimeout,
    RetryPolicy,
    Secret,
    ValidationError,
)
from invoceanio.http import Request, Response
from invoceanio.redaction import SENSITIVE_PARAMS, redact_url
from tests.support import invoice_payload, json_response, make_client

TOKEN = "CANARY-9f3b2c71d0/acme"
LOGIN = "LOGIN-77e1a4c2"
BASE = "https://acme.invoiceocean.com/invoices.json"
WITHHELD = "(message withheld: it contained a credential)"


# --- Secret ----------------------------------------------------------------------------


def test_secret_reveals_its_value_only_through_reveal() -> None:
    secret = Secret(TOKEN)
    assert secret.reveal() == TOKEN
    for text in (str(secret), repr(secret), f"{secret}", f"{secret!r}", "%s" % secret):  # noqa: UP031
        assert "CANARY" not in text
        assert "*" in text


def test_secret_of_a_secret_holds_the_inner_value() -> None:
    assert Secret(Secret(TOKEN)).reveal() == TOKEN


@pytest.mark.parametrize("value", [123, None, b"bytes", ["x"]])
def test_secret_holds_only_a_str(value: Any) -> None:
    with pytest.raises(TypeError):
        Secret(value)


def test_secret_has_no_instance_dict_to_dump() -> None:
    with pytest.raises(TypeError):
        vars(Secret(TOKEN))


def test_equal_secrets_are_equal() -> None:
    assert Secret(TOKEN) == Secret(TOKEN)
    assert (Secret(TOKEN) != Secret(TOKEN)) is False


@pytest.mark.parametrize("other", ["", "CANARY-9f3b2c71d0", TOKEN + "x", "X" + TOKEN[1:]])
def test_different_secrets_are_unequal(other: str) -> None:
    assert Secret(TOKEN) != Secret(other)
    assert (Secret(TOKEN) == Secret(other)) is False


def test_secret_never_equals_the_plain_string() -> None:
    # Comparing against plain text would invite code that handles the raw token.
    assert Secret(TOKEN) != TOKEN
    assert TOKEN != Secret(TOKEN)  # noqa: SIM300 - the reflected comparison is tested
    assert Secret(TOKEN).__eq__(TOKEN) is NotImplemented


@pytest.mark.parametrize(("other", "expected"), [(TOKEN, True), ("CANARY-0000000000/acme", False)])
def test_secret_equality_is_constant_time(
    monkeypatch: pytest.MonkeyPatch, other: str, expected: bool
) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert (Secret(TOKEN) == Secret(other)) is expected
    assert calls == [(TOKEN.encode(), other.encode())]


def test_secret_truthiness_follows_emptiness() -> None:
    assert Secret(TOKEN)
    assert not Secret("")


def test_equal_secrets_hash_equal_so_they_work_as_keys() -> None:
    assert hash(Secret(TOKEN)) == hash(Secret(TOKEN))
    assert {Secret(TOKEN): 1}[Secret(TOKEN)] == 1
    assert len({Secret(TOKEN), Secret(TOKEN)}) == 1


def test_secret_hash_does_not_depend_on_the_value() -> None:
    # Same length, different content: the hash cannot tell them apart, so it reveals nothing.
    assert hash(Secret("aaaaaaaa")) == hash(Secret("zzzzzzzz"))
    assert hash(Secret(TOKEN)) != hash(TOKEN)


def test_secret_cannot_be_pickled_with_any_protocol() -> None:
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(TypeError, match="cannot be pickled"):
            pickle.dumps(Secret(TOKEN), protocol=protocol)


# --- redact_url ------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SENSITIVE_PARAMS))
def test_redact_url_masks_each_credential_parameter(name: str) -> None:
    redacted = redact_url(f"{BASE}?page=2&{name}=SECRET-1&per_page=25")
    assert redacted == f"{BASE}?page=2&{name}=REDACTED&per_page=25"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"{BASE}?api_token={TOKEN}", f"{BASE}?api_token=REDACTED"),
        (f"{BASE}?api_token={quote(TOKEN, safe='')}", f"{BASE}?api_token=REDACTED"),
        (f"{BASE}?integration_token=SECRET-1", f"{BASE}?integration_token=REDACTED"),
        (f"{BASE}?login=jan&password=SECRET-1", f"{BASE}?login=jan&password=REDACTED"),
        # Names match whatever their case or percent-encoding.
        (f"{BASE}?API_TOKEN=SECRET-1", f"{BASE}?API_TOKEN=REDACTED"),
        (f"{BASE}?Api_Token=SECRET-1", f"{BASE}?Api_Token=REDACTED"),
        (f"{BASE}?api%5Ftoken=SECRET-1", f"{BASE}?api%5Ftoken=REDACTED"),
        (f"{BASE}?api_%74oken=SECRET-1", f"{BASE}?api_%74oken=REDACTED"),
        # Every occurrence, and behind a ";" separator too.
        (
            f"{BASE}?api_token=SECRET-1&api_token=SECRET-2",
            f"{BASE}?api_token=REDACTED&api_token=REDACTED",
        ),
        (f"{BASE}?page=1;api_token=SECRET-1", f"{BASE}?page=1;api_token=REDACTED"),
        # The fragment is kept.
        (f"{BASE}?api_token=SECRET-1#top", f"{BASE}?api_token=REDACTED#top"),
    ],
)
def test_redact_url_masks_credentials_in_the_query(url: str, expected: str) -> None:
    assert redact_url(url) == expected
    assert "SECRET" not in redact_url(url)
    assert "CANARY" not in redact_url(url)


def test_redact_url_keeps_order_repeats_and_brackets_of_other_parameters() -> None:
    url = (
        f"{BASE}?period=more&kinds[]=vat&api_token=SECRET-1&kinds[]=correction"
        "&q=Klient%20%C5%BC%26co&email=jan@example.com&per_page=25"
    )
    redacted = redact_url(url)
    assert redacted == (
        f"{BASE}?period=more&kinds[]=vat&api_token=REDACTED&kinds[]=correction"
        "&q=Klient%20%C5%BC%26co&email=jan@example.com&per_page=25"
    )
    before = parse_qsl(urlsplit(url).query)
    after = parse_qsl(urlsplit(redacted).query)
    assert after == [(k, "REDACTED" if k == "api_token" else v) for k, v in before]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://jan:SECRET-1@acme.invoiceocean.com/x.json",
            "https://REDACTED@acme.invoiceocean.com/x.json",
        ),
        (
            "https://jan@acme.invoiceocean.com/x.json",
            "https://REDACTED@acme.invoiceocean.com/x.json",
        ),
        (
            "https://jan:p@ss:SECRET-1@acme.invoiceocean.com:8443/x.json?page=2",
            "https://REDACTED@acme.invoiceocean.com:8443/x.json?page=2",
        ),
        (
            "http://jan:SECRET-1@127.0.0.1:8080/x.json?api_token=SECRET-2",
            "http://REDACTED@127.0.0.1:8080/x.json?api_token=REDACTED",
        ),
    ],
)
def test_redact_url_masks_userinfo(url: str, expected: str) -> None:
    assert redact_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        BASE,
        f"{BASE}?page=2&per_page=25",
        f"{BASE}?kinds[]=vat&kinds[]=correction&period=all",
        f"{BASE}?kinds%5B%5D=vat",
        f"{BASE}?q=a%20b&r=a+b&s=%C5%BC%C3%B3%C5%82w",
        f"{BASE}?email=jan@example.com",
        f"{BASE}?flag&page=",
        f"{BASE}?tokens=3&token_type=bearer&passwords_changed=1",
        "https://acme.invoiceocean.com/invoices/12.pdf#page=2",
        "https://acme.invoiceocean.com/users/jan@example.com",
        "not a url at all",
        "",
    ],
)
def test_redact_url_returns_urls_without_secrets_unchanged(url: str) -> None:
    assert redact_url(url) == url


# --- the auth layer's last guard -------------------------------------------------------

AUTH_OPTIONS: dict[str, dict[str, Any]] = {
    "bearer": {"auth": "bearer", "api_token": TOKEN},
    "query": {"auth": "query", "api_token": TOKEN},
    "body": {"auth": "body", "api_token": TOKEN},
    "basic": {"auth": "basic", "login": LOGIN, "password": TOKEN},
}
BASIC = base64.b64encode(f"{LOGIN}:{TOKEN}".encode()).decode()


def wire_text(request: Request) -> str:
    """The request as it went out, as a backend library might quote it."""
    return f"{request.method} {request.full_url} {dict(request.headers)} {request.body!r}"


def assert_no_credential(exc: BaseException) -> None:
    rendered = "".join(traceback.format_exception(exc))
    pending: list[BaseException] = [exc]
    texts = [rendered]
    while pending:
        current = pending.pop()
        texts += [str(current), repr(current), repr(vars(current))]
        pending += [e for e in (current.__cause__, current.__context__) if e is not None]
    for text in texts:
        for needle in ("CANARY", LOGIN, BASIC):
            assert needle not in text, text


def disabled_retries(options: dict[str, Any]) -> dict[str, Any]:
    return {**options, "retry": RetryPolicy.disabled()}


@pytest.mark.parametrize("mode", sorted(AUTH_OPTIONS))
async def test_a_cause_mentioning_the_credential_is_cut(mode: str) -> None:
    def handler(request: Request) -> Response:
        try:
            raise OSError(f"backend failed on {wire_text(request)}")
        except OSError as backend:
            raise ConnectionLostError(
                "connection lost", method=request.method, url=request.safe_url
            ) from backend

    async with make_client(handler, **disabled_retries(AUTH_OPTIONS[mode])) as io:
        with pytest.raises(ConnectionLostError) as caught:
            await io.invoices.get(1)
    error = caught.value
    assert error.__cause__ is None
    assert error.__context__ is None
    assert error.__suppress_context__
    # The error itself is untouched: its own message was clean.
    assert str(error) == "connection lost"
    assert error.url == "https://acme.invoiceocean.com/invoices/1.json" + (
        "?api_token=REDACTED" if mode in ("query", "body") else ""
    )
    assert_no_credential(error)


@pytest.mark.parametrize("mode", sorted(AUTH_OPTIONS))
async def test_an_implicit_context_mentioning_the_credential_is_cut(mode: str) -> None:
    def handler(request: Request) -> Response:
        try:
            raise KeyError(wire_text(request))
        except KeyError:
            raise RequestTimeout("timed out", phase="read", url=request.safe_url) from None

    # "from None" only hides the context from tracebacks; it is still reachable.
    async with make_client(handler, **disabled_retries(AUTH_OPTIONS[mode])) as io:
        with pytest.raises(RequestTimeout) as caught:
            await io.invoices.get(1)
    assert caught.value.__context__ is None
    assert str(caught.value) == "timed out"
    assert_no_credential(caught.value)


async def test_only_the_leaking_link_of_a_chain_is_cut() -> None:
    def handler(request: Request) -> Response:
        inner = OSError(f"wire: {request.full_url}")
        middle = RuntimeError("the socket was reset")
        middle.__cause__ = inner
        error = ConnectError("could not connect", url=request.safe_url)
        error.__cause__ = middle
        raise error

    async with make_client(handler, **disabled_retries(AUTH_OPTIONS["query"])) as io:
        with pytest.raises(ConnectError) as caught:
            await io.invoices.get(1)
    middle = caught.value.__cause__
    assert isinstance(middle, RuntimeError)
    assert str(middle) == "the socket was reset"
    assert middle.__cause__ is None
    assert_no_credential(caught.value)


@pytest.mark.parametrize("mode", sorted(AUTH_OPTIONS))
async def test_an_error_whose_message_holds_the_credential_is_withheld(mode: str) -> None:
    def handler(request: Request) -> Response:
        raise ConnectionLostError(
            f"lost during {wire_text(request)}", method=request.method, url=request.safe_url
        )

    async with make_client(handler, **disabled_retries(AUTH_OPTIONS[mode])) as io:
        with pytest.raises(ConnectionLostError) as caught:
            await io.invoices.get(1)
    error = caught.value
    assert error.args == (WITHHELD,)
    assert str(error) == WITHHELD
    assert error.method == "GET"
    assert error.request_sent
    assert_no_credential(error)


@pytest.mark.parametrize("spelling", [TOKEN, quote(TOKEN, safe="")])
async def test_every_url_spelling_of_the_token_is_recognised(spelling: str) -> None:
    def handler(request: Request) -> Response:
        raise ConnectionLostError(f"lost: ...?api_token={spelling}", url=request.safe_url)

    async with make_client(handler, **disabled_retries(AUTH_OPTIONS["query"])) as io:
        with pytest.raises(ConnectionLostError) as caught:
            await io.invoices.get(1)
    assert str(caught.value) == WITHHELD


async def test_a_url_attribute_holding_the_credential_is_redacted() -> None:
    def handler(request: Request) -> Response:
        # A clean message, but the wire URL stored where the redacted one belongs.
        raise ConnectError("could not connect", method=request.method, url=request.full_url)

    async with make_client(handler, **disabled_retries(AUTH_OPTIONS["query"])) as io:
        with pytest.raises(ConnectError) as caught:
            await io.invoices.get(1)
    assert str(caught.value) == "could not connect"
    assert caught.value.url == "https://acme.invoiceocean.com/invoices/1.json?api_token=REDACTED"
    assert_no_credential(caught.value)


async def test_a_decode_error_with_the_wire_url_is_withheld_and_redacted() -> None:
    def handler(request: Request) -> Response:
        raise DecodeError("body too odd", method=request.method, url=request.full_url)

    async with make_client(handler, **disabled_retries(AUTH_OPTIONS["query"])) as io:
        with pytest.raises(DecodeError) as caught:
            await io.invoices.get(1)
    assert str(caught.value) == WITHHELD
    assert caught.value.url == "https://acme.invoiceocean.com/invoices/1.json?api_token=REDACTED"
    assert_no_credential(caught.value)


async def test_a_note_holding_the_credential_is_dropped_and_others_kept() -> None:
    def handler(request: Request) -> Response:
        error = ConnectError("could not connect", url=request.safe_url)
        error.add_note(f"while sending {wire_text(request)}")
        error.add_note("attempt 1")
        raise error

    async with make_client(handler, **disabled_retries(AUTH_OPTIONS["bearer"])) as io:
        with pytest.raises(ConnectError) as caught:
            await io.invoices.get(1)
    assert str(caught.value) == "could not connect"
    assert caught.value.__notes__ == ["attempt 1"]
    assert_no_credential(caught.value)


async def test_a_basic_credential_in_its_base64_form_is_recognised() -> None:
    def handler(request: Request) -> Response:
        # Only the encoded pair, as an HTTP library would log the header.
        raise ConnectError("could not connect", url=request.safe_url) from OSError(
            f"Authorization: Basic {BASIC}"
        )

    async with make_client(handler, **disabled_retries(AUTH_OPTIONS["basic"])) as io:
        with pytest.raises(ConnectError) as caught:
            await io.invoices.get(1)
    assert caught.value.__cause__ is None
    assert_no_credential(caught.value)


async def test_a_clean_error_and_its_clean_cause_pass_through_untouched() -> None:
    backend = OSError("connection refused")

    def handler(request: Request) -> Response:
        raise ConnectError("could not connect", url=request.safe_url) from backend

    async with make_client(handler, **disabled_retries(AUTH_OPTIONS["query"])) as io:
        with pytest.raises(ConnectError) as caught:
            await io.invoices.get(1)
    assert str(caught.value) == "could not connect"
    assert caught.value.__cause__ is backend
    assert caught.value.url.endswith("?api_token=REDACTED")


async def test_a_successful_exchange_is_not_affected_by_the_guard() -> None:
    async with make_client(
        lambda request: json_response(200, invoice_payload(id=1)),
        **disabled_retries(AUTH_OPTIONS["query"]),
    ) as io:
        invoice = await io.invoices.get(1)
    assert invoice.id == 1


async def test_a_short_basic_login_does_not_mask_ordinary_words() -> None:
    # A login of two letters was one of the scrubber's needles, so every "in" of an error
    # (its path, the server's words) came out as "REDACTED". The password stays masked.
    password = "CANARY-pw-51c0"

    def handler(request: Request) -> Response:
        return json_response(
            422, {"code": "error", "message": {"buyer_name": [f"invalid input {password}"]}}
        )

    options = {"auth": "basic", "login": "in", "password": password}
    async with make_client(handler, **disabled_retries(options)) as io:
        with pytest.raises(ValidationError) as caught:
            await io.invoices.create({"buyer_name": "x"})
    text = str(caught.value)
    assert "/invoices.json" in text
    assert caught.value.field_errors == {"buyer_name": ["invalid input REDACTED"]}
    assert password not in text + repr(vars(caught.value))
