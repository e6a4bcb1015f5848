"""compile phase: Wasm -> executable Python for one target and one strategy, function by
function, on first call.

`compile_module` (lazy.py) loads a validated ast.Module as a `CompiledModule`: module-level
facts and a code range, nothing compiled yet. `CompiledModule.ensure(j)` compiles function
j (driver.py) to a code object defining `f<j>` and registers its FrameLayout, code range
and call sites in the engine's code map (target/codemap.py); instantiation (runtime/) installs
it into each instance namespace. `.source` compiles everything and shows it. cache.py
keeps compiled functions on disk. function.py says how one function is compiled, and by
which parts.
"""
from __future__ import annotations

from ..target.codemap import HOST_RETURN_ADDRESS, CallSite, CodeMap
from .driver import STRATEGIES, CompiledFunction, CompileOptions
from .info import FunctionInfo
from .lazy import REGISTRY, CompiledModule, compile_module

__all__ = ["compile_module", "CompiledModule", "CompiledFunction", "CompileOptions", "CodeMap", "CallSite",
           "FunctionInfo", "STRATEGIES", "HOST_RETURN_ADDRESS", "REGISTRY"]
