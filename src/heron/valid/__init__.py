"""The validator: type-checks a module (every body included) before it is compiled.

`validate(module, features)` raises heron.ValidationError or heron.Unsupported, sets each
defined function's `facts` (heron.ast.FuncFacts: stack height, nesting, calls, handlers, for
the compiler) and returns a ModuleInfo. Bodies are checked straight from their bytes.
"""
from __future__ import annotations

from .module import ModuleInfo, validate

__all__ = ["validate", "ModuleInfo"]
