"""Heron: a WebAssembly runtime in Python with exception handling, tail calls and a
modelled native stack whose frames the exception unwinder really walks."""
from __future__ import annotations

from .errors import (DecodeError, HeronError, LinkError, ParseError, Trap, Unsupported,
                     ValidationError, WasmException)
from .features import Features

__all__ = ["DecodeError", "HeronError", "LinkError", "ParseError", "Trap", "Unsupported",
           "ValidationError", "WasmException", "Features"]
__version__ = "0.1.0"
