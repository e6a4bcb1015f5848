"""Epoch interruption (`Config.epoch_interruption`): the Engine's epoch counter and each
Store's deadline.

Wasm traps with "interrupt" at a function entry, loop header or large bulk operation once
the engine's epoch has reached the store's deadline. Compiled code tests one global of
its instance namespace, `EPOCH_DUE` (compile/metering.py); this module keeps that flag
equal to `epoch >= deadline` in every namespace of the store, recomputing it whenever
either side moves: `Engine.increment_epoch()` (from any thread, typically a timer) and
`Store.set_epoch_deadline()`. So the common case costs generated code one global load.
"""
from __future__ import annotations

import threading
import weakref

from ..errors import Trap, TrapCode


class EpochClock:
    """The epoch of one Engine and the stores that watch it."""

    def __init__(self) -> None:
        self.value = 0
        self.lock = threading.Lock()
        self.stores: "weakref.WeakSet[EpochDeadline]" = weakref.WeakSet()

    def increment(self) -> None:
        """One tick: stores whose deadline the epoch reaches get their flag set."""
        with self.lock:
            self.value += 1
            for deadline in list(self.stores):
                deadline.publish()


class EpochDeadline:
    """The deadline of one Store, relative to its engine's clock, and the instance
    namespaces whose `EPOCH_DUE` reflects it. A new Store's deadline is 0: with epoch
    interruption on, Wasm traps until `Store.set_epoch_deadline` is called (as in Wasmtime)."""

    def __init__(self, clock: EpochClock, enabled: bool):
        self.clock = clock
        self.enabled = enabled
        self.deadline = 0
        self.namespaces: list[dict] = []
        if enabled:
            clock.stores.add(self)

    def due(self) -> bool:
        return self.clock.value >= self.deadline

    def set(self, ticks: int) -> None:
        """The deadline becomes `ticks` epochs after the current one."""
        if isinstance(ticks, bool) or not isinstance(ticks, int):
            raise TypeError(f"the epoch deadline must be an int, not {type(ticks).__name__}")
        if ticks < 0:
            raise ValueError(f"the epoch deadline is a number of ticks from now, not {ticks}")
        with self.clock.lock:
            self.deadline = self.clock.value + ticks
            self.publish()

    def publish(self) -> None:
        """Every namespace's flag := epoch >= deadline (called with the clock's lock held)."""
        due = self.due()
        for ns in self.namespaces:
            ns["EPOCH_DUE"] = due

    def bind(self, ns: dict) -> None:
        """Give an instance namespace its flag and the interrupt routine."""
        with self.clock.lock:
            ns["EPOCH_DUE"] = self.due()
            ns["INTERRUPT"] = self.interrupt
            self.namespaces.append(ns)

    def interrupt(self) -> None:
        """Compiled code found the flag set: trap, unless the deadline moved meanwhile."""
        if self.due():
            raise Trap(TrapCode.INTERRUPT)
        with self.clock.lock:
            self.publish()


__all__ = ["EpochClock", "EpochDeadline"]
