"""Turning a script's module source into a validated module, through whichever phases exist.

The phases are imported lazily so the runner works while they are being built:
an absent phase is reported as `PhaseMissing`, which the runner counts as a
failure of the command (never a crash of the run).
"""
from __future__ import annotations

from ..errors import HeronError
from ..features import Features
from .commands import ModuleSource


class PhaseMissing(HeronError):
    """A phase the runner needs (text parser, decoder, validator) is not importable yet."""


def _text_loader():
    try:
        from ..text import load_module
    except ImportError as e:
        raise PhaseMissing(f"heron.text.load_module is not available ({e})") from None
    return load_module


def _decoder():
    try:
        from ..binary import decode
    except ImportError as e:
        raise PhaseMissing(f"heron.binary.decode is not available ({e})") from None
    return decode


def _validator():
    try:
        from ..valid import validate
    except ImportError as e:
        raise PhaseMissing(f"heron.valid.validate is not available ({e})") from None
    return validate


def load(source: ModuleSource, features: Features):
    """Parse (text, quote) or decode (binary) a module source: raises ParseError / DecodeError."""
    if source.kind == "binary":
        try:
            load_module = _text_loader()
        except PhaseMissing:
            return _decoder()(source.data, features)
        return load_module(source, features)
    return _text_loader()(source, features)


def validate(module, features: Features) -> None:
    """Validate a loaded module: raises ValidationError (or Unsupported)."""
    _validator()(module, features)


def parse_script(text: str, filename: str) -> list:
    """The commands of a WAST script: raises ParseError if the script itself is malformed."""
    try:
        from ..text import parse_script as parse
    except ImportError as e:
        raise PhaseMissing(f"heron.text.parse_script is not available ({e})") from None
    return parse(text, filename)
