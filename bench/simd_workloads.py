"""SIMD workloads and their scalar twins: the same work written with v128 instructions (as
clang -msimd128 emits them) and with i32 ones, so one run shows what SIMD buys on each
engine.

* `simd_dot` / `scalar_dot`: the dot product of two arrays of 2048 i16 (4 KiB each, from
  a data segment), k times, summed as i32. SIMD: per 16 bytes two `v128.load`, one
  `i32x4.dot_i16x8_s`, one `i32x4.add`, then a horizontal sum; scalar: two
  `i32.load16_s`, `i32.mul`, `i32.add` per element.
* `simd_hist` / `scalar_hist`: a 16-bucket histogram of the high nibbles of 4096 bytes, k
  times, folded into a checksum. SIMD: per 16 bytes one `v128.load`, one `i8x16.shr_u`
  and, per bucket, `i8x16.eq` + `i8x16.sub` on a byte counter (16 counters in v128
  locals), widened every 64 chunks with `i16x8.extadd_pairwise_i8x16_u` /
  `i32x4.extadd_pairwise_i16x8_u`; scalar: a load, a shift and a counter increment in
  memory per byte.

The expected results are computed here in Python from the same data.
"""
from __future__ import annotations

from .workloads import Workload, _nice_ladder

N_DOT = 2048                 # i16 elements per array
N_HIST = 4096                # bytes
A_BASE, B_BASE = 0, 2 * N_DOT
H_BASE = 0
COUNTS = 8192                # scalar histogram counters (16 x i32)


def _dot_data() -> tuple[list[int], list[int]]:
    a = [((i * 7919 + 13) % 65536) - 32768 for i in range(N_DOT)]
    b = [((i * 104729 + 7) % 2001) - 1000 for i in range(N_DOT)]
    return a, b


def _hist_data() -> bytes:
    return bytes((i * 37 + (i >> 5) * 11 + 5) & 0xFF for i in range(N_HIST))


def _data_string(data: bytes) -> str:
    return "".join(f"\\{b:02x}" for b in data)


def _dot_bytes() -> bytes:
    a, b = _dot_data()
    return b"".join((x & 0xFFFF).to_bytes(2, "little") for x in a + b)


def dot_once() -> int:
    a, b = _dot_data()
    return sum(x * y for x, y in zip(a, b)) & 0xFFFF_FFFF


def hist_once() -> list[int]:
    counts = [0] * 16
    for byte in _hist_data():
        counts[byte >> 4] += 1
    return counts


def hist_checksum(k: int) -> int:
    """k histograms accumulated, folded: sum over buckets of count * (bucket + 1) * 31^bucket."""
    counts = [c * k for c in hist_once()]
    acc = 0
    for b, c in enumerate(counts):
        acc = (acc * 31 + c * (b + 1)) & 0xFFFF_FFFF
    return acc


SIMD_DOT_WAT = f"""(module
  (memory 1)
  (data (i32.const 0) "{_data_string(_dot_bytes())}")
  (func (export "run") (param $k i32) (result i32)
    (local $acc v128) (local $i i32) (local $total i32)
    (block $done (loop $rep
      (br_if $done (i32.eqz (local.get $k)))
      (local.set $acc (v128.const i32x4 0 0 0 0))
      (local.set $i (i32.const 0))
      (loop $l
        (local.set $acc (i32x4.add (local.get $acc)
          (i32x4.dot_i16x8_s (v128.load offset={A_BASE} (local.get $i))
                             (v128.load offset={B_BASE} (local.get $i)))))
        (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 16))) (i32.const {2 * N_DOT}))))
      (local.set $total (i32.add (local.get $total)
        (i32.add (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc)))
                 (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc))))))
      (local.set $k (i32.sub (local.get $k) (i32.const 1)))
      (br $rep)))
    (local.get $total)))"""

SCALAR_DOT_WAT = f"""(module
  (memory 1)
  (data (i32.const 0) "{_data_string(_dot_bytes())}")
  (func (export "run") (param $k i32) (result i32)
    (local $i i32) (local $total i32)
    (block $done (loop $rep
      (br_if $done (i32.eqz (local.get $k)))
      (local.set $i (i32.const 0))
      (loop $l
        (local.set $total (i32.add (local.get $total)
          (i32.mul (i32.load16_s offset={A_BASE} (local.get $i)) (i32.load16_s offset={B_BASE} (local.get $i)))))
        (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 2))) (i32.const {2 * N_DOT}))))
      (local.set $k (i32.sub (local.get $k) (i32.const 1)))
      (br $rep)))
    (local.get $total)))"""


def _simd_hist_wat() -> str:
    buckets = range(16)
    count_locals = " ".join(f"(local $c{b} v128)" for b in buckets)
    total_locals = " ".join(f"(local $t{b} i32)" for b in buckets)
    step = "\n".join(
        f"          (local.set $c{b} (i8x16.sub (local.get $c{b}) (i8x16.eq (local.get $hi) (v128.const i8x16 "
        + " ".join([str(b)] * 16) + "))))" for b in buckets)
    # widen each byte counter (at most 64 per lane) into its i32 total, reset it
    flush = "\n".join(
        f"        (local.set $w (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u (local.get $c{b}))))\n"
        f"        (local.set $t{b} (i32.add (local.get $t{b}) (i32.add\n"
        f"          (i32.add (i32x4.extract_lane 0 (local.get $w)) (i32x4.extract_lane 1 (local.get $w)))\n"
        f"          (i32.add (i32x4.extract_lane 2 (local.get $w)) (i32x4.extract_lane 3 (local.get $w))))))\n"
        f"        (local.set $c{b} (v128.const i64x2 0 0))" for b in buckets)
    fold = "(i32.const 0)"
    for b in buckets:
        fold = f"(i32.add (i32.mul {fold} (i32.const 31)) (i32.mul (local.get $t{b}) (i32.const {b + 1})))"
    return f"""(module
  (memory 1)
  (data (i32.const {H_BASE}) "{_data_string(_hist_data())}")
  (func (export "run") (param $k i32) (result i32)
    (local $i i32) (local $hi v128) (local $w v128) {count_locals} {total_locals}
    (block $done (loop $rep
      (br_if $done (i32.eqz (local.get $k)))
      (local.set $i (i32.const 0))
      (loop $chunk64
        (loop $l
          (local.set $hi (i8x16.shr_u (v128.load offset={H_BASE} (local.get $i)) (i32.const 4)))
{step}
          (br_if $l (i32.and (local.tee $i (i32.add (local.get $i) (i32.const 16))) (i32.const 1023))))
{flush}
        (br_if $chunk64 (i32.ne (local.get $i) (i32.const {N_HIST}))))
      (local.set $k (i32.sub (local.get $k) (i32.const 1)))
      (br $rep)))
    {fold}))"""


def _scalar_hist_wat() -> str:
    fold = "(i32.const 0)"
    for b in range(16):
        fold = (f"(i32.add (i32.mul {fold} (i32.const 31)) "
                f"(i32.mul (i32.load offset={COUNTS + 4 * b} (i32.const 0)) (i32.const {b + 1})))")
    reset = "".join(f"    (i32.store offset={COUNTS + 4 * b} (i32.const 0) (i32.const 0))\n" for b in range(16))
    return f"""(module
  (memory 1)
  (data (i32.const {H_BASE}) "{_data_string(_hist_data())}")
  (func (export "run") (param $k i32) (result i32)
    (local $i i32) (local $slot i32)
{reset}    (block $done (loop $rep
      (br_if $done (i32.eqz (local.get $k)))
      (local.set $i (i32.const 0))
      (loop $l
        (local.set $slot (i32.shl (i32.shr_u (i32.load8_u offset={H_BASE} (local.get $i)) (i32.const 4))
                                  (i32.const 2)))
        (i32.store offset={COUNTS} (local.get $slot) (i32.add (i32.load offset={COUNTS} (local.get $slot))
                                                              (i32.const 1)))
        (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const {N_HIST}))))
      (local.set $k (i32.sub (local.get $k) (i32.const 1)))
      (br $rep)))
    {fold}))"""


def _workload(name: str, wat: str, expected, needs: frozenset[str]) -> Workload:
    return Workload(name=name, file=None, wat=wat, export="run", make_args=lambda k: (k,),
                    expected=expected, work=lambda k: k, ladder=_nice_ladder(1, 1_000_000), quick_size=1,
                    needs=needs, size_label="k")


SIMD = frozenset({"simd"})
SIMD_WORKLOADS: dict[str, Workload] = {w.name: w for w in [
    _workload("simd_dot", SIMD_DOT_WAT, lambda k: dot_once() * k, SIMD),
    _workload("scalar_dot", SCALAR_DOT_WAT, lambda k: dot_once() * k, frozenset()),
    _workload("simd_hist", _simd_hist_wat(), hist_checksum, SIMD),
    _workload("scalar_hist", _scalar_hist_wat(), hist_checksum, frozenset()),
]}

__all__ = ["SIMD_WORKLOADS", "dot_once", "hist_checksum"]
