"""Fuel and epoch instrumentation of generated code: what `Config.consume_fuel` and
`Config.epoch_interruption` add to every compiled function (nothing when both are off).

Fuel is counted as Wasmtime counts it (crates/cranelift/src/func_environ.rs,
`fuel_before_op`): every operator costs 1 except nop, drop, block, loop, end, else,
unreachable and return (0); entering a function costs 1; bulk operations also cost one per
byte, element or page (memory.fill/copy/init, table.fill/copy/init, and memory.grow /
table.grow when they grow), as Wasmtime 51 charges them (`_bulk`).
The store holds the fuel left (`FUEL[0]`, a cell of the Store; runtime/fuel.py); a
function keeps its own view in the Python local `fu`:

* entry: `if (fu := FUEL[0] - 1) <= 0: fu = REFUEL(fu)` -- load, charge the entry, check;
* straight-line code charges nothing at run time: the compiler adds costs up as it goes
  (`q`: fuel consumed since `fu` or `FUEL[0]` was last written), the way Cranelift buffers
  a basic block's cost;
* before a call, a tail call, a throw, `unreachable` and every return the store is
  written (`FUEL[0] = fu - q`): callees, host functions and whoever looks after a trap
  see exactly what Wasmtime's store holds there; after a call the function goes on
  from the store (the callee charged it), without a load until the next check needs one;
* a loop header checks again (`if (fu := fu - q) <= 0: ...`), on the edge entering the
  loop and on every back edge, so one statement charges and checks an iteration;
* where control flow joins, every incoming edge must leave the fuel in one agreed place
  (`fu - q` for one q, or `FUEL[0] - q`); the join picks the state most edges already
  have and the other edges get one reconciling statement (emitted as a placeholder
  and filled in once the join has seen all its edges).

Why a local and not per-block charges on the shared cell (`FUEL[0] -= k` at every block,
checks reading the cell), measured on hand-written variants of the generated code:
a loop iteration costs one statement either way, but the local's walrus charge-and-check
is cheap (a tight loop 1.50x its uninstrumented time, against 1.94x with the cell);
on call-heavy code the two are alike (fib 2.35x against 2.15x: every call needs a store
write and a load either way); and only the local writes the store exactly where Wasmtime
does, so after a trap (say an integer division by zero) `get_fuel()` still agrees with
Wasmtime's -- the fuel of code since the last call is lost in both. Per-call accounting
is what makes tight recursions slow; pure depth-bounded recursions are charged once per
call tree instead (compile/fuelsum.py). Figures of whole workloads: bench/README.md
(bench/resource_controls.py).

`REFUEL(fu)` is the out-of-gas path: it stores `fu`, refills the local window from the
store's reserve (fuel beyond 2**30 waits there, so `fu` stays a one-digit int on
CPython's fast paths) or raises the "all fuel consumed" trap.

Epoch interruption: `if EPOCH_DUE: INTERRUPT()` at every function entry, loop header and
large bulk operation, as Wasmtime checks. `EPOCH_DUE` is a global of the instance
namespace that the runtime sets whenever the engine's epoch reaches the store's deadline
(runtime/epoch.py), so the common case is one global load and a jump.
"""
from __future__ import annotations

from dataclasses import dataclass

from .. import ast
from .operands import Item
from .ranges import SIMPLE


@dataclass(frozen=True)
class Instrumentation:
    """The resource controls compiled into code: compile options, part of whatever keys
    compiled code (a code cache, a serialized module)."""
    consume_fuel: bool = False
    epoch_interruption: bool = False

    @property
    def enabled(self) -> bool:
        return self.consume_fuel or self.epoch_interruption

    def key(self) -> str:
        """The options as text, for cache keys."""
        return f"fuel={int(self.consume_fuel)}/epoch={int(self.epoch_interruption)}"


NO_INSTRUMENTATION = Instrumentation()

# Wasmtime's default operator costs: 0 for these, 1 for every other operator. The legacy
# exception handling's catch, catch_all and delegate (which Wasmtime does not implement)
# are structure like else and end; its try costs 1 like try_table.
ZERO_COST = frozenset({"nop", "drop", "block", "loop", "unreachable", "return", "else", "end",
                       "catch", "catch_all", "delegate"})
# operators after which the store holds the fuel: the callee wrote it
CALL_OPS = frozenset({"call", "call_indirect", "call_ref"})
# operators before which the store is written (every return goes through `exit`)
SAVE_OPS = CALL_OPS | {"return_call", "return_call_indirect", "return_call_ref", "throw", "throw_ref",
                       "rethrow", "unreachable"}
# bulk operations: one more unit of fuel per byte / element / page (their last operand)
BULK_OPS = frozenset({"memory.fill", "memory.copy", "memory.init", "memory.grow",
                      "table.fill", "table.copy", "table.init", "table.grow"})
GROW_OPS = frozenset({"memory.grow", "table.grow"})
# a bulk operation of at most this many units, known at compile time, is not a check point
SMALL_BULK = 128
# what memory.grow / table.grow return on failure: -1 as an unsigned i32 (or more, for i64)
GROW_FAILED = (1 << 32) - 1
# entries a fuel summary's memo keeps before it starts over
MEMO_LIMIT = 1 << 16
I64_MAX = (1 << 63) - 1
EPOCH_CHECK = "if EPOCH_DUE: INTERRUPT()"


def operator_cost(op: str) -> int:
    """The fuel one execution of `op` costs (its fixed part)."""
    return 0 if op in ZERO_COST else 1


class _Edge:
    """A branch to a label's end: the fuel state it arrives with and, once the join is
    decided, the statement that reconciles it ("pass" when none is needed)."""
    __slots__ = ("cell", "q", "checked", "text")

    def __init__(self, cell: bool, q: int, checked: bool):
        self.cell, self.q, self.checked = cell, q, checked
        self.text = "pass"


class Metering:
    """The instrumentation of one function (see the module docstring). The state is where
    the fuel is at the current point of emission: `FUEL[0] - q` (`cell`) or `fu - q`, and
    whether nothing was charged since the last check (`checked`)."""

    def __init__(self, fc):
        opts: Instrumentation = fc.ctx.instrumentation
        self.fc = fc
        self.out = fc.out
        # fc.metering: "" (as the options say), "plain" (the fuel-summarized twin: no fuel code)
        # or "summary" (compile/fuelsum.py: the body counts its own fuel and returns it)
        self.summing = fc.metering == "summary"
        self.fuel = opts.consume_fuel and fc.metering != "plain"
        self.epoch = opts.epoch_interruption and not self.summing
        self.on = self.fuel or self.epoch
        self.cell, self.q, self.checked = True, 0, False
        self.edges: dict[int, list[_Edge]] = {}
        self.joined: set[int] = set()
        self.arm_start: dict[int, tuple[bool, int, bool]] = {}
        self.grow_units: str | None = None     # memory.grow / table.grow charged after it

    # ------------------------------------------------------------------ the state as text
    def _value(self, cell: bool, q: int) -> str:
        src = "FUEL[0]" if cell else "fu"
        return f"{src} - {q}" if q > 0 else f"{src} + {-q}" if q < 0 else src

    def _check(self) -> None:
        """A check point: charge what is pending and trap (or refuel) at zero."""
        if self.summing:
            return
        if not self.cell and self.q == 0:
            if self.checked:
                return
            self.out.w("if fu <= 0: fu = REFUEL(fu)")
        else:
            self.out.w(f"if (fu := {self._value(self.cell, self.q)}) <= 0: fu = REFUEL(fu)")
        self.cell, self.q, self.checked = False, 0, True

    def _save(self) -> None:
        """Write the fuel to the store (the path goes on to leave this function)."""
        if self.summing:
            return
        if self.cell:
            if self.q:
                self.out.w(f"FUEL[0] -= {self.q}")
        else:
            self.out.w(f"FUEL[0] = {self._value(False, self.q)}")

    def state(self) -> tuple[bool, int, bool]:
        return self.cell, self.q, self.checked

    def restore(self, state: tuple[bool, int, bool]) -> None:
        self.cell, self.q, self.checked = state

    # ------------------------------------------------------------------ hooks of the compiler
    def prologue(self) -> None:
        """Function entry: its cost, the fuel check, the epoch check. A summary starts from
        its memo instead: the fuel of a call with this key, if known."""
        if self.summing:
            memo, key = self.memo(), f"l{self.fc.summary_key}"
            self.out.w(f"_v = {memo}.get({key})")
            self.out.w("if _v is not None: return _v")
            self.out.w("fu = 0")
            self.cell, self.q, self.checked = False, 1, True
            return
        if self.fuel:
            self.cell, self.q, self.checked = True, 1, False
            self._check()
        if self.epoch:
            self.out.w(EPOCH_CHECK)

    def before(self, ins: ast.Instr) -> None:
        """Before a live instruction is lowered: its cost, and the store written before it
        leaves the function; a loop's entry edge is checked here, before `while True:`."""
        op = ins.op
        if op in ("else", "end", "catch", "catch_all", "delegate"):
            return
        if self.fuel:
            cost = 0 if op in ZERO_COST else 1
            if cost:
                self.q += cost
                self.checked = False
            if op in SAVE_OPS:
                self._save()
            elif op == "loop":
                self._check()
        if op in BULK_OPS:
            self._bulk(ins)

    def after(self, ins: ast.Instr) -> None:
        """After a live instruction was lowered: a callee left the fuel in the store; a
        loop header's epoch check goes inside the loop."""
        op = ins.op
        if op in CALL_OPS:
            if not self.summing:        # a summary's self-call added the callee's fuel itself
                self.cell, self.q, self.checked = True, 0, False
        elif self.grow_units is not None:
            self._grown()
        elif op == "loop":
            if self.epoch:
                self.out.w(EPOCH_CHECK)
        elif op == "if":
            self.arm_start[self.fc.control.ctl[-1].id] = self.state()

    def _bulk(self, ins: ast.Instr) -> None:
        """A bulk operation's units (its last operand), as Wasmtime 51 charges them: folded
        into the block's cost when an i32/i64.const just pushed at most SMALL_BULK of them
        (no check); otherwise charged at run time and checked (fuel, then epoch) before the
        operation -- after it for memory.grow and table.grow, and only if they grew.

        Cranelift also sees a constant through a local set in the same basic block, and
        clamps run-time units to 2**63 - 1; the first only decides whether a bulk operation
        of at most 128 units is a check point, the second matters beyond 2**63 units of fuel."""
        i = self.out.instr
        prev = self.fc.body[i - 1] if i else None
        units = min(prev.imm, I64_MAX) if prev is not None and prev.op in ("i32.const", "i64.const") else None
        if units is not None and units <= SMALL_BULK:
            if self.fuel and units:
                self.q += units
                self.checked = False
            return
        ops = self.fc.ops
        n = ops.items[-1].expr
        if not SIMPLE.match(n):
            # evaluated once, into a temporary of its own (baseline's operand slot is where
            # memory.grow's result goes)
            n = self.out.temp()
            self.out.w(f"{n} = {ops.items[-1].expr}")
            ops.items[-1] = Item(n)
        if ins.op in GROW_OPS:
            self.grow_units = n
            return
        if self.fuel:
            self.out.w(f"if (fu := {self._value(self.cell, self.q)} - {n}) <= 0: fu = REFUEL(fu)")
            self.cell, self.q, self.checked = False, 0, True
        if self.epoch:
            self.out.w(EPOCH_CHECK)

    def _grown(self) -> None:
        """After memory.grow / table.grow with run-time units: charge and check if it grew
        (its result, the old size, is below the all-ones failure value)."""
        n, self.grow_units = self.grow_units, None
        if self.fuel and (self.cell or self.q):
            self.out.w(self._reconcile((self.cell, self.q), (False, 0)) or "pass")
            self.cell, self.q = False, 0
        self.out.w(f"if {self.fc.ops.items[-1].expr} < {GROW_FAILED}:")
        self.out.indent += 1
        if self.fuel:
            self.out.w(f"if (fu := fu - {n}) <= 0: fu = REFUEL(fu)")
        if self.epoch:
            self.out.w(EPOCH_CHECK)
        self.out.indent -= 1
        self.checked = False

    def exit(self) -> str | None:
        """Before a return: the store gets this function's fuel. A summary returns the fuel
        it counted instead of the function's results (the returned text), and memoizes it."""
        if self.summing:
            memo, key = self.memo(), f"l{self.fc.summary_key}"
            self.out.w(f"if len({memo}) >= {MEMO_LIMIT}: {memo}.clear()")
            self.out.w(f"{memo}[{key}] = _v = {self.q} - fu")     # consumed: pending - fu
            return "_v"
        if self.fuel:
            self._save()
        return None

    def memo(self) -> str:
        """The name of a summary's memo (one dict per compiled function: F depends on the
        code alone)."""
        return self.fc.ctx.constant({}, key=("fuel summary", self.fc.func_idx))

    def summary_call(self, callee: str, args: list[str]) -> None:
        """A summary's self-call: the callee's fuel, from its own summary."""
        self.out.w(f"fu -= {callee}({', '.join(args)})")

    def landing(self) -> None:
        """A landing pad: Wasmtime reloads the fuel there, from what the unwound frames left."""
        self.cell, self.q, self.checked = True, 0, False

    # ------------------------------------------------------------------ edges and joins
    def edge(self, target) -> None:
        """A branch to `target` (a Ctl) from the current state. To a loop: the header's check,
        folded into this edge. To a label's end: a placeholder the join fills in."""
        if not self.fuel or target.id in self.joined:
            return
        if target.kind == "loop":
            saved = self.state()
            self._check()
            self.restore(saved)
            return
        e = _Edge(self.cell, self.q, self.checked)
        self.edges.setdefault(target.id, []).append(e)
        self.out.w(self.out.fix(lambda _layout, e=e: e.text))

    def enter_else(self, c) -> None:
        """The else arm (or the implicit one) of `if` c starts from the state at the if."""
        start = self.arm_start.get(c.id)
        if start is not None:
            self.restore(start)

    def join(self, c, fallthrough: bool = False) -> str | None:
        """Where the edges to c's end meet: choose the state most of them have, fill in the
        others' reconciling statements, continue from it. With `fallthrough`, the current
        state is one more edge, whose statement (if any) is returned for the caller to emit."""
        if not self.fuel or c.id in self.joined:
            return None
        self.joined.add(c.id)
        edges = self.edges.pop(c.id, [])
        states = [(e.cell, e.q) for e in edges]
        if fallthrough:
            states.append((self.cell, self.q))
        if not states:
            return None
        if all(s == states[0] for s in states):
            target = states[0]
            checked = all(e.checked for e in edges) and (not fallthrough or self.checked)
        else:
            counts: dict[int, int] = {}
            for cell, q in states:
                if not cell:
                    counts[q] = counts.get(q, 0) + 1
            prefer = self.q if fallthrough and not self.cell else None
            q = max(counts, key=lambda k: (counts[k], k == prefer)) if counts else 0
            target = (False, q)
            checked = False
        for e in edges:
            e.text = self._reconcile((e.cell, e.q), target) or "pass"
        code = self._reconcile((self.cell, self.q), target) if fallthrough else None
        self.cell, self.q = target
        self.checked = checked
        return code

    def _reconcile(self, state: tuple[bool, int], target: tuple[bool, int]) -> str | None:
        """The statement taking the fuel from `state` to `target` (a `fu - q` state)."""
        if state == target:
            return None
        cell, q = state
        d = q - target[1]
        if cell:
            return f"fu = {self._value(True, d)}"
        return f"fu -= {d}" if d > 0 else f"fu += {-d}"


__all__ = ["Instrumentation", "Metering", "NO_INSTRUMENTATION", "operator_cost", "ZERO_COST", "SMALL_BULK"]
