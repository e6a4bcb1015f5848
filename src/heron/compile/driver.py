"""Compiling one function of a module: ast.Func -> a `CompiledFunction` (its Python source,
the code object defining `f<j>`, its constants and the code-map metadata).

A function is compiled on its first call (compile/lazy.py drives that); this module holds
what every compile shares: the options the output depends on (`CompileOptions`, also the
cache key), the module-level facts (`ModuleContext`: which functions may return a
tail-call request, which frames are elided, which callees are depth-bounded recursions)
and the per-function constant pool (`FunctionContext`).

Everything a CompiledFunction holds is independent of where the code map put the module:
a return address is an instance global `RA<offset>` (bound to the module's code base +
offset when the function is installed), a landing pad `CB+<offset>` (`CB`, the code base,
in except clauses only), so the same code object serves any process (compile/cache.py).
"""
from __future__ import annotations

import itertools
import os
import re
from dataclasses import dataclass
from types import CodeType
from typing import Any, Callable

from .. import ast
from ..target import assign
from . import handlers
from ..types import FuncType
from .assemble import assemble
from .info import FunctionInfo
from .labels import FlatNeeded
from .function import FunctionCompiler
from .fuelsum import dependencies_known, optimizing_view, summary_param
from .metering import NO_INSTRUMENTATION, Instrumentation

STRATEGIES = ("baseline", "optimizing")

# Frame elision in the optimizing strategy (DESIGN.md section 5); tests switch it off to compare.
ELIDE_FRAMES = True
# Test-only: lower every function flat (the fallback for deeply nested code), to test that path.
FORCE_FLAT = os.environ.get("HERON_FORCE_FLAT", "") not in ("", "0")

_serial = itertools.count()


@dataclass(frozen=True)
class CompileOptions:
    """Everything compiled code depends on besides the module: part of the cache key. The
    test-only switches are read once, when a module is loaded."""
    target: str
    strategy: str
    stack_limit: int
    stack_low: int
    elide_frames: bool = True
    force_flat: bool = False
    shadow_frames: bool = False
    # fuel and epoch checks (Config.consume_fuel / epoch_interruption, compile/metering.py)
    instrumentation: Instrumentation = NO_INSTRUMENTATION

    @classmethod
    def current(cls, target: str, strategy: str, stack_limit: int, stack_low: int,
                instrumentation: Instrumentation = NO_INSTRUMENTATION) -> "CompileOptions":
        return cls(target, strategy, stack_limit, stack_low, ELIDE_FRAMES and strategy == "optimizing",
                   FORCE_FLAT, handlers.SHADOW_FRAMES, instrumentation)

    def key(self) -> str:
        return (f"{self.target}/{self.strategy}/limit={self.stack_limit}/low={self.stack_low}/"
                f"elide={int(self.elide_frames)}/flat={int(self.force_flat)}/shadow={int(self.shadow_frames)}/"
                f"{self.instrumentation.key()}")


class ModuleContext:
    """What compiling any function needs to know about the module and the target."""

    def __init__(self, module: ast.Module, options: CompileOptions, may_tail: dict[int, bool],
                 elided: set[int]):
        self.module = module
        self.options = options
        self.target = options.target
        self.strategy = options.strategy
        self.stack_limit = options.stack_limit
        self.stack_low = options.stack_low
        self.instrumentation = options.instrumentation
        self.n_imported_funcs = len(module.imported("func"))
        types = module.types
        self.func_types = [types[i.desc] for i in module.imported("func")] + \
            [types[f.type_idx] for f in module.funcs]
        self.may_tail = may_tail
        self.elided = elided
        # depth-bounded functions (those with an unchecked twin): index -> (bounded parameter,
        # FP distance of one self-call, lowest FP whose SP is in bounds), from their FrameLayout;
        # filled as they are compiled (before their callers: compile/lazy.py)
        self.bounded: dict[int, tuple[int, int, int]] = {}

    def frame_word(self, fp: str = "fp") -> str:
        """The expression of a frame's word index in stack memory (`fw`) from its FP."""
        return f"{fp} >> 3" if self.stack_low == 0 else f"({fp} - {self.stack_low}) >> 3"

    def frame_word(self, fp: str = "fp") -> str:
        """The expression of a frame's word index in stack memory (`fw`) from its FP."""
        return f"{fp} >> 3" if self.stack_low == 0 else f"({fp} - {self.stack_low}) >> 3"

    def abi(self, ft: FuncType):
        return assign(ft, self.target, "wasm")

    def callee_may_tail(self, func_idx: int) -> bool:
        if func_idx < self.n_imported_funcs:
            return True
        return self.may_tail.get(func_idx, True)


class FunctionContext(ModuleContext):
    """The module context as one function's compile sees it, with that function's own
    constant pool (`K<j>_<n>`): a function's output does not depend on what else was
    compiled before it."""

    def __init__(self, mctx: ModuleContext, func_idx: int):   # noqa: super().__init__ not wanted
        self.__dict__.update(mctx.__dict__)
        self.func_idx = func_idx
        self.constants: list[tuple[str, Any]] = []
        self._const_index: dict = {}

    def constant(self, value, key=None) -> str:
        """A name (`K<j>_<n>`) in the instance namespace bound to `value`."""
        k = key if key is not None else (type(value), value)
        name = self._const_index.get(k)
        if name is None:
            name = f"K{self.func_idx}_{len(self.constants)}"
            self.constants.append((name, value))
            self._const_index[k] = name
        return name


@dataclass(eq=False)
class CompiledFunction:
    """One compiled function: executing `code` in an instance namespace (after binding its
    `constants` there) defines `f<j>` (and `f<j>_e` / `f<j>_u` where they exist)."""
    index: int
    info: FunctionInfo
    code: CodeType
    filename: str
    constants: list                  # (name, value)
    line_meta: list                  # per source line (0-based): (instruction, trap code)
    source: str
    bounded: tuple | None = None     # ModuleContext.bounded's entry, when it has a twin
    _callees: list | None = None
    _addresses: list | None = None

    def return_addresses(self) -> list[tuple[str, int]]:
        """(name, offset from the module's code base) of every `RA<offset>` its code looks up:
        return addresses, bound per instance namespace when the function is installed."""
        if self._addresses is None:
            self._addresses = _referenced(self.code, _RA, lambda m: (m.group(0), int(m.group(1))))
        return self._addresses

    def callees(self) -> list[tuple[str, int, bool]]:
        """(name, function index, elided entry?) of every `F<j>` / `f<j>_e` its code looks up
        as a global: the names an instance namespace must bind before this code runs."""
        if self._callees is None:
            self._callees = _referenced(self.code, _CALLEE, lambda m: (
                m.group(0), int(m.group(1) or m.group(2)), m.group(2) is not None))
        return self._callees

    def where(self, lineno: int) -> tuple:
        """(FunctionInfo, instruction index, trap code) for a 1-based line of the source."""
        if 1 <= lineno <= len(self.line_meta):
            instr, trap = self.line_meta[lineno - 1]
            return (self.info, instr, trap)
        return (None, 0, None)


_CALLEE = re.compile(r"(?:F(\d+)|f(\d+)_e)$")
_RA = re.compile(r"RA(\d+)$")


def _referenced(code: CodeType, pattern: re.Pattern, item: Callable) -> list:
    """item(match) for every global name `code` (or code nested in it) looks up that matches."""
    out = []
    for name in code.co_names:
        m = pattern.match(name)
        if m is not None:
            out.append(item(m))
    for c in code.co_consts:
        if isinstance(c, CodeType):
            out += _referenced(c, pattern, item)
    return out


def compile_function(mctx: ModuleContext, idx: int, func: ast.Func, info: FunctionInfo,
                     filename: str) -> CompiledFunction:
    """Compile one defined function (its callees that may be depth-bounded must already be
    compiled, so that `mctx.bounded` knows them)."""
    info.frame_elided = idx in mctx.elided
    fc = _lower(FunctionContext(mctx, idx), idx, func, info, flat=mctx.options.force_flat)
    while True:
        lines, meta = assemble(fc)
        source = "\n".join(lines) + "\n"
        try:
            code = compile(source, filename, "exec")
            break
        except (SyntaxError, RecursionError, MemoryError):
            # CPython's compiler refused a deeply nested function: lower it flat instead
            if fc.flat:
                raise
            fc = _lower(FunctionContext(mctx, idx), idx, func, info, flat=True)
    layout = info.layout
    info.call_sites[:] = sorted(fc.call_sites(layout), key=lambda site: site.return_address)
    bounded = None
    if fc.calls.twin is not None and fc.calls.summary is None:
        # (a fuel-summarized function is entered through f<j>_e, never its uninstrumented twin)
        bounded = (fc.calls.bounded_param, fc.calls.self_call_fp_below_fp(layout),
                   layout.fp_from_sp(mctx.stack_limit))
    return CompiledFunction(index=idx, info=info, code=code, filename=filename, constants=fc.ctx.constants,
                            line_meta=meta, source=source, bounded=bounded)


def _lower(ctx: FunctionContext, idx: int, f: ast.Func, info: FunctionInfo, flat: bool) -> FunctionCompiler:
    fc = FunctionCompiler(ctx, idx, f, info, flat=flat)
    try:
        fc.compile()
    except FlatNeeded:
        ctx = FunctionContext(ctx, idx)
        fc = FunctionCompiler(ctx, idx, f, info, flat=True)
        fc.compile()
    fuel = ctx.instrumentation.consume_fuel
    bounded = fc.calls.bounded_recursion_param()
    if bounded is None and fuel and fc.baseline and not fc.flat and dependencies_known(fc):
        bounded = _bound_as_optimizing(ctx, idx, f, info)
    if bounded is not None:
        # with fuel, a pure recursion gets a fuel summary and an uninstrumented twin (fuelsum.py);
        # the baseline strategy has a twin only for that
        key = summary_param(fc, bounded) if fuel else None
        if key is None and fc.baseline:
            return fc
        twin = FunctionCompiler(ctx, idx, f, info, unchecked=True, metering="plain" if key is not None else "")
        twin.compile()
        fc.calls.bounded_param, fc.calls.twin = bounded, twin
        if key is not None:
            elided = info.frame_elided
            summary = FunctionCompiler(optimizing_view(ctx, idx, elided=True), idx, f, info,
                                       unchecked=True, metering="summary", summary_key=key)
            info.frame_elided = elided        # the summary is frameless; the function is what it is
            summary.compile()
            fc.calls.summary = summary
    return fc


def _bound_as_optimizing(ctx: FunctionContext, idx: int, f: ast.Func, info: FunctionInfo) -> int | None:
    """The depth-bounding parameter of a baseline function, as the optimizing strategy's
    analysis finds it (a property of the Wasm code: compile/calls.py)."""
    elided = info.frame_elided
    view = optimizing_view(FunctionContext(ctx, idx), idx, elided=False)
    probe = FunctionCompiler(view, idx, f, info)
    try:
        probe.compile()
    except FlatNeeded:
        return None
    finally:
        info.frame_elided = elided
    return probe.calls.bounded_recursion_param()


def next_serial() -> int:
    """A number unique in this process, for the file names of generated code."""
    return next(_serial)


__all__ = ["compile_function", "CompiledFunction", "CompileOptions", "ModuleContext", "FunctionContext",
           "STRATEGIES", "ELIDE_FRAMES", "FORCE_FLAT", "next_serial"]
