"""numerics: the exact semantics of every Wasm numeric instruction and memory access,
as tables the compiler pastes from (a leaf package: it imports only `heron.errors`).

One module a value type, by result type: `i32`, `i64`, `f32`, `f64` each hold an `OPS`
table (instruction name -> `OpSemantics`, the exact function beside its inline
template) and the `GLOBALS` their templates name; `integer` and `floating` write the
rules once for both widths; `memory` holds loads and stores; `bits` the runtime
representation (read its docstring: integers are unsigned bit patterns, floats are
Python floats with exact NaN bits, a v128 is one 128-bit int).  `v128` holds every
SIMD and relaxed-SIMD instruction on values (`V128_OPS`), `v128_memory` the SIMD loads
and stores (`V128_MEMORY_OPS`); `lanes` and `swar` write the lane arithmetic once per
lane shape, `fused` is the fused multiply-add of relaxed_madd.  SIMD rows with
immediates (lane index, shuffle pattern) are bound with `row.bind(...)` before pasting
(semantics.py).  The tests check every template against its function and every
function against wasmtime, bit for bit (NaN results: their class, where the spec
leaves the bits free).

NUMERIC_OPS and MEMORY_OPS stay scalar-only (their rows may fold into the range peepholes
and trap tables of the scalar lowering); the compiler lowers V128_OPS and V128_MEMORY_OPS
through compile/vectors.py, which binds immediates and pastes the same way.
"""
from __future__ import annotations

from . import f32, f64, i32, i64, memory, v128, v128_memory
from .bits import (M32, M64, M128, REPRESENTATION, f32_from_bits, f32_round, f32_to_bits, f64_from_bits,
                   f64_to_bits)
from .memory import (MEMORY_ACCESS_ERRORS, MEMORY_OPS, load_f32, load_f64, load_i32, load_i64, store_f32,
                     store_f64, store_i32, store_i64)
from .semantics import MemorySemantics, OpSemantics

NUMERIC_OPS: dict[str, OpSemantics] = {**i32.OPS, **i64.OPS, **f32.OPS, **f64.OPS}
V128_OPS: dict[str, OpSemantics] = v128.OPS
V128_MEMORY_OPS: dict[str, MemorySemantics] = v128_memory.MEMORY_OPS

# Everything the templates name (the compiler puts this into the generated module's globals).
TEMPLATE_GLOBALS: dict[str, object] = {**i32.GLOBALS, **i64.GLOBALS, **f32.GLOBALS, **f64.GLOBALS,
                                       **memory.GLOBALS, **v128.GLOBALS, **v128_memory.GLOBALS}

__all__ = [
    "REPRESENTATION", "NUMERIC_OPS", "TEMPLATE_GLOBALS", "MEMORY_OPS", "MEMORY_ACCESS_ERRORS",
    "V128_OPS", "V128_MEMORY_OPS", "M128",
    "OpSemantics", "MemorySemantics", "f32_from_bits", "f32_to_bits", "f64_from_bits", "f64_to_bits",
    "f32_round", "load_i32", "load_i64", "load_f32", "load_f64", "store_i32", "store_i64", "store_f32",
    "store_f64", "M32", "M64",
]
