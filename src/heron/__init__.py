"""Heron: a WebAssembly runtime in Python with exception handling, tail calls and a
modelled native stack whose frames the exception unwinder really walks.

The embedder API is shaped like wasmtime-py's:

    import heron
    store = heron.Store()
    module = heron.Module(store.engine, '(module (func (export "add") (param i32 i32) (result i32) '
                                        'local.get 0 local.get 1 i32.add))')
    instance = heron.Instance(store, module, [])
    instance.exports(store)["add"](store, 2, 3)   # 5
"""
from __future__ import annotations

from .errors import (DecodeError, ExitTrap, Frame, HeronError, LinkError, ParseError, ResourceLimitError, Trap,
                     TrapCode, Unsupported, ValidationError, WasmException)
from .features import Features
from .version import __version__
from .api import (Caller, Config, Engine, ExportType, Extern, Func, FuncType, Global, GlobalType, ImportType,
                  Instance, InstancePre, Limits, Linker, Memory, MemoryType, Module, Store, Table, TableType, Tag,
                  TagType, ValType, wat2wasm)
from .runtime import InstanceExports, Storelike, Val
from .wasi import OutputCapture, WasiConfig

__all__ = ["DecodeError", "ExitTrap", "HeronError", "LinkError", "ParseError", "ResourceLimitError", "Trap",
           "TrapCode", "Frame", "Unsupported", "ValidationError", "WasmException", "Features",
           "Caller", "WasiConfig", "OutputCapture",
           "Config", "Engine", "Store", "Storelike", "Module", "Instance", "InstanceExports", "InstancePre",
           "Linker", "Func", "FuncType", "ValType", "Val", "Memory", "Table", "Global", "Tag", "MemoryType",
           "TableType", "GlobalType", "TagType", "Limits", "ImportType", "ExportType", "Extern", "wat2wasm"]
