"""Codecs by name, by media type and by path suffix, so plugins can add formats."""

from __future__ import annotations

from invoceanio.codecs.base import Codec

__all__ = ["CodecRegistry", "default_registry"]


class CodecRegistry:
    def __init__(self, codecs: list[Codec] | None = None) -> None:
        self._by_name: dict[str, Codec] = {}
        self._by_media_type: dict[str, Codec] = {}
        self._by_suffix: dict[str, Codec] = {}
        for codec in codecs or []:
            self.register(codec)

    def register(self, codec: Codec) -> None:
        self._by_name[codec.name] = codec
        self._by_suffix[codec.suffix] = codec
        for media_type in codec.media_types:
            self._by_media_type[media_type] = codec

    def by_name(self, name: str) -> Codec:
        try:
            return self._by_name[name]
        except KeyError:
            known = ", ".join(sorted(self._by_name))
            raise KeyError(f"no codec named {name!r} (known: {known})") from None

    def by_media_type(self, media_type: str) -> Codec | None:
        """The codec for a Content-Type value (parameters and case ignored), or None."""
        return self._by_media_type.get(media_type.partition(";")[0].strip().lower())

    def by_suffix(self, suffix: str) -> Codec | None:
        return self._by_suffix.get(suffix)

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self._by_name)


def default_registry() -> CodecRegistry:
    from invoceanio.codecs.json import JsonCodec
    from invoceanio.codecs.xml import XmlCodec

    return CodecRegistry([JsonCodec(), XmlCodec()])
