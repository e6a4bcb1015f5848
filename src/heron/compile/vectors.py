"""Lowering of SIMD and relaxed-SIMD instructions, straight from the numerics tables.

A v128 is, in generated code as in numerics/v128.py, one 128-bit Python int (lane 0 in
the low bits), so a vector instruction lowers exactly like a scalar one: the row of
`V128_OPS` / `V128_MEMORY_OPS` for the instruction, its immediates (lane index,
shuffle pattern) pasted with `row.bind(...)`, its template pasted over the operands.
Nothing here is written per opcode: the only instructions with their own code are
`v128.const` (the int of its 16 bytes) and the memory accesses, whose operand shapes
differ (a lane load takes an address and a vector, a lane store an address and a vector
and writes nothing back).

Bound rows are cached per (instruction, immediates) for the whole process: a program
built with -msimd128 uses a few dozen distinct shuffles and lane indices, each bound
once.

Effect items (compile/operands.py): value rows go through `BasicLowering.apply_row`,
which settles folded call results first when a template is not strict left to right;
memory rows take the address (and vector) in stack order and settle pending results
before the access, as scalar loads and stores do (FunctionCompiler.inline_operands
gives them no inline operands).

Which functions may hold a v128 (`may_hold_v128`): the frame slots of the operand stack
(baseline) and the home slots of stack positions (optimizing, with handlers) are 16
bytes in those functions and 8 elsewhere (compile/storage.py).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Callable

from .. import ast
from ..errors import TrapCode
from ..numerics import V128_MEMORY_OPS, V128_OPS, MemorySemantics, OpSemantics
from ..types import V128, FuncType
from .ranges import SIMPLE

SIMD_PREFIXES = ("v128.", "i8x16.", "i16x8.", "i32x4.", "i64x2.", "f32x4.", "f64x2.")
_CALLS = frozenset({"call", "call_indirect", "call_ref"})
_BLOCKS = frozenset({"block", "loop", "if", "try"})


@lru_cache(maxsize=4096)
def bound_row(op: str, imm) -> OpSemantics:
    """The value row of `op` with its immediates pasted (an immediate-free row as is)."""
    row = V128_OPS[op]
    if not row.immediates:
        return row
    return row.bind(imm) if len(row.immediates) == 1 else row.bind(*imm)


@lru_cache(maxsize=4096)
def bound_memory_row(op: str, lane: int | None) -> MemorySemantics:
    row = V128_MEMORY_OPS[op]
    return row.bind(lane) if row.immediates else row


def _vector_type(module: ast.Module, type_idx) -> bool:
    if not isinstance(type_idx, int) or isinstance(type_idx, bool):
        return type_idx == V128
    ft = module.types[type_idx]
    return V128 in ft.params or V128 in ft.results


def may_hold_v128(module: ast.Module, ftype: FuncType, func: ast.Func, func_types: list) -> bool:
    """Whether a v128 may ever be on this function's operand stack: it has a v128 local or
    parameter, or one of its instructions can put a v128 there -- a SIMD instruction, a
    global.get of a v128 global, a call returning one, a block typed with one, a catch
    of a tag carrying one. (Every other instruction only moves values already there.)"""
    if V128 in ftype.params or V128 in func.locals:
        return True
    globals_ = None
    for ins in func.body:
        op = ins.op
        if op.startswith(SIMD_PREFIXES):
            return True
        if op == "global.get":
            if globals_ is None:
                globals_ = module.all_globals()
            if globals_[ins.imm].valtype == V128:
                return True
        elif op in _CALLS:
            ft = func_types[ins.imm] if op == "call" else module.types[
                ins.imm[0] if op == "call_indirect" else ins.imm]
            if V128 in ft.results:
                return True
        elif op in _BLOCKS:
            if _vector_type(module, ins.imm):
                return True
        elif op == "try_table":
            if _vector_type(module, ins.imm[0]) or any(
                    c.kind in ("catch", "catch_ref") and _tag_has_v128(module, c.tag) for c in ins.imm[1]):
                return True
        elif op == "catch" and _tag_has_v128(module, ins.imm):
            return True
        elif op == "select" and ins.imm and V128 in ins.imm:
            return True
    return False


def _tag_has_v128(module: ast.Module, tag: int) -> bool:
    return V128 in module.types[module.all_tags()[tag].type_idx].params


class VectorLowering:
    """The SIMD instructions of one function (see the module docstring)."""

    def __init__(self, basic) -> None:
        self.basic = basic
        self.ops = basic.ops
        self.out = basic.out

    def value(self, ins: ast.Instr) -> None:
        """Any instruction of V128_OPS: its bound row, lowered like a scalar numeric row."""
        self.basic.apply_row(bound_row(ins.op, ins.imm))

    def op_v128_const(self, ins: ast.Instr) -> None:
        self.basic.push_constant(str(ins.imm))

    def memory(self, ins: ast.Instr) -> None:
        """Any instruction of V128_MEMORY_OPS: loads (plain, extending, splat, zero, lane) and
        stores (whole, lane). Out of bounds, a template raises one of MEMORY_ACCESS_ERRORS on
        its own line, which the runtime reports as the out-of-bounds trap."""
        op = ins.op
        if isinstance(ins.imm, tuple):
            marg, lane = ins.imm
        else:
            marg, lane = ins.imm, None
        row = bound_memory_row(op, lane)
        template = row.template
        mem = f"M{marg.memory}"
        ops = self.ops
        vector = ops.pop() if "{2}" in template else None
        addr = ops.pop()
        vt = ""
        if vector is not None:
            vt = ops.operand(vector, template.count("{2}"))
            if not SIMPLE.match(vt):
                vt = f"({vt})"
        at = self.basic.address(addr, marg.offset)
        if template.count("{1}") > 1 and not SIMPLE.match(at):
            name = self.out.temp()
            self.out.w(f"{name} = {at}")
            at = name
        text = template.format(mem, at, vt)
        if ".store" in op:
            self.out.w(text, TrapCode.MEMORY_OUT_OF_BOUNDS)
        else:
            ops.push_value(text, trap=TrapCode.MEMORY_OUT_OF_BOUNDS)


def vector_method(vectors: VectorLowering, op: str) -> Callable[[ast.Instr], None] | None:
    """The bound method lowering SIMD instruction `op`, or None if `op` is not one."""
    if op == "v128.const":
        return vectors.op_v128_const
    if op in V128_OPS:
        return vectors.value
    if op in V128_MEMORY_OPS:
        return vectors.memory
    return None


__all__ = ["VectorLowering", "vector_method", "may_hold_v128", "bound_row", "bound_memory_row", "SIMD_PREFIXES"]
