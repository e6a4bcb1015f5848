"""f32: every instruction whose result is an f32 (arithmetic, conversion from integers,
demotion, reinterpretation of i32). Comparisons of f32 operands live here too.

i64 -> f32 is NOT done via double (53-bit then 24-bit rounding can be wrong): see
`int_to_f32`, which rounds once from the exact integer."""
from __future__ import annotations

from .bits import F32, U32, f32_from_bits, f32_round, signed
from .floating import GLOBALS as FLOAT_GLOBALS, float_rows
from .semantics import OpSemantics, table


def int_to_f32(n: int) -> float:
    """The f32 nearest to the integer n (ties to even), rounded ONCE from the exact value."""
    m = -n if n < 0 else n
    length = m.bit_length()
    if length <= 53:  # exact in double: one rounding only
        return f32_round(float(n))
    shift = length - 24
    q = m >> shift
    rest = m & ((1 << shift) - 1)
    half = 1 << (shift - 1)
    if rest > half or (rest == half and q & 1):
        q += 1
    v = float(q << shift)  # q <= 2**24 and |v| <= 2**64: exact in double and in f32
    return -v if n < 0 else v


OPS = table([
    *float_rows("f32"),
    OpSemantics("f32.convert_i32_s", ("i32",), "f32", lambda a: int_to_f32(signed(a, 32)),
                "_f32_round(float({0} if {0} < 0x80000000 else {0} - 0x100000000))"),
    OpSemantics("f32.convert_i32_u", ("i32",), "f32", int_to_f32, "_f32_round(float({0}))"),
    OpSemantics("f32.convert_i64_s", ("i64",), "f32", lambda a: int_to_f32(signed(a, 64)),
                "_int_to_f32({0} if {0} < 0x8000000000000000 else {0} - 0x10000000000000000)"),
    OpSemantics("f32.convert_i64_u", ("i64",), "f32", int_to_f32,
                "(_f32_round(float({0})) if {0} < 0x20000000000000 else _int_to_f32({0}))"),
    OpSemantics("f32.demote_f64", ("f64",), "f32", f32_round, "_f32_round({0})"),
    OpSemantics("f32.reinterpret_i32", ("i32",), "f32", f32_from_bits,
                "(_f32_unpack(_u32_pack({0}))[0] if ({0} & 0x7F800000) != 0x7F800000 else _f32_from_bits({0}))"),
])

GLOBALS: dict[str, object] = {**FLOAT_GLOBALS, "_int_to_f32": int_to_f32, "_f32_from_bits": f32_from_bits,
                              "_f32_unpack": F32.unpack, "_u32_pack": U32.pack}

__all__ = ["OPS", "GLOBALS", "int_to_f32"]
