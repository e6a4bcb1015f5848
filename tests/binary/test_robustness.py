"""Broken inputs: only DecodeError/Unsupported ever leave the decoder."""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heron import DecodeError, Unsupported
from heron.binary import Reader, decode, encode

from .wat import wat2wasm

SAMPLES = [
    """(module $sample
      (type $t (func (param i32) (result i32)))
      (import "env" "f" (func $imp (type $t)))
      (import "env" "mem" (memory 1 2))
      (table $tab 2 funcref) (tag $e (param i32))
      (global $g (mut i64) (i64.const -5))
      (func $fac (export "fac") (type $t)
        (local $acc i32) (local f64)
        (block $out (result i32)
          (try_table (result i32) (catch $e $out)
            (if (result i32) (i32.eqz (local.get 0))
              (then (i32.const 1))
              (else (i32.mul (local.get 0)
                       (call $fac (i32.sub (local.get 0) (i32.const 1)))))))))
      (func $t2 (param i32) (result i32)
        (br_table 0 0 (local.get 0)) (return_call $fac (local.get 0)))
      (elem (i32.const 0) $fac $t2)
      (data (i32.const 8) "hello")
      (start 0))""",
    """(module (memory i64 1) (memory 2)
      (func (param i64) (result f32)
        (f32.load 1 offset=4 (i32.const 0)) (f32.const 1.5) f32.add
        (drop (i64.load (local.get 0))) (memory.fill 1 (i32.const 0) (i32.const 0) (i32.const 0)))
      (data (memory 1) (i32.const 0) "x") (data "passive"))""",
]


def _section_boundaries(wasm: bytes) -> set[int]:
    """Offsets where a section ends (cutting there leaves a well-formed prefix)."""
    r = Reader(wasm, 8)
    out = {8}
    while not r.at_end():
        r.u8()
        size = r.u32()
        r.pos += size
        out.add(r.pos)
    return out


@pytest.fixture(scope="module")
def samples() -> list[bytes]:
    return [wat2wasm(t) for t in SAMPLES]


def test_truncation_at_every_byte(samples):
    for wasm in samples:
        decode(wasm)
        whole_sections = _section_boundaries(wasm)
        for cut in range(len(wasm)):
            prefix = wasm[:cut]
            try:
                decode(prefix)
            except DecodeError as e:
                assert isinstance(e.offset, int) and 0 <= e.offset <= cut
            else:
                assert cut in whole_sections, f"cut at {cut} decoded"


def _mutate(data: bytes, edits: list[tuple[int, int, int]]) -> bytes:
    buf = bytearray(data)
    for kind, where, value in edits:
        if not buf:
            break
        i = where % len(buf)
        if kind == 0:
            buf[i] = value
        elif kind == 1:
            buf.insert(i, value)
        elif kind == 2:
            del buf[i]
        else:
            buf[i] ^= 1 << (value % 8)
    return bytes(buf)


# HERON_FUZZ_EXAMPLES=20000 runs a longer fuzz (opt-in; the default keeps the suite fast).
EXAMPLES = int(os.environ.get("HERON_FUZZ_EXAMPLES", "300"))

EDITS = st.lists(st.tuples(st.integers(0, 3), st.integers(8, 10_000), st.integers(0, 255)),
                 min_size=1, max_size=4)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(which=st.integers(0, len(SAMPLES) - 1), edits=EDITS)
def test_random_mutations_never_crash(which, edits):
    wasm = _SAMPLE_BYTES[which] if _SAMPLE_BYTES else pytest.skip("wasm-tools not available")
    mutated = _mutate(wasm, edits)
    try:
        module = decode(mutated)
    except (DecodeError, Unsupported):
        return
    # whatever decodes re-encodes, and the encoding is a fixed point
    again = encode(module)
    assert encode(decode(again)) == again


@given(st.binary(max_size=64))
@settings(max_examples=EXAMPLES, deadline=None)
def test_random_bytes_after_header(tail):
    try:
        decode(b"\x00asm\x01\x00\x00\x00" + tail)
    except (DecodeError, Unsupported):
        pass


try:
    _SAMPLE_BYTES = [wat2wasm(t) for t in SAMPLES]
except BaseException:     # pytest.skip raises an outcome exception when wasm-tools is absent
    _SAMPLE_BYTES = []
