"""The shape of a numeric table row: one instruction's exact function beside its inline
template, so that one table serves the compiler (templates pasted into generated code)
and the tests (each template checked against its function, each function against
wasmtime).

Worked example, `i32.add`:

    OpSemantics(name="i32.add", params=("i32", "i32"), result="i32",
                func=lambda a, b: (a + b) & 0xFFFFFFFF,
                template="(({0} + {1}) & 0xffffffff)", cond=None)

`template` is a Python expression over the operands `{0}`, `{1}`, ...; operands must be
plain names or parenthesised expressions without side effects, because a template may
evaluate an operand more than once. Names starting with `_` in a template are helpers
the value-type module exports in its `GLOBALS`; the compiler puts them into the
generated module's globals. `cond` (comparisons, eqz) is a boolean expression meaning
"the result is 1", for fusing with if / br_if / select.

Immediates (SIMD lane indices, the shuffle pattern).  A row whose instruction has
immediates names them in `immediates`, in instruction order; its function takes them
as LEADING arguments and its template names them as `{lane}` / `{lanes}` placeholders
beside the positional operands.  `row.bind(*values)` pastes them and gives an ordinary
immediate-free row (function partially applied, template with literals), which the
compiler then treats exactly like a scalar row:

    row = OPS["i32x4.extract_lane"]      # immediates=("lane",)
    row.template == "(({0} >> 32 * {lane}) & 0xffffffff)"
    row.func(1, v)                       # lane 1 of v
    bound = row.bind(1)
    bound.template == "(({0} >> 32 * 1) & 0xffffffff)"   # CPython folds 32 * 1
    bound.func(v) == row.func(1, v)

Each immediate kind has one literal form (`IMMEDIATE_KINDS`): a lane is an int, the
shuffle pattern `lanes` is a 16-byte `bytes` (any sequence of 16 ints is accepted by
`bind`).  Templates contain no literal braces, so pasting immediates leaves the
operand placeholders intact.  Memory rows use the same scheme after their `{0}`
memory, `{1}` address and `{2}` value.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import Callable, Iterable

# immediate name -> the Python value a function receives (its repr is the template literal)
IMMEDIATE_KINDS: dict[str, Callable[[object], object]] = {"lane": int, "lanes": bytes}

_OPERANDS = ("{0}", "{1}", "{2}", "{3}")


def _bound(row, values: tuple) -> dict:
    """The fields `bind` changes: immediates pasted into func and template (and cond)."""
    if len(values) != len(row.immediates):
        raise ValueError(f"{row.name} takes {len(row.immediates)} immediate(s), got {len(values)}")
    converted = [IMMEDIATE_KINDS[name](v) for name, v in zip(row.immediates, values)]
    literals = {name: repr(v) for name, v in zip(row.immediates, converted)}
    out = {"func": partial(row.func, *converted), "template": row.template.format(*_OPERANDS, **literals),
           "immediates": ()}
    if getattr(row, "cond", None):
        out["cond"] = row.cond.format(*_OPERANDS, **literals)
    return out


@dataclass(frozen=True)
class OpSemantics:
    """One numeric instruction: operand/result types, exact function, inline templates."""
    name: str
    params: tuple[str, ...]
    result: str
    func: Callable
    template: str | None = None   # value expression over {0}, {1}
    cond: str | None = None       # boolean expression "result is 1" (comparisons, eqz)
    trap: str | None = None       # the trap the template may raise (division, truncation), else None
    immediates: tuple[str, ...] = ()  # immediate names ("lane", "lanes"): leading func args, {name} in templates

    @property
    def arity(self) -> int:
        return len(self.params)

    def bind(self, *values: object) -> "OpSemantics":
        """This row with its immediates pasted: an immediate-free row like a scalar one."""
        return replace(self, **_bound(self, values))


@dataclass(frozen=True)
class MemorySemantics:
    """One load or store: access size, value type, checked function, unchecked template.

    `func` is load(mem, addr) -> value or store(mem, addr, value) -> None and traps when
    out of bounds; `template` uses {0} memory, {1} address, {2} value (stores are
    statements) and raises one of MEMORY_ACCESS_ERRORS when out of bounds."""
    name: str
    size: int
    valtype: str
    func: Callable
    template: str
    immediates: tuple[str, ...] = ()  # ("lane",) for the lane loads and stores

    def bind(self, *values: object) -> "MemorySemantics":
        """This row with its immediates pasted (see the module docstring)."""
        return replace(self, **_bound(self, values))


def table(rows: Iterable[OpSemantics]) -> dict[str, OpSemantics]:
    """Rows keyed by instruction name; a name given twice is a bug in a table."""
    out: dict[str, OpSemantics] = {}
    for row in rows:
        if row.name in out:
            raise ValueError(f"numeric table: {row.name} defined twice")
        out[row.name] = row
    return out


__all__ = ["OpSemantics", "MemorySemantics", "IMMEDIATE_KINDS", "table"]
