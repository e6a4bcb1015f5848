"""runtime phase: Store, Instance, functions, memories, tables, globals, tags, host
functions, entry/exit trampolines, traps -- the objects of the wasmtime-py-shaped
embedder API that need no front end (heron.api adds Module and Linker on top)."""
from .api_types import (ExportType, FuncType, GlobalType, ImportType, Limits, MemoryType, TableType, TagType,
                        ValType)
from .engine import Config, Engine
from .func import Func
from .globalvar import Global
from .instance import Instance, InstanceExports
from .memory import Memory
from .store import Store, Storelike
from .table import Table
from .tag import Tag
from .tailcall import TailCall
from .caller import Caller
from .values import Val

__all__ = ["Config", "Engine", "Store", "Instance", "InstanceExports", "Func", "FuncType", "ValType",
           "Memory", "Table", "Global", "Tag", "MemoryType", "TableType", "GlobalType", "TagType", "Limits",
           "ImportType", "ExportType", "TailCall", "Storelike", "Val", "Caller"]
