"""script phase: runs WAST conformance scripts (`heron wast`).

`run_script(path, features, configs)` runs one file under each (target, strategy)
configuration; execution goes through an adapter (adapters.py), so the runner
checks what needs no execution even before Heron can run code.
"""
from __future__ import annotations

from .adapters import (NoExecutionAdapter, RuntimeAdapter, SkipCommand, default_adapter_factory,
                       runtime_available)
from .runner import Failure, ScriptResult, command_kind, run_commands, run_script

__all__ = ["NoExecutionAdapter", "RuntimeAdapter", "SkipCommand", "default_adapter_factory",
           "runtime_available", "Failure", "ScriptResult", "command_kind", "run_commands", "run_script"]
