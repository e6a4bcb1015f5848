"""SIMD and relaxed SIMD in the front end: every 0xFD opcode decodes, encodes, parses from text
(the same bytes as wasm-tools) and has a typing rule; the official SIMD scripts pass
`--check-only` (everything but execution)."""
from __future__ import annotations

import pytest

from heron import Features, ParseError, ValidationError
from heron.ast import Func, Instr, MemArg, Module
from heron.binary import decode, encode
from heron.binary.opcodes import BY_FD, BY_NAME
from heron.features import IMPLEMENTED
from heron.script.adapters import NoExecutionAdapter
from heron.script.runner import run_script
from heron.text import parse_module
from heron.types import FuncType, GlobalType
from heron.valid import validate
from heron.valid.rules import has_rule
from testsuite_paths import TESTSUITE

from .wat import wat2wasm

SAMPLE_IMM = {"none": None, "memarg": MemArg(2, 40), "memarg_lane": (MemArg(0, 7, 1), 3),
              "lane": 1, "v128": (1 << 128) - 2, "shuffle": tuple(range(31, 15, -1))}
TEXT_IMM = {"none": "", "memarg": "offset=40 align=4", "memarg_lane": "1 offset=7 align=1 3",
            "lane": "1", "v128": "i64x2 -2 -1", "shuffle": " ".join(map(str, range(31, 15, -1)))}


def _body_module(body: list) -> Module:
    return Module(types=[FuncType()], funcs=[Func(0, [], body + [Instr("end")])])


def test_the_table_has_every_simd_opcode():
    simd = [i for i in BY_FD.values() if i.feature == "simd"]
    relaxed = [i for i in BY_FD.values() if i.feature == "relaxed-simd"]
    assert len(simd) == 236 and len(relaxed) == 20
    assert min(i.code for i in relaxed) == 0x100 and max(i.code for i in relaxed) == 0x113
    assert IMPLEMENTED["simd"] and IMPLEMENTED["relaxed-simd"]


def test_every_opcode_round_trips_through_the_binary_format():
    body = [Instr(info.name, SAMPLE_IMM[info.imm]) for info in BY_FD.values()]
    wasm = encode(_body_module(body))
    assert decode(wasm).funcs[0].body[:-1] == body
    assert encode(decode(wasm)) == wasm


def test_every_opcode_parses_to_the_bytes_wasm_tools_writes():
    lines = [f"{info.name} {TEXT_IMM[info.imm]}" for info in BY_FD.values()]
    text = "(module (memory 1) (memory 1) (func\n" + "\n".join(lines) + "))"
    assert encode(parse_module(text)) == wat2wasm(text)


@pytest.mark.parametrize("const", [
    "i8x16 -128 255 0 1 2 3 4 5 6 7 8 9 10 11 12 0x7f",
    "i16x8 -32768 65535 0 1 -1 0x1234 7 8",
    "i32x4 -1 0xffff_ffff 2147483647 -2147483648",
    "i64x2 -9223372036854775808 18446744073709551615",
    "f32x4 nan -nan:0x200000 inf -0x1.fffffep127",
    "f64x2 0.1 -nan:0x8000000000001",
])
def test_v128_const_shapes(const):
    text = f"(module (func (result v128) v128.const {const}))"
    m = parse_module(text)
    assert encode(m) == wat2wasm(text)
    validate(m)


@pytest.mark.parametrize("text", [
    "v128.const i32x4 1 2 3",                          # too few lanes
    "v128.const i32x4 1 2 3 4 5",                      # too many
    "v128.const i8x16 256 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
    "v128.const i32x5 1 2 3 4",                        # no such shape
    "i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14",
    "i8x16.extract_lane_s -1",
    "i8x16.extract_lane_s 256",
    "i8x16.add_saturate_s",                            # an old name: unknown
])
def test_malformed_text(text):
    with pytest.raises(ParseError):
        parse_module(f"(module (func {text} drop))")


def _check(body: str, params: str = "", results: str = "", features: Features | None = None):
    validate(parse_module(f"(module (memory 1) (func (param {params}) (result {results}) {body}))"),
             features)


@pytest.mark.parametrize("body, params, results", [
    ("(i32x4.add (local.get 0) (local.get 0))", "v128", "v128"),
    ("(i8x16.extract_lane_u 15 (local.get 0))", "v128", "i32"),
    ("(f64x2.replace_lane 1 (local.get 0) (f64.const 1))", "v128", "v128"),
    ("(i64x2.splat (i64.const 1))", "", "v128"),
    ("(v128.any_true (local.get 0))", "v128", "i32"),
    ("(i16x8.shr_u (local.get 0) (i32.const 1))", "v128", "v128"),
    ("(v128.bitselect (local.get 0) (local.get 0) (local.get 0))", "v128", "v128"),
    ("(v128.load64_lane align=8 1 (i32.const 0) (local.get 0))", "v128", "v128"),
    ("(v128.store32_lane 3 (i32.const 0) (local.get 0))", "v128", ""),
    ("(v128.load16x4_u align=8 (i32.const 0))", "", "v128"),
    ("(select (local.get 0) (local.get 0) (i32.const 1))", "v128", "v128"),
    ("(select (result v128) (local.get 0) (local.get 0) (i32.const 1))", "v128", "v128"),
    ("(block (result v128) (local.get 0))", "v128", "v128"),
    ("(i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get 0) (local.get 0) (local.get 0))", "v128", "v128"),
])
def test_valid(body, params, results):
    _check(body, params, results)


@pytest.mark.parametrize("body, params, results, message", [
    ("(i32x4.add (local.get 0) (i32.const 0))", "v128", "v128", "type mismatch"),
    ("(i8x16.extract_lane_u 16 (local.get 0))", "v128", "i32", "invalid lane index"),
    ("(i64x2.replace_lane 2 (local.get 0) (i64.const 1))", "v128", "v128", "invalid lane index"),
    ("(i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 32 (local.get 0) (local.get 0))",
     "v128", "v128", "invalid lane index"),
    ("(v128.load8_lane 16 (i32.const 0) (local.get 0))", "v128", "v128", "invalid lane index"),
    ("(v128.load align=32 (i32.const 0))", "", "v128", "alignment must not be larger than natural"),
    ("(v128.load32_zero align=8 (i32.const 0))", "", "v128", "alignment"),
    ("(v128.store16_lane align=4 0 (i32.const 0) (local.get 0))", "v128", "", "alignment"),
    ("(i16x8.shl (local.get 0) (local.get 0))", "v128", "v128", "type mismatch"),
])
def test_invalid(body, params, results, message):
    with pytest.raises(ValidationError, match=message):
        _check(body, params, results)


def test_v128_everywhere_a_value_type_goes():
    m = parse_module("""(module
      (global $g (mut v128) (v128.const f32x4 1 2 3 4))
      (func (param v128) (result v128) (local v128)
        (local.set 1 (global.get $g))
        (global.set $g (local.get 0))
        (local.get 1)))""")
    validate(m)
    assert m.globals[0].type == GlobalType("v128", True)
    assert m.funcs[0].locals == ["v128"]
    again = decode(encode(m))
    validate(again)
    assert again.globals[0].init[0] == Instr("v128.const", 0x4080000040400000400000003f800000)


def test_features_gate_simd_and_relaxed_simd():
    no_simd = Features.from_args(["simd=n"])
    with pytest.raises(ValidationError, match="simd"):
        _check("(i32x4.add (local.get 0) (local.get 0))", "v128", "v128", no_simd)
    with pytest.raises(ValidationError, match="SIMD support is not enabled"):
        validate(parse_module("(module (func (local v128)))"), no_simd)
    with pytest.raises(ValidationError, match="SIMD support is not enabled"):
        validate(parse_module("(module (func (block (result v128) unreachable) drop))"), no_simd)
    no_relaxed = Features.from_args(["relaxed-simd=n"])
    _check("(i32x4.add (local.get 0) (local.get 0))", "v128", "v128", no_relaxed)
    with pytest.raises(ValidationError, match="relaxed-simd"):
        _check("(f32x4.relaxed_min (local.get 0) (local.get 0))", "v128", "v128", no_relaxed)


def test_every_simd_opcode_has_a_typing_rule():
    assert all(has_rule(BY_NAME[info.name]) for info in BY_FD.values())


SIMD_SCRIPTS = sorted(TESTSUITE.glob("simd_*.wast")) + sorted(TESTSUITE.glob("*relaxed*.wast")) \
    if TESTSUITE.is_dir() else []


@pytest.mark.parametrize("path", SIMD_SCRIPTS, ids=[p.stem for p in SIMD_SCRIPTS])
def test_official_simd_scripts_check_only(path, testsuite_dir):
    """Parse, decode, validate, assert_malformed, assert_invalid: all pass; only execution
    (not the front end's) is left, and nothing is skipped as unsupported."""
    [result] = run_script(path, Features(),
                          adapter_factory=lambda target, strategy, features: NoExecutionAdapter())
    shown = "\n".join(f"  line {f.line}: {f.kind}: {f.message}" for f in result.failures[:10])
    assert result.failed == 0, shown
    assert set(result.skip_reasons) <= {"execution"}, result.skip_reasons


def test_simd_scripts_are_all_there(testsuite_dir):
    assert len(SIMD_SCRIPTS) >= 60
