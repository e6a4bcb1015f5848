"""`Caller`: what a host function defined with `access_caller=True` receives first.

A host function such as WASI's `fd_write` needs the memory of the instance that called
it, not of the module that defined the import. Compiled code calls an import through a
per-instance binding (`X<i>`, runtime/boundary.py), so that binding knows its caller
exactly and hands over a Caller for its instance, as wasmtime-py's `Caller` does.

A Caller stands in for the store (`memory.read(caller, ...)`, `func(caller, ...)`): it
carries the store's state as `_state`, which is what the runtime reads from a store.
"""
from __future__ import annotations

from typing import Any


class Caller:
    """The calling instance of a host function: its exports by name, and its store."""
    __slots__ = ("_state", "_instance")

    def __init__(self, state, instance=None):
        self._state = state
        self._instance = instance      # the InstanceState, or None when the host called

    @property
    def engine(self):
        """The Engine of the calling store."""
        return self._state.engine

    def get(self, name: str) -> Any:
        """The caller's export `name`, or None (also when the host, not Wasm, called)."""
        if self._instance is None:
            return None
        return self._instance.exports.get(name)

    def __getitem__(self, name: str) -> Any:
        item = self.get(name)
        if item is None:
            raise KeyError(f"failed to find export {name}")
        return item

    def get_fuel(self) -> int:
        """The fuel the store has left (Wasm that called this host function has been
        charged up to and including the call)."""
        return self._state.fuel.get()

    def set_fuel(self, fuel: int) -> None:
        """Set the store's fuel; the calling Wasm goes on with it when this host call returns."""
        self._state.fuel.set(fuel)

    def wasm_frames(self) -> list:
        """The Wasm frames that led to this host call, innermost first (see Store.wasm_frames)."""
        return self._state.frames()

    def __repr__(self) -> str:
        return f"<heron.Caller {'host' if self._instance is None else 'instance'}>"


__all__ = ["Caller"]
