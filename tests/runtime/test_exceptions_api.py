"""Exception handling at the embedder boundary: heron.Tag, heron.WasmException, host
functions throwing into Wasm, exceptions crossing host frames, traps never caught."""
from __future__ import annotations

import pytest

import heron

TARGETS = ["x86_64-sysv", "x86_64-windows", "aarch64"]
STRATEGIES = ["baseline", "optimizing"]

WAT = """
(module
  (import "host" "cb" (func $cb (param i32) (result i32)))
  (tag $e (export "e") (param i32 i64))
  (tag $f (export "f") (param f64))
  (func (export "throw_e") (param i32) (throw $e (local.get 0) (i64.const -5)))
  (func (export "call_cb") (param i32) (result i32) (call $cb (local.get 0)))
  (func (export "catch_cb") (param i32) (result i32)
    (block $h (result i32 i64)
      (try_table (catch $e $h)
        (return (call $cb (local.get 0))))
      (unreachable))
    (drop))
  (func (export "catch_all_trap") (result i32)
    (block $h
      (try_table (catch_all $h) (unreachable)))
    (i32.const 99))
  (func (export "ref_out") (result exnref)
    (block $h (result exnref)
      (try_table (catch_all_ref $h) (throw $f (f64.const 2.5)))
      (unreachable)))
)
"""


def setup(target="x86_64-sysv", strategy="optimizing", cb=None):
    engine = heron.Engine(heron.Config(target=target, strategy=strategy))
    store = heron.Store(engine)
    module = heron.Module(engine, WAT)
    i32 = heron.ValType.i32()
    cb_func = heron.Func(store, heron.FuncType([i32], [i32]), cb or (lambda x: x))
    inst = heron.Instance(store, module, [cb_func])
    return store, inst.exports(store)


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("target", TARGETS)
def test_uncaught_reaches_host_with_tag_and_payload(target, strategy):
    store, ex = setup(target, strategy)
    with pytest.raises(heron.WasmException) as info:
        ex["throw_e"](store, -7)
    e = info.value
    assert e.tag is ex["e"]
    assert isinstance(e.tag, heron.Tag)
    assert e.payload == (-7, -5)
    assert e.exnref is not None


def test_tag_type():
    store, ex = setup()
    tag = ex["e"]
    assert [str(p) for p in tag.params] == ["i32", "i64"]
    assert [str(p) for p in tag.ty(store).functype.params] == ["i32", "i64"]
    assert tag.eq(store, ex["e"]) and not tag.eq(store, ex["f"])


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("target", TARGETS)
def test_host_throws_into_wasm(target, strategy):
    box = {}

    def cb(x):
        raise heron.WasmException(box["tag"], (x + 1, 3))

    store, ex = setup(target, strategy, cb)
    box["tag"] = ex["e"]
    assert ex["catch_cb"](store, 41) == 42


def test_host_throws_uncaught_tag_passes_through():
    box = {}

    def cb(x):
        raise heron.WasmException(box["tag"], (1.5,))

    store, ex = setup(cb=cb)
    box["tag"] = ex["f"]
    with pytest.raises(heron.WasmException) as info:
        ex["catch_cb"](store, 1)
    assert info.value.tag is ex["f"] and info.value.payload == (1.5,)


def test_exception_from_inner_activation_continues_in_outer():
    box = {}

    def cb(x):
        box["ex"]["throw_e"](box["store"], x * 2)   # Wasm -> host -> Wasm that throws $e
        return 0

    store, ex = setup(cb=cb)
    box["ex"], box["store"] = ex, store
    assert ex["catch_cb"](store, 21) == 42


def test_host_can_catch_inner_exception():
    box = {}

    def cb(x):
        try:
            box["ex"]["throw_e"](box["store"], x)
        except heron.WasmException as e:
            return e.payload[0] + 100
        return 0

    store, ex = setup(cb=cb)
    box["ex"], box["store"] = ex, store
    assert ex["catch_cb"](store, 5) == 105


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_trap_is_not_caught_by_catch_all(strategy):
    store, ex = setup(strategy=strategy)
    with pytest.raises(heron.Trap) as info:
        ex["catch_all_trap"](store)
    assert info.value.code == "unreachable"


def test_exnref_value_and_host_tag_import():
    store, ex = setup()
    exn = ex["ref_out"](store)
    assert exn is not None
    # a host-created tag, imported by a module that throws it
    engine = store.engine
    tag = heron.Tag(store, heron.TagType(heron.FuncType([heron.ValType.i32()], [])))
    module = heron.Module(engine, """(module (import "h" "t" (tag $t (param i32)))
                                      (func (export "go") (throw $t (i32.const 9))))""")
    inst = heron.Instance(store, module, [tag])
    with pytest.raises(heron.WasmException) as info:
        inst.exports(store)["go"](store)
    assert info.value.tag is tag and info.value.payload == (9,)


def test_two_instances_have_distinct_tags():
    store, ex1 = setup()
    _, ex2 = setup()
    assert ex1["e"] is not ex2["e"]
