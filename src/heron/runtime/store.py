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

import sys

from ..target import FrameLayout, StackMemory
from ..types import FuncType
from ..unwind import walk
from . import exceptions
from .engine import Engine
from .entry import make_entry

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
        # Python frames per Wasm frame <= 2; the smallest Wasm frame is 16 bytes
        need = engine.stack_size // 16 * 2 + 10_000
        if sys.getrecursionlimit() < need:
            sys.setrecursionlimit(need)

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
    """Owns instances and the stack memory their frames live in."""

    def __init__(self, engine: Engine | None = None):
        self.engine = engine or Engine()
        self._state = StoreState(self.engine)

    @property
    def stack(self):
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


__all__ = ["Store", "StoreState"]
