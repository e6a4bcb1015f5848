"""Code generation: strategies agree, deep nesting falls back to the flat lowering, frame
elision changes nothing observable, the source stays inspectable."""
from __future__ import annotations

import re
import pytest

import heron.compile.assemble as hc_assemble
import heron.compile.driver as hc
from heron import Config, Engine, Instance, Module, Store, Trap


def exports(wat, strategy="optimizing", target="x86_64-sysv"):
    engine = Engine(Config(target=target, strategy=strategy))
    store = Store(engine)
    module = Module(engine, wat)
    return store, module, Instance(store, module, []).exports(store)


def nested_blocks(depth: int) -> str:
    """`depth` nested blocks, every one a br_table target: f(k) = k for k < depth, else 0."""
    inc = "(local.set 1 (i32.add (local.get 1) (i32.const 1)))"
    labels = " ".join(f"$l{i}" for i in range(depth))
    body = f"(br_table {labels} $l0 (local.get 0))"
    for i in reversed(range(depth)):
        body = f"(block $l{i} {body})" + (f" {inc}" if i > 0 else "")
    return f"""(module (func (export "f") (param i32) (result i32) (local i32)
      {body} (local.get 1)))"""


@pytest.mark.parametrize("strategy", ["baseline", "optimizing"])
@pytest.mark.parametrize("depth", [5, 30, 150])
def test_deep_nesting_compiles(strategy, depth):
    store, module, ex = exports(nested_blocks(depth), strategy)
    for k in (0, 1, depth // 2, depth - 1, depth, depth + 7):
        assert ex["f"](store, k) == (k if k < depth else 0)
    if depth > 20:
        assert "_pc" in module.source          # too deep for CPython's block limits: lowered flat


def test_forced_flat_lowering_agrees(monkeypatch):
    wat = """(module
      (func $fac (export "fac") (param i64) (result i64)
        (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 1))
          (else (i64.mul (local.get 0) (call $fac (i64.sub (local.get 0) (i64.const 1)))))))
      (func (export "sw") (param i32) (result i32)
        (block $d (block $c (block $b (block $a (br_table $a $b $c $d (local.get 0)))
          (return (i32.const 10))) (return (i32.const 11))) (return (i32.const 12))) (i32.const 13))
      (func (export "count") (param i32) (result i32) (local i32)
        (loop $l (local.set 1 (i32.add (local.get 1) (i32.const 2)))
          (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
        (local.get 1)))"""
    for flat in (False, True):
        monkeypatch.setattr(hc, "FORCE_FLAT", flat)
        for strategy in ("baseline", "optimizing"):
            store, module, ex = exports(wat, strategy)
            assert ("_pc" in module.source) == flat
            assert ex["fac"](store, 20) == 2432902008176640000
            assert [ex["sw"](store, i) for i in range(6)] == [10, 11, 12, 13, 13, 13]
            assert ex["count"](store, 7) == 14


def test_frame_elision_is_invisible(monkeypatch):
    wat = """(module
      (func $f (param i32 i32 i32 i32 i32 i32 i32) (result i32)
        (if (result i32) (i32.eqz (local.get 0)) (then (i32.div_u (local.get 6) (local.get 1)))
          (else (call $f (i32.sub (local.get 0) (i32.const 1)) (local.get 1) (local.get 2) (local.get 3)
                         (local.get 4) (local.get 5) (i32.add (local.get 6) (i32.const 2))))))
      (func $g (export "g") (param i32 i32) (result i32)
        (call $f (local.get 0) (local.get 1) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))))"""
    results = []
    for elide in (True, False):
        monkeypatch.setattr(hc, "ELIDE_FRAMES", elide)
        store, module, ex = exports(wat)
        assert [f.frame_elided for f in module.compiled.functions] == [elide, elide]
        ok = ex["g"](store, 10, 2)
        with pytest.raises(Trap) as info:
            ex["g"](store, 3, 0)
        results.append((ok, info.value.code, [f.split(" @")[0] for f in info.value.backtrace]))
    assert results[0] == results[1] == (10, "integer divide by zero", ["f"] * 4 + ["g"])


def test_source_is_inspectable_and_uses_frame_layout_numbers():
    store, module, ex = exports("""(module
      (func $h (param i32 i32 i32 i32 i32 i32) (result i32) (local.get 5))
      (func (export "f") (result i32) (call_indirect (param i32 i32 i32 i32 i32 i32) (result i32)
        (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4) (i32.const 5) (i32.const 6) (i32.const 0)))
      (table funcref (elem $h)))""")
    assert ex["f"](store) == 6
    src = module.source
    assert "def f0(fp" in src and "def f1(fp" in src
    # the indirect call writes stack arguments and a frame record into stack memory
    assert re.search(r"S\[fw[+-]\d+", src) and "call stack exhausted" in src


def flat_switch(cases: int) -> str:
    """A loop around a br_table over `cases` nested blocks (an interpreter's dispatch
    shape), each case adding its number to an accumulator: deep enough to go flat."""
    labels = " ".join(f"$c{i}" for i in range(cases))
    body = f"(br_table {labels} $out (local.get 0))"
    for i in range(cases):
        body = (f"(block $c{i} {body}) (local.set 2 (i32.add (local.get 2) (i32.const {i + 1}))) "
                f"(br $next)")
    return f"""(module (func (export "f") (param i32 i32) (result i32) (local i32)
      (block $out (loop $next
        (br_if $out (i32.eqz (local.get 1)))
        (local.set 1 (i32.sub (local.get 1) (i32.const 1)))
        (block $sw {body.replace("$out (local.get 0)", "$sw (local.get 0)")})
        (local.set 2 (i32.add (local.get 2) (i32.const 1000)))
        (br $next)))
      (i32.add (local.get 2) (local.get 1))))"""


def _sequential_section_tests(source: str) -> int:
    """The longest run of `if _pc == N:` headers a dispatch may test one after another."""
    longest = run = 0
    indent_of_run = None
    for line in source.splitlines():
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if re.fullmatch(r"if _pc == \d+:", stripped):
            run = run + 1 if indent == indent_of_run else 1
            indent_of_run = indent
            longest = max(longest, run)
        elif indent_of_run is not None and indent < indent_of_run:
            run, indent_of_run = 0, None
    return longest


@pytest.mark.parametrize("strategy", ["baseline", "optimizing"])
def test_flat_dispatch_is_a_search_not_a_scan(strategy):
    """A flat function's jumps find their section by a binary search on `_pc`, and a
    br_table whose targets take no values is one indexed load: Lua's interpreter loop
    (hundreds of sections) spent most of its time testing `_pc` against every section
    ahead of the target, and the switch's cases one by one."""
    cases = 120
    store, module, ex = exports(flat_switch(cases), strategy)
    source = module.source
    assert "_pc" in source
    assert _sequential_section_tests(source) <= hc_assemble.LEAF_SECTIONS
    assert re.search(r"_pc = K\d+_\d+\[\w+\] if \w+ < 120 else \d+; continue", source)
    assert "elif" not in source
    for k in (0, 1, 57, cases - 1):
        assert ex["f"](store, k, 3) == 3 * (k + 1)        # three rounds of case k
    assert ex["f"](store, cases, 2) == 2000               # past the table: the default ($sw)
    assert ex["f"](store, 0xFFFFFFFF, 1) == 1000
