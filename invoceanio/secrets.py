"""A masked holder for credentials, so that a token never reaches a repr, a log or a traceback."""

from __future__ import annotations

from typing import Final, NoReturn

__all__ = ["Secret"]

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
        # Constant-time: equality on secrets must not leak their prefix through timing.
        import hmac

        return hmac.compare_digest(self._value.encode(), other._value.encode())

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
