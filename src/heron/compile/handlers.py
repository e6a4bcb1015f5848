"""Exception handling in generated code: try_table and legacy try/catch/delegate lowered
onto call-site handler tables; throw, throw_ref and rethrow as calls to the runtime's
throw routine (DESIGN.md sections 3 and 4).

A function with a handler (any `try_table` or `try`) is compiled in the flat form (a
dispatch loop over labels) wrapped in one Python `try`. The values live into a landing
pad -- every local and the operand-stack values below the innermost try -- are in
stack slots whenever a call with handlers is in progress: baseline keeps everything
in slots anyway; optimizing keeps them in registers (Python locals), spills them to
their home slots before each such call and reloads them in the landing pad, at the SP
the walker computed (as a native compiler treats registers as clobbered across an
exception edge).

At each call site inside a handler scope the compiler

* stores the instance's vmctx (`VMCTX`) in the frame's dynamic-context slot, whose
  address comes from FrameLayout;
* records the handler list of the site, innermost first: `(tag index | None, kind,
  landing-pad address)`; landing pads have their own addresses after the body's
  instructions, inside the function's code range. Legacy `catch`/`catch_all`
  become handlers of the same table; `delegate l` makes the body's sites use the
  handler list that applies directly inside label `l`.

The Python `except` only asks whether the Resume is aimed at this frame (its FP);
then it takes the walker's SP as the frame's base and continues at the landing pad
the walker chose. Which handler catches is decided by the walker alone.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .. import ast
from ..errors import TrapCode
from ..target import assign
from ..types import FuncType
from ..target.codemap import PC_STRIDE

_NO_ARGS = FuncType((), ())
TRAP_NULL_EXN = TrapCode.NULL_EXCEPTION_REFERENCE.value
EXCEPTION_OPS = frozenset({"try", "catch", "throw", "rethrow", "throw_ref", "delegate", "catch_all",
                           "try_table"})
# Test-only, read at compile time: every call site first records (SP, vmctx) of its frame
# under its FP in the runtime's SHADOW dict, so tests can check the walker frame by frame.
SHADOW_FRAMES = False
# names of generated-code registers (Python locals): temporaries, stack positions, locals
_REGISTER = re.compile(r"^[tsl][0-9]+$")


def count_landing_pads(body: list) -> int:
    """How many landing pads a body needs: one per try_table catch clause and legacy catch."""
    n = 0
    for ins in body:
        if ins.op == "try_table":
            n += len(ins.imm[1])
        elif ins.op in ("catch", "catch_all"):
            n += 1
    return n


def has_handlers(body: list) -> bool:
    return any(ins.op in ("try", "try_table") for ins in body)


def legacy_clauses(body: list) -> dict[int, list[tuple[int, str, object]]]:
    """For each legacy `try` (by instruction index): its catch / catch_all / delegate clauses."""
    out: dict[int, list] = {}
    stack: list[tuple[str, int]] = []
    for i, ins in enumerate(body):
        op = ins.op
        if op in ("block", "loop", "if", "try", "try_table"):
            stack.append((op, i))
            if op == "try":
                out[i] = []
        elif op in ("catch", "catch_all"):
            if stack and stack[-1][0] == "try":
                out[stack[-1][1]].append((i, op, ins.imm))
        elif op == "delegate":
            if stack and stack[-1][0] == "try":
                out[stack[-1][1]].append((i, op, ins.imm))
                stack.pop()
        elif op == "end":
            if stack:
                stack.pop()
    return out


@dataclass
class Scope:
    """A try_table or legacy try: its handlers and where they apply."""
    handlers: list = field(default_factory=list)      # (tag index | None, kind, pad address)
    active: bool = True                               # legacy try: False once in a catch arm
    delegate_index: int | None = None                 # legacy delegate: ctl index of label l
    exn_slot: int | None = None                       # legacy catch: extra slot holding the exception
    clause_labels: dict = field(default_factory=dict)  # legacy clause instr -> flat label


class HandlerLowering:
    """The exception instructions of one function and its handler bookkeeping."""

    def __init__(self, fc):
        self.fc = fc
        self.out = fc.out
        self.ops = fc.ops
        self.storage = fc.storage
        body = fc.body
        self.has_handlers = has_handlers(body)
        self.scopes: dict[int, Scope] = {}          # Ctl id -> its scope
        self.site_handlers: dict[int, tuple] = {}   # call-site number -> handler chain
        self.pad_sections: list = []
        self.pad_labels: dict[int, int] = {}
        self.n_pads = 0
        self.last_site_has_handlers = False        # the call site just recorded has handlers
        self.legacy = legacy_clauses(body) if self.has_handlers else {}
        # optimizing: values live in registers (Python locals); before each call with
        # handlers the ones live into a landing pad are spilled to their home slots, and
        # the landing pad reloads them from there (at the walker's SP). baseline: every
        # local and operand-stack position lives in its slot anyway.
        self.storage.eh_spill = self.eh_spill = self.has_handlers and not self.storage.stack_slots
        if self.has_handlers:
            self.out.needs_fw = True

    def new_pad(self) -> int:
        """A landing-pad address: past the body's instruction addresses, inside the function."""
        addr = self.fc.info.start + PC_STRIDE * (len(self.fc.body) + 1 + self.n_pads)
        self.n_pads += 1
        return addr

    def live_height(self) -> int:
        """Operand-stack positions live into the landing pads of the innermost try."""
        for c in reversed(self.fc.control.ctl):
            if c.id in self.scopes:
                return c.height
        return 0

    def spill_live(self) -> None:
        """optimizing: register values live into a landing pad -> their home slots."""
        h = self.live_height()
        for i in range(self.storage.n_reg_locals()):
            self.out.w(f"{self.storage.local_home(i)} = l{i}")
        for k, item in enumerate(self.ops.items[:h]):
            if _REGISTER.match(item.expr):
                self.out.w(f"{self.storage.pos_home(k)} = {item.expr}")

    def reload_live(self, live: list[str]) -> None:
        """optimizing, in a landing pad: the live values from their slots (walker's SP).
        `live`: the operand-stack values below the try, as the code after it names them."""
        if not self.eh_spill:
            return
        for i in range(self.storage.n_reg_locals()):
            self.out.w(f"l{i} = {self.storage.local_home(i)}")
        for k, expr in enumerate(live):
            if _REGISTER.match(expr):
                self.out.w(f"{expr} = {self.storage.pos_home(k)}")

    def tag_params(self, tag_idx: int) -> tuple:
        module = self.fc.module
        tt = module.all_tags()[tag_idx]
        return module.types[tt.type_idx].params

    # ------------------------------------------------------------------ handler chains
    def current_chain(self) -> tuple:
        """The handlers a call site here has, innermost first."""
        out: list = []
        ctl = self.fc.control.ctl
        k = len(ctl) - 1
        while k >= 0:
            s = self.scopes.get(ctl[k].id)
            if s is not None and s.active:
                if s.delegate_index is not None:
                    k = s.delegate_index
                    continue
                out.extend(s.handlers)
            k -= 1
        return tuple(out)

    def note_site(self, kind: str) -> None:
        """Called for every recorded call site: handlers, and the vmctx into its slot."""
        self.last_site_has_handlers = False
        if kind == "tail":
            return
        if SHADOW_FRAMES:
            # test-only shadow record: what this frame really is (tests/unwind frame check)
            self.out.w(f"SHADOW[fp] = (fp - {self.out.fix(lambda L: L.fp_to_sp())}, VMCTX)")
        if not self.has_handlers or kind == "elided":
            return
        chain = self.current_chain()
        if not chain:
            return
        self.site_handlers[len(self.fc.calls.sites) - 1] = chain
        self.last_site_has_handlers = True
        self.out.w(f"{self.out.word(lambda L: L.dynamic_context_address(0))} = VMCTX")
        if self.eh_spill:
            self.spill_live()

    # ------------------------------------------------------------------ emission helpers
    def settle_stack(self) -> None:
        """At a try: every operand-stack value becomes a plain name (a register, a slot or a
        constant) that stays the same on every path to the code after the try's labels.
        The values are not moved: values below an enclosing block are shared with that
        block's other paths."""
        self.ops.flush()
        self.storage.reserve_positions(len(self.ops))

    def detached(self, fn) -> list:
        """Run an emitter into a separate line list (a landing-pad section)."""
        out, fc = self.out, self.fc
        saved = out.lines, out.indent, fc.unreachable
        out.lines, out.indent = [], 1
        try:
            fn()
            return out.lines
        finally:
            out.lines, out.indent, fc.unreachable = saved

    def finish(self) -> None:
        """Append the landing-pad sections (entered only from the except clause)."""
        for label, lines in self.pad_sections:
            self.out.lines.append((0, f"if _pc == {label}:", self.out.instr, None))
            self.out.lines.extend(lines)

    def except_lines(self, layout) -> list[str]:
        """The except clause of the function's dispatch loop (indent relative to `try`)."""
        pads = self.fc.ctx.constant(dict(self.pad_labels), key=("pads", id(self)))
        return ["except Resume as _u:",
                "    if _u.fp != fp: raise",
                f"    fp = _u.sp + {layout.fp_from_sp(0)}",
                f"    fw = {self.fc.ctx.frame_word()}",
                "    _x = _u.exn",
                f"    _pc = {pads}[_u.pad]"]

    def emit_throw(self, exn_expr: str) -> None:
        """A call to the runtime's throw routine; it never returns."""
        out = self.out
        cabi = assign(_NO_ARGS, self.fc.ctx.target, "wasm")
        callee_fp = lambda L: L.fp_from_call_sp(L.call_sp(L.sp_from_fp(0), cabi))  # noqa: E731
        ra = self.fc.calls.record_site("throw")
        out.w(f"{out.word(lambda L: L.saved_fp_address(callee_fp(L)))} = fp")
        out.w(f"{out.word(lambda L: L.return_address_address(callee_fp(L)))} = {ra}")
        out.w(f"_throw(fp - {out.fix(lambda L: -callee_fp(L))}, {exn_expr})")
        self.fc.unreachable = True

    def values_to(self, target, exprs: list[str]) -> None:
        """Deliver `exprs` to branch target `target` and jump there."""
        control = self.fc.control
        if target.kind == "func":
            control.emit_return(exprs)
            return
        if exprs:
            names = [self.storage.pos_ref(target.height + k) for k in range(len(exprs))]
            self.out.w(f"{', '.join(names)} = {', '.join(exprs)}")
        control.jump(target)

    # ------------------------------------------------------------------ instructions
    def op_throw(self, ins: ast.Instr) -> None:
        n = len(self.tag_params(ins.imm))
        items = self.ops.pop_n(n)
        vals = ", ".join(i.expr for i in items) + ("," if n == 1 else "")
        self.emit_throw(f"Exn(TG{ins.imm}, ({vals}))")

    def op_throw_ref(self, ins: ast.Instr) -> None:
        item = self.ops.pop()
        name = self.out.temp()
        self.out.w(f"{name} = {item.expr}")
        self.out.w(f"if {name} is None: raise Trap('{TRAP_NULL_EXN}')", TRAP_NULL_EXN)
        self.emit_throw(name)

    def op_rethrow(self, ins: ast.Instr) -> None:
        c = self.fc.control.ctl[-1 - ins.imm]
        scope = self.scopes[c.id]
        name = self.out.temp()
        self.out.w(f"{name} = {self.storage.extra_slot_ref(scope.exn_slot)}")
        self.emit_throw(name)

    def op_try_table(self, ins: ast.Instr) -> None:
        control = self.fc.control
        _bt, catches = ins.imm
        self.settle_stack()
        c = control.open_ctl("try_table", ins)
        if c.targeted:
            c.flat_end = control.new_flat_label()
        c.start_indent = self.out.indent
        scope = Scope()
        for clause in catches:
            target = control.ctl[-2 - clause.label]
            pad = self.new_pad()
            label = control.new_flat_label()
            kind = clause.kind
            scope.handlers.append((clause.tag if kind in ("catch", "catch_ref") else None, kind, pad))
            self.pad_labels[pad] = label
            n = len(self.tag_params(clause.tag)) if kind in ("catch", "catch_ref") else 0
            exprs = [f"_x.values[{k}]" for k in range(n)] + (["_x"] if kind.endswith("_ref") else [])

            def pad_code(t=target, e=exprs, live=[it.expr for it in self.ops.items[:c.height]]):
                self.reload_live(live)
                self.values_to(t, e)
            self.pad_sections.append((label, self.detached(pad_code)))
        self.scopes[c.id] = scope

    def op_try(self, ins: ast.Instr) -> None:
        control = self.fc.control
        self.settle_stack()
        c = control.open_ctl("try", ins)
        c.flat_end = control.new_flat_label()
        c.start_indent = self.out.indent
        c.else_stack = list(self.ops.items[:c.height])
        scope = Scope()
        for j, op, imm in self.legacy.get(self.out.instr, ()):
            if op == "delegate":
                scope.delegate_index = len(control.ctl) - 2 - imm
                continue
            pad = self.new_pad()
            label = control.new_flat_label()
            scope.handlers.append((imm if op == "catch" else None, op, pad))
            scope.clause_labels[j] = label
            self.pad_labels[pad] = label
        if scope.clause_labels:
            scope.exn_slot = self.storage.new_extra_slot()
        self.scopes[c.id] = scope

    def _catch_arm(self, ins: ast.Instr, n: int) -> None:
        control = self.fc.control
        c = control.ctl[-1]
        scope = self.scopes[c.id]
        control.end_arm(c)
        if not self.fc.unreachable:
            self.out.w(f"_pc = {c.flat_end}; continue")
        self.fc.unreachable = True
        scope.active = False
        control.flat_section(scope.clause_labels[self.out.instr], always=True)
        self.reload_live([it.expr for it in c.else_stack])
        self.out.w(f"{self.storage.extra_slot_ref(scope.exn_slot)} = _x")
        self.ops.items = list(c.else_stack)
        if n:
            names = [self.storage.pos_ref(c.height + k) for k in range(n)]
            self.out.w(f"{', '.join(names)} = {', '.join(f'_x.values[{k}]' for k in range(n))}")
        self.ops.items.extend(control.canonical_items(c.height, n))

    def op_catch(self, ins: ast.Instr) -> None:
        self._catch_arm(ins, len(self.tag_params(ins.imm)))

    def op_catch_all(self, ins: ast.Instr) -> None:
        self._catch_arm(ins, 0)

    def op_delegate(self, ins: ast.Instr) -> None:
        control = self.fc.control
        c = control.ctl[-1]
        control.end_arm(c)
        control.close_ctl(c)


__all__ = ["HandlerLowering", "count_landing_pads", "has_handlers", "legacy_clauses", "Scope",
           "EXCEPTION_OPS", "SHADOW_FRAMES"]
