"""Config and Engine: the settings a module is compiled under (target, strategy,
proposals, stack size, fuel and epoch checks), and the engine that owns the code map of
everything it compiled and the epoch counter its stores' deadlines refer to."""
from __future__ import annotations

import os
from typing import Any

from ..compile.cache import CodeCache
from ..compile.metering import Instrumentation
from ..target.codemap import CodeMap
from ..errors import HeronError
from ..features import Features
from ..target import TARGETS
from ..target.stack import DEFAULT_BASE, DEFAULT_RED_ZONE, DEFAULT_SIZE
from .epoch import EpochClock

DEFAULT_TARGET = "x86_64-sysv"
# Stack addresses stay below 2**30 so frame arithmetic uses CPython's one-digit int fast paths.
STACK_BASE = 1 << 30
DEFAULT_STRATEGY = "optimizing"


_STRATEGIES = {"baseline": "baseline", "optimizing": "optimizing",
               # wasmtime's names: Cranelift optimizes, Winch is a baseline compiler
               "auto": "optimizing", "cranelift": "optimizing", "winch": "baseline"}
_OPTIONS = ("target", "strategy", "features", "stack_size", "max_wasm_stack", "cache", "consume_fuel",
            "epoch_interruption")
# keyword options of Config() besides its named parameters
_FLAGS = ("max_wasm_stack", "consume_fuel", "epoch_interruption")


class Config:
    """Engine settings: the modelled target, the compilation strategy, the proposals
    (`features`, or wasmtime-py's `wasm_*` flags such as `config.wasm_tail_call = True`)
    and the size of the stack Wasm frames live in (`stack_size`, or wasmtime-py's
    `max_wasm_stack`), and the code cache (`cache`: True for the default per-user
    directory, or a directory; False/None: none -- wasmtime-py's spelling; see
    compile/cache.py). An option Heron does not know raises (AttributeError when set as
    an attribute, TypeError as a keyword) instead of being silently ignored.

    Resource controls, as in wasmtime-py: `consume_fuel = True` makes Wasm consume fuel
    (`Store.set_fuel` / `get_fuel`; trap "all fuel consumed" when it runs out), and
    `epoch_interruption = True` makes it trap with "interrupt" once the engine's epoch
    (`Engine.increment_epoch()`) reaches the store's deadline (`Store.set_epoch_deadline`).
    Both are compiled into the code (and part of the code cache's key), so they cost
    nothing when off."""

    features: Features
    target: str
    strategy: str
    stack_size: int
    cache: bool | str | os.PathLike | None
    consume_fuel: bool
    epoch_interruption: bool

    def __init__(self, target: str = DEFAULT_TARGET, strategy: str = DEFAULT_STRATEGY,
                 features: Features | None = None, stack_size: int = DEFAULT_SIZE,
                 cache: bool | str | os.PathLike | None = None, **flags: Any):
        object.__setattr__(self, "features", features if features is not None else Features())
        self.target = target
        self.strategy = strategy
        self.stack_size = stack_size
        self.cache = cache
        self.consume_fuel = False
        self.epoch_interruption = False
        for name, value in flags.items():
            if not (name.startswith("wasm_") or name in _FLAGS):
                raise TypeError(f"unknown Config option {name!r}")
            setattr(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("wasm_"):
            self.features.set(name[5:].replace("_", "-"), bool(value))
            return
        if name not in _OPTIONS:
            raise AttributeError(f"heron.Config has no option {name!r} "
                                 f"(known: {', '.join(_OPTIONS)} and the wasm_* proposal flags)")
        if name == "target" and value not in TARGETS:
            raise HeronError(f"unknown target {value!r} (known: {', '.join(TARGETS)})")
        if name == "strategy":
            if value not in _STRATEGIES:
                raise HeronError(f"unknown strategy {value!r} (known: {', '.join(_STRATEGIES)})")
            value = _STRATEGIES[value]
        if name == "features" and not isinstance(value, Features):
            raise TypeError(f"Config.features must be a heron.Features, not {type(value).__name__}")
        if name == "cache" and not (value is None or isinstance(value, (bool, str, os.PathLike))):
            raise TypeError(f"Config.cache is True, False, None or a directory, not {type(value).__name__}")
        if name in ("stack_size", "max_wasm_stack"):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise HeronError(f"{name} must be a positive number of bytes, not {value!r}")
            name, value = "stack_size", max(16 * ((value + 15) // 16), DEFAULT_RED_ZONE + 4096)
        if name in ("consume_fuel", "epoch_interruption") and not isinstance(value, bool):
            raise TypeError(f"Config.{name} is True or False, not {value!r}")
        object.__setattr__(self, name, value)

    @property
    def max_wasm_stack(self) -> int:
        """wasmtime-py's name for `stack_size`: bytes of stack Wasm frames may use."""
        return self.stack_size


class Engine:
    """Compiles modules for one target and strategy (from its Config, read once at
    creation); owns the code map of everything it compiled, which backtraces and the
    exception unwinder read, and the epoch counter of epoch interruption."""

    def __init__(self, config: Config | None = None):
        if config is not None and not isinstance(config, Config):
            raise TypeError(f"expected a heron.Config, got {type(config).__name__}")
        self.config = config or Config()
        self.target = self.config.target
        self.strategy = self.config.strategy
        self.features = self.config.features
        self.stack_size = self.config.stack_size
        # the stack's lowest address is 0, so a frame's word index is FP >> 3 (one shift in
        # every prologue) and addresses stay one-digit ints for CPython's fast paths
        self.stack_base = self.stack_size if self.stack_size < STACK_BASE else DEFAULT_BASE
        self.stack_low = self.stack_base - self.stack_size
        self.stack_limit = self.stack_low + DEFAULT_RED_ZONE
        self.codemap = CodeMap()
        cache = self.config.cache
        self.code_cache = None if cache is None or cache is False else \
            CodeCache(None if cache is True else cache)
        # fuel and epoch checks are compiled in: compile options, like the target
        self.instrumentation = Instrumentation(self.config.consume_fuel, self.config.epoch_interruption)
        self.epochs = EpochClock()

    def increment_epoch(self) -> None:
        """Advance the epoch by one (safe from any thread, e.g. a timer): Wasm running in a
        store whose deadline this reaches traps with "interrupt" at its next function entry
        or loop header."""
        self.epochs.increment()


__all__ = ["Config", "Engine", "DEFAULT_TARGET", "DEFAULT_STRATEGY"]
