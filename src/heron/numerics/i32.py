"""i32: every instruction whose result is an i32 (arithmetic, tests, comparisons of i32
operands, wrap, sign extension, truncation from floats, reinterpretation of f32)."""
from __future__ import annotations

from .bits import F32, U32, f32_nan_bits, f32_to_bits
from .integer import integer_globals, integer_rows, sign_extension_rows, truncation_rows
from .semantics import OpSemantics, table

OPS = table([
    *integer_rows(32),
    OpSemantics("i32.wrap_i64", ("i64",), "i32", lambda a: a & 0xFFFFFFFF, "({0} & 0xFFFFFFFF)"),
    *sign_extension_rows("i32"),
    *truncation_rows("i32"),
    OpSemantics("i32.reinterpret_f32", ("f32",), "i32", f32_to_bits,
                "(_u32_unpack(_f32_pack({0}))[0] if {0} == {0} else _f32_nan_bits({0}))"),
])

GLOBALS: dict[str, object] = {**integer_globals(32), "_u32_unpack": U32.unpack, "_f32_pack": F32.pack,
                              "_f32_nan_bits": f32_nan_bits}

__all__ = ["OPS", "GLOBALS"]
