"""Bodies kept as byte ranges: the scan at load rejects exactly what a full decode rejects,
and Func.body decodes on access into the same instructions, offsets included."""
from __future__ import annotations

import copy
import gc
import pickle
import sys
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heron import DecodeError, Unsupported
from heron.ast import RECENT_BODIES, Func, Instr
from heron.binary import decode, encode
from heron.binary.instructions import ExprResult, read_expr
from heron.binary.leb128 import Reader
from heron.binary.scan import scan_body

from .wat import wat2wasm

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import genmodule  # noqa: E402

IN_SECTION = "unexpected end of section or function"

SAMPLE = """(module (tag $e (param i32)) (memory 1) (table 2 funcref) (global $g (mut i64) (i64.const 5))
  (func $f (param i32) (result i32) (local f64)
    (block $out (result i32)
      (try_table (result i32) (catch $e $out)
        (if (result i32) (i32.eqz (local.get 0))
          (then (i32.const 1))
          (else (i32.load offset=70000 (local.get 0)))))))
  (func (param i64) (result f32)
    (br_table 0 0 (i32.const 3)) (select (result f32) (f32.const 1.5) (f32.const -0) (i32.const 1)))
  (func (drop (f64.const nan:0x1234)) (global.set $g (i64.const -123456789012))
    (memory.fill (i32.const 0) (i32.const 0) (i32.const 0)) (drop (ref.null func))
    (call_indirect (param) (result) (i32.const 0)))
  (func (param v128) (result v128)
    (drop (i32.trunc_sat_f32_s (f32.const 1)))
    (v128.store offset=3 (i32.const 0) (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 31
      (v128.const i32x4 1 2 3 4) (local.get 0)))
    (v128.load8_lane 3 (i32.const 0) (i32x4.replace_lane 1 (local.get 0) (i32.const 7)))
    (f32x4.relaxed_madd (local.get 0) (local.get 0))))"""


@lru_cache(maxsize=None)
def _wasm(text: str) -> bytes:
    return wat2wasm(text)


def _outcome(fn):
    try:
        return ("ok", fn())
    except DecodeError as e:
        return ("malformed", e.message, e.offset)
    except Unsupported as e:
        return ("unsupported", e.feature)


def _scan(data: bytes, pos: int, end: int):
    return _outcome(lambda: scan_body(data, pos, end, ExprResult()))


def _full(data: bytes, pos: int, end: int):
    def run():
        r = Reader(data, pos, end, IN_SECTION)
        read_expr(r, ExprResult())
        return r.pos
    return _outcome(run)


def test_body_is_decoded_on_access_like_a_full_decode():
    wasm = _wasm(SAMPLE)
    m = decode(wasm)
    for f in m.funcs:
        assert f.code is not None
        full = read_expr(Reader(wasm, f.code.start, f.code.end, IN_SECTION))
        body = f.body
        assert body == full
        assert [i.offset for i in body] == [i.offset for i in full]
        assert body[-1] == Instr("end") and body[-1].offset == f.code.end - 1


def test_decoded_body_is_not_kept_by_the_func():
    m = decode(_wasm(SAMPLE))
    f = m.funcs[0]
    first = f.body
    assert f.body is first                       # the same list while someone holds it
    del first
    for _ in range(RECENT_BODIES):               # push it out of the ring of recent bodies
        decode(_wasm("(module (func))")).funcs[0].body
    gc.collect()
    assert f._decoded() is None                  # nothing keeps it alive
    assert f.body[0].op == "block"               # and it decodes again


def test_assigning_a_body_replaces_the_bytes():
    m = decode(_wasm(SAMPLE))
    f = m.funcs[2]
    f.body = [Instr("nop"), Instr("end")]
    assert f.code is None and f.body == [Instr("nop"), Instr("end")]
    assert decode(encode(m)).funcs[2].body == [Instr("nop"), Instr("end")]
    assert Func(0, [], [Instr("end")]).body == [Instr("end")]


def test_encode_copies_the_bytes_of_decoded_bodies():
    wasm = _wasm(SAMPLE)
    assert encode(decode(wasm)) == wasm
    # a non-canonical LEB stays as it was (the hand-written binaries of the suite have those)
    body = b"\x00\x41\x80\x80\x00\x1a\x0b"                  # i32.const 0 (3 bytes), drop, end
    wasm = (b"\x00asm\x01\x00\x00\x00\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00"
            b"\x0a" + bytes((len(body) + 2, 1, len(body))) + body)
    assert encode(decode(wasm)) == wasm
    assert decode(wasm).funcs[0].body == [Instr("i32.const", 0), Instr("drop"), Instr("end")]


def test_generated_module_bodies_match_a_full_decode():
    wasm = genmodule.generate(60_000, seed=3)
    m = decode(wasm)
    assert len(m.funcs) > 300
    for f in m.funcs:
        assert _scan(wasm, f.code.start, len(wasm)) == _full(wasm, f.code.start, len(wasm)) \
            == ("ok", f.code.end)


@st.composite
def mutated_bodies(draw):
    wasm = _wasm(SAMPLE)
    m = decode(wasm)
    f = draw(st.sampled_from(m.funcs))
    data = bytearray(wasm)
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.integers(f.code.start, f.code.end - 1))
        kind = draw(st.integers(0, 2))
        byte = draw(st.integers(0, 255))
        if kind == 0:
            data[where] = byte
        elif kind == 1:
            data.insert(where, byte)
        else:
            del data[where]
    end = draw(st.integers(f.code.start, len(data)))
    return bytes(data), f.code.start, end


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_bodies())
def test_scan_rejects_what_a_full_decode_rejects(case):
    """Differential: same outcome, same message, same offset, on mutated bodies."""
    data, pos, end = case
    assert _scan(data, pos, end) == _full(data, pos, end)


@pytest.mark.parametrize("body, message", [
    (b"\x41\x80\x80\x80\x80\x80\x00\x0b", "integer representation too long"),
    (b"\x41\x80\x80\x80\x80\x70\x0b", "integer too large"),
    (b"\x28\x80\x01\x00\x0b", "malformed memop flags"),
    (b"\x02\x40\x05\x0b\x0b", "END opcode expected"),
    (b"\xff\x0b", "illegal opcode ff"),
    (b"\xfc\x40\x0b", "illegal opcode fc 40"),
    (b"\x20", IN_SECTION),
    (b"\x44\x00\x00", IN_SECTION),
])
def test_scan_messages(body, message):
    assert _scan(body, 0, len(body))[:2] == ("malformed", message) == _full(body, 0, len(body))[:2]


def test_copy_and_pickle_keep_the_bytes_not_the_decoded_list():
    m = decode(_wasm(SAMPLE))
    body = m.funcs[0].body
    for other in (copy.deepcopy(m), pickle.loads(pickle.dumps(m))):
        f = other.funcs[0]
        assert f._decoded is None and f.code is not None
        assert f.body == body and f.body is not body


def test_changing_a_handed_out_list_does_not_change_the_function():
    m = decode(_wasm(SAMPLE))
    f = m.funcs[2]
    body = f.body
    body.insert(0, Instr("nop"))
    del body
    for _ in range(RECENT_BODIES):
        decode(_wasm("(module (func))")).funcs[0].body
    gc.collect()
    assert f.body[0].op != "nop"
    body = f.body
    body.insert(0, Instr("nop"))
    f.body = body                                # assigning it back does
    assert f.body[0] == Instr("nop") and decode(encode(m)).funcs[2].body[0] == Instr("nop")
