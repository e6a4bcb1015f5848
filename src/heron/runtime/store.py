"""The Store: what owns instances and the stack memory their frames live in.

StoreState is the state behind a public Store: its stack memory, the entry/exit
records of the activations on it, and the trampolines made for it. Activations: host
code calling a Wasm function starts an activation; its entry record is the callee's FP.
When Wasm calls a host function, the exit trampoline pushes an exit record (its own FP:
the frame record there names the last Wasm frame and the PC it called from) and moves
the store's SP below its frame, so Wasm called back from the host runs below it on the
same stack.
"""
from __future__ import annotations

import gc
import sys
from typing import Any

from ..target import FrameLayout, StackMemory
from ..types import FuncType
from ..unwind import walk
from . import exceptions
from .engine import Engine
from .entry import make_entry
from .epoch import EpochDeadline
from .fuel import FuelTank
from .limits import StoreLimits
from .recursion import wasm_recursion_limit

_EMPTY = FuncType((), ())


class StoreState:
    def __init__(self, engine):
        self.engine = engine
        self.target = engine.target
        self.stack = StackMemory(size=engine.stack_size, base=engine.stack_base)
        self.words = self.stack.words
        self.sp = self.stack.base          # the steady SP new activations start from
        self.entries: list[int] = []       # entry FP per activation
        self.exits: list[int] = []         # exit trampoline FP per host call in progress
        self.exit_layouts: list = []       # the FrameLayout of each exit trampoline frame
        self.codemap = engine.codemap
        self.entry_plans: dict = {}
        # Func -> its entry trampoline / system-convention entry. Kept on the store, not in
        # a module-level table: a trampoline refers back to this state, so a global cache
        # would keep every Store that was ever called alive.
        self.func_entries: dict = {}
        self.system_entries: dict = {}
        # sees every throw search of this store (heron run --trace-unwind, tests)
        self.unwind_observer = exceptions.DEFAULT_OBSERVER
        self.wasi = None                   # the WASI context Store.set_wasi attached (heron.wasi)
        # the recursion limit while Wasm runs, and the host's, restored around host calls
        # (runtime/recursion.py); the process's limit itself is left alone here
        self.wasm_limit = wasm_recursion_limit(engine.stack_size)
        self.host_limit = sys.getrecursionlimit()
        self.limits = StoreLimits()
        controls = engine.instrumentation
        self.fuel = FuelTank(controls.consume_fuel)
        self.epoch = EpochDeadline(engine.epochs, controls.epoch_interruption)

    def bind_controls(self, ns: dict) -> None:
        """What fuel and epoch checks in compiled code refer to, in an instance namespace."""
        if self.fuel.enabled:
            ns["FUEL"] = self.fuel.cell
            ns["REFUEL"] = self.fuel.refuel
        if self.epoch.enabled:
            self.epoch.bind(ns)

    def enter(self, func, args: tuple):
        """Call `func` from the host with public values; return public values."""
        entry = self.func_entries.get(func)
        if entry is None:
            entry = self.func_entries[func] = make_entry(self, func)
            if func.store is self:
                func._entry = entry
        return entry(args)

    def frames(self) -> list:
        """The Wasm frames of the innermost activation, walked from the last exit record.

        Call from a host function that Wasm called: the exit trampoline's frame record
        names the calling Wasm frame (saved FP) and the PC it called from."""
        if not self.exits:
            return []
        exit_fp = self.exits[-1]
        layout = self.exit_layouts[-1]
        low = self.stack.low
        fp = self.words[(layout.saved_fp_address(exit_fp) - low) >> 3]
        pc = self.words[(layout.return_address_address(exit_fp) - low) >> 3]
        return list(walk(self.stack, self.codemap, fp, pc, exit_fp))


class Store:
    """Owns instances, their functions, memories, tables, globals and tags, and the stack
    memory their frames live in. Every call takes the Store: `func(store, ...)`.

    `Store(engine, data=...)` keeps an embedder's value, `store.data()` returns it;
    `set_limits(...)` bounds what the guest may allocate, `set_fuel(n)` how much it may
    execute (with `Config.consume_fuel`), `set_epoch_deadline(n)` until when (with
    `Config.epoch_interruption`). Objects of one Store are refused by another
    (TypeError, or LinkError as an import)."""

    def __init__(self, engine: Engine | None = None, data: Any = None):
        if engine is not None and not isinstance(engine, Engine):
            raise TypeError(f"expected a heron.Engine, got {type(engine).__name__}")
        self.engine = engine or Engine()
        self._state = StoreState(self.engine)
        self._data = data

    def data(self) -> Any:
        """The value given as `Store(engine, data=...)` (None by default)."""
        return self._data

    def gc(self) -> None:
        """Collect garbage (Python's collector: Heron's references are Python objects)."""
        gc.collect()

    def set_limits(self, memory_size: int = -1, table_elements: int = -1, instances: int = -1,
                   tables: int = -1, memories: int = -1) -> None:
        """Bound what this Store may allocate, as wasmtime's store limiter does.

        * memory_size: bytes one linear memory may grow to (memory.grow returns -1
          beyond it; a module whose memory's minimum is larger fails to instantiate);
        * table_elements: elements one table may grow to, likewise;
        * instances, tables, memories: how many of each the Store may create.

        A negative value leaves that limit unchanged (all are unlimited at first)."""
        self._state.limits.set(memory_size, table_elements, instances, tables, memories)

    def set_fuel(self, fuel: int) -> None:
        """Give this store `fuel` units of fuel (`Config.consume_fuel` must be on; a new
        store has 0). Wasm consumes about one unit per instruction, as in Wasmtime, and
        traps with "all fuel consumed" when none is left; the store stays usable, and
        topping it up lets the next call run. Host code consumes none."""
        self._state.fuel.set(fuel)

    def get_fuel(self) -> int:
        """The fuel this store has left (`Config.consume_fuel` must be on)."""
        return self._state.fuel.get()

    def set_epoch_deadline(self, ticks_after_current: int) -> None:
        """Wasm in this store traps with "interrupt" once the engine's epoch is
        `ticks_after_current` ticks past the current one (`Engine.increment_epoch()`;
        with `Config.epoch_interruption`). A new store's deadline is the epoch it starts
        at, so Wasm traps at once until this is called, as in Wasmtime."""
        self._state.epoch.set(ticks_after_current)

    @property
    def stack(self) -> StackMemory:
        """The StackMemory frames live in."""
        return self._state.stack

    def set_wasi(self, config) -> None:
        """Give this store a WASI context made from `config` (a heron.WasiConfig): the
        `wasi_snapshot_preview1`/`wasi_unstable` imports that Linker.define_wasi links use it."""
        self._state.wasi = config.context(self)

    def wasm_frames(self) -> list:
        """From inside a host function: the Wasm frames that led to it, innermost first
        (walked through the frame records in stack memory; see heron.unwind.frames)."""
        return self._state.frames()


Storelike = Store
"""What the public API accepts as its `store` argument (wasmtime-py's name)."""

__all__ = ["Store", "StoreState", "Storelike"]
