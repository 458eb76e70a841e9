"""Fault injection for the sandbox server: what goes wrong with each request, decided from a seed.

No I/O here. The sandbox app asks the :class:`FaultEngine` about every request and acts on the
:class:`Decision` it gets back (sleep ``delay``, answer ``status`` with ``Retry-After``, drop the
connection before or after storing a create, answer 200 with an error body or an HTML login page).

Rules that make a run reproducible and the rates exact:

* Every :meth:`FaultEngine.decide` call draws exactly three numbers from ``random.Random(seed)``
  (latency jitter, which fault, which 5xx status), throttled or not. So the *n*-th request meets
  the same random fate whatever the clock, the rate limit or the latency settings were.
* The random faults are mutually exclusive: one draw falls into consecutive slices of width
  ``error_rate``, ``drop_before_store_rate``, ``drop_after_store_rate``, ``body_error_rate`` and
  ``html_rate`` (their sum must not exceed 1). Each rate is therefore exactly the share of
  requests that get that fault. The two drop slices only apply to creates; for any other request
  they mean "no fault".
* The rate limit is checked before the random faults and uses no randomness: first concurrency
  (requests in flight for the client, counted by :meth:`~FaultEngine.enter`/:meth:`~FaultEngine.
  leave`), then a **sliding window** of ``requests`` per ``per_seconds`` per client. Throttled
  requests do not count against the window. ``Retry-After`` is the whole seconds until the oldest
  request in the window leaves it, rounded up, at least 1; over the concurrency limit it is 1
  (nobody can know when a request in flight finishes).
* ``latency_ms + U(0, latency_jitter_ms)`` applies to every answer, throttled ones included.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
import re
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Final, Literal

import attrs

from invoceanio.errors import ConfigurationError

__all__ = [
    "Decision",
    "FaultConfig",
    "FaultEngine",
    "FaultKind",
    "RateLimit",
    "parse_rate_limit",
]

FaultKind = Literal[
    "throttled_window",
    "throttled_concurrent",
    "server_error",
    "drop_before_store",
    "drop_after_store",
    "body_error",
    "html",
]
DropPoint = Literal["before_store", "after_store"]

_DEFAULT_STATUSES: Final = ((500, 1.0), (502, 1.0), (503, 1.0))
# Float sums such as 0.34 + 0.56 + 0.1 land a hair above 1.
_RATE_SUM_SLACK: Final = 1e-9
_RATE_LIMIT_SPEC = re.compile(
    r"\s*(?P<requests>\d+)\s*/\s*(?P<per>\d+(?:\.\d*)?|\.\d+)\s*(?:,\s*(?P<concurrent>\d+)\s*)?"
)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _rate(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    # "not 0 <= value <= 1" also refuses NaN, which would silently switch the fault off.
    if not _is_number(value) or not 0 <= value <= 1:
        raise ConfigurationError(f"{attribute.name} must be a number from 0 to 1, not {value!r}")


def _milliseconds(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not _is_number(value) or not 0 <= value < math.inf:
        raise ConfigurationError(f"{attribute.name} must be a finite number >= 0, not {value!r}")


def _seed(_: object, attribute: attrs.Attribute[int | None], value: int | None) -> None:
    if value is not None and not _is_int(value):
        raise ConfigurationError(f"seed must be an int or None, not {value!r}")


def _positive_int(name: str, value: object) -> None:
    if not (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
        raise ConfigurationError(f"{name} must be an int of at least 1, not {value!r}")


def _status_weights(
    value: Mapping[int, float] | Iterable[tuple[int, float]],
) -> tuple[tuple[int, float], ...]:
    """``{500: 1, 503: 2}`` (or the pairs themselves) as sorted, validated pairs."""
    if isinstance(value, str | bytes) or not isinstance(value, Mapping | Iterable):
        raise ConfigurationError(f"error_statuses must map statuses to weights, not {value!r}")
    try:
        pairs = dict(value)
    except (TypeError, ValueError):
        raise ConfigurationError(
            f"error_statuses must map statuses to weights, not {value!r}"
        ) from None
    for status, weight in pairs.items():
        if not _is_int(status) or not (500 <= status <= 599 or status == 429):
            raise ConfigurationError(f"error_statuses: {status!r} is not a 5xx status or 429")
        if not _is_number(weight) or not 0 <= weight < math.inf:
            raise ConfigurationError(f"error_statuses: weight of {status} must be a number >= 0")
    if not sum(pairs.values()) > 0:
        raise ConfigurationError("error_statuses needs at least one status with a weight above 0")
    return tuple(sorted(pairs.items()))


@attrs.frozen(kw_only=True)
class RateLimit:
    """At most ``requests`` per sliding ``per_seconds`` window, and ``concurrent`` in flight,
    per client. Written ``"1000/60,2"`` on the command line (see :func:`parse_rate_limit`)."""

    requests: int
    per_seconds: float
    concurrent: int | None = None

    def __attrs_post_init__(self) -> None:
        _positive_int("rate_limit.requests", self.requests)
        if not _is_number(self.per_seconds) or not 0 < self.per_seconds < math.inf:
            raise ConfigurationError(
                f"rate_limit.per_seconds must be a finite number > 0, not {self.per_seconds!r}"
            )
        if self.concurrent is not None:
            _positive_int("rate_limit.concurrent", self.concurrent)

    def __str__(self) -> str:
        text = f"{self.requests}/{self.per_seconds:g}"
        return text if self.concurrent is None else f"{text},{self.concurrent}"

    def to_mapping(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "per_seconds": self.per_seconds,
            "concurrent": self.concurrent,
        }

    @classmethod
    def from_mapping(cls, data: object) -> RateLimit:
        """From ``{"requests", "per_seconds", "concurrent"?}`` or a ``"N/S[,C]"`` string."""
        if isinstance(data, str):
            return parse_rate_limit(data)
        if not isinstance(data, Mapping):
            raise ConfigurationError(f"rate_limit must be an object or 'N/S[,C]', not {data!r}")
        _refuse_unknown(data, ("requests", "per_seconds", "concurrent"), "rate_limit")
        missing = [key for key in ("requests", "per_seconds") if key not in data]
        if missing:
            raise ConfigurationError(f"rate_limit needs {', '.join(missing)}")
        return cls(
            requests=data["requests"],
            per_seconds=data["per_seconds"],
            concurrent=data.get("concurrent"),
        )


def parse_rate_limit(text: str) -> RateLimit:
    """Parse the CLI's ``--rate-limit``: ``"N/S"`` is N requests per S seconds (sliding window),
    ``"N/S,C"`` adds at most C concurrent requests. ``"1000/60,2"``; S may be fractional."""
    match = _RATE_LIMIT_SPEC.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ConfigurationError(
            f"rate limit {text!r} is not N/S or N/S,C (e.g. '1000/60' or '1000/60,2')"
        )
    concurrent = match["concurrent"]
    return RateLimit(
        requests=int(match["requests"]),
        per_seconds=float(match["per"]),
        concurrent=int(concurrent) if concurrent is not None else None,
    )


def _refuse_unknown(data: Mapping[Any, Any], known: Iterable[str], where: str) -> None:
    unknown = sorted(map(repr, set(data) - set(known)))
    if unknown:
        raise ConfigurationError(f"unknown {where} setting(s): {', '.join(unknown)}")


@attrs.frozen(kw_only=True)
class FaultConfig:
    """What the sandbox injects. The default injects nothing.

    ``seed=None`` lets the engine pick a seed (reported as :attr:`FaultEngine.seed`, so the run
    can be replayed). Rates are probabilities per request in [0, 1] and must sum to at most 1
    (the faults are mutually exclusive). ``error_rate`` is split over ``error_statuses`` by
    weight; besides 5xx statuses it may hold 429, a random throttled answer (with
    ``Retry-After: 1``) apart from the rate limit's. The drop rates only apply to creates.
    """

    seed: int | None = attrs.field(default=None, validator=_seed)
    latency_ms: float = attrs.field(default=0.0, validator=_milliseconds)
    latency_jitter_ms: float = attrs.field(default=0.0, validator=_milliseconds)
    error_rate: float = attrs.field(default=0.0, validator=_rate)
    error_statuses: tuple[tuple[int, float], ...] = attrs.field(
        default=_DEFAULT_STATUSES, converter=_status_weights
    )
    rate_limit: RateLimit | None = attrs.field(default=None)
    drop_before_store_rate: float = attrs.field(default=0.0, validator=_rate)
    drop_after_store_rate: float = attrs.field(default=0.0, validator=_rate)
    body_error_rate: float = attrs.field(default=0.0, validator=_rate)
    html_rate: float = attrs.field(default=0.0, validator=_rate)

    @rate_limit.validator
    def _check_rate_limit(self, _: attrs.Attribute[RateLimit | None], value: object) -> None:
        if value is not None and not isinstance(value, RateLimit):
            raise ConfigurationError(f"rate_limit must be a RateLimit or None, not {value!r}")

    def __attrs_post_init__(self) -> None:
        total = sum(rate for _, rate in self._slices())
        if total > 1 + _RATE_SUM_SLACK:
            raise ConfigurationError(
                f"the fault rates sum to {total:g}; they are exclusive and may sum to at most 1"
            )

    def _slices(self) -> tuple[tuple[FaultKind, float], ...]:
        # The order is part of the replay contract: changing it changes every seeded run.
        return (
            ("server_error", self.error_rate),
            ("drop_before_store", self.drop_before_store_rate),
            ("drop_after_store", self.drop_after_store_rate),
            ("body_error", self.body_error_rate),
            ("html", self.html_rate),
        )

    def to_mapping(self) -> dict[str, Any]:
        """JSON-ready settings (status keys as strings), as the admin endpoint shows them."""
        return {
            "seed": self.seed,
            "latency_ms": self.latency_ms,
            "latency_jitter_ms": self.latency_jitter_ms,
            "error_rate": self.error_rate,
            "error_statuses": {str(status): weight for status, weight in self.error_statuses},
            "rate_limit": self.rate_limit.to_mapping() if self.rate_limit else None,
            "drop_before_store_rate": self.drop_before_store_rate,
            "drop_after_store_rate": self.drop_after_store_rate,
            "body_error_rate": self.body_error_rate,
            "html_rate": self.html_rate,
        }

    @classmethod
    def from_mapping(cls, data: object, *, base: FaultConfig | None = None) -> FaultConfig:
        """Settings from decoded JSON. Keys left out keep their value in ``base`` (the defaults
        when no base is given), so the admin endpoint can change one setting at a time.

        ``error_statuses`` keys may be strings (``{"503": 1}``); ``rate_limit`` may be an
        object, a ``"N/S[,C]"`` string or null. Unknown keys raise ConfigurationError.
        """
        if not isinstance(data, Mapping):
            raise ConfigurationError(f"fault settings must be an object, not {data!r}")
        _refuse_unknown(data, _CONFIG_KEYS, "fault")
        changes: dict[str, Any] = dict(data)
        if "error_statuses" in changes:
            changes["error_statuses"] = _statuses_from_json(changes["error_statuses"])
        if changes.get("rate_limit") is not None:
            changes["rate_limit"] = RateLimit.from_mapping(changes["rate_limit"])
        return attrs.evolve(base if base is not None else cls(), **changes)


_CONFIG_KEYS: Final = frozenset(field.name for field in attrs.fields(FaultConfig))


def _statuses_from_json(value: object) -> dict[int, object]:
    if not isinstance(value, Mapping):
        raise ConfigurationError(f"error_statuses must map statuses to weights, not {value!r}")
    statuses: dict[int, object] = {}
    for key, weight in value.items():
        if isinstance(key, str) and key.strip().isdigit():
            key = int(key)
        if not _is_int(key):
            raise ConfigurationError(f"error_statuses: {key!r} is not a 5xx status or 429")
        statuses[key] = weight
    return statuses


@attrs.frozen(kw_only=True)
class Decision:
    """What happens to one request.

    Sleep ``delay`` seconds first, whatever else happens. Then, by ``fault``:

    * ``None``: handle the request normally.
    * ``"throttled_window"`` / ``"throttled_concurrent"``: answer ``status`` 429 with
      ``Retry-After: retry_after``; do not handle it.
    * ``"server_error"``: answer ``status`` (a 5xx); do not handle it.
    * ``"drop_before_store"``: close the connection without answering or storing.
    * ``"drop_after_store"``: store the create, then close without answering (the ambiguous one).
    * ``"body_error"``: answer 200 with a ``{"code": "error", ...}`` body; do not handle it.
    * ``"html"``: answer 200 with an HTML login page; do not handle it.
    """

    delay: float = 0.0
    fault: FaultKind | None = None
    status: int | None = None
    retry_after: int | None = None

    @property
    def throttled(self) -> bool:
        return self.status == 429

    @property
    def drop(self) -> DropPoint | None:
        if self.fault == "drop_before_store":
            return "before_store"
        if self.fault == "drop_after_store":
            return "after_store"
        return None

    @property
    def body_error(self) -> bool:
        return self.fault == "body_error"

    @property
    def html(self) -> bool:
        return self.fault == "html"


_COUNTERS: Final[tuple[str, ...]] = (
    "requests",
    "delayed",
    "throttled_window",
    "throttled_concurrent",
    "server_error",
    "drop_before_store",
    "drop_after_store",
    "body_error",
    "html",
)


class FaultEngine:
    """Decides each request's fate from :class:`FaultConfig` and a seeded random stream.

    Thread-safe (one lock), so the Python API may reconfigure a server running in another
    thread. The app wraps each request in :meth:`admit`, or calls :meth:`decide` and then
    :meth:`enter`/:meth:`leave` around the handling of a request that was not throttled.
    """

    def __init__(
        self, config: FaultConfig | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        config = FaultConfig() if config is None else _checked(config)
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[str, deque[float]] = {}
        self._in_flight: Counter[str] = Counter()
        self._counts: Counter[str] = Counter()
        self._config = config
        # An unseeded engine still has a seed, reported so that the run can be replayed.
        self._seed = config.seed if config.seed is not None else _fresh_seed()
        self._rng = random.Random(self._seed)

    @property
    def config(self) -> FaultConfig:
        return self._config

    @property
    def seed(self) -> int:
        """The seed in effect: ``config.seed``, or the one picked when it was None."""
        return self._seed

    def reconfigure(self, config: FaultConfig) -> None:
        """Switch to ``config`` at run time.

        When ``config.seed`` is set the random stream restarts from it, so the engine then
        decides exactly like a fresh engine built with ``config``. With ``seed=None`` the
        current stream carries on (a brand-new engine picks a random seed instead).
        Rate-limit history, requests in flight and the counters are kept.
        """
        config = _checked(config)
        with self._lock:
            if config.seed is not None:
                self._seed = config.seed
                self._rng = random.Random(config.seed)
            self._config = config

    def decide(self, client_key: str, *, is_create: bool = False) -> Decision:
        """The fate of the next request from ``client_key``. ``is_create`` enables the drops.

        A request the rate limit admits is recorded in the client's window; it is *not*
        counted in flight until :meth:`enter` (use :meth:`admit` to get both).
        """
        with self._lock:
            return self._decide(client_key, is_create=is_create)

    def enter(self, client_key: str) -> None:
        """Count a request from ``client_key`` as in flight (after a decision that admitted it)."""
        with self._lock:
            self._in_flight[client_key] += 1

    def leave(self, client_key: str) -> None:
        """The request counted by :meth:`enter` has been answered (or dropped)."""
        with self._lock:
            if self._in_flight[client_key] <= 0:
                raise RuntimeError(f"leave({client_key!r}) without a matching enter()")
            self._in_flight[client_key] -= 1
            if not self._in_flight[client_key]:
                del self._in_flight[client_key]

    @contextmanager
    def admit(self, client_key: str, *, is_create: bool = False) -> Iterator[Decision]:
        """Decide, and keep an admitted request counted in flight until the block ends.

        A plain ``with`` works in async handlers too: ``with engine.admit(ip) as decision:
        await asyncio.sleep(decision.delay); ...``.
        """
        with self._lock:
            decision = self._decide(client_key, is_create=is_create)
            if not decision.throttled:
                self._in_flight[client_key] += 1
        try:
            yield decision
        finally:
            if not decision.throttled:
                self.leave(client_key)

    def stats(self) -> dict[str, int]:
        """How many requests were decided and how many of each fault was injected.

        Keys, always present: ``requests``, ``delayed``, ``throttled_window``,
        ``throttled_concurrent``, ``server_error``, ``drop_before_store``, ``drop_after_store``,
        ``body_error``, ``html``; plus ``server_error_<status>`` for each status injected.
        """
        with self._lock:
            stats = dict.fromkeys(_COUNTERS, 0)
            stats.update(self._counts)
            return stats

    def reset_stats(self) -> None:
        with self._lock:
            self._counts.clear()

    def reset(self) -> None:
        """Start over as the engine did, with the config in effect: the counters, the rate-limit
        history and the random stream (from the seed in effect) too, so that what one test
        did (a window of requests used, draws taken) decides nothing in the next. Requests in
        flight stay counted until they end: they are still being answered."""
        with self._lock:
            self._counts.clear()
            self._windows.clear()
            self._rng = random.Random(self._seed)

    def _decide(self, client_key: str, *, is_create: bool) -> Decision:
        config = self._config
        # Always three draws, in this order: see the module docstring.
        jitter_draw = self._rng.random()
        fault_draw = self._rng.random()
        status_draw = self._rng.random()

        delay = (config.latency_ms + jitter_draw * config.latency_jitter_ms) / 1000.0
        self._counts["requests"] += 1
        if delay > 0:
            self._counts["delayed"] += 1

        throttled = self._throttle(client_key, config.rate_limit)
        if throttled is not None:
            fault, retry_after = throttled
            self._counts[fault] += 1
            return Decision(delay=delay, fault=fault, status=429, retry_after=retry_after)

        picked = _pick_fault(config, fault_draw, is_create=is_create)
        if picked is None:
            return Decision(delay=delay)
        self._counts[picked] += 1
        if picked != "server_error":
            return Decision(delay=delay, fault=picked)
        status = _pick_status(config.error_statuses, status_draw)
        self._counts[f"server_error_{status}"] += 1
        return Decision(delay=delay, fault=picked, status=status)

    def _throttle(self, client_key: str, limit: RateLimit | None) -> tuple[FaultKind, int] | None:
        if limit is None:
            return None
        if limit.concurrent is not None and self._in_flight[client_key] >= limit.concurrent:
            return "throttled_concurrent", 1
        now = self._clock()
        window = self._windows.setdefault(client_key, deque())
        # Sliding window (now - per_seconds, now]: a request exactly per_seconds old has left.
        while window and window[0] <= now - limit.per_seconds:
            window.popleft()
        if len(window) >= limit.requests:
            # After a reconfigure to a smaller limit the window may hold more than `requests`:
            # a slot frees when all but requests - 1 of them have left.
            frees_at = window[len(window) - limit.requests] + limit.per_seconds
            return "throttled_window", max(1, math.ceil(frees_at - now - _RATE_SUM_SLACK))
        window.append(now)
        return None


def _checked(config: object) -> FaultConfig:
    if not isinstance(config, FaultConfig):
        raise ConfigurationError(f"expected a FaultConfig, not {config!r}")
    return config


def _fresh_seed() -> int:
    return random.SystemRandom().getrandbits(63)


def _pick_fault(config: FaultConfig, draw: float, *, is_create: bool) -> FaultKind | None:
    edge = 0.0
    for fault, rate in config._slices():
        edge += rate
        if draw < edge:
            if fault.startswith("drop_") and not is_create:
                return None
            return fault
    return None


def _pick_status(weights: tuple[tuple[int, float], ...], draw: float) -> int:
    # Zero-weight statuses are left out so that no rounding can ever pick one.
    statuses = [(status, weight) for status, weight in weights if weight > 0]
    edges = list(itertools.accumulate(weight for _, weight in statuses))
    index = bisect.bisect_right(edges, draw * edges[-1])
    # min(): draw * total may round up to total itself.
    return statuses[min(index, len(statuses) - 1)][0]
