"""Compare Heron's text front end + encoder with wasm-tools on the official suite.

Used by test_text_suite.py; runnable alone: python tests/text/text_roundtrip.py [-v] [script...]
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from testsuite_paths import json_from_wast, required_scripts  # noqa: E402

from heron import DecodeError, ParseError, Unsupported  # noqa: E402
from heron.binary import encode  # noqa: E402
from heron.text.commands import (AssertInvalid, AssertMalformed, AssertTrap,  # noqa: E402
                                   AssertUninstantiable, AssertUnlinkable, ModuleCmd)
from heron.text import load_module, parse_script  # noqa: E402

GC_SIMD = ("gc", "simd", "relaxed-simd", "threads", "custom-page-sizes")


@dataclass
class Tally:
    passed: int = 0
    skipped: int = 0
    failures: list = field(default_factory=list)
    malformed_ok: int = 0
    malformed_failures: list = field(default_factory=list)
    unconverted: list = field(default_factory=list)


def module_of(cmd):
    if isinstance(cmd, ModuleCmd):
        return cmd.source
    if isinstance(cmd, (AssertInvalid, AssertUnlinkable, AssertUninstantiable, AssertMalformed)):
        return cmd.module
    if isinstance(cmd, AssertTrap):
        return cmd.module
    return None


def check_script(path: Path, tally: Tally) -> None:
    got = json_from_wast(path)
    if got is None:
        # wasm-tools does not parse some scripts (the legacy folded `try` syntax)
        tally.unconverted.append(path.name)
        return
    data, folder = got
    text = path.read_text()
    cmds = parse_script(text, str(path))
    by_line = {}
    for cmd in cmds:
        src = module_of(cmd)
        if src is not None:
            by_line[src.line if isinstance(cmd, ModuleCmd) else cmd.line] = (cmd, src)
    for jc in data["commands"]:
        entry = by_line.get(jc["line"])
        if entry is None:
            continue
        cmd, src = entry
        where = f"{path.name}:{jc['line']}"
        if isinstance(cmd, AssertMalformed):
            if src.kind == "binary":
                continue
            try:
                load_module(src)
            except (ParseError, DecodeError):
                tally.malformed_ok += 1
            except Unsupported:
                tally.skipped += 1
            except Exception as e:  # noqa: BLE001 - the report names it
                tally.malformed_failures.append(f"{where}: {type(e).__name__}: {e}")
            else:
                tally.malformed_failures.append(f"{where}: parsed, expected ParseError")
            continue
        if src.kind == "binary" or jc.get("module_type") != "binary" or "filename" not in jc:
            continue
        expected = (folder / jc["filename"]).read_bytes()
        try:
            mod = load_module(src)
            actual = encode(mod)
        except Unsupported as e:
            if e.feature in GC_SIMD:
                tally.skipped += 1
            else:
                tally.failures.append(f"{where}: Unsupported {e}")
            continue
        except Exception as e:  # noqa: BLE001
            tally.failures.append(f"{where}: {type(e).__name__}: {e}")
            continue
        if actual == expected:
            tally.passed += 1
        else:
            tally.failures.append(f"{where}: bytes differ ({len(actual)} vs {len(expected)})")


def run(paths=None) -> Tally:
    tally = Tally()
    for path, _flags in required_scripts():
        if paths and path.stem not in paths:
            continue
        check_script(path, tally)
    return tally


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    t = run(args or None)
    for f in t.failures + t.malformed_failures:
        print(f)
    print(f"roundtrip: {t.passed} identical, {len(t.failures)} differ, {t.skipped} skipped; "
          f"malformed: {t.malformed_ok} rejected, {len(t.malformed_failures)} accepted")
