"""The `store` argument of the public API: a heron.Store, or anything usable as one
(wasmtime-py's "Storelike": a Caller inside a host function)."""
from __future__ import annotations

from typing import Any


def state_of(store: Any):
    """The StoreState behind a Store-like argument (TypeError for anything else)."""
    state = getattr(store, "_state", None)
    if state is None:
        raise TypeError(f"expected a heron.Store, got {type(store).__name__}")
    return state


def check_store(obj: Any, store: Any) -> None:
    """Refuse `store` unless it is the Store `obj` belongs to (a TypeError, as an object
    of one Store is meaningless in another). `None` is accepted: Heron's objects know
    their Store."""
    if store is not None and state_of(store) is not obj.store:
        raise TypeError(f"this {type(obj).__name__} belongs to another Store")


__all__ = ["state_of", "check_store"]
