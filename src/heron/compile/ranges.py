"""Range facts and the peepholes they enable (optimizing strategy, structured form only).

A branch condition can establish a lower bound of a local: after
`if (i32.eqz (local.get $n)) (then (return ...))` we know n >= 1 on the fallthrough, so
`n - 1` needs no wrap-around test. Facts are unsigned lower bounds `{local: bound}`;
every assignment, loop head and join forgets what it may invalidate, and functions with
exception handlers keep none (a landing pad is entered from anywhere in its try body).

The constant peephole rewrites `x OP constant` for add/sub and the signed comparisons
into cheaper exact forms than the general template (no multi-digit masking; a signed
order test as one or two unsigned ones) and records what a comparison's outcome says
about a bare local.
"""
from __future__ import annotations

import re

from .operands import Item, OperandStack

_PEEP = frozenset({"add", "sub", "lt_s", "le_s", "gt_s", "ge_s"})
SIMPLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$|^[0-9]+$")


class RangeFacts:
    """Lower bounds of locals known at the current point of a function body."""

    def __init__(self, body: list, ends: dict[int, int], enabled: bool):
        self.body = body
        self.ends = ends                  # block start -> its end (filled by the prescan)
        self.enabled = enabled
        self.known: dict[int, int] = {}

    def bare_local(self, item: Item) -> int | None:
        if not self.enabled or item.depth or len(item.deps) != 1 or not item.expr.startswith("l"):
            return None
        (i,) = item.deps
        return i if item.expr == f"l{i}" else None

    def known_at_least(self, item: Item) -> int:
        i = self.bare_local(item)
        return self.known.get(i, 0) if i is not None else 0

    def cond_facts(self, item: Item) -> tuple[dict, dict]:
        """(facts if the condition holds, facts if it does not)."""
        if item.facts is not None:
            return item.facts
        i = self.bare_local(item)
        return ({i: 1}, {}) if i is not None else ({}, {})

    def assigned_between(self, start: int, end: int | None) -> set:
        body = self.body
        stop = len(body) if end is None else end + 1
        return {ins.imm for ins in body[start:stop] if ins.op in ("local.set", "local.tee")}

    def after(self, before: dict, start: int, extra: dict | None = None) -> dict:
        """Facts after the construct starting at `start`: `before` (plus `extra`), minus every
        local the construct assigns."""
        out = dict(before)
        if extra:
            out.update({k: max(v, out.get(k, 0)) for k, v in extra.items()})
        for i in self.assigned_between(start, self.ends.get(start)):
            out.pop(i, None)
        return out

    def forget(self, local: int) -> None:
        self.known.pop(local, None)

    def at_end(self, c, unreachable: bool) -> dict:
        """The facts after `end` of construct `c` (a Ctl), given whether its last arm fell through."""
        if not self.enabled:
            return {}
        if c.kind == "if":
            then_unr = c.then_unreachable if c.has_else else unreachable
            else_unr = unreachable if c.has_else else False
            extra = None if c.targeted else c.cond_facts[1] if then_unr and not else_unr else \
                c.cond_facts[0] if else_unr and not then_unr else None
            return self.after(c.facts_before, c.instr, extra)
        if c.kind == "loop" or (c.kind == "block" and not c.targeted):
            return dict(self.known)         # the fallthrough is the only way here
        if c.kind == "block":
            return self.after(c.facts_before, c.instr)
        return {}

    # ------------------------------------------------------------------ the constant peephole
    def constant_peephole(self, ops: OperandStack, op: str) -> bool:
        """Lower `x OP constant` (add/sub/signed comparisons) exactly and cheaply; False when
        the pattern does not apply."""
        kind = op[4:]
        if kind not in _PEEP or len(ops) < 2:
            return False
        b = ops.items[-1]
        if not b.expr.isdigit():
            return False
        a = ops.items[-2]
        bits = 32 if op[1:3] == "32" else 64
        c = int(b.expr)
        mod = 1 << bits
        sb = 1 << (bits - 1)
        ops.pop_n(2)
        x = ops.operand(a, 2)
        if not SIMPLE.match(x):
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
                ops.push_value(expr, deps=a.deps, depth=a.depth + 1)
                ops.items[-1].dec = self.bare_local(a)
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
        ops.push_value(expr, deps=a.deps, depth=a.depth + 1, cond=cond)
        local = self.bare_local(a)
        if local is not None and cond is not None and 0 <= c < sb:
            # what the outcome says about the local (unsigned lower bounds)
            true_f, false_f = {"lt_s": ({}, {local: c}), "le_s": ({}, {local: c + 1}),
                               "gt_s": ({local: c + 1}, {}), "ge_s": ({local: c}, {})}[kind]
            ops.items[-1].facts = (true_f, false_f)
        return True


__all__ = ["RangeFacts", "SIMPLE"]
