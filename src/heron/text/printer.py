"""Instructions back to the text format: `format_instr(Instr) -> str`, the inverse of the parser
for one plain instruction (indices printed as numbers, floats as exact hex literals or
`nan:0x...`, v128 constants as four i32 lanes in hex), for messages, listings and tests.

One formatter per immediate kind of heron.binary.opcodes, in a table.
"""
from __future__ import annotations

from typing import Callable

from ..ast import Instr, MemArg
from ..binary.opcodes import BY_NAME, NATURAL_SIZE
from .numbers import FLOAT_FORMATS


def format_float(bits: int, fmt: str) -> str:
    """An f32/f64 bit pattern as a literal the parser reads back to the same bits."""
    exp_bits, mant_bits = FLOAT_FORMATS[fmt]
    sign = "-" if bits >> (exp_bits + mant_bits) & 1 else ""
    exp = bits >> mant_bits & ((1 << exp_bits) - 1)
    mant = bits & ((1 << mant_bits) - 1)
    if exp == (1 << exp_bits) - 1:
        return f"{sign}inf" if mant == 0 else f"{sign}nan:0x{mant:x}"
    digits = (mant_bits + 3) // 4
    frac = f"{mant << (4 * digits - mant_bits):0{digits}x}"
    bias = (1 << (exp_bits - 1)) - 1
    if exp == 0:
        return f"{sign}0x0.{frac}p{1 - bias}"
    return f"{sign}0x1.{frac}p{exp - bias}"


def _signed(value: int, bits: int) -> int:
    return value - (1 << bits) if value >> (bits - 1) else value


def _memarg(op: str, m: MemArg) -> str:
    parts = [str(m.memory)] if m.memory else []
    if m.offset:
        parts.append(f"offset={m.offset}")
    if 1 << m.align != NATURAL_SIZE[op]:
        parts.append(f"align={1 << m.align}")
    return " ".join(parts)


def _block_type(bt) -> str:
    if bt is None:
        return ""
    if isinstance(bt, int):
        return f"(type {bt})"
    return f"(result {bt})"


def _try_table(op: str, imm) -> str:
    bt, catches = imm
    parts = [_block_type(bt)] if bt is not None else []
    for c in catches:
        tag = f" {c.tag}" if c.tag is not None else ""
        parts.append(f"({c.kind}{tag} {c.label})")
    return " ".join(parts)


def _v128(op: str, value: int) -> str:
    lanes = [value >> (32 * k) & 0xFFFFFFFF for k in range(4)]
    return "i32x4 " + " ".join(f"0x{lane:08x}" for lane in lanes)


def _number(op: str, imm) -> str:
    return str(imm)


def _pair(op: str, imm) -> str:
    return f"{imm[0]} {imm[1]}"


def _swapped(op: str, imm) -> str:
    """table.init / memory.init: binary order (segment, table) is written (table, segment)."""
    return f"{imm[1]} {imm[0]}"


_IMMEDIATE: dict[str, Callable[[str, object], str]] = {
    "none": lambda op, imm: "",
    "block": lambda op, imm: _block_type(imm),
    "try_table": _try_table,
    "br_table": lambda op, imm: " ".join(str(t) for t in (*imm[0], imm[1])),
    "call_ind": lambda op, imm: f"{imm[1]} (type {imm[0]})",
    "i32": lambda op, imm: str(_signed(imm, 32)),
    "i64": lambda op, imm: str(_signed(imm, 64)),
    "f32": lambda op, imm: format_float(imm, "f32"),
    "f64": lambda op, imm: format_float(imm, "f64"),
    "memarg": _memarg,
    "memarg_lane": lambda op, imm: f"{_memarg(op, imm[0])} {imm[1]}".lstrip(),
    "heap": lambda op, imm: str(imm),          # func, extern, ... or a type index
    "select_t": lambda op, imm: "(result " + " ".join(str(t) for t in imm) + ")",
    "table2": _pair, "mem2": _pair, "table_init": _swapped, "mem_init": _swapped,
    "v128": _v128,
    "shuffle": lambda op, imm: " ".join(map(str, imm)),
    **{kind: _number for kind in ("label", "func", "type", "local", "global", "table", "mem",
                                  "data", "elem", "tag", "lane")},
}


def format_instr(ins: Instr) -> str:
    """One instruction in flat text syntax, e.g. `i32.load offset=8`, `v128.const i32x4 ...`."""
    if ins.op == "select" and ins.imm is not None:
        kind = "select_t"
    else:
        kind = BY_NAME[ins.op].imm
    imm = _IMMEDIATE[kind](ins.op, ins.imm)
    return f"{ins.op} {imm}" if imm else ins.op


__all__ = ["format_instr", "format_float"]
