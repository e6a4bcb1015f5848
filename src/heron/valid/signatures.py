"""Fixed stack signatures of the numeric instructions, and natural alignments of memory accesses.

Derived from the mnemonics of binary/opcodes.py so that the table and the opcode
list cannot drift apart: every opcode either has a fixed signature here or a
handler in handlers.py (rules.py builds the dispatch tables from both; a test checks
that every opcode has a rule).
"""
from __future__ import annotations

import re

from ..binary.opcodes import BY_NAME
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


# mnemonic -> (params, results) for instructions whose typing depends on nothing else.
FIXED: dict[str, tuple[tuple, tuple]] = {}
# mnemonic -> (value type, natural alignment in bytes, is_store)
MEMORY_ACCESS: dict[str, tuple[str, int, bool]] = {}

for _name, _info in BY_NAME.items():
    if _info.imm == "memarg":
        _t, _, _op = _name.partition(".")
        _bits = re.search(r"(\d+)", _op)
        _size = int(_bits.group(1)) // 8 if _bits else int(_t[1:]) // 8
        MEMORY_ACCESS[_name] = (_t, _size, _op.startswith("store"))
        continue
    _sig = _fixed_signature(_name)
    if _sig is not None:
        FIXED[_name] = (_sig.params, _sig.results)

# Instructions allowed in constant expressions (besides global.get, checked separately).
CONST_OPS = frozenset({"i32.const", "i64.const", "f32.const", "f64.const", "ref.null", "ref.func",
                       "global.get", "end"})
EXTENDED_CONST_OPS = frozenset({"i32.add", "i32.sub", "i32.mul", "i64.add", "i64.sub", "i64.mul"})
