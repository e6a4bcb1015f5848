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

import weakref
from pathlib import Path
from typing import Any, Callable, Optional, Union

from . import ast
from .ast import Module as AstModule     # the Module class's `ast` property shadows `ast` in its body
from . import types as T
from .binary import decode, encode
from .compile import CompiledModule, CompileOptions
from .compile.persist import cache_key, deserialize_module, module_hash, serialize_module
from .errors import DecodeError, HeronError, LinkError, Trap
from .gcpause import paused_gc
from .runtime import (Caller, Config, Engine, ExportType, Func, FuncType, Global, GlobalType, ImportType,
                      Instance, Limits, Memory, MemoryType, Store, Table, TableType, Tag, TagType, ValType)
from .runtime.api_types import ExternType
from .runtime.store_arg import state_of
from .runtime.values import canonical_type, canonical_valtype
from .text import parse_module
from .valid import validate
from .wasi import ABIS as WASI_MODULES, serves as wasi_serves

Extern = Union[Func, Memory, Table, Global, Tag]


def load_module(engine: Engine, data: bytes | bytearray | str) -> ast.Module:
    """Bytes or text -> a validated ast.Module (the eager part of loading: an invalid module
    is rejected here, before anything is compiled or instantiated). Text goes through the
    binary format, so that backtraces can name module offsets."""
    if isinstance(data, memoryview):
        data = bytes(data)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError(f"a module is bytes (binary or text) or str (text), not {type(data).__name__}")
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
        decoded = decode(encode(module), engine.features)
    except HeronError:
        return module
    validate(decoded, engine.features)      # the re-decoded module gets its facts too
    return decoded


def wat2wasm(wat: str | bytes) -> bytearray:
    """The binary form of a module in the text format (heron.ParseError when malformed);
    as wasmtime-py's `wat2wasm`. All proposals Heron parses are accepted."""
    if isinstance(wat, (bytes, bytearray)):
        try:
            wat = bytes(wat).decode("utf-8")
        except UnicodeDecodeError as e:
            raise DecodeError(f"text is not UTF-8 (byte {e.start})", 0) from None
    if not isinstance(wat, str):
        raise TypeError(f"wat2wasm takes str or bytes, not {type(wat).__name__}")
    return bytearray(encode(parse_module(wat)))


def _extern_type(module: ast.Module, kind: str, desc: Any) -> ExternType:
    """The public type of an import (`desc` from ast.Import) or an export."""
    if kind == "func":
        return FuncType._wrap(canonical_type(module, desc))
    if kind == "table":
        return TableType._wrap(T.TableType(desc.limits, canonical_valtype(module, desc.elem), desc.addr))
    if kind == "memory":
        return MemoryType._wrap(desc)
    if kind == "global":
        return GlobalType._wrap(T.GlobalType(canonical_valtype(module, desc.valtype), desc.mutable))
    return TagType(FuncType._wrap(canonical_type(module, desc.type_idx)))


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
    has one (`Config.cache`). `Module(engine, wasm_bytes_or_wat_text)`; a malformed one
    raises heron.DecodeError / ParseError, an invalid one heron.ValidationError."""

    def __init__(self, engine: Engine, wasm: bytes | str, *, name: str | None = None,
                 _ast: ast.Module | None = None):
        if not isinstance(engine, Engine):
            raise TypeError(f"expected a heron.Engine, got {type(engine).__name__}")
        with paused_gc():       # loading builds long-lived objects by the hundred thousand
            self._load(engine, wasm, name, _ast)

    def _load(self, engine: Engine, wasm: bytes | str, name: str | None, _ast: ast.Module | None) -> None:
        self.engine = engine
        self._bodies: _Bodies | None = None
        self._binary: bytes | None = None
        options = CompileOptions.current(engine.target, engine.strategy, engine.stack_limit, engine.stack_low,
                                         engine.instrumentation)
        cache = engine.code_cache
        if isinstance(wasm, memoryview):
            wasm = bytes(wasm)
        if (_ast is not None or cache is None or not isinstance(wasm, (bytes, bytearray))
                or wasm[:4] != b"\0asm"):
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
    def ast(self) -> AstModule:
        """The validated module (a module restored from the code cache decodes its bodies now)."""
        if self._bodies is not None:
            return self._bodies.full()
        return self.compiled.module

    @classmethod
    def from_file(cls, engine: Engine, path: str | Path) -> "Module":
        """Load a .wasm or .wat file."""
        p = Path(path)
        return cls(engine, p.read_bytes(), name=p.stem)

    @classmethod
    def from_ast(cls, engine: Engine, module: AstModule) -> "Module":
        """Compile an already validated module model."""
        return cls(engine, b"", _ast=module)

    @classmethod
    def validate(cls, engine: Engine, wasm: bytes | str) -> None:
        """Raise the error loading `wasm` would raise, without compiling it."""
        load_module(engine, wasm)

    @property
    def source(self) -> str:
        """The generated Python source (one function per defined Wasm function; compiles them all)."""
        return self.compiled.source

    @property
    def imports(self) -> list[ImportType]:
        """What the module imports, in order (`module`, `name`, `type`)."""
        m = self.compiled.module          # without bodies, when restored from the cache
        return [ImportType(i.module, i.name, i.kind, _extern_type(m, i.kind, i.desc)) for i in m.imports]

    @property
    def exports(self) -> list[ExportType]:
        """What the module exports, in order (`name`, `type`)."""
        m = self.compiled.module
        out = []
        for e in m.exports:
            if e.kind == "func":
                imported = m.imported("func")
                desc: Any = (imported[e.index].desc if e.index < len(imported)
                             else m.funcs[e.index - len(imported)].type_idx)
            elif e.kind == "table":
                desc = m.all_tables()[e.index]
            elif e.kind == "memory":
                desc = m.all_mems()[e.index]
            elif e.kind == "global":
                desc = m.all_globals()[e.index]
            else:
                desc = m.all_tags()[e.index]
            out.append(ExportType(e.name, e.kind, _extern_type(m, e.kind, desc)))
        return out

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
        build or for another target, strategy or compile options, or are damaged. Like
        wasmtime-py's, only for bytes from a trusted source (they hold code)."""
        options = CompileOptions.current(engine.target, engine.strategy, engine.stack_limit, engine.stack_low,
                                         engine.instrumentation)
        with paused_gc():
            binary, (skeleton, facts, elided), store = deserialize_module(bytes(data), options,
                                                                          _features_key(engine.features))
            self = cls.__new__(cls)
            self.engine = engine
            self._binary = binary
            self._bodies = _Bodies(binary, engine.features)
            self.compiled = CompiledModule(skeleton, options, engine.codemap, None, facts=facts, elided=elided,
                                           func_with_body=self._bodies, store=store)
        return self

    @classmethod
    def deserialize_file(cls, engine: Engine, path: str | Path) -> "Module":
        """`deserialize` the contents of a file."""
        return cls.deserialize(engine, Path(path).read_bytes())


class _HostDef:
    """A store-less host function definition (Linker.define_func): bound to each Store
    as one Func when a module is instantiated there."""
    __slots__ = ("ty", "func", "access_caller", "funcs")

    def __init__(self, ty: FuncType, func: Callable, access_caller: bool):
        self.ty = ty
        self.func = func
        self.access_caller = access_caller
        self.funcs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def bind(self, store: Any) -> Func:
        state = state_of(store)
        f = self.funcs.get(state)
        if f is None:
            if self.access_caller:
                f = Func(store, self.ty, self.func, access_caller=True)
            else:
                f = Func(store, self.ty, self.func)
            self.funcs[state] = f
        return f


class _WasiDef:
    """A WASI import the linker resolves through the instantiating Store's WASI context
    (Linker.define_wasi + Store.set_wasi), as wasmtime-py's define_wasi does."""
    __slots__ = ("module", "name")

    def __init__(self, module: str, name: str):
        self.module = module
        self.name = name

    def bind(self, store: Any) -> Extern:
        wasi = state_of(store).wasi
        if wasi is None:
            raise LinkError(f"unknown import: `{self.module}::{self.name}` has not been defined "
                            f"(Linker.define_wasi links WASI only in a store given Store.set_wasi)")
        item = wasi.import_item(self.module, self.name)     # heron.wasi.WasiContext
        if item is None:
            raise LinkError(f"unknown import: `{self.module}::{self.name}` has not been defined")
        return item


class Linker:
    """Resolves imports by name (module, name), as wasmtime-py's Linker: items of a Store
    (`define`, `define_instance`, `define_module`), or host functions defined once for
    every Store (`define_func`). Redefining a name is a LinkError unless
    `linker.allow_shadowing = True`."""

    def __init__(self, engine: Engine):
        if not isinstance(engine, Engine):
            raise TypeError(f"expected a heron.Engine, got {type(engine).__name__}")
        self.engine = engine
        self._defs: dict[tuple[str, str], Any] = {}
        self._shadowing = False
        self._wasi = False

    @property
    def allow_shadowing(self) -> bool:
        """May a definition replace an earlier one of the same name?"""
        return self._shadowing

    @allow_shadowing.setter
    def allow_shadowing(self, allow: bool) -> None:
        self._shadowing = bool(allow)

    def _put(self, module: str, name: str, item: Any) -> None:
        if not isinstance(module, str) or not isinstance(name, str):
            raise TypeError("module and name must be str")
        key = (module, name)
        if key in self._defs and not self._shadowing:
            raise LinkError(f"import of `{module}::{name}` defined twice")
        self._defs[key] = item

    def define(self, store: Any, module: str, name: str, item: Extern) -> None:
        """Define `item` (a Func, Memory, Table, Global or Tag of `store`) as module::name."""
        state = state_of(store)
        if getattr(item, "extern_kind", "") == "":
            raise TypeError(f"expected a Func, Memory, Table, Global or Tag, got {type(item).__name__}")
        if item.store is not state:
            raise LinkError(f"`{module}::{name}`: the item belongs to another Store")
        self._put(module, name, item)

    def define_func(self, module: str, name: str, ty: FuncType, func: Callable,
                    access_caller: bool = False) -> None:
        """Define a host function for every Store this linker instantiates in (one Func
        per Store, made when first needed)."""
        if not isinstance(ty, FuncType):
            raise TypeError("expected a heron.FuncType")
        if not callable(func):
            raise TypeError(f"a host function must be callable, not {type(func).__name__}")
        self._put(module, name, _HostDef(ty, func, access_caller))

    def define_wasi(self) -> None:
        """Link WASI imports (`wasi_snapshot_preview1`, `wasi_unstable`) to the WASI context of
        the store that instantiates (Store.set_wasi), as wasmtime-py's define_wasi does."""
        self._wasi = True

    def define_instance(self, store: Any, name: str, instance: Instance) -> None:
        """Define every export of `instance` under module name `name`."""
        for export, item in instance.exports(store).items():
            self.define(store, name, export, item)

    def define_module(self, store: Any, name: str, module: Module) -> None:
        """Define the exports of `module` under `name`, wasmtime's way: a *command* (it
        exports `_start`) gets a fresh instance for every call of one of its functions;
        any other module (a *reactor*) is instantiated once now, `_initialize` run if
        exported, and its exports defined."""
        if not isinstance(module, Module):
            raise TypeError("expected a heron.Module")
        names = [e.name for e in module.compiled.module.exports]
        if "_start" in names:
            for export in module.exports:
                if export.kind == "func":
                    self._put(name, export.name, self._command_func(store, module, export))
            return
        instance = self.instantiate(store, module)
        exports = instance.exports(store)
        init = exports.get("_initialize")
        if isinstance(init, Func):
            init(store)
        for export, item in exports.items():
            self.define(store, name, export, item)

    def _command_func(self, store: Any, module: Module, export: ExportType) -> Func:
        def call(*args: Any) -> Any:
            instance = self.instantiate(store, module)
            exports = instance.exports(store)
            init = exports.get("_initialize")
            if isinstance(init, Func):
                init(store)
            return exports[export.name](store, *args)
        call.__name__ = export.name
        ty = export.type
        assert isinstance(ty, FuncType)
        return Func(store, ty, call)

    def get(self, store: Any, module: str, name: str) -> Extern:
        """The item defined as module::name (LinkError when there is none)."""
        item = self._defs.get((module, name))
        if item is None:
            raise LinkError(f"item `{module}::{name}` not defined in linker")
        return item.bind(store) if isinstance(item, _HostDef) else item

    def get_default(self, store: Any, name: str) -> Func:
        """The default export of module `name`: its function named "" or else
        `_start`, or a function doing nothing when it has neither (as wasmtime)."""
        for field in ("", "_start"):
            item = self._defs.get((name, field))
            if item is not None:
                f = item.bind(store) if isinstance(item, _HostDef) else item
                if not isinstance(f, Func):
                    raise LinkError(f"default export of `{name}` is not a function")
                return f
        return Func(store, FuncType([], []), lambda: None)

    def define_unknown_imports_as_traps(self, module: Module) -> None:
        """Define every function import of `module` not yet defined as a function that
        traps when called (for any Store). What define_wasi links counts as defined, as in
        wasmtime, so a WASI program with a few host imports of its own keeps its WASI."""
        if not isinstance(module, Module):
            raise TypeError("expected a heron.Module")
        for imp in module.imports:
            if self._wasi and wasi_serves(imp.module, imp.name):
                continue
            if imp.kind == "func" and (imp.module, imp.name) not in self._defs:
                ty = imp.type
                assert isinstance(ty, FuncType)
                self._defs[(imp.module, imp.name)] = _HostDef(ty, _trap_for(imp.module, imp.name), False)

    def _resolve(self, module: Module) -> list:
        items = []
        for imp in module.compiled.module.imports:
            item = self._defs.get((imp.module, imp.name))
            if item is None and self._wasi and imp.module in WASI_MODULES:
                item = _WasiDef(imp.module, imp.name)
            if item is None:
                raise LinkError(f"unknown import: `{imp.module}::{imp.name}` has not been defined")
            items.append(item)
        return items

    def instantiate(self, store: Any, module: Module) -> Instance:
        """Instantiate `module` in `store` with this linker's definitions as imports."""
        return _instantiate(store, module, self._resolve(module))

    def instantiate_pre(self, module: Module) -> "InstancePre":
        """Resolve the imports of `module` now (LinkError if one is missing); instantiate
        it later, as often as needed, with `InstancePre.instantiate(store)`."""
        if not isinstance(module, Module):
            raise TypeError("expected a heron.Module")
        return InstancePre(module, self._resolve(module))


def _trap_for(module: str, name: str) -> Callable:
    def unknown_import(*args: Any) -> Any:
        raise Trap(f"unknown import: `{module}::{name}` has not been defined")
    return unknown_import


def _instantiate(store: Any, module: Module, items: list) -> Instance:
    return Instance(store, module, [i.bind(store) if isinstance(i, (_HostDef, _WasiDef)) else i for i in items])


class InstancePre:
    """A module whose imports a Linker already resolved: `instantiate(store)` makes an
    instance without looking names up again."""

    def __init__(self, module: Module, items: list):
        self._module = module
        self._items = items

    @property
    def module(self) -> Module:
        """The module this instantiates."""
        return self._module

    def instantiate(self, store: Any) -> Instance:
        """A new instance of the module in `store`."""
        return _instantiate(store, self._module, self._items)


__all__ = ["Config", "Engine", "Store", "Module", "Instance", "Linker", "InstancePre", "Func", "FuncType",
           "ValType", "Memory", "Table", "Global", "Tag", "MemoryType", "TableType", "GlobalType", "TagType",
           "Limits", "ImportType", "ExportType", "Caller", "load_module", "wat2wasm", "Extern"]
