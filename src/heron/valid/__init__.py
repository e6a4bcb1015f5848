"""The validator: type-checks a module (every body included) before it is compiled.

`validate(module, features)` raises heron.ValidationError or heron.Unsupported, and
returns a ModuleInfo (per function: max operand-stack height and block types).
"""
from __future__ import annotations

from .body import BlockInfo
from .module import FuncInfo, ModuleInfo, validate

__all__ = ["validate", "ModuleInfo", "FuncInfo", "BlockInfo"]
