"""Running a corpus case on an engine: WAT -> bytes, the reference engine, and Heron.

Both runners build the case's instances in order, create its host functions with
the same behaviour (`corpus.HostFunc`), invoke the export and return an outcome
tuple: ("ok", *values), ("uncaught", *payload) or ("trap",).

Heron's side uses the public API the runtime is being built to:
    heron.Config(target=..., strategy=..., features=...), heron.Engine, heron.Store,
    heron.Module(engine, wasm_bytes), heron.Instance(store, module, imports_in_order),
    instance.exports(store)[name](store, *args),
    heron.Func(store, heron.FuncType(params, results), callable)   # callable(*args) -> result
    raise heron.WasmException(tag, payload)                          # host -> Wasm throw
"""
from __future__ import annotations

import ctypes
import functools
import inspect
import subprocess
import sys
from pathlib import Path
from typing import Any

from corpus import Case, FromHost, FromInstance, HostFunc, wrap

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))
from testsuite_paths import wasm_tools  # noqa: E402


# ----------------------------------------------------------------------------- bytes

@functools.lru_cache(maxsize=None)
def wat_to_wasm(wat: str, legacy: bool = False) -> bytes:
    """Binary of a WAT module: wasm-tools for everything it parses; Heron's own text parser
    and encoder for legacy-exception modules (wasm-tools no longer parses `try`), checked
    by `wasm-tools validate` so the bytes are independently confirmed valid."""
    tool = wasm_tools()
    if tool is None:
        raise RuntimeError("wasm-tools is not installed")
    if not legacy:
        r = subprocess.run([tool, "parse", "-"], input=wat.encode(), capture_output=True)
        if r.returncode:
            raise RuntimeError(f"wasm-tools parse failed:\n{r.stderr.decode()}\n{wat}")
        return r.stdout
    from heron.binary import encode
    from heron.features import Features
    from heron.text.module import parse_module
    features = Features()
    features.set("legacy-exceptions", True)
    data = encode(parse_module(wat, features))
    r = subprocess.run([tool, "validate", "--features", "all", "-"], input=data, capture_output=True)
    if r.returncode:
        raise RuntimeError(f"wasm-tools rejects the legacy module:\n{r.stderr.decode()}\n{wat}")
    return data


def case_bytes(case: Case, module: str) -> bytes:
    return wat_to_wasm(case.modules[module], case.legacy)


def normalize(results: tuple[str, ...], values: Any) -> tuple:
    """An engine's return value as ("ok", ints...), i32/i64 as signed ints (one place to
    decide signedness: whatever the engine returns is wrapped to the result width)."""
    if values is None:
        values = ()
    elif not isinstance(values, (list, tuple)):
        values = (values,)
    if len(values) != len(results):
        raise AssertionError(f"expected {len(results)} results, got {values!r}")
    out = []
    for t, v in zip(results, values):
        out.append(wrap(int(v), 32 if t == "i32" else 64) if t in ("i32", "i64") else v)
    return ("ok", *out)


# ----------------------------------------------------------------------------- wasmtime

class WasmtimeThrown(Exception):
    """A Wasm exception that reached a host function's call into Wasm (wasmtime side)."""

    def __init__(self, exnref, payload):
        self.exnref = exnref
        self.payload = payload
        super().__init__(f"wasm exception {payload!r}")


class _HostThrow(Exception):
    def __init__(self, tag, payload):
        self.tag = tag
        self.payload = payload


class _WasmtimeContext:
    WasmException = WasmtimeThrown

    def __init__(self, store, instances):
        self.store = store
        self.instances = instances
        self.callers: list = []

    def _where(self):
        return self.callers[-1] if self.callers else self.store

    def call(self, instance: int, export: str, *args):
        import wasmtime
        from wasmtime import _ffi as ffi
        where = self._where()
        func = self.instances[instance].exports(where)[export]
        try:
            return func(where, *args)
        except (wasmtime.Trap, wasmtime.WasmtimeError):
            exn = ffi.wasmtime_exnref_t()
            if ffi.wasmtime_context_take_exception(where._context(), ctypes.byref(exn)):
                raise WasmtimeThrown(exn, _exn_payload(where, exn)) from None
            raise

    def throw(self, instance: int, tag_export: str, *payload):
        tag = self.instances[instance].exports(self._where())[tag_export]
        raise _HostThrow(tag, payload)


def _exn_payload(where, exn) -> tuple:
    from wasmtime import Val
    from wasmtime import _ffi as ffi
    ctx = where._context()
    n = ffi.wasmtime_exnref_field_count(ctx, ctypes.byref(exn))
    out = []
    for i in range(n):
        raw = ffi.wasmtime_val_t()
        err = ffi.wasmtime_exnref_field(ctx, ctypes.byref(exn), i, ctypes.byref(raw))
        if err:
            raise RuntimeError("wasmtime_exnref_field failed")
        out.append(Val._from_raw(where, raw).value)
    return tuple(out)


_WASMTIME_HOSTS: dict[int, tuple] = {}


def _wasmtime_valtype(t: str):
    import wasmtime
    return {"i32": wasmtime.ValType.i32, "i64": wasmtime.ValType.i64,
            "f32": wasmtime.ValType.f32, "f64": wasmtime.ValType.f64}[t]()


def _make_wasmtime_trampoline():
    from wasmtime import Val
    from wasmtime import _ffi as ffi
    from wasmtime._func import Caller

    @ffi.wasmtime_func_callback_t
    def trampoline(env, caller_ptr, params, nparams, results, nresults):
        host, ctx = _WASMTIME_HOSTS[env or 0]
        caller = Caller(caller_ptr)
        ctx.callers.append(caller)
        cctx = caller._context()
        try:
            args = [Val._from_raw(caller, params[i], owned=False).value for i in range(nparams)]
            out = host.behaviour(ctx, *args)
            outs = () if out is None else (out if isinstance(out, tuple) else (out,))
            for i, (t, v) in enumerate(zip(host.results, outs)):
                results[i] = Val._convert_to_raw(caller, _wasmtime_valtype(t), v)
            return 0
        except _HostThrow as thrown:
            tag_params = [p for p in _tag_param_types(caller, thrown.tag)]
            vals = (ffi.wasmtime_val_t * max(1, len(thrown.payload)))()
            for i, (t, v) in enumerate(zip(tag_params, thrown.payload)):
                vals[i] = Val._convert_to_raw(caller, t, v)
            exn = ffi.wasmtime_exnref_t()
            err = ffi.wasmtime_exnref_new(cctx, ctypes.byref(thrown.tag._tag), vals,
                                          len(thrown.payload), ctypes.byref(exn))
            if err:
                raise RuntimeError("wasmtime_exnref_new failed")
            return ctypes.cast(ffi.wasmtime_context_set_exception(cctx, ctypes.byref(exn)),
                               ctypes.c_void_p).value
        except WasmtimeThrown as thrown:          # let it continue into the calling Wasm
            return ctypes.cast(ffi.wasmtime_context_set_exception(cctx, ctypes.byref(thrown.exnref)),
                               ctypes.c_void_p).value
        except BaseException as e:  # noqa: BLE001 - reported as a trap with the message
            print(f"host function {host.name} failed: {e!r}", file=sys.stderr)
            from wasmtime import Trap
            return ctypes.cast(Trap(f"host failure: {e!r}")._consume(), ctypes.c_void_p).value
        finally:
            ctx.callers.pop()
            caller._invalidate()

    @ctypes.CFUNCTYPE(None, ctypes.c_void_p)
    def finalizer(env):
        pass

    return trampoline, finalizer


_TRAMPOLINE = None


def _tag_param_types(where, tag):
    return list(tag.type(where).functype.params)


@functools.lru_cache(maxsize=1)
def wasmtime_engine():
    import wasmtime
    config = wasmtime.Config()
    config.wasm_exceptions = True
    config.wasm_tail_call = True
    config.wasm_function_references = True
    return wasmtime.Engine(config)


def _wasmtime_host(store, host: HostFunc, ctx: _WasmtimeContext):
    global _TRAMPOLINE
    import wasmtime
    from wasmtime import _ffi as ffi
    if _TRAMPOLINE is None:
        _TRAMPOLINE = _make_wasmtime_trampoline()
    key = len(_WASMTIME_HOSTS) + 1
    _WASMTIME_HOSTS[key] = (host, ctx)
    ty = wasmtime.FuncType([_wasmtime_valtype(t) for t in host.params],
                           [_wasmtime_valtype(t) for t in host.results])
    raw = ffi.wasmtime_func_t()
    ffi.wasmtime_func_new(store._context(), ty.ptr(), _TRAMPOLINE[0], key, _TRAMPOLINE[1],
                          ctypes.byref(raw))
    return wasmtime.Func._from_raw(raw)


def run_wasmtime(case: Case) -> tuple:
    """The case's outcome on the reference engine (wasmtime)."""
    import wasmtime
    from wasmtime import _ffi as ffi
    if case.legacy:
        raise ValueError(f"{case.name} uses legacy exceptions, which wasmtime does not run")
    engine = wasmtime_engine()
    store = wasmtime.Store(engine)
    instances: list = []
    ctx = _WasmtimeContext(store, instances)
    for spec in case.instances:
        module = wasmtime.Module(engine, case_bytes(case, spec.module))
        imports = []
        for imp in spec.imports:
            if isinstance(imp, FromHost):
                imports.append(_wasmtime_host(store, imp.func, ctx))
            else:
                imports.append(instances[imp.instance].exports(store)[imp.export])
        instances.append(wasmtime.Instance(store, module, imports))
    func = instances[-1].exports(store)[case.invoke]
    try:
        values = func(store, *case.args)
    except wasmtime.Trap:
        exn = ffi.wasmtime_exnref_t()
        if ffi.wasmtime_context_take_exception(store._context(), ctypes.byref(exn)):
            return ("uncaught", *_exn_payload(store, exn))
        return ("trap",)
    return normalize(case.results, values)


# ----------------------------------------------------------------------------- Heron

class _HeronContext:
    def __init__(self, heron, store, instances):
        self.heron = heron
        self.store = store
        self.instances = instances
        self.WasmException = heron.WasmException

    def call(self, instance: int, export: str, *args):
        return self.instances[instance].exports(self.store)[export](self.store, *args)

    def throw(self, instance: int, tag_export: str, *payload):
        tag = self.instances[instance].exports(self.store)[tag_export]
        raise self.heron.WasmException(tag, payload)


def heron_config(heron, target: str, strategy: str, legacy: bool):
    from heron.features import Features
    features = Features()
    features.set("all-proposals", True)
    if not legacy:
        features.set("legacy-exceptions", False)
    wanted = {"target": target, "strategy": strategy, "features": features}
    try:
        accepted = inspect.signature(heron.Config).parameters
        kwargs = {k: v for k, v in wanted.items() if k in accepted}
    except (TypeError, ValueError):
        kwargs = wanted
    return heron.Config(**kwargs)


def heron_func_type(heron, params, results):
    func_type = getattr(heron, "FuncType", None)
    if func_type is None:
        from heron.types import FuncType as func_type
    return func_type(tuple(params), tuple(results))


def run_heron(case: Case, target: str, strategy: str) -> tuple:
    """The case's outcome on Heron for one target and strategy."""
    import heron
    engine = heron.Engine(heron_config(heron, target, strategy, case.legacy))
    store = heron.Store(engine)
    instances: list = []
    ctx = _HeronContext(heron, store, instances)
    for spec in case.instances:
        module = heron.Module(engine, case_bytes(case, spec.module))
        imports = []
        for imp in spec.imports:
            if isinstance(imp, FromHost):
                host = imp.func
                imports.append(heron.Func(store, heron_func_type(heron, host.params, host.results),
                                          functools.partial(host.behaviour, ctx)))
            else:
                imports.append(instances[imp.instance].exports(store)[imp.export])
        instances.append(heron.Instance(store, module, imports))
    func = instances[-1].exports(store)[case.invoke]
    try:
        values = func(store, *case.args)
    except heron.WasmException as exn:
        return ("uncaught", *exn.payload)
    except heron.Trap:
        return ("trap",)
    return normalize(case.results, values)
