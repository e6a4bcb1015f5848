"""Wasm function bodies -> Python source, for one target and one strategy.

Every Wasm function becomes one Python function `f<i>(fp, <register params>)`:

* `fp` is the callee's frame pointer, a byte address in the Store's stack memory.
  The caller has already written the frame record there (saved FP, return
  address) and the stack-passed arguments at the ABI's offsets; the prologue
  checks the stack limit, reads stack arguments from memory and sets up locals.
* Register parameters travel as Python arguments; results come back as the
  Python return value (one value, a tuple for several, None for none).
* A function that contains `return_call*` may return a `TailCall` request
  instead: the nearest non-tail call site loops on it (trampoline), so a chain of
  tail calls uses constant stack memory and constant Python stack.

Strategies: `optimizing` keeps locals and operand-stack values in Python locals
and folds pure instructions into expressions; `baseline` keeps every local and
every operand-stack value in a stack slot of the frame (stack memory).

Structured control flow becomes `while True:` loops (only for labels some branch
targets) and `if` statements; a branch out of several Python loops sets `_br`
and breaks, and each loop it crosses re-dispatches. Functions too deeply nested
for CPython's compiler are lowered flat instead: a dispatch loop over labels.

Every frame address in the output comes from the function's FrameLayout; the
word offsets are computed at compile time and pasted in as numbers.

Depth-bounded recursion (optimizing, elided frames only): a function that only calls
itself, always passing `p - c` (c >= 1, known not to wrap) for a parameter p, gets an
unchecked twin `f<i>_u` without FP or stack checks; its checked entry runs the twin when
`fp - p * <self-call frame size>` is still above the stack limit, so a whole recursion
costs one check and exhaustion still happens at exactly the same depth.
"""
from __future__ import annotations

import math
import re
from typing import Any, Callable

from .. import ast
from ..errors import Unsupported
from ..target import FrameLayout, assign
from ..types import F32, F64, I32, I64, V128, FuncType, RefType
from ..numerics import MEMORY_OPS, NUMERIC_OPS, f32_from_bits, f64_from_bits
from .codemap import PC_STRIDE, RA_DELTA, CallSite, FunctionInfo
from .handlers import HandlerLowering

EXCEPTION_OPS = frozenset({"try", "catch", "throw", "rethrow", "throw_ref", "delegate", "catch_all",
                           "try_table"})
BLOCK_OPS = frozenset({"block", "loop", "if", "try", "try_table"})
BRANCH_OPS = frozenset({"br", "br_if", "br_on_null", "br_on_non_null"})
MAX_EXPR_DEPTH = 6
# optimizing: locals beyond this many live in stack slots (spills), as a register
# allocator would put them; it also keeps frame sizes (and so stack depth) realistic.
REGISTER_BUDGET = 32
MAX_PY_LOOPS = 17
MAX_INDENT = 70

TRAP_OOB_MEM = "out of bounds memory access"
TRAP_OOB_TABLE = "out of bounds table access"

# where straight-line code ends: a stack check before it does not cover what follows
_CHECK_JOINS = frozenset({"else", "end", "catch", "catch_all", "delegate", "loop"})
_PEEP = frozenset({"add", "sub", "lt_s", "le_s", "gt_s", "ge_s"})
_SIMPLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$|^[0-9]+$")

ZERO = {I32: "0", I64: "0", F32: "0.0", F64: "0.0"}


def zero_of(t) -> str:
    if isinstance(t, RefType):
        return "None"
    if t == V128:
        raise Unsupported("simd", "v128 value")
    return ZERO[t]


class Item:
    """A value on the symbolic operand stack: a Python expression."""
    __slots__ = ("expr", "deps", "depth", "cond", "facts", "dec")

    def __init__(self, expr: str, deps: frozenset = frozenset(), depth: int = 0, cond: str | None = None):
        self.expr = expr
        self.deps = deps          # local indices the expression reads (pending until materialized)
        self.depth = depth        # nesting of folded operations
        self.cond = cond          # boolean form ("result is 1"), for if/br_if/select
        self.facts = None         # condition only: ({local: lower bound} if true, {...} if false)
        self.dec = None           # local i when the value is `l<i> - c`, c >= 1, known not to wrap

    @property
    def simple(self) -> bool:
        return self.depth == 0

    def __repr__(self) -> str:
        return f"Item({self.expr!r})"


class Ctl:
    """One open control construct."""
    __slots__ = ("kind", "height", "nparams", "nresults", "id", "targeted", "pyloop", "prop", "exit_via",
                 "merge", "tail_return", "facts_before", "cond_facts", "then_unreachable",
                 "reach_end", "else_stack", "has_else", "start_indent", "flat_end", "flat_else",
                 "flat_start", "instr")

    def __init__(self, kind: str, height: int, nparams: int, nresults: int, id_: int, targeted: bool):
        self.kind = kind
        self.height = height          # operand-stack height below the params
        self.nparams = nparams
        self.nresults = nresults
        self.id = id_
        self.targeted = targeted
        self.pyloop = False
        self.prop: list = []          # (label id, destination pyloop Ctl, action) passing through
        self.exit_via = None          # merged block: leaving it = breaking out of this loop's Python loop
        self.merge = False
        self.tail_return = False
        self.facts_before: dict = {}
        self.cond_facts: tuple = ({}, {})
        self.then_unreachable = False
        self.reach_end = False        # some branch reaches the end label
        self.else_stack: list | None = None
        self.has_else = False
        self.start_indent = 0
        self.flat_end = 0
        self.flat_else = 0
        self.flat_start = 0
        self.instr = 0

    @property
    def label_arity(self) -> int:
        return self.nparams if self.kind == "loop" else self.nresults


class ModuleContext:
    """What compiling one function needs to know about the module and the target."""

    def __init__(self, module: ast.Module, target: str, strategy: str, stack_limit: int, stack_low: int):
        self.module = module
        self.target = target
        self.strategy = strategy
        self.stack_limit = stack_limit
        self.stack_low = stack_low
        self.n_imported_funcs = len(module.imported("func"))
        self.func_types = [module.func_type(i) for i in range(module.num_funcs())]
        self.mems = module.all_mems()
        self.tables = module.all_tables()
        self.globals = module.all_globals()
        self.may_tail: dict[int, bool] = {}
        self.elided: set[int] = set()
        # depth-bounded functions (those with an unchecked twin): index -> (bounded parameter,
        # FP distance of one self-call, lowest FP whose SP is in bounds), from their FrameLayout
        self.bounded: dict[int, tuple[int, int, int]] = {}
        self.constants: list = []
        self._const_index: dict = {}

    def abi(self, ft: FuncType):
        return assign(ft, self.target, "wasm")

    def constant(self, value, key=None) -> str:
        k = key if key is not None else (type(value), value)
        name = self._const_index.get(k)
        if name is None:
            name = f"K{len(self.constants)}"
            self.constants.append(value)
            self._const_index[k] = name
        return name

    def callee_may_tail(self, func_idx: int) -> bool:
        if func_idx < self.n_imported_funcs:
            return True
        return self.may_tail.get(func_idx, True)


def block_signature(module: ast.Module, bt) -> tuple[int, int]:
    if bt is None:
        return 0, 0
    if isinstance(bt, int) and not isinstance(bt, bool):
        ft = module.types[bt]
        return len(ft.params), len(ft.results)
    return 0, 1


def prescan(module: ast.Module, body: list, self_idx: int | None = None,
            ends: dict | None = None) -> tuple[set, bool, bool, int, int]:
    """Targeted block starts, whether it may return a tail-call request (a return_call other
    than to itself), uses exceptions, nesting depth; fills `ends` (block start -> its end)."""
    targeted: set[int] = set()
    stack: list[int] = [-1]
    tail = False
    exceptions = False
    max_depth = 0
    for i, ins in enumerate(body):
        op = ins.op
        if op in BLOCK_OPS:
            stack.append(i)
            if len(stack) > max_depth:
                max_depth = len(stack)
            if op in ("try", "try_table"):
                exceptions = True
            if op == "try_table":
                for clause in ins.imm[1]:
                    if clause.label < len(stack) - 1:
                        targeted.add(stack[-2 - clause.label])
        elif op == "end" or op == "delegate":
            start = stack.pop()
            if ends is not None:
                ends[start] = i
            if not stack:
                break
        elif op in BRANCH_OPS:
            depth = ins.imm
            if depth < len(stack):
                targeted.add(stack[-1 - depth])
        elif op == "br_table":
            labels, default = ins.imm
            for depth in (*labels, default):
                if depth < len(stack):
                    targeted.add(stack[-1 - depth])
        elif op in ("return_call_indirect", "return_call_ref"):
            tail = True
        elif op == "return_call" and ins.imm != self_idx:
            tail = True
        elif op in EXCEPTION_OPS:
            exceptions = True
    return targeted, tail, exceptions, max_depth, 0


class FlatNeeded(Exception):
    """The structured form would exceed CPython's nesting limits."""


class FunctionCompiler(HandlerLowering):
    """Compiles one defined function to Python source lines."""

    def __init__(self, ctx: ModuleContext, func_idx: int, func: ast.Func, info: FunctionInfo,
                 flat: bool = False, unchecked: bool = False):
        self.ctx = ctx
        # the depth-bounded twin of a self-recursive elided function (see bounded_recursion_param)
        self.unchecked = unchecked
        self.self_call_decs: list[set[int]] = []
        self.bounded_param: int | None = None
        self.twin: "FunctionCompiler | None" = None
        self.module = ctx.module
        self.func_idx = func_idx
        self.func = func
        self.info = info
        self.ftype: FuncType = ctx.func_types[func_idx]
        self.abi = ctx.abi(self.ftype)
        self.baseline = ctx.strategy == "baseline"
        self.flat = flat
        self.local_types = list(self.ftype.params) + list(func.locals)
        self.nlocals = len(self.local_types)
        self.spill_from = 0 if self.baseline else REGISTER_BUDGET
        self.elided = func_idx in ctx.elided
        self.lazy_checks = self.elided and self.nlocals <= self.spill_from
        self.facts: dict[int, int] = {}
        # not with exception handlers: a landing pad is entered from anywhere in its try body
        # (throw / throw_ref alone only end a path, like return)
        self.use_facts = not self.baseline and not flat and not any(
            ins.op in EXCEPTION_OPS and ins.op not in ("throw", "throw_ref") for ins in func.body)
        self.checked = False
        info.frame_elided = self.elided
        self.lines: list[tuple[int, str, int, str | None]] = []   # (indent, text, instr, trap)
        self.indent = 1 if flat else 0
        self.stack: list[Item] = []
        self.ctl: list[Ctl] = []
        self.temp_n = 0
        self.max_height = 0
        self.fixups: list[Callable[[FrameLayout], int]] = []
        self.needs_fw = self.baseline
        self.stack_slots = self.baseline     # operand-stack positions in frame slots
        self.uses_br = False
        self.instr = 0
        self.call_sites: list[tuple[int, str]] = []   # (instr, kind)
        self.self_tail = False
        self.py_loops = 0
        self.max_py_loops = 0
        self.next_label = 1
        self.eh_init()

    # ------------------------------------------------------------------ output
    def w(self, text: str, trap: str | None = None) -> None:
        self.lines.append((self.indent, text, self.instr, trap))

    def fix(self, fn: Callable[[FrameLayout], int]) -> str:
        """A placeholder for a word offset that FrameLayout decides once the frame is known."""
        self.fixups.append(fn)
        return f"\u00a7{len(self.fixups) - 1}\u00a7"

    def word(self, fn: Callable[[FrameLayout], int]) -> str:
        """`S[fw+k]` for a byte address fn(layout) computed with FP = 0."""
        self.needs_fw = True
        return f"S[fw+{self.fix(lambda L: fn(L) // 8)}]"

    def temp(self) -> str:
        self.temp_n += 1
        return f"t{self.temp_n}"

    def python_params(self) -> list[int]:
        """Parameters that arrive as Python arguments: the ABI's register ones, or all (elided)."""
        if self.elided:
            return list(range(len(self.ftype.params)))
        return [i for i, loc in enumerate(self.abi.params) if loc.reg is not None]

    # ------------------------------------------------------------------ storage
    def slot_of_local(self, i: int) -> int:
        return i

    def in_slot(self, i: int) -> bool:
        return i >= self.spill_from

    def local_ref(self, i: int) -> str:
        if self.in_slot(i):
            slot = i - self.spill_from
            return self.word(lambda L, slot=slot: L.slot_address_from_fp(0, slot))
        return f"l{i}"

    def pos_ref(self, h: int) -> str:
        if self.stack_slots:
            if h + 1 > self.max_height:
                self.max_height = h + 1
            s = self.nlocals + h
            return self.word(lambda L, s=s: L.slot_address_from_fp(0, s))
        return f"s{h}"

    # ------------------------------------------------------------------ operand stack
    def push(self, item: Item) -> None:
        self.stack.append(item)
        if len(self.stack) > self.max_height:
            self.max_height = len(self.stack)

    def pop(self) -> Item:
        return self.stack.pop()

    def push_value(self, expr: str, trap: str | None = None, deps: frozenset = frozenset(),
                   depth: int = 1, cond: str | None = None, pure: bool = True) -> None:
        """Push the result of an operation: folded if pure and allowed, else assigned now."""
        if pure and trap is None and not self.baseline and depth <= MAX_EXPR_DEPTH:
            self.push(Item(expr, deps, depth, cond))
            return
        name = self.pos_ref(len(self.stack)) if self.baseline else self.temp()
        self.w(f"{name} = {expr}", trap)
        self.push(Item(name))

    def materialize(self, index: int) -> None:
        """Turn stack item `index` into a plain temporary (or its slot in baseline)."""
        item = self.stack[index]
        if item.simple and not item.deps:
            return
        name = self.temp()
        self.w(f"{name} = {item.expr}")
        self.stack[index] = Item(name)

    def flush(self) -> None:
        """Before control flow: every pending expression becomes a temporary."""
        for i in range(len(self.stack)):
            self.materialize(i)

    def operand(self, item: Item, uses: int = 1) -> str:
        """The item as an operand text; if a template evaluates it twice, make it a temp first."""
        if item.simple:
            return item.expr
        if uses > 1:
            name = self.temp()
            self.w(f"{name} = {item.expr}")
            item.expr, item.deps, item.depth, item.cond = name, frozenset(), 0, None
            return name
        return item.expr

    def cond_of(self, item: Item) -> str:
        return item.cond if item.cond is not None else item.expr

    # ------------------------------------------------------------------ entry point
    def compile(self) -> None:
        body = self.func.body
        self.ends: dict[int, int] = {}
        targeted, tail, exceptions, max_depth, _ = prescan(self.module, body, self.func_idx, self.ends)
        if self.has_handlers and not self.flat:
            raise FlatNeeded()
        self.targeted = targeted
        if not self.flat and max_depth > MAX_INDENT:
            raise FlatNeeded()
        nres = len(self.ftype.results)
        func_ctl = Ctl("func", 0, 0, nres, -1, False)
        self.ctl.append(func_ctl)
        if not self.flat and any(ins.op == "return_call" and ins.imm == self.func_idx for ins in body):
            func_ctl.pyloop = True
            self.self_tail = True
            self.py_loops = self.max_py_loops = 1
        self.unreachable = False
        self.skip = 0
        i = 0
        n = len(body)
        while i < n:
            ins = body[i]
            self.instr = i
            op = ins.op
            if self.unreachable:
                self.checked = False
                if op in BLOCK_OPS:
                    self.skip += 1
                elif op == "end":
                    if self.skip:
                        self.skip -= 1
                    else:
                        self.op_end(ins)
                elif op == "delegate":
                    if self.skip:
                        self.skip -= 1
                    else:
                        self.op_delegate(ins)
                elif op in ("else", "catch", "catch_all") and not self.skip:
                    getattr(self, "op_" + op)(ins)
                i += 1
                if not self.ctl:
                    break
                continue
            if op in _CHECK_JOINS:
                self.checked = False
            handler = getattr(self, "op_" + op.replace(".", "_"), None)
            if handler is not None:
                handler(ins)
            elif op in NUMERIC_OPS:
                self.numeric(op)
            elif op in MEMORY_OPS:
                self.memory_access(ins)
            else:
                if op.startswith(("v128", "i8x16", "i16x8", "i32x4", "i64x2", "f32x4", "f64x2")):
                    raise Unsupported("simd", op)
                raise Unsupported(op, f"instruction {op}")
            i += 1
            if not self.ctl:
                break
        if self.max_py_loops > MAX_PY_LOOPS and not self.flat:
            raise FlatNeeded()
        self.eh_finish()

    # ------------------------------------------------------------------ numerics
    def constant_peephole(self, op: str) -> bool:
        """x OP constant for add/sub/signed comparisons: cheaper exact forms than the general
        template (no multi-digit masking; a signed order test as one or two unsigned ones)."""
        kind = op[4:]
        if kind not in _PEEP or len(self.stack) < 2:
            return False
        b = self.stack[-1]
        if not b.expr.isdigit():
            return False
        a = self.stack[-2]
        bits = 32 if op[1:3] == "32" else 64
        c = int(b.expr)
        mod = 1 << bits
        sb = 1 << (bits - 1)
        del self.stack[-2:]
        x = self.operand(a, 2)
        if not _SIMPLE.match(x):
            x = f"({x})"
        cond = None
        if kind == "add":
            if c == 0:
                expr = x
            else:
                expr = f"({x} + {c} if {x} < {mod - c} else {x} - {mod - c})"
        elif kind == "sub":
            if c == 0:
                expr = x
            elif self.known_at_least(a) >= c:
                expr = f"({x} - {c})"          # no wrap-around: x >= c is known here
                self.push_value(expr, deps=a.deps, depth=a.depth + 1)
                self.stack[-1].dec = self.bare_local(a)
                return True
            else:
                expr = f"({x} - {c} if {x} >= {c} else {x} + {mod - c})"
        else:
            neg = c >= sb
            cond = {
                ("lt_s", False): f"({x} < {c} or {x} >= {sb})",
                ("le_s", False): f"({x} <= {c} or {x} >= {sb})",
                ("gt_s", False): f"{c} < {x} < {sb}",
                ("ge_s", False): f"{c} <= {x} < {sb}",
                ("lt_s", True): f"{sb} <= {x} < {c}",
                ("le_s", True): f"{sb} <= {x} <= {c}",
                ("gt_s", True): f"({x} > {c} or {x} < {sb})",
                ("ge_s", True): f"({x} >= {c} or {x} < {sb})",
            }[(kind, neg)]
            expr = f"(1 if {cond} else 0)"
        self.push_value(expr, deps=a.deps, depth=a.depth + 1, cond=cond)
        local = self.bare_local(a)
        if local is not None and cond is not None and 0 <= c < sb:
            # what the outcome says about the local (unsigned lower bounds)
            true_f, false_f = {"lt_s": ({}, {local: c}), "le_s": ({}, {local: c + 1}),
                               "gt_s": ({local: c + 1}, {}), "ge_s": ({local: c}, {})}[kind]
            self.stack[-1].facts = (true_f, false_f)
        return True

    # ------------------------------------------------------------------ value facts
    # Lower bounds of locals that a branch condition establishes (x >= 1 after
    # `if (eqz x) (then return)`), so `x - c` needs no wrap-around test. Only in the
    # structured optimizing form; every assignment, loop head and join forgets them.
    def bare_local(self, item: Item) -> int | None:
        if not self.use_facts or item.depth or len(item.deps) != 1 or not item.expr.startswith("l"):
            return None
        (i,) = item.deps
        return i if item.expr == f"l{i}" else None

    def known_at_least(self, item: Item) -> int:
        i = self.bare_local(item)
        return self.facts.get(i, 0) if i is not None else 0

    def cond_facts(self, item: Item) -> tuple[dict, dict]:
        if item.facts is not None:
            return item.facts
        i = self.bare_local(item)
        return ({i: 1}, {}) if i is not None else ({}, {})

    def assigned_between(self, start: int, end: int | None) -> set:
        body = self.func.body
        stop = len(body) if end is None else end + 1
        return {ins.imm for ins in body[start:stop] if ins.op in ("local.set", "local.tee")}

    def facts_after(self, before: dict, start: int, extra: dict | None = None) -> dict:
        out = dict(before)
        if extra:
            out.update({k: max(v, out.get(k, 0)) for k, v in extra.items()})
        for i in self.assigned_between(start, self.ends.get(start)):
            out.pop(i, None)
        return out

    def numeric(self, op: str) -> None:
        if not self.baseline and self.constant_peephole(op):
            return
        sem = NUMERIC_OPS[op]
        template = sem.template
        arity = sem.arity
        items = self.stack[-arity:]
        del self.stack[-arity:]
        texts = []
        deps = frozenset()
        depth = 0
        for k, item in enumerate(items):
            uses = template.count("{%d}" % k)
            text = self.operand(item, uses)
            if not _SIMPLE.match(text):
                text = f"({text})"
            texts.append(text)
            deps |= item.deps
            depth = max(depth, item.depth)
        expr = template.format(*texts)
        cond = sem.cond.format(*texts) if sem.cond else None
        if sem.trap is not None:
            self.push_value(expr, trap=sem.trap, deps=deps)
        else:
            self.push_value(expr, deps=deps, depth=depth + 1, cond=cond)
            if op in ("i32.eqz", "i64.eqz"):
                local = self.bare_local(items[0])
                if local is not None:
                    self.stack[-1].facts = ({}, {local: 1})

    def op_i32_const(self, ins) -> None:
        self.push(Item(str(ins.imm)))

    op_i64_const = op_i32_const

    def float_const(self, value: float, bits: int, width: int) -> None:
        if math.isfinite(value) and not (value == 0.0 and math.copysign(1.0, value) < 0):
            self.push(Item(repr(value)))
        else:
            self.push(Item(self.ctx.constant(value, key=(width, bits))))

    def op_f32_const(self, ins) -> None:
        self.float_const(f32_from_bits(ins.imm), ins.imm, 32)

    def op_f64_const(self, ins) -> None:
        self.float_const(f64_from_bits(ins.imm), ins.imm, 64)

    # ------------------------------------------------------------------ parametric
    def op_nop(self, ins) -> None:
        pass

    def op_drop(self, ins) -> None:
        self.pop()

    def op_select(self, ins) -> None:
        c = self.pop()
        b = self.pop()
        a = self.pop()
        ta, tb = self.operand(a), self.operand(b)
        tc = self.cond_of(c)
        deps = a.deps | b.deps | c.deps
        depth = max(a.depth, b.depth, c.depth) + 1
        self.push_value(f"(({ta}) if {tc} else ({tb}))", deps=deps, depth=depth)

    # ------------------------------------------------------------------ variables
    def op_local_get(self, ins) -> None:
        i = ins.imm
        if self.in_slot(i):
            self.push_value(self.local_ref(i), pure=False)
        else:
            self.push(Item(f"l{i}", frozenset((i,)), 0))

    def set_local(self, i: int, item: Item) -> None:
        self.facts.pop(i, None)
        if not self.in_slot(i):
            for k, other in enumerate(self.stack):
                if i in other.deps:
                    self.materialize(k)
        self.w(f"{self.local_ref(i)} = {item.expr}")

    def op_local_set(self, ins) -> None:
        self.set_local(ins.imm, self.pop())

    def op_local_tee(self, ins) -> None:
        item = self.pop()
        self.set_local(ins.imm, item)
        if self.in_slot(ins.imm):
            self.push_value(self.local_ref(ins.imm), pure=False)
        else:
            self.push(Item(f"l{ins.imm}", frozenset((ins.imm,)), 0))

    def op_global_get(self, ins) -> None:
        self.push_value(f"G{ins.imm}.v", pure=False)

    def op_global_set(self, ins) -> None:
        item = self.pop()
        self.w(f"G{ins.imm}.v = {item.expr}")

    # ------------------------------------------------------------------ memory
    def address(self, item: Item, offset: int) -> str:
        text = self.operand(item)
        if not _SIMPLE.match(text):
            text = f"({text})"
        return f"{text} + {offset}" if offset else text

    def memory_access(self, ins) -> None:
        sem = MEMORY_OPS[ins.op]
        marg: ast.MemArg = ins.imm
        mem = f"M{marg.memory}"
        if ".store" in ins.op:
            value = self.pop()
            addr = self.pop()
            vt = self.operand(value, sem.template.count("{2}"))
            if not _SIMPLE.match(vt):
                vt = f"({vt})"
            at = self.address(addr, marg.offset)
            if sem.template.count("{1}") > 1 and not _SIMPLE.match(at):
                name = self.temp()
                self.w(f"{name} = {at}")
                at = name
            self.w(sem.template.format(mem, at, vt), TRAP_OOB_MEM)
        else:
            addr = self.pop()
            at = self.address(addr, marg.offset)
            self.push_value(sem.template.format(mem, at), trap=TRAP_OOB_MEM)

    def op_memory_size(self, ins) -> None:
        self.push_value(f"(len(M{ins.imm}) >> 16)", pure=False)

    def op_memory_grow(self, ins) -> None:
        n = self.pop()
        self.push_value(f"MEM{ins.imm}._grow({n.expr})", pure=False)

    def op_memory_fill(self, ins) -> None:
        n, v, d = self.pop(), self.pop(), self.pop()
        self.w(f"_mfill(M{ins.imm}, {d.expr}, {v.expr}, {n.expr})")

    def op_memory_copy(self, ins) -> None:
        dst, src = ins.imm
        n, s, d = self.pop(), self.pop(), self.pop()
        self.w(f"_mcopy(M{dst}, {d.expr}, M{src}, {s.expr}, {n.expr})")

    def op_memory_init(self, ins) -> None:
        data, mem = ins.imm
        n, s, d = self.pop(), self.pop(), self.pop()
        self.w(f"_minit(M{mem}, {d.expr}, DATA[{data}], {s.expr}, {n.expr})")

    def op_data_drop(self, ins) -> None:
        self.w(f"DATA[{ins.imm}] = b''")

    # ------------------------------------------------------------------ tables and references
    def op_table_get(self, ins) -> None:
        i = self.pop()
        self.push_value(f"T{ins.imm}[{i.expr}]", trap=TRAP_OOB_TABLE)

    def op_table_set(self, ins) -> None:
        v, i = self.pop(), self.pop()
        self.w(f"T{ins.imm}[{i.expr}] = {v.expr}", TRAP_OOB_TABLE)

    def op_table_size(self, ins) -> None:
        self.push_value(f"len(T{ins.imm})", pure=False)

    def op_table_grow(self, ins) -> None:
        n, v = self.pop(), self.pop()
        self.push_value(f"TAB{ins.imm}._grow({v.expr}, {n.expr})", pure=False)

    def op_table_fill(self, ins) -> None:
        n, v, i = self.pop(), self.pop(), self.pop()
        self.w(f"_tfill(T{ins.imm}, {i.expr}, {v.expr}, {n.expr})")

    def op_table_copy(self, ins) -> None:
        dst, src = ins.imm
        n, s, d = self.pop(), self.pop(), self.pop()
        self.w(f"_tcopy(T{dst}, {d.expr}, T{src}, {s.expr}, {n.expr})")

    def op_table_init(self, ins) -> None:
        elem, table = ins.imm
        n, s, d = self.pop(), self.pop(), self.pop()
        self.w(f"_tinit(T{table}, {d.expr}, ELEM[{elem}], {s.expr}, {n.expr})")

    def op_elem_drop(self, ins) -> None:
        self.w(f"ELEM[{ins.imm}] = ()")

    def op_ref_null(self, ins) -> None:
        self.push(Item("None"))

    def op_ref_is_null(self, ins) -> None:
        r = self.pop()
        t = self.operand(r)
        self.push_value(f"(1 if {t} is None else 0)", deps=r.deps, depth=r.depth + 1,
                        cond=f"{t} is None")

    def op_ref_func(self, ins) -> None:
        self.push(Item(f"R{ins.imm}"))

    def op_ref_as_non_null(self, ins) -> None:
        r = self.stack[-1]
        self.w(f"if {r.expr} is None: raise Trap('null reference')")

    def op_ref_eq(self, ins) -> None:
        raise Unsupported("gc", "ref.eq")

    # ------------------------------------------------------------------ calls
    def call_args(self, ft: FuncType, elided: bool = False) -> tuple[list[str], list[tuple[int, str]]]:
        """Pop the arguments: register ones as texts, stack ones as (param index, text).

        An elided callee takes every argument as a Python argument (no stack traffic)."""
        n = len(ft.params)
        items = self.stack[len(self.stack) - n:] if n else []
        if n:
            del self.stack[-n:]
        cabi = self.ctx.abi(ft)
        regs, stack = [], []
        for p, (item, loc) in enumerate(zip(items, cabi.params)):
            if loc.reg is not None or elided:
                regs.append(item.expr)
            else:
                stack.append((p, item.expr))
        return regs, stack

    def record_site(self, kind: str) -> int:
        self.call_sites.append((self.instr, kind))
        self.note_site(kind)
        return self.info.start + PC_STRIDE * self.instr + RA_DELTA

    def emit_call(self, callee: str, ft: FuncType, kind: str, may_tail: bool,
                  pre: list[str] = (), elided: bool = False, twin: tuple | None = None) -> None:
        cabi = self.ctx.abi(ft)
        # evaluate arguments before any stack write (baseline operands live in slots)
        regs, stack_args = self.call_args(ft, elided)
        for line in pre:
            self.w(line[0], line[1]) if isinstance(line, tuple) else self.w(line)
        self.lazy_stack_check()
        ra = self.record_site("elided" if elided else kind)
        stores = [(lambda L, p=p: L.outgoing_arg_address(L.sp_from_fp(0), cabi, p), text)
                  for p, text in stack_args]
        # the callee's FP: below its stack-argument area and frame record, as FrameLayout says
        # (also for an elided callee, so that stack depth is the same with and without elision)
        callee_fp = lambda L: L.fp_from_call_sp(L.call_sp(L.sp_from_fp(0), cabi))  # noqa: E731
        if not elided:
            stores.append((lambda L: L.saved_fp_address(callee_fp(L)), "fp"))
            stores.append((lambda L: L.return_address_address(callee_fp(L)), str(ra)))
        self.store_words(stores)
        callee_fp_below_fp = self.fix(lambda L: -callee_fp(L))    # this FP - callee FP, from FrameLayout
        # the unchecked twin needs no FP: its whole recursion was checked at its entry
        args = ", ".join(regs if self.unchecked else [f"fp - {callee_fp_below_fp}"] + regs)
        call = f"{callee}({args})"
        if twin is not None:
            j, param, self_call_fp_below_fp, lowest_fp = twin
            # callee FP = fp - callee_fp_below_fp; its entry test, moved here
            lowest_fp_here = self.fix(lambda L: lowest_fp - callee_fp(L))
            call = (f"(f{j}_u({', '.join(regs)}) if fp - {regs[param]} * {self_call_fp_below_fp} >= "
                    f"{lowest_fp_here} else {call})")
        nres = len(ft.results)
        if may_tail:
            self.w(f"_r = {call}")
            self.w("while _r.__class__ is TC: _r = _r.f()")
            call = "_r"
        if nres == 0:
            if not may_tail:
                self.w(call)
            return
        if self.stack_slots:
            h = len(self.stack)
            names = [self.pos_ref(h + k) for k in range(nres)]
        else:
            names = [self.temp() for _ in range(nres)]
        if nres == 1:
            self.w(f"{names[0]} = {call}")
        else:
            self.w(f"{', '.join(names)} = {call}")
        for name in names:
            self.push(Item(name))

    def bounded_recursion_param(self) -> int | None:
        """A parameter that bounds this function's recursion depth, or None.

        When an elided function only calls itself, always passing `p - c` (c >= 1, known not
        to wrap) for some never-assigned integer parameter p, a chain of its frames entered
        with p = D has at most D callers below the entry: the entry can check once that all
        of them fit on the stack and run an unchecked twin (no FP, no per-call checks), like
        a loop versioned on its bounds check. Otherwise it runs as usual, trapping exactly."""
        if (not self.elided or self.flat or self.baseline or self.unchecked or not self.lazy_checks
                or self.has_handlers or self.self_tail or not self.self_call_decs):
            return None
        body = self.func.body
        if any(ins.op in ("return_call", "return_call_indirect", "return_call_ref", "call_indirect",
                          "call_ref") or (ins.op == "call" and ins.imm != self.func_idx) for ins in body):
            return None
        candidates = set.intersection(*self.self_call_decs) - self.assigned_between(0, None)
        candidates = {p for p in candidates if self.ftype.params[p] in (I32, I64)}
        return min(candidates) if candidates else None

    def self_call_fp_below_fp(self, layout: FrameLayout) -> int:
        """FP - the FP of a frame this function's self-call creates (FrameLayout's numbers)."""
        return -layout.fp_from_call_sp(layout.call_sp(layout.sp_from_fp(0), self.abi))

    def store_words(self, stores: list) -> None:
        """Stack-memory stores (byte address with FP = 0 as FrameLayout gives it, value text) as
        one statement: a slice assignment when the words are contiguous (the usual case: stack
        arguments and the callee's frame record), else one store each. Values are evaluated
        before any word is written."""
        if len(stores) < 2:
            for fn, text in stores:
                self.w(f"{self.word(fn)} = {text}")
            return
        self.needs_fw = True
        fixups = self.fixups
        nested = re.compile("\u00a7(\\d+)\u00a7")

        def render(L: FrameLayout) -> str:
            words = sorted(((fn(L) // 8, nested.sub(lambda m: str(fixups[int(m.group(1))](L)), text))
                            for fn, text in stores), key=lambda pair: pair[0])
            first, last = words[0][0], words[-1][0]
            if last - first + 1 == len(words):
                return f"S[fw+{first}:fw+{last + 1}] = ({', '.join(text for _, text in words)})"
            return "; ".join(f"S[fw+{w}] = {text}" for w, text in words)
        self.w(self.fix(render))

    def lazy_stack_check(self) -> None:
        """Elided frames write nothing to stack memory, so their stack-limit check can wait
        until they call (once per straight-line region): frames that never call (the leaves
        of a recursion) skip it; exhaustion is still detected within one frame."""
        if self.lazy_checks and not self.checked and not self.unchecked:
            self.w(f"if fp < {self.fix(lambda L: L.fp_from_sp(self.ctx.stack_limit))}: "
                   f"raise Trap('call stack exhausted')", "call stack exhausted")
            self.checked = True

    def emit_tail_call(self, callee: str, ft: FuncType, self_call: bool, elided: bool = False) -> None:
        if not self_call:
            self.lazy_stack_check()
        cabi = self.ctx.abi(ft)
        regs, stack_args = self.call_args(ft, elided)
        self.record_site("tail")
        # every value first (they may live in the frame that is being replaced)
        vals = []
        for text in regs:
            if not self.stack_slots:
                vals.append(text)
            else:
                name = self.temp()
                self.w(f"{name} = {text}")
                vals.append(name)
        svals = []
        for p, text in stack_args:
            if not self.stack_slots:
                svals.append((p, text))
                continue
            name = self.temp()
            self.w(f"{name} = {text}")
            svals.append((p, name))
        if self_call:
            for p, name in svals:
                addr = self.word(lambda L, p=p: L.tail_call_arg_address(0, cabi, p))
                self.w(f"{addr} = {name}")
            reg_params = self.python_params()
            if reg_params:
                # register parameters are assigned in place (the tuple is evaluated first);
                # spilled ones go through p<i>, which the loop head stores to their slots
                names = [f"p{i}" if self.in_slot(i) else f"l{i}" for i in reg_params]
                self.w(f"{', '.join(names)} = {', '.join(vals)}")
            self.self_tail = True
            self.jump(self.ctl[0], cont=True)
            return
        new_fp = lambda L: L.fp_from_call_sp(L.tail_call_sp(0, cabi))  # noqa: E731
        if elided:
            self.w(self.tail_request(callee, f"fp + {self.fix(new_fp)}", vals))
            return
        self.w(f"_sf = {self.word(lambda L: L.saved_fp_address(0))}; "
               f"_ra = {self.word(lambda L: L.return_address_address(0))}")
        for p, name in svals:
            addr = self.word(lambda L, p=p: L.tail_call_arg_address(0, cabi, p))
            self.w(f"{addr} = {name}")
        self.w(f"{self.word(lambda L: L.saved_fp_address(new_fp(L)))} = _sf")
        self.w(f"{self.word(lambda L: L.return_address_address(new_fp(L)))} = _ra")
        self.w(self.tail_request(callee, f"fp + {self.fix(new_fp)}", vals))

    def callee_name(self, j: int) -> tuple[str, bool]:
        if j in self.ctx.elided:
            return f"f{j}_e", True
        return f"F{j}", False

    @staticmethod
    def tail_request(callee: str, fp_expr: str, vals: list[str]) -> str:
        """`return TC(thunk)`: the values are bound now (defaults); the trampoline calls the
        thunk with no arguments, a plain Python-to-Python call that CPython runs without
        growing the C stack (unlike f(*args))."""
        binds = [f"_c={callee}", f"_fp={fp_expr}"] + [f"_{k}={v}" for k, v in enumerate(vals)]
        call = ", ".join(["_fp"] + [f"_{k}" for k in range(len(vals))])
        return f"return TC(lambda {', '.join(binds)}: _c({call}))"

    def op_call(self, ins) -> None:
        j = ins.imm
        if j < self.ctx.n_imported_funcs:
            self.emit_import_call(j)      # system convention (compile/handlers.py)
            return
        name, elided = self.callee_name(j)
        if j == self.func_idx and elided:
            n = len(self.ftype.params)
            args = self.stack[len(self.stack) - n:] if n else []
            self.self_call_decs.append({p for p, item in enumerate(args) if item.dec == p})
            if self.unchecked:
                name = f"f{j}_u"
        twin = None
        if elided and j != self.func_idx and j in self.ctx.bounded:
            # call the twin directly when the callee's whole recursion fits (the test its
            # checked entry would make), saving the checked entry's frame
            param, self_call_fp_below_fp, lowest_fp = self.ctx.bounded[j]
            n = len(self.ctx.func_types[j].params)
            at = len(self.stack) - n + param
            if not _SIMPLE.match(self.stack[at].expr):
                self.materialize(at)
            twin = (j, param, self_call_fp_below_fp, lowest_fp)
        self.emit_call(name, self.ctx.func_types[j], "call", self.ctx.callee_may_tail(j), elided=elided,
                       twin=twin)

    def indirect_target(self, type_idx: int, table: int) -> tuple[str, list]:
        idx = self.pop()
        self.flush_args(len(self.module.types[type_idx].params))
        name = self.temp()
        pre = [(f"{name} = T{table}[{idx.expr}]", "undefined element"),
               f"if {name} is None: raise Trap('uninitialized element')",
               f"if {name}.ftype is not TY{type_idx} and {name}.ftype != TY{type_idx}: "
               f"raise Trap('indirect call type mismatch')"]
        return name, pre

    def flush_args(self, n: int) -> None:
        pass

    def op_call_indirect(self, ins) -> None:
        type_idx, table = ins.imm
        name, pre = self.indirect_target(type_idx, table)
        self.emit_call(f"{name}.code", self.module.types[type_idx], "call_indirect", True, pre)

    def op_call_ref(self, ins) -> None:
        ref = self.pop()
        name = self.temp()
        pre = [f"{name} = {ref.expr}", f"if {name} is None: raise Trap('null function reference')"]
        self.emit_call(f"{name}.code", self.module.types[ins.imm], "call_ref", True, pre)

    def op_return_call(self, ins) -> None:
        j = ins.imm
        name, elided = self.callee_name(j)
        self.emit_tail_call(name, self.ctx.func_types[j], j == self.func_idx, elided=elided)
        self.unreachable = True

    def op_return_call_indirect(self, ins) -> None:
        type_idx, table = ins.imm
        name, pre = self.indirect_target(type_idx, table)
        # the callee's arguments are below the index: evaluate the checks after them
        ft = self.module.types[type_idx]
        for line in pre:
            self.w(line[0], line[1]) if isinstance(line, tuple) else self.w(line)
        self.emit_tail_call(f"{name}.code", ft, False)
        self.unreachable = True

    def op_return_call_ref(self, ins) -> None:
        ref = self.pop()
        name = self.temp()
        self.w(f"{name} = {ref.expr}")
        self.w(f"if {name} is None: raise Trap('null function reference')")
        self.emit_tail_call(f"{name}.code", self.module.types[ins.imm], False)
        self.unreachable = True

    # ------------------------------------------------------------------ control flow
    def open_ctl(self, kind: str, ins) -> Ctl:
        nparams, nresults = block_signature(self.module, ins.imm if kind != "try_table" else ins.imm[0])
        height = len(self.stack) - nparams
        c = Ctl(kind, height, nparams, nresults, self.next_label, self.instr in self.targeted)
        self.next_label += 1
        c.instr = self.instr
        self.ctl.append(c)
        return c

    def move_to(self, height: int, n: int, items: list[Item]) -> None:
        """Parallel-assign `items` into the canonical positions height..height+n-1."""
        targets = [self.pos_ref(height + k) for k in range(n)]
        pairs = [(t, it.expr) for t, it in zip(targets, items) if t != it.expr]
        if not pairs:
            return
        if len(pairs) == 1:
            self.w(f"{pairs[0][0]} = {pairs[0][1]}")
        else:
            self.w(f"{', '.join(p[0] for p in pairs)} = {', '.join(p[1] for p in pairs)}")

    def canonical_items(self, height: int, n: int) -> list[Item]:
        return [Item(self.pos_ref(height + k)) for k in range(n)]

    def py_loop_open(self, c: Ctl) -> None:
        c.pyloop = True
        self.py_loops += 1
        self.max_py_loops = max(self.max_py_loops, self.py_loops)
        self.w("while True:")
        self.indent += 1

    def op_block(self, ins) -> None:
        c = self.open_ctl("block", ins)
        c.facts_before = dict(self.facts)
        i = self.instr
        end = self.ends.get(i)
        if (c.targeted and not self.flat and c.nparams == 0 and c.nresults == 0 and end is not None
                and self.func.body[i + 1].op == "loop" and self.ends.get(i + 1) == end - 1
                and (i + 1) in self.targeted):
            # `block (loop ... ) end`: leaving the block is leaving the loop's Python loop
            c.merge = True
            self.flush()
            c.start_indent = self.indent
            return
        if c.targeted:
            self.flush()
            if self.flat:
                c.flat_end = self.new_flat_label()
            else:
                self.py_loop_open(c)
        c.start_indent = self.indent

    def op_loop(self, ins) -> None:
        parent = self.ctl[-1]
        c = self.open_ctl("loop", ins)
        self.facts = self.facts_after(self.facts, self.instr)    # the back edge may change them
        if parent.merge and parent.instr == self.instr - 1:
            parent.exit_via = c
        if c.targeted:
            self.flush()
            items = self.stack[c.height:]
            self.move_to(c.height, c.nparams, items)
            del self.stack[c.height:]
            self.stack.extend(self.canonical_items(c.height, c.nparams))
            if self.flat:
                c.flat_start = self.new_flat_label()
                self.flat_section(c.flat_start)
            else:
                self.py_loop_open(c)
        c.start_indent = self.indent

    def op_if(self, ins) -> None:
        cond = self.pop()
        ctext = self.cond_of(cond)
        c = self.open_ctl("if", ins)
        self.flush()
        c.else_stack = list(self.stack)
        if self.flat:
            c.flat_else = self.new_flat_label()
            c.flat_end = self.new_flat_label()
            self.w(f"if not ({ctext}): _pc = {c.flat_else}; continue")
            c.start_indent = self.indent
            return
        if c.targeted:
            self.py_loop_open(c)
        c.facts_before = dict(self.facts)
        c.cond_facts = self.cond_facts(cond)
        self.facts = {**self.facts, **c.cond_facts[0]}
        c.tail_return = self.is_tail_if(c)
        self.w(f"if {ctext}:")
        self.indent += 1
        c.start_indent = self.indent

    def is_tail_if(self, c: Ctl) -> bool:
        """An if/else whose end is the function's end and whose results are the function's:
        each arm can return its values directly instead of merging them first."""
        body = self.func.body
        end = self.ends.get(c.instr)
        if (end is None or end + 2 != len(body) or c.targeted or c.height != 0 or self.ctl[-2].kind != "func"
                or c.nresults != len(self.ftype.results) or c.nparams):
            return False
        depth = 0
        for ins in body[c.instr + 1:end]:
            if ins.op in BLOCK_OPS:
                depth += 1
            elif ins.op in ("end", "delegate"):
                depth -= 1
            elif ins.op == "else" and depth == 0:
                return True
        return False

    def end_arm(self, c: Ctl) -> None:
        """Fallthrough at the end of an if-arm or block: results into canonical positions."""
        if c.tail_return and not self.unreachable:
            self.emit_return()
            self.unreachable = True
            return
        if not self.unreachable:
            items = self.stack[len(self.stack) - c.nresults:] if c.nresults else []
            self.move_to(c.height, c.nresults, items)
            c.reach_end = True

    def op_else(self, ins) -> None:
        c = self.ctl[-1]
        c.then_unreachable = self.unreachable
        self.end_arm(c)
        self.facts = {**c.facts_before, **c.cond_facts[1]}
        if self.flat:
            if not self.unreachable:
                self.w(f"_pc = {c.flat_end}; continue")
            self.unreachable = True
            self.flat_section(c.flat_else, always=True)
        else:
            self.ensure_body()
            self.indent -= 1
            self.w("else:")
            self.indent += 1
            c.start_indent = self.indent
        c.has_else = True
        self.stack = list(c.else_stack)
        self.unreachable = False

    def ensure_body(self) -> None:
        """Python needs a statement in every suite."""
        last = self.lines[-1] if self.lines else None
        if last is None or last[0] < self.indent:
            self.w("pass")

    def op_end(self, ins) -> None:
        c = self.ctl[-1]
        if c.kind != "func":
            after = self.facts_at_end(c)
            self.end_construct(ins)
            self.facts = after
            return
        self.end_construct(ins)

    def facts_at_end(self, c: Ctl) -> dict:
        if not self.use_facts:
            return {}
        if c.kind == "if":
            then_unr = c.then_unreachable if c.has_else else self.unreachable
            else_unr = self.unreachable if c.has_else else False
            extra = None if c.targeted else c.cond_facts[1] if then_unr and not else_unr else \
                c.cond_facts[0] if else_unr and not then_unr else None
            return self.facts_after(c.facts_before, c.instr, extra)
        if c.kind == "loop" or (c.kind == "block" and not c.targeted):
            return dict(self.facts)         # the fallthrough is the only way here
        if c.kind == "block":
            return self.facts_after(c.facts_before, c.instr)
        return {}

    def end_construct(self, ins) -> None:
        c = self.ctl[-1]
        if c.kind == "func":
            self.end_function(c)
            return
        if c.kind == "if" and not c.has_else:
            # the implicit else passes the params through as results
            self.end_arm(c)
            if self.flat:
                if not self.unreachable:
                    self.w(f"_pc = {c.flat_end}; continue")
                self.unreachable = True
                self.flat_section(c.flat_else, always=True)
                self.stack = list(c.else_stack)
                self.unreachable = False
                self.end_arm(c)
            else:
                self.ensure_body()
                self.stack = list(c.else_stack)
                self.unreachable = False
                items = self.stack[len(self.stack) - c.nresults:] if c.nresults else []
                targets = [self.pos_ref(c.height + k) for k in range(c.nresults)]
                if any(t != it.expr for t, it in zip(targets, items)):
                    self.indent -= 1
                    self.w("else:")
                    self.indent += 1
                    self.end_arm(c)
                c.reach_end = True
            self.close_ctl(c)
            return
        if c.kind == "if":
            self.end_arm(c)
            if not self.flat:
                self.ensure_body()
            self.close_ctl(c)
            return
        # block / loop
        if c.kind == "block" and not c.targeted:
            # straight-line: the results stay symbolic
            self.ctl.pop()
            return
        if c.kind == "loop":
            if c.pyloop:
                if not self.unreachable:
                    self.w("break")
                self.close_pyloop(c)
            self.ctl.pop()
            return
        self.end_arm(c)
        self.close_ctl(c)

    def close_ctl(self, c: Ctl) -> None:
        """Close a block or if: the stack is the results, in canonical positions."""
        reachable = c.reach_end
        if self.flat:
            if c.flat_end:
                self.flat_section(c.flat_end, always=reachable)
        elif c.kind == "if":
            self.indent -= 1
            if c.pyloop:
                self.w("break")
                self.close_pyloop(c)
        elif c.pyloop:
            if not self.unreachable:
                self.w("break")
            self.close_pyloop(c)
        self.ctl.pop()
        del self.stack[c.height:]
        self.stack.extend(self.canonical_items(c.height, c.nresults))
        self.unreachable = not reachable

    def close_pyloop(self, c: Ctl) -> None:
        self.ensure_body()
        self.indent = c.start_indent - 1 if c.kind != "if" else c.start_indent - 2
        self.py_loops -= 1
        if not c.prop:
            return
        outer = self.enclosing_pyloop(len(self.ctl) - 2)
        here = [(i, a) for i, d, a in c.prop if d is outer]
        further = [(i, d, a) for i, d, a in c.prop if d is not outer]
        seen = set()
        checks = []
        for i, a in here:
            if i not in seen:
                seen.add(i)
                checks.append(f"if _br == {i}: _br = 0; {a}")
        if further:
            outer.prop.extend(further)
        if len(checks) == 1 and not further:
            self.w(checks[0])
            return
        self.w("if _br:")
        self.indent += 1
        for line in checks:
            self.w(line)
        if further:
            self.w("break")
        self.indent -= 1

    def enclosing_pyloop(self, index: int) -> Ctl | None:
        for k in range(index, -1, -1):
            if self.ctl[k].pyloop:
                return self.ctl[k]
        return None

    def jump(self, target: Ctl, cont: bool = False) -> None:
        """Emit the control transfer of a branch to `target` (values already moved)."""
        if self.flat:
            if target.kind == "func":
                if cont:
                    self.w("_pc = 0; continue")
                else:
                    self.emit_return()
                return
            if target.kind != "loop":
                target.reach_end = True
            label = target.flat_start if target.kind == "loop" else target.flat_end
            self.w(f"_pc = {label}; continue")
            return
        if target.kind == "func" and not cont:
            self.emit_return()
            return
        if target.kind not in ("loop", "func"):
            target.reach_end = True
        if target.exit_via is not None:
            dest, action = target.exit_via, "break"
        else:
            dest, action = target, ("continue" if target.kind in ("loop", "func") else "break")
        inner = self.enclosing_pyloop(len(self.ctl) - 1)
        if inner is dest:
            self.w(action)
            return
        self.uses_br = True
        self.w(f"_br = {target.id}; break")
        inner.prop.append((target.id, dest, action))

    def branch(self, depth: int) -> None:
        """Move the label's values and jump (unconditional part of br/br_if/br_table)."""
        target = self.ctl[-1 - depth]
        if target.kind == "func":
            self.emit_return()
            return
        n = target.label_arity
        items = self.stack[len(self.stack) - n:] if n else []
        self.move_to(target.height, n, items)
        self.jump(target)

    def emit_return(self) -> None:
        n = len(self.ftype.results)
        items = self.stack[len(self.stack) - n:] if n else []
        if n == 0:
            self.w("return")
        elif n == 1:
            self.w(f"return {items[0].expr}")
        else:
            self.w(f"return ({', '.join(i.expr for i in items)})")

    def op_br(self, ins) -> None:
        self.branch(ins.imm)
        self.unreachable = True

    def op_return(self, ins) -> None:
        self.emit_return()
        self.unreachable = True

    def op_unreachable(self, ins) -> None:
        self.w("raise Trap('unreachable')")
        self.unreachable = True

    def op_br_if(self, ins) -> None:
        cond = self.pop()
        ctext = self.cond_of(cond)
        self.flush()
        self.w(f"if {ctext}:")
        self.indent += 1
        self.branch(ins.imm)
        self.indent -= 1
        if self.use_facts:
            self.facts = {**self.facts, **self.cond_facts(cond)[1]}

    def op_br_on_null(self, ins) -> None:
        ref = self.stack[-1]
        self.flush()
        ref = self.stack[-1]
        self.w(f"if {ref.expr} is None:")
        self.indent += 1
        saved = self.pop()
        self.branch(ins.imm)
        self.push(saved)
        self.indent -= 1

    def op_br_on_non_null(self, ins) -> None:
        self.flush()
        ref = self.stack[-1]
        self.w(f"if {ref.expr} is not None:")
        self.indent += 1
        self.branch(ins.imm)
        self.indent -= 1
        self.pop()

    def op_br_table(self, ins) -> None:
        labels, default = ins.imm
        idx = self.pop()
        self.flush()
        name = self.temp()
        self.w(f"{name} = {idx.expr}")
        groups: dict[int, list[int]] = {}
        for k, d in enumerate(labels):
            if d != default:
                groups.setdefault(d, []).append(k)
        first = True
        for d, ks in groups.items():
            if len(ks) == 1:
                test = f"{name} == {ks[0]}"
            elif ks == list(range(ks[0], ks[-1] + 1)):
                test = f"{ks[0]} <= {name} <= {ks[-1]}"
            else:
                test = f"{name} in {self.ctx.constant(frozenset(ks), key=('set', tuple(ks)))}"
            self.w(f"{'if' if first else 'elif'} {test}:")
            first = False
            self.indent += 1
            self.branch(d)
            self.indent -= 1
        if first:
            self.branch(default)
        else:
            self.w("else:")
            self.indent += 1
            self.branch(default)
            self.indent -= 1
        self.unreachable = True

    def end_function(self, c: Ctl) -> None:
        if not self.unreachable:
            self.emit_return()
        self.ctl.pop()

    # ------------------------------------------------------------------ flat mode
    def new_flat_label(self) -> int:
        self.flat_labels = getattr(self, "flat_labels", 0) + 1
        return self.flat_labels

    def flat_section(self, label: int, always: bool = True) -> None:
        """Start the code at `label`; the fallthrough from the code before enters it."""
        if not self.unreachable:
            self.w(f"_pc = {label}")
        self.indent = 0
        self.w(f"if _pc == {label}:")
        self.indent = 1
        self.w("pass")
        if always:
            self.unreachable = False

    # ------------------------------------------------------------------ assembling
    def build_layout(self) -> FrameLayout:
        nslots = self.nlocals + self.max_height if self.stack_slots else max(0, self.nlocals - self.spill_from)
        return FrameLayout.build(self.ctx.target, "wasm", self.ftype, slots=nslots + self.eh_slots(),
                                 has_dynamic_context=self.has_handlers, calls=self.system_calls,
                                 name=self.info.name)

    def source(self) -> tuple[list[str], list[tuple[int, str | None]]]:
        """The function's Python source lines and, per line, (instruction, trap code)."""
        layout = self.build_layout()
        self.info.layout = layout
        values = [fn(layout) for fn in self.fixups]
        pattern = re.compile("\u00a7(\\d+)\u00a7")

        def subst(text: str) -> str:
            return pattern.sub(lambda m: str(values[int(m.group(1))]), text)

        out: list[str] = []
        meta: list[tuple[int, str | None]] = []

        def put(indent: int, text: str, instr: int = 0, trap: str | None = None) -> None:
            out.append("    " * indent + subst(text))
            meta.append((instr, trap))

        reg_params = self.python_params()
        stack_params = [i for i in range(len(self.ftype.params)) if i not in reg_params]
        self_loop = self.self_tail and not self.flat
        if self.elided and not self.unchecked:
            # the standard-ABI entry (host, tables, refs): stack arguments from memory
            abi_regs = [i for i, loc in enumerate(self.abi.params) if loc.reg is not None]
            put(0, f"def f{self.func_idx}({', '.join(['fp'] + [f'p{i}' for i in abi_regs])}):")
            if len(abi_regs) < len(self.ftype.params):
                put(1, f"fw = (fp - {self.ctx.stack_low}) >> 3")
            call_args = ["fp"] + [f"p{i}" if i in abi_regs else f"S[fw+{layout.incoming_arg_offset(i) // 8}]"
                                  for i in range(len(self.ftype.params))]
            put(1, f"return f{self.func_idx}_e({', '.join(call_args)})")
        fname = f"f{self.func_idx}_u" if self.unchecked else f"f{self.func_idx}_e" if self.elided \
            else f"f{self.func_idx}"
        args = ", ".join(([] if self.unchecked else ["fp"])
                         + [f"p{i}" if self.in_slot(i) else f"l{i}" for i in reg_params])
        put(0, f"def {fname}({args}):")
        limit = layout.fp_from_sp(self.ctx.stack_limit)    # the lowest FP whose SP is in bounds
        if self.twin is not None:
            # every frame of the recursion that calls lies within l<p> self-calls of this one
            self_call_fp_below_fp = self.self_call_fp_below_fp(layout)
            params = ", ".join(f"l{i}" for i in reg_params)
            put(1, f"if fp - l{self.bounded_param} * {self_call_fp_below_fp} >= {limit}: "
                   f"return f{self.func_idx}_u({params})")
        if not self.lazy_checks:
            put(1, f"if fp < {limit}: raise Trap('call stack exhausted')", 0, "call stack exhausted")
        if self.needs_fw or stack_params or self.nlocals > self.spill_from:
            put(1, f"fw = (fp - {self.ctx.stack_low}) >> 3")
        if self.uses_br:
            put(1, "_br = 0")
        if self.flat:
            put(1, "_pc = 0")
            put(1, "while True:")
            if self.has_handlers:
                put(2, "try:")
            put(2 + self.has_handlers, "if _pc == 0:")
            base = 3 + self.has_handlers
        elif self_loop:
            put(1, "while True:")
            base = 2
        else:
            base = 1
        # parameters and locals into their homes
        def home(i: int) -> str:
            if self.in_slot(i):
                return f"S[fw+{layout.slot_address_from_fp(0, i - self.spill_from) // 8}]"
            return f"l{i}"
        for i in reg_params:
            if self.in_slot(i):
                put(base, f"{home(i)} = p{i}")
        incoming = sorted((layout.incoming_arg_offset(i) // 8, home(i)) for i in stack_params)
        if len(incoming) > 1 and incoming[-1][0] - incoming[0][0] + 1 == len(incoming):
            # contiguous words: one slice read
            put(base, f"{', '.join(h for _, h in incoming)} = S[fw+{incoming[0][0]}:fw+{incoming[-1][0] + 1}]")
        else:
            for word, h in incoming:
                put(base, f"{h} = S[fw+{word}]")
        for i in range(len(self.ftype.params), self.nlocals):
            put(base, f"{home(i)} = {zero_of(self.local_types[i])}")
        body_base = 2 + self.has_handlers if self.flat else base
        for indent, text, instr, trap in self.lines:
            put(indent + body_base, text, instr, trap)
        if self.flat:
            put(2 + self.has_handlers, "raise Trap('unreachable')")
            if self.has_handlers:
                for text in self.eh_except_lines(layout):
                    put(2, text)
        if self.twin is not None:
            twin_out, twin_meta = self.twin.source()
            out += twin_out
            meta += twin_meta
        return out, meta

    def make_info_sites(self, layout: FrameLayout) -> None:
        for k, (instr, kind) in enumerate(self.call_sites):
            off = self.func.body[instr].offset if instr < len(self.func.body) else None
            self.info.call_sites.append(CallSite(
                return_address=self.info.start + PC_STRIDE * instr + RA_DELTA, func=self.info,
                fp_to_sp=layout.fp_to_sp(), instr=instr, offset=off, kind=kind,
                handlers=self.site_handlers.get(k, ())))
