"""The label model shared by control lowering and the passes that look ahead at a body.

A `Ctl` is one open construct (block, loop, if, try, try_table, or the function body)
while a body is lowered. Its label arity is what a branch to it carries: a loop's
params, any other construct's results. Worked example: in

    (block (result i32)          ;; Ctl(kind="block", height=h, nparams=0, nresults=1)
      (loop (param i32)          ;; Ctl(kind="loop",  height=h, nparams=1, nresults=0)
        br 0                     ;; carries 1 value (the loop's param)
        br 1))                   ;; carries 1 value (the block's result)

`label_targets` finds, before lowering, which constructs some branch targets (only those
need a Python loop or a flat-form section) and how deep the nesting goes (past
MAX_INDENT or MAX_PY_LOOPS nested Python loops, CPython's parser and compiler limits,
the function is lowered in the flat form: FlatNeeded).
"""
from __future__ import annotations

from .. import ast

BLOCK_OPS = frozenset({"block", "loop", "if", "try", "try_table"})
BRANCH_OPS = frozenset({"br", "br_if", "br_on_null", "br_on_non_null"})
MAX_PY_LOOPS = 17
MAX_INDENT = 70


class FlatNeeded(Exception):
    """The structured form would exceed CPython's nesting limits."""


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


def block_signature(module: ast.Module, bt) -> tuple[int, int]:
    if bt is None:
        return 0, 0
    if isinstance(bt, int) and not isinstance(bt, bool):
        ft = module.types[bt]
        return len(ft.params), len(ft.results)
    return 0, 1


def label_targets(body: list, ends: dict | None = None) -> tuple[set, int]:
    """Block starts some branch targets, and the maximum nesting; fills `ends` (block start ->
    its end)."""
    targeted: set[int] = set()
    stack: list[int] = [-1]
    max_depth = 0
    for i, ins in enumerate(body):
        op = ins.op
        if op in BLOCK_OPS:
            stack.append(i)
            if len(stack) > max_depth:
                max_depth = len(stack)
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
    return targeted, max_depth


__all__ = ["Ctl", "FlatNeeded", "block_signature", "label_targets", "BLOCK_OPS", "BRANCH_OPS",
           "MAX_PY_LOOPS", "MAX_INDENT"]
