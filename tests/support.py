"""Builders shared by the tests: canned responses, recording handlers, clients on MockTransport."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import cattrs
import pytest

from invoceanio import InvoiceOcean, RetryPolicy
from invoceanio.codecs import JsonCodec, XmlCodec
from invoceanio.codecs.registry import CodecRegistry
from invoceanio.http import Request, Response
from invoceanio.models import Invoice, structure
from invoceanio.sandbox import Sandbox
from invoceanio.transport import MockTransport

Handler = Callable[[Request], Response]


def json_response(
    status: int = 200, data: Any = None, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        status=status,
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
        body=b"" if data is None else json.dumps(data).encode(),
    )


def raw_response(status: int, body: bytes, content_type: str | None, **headers: str) -> Response:
    all_headers = dict(headers)
    if content_type is not None:
        all_headers["Content-Type"] = content_type
    return Response(status=status, headers=all_headers, body=body)


class Recorder:
    """A MockTransport handler that answers from a script and records every request."""

    def __init__(self, *answers: Response | BaseException | Handler) -> None:
        self.answers = list(answers)
        self.requests: list[Request] = []

    def __call__(self, request: Request) -> Response:
        self.requests.append(request)
        if not self.answers:
            raise AssertionError(f"unexpected request {request!r}")
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, BaseException):
            raise answer
        if isinstance(answer, Response):
            return answer
        return answer(request)


class SleepRecorder:
    """An injectable sleep that records delays and advances a fake clock instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self.now = 0.0

    async def sleep(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def make_client(
    handler: Handler,
    *,
    retry: RetryPolicy | None = None,
    sleeper: SleepRecorder | None = None,
    **options: Any,
) -> InvoiceOcean:
    """A client on MockTransport; retries sleep through ``sleeper`` (never for real)."""
    sleeper = sleeper or SleepRecorder()
    policy = retry or RetryPolicy(sleep=sleeper.sleep, clock=sleeper.clock)
    options.setdefault("prefix", "acme")
    options.setdefault("api_token", "test-token")
    return InvoiceOcean(transport=MockTransport(handler), retry=policy, **options)


def query(request: Request) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for key, value in request.params:
        result.setdefault(key, []).append(value)
    return result


def body_json(request: Request) -> Any:
    assert request.body is not None
    return json.loads(request.body)


def invoice_payload(**fields: Any) -> dict[str, Any]:
    """An invoice as the live API returns it (strings for money, as recorded in 2018 fixtures)."""
    payload: dict[str, Any] = {
        "id": 100,
        "number": "FV 1/11/2026",
        "kind": "vat",
        "income": True,
        "status": "issued",
        "issue_date": "2026-11-22",
        "sell_date": "2026-11-22",
        "payment_to": "2026-11-29",
        "paid_date": "",
        "price_net": "100.0",
        "price_gross": "123.0",
        "price_tax": "23.0",
        "currency": "PLN",
        "buyer_name": "Klient ABC",
        "buyer_company": True,
        "client_id": 7,
        "oid": None,
        "created_at": "2026-11-22T10:00:00.000+01:00",
        "positions": [
            {
                "id": 1,
                "name": "Produkt X1",
                "quantity": "1.0",
                "tax": "23",
                "price_net": "100.0",
                "total_price_gross": "123.0",
            }
        ],
    }
    payload.update(fields)
    return payload


def ids(items: Iterable[Any]) -> list[Any]:
    return [item.id for item in items]


def rejects(data: Any, cls: type[Any] = Invoice) -> str:
    """Structure ``data``, expect the converter to refuse it, and return every error text
    (cattrs' summary, each sub-exception and its notes), to look for a field name or a leak."""
    with pytest.raises((cattrs.BaseValidationError, ValueError)) as caught:
        structure(data, cls)
    error = caught.value
    texts = [str(error), repr(error)]
    if isinstance(error, cattrs.BaseValidationError):
        texts += cattrs.transform_error(error)
        for inner in error.exceptions:
            texts += [str(inner), repr(inner), *getattr(inner, "__notes__", [])]
    return "\n".join(texts)


def leaves(value: Any) -> list[Any]:
    """Every scalar inside JSON-shaped data."""
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in leaves(item)]
    return [value]


def sandbox_client(sandbox: Sandbox, **options: Any) -> InvoiceOcean:
    """A client of the embedded sandbox over the real aiohttp transport: its retries never
    sleep for real, and a stuck call fails within a timeout a test run can afford."""

    async def no_sleep(_: float) -> None:
        return None

    return InvoiceOcean(
        base_url=sandbox.url,
        api_token=sandbox.token,
        retry=RetryPolicy(sleep=no_sleep),
        timeout=10,
        **options,
    )


class NanReadingJson(JsonCodec):
    """A codec plug-in that reads NaN (the stdlib's ``json.loads`` does): the SDK's own codecs
    refuse it, yet a codec passed in with ``codecs=`` may hand one to the layers above."""

    def decode(self, body: bytes) -> Any:
        return json.loads(body)


def nan_reading_codecs() -> CodecRegistry:
    return CodecRegistry([NanReadingJson(), XmlCodec()])
