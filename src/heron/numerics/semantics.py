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
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable


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

    @property
    def arity(self) -> int:
        return len(self.params)


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


def table(rows: Iterable[OpSemantics]) -> dict[str, OpSemantics]:
    """Rows keyed by instruction name; a name given twice is a bug in a table."""
    out: dict[str, OpSemantics] = {}
    for row in rows:
        if row.name in out:
            raise ValueError(f"numeric table: {row.name} defined twice")
        out[row.name] = row
    return out


__all__ = ["OpSemantics", "MemorySemantics", "table"]
