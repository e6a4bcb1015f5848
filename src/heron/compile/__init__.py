"""compile phase: Wasm -> executable Python for one target and one strategy.

`compile_module` (driver.py) turns a validated ast.Module into a `CompiledModule`:
one Python source text (inspectable as `.source`) holding a function `f<i>` per
defined Wasm function, its code object, and per function the FrameLayout, code range
and call sites, registered in the engine's code map (target/codemap.py). Instantiation
(runtime/) executes the code object in a per-instance namespace. function.py says how
one function is compiled, and by which parts.
"""
from __future__ import annotations

from ..target.codemap import HOST_RETURN_ADDRESS, CallSite, CodeMap
from .info import FunctionInfo
from .driver import REGISTRY, STRATEGIES, CompiledModule, compile_module

__all__ = ["compile_module", "CompiledModule", "CodeMap", "CallSite", "FunctionInfo", "STRATEGIES",
           "HOST_RETURN_ADDRESS", "REGISTRY"]
