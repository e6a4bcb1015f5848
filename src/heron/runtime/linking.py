"""Compiled functions in an instance namespace: stubs until first call, then the real code.

Generated code reaches a defined function j of its own module through names in the
instance namespace -- `F<j>` (a direct call; the same function as `f<j>`), `f<j>_e` (a
direct call of an elided frame) and `f<j>_u` (a depth-bounded recursion's unchecked twin,
which callers only name once it is compiled, compile/lazy.py) -- and everything else
reaches it through `Func.code` (tables, ref.func, exports, other instances).

Until j is compiled each of these is a stub. The first call of any stub compiles j once
for the CompiledModule (shared by all its instances); the CompiledModule hands the code to
every binder subscribed to it, i.e. every instance of the module created so far, and each
binds the constants, executes the code object in its own namespace (rebinding the names
above) and points its Func object at the real function. The stub then calls the real
function with the same arguments: the caller has already written the frame record for
it, and the stub touches no stack memory and is no generated code, so walker and trap
backtraces never see it. After that nothing of the stub remains on any path: generated
code looks the names up in the namespace on every call, and `Func.code` is read per call.
"""
from __future__ import annotations

from functools import partial
from typing import Callable




class Binder:
    """Keeps one instance namespace in step with its CompiledModule (see the module docstring)."""
    __slots__ = ("ns", "funcs", "compiled", "__weakref__")

    def __init__(self, ns: dict, funcs: list, compiled):
        self.ns = ns
        self.funcs = funcs
        self.compiled = compiled

    def bind(self) -> None:
        """The module's functions into the namespace: compiled ones, stubs for the rest; then
        follow what gets compiled from now on."""
        cm = self.compiled
        ns = self.ns
        ns["CB"] = cm.base
        nimp = cm.nimp
        elided = cm.ctx.elided
        call = self.call
        funcs = self.funcs
        for k, cf in enumerate(cm.compiled):
            j = nimp + k
            if cf is not None:
                self.install(cf)
                continue
            name = f"f{j}"
            ns[f"F{j}"] = ns[name] = funcs[j].code = partial(call, j, name)   # the stub
            if j in elided:
                name = f"f{j}_e"
                ns[name] = partial(call, j, name)
        cm.subscribe(self)

    def install(self, cf) -> None:
        """Compiled function `cf` into this namespace, in place of its stubs."""
        ns = self.ns
        for name, value in cf.constants:
            ns[name] = value
        exec(cf.code, ns)
        j = cf.index
        code = ns[f"f{j}"]
        ns[f"F{j}"] = code
        self.funcs[j].code = code

    def call(self, j: int, name: str, *args):
        """A stub's call: function j compiled and installed, then the real `name` called."""
        self.compiled.ensure(j)
        return self.ns[name](*args)


__all__ = ["Binder"]
