"""f64: every instruction whose result is an f64 (arithmetic, conversion from integers,
promotion, reinterpretation of i64). Comparisons of f64 operands live here too."""
from __future__ import annotations

from .bits import F64, U64, f32_to_bits, f64_from_bits, signed
from .floating import GLOBALS as FLOAT_GLOBALS, float_rows
from .semantics import OpSemantics, table


def promote(a: float) -> float:
    """f32 -> f64: exact; a NaN keeps sign and payload and becomes quiet."""
    if a == a:
        return a
    bits = f32_to_bits(a) | 0x400000
    return f64_from_bits(((bits & 0x80000000) << 32) | 0x7FF0000000000000 | ((bits & 0x7FFFFF) << 29))


OPS = table([
    *float_rows("f64"),
    OpSemantics("f64.convert_i32_s", ("i32",), "f64", lambda a: float(signed(a, 32)),
                "float({0} if {0} < 0x80000000 else {0} - 0x100000000)"),
    OpSemantics("f64.convert_i32_u", ("i32",), "f64", lambda a: float(a), "float({0})"),
    OpSemantics("f64.convert_i64_s", ("i64",), "f64", lambda a: float(signed(a, 64)),
                "float({0} if {0} < 0x8000000000000000 else {0} - 0x10000000000000000)"),
    # CPython's int -> float conversion is correctly rounded
    OpSemantics("f64.convert_i64_u", ("i64",), "f64", lambda a: float(a), "float({0})"),
    OpSemantics("f64.promote_f32", ("f32",), "f64", promote, "({0} * 1.0)"),
    OpSemantics("f64.reinterpret_i64", ("i64",), "f64", f64_from_bits, "_f64_unpack(_u64_pack({0}))[0]"),
])

GLOBALS: dict[str, object] = {**FLOAT_GLOBALS, "_f64_unpack": F64.unpack, "_u64_pack": U64.pack}

__all__ = ["OPS", "GLOBALS", "promote"]
