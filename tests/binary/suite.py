"""The official scripts' binary modules, as wasm-tools json-from-wast writes them."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from testsuite_paths import json_from_wast, required_scripts

_BINARY_SOURCE = re.compile(r"\(module(\s+\$\S+)?\s+binary\b")


@lru_cache(maxsize=None)
def _lines(script: Path) -> tuple[str, ...]:
    return tuple(script.read_text(encoding="utf-8", errors="replace").splitlines())


def written_as_binary(script: Path, line: int) -> bool:
    """True if the module at `line` is a `(module binary ...)` in the script: its bytes are
    the author's, possibly with non-canonical LEBs or empty sections, so no round trip."""
    text = " ".join(_lines(script)[line - 1:line + 2])
    return bool(_BINARY_SOURCE.search(text))


@lru_cache(maxsize=None)
def commands() -> tuple[tuple[Path, dict, Path], ...]:
    """(script, command, folder) for every command of every required script wasm-tools reads."""
    out = []
    for script, _flags in required_scripts():
        converted = json_from_wast(script)
        if converted is None:
            continue
        data, folder = converted
        out.extend((script, cmd, folder) for cmd in data["commands"])
    return tuple(out)


def binary_modules(kind: str):
    """(script, command, bytes) for commands of type `kind` whose module is binary."""
    for script, cmd, folder in commands():
        if cmd["type"] == kind and cmd.get("module_type", "binary") == "binary" and "filename" in cmd:
            yield script, cmd, (folder / cmd["filename"]).read_bytes()
