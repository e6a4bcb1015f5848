"""Lowering of the instructions that are neither control flow, calls nor exceptions:
numeric (from the numerics tables), constants, parametric, variables, memory, tables and
references. Each `op_*` method handles the instruction of that name (dots as
underscores); numeric and memory instructions go through their tables.
"""
from __future__ import annotations

import math

from .. import ast
from ..errors import TrapCode, Unsupported
from ..numerics import MEMORY_OPS, NUMERIC_OPS, OpSemantics, f32_from_bits, f64_from_bits
from ..types import F32, F64, I32, I64, V128, RefType
from .emit import Emitter
from .operands import Item, OperandStack
from .ranges import SIMPLE, RangeFacts
from .storage import Storage

ZERO = {I32: "0", I64: "0", F32: "0.0", F64: "0.0", V128: "0"}
# Rows exact modulo 2**bits (a ring homomorphism): their results may feed add/sub before the
# final mask, as Python ints are exact; op -> (bits, whether its own operands may be unmasked).
# mul takes masked operands only, so an unmasked value grows by at most one multiplication.
RING_OPS = {"i32.add": (32, True), "i32.sub": (32, True), "i32.mul": (32, False),
            "i64.add": (64, True), "i64.sub": (64, True), "i64.mul": (64, False)}
# Upper bounds of values (Item.hi), from narrow loads, shr_u/and by constants and constants
# themselves; a shl or add whose result provably fits needs no mask.
LOAD_BOUNDS = {"i32.load8_u": 0xFF, "i32.load16_u": 0xFFFF, "i64.load8_u": 0xFF, "i64.load16_u": 0xFFFF,
               "i64.load32_u": 0xFFFFFFFF}
BOUNDED_OPS = {f"{t}.{name}": (bits, name) for t, bits in (("i32", 32), ("i64", 64))
               for name in ("shl", "shr_u", "and", "add")}


def upper_bound(item: Item) -> int | None:
    """The item's known upper bound: its Item.hi, or its value when it is a constant."""
    if item.hi is not None:
        return item.hi
    return int(item.expr) if item.expr.isdigit() else None


def bounded(op: str, items: list, texts: list) -> tuple[str | None, int | None]:
    """(a mask-free expression for `op` if its result provably fits, the result's bound)."""
    bits, name = BOUNDED_OPS[op]
    mask = (1 << bits) - 1
    a, b = upper_bound(items[0]), upper_bound(items[1])
    if name == "and":
        known = [x for x in (a, b) if x is not None]
        return None, min(known) if known else None
    if name == "add":
        if a is not None and b is not None and a + b <= mask:
            return f"({texts[0]} + {texts[1]})", a + b
        return None, None
    if not items[1].expr.isdigit():
        return None, None
    shift = int(items[1].expr) % bits
    if name == "shr_u":
        return None, (mask if a is None else a) >> shift
    if a is not None and a << shift <= mask:         # shl
        return f"({texts[0]} << {shift})", a << shift
    return None, None


def strict(template: str, arity: int) -> bool:
    """Does the template evaluate each operand exactly once, unconditionally, left to right
    (so that call results folded into it keep their order)?"""
    if " if " in template or " and " in template or " or " in template:
        return False
    positions = []
    for k in range(arity):
        slot = "{%d}" % k
        if template.count(slot) != 1:
            return False
        positions.append(template.index(slot))
    return positions == sorted(positions)


def zero_of(t) -> str:
    """The text of a value type's default value (locals start with it)."""
    if isinstance(t, RefType):
        return "None"
    return ZERO[t]


class BasicLowering:
    """The straight-line instructions (see the module docstring)."""

    def __init__(self, ctx, out: Emitter, ops: OperandStack, storage: Storage, ranges: RangeFacts,
                 baseline: bool):
        self.ctx = ctx
        self.out = out
        self.ops = ops
        self.storage = storage
        self.ranges = ranges
        self.baseline = baseline

    # ------------------------------------------------------------------ numerics
    def numeric(self, ins: ast.Instr) -> None:
        op = ins.op
        if not self.baseline and self.ranges.constant_peephole(self.ops, op):
            return
        self.apply_row(NUMERIC_OPS[op])

    def apply_row(self, sem: OpSemantics) -> None:
        """Paste a numeric row's template over the operands (scalar rows, and the bound SIMD
        rows of compile/vectors.py): folded when pure, keeping effect items in order."""
        op = sem.name
        template = sem.template
        items = self.ops.pop_n(sem.arity)
        effect = any(item.effect for item in items)
        if effect and not strict(template, sem.arity):
            self.ops.settle_popped(items)      # evaluated in stack order, before the template
            effect = False
        texts = []
        deps: frozenset = frozenset()
        depth = 0
        ring = RING_OPS.get(op)
        for k, item in enumerate(items):
            uses = template.count("{%d}" % k)
            text = self.ops.operand(item, uses)
            if ring is not None and ring[1] and item.ring is not None and item.ring[0] == text \
                    and item.ring[2] == ring[0]:
                text = item.ring[1]        # an add/sub/mul result feeding add/sub: its mask is redundant
            elif not SIMPLE.match(text):
                text = f"({text})"
            texts.append(text)
            deps |= item.deps
            depth = max(depth, item.depth)
        expr = template.format(*texts)
        hi = None
        if op in BOUNDED_OPS and not self.baseline:
            narrow, hi = bounded(op, items, texts)
            if narrow is not None:
                expr, ring = narrow, None
        cond = sem.cond.format(*texts) if sem.cond else None
        if sem.trap is not None:
            self.ops.push_value(expr, trap=sem.trap, deps=deps)
        else:
            self.ops.push_value(expr, deps=deps, depth=depth + 1, cond=cond, effect=effect)
            top = self.ops.items[-1]
            top.hi = hi
            if ring is not None and not effect and top.expr == expr:
                # "((a + b) & 0xffffffff)" -> "(a + b)": exact modulo 2**bits
                top.ring = (expr, template[1:template.rindex(" & ")].format(*texts), ring[0])
            if op in ("i32.eqz", "i64.eqz"):
                local = self.ranges.bare_local(items[0])
                if local is not None:
                    self.ops.items[-1].facts = ({}, {local: 1})

    def push_constant(self, text: str) -> None:
        self.ops.push(Item(text))

    def op_i32_const(self, ins: ast.Instr) -> None:
        self.ops.push(Item(str(ins.imm)))

    op_i64_const = op_i32_const

    def float_const(self, value: float, bits: int, width: int) -> None:
        if math.isfinite(value) and not (value == 0.0 and math.copysign(1.0, value) < 0):
            self.ops.push(Item(repr(value)))
        else:
            self.ops.push(Item(self.ctx.constant(value, key=(width, bits))))

    def op_f32_const(self, ins: ast.Instr) -> None:
        self.float_const(f32_from_bits(ins.imm), ins.imm, 32)

    def op_f64_const(self, ins: ast.Instr) -> None:
        self.float_const(f64_from_bits(ins.imm), ins.imm, 64)

    # ------------------------------------------------------------------ parametric
    def op_nop(self, ins: ast.Instr) -> None:
        pass

    def op_drop(self, ins: ast.Instr) -> None:
        self.ops.pop()

    def op_select(self, ins: ast.Instr) -> None:
        c = self.ops.pop()
        b = self.ops.pop()
        a = self.ops.pop()
        ta, tb = self.ops.operand(a), self.ops.operand(b)
        tc = self.ops.cond_of(c)
        deps = a.deps | b.deps | c.deps
        depth = max(a.depth, b.depth, c.depth) + 1
        self.ops.push_value(f"(({ta}) if {tc} else ({tb}))", deps=deps, depth=depth)

    # ------------------------------------------------------------------ variables
    def op_local_get(self, ins: ast.Instr) -> None:
        i = ins.imm
        if self.storage.in_slot(i):
            self.ops.push_value(self.storage.local_ref(i), pure=False)
        else:
            self.ops.push(Item(f"l{i}", frozenset((i,)), 0))

    def set_local(self, i: int, item: Item) -> None:
        self.ranges.forget(i)
        if not self.storage.in_slot(i):
            self.ops.materialize_readers(i)
        self.out.w(f"{self.storage.local_ref(i)} = {item.expr}")

    def op_local_set(self, ins: ast.Instr) -> None:
        self.set_local(ins.imm, self.ops.pop())

    def op_local_tee(self, ins: ast.Instr) -> None:
        item = self.ops.pop()
        self.set_local(ins.imm, item)
        if self.storage.in_slot(ins.imm):
            self.ops.push_value(self.storage.local_ref(ins.imm), pure=False)
        else:
            self.ops.push(Item(f"l{ins.imm}", frozenset((ins.imm,)), 0))

    def op_global_get(self, ins: ast.Instr) -> None:
        self.ops.push_value(f"G{ins.imm}.v", pure=False)

    def op_global_set(self, ins: ast.Instr) -> None:
        item = self.ops.pop()
        self.out.w(f"G{ins.imm}.v = {item.expr}")

    # ------------------------------------------------------------------ memory
    def address(self, item: Item, offset: int) -> str:
        text = self.ops.operand(item)
        if not SIMPLE.match(text):
            text = f"({text})"
        return f"{text} + {offset}" if offset else text

    def memory_access(self, ins: ast.Instr) -> None:
        sem = MEMORY_OPS[ins.op]
        marg: ast.MemArg = ins.imm
        mem = f"M{marg.memory}"
        if ".store" in ins.op:
            value = self.ops.pop()
            addr = self.ops.pop()
            vt = self.ops.operand(value, sem.template.count("{2}"))
            if not SIMPLE.match(vt):
                vt = f"({vt})"
            at = self.address(addr, marg.offset)
            if sem.template.count("{1}") > 1 and not SIMPLE.match(at):
                name = self.out.temp()
                self.out.w(f"{name} = {at}")
                at = name
            self.out.w(sem.template.format(mem, at, vt), TrapCode.MEMORY_OUT_OF_BOUNDS)
        else:
            addr = self.ops.pop()
            at = self.address(addr, marg.offset)
            self.ops.push_value(sem.template.format(mem, at), trap=TrapCode.MEMORY_OUT_OF_BOUNDS)
            self.ops.items[-1].hi = LOAD_BOUNDS.get(ins.op)

    def op_memory_size(self, ins: ast.Instr) -> None:
        self.ops.push_value(f"(len(M{ins.imm}) >> 16)", pure=False)

    def op_memory_grow(self, ins: ast.Instr) -> None:
        n = self.ops.pop()
        self.ops.push_value(f"MEM{ins.imm}._grow({n.expr})", pure=False)

    def op_memory_fill(self, ins: ast.Instr) -> None:
        n, v, d = self.ops.pop(), self.ops.pop(), self.ops.pop()
        self.out.w(f"_mfill(M{ins.imm}, {d.expr}, {v.expr}, {n.expr})")

    def op_memory_copy(self, ins: ast.Instr) -> None:
        dst, src = ins.imm
        n, s, d = self.ops.pop(), self.ops.pop(), self.ops.pop()
        self.out.w(f"_mcopy(M{dst}, {d.expr}, M{src}, {s.expr}, {n.expr})")

    def op_memory_init(self, ins: ast.Instr) -> None:
        data, mem = ins.imm
        n, s, d = self.ops.pop(), self.ops.pop(), self.ops.pop()
        self.out.w(f"_minit(M{mem}, {d.expr}, DATA[{data}], {s.expr}, {n.expr})")

    def op_data_drop(self, ins: ast.Instr) -> None:
        self.out.w(f"DATA[{ins.imm}] = b''")

    # ------------------------------------------------------------------ tables and references
    def op_table_get(self, ins: ast.Instr) -> None:
        i = self.ops.pop()
        self.ops.push_value(f"T{ins.imm}[{i.expr}]", trap=TrapCode.TABLE_OUT_OF_BOUNDS)

    def op_table_set(self, ins: ast.Instr) -> None:
        v, i = self.ops.pop(), self.ops.pop()
        self.out.w(f"T{ins.imm}[{i.expr}] = {v.expr}", TrapCode.TABLE_OUT_OF_BOUNDS)

    def op_table_size(self, ins: ast.Instr) -> None:
        self.ops.push_value(f"len(T{ins.imm})", pure=False)

    def op_table_grow(self, ins: ast.Instr) -> None:
        n, v = self.ops.pop(), self.ops.pop()
        self.ops.push_value(f"TAB{ins.imm}._grow({v.expr}, {n.expr})", pure=False)

    def op_table_fill(self, ins: ast.Instr) -> None:
        n, v, i = self.ops.pop(), self.ops.pop(), self.ops.pop()
        self.out.w(f"_tfill(T{ins.imm}, {i.expr}, {v.expr}, {n.expr})")

    def op_table_copy(self, ins: ast.Instr) -> None:
        dst, src = ins.imm
        n, s, d = self.ops.pop(), self.ops.pop(), self.ops.pop()
        self.out.w(f"_tcopy(T{dst}, {d.expr}, T{src}, {s.expr}, {n.expr})")

    def op_table_init(self, ins: ast.Instr) -> None:
        elem, table = ins.imm
        n, s, d = self.ops.pop(), self.ops.pop(), self.ops.pop()
        self.out.w(f"_tinit(T{table}, {d.expr}, ELEM[{elem}], {s.expr}, {n.expr})")

    def op_elem_drop(self, ins: ast.Instr) -> None:
        self.out.w(f"ELEM[{ins.imm}] = ()")

    def op_ref_null(self, ins: ast.Instr) -> None:
        self.ops.push(Item("None"))

    def op_ref_is_null(self, ins: ast.Instr) -> None:
        r = self.ops.pop()
        t = self.ops.operand(r)
        self.ops.push_value(f"(1 if {t} is None else 0)", deps=r.deps, depth=r.depth + 1,
                            cond=f"{t} is None")

    def op_ref_func(self, ins: ast.Instr) -> None:
        self.ops.push(Item(f"R{ins.imm}"))

    def op_ref_as_non_null(self, ins: ast.Instr) -> None:
        r = self.ops.items[-1]
        self.out.w(f"if {r.expr} is None: raise Trap('null reference')")

    def op_ref_eq(self, ins: ast.Instr) -> None:
        raise Unsupported("gc", "ref.eq")


__all__ = ["BasicLowering", "zero_of"]
