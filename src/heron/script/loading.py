"""Turning a script's module source into a validated module: parse (text, quote) or decode
(binary), then validate."""
from __future__ import annotations

from ..features import Features
from ..text import load_module, parse_script as _parse_script
from ..valid import validate as _validate
from ..text.commands import ModuleSource


def load(source: ModuleSource, features: Features):
    """Parse (text, quote) or decode (binary) a module source: raises ParseError / DecodeError."""
    return load_module(source, features)


def validate(module, features: Features) -> None:
    """Validate a loaded module: raises ValidationError (or Unsupported)."""
    _validate(module, features)


def parse_script(text: str, filename: str) -> list:
    """The commands of a WAST script: raises ParseError if the script itself is malformed."""
    return _parse_script(text, filename)
