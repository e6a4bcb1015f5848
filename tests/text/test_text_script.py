"""WAST scripts -> commands."""
from __future__ import annotations

from heron.text.commands import (ActionCmd, AssertException, AssertMalformed, AssertReturn,
                                   AssertTrap, Either, Get, Invoke, ModuleCmd, ModuleInstance,
                                   NanPattern, RefValue, Register, Value)
from heron.text import load_module, parse_script

SCRIPT = r'''
(module $m (func (export "f") (param i32) (result i32) (local.get 0)))
(module definition $d binary "\00asm" "\01\00\00\00")
(module instance $i $d)
(register "m" $m)
(invoke "f" (i32.const -1))
(assert_return (invoke $m "f" (i32.const 7)) (i32.const 7))
(assert_return (invoke "g" (f32.const -0x1p-149) (f64.const inf))
               (f32.const nan:canonical) (f64.const nan:arithmetic) (ref.null func) (ref.extern 3)
               (ref.func) (either (i32.const 1) (i32.const 2)) (v128.const i32x4 1 2 3 4))
(assert_trap (invoke "f" (i64.const 1)) "unreachable")
(assert_trap (module (func (unreachable)) (start 0)) "unreachable")
(assert_exception (invoke "throws"))
(assert_malformed (module quote "(func" ")") "unexpected")
(get "glob")
'''


def test_commands():
    cmds = parse_script(SCRIPT, "t.wast")
    kinds = [type(c) for c in cmds]
    assert kinds == [ModuleCmd, ModuleCmd, ModuleInstance, Register, ActionCmd, AssertReturn,
                     AssertReturn, AssertTrap, AssertTrap, AssertException, AssertMalformed, ActionCmd]
    m, d, inst, reg, act, r1, r2, t1, t2, exc, mal, get = cmds
    assert m.line == 2 and m.source.kind == "text" and m.source.name == "m"
    assert d.source.kind == "binary" and d.source.definition and d.source.data == b"\0asm\1\0\0\0"
    assert (inst.instance, inst.definition) == ("i", "d")
    assert (reg.as_name, reg.module) == ("m", "m")
    assert act.action == Invoke(6, None, "f", [Value("i32", 0xFFFFFFFF)])
    assert r1.action.module == "m" and r1.results == [Value("i32", 7)]
    assert r2.action.args == [Value("f32", 0x80000001), Value("f64", 0x7FF0000000000000)]
    assert r2.results[:5] == [NanPattern("f32", "canonical"), NanPattern("f64", "arithmetic"),
                              RefValue("null", heap="func"), RefValue("extern", index=3),
                              RefValue("func")]
    assert r2.results[5] == Either([[Value("i32", 1)], [Value("i32", 2)]])
    assert r2.results[6] == Value("v128", 1 | 2 << 32 | 3 << 64 | 4 << 96)
    assert t1.action is not None and t1.message == "unreachable"
    assert t2.module is not None and t2.action is None
    assert isinstance(exc.action, Invoke)
    assert mal.module.kind == "quote" and mal.module.text == "(func)"
    assert get.action == Get(15, None, "glob")


def test_module_sources_load():
    cmds = parse_script(SCRIPT, "t.wast")
    mod = load_module(cmds[0].source)
    assert mod.id == "m" and len(mod.funcs) == 1 and mod.exports[0].name == "f"
