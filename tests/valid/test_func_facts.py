"""The facts the validator hands the compiler (ast.FuncFacts) agree with a plain walk over the
decoded body, on every valid module of the official suite and on generated modules; the stack
height on hand-made cases."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from heron import Features, HeronError
from heron.ast import FuncFacts
from heron.binary import decode, encode
from heron.text import parse_module
from heron.valid import validate
from testsuite_paths import TESTSUITE, json_from_wast, required_scripts

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import genmodule  # noqa: E402

BLOCKS = {"block", "loop", "if", "try", "try_table"}


def reference(body: list, self_idx: int) -> dict:
    """The facts as the compiler derived them before (prescan, count_landing_pads, ...)."""
    depth = max_depth = 1
    for ins in body:
        if ins.op in BLOCKS:
            depth += 1
            max_depth = max(max_depth, depth)
        elif ins.op in ("end", "delegate"):
            depth -= 1
    ops = [i.op for i in body]
    return dict(
        num_instrs=len(body), max_depth=max_depth,
        landing_pads=sum(len(i.imm[1]) for i in body if i.op == "try_table")
        + ops.count("catch") + ops.count("catch_all"),
        has_handlers="try" in ops or "try_table" in ops,
        throws=any(op in ("throw", "throw_ref", "rethrow") for op in ops),
        indirect_calls=any(op in ("call_indirect", "call_ref", "return_call_indirect",
                                  "return_call_ref") for op in ops),
        tail_calls_other=any((i.op == "return_call" and i.imm != self_idx)
                             or i.op in ("return_call_indirect", "return_call_ref") for i in body),
        self_tail_call=any(i.op == "return_call" and i.imm == self_idx for i in body),
        callees=tuple(dict.fromkeys(i.imm for i in body if i.op in ("call", "return_call"))))


def check_module(m) -> int:
    nimp = len(m.imported("func"))
    for k, f in enumerate(m.funcs):
        facts = f.facts
        assert isinstance(facts, FuncFacts)
        want = reference(f.body, nimp + k)
        got = {name: getattr(facts, name) for name in want}
        assert got == want, (k, got, want)
        assert facts.max_height >= len(m.types[f.type_idx].results)
    return len(m.funcs)


def _suite_modules():
    for script, flags in required_scripts():
        converted = json_from_wast(script)
        if converted is None:
            continue
        spec, folder = converted
        for cmd in spec["commands"]:
            if cmd["type"] == "module" and cmd.get("filename", "").endswith(".wasm"):
                yield flags, (folder / cmd["filename"]).read_bytes()


def test_facts_of_every_suite_module():
    if not TESTSUITE.is_dir():
        pytest.skip("official test suite not found")
    checked = 0
    for flags, data in _suite_modules():
        features = Features.from_args(flags)
        try:
            m = decode(data, features)
            validate(m, features)
        except HeronError:
            continue
        checked += check_module(m)
    assert checked > 3000


def test_facts_of_a_generated_module():
    m = decode(genmodule.generate(80_000, seed=5))
    validate(m)
    assert check_module(m) > 400
    assert any(f.facts.callees for f in m.funcs) and any(f.facts.indirect_calls for f in m.funcs)


def test_facts_of_text_and_binary_agree():
    text = """(module (tag $e) (table 1 funcref)
      (func $a (param i32) (result i32)
        (block (try_table (catch_all 0) (throw $e))) (call $b (local.get 0)) (return_call $a (i32.const 1)))
      (func $b (param i32) (result i32)
        (block (result i32) (local.get 0) (i32.const 1) (i32.add)) (return_call_indirect (param i32) (result i32) (i32.const 0))))"""
    m = parse_module(text)
    validate(m)
    again = decode(encode(m))
    validate(again)
    for f, g in zip(m.funcs, again.funcs):
        assert f.facts == g.facts
    a, b = again.funcs
    assert (a.facts.self_tail_call, a.facts.tail_calls_other, a.facts.throws) == (True, False, True)
    assert a.facts.callees == (1, 0) and a.facts.landing_pads == 1 and a.facts.has_handlers
    assert a.facts.max_depth == 3
    assert b.facts.tail_calls_other and b.facts.indirect_calls and not b.facts.self_tail_call
    assert b.facts.max_height == 2 and b.facts.max_depth == 2


@pytest.mark.parametrize("wat, height", [
    ("(func (result i32) (i32.add (i32.const 1) (i32.mul (i32.const 2) (i32.const 3))))", 3),
    ("(func (drop (i32.const 1)) (drop (i32.const 2)))", 1),
    ("(func (param i32 i32) (result i32 i32) (local.get 0) (local.get 1))", 2),
    ("(func (block (result i64 i64) (i64.const 1) (i64.const 2)) (drop) (drop))", 2),
    ("(func unreachable i32.add drop)", 1),
])
def test_max_height(wat, height):
    m = parse_module(f"(module {wat})")
    validate(m)
    assert m.funcs[0].facts.max_height == height
