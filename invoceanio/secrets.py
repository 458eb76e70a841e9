"""A masked holder for credentials, so that a token never reaches a repr, a log or a traceback."""

from __future__ import annotations

import hmac
from typing import Final, NoReturn

__all__ = ["Secret", "same_text", "unsendable"]

_MASK: Final = "**********"


class Secret:
    """Holds a credential; only :meth:`reveal` gives it back.

    ``str``, ``repr`` and formatting are masked, and pickling is refused, so a Secret that ends
    up in a log record, an exception message or a debugger view shows nothing useful. Copying
    gives the same Secret back.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str | Secret) -> None:
        if isinstance(value, Secret):
            value = value.reveal()
        if not isinstance(value, str):
            raise TypeError("a Secret holds a str")
        self._value = value

    def reveal(self) -> str:
        """Return the real value. Call this only where the value leaves for the server."""
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return f"Secret('{_MASK}')"

    def __str__(self) -> str:
        return _MASK

    def __format__(self, format_spec: str) -> str:
        return _MASK

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return same_text(self._value, other._value)

    def __hash__(self) -> int:
        return hash((Secret, len(self._value)))

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled")

    # A Secret never changes, so a copy is the Secret itself; without these, copy.deepcopy of any
    # model holding one (a webhook, an account) would fall back to __reduce__ and fail.
    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> Secret:
        return self


def same_text(left: str, right: str) -> bool:
    """Whether two credentials are equal, compared in constant time: equality on secrets must
    not leak their common prefix through timing.

    Encoded with ``surrogatepass``: text read from the environment or a file holds a lone
    surrogate for every byte that was no UTF-8 (Python's ``surrogateescape``), and a strict
    ``encode()`` would raise a ``UnicodeEncodeError`` that quotes the whole credential."""
    return hmac.compare_digest(
        left.encode("utf-8", "surrogatepass"), right.encode("utf-8", "surrogatepass")
    )


def unsendable(text: str) -> str | None:
    """Why a credential cannot go to the server as it is, or None when it can.

    Checked when a credential is given, since at the first request it would fail deep in the
    HTTP library, and an encoding error there quotes the whole value:

    - a lone surrogate: what Python makes of a byte that is no UTF-8 when it reads the
      environment or a file name (``surrogateescape``); such text cannot be encoded;
    - a control character (C0, DEL, C1) that is no whitespace: no header may hold one, and
      none is typed into a token or a password. Whitespace is the caller's to judge: a
      password may hold a space, a token may not (the provider says so).
    """
    for char in text:
        if "\ud800" <= char <= "\udfff":
            return "holds bytes that are no UTF-8 text (was it read with the wrong encoding?)"
        if (char < " " or "\x7f" <= char <= "\x9f") and not char.isspace():
            return "must not contain control characters"
    return None
