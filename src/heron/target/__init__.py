"""target phase: the machine model -- targets, calling conventions, argument locations,
and FrameLayout, the single source of truth for frame addresses; plus the simulated
stack memory frames live in. Imports nothing of Heron but `types` and `errors`."""
from .abi import FLOAT, INT, CallAssignment, Location, assign, stack_size, value_class
from .frame import (FAULT_CALLER_SP, FAULT_DYNCTX, FAULT_ENV, FAULTS, FrameLayout, LayoutError,
                    active_fault, reset_fault_cache)
from .stack import STACK_EXHAUSTED, StackMemory
from .targets import (AARCH64, CONVENTIONS, SYSTEM, TARGETS, WASM, X86_64_SYSV, X86_64_WINDOWS, Target,
                      TargetError, get_target)

__all__ = ["FLOAT", "INT", "CallAssignment", "Location", "assign", "stack_size", "value_class",
           "FAULT_CALLER_SP", "FAULT_DYNCTX", "FAULT_ENV", "FAULTS", "FrameLayout", "LayoutError",
           "active_fault", "reset_fault_cache", "STACK_EXHAUSTED", "StackMemory",
           "AARCH64", "CONVENTIONS", "SYSTEM", "TARGETS", "WASM", "X86_64_SYSV", "X86_64_WINDOWS",
           "Target", "TargetError", "get_target"]
