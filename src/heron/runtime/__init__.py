"""runtime phase: Store, Instance, memories, tables, globals, tags, host functions,
entry/exit trampolines, traps -- the wasmtime-py-shaped embedder API."""
from .api import (Config, Engine, ExportType, FuncType, GlobalType, ImportType, Instance, Limits, Linker,
                  MemoryType, Module, Store, TableType, TagType, ValType)
from .caller import Caller
from .objects import Func, Global, Memory, Table, Tag, TailCall

__all__ = ["Config", "Engine", "Store", "Module", "Instance", "Linker", "Func", "FuncType", "ValType",
           "Memory", "Table", "Global", "Tag", "MemoryType", "TableType", "GlobalType", "TagType", "Limits",
           "ImportType", "ExportType", "TailCall", "Caller"]
