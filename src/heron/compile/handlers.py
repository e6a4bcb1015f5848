"""Exception handling in generated code: try_table and legacy try/catch/delegate lowered
onto call-site handler tables; throw, throw_ref and rethrow as calls to the runtime's
throw routine (DESIGN.md sections 3 and 4).

A try becomes a Python `try` statement around its body, only where the handlers are:

    try:
        <body>                             # its call sites carry the try's handlers
    except Resume as _u:
        if _u.fp != fp or not CB+P0 <= _u.pad <= CB+P1: raise   # another frame's, another try's
        fp = _u.sp + <fp_to_sp>            # the walker's SP is the frame's base from here on
        fw = fp >> 3
        _x = _u.exn
        if _u.pad == CB+P0:                # pads relative to the module's code base CB
            <landing pad 0: reload live values, deliver the payload, branch to its label>
        else:
            <landing pad 1>

Which handler catches is decided by the walker alone; the Python `except` only asks
whether the Resume is aimed at this frame and one of this try's landing pads, and
continues there with the walker's SP -- a wrong SP shows as wrong values. Deeply nested
functions are lowered flat (compile/control.py) and then wrap their whole dispatch loop
in one such `try`.

Values live into a landing pad are in stack slots whenever a call with handlers is in
progress: baseline keeps everything in slots anyway; optimizing keeps them in registers
(Python locals), spills the ones a landing pad may read (liveness: `live_locals`) to their
home slots before each call with handlers and reloads them in the landing pad, at the SP
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
# Test-only, read when a module is loaded (CompileOptions): every call site first records
# (SP, vmctx) of its frame
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


def local_reads(body: list) -> dict[int, list[int]]:
    """Where each local is read (`local.get`), by instruction index (for landing-pad liveness)."""
    reads: dict[int, list[int]] = {}
    for i, ins in enumerate(body):
        if ins.op == "local.get":
            reads.setdefault(ins.imm, []).append(i)
    return reads


@dataclass
class Scope:
    """A try_table or legacy try: its handlers and where they apply."""
    handlers: list = field(default_factory=list)      # (tag index | None, kind, pad address)
    active: bool = True                               # legacy try: False once in a catch arm
    delegate_index: int | None = None                 # legacy delegate: ctl index of label l
    exn_slot: int | None = None                       # legacy catch: extra slot holding the exception
    clause_labels: dict = field(default_factory=dict)  # legacy clause instr -> flat label
    clause_pads: dict = field(default_factory=dict)   # legacy clause instr -> its pad address
    pad_lines: list = field(default_factory=list)     # try_table (structured): (pad, lines) per clause
    live: frozenset = frozenset()                     # register locals a landing pad may read
    try_indent: int = 0                               # structured: the indent of the `try:` line
    in_except: bool = False                           # legacy (structured): a catch arm was opened


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
        self.reads = local_reads(body) if self.has_handlers else {}
        # optimizing: values live in registers (Python locals); before each call with
        # handlers the ones live into a landing pad are spilled to their home slots, and
        # the landing pad reloads them from there (at the walker's SP). baseline: every
        # local and operand-stack position lives in its slot anyway.
        self.storage.eh_spill = self.eh_spill = self.has_handlers and not self.storage.stack_slots
        if self.has_handlers:
            self.out.needs_fw = True

    def relative(self, pad: int) -> int:
        """A landing pad's address relative to the module's code base: generated code names it
        `CB+<offset>` (return addresses too: compile/calls.py), so that it does not depend on
        where the code map placed the module."""
        return pad - self.fc.info.base

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

    def live_locals(self, resume_from: int) -> frozenset:
        """Register locals a landing pad may read: those read after instruction `resume_from`
        (where the code the pad continues with begins), or anywhere in a loop enclosing the
        try (its back edge may lead there). Sound and cheap; reads are not killed by writes."""
        loops = [(c.instr, self.fc.ends.get(c.instr, len(self.fc.body)))
                 for c in self.fc.control.ctl if c.kind == "loop"]
        n_regs = self.storage.n_reg_locals()
        live = set()
        for local, positions in self.reads.items():
            if local < n_regs and any(p > resume_from or any(a <= p <= b for a, b in loops) for p in positions):
                live.add(local)
        return frozenset(live)

    def spill_live(self, live: frozenset) -> None:
        """optimizing: register values a landing pad may read -> their home slots."""
        h = self.live_height()
        for i in sorted(live):
            self.out.w(f"{self.storage.local_home(i)} = l{i}")
        for k, item in enumerate(self.ops.items[:h]):
            if _REGISTER.match(item.expr):
                self.out.w(f"{self.storage.pos_home(k)} = {item.expr}")

    def reload_live(self, stack_live: list[str], live: frozenset) -> None:
        """optimizing, in a landing pad: the live values from their slots (walker's SP).
        `stack_live`: the operand-stack values below the try, as the code after it names
        them; `live`: the register locals the pad may read (the spills wrote them)."""
        if not self.eh_spill:
            return
        for i in sorted(live):
            self.out.w(f"l{i} = {self.storage.local_home(i)}")
        for k, expr in enumerate(stack_live):
            if _REGISTER.match(expr):
                self.out.w(f"{expr} = {self.storage.pos_home(k)}")

    def tag_params(self, tag_idx: int) -> tuple:
        module = self.fc.module
        tt = module.all_tags()[tag_idx]
        return module.types[tt.type_idx].params

    # ------------------------------------------------------------------ handler chains
    def current_chain(self) -> tuple[tuple, frozenset]:
        """The handlers a call site here has, innermost first, and the register locals their
        landing pads may read."""
        out: list = []
        live: frozenset = frozenset()
        ctl = self.fc.control.ctl
        k = len(ctl) - 1
        while k >= 0:
            s = self.scopes.get(ctl[k].id)
            if s is not None and s.active:
                if s.delegate_index is not None:
                    k = s.delegate_index
                    continue
                out.extend(s.handlers)
                live |= s.live
            k -= 1
        return tuple(out), live

    def note_site(self, kind: str) -> None:
        """Called for every recorded call site: handlers, and the vmctx into its slot."""
        self.last_site_has_handlers = False
        if kind == "tail":
            return
        if self.fc.ctx.options.shadow_frames:
            # test-only shadow record: what this frame really is (tests/unwind frame check)
            self.out.w(f"SHADOW[fp] = (fp - {self.out.fix(lambda L: L.fp_to_sp())}, VMCTX)")
        if not self.has_handlers or kind == "elided":
            return
        chain, live = self.current_chain()
        if not chain:
            return
        self.site_handlers[len(self.fc.calls.sites) - 1] = chain
        self.last_site_has_handlers = True
        self.out.w(f"{self.out.word(lambda L: L.dynamic_context_address(0))} = VMCTX")
        if self.eh_spill:
            self.spill_live(live)

    # ------------------------------------------------------------------ emission helpers
    def settle_stack(self) -> None:
        """At a try: every operand-stack value becomes a plain name (a register, a slot or a
        constant) that stays the same on every path to the code after the try's labels.
        The values are not moved: values below an enclosing block are shared with that
        block's other paths."""
        self.ops.flush()
        self.storage.reserve_positions(len(self.ops))

    def detached(self, fn, indent: int = 1) -> list:
        """Run an emitter into a separate line list (a landing-pad section)."""
        out, fc = self.out, self.fc
        saved = out.lines, out.indent, fc.unreachable, fc.meter.state()
        out.lines, out.indent = [], indent
        try:
            fn()
            return out.lines
        finally:
            out.lines, out.indent, fc.unreachable, meter = saved
            fc.meter.restore(meter)

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
                f"    _pc = {pads}[_u.pad - CB]"]

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
        scope = Scope()
        scope.live = self.live_locals(self.fc.ends.get(c.instr, len(self.fc.body)))
        flat = self.fc.flat
        if flat:
            if c.targeted:
                c.flat_end = control.new_flat_label()
        else:
            if c.targeted:
                control.py_loop_open(c)
            if catches:
                self.open_python_try(scope)
        c.start_indent = self.out.indent
        stack_live = [it.expr for it in self.ops.items[:c.height]]
        for clause in catches:
            target = control.ctl[-2 - clause.label]
            pad = self.new_pad()
            kind = clause.kind
            scope.handlers.append((clause.tag if kind in ("catch", "catch_ref") else None, kind, pad))
            n = len(self.tag_params(clause.tag)) if kind in ("catch", "catch_ref") else 0
            exprs = [f"_x.values[{k}]" for k in range(n)] + (["_x"] if kind.endswith("_ref") else [])

            def pad_code(t=target, e=exprs):
                self.fc.meter.landing()
                self.reload_live(stack_live, scope.live)
                self.values_to(t, e)
            if flat:
                label = control.new_flat_label()
                self.pad_labels[self.relative(pad)] = label
                self.pad_sections.append((label, self.detached(pad_code)))
            else:
                scope.pad_lines.append((pad, self.detached(pad_code, indent=0)))
        self.scopes[c.id] = scope

    def op_try(self, ins: ast.Instr) -> None:
        control = self.fc.control
        self.settle_stack()
        c = control.open_ctl("try", ins)
        c.else_stack = list(self.ops.items[:c.height])
        scope = Scope()
        flat = self.fc.flat
        for j, op, imm in self.legacy.get(self.out.instr, ()):
            if op == "delegate":
                scope.delegate_index = len(control.ctl) - 2 - imm
                continue
            pad = self.new_pad()
            scope.handlers.append((imm if op == "catch" else None, op, pad))
            scope.clause_pads[j] = pad
            if flat:
                label = control.new_flat_label()
                scope.clause_labels[j] = label
                self.pad_labels[self.relative(pad)] = label
        if scope.clause_pads:
            scope.exn_slot = self.storage.new_extra_slot()
            scope.live = self.live_locals(min(scope.clause_pads))     # the catch arms follow it
        if flat:
            c.flat_end = control.new_flat_label()
        else:
            if c.targeted:
                control.py_loop_open(c)
            if scope.clause_pads:
                self.open_python_try(scope)
        c.start_indent = self.out.indent
        self.scopes[c.id] = scope

    def open_python_try(self, scope: Scope) -> None:
        scope.try_indent = self.out.indent
        self.out.w("try:")
        self.out.indent += 1
        self.fc.control.open_python_block(2)       # the try body, then an except clause

    def except_header(self, scope: Scope) -> None:
        """`except Resume as _u:` of a try: is it this frame and one of this try's pads? Then
        the frame continues from the SP the walker computed."""
        out = self.out
        out.indent = scope.try_indent
        out.w("except Resume as _u:")
        out.indent += 1
        pads = [pad for _tag, _kind, pad in scope.handlers]
        lo, hi = min(pads), max(pads)
        lo, hi = self.relative(lo), self.relative(hi)
        mine = f"_u.pad != CB+{lo}" if lo == hi else f"not CB+{lo} <= _u.pad <= CB+{hi}"
        out.w(f"if _u.fp != fp or {mine}: raise")
        out.w(f"fp = _u.sp + {out.fix(lambda L: L.fp_from_sp(0))}")
        out.w(f"fw = {self.fc.ctx.frame_word()}")
        out.w("_x = _u.exn")

    def pad_branch(self, scope: Scope, pad: int, first: bool) -> None:
        """`if _u.pad == P:` / `elif` / `else:` before a landing pad (nothing for a single one)."""
        pads = [p for _tag, _kind, p in scope.handlers]
        if len(pads) == 1:
            return
        if pad == pads[-1]:
            self.out.w("else:")
        else:
            self.out.w(f"{'if' if first else 'elif'} _u.pad == CB+{self.relative(pad)}:")
        self.out.indent += 1

    def end_try(self, c) -> None:
        """`end` of a try_table or legacy try in the structured form: the except clause (a
        try_table's landing pads; a legacy try's catch arms are already in it), then the
        construct closes like a block."""
        control = self.fc.control
        scope = self.scopes[c.id]
        control.end_arm(c)
        self.out.ensure_body()
        if c.kind == "try_table" and scope.handlers:
            self.except_header(scope)
            base = self.out.indent
            for k, (pad, lines) in enumerate(scope.pad_lines):
                self.out.indent = base
                self.pad_branch(scope, pad, k == 0)
                shift = self.out.indent
                self.out.lines.extend((indent + shift, text, instr, trap) for indent, text, instr, trap in lines)
        if scope.handlers:
            control.close_python_block(2)
            self.out.indent = scope.try_indent
            c.start_indent = scope.try_indent     # close_ctl closes a Python loop around the try
            self.fc.unreachable = not c.reach_end
        control.close_ctl(c)

    def _catch_arm(self, ins: ast.Instr, n: int) -> None:
        control = self.fc.control
        c = control.ctl[-1]
        scope = self.scopes[c.id]
        control.end_arm(c)
        if self.fc.flat:
            if not self.fc.unreachable:
                self.out.w(f"_pc = {c.flat_end}; continue")
            self.fc.unreachable = True
            control.flat_section(scope.clause_labels[self.out.instr], always=True)
        else:
            self.out.ensure_body()
            first = not scope.in_except
            if first:
                self.except_header(scope)
                scope.in_except = True
            self.out.indent = scope.try_indent + 1
            self.pad_branch(scope, scope.clause_pads[self.out.instr], first)
            self.fc.unreachable = False
        scope.active = False
        self.fc.meter.landing()
        self.reload_live([it.expr for it in c.else_stack], scope.live)
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
