"""Calls and the frame protocol: call, call_indirect, call_ref, their return_call forms, and
calls to imported functions.

One call emitter serves every callee (`emit_call`): it pops the arguments, passes the
register ones as Python arguments and writes the stack ones where FrameLayout puts them
for the callee's convention (wasm: callee pops; system, for imports: the caller's
outgoing area), writes the callee's frame record (saved FP, return address), records
the call site (its handlers, the dynamic context: compile/handlers.py) and calls the
callee with its FP. A callee that may answer with a tail-call request is called in a
trampoline loop. Every address comes from FrameLayout; none is computed here.

Frame elision (optimizing, DESIGN.md section 5): an elided callee `f<j>_e` takes every
argument as a Python argument and writes no frame record; its FP is still the one
FrameLayout gives, so the stack depth is the same with and without elision.

Depth-bounded recursion (optimizing): a function that only calls itself, always passing
`p - c` (c >= 1, known not to wrap) for a parameter p, gets an unchecked twin `f<i>_u`
without stack checks (and, for an elided frame, without FP); its checked entry runs the
twin when `fp - p * <self-call frame size>` is still above the stack limit, so a whole
recursion costs one check and exhaustion still happens at exactly the same depth. A
walkable frame's twin writes its frame records like the checked function.
"""
from __future__ import annotations

from .. import ast
from ..errors import TrapCode
from ..target import CallAssignment, FrameLayout, assign
from ..types import F32, F64, I32, I64, FuncType
from ..target.codemap import PC_STRIDE, RA_DELTA
from . import handlers
from .operands import Item, effect_text
from .ranges import SIMPLE

TAIL_OPS = frozenset({"return_call_indirect", "return_call_ref"})


def may_return_tail_call(body: list, self_idx: int) -> bool:
    """Whether a function may return a tail-call request: a return_call to another function,
    or an indirect / ref tail call (a self tail call becomes a loop instead)."""
    for ins in body:
        op = ins.op
        if op in TAIL_OPS or (op == "return_call" and ins.imm != self_idx):
            return True
    return False


def arg_words(cabi: CallAssignment, args: list[tuple[int, str]], address) -> list:
    """The stack-memory stores of stack arguments `(param, text)`: `(address fn, text)` per
    word, address(L, p) being FrameLayout's byte address of parameter p; a v128 argument
    is its two words, the value in the lower and None in the upper (target/stack.py)."""
    stores = []
    for p, text in args:
        stores.append((lambda L, p=p: address(L, p), text))
        if cabi.params[p].size == 16:
            stores.append((lambda L, p=p: address(L, p) + 8, "None"))
    return stores


class CallLowering:
    """The calls of one function (see the module docstring)."""

    def __init__(self, fc):
        self.fc = fc
        self.ctx = fc.ctx
        self.out = fc.out
        self.ops = fc.ops
        self.sites: list[tuple[int, str]] = []      # (instruction, kind) per call site, in order
        self.outgoing: list[CallAssignment] = []     # every call's arguments (FrameLayout's outgoing area)
        self.checked = False                         # the lazy stack check covers this point
        self.self_call_decs: list[set[int]] = []     # per self-call: parameters passed as `p - c`
        self.bounded_param: int | None = None
        self.twin = None                             # the unchecked twin FunctionCompiler, if any
        self.summary = None                          # its fuel summary's FunctionCompiler (fuelsum.py)

    # ------------------------------------------------------------------ parameters
    def python_params(self) -> list[int]:
        """Parameters that arrive as Python arguments: the ABI's register ones, or all (the body
        is the direct entry `f<i>_e`)."""
        fc = self.fc
        if fc.direct_entry:
            return list(range(len(fc.ftype.params)))
        return [i for i, loc in enumerate(fc.abi.params) if loc.reg is not None]

    # ------------------------------------------------------------------ the call emitter
    def record_site(self, kind: str) -> str:
        """A call site at the current instruction; its return address as generated code writes
        it: `RA<offset>`, an instance global bound to the module's code base + offset when the
        function is installed (runtime/linking.py), so that compiled code does not depend on
        where the code map placed the module and pays no addition per call."""
        instr = self.out.instr
        self.sites.append((instr, kind))
        self.fc.eh.note_site(kind)
        info = self.fc.info
        return f"RA{info.start - info.base + PC_STRIDE * instr + RA_DELTA}"

    def lazy_stack_check(self) -> None:
        """Elided frames write nothing to stack memory, so their stack-limit check can wait
        until they call (once per straight-line region): frames that never call (the leaves
        of a recursion) skip it; exhaustion is still detected within one frame."""
        fc = self.fc
        if fc.lazy_checks and not self.checked and not fc.unchecked:
            self.out.w(f"if fp < {self.out.fix(lambda L: L.fp_from_sp(self.ctx.stack_limit))}: "
                       f"raise Trap('call stack exhausted')", TrapCode.STACK_OVERFLOW)
            self.checked = True

    def split_args(self, cabi: CallAssignment, all_in_regs: bool = False,
                   inline_effects: bool = False) -> tuple[list[str], list[tuple[int, str]]]:
        """Pop the arguments: register ones as texts, stack ones as (param index, text)
        (all_in_regs: every argument as a register one). Folded call results among them, and
        any still pending below, run now in stack order unless the call is `inline_effects`
        (it emits no statement before its own expression, which then evaluates them in order)."""
        items = self.ops.pop_n(len(cabi.params))
        if not inline_effects:
            self.ops.settle()
            self.ops.settle_popped(items)
        self.arg_deps = frozenset().union(*(item.deps for item in items)) if items else frozenset()
        regs, stack = [], []
        for p, (item, loc) in enumerate(zip(items, cabi.params)):
            if loc.reg is not None or all_in_regs:
                regs.append(item.expr)
            else:
                stack.append((p, item.expr))
        return regs, stack

    def emit_call(self, callee: str, cabi: CallAssignment, kind: str, may_tail: bool,
                  pre: list = (), direct: bool = False, record: bool = True,
                  twin: tuple | None = None) -> None:
        """A call of `callee` (a Python callable's name) with the arguments on the stack.

        direct: the callee's direct entry, which takes every parameter as a Python argument
          (the stack-argument area is reserved all the same; its words are written only where
          a handler may need the frame exactly as the ABI lays it out: at sites with handlers).
        record: write the callee's frame record (not for an elided callee)."""
        self.outgoing.append(cabi)
        fc = self.fc
        # a call that writes nothing before its expression (an elided callee's) may take folded
        # call results as arguments and fold into what consumes its result
        # (with fuel, a call is a save before it and the store after it: never folded)
        fold = len(cabi.results) == 1 and not fc.baseline and not fc.meter.fuel
        quiet = (not record and not pre and twin is None and not may_tail and not handlers.SHADOW_FRAMES
                 and fold
                 and (self.checked or not fc.lazy_checks or fc.unchecked))
        # evaluate arguments before any stack write (baseline operands live in slots)
        regs, stack_args = self.split_args(cabi, inline_effects=quiet)
        exprs = regs
        if direct:
            exprs = [None] * len(cabi.params)
            reg_iter = iter(regs)
            for p, loc in enumerate(cabi.params):
                if loc.reg is not None:
                    exprs[p] = next(reg_iter)
            for p, text in stack_args:
                exprs[p] = text
        for line in pre:
            self.out.w(line[0], line[1]) if isinstance(line, tuple) else self.out.w(line)
        self.lazy_stack_check()
        ra = self.record_site(kind if record else "elided")
        stores = []
        if not direct or self.fc.eh.last_site_has_handlers:
            stores = arg_words(cabi, stack_args, lambda L, p: L.outgoing_arg_address(L.sp_from_fp(0), cabi, p))
        # the callee's FP: below its frame record, under this frame's SP, as FrameLayout says
        # (also for an elided callee, so that stack depth is the same with and without elision)
        callee_fp = lambda L: L.fp_from_call_sp(L.call_sp(L.sp_from_fp(0), cabi))  # noqa: E731
        if record:
            stores.append((lambda L: L.saved_fp_address(callee_fp(L)), "fp"))
            stores.append((lambda L: L.return_address_address(callee_fp(L)), ra))
        self.out.store_words(stores)
        callee_fp_below_fp = self.out.fix(lambda L: -callee_fp(L))    # this FP - callee FP
        arg_texts = exprs if direct else regs
        # an elided twin needs no FP: its whole recursion was checked at its entry and it
        # writes nothing to stack memory; every other callee gets its FP
        with_fp = [f"fp - {callee_fp_below_fp}"] + arg_texts
        args = ", ".join(arg_texts if self.fc.unchecked and not record else with_fp)
        call = f"{callee}({args})"
        if twin is not None:
            j, param, self_call_fp_below_fp, lowest_fp = twin
            # callee FP = fp - callee_fp_below_fp; its entry test, moved here
            lowest_fp_here = self.out.fix(lambda L: lowest_fp - callee_fp(L))
            twin_args = ", ".join(with_fp if record else arg_texts)
            call = (f"(f{j}_u({twin_args}) if fp - {arg_texts[param]} * {self_call_fp_below_fp} >= "
                    f"{lowest_fp_here} else {call})")
        if may_tail:
            self.out.w(f"_r = {call}")
            self.out.w("while _r.__class__ is TC: _r = _r.f()")
            call = "_r"
        elif fold:
            # the result folds into its consumer (compile/operands.py: effect items)
            self.ops.push(Item(effect_text(call, self.out.instr), self.arg_deps, 1, effect=True,
                               instr=self.out.instr))
            return
        self.push_results(call, len(cabi.results), may_tail)

    def push_results(self, call: str, nres: int, evaluated: bool = False) -> None:
        """Assign the call's results to fresh names (slots in baseline) and push them."""
        if nres == 0:
            if not evaluated:
                self.out.w(call)
            return
        storage = self.fc.storage
        if storage.stack_slots:
            h = len(self.ops)
            names = [storage.pos_ref(h + k) for k in range(nres)]
        else:
            names = [self.out.temp() for _ in range(nres)]
        self.out.w(f"{', '.join(names)} = {call}")
        for name in names:
            self.ops.push_name(name)

    # ------------------------------------------------------------------ call instructions
    def callee_name(self, j: int) -> tuple[str, bool]:
        """The name a direct call of function j uses, and whether j's frame is elided.

        `f<j>_e` is j's direct entry (every parameter a Python argument): elided functions
        always, and every function under the optimizing strategy; `F<j>` is its standard
        entry (stack parameters read from stack memory), baseline's."""
        if j in self.ctx.elided:
            return f"f{j}_e", True
        if not self.fc.baseline and j >= self.ctx.n_imported_funcs:
            return f"f{j}_e", False
        return f"F{j}", False

    def op_call(self, ins: ast.Instr) -> None:
        j = ins.imm
        ctx = self.ctx
        ft = ctx.func_types[j]
        if j < ctx.n_imported_funcs:
            # an import: the system convention, through its entry `X<j>` (runtime/boundary.py).
            # The area is reserved for the wasm convention too: when the import is another
            # instance's Wasm function, a frameless thunk re-passes the arguments under it
            self.outgoing.append(ctx.abi(ft))
            self.emit_call(f"X{j}", assign(ft, ctx.target, "system"), "call", False)
            return
        name, elided = self.callee_name(j)
        fc = self.fc
        if fc.metering == "summary" and j == fc.func_idx:
            regs, stack_args = self.split_args(ctx.abi(ft), all_in_regs=True)
            fc.meter.summary_call(f"f{j}_s", regs)
            for t in ft.results:                  # the results: never looked at (fuelsum.py)
                self.ops.push(Item("0.0" if t in (F32, F64) else "0"))
            return
        direct = elided or not fc.baseline
        if j == fc.func_idx and direct:
            n = len(ft.params)
            args = self.ops.top(n)
            self.self_call_decs.append({p for p, item in enumerate(args) if item.dec == p})
            if fc.unchecked:
                name = f"f{j}_u"
        elif j == fc.func_idx and fc.unchecked:
            name = f"f{j}_u"                     # baseline's twin (fuel summaries, fuelsum.py)
        twin = None
        if direct and j != fc.func_idx and j in ctx.bounded:
            # call the twin directly when the callee's whole recursion fits (the test its
            # checked entry would make), saving the checked entry's frame
            param, self_call_fp_below_fp, lowest_fp = ctx.bounded[j]
            at = len(self.ops) - len(ft.params) + param
            if not SIMPLE.match(self.ops.items[at].expr):
                self.ops.materialize(at)
            twin = (j, param, self_call_fp_below_fp, lowest_fp)
        self.emit_call(name, ctx.abi(ft), "call", ctx.callee_may_tail(j), direct=direct, record=not elided,
                       twin=twin)

    def indirect_target(self, type_idx: int, table: int) -> tuple[str, list]:
        idx = self.ops.pop()
        name = self.out.temp()
        pre = [(f"{name} = T{table}[{idx.expr}]", TrapCode.UNDEFINED_ELEMENT),
               f"if {name} is None: raise Trap('uninitialized element')",
               f"if {name}.ftype is not TY{type_idx} and {name}.ftype != TY{type_idx}: "
               f"raise Trap('indirect call type mismatch')"]
        return name, pre

    def op_call_indirect(self, ins: ast.Instr) -> None:
        type_idx, table = ins.imm
        name, pre = self.indirect_target(type_idx, table)
        self.emit_call(f"{name}.code", self.ctx.abi(self.fc.module.types[type_idx]), "call_indirect", True, pre)

    def op_call_ref(self, ins: ast.Instr) -> None:
        ref = self.ops.pop()
        name = self.out.temp()
        pre = [f"{name} = {ref.expr}", f"if {name} is None: raise Trap('null function reference')"]
        self.emit_call(f"{name}.code", self.ctx.abi(self.fc.module.types[ins.imm]), "call_ref", True, pre)

    # ------------------------------------------------------------------ tail calls
    def emit_tail_call(self, callee: str, ft: FuncType, self_call: bool, elided: bool = False,
                       direct: bool = False) -> None:
        """return_call: the callee replaces this frame (its incoming area is rewritten in place,
        FrameLayout's tail_call_*); a direct callee gets every argument as a Python argument."""
        fc = self.fc
        out = self.out
        if not self_call:
            self.lazy_stack_check()
        cabi = self.ctx.abi(ft)
        regs, stack_args = self.split_args(cabi, elided or direct)
        self.record_site("tail")
        # every value first (they may live in the frame that is being replaced)
        slots = fc.storage.stack_slots
        vals = []
        for text in regs:
            if not slots:
                vals.append(text)
            else:
                name = out.temp()
                out.w(f"{name} = {text}")
                vals.append(name)
        svals = []
        for p, text in stack_args:
            if not slots:
                svals.append((p, text))
                continue
            name = out.temp()
            out.w(f"{name} = {text}")
            svals.append((p, name))
        if self_call:
            out.store_words(arg_words(cabi, svals, lambda L, p: L.tail_call_arg_address(0, cabi, p)))
            reg_params = self.python_params()
            if reg_params:
                # register parameters are assigned in place (the tuple is evaluated first);
                # spilled ones go through p<i>, which the loop head stores to their slots
                names = [f"p{i}" if fc.storage.in_slot(i) else f"l{i}" for i in reg_params]
                out.w(f"{', '.join(names)} = {', '.join(vals)}")
            fc.control.self_tail = True
            fc.control.jump(fc.control.ctl[0], cont=True)
            return
        new_fp = lambda L: L.fp_from_call_sp(L.tail_call_sp(0, cabi))  # noqa: E731
        if elided:
            out.w(self.tail_request(callee, f"fp + {out.fix(new_fp)}", vals))
            return
        out.w(f"_sf = {out.word(lambda L: L.saved_fp_address(0))}; "
              f"_ra = {out.word(lambda L: L.return_address_address(0))}")
        out.store_words(arg_words(cabi, svals, lambda L, p: L.tail_call_arg_address(0, cabi, p)))
        out.w(f"{out.word(lambda L: L.saved_fp_address(new_fp(L)))} = _sf")
        out.w(f"{out.word(lambda L: L.return_address_address(new_fp(L)))} = _ra")
        out.w(self.tail_request(callee, f"fp + {out.fix(new_fp)}", vals))

    @staticmethod
    def tail_request(callee: str, fp_expr: str, vals: list[str]) -> str:
        """`return TC(thunk)`: the values are bound now (defaults); the trampoline calls the
        thunk with no arguments, a plain Python-to-Python call that CPython runs without
        growing the C stack (unlike f(*args))."""
        binds = [f"_c={callee}", f"_fp={fp_expr}"] + [f"_{k}={v}" for k, v in enumerate(vals)]
        call = ", ".join(["_fp"] + [f"_{k}" for k in range(len(vals))])
        return f"return TC(lambda {', '.join(binds)}: _c({call}))"

    def op_return_call(self, ins: ast.Instr) -> None:
        j = ins.imm
        name, elided = self.callee_name(j)
        self.emit_tail_call(name, self.ctx.func_types[j], j == self.fc.func_idx, elided=elided,
                            direct=name.endswith("_e"))
        self.fc.unreachable = True

    def op_return_call_indirect(self, ins: ast.Instr) -> None:
        type_idx, table = ins.imm
        name, pre = self.indirect_target(type_idx, table)
        # the callee's arguments are below the index: evaluate the checks after them
        for line in pre:
            self.out.w(line[0], line[1]) if isinstance(line, tuple) else self.out.w(line)
        self.emit_tail_call(f"{name}.code", self.fc.module.types[type_idx], False)
        self.fc.unreachable = True

    def op_return_call_ref(self, ins: ast.Instr) -> None:
        ref = self.ops.pop()
        name = self.out.temp()
        self.out.w(f"{name} = {ref.expr}")
        self.out.w(f"if {name} is None: raise Trap('null function reference')")
        self.emit_tail_call(f"{name}.code", self.fc.module.types[ins.imm], False)
        self.fc.unreachable = True

    # ------------------------------------------------------------------ depth-bounded recursion
    def bounded_recursion_param(self) -> int | None:
        """A parameter that bounds this function's recursion depth, or None.

        When a function only calls itself (throws aside), always passing `p - c` (c >= 1, known
        not to wrap) for some never-assigned integer parameter p, a chain of its frames
        entered with p = D has at most D callers below the entry: the entry can check once
        that all of them fit on the stack and run an unchecked twin without per-call checks,
        like a loop versioned on its bounds check. An elided function's twin needs no FP
        either; a walkable one's still writes every frame record. Otherwise it runs as
        usual, trapping exactly."""
        fc = self.fc
        if (fc.flat or fc.baseline or fc.unchecked or (fc.elided and not fc.lazy_checks)
                or fc.eh.has_handlers or fc.control.self_tail or not self.self_call_decs):
            return None
        if any(ins.op in ("return_call", "return_call_indirect", "return_call_ref", "call_indirect",
                          "call_ref") or (ins.op == "call" and ins.imm != fc.func_idx) for ins in fc.body):
            return None
        candidates = set.intersection(*self.self_call_decs) - fc.ranges.assigned_between(0, None)
        candidates = {p for p in candidates if fc.ftype.params[p] in (I32, I64)}
        return min(candidates) if candidates else None

    def self_call_fp_below_fp(self, layout: FrameLayout) -> int:
        """FP - the FP of a frame this function's self-call creates (FrameLayout's numbers)."""
        return -layout.fp_from_call_sp(layout.call_sp(layout.sp_from_fp(0), self.fc.abi))


__all__ = ["CallLowering", "may_return_tail_call"]
