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

from ..target import assign
from ..types import FuncType
from .codemap import PC_STRIDE

_NO_ARGS = FuncType((), ())
TRAP_NULL_EXN = "null exception reference"
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
    """Mixed into FunctionCompiler: the exception instructions and handler bookkeeping."""

    # ------------------------------------------------------------------ setup
    def eh_init(self) -> None:
        body = self.func.body
        self.has_handlers = has_handlers(body)
        self.eh: dict[int, Scope] = {}
        self.site_handlers: dict[int, tuple] = {}
        self.pad_sections: list = []
        self.pad_labels: dict[int, int] = {}
        self.n_pads = 0
        self.extra_slots = 0
        self.system_calls: list = []     # CallAssignments of caller-pops calls (outgoing area)
        self.legacy = legacy_clauses(body) if self.has_handlers else {}
        # optimizing: values live in registers (Python locals); before each call with
        # handlers the ones live into a landing pad are spilled to their home slots, and
        # the landing pad reloads them from there (at the walker's SP). baseline: every
        # local and operand-stack position lives in its slot anyway.
        self.eh_spill = self.has_handlers and not self.stack_slots
        self.eh_max_pos = 0               # optimizing: operand-stack positions with a home slot
        if self.has_handlers:
            self.needs_fw = True

    def new_pad(self) -> int:
        """A landing-pad address: past the body's instruction addresses, inside the function."""
        addr = self.info.start + PC_STRIDE * (len(self.func.body) + 1 + self.n_pads)
        self.n_pads += 1
        return addr

    def new_extra_slot(self) -> int:
        k = self.extra_slots
        self.extra_slots += 1
        return k

    # slot numbering after the strategy's own slots (baseline: locals + operand stack;
    # optimizing: locals beyond the register budget): optimizing home slots of the
    # register locals and of the operand-stack positions, then the extra slots
    def _n_spilled(self) -> int:
        return max(0, self.nlocals - self.spill_from)

    def _n_reg_locals(self) -> int:
        return min(self.nlocals, self.spill_from)

    def eh_slots(self) -> int:
        """Slots this module adds to the frame (build_layout)."""
        if self.eh_spill:
            return self._n_reg_locals() + self.eh_max_pos + self.extra_slots
        return self.extra_slots

    def _home_ref(self, fn) -> str:
        return self.word(lambda L: L.slot_address_from_fp(0, fn()))

    def extra_slot_ref(self, k: int) -> str:
        if self.stack_slots:
            return self._home_ref(lambda: self.nlocals + self.max_height + k)
        return self._home_ref(lambda: self._n_spilled() + self._n_reg_locals() + self.eh_max_pos + k)

    def local_home(self, i: int) -> str:
        return self._home_ref(lambda: self._n_spilled() + i)

    def pos_home(self, h: int) -> str:
        return self._home_ref(lambda: self._n_spilled() + self._n_reg_locals() + h)

    def live_height(self) -> int:
        """Operand-stack positions live into the landing pads of the innermost try."""
        for c in reversed(self.ctl):
            if c.id in self.eh:
                return c.height
        return 0

    def spill_live(self) -> None:
        """optimizing: register values live into a landing pad -> their home slots."""
        h = self.live_height()
        for i in range(self._n_reg_locals()):
            self.w(f"{self.local_home(i)} = l{i}")
        for k, item in enumerate(self.stack[:h]):
            if _REGISTER.match(item.expr):
                self.w(f"{self.pos_home(k)} = {item.expr}")

    def reload_live(self, live: list[str]) -> None:
        """optimizing, in a landing pad: the live values from their slots (walker's SP).
        `live`: the operand-stack values below the try, as the code after it names them."""
        if not self.eh_spill:
            return
        for i in range(self._n_reg_locals()):
            self.w(f"l{i} = {self.local_home(i)}")
        for k, expr in enumerate(live):
            if _REGISTER.match(expr):
                self.w(f"{expr} = {self.pos_home(k)}")

    def tag_params(self, tag_idx: int) -> tuple:
        tt = self.module.all_tags()[tag_idx]
        return self.module.types[tt.type_idx].params

    # ------------------------------------------------------------------ handler chains
    def current_chain(self) -> tuple:
        """The handlers a call site here has, innermost first."""
        out: list = []
        ctl = self.ctl
        k = len(ctl) - 1
        while k >= 0:
            s = self.eh.get(ctl[k].id)
            if s is not None and s.active:
                if s.delegate_index is not None:
                    k = s.delegate_index
                    continue
                out.extend(s.handlers)
            k -= 1
        return tuple(out)

    def note_site(self, kind: str) -> None:
        """Called for every recorded call site: handlers, and the vmctx into its slot."""
        if kind == "tail":
            return
        if SHADOW_FRAMES:
            # test-only shadow record: what this frame really is (tests/unwind frame check)
            self.w(f"SHADOW[fp] = (fp - {self.fix(lambda L: L.fp_to_sp())}, VMCTX)")
        if not self.has_handlers or kind == "elided":
            return
        chain = self.current_chain()
        if not chain:
            return
        self.site_handlers[len(self.call_sites) - 1] = chain
        self.w(f"{self.word(lambda L: L.dynamic_context_address(0))} = VMCTX")
        if self.eh_spill:
            self.spill_live()

    # ------------------------------------------------------------------ emission helpers
    def settle_stack(self) -> None:
        """At a try: every operand-stack value becomes a plain name (a register, a slot or a
        constant) that stays the same on every path to the code after the try's labels.
        The values are not moved: values below an enclosing block are shared with that
        block's other paths."""
        self.flush()
        n = len(self.stack)
        if n > self.eh_max_pos:
            self.eh_max_pos = n

    def detached(self, fn) -> list:
        """Run an emitter into a separate line list (a landing-pad section)."""
        saved = self.lines, self.indent, self.unreachable
        self.lines, self.indent = [], 1
        try:
            fn()
            return self.lines
        finally:
            self.lines, self.indent, self.unreachable = saved

    def eh_finish(self) -> None:
        """Append the landing-pad sections (entered only from the except clause)."""
        for label, lines in self.pad_sections:
            self.lines.append((0, f"if _pc == {label}:", self.instr, None))
            self.lines.extend(lines)

    def eh_except_lines(self, layout) -> list[str]:
        """The except clause of the function's dispatch loop (indent relative to `try`)."""
        pads = self.ctx.constant(dict(self.pad_labels), key=("pads", id(self)))
        return ["except Resume as _u:",
                "    if _u.fp != fp: raise",
                f"    fp = _u.sp + {layout.fp_from_sp(0)}",
                f"    fw = (fp - {self.ctx.stack_low}) >> 3",
                "    _x = _u.exn",
                f"    _pc = {pads}[_u.pad]"]

    def emit_throw(self, exn_expr: str) -> None:
        """A call to the runtime's throw routine; it never returns."""
        cabi = assign(_NO_ARGS, self.ctx.target, "wasm")
        callee_fp = lambda L: L.fp_from_call_sp(L.call_sp(L.sp_from_fp(0), cabi))  # noqa: E731
        ra = self.record_site("throw")
        self.w(f"{self.word(lambda L: L.saved_fp_address(callee_fp(L)))} = fp")
        self.w(f"{self.word(lambda L: L.return_address_address(callee_fp(L)))} = {ra}")
        self.w(f"_throw(fp - {self.fix(lambda L: -callee_fp(L))}, {exn_expr})")
        self.unreachable = True

    def values_to(self, target, exprs: list[str]) -> None:
        """Deliver `exprs` to branch target `target` and jump there."""
        if target.kind == "func":
            if not exprs:
                self.w("return")
            elif len(exprs) == 1:
                self.w(f"return {exprs[0]}")
            else:
                self.w(f"return ({', '.join(exprs)})")
            return
        if exprs:
            names = [self.pos_ref(target.height + k) for k in range(len(exprs))]
            self.w(f"{', '.join(names)} = {', '.join(exprs)}")
        self.jump(target)

    # ------------------------------------------------------------------ host boundary
    def emit_import_call(self, j: int) -> None:
        """`call` of an imported function: the system convention (caller pops). Stack
        arguments go to this frame's outgoing area, sized by FrameLayout from
        `system_calls`; the callee `X<j>` is an exit trampoline or an import thunk
        (runtime/boundary.py)."""
        from .codegen import Item
        ft = self.ctx.func_types[j]
        sabi = assign(ft, self.ctx.target, "system")
        self.system_calls.append(sabi)
        n = len(ft.params)
        items = self.stack[len(self.stack) - n:] if n else []
        if n:
            del self.stack[-n:]
        regs = [it.expr for it, loc in zip(items, sabi.params) if loc.reg is not None]
        stack_args = [(p, it.expr) for p, (it, loc) in enumerate(zip(items, sabi.params)) if loc.reg is None]
        self.lazy_stack_check()
        ra = self.record_site("call")
        for p, text in stack_args:
            addr = self.word(lambda L, p=p: L.outgoing_arg_address(L.sp_from_fp(0), sabi, p))
            self.w(f"{addr} = {text}")
        callee_fp = lambda L: L.fp_from_call_sp(L.call_sp(L.sp_from_fp(0), sabi))  # noqa: E731
        self.w(f"{self.word(lambda L: L.saved_fp_address(callee_fp(L)))} = fp")
        self.w(f"{self.word(lambda L: L.return_address_address(callee_fp(L)))} = {ra}")
        call = f"X{j}({', '.join([f'fp - {self.fix(lambda L: -callee_fp(L))}'] + regs)})"
        nres = len(ft.results)
        if nres == 0:
            self.w(call)
            return
        if self.stack_slots:
            h = len(self.stack)
            names = [self.pos_ref(h + k) for k in range(nres)]
        else:
            names = [self.temp() for _ in range(nres)]
        self.w(f"{', '.join(names)} = {call}")
        for name in names:
            self.push(Item(name))

    # ------------------------------------------------------------------ instructions
    def op_throw(self, ins) -> None:
        n = len(self.tag_params(ins.imm))
        items = self.stack[len(self.stack) - n:] if n else []
        if n:
            del self.stack[-n:]
        vals = ", ".join(i.expr for i in items) + ("," if n == 1 else "")
        self.emit_throw(f"Exn(TG{ins.imm}, ({vals}))")

    def op_throw_ref(self, ins) -> None:
        item = self.pop()
        name = self.temp()
        self.w(f"{name} = {item.expr}")
        self.w(f"if {name} is None: raise Trap('{TRAP_NULL_EXN}')", TRAP_NULL_EXN)
        self.emit_throw(name)

    def op_rethrow(self, ins) -> None:
        c = self.ctl[-1 - ins.imm]
        scope = self.eh[c.id]
        name = self.temp()
        self.w(f"{name} = {self.extra_slot_ref(scope.exn_slot)}")
        self.emit_throw(name)

    def op_try_table(self, ins) -> None:
        _bt, catches = ins.imm
        self.settle_stack()
        c = self.open_ctl("try_table", ins)
        if c.targeted:
            c.flat_end = self.new_flat_label()
        c.start_indent = self.indent
        scope = Scope()
        for clause in catches:
            target = self.ctl[-2 - clause.label]
            pad = self.new_pad()
            label = self.new_flat_label()
            kind = clause.kind
            scope.handlers.append((clause.tag if kind in ("catch", "catch_ref") else None, kind, pad))
            self.pad_labels[pad] = label
            n = len(self.tag_params(clause.tag)) if kind in ("catch", "catch_ref") else 0
            exprs = [f"_x.values[{k}]" for k in range(n)] + (["_x"] if kind.endswith("_ref") else [])

            def pad(t=target, e=exprs, live=[it.expr for it in self.stack[:c.height]]):
                self.reload_live(live)
                self.values_to(t, e)
            self.pad_sections.append((label, self.detached(pad)))
        self.eh[c.id] = scope

    def op_try(self, ins) -> None:
        self.settle_stack()
        c = self.open_ctl("try", ins)
        c.flat_end = self.new_flat_label()
        c.start_indent = self.indent
        c.else_stack = list(self.stack[:c.height])
        scope = Scope()
        for j, op, imm in self.legacy.get(self.instr, ()):
            if op == "delegate":
                scope.delegate_index = len(self.ctl) - 2 - imm
                continue
            pad = self.new_pad()
            label = self.new_flat_label()
            scope.handlers.append((imm if op == "catch" else None, op, pad))
            scope.clause_labels[j] = label
            self.pad_labels[pad] = label
        if scope.clause_labels:
            scope.exn_slot = self.new_extra_slot()
        self.eh[c.id] = scope

    def _catch_arm(self, ins, n: int) -> None:
        c = self.ctl[-1]
        scope = self.eh[c.id]
        self.end_arm(c)
        if not self.unreachable:
            self.w(f"_pc = {c.flat_end}; continue")
        self.unreachable = True
        scope.active = False
        self.flat_section(scope.clause_labels[self.instr], always=True)
        self.reload_live([it.expr for it in c.else_stack])
        self.w(f"{self.extra_slot_ref(scope.exn_slot)} = _x")
        self.stack = list(c.else_stack)
        if n:
            names = [self.pos_ref(c.height + k) for k in range(n)]
            self.w(f"{', '.join(names)} = {', '.join(f'_x.values[{k}]' for k in range(n))}")
        self.stack.extend(self.canonical_items(c.height, n))

    def op_catch(self, ins) -> None:
        self._catch_arm(ins, len(self.tag_params(ins.imm)))

    def op_catch_all(self, ins) -> None:
        self._catch_arm(ins, 0)

    def op_delegate(self, ins) -> None:
        c = self.ctl[-1]
        self.end_arm(c)
        self.close_ctl(c)


__all__ = ["HandlerLowering", "count_landing_pads", "has_handlers", "legacy_clauses", "Scope"]
