"""v128: every fixed-width SIMD and relaxed-SIMD instruction that computes on values
(loads and stores: v128_memory.py), each exact function beside its inline template.

Representation
--------------
A v128 is ONE Python int, 0 <= v < 2**128, lane 0 in the low bits: the 16 bytes of its
memory image read little-endian as one number.  Float lanes hold their raw IEEE bits,
so moving a lane never touches a NaN payload; scalars cross at the lane boundary
(`extract_lane`, `splat`, `replace_lane` use the scalar reinterpret templates).  A
`v128.const` is the int literal of its 16 bytes, little-endian.

Chosen by measurement (bench/v128_repr.py; CPython 3.11, x86-64, a shared machine
(load ~2-4), so compare ratios; ns per operation as generated code contains it,
operands in locals) against a 16-byte `bytes` and a tuple of four u32 lanes:

                                        int128  bytes16  lanes4
    v128.and                                20      147     160
    v128.bitselect                          57     1060    1585
    i8x16.add                              158      939    1358
    i8x16.add_sat_u                        635     1483    2005
    i8x16.eq                               272     1044    1515
    i32x4.add                              160      922     233
    i32x4.mul                              806      623     294
    v128.xor                                18      179     166
    i32x4.shl 7                             36      148     264
    f32x4.add                              593      373     833
    f32x4.mul                              572      378     813
    i8x16.shuffle                          260      132     534
    i8x16.swizzle                          215      105     480
    i32x4.extract_lane 1                    37       53       3
    i32x4.replace_lane 2                    56      223      28
    i32x4.splat                             21       59      22
    v128.load                              100       55      55
    v128.store                             105       44     261
    i8x16.bitmask                          259      253     412
    v128.any_true                            5       28      27
    one loop iteration of a kernel:
    dot f32: 2 load, mul, add             1365      862    1756
    brighten u8: load, add_sat_u, store    840     1582    2321
    axpy i32: 2 load, mul, add, store     1271     1700     897
    memchr: load, eq, bitmask              631     1353    1982
    mix i32: add, xor, shl, shr_u, or      269     1588     954
    bytes: load, shuffle, swizzle, store   679      336    1329
    lanes: splat, replace, extract         114      335      53
    all kernels                           5170     7755    9291   (1 : 1.50 : 1.80)

The int wins where SIMD code spends its operations: bitwise ops are one int op, add
and sub of any lane width five (SWAR, swar.py), splat one multiply, extract and
replace a shift and a mask, comparisons, min/max and saturating arithmetic stay on
whole ints, shuffles and swizzles are one `bytes.translate`.  `bytes` is ~1.6-2x faster
for float arithmetic and memory (struct works on it directly) and the lane tuple for
i32x4-only code, but each loses every other kernel to conversions.  All candidates are
one object a value, so stack slots, call arguments and exception payloads cost the same.
`bench/v128_repr.py --table` times every row of this table.

How rows are built
------------------
Every lane-wise row is generated per lane shape, never written per opcode: integer
rules once for widths 8/16/32/64 (`_int_rules`, whole-int templates from swar.py);
float rows from the scalar rows of f32.py/f64.py -- the exact function applies the
scalar FUNCTION per lane (lanes.exact), the template calls a helper generated from the
scalar TEMPLATE per lane (lanes.helper), so rounding, and which lanes are NaN, follow
the scalar rules (the NaN bits: below).
Widening, narrowing, pairwise and dot rows use the same two builders over half views
(``s8:low``) and pair expressions.  Templates that are more than an expression call a
helper named ``_v_<instruction>``; GLOBALS holds them.

Immediates
----------
Lane indices and the shuffle pattern are named placeholders, pasted by `row.bind`
(semantics.py): the function takes them first, the template names them.

    row = OPS["i8x16.extract_lane_u"]                  # immediates == ("lane",)
    row.template == "(({0} >> 8 * {lane}) & 0xff)"
    row.func(3, v)                                     # lane 3 of v
    row.bind(3).template == "(({0} >> 8 * 3) & 0xff)"  # CPython folds 8 * 3
    OPS["i8x16.shuffle"].bind(pattern)                 # `{lanes}`: a 16-byte bytes literal

Relaxed SIMD: one deterministic choice, wasmtime's with relaxed_simd_deterministic
-----------------------------------------------------------------------------------
* i8x16.relaxed_swizzle = i8x16.swizzle: an index >= 16 gives 0.
* i32x4.relaxed_trunc_f32x4_s/_u, relaxed_trunc_f64x2_s/u_zero = the trunc_sat rows:
  NaN gives 0, out-of-range saturates.
* f32x4/f64x2.relaxed_madd = a * b + c FUSED (one rounding, fused.py); relaxed_nmadd =
  -(a * b) + c fused.
* i8x16/i16x8/i32x4/i64x2.relaxed_laneselect = v128.bitselect (bit by bit, not by the
  mask lanes' top bits).
* f32x4/f64x2.relaxed_min/_max = min/max (NaN if either is, -0 < +0).
* i16x8.relaxed_q15mulr_s = i16x8.q15mulr_sat_s (0x8000 * 0x8000 saturates to 0x7fff).
* i16x8.relaxed_dot_i8x16_i7x16_s: both operands signed, each pair sum wraps to 16 bits
  (2 * (-128 * -128) gives -32768).
* i32x4.relaxed_dot_i8x16_i7x16_add_s: both operands signed, the four products and c
  added exactly, wrapped to 32 bits (no 16-bit intermediate).
The tests compare each with wasmtime (relaxed_simd_deterministic) on random and edge
lanes, and the official relaxed scripts accept them.

NaN results
-----------
Bit-moving rows (abs, neg, pmin, pmax, lane access, shuffles, bitwise) keep NaN bits
exactly.  Arithmetic rows (add sub mul div sqrt min max ceil floor trunc nearest,
relaxed madd/nmadd/min/max, demote, promote) give the POSITIVE CANONICAL NaN for every
NaN lane: an arithmetic NaN, so allowed wherever the spec says nan:arithmetic, and
nan:canonical too.  Why not propagate payloads like the scalar rows: CPython's
specialised float addition (after ~8 calls) propagates the other operand's NaN than the
generic one, so which payload came out would depend on how warm the code was.  One
SWAR test of the packed result (lanes.has_nan_lane) keeps the NaN-free path cheap.
"""
from __future__ import annotations

from typing import Callable

from . import f32 as f32_rows, f64 as f64_rows, i32 as i32_rows, i64 as i64_rows
from .bits import M128
from .fused import fma32, fma64
from .lanes import (HELPER_GLOBALS, canonicalizing, count, exact, exact_concat, exact_pairwise, helper, parallel,
                    read, width, write)
from .memory import SEXT8_32
from .semantics import OpSemantics, table
from .swar import (WIDTH, all_true_cond, arithmetic_templates, compare_templates, extadd_templates,
                   min_max_helpers, saturating_helpers, shift_tables, splat)

V = "v128"
INT_SHAPES = {"i8x16": 8, "i16x8": 16, "i32x4": 32, "i64x2": 64}
FLOAT_SHAPES = {"f32x4": 32, "f64x2": 64}
SCALAR = {8: "i32", 16: "i32", 32: "i32", 64: "i64", "f32x4": "f32", "f64x2": "f64"}

HELPER_GLOBALS.update({**f32_rows.GLOBALS, **f64_rows.GLOBALS, **i32_rows.GLOBALS, **i64_rows.GLOBALS,
                       "_fma32": fma32, "_fma64": fma64})

# Bit patterns of a float scalar, and back (the scalar reinterpret templates, one operand).
F32_BITS = i32_rows.OPS["i32.reinterpret_f32"].template
F64_BITS = i64_rows.OPS["i64.reinterpret_f64"].template
F32_FROM = f32_rows.OPS["f32.reinterpret_i32"].template
F64_FROM = f64_rows.OPS["f64.reinterpret_i64"].template
SCALAR_ROWS = {"f32": f32_rows.OPS, "f64": f64_rows.OPS}

# top bit of a byte -> ASCII '1' / '0': bitmask = int(<top bytes, lane n-1 first>.translate(TOP01), 2)
TOP01 = bytes(0x31 if b & 0x80 else 0x30 for b in range(256))
POPCNT8 = bytes(bin(b).count("1") for b in range(256))

_rows: list[OpSemantics] = []


def row(name: str, params: tuple[str, ...], result: str, func: Callable, template: str,
        cond: str | None = None, immediates: tuple[str, ...] = ()) -> None:
    _rows.append(OpSemantics(name, params, result, func, template, cond, None, immediates))


def lane_helper(name: str, ins: tuple[str, ...], lanes: list[str], out: str, reference: Callable,
                saturates: bool = False, canonical: bool = False) -> str:
    """Compile a fast lane helper for the instruction `name`; the template calling it."""
    fname = "_v_" + name.replace(".", "_")
    helper(fname, ins, lanes, out, reference, saturates, canonical)
    return f"{fname}({', '.join(f'{{{k}}}' for k in range(len(ins)))})"


def named(name: str, func: Callable) -> str:
    """Register a hand-written helper under the instruction's name; the template calling it."""
    fname = "_v_" + name.replace(".", "_")
    HELPER_GLOBALS[fname] = func
    return fname + "({0}, {1})"


def _view(w: int, signed: bool) -> str:
    return f"{'s' if signed else 'u'}{w}"


def _clamp(lo: int, hi: int) -> Callable[[int], int]:
    return lambda x: lo if x < lo else hi if x > hi else x


# ----------------------------------------------------------------------------- bitwise

def bitwise_rows() -> None:
    m = f"{M128:#x}"
    row("v128.not", (V,), V, lambda a: a ^ M128, f"({{0}} ^ {m})")
    row("v128.and", (V, V), V, lambda a, b: a & b, "({0} & {1})")
    row("v128.andnot", (V, V), V, lambda a, b: a & (M128 - b), "({0} & ~{1})")
    row("v128.or", (V, V), V, lambda a, b: a | b, "({0} | {1})")
    row("v128.xor", (V, V), V, lambda a, b: a ^ b, "({0} ^ {1})")
    select = "({1} ^ (({0} ^ {1}) & {2}))"
    row("v128.bitselect", (V, V, V), V, lambda a, b, c: (a & c) | (b & (M128 - c)), select)
    for shape in INT_SHAPES:   # relaxed: deterministic choice = bitselect (wasmtime's)
        row(f"{shape}.relaxed_laneselect", (V, V, V), V, lambda a, b, c: (a & c) | (b & (M128 - c)), select)
    row("v128.any_true", (V,), "i32", lambda a: 1 if a else 0, "(1 if {0} else 0)", "{0} != 0")


# ----------------------------------------------------------------------------- lanes in and out

def lane_access_rows() -> None:
    for shape, w in {**INT_SHAPES, **FLOAT_SHAPES}.items():
        _lane_access(shape, w)


def _lane_access(shape: str, w: int) -> None:
    """splat, extract_lane(_s/_u), replace_lane of one shape."""
    t, u, n = SCALAR[shape if shape[0] == "f" else w], f"u{w}", 128 // w
    k, ones = f"{(1 << w) - 1:#x}", f"{splat(1, w):#x}"
    at = f"{w} * {{lane}}"
    lane = f"(({{0}} >> {at}) & {k})"
    keep = f"({M128:#x} ^ ({k} << {at}))"
    if shape[0] == "f":
        view, to_bits, from_bits = shape[:3], F32_BITS if w == 32 else F64_BITS, F32_FROM if w == 32 else F64_FROM
        row(f"{shape}.splat", (t,), V, lambda x, view=view: write(view, [x] * n),
            f"({to_bits} * {ones})")
        row(f"{shape}.extract_lane", (V,), t, lambda i, v, view=view: read(view, v)[i],
            from_bits.format(lane), immediates=("lane",))
        new = to_bits.format("{1}")
    else:
        narrow = w < 32
        row(f"{shape}.splat", (t,), V, lambda x, u=u: write(u, [x] * n),
            f"(({{0}} & {k}) * {ones})" if narrow else f"({{0}} * {ones})")
        view = u
        new = f"({{1}} & {k})" if narrow else "{1}"
        if narrow:
            s = f"s{w}"
            row(f"{shape}.extract_lane_s", (V,), t, lambda i, v, s=s: read(s, v)[i] & 0xFFFFFFFF,
                f"_SEXT8_32[{lane}]" if w == 8 else f"((({lane} ^ 0x8000) - 0x8000) & 0xffffffff)",
                immediates=("lane",))
            row(f"{shape}.extract_lane_u", (V,), t, lambda i, v, u=u: read(u, v)[i], lane,
                immediates=("lane",))
        else:
            row(f"{shape}.extract_lane", (V,), t, lambda i, v, u=u: read(u, v)[i], lane, immediates=("lane",))

    def replace(i: int, v: int, x, view: str = view) -> int:
        lanes = list(read(view, v))
        lanes[i] = x
        return write(view, lanes)
    row(f"{shape}.replace_lane", (V, t), V, replace, f"(({{0}} & {keep}) | ({new} << {at}))",
        immediates=("lane",))


def shuffle_rows() -> None:
    def shuffle(lanes: bytes, a: int, b: int) -> int:
        both = read("u8", a) + read("u8", b)
        return write("u8", (both[i] for i in lanes))

    def swizzle(a: int, s: int) -> int:
        lanes = read("u8", a)
        return write("u8", (lanes[i] if i < 16 else 0 for i in read("u8", s)))

    row("i8x16.shuffle", (V, V), V, shuffle,
        "_int_from_bytes({lanes}.translate(({0} | ({1} << 128)).to_bytes(256, 'little')), 'little')",
        immediates=("lanes",))
    swizzle_template = "_int_from_bytes(({1}).to_bytes(16, 'little').translate(({0}).to_bytes(256, 'little')), 'little')"
    row("i8x16.swizzle", (V, V), V, swizzle, swizzle_template)
    row("i8x16.relaxed_swizzle", (V, V), V, swizzle, swizzle_template)  # deterministic: swizzle's zeros


# ----------------------------------------------------------------------------- integer lanes

def _int_rules(w: int) -> dict[str, tuple]:
    """name: (operand views, rule) of the plain lane-wise integer instructions."""
    s, u = _view(w, True), _view(w, False)
    smin, smax, umax = -(1 << (w - 1)), (1 << (w - 1)) - 1, (1 << w) - 1
    return {
        "add": ((u, u), lambda a, b: a + b),
        "sub": ((u, u), lambda a, b: a - b),
        "neg": ((u,), lambda a: -a),
        "abs": ((s,), abs),
        "avgr_u": ((u, u), lambda a, b: (a + b + 1) >> 1),
        "add_sat_s": ((s, s), lambda a, b: max(smin, min(smax, a + b))),
        "add_sat_u": ((u, u), lambda a, b: min(umax, a + b)),
        "sub_sat_s": ((s, s), lambda a, b: max(smin, min(smax, a - b))),
        "sub_sat_u": ((u, u), lambda a, b: max(0, a - b)),
        "min_s": ((s, s), min), "min_u": ((u, u), min), "max_s": ((s, s), max), "max_u": ((u, u), max),
        "mul": ((u, u), lambda a, b: a * b),
        "eq": ((u, u), lambda a, b: -(a == b)), "ne": ((u, u), lambda a, b: -(a != b)),
        "lt_s": ((s, s), lambda a, b: -(a < b)), "lt_u": ((u, u), lambda a, b: -(a < b)),
        "gt_s": ((s, s), lambda a, b: -(a > b)), "gt_u": ((u, u), lambda a, b: -(a > b)),
        "le_s": ((s, s), lambda a, b: -(a <= b)), "le_u": ((u, u), lambda a, b: -(a <= b)),
        "ge_s": ((s, s), lambda a, b: -(a >= b)), "ge_u": ((u, u), lambda a, b: -(a >= b)),
        "popcnt": ((u,), lambda a: a.bit_count()),
    }


# which instructions each shape has beyond add/sub/neg/abs/eq/ne/shifts/all_true/bitmask
_SHAPE_OPS = {
    8: ("avgr_u", "add_sat_s", "add_sat_u", "sub_sat_s", "sub_sat_u", "min_s", "min_u", "max_s", "max_u", "popcnt",
        "lt_u", "gt_u", "le_u", "ge_u"),
    16: ("avgr_u", "add_sat_s", "add_sat_u", "sub_sat_s", "sub_sat_u", "min_s", "min_u", "max_s", "max_u", "mul",
         "lt_u", "gt_u", "le_u", "ge_u"),
    32: ("min_s", "min_u", "max_s", "max_u", "mul", "lt_u", "gt_u", "le_u", "ge_u"),
    64: ("mul",),
}
_COMMON = ("add", "sub", "neg", "abs", "eq", "ne", "lt_s", "gt_s", "le_s", "ge_s")


def integer_rows() -> None:
    for shape, w in INT_SHAPES.items():
        rules = _int_rules(w)
        templates = {**arithmetic_templates(w), **compare_templates(w)}
        if w in (8, 16):
            templates.update({op: named(f"{shape}.{op}", f) for op, f in saturating_helpers(w).items()})
        if w != 64:
            templates.update({op: named(f"{shape}.{op}", f) for op, f in min_max_helpers(w).items()})
        u = _view(w, False)
        mask = f"{(1 << w) - 1:#x}"
        if w in (16, 32):
            templates["mul"] = lane_helper(f"{shape}.mul", (u, u), parallel(f"(({{0}} * {{1}}) & {mask})", u, u),
                                           u, exact(rules["mul"][1], u, u, u))
        elif w == 64:
            templates["mul"] = ("((({0} & 0xffffffffffffffff) * ({1} & 0xffffffffffffffff) & 0xffffffffffffffff)"
                                " | ((({0} >> 64) * ({1} >> 64) & 0xffffffffffffffff) << 64))")
        else:
            templates["popcnt"] = "_int_from_bytes(({0}).to_bytes(16, 'little').translate(_v_popcnt8), 'little')"
        for op in _COMMON + _SHAPE_OPS[w]:
            views, rule = rules[op]
            result = V
            row(f"{shape}.{op}", (V,) * len(views), result, exact(rule, u, *views), templates[op])
        shift_rows(shape, w, templates)
        test_rows(shape, w)


def shift_rows(shape: str, w: int, templates: dict[str, str]) -> None:
    s, u = _view(w, True), _view(w, False)

    def make(view: str, rule: Callable) -> Callable[[int, int], int]:
        return lambda a, k: write(u, (rule(x, k % w) for x in read(view, a)))
    row(f"{shape}.shl", (V, "i32"), V, make(u, lambda x, k: x << k), templates["shl"])
    row(f"{shape}.shr_s", (V, "i32"), V, make(s, lambda x, k: x >> k), templates["shr_s"])
    row(f"{shape}.shr_u", (V, "i32"), V, make(u, lambda x, k: x >> k), templates["shr_u"])


def test_rows(shape: str, w: int) -> None:
    s, u = _view(w, True), _view(w, False)
    row(f"{shape}.all_true", (V,), "i32", lambda a: 1 if all(read(u, a)) else 0,
        arithmetic_templates(w)["all_true"], all_true_cond(w))
    step = "" if w == 8 else f"[::{w // 8}]"
    row(f"{shape}.bitmask", (V,), "i32", lambda a: sum(1 << i for i, x in enumerate(read(s, a)) if x < 0),
        f"int(({{0}}).to_bytes(16, 'big'){step}.translate(_v_top01), 2)")


# ----------------------------------------------------------------------------- widening and narrowing

def widening_rows() -> None:
    for shape, w in (("i16x8", 16), ("i32x4", 32), ("i64x2", 64)):
        src = {16: "i8x16", 32: "i16x8", 64: "i32x4"}[w]
        h = w // 2
        for sg in "su":
            into = _view(w, sg == "s")
            for half in ("low", "high"):
                view = f"{_view(h, sg == 's')}:{half}"
                name = f"{shape}.extend_{half}_{src}_{sg}"
                ref = exact(lambda x: x, into, view)
                row(name, (V,), V, ref, lane_helper(name, (view,), parallel("{0}", view), into, ref))
                name = f"{shape}.extmul_{half}_{src}_{sg}"
                ref = exact(lambda a, b: a * b, into, view, view)
                row(name, (V, V), V, ref,
                    lane_helper(name, (view, view), parallel("({0} * {1})", view, view), into, ref))
            if w < 64:
                name = f"{shape}.extadd_pairwise_{src}_{sg}"
                row(name, (V,), V, exact_pairwise(lambda a, b: a + b, _view(w, False), _view(h, sg == "s")),
                    extadd_templates(h)[sg])
    for shape, w in (("i8x16", 8), ("i16x8", 16)):
        src, wide = {8: ("i16x8", "s16"), 16: ("i32x4", "s32")}[w]
        for sg, lo, hi in (("s", -(1 << (w - 1)), (1 << (w - 1)) - 1), ("u", 0, (1 << w) - 1)):
            name = f"{shape}.narrow_{src}_{sg}"
            out = _view(w, sg == "s")
            ref = exact_concat(_clamp(lo, hi), out, wide)
            clamp = f"({lo} if {{0}} < {lo} else {hi} if {{0}} > {hi} else {{0}})"
            lanes = parallel(clamp, wide) + [clamp.format(y) for y in (f"y{i}" for i in range(count(wide)))]
            row(name, (V, V), V, ref, lane_helper(name, (wide, wide), lanes, out, ref))


def dot_rows() -> None:
    pairs = [f"(x{2 * i} * y{2 * i} + x{2 * i + 1} * y{2 * i + 1})" for i in range(4)]
    ref = exact_pairwise(lambda a0, a1, b0, b1: a0 * b0 + a1 * b1, "u32", "s16", "s16")
    row("i32x4.dot_i16x8_s", (V, V), V, ref,
        lane_helper("i32x4.dot_i16x8_s", ("s16", "s16"), [f"({p} & 0xffffffff)" for p in pairs], "u32", ref))

    def q15(a: int, b: int) -> int:
        return max(-32768, min(32767, (a * b + 0x4000) >> 15))
    ref = exact(q15, "s16", "s16", "s16")
    # only -32768 * -32768 leaves the lane range: the pack raises and the exact function saturates
    lanes = parallel("(({0} * {1} + 16384) >> 15)", "s16", "s16")
    row("i16x8.q15mulr_sat_s", (V, V), V, ref,
        lane_helper("i16x8.q15mulr_sat_s", ("s16", "s16"), lanes, "s16", ref, saturates=True))
    # relaxed: deterministic choice = the saturating q15mulr_sat_s (wasmtime's)
    row("i16x8.relaxed_q15mulr_s", (V, V), V, ref,
        lane_helper("i16x8.relaxed_q15mulr_s", ("s16", "s16"), lanes, "s16", ref, saturates=True))
    # relaxed dot, deterministic choice (wasmtime's): both operands signed; i16x8 keeps the
    # low 16 bits of each pair sum (2 * (-128 * -128) = 32768 wraps to -32768); the i32x4
    # form adds its four products and c exactly, then wraps to 32 bits (no 16-bit step).
    pairs16 = [f"(x{2 * i} * y{2 * i} + x{2 * i + 1} * y{2 * i + 1})" for i in range(8)]
    ref16 = exact_pairwise(lambda a0, a1, b0, b1: a0 * b0 + a1 * b1, "u16", "s8", "s8")
    row("i16x8.relaxed_dot_i8x16_i7x16_s", (V, V), V, ref16,
        lane_helper("i16x8.relaxed_dot_i8x16_i7x16_s", ("s8", "s8"), [f"({p} & 0xffff)" for p in pairs16], "u16",
                    ref16))

    def dot_add(a: int, b: int, c: int) -> int:
        x, y = read("s8", a), read("s8", b)
        return write("u32", (sum(x[j] * y[j] for j in range(4 * i, 4 * i + 4)) + z
                             for i, z in enumerate(read("u32", c))))
    lanes = [f"(({pairs16[2 * i]} + {pairs16[2 * i + 1]} + z{i}) & 0xffffffff)" for i in range(4)]
    row("i32x4.relaxed_dot_i8x16_i7x16_add_s", (V, V, V), V, dot_add,
        lane_helper("i32x4.relaxed_dot_i8x16_i7x16_add_s", ("s8", "s8", "u32"), lanes, "u32", dot_add))


# ----------------------------------------------------------------------------- float lanes

def float_rows() -> None:
    fast = f64_rows.OPS   # double templates: f32 lanes are rounded once when packed
    for shape, w in FLOAT_SHAPES.items():
        t = shape[:3]
        scalar = SCALAR_ROWS[t]
        sign = splat(1 << (w - 1), w)
        for op in ("add", "sub", "mul", "div", "min", "max", "sqrt", "ceil", "floor", "trunc", "nearest"):
            sem = scalar[f"{t}.{op}"]
            views = (t,) * sem.arity
            ref = canonicalizing(exact(sem.func, t, *views), w)
            template = lane_helper(f"{shape}.{op}", views, parallel(fast[f"f64.{op}"].template, *views), t, ref,
                                   canonical=True)
            row(f"{shape}.{op}", (V,) * sem.arity, V, ref, template)
            if op in ("min", "max"):   # relaxed: deterministic choice = min / max (wasmtime's)
                row(f"{shape}.relaxed_{op}", (V, V), V, ref, template)
        row(f"{shape}.abs", (V,), V, exact(scalar[f"{t}.abs"].func, t, t), f"({{0}} & {M128 ^ sign:#x})")
        row(f"{shape}.neg", (V,), V, exact(scalar[f"{t}.neg"].func, t, t), f"({{0}} ^ {sign:#x})")
        for op in ("eq", "ne", "lt", "gt", "le", "ge"):
            sem = scalar[f"{t}.{op}"]
            ref = exact(lambda a, b, f=sem.func: -f(a, b), _view(w, False), t, t)
            row(f"{shape}.{op}", (V, V), V, ref,
                lane_helper(f"{shape}.{op}", (t, t), parallel(f"-({sem.cond})", t, t), _view(w, True), ref))
        lt = f"_v_{shape}_lt"
        row(f"{shape}.pmin", (V, V), V, exact(lambda a, b: b if b < a else a, t, t, t),
            f"({{0}} ^ (({{0}} ^ {{1}}) & {lt}({{1}}, {{0}})))")
        row(f"{shape}.pmax", (V, V), V, exact(lambda a, b: b if a < b else a, t, t, t),
            f"({{0}} ^ (({{0}} ^ {{1}}) & {lt}({{0}}, {{1}})))")
        # relaxed: deterministic choice = fused (one rounding), as wasmtime's
        fma, fma_name = (fma32, "_fma32") if w == 32 else (fma64, "_fma64")
        for op, rule, lane in (("madd", fma, f"{fma_name}({{0}}, {{1}}, {{2}})"),
                               ("nmadd", lambda a, b, c, f=fma: f(-a, b, c), f"{fma_name}(-{{0}}, {{1}}, {{2}})")):
            ref = canonicalizing(exact(rule, t, t, t, t), w)
            row(f"{shape}.relaxed_{op}", (V, V, V), V, ref,
                lane_helper(f"{shape}.relaxed_{op}", (t, t, t), parallel(lane, t, t, t), t, ref, canonical=True))


def conversion_rows() -> None:
    # name: (result view, operand view, scalar row giving the exact rule, scalar template of the fast lane)
    conversions = {
        "f32x4.convert_i32x4_s": ("f32", "u32", f32_rows.OPS["f32.convert_i32_s"], "f64.convert_i32_s"),
        "f32x4.convert_i32x4_u": ("f32", "u32", f32_rows.OPS["f32.convert_i32_u"], "f64.convert_i32_u"),
        "f64x2.convert_low_i32x4_s": ("f64", "u32:low", f64_rows.OPS["f64.convert_i32_s"], "f64.convert_i32_s"),
        "f64x2.convert_low_i32x4_u": ("f64", "u32:low", f64_rows.OPS["f64.convert_i32_u"], "f64.convert_i32_u"),
        "f32x4.demote_f64x2_zero": ("f32", "f64", f32_rows.OPS["f32.demote_f64"], None),
        "f64x2.promote_low_f32x4": ("f64", "f32:low", f64_rows.OPS["f64.promote_f32"], None),
        "i32x4.trunc_sat_f32x4_s": ("u32", "f32", i32_rows.OPS["i32.trunc_sat_f32_s"], "i32.trunc_sat_f32_s"),
        "i32x4.trunc_sat_f32x4_u": ("u32", "f32", i32_rows.OPS["i32.trunc_sat_f32_u"], "i32.trunc_sat_f32_u"),
        "i32x4.trunc_sat_f64x2_s_zero": ("u32", "f64", i32_rows.OPS["i32.trunc_sat_f64_s"], "i32.trunc_sat_f64_s"),
        "i32x4.trunc_sat_f64x2_u_zero": ("u32", "f64", i32_rows.OPS["i32.trunc_sat_f64_u"], "i32.trunc_sat_f64_u"),
    }
    templates = {**f64_rows.OPS, **i32_rows.OPS}
    for name, (out, view, sem, fast) in conversions.items():
        nan = fast is None            # demote and promote carry NaNs: canonical, as arithmetic results
        ref = exact(sem.func, out, view)
        if nan:
            ref = canonicalizing(ref, width(out))
        lane = templates[fast].template if fast else "{0}"
        template = lane_helper(name, (view,), parallel(lane, view), out, ref, canonical=nan)
        row(name, (V,), V, ref, template)
        if name.startswith("i32x4.trunc_sat"):   # relaxed: deterministic choice = saturating (wasmtime's)
            relaxed = name.replace("trunc_sat", "relaxed_trunc")
            row(relaxed, (V,), V, ref, lane_helper(relaxed, (view,), parallel(lane, view), out, ref))


bitwise_rows()
lane_access_rows()
shuffle_rows()
integer_rows()
widening_rows()
dot_rows()
float_rows()
conversion_rows()

OPS = table(_rows)

HELPER_GLOBALS.update({**shift_tables(), "_v_top01": TOP01, "_v_popcnt8": POPCNT8, "_SEXT8_32": SEXT8_32})

# Everything the templates name: the helpers, their struct methods and tables (not exec's __builtins__).
GLOBALS: dict[str, object] = {k: v for k, v in HELPER_GLOBALS.items() if not k.startswith("__")}

__all__ = ["OPS", "GLOBALS", "INT_SHAPES", "FLOAT_SHAPES", "TOP01"]
