"""The engine seam of the script runner.

The runner does everything that needs no execution itself (parsing, decoding,
validating, comparing results) and asks an *adapter* for the rest: compile,
instantiate, register, invoke, get. Two adapters exist:

* `NoExecutionAdapter` — used while `heron.runtime` cannot run code: everything
  that needs execution raises `SkipCommand("execution")`.
* `RuntimeAdapter` — drives a wasmtime-py-shaped API (Config, Engine, Store,
  Module, Instance), by default Heron's own public API. Tests also point it at
  wasmtime-py itself, which checks the result comparison and the spectest module
  against a reference engine.
"""
from __future__ import annotations

import contextlib
import inspect
from typing import Any, Callable, Iterator

import heron

from ..ast import Module as AstModule
from ..binary import encode
from ..errors import HeronError, LinkError
from ..features import Features
from . import loading
from ..text.commands import ModuleSource
from .values import to_host

TARGETS = ("x86_64-sysv", "x86_64-windows", "aarch64")
STRATEGIES = ("baseline", "optimizing")
DEFAULT_TARGET, DEFAULT_STRATEGY = "x86_64-sysv", "optimizing"


class SkipCommand(Exception):
    """Raised by an adapter (or the runner) for a command it cannot run; `reason` is counted."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


class ScriptError(HeronError):
    """A command refers to something the script never defined (unknown module or export)."""


# The host module every spec script may import from. Its functions print nothing
# (no script observes output), so they can be plain Wasm functions.
SPECTEST_WAT = """(module
  (func (export "print"))
  (func (export "print_i32") (param i32))
  (func (export "print_i64") (param i64))
  (func (export "print_f32") (param f32))
  (func (export "print_f64") (param f64))
  (func (export "print_i32_f32") (param i32 f32))
  (func (export "print_f64_f64") (param f64 f64))
  (global (export "global_i32") i32 (i32.const 666))
  (global (export "global_i64") i64 (i64.const 666))
  (global (export "global_f32") f32 (f32.const 666.6))
  (global (export "global_f64") f64 (f64.const 666.6))
  (table (export "table") 10 20 funcref)
  (table (export "table64") i64 10 20 funcref)
  (memory (export "memory") 1 2)
)"""


class EngineAdapter:
    """What the runner asks of an engine. Handles are opaque to the runner."""

    name = "abstract"

    def compile(self, source: ModuleSource, module: Any) -> Any:
        """Compile a validated module (`module` is its ast.Module); return a handle."""
        raise SkipCommand("execution")

    def instantiate(self, compiled: Any, module: Any, name: str | None) -> None:
        """Instantiate, resolving imports from registered modules; it becomes the current module."""
        raise SkipCommand("execution")

    def register(self, as_name: str, name: str | None) -> None:
        raise SkipCommand("execution")

    def invoke(self, name: str | None, field: str, args: list) -> Any:
        """Call an export; return None, one value, or a tuple of values."""
        raise SkipCommand("execution")

    def get(self, name: str | None, field: str) -> Any:
        raise SkipCommand("execution")

    def names(self) -> Any:
        """The engine's names (instances, registrations), to restore after a `(thread ...)`."""
        return None

    def restore_names(self, saved: Any) -> None:
        """Put back what names() returned."""


class NoExecutionAdapter(EngineAdapter):
    """Checks only what needs no execution; the runner has already loaded and validated."""

    name = "no-execution"

    def compile(self, source: ModuleSource, module: Any) -> Any:
        return module


class RuntimeAdapter(EngineAdapter):
    """Runs commands through a wasmtime-py-shaped API (Heron's own by default)."""

    name = "runtime"

    def __init__(self, target: str = DEFAULT_TARGET, strategy: str = DEFAULT_STRATEGY,
                 features: Features | None = None, api: Any = None):
        self.api = api if api is not None else heron
        self.features = features or Features()
        self.engine = self.api.Engine(self.make_config(target, strategy))
        self.store = self.api.Store(self.engine)
        self.instances: dict[str | None, Any] = {}
        self.registry: dict[str, Any] = {}

    # --- hooks a different engine may override -------------------------------------------
    def make_config(self, target: str, strategy: str) -> Any:
        config_cls = self.api.Config
        wanted = {"target": target, "strategy": strategy, "features": self.features}
        try:
            accepted = inspect.signature(config_cls).parameters
            kwargs = {k: v for k, v in wanted.items() if k in accepted}
        except (TypeError, ValueError):
            kwargs = wanted
        return config_cls(**kwargs)

    @contextlib.contextmanager
    def engine_errors(self) -> Iterator[None]:
        """Translate the engine's own exceptions to Heron's (identity for Heron)."""
        yield

    def module_from(self, source: ModuleSource, module: Any) -> Any:
        """The engine's module: from the already validated ast when the API can take one
        (`Module.from_ast`), else from the original binary, else from the ast re-encoded."""
        from_ast = getattr(self.api.Module, "from_ast", None)
        if from_ast is not None and isinstance(module, AstModule):
            return from_ast(self.engine, module)
        if source.kind == "binary":
            return self.api.Module(self.engine, source.data)
        if isinstance(module, AstModule):
            return self.api.Module(self.engine, encode(module))
        return self.api.Module(self.engine, (source.text or "").encode())

    def exports_of(self, instance: Any) -> Any:
        return instance.exports(self.store)

    def global_value(self, item: Any) -> Any:
        value = getattr(item, "value", None)
        if callable(value):
            return value(self.store)
        return item.get(self.store)

    # --- the adapter interface -------------------------------------------------------------
    def compile(self, source: ModuleSource, module: Any) -> Any:
        with self.engine_errors():
            return self.module_from(source, module)

    def instantiate(self, compiled: Any, module: Any, name: str | None) -> None:
        imports = [self._resolve(imp.module, imp.name) for imp in module.imports]
        with self.engine_errors():
            instance = self.api.Instance(self.store, compiled, imports)
        self.instances[None] = instance
        if name is not None:
            self.instances[name] = instance

    def register(self, as_name: str, name: str | None) -> None:
        self.registry[as_name] = self._instance(name)

    def names(self) -> Any:
        return dict(self.instances), dict(self.registry)

    def restore_names(self, saved: Any) -> None:
        self.instances, self.registry = dict(saved[0]), dict(saved[1])

    def invoke(self, name: str | None, field: str, args: list) -> Any:
        func = self._export(name, field)
        host_args = [to_host(a) for a in args]
        with self.engine_errors():
            return func(self.store, *host_args)

    def get(self, name: str | None, field: str) -> Any:
        item = self._export(name, field)
        with self.engine_errors():
            return self.global_value(item)

    # --- helpers ---------------------------------------------------------------------------
    def _instance(self, name: str | None) -> Any:
        try:
            return self.instances[name]
        except KeyError:
            raise ScriptError(f"unknown module {name}" if name else "no module instantiated yet") from None

    def _export(self, name: str | None, field: str) -> Any:
        with self.engine_errors():
            exports = self.exports_of(self._instance(name))
            try:
                return exports[field]
            except KeyError:
                raise ScriptError(f"unknown export \"{field}\"") from None

    def _resolve(self, module_name: str, field: str) -> Any:
        if module_name == "spectest" and "spectest" not in self.registry:
            self._load_spectest()
        provider = self.registry.get(module_name)
        if provider is None:
            raise LinkError(f"unknown import: module \"{module_name}\" is not registered")
        with self.engine_errors():
            exports = self.exports_of(provider)
            try:
                return exports[field]
            except KeyError:
                raise LinkError(f"unknown import: \"{module_name}\" \"{field}\"") from None

    def _load_spectest(self) -> None:
        source = ModuleSource(kind="text", line=0, text=SPECTEST_WAT)
        module = loading.load(source, self.features)
        loading.validate(module, self.features)
        with self.engine_errors():
            compiled = self.module_from(source, module)
            self.registry["spectest"] = self.api.Instance(self.store, compiled, [])


def runtime_available() -> bool:
    """Does Heron's public API offer execution? (It does; kept for scripts that ask.)"""
    return True


AdapterFactory = Callable[[str, str, Features], EngineAdapter]


def default_adapter_factory() -> AdapterFactory:
    """RuntimeAdapter: Heron's own API runs the commands."""
    return lambda target, strategy, features: RuntimeAdapter(target, strategy, features)
