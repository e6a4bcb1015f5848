"""Module-level facts for lazy compilation, gathered at load without compiling anything.

A function is compiled on its first call (DESIGN.md section 8), but some decisions are
baked into its callers and must therefore be known for every function before any is
compiled: whether a callee may answer with a tail-call request (`may_tail`), whether its
frame is elided (callers of an elided function pass every argument as a value and write
no frame record), where its code range lies, and which callees may turn out to be
depth-bounded recursions (a caller calls such a callee's unchecked twin directly, so the
callee is compiled first). All of them follow from per-function facts (`ast.FuncFacts`,
which the validator hands over as `func.facts`); `facts_of` derives the same facts from
the body for a module model that was not validated as it is (heron explain's re-decoded
copy, `Module.from_ast` of a model built by hand); tests check that both agree.
"""
from __future__ import annotations

from typing import NamedTuple

from .. import ast
from ..target.codemap import PC_STRIDE

_CONTROL = frozenset({"block", "loop", "if", "try", "try_table"})
_INDIRECT = frozenset({"call_indirect", "call_ref", "return_call_indirect", "return_call_ref"})
_THROWS = frozenset({"throw", "throw_ref", "rethrow"})


class DerivedFacts(NamedTuple):
    """The fields of ast.FuncFacts the compiler reads, derived from a body (or restored from
    the code cache: a tuple, cheap to rebuild by the thousand)."""
    num_instrs: int
    max_height: int
    max_depth: int
    landing_pads: int
    has_handlers: bool
    throws: bool
    indirect_calls: bool
    tail_calls_other: bool
    self_tail_call: bool
    callees: tuple[int, ...]


def derive_facts(body: list, self_idx: int) -> DerivedFacts:
    """One pass over a body (max_height is not derived: 0; the compiler does not read it)."""
    depth = max_depth = 1
    pads = 0
    handlers = throws = indirect = tail_other = self_tail = False
    callees: dict[int, None] = {}
    for ins in body:
        op = ins.op
        if op in _CONTROL:
            depth += 1
            if depth > max_depth:
                max_depth = depth
            if op == "try_table":
                handlers = True
                pads += len(ins.imm[1])
            elif op == "try":
                handlers = True
        elif op == "end" or op == "delegate":
            depth -= 1
        elif op == "call":
            callees[ins.imm] = None
        elif op == "return_call":
            callees[ins.imm] = None
            if ins.imm == self_idx:
                self_tail = True
            else:
                tail_other = True
        elif op in _INDIRECT:
            indirect = True
            if op.startswith("return_"):
                tail_other = True
        elif op in _THROWS:
            throws = True
        elif op in ("catch", "catch_all"):
            pads += 1
    return DerivedFacts(len(body), 0, max_depth, pads, handlers, throws, indirect, tail_other, self_tail,
                        tuple(callees))


def facts_of(module: ast.Module, k: int):
    """The facts of defined function k: the validator's, or derived from the body."""
    f = module.funcs[k]
    facts = getattr(f, "facts", None)
    if facts is None:
        facts = derive_facts(f.body, len(module.imported("func")) + k)
    return facts


def code_span(facts) -> int:
    """Code addresses a function needs: its instructions, one past the end, then its landing pads."""
    return PC_STRIDE * (facts.num_instrs + 1 + facts.landing_pads)


def elidable(facts: list, nimp: int) -> set[int]:
    """Functions no exception can unwind through: nothing reachable from them throws, calls an
    import or makes an indirect/ref call (greatest fixpoint over direct calls; DESIGN.md
    section 5). `facts[k]` belongs to function nimp + k."""
    callees: dict[int, tuple] = {}
    for k, fx in enumerate(facts):
        if fx.has_handlers or fx.throws or fx.indirect_calls or (nimp and any(c < nimp for c in fx.callees)):
            continue
        callees[nimp + k] = fx.callees
    # callers of each candidate, so that a removal revisits only the functions it affects
    callers: dict[int, list[int]] = {}
    for idx, cs in callees.items():
        for c in cs:
            callers.setdefault(c, []).append(idx)
    work = [idx for idx, cs in callees.items() if any(c not in callees for c in cs)]
    while work:
        idx = work.pop()
        if idx in callees:
            del callees[idx]
            work.extend(callers.get(idx, ()))
    return set(callees)


def bounded_candidate(fx, idx: int) -> bool:
    """Whether a function may be a depth-bounded recursion (compile/calls.py): it calls only
    itself, directly (throws aside), with no handlers, indirect or tail calls. Its callers
    need the answer, so under the optimizing strategy it is compiled before them."""
    return (fx.callees == (idx,) and not fx.has_handlers and not fx.indirect_calls
            and not fx.tail_calls_other and not fx.self_tail_call)


def reaches_recursion(facts: list, nimp: int, idx: int) -> bool:
    """Whether a call of function idx can recurse: some function it reaches directly calls
    into a cycle of the call graph or calls indirectly (a target unknown here). Only such
    calls can build a deep Python stack (runtime/framestack.py); one walk over what idx
    reaches, iterative."""
    if idx < nimp:
        return False
    if facts[idx - nimp].indirect_calls:
        return True
    ON_PATH, DONE = 1, 2
    state: dict[int, int] = {idx: ON_PATH}
    path = [(idx, iter(facts[idx - nimp].callees))]
    while path:
        node, callees = path[-1]
        for c in callees:
            if c < nimp:
                continue
            seen = state.get(c)
            if seen == ON_PATH:
                return True
            if seen is None:
                if facts[c - nimp].indirect_calls:
                    return True
                state[c] = ON_PATH
                path.append((c, iter(facts[c - nimp].callees)))
                break
        else:
            state[node] = DONE
            path.pop()
    return False


__all__ = ["DerivedFacts", "derive_facts", "facts_of", "code_span", "elidable", "bounded_candidate",
           "reaches_recursion"]
