"""Integer semantics written once for both widths: `integer_rows(bits)` gives the rows
of i32 (bits=32) or i64 (bits=64), each exact function beside its inline template;
`truncation_rows` gives the float -> integer conversions, trapping and saturating.

Templates work on the unsigned representation (see bits.py): signed comparisons test
whether both operands have the same sign (then the unsigned order is the signed order)
instead of converting; `div_s`/`rem_s` take a fast path when both operands are
non-negative and the divisor non-zero, else call the exact function.
"""
from __future__ import annotations

from typing import Callable

from ..errors import Trap, TrapCode
from .bits import signed
from .semantics import OpSemantics


def trap_div_zero(*_args: object) -> int:
    raise Trap(TrapCode.INTEGER_DIVISION_BY_ZERO)


def trunc_trap(a: float) -> int:
    raise Trap(TrapCode.BAD_CONVERSION_TO_INTEGER if a != a else TrapCode.INTEGER_OVERFLOW)


def _division(bits: int) -> dict[str, Callable]:
    mask = (1 << bits) - 1
    smin = 1 << (bits - 1)

    def div_s(a: int, b: int) -> int:
        if b == 0:
            raise Trap(TrapCode.INTEGER_DIVISION_BY_ZERO)
        if a == smin and b == mask:
            raise Trap(TrapCode.INTEGER_OVERFLOW)
        sa, sb = signed(a, bits), signed(b, bits)
        q = abs(sa) // abs(sb)
        return (-q if (sa < 0) != (sb < 0) else q) & mask

    def div_u(a: int, b: int) -> int:
        if b == 0:
            raise Trap(TrapCode.INTEGER_DIVISION_BY_ZERO)
        return a // b

    def rem_s(a: int, b: int) -> int:
        if b == 0:
            raise Trap(TrapCode.INTEGER_DIVISION_BY_ZERO)
        sa, sb = signed(a, bits), signed(b, bits)
        r = abs(sa) % abs(sb)
        return (-r if sa < 0 else r) & mask

    def rem_u(a: int, b: int) -> int:
        if b == 0:
            raise Trap(TrapCode.INTEGER_DIVISION_BY_ZERO)
        return a % b

    return {"div_s": div_s, "div_u": div_u, "rem_s": rem_s, "rem_u": rem_u}


def integer_rows(bits: int) -> list[OpSemantics]:
    """Every `i<bits>.*` arithmetic, bitwise and test instruction."""
    t = f"i{bits}"
    mask = (1 << bits) - 1
    m = hex(mask)
    sb = hex(1 << (bits - 1))          # sign bit
    modulus = hex(1 << bits)
    k = bits - 1

    def s(v: int) -> int:
        return signed(v, bits)

    def rotl(a: int, b: int) -> int:
        n = b % bits
        return ((a << n) | (a >> (bits - n))) & mask

    def rotr(a: int, b: int) -> int:
        n = b % bits
        return ((a >> n) | (a << (bits - n))) & mask

    def ctz(a: int) -> int:
        return (a & -a).bit_length() - 1 if a else bits

    def cmp_s(op: str, flipped: str) -> str:
        # same sign: the unsigned order is the signed order; different signs: reversed.
        return f"({{0}} {op} {{1}} if ({{0}} < {sb}) == ({{1}} < {sb}) else {{0}} {flipped} {{1}})"

    div = _division(bits)
    helper = f"_i{bits}"
    # name: (exact function, value template, condition template or None, trap or None)
    binary: dict[str, tuple] = {
        "eq": (lambda a, b: 1 if a == b else 0, None, "{0} == {1}"),
        "ne": (lambda a, b: 1 if a != b else 0, None, "{0} != {1}"),
        "lt_s": (lambda a, b: 1 if s(a) < s(b) else 0, None, cmp_s("<", ">")),
        "lt_u": (lambda a, b: 1 if a < b else 0, None, "{0} < {1}"),
        "gt_s": (lambda a, b: 1 if s(a) > s(b) else 0, None, cmp_s(">", "<")),
        "gt_u": (lambda a, b: 1 if a > b else 0, None, "{0} > {1}"),
        "le_s": (lambda a, b: 1 if s(a) <= s(b) else 0, None, cmp_s("<=", ">=")),
        "le_u": (lambda a, b: 1 if a <= b else 0, None, "{0} <= {1}"),
        "ge_s": (lambda a, b: 1 if s(a) >= s(b) else 0, None, cmp_s(">=", "<=")),
        "ge_u": (lambda a, b: 1 if a >= b else 0, None, "{0} >= {1}"),
        "add": (lambda a, b: (a + b) & mask, f"(({{0}} + {{1}}) & {m})", None),
        "sub": (lambda a, b: (a - b) & mask, f"(({{0}} - {{1}}) & {m})", None),
        "mul": (lambda a, b: (a * b) & mask, f"(({{0}} * {{1}}) & {m})", None),
        "div_s": (div["div_s"], f"({{0}} // {{1}} if 0 < {{1}} < {sb} and {{0}} < {sb} "
                                f"else {helper}_div_s({{0}}, {{1}}))", None),
        "div_u": (div["div_u"], "({0} // {1} if {1} else _trap_div_zero())", None),
        "rem_s": (div["rem_s"], f"({{0}} % {{1}} if 0 < {{1}} < {sb} and {{0}} < {sb} "
                                f"else {helper}_rem_s({{0}}, {{1}}))", None),
        "rem_u": (div["rem_u"], "({0} % {1} if {1} else _trap_div_zero())", None),
        "and": (lambda a, b: a & b, "({0} & {1})", None),
        "or": (lambda a, b: a | b, "({0} | {1})", None),
        "xor": (lambda a, b: a ^ b, "({0} ^ {1})", None),
        "shl": (lambda a, b: (a << (b % bits)) & mask, f"(({{0}} << ({{1}} & {k})) & {m})", None),
        "shr_s": (lambda a, b: (s(a) >> (b % bits)) & mask,
                  f"({{0}} >> ({{1}} & {k}) if {{0}} < {sb} else (({{0}} - {modulus}) >> ({{1}} & {k})) & {m})",
                  None),
        "shr_u": (lambda a, b: a >> (b % bits), f"({{0}} >> ({{1}} & {k}))", None),
        "rotl": (rotl, f"((({{0}} << ({{1}} & {k})) & {m}) | ({{0}} >> (-{{1}} & {k})))", None),
        "rotr": (rotr, f"(({{0}} >> ({{1}} & {k})) | (({{0}} << (-{{1}} & {k})) & {m}))", None),
    }
    unary: dict[str, tuple] = {
        "eqz": (lambda a: 1 if a == 0 else 0, "(0 if {0} else 1)", "{0} == 0"),
        "clz": (lambda a: bits - a.bit_length(), f"({bits} - ({{0}}).bit_length())", None),
        "ctz": (ctz, f"((({{0}} & -{{0}}).bit_length() - 1) if {{0}} else {bits})", None),
        "popcnt": (lambda a: a.bit_count(), "({0}).bit_count()", None),
    }
    traps = {"div_s": TrapCode.INTEGER_DIVISION_BY_ZERO, "div_u": TrapCode.INTEGER_DIVISION_BY_ZERO,
             "rem_s": TrapCode.INTEGER_DIVISION_BY_ZERO, "rem_u": TrapCode.INTEGER_DIVISION_BY_ZERO}
    rows = []
    for params, group in (((t, t), binary), ((t,), unary)):
        for op, (func, template, cond) in group.items():
            if template is None:
                template = f"(1 if {cond} else 0)"
            result = "i32" if cond is not None else t
            rows.append(OpSemantics(f"{t}.{op}", params, result, func, template, cond, traps.get(op)))
    return rows


def sign_extension_rows(t: str) -> list[OpSemantics]:
    """`extend8_s`, `extend16_s` (and `extend32_s` for i64): sign-extend the low bits in place."""
    width = 32 if t == "i32" else 64
    mask = (1 << width) - 1
    rows = []
    for n in (8, 16, 32):
        if n >= width:
            continue
        low = (1 << n) - 1
        high = mask ^ low
        rows.append(OpSemantics(
            f"{t}.extend{n}_s", (t,), t,
            lambda a, n=n: signed(a & ((1 << n) - 1), n) & mask,
            f"({{0}} | {hex(high)} if {{0}} & {hex(1 << (n - 1))} else {{0}} & {hex(low)})"))
    return rows


# Exclusive bounds (lo, hi) of floats that truncate into range, and the saturation values;
# all are exact doubles, and f32 values are exact doubles, so the same bounds serve both
# source types.
TRUNC_BOUNDS = {
    "i32_s": (-2147483649.0, 2147483648.0, -(1 << 31), (1 << 31) - 1, 0xFFFFFFFF),
    "i32_u": (-1.0, 4294967296.0, 0, 0xFFFFFFFF, 0xFFFFFFFF),
    "i64_s": (-9223372036854777856.0, 9223372036854775808.0, -(1 << 63), (1 << 63) - 1, 0xFFFFFFFFFFFFFFFF),
    "i64_u": (-1.0, 18446744073709551616.0, 0, 0xFFFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFF),
}


def make_trunc(lo: float, hi: float, mask: int) -> Callable[[float], int]:
    def trunc(a: float) -> int:
        if a != a:
            raise Trap(TrapCode.BAD_CONVERSION_TO_INTEGER)
        if not (lo < a < hi):
            raise Trap(TrapCode.INTEGER_OVERFLOW)
        return int(a) & mask
    return trunc


def make_trunc_sat(lo: float, hi: float, smin: int, smax: int, mask: int) -> Callable[[float], int]:
    def trunc_sat(a: float) -> int:
        if a != a:
            return 0
        if a <= lo:
            return smin & mask
        if a >= hi:
            return smax & mask
        return int(a) & mask
    return trunc_sat


def truncation_rows(it: str) -> list[OpSemantics]:
    """`<it>.trunc_<ft>_<s|u>` (traps) and `<it>.trunc_sat_<ft>_<s|u>` (saturates)."""
    rows = []
    for ft in ("f32", "f64"):
        for sg in ("s", "u"):
            lo, hi, smin, smax, mask = TRUNC_BOUNDS[f"{it}_{sg}"]
            rng = f"{lo!r} < {{0}} < {hi!r}"
            rows.append(OpSemantics(f"{it}.trunc_{ft}_{sg}", (ft,), it, make_trunc(lo, hi, mask),
                                    f"(int({{0}}) & {hex(mask)} if {rng} else _trunc_trap({{0}}))",
                                    trap=TrapCode.BAD_CONVERSION_TO_INTEGER))
            rows.append(OpSemantics(f"{it}.trunc_sat_{ft}_{sg}", (ft,), it,
                                    make_trunc_sat(lo, hi, smin, smax, mask),
                                    f"(int({{0}}) & {hex(mask)} if {rng} else _trunc_sat_{it}_{sg}({{0}}))"))
    return rows


def integer_globals(bits: int) -> dict[str, object]:
    """The helpers `integer_rows(bits)` and `truncation_rows` name in their templates."""
    div = _division(bits)
    out: dict[str, object] = {"_trap_div_zero": trap_div_zero, "_trunc_trap": trunc_trap,
                              f"_i{bits}_div_s": div["div_s"], f"_i{bits}_rem_s": div["rem_s"]}
    for sg in ("s", "u"):
        lo, hi, smin, smax, mask = TRUNC_BOUNDS[f"i{bits}_{sg}"]
        out[f"_trunc_sat_i{bits}_{sg}"] = make_trunc_sat(lo, hi, smin, smax, mask)
    return out


__all__ = ["integer_rows", "sign_extension_rows", "truncation_rows", "integer_globals", "trap_div_zero",
           "trunc_trap", "TRUNC_BOUNDS"]
