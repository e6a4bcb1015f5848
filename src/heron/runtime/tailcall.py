"""The tail-call request: what a function that `return_call`s a different function
returns instead of a result, so the nearest non-tail call site runs the callee
(a trampoline) and a chain of tail calls uses constant stack memory and Python stack."""
from __future__ import annotations


class TailCall:
    """A `return_call` request: the nearest non-tail call site calls the thunk `f()` next
    (it calls the callee with its FP and arguments, bound when the request was made)."""
    __slots__ = ("f",)

    def __init__(self, f):
        self.f = f


__all__ = ["TailCall"]
