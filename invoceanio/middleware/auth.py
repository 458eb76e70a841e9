"""Authentication: the innermost middleware and the only code that ever reads the token.

Because it sits right above the transport, no logger, retry hook or exception above it ever holds
a request that carries the credential. As a last guard it also scrubs any exception coming up
from the transport whose text would reveal the credential.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Any, Literal
from urllib.parse import quote, quote_plus

import attrs

from invoceanio.errors import ConfigurationError, InvoiceOceanError
from invoceanio.http import Request, Response, Send
from invoceanio.redaction import mask_needles, quotes_any, redact_url
from invoceanio.secrets import Secret

__all__ = [
    "AuthMiddleware",
    "AuthMode",
    "BasicAuth",
    "BearerAuth",
    "BodyAuth",
    "CredentialScrubber",
    "NoAuth",
    "QueryAuth",
    "scrubber_of",
]

AuthMode = Literal["bearer", "query", "body", "basic", "none"]


class AuthMiddleware:
    """Base: subclasses say how the credential is attached in :meth:`authorize`."""

    def __init__(self, *secrets: Secret) -> None:
        #: The spellings of these credentials, for the code above this layer that builds errors
        #: from what the server answered (``ApiCore``): a server may quote the token back.
        self.scrubber = CredentialScrubber(secrets)

    def authorize(self, request: Request) -> Request:
        raise NotImplementedError

    async def __call__(self, request: Request, call_next: Send) -> Response:
        if not request.authenticate:
            return await call_next(request)
        try:
            return await call_next(self.authorize(request))
        except InvoiceOceanError as exc:
            _scrub(exc, self.scrubber.needles)
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
        # The login alone is a name (often the e-mail), not the secret: one shorter than
        # _MIN_PART would be masked inside ordinary words ("in" in "/invoices.json"), so it is
        # masked only when long enough. The password is masked whatever its length.
        names = (login,) if len(login.reveal()) >= _MIN_PART else ()
        super().__init__(*names, password, Secret(encoded))
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


class CredentialScrubber:
    """Takes the credentials out of an error built from what the server said.

    The auth layer only sees errors raised below it; an error ``ApiCore`` makes of an answer
    (a 401 naming the token, a 422 quoting the params, a proxy page echoing the URL) is built
    above it, so the core applies this scrubber, made by the auth layer from the same
    spellings. Used as ``with scrubber:``, it scrubs any SDK error raised in the block.
    """

    __slots__ = ("needles",)

    def __init__(self, secrets: Iterable[Secret] = ()) -> None:
        self.needles: tuple[str, ...] = tuple(_spellings(tuple(secrets)))

    def scrub(self, exc: BaseException) -> None:
        """Mask every spelling in the error's message, notes and attributes (``body``,
        ``field_errors``: nested too), so the server's words stay readable; then apply the auth
        layer's last guard (withhold what still quotes one, cut leaking chained errors)."""
        if not self.needles:
            return
        exc.args = tuple(mask_needles(arg, self.needles) for arg in exc.args)
        notes = getattr(exc, "__notes__", None)
        if isinstance(notes, list):
            notes[:] = [mask_needles(note, self.needles) for note in notes]
        for name, value in list(vars(exc).items()):
            setattr(exc, name, mask_needles(value, self.needles))
        _scrub(exc, self.needles)

    def mask(self, value: Any) -> Any:
        """``value`` (a str, or a decoded document) with every spelling masked. For what is read
        before an error is made of it: a message cut short there (a provider's summary) could
        otherwise cut through a credential, leaving its start."""
        return mask_needles(value, self.needles) if self.needles else value

    def clip(self, text: str, limit: int) -> str:
        """``text`` cut to ``limit`` characters, without leaving the start of a credential
        at the cut (where no whole spelling is left for :meth:`scrub` to find)."""
        if len(text) <= limit:
            return text
        text = text[:limit]
        for needle in self.needles:
            for size in range(min(len(needle), len(text)) - 1, 0, -1):
                if text.endswith(needle[:size]):
                    text = text[:-size]
                    break
        return text

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if isinstance(exc, InvoiceOceanError):
            self.scrub(exc)


def scrubber_of(layer: object) -> CredentialScrubber:
    """The scrubber of an auth layer. A custom provider's authenticator that is not an
    :class:`AuthMiddleware` does not say its credentials: an empty scrubber, which does nothing.
    """
    return layer.scrubber if isinstance(layer, AuthMiddleware) else CredentialScrubber()


def _spellings(secrets: tuple[Secret, ...]) -> list[str]:
    """Every spelling of the secrets an exception could quote: raw, URL-encoded, JSON-escaped.

    Longest first, so masking one never leaves part of a longer one that holds it."""
    needles: set[str] = set()
    for secret in secrets:
        for value in _forms(secret.reveal()):
            needles.update(
                (
                    value,
                    # surrogatepass: building the scrubber must never raise (an encoding
                    # error quotes the whole value); such a value is refused before sending.
                    quote(value, safe="", errors="surrogatepass"),
                    quote_plus(value, safe="", errors="surrogatepass"),
                    json.dumps(value)[1:-1],
                )
            )
    # Lower- and upper-cased too: what is shown of a header (a Content-Type) or a host is
    # lower-cased first, and a server may quote a token back shouting ("INVALID TOKEN X-...").
    needles.update(
        [cased for needle in list(needles) for cased in (needle.lower(), needle.upper())]
    )
    return sorted(needles, key=lambda needle: (-len(needle), needle))


#: The shortest token part masked on its own: shorter, it would mask ordinary words.
_MIN_PART = 8


def _forms(value: str) -> list[str]:
    """The texts a server may quote of one credential. A token carrying the account prefix
    after a slash (``TOKEN/prefix``) may come back as the token alone (the server took the
    prefix for the account), or with the slash escaped (``TOKEN\\/prefix``, as PHP's and some
    JSON writers write it)."""
    if not value:
        return []
    forms = [value]
    if "/" in value:
        forms.append(value.replace("/", "\\/"))
        token = value.rpartition("/")[0]
        if len(token) >= _MIN_PART:
            forms.append(token)
    return forms


def _scrub(exc: BaseException, needles: Sequence[str]) -> None:
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
