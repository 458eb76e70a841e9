"""Retries, decided in one place, that never issue a second invoice.

The API has no idempotency key, so which failures may be retried depends on whether the request
may have reached the server and whether sending it twice is harmless:

| failure                            | GET/PUT/DELETE | POST create, reconciler | other POST   |
|------------------------------------|----------------|-------------------------|--------------|
| not sent (connect error/timeout)   | retry          | retry                   | retry        |
| sent, no answer (read timeout)     | retry          | look up; re-send if none| raise        |
| 429 / 503 (honouring Retry-After)  | retry          | retry                   | retry        |
| 500 / 502 / 504                    | retry          | look up, then retry     | return       |
| 422 duplicate key                  | -              | return the existing one | -            |

A look-up that cannot be read (a login page, a 200 error body, truncated JSON) tells nothing:
it is a failed look-up, retried by looking up again and never a reason to re-send the create.
When attempts run out on it, the caller gets a :class:`TransportError` (``outcome_unknown``).

The reconciler (supplied by the provider for invoice creates carrying an ``oid``) looks the key up
through the rest of the chain, so the look-up is limited, logged and authenticated like any other
request. When attempts or the deadline run out, the last response is handed back to the layer
that raises the typed error, and the last transport error is re-raised.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import math
import re
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import attrs
from tenacity import AsyncRetrying, RetryCallState, stop_after_attempt, wait_random_exponential
from tenacity.stop import stop_any, stop_base

from invoceanio.errors import (
    ConfigurationError,
    DecodeError,
    InvoiceOceanError,
    RequestTimeout,
    TransportError,
)
from invoceanio.http import AmbiguousLookup, Reconciler, Request, Response, Send
from invoceanio.middleware import deadline

__all__ = ["RetryMiddleware", "RetryPolicy", "parse_retry_after"]

logger = logging.getLogger("invoceanio.retry")

_THROTTLED = frozenset({429, 503})
_SERVER_FAILED = frozenset({500, 502, 504})
#: Methods that change nothing: no note that "the change may have been applied" for them.
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_DELAY_SECONDS = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def _positive(_: object, attribute: attrs.Attribute[float], value: float | None) -> None:
    # NaN slips past ``< 0`` and would silently disable the check it feeds (deadline, limit).
    if value is not None and not value >= 0:
        raise ConfigurationError(f"RetryPolicy.{attribute.name} must be a number, not negative")


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How hard to try. ``RetryPolicy(max_attempts=1)`` (or :meth:`disabled`) turns retries off.

    ``sleep`` and ``clock`` are injectable so tests can record delays instead of sleeping.
    """

    max_attempts: int = attrs.field(default=4)
    #: Overall time budget in seconds for all attempts and waits together (None: no deadline).
    deadline: float | None = attrs.field(default=60.0, validator=_positive)
    backoff_base: float = attrs.field(default=0.5, validator=_positive)
    backoff_max: float = attrs.field(default=20.0, validator=_positive)
    #: A Retry-After hint longer than this is not waited for: the answer's error is raised at
    #: once (RateLimitError for a 429, ServerError for a 503), its ``retry_after`` the hint.
    max_retry_after: float = attrs.field(default=120.0, validator=_positive)
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    clock: Callable[[], float] = time.monotonic

    @max_attempts.validator
    def _check_attempts(self, _: attrs.Attribute[int], value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigurationError("RetryPolicy.max_attempts must be an int of at least 1")

    @classmethod
    def disabled(cls) -> RetryPolicy:
        return cls(max_attempts=1)

    @property
    def longest_wait(self) -> float:
        """The longest Retry-After this policy waits for: ``max_retry_after``, cut to the
        deadline (a wait past it is not taken), and 0 with a single attempt (nothing is waited
        for). The client's throttle shares no pause longer than this."""
        if self.max_attempts == 1:
            return 0.0
        if self.deadline is None:
            return self.max_retry_after
        return min(self.max_retry_after, self.deadline)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP-date), or None."""
    if not value:
        return None
    value = value.strip()
    if _DELAY_SECONDS.fullmatch(value):
        # RFC 9110 delay-seconds are ASCII digits; a fraction is taken too, as some servers send
        # one. "-30", "+5", "1e3", "1_0", "nan" or other scripts' digits, which float() would
        # read, are no delay anyone sent on purpose: no hint, so the backoff applies.
        seconds = float(value)
        return seconds if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _refused_for_deadline(exc: TransportError) -> bool:
    """Refused unsent because the call's deadline would pass first (the throttle's pause, a
    wait for a place in flight, the rate pacer): any
    later attempt would meet the same wait with even less time left."""
    return isinstance(exc, RequestTimeout) and exc.phase == "deadline"


class _Attempts:
    """The state of one logical request across its attempts: what the last one taught us."""

    def __init__(
        self,
        request: Request,
        call_next: Send,
        policy: RetryPolicy,
        mask: Callable[[str], object] = str,
    ) -> None:
        self.request = request
        self.call_next = call_next
        self.policy = policy
        # Masks credentials in what is logged: a request sent without them (a storage URL
        # the API handed out) is not scrubbed by the auth layer, yet its URL may quote one.
        self.mask = mask
        self.retryable = False
        self.hint: float | None = None
        # True once an attempt may have reached the server without us learning the outcome.
        self.maybe_applied = False
        # True once the server refused the create as a duplicate key but the look-up for the
        # existing object failed: the next attempt looks up again (a re-send would be refused).
        self.refused_as_duplicate = False
        # That refusal itself: the answer when the look-up cannot tell which object is meant.
        self.refusal: Response | None = None
        self.started = policy.clock()

    async def run(self) -> Response:
        self.retryable = False
        self.hint = None
        request = self.request
        if (self.maybe_applied or self.refused_as_duplicate) and request.reconciler is not None:
            existing = await self._look_up(request.reconciler)
            if existing is not None:
                return self._found(existing)
        try:
            response = await self.call_next(_within_deadline(request))
        except TransportError as exc:
            if _refused_for_deadline(exc):
                self.retryable = False
            elif exc.request_sent and not request.idempotent:
                # Outcome unknown: only a create we can look up afterwards may go again.
                self.maybe_applied = True
                self.retryable = request.reconciler is not None
            else:
                self.maybe_applied = self.maybe_applied or exc.request_sent
                self.retryable = True
            raise
        return await self._classify(response)

    async def _look_up(self, reconciler: Reconciler) -> Response | None:
        """The existing object as a Response; None when absent (so the create is re-sent).

        A look-up that fails ends this attempt: a retryable failure is retried (the next attempt
        looks up again). After an attempt that may have made the object, any failure, a 2xx
        whose body cannot be read as much as a 5xx or a 404, is raised as a TransportError whose
        outcome is unknown: it says nothing about whether the object exists. After a duplicate-
        key refusal alone (nothing made by this call), the refusal is the answer, unless the
        look-up failed in a way another try may mend (then the look-up's answer is).
        """
        try:
            lookup = await self.call_next(_within_deadline(reconciler.lookup_request()))
            if lookup.is_success:
                return reconciler.existing_from(lookup)
        except TransportError as exc:
            self.retryable = not _refused_for_deadline(exc)
            if self.maybe_applied and exc.request_sent:
                # The look-up's own timeout or lost connection, raised as it is, would say a GET
                # failed, which reads as safe to repeat: it is the create whose outcome is
                # unknown. (One never sent is worded so at the end, with the create's attempts.)
                raise TransportError(
                    f"the outcome of {self.request.method} {self.request.path} is unknown, "
                    f"the look-up that would tell failed: {exc}",
                    method=self.request.method,
                    url=self.request.path,
                ) from exc
            raise
        except AmbiguousLookup as exc:
            # Read, and no later look-up would tell more: asked no further.
            self.retryable = False
            if not self.maybe_applied and self.refusal is not None:
                # Nothing of this call was made (the key was taken before it): the refusal is
                # the answer, whichever of the objects holding the key is meant.
                return self.refusal
            raise TransportError(
                f"the outcome of {self.request.method} {self.request.path} is unknown: {exc}",
                method=self.request.method,
                url=self.request.path,
            ) from exc
        except DecodeError as exc:
            # An answer that cannot be read (a login page, truncated JSON, a body over the
            # size cap) is not "absent": re-sending on it could make a second object wherever
            # the server does not enforce the key. Raised as what it is to the caller, a
            # create whose outcome is unknown (as a lost connection is).
            self.retryable = True
            raise TransportError(
                f"the outcome of {self.request.method} {self.request.path} is unknown, "
                f"the look-up that would tell failed: {exc}",
                method=self.request.method,
                url=self.request.path,
            ) from exc
        self._classify_status(lookup, idempotent=True, own=False)
        if self.maybe_applied:
            # The look-up's refusal (a 5xx, a 404, a 401) is no answer to the create: raised as
            # the create's own error it would say the server turned the invoice down, when an
            # earlier attempt may have made it. Retried as classified (a 5xx, a 429's wait).
            raise TransportError(
                f"the outcome of {self.request.method} {self.request.path} is unknown, the "
                f"look-up that would tell was answered HTTP {lookup.status}",
                method=self.request.method,
                url=self.request.path,
            )
        if self.refusal is not None and lookup.status not in _THROTTLED and lookup.status < 500:
            # Nothing of this call was made, and no other look-up would tell more (a 404, a
            # 401): the duplicate-key refusal is the answer. A look-up that was throttled or
            # failed on the server's side (retried while the policy allows, a long Retry-After
            # not) ends as itself: the object exists but could not be read, which a bulk
            # import tries again later rather than failing the item.
            return self.refusal
        return lookup

    def _found(self, existing: Response) -> Response:
        if existing is self.refusal:
            return existing
        # After a duplicate-key refusal the object was there before this call made anything,
        # unless an earlier attempt of this call may have made it (sent, never answered, and
        # not yet visible to the first look-up): then it is most likely this call's own.
        if self.refused_as_duplicate and existing.reconciled and not self.maybe_applied:
            return attrs.evolve(existing, duplicate=True)
        return existing

    def _classify_status(self, response: Response, *, idempotent: bool, own: bool = True) -> None:
        """What an answer teaches; ``own=False`` for the look-up's answer, which, a GET, made
        nothing whatever it says."""
        status = response.status
        if status in _THROTTLED:
            self.hint = parse_retry_after(response.headers.get("Retry-After"))
            self.retryable = self.hint is None or self.hint <= self.policy.max_retry_after
        elif status in _SERVER_FAILED:
            # A 5xx (a gateway's 504 above all) may come after the server acted on the request.
            self.maybe_applied = self.maybe_applied or own
            self.retryable = idempotent or self.request.reconciler is not None

    async def _classify(self, response: Response) -> Response:
        request = self.request
        self._classify_status(response, idempotent=request.idempotent)
        if self.retryable:
            return response
        if (
            response.status == 422
            and request.reconciler is not None
            and request.reconciler.is_duplicate(response)
        ):
            self.refused_as_duplicate = True
            self.refusal = response
            existing = await self._look_up(request.reconciler)
            if existing is not None:
                return self._found(existing)
            if self.maybe_applied:
                # The key is taken, most likely by an earlier attempt of this call, which the
                # look-up does not show yet (a search index lagging behind): look again on the
                # next attempt; out of attempts, the outcome is unknown (see _attempt_all), not
                # a refusal that would have the caller think nothing was made.
                self.retryable = True
        elif response.status == 404 and request.method == "DELETE" and self.maybe_applied:
            # An earlier attempt that got no answer did delete it: the caller's goal is met.
            return attrs.evolve(response, status=204, body=b"", reconciled=True)
        return response

    # tenacity hooks
    def should_retry(self, _: RetryCallState) -> bool:
        return self.retryable

    def wait(self, state: RetryCallState) -> float:
        if self.hint is not None:
            return self.hint
        backoff = wait_random_exponential(
            multiplier=self.policy.backoff_base, max=self.policy.backoff_max
        )
        return float(backoff(state))

    def past_deadline(self, state: RetryCallState) -> bool:
        deadline = self.policy.deadline
        if deadline is None:
            return False
        return self.policy.clock() - self.started + state.upcoming_sleep >= deadline

    def log_retry(self, state: RetryCallState) -> None:
        if not logger.isEnabledFor(logging.INFO):
            return
        outcome = state.outcome
        reason = (
            type(outcome.exception()).__name__
            if outcome is not None and outcome.failed
            else f"HTTP {outcome.result().status}"
            if outcome is not None
            else "?"
        )
        logger.info(
            "retrying %s %s in %.2fs (attempt %d of %d failed: %s)",
            self.request.method,
            self.mask(self.request.safe_url),
            state.upcoming_sleep,
            state.attempt_number,
            self.policy.max_attempts,
            reason,
        )


class _StopWhen(stop_base):
    """Stops before a wait would carry the request past its overall deadline."""

    def __init__(self, attempts: _Attempts) -> None:
        self._attempts = attempts

    def __call__(self, retry_state: RetryCallState) -> bool:
        return self._attempts.past_deadline(retry_state)


#: The least time an attempt is given: a deadline that leaves less ends the call before it.
_MIN_ATTEMPT_SECONDS = 0.05


def _within_deadline(request: Request) -> Request:
    """``request`` with no more time than the call's deadline leaves: a retry begun just inside
    the deadline took the whole per-request timeout (30 s by default), so a call could last
    its deadline and a timeout more."""
    left = deadline.seconds_left()
    if left is None or (request.timeout is not None and request.timeout <= left):
        return request
    return attrs.evolve(request, timeout=max(left, _MIN_ATTEMPT_SECONDS))


def _last_outcome(state: RetryCallState) -> Response:
    # Out of attempts: give back the last response (the caller raises its typed error) or
    # re-raise the last transport error itself, never tenacity's RetryError.
    assert state.outcome is not None
    result: Response = state.outcome.result()
    return result


class RetryMiddleware:
    """The outermost middleware: a fresh tenacity ``AsyncRetrying`` per request that retries."""

    def __init__(
        self,
        policy: RetryPolicy,
        *,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        mask: Callable[[str], object] = str,
    ) -> None:
        self.policy = policy
        self._mask = mask
        # The policy's own sleep, or the client's wrap of it that a close ends (ClosingWaits).
        self._sleep = sleep if sleep is not None else policy.sleep

    async def __call__(self, request: Request, call_next: Send) -> Response:
        attempts = _Attempts(request, call_next, self.policy, self._mask)
        limit = self.policy.deadline
        if limit is None:
            return await self._attempt_all(attempts)
        token = deadline.start(self.policy.clock, attempts.started + limit)
        try:
            return await self._attempt_all(attempts)
        finally:
            deadline.stop(token)

    async def _attempt_all(self, attempts: _Attempts) -> Response:
        # Fast path: most requests succeed at once, and building an AsyncRetrying (and the
        # reference cycle it leaves for the garbage collector) would cost more than the request's
        # own bookkeeping. Tenacity takes over only once a retry is due. With max_attempts=1 the
        # single attempt still reconciles: a duplicate oid returns the existing invoice, which
        # is what makes a caller's own retry of a create safe.
        first: Response | TransportError
        try:
            first = await attempts.run()
        except TransportError as exc:
            if not attempts.retryable or self.policy.max_attempts == 1:
                raise
            first = exc
        else:
            if not attempts.retryable or self.policy.max_attempts == 1:
                return first
        replay: list[Response | TransportError] = [first]

        async def attempt() -> Response:
            # Tenacity's first attempt replays the outcome already in hand; ``attempts`` still
            # holds what that outcome taught (retryable, Retry-After hint).
            if replay:
                outcome = replay.pop()
                if isinstance(outcome, TransportError):
                    raise outcome
                return outcome
            return await attempts.run()

        retrying = AsyncRetrying(
            sleep=self._sleep,
            stop=stop_any(stop_after_attempt(self.policy.max_attempts), _StopWhen(attempts)),
            wait=attempts.wait,
            retry=attempts.should_retry,
            before_sleep=attempts.log_retry,
            retry_error_callback=_last_outcome,
        )
        try:
            response: Response = await retrying(attempt)
            if attempts.maybe_applied and response is attempts.refusal:
                raise TransportError(
                    f"the outcome of {attempts.request.method} {attempts.request.path} is "
                    "unknown: an earlier attempt may have reached the server, and the server "
                    "now says the key is taken, but no look-up found what holds it",
                    method=attempts.request.method,
                    url=attempts.request.path,
                )
        except InvoiceOceanError as exc:
            request = attempts.request
            if isinstance(exc, TransportError) and exc.request_sent:
                raise
            if not attempts.maybe_applied:
                raise
            if request.idempotent:
                if request.method not in _SAFE_METHODS and isinstance(
                    exc, TransportError | ConfigurationError
                ):
                    # Sending it again is harmless, but the caller must not read "not sent"
                    # (the client closed during the backoff, no connection for the last try)
                    # as "not applied": an update or a delete may have happened.
                    exc.add_note(
                        f"an earlier attempt of {request.method} {request.path} may have "
                        "reached the server: the change may have been applied"
                    )
                raise
            # The last attempt never left (no connection, the deadline, a client closed during
            # the wait) or failed in a way that says nothing of the server (an answer over the
            # size cap), but an earlier one may have reached it: "not sent", or a
            # ConfigurationError, would invite a second create.
            unsent = isinstance(exc, TransportError | ConfigurationError)
            last = "the last one was not sent" if unsent else "the last answer cannot be read"
            raise TransportError(
                f"the outcome of {request.method} {request.path} is unknown: an earlier attempt "
                f"may have reached the server, and {last}: {exc}",
                method=request.method,
                url=request.path,
            ) from exc
        return response
