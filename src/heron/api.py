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
from .compile import CompiledModule, CompileOptions
from .compile.persist import cache_key, deserialize_module, module_hash, serialize_module
from .errors import DecodeError, HeronError, LinkError
from .gcpause import paused_gc
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


class _Bodies:
    """Function bodies of a module restored from its load results (which keep none): the
    bytes are decoded again, once, the first time a function missing from the code cache
    must be compiled (they were validated when the results were cached)."""

    def __init__(self, binary: bytes, features):
        self.binary = binary
        self.features = features
        self.module: ast.Module | None = None

    def full(self) -> ast.Module:
        if self.module is None:
            self.module = decode(self.binary, self.features)
        return self.module

    def __call__(self, k: int) -> ast.Func:
        return self.full().funcs[k]


def _features_key(features) -> str:
    return ",".join(sorted(features.enabled))


class Module:
    """A validated module, loaded for the engine's target and strategy; each function is
    compiled on its first call (DESIGN.md section 8), from the engine's code cache when it
    has one (`Config.cache`)."""

    def __init__(self, engine: Engine, wasm: bytes | str, *, name: str | None = None, _ast=None):
        with paused_gc():       # loading builds long-lived objects by the hundred thousand
            self._load(engine, wasm, name, _ast)

    def _load(self, engine: Engine, wasm: bytes | str, name: str | None, _ast) -> None:
        self.engine = engine
        self._name = name
        self._bodies: _Bodies | None = None
        self._binary: bytes | None = None
        options = CompileOptions.current(engine.target, engine.strategy, engine.stack_limit, engine.stack_low)
        cache = engine.code_cache
        if _ast is not None or cache is None or isinstance(wasm, str) or wasm[:4] != b"\0asm":
            module = _ast if _ast is not None else load_module(engine, wasm)
            self.compiled = CompiledModule(module, options, engine.codemap, name)
            return
        # binary input with a code cache: the load results too come from it when present
        self._binary = binary = bytes(wasm)
        entry = cache.entry(cache_key(module_hash(binary), options.key(), _features_key(engine.features)))
        restored = entry.load_module()
        if restored is not None:
            skeleton, facts, elided = restored
            self._bodies = _Bodies(binary, engine.features)
            self.compiled = CompiledModule(skeleton, options, engine.codemap, name, facts=facts, elided=elided,
                                           func_with_body=self._bodies, store=entry)
            return
        module = load_module(engine, binary)
        self.compiled = CompiledModule(module, options, engine.codemap, name, store=entry)
        entry.store_module(module, self.compiled.facts, self.compiled.ctx.elided)

    @property
    def ast(self) -> ast.Module:
        """The validated module (a module restored from the code cache decodes its bodies now)."""
        if self._bodies is not None:
            return self._bodies.full()
        return self.compiled.module

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
        """The generated Python source (one function per defined Wasm function; compiles them all)."""
        return self.compiled.source

    @property
    def imports(self) -> list:
        return [ImportType(i.module, i.name, i.kind, i.desc) for i in self.compiled.module.imports]

    @property
    def exports(self) -> list:
        return [ExportType(e.name, e.kind) for e in self.compiled.module.exports]

    # ------------------------------------------------------------------ serialization
    def serialize(self) -> bytes:
        """The module's load results and every function compiled so far, with its binary (the
        functions not compiled yet compile from it after `deserialize`): the code cache's
        format, for this Heron build, target, strategy and compile options only."""
        binary = self._binary if self._binary is not None else encode(self.ast)
        return serialize_module(self.compiled, binary, _features_key(self.engine.features))

    @classmethod
    def deserialize(cls, engine: Engine, data: bytes | bytearray) -> "Module":
        """A module from `serialize()`'s bytes; HeronError if they were made by another Heron
        build or for another target, strategy or compile options, or are damaged."""
        options = CompileOptions.current(engine.target, engine.strategy, engine.stack_limit, engine.stack_low)
        with paused_gc():
            binary, (skeleton, facts, elided), store = deserialize_module(bytes(data), options,
                                                                          _features_key(engine.features))
            self = cls.__new__(cls)
            self.engine = engine
            self._name = None
            self._binary = binary
            self._bodies = _Bodies(binary, engine.features)
            self.compiled = CompiledModule(skeleton, options, engine.codemap, None, facts=facts, elided=elided,
                                           func_with_body=self._bodies, store=store)
        return self

    @classmethod
    def deserialize_file(cls, engine: Engine, path: str | Path) -> "Module":
        return cls.deserialize(engine, Path(path).read_bytes())


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
        for imp in module.compiled.module.imports:
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
