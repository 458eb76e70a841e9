"""The error middleware's catch-all, driven directly with mocked requests.

Proves an unexpected exception is logged with its traceback and answered 400, a connection
error on a live connection included, while a connection error after the client hung up (the
transport gone, or closing) is one DEBUG line without traceback, and a cancellation passes
through unlogged.
"""

from __future__ import annotations

import asyncio
import logging
from unittest import mock

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from invoceanio.sandbox.app import error_middleware

LOGGER = "invoceanio.sandbox"


def _request(connection: str) -> web.Request:
    transport = mock.Mock()
    transport.is_closing.return_value = connection == "closing"
    request = make_mocked_request("POST", "/invoices.json", transport=transport)
    if connection == "lost":
        request.protocol.transport = None
    return request


async def _run(request: web.Request, error: BaseException) -> web.StreamResponse:
    async def handler(_: web.Request) -> web.StreamResponse:
        raise error

    return await error_middleware(request, handler)


def _records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == LOGGER]


@pytest.mark.parametrize(
    "error",
    [RuntimeError("boom"), ConnectionResetError("Connection lost")],
    ids=["runtime_error", "connection_error_on_a_live_connection"],
)
async def test_an_unexpected_error_is_logged_with_its_traceback_and_answered_400(
    caplog: pytest.LogCaptureFixture, error: Exception
) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    response = await _run(_request("open"), error)
    assert response.status == 400
    [record] = _records(caplog)
    assert record.levelno == logging.ERROR
    assert record.getMessage() == "sandbox: unexpected error on POST /invoices.json"
    assert record.exc_info is not None and record.exc_info[1] is error


@pytest.mark.parametrize(
    ("connection", "error"),
    [
        ("lost", ConnectionResetError("Connection lost")),
        ("closing", aiohttp.ClientConnectionResetError("Cannot write to closing transport")),
        ("lost", BrokenPipeError(32, "Broken pipe")),
    ],
    ids=["body_read_after_hang_up", "write_to_closing_transport", "broken_pipe"],
)
async def test_a_client_that_hung_up_is_one_debug_line_without_traceback(
    caplog: pytest.LogCaptureFixture, connection: str, error: Exception
) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    response = await _run(_request(connection), error)
    assert isinstance(response, web.Response)
    assert response.status == 200 and response.body is None  # no error answer is built
    [record] = _records(caplog)
    assert (record.levelno, record.exc_info) == (logging.DEBUG, None)
    message = record.getMessage()
    assert "POST /invoices.json" in message and type(error).__name__ in message
    assert "\n" not in message


@pytest.mark.parametrize("connection", ["open", "lost"])
async def test_a_cancellation_passes_through_unlogged(
    caplog: pytest.LogCaptureFixture, connection: str
) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    with pytest.raises(asyncio.CancelledError):
        await _run(_request(connection), asyncio.CancelledError())
    assert _records(caplog) == []
