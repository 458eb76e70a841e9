"""Configuration is checked when the client is built, before any network I/O.

Every bad argument (a prefix that is no DNS label, an unknown brand, a base URL that is not
https or carries credentials or a query, an unknown auth mode, missing credentials, a token
with whitespace, an unknown format, a non-positive concurrency or timeout) raises
ConfigurationError from the constructor, while the transport's handler is a tripwire that
fails the test if anything is sent, and without an aiohttp session ever being opened. No such
error quotes the token.

It also proves what a good configuration builds (``https://{prefix}.{brand}`` for every known
brand, http only for loopback hosts, the prefix taken from a ``TOKEN/prefix`` token), that the
client is an async context manager whose ``aclose()`` closes a transport it created but not one
it was given, and that its repr shows the base URL, format and auth mode but never the token.
"""

from __future__ import annotations

import traceback
from typing import Any

import aiohttp
import pytest

import invoceanio
from invoceanio import ConfigurationError, InvoiceOcean, RetryPolicy, Secret
from invoceanio.hosts import BRANDS
from invoceanio.http import Request, Response
from invoceanio.transport import MockTransport
from tests.support import invoice_payload, json_response

CANARY = "CANARY-9f3b2c71d0"
TOKEN = CANARY


def tripwire(request: Request) -> Response:
    pytest.fail(f"network I/O during a configuration check: {request!r}")


class NoSession:
    """Stands in for aiohttp.ClientSession: opening one fails the test."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pytest.fail("an aiohttp session was opened")


@pytest.fixture(autouse=True)
def no_sessions(monkeypatch: pytest.MonkeyPatch) -> None:
    # The client may build its default transport (a lazy one), but must never open it here.
    monkeypatch.setattr(aiohttp, "ClientSession", NoSession)


def build(**options: Any) -> InvoiceOcean:
    options.setdefault("api_token", TOKEN)
    return InvoiceOcean(transport=MockTransport(tripwire), **options)


def assert_refused(*, with_default_transport: bool = True, **options: Any) -> ConfigurationError:
    """The options raise ConfigurationError, with a tripwire transport and with the default
    one, and the error does not quote the token."""
    with pytest.raises(ConfigurationError) as caught:
        build(**options)
    if with_default_transport:
        options.setdefault("api_token", TOKEN)
        with pytest.raises(ConfigurationError):
            InvoiceOcean(**options)
    rendered = "".join(traceback.format_exception(caught.value))
    assert CANARY not in rendered
    return caught.value


# --- hosts -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "prefix",
    [
        "acme.evil.com",
        "-acme",
        "acme-",
        "a" * 64,
        "",
        "ac me",
        "acme/x",
        "acme\n",
        "acme_x",
        "acme@evil.com",
        "acme:443",
        "acme?",
        "żółw",
    ],
)
def test_a_prefix_that_is_no_dns_label_is_refused(prefix: str) -> None:
    error = assert_refused(prefix=prefix)
    assert "prefix" in str(error)


@pytest.mark.parametrize("prefix", ["acme", "a", "a" * 63, "acme-2", "2acme", "xn--80ak6aa92e"])
def test_a_dns_label_prefix_is_accepted(prefix: str) -> None:
    assert build(prefix=prefix).base_url == f"https://{prefix}.invoiceocean.com"


def test_the_prefix_is_lower_cased() -> None:
    assert build(prefix="ACME").base_url == "https://acme.invoiceocean.com"


@pytest.mark.parametrize("brand", ["evil.com", "invoiceocean.com.evil.com", "", "fakturownia"])
def test_an_unknown_brand_is_refused(brand: str) -> None:
    error = assert_refused(prefix="acme", brand=brand)
    assert "brand" in str(error)


def test_an_unknown_brand_is_refused_even_beside_a_base_url() -> None:
    assert_refused(base_url="https://sandbox.example.test", brand="evil.com")


def test_a_prefix_naming_another_account_than_the_base_url_is_refused() -> None:
    # Calls would go to acme while widget URLs named other's account.
    error = assert_refused(base_url="https://acme.fakturownia.pl", prefix="other")
    assert "name two accounts" in str(error)


def test_a_base_url_of_a_known_brand_gives_the_prefix_and_the_brand() -> None:
    io = build(base_url="https://acme.fakturownia.pl")
    assert (io.prefix, io.brand) == ("acme", "fakturownia.pl")
    assert io.products.widget_url("TOK") == "https://app.fakturownia.pl/a/acme/p/TOK.js"
    # The same account named twice is no contradiction (the prefix in any case).
    assert build(base_url="https://acme.fakturownia.pl", prefix="ACME").prefix == "acme"


def test_a_base_url_of_no_known_brand_keeps_the_prefix_given() -> None:
    io = build(base_url="http://127.0.0.1:8080", prefix="acme")
    assert (io.prefix, io.brand) == ("acme", "invoiceocean.com")


@pytest.mark.parametrize("brand", BRANDS)
def test_every_known_brand_builds_https_prefix_dot_brand(brand: str) -> None:
    io = build(prefix="acme", brand=brand)
    assert io.base_url == f"https://acme.{brand}"
    assert io.brand == brand


@pytest.mark.parametrize("brand", ["InvoiceOcean.COM", "FAKTUROWNIA.PL", "VosFactures.fr"])
def test_the_brand_is_case_insensitive(brand: str) -> None:
    assert build(prefix="acme", brand=brand).base_url == f"https://acme.{brand.lower()}"


@pytest.mark.parametrize(
    "base_url",
    [
        "http://acme.invoiceocean.com",
        "http://example.com:8080/api",
        "http://127.0.0.1.evil.com",
        "http://localhost.evil.com",
        "http://10.0.0.1",
        "http://0.0.0.0",
    ],
)
def test_plain_http_is_refused_for_a_host_that_is_not_loopback(base_url: str) -> None:
    error = assert_refused(base_url=base_url)
    assert "https" in str(error)


@pytest.mark.parametrize(
    "base_url",
    [
        "https://jan:secret@acme.invoiceocean.com",
        "https://jan@acme.invoiceocean.com",
        "https://:secret@acme.invoiceocean.com",
        "https://@acme.invoiceocean.com",
        f"http://jan:{CANARY}@127.0.0.1:8080",
    ],
)
def test_a_base_url_with_credentials_is_refused(base_url: str) -> None:
    error = assert_refused(base_url=base_url)
    assert "credentials" in str(error)


@pytest.mark.parametrize(
    "base_url",
    [
        f"https://acme.invoiceocean.com/?api_token={CANARY}",
        "https://acme.invoiceocean.com?page=1",
        "https://acme.invoiceocean.com?",
        "https://acme.invoiceocean.com#top",
        "https://acme.invoiceocean.com#",
    ],
)
def test_a_base_url_with_a_query_or_fragment_is_refused(base_url: str) -> None:
    error = assert_refused(base_url=base_url)
    assert "query" in str(error)


@pytest.mark.parametrize(
    "base_url",
    [
        "acme.invoiceocean.com",
        "not a url",
        "",
        "/invoices",
        "ftp://acme.invoiceocean.com",
        "file:///etc/passwd",
        "https://",
        "https://acme.invoiceocean.com:99999",
        "https://acme.invoiceocean.com:https",
        "https://acme.invoiceocean.com\n",
        "https://acme.invoiceocean.com/\t",
        "https://acme.invoice\tocean.com",
    ],
)
def test_a_base_url_that_is_no_usable_url_is_refused(base_url: str) -> None:
    assert_refused(base_url=base_url)


@pytest.mark.parametrize("base_url", [123, b"https://acme.invoiceocean.com"])
def test_a_base_url_that_is_no_str_is_refused(base_url: Any) -> None:
    assert_refused(base_url=base_url)


def test_a_refused_base_url_does_not_quote_its_credentials() -> None:
    error = assert_refused(base_url=f"ftp://jan:{CANARY}@acme.invoiceocean.com/?api_token={CANARY}")
    assert "ftp://" in str(error)


@pytest.mark.parametrize(
    "base_url",
    [
        "http://127.0.0.1",
        "http://127.0.0.1:8080",
        "http://127.1.2.3:8080",
        "http://localhost:3000",
        "http://LOCALHOST:3000",
        "http://[::1]",
        "http://[::1]:8080",
    ],
)
def test_plain_http_is_allowed_for_loopback_hosts(base_url: str) -> None:
    assert build(base_url=base_url).base_url == base_url


@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        ("https://sandbox.example.test", "https://sandbox.example.test"),
        ("https://sandbox.example.test/", "https://sandbox.example.test"),
        ("https://sandbox.example.test:8443/api/", "https://sandbox.example.test:8443/api"),
    ],
)
def test_an_https_base_url_is_used_without_its_trailing_slash(base_url: str, expected: str) -> None:
    assert build(base_url=base_url).base_url == expected


def test_a_base_url_overrides_the_prefix() -> None:
    io = build(prefix="acme", base_url="https://sandbox.example.test")
    assert io.base_url == "https://sandbox.example.test"


def test_neither_prefix_nor_base_url_is_refused() -> None:
    error = assert_refused()
    assert "prefix" in str(error)


def test_a_token_of_the_form_token_slash_prefix_gives_the_prefix() -> None:
    assert build(api_token=f"{TOKEN}/acme").base_url == "https://acme.invoiceocean.com"
    assert (
        build(api_token=Secret(f"{TOKEN}/acme"), brand="fakturownia.pl").base_url
        == "https://acme.fakturownia.pl"
    )


def test_an_explicit_prefix_wins_over_the_one_in_the_token() -> None:
    assert build(prefix="other", api_token=f"{TOKEN}/acme").base_url == (
        "https://other.invoiceocean.com"
    )


def test_a_token_whose_prefix_is_no_dns_label_is_refused_without_quoting_the_token() -> None:
    error = assert_refused(api_token=f"{TOKEN}/acme.evil.com")
    assert "acme.evil.com" in str(error)


def test_a_token_without_a_prefix_and_no_base_url_is_refused() -> None:
    assert_refused(api_token=TOKEN)


# --- auth ------------------------------------------------------------------------------


@pytest.mark.parametrize("auth", ["digest", "Bearer", "", "token", None])
def test_an_unknown_auth_mode_is_refused(auth: Any) -> None:
    error = assert_refused(prefix="acme", auth=auth)
    assert "auth" in str(error)


@pytest.mark.parametrize(
    "credentials",
    [
        {},
        {"login": "jan"},
        {"password": TOKEN},
        {"login": "", "password": TOKEN},
        {"login": "jan", "password": ""},
    ],
)
def test_basic_auth_without_login_and_password_is_refused(credentials: dict[str, str]) -> None:
    error = assert_refused(prefix="acme", auth="basic", api_token=None, **credentials)
    assert "login" in str(error)


def test_basic_auth_with_login_and_password_needs_no_token() -> None:
    io = build(prefix="acme", auth="basic", api_token=None, login="jan", password=TOKEN)
    assert io.auth == "basic"


@pytest.mark.parametrize("auth", ["bearer", "query", "body"])
@pytest.mark.parametrize("token", [None, "", Secret("")])
def test_a_token_mode_without_a_token_is_refused(auth: str, token: Any) -> None:
    error = assert_refused(prefix="acme", auth=auth, api_token=token)
    assert "api_token" in str(error)


@pytest.mark.parametrize(
    "token", [f" {TOKEN}", f"{TOKEN} ", f"{TOKEN}\n", "CANARY 9f3b2c71d0", f"{TOKEN}\t/acme"]
)
def test_a_token_with_whitespace_is_refused(token: str) -> None:
    error = assert_refused(prefix="acme", api_token=token)
    assert "whitespace" in str(error)


@pytest.mark.parametrize("token", [123, b"token", ["token"]])
def test_a_token_that_is_no_str_is_refused(token: Any) -> None:
    assert_refused(prefix="acme", api_token=token)


# --- format, concurrency, timeout, rate, retry -----------------------------------------


@pytest.mark.parametrize("fmt", ["yaml", "JSON", "pdf", "", None])
def test_an_unknown_format_is_refused(fmt: Any) -> None:
    error = assert_refused(prefix="acme", format=fmt)
    assert "format" in str(error)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_json_and_xml_are_accepted(fmt: str) -> None:
    assert build(prefix="acme", format=fmt).format == fmt


@pytest.mark.parametrize("value", [0, -1, 1.5, "4", True, None])
def test_max_concurrency_must_be_a_positive_int(value: Any) -> None:
    error = assert_refused(prefix="acme", max_concurrency=value)
    assert "max_concurrency" in str(error)


@pytest.mark.parametrize("value", [0, 0.0, -1, -0.5, float("nan"), "30", True])
def test_timeout_must_be_positive(value: Any) -> None:
    error = assert_refused(prefix="acme", timeout=value)
    assert "timeout" in str(error)


@pytest.mark.parametrize("value", [0.001, 1, 30.0, None])
def test_a_positive_timeout_or_none_is_accepted(value: float | None) -> None:
    build(prefix="acme", timeout=value)


@pytest.mark.parametrize("value", [0, -1.0, float("nan"), float("inf")])
def test_a_rate_limit_must_be_positive_and_finite(value: float) -> None:
    assert_refused(prefix="acme", rate_limit=value)


@pytest.mark.parametrize(
    "options", [{"max_attempts": 0}, {"max_attempts": 1.5}, {"deadline": -1.0}]
)
def test_a_bad_retry_policy_is_refused_when_it_is_built(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        RetryPolicy(**options)


# --- lifecycle and repr ----------------------------------------------------------------


class FakeTransport:
    """A transport the test controls: counts sends and closes."""

    def __init__(self, **options: Any) -> None:
        self.options = options
        self.sent: list[Request] = []
        self.closes = 0

    async def send(self, request: Request) -> Response:
        self.sent.append(request)
        return json_response(200, invoice_payload(id=1))

    async def aclose(self) -> None:
        self.closes += 1


async def test_the_client_is_an_async_context_manager_returning_itself() -> None:
    transport = FakeTransport()
    io = InvoiceOcean(prefix="acme", api_token=TOKEN, transport=transport)
    async with io as entered:
        assert entered is io
        invoice = await io.invoices.get(1)
    assert invoice.id == 1
    assert len(transport.sent) == 1


async def test_aclose_leaves_a_transport_passed_in_open() -> None:
    transport = FakeTransport()
    async with InvoiceOcean(prefix="acme", api_token=TOKEN, transport=transport) as io:
        await io.invoices.get(1)
    await io.aclose()
    assert transport.closes == 0


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> list[FakeTransport]:
    """The transports the client builds itself, as FakeTransports."""
    built: list[FakeTransport] = []

    def factory(**options: Any) -> FakeTransport:
        built.append(FakeTransport(**options))
        return built[-1]

    monkeypatch.setattr("invoceanio.client.AiohttpTransport", factory)
    return built


async def test_aclose_closes_the_transport_the_client_created(made: list[FakeTransport]) -> None:
    io = InvoiceOcean(
        prefix="acme", api_token=TOKEN, max_concurrency=3, timeout=7.5, max_response_bytes=4096
    )
    assert len(made) == 1
    assert made[0].options == {
        "max_connections": 3,
        "timeout": 7.5,
        "max_body_size": 4096,
        "user_agent": f"invoceanio/{invoceanio.__version__}",
    }
    await io.aclose()
    assert made[0].closes == 1


async def test_leaving_the_context_on_an_error_still_closes_the_transport(
    made: list[FakeTransport],
) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        async with InvoiceOcean(prefix="acme", api_token=TOKEN):
            raise RuntimeError("boom")
    assert [transport.closes for transport in made] == [1]


async def test_the_default_transport_opens_no_session_until_the_first_request() -> None:
    # The autouse fixture makes opening an aiohttp session fail the test.
    async with InvoiceOcean(prefix="acme", api_token=TOKEN) as io:
        assert io.base_url == "https://acme.invoiceocean.com"


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            {"prefix": "acme", "api_token": TOKEN},
            "<InvoiceOcean https://acme.invoiceocean.com format=json auth=bearer>",
        ),
        (
            {"api_token": f"{TOKEN}/acme", "format": "xml", "auth": "query"},
            "<InvoiceOcean https://acme.invoiceocean.com format=xml auth=query>",
        ),
        (
            {"base_url": "http://127.0.0.1:8080", "api_token": TOKEN, "auth": "body"},
            "<InvoiceOcean http://127.0.0.1:8080 format=json auth=body>",
        ),
        (
            {
                "prefix": "acme",
                "brand": "fakturownia.pl",
                "auth": "basic",
                "login": "jan",
                "password": TOKEN,
            },
            "<InvoiceOcean https://acme.fakturownia.pl format=json auth=basic>",
        ),
    ],
)
def test_repr_shows_base_url_format_and_auth_but_never_the_token(
    options: dict[str, Any], expected: str
) -> None:
    io = InvoiceOcean(transport=MockTransport(tripwire), **options)
    assert repr(io) == expected
    assert str(io) == expected
    assert CANARY not in f"{io!r} {io!s} {io}"


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"auth": ["bearer"]}, "auth must be a str"),
        ({"format": ["json"]}, "format must be a str"),
        ({"retry": "3"}, "retry must be a RetryPolicy"),
        ({"middleware": None}, "middleware must be a list"),
        ({"middleware": [None]}, "each middleware must be callable"),
        ({"codecs": "json"}, "codecs must be a CodecRegistry"),
        ({"transport": object()}, "transport must have async send"),
        ({"auth": "none"}, "auth='none' sends no credentials"),
    ],
)
def test_a_wrong_kind_of_option_is_a_configuration_error(
    options: dict[str, Any], named: str
) -> None:
    # Before: TypeError (unhashable), AttributeError or KeyError, some on the first call only.
    with pytest.raises(ConfigurationError, match=named):
        InvoiceOcean(prefix="acme", api_token="tok-12345", **options)


def test_a_codec_registry_without_json_is_refused() -> None:
    from invoceanio.codecs import XmlCodec
    from invoceanio.codecs.registry import CodecRegistry

    # The API answers errors, and some calls, in JSON whatever the format: a KeyError before.
    with pytest.raises(ConfigurationError, match="JSON codec"):
        InvoiceOcean(
            prefix="acme", api_token="tok", format="xml", codecs=CodecRegistry([XmlCodec()])
        )


def test_auth_none_without_credentials_is_taken() -> None:
    io = InvoiceOcean(base_url="https://app.fakturownia.pl", auth="none")
    assert io.auth == "none"
