"""Fixed stack signatures of the numeric instructions, and natural alignments of memory accesses.

Derived from the mnemonics of binary/opcodes.py so that the table and the opcode
list cannot drift apart: every opcode either has a fixed signature here or a
handler in control.py / operands.py (rules.py builds the dispatch tables from them; a
test checks that every opcode has a rule).
"""
from __future__ import annotations

import re

from ..binary.opcodes import BY_NAME, NATURAL_SIZE
from ..types import FuncType

_NUM = ("i32", "i64", "f32", "f64")
_TEST = {"eqz"}
_REL = {"eq", "ne", "lt", "gt", "le", "ge", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u"}
_UN = {"clz", "ctz", "popcnt", "extend8_s", "extend16_s", "extend32_s",
       "abs", "neg", "ceil", "floor", "trunc", "nearest", "sqrt"}
_BIN = {"add", "sub", "mul", "div", "div_s", "div_u", "rem_s", "rem_u", "and", "or", "xor",
        "shl", "shr_s", "shr_u", "rotl", "rotr", "min", "max", "copysign"}
_CONVERT = re.compile(r"^(i32|i64|f32|f64)\.[a-z_]+?_(i32|i64|f32|f64)(_[su])?$")


def _fixed_signature(name: str) -> FuncType | None:
    m = _CONVERT.match(name)
    if m:
        return FuncType((m.group(2),), (m.group(1),))
    t, _, op = name.partition(".")
    if t not in _NUM:
        return None
    if op == "const":
        return FuncType((), (t,))
    if op in _TEST:
        return FuncType((t,), ("i32",))
    if op in _REL:
        return FuncType((t, t), ("i32",))
    if op in _UN:
        return FuncType((t,), (t,))
    if op in _BIN:
        return FuncType((t, t), (t,))
    return None


V128 = "v128"
# The scalar type of a lane shape's lanes (what splat takes and extract_lane gives).
LANE_SCALAR = {"i8x16": "i32", "i16x8": "i32", "i32x4": "i32", "i64x2": "i64", "f32x4": "f32",
               "f64x2": "f64"}
LANE_COUNT = {"i8x16": 16, "i16x8": 8, "i32x4": 4, "i64x2": 2, "f32x4": 4, "f64x2": 2}
_SIMD_UNARY = {"not", "abs", "neg", "popcnt", "sqrt", "ceil", "floor", "trunc", "nearest"}
_SIMD_UNARY_PREFIXES = ("extend_", "extadd_pairwise", "convert", "trunc_sat", "demote", "promote",
                        "relaxed_trunc")
_SIMD_TERNARY = {"bitselect", "relaxed_madd", "relaxed_nmadd", "relaxed_laneselect",
                 "relaxed_dot_i8x16_i7x16_add_s"}


def _simd_signature(name: str) -> FuncType:
    """The stack type of a SIMD instruction without immediates, from its mnemonic."""
    shape, _, op = name.partition(".")
    if op == "splat":
        return FuncType((LANE_SCALAR[shape],), (V128,))
    if op in ("any_true", "all_true", "bitmask"):
        return FuncType((V128,), ("i32",))
    if op in ("shl", "shr_s", "shr_u"):
        return FuncType((V128, "i32"), (V128,))
    if op in _SIMD_TERNARY:
        return FuncType((V128, V128, V128), (V128,))
    if op in _SIMD_UNARY or op.startswith(_SIMD_UNARY_PREFIXES):
        return FuncType((V128,), (V128,))
    return FuncType((V128, V128), (V128,))          # lane-wise binary, comparisons, swizzle


# mnemonic -> (params, results) for instructions whose typing depends on nothing else.
FIXED: dict[str, tuple[tuple, tuple]] = {}
# mnemonic -> (value type, natural alignment in bytes, is_store)
MEMORY_ACCESS: dict[str, tuple[str, int, bool]] = {}
# v128.loadN_lane / storeN_lane: mnemonic -> (natural alignment in bytes, lane count, is_store)
LANE_ACCESS: dict[str, tuple[int, int, bool]] = {}
# extract_lane / replace_lane: mnemonic -> (lane count, params, results)
LANE_OPS: dict[str, tuple[int, tuple, tuple]] = {}

for _name, _info in BY_NAME.items():
    _t, _, _op = _name.partition(".")
    if _info.imm == "memarg":
        MEMORY_ACCESS[_name] = (_t, NATURAL_SIZE[_name], _op.startswith("store"))
    elif _info.imm == "memarg_lane":
        LANE_ACCESS[_name] = (NATURAL_SIZE[_name], 16 // NATURAL_SIZE[_name], _op.startswith("store"))
    elif _info.imm == "lane":
        _scalar = LANE_SCALAR[_t]
        LANE_OPS[_name] = (LANE_COUNT[_t], (V128,), (_scalar,)) if _op.startswith("extract") \
            else (LANE_COUNT[_t], (V128, _scalar), (V128,))
    elif _info.prefix == 0xFD and _info.imm == "none":
        _sig = _simd_signature(_name)
        FIXED[_name] = (_sig.params, _sig.results)
    else:
        _sig = _fixed_signature(_name)
        if _sig is not None:
            FIXED[_name] = (_sig.params, _sig.results)

# Instructions allowed in constant expressions (besides global.get, checked separately).
CONST_OPS = frozenset({"i32.const", "i64.const", "f32.const", "f64.const", "v128.const",
                       "ref.null", "ref.func", "global.get", "end"})
EXTENDED_CONST_OPS = frozenset({"i32.add", "i32.sub", "i32.mul", "i64.add", "i64.sub", "i64.mul"})
