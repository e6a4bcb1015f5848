"""Heron: a WebAssembly runtime in Python with exception handling, tail calls and a
modelled native stack whose frames the exception unwinder really walks."""
from __future__ import annotations

from .errors import (DecodeError, ExitTrap, HeronError, LinkError, ParseError, Trap, Unsupported,
                     ValidationError, WasmException)
from .features import Features
from .version import __version__
from .api import (Caller, Config, Engine, ExportType, Func, FuncType, Global, GlobalType, ImportType, Instance,
                  Limits, Linker, Memory, MemoryType, Module, Store, Table, TableType, Tag, TagType, ValType)
from .wasi import OutputCapture, WasiConfig

__all__ = ["DecodeError", "ExitTrap", "HeronError", "LinkError", "ParseError", "Trap", "Unsupported",
           "ValidationError", "WasmException", "Features", "Caller", "WasiConfig", "OutputCapture",
           "Config", "Engine", "Store", "Module", "Instance", "Linker", "Func", "FuncType", "ValType",
           "Memory", "Table", "Global", "Tag", "MemoryType", "TableType", "GlobalType", "TagType", "Limits",
           "ImportType", "ExportType"]
