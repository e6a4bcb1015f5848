"""The on-disk code cache (`Config.cache`): compiled functions and load results per module.

Layout: `<directory>/<key[:2]>/<key>/module` (the load results) and `.../f<j>` (function j),
each one entry of compile/persist.py. The key digests the module's bytes, the target,
the strategy, every compile option and the Heron build (persist.cache_key), so entries
are content-addressed and one made by another build or for other options is never found.

Writes are atomic: an entry is written to a temporary file in the same directory and
renamed over the final name, so two processes loading the same module at once each see
either no entry or a whole one (both write the same bytes; the last rename wins). A read
that finds a damaged, truncated or foreign entry ignores it; the caller rebuilds and the
next write replaces it. Failing to write (read-only directory, full disk) only costs the
next start its warm cache.

Only binary modules are cached (text is a test format: it is parsed and compiled as usual).
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .driver import CompiledFunction
from .persist import function_from_payload, function_payload, module_from_payload, module_payload, pack, unpack


def default_directory() -> Path:
    """`$HERON_CACHE_DIR`, else `$XDG_CACHE_HOME/heron`, else `~/.cache/heron`."""
    env = os.environ.get("HERON_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "heron"


class CodeCache:
    """A cache directory; `entry(key)` is one module's part of it."""

    def __init__(self, directory: str | os.PathLike | None = None):
        self.directory = Path(directory) if directory is not None else default_directory()

    def entry(self, key: str) -> "ModuleEntry":
        return ModuleEntry(self.directory / key[:2] / key, key)

    def __repr__(self) -> str:
        return f"CodeCache({str(self.directory)!r})"


class ModuleEntry:
    """One module's cached load results and functions (a FunctionStore for CompiledModule)."""

    def __init__(self, path: Path, key: str):
        self.path = path
        self.key = key
        self.hits = 0
        self.misses = 0

    # ------------------------------------------------------------------ load results
    def load_module(self):
        """(module without bodies, facts, elided functions) from the cache, or None."""
        found = self._read("module")
        return module_from_payload(found) if found is not None else None

    def store_module(self, module, facts: list, elided: set[int]) -> None:
        self._write("module", module_payload(module, facts, elided))

    # ------------------------------------------------------------------ functions
    def load(self, cm, idx: int) -> CompiledFunction | None:
        found = self._read(f"f{idx}")
        cf = function_from_payload(found, cm, idx) if found is not None else None
        if cf is None:
            self.misses += 1
        else:
            self.hits += 1
        return cf

    def store(self, cm, cf: CompiledFunction) -> None:
        self._write(f"f{cf.index}", function_payload(cf))

    # ------------------------------------------------------------------ files
    def _read(self, kind: str) -> bytes | None:
        try:
            data = (self.path / kind).read_bytes()
        except OSError:
            return None
        found = unpack(data, kind, self.key)
        return found[2] if found is not None else None

    def _write(self, kind: str, payload: bytes) -> None:
        data = pack(kind, self.key, payload)
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path, prefix=f".{kind}.", suffix=".tmp")
        except OSError:
            return
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, self.path / kind)
        except OSError:
            try:
                os.unlink(tmp)
            except OSError:
                pass


__all__ = ["CodeCache", "ModuleEntry", "default_directory"]
