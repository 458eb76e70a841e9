"""Calls that leave the API's host: the upload target and the redirect target the API hands
out, the app host of the login, and the account URL a login answers. Each is checked before
anything is sent there, and none of them ever gets the token."""

from __future__ import annotations

import pytest

from invoceanio import (
    APIError,
    ConfigurationError,
    DecodeError,
    InvoiceOcean,
    NotFoundError,
    Secret,
)
from invoceanio.hosts import app_url_for, check_account_url, check_external_url, prefix_of
from invoceanio.http import Request, Response
from invoceanio.models import LoginResult
from invoceanio.transport import MockTransport
from invoceanio.uploads import read_upload
from tests.support import json_response


@pytest.mark.parametrize(
    "url",
    [
        "https://bucket.s3.amazonaws.com/",
        "https://files.example.com/a.xml?X-Amz-Signature=abc",
        "http://127.0.0.1:8080/__uploads__",
        "http://[::1]/f",
    ],
)
def test_external_urls_the_api_may_hand_out(url: str) -> None:
    assert check_external_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "http://files.example.com/a.xml",  # plain http to the internet
        "https://user:pass@files.example.com/",
        "ftp://files.example.com/",
        "/relative/path",
        "https://files.example.com/a b",
        "https://files.example.com:99999/",
    ],
)
def test_external_urls_that_are_refused(url: str) -> None:
    with pytest.raises(ConfigurationError):
        check_external_url(url)


def test_the_account_url_of_a_login_must_be_a_brand_host() -> None:
    assert check_account_url("https://acme.fakturownia.pl/") == "https://acme.fakturownia.pl"
    assert check_account_url("https://ACME.invoiceocean.com") == "https://acme.invoiceocean.com"
    for bad in (
        "https://acme.fakturownia.pl.evil.com",
        "https://evil.com",
        "http://acme.fakturownia.pl",
        "https://acme.fakturownia.pl/path",
        "https://acme.fakturownia.pl:8443",
        "https://a.b.fakturownia.pl",
        "https://acme.fakturownia.pl?x=1",
    ):
        with pytest.raises(ConfigurationError):
            check_account_url(bad)
    assert check_account_url("http://127.0.0.1:9/", trusted_origin="http://127.0.0.1:9") == (
        "http://127.0.0.1:9"
    )


def test_app_host_and_prefix_follow_the_account_url() -> None:
    assert app_url_for("https://acme.vosfactures.fr") == "https://app.vosfactures.fr"
    assert app_url_for("http://127.0.0.1:8080") == "http://127.0.0.1:8080"
    assert prefix_of("https://acme.bitfactura.com") == "acme"
    assert prefix_of("https://app.bitfactura.com") is None
    assert prefix_of("http://127.0.0.1:8080") is None
    io = InvoiceOcean(
        api_token="t0k/acme",
        brand="fakturownia.pl",
        transport=MockTransport(lambda r: json_response()),
    )
    assert (io.base_url, io.app_url, io.prefix) == (
        "https://acme.fakturownia.pl",
        "https://app.fakturownia.pl",
        "acme",
    )


async def test_from_login_checks_the_url_before_the_token_goes_anywhere() -> None:
    good = LoginResult(url="https://acme.invoiceocean.de", api_token=Secret("t"), prefix="acme")
    async with InvoiceOcean.from_login(
        good, transport=MockTransport(lambda r: json_response())
    ) as io:
        assert io.base_url == "https://acme.invoiceocean.de"
    for result in (
        LoginResult(url="https://acme.evil.example", api_token=Secret("t")),
        LoginResult(url=None, api_token=Secret("t")),
    ):
        with pytest.raises(ConfigurationError):
            InvoiceOcean.from_login(result)
    with pytest.raises(ConfigurationError, match="no api_token"):
        InvoiceOcean.from_login(LoginResult(url="https://acme.invoiceocean.de"))


async def test_a_client_without_credentials_can_only_log_in() -> None:
    sent: list[Request] = []

    def answer(request: Request) -> Response:
        sent.append(request)
        return json_response(200, {"login": "u", "url": "https://acme.invoiceocean.com"})

    result = await InvoiceOcean.log_in(
        "u", "pw", brand="fakturownia.pl", transport=MockTransport(answer)
    )
    assert result.url == "https://acme.invoiceocean.com" and result.api_token is None
    (login,) = sent
    assert login.url == "https://app.fakturownia.pl/login.json"
    async with InvoiceOcean(
        base_url="https://app.fakturownia.pl", auth="none", transport=MockTransport(answer)
    ) as io:
        with pytest.raises(ConfigurationError, match="no credentials"):
            await io.invoices.list()
    assert len(sent) == 1  # refused before it was sent


async def test_a_redirected_download_is_followed_once_without_the_token() -> None:
    sent: list[Request] = []

    def answer(request: Request) -> Response:
        sent.append(request)
        if request.url.endswith("/attachment"):
            return Response(status=302, headers={"Location": "https://files.example.com/x.xml"})
        if request.url == "https://files.example.com/x.xml":
            return Response(status=302, headers={"Location": "https://files.example.com/y"})
        return Response(status=200, body=b"y")

    async with InvoiceOcean(
        prefix="acme", api_token="tok", auth="query", transport=MockTransport(answer)
    ) as io:
        with pytest.raises(APIError, match="redirect"):  # a second redirect is not followed
            await io.invoices.download_attachment(1, "gov")
    assert [r.authenticate for r in sent] == [True, False]
    assert ("api_token", "tok") not in sent[1].params


async def test_a_redirect_to_plain_http_or_a_missing_file_is_refused() -> None:
    def to_http(request: Request) -> Response:
        return Response(status=302, headers={"Location": "http://files.example.com/x.xml"})

    async with InvoiceOcean(prefix="acme", api_token="tok", transport=MockTransport(to_http)) as io:
        # The server's answer is at fault, not the caller's settings.
        with pytest.raises(DecodeError, match="plain-http"):
            await io.invoices.download_attachment(1, "gov")

    def missing(request: Request) -> Response:
        return json_response(404, {"code": "error", "message": "Not found"})

    async with InvoiceOcean(prefix="acme", api_token="tok", transport=MockTransport(missing)) as io:
        with pytest.raises(NotFoundError):
            await io.invoices.download_attachment(1, "gov_upo")


def test_upload_file_names_are_cleaned_and_types_guessed() -> None:
    upload = read_upload(b"x", filename='..\\dir/evil";name.pdf', max_bytes=10)
    assert upload.filename == "evil__name.pdf" and upload.content_type == "application/pdf"
    assert (
        read_upload(b"x", filename="data", max_bytes=10).content_type == "application/octet-stream"
    )
    assert "FILE-BYTES" not in repr(read_upload(b"FILE-BYTES", filename="a.txt", max_bytes=99))
    with pytest.raises(ConfigurationError, match="empty once cleaned"):
        read_upload(b"x", filename="../..", max_bytes=10)
    with pytest.raises(ConfigurationError, match="bytes or a file path"):
        read_upload(123, filename="a", max_bytes=10)  # type: ignore[arg-type]
