"""The middleware chain, outermost first: retry, limiter, logging, (yours), auth."""

from invoceanio.middleware.auth import AuthMode, BasicAuth, BearerAuth, BodyAuth, QueryAuth
from invoceanio.middleware.base import Middleware, build_chain
from invoceanio.middleware.limiter import LimiterMiddleware
from invoceanio.middleware.logging import LoggingMiddleware
from invoceanio.middleware.retry import RetryMiddleware, RetryPolicy, parse_retry_after

__all__ = [
    "AuthMode",
    "BasicAuth",
    "BearerAuth",
    "BodyAuth",
    "LimiterMiddleware",
    "LoggingMiddleware",
    "Middleware",
    "QueryAuth",
    "RetryMiddleware",
    "RetryPolicy",
    "build_chain",
    "parse_retry_after",
]
