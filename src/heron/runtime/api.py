"""The embedder API, shaped like wasmtime-py.

    cfg = Config(target="x86_64-sysv", strategy="optimizing")
    engine = Engine(cfg); store = Store(engine)
    module = Module(engine, wat_or_wasm_bytes)
    instance = Instance(store, module, [imports...])
    instance.exports(store)["run"](store, 50, 20)
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from .. import types as T
from ..errors import HeronError, LinkError
from ..features import Features
from ..target import TARGETS
from ..target.stack import DEFAULT_BASE, DEFAULT_RED_ZONE, DEFAULT_SIZE
from .objects import Func, Global, Memory, Table, Tag
from .store import StoreState

DEFAULT_TARGET = "x86_64-sysv"
# Stack addresses stay below 2**30 so frame arithmetic uses CPython's one-digit int fast paths.
STACK_BASE = 1 << 30
DEFAULT_STRATEGY = "optimizing"


class Config:
    """Engine settings: target, strategy, proposals (`features` or wasm_* flags), stack size."""

    def __init__(self, target: str = DEFAULT_TARGET, strategy: str = DEFAULT_STRATEGY,
                 features: Features | None = None, stack_size: int = DEFAULT_SIZE, **flags: bool):
        if target not in TARGETS:
            raise HeronError(f"unknown target {target!r} (known: {', '.join(TARGETS)})")
        if strategy not in ("baseline", "optimizing"):
            raise HeronError(f"unknown strategy {strategy!r} (known: baseline, optimizing)")
        self.target = target
        self.strategy = strategy
        self.features = features if features is not None else Features()
        self.stack_size = max(16 * ((stack_size + 15) // 16), DEFAULT_RED_ZONE + 4096)
        for name, on in flags.items():
            if not name.startswith("wasm_"):
                raise TypeError(f"unknown Config option {name!r}")
            self.features.set(name[5:].replace("_", "-"), bool(on))

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("wasm_"):
            self.features.set(name[5:].replace("_", "-"), bool(value))
            return
        object.__setattr__(self, name, value)


class Engine:
    """Compiles modules for one target and strategy; owns the code map of everything it compiled."""

    def __init__(self, config: Config | None = None):
        from ..compile import CodeMap
        self.config = config or Config()
        self.target = self.config.target
        self.strategy = self.config.strategy
        self.features = self.config.features
        self.stack_size = self.config.stack_size
        self.stack_base = STACK_BASE if self.stack_size < STACK_BASE // 2 else DEFAULT_BASE
        self.stack_low = self.stack_base - self.stack_size
        self.stack_limit = self.stack_low + DEFAULT_RED_ZONE
        self.codemap = CodeMap()


class Store:
    """Owns instances and the stack memory their frames live in."""

    def __init__(self, engine: Engine | None = None):
        self.engine = engine or Engine()
        self._state = StoreState(self.engine)

    @property
    def stack(self):
        """The StackMemory frames live in."""
        return self._state.stack

    def wasm_frames(self) -> list:
        """From inside a host function: the Wasm frames that led to it, innermost first
        (walked through the frame records in stack memory; see heron.unwind.frames)."""
        return self._state.frames()


def _load(engine: Engine, data: bytes | str, name: str | None = None):
    from ..valid import validate
    if isinstance(data, str):
        data = data.encode()
    if data[:4] == b"\0asm":
        from ..binary import decode
        module = decode(bytes(data), engine.features)
    else:
        from ..text import parse_module
        module = parse_module(data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else data,
                              engine.features)
        validate(module, engine.features)
        # through the binary format, so backtraces can name module offsets
        try:
            from ..binary import decode, encode
            module = decode(encode(module), engine.features)
        except HeronError:
            return module
        validate(module, engine.features)   # again: the facts (FuncFacts) of the decoded funcs
        return module
    validate(module, engine.features)
    return module


class Module:
    """A validated, compiled module (compiled for the engine's target and strategy)."""

    def __init__(self, engine: Engine, wasm: bytes | str, *, name: str | None = None, _ast=None):
        from ..compile import compile_module
        self.engine = engine
        self.ast = _ast if _ast is not None else _load(engine, wasm, name)
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
        _load(engine, wasm)

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


class ImportType:
    def __init__(self, module: str, name: str, kind: str, desc):
        self.module, self.name, self.kind, self.desc = module, name, kind, desc

    def __repr__(self) -> str:
        return f"ImportType({self.module!r}, {self.name!r}, {self.kind})"


class ExportType:
    def __init__(self, name: str, kind: str):
        self.name, self.kind = name, kind

    def __repr__(self) -> str:
        return f"ExportType({self.name!r}, {self.kind})"


class InstanceExports:
    """`instance.exports(store)`: mapping by name (and by index)."""

    def __init__(self, exports: dict):
        self._exports = exports
        self._list = list(exports.values())

    def __getitem__(self, key):
        if isinstance(key, int):
            return self._list[key]
        return self._exports[key]

    def __contains__(self, key) -> bool:
        return key in self._exports

    def __iter__(self):
        return iter(self._exports)

    def __len__(self) -> int:
        return len(self._exports)

    def get(self, key, default=None):
        return self._exports.get(key, default)

    def keys(self):
        return self._exports.keys()

    def items(self):
        return self._exports.items()

    def values(self):
        return self._exports.values()

    def __getattr__(self, name: str):
        try:
            return self.__dict__["_exports"][name]
        except KeyError:
            raise AttributeError(name) from None


class Instance:
    """An instantiated module. Imports: one extern object per module import, in order."""

    def __init__(self, store: Store, module: Module, imports: Iterable = ()):
        from .instance import instantiate
        if store.engine is not module.engine and store.engine.target != module.engine.target:
            raise LinkError("module and store belong to different engines")
        self.module = module
        self._state = instantiate(store._state, module.compiled, list(imports), self)

    def exports(self, store: Store | None = None) -> InstanceExports:
        return InstanceExports(self._state.exports)


class Linker:
    """Name-based import resolution."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._defs: dict[tuple[str, str], Any] = {}
        self.allow_shadowing = False

    def define(self, store: Store, module: str, name: str, item) -> None:
        key = (module, name)
        if key in self._defs and not self.allow_shadowing:
            raise LinkError(f"import {module}::{name} defined twice")
        self._defs[key] = item

    def define_func(self, module: str, name: str, ty: "FuncType", func, store: Store | None = None) -> None:
        if store is None:
            raise TypeError("define_func needs the store (heron keeps host functions per store)")
        self.define(store, module, name, Func(store, ty, func))

    def define_instance(self, store: Store, name: str, instance: Instance) -> None:
        for export, item in instance.exports(store).items():
            self.define(store, name, export, item)

    def instantiate(self, store: Store, module: Module) -> Instance:
        items = []
        for imp in module.ast.imports:
            item = self._defs.get((imp.module, imp.name))
            if item is None:
                raise LinkError(f"unknown import: {imp.module}::{imp.name} has not been defined")
            items.append(item)
        return Instance(store, module, items)


# ------------------------------------------------------------------------------ types
class ValType:
    """A value type (wasmtime-py style constructors)."""
    __slots__ = ("internal",)

    def __init__(self, internal):
        self.internal = internal

    @staticmethod
    def i32() -> "ValType":
        return ValType(T.I32)

    @staticmethod
    def i64() -> "ValType":
        return ValType(T.I64)

    @staticmethod
    def f32() -> "ValType":
        return ValType(T.F32)

    @staticmethod
    def f64() -> "ValType":
        return ValType(T.F64)

    @staticmethod
    def funcref() -> "ValType":
        return ValType(T.FUNCREF)

    @staticmethod
    def externref() -> "ValType":
        return ValType(T.EXTERNREF)

    @staticmethod
    def exnref() -> "ValType":
        return ValType(T.EXNREF)

    def __eq__(self, other) -> bool:
        return isinstance(other, ValType) and other.internal == self.internal

    def __hash__(self) -> int:
        return hash(self.internal)

    def __str__(self) -> str:
        return str(self.internal)

    __repr__ = __str__


def _vt(v) -> Any:
    return v.internal if isinstance(v, ValType) else v


class FuncType:
    def __init__(self, params: Iterable = (), results: Iterable = ()):
        self.internal = T.FuncType(tuple(_vt(p) for p in params), tuple(_vt(r) for r in results))

    @classmethod
    def _wrap(cls, ft: T.FuncType) -> "FuncType":
        o = cls.__new__(cls)
        o.internal = ft
        return o

    @property
    def params(self) -> list[ValType]:
        return [ValType(t) for t in self.internal.params]

    @property
    def results(self) -> list[ValType]:
        return [ValType(t) for t in self.internal.results]

    def __repr__(self) -> str:
        return f"FuncType({self.internal})"


class Limits:
    def __init__(self, min: int, max: int | None = None):
        self.min, self.max = min, max


class MemoryType:
    def __init__(self, limits: Limits, is_64: bool = False, shared: bool = False):
        self.internal = T.MemType(T.Limits(limits.min, limits.max), T.I64 if is_64 else T.I32, shared)


class TableType:
    def __init__(self, valtype: ValType, limits: Limits, is_64: bool = False):
        self.internal = T.TableType(T.Limits(limits.min, limits.max), _vt(valtype), T.I64 if is_64 else T.I32)


class GlobalType:
    def __init__(self, valtype: ValType, mutable: bool = False):
        self.internal = T.GlobalType(_vt(valtype), mutable)


class TagType:
    def __init__(self, functype: FuncType):
        self.internal = functype.internal

    @property
    def functype(self) -> FuncType:
        return FuncType._wrap(self.internal)

    @property
    def params(self) -> list[ValType]:
        return [ValType(t) for t in self.internal.params]

    def __repr__(self) -> str:
        return f"TagType({self.internal})"


__all__ = ["Config", "Engine", "Store", "Module", "Instance", "Linker", "Func", "FuncType", "ValType",
           "Memory", "Table", "Global", "Tag", "MemoryType", "TableType", "GlobalType", "TagType", "Limits",
           "ImportType", "ExportType"]
