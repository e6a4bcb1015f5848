"""i64: every instruction whose result is an i64 (arithmetic of i64 operands, extension
from i32, sign extension, truncation from floats, reinterpretation of f64)."""
from __future__ import annotations

from .bits import F64, M64, U64, f64_to_bits, signed
from .integer import integer_globals, integer_rows, sign_extension_rows, truncation_rows
from .semantics import OpSemantics, table

OPS = table([
    *integer_rows(64),
    OpSemantics("i64.extend_i32_s", ("i32",), "i64", lambda a: signed(a, 32) & M64,
                "({0} if {0} < 0x80000000 else {0} + 0xFFFFFFFF00000000)"),
    OpSemantics("i64.extend_i32_u", ("i32",), "i64", lambda a: a, "{0}"),
    *sign_extension_rows("i64"),
    *truncation_rows("i64"),
    OpSemantics("i64.reinterpret_f64", ("f64",), "i64", f64_to_bits, "_u64_unpack(_f64_pack({0}))[0]"),
])

GLOBALS: dict[str, object] = {**integer_globals(64), "_u64_unpack": U64.unpack, "_f64_pack": F64.pack}

__all__ = ["OPS", "GLOBALS"]
