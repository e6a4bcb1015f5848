"""numerics: the exact semantics of every Wasm numeric instruction and memory access,
as tables the compiler pastes from (a leaf package: it imports only `heron.errors`).

One module a value type, by result type: `i32`, `i64`, `f32`, `f64` each hold an `OPS`
table (instruction name -> `OpSemantics`, the exact function beside its inline
template) and the `GLOBALS` their templates name; `integer` and `floating` write the
rules once for both widths; `memory` holds loads and stores; `bits` the runtime
representation (read its docstring: integers are unsigned bit patterns, floats are
Python floats with exact NaN bits). The tests check every template against its
function and every function against wasmtime, bit for bit.
"""
from __future__ import annotations

from . import f32, f64, i32, i64, memory
from .bits import (M32, M64, REPRESENTATION, f32_from_bits, f32_round, f32_to_bits, f64_from_bits,
                   f64_to_bits)
from .memory import (MEMORY_ACCESS_ERRORS, MEMORY_OPS, load_f32, load_f64, load_i32, load_i64, store_f32,
                     store_f64, store_i32, store_i64)
from .semantics import MemorySemantics, OpSemantics

NUMERIC_OPS: dict[str, OpSemantics] = {**i32.OPS, **i64.OPS, **f32.OPS, **f64.OPS}

# Everything the templates name (the compiler puts this into the generated module's globals).
TEMPLATE_GLOBALS: dict[str, object] = {**i32.GLOBALS, **i64.GLOBALS, **f32.GLOBALS, **f64.GLOBALS,
                                       **memory.GLOBALS}

__all__ = [
    "REPRESENTATION", "NUMERIC_OPS", "TEMPLATE_GLOBALS", "MEMORY_OPS", "MEMORY_ACCESS_ERRORS",
    "OpSemantics", "MemorySemantics", "f32_from_bits", "f32_to_bits", "f64_from_bits", "f64_to_bits",
    "f32_round", "load_i32", "load_i64", "load_f32", "load_f64", "store_i32", "store_i64", "store_f32",
    "store_f64", "M32", "M64",
]
