"""The public API and the load pipeline, shaped like wasmtime-py.

    cfg = Config(target="x86_64-sysv", strategy="optimizing")
    engine = Engine(cfg); store = Store(engine)
    module = Module(engine, wat_or_wasm_bytes)
    instance = Instance(store, module, [imports...])
    instance.exports(store)["run"](store, 50, 20)

This module sits on top of every phase (DESIGN.md section 1): Module runs the pipeline
bytes/text -> decode/parse -> validate -> compile; the runtime objects (Store, Instance,
Func, Memory, ...) live in heron.runtime and never import the front end.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from . import ast
from .binary import decode, encode
from .compile import compile_module
from .errors import DecodeError, HeronError, LinkError
from .runtime import (Caller, Config, Engine, ExportType, Func, FuncType, Global, GlobalType, ImportType,
                      Instance, Limits, Memory, MemoryType, Store, Table, TableType, Tag, TagType, ValType)
from .text import parse_module
from .valid import validate


def load_module(engine: Engine, data: bytes | bytearray | str) -> ast.Module:
    """Bytes or text -> a validated ast.Module (the eager part of loading: an invalid module
    is rejected here, before anything is compiled or instantiated). Text goes through the
    binary format, so that backtraces can name module offsets."""
    if isinstance(data, str):
        data = data.encode()
    if data[:4] == b"\0asm":
        module = decode(bytes(data), engine.features)
        validate(module, engine.features)
        return module
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DecodeError(f"neither a Wasm binary (no \\0asm magic) nor UTF-8 text (byte {e.start})", 0) from None
    module = parse_module(text, engine.features)
    validate(module, engine.features)
    try:
        return decode(encode(module), engine.features)
    except HeronError:
        return module


class Module:
    """A validated, compiled module (compiled for the engine's target and strategy)."""

    def __init__(self, engine: Engine, wasm: bytes | str, *, name: str | None = None, _ast=None):
        self.engine = engine
        self.ast = _ast if _ast is not None else load_module(engine, wasm)
        self.compiled = compile_module(self.ast, engine.target, engine.strategy, engine.codemap,
                                       engine.stack_limit, engine.stack_low, module_name=name)

    @classmethod
    def from_file(cls, engine: Engine, path: str | Path) -> "Module":
        p = Path(path)
        return cls(engine, p.read_bytes(), name=p.stem)

    @classmethod
    def from_ast(cls, engine: Engine, module) -> "Module":
        return cls(engine, b"", _ast=module)

    @classmethod
    def validate(cls, engine: Engine, wasm: bytes | str) -> None:
        load_module(engine, wasm)

    @property
    def source(self) -> str:
        """The generated Python source (one function per defined Wasm function)."""
        return self.compiled.source

    @property
    def imports(self) -> list:
        return [ImportType(i.module, i.name, i.kind, i.desc) for i in self.ast.imports]

    @property
    def exports(self) -> list:
        return [ExportType(e.name, e.kind) for e in self.ast.exports]


class Linker:
    """Name-based import resolution."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._defs: dict[tuple[str, str], Any] = {}
        self.allow_shadowing = False
        self._wasi = False

    def define(self, store: Store, module: str, name: str, item) -> None:
        key = (module, name)
        if key in self._defs and not self.allow_shadowing:
            raise LinkError(f"import {module}::{name} defined twice")
        self._defs[key] = item

    def define_func(self, module: str, name: str, ty: "FuncType", func, store: Store | None = None,
                    access_caller: bool = False) -> None:
        if store is None:
            raise TypeError("define_func needs the store (heron keeps host functions per store)")
        self.define(store, module, name, Func(store, ty, func, access_caller=access_caller))

    def define_wasi(self) -> None:
        """Link WASI imports (`wasi_snapshot_preview1`, `wasi_unstable`) to the WASI context of
        the store that instantiates (Store.set_wasi), as wasmtime-py's define_wasi does."""
        self._wasi = True

    def define_instance(self, store: Store, name: str, instance: Instance) -> None:
        for export, item in instance.exports(store).items():
            self.define(store, name, export, item)

    def instantiate(self, store: Store, module: Module) -> Instance:
        items = []
        wasi = store._state.wasi if self._wasi else None
        for imp in module.ast.imports:
            item = self._defs.get((imp.module, imp.name))
            if item is None and wasi is not None:
                item = wasi.import_item(imp.module, imp.name)     # heron.wasi.WasiContext
            if item is None:
                hint = " (Linker.define_wasi links WASI only in a store given Store.set_wasi)" \
                    if self._wasi and wasi is None else ""
                raise LinkError(f"unknown import: {imp.module}::{imp.name} has not been defined{hint}")
            items.append(item)
        return Instance(store, module, items)


__all__ = ["Config", "Engine", "Store", "Module", "Instance", "Linker", "Func", "FuncType", "ValType",
           "Memory", "Table", "Global", "Tag", "MemoryType", "TableType", "GlobalType", "TagType", "Limits",
           "ImportType", "ExportType", "Caller", "load_module"]
