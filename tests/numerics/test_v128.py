"""Differential tests of heron.numerics' SIMD and relaxed-SIMD tables against wasmtime.

wasmtime-py cannot pass v128 across its call boundary, so each instruction (each lane
immediate, a set of shuffle patterns) is one exported function that loops over
operand records in linear memory and stores its results there: one call a batch.
Relaxed SIMD runs with `relaxed_simd_deterministic`, whose choices the tables make.
Results are compared bit for bit, except float lanes whose NaN bits the spec leaves
free (arithmetic results: wasmtime's NaN means ours must be a quiet NaN, canonical when
every NaN operand lane is).  Every template is compared with its function on the same
inputs, bit for bit.  The official scripts' assertions on single-instruction functions
are checked too.  HERON_LONG_TESTS=1 raises the sample sizes.
"""
from __future__ import annotations

import math
import mmap
import os
import random
import re
import struct
import subprocess

import pytest

from heron import Trap
from heron import numerics as N
from heron.errors import TrapCode
from testsuite_paths import TESTSUITE, json_from_wast, wasm_tools

wasmtime = pytest.importorskip("wasmtime")

LONG = os.environ.get("HERON_LONG_TESTS") == "1"
N_CASES = 5000 if LONG else 160          # random operand records an instruction (or instance)
N_IMMEDIATE = 400 if LONG else 24         # records a lane-immediate instance
N_SHUFFLES = 60 if LONG else 10
N_MEMORY = 400 if LONG else 40            # addresses a memory instance

# Every instruction of the fixed-width SIMD proposal (v128.const aside: it is a constant,
# not an operation) and of relaxed SIMD, from the proposals' opcode tables.
SIMD = """
v128.load v128.load8x8_s v128.load8x8_u v128.load16x4_s v128.load16x4_u v128.load32x2_s v128.load32x2_u
v128.load8_splat v128.load16_splat v128.load32_splat v128.load64_splat v128.store
i8x16.shuffle i8x16.swizzle i8x16.splat i16x8.splat i32x4.splat i64x2.splat f32x4.splat f64x2.splat
i8x16.extract_lane_s i8x16.extract_lane_u i8x16.replace_lane i16x8.extract_lane_s i16x8.extract_lane_u
i16x8.replace_lane i32x4.extract_lane i32x4.replace_lane i64x2.extract_lane i64x2.replace_lane
f32x4.extract_lane f32x4.replace_lane f64x2.extract_lane f64x2.replace_lane
i8x16.eq i8x16.ne i8x16.lt_s i8x16.lt_u i8x16.gt_s i8x16.gt_u i8x16.le_s i8x16.le_u i8x16.ge_s i8x16.ge_u
i16x8.eq i16x8.ne i16x8.lt_s i16x8.lt_u i16x8.gt_s i16x8.gt_u i16x8.le_s i16x8.le_u i16x8.ge_s i16x8.ge_u
i32x4.eq i32x4.ne i32x4.lt_s i32x4.lt_u i32x4.gt_s i32x4.gt_u i32x4.le_s i32x4.le_u i32x4.ge_s i32x4.ge_u
f32x4.eq f32x4.ne f32x4.lt f32x4.gt f32x4.le f32x4.ge f64x2.eq f64x2.ne f64x2.lt f64x2.gt f64x2.le f64x2.ge
v128.not v128.and v128.andnot v128.or v128.xor v128.bitselect v128.any_true
v128.load8_lane v128.load16_lane v128.load32_lane v128.load64_lane
v128.store8_lane v128.store16_lane v128.store32_lane v128.store64_lane v128.load32_zero v128.load64_zero
f32x4.demote_f64x2_zero f64x2.promote_low_f32x4
i8x16.abs i8x16.neg i8x16.popcnt i8x16.all_true i8x16.bitmask i8x16.narrow_i16x8_s i8x16.narrow_i16x8_u
f32x4.ceil f32x4.floor f32x4.trunc f32x4.nearest i8x16.shl i8x16.shr_s i8x16.shr_u
i8x16.add i8x16.add_sat_s i8x16.add_sat_u i8x16.sub i8x16.sub_sat_s i8x16.sub_sat_u f64x2.ceil f64x2.floor
i8x16.min_s i8x16.min_u i8x16.max_s i8x16.max_u f64x2.trunc i8x16.avgr_u
i16x8.extadd_pairwise_i8x16_s i16x8.extadd_pairwise_i8x16_u i32x4.extadd_pairwise_i16x8_s
i32x4.extadd_pairwise_i16x8_u i16x8.abs i16x8.neg i16x8.q15mulr_sat_s i16x8.all_true i16x8.bitmask
i16x8.narrow_i32x4_s i16x8.narrow_i32x4_u i16x8.extend_low_i8x16_s i16x8.extend_high_i8x16_s
i16x8.extend_low_i8x16_u i16x8.extend_high_i8x16_u i16x8.shl i16x8.shr_s i16x8.shr_u i16x8.add
i16x8.add_sat_s i16x8.add_sat_u i16x8.sub i16x8.sub_sat_s i16x8.sub_sat_u f64x2.nearest i16x8.mul
i16x8.min_s i16x8.min_u i16x8.max_s i16x8.max_u i16x8.avgr_u i16x8.extmul_low_i8x16_s
i16x8.extmul_high_i8x16_s i16x8.extmul_low_i8x16_u i16x8.extmul_high_i8x16_u
i32x4.abs i32x4.neg i32x4.all_true i32x4.bitmask i32x4.extend_low_i16x8_s i32x4.extend_high_i16x8_s
i32x4.extend_low_i16x8_u i32x4.extend_high_i16x8_u i32x4.shl i32x4.shr_s i32x4.shr_u i32x4.add i32x4.sub
i32x4.mul i32x4.min_s i32x4.min_u i32x4.max_s i32x4.max_u i32x4.dot_i16x8_s i32x4.extmul_low_i16x8_s
i32x4.extmul_high_i16x8_s i32x4.extmul_low_i16x8_u i32x4.extmul_high_i16x8_u
i64x2.abs i64x2.neg i64x2.all_true i64x2.bitmask i64x2.extend_low_i32x4_s i64x2.extend_high_i32x4_s
i64x2.extend_low_i32x4_u i64x2.extend_high_i32x4_u i64x2.shl i64x2.shr_s i64x2.shr_u i64x2.add i64x2.sub
i64x2.mul i64x2.eq i64x2.ne i64x2.lt_s i64x2.gt_s i64x2.le_s i64x2.ge_s i64x2.extmul_low_i32x4_s
i64x2.extmul_high_i32x4_s i64x2.extmul_low_i32x4_u i64x2.extmul_high_i32x4_u
f32x4.abs f32x4.neg f32x4.sqrt f32x4.add f32x4.sub f32x4.mul f32x4.div f32x4.min f32x4.max f32x4.pmin f32x4.pmax
f64x2.abs f64x2.neg f64x2.sqrt f64x2.add f64x2.sub f64x2.mul f64x2.div f64x2.min f64x2.max f64x2.pmin f64x2.pmax
i32x4.trunc_sat_f32x4_s i32x4.trunc_sat_f32x4_u f32x4.convert_i32x4_s f32x4.convert_i32x4_u
i32x4.trunc_sat_f64x2_s_zero i32x4.trunc_sat_f64x2_u_zero f64x2.convert_low_i32x4_s f64x2.convert_low_i32x4_u
""".split()
RELAXED = """
i8x16.relaxed_swizzle i32x4.relaxed_trunc_f32x4_s i32x4.relaxed_trunc_f32x4_u i32x4.relaxed_trunc_f64x2_s_zero
i32x4.relaxed_trunc_f64x2_u_zero f32x4.relaxed_madd f32x4.relaxed_nmadd f64x2.relaxed_madd f64x2.relaxed_nmadd
i8x16.relaxed_laneselect i16x8.relaxed_laneselect i32x4.relaxed_laneselect i64x2.relaxed_laneselect
f32x4.relaxed_min f32x4.relaxed_max f64x2.relaxed_min f64x2.relaxed_max i16x8.relaxed_q15mulr_s
i16x8.relaxed_dot_i8x16_i7x16_s i32x4.relaxed_dot_i8x16_i7x16_add_s
""".split()
SIMD_SCRIPTS = ["simd_*.wast", "relaxed_*.wast", "i8x16_relaxed_swizzle.wast", "i16x8_relaxed_q15mulr_s.wast",
                "i32x4_relaxed_trunc.wast"]

SHAPES = ("i8x16", "i16x8", "i32x4", "i64x2", "f32x4", "f64x2")
WIDTH = {"i32": 32, "i64": 64, "f32": 32, "f64": 64, "v128": 128}
# float-lane results whose NaN bits the spec leaves free (arithmetic NaN results)
NAN_FREE = {f"{s}.{op}" for s in ("f32x4", "f64x2")
            for op in ("add", "sub", "mul", "div", "sqrt", "min", "max", "ceil", "floor", "trunc", "nearest",
                       "relaxed_madd", "relaxed_nmadd", "relaxed_min", "relaxed_max")}
NAN_FREE |= {"f32x4.demote_f64x2_zero", "f64x2.promote_low_f32x4"}
CANONICAL = {32: 0x7FC00000, 64: 0x7FF8000000000000}


# ----------------------------------------------------------------------------- shapes and inputs

def lane_count(shape: str) -> int:
    return int(shape.split("x")[1])


def lane_width(shape: str) -> int:
    return 128 // lane_count(shape)


def input_shape(name: str) -> str:
    """The lane shape an instruction reads its v128 operands as."""
    prefix, op = name.split(".", 1)
    m = re.search(r"(i8x16|i16x8|i32x4|f32x4|f64x2)", op)   # extend, narrow, convert, dot: the source shape
    if m:
        return m.group(1)
    return prefix if prefix != "v128" else "i8x16"


def result_float_width(name: str) -> int | None:
    if name in NAN_FREE:
        return 32 if name.startswith("f32x4") else 64
    return None


def _f32b(x: float) -> int:
    return struct.unpack("<I", struct.pack("<f", x))[0]


def _f64b(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


FLOATS = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 3.5, 0.49999997, math.inf, -math.inf, 1e-40,
          -1e-40, 3.4028234663852886e+38, -3.4028234663852886e+38, 2147483647.0, 2147483648.0, -2147483648.0,
          -2147483649.0, 4294967295.0, 4294967296.0, -0.9999999, 16777217.0, 8388608.5, 4503599627370497.0,
          1e300, -1e300, 5e-324, 2.2250738585072014e-308, 0.1, -7.25, 1e10]
F32_EDGES = sorted({_f32b(x) for x in FLOATS if abs(x) < 3.5e38 or math.isinf(x)}
                   | {0x7FC00000, 0xFFC00000, 0x7FA00000, 0xFFA00001, 0x7F800001, 0x7FC00001, 0x7FFFFFFF,
                      0x00000001, 0x80000001, 0x007FFFFF, 0x00800000, 0x7F7FFFFF, 0x4F000000, 0x4EFFFFFF,
                      0xCF000000, 0xCF000001, 0x4F800000, 0x4F7FFFFF, 0x3F000001, 0x4B000001})
F64_EDGES = sorted({_f64b(x) for x in FLOATS}
                   | {0x7FF8000000000000, 0xFFF8000000000000, 0x7FF4000000000000, 0xFFF4000000000001,
                      0x7FF0000000000001, 0x7FF8000000000001, 0x7FFFFFFFFFFFFFFF, 0x7FF8000020000000,
                      0x0000000000000001, 0x8000000000000001, 0x000FFFFFFFFFFFFF, 0x7FEFFFFFFFFFFFFF,
                      0x47EFFFFFE0000000, 0x47EFFFFFF0000000, 0x36A0000000000000, 0x380FFFFFF0000000,
                      0x41DFFFFFFFC00000, 0x41EFFFFFFFE00000, 0xC1E0000000200000})


def int_edges(w: int) -> list[int]:
    m = (1 << w) - 1
    h = 1 << (w - 1)
    return sorted({0, 1, 2, 3, m, m - 1, h, h - 1, h + 1, 0x7F & m, 0x80 & m, 0xFF & m, 0x100 & m,
                   0x4000 & m, 0x8000 & m, 0x7FFF & m, (m // 3)})


def lane_value(rng: random.Random, kind: str, w: int) -> int:
    if kind == "f":
        if rng.random() < 0.6:
            return rng.choice(F32_EDGES if w == 32 else F64_EDGES)
        r = rng.random()
        if r < 0.3:
            return rng.getrandbits(w)
        x = math.ldexp(rng.random() * rng.choice((1, -1)), rng.randrange(-30, 40))
        if r < 0.6:
            x = float(round(x * 4) / 4)            # near halves: rounding ties
        return _f32b(x) if w == 32 else _f64b(x)
    if rng.random() < 0.6:
        return rng.choice(int_edges(w))
    return rng.getrandbits(w)


def vector(rng: random.Random, shape: str) -> int:
    if rng.random() < 0.1:
        return rng.getrandbits(128)
    w = lane_width(shape)
    return sum(lane_value(rng, shape[0], w) << (w * i) for i in range(lane_count(shape)))


def mix(rng: random.Random, a: int, b: int, w: int) -> int:
    """b with some lanes taken from a (equal lanes for comparisons, min/max, sub)."""
    m = (1 << w) - 1
    return sum(((a if rng.random() < 0.5 else b) >> (w * i) & m) << (w * i) for i in range(128 // w))


def scalar(rng: random.Random, t: str, name: str) -> int:
    if name.split(".")[1].startswith("sh"):          # shift counts
        return rng.choice((rng.randrange(0, 140), rng.getrandbits(32), 0xFFFFFFFF, 0x80000000))
    if t in ("f32", "f64"):
        return lane_value(rng, "f", WIDTH[t])
    w = WIDTH[t]
    return rng.choice(int_edges(w)) if rng.random() < 0.5 else rng.getrandbits(w)


def fma_case(rng: random.Random, shape: str) -> tuple[int, int, int]:
    """Lanes where a separate multiply and add would round differently from a fused one:
    a*b exactly halfway between two results and c tiny (rounding twice breaks the tie
    the wrong way), a*b cancelled by c, or a*b with a tiny c."""
    w = lane_width(shape)
    to_bits = _f32b if w == 32 else _f64b
    rnd = (lambda x: struct.unpack("<f", struct.pack("<f", x))[0]) if w == 32 else float
    p = 24 if w == 32 else 53             # (1 + k 2**-ha)(1 + j 2**-hb), k, j odd, ha + hb = p: a midpoint
    ha, hb = (p + 1) // 2, p // 2
    lanes: tuple[list[int], list[int], list[int]] = ([], [], [])
    for _ in range(lane_count(shape)):
        mode = rng.randrange(3)
        sign = rng.choice((1.0, -1.0))
        if mode == 0:
            a = 1.0 + (2 * rng.getrandbits(ha - 3) + 1) * 2.0 ** -ha
            b = sign * (1.0 + (2 * rng.getrandbits(hb - 3) + 1) * 2.0 ** -hb)
            c = rng.choice((1.0, -1.0)) * math.ldexp(1.0, -rng.randrange(w + 10, 2 * w + 40))
        else:
            a = rnd(1.0 + rng.getrandbits(20) * 2.0 ** -20)
            b = rnd(sign * (1.0 + rng.getrandbits(20) * 2.0 ** -21))
            c = -rnd(a * b) if mode == 1 else rnd(rng.choice((1.0, -1.0)) * math.ldexp(1.0, -rng.randrange(20, 60)))
        for k, x in enumerate((a, b, c)):
            lanes[k].append(to_bits(x))
    return tuple(sum(x << (w * i) for i, x in enumerate(ls)) for ls in lanes)


def cases(name: str, op, count: int) -> list[tuple[int, ...]]:
    rng = random.Random(name)
    shape = input_shape(name)
    out = []
    for i in range(count):
        if "madd" in name and i % 3 == 0:
            out.append(fma_case(rng, shape))
            continue
        args = [vector(rng, shape) if t == "v128" else scalar(rng, t, name) for t in op.params]
        if len(args) >= 2 and op.params[1] == "v128" and rng.random() < 0.3:
            args[1] = mix(rng, args[0], args[1], lane_width(shape))
        out.append(tuple(args))
    return out


def instances(name: str, op) -> list[tuple]:
    """The immediates to test an instruction with: every lane, or a set of shuffle patterns."""
    if op.immediates == ("lane",):
        return [(i,) for i in range(lane_count(name.split(".")[0]))]
    if op.immediates == ("lanes",):
        rng = random.Random(name)
        fixed = [tuple(range(16)), tuple(range(16, 32)), tuple(range(15, -1, -1)), tuple(range(31, 15, -1)),
                 tuple(i // 2 + 16 * (i % 2) for i in range(16)), (0,) * 16, (31,) * 16]
        return [(p,) for p in fixed] + [(tuple(rng.randrange(32) for _ in range(16)),) for _ in range(N_SHUFFLES)]
    return [()]


# ----------------------------------------------------------------------------- wasmtime side

IN, CAP = 0, 4096
OUT = CAP * 48


def engine_config():
    config = wasmtime.Config()
    config.wasm_simd = True
    config.wasm_relaxed_simd = True
    config.wasm_relaxed_simd_deterministic = True
    return config


def _imm_text(imms: tuple) -> str:
    return " ".join(str(x) for x in (imms[0] if imms and isinstance(imms[0], tuple) else imms))


def _export(name: str, imms: tuple) -> str:
    return f"{name}#{_imm_text(imms)}" if imms else name


def _batch_func(name: str, op, imms: tuple) -> str:
    loads = [f"local.get $in {t}.load offset={16 * k}" for k, t in enumerate(op.params)]
    return f"""(func (export "{_export(name, imms)}") (param $n i32) (local $i i32) (local $in i32) (local $out i32)
  (local.set $out (i32.const {OUT}))
  (block $done (loop $next
    (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
    local.get $out {" ".join(loads)} {name} {_imm_text(imms)} {op.result}.store
    (local.set $in (i32.add (local.get $in) (i32.const 48)))
    (local.set $out (i32.add (local.get $out) (i32.const 16)))
    (local.set $i (i32.add (local.get $i) (i32.const 1)))
    (br $next))))"""


class Reference:
    """One wasmtime instance exporting a batch function per instruction instance."""

    def __init__(self) -> None:
        funcs = [_batch_func(name, op, imms) for name, op in N.V128_OPS.items() for imms in instances(name, op)]
        pages = (OUT + CAP * 16) // 65536 + 1
        wat = f'(module (memory (export "mem") {pages})\n' + "\n".join(funcs) + ")"
        engine = wasmtime.Engine(engine_config())
        self.store = wasmtime.Store(engine)
        instance = wasmtime.Instance(self.store, wasmtime.Module(engine, wat), [])
        self.exports = instance.exports(self.store)
        self.memory = self.exports["mem"]

    def run(self, name: str, op, imms: tuple, records: list[tuple[int, ...]]) -> list[int]:
        size = WIDTH[op.result] // 8
        out: list[int] = []
        for start in range(0, len(records), CAP):
            chunk = records[start:start + CAP]
            data = bytearray(48 * len(chunk))
            for i, args in enumerate(chunk):
                for k, (t, v) in enumerate(zip(op.params, args)):
                    data[48 * i + 16 * k:48 * i + 16 * k + WIDTH[t] // 8] = v.to_bytes(WIDTH[t] // 8, "little")
            self.memory.write(self.store, bytes(data), IN)
            self.exports[_export(name, imms)](self.store, len(chunk))
            raw = bytes(self.memory.read(self.store, OUT, OUT + 16 * len(chunk)))
            out += [int.from_bytes(raw[16 * i:16 * i + size], "little") for i in range(len(chunk))]
        return out


@pytest.fixture(scope="module")
def reference() -> Reference:
    return Reference()


# ----------------------------------------------------------------------------- our side

def to_runtime(t: str, bits: int):
    return N.f32_from_bits(bits) if t == "f32" else N.f64_from_bits(bits) if t == "f64" else bits


def to_bits(t: str, value) -> int:
    if t == "f32":
        assert type(value) is float
        return N.f32_to_bits(value)
    if t == "f64":
        assert type(value) is float
        return N.f64_to_bits(value)
    assert type(value) is int, f"{type(value).__name__} {value!r} is not an int"
    assert 0 <= value < 1 << WIDTH[t], hex(value)
    return value


def run_ours(func, op, args: tuple[int, ...]) -> int:
    return to_bits(op.result, func(*(to_runtime(t, v) for t, v in zip(op.params, args))))


def compile_template(template: str):
    return eval(f"lambda a=None, b=None, c=None: {template.format('a', 'b', 'c')}", dict(N.TEMPLATE_GLOBALS))


def is_nan(bits: int, w: int) -> bool:
    exp = ((1 << (8 if w == 32 else 11)) - 1) << (23 if w == 32 else 52)
    return bits & exp == exp and bool(bits & ((1 << (23 if w == 32 else 52)) - 1))


def is_canonical(bits: int, w: int) -> bool:
    return bits & ((1 << (w - 1)) - 1) == (0x7FC00000 if w == 32 else 0x7FF8000000000000)


def is_quiet(bits: int, w: int) -> bool:
    return bool(bits >> (22 if w == 32 else 51) & 1)


def lanes_of(v: int, w: int) -> list[int]:
    return [(v >> (w * i)) & ((1 << w) - 1) for i in range(128 // w)]


def canonical_inputs(name: str, op, args: tuple[int, ...]) -> bool:
    """No operand lane is a non-canonical NaN (then a NaN result must be canonical)."""
    shape = input_shape(name)
    if shape[0] != "f":
        return True
    w = lane_width(shape)
    return all(not is_nan(x, w) or is_canonical(x, w) for a in args for x in lanes_of(a, w))


def check(name: str, op, args: tuple[int, ...], ours: int, theirs: int) -> None:
    where = f"{name}{tuple(hex(a) for a in args)}"
    w = result_float_width(name)
    if w is None:
        assert ours == theirs, f"{where}: ours {ours:#x}, wasmtime {theirs:#x}"
        return
    canonical = canonical_inputs(name, op, args)
    for i, (o, t) in enumerate(zip(lanes_of(ours, w), lanes_of(theirs, w))):
        if is_nan(t, w):
            assert is_nan(o, w) and is_quiet(o, w), f"{where} lane {i}: ours {o:#x}, wasmtime NaN {t:#x}"
            assert not canonical or is_canonical(o, w), f"{where} lane {i}: NaN {o:#x} should be canonical"
            # Heron's deterministic choice: every NaN result lane is the positive canonical NaN
            assert o == CANONICAL[w], f"{where} lane {i}: NaN {o:#x} is not +canonical"
        else:
            assert o == t, f"{where} lane {i}: ours {o:#x}, wasmtime {t:#x} (whole: {ours:#x} vs {theirs:#x})"


# ----------------------------------------------------------------------------- the tables

def test_table_covers_every_simd_instruction() -> None:
    names = set(N.V128_OPS) | set(N.V128_MEMORY_OPS)
    assert len(SIMD) == len(set(SIMD)) == 235 and len(RELAXED) == len(set(RELAXED)) == 20
    assert names == set(SIMD) | set(RELAXED)
    assert not set(N.V128_OPS) & set(N.NUMERIC_OPS) and not set(N.V128_MEMORY_OPS) & set(N.MEMORY_OPS)


def test_table_is_what_the_official_scripts_exercise(testsuite_dir) -> None:
    """Every SIMD instruction name in the scripts (comments and strings removed:
    assert_malformed quotes hold misspelt names on purpose) has a row, and every row is used."""
    token = re.compile(r"\b((?:v128|i8x16|i16x8|i32x4|i64x2|f32x4|f64x2)\.[a-z0-9_]+)")
    used: set[str] = set()
    for pattern in SIMD_SCRIPTS:
        for path in testsuite_dir.glob(pattern):
            text = re.sub(r";;[^\n]*|\(;.*?;\)", "", path.read_text(), flags=re.S)
            used |= set(token.findall(re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)))
    assert used == set(N.V128_OPS) | set(N.V128_MEMORY_OPS) | {"v128.const"}


def test_rows_are_well_formed() -> None:
    for name, op in N.V128_OPS.items():
        assert op.template and op.params and op.result in WIDTH, name
        assert set(re.findall(r"\{(\w+)\}", op.template)) == {str(k) for k in range(op.arity)} | set(op.immediates), name
        assert op.trap is None, name   # SIMD arithmetic never traps
        compile_template(op.bind(*(0 if i == "lane" else bytes(16) for i in op.immediates)).template)
    for name, sem in N.V128_MEMORY_OPS.items():
        assert sem.valtype == "v128" and sem.size in (1, 2, 4, 8, 16), name
        assert ("{lane}" in sem.template) == (sem.immediates == ("lane",)), name


def test_templates_take_any_operand_text() -> None:
    """The compiler pastes operands as names, parenthesised expressions or bare decimal
    literals (`5.to_bytes` would not parse): every template must work with each."""
    rng = random.Random("operand text")
    for name, op in sorted(N.V128_OPS.items()):
        bound = op.bind(*(1 if i == "lane" else bytes(range(16)) for i in op.immediates))
        args = cases(name, op, 3)
        expected = [run_ours(bound.func, bound, a) for a in args]
        for a, want in zip(args, expected):
            if any(t[0] == "f" for t in op.params):
                continue   # float literals are the compiler's business (constants table)
            text = bound.template.format(*(str(x) for x in a))
            assert to_bits(op.result, eval(text, dict(N.TEMPLATE_GLOBALS))) == want, name
            text = bound.template.format(*(f"({x} + 0)" for x in a))
            assert to_bits(op.result, eval(text, dict(N.TEMPLATE_GLOBALS))) == want, name
    for name, sem in N.V128_MEMORY_OPS.items():
        bound = sem.bind(1) if sem.immediates else sem
        mem = bytearray(rng.getrandbits(8) for _ in range(64))
        text = bound.template.format("m", "8", str(rng.getrandbits(128)))
        exec(text if ".store" in name else f"r = {text}", {**N.TEMPLATE_GLOBALS, "m": mem})


def test_bind_pastes_immediates() -> None:
    row = N.V128_OPS["i32x4.extract_lane"]
    assert row.immediates == ("lane",)
    assert row.template == "(({0} >> 32 * {lane}) & 0xffffffff)"        # the docstrings' examples
    assert row.bind(1).template == "(({0} >> 32 * 1) & 0xffffffff)"
    v = 0x44444444_33333333_22222222_11111111
    bound = row.bind(2)
    assert bound.immediates == () and "{lane}" not in bound.template
    assert bound.func(v) == row.func(2, v) == 0x33333333
    assert compile_template(bound.template)(v) == 0x33333333
    shuffle = N.V128_OPS["i8x16.shuffle"].bind(list(range(16, 32)))   # any sequence of 16 ints
    assert compile_template(shuffle.template)(1, 2) == 2 and shuffle.func(1, 2) == 2
    with pytest.raises(ValueError):
        row.bind()
    load = N.V128_MEMORY_OPS["v128.load8_lane"].bind(15)
    mem = bytearray(b"\x00\x7f" + bytes(14))
    assert load.func(mem, 1, 0) == 0x7F << 120


@pytest.mark.parametrize("name", sorted(N.V128_OPS))
def test_op_matches_wasmtime_and_template(reference: Reference, name: str) -> None:
    op = N.V128_OPS[name]
    many = instances(name, op)
    for imms in many:
        bound = op.bind(*imms)
        template = compile_template(bound.template)
        records = cases(f"{name}{imms}", op, N_CASES if len(many) == 1 else N_IMMEDIATE)
        for args, theirs in zip(records, reference.run(name, op, imms, records)):
            ours = run_ours(bound.func, bound, args)
            check(name, op, args, ours, theirs)
            via_template = run_ours(template, bound, args)
            assert via_template == ours, f"template {name}{imms}{tuple(hex(a) for a in args)}: " \
                                         f"{via_template:#x} != {ours:#x}"


# ----------------------------------------------------------------------------- memory

def _memory_wat(name: str, sem, lane: int | None) -> str:
    imm = "" if lane is None else f" {lane}"
    export = f"{name}#{lane}" if lane is not None else name
    if ".store" in name:
        return (f'(func (export "{export}") (param i32 i64 i64) local.get 0 '
                f"local.get 1 i64x2.splat local.get 2 i64x2.replace_lane 1 {name}{imm})")
    vector = "local.get 1 i64x2.splat local.get 2 i64x2.replace_lane 1 " if lane is not None else ""
    params = "(param i32 i64 i64)" if lane is not None else "(param i32)"
    return (f'(func (export "{export}") {params} (result i64 i64) (local $v v128) local.get 0 {vector}'
            f"{name}{imm} local.set $v local.get $v i64x2.extract_lane 0 local.get $v i64x2.extract_lane 1)")


def _memory_instances():
    for name, sem in N.V128_MEMORY_OPS.items():
        if sem.immediates:
            for lane in range(16 // sem.size):
                yield name, sem, lane
        else:
            yield name, sem, None


def _call(exports, store, name: str, lane, args):
    try:
        result = exports[f"{name}#{lane}" if lane is not None else name](store, *args)
    except wasmtime.Trap as trap:
        assert "out of bounds memory access" in str(trap)
        return ("trap", TrapCode.MEMORY_OUT_OF_BOUNDS)
    if result is None:
        return None
    lo, hi = result
    return (lo & N.M64) | (hi & N.M64) << 64


def _ours(func, args):
    try:
        return func(*args)
    except Trap as trap:
        return ("trap", trap.code)


def _template(sem, lane):
    bound = sem.bind(lane) if lane is not None else sem
    ns = dict(N.TEMPLATE_GLOBALS)
    if ".store" in sem.name:
        exec(f"def tpl(m, a, v):\n    {bound.template.format('m', 'a', 'v')}", ns)
    else:
        exec(f"def tpl(m, a, v=None):\n    return {bound.template.format('m', 'a', 'v')}", ns)
    return bound, ns["tpl"]


@pytest.mark.parametrize("kind", ["bytearray", "mmap"])
def test_memory_ops_match_wasmtime_and_templates(kind: str) -> None:
    rng = random.Random("v128 memory")
    image = bytes(rng.getrandbits(8) for _ in range(65536))
    funcs = [_memory_wat(name, sem, lane) for name, sem, lane in _memory_instances()]
    engine = wasmtime.Engine(engine_config())
    store = wasmtime.Store(engine)
    module = wasmtime.Module(engine, '(module (memory (export "mem") 1)\n' + "\n".join(funcs) + ")")
    exports = wasmtime.Instance(store, module, []).exports(store)
    exports["mem"].write(store, image, 0)

    def memory(data: bytes):
        if kind == "bytearray":
            return bytearray(data)
        m = mmap.mmap(-1, len(data))
        m[:] = data
        return m
    ours_mem, tpl_mem = memory(image), memory(image)
    for name, sem, lane in _memory_instances():
        bound, tpl = _template(sem, lane)
        addresses = [0, 1, 65536 - sem.size, 65536 - sem.size + 1, 65535, 65536, 70000, 0xFFFFFFFF]
        addresses += [rng.randrange(65536) for _ in range(N_MEMORY)]
        for addr in addresses:
            v = rng.getrandbits(128)
            wasm_args = [addr] if ".store" not in name and lane is None else [addr, v & N.M64, v >> 64]
            wasm_args = [a - (1 << 64) if a >> 63 and i else a - (1 << 32) if a >> 31 and not i else a
                         for i, a in enumerate(wasm_args)]
            theirs = _call(exports, store, name, lane, wasm_args)
            args = (ours_mem, addr) if len(wasm_args) == 1 else (ours_mem, addr, v)
            ours = _ours(bound.func, args)
            assert ours == theirs, f"{name}#{lane}({addr:#x}): ours {ours}, wasmtime {theirs}"
            try:
                via_template = tpl(tpl_mem, addr, v)
            except N.MEMORY_ACCESS_ERRORS:
                via_template = ("trap", TrapCode.MEMORY_OUT_OF_BOUNDS)
            assert via_template == ours, f"template {name}#{lane}({addr:#x})"
            assert type(via_template) is type(ours)
        assert bytes(ours_mem[:]) == bytes(exports["mem"].read(store, 0, 65536)), f"memory differs after {name}"
        assert bytes(tpl_mem[:]) == bytes(ours_mem[:]), f"template memory differs after {name}"
    assert len(ours_mem) == len(tpl_mem) == 65536   # no store grew a bytearray


# ----------------------------------------------------------------------------- relaxed choices, fma

def test_relaxed_choices_are_the_deterministic_ones() -> None:
    ops = N.V128_OPS
    for shape in ("i8x16", "i16x8", "i32x4", "i64x2"):
        assert ops[f"{shape}.relaxed_laneselect"].func(0xF0, 0x0F, 0x3C) == ops["v128.bitselect"].func(0xF0, 0x0F, 0x3C)
    assert ops["i8x16.relaxed_swizzle"].func(0x1234, (N.M128 ^ 0xFFFF) | 0x10_01) == 0x12   # indices >= 16 -> 0
    nan = N.f32_to_bits(math.nan) * 0x1_00000001_00000001_00000001
    assert ops["i32x4.relaxed_trunc_f32x4_s"].func(nan) == 0               # NaN -> 0, saturating
    m = 0x8000 * 0x0001_0001_0001_0001_0001_0001_0001_0001
    assert ops["i16x8.relaxed_q15mulr_s"].func(m, m) == 0x7FFF * 0x0001_0001_0001_0001_0001_0001_0001_0001
    # relaxed dot: signed x signed, the i16 pair sum 2 * (-128 * -128) wraps to -32768
    m8 = 0x80 * 0x01010101010101010101010101010101
    assert ops["i16x8.relaxed_dot_i8x16_i7x16_s"].func(m8, m8) == 0x8000 * 0x0001_0001_0001_0001_0001_0001_0001_0001
    # madd is fused: (1 + 2**-12)**2 - 1 keeps the 2**-24 that rounding the product to f32 loses
    ones = 0x1_00000001_00000001_00000001
    r = ops["f32x4.relaxed_madd"].func(0x3F800800 * ones, 0x3F800800 * ones, 0xBF800000 * ones)
    assert r == N.f32_to_bits(2.0 ** -11 + 2.0 ** -24) * ones
    r = ops["f32x4.relaxed_nmadd"].func(0x3F800800 * ones, 0x3F800800 * ones, 0x3F800000 * ones)
    assert r == N.f32_to_bits(-(2.0 ** -11 + 2.0 ** -24)) * ones


# ----------------------------------------------------------------------------- official suite

def _leb(data: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        b = data[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return value, i


_CANDIDATE = re.compile(rb"\x00(?:\x20[\x00-\x02]){1,3}\xfd")


def _may_have_single_ops(data: bytes) -> bool:
    """Whether some function body is local.gets then a 0xFD-prefixed instruction (saves
    printing the hundreds of constant-only modules of simd_const and the like)."""
    i = 8
    while i < len(data):
        section, i = data[i], i + 1
        size, i = _leb(data, i)
        if section == 10:
            count, j = _leb(data, i)
            for _ in range(count):
                body_size, j = _leb(data, j)
                if _CANDIDATE.match(data, j):
                    return True
                j += body_size
        i += size
    return False


def _single_op_exports(wasm_file) -> dict[str, tuple]:
    """Exports whose body is `local.get` of each parameter, then one SIMD instruction
    (with its immediates): name -> (row, immediates)."""
    if not _may_have_single_ops(wasm_file.read_bytes()):
        return {}
    text = subprocess.run([wasm_tools(), "print", str(wasm_file)], capture_output=True, text=True,
                          check=True).stdout
    exports = dict(re.findall(r'\(export "([^"]+)" \(func (\d+)\)\)', text))
    bodies: dict[str, tuple] = {}
    for index, header, body in re.findall(r"\(func \(;(\d+);\)([^\n]*)\n((?:    [^\n]*\n)*)  \)", text):
        names: list[str] = []
        for group in re.findall(r"\(param ([^)]*)\)", header):
            parts = group.split()
            names += [parts[0]] if parts[0].startswith("$") else [str(len(names) + i) for i in range(len(parts))]
        lines = [line.strip() for line in body.splitlines()]
        if not lines:
            continue
        op, *imm = lines[-1].split()
        row = N.V128_OPS.get(op)
        if row is None or len(names) != row.arity or lines[:-1] != [f"local.get {n}" for n in names]:
            continue
        values = [tuple(int(x) for x in imm)] if row.immediates == ("lanes",) else [int(x) for x in imm]
        bodies[index] = (row, tuple(values))
    return {name: bodies[index] for name, index in exports.items() if index in bodies}


_LANE_BITS = {"i8": 8, "i16": 16, "i32": 32, "i64": 64, "f32": 32, "f64": 64}


def _value(arg: dict) -> int:
    if arg["type"] == "v128":
        w = _LANE_BITS[arg["lane_type"]]
        return sum((int(x) & ((1 << w) - 1)) << (w * i) for i, x in enumerate(arg["value"]))
    return int(arg["value"]) & ((1 << WIDTH[arg["type"]]) - 1)


def _lane_ok(pattern: str, got: int, w: int) -> bool:
    if pattern == "nan:canonical":
        return is_nan(got, w) and is_canonical(got, w)
    if pattern == "nan:arithmetic":
        return is_nan(got, w) and is_quiet(got, w)
    return got == int(pattern) & ((1 << w) - 1)


def _expected_ok(expected: dict, got: int) -> bool:
    if expected["type"] == "either":
        return any(_expected_ok(e, got) for e in expected["values"])
    if expected["type"] == "v128":
        w = _LANE_BITS[expected["lane_type"]]
        return all(_lane_ok(p, x, w) for p, x in zip(expected["value"], lanes_of(got, w)))
    return _lane_ok(expected["value"], got, WIDTH[expected["type"]])


def _simd_scripts() -> list[str]:
    return sorted(p.stem for pattern in SIMD_SCRIPTS for p in TESTSUITE.glob(pattern))


@pytest.mark.parametrize("script", _simd_scripts())
def test_official_suite_single_op_functions(testsuite_dir, script: str) -> None:
    """Every assert_return of the script on a function that is one SIMD instruction."""
    converted = json_from_wast(testsuite_dir / f"{script}.wast")
    if converted is None:
        pytest.skip("wasm-tools not available")
    data, folder = converted
    ops: dict[str, tuple] = {}
    checked = 0
    for command in data["commands"]:
        if command["type"] == "module":
            ops = _single_op_exports(folder / command["filename"])
            continue
        if command["type"] != "assert_return" or command["action"]["type"] != "invoke":
            continue
        action = command["action"]
        found = ops.get(action["field"])
        if found is None or action.get("module"):
            continue
        row, imms = found
        bound = row.bind(*imms)
        args = tuple(_value(a) for a in action["args"])
        for func in (bound.func, compile_template(bound.template)):
            got = run_ours(func, bound, args)
            assert _expected_ok(command["expected"][0], got), \
                f"{script}.wast:{command['line']} {row.name}{imms}{tuple(hex(a) for a in args)}: {got:#x}"
        checked += 1
    print(f"{script}: {checked} assertions")


def test_nan_results_are_deterministic() -> None:
    """CPython picks which NaN operand `x + y` propagates differently once the addition is
    specialised (after a few calls), so a payload-propagating table would answer a warm
    call differently from a cold one.  Arithmetic lanes answer the canonical NaN instead."""
    nans = {32: (0x7FC01234, 0xFFE00000), 64: (0x7FF8000000001234, 0xFFFC000000000000)}
    for name in sorted(NAN_FREE - {"f32x4.demote_f64x2_zero", "f64x2.promote_low_f32x4"}):
        op = N.V128_OPS[name]
        template = compile_template(op.template)
        w = 32 if name.startswith("f32") else 64
        ones = sum(1 << (w * i) for i in range(128 // w))
        a, b = (x * ones for x in nans[w])
        args = (a, b, a)[:op.arity]
        for _ in range(20):
            assert template(*args) == op.func(*args) == CANONICAL[w] * ones, name
