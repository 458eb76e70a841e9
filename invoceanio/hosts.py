"""Which hosts a client may talk to, checked before any network I/O.

An account lives at ``https://{prefix}.{brand}``; a few global calls go to ``https://app.{brand}``.
Only known brand domains are accepted, so a typo cannot send a token to someone else's host.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Final
from urllib.parse import SplitResult, urlsplit

from invoceanio.errors import ConfigurationError
from invoceanio.redaction import redact_url

__all__ = [
    "BRANDS",
    "account_url",
    "app_url",
    "app_url_for",
    "brand_of",
    "check_account_url",
    "check_base_url",
    "check_external_url",
    "check_prefix",
    "is_loopback",
    "prefix_of",
]

BRANDS: Final = (
    "fakturownia.pl",
    "invoiceocean.com",
    "invoiceocean.de",
    "efakturierung.de",
    "vosfactures.fr",
    "bitfactura.com",
)
# A DNS label: letters, digits and inner hyphens, at most 63 characters.
# Matched with fullmatch: "$" would also accept a trailing newline.
_DNS_LABEL: Final = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_LOOPBACK_NAMES: Final = frozenset({"localhost", "localhost.localdomain"})


def check_prefix(prefix: str) -> str:
    """Return the account prefix lower-cased, or raise ConfigurationError if it is no DNS label."""
    if not isinstance(prefix, str) or not _DNS_LABEL.fullmatch(prefix.lower()):
        raise ConfigurationError(
            "prefix must be a DNS label (letters, digits, inner hyphens), got "
            # Only text is quoted: repr() of an int of more than 4300 digits raises.
            + (repr(prefix[:80]) if isinstance(prefix, str) else type(prefix).__name__)
        )
    return prefix.lower()


def check_brand(brand: str) -> str:
    brand = brand.lower().strip(".") if isinstance(brand, str) else brand
    if brand not in BRANDS:
        raise ConfigurationError(f"unknown brand {brand!r}; known brands: {', '.join(BRANDS)}")
    return brand


def account_url(prefix: str, brand: str) -> str:
    return f"https://{check_prefix(prefix)}.{check_brand(brand)}"


def app_url(brand: str) -> str:
    return f"https://app.{check_brand(brand)}"


def _split(url: str) -> SplitResult | None:
    """``urlsplit(url)``, or None for a URL it cannot parse: brackets that hold no IPv6
    address, a host that Unicode normalisation turns into "/", "?", "#" or "@"."""
    try:
        return urlsplit(url)
    except ValueError:
        return None


def _host(parts: SplitResult) -> str:
    """The host name as DNS reads it: lower case, without the trailing dot of a fully
    qualified name (``acme.fakturownia.pl.`` is ``acme.fakturownia.pl``)."""
    return (parts.hostname or "").lower().removesuffix(".")


def _brand_host(url: str) -> tuple[str, str] | None:
    """(first label, brand) of an https URL on a known brand's domain; None otherwise."""
    parts = _split(url)
    if parts is None or parts.scheme != "https":
        return None
    label, _, brand = _host(parts).partition(".")
    return (label, brand) if brand in BRANDS else None


def app_url_for(base_url: str) -> str:
    """The host of the global calls (login, users) for a client built with ``base_url``: the
    brand's ``app`` host for a known brand's account URL, else ``base_url`` itself (a sandbox or
    a test server serves both)."""
    found = _brand_host(base_url)
    return base_url if found is None else app_url(found[1])


def brand_of(url: str) -> str | None:
    """The brand of a known brand's ``https://{host}.{brand}`` URL; None for any other URL."""
    found = _brand_host(url)
    return None if found is None else found[1]


def prefix_of(url: str) -> str | None:
    """The account prefix of ``https://{prefix}.{brand}``; None for any other URL."""
    found = _brand_host(url)
    if found is None or not _DNS_LABEL.fullmatch(found[0]):
        return None
    return None if found[0] == "app" else found[0]


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _port_ok(parts: SplitResult) -> bool:
    """The port is a number in range, and nothing but a port follows an IPv6 address's "]"
    (``http://[::1]evil.com`` reads as host ``::1`` here, and fails at the first request)."""
    after_address = parts.netloc.partition("]")[2] if "[" in parts.netloc else ""
    if after_address and not after_address.startswith(":"):
        return False
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is no number or out of range
    except ValueError:
        return False
    return True


def check_base_url(base_url: str) -> str:
    """Accept an https URL, or plain http only for loopback hosts (the sandbox, tests)."""
    if not isinstance(base_url, str):
        raise ConfigurationError("base_url must be a str")
    # urlsplit silently drops tabs and newlines: the URL checked would not be the URL used.
    if any(ch.isspace() or not ch.isprintable() for ch in base_url):
        raise ConfigurationError("base_url must not contain whitespace or control characters")
    parts = _split(base_url)
    if parts is None:
        # Not quoted: redact_url cannot parse it either, and it may carry a token.
        raise ConfigurationError("base_url is no URL that can be parsed")
    if parts.scheme not in ("https", "http") or not parts.hostname or not _port_ok(parts):
        raise ConfigurationError(
            f"base_url must be an absolute http(s) URL, got {redact_url(base_url)!r}"
        )
    if "@" in parts.netloc:
        raise ConfigurationError("base_url must not carry credentials; use api_token=")
    # Checked on the raw string: an empty "?" or "#" would still swallow every path after it.
    if "?" in base_url or "#" in base_url:
        raise ConfigurationError("base_url must not carry a query string or fragment")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigurationError(
            f"base_url must use https (plain http is only allowed for loopback hosts), "
            f"got host {parts.hostname!r}"
        )
    return base_url.rstrip("/")


def check_external_url(url: str) -> str:
    """A URL the API handed out (an upload form's target, a redirect to a file): absolute, https
    (plain http only for loopback hosts), no credentials in it. Such calls never carry the token,
    but a plain-http or malformed target would still leak the data sent to it."""
    if not isinstance(url, str) or any(ch.isspace() or not ch.isprintable() for ch in url):
        raise ConfigurationError("the URL the API gave is not a clean absolute URL")
    parts = _split(url)
    if parts is None:
        # Not quoted: redact_url cannot parse it either, and it may carry a signature.
        raise ConfigurationError("the API gave a URL that cannot be parsed")
    if parts.scheme not in ("https", "http") or not parts.hostname or not _port_ok(parts):
        raise ConfigurationError(f"the API gave an unusable URL: {redact_url(url)!r}")
    if "@" in parts.netloc:
        raise ConfigurationError("the URL the API gave carries credentials: refused")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigurationError(
            f"the API gave a plain-http URL ({parts.hostname!r}): refused, https is required"
        )
    return url


def check_account_url(url: str, *, trusted_origin: str | None = None) -> str:
    """The account URL a login answered, before any token is sent to it: ``https://{prefix}.
    {brand}`` of a known brand, or exactly ``trusted_origin`` (the loopback sandbox the client
    already talks to). Returns it without a trailing slash."""
    if not isinstance(url, str):
        raise ConfigurationError("the login answer carries no account URL")
    candidate = url.strip().rstrip("/")
    if trusted_origin is not None and candidate == trusted_origin.rstrip("/"):
        return candidate
    parts = _split(candidate)
    if parts is None:
        raise ConfigurationError("the login answered an account URL that cannot be parsed")
    host = _host(parts)
    prefix, _, brand = host.partition(".")
    if (
        parts.scheme != "https"
        or brand not in BRANDS
        or not _DNS_LABEL.fullmatch(prefix)
        # Any port at all (a number or not, in range or not) is no brand host's.
        or parts.netloc.rstrip(".").lower() != host
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        raise ConfigurationError(
            f"the login answered an account URL that is no known brand host: {redact_url(url)!r}"
        )
    return f"https://{host}"
