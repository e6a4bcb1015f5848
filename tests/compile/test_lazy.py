"""Per-function compilation on first call (DESIGN.md section 8): a function is compiled when
something first calls it -- whatever the path -- and not before; its metadata exists before
its first frame, so traps and exceptions through functions compiled moments before behave
as if everything had been compiled at load; two instances share the compiled code."""
from __future__ import annotations


import pytest

from heron import Config, Engine, Instance, Module, Store, Trap, WasmException
from heron.target import TARGETS

from chain_module import CHAIN

STRATEGIES = ("baseline", "optimizing")

PATHS = """(module
  (type $ii (func (param i32) (result i32)))
  (import "host" "twice" (func $twice (param i32) (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $by_table)
  (elem declare func $by_ref)
  (global $started (mut i32) (i32.const 0))
  (func $direct (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func $by_table (param i32) (result i32) (i32.add (local.get 0) (i32.const 2)))
  (func $by_ref (param i32) (result i32) (i32.add (local.get 0) (i32.const 3)))
  (func $by_tail (param i32) (result i32) (i32.add (local.get 0) (i32.const 4)))
  (func $never (param i32) (result i32) (i32.add (local.get 0) (i32.const 5)))
  (func $start (global.set $started (i32.const 1)))
  (func (export "call_direct") (param i32) (result i32) (call $direct (local.get 0)))
  (func (export "call_table") (param i32) (result i32) (call_indirect (type $ii) (local.get 0) (i32.const 0)))
  (func (export "call_ref") (param i32) (result i32) (call_ref $ii (local.get 0) (ref.func $by_ref)))
  (func (export "tail") (param i32) (result i32) (return_call $by_tail (local.get 0)))
  (func (export "host") (param i32) (result i32) (call $twice (local.get 0)))
  (func (export "started") (result i32) (global.get $started))
  (export "shared" (func $direct))
  (start $start))"""

# function indices (import 0 first)
DIRECT, BY_TABLE, BY_REF, BY_TAIL, NEVER, START = 1, 2, 3, 4, 5, 6


def load(wat: str, strategy: str = "optimizing", target: str = "x86_64-sysv", imports=()):
    engine = Engine(Config(target=target, strategy=strategy))
    store = Store(engine)
    module = Module(engine, wat)
    return engine, store, module


def is_stub(f) -> bool:
    return f.__code__.co_filename.startswith("<heron stub")


def compiled(module, idx: int) -> bool:
    cm = module.compiled
    return cm.compiled[idx - cm.nimp] is not None


def host_twice(store):
    from heron import Func, FuncType, ValType
    return Func(store, FuncType([ValType.i32()], [ValType.i32()]), lambda x: 2 * x)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_each_path_compiles_its_callee_on_first_call(strategy):
    engine, store, module = load(PATHS, strategy)
    assert module.compiled.compiled_count() == 0        # loading compiles nothing
    inst = Instance(store, module, [host_twice(store)])
    ex = inst.exports(store)
    assert compiled(module, START)                      # the start function ran
    assert ex["started"](store) == 1
    for name, idx, want in (("call_direct", DIRECT, 11), ("call_table", BY_TABLE, 12),
                            ("call_ref", BY_REF, 13), ("tail", BY_TAIL, 14)):
        assert not compiled(module, idx), name
        assert ex[name](store, 10) == want
        assert compiled(module, idx), name
        assert ex[name](store, 20) == want + 10
    assert ex["host"](store, 21) == 42
    assert not compiled(module, NEVER)                  # never called, never compiled
    # nothing of a stub remains: names and Func objects are the real functions now
    ns = inst._state.namespace
    for idx in (DIRECT, BY_TABLE, BY_REF, BY_TAIL):
        assert not is_stub(ns[f"F{idx}"])
        assert not is_stub(inst._state.funcs[idx].code)
    # the never-called function: a stub as Func.code, and no name (no installed code calls it)
    assert f"F{NEVER}" not in ns and is_stub(inst._state.funcs[NEVER].code)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_first_call_from_another_instance(strategy):
    engine, store, module = load(PATHS, strategy)
    inst = Instance(store, module, [host_twice(store)])
    user = Module(engine, """(module
      (import "m" "shared" (func $f (param i32) (result i32)))
      (func (export "via_import") (param i32) (result i32) (call $f (local.get 0)))
      (func (export "tail_import") (param i32) (result i32) (return_call $f (local.get 0))))""")
    shared = inst.exports(store)["shared"]
    user_inst = Instance(store, user, [shared])
    u = user_inst.exports(store)
    assert not compiled(module, DIRECT)
    assert u["tail_import"](store, 2) == 3               # compiles $direct in the exporting module
    assert compiled(module, DIRECT)
    assert u["via_import"](store, 1) == 2
    assert inst.exports(store)["call_direct"](store, 3) == 4
    # the importer's own binding of the import (a return_call uses F<i>) is the real code now
    assert not is_stub(user_inst._state.namespace["F0"])
    assert user_inst._state.namespace["F0"] is shared.code


TRAPS = CHAIN


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("target", TARGETS)
def test_trap_backtrace_through_fresh_frames(target, strategy):
    engine, store, module = load(TRAPS, strategy, target)
    ex = Instance(store, module, []).exports(store)
    with pytest.raises(Trap) as info:
        ex["outer"](store, 0)                           # compiles outer, mid and leaf, then traps
    assert "integer divide by zero" in str(info.value)
    assert [f.split(" @")[0] for f in info.value.backtrace] == ["leaf", "mid", "outer"]


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("target", TARGETS)
def test_exception_unwinds_through_fresh_frames(target, strategy):
    engine, store, module = load(TRAPS, strategy, target)
    ex = Instance(store, module, []).exports(store)
    assert ex["catching"](store, 7) == 99               # every frame compiled during this call
    assert ex["catching"](store, 4) == 26
    engine, store, module = load(TRAPS, strategy, target)
    ex = Instance(store, module, []).exports(store)
    with pytest.raises(WasmException):
        ex["outer"](store, 7)


def test_metadata_registered_before_first_frame():
    engine, store, module = load(TRAPS)
    cm = module.compiled
    assert len(engine.codemap) == 0
    Instance(store, module, []).exports(store)["outer"](store, 1)
    infos = [cm.compiled[k].info for k in range(3)]
    assert [engine.codemap.lookup(i.start) for i in infos] == infos
    # code ranges follow from the facts: disjoint, inside the module's reservation
    assert all(cm.base <= i.start < i.end <= cm.base + cm.code_size for i in infos)
    assert infos[0].end <= infos[1].start and infos[1].end <= infos[2].start


COUNTER = """(module
  (global $n (mut i32) (i32.const 0))
  (func $bump (result i32) (global.set $n (i32.add (global.get $n) (i32.const 1))) (global.get $n))
  (func (export "bump") (result i32) (call $bump)))"""


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_instances_share_code_not_state(strategy):
    engine = Engine(Config(strategy=strategy))
    store = Store(engine)
    module = Module(engine, COUNTER)
    a = Instance(store, module, [])
    b = Instance(store, module, [])
    assert a.exports(store)["bump"](store) == 1         # compiled by a's call, installed in b too
    assert module.compiled.compiled_count() == 2
    assert b._state.namespace["f0"] is not a._state.namespace["f0"]
    assert b._state.namespace["f0"].__code__ is a._state.namespace["f0"].__code__
    assert b.exports(store)["bump"](store) == 1
    assert a.exports(store)["bump"](store) == 2
    c = Instance(store, module, [])                     # created after the compile: gets the code
    assert not is_stub(c._state.namespace["F0"])
    assert c.exports(store)["bump"](store) == 1


def test_source_compiles_everything_on_demand():
    engine, store, module = load(PATHS)
    assert module.compiled.compiled_count() == 0
    src = module.source
    assert module.compiled.compiled_count() == len(module.compiled.compiled)
    assert "# never (function 5)" in src and "def f5" in src


def test_depth_bounded_callee_compiled_before_its_caller():
    wat = """(module
      (type $v (func))
      (table 1 funcref)
      (func $down (param i32) (result i32)
        (if (i32.eqz (local.get 0)) (then (return (i32.const 0))))
        (i32.add (call $down (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))
      (func (export "outer") (param i32) (result i32) (call $down (local.get 0)))
      (func (export "framed") (param i32) (result i32)
        (if (i32.eqz (local.get 0)) (then (call_indirect (type $v) (i32.const 0))))
        (call $down (local.get 0))))"""
    engine, store, module = load(wat)
    ex = Instance(store, module, []).exports(store)
    assert ex["framed"](store, 40) == 40                # a caller with a frame of its own
    assert ex["outer"](store, 50) == 50                 # an elided caller
    assert 1 in module.compiled.ctx.elided and 2 not in module.compiled.ctx.elided
    for caller in (1, 2):
        assert "(f0_u(" in module.compiled.compiled[caller].source   # the twin is called directly


FACTS = """(module
  (type $v (func))
  (import "h" "f" (func $imp))
  (tag $t)
  (table 1 funcref)
  (func $a (call $b) (call $b) (return_call $a))
  (func $b (block (loop (try_table (catch $t 0) (catch_all 1) (throw $t)))) (return_call $c))
  (func $c (try (do (call $imp)) (catch $t) (catch_all)) (try (do (nop)) (delegate 0))
    (call_indirect (type $v) (i32.const 0)))
  (func $d (if (i32.const 1) (then (nop)))))"""


def test_load_facts_derived_from_bodies_match_the_validators():
    """Module-level facts come from func.facts (the validator's) or, where a front end sets
    none, from the body: both must agree, since callers bake them in."""
    from heron.api import load_module
    from heron.compile.facts import derive_facts, elidable
    module = load_module(Engine(Config(wasm_legacy_exceptions=True)), FACTS)
    derived = [derive_facts(f.body, 1 + k) for k, f in enumerate(module.funcs)]
    a, b, c, d = derived
    assert (a.callees, a.self_tail_call, a.tail_calls_other, a.max_depth) == ((2, 1), True, False, 1)
    assert (b.landing_pads, b.has_handlers, b.throws, b.tail_calls_other, b.max_depth) == (2, True, True, True, 4)
    assert (c.landing_pads, c.has_handlers, c.indirect_calls, c.callees, c.max_depth) == (2, True, True, (0,), 2)
    assert (d.callees, d.max_depth, d.has_handlers) == ((), 2, False)
    assert all(fx.num_instrs == len(f.body) for fx, f in zip(derived, module.funcs))
    assert elidable(derived, 1) == {4}
    for k, f in enumerate(module.funcs):
        if getattr(f, "facts", None) is not None:       # a front end that hands facts over
            assert all(getattr(f.facts, n) == getattr(derived[k], n) for n in derived[k]._fields
                       if n != "max_height"), k


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_a_chain_of_first_calls_with_stack_arguments(strategy):
    """Each of 150 functions first called by the previous one, 8 parameters each (stack
    arguments on every target): the stubs forward every argument, and a trap at the bottom
    sees all the freshly compiled frames."""
    n = 150
    params = " ".join(["i32"] * 8)
    funcs = [f"""(func $c{i} (param {params}) (result i32)
      (call $c{i + 1} (local.get 0) (local.get 2) (local.get 3) (local.get 4) (local.get 5)
                      (local.get 6) (local.get 7) (i32.add (local.get 1) (i32.const {i}))))"""
             for i in range(n)]
    funcs.append(f"""(func $c{n} (param {params}) (result i32) (i32.div_u (local.get 7) (local.get 0)))""")
    wat = f"""(module {' '.join(funcs)}
      (func (export "go") (param i32) (result i32)
        (call $c0 (local.get 0) (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4) (i32.const 5)
                  (i32.const 6) (i32.const 7))))"""

    def expected(x: int) -> int:
        p = [x, 1, 2, 3, 4, 5, 6, 7]
        for i in range(n):
            p = [p[0]] + p[2:] + [(p[1] + i) & 0xFFFFFFFF]
        return p[7] // p[0]
    engine, store, module = load(wat, strategy)
    ex = Instance(store, module, []).exports(store)
    with pytest.raises(Trap) as info:
        ex["go"](store, 0)                              # the divisor is 0: a trap at the bottom
    assert "integer divide by zero" in str(info.value)
    assert len(info.value.backtrace) == n + 2
    assert module.compiled.compiled_count() == n + 2
    assert ex["go"](store, 3) == expected(3)


def test_walkable_depth_bounded_callee_compiled_before_its_caller():
    """A bounded recursion that may throw keeps its frames walkable; its callers still call
    its twin directly, so it too is compiled before them."""
    wat = """(module
      (tag $e (param i32))
      (func $down (param i32) (result i32)
        (if (i32.eq (local.get 0) (i32.const 99999)) (then (throw $e (i32.const 1))))
        (if (i32.eqz (local.get 0)) (then (return (i32.const 0))))
        (i32.add (call $down (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))
      (func (export "outer") (param i32) (result i32) (call $down (local.get 0))))"""
    engine, store, module = load(wat)
    ex = Instance(store, module, []).exports(store)
    assert ex["outer"](store, 30) == 30
    assert 0 not in module.compiled.ctx.elided and 0 in module.compiled.ctx.bounded
    assert "(f0_u(" in module.compiled.compiled[1].source
