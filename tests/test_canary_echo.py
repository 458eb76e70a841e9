"""The canary test for a server that quotes the credential back in its answer.

A 401 naming the token, a 422 whose field errors quote the params, a proxy's text page echoing
the request, a 200 ``{"code": "error"}`` quoting the wire URL (query and body modes), a body
that cannot be decoded because of the token: the errors made of these answers are built by
``ApiCore``, above the auth layer, so they must be scrubbed there. For every auth mode this
proves that no spelling of the credential (raw, URL-encoded, JSON-escaped, base64) is left in
str/repr/args/notes/every attribute of the error or of anything chained to it, printed or not,
nor in ``traceback.format_exception``; that the error keeps its type, status and the rest of the
server's words (the credential is masked, not the whole message withheld); and that a
``create_many`` run writes none of it into its report or its journal.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from invoceanio import (
    APIError,
    AuthenticationError,
    DecodeError,
    InvoiceOcean,
    InvoiceOceanError,
    ServerError,
    ValidationError,
)
from invoceanio.http import Request, Response
from tests.support import json_response, make_client, raw_response

CANARY = "CANARY-9f3b2c71d0"
# A slash, so that the URL-encoded spellings differ from the raw one.
TOKEN = f"{CANARY}/acme"
LOGIN = "LOGIN-77e1a4c2"
MODES = ("bearer", "query", "body", "basic")
MASK = "REDACTED"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode("ascii")


NEEDLES = frozenset(
    {
        CANARY,
        TOKEN,
        quote(TOKEN, safe=""),
        quote_plus(TOKEN, safe=""),
        json.dumps(TOKEN)[1:-1],
        LOGIN,
        _b64(f"{LOGIN}:{TOKEN}"),
    }
)


def auth_options(mode: str) -> dict[str, Any]:
    if mode == "basic":
        return {"auth": "basic", "login": LOGIN, "password": TOKEN}
    return {"auth": mode, "api_token": TOKEN}


def wire(request: Request) -> str:
    """What the server received, as a careless error page quotes it: the wire URL (the query
    token), the headers (bearer, basic) and the body (the body mode's member)."""
    body = (request.body or b"").decode()
    return f"{request.method} {request.full_url} {dict(request.headers)} {body}"


def assert_clean(text: str, where: str) -> None:
    for needle in NEEDLES:
        assert needle not in text, f"{where} leaks {needle!r}: {text[:600]}"


def assert_error_clean(error: BaseException) -> None:
    """Every way the error can be looked at, for it and every exception chained to it."""
    assert_clean("".join(traceback.format_exception(error)), "format_exception")
    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        name = type(current).__name__
        assert_clean(str(current), f"str({name})")
        assert_clean(repr(current), f"repr({name})")
        assert_clean(repr(current.args), f"{name}.args")
        assert_clean(repr(getattr(current, "__notes__", [])), f"{name}.__notes__")
        for attribute, value in vars(current).items():
            assert_clean(repr(value), f"{name}.{attribute}")
        pending += [link for link in (current.__cause__, current.__context__) if link]


Call = Callable[[InvoiceOcean], Awaitable[Any]]
GET: Call = lambda io: io.invoices.get(1)  # noqa: E731
CREATE: Call = lambda io: io.invoices.create({"buyer_name": "X", "positions": []})  # noqa: E731
PDF: Call = lambda io: io.invoices.pdf(1)  # noqa: E731


async def raised(
    mode: str, answer: Callable[[Request], Response], call: Call = GET, **options: Any
) -> InvoiceOceanError:
    async with make_client(answer, **auth_options(mode), **options) as io:
        with pytest.raises(InvoiceOceanError) as caught:
            await call(io)
    return caught.value


# --- the answers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("call", [GET, PDF], ids=["get", "pdf"])
async def test_a_401_text_answer_naming_the_token(mode: str, call: Call) -> None:
    error = await raised(
        mode,
        lambda request: raw_response(
            401, f"Invalid credentials in {wire(request)}".encode(), "text/plain"
        ),
        call,
    )
    assert isinstance(error, AuthenticationError)
    assert error.status == 401
    # Masked, not withheld: the server's own words are still there to read.
    assert error.message.startswith("Invalid credentials in GET https://acme.invoiceocean.com/")
    assert MASK in error.message
    assert_error_clean(error)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "quoted",
    [CANARY, TOKEN.replace("/", "\\/")],
    ids=["the token without its prefix", "the slash escaped"],
)
async def test_a_token_quoted_in_part_or_escaped(mode: str, quoted: str) -> None:
    # The server took "/acme" for the account and quoted the token alone; or it wrote its
    # text with the slash escaped, as PHP's json_encode does. Neither was masked.
    error = await raised(
        mode,
        lambda _: raw_response(401, f"token {quoted} is invalid".encode(), "text/plain"),
    )
    assert isinstance(error, AuthenticationError)
    assert error.message == f"token {MASK} is invalid"
    assert quoted not in repr(error.body)
    assert_error_clean(error)


def test_a_short_token_part_is_not_masked_on_its_own() -> None:
    # Under 8 characters, the part before the slash would mask ordinary words.
    from invoceanio.middleware.auth import _forms

    assert _forms("abc/acme") == ["abc/acme", "abc\\/acme"]
    assert "LONGTOKEN1" in _forms("LONGTOKEN1/acme")


@pytest.mark.parametrize("mode", MODES)
async def test_a_401_json_answer_naming_the_token(mode: str) -> None:
    error = await raised(
        mode,
        lambda request: json_response(
            401, {"code": "error", "message": f"token {wire(request)} unknown"}
        ),
    )
    assert isinstance(error, AuthenticationError)
    assert isinstance(error.body, dict)
    assert error.body["code"] == "error"
    assert_error_clean(error)


@pytest.mark.parametrize("mode", MODES)
async def test_a_422_whose_field_errors_quote_the_token(mode: str) -> None:
    def answer(request: Request) -> Response:
        echoed = wire(request)
        return json_response(
            422,
            {
                "code": "error",
                "message": {
                    "buyer_name": ["nie może być puste"],
                    "api_token": [f"{echoed} is not valid"],
                    # A field named by the credential: the keys are masked too.
                    TOKEN: ["is not a field"],
                },
            },
        )

    error = await raised(mode, answer, CREATE)
    assert isinstance(error, ValidationError)
    assert error.status == 422
    assert error.field_errors["buyer_name"] == ["nie może być puste"]
    assert MASK in error.field_errors
    assert all(MASK in message for message in error.field_errors["api_token"])
    assert "buyer_name: nie może być puste" in str(error)
    assert_error_clean(error)


@pytest.mark.parametrize("mode", MODES)
async def test_a_500_proxy_page_echoing_the_request(mode: str) -> None:
    error = await raised(
        mode,
        lambda request: raw_response(
            502, f"Bad gateway\nupstream refused: {wire(request)}\n".encode(), "text/plain"
        ),
    )
    assert isinstance(error, ServerError)
    assert isinstance(error.body, str)
    assert error.body.startswith("Bad gateway")
    assert_error_clean(error)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("cut", [300, 2000], ids=["message-cut", "body-cut"])
async def test_a_long_page_cut_through_the_token_keeps_no_part_of_it(mode: str, cut: int) -> None:
    """The error keeps the first 2000 characters of a text page as its body, and the first 300
    as its message: a credential cut in two there is no whole spelling any more, and its first
    half must not stay."""

    def answer(request: Request) -> Response:
        echoed = wire(request)
        # Wherever this mode puts the credential, place it across the cut.
        spelling = next(s for s in sorted(NEEDLES, key=len, reverse=True) if s in echoed)
        start = echoed.index(spelling)
        padding = "x" * (cut - start - len(spelling) // 2)
        return raw_response(500, (padding + echoed).encode(), "text/plain")

    error = await raised(mode, answer)
    assert isinstance(error, ServerError)
    assert isinstance(error.body, str)
    assert len(error.body) <= 2000
    assert error.message.startswith("xxx")
    for text in (error.body, error.message, str(error)):
        assert CANARY[:6] not in text
        assert _b64(f"{LOGIN}:{TOKEN}")[:6] not in text
    assert_error_clean(error)


@pytest.mark.parametrize("mode", MODES)
async def test_a_200_error_body_quoting_the_wire_url(mode: str) -> None:
    error = await raised(
        mode,
        lambda request: json_response(
            200, {"code": "error", "message": f"bad request {wire(request)}"}
        ),
    )
    assert type(error) is APIError
    assert error.status == 200
    if mode in ("query", "body"):
        assert f"api_token={MASK}" in error.message
    assert_error_clean(error)


@pytest.mark.parametrize("mode", MODES)
async def test_a_body_that_does_not_decode_because_of_the_token(mode: str) -> None:
    """The XML codec quotes the value it cannot read (and the DecodeError's hidden context is
    the codec's own error, quoting it too)."""
    body = f'<invoice><id type="integer">{TOKEN}</id></invoice>'.encode()
    error = await raised(
        mode, lambda request: raw_response(200, body, "application/xml"), format="xml"
    )
    assert isinstance(error, DecodeError)
    assert "<id> is typed integer" in str(error)
    assert_error_clean(error)


@pytest.mark.parametrize("mode", MODES)
async def test_an_error_wrapped_by_the_caller_stays_clean(mode: str) -> None:
    """The chain a caller builds on it (``raise ... from exc``) is printed with it."""
    error = await raised(
        mode, lambda request: raw_response(401, f"denied {wire(request)}".encode(), "text/plain")
    )
    try:
        raise RuntimeError("the nightly sync failed") from error
    except RuntimeError as wrapper:
        rendered = "".join(traceback.format_exception(wrapper))
    assert "AuthenticationError: 401 denied" in rendered
    assert_clean(rendered, "the wrapper's traceback")


# --- create_many: the report and the journal -----------------------------------------------------


@pytest.mark.parametrize("mode", ["bearer", "query", "body"])
async def test_create_many_writes_no_echoed_token_into_report_or_journal(
    mode: str, tmp_path: Path
) -> None:
    def answer(request: Request) -> Response:
        if request.method == "GET":  # the oid look-ups: nothing there yet
            return json_response(200, [])
        return json_response(
            422, {"code": "error", "message": {"base": [f"{wire(request)} may not create"]}}
        )

    journal = tmp_path / "journal.sqlite"
    items = [
        {"oid": f"A-{n}", "buyer_name": "X", "positions": [{"name": "p", "quantity": 1}]}
        for n in range(3)
    ]
    async with make_client(answer, **auth_options(mode)) as io:
        report = await io.invoices.create_many(items, journal=journal)
    assert report.failed == 3
    for failure in report.failures:
        assert failure.error is not None
        assert failure.error.startswith("ValidationError: 422 base: POST https://acme.")
        assert_clean(failure.error, "ItemResult.error")
        assert_clean(repr(failure), "repr(ItemResult)")
    assert_clean(repr(report), "repr(ImportReport)")
    _assert_journal_clean(journal)


def _assert_journal_clean(journal: Path) -> None:
    """The rows, and the raw bytes of the database and its side files (WAL)."""
    with sqlite3.connect(journal) as db:
        rows = db.execute("SELECT oid, state, error FROM items").fetchall()
    assert sorted(state for _, state, _ in rows) == ["failed"] * 3
    for _, _, text in rows:
        assert_clean(text, "journal items.error")
    for path in journal.parent.glob(f"{journal.name}*"):
        raw = path.read_bytes()
        for needle in NEEDLES:
            assert needle.encode() not in raw, f"{path.name} holds {needle!r}"
