"""Wire formats: each codec turns bytes into JSON-shaped data and back."""

from invoceanio.codecs.base import Codec, CodecError
from invoceanio.codecs.json import JsonCodec
from invoceanio.codecs.registry import CodecRegistry, default_registry
from invoceanio.codecs.xml import XmlCodec

__all__ = ["Codec", "CodecError", "CodecRegistry", "JsonCodec", "XmlCodec", "default_registry"]
