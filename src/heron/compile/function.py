"""One Wasm function -> Python source lines, for one target and one strategy.

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

The compiler is a composition of parts, each owning one concern and its state
(Cranelift's lowering has the same seams): `Emitter` (lines and frame-offset fixups),
`Storage` (which values live in slots), `OperandStack` (expression folding),
`RangeFacts` (facts and peepholes), `BasicLowering` (straight-line instructions),
`ControlLowering` (structured control flow), `CallLowering` (calls and the frame
protocol), `HandlerLowering` (exceptions), `Metering` (fuel and epoch checks, when the
engine asks for them); `assemble.py` turns the result into the function's source once
FrameLayout has laid out its frame.
"""
from __future__ import annotations

from typing import Callable

from .. import ast
from ..errors import Unsupported
from ..numerics import MEMORY_OPS, NUMERIC_OPS, V128_OPS
from ..target import FrameLayout
from ..types import FuncType
from .calls import CallLowering
from ..target.codemap import PC_STRIDE, RA_DELTA, CallSite
from .info import FunctionInfo
from .control import ControlLowering
from .labels import BLOCK_OPS, MAX_INDENT, MAX_PY_LOOPS, Ctl, FlatNeeded, label_targets
from .emit import Emitter
from .handlers import EXCEPTION_OPS, HandlerLowering
from .instructions import BasicLowering
from .metering import Metering
from .operands import OperandStack
from .ranges import RangeFacts
from .storage import Storage
from .vectors import VectorLowering, may_hold_v128, vector_method

# where straight-line code ends: a stack check before it does not cover what follows
_CHECK_JOINS = frozenset({"else", "end", "catch", "catch_all", "delegate", "loop"})
# instructions that neither trap nor have an effect: pending call results need not run first
_QUIET_OPS = frozenset({"i32.const", "i64.const", "f32.const", "f64.const", "v128.const", "nop"})


class FunctionCompiler:
    """Compiles one defined function to Python source lines (see the module docstring)."""

    def __init__(self, ctx, func_idx: int, func: ast.Func, info: FunctionInfo,
                 flat: bool = False, unchecked: bool = False, metering: str = "",
                 summary_key: int | None = None):
        self.ctx = ctx
        # "": fuel/epoch code as the engine asks; "plain": a fuel-summarized twin (no fuel code);
        # "summary": the fuel summary `f<i>_s` keyed on parameter summary_key (compile/fuelsum.py)
        self.metering = metering
        self.summary_key = summary_key
        self.module = ctx.module
        self.func_idx = func_idx
        self.func = func
        self.body = func.body
        self.info = info
        self.ftype: FuncType = ctx.func_types[func_idx]
        self.abi = ctx.abi(self.ftype)
        self.baseline = ctx.strategy == "baseline"
        self.flat = flat
        # the depth-bounded twin of a self-recursive elided function (compile/calls.py)
        self.unchecked = unchecked
        self.local_types = list(self.ftype.params) + list(func.locals)
        self.nlocals = len(self.local_types)
        self.elided = func_idx in ctx.elided
        info.frame_elided = self.elided
        # the body is `f<i>_e`, the direct entry taking every parameter as a Python argument;
        # `f<i>` (the standard entry: stack parameters from stack memory) calls it
        self.direct_entry = self.elided or not self.baseline
        self.unreachable = False

        self.out = Emitter(indent=1 if flat else 0)
        self.out.needs_fw = self.baseline
        self.storage = Storage(self.out, self.local_types, self.baseline,
                               vectors=may_hold_v128(self.module, self.ftype, func, ctx.func_types))
        self.lazy_checks = self.elided and self.nlocals <= self.storage.spill_from
        self.ops = OperandStack(self.out, self.storage, self.baseline)
        self.ends: dict[int, int] = {}
        self.targeted: set[int] = set()
        # facts only in the structured optimizing form, and not with exception handlers: a
        # landing pad is entered from anywhere in its try body (throw / throw_ref alone only
        # end a path, like return)
        facts = not self.baseline and not flat and not any(
            ins.op in EXCEPTION_OPS and ins.op not in ("throw", "throw_ref") for ins in self.body)
        self.ranges = RangeFacts(self.body, self.ends, facts)
        self.basic = BasicLowering(ctx, self.out, self.ops, self.storage, self.ranges, self.baseline)
        self.vectors = VectorLowering(self.basic)
        self.control = ControlLowering(self)
        self.calls = CallLowering(self)
        self.eh = HandlerLowering(self)
        self.meter = Metering(self)
        self.dispatch = _Dispatch(self)

    # ------------------------------------------------------------------ entry point
    def compile(self) -> None:
        body = self.body
        targeted, max_depth = label_targets(body, self.ends)
        self.targeted = targeted
        if not self.flat and max_depth > MAX_INDENT:
            raise FlatNeeded()
        control = self.control
        func_ctl = Ctl("func", 0, 0, len(self.ftype.results), -1, False)
        control.ctl.append(func_ctl)
        if not self.flat and any(ins.op == "return_call" and ins.imm == self.func_idx for ins in body):
            func_ctl.pyloop = True
            control.self_tail = True
            control.py_loops = control.max_py_loops = 1
        self.unreachable = False
        skip = 0
        dispatch = self.dispatch
        out = self.out
        meter = self.meter if self.meter.on else None
        if meter is not None:
            meter.prologue()
        for i, ins in enumerate(body):
            out.instr = i
            op = ins.op
            if self.unreachable:
                # dead code: only the structure matters, to find where live code resumes
                self.calls.checked = False
                if op in BLOCK_OPS:
                    skip += 1
                elif op in ("end", "delegate"):
                    if skip:
                        skip -= 1
                    else:
                        dispatch[op](ins)
                elif op in ("else", "catch", "catch_all") and not skip:
                    dispatch[op](ins)
            else:
                if op in _CHECK_JOINS:
                    self.calls.checked = False
                if self.ops.effects:
                    self.ops.settle(len(self.ops) - self.inline_operands(op, ins))
                handler = dispatch.get(op)
                if handler is None:
                    raise Unsupported(op, f"instruction {op}")
                if meter is None:
                    handler(ins)
                else:
                    meter.before(ins)
                    handler(ins)
                    meter.after(ins)
            if not control.ctl:
                break
        if control.max_py_loops > MAX_PY_LOOPS and not self.flat:
            raise FlatNeeded()
        self.eh.finish()

    def inline_operands(self, op: str, ins: ast.Instr) -> int:
        """How many operands on top of the stack `op` may take as folded call results (effect
        items, compile/operands.py); pending effect items below them are settled first --
        unless `op` can neither trap nor have an effect (it may then run before them)."""
        depth = len(self.ops)
        if op in _QUIET_OPS or op == "call":
            return depth                    # nothing to settle (a call settles itself if it must)
        if op == "local.get":
            return depth if not self.storage.in_slot(ins.imm) else 0
        if op in ("local.set", "local.tee", "global.set"):
            return 1
        ctl = self.control.ctl[-1]
        if op == "return" or (op in ("end", "else") and (ctl.kind == "func" or ctl.tail_return)):
            return len(self.ftype.results)
        sem = NUMERIC_OPS.get(op)
        if sem is not None:
            return depth if sem.trap is None else sem.arity
        if op in V128_OPS:
            return depth                    # no SIMD value row traps
        return 0

    # ------------------------------------------------------------------ the frame
    def build_layout(self) -> FrameLayout:
        return FrameLayout.build(self.ctx.target, "wasm", self.ftype, slots=self.storage.slot_sizes(),
                                 has_dynamic_context=self.eh.has_handlers, calls=self.calls.outgoing,
                                 name=self.info.name)

    def call_sites(self, layout: FrameLayout) -> list[CallSite]:
        """The call sites of this function, as the unwinder reads them."""
        out = []
        for k, (instr, kind) in enumerate(self.calls.sites):
            off = self.body[instr].offset if instr < len(self.body) else None
            out.append(CallSite(
                return_address=self.info.start + PC_STRIDE * instr + RA_DELTA, func=self.info,
                fp_to_sp=layout.fp_to_sp(), instr=instr, offset=off, kind=kind,
                handlers=self.eh.site_handlers.get(k, ()), elided=self.elided))
        return out


# `op_<name>` method -> the component (attribute of FunctionCompiler) that has it
_ROUTES: dict[str, str] = {attr: comp
                           for comp, cls in (("basic", BasicLowering), ("control", ControlLowering),
                                             ("calls", CallLowering), ("eh", HandlerLowering))
                           for attr in dir(cls) if attr.startswith("op_")}


class _Dispatch:
    """`dispatch[op]` / `dispatch.get(op)`: the bound method lowering instruction `op`
    (found once per function and op: named `op_*` methods first, then the tables)."""
    __slots__ = ("fc", "cache")

    def __init__(self, fc: FunctionCompiler):
        self.fc = fc
        self.cache: dict[str, Callable] = {}

    def get(self, op: str) -> Callable | None:
        method = self.cache.get(op)
        if method is None:
            method = self._find(op)
            if method is not None:
                self.cache[op] = method
        return method

    def __getitem__(self, op: str) -> Callable:
        method = self.get(op)
        if method is None:
            raise KeyError(op)
        return method

    def _find(self, op: str) -> Callable | None:
        attr = "op_" + op.replace(".", "_")
        comp = _ROUTES.get(attr)
        if comp is not None:
            return getattr(getattr(self.fc, comp), attr)
        if op in NUMERIC_OPS:
            return self.fc.basic.numeric
        if op in MEMORY_OPS:
            return self.fc.basic.memory_access
        return vector_method(self.fc.vectors, op)


__all__ = ["FunctionCompiler", "FlatNeeded"]
