"""Recursion groups of function types: iso-recursive type equivalence, inside a module (the
validator's ids) and across modules (link-time import checks, call_indirect signature checks)."""
from __future__ import annotations

import pytest

from heron import Config, Engine, Instance, LinkError, Module, Store, Trap, ValidationError
from heron.ast import Module as AstModule
from heron.text import parse_module
from heron.types import FuncType, RefType
from heron.valid import validate
from heron.types import RecFuncType, canonical_types, group_spans
from heron.valid.context import Context
from heron.features import Features


def ids(wat: str) -> list[int]:
    m = parse_module(wat)
    return Context(m.types, Features(), m.rec_groups).canon


# ---- within one module ---------------------------------------------------------------------

def test_group_spans_cover_every_type():
    assert group_spans(5, [(1, 2), (4, 0)]) == [(0, 1), (1, 2), (3, 1), (4, 1)]
    assert group_spans(3, []) == [(0, 1), (1, 1), (2, 1)]
    assert group_spans(3, [(0, 2), (1, 2)]) is None          # overlapping
    assert group_spans(3, [(2, 2)]) is None                  # past the end


def test_equal_groups_give_equal_ids_by_position():
    c = ids("""(module
      (rec (type $a1 (func)) (type $a2 (func)))
      (rec (type $b1 (func)) (type $b2 (func)))
      (type $s (func))
      (rec (type $r (func))))""")
    assert c[0] == c[2] and c[1] == c[3]      # same group structure, same position
    assert c[0] != c[1]                       # same signature, different position
    assert c[4] not in (c[0], c[1])           # a singleton is not a member of a pair
    assert c[5] == c[4]                       # (rec (type (func))) is the singleton group


def test_in_group_references_compare_by_position():
    c = ids("""(module
      (rec (type $a (func (param (ref $b)))) (type $b (func (result (ref $a)))))
      (rec (type $c (func (param (ref $d)))) (type $d (func (result (ref $c)))))
      (rec (type $e (func (param (ref $e)))) (type $f (func (result (ref $e))))))""")
    assert c[0:2] == c[2:4]
    assert c[4] != c[0] and c[5] != c[1]      # $e refers to itself, $a to its sibling


def test_forward_reference_only_inside_the_group():
    validate(parse_module("(module (rec (type $a (func (param (ref $b)))) (type $b (func))))"))
    with pytest.raises(ValidationError, match="unknown type"):
        validate(parse_module("(module (type $a (func (param (ref $b)))) (type $b (func)))"))
    with pytest.raises(ValidationError, match="unknown type"):
        validate(parse_module("""(module (rec (type $a (func (param (ref $b)))))
                                 (rec (type $b (func))))"""))


def test_validation_uses_group_equivalence():
    same = """(module
      (rec (type $a1 (func)) (type $a2 (func)))
      (rec (type $b1 (func)) (type $b2 (func)))
      (func $f (type $a1))
      (global (ref $b1) (ref.func $f)))"""
    validate(parse_module(same))
    with pytest.raises(ValidationError, match="type mismatch"):
        validate(parse_module(same.replace("(ref $b1)", "(ref $b2)")))
    with pytest.raises(ValidationError, match="type mismatch"):
        validate(parse_module("""(module (rec (type $a1 (func)) (type $a2 (func))) (type $s (func))
                                 (func $f (type $a1)) (global (ref $s) (ref.func $f)))"""))


# ---- across modules: the process-wide canonical objects ------------------------------------

def test_canonical_objects_are_shared_across_modules():
    group = "(rec (type $t1 (func (param (ref $t2)))) (type $t2 (func (result i32))))"
    m1 = parse_module(f"(module {group})")
    m2 = parse_module(f"(module (type (func (param i64))) {group})")
    c1, c2 = canonical_types(m1), canonical_types(m2)
    assert c1[0] is c2[1] and c1[1] is c2[2]
    assert isinstance(c1[1], RecFuncType) and c1[1] != FuncType((), ("i32",))
    assert c1[0].params == (RefType(False, ("rec", 1)),)
    plain1 = canonical_types(parse_module("(module (type (func (param i32))))"))[0]
    plain2 = canonical_types(parse_module("(module (type (func)) (rec (type (func (param i32)))))"))[1]
    assert plain1 is plain2 and type(plain1) is FuncType
    # a module built by hand (no rec_groups given) is all singleton groups
    assert canonical_types(AstModule(types=[FuncType(("i32",))]))[0] is plain1


def make():
    engine = Engine(Config())
    return engine, Store(engine)


TAG_EXPORT = """(module
  (rec (type $t1 (func)) (type $t2 (func)))
  (tag (export "tag") (type $t1)))"""


def test_tag_import_types_link_by_group_equivalence():    # tag.wast, link-time typing
    engine, store = make()
    tag = Instance(store, Module(engine, TAG_EXPORT), []).exports(store)["tag"]
    Instance(store, Module(engine, """(module (rec (type $t1 (func)) (type $t2 (func)))
                                      (tag (import "M" "tag") (type $t1)))"""), [tag])
    for importer in ("""(module (rec (type $t1 (func)) (type $t2 (func)))
                        (tag (import "M" "tag") (type $t2)))""",
                     """(module (type $t (func)) (tag (import "M" "tag") (type $t)))"""):
        with pytest.raises(LinkError, match="incompatible import type"):
            Instance(store, Module(engine, importer), [tag])


def test_func_import_types_link_by_group_equivalence():
    engine, store = make()
    f = Instance(store, Module(engine, """(module (rec (type $t1 (func)) (type $t2 (func (param i32))))
                                          (func (export "f") (type $t2)))"""), []).exports(store)["f"]
    Instance(store, Module(engine, """(module (rec (type $u1 (func)) (type $u2 (func (param i32))))
                                      (import "m" "f" (func (type $u2))))"""), [f])
    with pytest.raises(LinkError, match="incompatible import type"):
        Instance(store, Module(engine, """(module (import "m" "f" (func (param i32))))"""), [f])


TABLE_OWNER = """(module
  (rec (type $t1 (func (result i32))) (type $t2 (func (result i32))))
  (type $plain (func (result i32)))
  (table (export "tab") 3 funcref)
  (func $a (type $t1) (i32.const 11))
  (func $b (type $t2) (i32.const 22))
  (func $c (type $plain) (i32.const 33))
  (elem (i32.const 0) func $a $b $c))"""

CALLER = """(module
  {types}
  (import "m" "tab" (table 3 funcref))
  (func (export "call") (param i32) (result i32)
    (call_indirect (type {use}) (local.get 0))))"""


@pytest.mark.parametrize("strategy", ["baseline", "optimizing"])
def test_call_indirect_across_modules_checks_groups(strategy):
    engine = Engine(Config(strategy=strategy))
    store = Store(engine)
    tab = Instance(store, Module(engine, TABLE_OWNER), []).exports(store)["tab"]

    def caller(types: str, use: str):
        src = CALLER.format(types=types, use=use)
        return Instance(store, Module(engine, src), [tab]).exports(store)["call"]

    pair = "(rec (type $u1 (func (result i32))) (type $u2 (func (result i32))))"
    call = caller(pair, "$u1")                 # an identical group: position 0 matches $a only
    assert call(store, 0) == 11
    for slot in (1, 2):
        with pytest.raises(Trap, match="indirect call type mismatch"):
            call(store, slot)
    assert caller(pair, "$u2")(store, 1) == 22
    other = "(rec (type $v1 (func (result i32))) (type $v2 (func (result i32))) (type $v3 (func)))"
    call = caller(other, "$v1")                # a different group: nothing matches
    for slot in range(3):
        with pytest.raises(Trap, match="indirect call type mismatch"):
            call(store, slot)
    call = caller("(type $p (func (result i32)))", "$p")   # singletons still match structurally
    assert call(store, 2) == 33
    with pytest.raises(Trap, match="indirect call type mismatch"):
        call(store, 0)


# ---- the suite's own equivalence scripts (outside the required set: they need GC elsewhere) --

@pytest.mark.parametrize("stem, min_passed", [("type-equivalence", 32), ("type-rec", 6),
                                              ("type-canon", 2), ("tag", 10)])
def test_suite_equivalence_scripts(stem, min_passed):
    from testsuite_paths import TESTSUITE
    from heron.script.adapters import RuntimeAdapter
    from heron.script.runner import run_script
    path = TESTSUITE / f"{stem}.wast"
    if not path.exists():
        pytest.skip("official test suite not available")
    [result] = run_script(path, Features(), adapter_factory=RuntimeAdapter)
    assert [(f.line, f.message) for f in result.failures] == []
    assert result.passed >= min_passed
    assert set(result.skip_reasons) <= {"unsupported: gc"}     # struct types only
