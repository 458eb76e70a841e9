"""Every error survives pickle and copy with its message and attributes.

Why: errors cross process boundaries (multiprocessing, ProcessPoolExecutor, task queues such as
Celery pickle a failed task's exception). Most of ours take keyword-only arguments, which
Exception's own reduce cannot give back: ``pickle.loads`` and ``copy.copy`` raised TypeError.
"""

from __future__ import annotations

import copy
import pickle

import pytest

from invoceanio import errors

SAMPLES: dict[str, errors.InvoiceOceanError] = {
    "base": errors.InvoiceOceanError("something"),
    "configuration": errors.ConfigurationError("bad prefix"),
    "client closed": errors.ClientClosedError("the client was closed"),
    "transport": errors.TransportError("lost", method="POST", url="/invoices.json"),
    "connect": errors.ConnectError("refused", method="GET", url="/invoices.json"),
    "timeout": errors.RequestTimeout("slow", phase="read", method="GET", url="/x.json"),
    "timeout-connect": errors.RequestTimeout("slow", phase="connect"),
    "connection-lost": errors.ConnectionLostError("reset", method="POST", url="/x.json"),
    "decode": errors.DecodeError("bad JSON", method="GET", url="/x.json", status=200),
    "too-large": errors.ResponseTooLargeError("big", method="GET", url="/x.json"),
    "pagination": errors.PaginationError("page 2 repeats", method="GET", url="/x.json"),
    "read-back": errors.ReadBackError("applied", method="PUT", url="/clients/9.json"),
    "webhook": errors.WebhookError("wrong token", reason="token"),
    "api": errors.APIError("nope", status=418, method="GET", url="/x.json", body={"a": 1}),
    "auth": errors.AuthenticationError("who", status=401, method="GET", url="/x.json"),
    "forbidden": errors.PermissionDeniedError("no", status=403, method="GET", url="/x.json"),
    "not-found": errors.NotFoundError("gone", status=404, method="GET", url="/x/1.json"),
    "validation": errors.ValidationError(
        "invalid",
        status=422,
        method="POST",
        url="/invoices.json",
        field_errors={"buyer_name": ["can't be blank"]},
    ),
    "rate-limit": errors.RateLimitError(
        "slow down", status=429, method="GET", url="/x.json", retry_after=7.0
    ),
    "server": errors.ServerError(
        "maintenance", status=503, method="GET", url="/x.json", retry_after=600.0
    ),
}


def test_every_public_error_class_is_sampled() -> None:
    classes = {getattr(errors, name) for name in errors.__all__}
    assert classes == {type(error) for error in SAMPLES.values()}


@pytest.mark.parametrize("error", SAMPLES.values(), ids=SAMPLES.keys())
@pytest.mark.parametrize(
    "clone",
    [lambda e: pickle.loads(pickle.dumps(e)), copy.copy, copy.deepcopy],
    ids=["pickle", "copy", "deepcopy"],
)
def test_an_error_survives_pickle_and_copy(error: errors.InvoiceOceanError, clone: object) -> None:
    again = clone(error)  # type: ignore[operator]

    assert type(again) is type(error)
    assert str(again) == str(error)
    assert again.args == error.args
    assert vars(again) == vars(error)


def test_derived_properties_survive_pickle() -> None:
    lost = pickle.loads(pickle.dumps(SAMPLES["connection-lost"]))
    connect = pickle.loads(pickle.dumps(SAMPLES["timeout-connect"]))

    assert lost.outcome_unknown and not connect.outcome_unknown
    assert pickle.loads(pickle.dumps(SAMPLES["server"])).retry_after == 600.0
    assert pickle.loads(pickle.dumps(SAMPLES["validation"])).field_errors == {
        "buyer_name": ["can't be blank"]
    }
