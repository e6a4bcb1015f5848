"""Host values <-> runtime values at the embedder boundary, and canonical function types.

Public API values are what wasmtime-py uses: i32/i64 as Python ints (results are
signed), f32/f64 as Python floats (an f32 NaN keeps its payload in the top mantissa
bits, see numerics), references as objects (None is null). Inside, integers are
unsigned bit patterns (numerics' representation contract).
"""
from __future__ import annotations

import math

from ..errors import Trap
from ..types import F32, F64, I32, I64, V128, FuncType, RefType
from ..valid.canonical import canonical_types, intern
from ..numerics import f32_round

M32 = 0xFFFF_FFFF
M64 = 0xFFFF_FFFF_FFFF_FFFF


def to_internal(value, t):
    """A host value as the runtime representation of type `t`."""
    if t == I32:
        return _int(value) & M32
    if t == I64:
        return _int(value) & M64
    if t == F32:
        x = float(value)
        return x if x != x else f32_round(x)
    if t == F64:
        return float(value)
    if t == V128:
        from ..errors import Unsupported
        raise Unsupported("simd", "v128 value")
    return value


def _int(value) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return int(value)
    raise TypeError(f"expected an integer, got {value!r}")


def to_host(value, t):
    """A runtime value as the public API returns it (signed integers)."""
    if t == I32:
        return value - ((value & 0x8000_0000) << 1)
    if t == I64:
        return value - ((value & 0x8000_0000_0000_0000) << 1)
    return value


def results_to_host(value, results: tuple):
    if not results:
        return None
    if len(results) == 1:
        return to_host(value, results[0])
    return tuple(to_host(v, t) for v, t in zip(value, results))


def canonical_type(module, type_idx: int) -> FuncType:
    """The engine-wide canonical object for a module's function type (identity-comparable).

    Equal types of different modules — iso-recursively: same recursion group structure,
    same position — are the same object; see heron.valid.canonical."""
    return canonical_types(module)[type_idx]


def canonical_valtype(module, t):
    """A value type whose typed-reference heap is the canonical function type, not an index."""
    if isinstance(t, RefType) and isinstance(t.heap, int) and not isinstance(t.heap, bool):
        return RefType(t.nullable, canonical_type(module, t.heap))
    return t


def canonical_functype(ft: FuncType) -> FuncType:
    """A host-given function type (a singleton group) as its canonical object."""
    return intern(ft)


def trap(code: str) -> Trap:
    return Trap(code)


def host_results(out, ftype: FuncType):
    """What a host function returned, as the runtime values of `ftype`'s results (None, one
    value, or a tuple); a host returning the wrong number of values traps."""
    results = ftype.results
    if not results:
        return None
    if len(results) == 1:
        if isinstance(out, (tuple, list)) and len(out) == 1:
            out = out[0]
        return to_internal(out, results[0])
    if not isinstance(out, (tuple, list)) or len(out) != len(results):
        raise Trap(f"host function returned {out!r}, expected {len(results)} results")
    return tuple(to_internal(v, t) for v, t in zip(out, results))
