"""text.printer.format_instr is the parser's inverse: every opcode of the table, printed and
parsed again, is the same instruction; floats keep their exact bits, NaN payloads included."""
from __future__ import annotations

import pytest

from heron.ast import Catch, Instr, MemArg
from heron.binary.opcodes import BY_NAME, NATURAL_SIZE
from heron.features import UNIMPLEMENTED
from heron.text import parse_module
from heron.text.printer import format_float, format_instr
from heron.types import FUNCREF, RefType

SAMPLES = {
    "none": [None], "block": [None, "i64", 1, RefType(False, 0)], "label": [0],
    "try_table": [(None, (Catch("catch", 0, 0), Catch("catch_all_ref", None, 0)))],
    "br_table": [((0, 0), 0), ((), 0)], "func": [0], "call_ind": [(1, 0)], "type": [1],
    "local": [0], "global": [0], "table": [0], "mem": [0], "data": [0], "elem": [0], "tag": [0],
    "memarg": [MemArg(0, 0), MemArg(0, 5, 1), MemArg(0, 1 << 40)],
    "i32": [0, 0xFFFFFFFF, 0x80000000], "i64": [0xFFFFFFFFFFFFFFFF, 12345],
    "f32": [0, 0x80000000, 0x7FC00000, 0xFFA00001, 0x00000001, 0x3F800000, 0x7F800000],
    "f64": [0x8000000000000001, 0x7FF0000000000001, 0x3FB999999999999A],
    "heap": ["func", "extern", 1], "select_t": [(FUNCREF,), ("v128",)],
    "table2": [(0, 0)], "mem2": [(0, 1)], "table_init": [(0, 0)], "mem_init": [(0, 1)],
    "lane": [0, 1], "memarg_lane": [(MemArg(0, 3, 1), 1), (MemArg(0, 0), 0)],
    "v128": [0, (1 << 128) - 1, 0x0123456789ABCDEF_FEDCBA9876543210],
    "shuffle": [tuple(range(16)), tuple(range(31, 15, -1))],
}
STRUCTURE = {"else", "end", "catch", "catch_all", "delegate", "block", "loop", "if", "try",
             "try_table"}
HEADER = ("(type (func)) (type (func (param i32) (result i32))) (memory 1) (memory 1) "
          "(table 2 funcref) (tag) (global (mut i32) (i32.const 0)) (elem func) (data \"\")")


def _cases():
    for name, info in sorted(BY_NAME.items()):
        if info.feature in UNIMPLEMENTED:
            continue
        kind = "select_t" if name == "select" else info.imm
        for imm in SAMPLES[kind] if name != "select" else [None, *SAMPLES["select_t"]]:
            if name in ("memory.size", "memory.grow") and imm:
                continue
            yield Instr(name, imm)


def _alignments(ins: Instr) -> Instr:
    """Sample memargs with the op's natural alignment (what the parser defaults to)."""
    if ins.op in NATURAL_SIZE:
        natural = NATURAL_SIZE[ins.op].bit_length() - 1
        if isinstance(ins.imm, MemArg):
            return Instr(ins.op, MemArg(natural, ins.imm.offset, ins.imm.memory))
        m, lane = ins.imm
        return Instr(ins.op, (MemArg(natural, m.offset, m.memory), lane))
    return ins


@pytest.mark.parametrize("ins", [_alignments(i) for i in _cases() if i.op not in STRUCTURE],
                         ids=lambda i: f"{i.op}:{i.imm!r}"[:60])
def test_print_parse_round_trip(ins):
    text = format_instr(ins)
    m = parse_module(f"(module {HEADER} (func {text}))")
    assert m.funcs[0].body[0] == ins, text


@pytest.mark.parametrize("ins", [i for i in _cases() if i.op in ("block", "loop", "if", "try_table")],
                         ids=lambda i: f"{i.op}:{i.imm!r}"[:60])
def test_blocks_round_trip(ins):
    text = format_instr(ins)
    m = parse_module(f"(module {HEADER} (func {text} end))")
    assert m.funcs[0].body[0] == ins, text


def test_examples():
    assert format_instr(Instr("i32.load", MemArg(0, 8))) == "i32.load offset=8 align=1"
    assert format_instr(Instr("i64.store", MemArg(3, 0, 1))) == "i64.store 1"
    assert format_instr(Instr("f32.const", 0x7FC00000)) == "f32.const nan:0x400000"
    assert format_instr(Instr("f64.const", 0x3FF8000000000000)) == "f64.const 0x1.8000000000000p0"
    assert format_instr(Instr("v128.load8_lane", (MemArg(0, 0), 15))) == "v128.load8_lane 15"
    assert format_instr(Instr("i8x16.extract_lane_u", 3)) == "i8x16.extract_lane_u 3"
    assert format_float(0x80000000, "f32") == "-0x0.000000p-126"
