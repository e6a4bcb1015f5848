"""text phase: the WAT/WAST front end.

parse_module(text) -> ast.Module; parse_script(text) -> script commands;
load_module(ModuleSource) -> ast.Module (ParseError positions relative to the script).
"""
from __future__ import annotations

from ..binary import decode

from ..ast import Module
from ..features import Features
from .commands import ModuleSource
from .module import parse_module
from .script import parse_script


def load_module(src: ModuleSource, features: Features | None = None, *, source: str | None = None) -> Module:
    """Parse or decode the module of a script command."""
    if src.kind == "binary":
        return decode(src.data, features)
    if src.kind == "quote":
        return parse_module(src.text or "", features, source=source, origin=(src.line, 1))
    return parse_module(src.text or "", features, source=source, origin=src.text_offset)


__all__ = ["parse_module", "parse_script", "load_module"]
