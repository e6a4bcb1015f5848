"""One adapter per engine: turn Wasm (text and bytes) into a Python callable.

An adapter raises EngineUnavailable with a short reason when it cannot run a workload
(not installed, not landed yet, proposal unsupported, ...); the runner prints that as
"n/a: <reason>" instead of crashing.
"""
from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

from .handwritten import HANDWRITTEN
from .workloads import Workload, WrongResult

Call = Callable[..., Any]          # call(*args) -> result of the export
CallLoop = Callable[[int], None]   # loop(n): call the exported nop n times


class EngineUnavailable(Exception):
    """This engine cannot run this workload; the message is the short reason shown."""


def short_reason(error: BaseException, limit: int = 48) -> str:
    """A one-line reason fit for a table cell."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    kind = type(error).__name__
    if isinstance(error, (EngineUnavailable, WrongResult)) or text.lower().startswith(kind.lower()):
        reason = text  # the message already says what kind of failure it is
    else:
        reason = f"{kind}: {text}" if text else kind
    return reason if len(reason) <= limit else reason[: limit - 3] + "..."


def wat_to_wasm(wat: str) -> bytes:
    """Binary for engines that take no text: wasmtime.wat2wasm, else `wasm-tools parse`."""
    try:
        import wasmtime
        return bytes(wasmtime.wat2wasm(wat))
    except ImportError:
        pass
    tool = Path(sys.executable).parent / "wasm-tools"
    exe = str(tool) if tool.exists() else shutil.which("wasm-tools")
    if exe is None:
        raise EngineUnavailable("no wat->wasm converter (wasmtime or wasm-tools)")
    done = subprocess.run([exe, "parse", "-", "-o", "-"], input=wat.encode(),
                          capture_output=True, check=False)
    if done.returncode != 0:
        raise EngineUnavailable(f"wasm-tools parse: {done.stderr.decode().strip()[:80]}")
    return done.stdout


class Engine:
    """Base adapter. `prepare` is called outside timing; what it returns is timed."""

    name = "?"
    is_peer = True

    def prepare(self, workload: Workload, wat: str, wasm: bytes) -> Call:
        raise NotImplementedError

    def prepare_call_loop(self, wat: str, wasm: bytes) -> CallLoop:
        raise NotImplementedError

    def check_warm(self) -> None:
        """After the warm-up calls: raise EngineUnavailable if the engine is not in the mode
        its row claims (say, a compiler that fell back to an interpreter)."""


class Wasmtime(Engine):
    name = "wasmtime"

    def __init__(self) -> None:
        try:
            import wasmtime
        except ImportError as e:
            raise EngineUnavailable("wasmtime not installed") from e
        self.wasmtime = wasmtime
        self._engines: dict[frozenset[str], Any] = {}

    def _engine(self, needs: frozenset[str]) -> Any:
        if "legacy-exceptions" in needs:
            raise EngineUnavailable("Wasmtime has no legacy exception handling")
        if needs not in self._engines:
            cfg = self.wasmtime.Config()
            if "exceptions" in needs:
                cfg.wasm_exceptions = True
            if "tail-call" in needs:
                cfg.wasm_tail_call = True
            self._engines[needs] = self.wasmtime.Engine(cfg)
        return self._engines[needs]

    def _instance(self, needs: frozenset[str], wasm: bytes, host: Any = None) -> tuple[Any, Any]:
        wt = self.wasmtime
        engine = self._engine(needs)
        store = wt.Store(engine)
        imports = []
        if host is not None:
            i32 = wt.ValType.i32()
            imports.append(wt.Func(store, wt.FuncType([i32], [i32]), host))
        instance = wt.Instance(store, wt.Module(engine, wasm), imports)
        return store, instance.exports(store)

    def prepare(self, workload: Workload, wat: str, wasm: bytes) -> Call:
        store, exports = self._instance(workload.needs, wasm, workload.host)
        fn = exports[workload.export]
        return lambda *args: fn(store, *args)

    def prepare_call_loop(self, wat: str, wasm: bytes) -> CallLoop:
        store, exports = self._instance(frozenset(), wasm)
        fn = exports["nop"]

        def loop(n: int) -> None:
            for _ in range(n):
                fn(store)
        return loop


class Pwasm(Engine):
    """pwasm in compile mode: every function is translated to Python source on first call."""

    name = "pwasm"

    def __init__(self) -> None:
        try:
            import pwasm
        except ImportError as e:
            raise EngineUnavailable("pwasm not installed") from e
        self.pwasm = pwasm
        self._instance: Any = None

    def _exports(self, wasm: bytes, host: Any = None) -> Any:
        try:
            module = self.pwasm.decode_module(wasm)
        except self.pwasm.WasmError as e:
            raise EngineUnavailable(f"decode: {e}") from e
        imports = {"env": {"f": host}} if host is not None else None
        self._instance = self.pwasm.instantiate(module, imports, mode="compile")
        return self._instance.exports

    def check_warm(self) -> None:
        errors = getattr(self._instance, "compile_errors", None)
        if errors:
            raise EngineUnavailable(f"fell back to interpreter: {short_reason(errors[0][1], 30)}")

    def prepare(self, workload: Workload, wat: str, wasm: bytes) -> Call:
        return self._exports(wasm, workload.host)[workload.export]

    def prepare_call_loop(self, wat: str, wasm: bytes) -> CallLoop:
        fn = self._exports(wasm)["nop"]

        def loop(n: int) -> None:
            for _ in range(n):
                fn()
        return loop


class Pywasm(Engine):
    """pywasm 2: a spec-style interpreter; called through Runtime.invocate, its public API."""

    name = "pywasm"

    def __init__(self) -> None:
        try:
            import pywasm
        except ImportError as e:
            raise EngineUnavailable("pywasm not installed") from e
        self.pywasm = pywasm

    def _runtime(self, wasm: bytes) -> tuple[Any, Any]:
        core = self.pywasm.core
        runtime = core.Runtime()
        try:
            desc = core.ModuleDesc.from_reader(io.BytesIO(wasm))
        except Exception as e:  # pywasm signals malformed/unknown input with assert
            raise EngineUnavailable(f"decode: {short_reason(e, 40)}") from e
        return runtime, runtime.instance(desc)

    def prepare(self, workload: Workload, wat: str, wasm: bytes) -> Call:
        if workload.host is not None:
            raise EngineUnavailable("host imports not wired for pywasm")
        runtime, instance = self._runtime(wasm)
        export = workload.export
        return lambda *args: runtime.invocate(instance, export, list(args))

    def prepare_call_loop(self, wat: str, wasm: bytes) -> CallLoop:
        runtime, instance = self._runtime(wasm)

        def loop(n: int) -> None:
            for _ in range(n):
                runtime.invocate(instance, "nop", [])
        return loop


HERON_API = ("Config", "Engine", "Store", "Module", "Instance")


class Heron(Engine):
    """Heron through its wasmtime-py-shaped API, one strategy on one target."""

    is_peer = False

    def __init__(self, strategy: str, target: str) -> None:
        self.strategy = strategy
        self.target = target
        self.name = "heron-base" if strategy == "baseline" else "heron-opt"
        try:
            import heron
        except Exception as e:  # a half-landed package may fail in any way on import
            raise EngineUnavailable(f"import heron: {short_reason(e, 36)}") from e
        for api in HERON_API:
            if not hasattr(heron, api):
                raise EngineUnavailable(f"no heron.{api} yet")
        self.heron = heron
        self._engines: dict[bool, Any] = {}

    def _config(self, legacy: bool) -> Any:
        h = self.heron
        if not legacy:
            return h.Config(target=self.target, strategy=self.strategy)
        features = h.Features()
        features.set("legacy-exceptions", True)
        try:
            return h.Config(target=self.target, strategy=self.strategy, features=features)
        except TypeError:
            cfg = h.Config(target=self.target, strategy=self.strategy)
        current = getattr(cfg, "features", None)
        if current is not None and hasattr(current, "set"):
            current.set("legacy-exceptions", True)
        elif hasattr(cfg, "wasm_legacy_exceptions") or hasattr(type(cfg), "wasm_legacy_exceptions"):
            cfg.wasm_legacy_exceptions = True
        else:
            raise EngineUnavailable("no way to enable legacy-exceptions in heron.Config")
        return cfg

    def _engine(self, legacy: bool) -> Any:
        if legacy not in self._engines:
            self._engines[legacy] = self.heron.Engine(self._config(legacy))
        return self._engines[legacy]

    def _exports(self, needs: frozenset[str], wat: str, wasm: bytes, host: Any = None) -> tuple[Any, Any]:
        h = self.heron
        engine = self._engine("legacy-exceptions" in needs)
        try:
            module = h.Module(engine, wat)
        except Exception as text_error:  # the text front end may lag the binary one
            try:
                module = h.Module(engine, wasm)
            except Exception:
                raise text_error
        store = h.Store(engine)
        imports = []
        if host is not None:
            i32 = h.ValType.i32()
            imports.append(h.Func(store, h.FuncType([i32], [i32]), host))
        instance = h.Instance(store, module, imports)
        return store, instance.exports(store)

    def prepare(self, workload: Workload, wat: str, wasm: bytes) -> Call:
        store, exports = self._exports(workload.needs, wat, wasm, workload.host)
        fn = exports[workload.export]
        return lambda *args: fn(store, *args)

    def prepare_call_loop(self, wat: str, wasm: bytes) -> CallLoop:
        store, exports = self._exports(frozenset(), wat, wasm)
        fn = exports["nop"]

        def loop(n: int) -> None:
            for _ in range(n):
                fn(store)
        return loop


class HandWritten(Engine):
    """The best hand-written i32-exact Python for a workload (bench/handwritten.py): what a
    Wasm-to-Python compiler can at most hope to match. Not a peer runtime: a yardstick."""

    name = "python"

    def prepare(self, workload: Workload, wat: str, wasm: bytes) -> Call:
        fn = HANDWRITTEN.get(workload.name)
        if fn is None:
            raise EngineUnavailable("no hand-written version")
        return fn

    def prepare_call_loop(self, wat: str, wasm: bytes) -> CallLoop:
        def nop() -> None:
            pass

        def loop(n: int) -> None:
            for _ in range(n):
                nop()
        return loop


class Unavailable(Engine):
    """Stands in for an engine that could not even be set up: every cell is n/a."""

    def __init__(self, name: str, reason: str, is_peer: bool) -> None:
        self.name = name
        self.reason = reason
        self.is_peer = is_peer

    def prepare(self, workload: Workload, wat: str, wasm: bytes) -> Call:
        raise EngineUnavailable(self.reason)

    def prepare_call_loop(self, wat: str, wasm: bytes) -> CallLoop:
        raise EngineUnavailable(self.reason)


ENGINE_NAMES = ("heron-base", "heron-opt", "pwasm", "pywasm", "wasmtime", "python")
PEERS = ("pwasm", "pywasm", "wasmtime", "python")


def make_engines(names: list[str], target: str) -> list[Engine]:
    """Set up the named engines; one that cannot start becomes an Unavailable row."""
    factories: dict[str, Callable[[], Engine]] = {
        "heron-base": lambda: Heron("baseline", target),
        "heron-opt": lambda: Heron("optimizing", target),
        "pwasm": Pwasm, "pywasm": Pywasm, "wasmtime": Wasmtime, "python": HandWritten,
    }
    engines: list[Engine] = []
    for name in names:
        try:
            engines.append(factories[name]())
        except Exception as e:
            engines.append(Unavailable(name, short_reason(e), name in PEERS))
    return engines
