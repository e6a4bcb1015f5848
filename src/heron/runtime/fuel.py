"""A Store's fuel (`Config.consume_fuel`): the cell compiled code charges, its reserve, and
the out-of-gas path.

Compiled code reads and writes `FUEL[0]` (compile/metering.py): the fuel left in the
active window. The window holds at most WINDOW units, so the numbers generated code
computes with stay one-digit ints on CPython's fast paths; the rest waits in `reserve`
and comes in when the window runs dry, as Wasmtime refuels from its fuel reserve.
The fuel a Store has is `FUEL[0] + reserve` (0 when that is negative: code may consume a
little past zero between two checks, as in Wasmtime).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .. import ast
from ..errors import HeronError, Trap, TrapCode

WINDOW = (1 << 30) - 1
U64_MAX = (1 << 64) - 1


class FuelTank:
    """The fuel of one Store: `cell` is the list compiled code sees as FUEL."""
    __slots__ = ("enabled", "cell", "reserve")

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.cell = [0]
        self.reserve = 0

    def _require(self) -> None:
        if not self.enabled:
            raise HeronError("fuel is not configured in this store (set Config.consume_fuel = True)")

    def get(self) -> int:
        """The fuel left."""
        self._require()
        return max(0, self.cell[0] + self.reserve)

    def set(self, fuel: int) -> None:
        """Give the store exactly `fuel` units (0 <= fuel < 2**64, as Wasmtime's u64)."""
        self._require()
        if isinstance(fuel, bool) or not isinstance(fuel, int):
            raise TypeError(f"fuel must be an int, not {type(fuel).__name__}")
        if not 0 <= fuel <= U64_MAX:
            raise ValueError(f"fuel must be between 0 and 2**64 - 1, not {fuel}")
        active = min(fuel, WINDOW)
        self.cell[0] = active
        self.reserve = fuel - active

    def consume(self, amount: int) -> None:
        """Take `amount` from the store (it may go below zero: no check here)."""
        total = self.cell[0] + self.reserve - amount
        active = min(total, WINDOW)
        self.cell[0] = active
        self.reserve = total - active

    def refuel(self, active: int) -> int:
        """The out-of-gas path of compiled code (`fu = REFUEL(fu)` at a check that found
        `active <= 0`): store it, refill the window from the reserve and return the new
        window, or trap with "all fuel consumed"."""
        total = active + self.reserve
        if total <= 0:
            self.cell[0] = active
            self.reserve = 0
            raise Trap(TrapCode.OUT_OF_FUEL)
        active = min(total, WINDOW)
        self.cell[0] = active
        self.reserve = total - active
        return active


# ---------------------------------------------------------------------- module startup

_NUMERIC_CONSTS = frozenset({"i32.const", "i64.const", "f32.const", "f64.const", "v128.const"})
SMALL_BULK = 128


def _ops(expr: list | None) -> list:
    """The instructions of a constant expression, without its `end`."""
    return [ins for ins in expr or () if ins.op != "end"]


def _single(expr: list | None, ops: frozenset) -> bool:
    body = _ops(expr or [])
    return len(body) == 1 and body[0].op in ops


@dataclass
class StartupPlan:
    """The fuel Wasmtime's module startup consumes, per stage of instantiation: `initial`
    (its entry, globals, passive element segments, table initializers) as (units, check
    after) pairs, then one pair per active element segment and data segment it cannot
    precompute, then whether it calls a start function."""
    initial: list[tuple[int, bool]] = field(default_factory=list)
    elems: dict[int, tuple[int, bool]] = field(default_factory=dict)
    datas: dict[int, tuple[int, bool]] = field(default_factory=dict)
    start: bool = False


def startup_plan(module: ast.Module) -> StartupPlan | None:
    """What instantiating `module` costs in fuel, as Wasmtime 51 charges it: initialization
    it cannot do ahead of time runs as a compiled startup function, which costs 1 to enter,
    1 per constant-expression instruction it evaluates, 1 per element or byte a segment or
    table initializer writes (checked when there are more than 128, and for every data
    segment, whose length is read at run time), and 1 for the call of the start function.
    Ahead of time, costing nothing: globals set by one numeric constant, active element
    segments of function indices at a constant offset into a table the module defines, data
    segments at a constant offset into a memory it defines, tables initialized with one
    ref.func. None: no startup runs (measured against wasmtime-py, tests/runtime)."""
    plan = StartupPlan()
    nimp_tables = len(module.imported("table"))
    nimp_mems = len(module.imported("memory"))
    work = False
    for g in module.globals:
        if not _single(g.init, _NUMERIC_CONSTS):
            plan.initial.append((len(_ops(g.init)), False))
            work = True
    functions = []
    for e in module.elems:
        enc = e.encoding
        functions.append(enc < 4 if enc is not None else
                         all(_single(x, frozenset({"ref.func"})) for x in e.init))
    for k, e in enumerate(module.elems):
        if e.mode == "passive":
            plan.initial.append((0 if functions[k] else sum(len(_ops(x)) for x in e.init), False))
            work = True
    for t in module.tables:
        if t.init is not None and not _single(t.init, frozenset({"ref.func"})):
            n = t.type.limits.min
            plan.initial.append((len(_ops(t.init)) + n, n > SMALL_BULK))
            work = True
    for k, e in enumerate(module.elems):
        if e.mode != "active":
            continue
        if functions[k] and e.table >= nimp_tables and _single(e.offset, _NUMERIC_CONSTS):
            continue
        n = len(e.init)
        exprs = 0 if functions[k] else sum(len(_ops(x)) for x in e.init)
        plan.elems[k] = (len(_ops(e.offset)) + exprs + n, n > SMALL_BULK)
        work = True
    for k, d in enumerate(module.datas):
        if d.mode != "active" or (d.memory >= nimp_mems and _single(d.offset, _NUMERIC_CONSTS)):
            continue
        plan.datas[k] = (len(_ops(d.offset)) + len(d.init), True)
        work = True
    plan.start = module.start is not None
    if not (work or plan.start):
        return None
    plan.initial.insert(0, (1, True))          # entering the startup function
    return plan


class Startup:
    """The startup function's fuel while an instance is initialized: counted locally and
    written to the store only where Wasmtime writes it (before the start call, at the end,
    when the fuel runs out), so a trap in between leaves the store as it was."""
    __slots__ = ("tank", "plan", "used")

    def __init__(self, tank: FuelTank, plan: StartupPlan):
        self.tank = tank
        self.plan = plan
        self.used = 0

    def charge(self, units: int, check: bool) -> None:
        self.used += units
        if check and self.tank.cell[0] + self.tank.reserve - self.used <= 0:
            self.tank.consume(self.used)
            self.tank.refuel(self.tank.cell[0])        # no reserve left: the trap

    def initial(self) -> None:
        for units, check in self.plan.initial:
            self.charge(units, check)

    def elem(self, k: int) -> None:
        if k in self.plan.elems:
            self.charge(*self.plan.elems[k])

    def data(self, k: int) -> None:
        if k in self.plan.datas:
            self.charge(*self.plan.datas[k])

    def finish(self) -> None:
        """Before the start call (which costs 1), or at the end: write the store."""
        if self.plan.start:
            self.used += 1
        self.tank.consume(self.used)
        self.used = 0


__all__ = ["FuelTank", "WINDOW", "StartupPlan", "Startup", "startup_plan"]
