"""Config and Engine: the settings a module is compiled under (target, strategy,
proposals, stack size), and the engine that owns the code map of everything it compiled."""
from __future__ import annotations

import os
from typing import Any

from ..compile.cache import CodeCache
from ..target.codemap import CodeMap
from ..errors import HeronError
from ..features import Features
from ..target import TARGETS
from ..target.stack import DEFAULT_BASE, DEFAULT_RED_ZONE, DEFAULT_SIZE

DEFAULT_TARGET = "x86_64-sysv"
# Stack addresses stay below 2**30 so frame arithmetic uses CPython's one-digit int fast paths.
STACK_BASE = 1 << 30
DEFAULT_STRATEGY = "optimizing"


class Config:
    """Engine settings: target, strategy, proposals (`features` or wasm_* flags), stack size,
    and the code cache (`cache`: True for the default per-user directory, or a directory;
    False/None: none -- wasmtime-py's spelling; see compile/cache.py)."""

    def __init__(self, target: str = DEFAULT_TARGET, strategy: str = DEFAULT_STRATEGY,
                 features: Features | None = None, stack_size: int = DEFAULT_SIZE,
                 cache: bool | str | os.PathLike | None = None, **flags: bool):
        if target not in TARGETS:
            raise HeronError(f"unknown target {target!r} (known: {', '.join(TARGETS)})")
        if strategy not in ("baseline", "optimizing"):
            raise HeronError(f"unknown strategy {strategy!r} (known: baseline, optimizing)")
        self.target = target
        self.strategy = strategy
        self.features = features if features is not None else Features()
        self.stack_size = max(16 * ((stack_size + 15) // 16), DEFAULT_RED_ZONE + 4096)
        self.cache = cache
        for name, on in flags.items():
            if not name.startswith("wasm_"):
                raise TypeError(f"unknown Config option {name!r}")
            self.features.set(name[5:].replace("_", "-"), bool(on))

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("wasm_"):
            self.features.set(name[5:].replace("_", "-"), bool(value))
            return
        object.__setattr__(self, name, value)


class Engine:
    """Compiles modules for one target and strategy; owns the code map of everything it compiled."""

    def __init__(self, config: Config | None = None):
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


__all__ = ["Config", "Engine", "DEFAULT_TARGET", "DEFAULT_STRATEGY"]
