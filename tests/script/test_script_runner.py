"""The runner's bookkeeping, with a fake loader and fake engines: what passes, fails and is skipped."""
from __future__ import annotations

import types

import pytest

from heron.errors import LinkError, ParseError, Trap, Unsupported, ValidationError, WasmException
from heron.features import Features
from heron.script import loading
from heron.script.adapters import EngineAdapter, NoExecutionAdapter
from heron.text.commands import (ActionCmd, AssertException, AssertInvalid, AssertMalformed,
                                   AssertReturn, AssertTrap, AssertUnlinkable, Get, Invoke,
                                   ModuleCmd, ModuleSource, Register, Value)
from heron.script.runner import run_commands


def fake_load(source, features):
    """Module text says what happens: 'malformed', 'invalid', 'simd', 'crash', anything else loads."""
    text = source.text or ""
    if "malformed" in text:
        raise ParseError("unexpected token", 1, 2)
    if "simd" in text:
        raise Unsupported("simd")
    if "crash" in text:
        return [][1]
    imports = [types.SimpleNamespace(module=m, name="x") for m in text.split() if m.startswith("import:")]
    return types.SimpleNamespace(text=text, imports=[types.SimpleNamespace(module=i.module[7:], name="x")
                                                     for i in imports])


def fake_validate(module, features):
    if "invalid" in module.text:
        raise ValidationError("type mismatch", func=0, offset=3)


@pytest.fixture(autouse=True)
def fake_phases(monkeypatch):
    monkeypatch.setattr(loading, "load", fake_load)
    monkeypatch.setattr(loading, "validate", fake_validate)


def mod(text: str, line: int = 1, name: str | None = None) -> ModuleSource:
    return ModuleSource(kind="text", line=line, text=text, name=name)


def test_malformed_and_invalid_assertions():
    commands = [
        AssertMalformed(1, mod("malformed"), "unexpected token"),       # pass
        AssertMalformed(2, mod("fine"), "x"),                           # fail: it loaded
        AssertMalformed(3, mod("invalid"), "x"),                        # fail: invalid is not malformed
        AssertInvalid(4, mod("invalid"), "type mismatch"),              # pass
        AssertInvalid(5, mod("malformed"), "type mismatch"),            # fail: malformed is not invalid
        AssertInvalid(6, mod("fine"), "type mismatch"),                 # fail: it validated
        AssertInvalid(7, mod("simd"), "type mismatch"),                 # skip
        AssertMalformed(8, mod("crash"), "x"),                          # fail: a crash
    ]
    r = run_commands(commands, NoExecutionAdapter())
    assert (r.passed, r.failed, r.skipped) == (2, 5, 1)
    assert [f.line for f in r.failures] == [2, 3, 5, 6, 8]
    assert "ParseError" in r.failures[2].message
    assert r.failures[4].message.startswith("IndexError: list index out of range")
    assert r.skip_reasons == {"unsupported: simd": 1}
    assert r.by_kind["assert_malformed"].passed == 1 and r.by_kind["assert_malformed"].failed == 3


def test_without_execution_modules_are_checked_and_execution_is_skipped():
    commands = [
        ModuleCmd(1, mod("fine", name="M")),
        AssertReturn(2, Invoke(2, None, "f", []), [Value("i32", 1)]),
        ActionCmd(3, Get(3, "M", "g")),
        Register(4, "reg", "M"),
        AssertReturn(5, Invoke(5, None, "f", [Value("v128", 0)]), []),
        ModuleCmd(6, mod("invalid")),                                   # fail
        AssertReturn(7, Invoke(7, None, "f", []), []),                  # its module failed
        ModuleCmd(8, mod("simd")),
        AssertTrap(9, Invoke(9, None, "f", []), None, "unreachable"),
        AssertUnlinkable(10, mod("malformed"), "unknown import"),       # fail: must load
        AssertTrap(11, None, mod("fine"), "out of bounds"),             # skip: execution
    ]
    r = run_commands(commands, NoExecutionAdapter())
    assert (r.passed, r.failed, r.skipped) == (0, 2, 9)
    assert [(f.line, f.kind) for f in r.failures] == [(6, "module"), (10, "assert_unlinkable")]
    assert "module failed to validate: ValidationError: type mismatch" in r.failures[0].message
    # line 5's v128 argument skips for execution (an engine without SIMD says so when it runs)
    assert r.skip_reasons == {"execution": 6, "unsupported: simd": 2, "module failed": 1}
    assert set(r.by_kind) == {"module", "assert_return", "get", "register", "assert_trap", "assert_unlinkable"}


class FakeEngine(EngineAdapter):
    """Functions: 'one' returns 1, 'trap' traps, 'throw' throws; instantiating 'import:bad' fails to link."""

    def __init__(self):
        self.current = None
        self.registered = {}

    def compile(self, source, module):
        return module

    def instantiate(self, compiled, module, name):
        for imp in module.imports:
            if imp.module not in self.registered:
                raise LinkError(f"unknown import {imp.module}")
        self.current = compiled

    def register(self, as_name, name):
        self.registered[as_name] = self.current

    def invoke(self, name, field, args):
        if field == "trap":
            raise Trap("integer divide by zero")
        if field == "throw":
            raise WasmException(tag=None, payload=(1,))
        if field == "bug":
            raise KeyError("oops")
        return 1


def test_execution_results_through_an_adapter():
    inv = lambda line, f: Invoke(line, None, f, [])   # noqa: E731
    commands = [
        ModuleCmd(1, mod("fine")),
        AssertReturn(2, inv(2, "one"), [Value("i32", 1)]),                       # pass
        AssertReturn(3, inv(3, "one"), [Value("i32", 2)]),                       # fail
        AssertTrap(4, inv(4, "trap"), None, "integer divide by zero"),           # pass
        AssertTrap(5, inv(5, "trap"), None, "unreachable"),                      # fail: other trap
        AssertTrap(6, inv(6, "one"), None, "unreachable"),                       # fail: returned
        AssertException(7, inv(7, "throw")),                                     # pass
        AssertReturn(8, inv(8, "bug"), []),                                      # fail: crash
        Register(9, "M", None),                                                  # pass
        AssertUnlinkable(10, mod("import:nowhere"), "unknown import"),           # pass
        ModuleCmd(11, mod("import:M")),                                          # pass
        ActionCmd(12, inv(12, "trap")),                                          # fail
    ]
    r = run_commands(commands, FakeEngine(), Features())
    assert (r.passed, r.failed, r.skipped) == (7, 5, 0)
    assert [f.line for f in r.failures] == [3, 5, 6, 8, 12]
    assert r.failures[0].message == "expected (i32.const 2), got 1"
    assert r.failures[1].message == 'expected trap "unreachable", got trap "integer divide by zero"'
    assert r.failures[3].message.startswith("KeyError: 'oops'")
    assert r.failures[4].kind == "invoke"


def test_script_level_parse_error_is_one_failure(tmp_path, monkeypatch):
    from heron.script.runner import run_script

    def broken(text, filename):
        raise ParseError("unexpected end of script", 3, 1, filename)
    monkeypatch.setattr(loading, "parse_script", broken)
    script = tmp_path / "x.wast"
    script.write_text("(module")
    [r] = run_script(script, configs=[("aarch64", "baseline")],
                     adapter_factory=lambda t, s, f: NoExecutionAdapter())
    assert (r.passed, r.failed, r.skipped) == (0, 1, 0)
    assert r.failures[0].line == 3 and r.failures[0].kind == "script"
    assert r.config == "aarch64/baseline"


class SlowEngine(FakeEngine):
    def invoke(self, name, field, args):
        if field == "spin":
            while True:
                pass
        return super().invoke(name, field, args)


def test_a_command_over_its_time_limit_fails_and_the_script_goes_on():
    commands = [ModuleCmd(1, mod("fine")),
                AssertReturn(2, Invoke(2, None, "spin", []), []),
                AssertReturn(3, Invoke(3, None, "one", []), [Value("i32", 1)])]
    r = run_commands(commands, SlowEngine(), Features(), timeout=0.2)
    assert (r.passed, r.failed, r.skipped) == (2, 1, 0)
    assert r.failures[0].line == 2 and r.failures[0].message == "timeout: still running after 0.2 s"
