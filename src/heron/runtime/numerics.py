"""Exact semantics of every Wasm numeric instruction, as a table the compiler can paste from.

Value representation (the runtime's contract)
=============================================
* i32 / i64: Python ``int`` holding the UNSIGNED bit pattern, 0 <= v < 2**32 / 2**64.
  Never ``bool``: comparisons and ``eqz`` produce the ints 0 / 1.
* f64: Python ``float`` whose IEEE-754 bits ARE the Wasm value's bits, NaN payload and
  signalling bit included.  CPython keeps these bits through assignment, containers,
  ``struct '<d'`` pack/unpack (a memcpy), unary ``-``, ``abs``/``math.fabs`` and
  ``math.copysign`` (all sign-bit operations in C) -- tests/runtime/test_numerics.py
  checks each of these on a signalling NaN.
* f32: Python ``float`` holding the f32 value widened exactly to double.  Every finite
  f32 is an exact double.  A NaN keeps its sign, quiet bit and 22-bit payload in the
  TOP mantissa bits of the double (bits 51..29, the low 29 bits zero): exactly what
  hardware f32->f64 promotion does for quiet NaNs, extended to signalling NaNs.  Use
  ``f32_from_bits`` / ``f32_to_bits`` to cross between IEEE bits and this form; never
  ``struct '<f'`` on a NaN (its float<->double casts quiet signalling NaNs).
* REPRESENTATION = 'float'.

Why floats and not bit patterns (measured on this machine, CPython 3.11, x86-64):
f64.add is ``a + b`` (~17 ns) versus ~245 ns when both operands live as bit patterns
(two unpacks, one add, one pack); comparisons, min/max fast paths, conversions and
truncations likewise stay native.  f32 arithmetic costs one rounding call either way
(``f32_round``: ~60 ns through a one-element ``array('f')``, versus ~90 ns for
``Struct('<f').unpack(pack(x))``, which also raises OverflowError instead of giving inf).
Exactness of the bit-preserving ops (neg/abs/copysign/reinterpret/load/store/const) is
kept by the rules above and checked bit-for-bit against wasmtime.

f32 arithmetic: an f32 op is computed in double and rounded once to single.  For
+ - * / and sqrt of f32 operands this double rounding is innocuous because double has
53 >= 2*24 + 2 significand bits (Figueroa 1995), so the result is the correctly rounded
f32 (round to nearest, ties to even), overflow to infinity included.  i64 -> f32 is NOT
done via double (53-bit then 24-bit rounding can be wrong): see ``_int_to_f32``.

NaN results: an arithmetic NaN result is always quiet; when every NaN input is
canonical (or there is none) it is canonical.  CPython on x86-64 gives this naturally
(SSE propagates the first NaN operand, quieted; invalid operations give the default
NaN 0xFFF8...).  Python raises where IEEE does not (x/0.0, sqrt(-1), int(nan), round(inf));
every such case is routed to a helper before Python sees it.

Templates
=========
``OpSemantics.template`` is a Python expression with ``{0}``/``{1}`` for the operands.
Operands MUST be plain names (or parenthesised expressions) without side effects: a
template may evaluate an operand more than once.  Names starting with ``_`` in a
template are in ``TEMPLATE_GLOBALS``; the compiler puts that dict into the generated
module's globals (templates also use the builtins int, float, abs, so do not shadow
them).  Float constants must reach generated code as objects in globals, never as
repr'd literals (repr loses NaN bits).  ``OpSemantics.cond`` (comparisons and eqz) is a Python boolean
expression meaning "the result is 1", for fusing with if / br_if / select.  Comparison
``template``s return int 0/1: ``(1 if c else 0)`` measured as fast as the bare bool.

Memory templates (``MEMORY_OPS``): loads use ``{0}`` = the memory bytearray, ``{1}`` =
the effective address (an int >= 0); stores add ``{2}`` = the value and are
statements.  They do NOT bounds-check: an access past the end raises one of
``MEMORY_ACCESS_ERRORS`` (struct.error, IndexError), which the compiler turns into
``Trap('out of bounds memory access')`` (zero cost on the normal path).  The plain
``load_*`` / ``store_*`` functions do that conversion themselves.  Measured: a
precompiled ``Struct('<I').unpack_from`` ~54 ns, ``struct.unpack_from('<I', ...)`` ~66 ns,
``int.from_bytes(m[a:a+4], 'little')`` ~138 ns; ``m[a]`` ~19 ns for bytes.

Thread note: ``f32_round`` uses one shared array('f') cell; the store and the read back
happen with no bytecode boundary that can release the GIL, so it is safe on GIL builds.
"""
from __future__ import annotations

import math
import struct
from array import array
from dataclasses import dataclass
from typing import Callable

from ..errors import Trap

REPRESENTATION = "float"

M32 = 0xFFFFFFFF
M64 = 0xFFFFFFFFFFFFFFFF

TRAP_DIV_ZERO = "integer divide by zero"
TRAP_OVERFLOW = "integer overflow"
TRAP_INVALID_CONVERSION = "invalid conversion to integer"
TRAP_OUT_OF_BOUNDS = "out of bounds memory access"

_U8 = struct.Struct("<B")
_I8 = struct.Struct("<b")
_U16 = struct.Struct("<H")
_I16 = struct.Struct("<h")
_U32 = struct.Struct("<I")
_I32 = struct.Struct("<i")
_U64 = struct.Struct("<Q")
_F32 = struct.Struct("<f")
_F64 = struct.Struct("<d")

_INF = math.inf
_CANONICAL_NAN = _F64.unpack(_U64.pack(0x7FF8000000000000))[0]

# ---------------------------------------------------------------------------
# Representation: IEEE bits <-> runtime values
# ---------------------------------------------------------------------------

_round_cell = array("f", [0.0])


def f32_round(x: float, _cell: array = _round_cell) -> float:
    """The f32 nearest to the double x (ties to even, overflow to inf), as a runtime value.

    The C cast behind array('f') rounds in the current (nearest) mode and quiets NaNs,
    keeping the top payload bits -- the f32 form of this module."""
    _cell[0] = x
    return _cell[0]


def f64_from_bits(bits: int) -> float:
    """The f64 runtime value with these IEEE bits (exact, signalling NaNs included)."""
    return _F64.unpack(_U64.pack(bits))[0]


def f64_to_bits(x: float) -> int:
    """The IEEE bits of an f64 runtime value."""
    return _U64.unpack(_F64.pack(x))[0]


def f32_from_bits(bits: int) -> float:
    """The f32 runtime value with these IEEE bits; NaNs go to the f32 form by hand."""
    if (bits & 0x7F800000) == 0x7F800000 and bits & 0x7FFFFF:
        return _F64.unpack(_U64.pack(((bits & 0x80000000) << 32) | 0x7FF0000000000000
                                     | ((bits & 0x7FFFFF) << 29)))[0]
    return _F32.unpack(_U32.pack(bits))[0]


def _f32_nan_bits(x: float) -> int:
    bits = _U64.unpack(_F64.pack(x))[0]
    payload = (bits >> 29) & 0x7FFFFF
    if not payload:  # a double NaN whose payload is only in the low bits: quiet it
        payload = 0x400000
    return ((bits >> 32) & 0x80000000) | 0x7F800000 | payload


def f32_to_bits(x: float) -> int:
    """The IEEE bits of an f32 runtime value (x must be f32-exact: use f32_round first
    for arbitrary host floats)."""
    if x == x:
        return _U32.unpack(_F32.pack(x))[0]
    return _f32_nan_bits(x)


# ---------------------------------------------------------------------------
# Traps
# ---------------------------------------------------------------------------

def _trap_div_zero(*_args: object) -> int:
    raise Trap(TRAP_DIV_ZERO)


def _trap_overflow(*_args: object) -> int:
    raise Trap(TRAP_OVERFLOW)


# ---------------------------------------------------------------------------
# Integer operations (reference functions; the templates are written separately
# and the tests check each against the other)
# ---------------------------------------------------------------------------

def _signed(v: int, bits: int) -> int:
    return v - ((v >> (bits - 1)) << bits)


def _make_int_ops(bits: int) -> dict[str, Callable]:
    mask = (1 << bits) - 1
    sign = 1 << (bits - 1)
    smin = sign

    def s(v: int) -> int:
        return _signed(v, bits)

    def div_s(a: int, b: int) -> int:
        if b == 0:
            raise Trap(TRAP_DIV_ZERO)
        if a == smin and b == mask:
            raise Trap(TRAP_OVERFLOW)
        sa, sb = s(a), s(b)
        q = abs(sa) // abs(sb)
        return (-q if (sa < 0) != (sb < 0) else q) & mask

    def div_u(a: int, b: int) -> int:
        if b == 0:
            raise Trap(TRAP_DIV_ZERO)
        return a // b

    def rem_s(a: int, b: int) -> int:
        if b == 0:
            raise Trap(TRAP_DIV_ZERO)
        sa, sb = s(a), s(b)
        r = abs(sa) % abs(sb)
        return (-r if sa < 0 else r) & mask

    def rem_u(a: int, b: int) -> int:
        if b == 0:
            raise Trap(TRAP_DIV_ZERO)
        return a % b

    def rotl(a: int, b: int) -> int:
        k = b % bits
        return ((a << k) | (a >> (bits - k))) & mask

    def rotr(a: int, b: int) -> int:
        k = b % bits
        return ((a >> k) | (a << (bits - k))) & mask

    def ctz(a: int) -> int:
        if a == 0:
            return bits
        n = 0
        while not (a >> n) & 1:
            n += 1
        return n

    return {
        "eqz": lambda a: 1 if a == 0 else 0,
        "eq": lambda a, b: 1 if a == b else 0,
        "ne": lambda a, b: 1 if a != b else 0,
        "lt_s": lambda a, b: 1 if s(a) < s(b) else 0,
        "lt_u": lambda a, b: 1 if a < b else 0,
        "gt_s": lambda a, b: 1 if s(a) > s(b) else 0,
        "gt_u": lambda a, b: 1 if a > b else 0,
        "le_s": lambda a, b: 1 if s(a) <= s(b) else 0,
        "le_u": lambda a, b: 1 if a <= b else 0,
        "ge_s": lambda a, b: 1 if s(a) >= s(b) else 0,
        "ge_u": lambda a, b: 1 if a >= b else 0,
        "clz": lambda a: bits - a.bit_length(),
        "ctz": ctz,
        "popcnt": lambda a: bin(a).count("1"),
        "add": lambda a, b: (a + b) & mask,
        "sub": lambda a, b: (a - b) & mask,
        "mul": lambda a, b: (a * b) & mask,
        "div_s": div_s,
        "div_u": div_u,
        "rem_s": rem_s,
        "rem_u": rem_u,
        "and": lambda a, b: a & b,
        "or": lambda a, b: a | b,
        "xor": lambda a, b: a ^ b,
        "shl": lambda a, b: (a << (b % bits)) & mask,
        "shr_s": lambda a, b: (s(a) >> (b % bits)) & mask,
        "shr_u": lambda a, b: a >> (b % bits),
        "rotl": rotl,
        "rotr": rotr,
    }


def _int_templates(bits: int) -> dict[str, tuple[str | None, str | None]]:
    """(value template, condition template) per op, for one width."""
    m = hex((1 << bits) - 1)
    sb = hex(1 << (bits - 1))  # sign bit
    modulus = hex(1 << bits)
    k = bits - 1

    def cmp_s(op: str, flipped: str) -> str:
        # same sign: the unsigned order is the signed order; different signs: reversed.
        return f"({{0}} {op} {{1}} if ({{0}} < {sb}) == ({{1}} < {sb}) else {{0}} {flipped} {{1}})"

    conds = {
        "eqz": "{0} == 0",
        "eq": "{0} == {1}",
        "ne": "{0} != {1}",
        "lt_s": cmp_s("<", ">"),
        "lt_u": "{0} < {1}",
        "gt_s": cmp_s(">", "<"),
        "gt_u": "{0} > {1}",
        "le_s": cmp_s("<=", ">="),
        "le_u": "{0} <= {1}",
        "ge_s": cmp_s(">=", "<="),
        "ge_u": "{0} >= {1}",
    }
    w = f"_i{bits}"
    out: dict[str, tuple[str | None, str | None]] = {
        name: (f"(1 if {cond} else 0)", cond) for name, cond in conds.items()}
    out.update({
        "eqz": ("(0 if {0} else 1)", "{0} == 0"),
        "clz": (f"({bits} - ({{0}}).bit_length())", None),
        "ctz": (f"((({{0}} & -{{0}}).bit_length() - 1) if {{0}} else {bits})", None),
        "popcnt": ("({0}).bit_count()", None),
        "add": (f"(({{0}} + {{1}}) & {m})", None),
        "sub": (f"(({{0}} - {{1}}) & {m})", None),
        "mul": (f"(({{0}} * {{1}}) & {m})", None),
        # fast path: both operands non-negative and the divisor non-zero
        "div_s": (f"({{0}} // {{1}} if 0 < {{1}} < {sb} and {{0}} < {sb} else {w}_div_s({{0}}, {{1}}))", None),
        "div_u": ("({0} // {1} if {1} else _trap_div_zero())", None),
        "rem_s": (f"({{0}} % {{1}} if 0 < {{1}} < {sb} and {{0}} < {sb} else {w}_rem_s({{0}}, {{1}}))", None),
        "rem_u": ("({0} % {1} if {1} else _trap_div_zero())", None),
        "and": ("({0} & {1})", None),
        "or": ("({0} | {1})", None),
        "xor": ("({0} ^ {1})", None),
        "shl": (f"(({{0}} << ({{1}} & {k})) & {m})", None),
        "shr_s": (f"({{0}} >> ({{1}} & {k}) if {{0}} < {sb} else (({{0}} - {modulus}) >> ({{1}} & {k})) & {m})", None),
        "shr_u": (f"({{0}} >> ({{1}} & {k}))", None),
        "rotl": (f"((({{0}} << ({{1}} & {k})) & {m}) | ({{0}} >> (-{{1}} & {k})))", None),
        "rotr": (f"(({{0}} >> ({{1}} & {k})) | (({{0}} << (-{{1}} & {k})) & {m}))", None),
    })
    return out


# ---------------------------------------------------------------------------
# Float operations (runtime representation: Python floats, see the docstring)
# ---------------------------------------------------------------------------

_copysign = math.copysign
_sqrt = math.sqrt
_TWO52 = 4503599627370496.0  # doubles at or above this magnitude are integers


def _fdiv(a: float, b: float) -> float:
    if b:
        return a / b
    return _fdiv_zero(a, b)


def _fdiv_zero(a: float, b: float) -> float:
    """a / ±0.0, which Python refuses: NaN for NaN or zero dividends, else signed inf."""
    if a != a:
        return a * 1.0  # propagate, quieted
    if a == 0.0:
        return _CANONICAL_NAN
    return _INF if (_copysign(1.0, a) == _copysign(1.0, b)) else -_INF


def _fsqrt(a: float) -> float:
    if a >= 0.0:  # also true for -0.0, whose root is -0.0
        return _sqrt(a)
    return _fsqrt_slow(a)


def _fsqrt_slow(a: float) -> float:
    if a != a:
        return a * 1.0
    return _CANONICAL_NAN  # negative, -inf included


def _fmin(a: float, b: float) -> float:
    if a < b:
        return a
    if b < a:
        return b
    return _fmin_slow(a, b)


def _fmin_slow(a: float, b: float) -> float:
    """Equal operands (either zero sign wins negative) or a NaN (propagated, quieted)."""
    if a == b:
        return -((-a) + (-b)) if a == 0.0 else a
    return a + b


def _fmax(a: float, b: float) -> float:
    if a > b:
        return a
    if b > a:
        return b
    return _fmax_slow(a, b)


def _fmax_slow(a: float, b: float) -> float:
    if a == b:
        return a + b if a == 0.0 else a  # +0 unless both are -0
    return a + b


def _make_rounding(py_round: Callable[[float], int]) -> Callable[[float], float]:
    def rounded(a: float) -> float:
        if -_TWO52 < a < _TWO52:
            return _copysign(float(py_round(a)), a)  # copysign keeps -0.0 for e.g. ceil(-0.5)
        return a * 1.0  # already integral, or inf, or NaN (quieted)
    return rounded


_fceil = _make_rounding(math.ceil)
_ffloor = _make_rounding(math.floor)
_ftrunc = _make_rounding(math.trunc)
_fnearest = _make_rounding(round)  # Python's round() on floats: ties to even, exact


def _fcmp_funcs() -> dict[str, tuple[Callable, str]]:
    return {
        "eq": (lambda a, b: 1 if a == b else 0, "{0} == {1}"),
        "ne": (lambda a, b: 1 if a != b else 0, "{0} != {1}"),
        "lt": (lambda a, b: 1 if a < b else 0, "{0} < {1}"),
        "gt": (lambda a, b: 1 if a > b else 0, "{0} > {1}"),
        "le": (lambda a, b: 1 if a <= b else 0, "{0} <= {1}"),
        "ge": (lambda a, b: 1 if a >= b else 0, "{0} >= {1}"),
    }


# ---------------------------------------------------------------------------
# Conversions
# ---------------------------------------------------------------------------

def _int_to_f32(n: int) -> float:
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


def _promote(a: float) -> float:
    """f32 -> f64: exact; a NaN keeps sign and payload and becomes quiet."""
    if a == a:
        return a
    bits = f32_to_bits(a) | 0x400000
    return f64_from_bits(((bits & 0x80000000) << 32) | 0x7FF0000000000000 | ((bits & 0x7FFFFF) << 29))


# Exclusive bounds (lo, hi) of floats that truncate into range; all are exact doubles,
# and f32 values are exact doubles, so the same bounds serve both source types.
_TRUNC_BOUNDS = {
    "i32_s": (-2147483649.0, 2147483648.0, -(1 << 31), (1 << 31) - 1, M32),
    "i32_u": (-1.0, 4294967296.0, 0, M32, M32),
    "i64_s": (-9223372036854777856.0, 9223372036854775808.0, -(1 << 63), (1 << 63) - 1, M64),
    "i64_u": (-1.0, 18446744073709551616.0, 0, M64, M64),
}


def _make_trunc(lo: float, hi: float, mask: int) -> Callable[[float], int]:
    def trunc(a: float) -> int:
        if a != a:
            raise Trap(TRAP_INVALID_CONVERSION)
        if not (lo < a < hi):
            raise Trap(TRAP_OVERFLOW)
        return int(a) & mask
    return trunc


def _make_trunc_sat(lo: float, hi: float, smin: int, smax: int, mask: int) -> Callable[[float], int]:
    def trunc_sat(a: float) -> int:
        if a != a:
            return 0
        if a <= lo:
            return smin & mask
        if a >= hi:
            return smax & mask
        return int(a) & mask
    return trunc_sat


def _sext(bits: int, mask: int) -> Callable[[int], int]:
    return lambda a: _signed(a & ((1 << bits) - 1), bits) & mask


# ---------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class OpSemantics:
    """One numeric instruction: operand/result types, exact function, inline templates."""
    name: str
    params: tuple[str, ...]
    result: str
    func: Callable
    template: str | None = None   # value expression over {0}, {1}
    cond: str | None = None       # boolean expression "result is 1" (comparisons, eqz)

    @property
    def arity(self) -> int:
        return len(self.params)


NUMERIC_OPS: dict[str, OpSemantics] = {}


def _add(name: str, params: tuple[str, ...], result: str, func: Callable,
         template: str | None, cond: str | None = None) -> None:
    NUMERIC_OPS[name] = OpSemantics(name, params, result, func, template, cond)


def _build_table() -> None:
    for bits in (32, 64):
        t = f"i{bits}"
        funcs = _make_int_ops(bits)
        templates = _int_templates(bits)
        for op, func in funcs.items():
            template, cond = templates[op]
            unary = op in ("eqz", "clz", "ctz", "popcnt")
            params = (t,) if unary else (t, t)
            is_test = cond is not None
            _add(f"{t}.{op}", params, "i32" if is_test else t, func, template, cond)

    for t in ("f32", "f64"):
        for op, (func, cond) in _fcmp_funcs().items():
            _add(f"{t}.{op}", (t, t), "i32", func, f"(1 if {cond} else 0)", cond)
        wrap = "_f32_round({})"
        if t == "f64":
            _add("f64.add", (t, t), t, lambda a, b: a + b, "({0} + {1})")
            _add("f64.sub", (t, t), t, lambda a, b: a - b, "({0} - {1})")
            _add("f64.mul", (t, t), t, lambda a, b: a * b, "({0} * {1})")
            _add("f64.div", (t, t), t, _fdiv, "({0} / {1} if {1} else _fdiv_zero({0}, {1}))")
            _add("f64.sqrt", (t,), t, _fsqrt, "(_sqrt({0}) if {0} >= 0.0 else _fsqrt_slow({0}))")
        else:
            _add("f32.add", (t, t), t, lambda a, b: f32_round(a + b), wrap.format("{0} + {1}"))
            _add("f32.sub", (t, t), t, lambda a, b: f32_round(a - b), wrap.format("{0} - {1}"))
            _add("f32.mul", (t, t), t, lambda a, b: f32_round(a * b), wrap.format("{0} * {1}"))
            _add("f32.div", (t, t), t, lambda a, b: f32_round(_fdiv(a, b)),
                 "(_f32_round({0} / {1}) if {1} else _fdiv_zero({0}, {1}))")
            _add("f32.sqrt", (t,), t, lambda a: f32_round(_fsqrt(a)),
                 "(_f32_round(_sqrt({0})) if {0} >= 0.0 else _fsqrt_slow({0}))")
        # min/max/abs/neg/copysign/rounding never leave the f32 grid: no rounding needed
        _add(f"{t}.min", (t, t), t, _fmin, "({0} if {0} < {1} else {1} if {1} < {0} else _fmin_slow({0}, {1}))")
        _add(f"{t}.max", (t, t), t, _fmax, "({0} if {0} > {1} else {1} if {1} > {0} else _fmax_slow({0}, {1}))")
        _add(f"{t}.abs", (t,), t, math.fabs, "abs({0})")
        _add(f"{t}.neg", (t,), t, lambda a: -a, "(-{0})")
        _add(f"{t}.copysign", (t, t), t, math.copysign, "_copysign({0}, {1})")
        for op, func, pyname in (("ceil", _fceil, "_ceil"), ("floor", _ffloor, "_floor"),
                                 ("trunc", _ftrunc, "_trunc")):
            _add(f"{t}.{op}", (t,), t, func,
                 f"(_copysign(float({pyname}({{0}})), {{0}}) if -{_TWO52!r} < {{0}} < {_TWO52!r} else {{0}} * 1.0)")
        # nearest: adding then subtracting 2**52 rounds to an integer, ties to even, in the
        # hardware's own rounding (exact for |x| < 2**52); copysign restores -0.0.
        c = repr(_TWO52)
        _add(f"{t}.nearest", (t,), t, _fnearest,
             f"(_copysign({{0}} + {c} - {c}, {{0}}) if 0.0 <= {{0}} < {c} else "
             f"_copysign({{0}} - {c} + {c}, {{0}}) if -{c} < {{0}} < 0.0 else {{0}} * 1.0)")

    # integer width changes and sign extension
    _add("i32.wrap_i64", ("i64",), "i32", lambda a: a & M32, "({0} & 0xFFFFFFFF)")
    _add("i64.extend_i32_s", ("i32",), "i64", lambda a: _signed(a, 32) & M64,
         "({0} if {0} < 0x80000000 else {0} + 0xFFFFFFFF00000000)")
    _add("i64.extend_i32_u", ("i32",), "i64", lambda a: a, "{0}")
    for t, mask, mhex in (("i32", M32, "0xFFFFFFFF"), ("i64", M64, "0xFFFFFFFFFFFFFFFF")):
        width = 32 if t == "i32" else 64
        for n in (8, 16, 32):
            if n >= width:
                continue
            low = (1 << n) - 1
            high = mask ^ low
            _add(f"{t}.extend{n}_s", (t,), t, _sext(n, mask),
                 f"({{0}} | {hex(high)} if {{0}} & {hex(1 << (n - 1))} else {{0}} & {hex(low)})")

    # float -> int, trapping and saturating
    for it in ("i32", "i64"):
        for ft in ("f32", "f64"):
            for sg in ("s", "u"):
                lo, hi, smin, smax, mask = _TRUNC_BOUNDS[f"{it}_{sg}"]
                rng = f"{lo!r} < {{0}} < {hi!r}"
                _add(f"{it}.trunc_{ft}_{sg}", (ft,), it, _make_trunc(lo, hi, mask),
                     f"(int({{0}}) & {hex(mask)} if {rng} else _trunc_trap({{0}}))")
                _add(f"{it}.trunc_sat_{ft}_{sg}", (ft,), it, _make_trunc_sat(lo, hi, smin, smax, mask),
                     f"(int({{0}}) & {hex(mask)} if {rng} else _trunc_sat_{it}_{sg}({{0}}))")

    # int -> float
    _add("f64.convert_i32_s", ("i32",), "f64", lambda a: float(_signed(a, 32)),
         "float({0} if {0} < 0x80000000 else {0} - 0x100000000)")
    _add("f64.convert_i32_u", ("i32",), "f64", lambda a: float(a), "float({0})")
    _add("f64.convert_i64_s", ("i64",), "f64", lambda a: float(_signed(a, 64)),
         "float({0} if {0} < 0x8000000000000000 else {0} - 0x10000000000000000)")
    _add("f64.convert_i64_u", ("i64",), "f64", lambda a: float(a), "float({0})")  # CPython: correctly rounded
    _add("f32.convert_i32_s", ("i32",), "f32", lambda a: _int_to_f32(_signed(a, 32)),
         "_f32_round(float({0} if {0} < 0x80000000 else {0} - 0x100000000))")
    _add("f32.convert_i32_u", ("i32",), "f32", lambda a: _int_to_f32(a), "_f32_round(float({0}))")
    _add("f32.convert_i64_s", ("i64",), "f32", lambda a: _int_to_f32(_signed(a, 64)),
         "_int_to_f32({0} if {0} < 0x8000000000000000 else {0} - 0x10000000000000000)")
    _add("f32.convert_i64_u", ("i64",), "f32", _int_to_f32,
         "(_f32_round(float({0})) if {0} < 0x20000000000000 else _int_to_f32({0}))")

    # float <-> float, reinterpretations
    _add("f32.demote_f64", ("f64",), "f32", f32_round, "_f32_round({0})")
    _add("f64.promote_f32", ("f32",), "f64", _promote, "({0} * 1.0)")
    _add("i32.reinterpret_f32", ("f32",), "i32", f32_to_bits,
         "(_u32_unpack(_f32_pack({0}))[0] if {0} == {0} else _f32_nan_bits({0}))")
    _add("f32.reinterpret_i32", ("i32",), "f32", f32_from_bits,
         "(_f32_unpack(_u32_pack({0}))[0] if ({0} & 0x7F800000) != 0x7F800000 else _f32_from_bits({0}))")
    _add("i64.reinterpret_f64", ("f64",), "i64", f64_to_bits, "_u64_unpack(_f64_pack({0}))[0]")
    _add("f64.reinterpret_i64", ("i64",), "f64", f64_from_bits, "_f64_unpack(_u64_pack({0}))[0]")


def _trunc_trap(a: float) -> int:
    raise Trap(TRAP_INVALID_CONVERSION if a != a else TRAP_OVERFLOW)


_build_table()


# ---------------------------------------------------------------------------
# Memory access (little-endian, on a bytearray)
# ---------------------------------------------------------------------------

MEMORY_ACCESS_ERRORS = (struct.error, IndexError)

_SEXT8_32 = tuple(_signed(v, 8) & M32 for v in range(256))
_SEXT8_64 = tuple(_signed(v, 8) & M64 for v in range(256))


def _load_f32(mem: bytearray, addr: int) -> float:
    x = _F32.unpack_from(mem, addr)[0]
    if x == x:
        return x
    return f32_from_bits(_U32.unpack_from(mem, addr)[0])  # keep a signalling NaN signalling


def _store_f32(mem: bytearray, addr: int, value: float) -> None:
    if value == value:
        _F32.pack_into(mem, addr, value)
    else:
        _U32.pack_into(mem, addr, _f32_nan_bits(value))


@dataclass(frozen=True)
class MemorySemantics:
    """One load or store: access size, value type, checked function, unchecked template."""
    name: str
    size: int
    valtype: str
    func: Callable   # load(mem, addr) -> value | store(mem, addr, value) -> None; traps on OOB
    template: str    # {0} memory, {1} address, {2} value (stores); raises MEMORY_ACCESS_ERRORS on OOB


def _oob(*_args: object):
    raise Trap(TRAP_OUT_OF_BOUNDS)


def _checked(raw: Callable) -> Callable:
    def access(*args):
        try:
            return raw(*args)
        except MEMORY_ACCESS_ERRORS:
            raise Trap(TRAP_OUT_OF_BOUNDS) from None
    access.__name__ = getattr(raw, "__name__", "access")
    return access


_LOADS = {
    # name: (size, type, raw function, template)
    "i32.load": (4, "i32", lambda m, a: _U32.unpack_from(m, a)[0], "_u32_from({0}, {1})[0]"),
    "i64.load": (8, "i64", lambda m, a: _U64.unpack_from(m, a)[0], "_u64_from({0}, {1})[0]"),
    "f32.load": (4, "f32", _load_f32, "_load_f32({0}, {1})"),
    "f64.load": (8, "f64", lambda m, a: _F64.unpack_from(m, a)[0], "_f64_from({0}, {1})[0]"),
    "i32.load8_s": (1, "i32", lambda m, a: _signed(m[a], 8) & M32, "_SEXT8_32[{0}[{1}]]"),
    "i32.load8_u": (1, "i32", lambda m, a: m[a], "{0}[{1}]"),
    "i32.load16_s": (2, "i32", lambda m, a: _I16.unpack_from(m, a)[0] & M32, "(_i16_from({0}, {1})[0] & 0xFFFFFFFF)"),
    "i32.load16_u": (2, "i32", lambda m, a: _U16.unpack_from(m, a)[0], "_u16_from({0}, {1})[0]"),
    "i64.load8_s": (1, "i64", lambda m, a: _signed(m[a], 8) & M64, "_SEXT8_64[{0}[{1}]]"),
    "i64.load8_u": (1, "i64", lambda m, a: m[a], "{0}[{1}]"),
    "i64.load16_s": (2, "i64", lambda m, a: _I16.unpack_from(m, a)[0] & M64,
                     "(_i16_from({0}, {1})[0] & 0xFFFFFFFFFFFFFFFF)"),
    "i64.load16_u": (2, "i64", lambda m, a: _U16.unpack_from(m, a)[0], "_u16_from({0}, {1})[0]"),
    "i64.load32_s": (4, "i64", lambda m, a: _I32.unpack_from(m, a)[0] & M64,
                     "(_i32_from({0}, {1})[0] & 0xFFFFFFFFFFFFFFFF)"),
    "i64.load32_u": (4, "i64", lambda m, a: _U32.unpack_from(m, a)[0], "_u32_from({0}, {1})[0]"),
}


def _store8(m: bytearray, a: int, v: int) -> None:
    m[a] = v & 0xFF


_STORES = {
    "i32.store": (4, "i32", _U32.pack_into, "_u32_into({0}, {1}, {2})"),
    "i64.store": (8, "i64", _U64.pack_into, "_u64_into({0}, {1}, {2})"),
    "f32.store": (4, "f32", _store_f32, "(_f32_into({0}, {1}, {2}) if {2} == {2} else _store_f32({0}, {1}, {2}))"),
    "f64.store": (8, "f64", _F64.pack_into, "_f64_into({0}, {1}, {2})"),
    "i32.store8": (1, "i32", _store8, "{0}[{1}] = {2} & 0xFF"),
    "i32.store16": (2, "i32", lambda m, a, v: _U16.pack_into(m, a, v & 0xFFFF), "_u16_into({0}, {1}, {2} & 0xFFFF)"),
    "i64.store8": (1, "i64", _store8, "{0}[{1}] = {2} & 0xFF"),
    "i64.store16": (2, "i64", lambda m, a, v: _U16.pack_into(m, a, v & 0xFFFF), "_u16_into({0}, {1}, {2} & 0xFFFF)"),
    "i64.store32": (4, "i64", lambda m, a, v: _U32.pack_into(m, a, v & M32), "_u32_into({0}, {1}, {2} & 0xFFFFFFFF)"),
}

MEMORY_OPS: dict[str, MemorySemantics] = {
    name: MemorySemantics(name, size, vt, _checked(raw), tpl)
    for table in (_LOADS, _STORES) for name, (size, vt, raw, tpl) in table.items()}

load_i32 = MEMORY_OPS["i32.load"].func
load_i64 = MEMORY_OPS["i64.load"].func
load_f32 = MEMORY_OPS["f32.load"].func
load_f64 = MEMORY_OPS["f64.load"].func
store_i32 = MEMORY_OPS["i32.store"].func
store_i64 = MEMORY_OPS["i64.store"].func
store_f32 = MEMORY_OPS["f32.store"].func
store_f64 = MEMORY_OPS["f64.store"].func


# ---------------------------------------------------------------------------
# Everything the templates name
# ---------------------------------------------------------------------------

TEMPLATE_GLOBALS: dict[str, object] = {
    "_trap_div_zero": _trap_div_zero,
    "_trunc_trap": _trunc_trap,
    "_f32_round": f32_round,
    "_fdiv_zero": _fdiv_zero,
    "_sqrt": _sqrt,
    "_fsqrt_slow": _fsqrt_slow,
    "_fmin_slow": _fmin_slow,
    "_fmax_slow": _fmax_slow,
    "_copysign": _copysign,
    "_ceil": math.ceil,
    "_floor": math.floor,
    "_trunc": math.trunc,
    "_int_to_f32": _int_to_f32,
    "_f32_nan_bits": _f32_nan_bits,
    "_f32_from_bits": f32_from_bits,
    "_u32_pack": _U32.pack, "_u32_unpack": _U32.unpack,
    "_u64_pack": _U64.pack, "_u64_unpack": _U64.unpack,
    "_f32_pack": _F32.pack, "_f32_unpack": _F32.unpack,
    "_f64_pack": _F64.pack, "_f64_unpack": _F64.unpack,
    # memory
    "_u16_from": _U16.unpack_from, "_i16_from": _I16.unpack_from,
    "_u32_from": _U32.unpack_from, "_i32_from": _I32.unpack_from,
    "_u64_from": _U64.unpack_from, "_f64_from": _F64.unpack_from,
    "_u16_into": _U16.pack_into, "_u32_into": _U32.pack_into,
    "_u64_into": _U64.pack_into, "_f32_into": _F32.pack_into, "_f64_into": _F64.pack_into,
    "_load_f32": _load_f32, "_store_f32": _store_f32,
    "_SEXT8_32": _SEXT8_32, "_SEXT8_64": _SEXT8_64,
}
for _bits in (32, 64):
    _fs = _make_int_ops(_bits)
    TEMPLATE_GLOBALS[f"_i{_bits}_div_s"] = _fs["div_s"]
    TEMPLATE_GLOBALS[f"_i{_bits}_rem_s"] = _fs["rem_s"]
    for _sg in ("s", "u"):
        _lo, _hi, _smin, _smax, _mask = _TRUNC_BOUNDS[f"i{_bits}_{_sg}"]
        TEMPLATE_GLOBALS[f"_trunc_sat_i{_bits}_{_sg}"] = _make_trunc_sat(_lo, _hi, _smin, _smax, _mask)
del _bits, _fs, _sg, _lo, _hi, _smin, _smax, _mask

__all__ = [
    "REPRESENTATION", "NUMERIC_OPS", "TEMPLATE_GLOBALS", "MEMORY_OPS", "MEMORY_ACCESS_ERRORS",
    "OpSemantics", "MemorySemantics", "f32_from_bits", "f32_to_bits", "f64_from_bits", "f64_to_bits",
    "f32_round", "load_i32", "load_i64", "load_f32", "load_f64", "store_i32", "store_i64", "store_f32",
    "store_f64", "TRAP_DIV_ZERO", "TRAP_OVERFLOW", "TRAP_INVALID_CONVERSION", "TRAP_OUT_OF_BOUNDS",
]
