"""The official suite against the validator: every assert_invalid module must be rejected with
the spec interpreter's message, every other module of a script must be accepted.

Modules come from `wasm-tools json-from-wast` (binary, text ones also encoded to binary) and
are decoded with heron.binary. The legacy/ scripts use a syntax wasm-tools no longer parses;
they go through heron.text.
"""
from __future__ import annotations

import pytest

from heron import DecodeError, Features, Unsupported, ValidationError, binary, text
from heron.valid import validate
from testsuite_paths import TESTSUITE, json_from_wast, required_scripts


# Modules the suite says are valid, but which need a proposal Heron does not implement.
# (script, line) -> feature that validate() may report as Unsupported.
NEEDS_UNIMPLEMENTED = {
    ("ref_null.wast", 1): "gc",       # (ref.null any), anyref results
    ("ref_null.wast", 23): "gc",
}

VALID_KINDS = ("module", "module_definition", "assert_unlinkable", "assert_uninstantiable",
               "assert_trap")     # assert_trap on a module: instantiation traps, module is valid


def _scripts():
    if not TESTSUITE.is_dir():
        return []
    return [pytest.param(p, flags, id=(p.parent.name + "/" if p.parent != TESTSUITE else "") + p.stem)
            for p, flags in required_scripts()]


def _module_bytes(cmd: dict, folder) -> bytes | None:
    name = cmd.get("filename") if cmd.get("module_type", "binary") == "binary" \
        else cmd.get("binary_filename")
    return (folder / name).read_bytes() if name else None


def _decode(data: bytes, features: Features):
    """The module, or None when decoding needs an unimplemented proposal."""
    try:
        return binary.decode(data, features)
    except Unsupported:
        return None


def _check_script(script, flags) -> list[str]:
    converted = json_from_wast(script)
    if converted is None:
        pytest.skip("wasm-tools cannot convert this script (legacy syntax): see test_legacy_scripts")
    spec, folder = converted
    features = Features.from_args(flags)
    failures: list[str] = []
    for cmd in spec["commands"]:
        kind = cmd["type"]
        if kind not in VALID_KINDS and kind != "assert_invalid":
            continue
        if kind == "assert_trap" and "filename" not in cmd:
            continue
        data = _module_bytes(cmd, folder)
        if data is None:
            continue
        where = f"{script.name}:{cmd['line']}"
        try:
            module = _decode(data, features)
        except DecodeError as e:
            failures.append(f"{where}: {kind} module does not decode: {e}")
            continue
        if module is None:
            continue
        try:
            validate(module, features)
        except ValidationError as e:
            if kind != "assert_invalid":
                failures.append(f"{where}: valid module rejected: {e}")
            elif not e.message.startswith(cmd["text"]):
                failures.append(f"{where}: message {e.message!r} does not start with "
                                f"{cmd['text']!r}")
        except Unsupported as e:
            allowed = NEEDS_UNIMPLEMENTED.get((script.name, cmd["line"]))
            if kind == "assert_invalid":
                if e.feature not in ("gc", "simd"):
                    failures.append(f"{where}: invalid module reported as Unsupported: {e}")
            elif e.feature != allowed:
                failures.append(f"{where}: valid module reported as Unsupported: {e}")
        else:
            if kind == "assert_invalid":
                failures.append(f"{where}: invalid module accepted (expected {cmd['text']!r})")
    return failures


@pytest.mark.parametrize("script, flags", _scripts())
def test_script(script, flags):
    failures = _check_script(script, flags)
    assert not failures, "\n".join(failures)


def test_legacy_scripts():
    """legacy/*.wast through heron.text: assert_invalid rejected, modules accepted."""
    if not TESTSUITE.is_dir():
        pytest.skip(f"the official test suite is not at {TESTSUITE} (set HERON_TESTSUITE)")
    load_module = text.load_module
    from heron.text.commands import AssertInvalid, ModuleCmd

    features = Features.from_args(["legacy-exceptions=y"])
    failures: list[str] = []
    checked = 0
    for script, _flags in required_scripts():
        if script.parent.name != "legacy":
            continue
        for cmd in text.parse_script(script.read_text(), str(script)):
            if not isinstance(cmd, (ModuleCmd, AssertInvalid)):
                continue
            source = cmd.source if isinstance(cmd, ModuleCmd) else cmd.module
            where = f"{script.name}:{cmd.line}"
            module = load_module(source, features)
            checked += 1
            try:
                validate(module, features)
            except ValidationError as e:
                if isinstance(cmd, ModuleCmd):
                    failures.append(f"{where}: valid module rejected: {e}")
                elif not e.message.startswith(cmd.message):
                    failures.append(f"{where}: message {e.message!r} vs {cmd.message!r}")
            else:
                if isinstance(cmd, AssertInvalid):
                    failures.append(f"{where}: invalid module accepted ({cmd.message!r})")
    assert checked > 0
    assert not failures, "\n".join(failures)
