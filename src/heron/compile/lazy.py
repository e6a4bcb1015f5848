"""The compiled module: what exists when a module is loaded, and what its first calls compile.

Loading (`CompiledModule(...)`) compiles nothing. It gathers the module-level facts every
caller bakes in (compile/facts.py: may_tail, elided frames), reserves one range of code
addresses for the whole module in the engine's code map (each function's place in it
follows from its facts, so it is the same in every process) and waits.

`ensure(j)` compiles defined function j once, on its first call from any instance: first
the callees that may be depth-bounded recursions (their callers call the unchecked twin
directly, so the answer must exist before the caller is compiled), then j itself; it
registers j's FrameLayout, code range and call sites in the code map and its file name in
REGISTRY (traps map generated-code tracebacks through it) -- all before any frame of j
can exist -- and hands the CompiledFunction to every listener (runtime/: the instances
of this module install it into their namespaces). A code cache (compile/cache.py), when
given, is asked before compiling and told after.
"""
from __future__ import annotations

import weakref
from typing import Callable, Protocol

from .. import ast
from ..gcpause import paused_gc
from ..target.codemap import CodeMap
from .info import FunctionInfo
from .driver import STRATEGIES, CompiledFunction, CompileOptions, ModuleContext, compile_function, next_serial
from .facts import bounded_candidate, code_span, elidable, facts_of, reaches_recursion
from .metering import NO_INSTRUMENTATION, Instrumentation

# file name of generated code -> CompiledFunction (for traps: line -> instruction)
REGISTRY: "weakref.WeakValueDictionary[str, CompiledFunction]" = weakref.WeakValueDictionary()


class FunctionStore(Protocol):
    """Where compiled functions may come from and go to besides the compiler (a code cache)."""

    def load(self, cm: "CompiledModule", idx: int) -> CompiledFunction | None: ...

    def store(self, cm: "CompiledModule", cf: CompiledFunction) -> None: ...


class CompiledModule:
    """A validated module loaded for one target and strategy; functions compile on first call."""

    def __init__(self, module: ast.Module, options: CompileOptions, codemap: CodeMap,
                 module_name: str | None = None, *, facts: list | None = None,
                 elided: set[int] | None = None,
                 func_with_body: Callable[[int], ast.Func] | None = None,
                 store: FunctionStore | None = None):
        if options.strategy not in STRATEGIES:
            raise ValueError(f"unknown strategy {options.strategy!r} (known: {', '.join(STRATEGIES)})")
        self.module = module
        self.options = options
        self.target = options.target
        self.strategy = options.strategy
        self.codemap = codemap
        self.name = module_name or (module.names.module if module.names and module.names.module else None) \
            or module.id
        self.nimp = nimp = len(module.imported("func"))
        n = len(module.funcs)
        self.facts = facts if facts is not None else [facts_of(module, k) for k in range(n)]
        self.may_tail = {nimp + k: fx.tail_calls_other for k, fx in enumerate(self.facts)}
        if elided is None:
            elided = elidable(self.facts, nimp) if options.elide_frames else set()
        self.ctx = ModuleContext(module, options, self.may_tail, elided)
        # code addresses: one range for the module, each function at a fixed offset in it
        self.offsets: list[int] = []
        pos = 0
        for fx in self.facts:
            self.offsets.append(pos)
            pos += ((code_span(fx) + 15) & -16) + 16
        self.code_size = pos
        self.base = codemap.allocate(pos)
        self.compiled: list[CompiledFunction | None] = [None] * n
        self.listeners: "weakref.WeakSet" = weakref.WeakSet()
        self.serial = next_serial()
        self._func_with_body = func_with_body
        self.store = store
        self._may_recurse: dict[int, bool] = {}

    # ------------------------------------------------------------------ compiling
    def ensure(self, idx: int) -> CompiledFunction:
        """Defined function `idx` compiled (once), registered and installed everywhere."""
        cf = self.compiled[idx - self.nimp]
        return cf if cf is not None else self._compile(idx)

    def _compile(self, idx: int) -> CompiledFunction:
        k = idx - self.nimp
        ctx = self.ctx
        # a caller of a possibly depth-bounded callee calls its twin directly (optimizing,
        # compile/calls.py): the callee's answer must exist first
        if self.strategy == "optimizing":
            for c in self.facts[k].callees:
                if (c != idx and c >= self.nimp and self.compiled[c - self.nimp] is None
                        and bounded_candidate(self.facts[c - self.nimp], c)):
                    self._compile(c)
        # no garbage collection while compiling: the compiler leaves no cycles worth collecting
        # mid-function, and a full collection walks the running program's whole heap (its
        # stack memory, the module): with it on, first-call compiles took 3x as long
        with paused_gc():
            cf = self.store.load(self, idx) if self.store is not None else None
            if cf is None:
                func = self.func(k)
                cf = compile_function(ctx, idx, func, self.new_info(idx, [ins.offset for ins in func.body]),
                                      self.filename(idx))
                if self.store is not None:
                    self.store.store(self, cf)
        if cf.bounded is not None:
            ctx.bounded[idx] = cf.bounded
        self.compiled[k] = cf
        self.codemap.add(cf.info)
        REGISTRY[cf.filename] = cf
        for listener in list(self.listeners):
            listener.install(cf)
        return cf

    def may_recurse(self, idx: int) -> bool:
        """Whether a call of function idx can build a deep stack (compile/facts.py); cached."""
        known = self._may_recurse.get(idx)
        if known is None:
            known = self._may_recurse[idx] = reaches_recursion(self.facts, self.nimp, idx)
        return known

    def func(self, k: int) -> ast.Func:
        """Defined function k with its body (a module restored from a cache decodes it then)."""
        if self._func_with_body is not None:
            return self._func_with_body(k)
        return self.module.funcs[k]

    def new_info(self, idx: int, offsets: list) -> FunctionInfo:
        """Function idx's identity and code range (its layout and call sites come with its code)."""
        k = idx - self.nimp
        start = self.base + self.offsets[k]
        return FunctionInfo(index=idx, name=self.module.func_name(idx), module_name=self.name,
                            start=start, end=start + code_span(self.facts[k]), layout=None, offsets=offsets,
                            may_tail_call=self.may_tail[idx], frame_elided=idx in self.ctx.elided,
                            base=self.base)

    def filename(self, idx: int) -> str:
        """The file name of function idx's generated code (unique in this process)."""
        return f"<heron-{self.serial}:{self.name or 'module'}:{self.strategy}:{self.target}:f{idx}>"

    def compile_all(self) -> None:
        for k in range(len(self.compiled)):
            self.ensure(self.nimp + k)

    def subscribe(self, listener) -> None:
        """`listener.install(cf)` for every function compiled from now on (held weakly)."""
        self.listeners.add(listener)

    # ------------------------------------------------------------------ inspection
    @property
    def source(self) -> str:
        """The generated Python source of every defined function (compiling all of them)."""
        self.compile_all()
        return "".join(cf.source for cf in self.compiled)

    @property
    def functions(self) -> list[FunctionInfo]:
        """FunctionInfo per defined function (compiling all of them)."""
        self.compile_all()
        return [cf.info for cf in self.compiled]

    def function(self, func_idx: int) -> FunctionInfo:
        return self.ensure(func_idx).info

    def compiled_count(self) -> int:
        return sum(cf is not None for cf in self.compiled)


def compile_module(module: ast.Module, target: str, strategy: str, codemap: CodeMap,
                   stack_limit: int, stack_low: int, module_name: str | None = None,
                   instrumentation: Instrumentation = NO_INSTRUMENTATION) -> CompiledModule:
    """Load `module` for lazy compilation (nothing is compiled until a function is first called)."""
    return CompiledModule(module, CompileOptions.current(target, strategy, stack_limit, stack_low, instrumentation),
                          codemap, module_name)


__all__ = ["CompiledModule", "FunctionStore", "REGISTRY", "compile_module"]
