"""Compiled functions in an instance namespace: stubs until first call, then the real code.

Generated code reaches a defined function j of its own module through names in the
instance namespace -- `F<j>` (the standard entry, the same function as `f<j>`), `f<j>_e`
(the direct entry: every parameter a Python argument; elided frames, and every function
under the optimizing strategy) and `f<j>_u` (a depth-bounded recursion's unchecked twin,
which callers only name once it is compiled, compile/lazy.py) -- and everything else
reaches it through `Func.code` (tables, ref.func, exports, other instances). An import is
`F<i>` too (a `return_call` of it).

Until j is compiled each of these is a stub. The first call of any stub compiles j once
for the CompiledModule (shared by all its instances); the CompiledModule hands the code to
every binder subscribed to it, i.e. every instance of the module created so far, and each
binds the function's constants and return addresses (`RA<offset>`: the module's code base
+ offset, so the code object serves wherever the module's code range lies), executes the
code object in its own namespace (rebinding the names above) and points its Func object
at the real function. The stub then calls the real
function with the same arguments: the caller has already written the frame record for
it, and the stub touches no stack memory and is no generated code, so walker and trap
backtraces never see it. After that nothing of the stub remains on any path: generated
code looks the names up in the namespace on every call, and `Func.code` is read per call.
"""
from __future__ import annotations

from typing import Callable

from ..target import assign

_FACTORIES: dict[int, Callable] = {}


def _stub_factory(n: int) -> Callable:
    """`make(resolve, j, direct)` -> a stub taking FP and n register arguments. Exact arity
    keeps every call a plain Python-to-Python call, which CPython runs without growing the C
    stack (a `*args` forward would add a C level per first call still on the stack)."""
    make = _FACTORIES.get(n)
    if make is None:
        args = ", ".join(["fp"] + [f"a{i}" for i in range(n)])
        src = (f"def make(resolve, j, direct):\n"
               f"    def stub({args}):\n"
               f"        return resolve(j, direct)({args})\n"
               f"    return stub\n")
        ns: dict = {}
        exec(compile(src, f"<heron stub/{n}>", "exec"), ns)
        make = _FACTORIES[n] = ns["make"]
    return make


class Binder:
    """Keeps one instance namespace in step with its CompiledModule (see the module docstring).

    Stubs cost instantiation little: each not-yet-compiled function gets one as its
    `Func.code`; a namespace name gets a stub only when code installed in the namespace
    refers to it (the names a code object looks up are in its co_names)."""
    __slots__ = ("ns", "funcs", "compiled", "target", "arity", "__weakref__")

    def __init__(self, ns: dict, funcs: list, compiled):
        self.ns = ns
        self.funcs = funcs
        self.compiled = compiled
        self.target = compiled.target
        self.arity: dict = {}           # (FuncType, elided entry?) -> stub factory

    def stub(self, j: int, direct: bool) -> Callable:
        """A stub for function j's standard entry (`f<j>`, Func.code) or direct entry (`f<j>_e`:
        every parameter a Python argument)."""
        ft = self.funcs[j].ftype
        make = self.arity.get((ft, direct))
        if make is None:
            n = len(ft.params) if direct else \
                sum(loc.reg is not None for loc in assign(ft, self.target, "wasm").params)
            make = self.arity[(ft, direct)] = _stub_factory(n)
        return make(self.resolve, j, direct)

    def bind(self) -> None:
        """The module's functions into the namespace: compiled ones, stubs for the rest; then
        follow what gets compiled from now on."""
        cm = self.compiled
        self.ns["CB"] = cm.base
        stub = self.stub
        funcs = self.funcs
        nimp = cm.nimp
        for k, cf in enumerate(cm.compiled):
            if cf is None:
                funcs[nimp + k].code = stub(nimp + k, False)
        for cf in cm.compiled:
            if cf is not None:
                self.install(cf)
        cm.subscribe(self)

    def install(self, cf) -> None:
        """Compiled function `cf` into this namespace, in place of its stubs; stubs for the
        not-yet-compiled functions it calls by name."""
        ns = self.ns
        for name, value in cf.constants:
            ns[name] = value
        base = self.compiled.base
        for name, offset in cf.return_addresses():
            ns[name] = base + offset
        exec(cf.code, ns)
        j = cf.index
        code = ns[f"f{j}"]
        ns[f"F{j}"] = code
        self.funcs[j].code = code
        for name, c, direct in cf.callees():
            if name not in ns:
                ns[name] = self.stub(c, True) if direct else self.entry(c)

    def entry(self, j: int) -> Callable:
        """`F<j>`, function j's standard entry: its current code, or for an import that is
        another instance's function not compiled yet, a stub of our own that rebinds `F<j>`
        when it has compiled it (the exporter's stub would stay in our namespace)."""
        code = self.funcs[j].code
        if j < self.compiled.nimp and is_stub(code):
            return self.stub(j, False)
        return code

    def resolve(self, j: int, direct: bool) -> Callable:
        """What a stub calls first: function j compiled and installed; the real `f<j>_e`
        (direct entry) or `f<j>`."""
        if j < self.compiled.nimp:                  # an import: the exporter compiles it
            func = self.funcs[j]
            code = func.instance._state.binder.resolve(func.index, False)
            self.ns[f"F{j}"] = code
            return code
        self.compiled.ensure(j)
        return self.ns[f"f{j}_e" if direct else f"f{j}"]


def is_stub(code) -> bool:
    """Whether `code` is a first-call stub (made by a `<heron stub/n>` factory)."""
    return getattr(getattr(code, "__code__", None), "co_filename", "").startswith("<heron stub")


__all__ = ["Binder", "is_stub"]
