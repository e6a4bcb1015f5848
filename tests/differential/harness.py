"""Differential runs: the same generated module on wasmtime (the reference) and on Heron.

Modules come from `wasm-tools smith -c /work/shared/fuzz/smith_eh_tc.json
--ensure-termination SEED.bin` (Wasm 2.0 + exceptions + tail calls, everything
exported), one deterministic seed per index, in streams (`STREAMS`: the configuration
as it is, with exception instructions off, with larger bodies; `simd`: a copy of the
configuration with SIMD and relaxed SIMD on, data/smith_eh_tc_simd.json). Memories are capped with
`--max-memory32-bytes` so comparing their contents stays cheap.

The plan, the same on every engine: for every exported function and every argument
vector (zeros, small values, extremes; null for references), instantiate the module
afresh (the termination fuel is per instance, so every call gets all of it; Heron gets
a fresh store whose stack memory is poisoned), call the function, and record

* the outcome: ("ok", values) | ("trap", kind) | ("exception", payload),
* then the instance's exported globals, memories (size + SHA-1) and tables (size +
  which entries are null).

Then one more instance on which every export is called in turn (state carries over).

Values are compared as the spec allows: integers by value (signed), floats by bit
pattern, v128 by its 128 bits (wasmtime-py has no v128 values: they cross its C API as
the raw union's 16 bytes), references by null-ness. Relaxed SIMD runs on wasmtime with
`relaxed_simd_deterministic`, the choice Heron makes. NaN bits are nondeterministic and smith reinterprets
floats into integer globals, so wasmtime runs with and without NaN canonicalization and
Heron may match either. Traps are compared by coarse kind (unreachable, divide by zero,
out of bounds memory, ...); a trap either engine cannot classify matches any trap.
Nothing exnref-typed crosses the wasmtime-py boundary (it aborts the process): see Plan.
"""
from __future__ import annotations

import ctypes
import functools
import hashlib
import math
import os
import random
import struct
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SMITH_CONFIG = Path(os.environ.get("HERON_SMITH_CONFIG", "/work/shared/fuzz/smith_eh_tc.json"))
SIMD_SMITH_CONFIG = Path(__file__).resolve().parent / "data" / "smith_eh_tc_simd.json"
MAX_MEMORY_BYTES = 4 * 65536
# Growth limits, the same on both engines so memory.grow / table.grow succeed or fail
# alike: each engine's store limiter (Store.set_limits) -- at the default 2 GiB a
# generated module that grows its memory in a loop and touches it exhausts the machine.
HERON_MAX_MEMORY_BYTES = 64 << 20
HERON_MAX_TABLE = 100_000
# A fresh store per instance (no state carried between runs through stack memory); the
# termination fuel bounds recursion to ~100 frames, so a 1 MiB stack is plenty.
HERON_STACK_SIZE = 1 << 20
STACK_POISON = 0x5EED_DEAD_BEEF_5EED
TARGETS = ("x86_64-sysv", "x86_64-windows", "aarch64")
STRATEGIES = ("baseline", "optimizing")

# One argument vector per entry: a value per number type; references are always null.
ARG_SETS = (
    {"i32": 0, "i64": 0, "f32": 0.0, "f64": 0.0, "v128": 0},
    {"i32": 1, "i64": 7, "f32": 1.5, "f64": -2.25, "v128": 0x3FC00000_80000001_0000FFFF_7F80FF01},
    {"i32": -2147483648, "i64": 0x7FFF_FFFF_FFFF_FFFF, "f32": -math.inf, "f64": 5e-324,
     "v128": 0xFFF80000_00000001_80000000_7FFFFFFF},
)


def wasm_tools() -> str | None:
    local = REPO / ".venv" / "bin" / "wasm-tools"
    if local.exists():
        return str(local)
    from shutil import which
    return which("wasm-tools")


def seed_bytes(index: int) -> bytes:
    """Deterministic random bytes for module `index` (sizes vary, so module sizes do)."""
    r = random.Random(f"heron-differential-{index}")
    return r.randbytes(r.choice((4000, 10000, 20000, 40000)))


# Streams: extra wasm-tools smith flags on top of the shared configuration.
STREAMS = {
    "eh": [],                                           # the configuration as it is
    "noeh": ["--exceptions-enabled", "false"],          # no exception instructions
    "big": ["--min-funcs", "3", "--max-instructions", "400", "--fuel", "1000"],   # larger bodies
    "simd": [],                                         # SIMD + relaxed SIMD (SIMD_SMITH_CONFIG)
}
STREAM_CONFIGS = {"simd": SIMD_SMITH_CONFIG}


def generate(index: int, exceptions: bool | str = True) -> bytes:
    """The smith module for `index` in a stream: True = "eh", False = "noeh", or a name in
    STREAMS. Cached on disk by (wasm-tools version, configuration, flags, index):
    generation is deterministic."""
    tool = wasm_tools()
    if tool is None:
        raise RuntimeError("wasm-tools is not installed")
    stream = exceptions if isinstance(exceptions, str) else "eh" if exceptions else "noeh"
    flags = ["--ensure-termination", "--max-memory32-bytes", str(MAX_MEMORY_BYTES)] + STREAMS[stream]
    config = STREAM_CONFIGS.get(stream, SMITH_CONFIG)
    key = hashlib.sha1(repr((_tool_version(tool), config.read_bytes(), flags)).encode()).hexdigest()[:16]
    cached = Path(tempfile.gettempdir()) / "heron-smith-cache" / f"{key}-{index}.wasm"
    if cached.exists():
        return cached.read_bytes()
    with tempfile.TemporaryDirectory() as d:
        seed = Path(d) / "seed.bin"
        out = Path(d) / "out.wasm"
        seed.write_bytes(seed_bytes(index))
        r = subprocess.run([tool, "smith", "-c", str(config), *flags, str(seed), "-o", str(out)],
                           capture_output=True)
        if r.returncode:
            raise RuntimeError(f"wasm-tools smith failed for seed {index}: {r.stderr.decode()}")
        data = out.read_bytes()
    cached.parent.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(cached)
    return data


@functools.lru_cache(maxsize=None)
def _tool_version(tool: str) -> str:
    return subprocess.run([tool, "--version"], capture_output=True, text=True).stdout.strip()


def wat(data: bytes) -> str:
    """The module as text (for messages and reproducers)."""
    r = subprocess.run([wasm_tools(), "print", "-"], input=data, capture_output=True)
    return r.stdout.decode() if r.returncode == 0 else f"<wasm-tools print failed: {r.stderr.decode()}>"


# ------------------------------------------------------------------------------ traps
# Trap messages are mapped to coarse kinds; a kind either engine cannot name ("other")
# matches any trap.
HERON_TRAP_KINDS = (("unreachable", "unreachable"), ("divide by zero", "divide by zero"),
                    ("integer overflow", "integer overflow"), ("invalid conversion", "invalid conversion"),
                    ("out of bounds memory", "memory out of bounds"),
                    ("out of bounds table", "table out of bounds"), ("undefined element", "table out of bounds"),
                    ("uninitialized element", "null"), ("null", "null"),
                    ("indirect call type mismatch", "signature mismatch"),
                    ("call stack exhausted", "stack overflow"))
WASMTIME_TRAP_KINDS = {"UNREACHABLE": "unreachable", "INTEGER_DIVISION_BY_ZERO": "divide by zero",
                       "INTEGER_OVERFLOW": "integer overflow", "BAD_CONVERSION_TO_INTEGER": "invalid conversion",
                       "MEMORY_OUT_OF_BOUNDS": "memory out of bounds", "TABLE_OUT_OF_BOUNDS": "table out of bounds",
                       "INDIRECT_CALL_TO_NULL": "null", "NULL_REFERENCE": "null",
                       "BAD_SIGNATURE": "signature mismatch", "STACK_OVERFLOW": "stack overflow"}


def heron_trap_kind(code: str) -> str:
    for words, kind in HERON_TRAP_KINDS:
        if words in code:
            return kind
    return "other"


def outcomes_agree(expected: tuple, actual: tuple) -> bool:
    if expected[0] == actual[0] == "trap":
        return "other" in (expected[1], actual[1]) or expected[1] == actual[1]
    return expected == actual


# ------------------------------------------------------------------------------ values
def norm(value, t: str):
    """A value as compared: ints signed by width, floats as bits ('nan' for any NaN), v128
    by its bits (NaN lanes included: see below), references as 'null' / 'ref'."""
    if t == "v128":
        return f"v128:{int(value) & ((1 << 128) - 1):#034x}"
    if t in ("i32", "i64"):
        bits = 32 if t == "i32" else 64
        v = int(value) & ((1 << bits) - 1)
        return v - (1 << bits) if v >> (bits - 1) else v
    if t in ("f32", "f64"):
        x = float(value)
        if x != x:
            return "nan"
        fmt = "<f" if t == "f32" else "<d"
        return f"{t}:{struct.unpack('<I' if t == 'f32' else '<Q', struct.pack(fmt, x))[0]:#x}"
    return "null" if value is None else "ref"


def norm_untyped(value):
    """A payload value whose type the engine does not tell: ints as they are, floats by
    f64 bit pattern (an f32 widens exactly), NaN as 'nan', references by null-ness."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return norm(value, "f64")
    return "null" if value is None else "ref"


def arguments(params: list[str], k: int) -> list:
    return [ARG_SETS[k].get(t) for t in params]


@dataclass
class Plan:
    """What to call and what to compare, read from the module itself (Heron's decoder):
    wasmtime-py (and its C API) abort the process when asked about an exnref type or value,
    so nothing exnref-typed crosses the wasmtime boundary: functions with exnref parameters
    or results are not called there (`skipped_funcs`; Heron runs them on every
    configuration and the configurations must agree), exnref globals/tables not read."""
    funcs: list[tuple[str, list[str], list[str]]]
    globals: list[tuple[str, str]]
    memories: list[str]
    tables: list[str]
    skipped_funcs: list[tuple[str, list[str], list[str]]] = field(default_factory=list)
    exn_payloads_readable: bool = True   # no tag carries an exnref

    def heron_only(self) -> "Plan":
        """The plan for the functions wasmtime cannot be asked to call."""
        return Plan(self.skipped_funcs, self.globals, self.memories, self.tables, [],
                    self.exn_payloads_readable)


def _exnref(t) -> bool:
    return "exn" in str(t)


def make_plan(data: bytes) -> Plan:
    """The plan for a module (raises heron.DecodeError if Heron cannot decode it)."""
    from heron.binary import decode
    from heron.features import Features
    module = decode(data, Features.all())
    glob_types = module.all_globals()
    table_types = module.all_tables()
    funcs, skipped, globals_, memories, tables = [], [], [], [], []
    for e in module.exports:
        if e.kind == "func":
            ft = module.func_type(e.index)
            params, results = [str(t) for t in ft.params], [str(t) for t in ft.results]
            if any(_exnref(t) for t in params + results):
                skipped.append((e.name, params, results))
            else:
                funcs.append((e.name, params, results))
        elif e.kind == "global" and not _exnref(glob_types[e.index].valtype):
            globals_.append((e.name, str(glob_types[e.index].valtype)))
        elif e.kind == "memory":
            memories.append(e.name)
        elif e.kind == "table" and not _exnref(table_types[e.index].elem):
            tables.append(e.name)
    readable = True
    for tag in module.all_tags():
        ft = module.types[tag.type_idx] if hasattr(tag, "type_idx") else tag
        if any(_exnref(t) for t in getattr(ft, "params", ())):
            readable = False
    return Plan(funcs, globals_, memories, tables, skipped, readable)


@dataclass
class Report:
    """An engine's record of a whole module run."""
    start: tuple | None = None            # outcome of instantiation when it did not succeed
    calls: list = field(default_factory=list)   # ((export, argset), outcome, state)

    def summary(self) -> str:
        return "\n".join(f"  {name!r} args#{label}: {out} {st}" for (name, label), out, st in self.calls)


# ------------------------------------------------------------------------------ wasmtime
@functools.lru_cache(maxsize=2)
def wasmtime_engine(canonical_nans: bool = False):
    """The reference engine. NaN results of float arithmetic have a nondeterministic sign
    and payload, and smith makes every value observable (it reinterprets floats into
    integer globals), so the reference runs twice: with NaNs as the hardware makes them
    (payloads propagate) and with Cranelift's NaN canonicalization; Heron may match either."""
    import wasmtime
    config = wasmtime.Config()
    config.wasm_exceptions = True
    config.wasm_tail_call = True
    config.wasm_simd = True
    config.wasm_relaxed_simd = True
    config.wasm_relaxed_simd_deterministic = True
    config.cranelift_nan_canonicalization = canonical_nans
    return wasmtime.Engine(config)


NAN_MODES = (False, True)


class Rejected(Exception):
    """The reference engine does not accept the module (skipped)."""


def wasmtime_module(data: bytes, canonical_nans: bool = False):
    """The reference engine's compiled module; Rejected if it does not accept the bytes."""
    import wasmtime
    try:
        return wasmtime.Module(wasmtime_engine(canonical_nans), data)
    except wasmtime.WasmtimeError as e:
        raise Rejected(str(e).splitlines()[0]) from None


def _wasmtime_exception(store, readable: bool = True):
    """The pending exception's payload after a call failed, or None if it was a trap.
    ("unread" when a tag may carry an exnref, which the C API cannot hand out.)"""
    from wasmtime import _ffi as ffi
    exn = ffi.wasmtime_exnref_t()
    ctx = store._context()
    if not ffi.wasmtime_context_take_exception(ctx, ctypes.byref(exn)):
        return None
    if not readable:
        return "unread"
    n = ffi.wasmtime_exnref_field_count(ctx, ctypes.byref(exn))
    out = []
    for i in range(n):
        raw = ffi.wasmtime_val_t()
        if ffi.wasmtime_exnref_field(ctx, ctypes.byref(exn), i, ctypes.byref(raw)):
            out.append("?")
            continue
        out.append(norm_untyped(_wasmtime_raw_value(store, raw)))
    return tuple(out)


_WASMTIME_KIND = {"i32": 0, "i64": 1, "f32": 2, "f64": 3}
WASMTIME_V128 = 4
_WASMTIME_REF_FIELD = {5: "funcref", 6: "externref", 7: "anyref", 8: "exnref"}


def _wasmtime_ref_kind(t: str) -> int:
    for word, kind in (("func", 5), ("extern", 6), ("exn", 8), ("any", 7)):
        if word in t:
            return kind
    raise ValueError(f"no wasmtime value kind for {t!r}")


NON_NULL = object()   # a non-null reference read from wasmtime's raw union


def _wasmtime_raw_value(store, raw):
    """A raw wasmtime value: numbers as Python numbers, references as None (null) or NON_NULL.
    (wasmtime-py cannot convert exnref values, so references are read from the raw union.)"""
    from wasmtime import _ffi as ffi
    kind = raw.kind
    try:
        if kind == 0:
            return raw.of.i32
        if kind == 1:
            return raw.of.i64
        if kind == 2:
            return raw.of.f32
        if kind == 3:
            return raw.of.f64
        if kind == WASMTIME_V128:
            return int.from_bytes(bytes(raw.of.v128), "little")
        field_name = _WASMTIME_REF_FIELD.get(kind)
        if field_name is None:
            return "?"
        return None if getattr(raw.of, field_name).store_id == 0 else NON_NULL
    finally:
        ffi.wasmtime_val_unroot(ctypes.byref(raw))


def _wasmtime_call(store, func, params: list[str], results: list[str], args: list,
                   readable: bool = True) -> tuple:
    """Call through the C API (null references of every kind, exnref results): the outcome."""
    import wasmtime
    from wasmtime import _ffi as ffi
    raw_args = (ffi.wasmtime_val_t * max(1, len(args)))()
    for i, (t, v) in enumerate(zip(params, args)):
        if t in _WASMTIME_KIND:
            raw_args[i] = wasmtime.Val._convert_to_raw(store, getattr(wasmtime.ValType, t)(), v)
        elif t == "v128":
            raw = ffi.wasmtime_val_t()
            raw.kind = WASMTIME_V128
            raw.of.v128 = ffi.wasmtime_v128(*(v & ((1 << 128) - 1)).to_bytes(16, "little"))
            raw_args[i] = raw
        else:
            raw = ffi.wasmtime_val_t()      # zeroed union: a null reference
            raw.kind = _wasmtime_ref_kind(t)
            raw_args[i] = raw
    raw_results = (ffi.wasmtime_val_t * max(1, len(results)))()
    trap = ctypes.POINTER(ffi.wasm_trap_t)()
    error = ffi.wasmtime_func_call(store._context(), ctypes.byref(func._func), raw_args, len(args),
                                   raw_results, len(results), ctypes.byref(trap))
    if error or trap:
        kind = "other"
        if error:
            wasmtime.WasmtimeError._from_ptr(error)
        if trap:
            code = wasmtime.Trap._from_ptr(trap).trap_code
            kind = WASMTIME_TRAP_KINDS.get(getattr(code, "name", ""), "other")
        payload = _wasmtime_exception(store, readable)
        return ("exception", payload) if payload is not None else ("trap", kind)
    values = [_wasmtime_raw_value(store, raw_results[i]) for i in range(len(results))]
    return ("ok", tuple(norm(v, t) for v, t in zip(values, results)))


def _wasmtime_state(store, instance, plan: Plan) -> tuple:
    from wasmtime import _ffi as ffi
    ctx = store._context()
    exports = instance.exports(store)
    state = []
    for name, t in plan.globals:
        raw = ffi.wasmtime_val_t()
        ffi.wasmtime_global_get(ctx, ctypes.byref(exports[name]._global), ctypes.byref(raw))
        state.append(("global", name, norm(_wasmtime_raw_value(store, raw), t)))
    for name in plan.memories:
        mem = exports[name]
        data = mem.read(store, 0, mem.data_len(store))
        state.append(("memory", name, len(data), hashlib.sha1(data).hexdigest()))
    for name in plan.tables:
        table = exports[name]
        size = table.size(store)
        nulls = []
        for i in range(min(size, 4096)):
            raw = ffi.wasmtime_val_t()
            if ffi.wasmtime_table_get(ctx, ctypes.byref(table._table), i, ctypes.byref(raw)) \
                    and _wasmtime_raw_value(store, raw) is None:
                nulls.append(i)
        state.append(("table", name, size, hashlib.sha1(repr(tuple(nulls)).encode()).hexdigest()[:12]))
    return tuple(state)


def runs(plan: Plan) -> list[list[tuple]]:
    """The instances to make and the calls to make on each: one fresh instance per
    (export, argument vector); then, with several exports, one instance on which every
    export is called in turn (state and fuel carry over), with the small values."""
    out = [[(name, params, results, k, str(k))] for name, params, results in plan.funcs
           for k in range(len(ARG_SETS))]
    if len(plan.funcs) > 1:
        out.append([(name, params, results, 1, "chain") for name, params, results in plan.funcs])
    return out


def drive(plan: Plan, new_instance, call, state) -> Report:
    """Run the plan on one engine: new_instance() -> (instance, None) | (None, start outcome);
    call(instance, name, params, results, args) -> outcome; state(instance) -> tuple."""
    report = Report()
    for run in runs(plan):
        instance, start = new_instance()
        if start is not None:
            report.start = start
            return report
        for name, params, results, k, label in run:
            outcome = call(instance, name, params, results, arguments(params, k))
            report.calls.append(((name, label), outcome, state(instance)))
    return report


def run_wasmtime(module, plan: Plan, canonical_nans: bool = False) -> Report:
    import wasmtime
    engine = wasmtime_engine(canonical_nans)
    store = None

    def new_instance():
        nonlocal store
        store = wasmtime.Store(engine)
        store.set_limits(memory_size=HERON_MAX_MEMORY_BYTES, table_elements=HERON_MAX_TABLE)
        try:
            return wasmtime.Instance(store, module, []), None
        except (wasmtime.Trap, wasmtime.WasmtimeError):
            payload = _wasmtime_exception(store, plan.exn_payloads_readable)
            return None, ("exception", payload) if payload is not None else ("trap", "other")

    def call(instance, name, params, results, args):
        return _wasmtime_call(store, instance.exports(store)[name], params, results, args,
                              plan.exn_payloads_readable)

    return drive(plan, new_instance, call, lambda instance: _wasmtime_state(store, instance, plan))


# ------------------------------------------------------------------------------ Heron
def heron_module(data: bytes, target: str, strategy: str, decoded=None):
    """Decode, validate and compile on Heron (raises Heron's errors, incl. Unsupported);
    `decoded`: an ast.Module Heron already decoded and validated from `data` (compile only)."""
    import heron
    engine = heron.Engine(heron.Config(target=target, strategy=strategy, stack_size=HERON_STACK_SIZE))
    if decoded is not None:
        return heron.Module.from_ast(engine, decoded)
    return heron.Module(engine, data)


def _heron_state(store, instance, plan: Plan) -> tuple:
    exports = instance.exports(store)
    state = []
    for name, t in plan.globals:
        state.append(("global", name, norm(exports[name].get(store), t)))
    for name in plan.memories:
        mem = exports[name]
        data = mem.read(store, 0, mem.data_len(store))
        state.append(("memory", name, len(data), hashlib.sha1(data).hexdigest()))
    for name in plan.tables:
        table = exports[name]
        size = table.size(store)
        nulls = tuple(i for i in range(min(size, 4096)) if table.get(store, i) is None)
        state.append(("table", name, size, hashlib.sha1(repr(nulls).encode()).hexdigest()[:12]))
    return tuple(state)


def _heron_payload(exc, plan: Plan):
    if not plan.exn_payloads_readable:
        return "unread"
    return tuple(norm_untyped(v) for v in exc.payload)


def fresh_store(engine):
    """A Store whose stack memory is poisoned, so a slot read before it is written shows."""
    import heron
    store = heron.Store(engine)
    store.set_limits(memory_size=HERON_MAX_MEMORY_BYTES, table_elements=HERON_MAX_TABLE)
    words = store.stack.words
    words[:] = [STACK_POISON] * len(words)
    return store


def run_heron(module, plan: Plan) -> Report:
    return _run_heron(module, plan)


def _run_heron(module, plan: Plan) -> Report:
    import heron
    store = None

    def new_instance():
        nonlocal store
        store = fresh_store(module.engine)
        try:
            return heron.Instance(store, module, []), None
        except heron.WasmException as e:
            return None, ("exception", _heron_payload(e, plan))
        except heron.Trap as e:
            return None, ("trap", heron_trap_kind(e.code))
        except heron.ResourceLimitError:
            # a table or memory beyond the store's limits: wasmtime's instantiation fails too
            return None, ("trap", "other")

    def call(instance, name, params, results, args):
        try:
            value = instance.exports(store)[name](store, *args)
        except heron.WasmException as e:
            return ("exception", _heron_payload(e, plan))
        except heron.Trap as e:
            return ("trap", heron_trap_kind(e.code))
        values = [] if value is None and not results else \
            list(value) if isinstance(value, (list, tuple)) else [value]
        return ("ok", tuple(norm(v, t) for v, t in zip(values, results)))

    return drive(plan, new_instance, call, lambda instance: _heron_state(store, instance, plan))


def reference_reports(data: bytes, plan: Plan) -> list[Report]:
    """wasmtime's reports in every NaN mode (raises Rejected if it refuses the module)."""
    return [run_wasmtime(wasmtime_module(data, mode), plan, mode) for mode in NAN_MODES]


def _start_agrees(expected: tuple | None, actual: tuple | None) -> bool:
    if expected is None or actual is None:
        return expected is actual
    return outcomes_agree(expected, actual)


def differences(expected: Report | list[Report], actual: Report, reference: str = "wasmtime") -> list[str]:
    """What `actual` (Heron) does differently from `expected` (wasmtime, or the `reference`
    Heron configuration; with several reports, a call agrees when it agrees with any)."""
    references = expected if isinstance(expected, list) else [expected]
    first = references[0]
    out = []
    if not any(_start_agrees(r.start, actual.start) for r in references):
        out.append(f"instantiation: {reference} {first.start}, heron {actual.start}")
        return out
    if len(first.calls) != len(actual.calls):
        out.append(f"{len(first.calls)} calls on {reference}, {len(actual.calls)} on heron")
    for i, (key, ao, as_) in enumerate(actual.calls):
        if i >= len(first.calls):
            break
        name, label = key
        calls = [r.calls[i] for r in references if i < len(r.calls)]
        if any(outcomes_agree(eo, ao) and es == as_ for _, eo, es in calls):
            continue
        _, eo, es = first.calls[i]
        if not outcomes_agree(eo, ao):
            out.append(f"{name!r} args#{label}: {reference} {eo}, heron {ao}")
        else:
            diff = [f"{e} vs {a}" for e, a in zip(es, as_) if e != a] or [f"{es} vs {as_}"]
            out.append(f"{name!r} args#{label}: state after the call differs: " + "; ".join(diff))
    return out


# ------------------------------------------------------------------------------ streams
@dataclass
class Stats:
    """Counts over a run of generated modules."""
    modules: int = 0
    rejected_by_wasmtime: int = 0
    compared: int = 0                  # modules run on wasmtime and every Heron configuration
    agree: int = 0
    calls: int = 0                     # calls compared (per Heron configuration)
    skipped_exnref_funcs: int = 0      # exports wasmtime cannot call (exnref in their type)
    heron_only_calls: int = 0          # their calls, compared between Heron configurations
    unsupported: dict = field(default_factory=dict)     # feature -> modules
    mismatches: list = field(default_factory=list)      # (index, config, differences)

    def unsupported_total(self) -> int:
        return sum(self.unsupported.values())

    def line(self) -> str:
        unsup = ", ".join(f"{k}: {v}" for k, v in sorted(self.unsupported.items())) or "none"
        return (f"{self.modules} modules: {self.rejected_by_wasmtime} rejected by wasmtime, "
                f"{self.compared} compared ({self.calls} calls per configuration), {self.agree} agree, "
                f"{len(self.mismatches)} mismatch; Heron Unsupported: {unsup}; "
                f"{self.skipped_exnref_funcs} exports with exnref in their type compared only between "
                f"Heron configurations ({self.heron_only_calls} calls)")


def _crash() -> str:
    """The Python exception being handled, in one line: type, message, innermost place."""
    import sys
    import traceback
    exc = sys.exc_info()[1]
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    place = f" (at {where.filename}:{where.lineno})" if where else ""
    return f"{type(exc).__name__}: {exc}{place}"


def check_module(index: int, exceptions: bool | str, configs, stats: Stats, keep: Path | None = None) -> None:
    """Generate module `index` of a stream (True: "eh", False: "noeh", or a STREAMS name),
    run it everywhere, add to `stats`. Modules with a finding are written to `keep` (if
    given) as STREAM-INDEX.wasm."""
    import heron
    stats.modules += 1
    data = generate(index, exceptions)
    try:
        reference_module = wasmtime_module(data)
    except Rejected:
        stats.rejected_by_wasmtime += 1
        return
    problems: list[tuple[str, list[str]]] = []
    try:
        plan = make_plan(data)
    except heron.HeronError as e:
        problems.append(("decode", [f"Heron rejects a module wasmtime accepts: {type(e).__name__}: {e}"]))
        plan = None
    if plan is not None:
        stats.skipped_exnref_funcs += len(plan.skipped_funcs)
        expected = reference_reports(data, plan)
        heron_only = plan.heron_only()
        first_config: tuple[str, Report] | None = None     # for what only Heron runs
        decoded = None
        for target, strategy in configs:
            config = f"{target}/{strategy}"
            try:
                module = heron_module(data, target, strategy, decoded)
                decoded = module.ast
            except heron.Unsupported as e:
                stats.unsupported[e.feature] = stats.unsupported.get(e.feature, 0) + 1
                return
            except heron.HeronError as e:
                problems.append((config, [f"Heron rejects a module wasmtime accepts: {type(e).__name__}: {e}"]))
                break
            except Exception:  # noqa: BLE001 - a crash is a finding, reported with its traceback
                problems.append((config, [f"Heron crashed compiling: {_crash()}"]))
                break
            try:
                actual = run_heron(module, plan)
                alone = run_heron(module, heron_only) if heron_only.funcs else Report()
            except Exception:  # noqa: BLE001
                problems.append((config, [f"Heron crashed running: {_crash()}"]))
                continue
            if first_config is None:
                first_config = (config, alone)
                stats.calls += len(actual.calls)
                stats.heron_only_calls += len(alone.calls)
            diffs = differences(expected, actual)
            diffs += differences(first_config[1], alone, reference=f"heron {first_config[0]}")
            if diffs:
                problems.append((config, diffs))
    stats.compared += 1
    if not problems:
        stats.agree += 1
        return
    for config, diffs in problems:
        stats.mismatches.append((index, config, diffs))
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        stream = exceptions if isinstance(exceptions, str) else "eh" if exceptions else "noeh"
        (keep / f"{stream}-{index}.wasm").write_bytes(data)


def all_configs() -> list[tuple[str, str]]:
    return [(t, s) for t in TARGETS for s in STRATEGIES]


def heron_runs_exceptions() -> bool:
    """Whether Heron compiles exception handling yet (a throw caught by try_table)."""
    import heron
    wat_text = ('(module (tag $e) (func (export "f") (result i32) (block $h (try_table (catch $e $h) '
                '(throw $e))) (i32.const 1)))')
    try:
        heron.Module(heron.Engine(heron.Config()), wat_text)
    except heron.Unsupported:
        return False
    return True


if __name__ == "__main__":
    import sys
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    first = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    for exceptions in (True, False):
        stats = Stats()
        for i in range(first, first + count):
            check_module(i, exceptions, all_configs(), stats,
                         keep=Path(os.environ.get("HERON_FUZZ_KEEP", tempfile.gettempdir())) / "heron-differential")
        print(("EH config " if exceptions else "EH off    ") + stats.line())
        for index, config, diffs in stats.mismatches:
            print(f"  module {index} {config}:")
            for d in diffs[:5]:
                print("    " + d.replace("\n", "\n    "))
