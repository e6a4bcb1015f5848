"""Structured control flow: block, loop, if/else, br, br_if, br_table, br_on_null/non_null,
return, unreachable.

Two forms, chosen per function:

* structured (the usual one): `loop` and targeted `block`/`if` labels become
  `while True:` loops; a branch that leaves several Python loops sets `_br` to the
  target's label id and breaks, and each loop it crosses re-dispatches on `_br`
  (`Ctl.prop`); an `if` becomes a Python `if`.
* flat (deeply nested bodies): one dispatch loop over numbered sections,
  `_pc = label; continue` jumps between them.

Values crossing a label go to the label's canonical operand-stack positions (`s<h>`,
or the slots in baseline) with one parallel assignment (`move_to`).
"""
from __future__ import annotations

from .. import ast
from .labels import BLOCK_OPS, Ctl, block_signature
from .operands import Item

class ControlLowering:
    """The control stack of the function being compiled and the instructions that use it."""

    def __init__(self, fc):
        self.fc = fc
        self.out = fc.out
        self.ops = fc.ops
        self.storage = fc.storage
        self.ranges = fc.ranges
        self.flat = fc.flat
        self.ctl: list[Ctl] = []
        self.next_label = 1
        self.flat_labels = 0
        self.py_loops = 0
        self.max_py_loops = 0
        self.uses_br = False
        self.self_tail = False          # the function loops on a self tail call

    # ------------------------------------------------------------------ helpers
    def open_ctl(self, kind: str, ins: ast.Instr) -> Ctl:
        nparams, nresults = block_signature(self.fc.module, ins.imm if kind != "try_table" else ins.imm[0])
        height = len(self.ops) - nparams
        c = Ctl(kind, height, nparams, nresults, self.next_label, self.out.instr in self.fc.targeted)
        self.next_label += 1
        c.instr = self.out.instr
        self.ctl.append(c)
        return c

    def move_to(self, height: int, n: int, items: list[Item]) -> None:
        """Parallel-assign `items` into the canonical positions height..height+n-1."""
        targets = [self.storage.pos_ref(height + k) for k in range(n)]
        pairs = [(t, it.expr) for t, it in zip(targets, items) if t != it.expr]
        if not pairs:
            return
        if len(pairs) == 1:
            self.out.w(f"{pairs[0][0]} = {pairs[0][1]}")
        else:
            self.out.w(f"{', '.join(p[0] for p in pairs)} = {', '.join(p[1] for p in pairs)}")

    def canonical_items(self, height: int, n: int) -> list[Item]:
        return [Item(self.storage.pos_ref(height + k)) for k in range(n)]

    def py_loop_open(self, c: Ctl) -> None:
        c.pyloop = True
        self.open_python_block()
        self.out.w("while True:")
        self.out.indent += 1

    def open_python_block(self, weight: int = 1) -> None:
        """Count a Python block statement (loop, try) towards CPython's nesting limit: beyond
        MAX_PY_LOOPS the function is lowered flat instead."""
        self.py_loops += weight
        self.max_py_loops = max(self.max_py_loops, self.py_loops)

    def close_python_block(self, weight: int = 1) -> None:
        self.py_loops -= weight

    # ------------------------------------------------------------------ block, loop, if
    def op_block(self, ins: ast.Instr) -> None:
        c = self.open_ctl("block", ins)
        c.facts_before = dict(self.ranges.known)
        i = self.out.instr
        end = self.fc.ends.get(i)
        body = self.fc.body
        if (c.targeted and not self.flat and c.nparams == 0 and c.nresults == 0 and end is not None
                and body[i + 1].op == "loop" and self.fc.ends.get(i + 1) == end - 1
                and (i + 1) in self.fc.targeted):
            # `block (loop ... ) end`: leaving the block is leaving the loop's Python loop
            c.merge = True
            self.ops.flush()
            c.start_indent = self.out.indent
            return
        if c.targeted:
            self.ops.flush()
            if self.flat:
                c.flat_end = self.new_flat_label()
            else:
                self.py_loop_open(c)
        c.start_indent = self.out.indent

    def op_loop(self, ins: ast.Instr) -> None:
        parent = self.ctl[-1]
        c = self.open_ctl("loop", ins)
        self.ranges.known = self.ranges.after(self.ranges.known, self.out.instr)  # the back edge may change them
        if parent.merge and parent.instr == self.out.instr - 1:
            parent.exit_via = c
        if c.targeted:
            self.ops.flush()
            items = self.ops.items[c.height:]
            self.move_to(c.height, c.nparams, items)
            del self.ops.items[c.height:]
            self.ops.items.extend(self.canonical_items(c.height, c.nparams))
            if self.flat:
                c.flat_start = self.new_flat_label()
                self.flat_section(c.flat_start)
            else:
                self.py_loop_open(c)
        c.start_indent = self.out.indent

    def op_if(self, ins: ast.Instr) -> None:
        cond = self.ops.pop()
        ctext = self.ops.cond_of(cond)
        c = self.open_ctl("if", ins)
        self.ops.flush()
        c.else_stack = list(self.ops.items)
        if self.flat:
            c.flat_else = self.new_flat_label()
            c.flat_end = self.new_flat_label()
            self.out.w(f"if not ({ctext}): _pc = {c.flat_else}; continue")
            c.start_indent = self.out.indent
            return
        if c.targeted:
            self.py_loop_open(c)
        c.facts_before = dict(self.ranges.known)
        c.cond_facts = self.ranges.cond_facts(cond)
        self.ranges.known = {**self.ranges.known, **c.cond_facts[0]}
        c.tail_return = self.is_tail_if(c)
        self.out.w(f"if {ctext}:")
        self.out.indent += 1
        c.start_indent = self.out.indent

    def is_tail_if(self, c: Ctl) -> bool:
        """An if/else whose end is the function's end and whose results are the function's:
        each arm can return its values directly instead of merging them first."""
        body = self.fc.body
        end = self.fc.ends.get(c.instr)
        if (end is None or end + 2 != len(body) or c.targeted or c.height != 0 or self.ctl[-2].kind != "func"
                or c.nresults != len(self.fc.ftype.results) or c.nparams):
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
        if c.tail_return and not self.fc.unreachable:
            self.emit_return()
            self.fc.unreachable = True
            return
        if not self.fc.unreachable:
            items = self.ops.top(c.nresults)
            self.move_to(c.height, c.nresults, items)
            self.fc.meter.edge(c)
            c.reach_end = True

    def op_else(self, ins: ast.Instr) -> None:
        c = self.ctl[-1]
        c.then_unreachable = self.fc.unreachable
        self.end_arm(c)
        self.ranges.known = {**c.facts_before, **c.cond_facts[1]}
        if self.flat:
            if not self.fc.unreachable:
                self.out.w(f"_pc = {c.flat_end}; continue")
            self.fc.unreachable = True
            self.flat_section(c.flat_else, always=True)
        else:
            self.out.ensure_body()
            self.out.indent -= 1
            self.out.w("else:")
            self.out.indent += 1
            c.start_indent = self.out.indent
        c.has_else = True
        self.ops.items = list(c.else_stack)
        self.fc.unreachable = False
        self.fc.meter.enter_else(c)

    def op_end(self, ins: ast.Instr) -> None:
        c = self.ctl[-1]
        if c.kind != "func":
            after = self.ranges.at_end(c, self.fc.unreachable)
            self.end_construct(ins)
            self.ranges.known = after
            return
        self.end_construct(ins)

    def end_construct(self, ins: ast.Instr) -> None:
        c = self.ctl[-1]
        if c.kind == "func":
            if not self.fc.unreachable:
                self.emit_return()
            self.ctl.pop()
            return
        if c.kind == "if" and not c.has_else:
            # the implicit else passes the params through as results
            self.end_arm(c)
            if self.flat:
                if not self.fc.unreachable:
                    self.out.w(f"_pc = {c.flat_end}; continue")
                self.fc.unreachable = True
                self.flat_section(c.flat_else, always=True)
                self.ops.items = list(c.else_stack)
                self.fc.unreachable = False
                self.fc.meter.enter_else(c)
                self.end_arm(c)
            else:
                self.out.ensure_body()
                self.ops.items = list(c.else_stack)
                self.fc.unreachable = False
                self.fc.meter.enter_else(c)
                fuel = self.fc.meter.join(c, fallthrough=True)    # the implicit else is the last edge
                items = self.ops.top(c.nresults)
                targets = [self.storage.pos_ref(c.height + k) for k in range(c.nresults)]
                if fuel or any(t != it.expr for t, it in zip(targets, items)):
                    self.out.indent -= 1
                    self.out.w("else:")
                    self.out.indent += 1
                    self.end_arm(c)
                    if fuel:
                        self.out.w(fuel)
                c.reach_end = True
            self.close_ctl(c)
            return
        if c.kind == "if":
            self.end_arm(c)
            if not self.flat:
                self.out.ensure_body()
            self.close_ctl(c)
            return
        if c.kind in ("try", "try_table") and not self.flat:
            self.fc.eh.end_try(c)
            return
        # block / loop (and flat try / try_table, whose end is a block's)
        if c.kind == "block" and not c.targeted:
            # straight-line: the results stay symbolic
            self.ctl.pop()
            return
        if c.kind == "loop":
            if c.pyloop:
                if not self.fc.unreachable:
                    self.out.w("break")
                self.close_pyloop(c)
            self.ctl.pop()
            return
        self.end_arm(c)
        self.close_ctl(c)

    def close_ctl(self, c: Ctl) -> None:
        """Close a block or if: the stack is the results, in canonical positions."""
        reachable = c.reach_end
        self.fc.meter.join(c)
        if self.flat:
            if c.flat_end:
                self.flat_section(c.flat_end, always=reachable)
        elif c.kind == "if":
            self.out.indent -= 1
            if c.pyloop:
                self.out.w("break")
                self.close_pyloop(c)
        elif c.pyloop:
            if not self.fc.unreachable:
                self.out.w("break")
            self.close_pyloop(c)
        self.ctl.pop()
        del self.ops.items[c.height:]
        self.ops.items.extend(self.canonical_items(c.height, c.nresults))
        self.fc.unreachable = not reachable

    def close_pyloop(self, c: Ctl) -> None:
        self.out.ensure_body()
        self.out.indent = c.start_indent - 1 if c.kind != "if" else c.start_indent - 2
        self.close_python_block()
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
            self.out.w(checks[0])
            return
        self.out.w("if _br:")
        self.out.indent += 1
        for line in checks:
            self.out.w(line)
        if further:
            self.out.w("break")
        self.out.indent -= 1

    def enclosing_pyloop(self, index: int) -> Ctl | None:
        for k in range(index, -1, -1):
            if self.ctl[k].pyloop:
                return self.ctl[k]
        return None

    # ------------------------------------------------------------------ branches
    def jump(self, target: Ctl, cont: bool = False) -> None:
        """Emit the control transfer of a branch to `target` (values already moved)."""
        if target.kind != "func":
            self.fc.meter.edge(target)
        if self.flat:
            if target.kind == "func":
                if cont:
                    self.out.w("_pc = 0; continue")
                else:
                    self.emit_return()
                return
            if target.kind != "loop":
                target.reach_end = True
            label = target.flat_start if target.kind == "loop" else target.flat_end
            self.out.w(f"_pc = {label}; continue")
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
            self.out.w(action)
            return
        self.uses_br = True
        self.out.w(f"_br = {target.id}; break")
        inner.prop.append((target.id, dest, action))

    def branch(self, depth: int) -> None:
        """Move the label's values and jump (unconditional part of br/br_if/br_table)."""
        target = self.ctl[-1 - depth]
        if target.kind == "func":
            self.emit_return()
            return
        n = target.label_arity
        self.move_to(target.height, n, self.ops.top(n))
        self.jump(target)

    def emit_return(self, exprs: list[str] | None = None) -> None:
        """`return` with the function's results (the top of the stack, or `exprs`)."""
        if exprs is None:
            exprs = [i.expr for i in self.ops.top(len(self.fc.ftype.results))]
        fuel = self.fc.meter.exit()
        if fuel is not None:
            exprs = [fuel]            # a fuel summary returns the fuel it counted
        if not exprs:
            self.out.w("return")
        elif len(exprs) == 1:
            self.out.w(f"return {exprs[0]}")
        else:
            self.out.w(f"return ({', '.join(exprs)})")

    def op_br(self, ins: ast.Instr) -> None:
        self.branch(ins.imm)
        self.fc.unreachable = True

    def op_return(self, ins: ast.Instr) -> None:
        self.emit_return()
        self.fc.unreachable = True

    def op_unreachable(self, ins: ast.Instr) -> None:
        self.out.w("raise Trap('unreachable')")
        self.fc.unreachable = True

    def op_br_if(self, ins: ast.Instr) -> None:
        cond = self.ops.pop()
        ctext = self.ops.cond_of(cond)
        self.ops.flush()
        self.out.w(f"if {ctext}:")
        self.out.indent += 1
        self.branch(ins.imm)
        self.out.indent -= 1
        if self.ranges.enabled:
            self.ranges.known = {**self.ranges.known, **self.ranges.cond_facts(cond)[1]}

    def op_br_on_null(self, ins: ast.Instr) -> None:
        self.ops.flush()
        ref = self.ops.items[-1]
        self.out.w(f"if {ref.expr} is None:")
        self.out.indent += 1
        saved = self.ops.pop()
        self.branch(ins.imm)
        self.ops.push(saved)
        self.out.indent -= 1

    def op_br_on_non_null(self, ins: ast.Instr) -> None:
        self.ops.flush()
        ref = self.ops.items[-1]
        self.out.w(f"if {ref.expr} is not None:")
        self.out.indent += 1
        self.branch(ins.imm)
        self.out.indent -= 1
        self.ops.pop()

    def op_br_table(self, ins: ast.Instr) -> None:
        labels, default = ins.imm
        idx = self.ops.pop()
        self.ops.flush()
        if self.flat and self.flat_table_jump(labels, default, idx.expr):
            return
        name = self.out.temp()
        self.out.w(f"{name} = {idx.expr}")
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
                test = f"{name} in {self.fc.ctx.constant(frozenset(ks), key=('set', tuple(ks)))}"
            self.out.w(f"{'if' if first else 'elif'} {test}:")
            first = False
            self.out.indent += 1
            self.branch(d)
            self.out.indent -= 1
        if first:
            self.branch(default)
        else:
            self.out.w("else:")
            self.out.indent += 1
            self.branch(default)
            self.out.indent -= 1
        self.fc.unreachable = True

    # ------------------------------------------------------------------ flat form
    def flat_table_jump(self, labels: list[int], default: int, index: str) -> bool:
        """br_table in the flat form when no target takes values: one indexed load of the
        section labels (`_pc = (7, 3, ...)[i] if i < n else 9`) instead of a comparison per
        target -- the dispatch switch of an interpreter loop has hundreds. False (nothing
        emitted) when a target needs values moved or is the function's end, or with fuel."""
        if self.fc.meter.fuel:
            return False     # fuel settles per edge (compile/metering.py): one statement per target
        targets = [self.ctl[-1 - d] for d in (*labels, default)]
        if any(t.kind == "func" or t.label_arity for t in targets):
            return False
        sections = []
        for t in targets:
            if t.kind != "loop":
                t.reach_end = True
            sections.append(t.flat_start if t.kind == "loop" else t.flat_end)
        table = self.fc.ctx.constant(tuple(sections[:-1]), key=("flat_table", tuple(sections[:-1])))
        if not index.isidentifier():
            name = self.out.temp()
            self.out.w(f"{name} = {index}")
            index = name
        self.out.w(f"_pc = {table}[{index}] if {index} < {len(labels)} else {sections[-1]}; continue")
        self.fc.unreachable = True
        return True

    def new_flat_label(self) -> int:
        self.flat_labels += 1
        return self.flat_labels

    def flat_section(self, label: int, always: bool = True) -> None:
        """Start the code at `label`; the fallthrough from the code before enters it."""
        if not self.fc.unreachable:
            self.out.w(f"_pc = {label}")
        self.out.indent = 0
        self.out.w(f"if _pc == {label}:")
        self.out.indent = 1
        self.out.w("pass")
        if always:
            self.fc.unreachable = False


__all__ = ["ControlLowering"]
