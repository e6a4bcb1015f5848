"""The per-module driver: a validated ast.Module -> a `CompiledModule` for one target and one
strategy.

`compile_module` gives every defined function its code range (in the engine's code map),
compiles each to Python source (compile/function.py), joins them into one source text
(inspectable as `.source`) with a function `f<i>` per defined Wasm function, compiles
that with Python's `compile`, and registers per function the FrameLayout, code range
and call sites in the code map. Instantiation (runtime/) executes the code object in a
per-instance namespace.

Module-level facts: which functions may return a tail-call request, which frames can be
elided (DESIGN.md section 5), and which functions are depth-bounded recursions (their
callers then call the unchecked twin directly, so those callers are compiled again
once the bounded functions are known).
"""
from __future__ import annotations

import itertools
import os
import weakref
from dataclasses import dataclass, field
from typing import Any

from .. import ast
from ..errors import Unsupported
from ..target import assign
from ..types import FuncType
from .assemble import assemble
from .calls import may_return_tail_call
from ..target.codemap import PC_STRIDE, CodeMap
from .info import FunctionInfo
from .control import FlatNeeded
from .function import FunctionCompiler
from .fuelsum import summary_param
from .handlers import count_landing_pads
from .metering import NO_INSTRUMENTATION, Instrumentation

STRATEGIES = ("baseline", "optimizing")

_serial = itertools.count()
# Frame elision in the optimizing strategy (DESIGN.md section 5); tests switch it off to compare.
ELIDE_FRAMES = True
# Test-only: lower every function flat (the fallback for deeply nested code), to test that path.
FORCE_FLAT = os.environ.get("HERON_FORCE_FLAT", "") not in ("", "0")
_NOT_ELIDABLE = frozenset({"call_indirect", "call_ref", "return_call_indirect", "return_call_ref", "throw",
                           "throw_ref", "rethrow", "try", "try_table", "delegate", "catch", "catch_all"})


def elidable_functions(module: ast.Module) -> set[int]:
    """Functions no exception can unwind through: nothing reachable from them throws, calls an
    import or makes an indirect/ref call (greatest fixpoint over direct calls)."""
    nimp = len(module.imported("func"))
    callees: dict[int, set[int]] = {}
    for k, f in enumerate(module.funcs):
        targets: set[int] = set()
        ok = True
        for ins in f.body:
            op = ins.op
            if op in _NOT_ELIDABLE:
                ok = False
                break
            if op in ("call", "return_call"):
                if ins.imm < nimp:
                    ok = False
                    break
                targets.add(ins.imm)
        if ok:
            callees[nimp + k] = targets
    changed = True
    while changed:
        changed = False
        for idx in list(callees):
            if not callees[idx] <= callees.keys():
                del callees[idx]
                changed = True
    return set(callees)


class ModuleContext:
    """What compiling one function needs to know about the module and the target."""

    def __init__(self, module: ast.Module, target: str, strategy: str, stack_limit: int, stack_low: int,
                 instrumentation: Instrumentation = NO_INSTRUMENTATION):
        self.module = module
        self.target = target
        self.strategy = strategy
        # fuel and epoch checks (compile/metering.py): compile options like the target
        self.instrumentation = instrumentation
        self.stack_limit = stack_limit
        self.stack_low = stack_low
        self.n_imported_funcs = len(module.imported("func"))
        self.func_types = [module.func_type(i) for i in range(module.num_funcs())]
        self.may_tail: dict[int, bool] = {}
        self.elided: set[int] = set()
        # depth-bounded functions (those with an unchecked twin): index -> (bounded parameter,
        # FP distance of one self-call, lowest FP whose SP is in bounds), from their FrameLayout
        self.bounded: dict[int, tuple[int, int, int]] = {}
        # functions whose fuel is charged by a summary (compile/fuelsum.py): callers enter them
        # through f<i>_e, never their (uninstrumented) twin
        self.summarized: set[int] = set()
        self.constants: list = []
        self._const_index: dict = {}

    def frame_word(self, fp: str = "fp") -> str:
        """The expression of a frame's word index in stack memory (`fw`) from its FP."""
        return f"{fp} >> 3" if self.stack_low == 0 else f"({fp} - {self.stack_low}) >> 3"

    def abi(self, ft: FuncType):
        return assign(ft, self.target, "wasm")

    def constant(self, value, key=None) -> str:
        """A name (`K<n>`) in the generated module's globals bound to `value`."""
        k = key if key is not None else (type(value), value)
        name = self._const_index.get(k)
        if name is None:
            name = f"K{len(self.constants)}"
            self.constants.append(value)
            self._const_index[k] = name
        return name

    def callee_may_tail(self, func_idx: int) -> bool:
        if func_idx < self.n_imported_funcs:
            return True
        return self.may_tail.get(func_idx, True)


# filename of generated code -> CompiledModule (for traps: line -> instruction)
REGISTRY: "weakref.WeakValueDictionary[str, CompiledModule]" = weakref.WeakValueDictionary()


@dataclass(eq=False)
class CompiledModule:
    module: ast.Module
    target: str
    strategy: str
    source: str
    code: Any
    filename: str
    functions: list                  # FunctionInfo per defined function
    constants: list
    line_meta: list                  # per source line (0-based): (FunctionInfo | None, instr, trap code)
    may_tail: dict = field(default_factory=dict)
    unsupported: Unsupported | None = None
    instrumentation: Instrumentation = NO_INSTRUMENTATION

    def function(self, func_idx: int) -> FunctionInfo:
        return self.functions[func_idx - len(self.module.imported("func"))]

    def where(self, lineno: int) -> tuple:
        """(FunctionInfo, instruction index, trap code) for a 1-based line of the source."""
        if 1 <= lineno <= len(self.line_meta):
            return self.line_meta[lineno - 1]
        return (None, 0, None)


def compile_module(module: ast.Module, target: str, strategy: str, codemap: CodeMap,
                   stack_limit: int, stack_low: int, module_name: str | None = None,
                   instrumentation: Instrumentation = NO_INSTRUMENTATION) -> CompiledModule:
    """Compile every defined function (Unsupported names a feature Heron lacks);
    `instrumentation` adds fuel and epoch checks (compile/metering.py)."""
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r} (known: {', '.join(STRATEGIES)})")
    ctx = ModuleContext(module, target, strategy, stack_limit, stack_low, instrumentation)
    nimp = ctx.n_imported_funcs
    serial = next(_serial)
    mod_name = module_name or (module.names.module if module.names and module.names.module else None) \
        or module.id
    filename = f"<heron-{serial}:{mod_name or 'module'}:{strategy}:{target}>"

    if strategy == "optimizing" and ELIDE_FRAMES:
        ctx.elided = elidable_functions(module)
    infos: list[FunctionInfo] = []
    for k, f in enumerate(module.funcs):
        idx = nimp + k
        tail = may_return_tail_call(f.body, idx)
        ctx.may_tail[idx] = tail
        span = PC_STRIDE * (len(f.body) + 1 + count_landing_pads(f.body))   # instructions, then landing pads
        start = codemap.allocate(span)
        infos.append(FunctionInfo(start=start, end=start + span, index=idx, name=module.func_name(idx),
                                  module_name=mod_name, layout=None,
                                  offsets=[ins.offset for ins in f.body], may_tail_call=tail))

    pieces: list[tuple[list[str], list]] = []
    compilers: list[FunctionCompiler] = []
    for k, f in enumerate(module.funcs):
        fc = _compile_function(ctx, nimp + k, f, infos[k], flat=FORCE_FLAT)
        compilers.append(fc)
        pieces.append(assemble(fc))

    # callers of depth-bounded functions again, now that those are known: they call the
    # unchecked twin directly when the whole recursion fits
    for fc, info in zip(compilers, infos):
        if fc.calls.twin is not None:
            layout = info.layout
            ctx.bounded[info.index] = (fc.calls.bounded_param, fc.calls.self_call_fp_below_fp(layout),
                                       layout.fp_from_sp(ctx.stack_limit))
    if ctx.bounded:
        for k, f in enumerate(module.funcs):
            idx = nimp + k
            if any(ins.op == "call" and ins.imm in ctx.bounded and ins.imm != idx for ins in f.body):
                compilers[k] = _compile_function(ctx, idx, f, infos[k], flat=compilers[k].flat)
                pieces[k] = assemble(compilers[k])

    while True:
        lines: list[str] = []
        meta: list = []
        for k, (src_lines, src_meta) in enumerate(pieces):
            info = infos[k]
            for text, (instr, trap) in zip(src_lines, src_meta):
                lines.append(text)
                meta.append((info, instr, trap))
        source = "\n".join(lines) + "\n"
        try:
            code = compile(source, filename, "exec")
            break
        except (SyntaxError, RecursionError, MemoryError) as e:
            # CPython's compiler refused a deeply nested function: lower it flat instead
            lineno = getattr(e, "lineno", None)
            if lineno is None or not 1 <= lineno <= len(meta):
                raise
            info = meta[lineno - 1][0]
            k = info.index - nimp
            if compilers[k].flat:
                raise
            compilers[k] = _compile_function(ctx, info.index, module.funcs[k], infos[k], flat=True)
            pieces[k] = assemble(compilers[k])

    for fc, info in zip(compilers, infos):
        info.call_sites[:] = sorted(fc.call_sites(info.layout), key=lambda site: site.return_address)
        codemap.add(info)
    cm = CompiledModule(module=module, target=target, strategy=strategy, source=source, code=code,
                        filename=filename, functions=infos, constants=list(ctx.constants),
                        line_meta=meta, may_tail=dict(ctx.may_tail), instrumentation=instrumentation)
    REGISTRY[filename] = cm
    return cm


def _compile_function(ctx: ModuleContext, idx: int, f: ast.Func, info: FunctionInfo, flat: bool) -> FunctionCompiler:
    fc = FunctionCompiler(ctx, idx, f, info, flat=flat)
    try:
        fc.compile()
    except FlatNeeded:
        fc = FunctionCompiler(ctx, idx, f, info, flat=True)
        fc.compile()
    bounded = fc.calls.bounded_recursion_param()
    if bounded is not None:
        key = summary_param(fc) if ctx.instrumentation.consume_fuel else None
        twin = FunctionCompiler(ctx, idx, f, info, unchecked=True, metering="plain" if key is not None else "")
        twin.compile()
        fc.calls.bounded_param, fc.calls.twin = bounded, twin
        if key is not None:
            fc.calls.summary = FunctionCompiler(ctx, idx, f, info, unchecked=True, metering="summary",
                                                summary_key=key)
            fc.calls.summary.compile()
            ctx.summarized.add(idx)
    return fc


__all__ = ["compile_module", "CompiledModule", "ModuleContext", "REGISTRY", "STRATEGIES", "elidable_functions"]
