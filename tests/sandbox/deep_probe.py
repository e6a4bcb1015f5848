"""Deep-recursion probes, run in a subprocess by test_sandbox.py so that a crash of the
interpreter fails a test instead of killing pytest. Prints one line: the outcome."""
import json
import sys

import heron

case = sys.argv[1]
orig = sys.getrecursionlimit()
engine = heron.Engine()
store = heron.Store(engine)
I32 = heron.ValType.i32()
FT = heron.FuncType([I32], [I32])

if case == "pure":
    m = heron.Module(engine, '(module (func $f (export "f") (param i32) (result i32) '
                             'local.get 0 i32.const 1 i32.add call $f))')
    f = heron.Instance(store, m, []).exports(store)["f"]
elif case == "cross":
    # two instances calling each other through an import and a table, without end
    a = heron.Module(engine, '''(module (type $t (func (param i32) (result i32)))
       (import "b" "tab" (table 1 funcref))
       (func (export "f") (param i32) (result i32)
         local.get 0 i32.const 1 i32.add i32.const 0 call_indirect (type $t)))''')
    b = heron.Module(engine, '''(module (import "a" "f" (func $f (param i32) (result i32)))
       (table (export "tab") 1 funcref)
       (func $g (export "g") (param i32) (result i32) local.get 0 call $f)
       (elem (i32.const 0) func $g))''')
    tab = heron.Table(store, heron.TableType(heron.ValType.funcref(), heron.Limits(1, None)), None)
    ia = heron.Instance(store, a, [tab])
    ib = heron.Instance(store, b, [ia.exports(store)["f"]])
    tab.set(store, 0, ib.exports(store)["g"])
    f = ia.exports(store)["f"]
elif case == "host":
    # Wasm calls a host function that calls Wasm again, without end
    m = heron.Module(engine, '''(module (import "" "h" (func $h (param i32) (result i32)))
       (func (export "f") (param i32) (result i32) local.get 0 i32.const 1 i32.add call $h))''')
    box = []
    inst = heron.Instance(store, m, [heron.Func(store, FT, lambda x: box[0](store, x))])
    f = inst.exports(store)["f"]
    box.append(f)
elif case == "json":
    m = heron.Module(engine, '''(module (import "" "h" (func $h))
       (func (export "f") (param i32) (result i32) call $h local.get 0))''')

    def h():
        if sys.getrecursionlimit() != orig:
            raise AssertionError(f"host code runs under recursion limit {sys.getrecursionlimit()}")
        json.loads("[" * 200000)
    f = heron.Instance(store, m, [heron.Func(store, heron.FuncType([], []), h)]).exports(store)["f"]
else:
    raise SystemExit(f"unknown case {case}")

try:
    outcome = f"result {f(store, 0)}"
except heron.Trap as t:
    outcome = f"trap {t.code}"
except RecursionError:
    outcome = "RecursionError"
if sys.getrecursionlimit() != orig:
    outcome += f" (limit left at {sys.getrecursionlimit()})"
again = heron.Instance(store, heron.Module(engine, '(module (func (export "g") (result i32) i32.const 7))'), [])
print(outcome, "| store usable:", again.exports(store)["g"](store) == 7)
