"""What every entity and draft shares: the ``extra`` dict that keeps fields we do not name."""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

__all__ = ["Draft", "Model"]


@attrs.frozen(kw_only=True)
class Model:
    """A record read from the API. Fields the API returns that the class does not name are kept
    in ``extra`` and written back on a round trip, so an SDK release never loses new data."""

    extra: dict[str, Any] = attrs.field(factory=dict, repr=False, hash=False)

    #: Fields an answer carries that a write never takes (records of other resources embedded
    #: for reading): left out when the model is written back, which would otherwise send them
    #: whole and have the write refused.
    read_only: ClassVar[frozenset[str]] = frozenset()

    def __repr__(self) -> str:
        # Only the fields that hold something: an 80-field repr of Nones hides what matters.
        shown = ", ".join(
            f"{field.name}={value!r}"
            for field in attrs.fields(type(self))
            if field.name != "extra" and (value := getattr(self, field.name)) not in (None, ())
        )
        more = f", extra={len(self.extra)} fields" if self.extra else ""
        return f"{type(self).__name__}({shown}{more})"


@attrs.define(kw_only=True)
class Draft:
    """Data to write. Fields left ``UNSET`` are not sent; fields set to ``None`` are sent as null
    (where the field takes None). ``extra`` carries any field the class does not name, sent as
    given. Nothing is checked when a draft is made or changed; when it is written, a value of a
    type its field does not take is refused, naming the field (see ``draft_writes``)."""

    extra: dict[str, Any] = attrs.field(factory=dict, repr=False)
