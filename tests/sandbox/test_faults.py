"""The sandbox's fault engine: validated settings, exact rates, replayable runs, a fair limiter.

Proves that FaultConfig refuses every bad setting with ConfigurationError and survives a JSON
round trip; that the same seed and calls give the same decisions (and that an unseeded run can be
replayed from the seed it reports); that each rate converges on the share of requests it names;
that the sliding-window and concurrency limits answer 429 with the right Retry-After and free up
again (on a fake clock: nothing sleeps); that drops only hit creates; that reconfiguring at run
time changes what happens next; and that the default config never injects anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
from collections import Counter
from typing import Any

import aiohttp
import attrs
import pytest

from invoceanio.errors import ConfigurationError
from invoceanio.sandbox import Sandbox
from invoceanio.sandbox.faults import (
    Decision,
    FaultConfig,
    FaultEngine,
    RateLimit,
    parse_rate_limit,
)

RATE_FIELDS = (
    "error_rate",
    "drop_before_store_rate",
    "drop_after_store_rate",
    "body_error_rate",
    "html_rate",
)

EVERYTHING = FaultConfig(
    seed=1234,
    latency_ms=20,
    latency_jitter_ms=30,
    error_rate=0.1,
    error_statuses={500: 1, 502: 2, 503: 1},
    rate_limit=RateLimit(requests=50, per_seconds=1.5, concurrent=3),
    drop_before_store_rate=0.05,
    drop_after_store_rate=0.05,
    body_error_rate=0.1,
    html_rate=0.1,
)


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def run(engine: FaultEngine, count: int, *, is_create: bool = False) -> list[Decision]:
    return [engine.decide("client", is_create=is_create) for _ in range(count)]


def mixed_calls(engine: FaultEngine, clock: FakeClock, count: int = 400) -> list[Decision]:
    """Creates and reads from three clients, the clock creeping on, client-0 holding requests
    open faster than it finishes them."""
    decisions = []
    for i in range(count):
        clock.now += 0.008
        client = f"client-{i % 3}"
        decision = engine.decide(client, is_create=i % 2 == 0)
        decisions.append(decision)
        if i % 3 == 0 and not decision.throttled:
            engine.enter(client)
        if i % 9 == 4:
            with contextlib.suppress(RuntimeError):  # nothing of client-0's in flight
                engine.leave("client-0")
    return decisions


def shares(decisions: list[Decision]) -> Counter[str | None]:
    return Counter(decision.fault for decision in decisions)


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize("field", RATE_FIELDS)
@pytest.mark.parametrize("value", [-0.01, 1.01, math.nan, math.inf, True, "0.1", None])
def test_every_rate_outside_zero_to_one_or_not_a_number_is_refused(field: str, value: Any) -> None:
    with pytest.raises(ConfigurationError, match=field):
        FaultConfig(**{field: value})


@pytest.mark.parametrize("field", RATE_FIELDS)
def test_a_rate_of_exactly_zero_or_one_is_accepted(field: str) -> None:
    one: dict[str, Any] = {field: 1}
    zero: dict[str, Any] = {field: 0.0}
    assert getattr(FaultConfig(**one), field) == 1
    assert getattr(FaultConfig(**zero), field) == 0


@pytest.mark.parametrize("field", ["latency_ms", "latency_jitter_ms"])
@pytest.mark.parametrize("value", [-1, math.inf, math.nan, False, "5"])
def test_latency_must_be_a_finite_non_negative_number(field: str, value: Any) -> None:
    with pytest.raises(ConfigurationError, match=field):
        FaultConfig(**{field: value})


@pytest.mark.parametrize("seed", [True, "42", 4.2])
def test_seed_must_be_an_int_or_none(seed: Any) -> None:
    with pytest.raises(ConfigurationError, match="seed"):
        FaultConfig(seed=seed)


def test_rates_are_exclusive_so_their_sum_may_not_exceed_one() -> None:
    with pytest.raises(ConfigurationError, match="sum"):
        FaultConfig(error_rate=0.6, html_rate=0.5)
    # 0.34 + 0.56 + 0.1 is 1.0000000000000002 in floats: still exactly "everything faults".
    assert 0.34 + 0.56 + 0.1 > 1
    config = FaultConfig(error_rate=0.34, body_error_rate=0.56, html_rate=0.1)
    assert all(d.fault is not None for d in run(FaultEngine(config), 500))


@pytest.mark.parametrize(
    "statuses",
    [
        {404: 1},
        {200: 1},
        {"500": 1},
        {500: -1},
        {500: math.nan},
        {500: 0, 503: 0},
        {},
        "500",
        [500, 503],
        None,
    ],
)
def test_error_statuses_must_be_weighted_5xx_statuses(statuses: Any) -> None:
    with pytest.raises(ConfigurationError, match="error_statuses"):
        FaultConfig(error_statuses=statuses)


async def test_an_injected_429_is_a_throttled_answer_with_retry_after() -> None:
    config = FaultConfig(seed=1, error_rate=1.0, error_statuses={429: 1})
    assert config.error_statuses == ((429, 1.0),)
    async with Sandbox(token="t", faults=config) as sandbox:
        async with (
            aiohttp.ClientSession() as session,
            session.get(
                f"{sandbox.url}/invoices.json", headers={"Authorization": "Bearer t"}
            ) as response,
        ):
            assert response.status == 429
            assert response.headers["Retry-After"] == "1"
            assert (await response.json())["code"] == "error"
        assert sandbox.faults.stats()["server_error_429"] == 1


@pytest.mark.parametrize(
    ("fields", "names"),
    [
        ({"requests": 0, "per_seconds": 60}, "requests"),
        ({"requests": 1.5, "per_seconds": 60}, "requests"),
        ({"requests": True, "per_seconds": 60}, "requests"),
        ({"requests": 10, "per_seconds": 0}, "per_seconds"),
        ({"requests": 10, "per_seconds": math.inf}, "per_seconds"),
        ({"requests": 10, "per_seconds": math.nan}, "per_seconds"),
        ({"requests": 10, "per_seconds": 60, "concurrent": 0}, "concurrent"),
    ],
)
def test_rate_limit_values_are_validated(fields: dict[str, Any], names: str) -> None:
    with pytest.raises(ConfigurationError, match=names):
        RateLimit(**fields)


def test_rate_limit_must_be_a_rate_limit_value() -> None:
    with pytest.raises(ConfigurationError, match="rate_limit"):
        FaultConfig(rate_limit="1000/60")  # type: ignore[arg-type]


def test_the_engine_refuses_anything_but_a_fault_config() -> None:
    with pytest.raises(ConfigurationError):
        FaultEngine({"error_rate": 0.5})  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        FaultEngine().reconfigure({"error_rate": 0.5})  # type: ignore[arg-type]


# --- parse_rate_limit ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1000/60", RateLimit(requests=1000, per_seconds=60.0)),
        ("1000/60,2", RateLimit(requests=1000, per_seconds=60.0, concurrent=2)),
        (" 5 / 0.5 , 1 ", RateLimit(requests=5, per_seconds=0.5, concurrent=1)),
        ("10/.25", RateLimit(requests=10, per_seconds=0.25)),
        ("1000/3600", RateLimit(requests=1000, per_seconds=3600.0)),
    ],
)
def test_parse_rate_limit_reads_n_per_s_and_optional_concurrency(
    text: str, expected: RateLimit
) -> None:
    parsed = parse_rate_limit(text)
    assert parsed == expected
    assert parse_rate_limit(str(parsed)) == parsed


def test_a_rate_limit_prints_as_the_cli_writes_it() -> None:
    assert str(RateLimit(requests=1000, per_seconds=60, concurrent=2)) == "1000/60,2"
    assert str(RateLimit(requests=3, per_seconds=0.5)) == "3/0.5"


@pytest.mark.parametrize(
    "text",
    ["", "1000", "1000/", "/60", "a/b", "1000/60,", "1000/60,2,3", "-1/60", "1000/-60", "1e3/60"],
)
def test_parse_rate_limit_refuses_other_shapes(text: str) -> None:
    with pytest.raises(ConfigurationError, match="N/S"):
        parse_rate_limit(text)


@pytest.mark.parametrize("text", ["0/60", "1000/0", "1000/60,0"])
def test_parse_rate_limit_refuses_zero_values(text: str) -> None:
    with pytest.raises(ConfigurationError, match="rate_limit"):
        parse_rate_limit(text)


# --- mappings (the admin endpoint's JSON) -------------------------------------------------------


def test_the_default_mapping_lists_every_setting() -> None:
    assert FaultConfig().to_mapping() == {
        "seed": None,
        "latency_ms": 0.0,
        "latency_jitter_ms": 0.0,
        "error_rate": 0.0,
        "error_statuses": {"500": 1.0, "502": 1.0, "503": 1.0},
        "rate_limit": None,
        "drop_before_store_rate": 0.0,
        "drop_after_store_rate": 0.0,
        "body_error_rate": 0.0,
        "html_rate": 0.0,
    }


@pytest.mark.parametrize("config", [FaultConfig(), EVERYTHING])
def test_a_config_survives_a_json_round_trip(config: FaultConfig) -> None:
    wire = json.loads(json.dumps(config.to_mapping()))
    assert FaultConfig.from_mapping(wire) == config


def test_from_mapping_changes_only_the_given_keys_of_the_base() -> None:
    changed = FaultConfig.from_mapping({"error_rate": 0.2, "seed": 9}, base=EVERYTHING)
    assert changed == attrs.evolve(EVERYTHING, error_rate=0.2, seed=9)
    # Without a base, left-out keys take the defaults.
    assert FaultConfig.from_mapping({"html_rate": 0.5}) == FaultConfig(html_rate=0.5)


def test_from_mapping_takes_a_rate_limit_string_or_null() -> None:
    config = FaultConfig.from_mapping({"rate_limit": "100/10,4"})
    assert config.rate_limit == RateLimit(requests=100, per_seconds=10, concurrent=4)
    assert FaultConfig.from_mapping({"rate_limit": None}, base=config).rate_limit is None
    partial = FaultConfig.from_mapping({"rate_limit": {"requests": 5, "per_seconds": 1}})
    assert partial.rate_limit == RateLimit(requests=5, per_seconds=1)


def test_from_mapping_reads_status_keys_written_as_strings() -> None:
    config = FaultConfig.from_mapping({"error_statuses": {"503": 3, 500: 1}})
    assert config.error_statuses == ((500, 1), (503, 3))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"error_rate": 0.1, "eror_rate": 0.2}, "'eror_rate'"),
        ({"rate_limit": {"requests": 5, "per_seconds": 1, "burst": 2}}, "'burst'"),
        ({"rate_limit": {"requests": 5}}, "per_seconds"),
        ({"rate_limit": 5}, "rate_limit"),
        ({"error_statuses": {"five hundred": 1}}, "error_statuses"),
        ({"error_statuses": [500]}, "error_statuses"),
        ({"error_rate": "0.1"}, "error_rate"),
        ({"latency_ms": -5}, "latency_ms"),
        ({"seed": "42"}, "seed"),
        ([("error_rate", 0.1)], "object"),
        (None, "object"),
    ],
)
def test_from_mapping_refuses_unknown_keys_and_bad_values(data: Any, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        FaultConfig.from_mapping(data)


# --- determinism --------------------------------------------------------------------------------


def test_the_same_seed_and_calls_give_the_same_decisions() -> None:
    first_clock, second_clock, other_clock = FakeClock(), FakeClock(), FakeClock()
    first = mixed_calls(FaultEngine(EVERYTHING, clock=first_clock), first_clock)
    second = mixed_calls(FaultEngine(EVERYTHING, clock=second_clock), second_clock)
    other_seed = attrs.evolve(EVERYTHING, seed=4321)
    other = mixed_calls(FaultEngine(other_seed, clock=other_clock), other_clock)

    assert first == second
    assert other != first
    # The run exercised every kind of fault, so the comparison means something.
    assert set(shares(first)) == {
        None,
        "throttled_window",
        "throttled_concurrent",
        "server_error",
        "drop_before_store",
        "drop_after_store",
        "body_error",
        "html",
    }


def test_an_unseeded_engine_reports_a_seed_that_replays_its_run() -> None:
    config = attrs.evolve(EVERYTHING, seed=None)
    clock, replay_clock = FakeClock(), FakeClock()
    unseeded = FaultEngine(config, clock=clock)
    decisions = mixed_calls(unseeded, clock)

    replay = FaultEngine(attrs.evolve(config, seed=unseeded.seed), clock=replay_clock)
    assert mixed_calls(replay, replay_clock) == decisions
    assert FaultEngine(config).seed != unseeded.seed


def test_the_nth_request_meets_the_same_fate_whatever_the_latency_and_rate_limit() -> None:
    plain = FaultConfig(seed=5, error_rate=0.2, body_error_rate=0.1, html_rate=0.1)
    slow = attrs.evolve(plain, latency_ms=100, latency_jitter_ms=50)
    limited = attrs.evolve(plain, rate_limit=RateLimit(requests=1, per_seconds=60))

    fates = [d.fault for d in run(FaultEngine(plain), 300)]
    assert [d.fault for d in run(FaultEngine(slow), 300)] == fates
    # Throttled or not, each request used up its draws: the stream is 300 requests on.
    limited_engine = FaultEngine(limited, clock=FakeClock())
    assert all(d.throttled for d in run(limited_engine, 300)[1:])
    limited_engine.reconfigure(attrs.evolve(plain, seed=None))
    next_fates = [d.fault for d in run(limited_engine, 300)]
    assert next_fates == [d.fault for d in run(FaultEngine(plain), 600)[300:]]


# --- rates --------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_error_rate_converges_on_its_share_of_requests(seed: int) -> None:
    engine = FaultEngine(FaultConfig(seed=seed, error_rate=0.1))
    decisions = run(engine, 10_000)
    errors = [d for d in decisions if d.fault == "server_error"]

    assert len(errors) / 10_000 == pytest.approx(0.1, abs=0.01)
    assert all(d.status in {500, 502, 503} and d.retry_after is None for d in errors)
    # The default weights split the errors evenly over 500, 502 and 503.
    by_status = Counter(d.status for d in errors)
    for status in (500, 502, 503):
        assert by_status[status] / len(errors) == pytest.approx(1 / 3, abs=0.05)
    assert all(d.status is None for d in decisions if d.fault is None)


def test_error_statuses_split_the_errors_by_weight() -> None:
    config = FaultConfig(seed=8, error_rate=1, error_statuses={500: 1, 502: 0, 503: 3})
    by_status = Counter(d.status for d in run(FaultEngine(config), 8000))
    assert by_status[502] == 0
    assert by_status[500] / 8000 == pytest.approx(0.25, abs=0.02)
    assert by_status[503] / 8000 == pytest.approx(0.75, abs=0.02)


def test_every_rate_is_the_share_of_eligible_requests_with_that_fault() -> None:
    config = FaultConfig(
        seed=21,
        error_rate=0.1,
        drop_before_store_rate=0.15,
        drop_after_store_rate=0.05,
        body_error_rate=0.2,
        html_rate=0.1,
    )
    creates = shares(run(FaultEngine(config), 20_000, is_create=True))
    reads = shares(run(FaultEngine(config), 20_000, is_create=False))

    for fault, rate in [
        ("server_error", 0.1),
        ("drop_before_store", 0.15),
        ("drop_after_store", 0.05),
        ("body_error", 0.2),
        ("html", 0.1),
    ]:
        assert creates[fault] / 20_000 == pytest.approx(rate, abs=0.01), fault
    for fault, rate in [("server_error", 0.1), ("body_error", 0.2), ("html", 0.1)]:
        assert reads[fault] / 20_000 == pytest.approx(rate, abs=0.01), fault
    assert reads["drop_before_store"] == reads["drop_after_store"] == 0
    assert reads[None] / 20_000 == pytest.approx(0.6, abs=0.01)


def test_latency_is_fixed_plus_uniform_jitter_in_seconds() -> None:
    fixed = run(FaultEngine(FaultConfig(seed=1, latency_ms=250)), 100)
    assert {d.delay for d in fixed} == {0.25}
    assert all(d.fault is None for d in fixed)

    jittered = [
        d.delay for d in run(FaultEngine(FaultConfig(latency_ms=100, latency_jitter_ms=50)), 5000)
    ]
    assert min(jittered) >= 0.1 and max(jittered) <= 0.15
    assert sum(jittered) / len(jittered) == pytest.approx(0.125, abs=0.002)
    assert max(jittered) - min(jittered) > 0.045


def test_stats_count_every_injected_fault() -> None:
    clock = FakeClock()
    engine = FaultEngine(EVERYTHING, clock=clock)
    decisions = mixed_calls(engine, clock)
    stats = engine.stats()
    counted = shares(decisions)

    assert stats["requests"] == len(decisions)
    assert stats["delayed"] == len(decisions)
    for fault in [
        "throttled_window",
        "throttled_concurrent",
        "server_error",
        "drop_before_store",
        "drop_after_store",
        "body_error",
        "html",
    ]:
        assert stats[fault] == counted[fault] > 0, fault
    by_status = Counter(d.status for d in decisions if d.fault == "server_error")
    assert {key: value for key, value in stats.items() if key.startswith("server_error_")} == {
        f"server_error_{status}": count for status, count in by_status.items()
    }


# --- rate limit ---------------------------------------------------------------------------------


def test_the_window_admits_n_then_answers_429_until_the_oldest_request_leaves_it() -> None:
    clock = FakeClock(0.0)
    engine = FaultEngine(FaultConfig(rate_limit=RateLimit(requests=3, per_seconds=10)), clock=clock)

    for second in (0.0, 1.0, 2.0):
        clock.now = second
        assert engine.decide("ip") == Decision()
    clock.now = 2.5
    refused = engine.decide("ip")
    assert refused == Decision(fault="throttled_window", status=429, retry_after=8)
    assert refused.throttled
    clock.now = 9.5
    assert engine.decide("ip").retry_after == 1  # 0.5 s left, rounded up to a whole second

    clock.now = 10.0  # the request made at 0.0 has left the sliding window
    assert engine.decide("ip") == Decision()
    clock.now = 10.2  # the next slot frees at 11.0
    assert engine.decide("ip").retry_after == 1
    clock.now = 11.0
    assert not engine.decide("ip").throttled


def test_waiting_retry_after_seconds_always_gets_the_request_in() -> None:
    clock = FakeClock(0.0)
    limit = RateLimit(requests=4, per_seconds=2.5)
    engine = FaultEngine(FaultConfig(seed=3, rate_limit=limit), clock=clock)
    admitted: list[float] = []
    for _ in range(400):
        clock.now += 0.37
        decision = engine.decide("ip")
        if decision.throttled:
            assert decision.retry_after is not None and decision.retry_after >= 1
            clock.now += decision.retry_after
            assert not engine.decide("ip").throttled, clock.now
            admitted.append(clock.now)
        else:
            admitted.append(clock.now)
    # Never more than 4 admitted in any 2.5 s.
    for index in range(4, len(admitted)):
        assert admitted[index] - admitted[index - 4] >= 2.5


def test_retry_after_is_at_least_one_second_for_a_short_window() -> None:
    clock = FakeClock(0.0)
    engine = FaultEngine(FaultConfig(rate_limit=parse_rate_limit("1/0.25")), clock=clock)
    assert not engine.decide("ip").throttled
    clock.now = 0.1
    assert engine.decide("ip").retry_after == 1
    clock.now = 0.25
    assert not engine.decide("ip").throttled


def test_throttled_requests_do_not_use_up_the_window() -> None:
    clock = FakeClock(0.0)
    engine = FaultEngine(FaultConfig(rate_limit=RateLimit(requests=2, per_seconds=60)), clock=clock)
    assert [engine.decide("ip").throttled for _ in range(2)] == [False, False]
    for second in range(1, 60):
        clock.now = second
        assert engine.decide("ip").throttled
    clock.now = 60
    assert [engine.decide("ip").throttled for _ in range(3)] == [False, False, True]


def test_each_client_has_its_own_window_and_concurrency() -> None:
    limit = RateLimit(requests=1, per_seconds=60, concurrent=1)
    engine = FaultEngine(FaultConfig(rate_limit=limit), clock=FakeClock())
    with engine.admit("10.0.0.1") as first:
        assert not first.throttled
        with engine.admit("10.0.0.2") as other:
            assert not other.throttled
        assert engine.decide("10.0.0.1").throttled


def test_the_limiter_answers_before_any_random_fault() -> None:
    config = FaultConfig(error_rate=1, rate_limit=RateLimit(requests=1, per_seconds=60))
    engine = FaultEngine(config, clock=FakeClock())
    assert engine.decide("ip").status in {500, 502, 503}
    assert engine.decide("ip") == Decision(fault="throttled_window", status=429, retry_after=60)


def test_a_throttled_answer_still_pays_the_latency() -> None:
    config = FaultConfig(latency_ms=40, rate_limit=RateLimit(requests=1, per_seconds=60))
    engine = FaultEngine(config, clock=FakeClock())
    assert [d.delay for d in run(engine, 2)] == [0.04, 0.04]


# --- concurrency --------------------------------------------------------------------------------


def test_over_the_concurrent_limit_the_answer_is_429_retry_after_one_second() -> None:
    limit = RateLimit(requests=1000, per_seconds=60, concurrent=2)
    engine = FaultEngine(FaultConfig(rate_limit=limit), clock=FakeClock())

    with engine.admit("ip") as first, engine.admit("ip") as second:
        assert not first.throttled and not second.throttled
        with engine.admit("ip") as third:
            assert third == Decision(fault="throttled_concurrent", status=429, retry_after=1)
        # The refused request never counted as in flight.
        assert engine.decide("ip").fault == "throttled_concurrent"
    with engine.admit("ip") as after:
        assert not after.throttled


def test_enter_and_leave_count_requests_in_flight() -> None:
    limit = RateLimit(requests=1000, per_seconds=60, concurrent=1)
    engine = FaultEngine(FaultConfig(rate_limit=limit), clock=FakeClock())

    assert not engine.decide("ip").throttled  # deciding alone does not occupy a slot
    assert not engine.decide("ip").throttled
    engine.enter("ip")
    assert engine.decide("ip").throttled
    engine.leave("ip")
    assert not engine.decide("ip").throttled
    with pytest.raises(RuntimeError, match="without a matching enter"):
        engine.leave("ip")


def test_admit_frees_the_slot_when_the_handler_fails() -> None:
    limit = RateLimit(requests=1000, per_seconds=60, concurrent=1)
    engine = FaultEngine(FaultConfig(rate_limit=limit), clock=FakeClock())
    with pytest.raises(ZeroDivisionError), engine.admit("ip"):
        _ = 1 / 0
    assert not engine.decide("ip").throttled


def test_requests_refused_for_concurrency_do_not_use_up_the_window() -> None:
    limit = RateLimit(requests=2, per_seconds=60, concurrent=1)
    engine = FaultEngine(FaultConfig(rate_limit=limit), clock=FakeClock())
    with engine.admit("ip"):
        assert all(engine.decide("ip").fault == "throttled_concurrent" for _ in range(5))
    with engine.admit("ip") as second:
        assert not second.throttled
    assert engine.decide("ip").fault == "throttled_window"


async def test_admit_limits_concurrent_async_handlers() -> None:
    limit = RateLimit(requests=100, per_seconds=60, concurrent=2)
    engine = FaultEngine(FaultConfig(rate_limit=limit), clock=FakeClock())
    release = asyncio.Event()
    answers: list[int] = []

    async def handler() -> None:
        with engine.admit("ip") as decision:
            if decision.throttled:
                answers.append(429)
                return
            await release.wait()
            answers.append(200)

    tasks = [asyncio.create_task(handler()) for _ in range(5)]
    await asyncio.sleep(0)
    assert answers == [429, 429, 429]
    release.set()
    await asyncio.gather(*tasks)
    assert sorted(answers) == [200, 200, 429, 429, 429]
    await handler()
    assert answers[-1] == 200


# --- drops, body errors, HTML -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "point"),
    [("drop_before_store_rate", "before_store"), ("drop_after_store_rate", "after_store")],
)
def test_connection_drops_only_hit_creates(field: str, point: str) -> None:
    always: dict[str, Any] = {field: 1}
    engine = FaultEngine(FaultConfig(seed=2, **always))
    for decision in run(engine, 100, is_create=True):
        assert decision.drop == point
        assert decision.status is None and not decision.body_error and not decision.html
    assert run(engine, 100, is_create=False) == [Decision()] * 100


def test_both_drops_share_the_creates_by_their_rates() -> None:
    config = FaultConfig(seed=4, drop_before_store_rate=0.5, drop_after_store_rate=0.5)
    drops = Counter(d.drop for d in run(FaultEngine(config), 4000, is_create=True))
    assert drops[None] == 0
    assert drops["before_store"] / 4000 == pytest.approx(0.5, abs=0.03)


@pytest.mark.parametrize("is_create", [True, False])
def test_body_errors_and_html_pages_hit_any_request(is_create: bool) -> None:
    body_errors = run(FaultEngine(FaultConfig(body_error_rate=1)), 50, is_create=is_create)
    assert all(d.body_error and not d.html and d.status is None for d in body_errors)
    pages = run(FaultEngine(FaultConfig(html_rate=1)), 50, is_create=is_create)
    assert all(d.html and not d.body_error and d.drop is None for d in pages)


# --- run-time reconfiguration -------------------------------------------------------------------


def test_reconfigure_changes_what_happens_next() -> None:
    engine = FaultEngine(FaultConfig(seed=1), clock=FakeClock())
    assert run(engine, 20) == [Decision()] * 20

    engine.reconfigure(FaultConfig(seed=1, error_rate=1, error_statuses={502: 1}))
    assert {d.status for d in run(engine, 20)} == {502}

    engine.reconfigure(FaultConfig(seed=1, rate_limit=RateLimit(requests=1, per_seconds=5)))
    assert [d.status for d in run(engine, 2)] == [None, 429]

    engine.reconfigure(FaultConfig())
    assert run(engine, 20) == [Decision()] * 20
    assert engine.config == FaultConfig()


def test_a_reseeded_engine_decides_like_a_fresh_one() -> None:
    engine = FaultEngine(EVERYTHING, clock=FakeClock())
    run(engine, 123)
    settings = attrs.evolve(EVERYTHING, seed=77, rate_limit=None)
    engine.reconfigure(settings)
    assert engine.seed == 77
    assert run(engine, 500, is_create=True) == run(FaultEngine(settings), 500, is_create=True)


def test_reconfigure_without_a_seed_carries_the_random_stream_on() -> None:
    config = FaultConfig(seed=5, error_rate=0.3, html_rate=0.2)
    engine = FaultEngine(config)
    first = run(engine, 100)
    engine.reconfigure(attrs.evolve(config, seed=None))
    assert engine.seed == 5
    assert first + run(engine, 100) == run(FaultEngine(config), 200)


def test_reconfigure_keeps_requests_in_flight_and_the_window_history() -> None:
    clock = FakeClock(0.0)
    engine = FaultEngine(FaultConfig(), clock=clock)
    engine.enter("ip")
    engine.enter("ip")
    engine.reconfigure(FaultConfig(rate_limit=RateLimit(requests=10, per_seconds=10, concurrent=2)))
    assert engine.decide("ip").fault == "throttled_concurrent"
    engine.leave("ip")
    engine.leave("ip")

    for second in range(5):  # five requests at 0..4 s
        clock.now = second
        assert not engine.decide("ip").throttled
    clock.now = 4.5
    engine.reconfigure(FaultConfig(rate_limit=RateLimit(requests=2, per_seconds=10)))
    # Two slots: one frees once the requests of 0..3 s have left, at 13 s.
    assert engine.decide("ip") == Decision(fault="throttled_window", status=429, retry_after=9)
    clock.now = 13.0
    assert not engine.decide("ip").throttled


def test_reconfigure_keeps_the_counters_until_reset() -> None:
    engine = FaultEngine(FaultConfig(seed=3, html_rate=1))
    run(engine, 4)
    engine.reconfigure(FaultConfig(seed=3, body_error_rate=1))
    run(engine, 2)
    stats = engine.stats()
    assert (stats["requests"], stats["html"], stats["body_error"]) == (6, 4, 2)
    engine.reset_stats()
    assert set(engine.stats().values()) == {0}


# --- the default ---------------------------------------------------------------------------------


def test_the_default_config_never_injects_anything() -> None:
    clock = FakeClock()
    engine = FaultEngine(clock=clock)
    decisions = mixed_calls(engine, clock, count=2000)
    assert decisions == [Decision()] * 2000
    stats = engine.stats()
    assert stats.pop("requests") == 2000
    assert set(stats.values()) == {0}
