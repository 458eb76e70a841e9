"""Authentication: the innermost middleware and the only code that ever reads the token.

Because it sits right above the transport, no logger, retry hook or exception above it ever holds
a request that carries the credential. As a last guard it also scrubs any exception coming up
from the transport whose text would reveal the credential.
"""

from __future__ import annotations

import base64
import json
from typing import Literal
from urllib.parse import quote, quote_plus

import attrs

from invoceanio.errors import ConfigurationError, InvoiceOceanError
from invoceanio.http import Request, Response, Send
from invoceanio.redaction import quotes_any, redact_url
from invoceanio.secrets import Secret

__all__ = [
    "AuthMiddleware",
    "AuthMode",
    "BasicAuth",
    "BearerAuth",
    "BodyAuth",
    "NoAuth",
    "QueryAuth",
]

AuthMode = Literal["bearer", "query", "body", "basic", "none"]


class AuthMiddleware:
    """Base: subclasses say how the credential is attached in :meth:`authorize`."""

    def __init__(self, *secrets: Secret) -> None:
        self._secrets = secrets

    def authorize(self, request: Request) -> Request:
        raise NotImplementedError

    async def __call__(self, request: Request, call_next: Send) -> Response:
        if not request.authenticate:
            return await call_next(request)
        try:
            return await call_next(self.authorize(request))
        except InvoiceOceanError as exc:
            _scrub(exc, _spellings(self._secrets))
            raise


class BearerAuth(AuthMiddleware):
    """``Authorization: Bearer TOKEN``: the default, keeps the token out of every URL."""

    def __init__(self, token: Secret) -> None:
        super().__init__(token)
        self._header = f"Bearer {token.reveal()}"

    def authorize(self, request: Request) -> Request:
        return attrs.evolve(request, headers={**request.headers, "Authorization": self._header})


class QueryAuth(AuthMiddleware):
    """The token as a query parameter (``?api_token=TOKEN`` on InvoiceOcean); every URL that is
    shown anywhere is redacted."""

    def __init__(self, token: Secret, *, param: str = "api_token") -> None:
        super().__init__(token)
        self._token = token
        self._param = param

    def authorize(self, request: Request) -> Request:
        return attrs.evolve(request, params=(*request.params, (self._param, self._token.reveal())))


class BodyAuth(QueryAuth):
    """The token as a member of the JSON body, beside the root key; requests without a JSON
    object body (GET, DELETE, XML) carry it in the query, the only other place it is read."""

    def __init__(self, token: Secret, *, param: str = "api_token") -> None:
        super().__init__(token, param=param)
        # Pre-encoded once: spliced into each body without decoding and re-encoding it.
        self._member = f"{json.dumps(param)}:{json.dumps(token.reveal())}".encode()

    def authorize(self, request: Request) -> Request:
        body = request.body
        is_json = "json" in request.headers.get("Content-Type", "")
        if body is None or not is_json or not body.lstrip().startswith(b"{"):
            return super().authorize(request)
        rest = body.lstrip()[1:]
        separator = b"" if rest.lstrip().startswith(b"}") else b","
        return attrs.evolve(request, body=b"{" + self._member + separator + rest)


class BasicAuth(AuthMiddleware):
    """HTTP Basic with the web login and password (the legacy mode, mostly used with XML)."""

    def __init__(self, login: Secret, password: Secret) -> None:
        pair = f"{login.reveal()}:{password.reveal()}".encode()
        encoded = base64.b64encode(pair).decode("ascii")
        # The encoded pair is a spelling of the credentials too: scrub it from errors as well.
        super().__init__(login, password, Secret(encoded))
        self._header = f"Basic {encoded}"

    def authorize(self, request: Request) -> Request:
        return attrs.evolve(request, headers={**request.headers, "Authorization": self._header})


class NoAuth(AuthMiddleware):
    """A client without credentials (``auth="none"``): only the calls that need none (the
    app-host login) go out; anything else is refused before it is sent."""

    def authorize(self, request: Request) -> Request:
        raise ConfigurationError(
            "this client has no credentials (auth='none'): give api_token= to call the account"
        )


def _spellings(secrets: tuple[Secret, ...]) -> list[str]:
    """Every spelling of the secrets an exception could quote: raw, URL-encoded, JSON-escaped."""
    needles: set[str] = set()
    for secret in secrets:
        value = secret.reveal()
        if value:
            needles.update(
                (value, quote(value, safe=""), quote_plus(value, safe=""), json.dumps(value)[1:-1])
            )
    return sorted(needles)


def _scrub(exc: BaseException, needles: list[str]) -> None:
    """Cut any link of the exception chain whose text holds a credential.

    Our own errors are built from redacted URLs; this guards against a backend exception (or a
    user's custom transport) that quotes the raw request. The error itself is kept, so callers
    still see the right type; a message or a string attribute (``url``...) that holds a
    credential is withheld.
    """
    if not needles:
        return
    notes = getattr(exc, "__notes__", None)
    if isinstance(notes, list):
        notes[:] = [note for note in notes if not any(needle in str(note) for needle in needles)]
    if quotes_any(exc, needles):
        exc.args = ("(message withheld: it contained a credential)",)
    for name, value in list(getattr(exc, "__dict__", {}).items()):
        if isinstance(value, str) and any(needle in value for needle in needles):
            safe = redact_url(value)
            setattr(exc, name, "" if any(needle in safe for needle in needles) else safe)
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        for attribute in ("__cause__", "__context__"):
            linked = getattr(current, attribute)
            if linked is None:
                continue
            if quotes_any(linked, needles):
                setattr(current, attribute, None)
                if attribute == "__cause__":
                    current.__suppress_context__ = True
            else:
                pending.append(linked)
