"""The credential in the forms a review found unmasked: quoted back upper-cased (in every auth
mode), and in a URL the server handed out, as the DEBUG log shows it."""

from __future__ import annotations

import logging
import pickle
import traceback
from typing import Any

import pytest

from invoceanio import APIError, InvoiceOcean, RetryPolicy
from invoceanio.http import Request, Response
from invoceanio.transport import MockTransport
from tests.support import json_response

TOKEN = "canary-TOKEN-7f3a9c2e1b"
PASSWORD = "canary-PASS-9d8e7f6a5b"


def _client(handler: Any, mode: str) -> InvoiceOcean:
    credentials: dict[str, Any] = (
        {"login": "user@example.com", "password": PASSWORD} if mode == "basic" else {}
    )
    return InvoiceOcean(
        prefix="acme",
        api_token=TOKEN,
        auth=mode,
        transport=MockTransport(handler),
        retry=RetryPolicy(max_attempts=1),
        **credentials,
    )


@pytest.mark.parametrize("mode", ["bearer", "query", "body", "basic"])
async def test_a_credential_quoted_back_upper_cased_is_masked(mode: str) -> None:
    secret = PASSWORD if mode == "basic" else TOKEN
    shouted = secret.upper()

    def handler(_: Request) -> Response:
        return json_response(401, {"code": "error", "message": f"Invalid token {shouted}"})

    async with _client(handler, mode) as io:
        with pytest.raises(APIError) as caught:
            await io.invoices.get(1)

    error = caught.value
    shown = [str(error), repr(error), repr(error.body), "".join(traceback.format_exception(error))]
    assert not any(shouted in text for text in shown)
    assert shouted.encode() not in pickle.dumps(error)
    assert "Invalid token REDACTED" in str(error)


async def test_a_handed_out_url_holding_the_token_is_masked_in_the_debug_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def handler(request: Request) -> Response:
        if request.authenticate:
            target = f"https://files.example.com/dl/{TOKEN}/f.xml?key={TOKEN}"
            return Response(status=302, headers={"Location": target})
        return Response(status=200, headers={"Content-Type": "application/xml"}, body=b"<x/>")

    caplog.set_level(logging.DEBUG)
    async with _client(handler, "bearer") as io:
        assert await io.invoices.download_attachment(1, "gov") == b"<x/>"

    lines = [record.getMessage() for record in caplog.records]
    assert any("files.example.com/dl/REDACTED/f.xml?key=REDACTED" in line for line in lines)
    assert not any(TOKEN in line or TOKEN.upper() in line for line in lines)
