"""Modules and calls on which Heron's fuel accounting is compared with wasmtime-py's
(tests/runtime/test_fuel.py). Each case: a name, the module text, and the calls
(export, arguments) made in order on one instance."""
from __future__ import annotations

CASES: list[tuple[str, str, list[tuple[str, tuple]]]] = [
    ("empty", '(module (func (export "f")))', [("f", ())]),
    ("const", '(module (func (export "f") (result i32) i32.const 7))', [("f", ())]),
    ("nop-drop", '(module (func (export "f") nop i32.const 1 drop nop))', [("f", ())]),
    ("straight", '''(module (func (export "f") (param i32) (result i32)
        local.get 0 i32.const 3 i32.mul i32.const 1 i32.add local.get 0 i32.xor))''', [("f", (5,))]),
    ("if-else", '''(module (func (export "f") (param i32) (result i32)
        (if (result i32) (local.get 0) (then (i32.const 1) (i32.const 2) (i32.add))
                                       (else (i32.const 9)))))''', [("f", (0,)), ("f", (1,))]),
    ("if-no-else", '''(module (func (export "f") (param i32) (result i32) (local i32)
        (if (local.get 0) (then (local.set 1 (i32.const 5)) (local.set 1 (i32.add (local.get 1) (i32.const 1)))))
        local.get 1))''', [("f", (0,)), ("f", (1,))]),
    ("loop", '''(module (func (export "f") (param i32) (result i32) (local i32)
        (loop $l (local.set 1 (i32.add (local.get 1) (local.get 0)))
                 (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
        local.get 1))''', [("f", (10,)), ("f", (1,))]),
    ("block-loop", '''(module (func (export "f") (param i32) (result i32) (local i32)
        (block $done (loop $l
            (br_if $done (i32.eqz (local.get 0)))
            (local.set 1 (i32.add (local.get 1) (i32.const 2)))
            (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
            (br $l)))
        local.get 1))''', [("f", (7,)), ("f", (0,))]),
    ("nested-loops", '''(module (func (export "f") (param i32) (result i32) (local i32 i32)
        (loop $o
          (local.set 2 (local.get 0))
          (loop $i
            (local.set 1 (i32.add (local.get 1) (local.get 2)))
            (br_if $i (local.tee 2 (i32.sub (local.get 2) (i32.const 1)))))
          (br_if $o (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
        local.get 1))''', [("f", (5,))]),
    ("br_table", '''(module (func (export "f") (param i32) (result i32)
        (block $a (block $b (block $c (block $d
            (br_table $a $b $c $d (local.get 0)))
            (return (i32.const 40)))
          (i32.const 1) (drop) (return (i32.const 30)))
          (return (i32.const 20)))
        i32.const 10))''', [("f", (0,)), ("f", (1,)), ("f", (2,)), ("f", (3,)), ("f", (9,))]),
    ("br-values", '''(module (func (export "f") (param i32) (result i32)
        (block $b (result i32)
          (i32.const 5)
          (br_if $b (local.get 0))
          (drop)
          (i32.const 6) (i32.const 7) (i32.add))))''', [("f", (0,)), ("f", (1,))]),
    ("select", '''(module (func (export "f") (param i32) (result i32)
        (select (i32.const 1) (i32.const 2) (local.get 0))))''', [("f", (0,)), ("f", (3,))]),
    ("calls", '''(module
        (func $sq (param i32) (result i32) local.get 0 local.get 0 i32.mul)
        (func $sum (param i32 i32) (result i32) (i32.add (call $sq (local.get 0)) (call $sq (local.get 1))))
        (func (export "f") (param i32) (result i32) (call $sum (local.get 0) (i32.const 3))))''', [("f", (4,))]),
    ("fib", '''(module (func $fib (export "fib") (param $n i32) (result i32)
        (if (result i32) (i32.lt_s (local.get $n) (i32.const 2))
          (then (local.get $n))
          (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                         (call $fib (i32.sub (local.get $n) (i32.const 2))))))))''', [("fib", (6,))]),
    ("summary-wide", '''(module
        (func $f (param $d i32) (param $a i32) (param $b i64) (param $c f64) (result i32)
          (if (i32.eqz (local.get $d)) (then (return (i32.add (local.get $a) (i32.wrap_i64 (local.get $b))))))
          (i32.add (call $f (i32.sub (local.get $d) (i32.const 1)) (i32.add (local.get $a) (i32.const 1))
                            (i64.mul (local.get $b) (i64.const 3)) (f64.add (local.get $c) (f64.const 0.5)))
                   (i32.const 1)))
        (func (export "run") (param i32 i32) (result i32) (local i32)
          (block $done (loop $l
            (br_if $done (i32.eqz (local.get 1)))
            (local.set 2 (i32.add (local.get 2) (call $f (local.get 0) (local.get 1) (i64.const 2) (f64.const 1))))
            (local.set 1 (i32.sub (local.get 1) (i32.const 1)))
            (br $l)))
          (local.get 2)))''', [("run", (6, 4)), ("run", (0, 2))]),
    ("summary-tree", '''(module
        (func $t (export "t") (param $n i64) (result i64) (local $x i64)
          (local.set $x (i64.const 0))
          (block $b (br_table $b 0 0 (i32.wrap_i64 (local.get $n))))
          (if (i64.lt_u (local.get $n) (i64.const 3)) (then (return (select (local.get $n) (i64.const 7) (i32.const 1)))))
          (local.set $x (call $t (i64.sub (local.get $n) (i64.const 1))))
          (i64.add (local.get $x) (i64.add (call $t (i64.sub (local.get $n) (i64.const 2)))
                                           (call $t (i64.sub (local.get $n) (i64.const 3)))))))''',
     [("t", (5,)), ("t", (2,)), ("t", (6,))]),
    ("summary-tree3", '''(module
        (func $t (export "t") (param $n i64) (result i64)
          (block $b (br_table $b 0 0 (i32.wrap_i64 (local.get $n))))
          (if (result i64) (i64.lt_s (local.get $n) (i64.const 3))
            (then (select (local.get $n) (i64.const 7) (i64.eqz (local.get $n))))
            (else (i64.add (call $t (i64.sub (local.get $n) (i64.const 1)))
                           (i64.add (call $t (i64.sub (local.get $n) (i64.const 2)))
                                    (call $t (i64.sub (local.get $n) (i64.const 3)))))))))''',
     [("t", (5,)), ("t", (2,)), ("t", (6,))]),
    ("summary-ineligible", '''(module
        (func $f (param $d i32) (param $k i32) (result i32)
          (if (result i32) (i32.le_u (local.get $d) (local.get $k)) (then (local.get $d))
            (else (i32.add (call $f (i32.sub (local.get $d) (i32.const 1)) (local.get $k)) (i32.const 2)))))
        (func (export "f") (param i32 i32) (result i32) (call $f (local.get 0) (local.get 1))))''',
     [("f", (9, 3)), ("f", (4, 4))]),
    ("call_indirect", '''(module (type $t (func (param i32) (result i32)))
        (table 2 funcref) (elem (i32.const 0) $dbl $inc)
        (func $dbl (param i32) (result i32) (i32.add (local.get 0) (local.get 0)))
        (func $inc (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
        (func (export "f") (param i32 i32) (result i32)
          (call_indirect (type $t) (local.get 1) (local.get 0))))''', [("f", (0, 5)), ("f", (1, 5))]),
    ("call_ref", '''(module (type $t (func (param i32) (result i32)))
        (func $inc (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
        (elem declare func $inc)
        (func (export "f") (param i32) (result i32)
          (call_ref $t (call_ref $t (local.get 0) (ref.func $inc)) (ref.func $inc))))''', [("f", (5,))]),
    ("tail-calls", '''(module
        (func $count (param i32 i32) (result i32)
          (if (result i32) (i32.eqz (local.get 0)) (then (local.get 1))
            (else (return_call $count (i32.sub (local.get 0) (i32.const 1)) (i32.add (local.get 1) (i32.const 2))))))
        (func $even (param i32) (result i32)
          (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 1))
            (else (return_call $odd (i32.sub (local.get 0) (i32.const 1))))))
        (func $odd (param i32) (result i32)
          (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
            (else (return_call $even (i32.sub (local.get 0) (i32.const 1))))))
        (func (export "f") (param i32) (result i32)
          (i32.add (call $count (local.get 0) (i32.const 0)) (call $even (local.get 0)))))''', [("f", (6,)), ("f", (3,))]),
    ("return_call_indirect", '''(module (type $t (func (param i32) (result i32)))
        (table 1 funcref) (elem (i32.const 0) $dec)
        (func $dec (param i32) (result i32)
          (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 42))
            (else (return_call_indirect (type $t) (i32.sub (local.get 0) (i32.const 1)) (i32.const 0)))))
        (func (export "f") (param i32) (result i32) (return_call_indirect (type $t) (local.get 0) (i32.const 0))))''',
     [("f", (4,))]),
    ("throw-catch", '''(module (tag $e (param i32))
        (func $thrower (param i32) (if (local.get 0) (then (throw $e (i32.add (local.get 0) (i32.const 1))))))
        (func $mid (param i32) (call $thrower (local.get 0)) (call $thrower (local.get 0)))
        (func (export "f") (param i32) (result i32)
          (block $h (result i32)
            (try_table (catch $e $h)
              (call $mid (local.get 0)))
            (i32.const 100))
          (i32.const 3) (i32.add)))''', [("f", (0,)), ("f", (5,))]),
    ("throw-local", '''(module (tag $e)
        (func (export "f") (param i32) (result i32)
          (block $h
            (try_table (catch $e $h)
              (if (local.get 0) (then (throw $e)))
              (nop))
            (return (i32.const 1)))
          (i32.const 2)))''', [("f", (0,)), ("f", (1,))]),
    ("throw-ref", '''(module (tag $e (param i32))
        (func $g (param i32) (result i32)
          (block $h (result i32 exnref)
            (try_table (catch_ref $e $h) (throw $e (local.get 0)))
            (unreachable))
          (throw_ref))
        (func (export "f") (param i32) (result i32)
          (block $h (result i32)
            (try_table (catch $e $h) (drop (call $g (local.get 0))))
            (i32.const 0))))''', [("f", (9,))]),
    ("exceptions-loop", '''(module (tag $e (param i32))
        (func $maybe (param i32) (if (i32.and (local.get 0) (i32.const 1)) (then (throw $e (local.get 0)))))
        (func (export "f") (param i32) (result i32) (local i32)
          (loop $l
            (block $h (result i32)
              (try_table (catch $e $h) (call $maybe (local.get 0)))
              (i32.const 0))
            (local.set 1 (i32.add (local.get 1)))
            (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
          (local.get 1)))''', [("f", (6,))]),
    ("memory", '''(module (memory 1)
        (func (export "f") (param i32) (result i32)
          (i32.store (i32.const 8) (local.get 0))
          (i32.store8 offset=3 (i32.const 8) (i32.const 255))
          (i32.add (i32.load (i32.const 8)) (memory.size))))''', [("f", (7,))]),
    ("bulk-const", '''(module (memory 1) (table 10 funcref) (data $d "abcdefgh") (elem $e func $f)
        (func $f (export "f")
          (memory.fill (i32.const 0) (i32.const 7) (i32.const 100))
          (memory.copy (i32.const 200) (i32.const 0) (i32.const 50))
          (memory.init $d (i32.const 300) (i32.const 1) (i32.const 6))
          (table.fill (i32.const 0) (ref.null func) (i32.const 4))
          (table.init $e (i32.const 5) (i32.const 0) (i32.const 1))
          (table.copy (i32.const 7) (i32.const 5) (i32.const 2))
          (drop (table.grow (ref.null func) (i32.const 3)))
          (drop (memory.grow (i32.const 2)))))''', [("f", ())]),
    ("bulk-large", '''(module (memory 1)
        (func (export "f") (param i32)
          (memory.fill (i32.const 0) (i32.const 7) (i32.const 129))
          (memory.fill (i32.const 0) (i32.const 7) (local.get 0))))''', [("f", (20,)), ("f", (0,)), ("f", (40,))]),
    ("grow-fails", '''(module (memory 1 2) (table 1 3 funcref)
        (func (export "f") (param i32) (result i32)
          (i32.add (memory.grow (local.get 0)) (table.grow (ref.null func) (local.get 0)))))''',
     [("f", (5,)), ("f", (1,))]),
    ("grow-dynamic", '''(module (memory 2 10) (table 2 10 funcref)
        (func (export "f") (param i32) (result i32)
          (i32.add (memory.grow (local.get 0)) (table.grow (ref.null func) (i32.add (local.get 0) (i32.const 1))))))''',
     [("f", (3,)), ("f", (0,)), ("f", (9,))]),
    ("globals", '''(module (global $g (mut i32) (i32.const 0))
        (func (export "f") (param i32) (result i32)
          (global.set $g (i32.add (global.get $g) (local.get 0))) (global.get $g)))''', [("f", (3,)), ("f", (4,))]),
    ("unreachable", '''(module (func (export "f") (param i32) (result i32)
        (if (local.get 0) (then (unreachable))) (i32.const 1)))''', [("f", (0,)), ("f", (1,))]),
    ("div-trap", '''(module (func $d (param i32) (result i32) (i32.div_u (i32.const 10) (local.get 0)))
        (func (export "f") (param i32) (result i32)
          (local.get 0) (i32.const 1) (i32.add) (drop)
          (call $d (local.get 0)) (i32.const 1) (i32.add)))''', [("f", (2,)), ("f", (0,))]),
    ("deep-if", '''(module (func (export "f") (param i32) (result i32) (local i32)
        (if (i32.gt_u (local.get 0) (i32.const 1))
          (then (if (i32.gt_u (local.get 0) (i32.const 2))
                  (then (local.set 1 (i32.const 3)))
                  (else (local.set 1 (i32.const 2)) (local.set 1 (i32.add (local.get 1) (i32.const 0))))))
          (else (local.set 1 (i32.const 1))))
        (local.get 1)))''', [("f", (1,)), ("f", (2,)), ("f", (3,))]),
    ("loop-call", '''(module
        (func $inc (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
        (func (export "f") (param i32) (result i32) (local i32)
          (block $done (loop $l
            (br_if $done (i32.ge_u (local.get 1) (local.get 0)))
            (local.set 1 (call $inc (local.get 1)))
            (br $l)))
          (local.get 1)))''', [("f", (5,))]),
    ("join-then-loop", '''(module (func $g)
        (func (export "f") (param i32) (result i32)
          (if (local.get 0) (then (call $g)) (else (call $g) (i32.const 1) (drop)))
          (block $d (loop $l (br_if $d (i32.eqz (local.get 0)))
                             (local.set 0 (i32.sub (local.get 0) (i32.const 1))) (br $l)))
          (local.get 0)))''', [("f", (3,)), ("f", (0,))]),
    ("block-params", '''(module (func (export "f") (param i32) (result i32)
        (i32.const 2) (local.get 0)
        (block (param i32 i32) (result i32) (i32.add))
        (loop (param i32) (result i32) (i32.const 1) (i32.add))))''', [("f", (4,))]),
]

# modules with a host import "host" "cb": (i32) -> i32, the host function receives the
# Caller; the tests make it report and change the fuel
HOST_CASES: list[tuple[str, str, list[tuple[str, tuple]]]] = [
    ("host", '''(module (import "host" "cb" (func $cb (param i32) (result i32)))
        (func (export "f") (param i32) (result i32)
          (i32.const 1) (drop)
          (call $cb (local.get 0)) (i32.const 2) (i32.add)))''', [("f", (3,))]),
]

# modules whose instantiation consumes fuel in wasmtime (its startup function: initializers it
# cannot precompute, the start call): (name, module text, whether it takes IMPORTS)
STARTUP: list[tuple[str, str, str | None]] = [
 ("start empty", '(module (func $g) (start $g))', None),
 ("start 1", '(module (func $g i32.const 1 drop) (start $g))', None),
 ("start+glob", '(module (global i32 (i32.add (i32.const 1) (i32.const 2))) (func $g) (start $g))', None),
 ("glob add2", '(module (global i32 (i32.add (i32.const 1) (i32.const 2))) (global i32 (i32.add (i32.const 1) (i32.const 2))))', None),
 ("glob get", '(module (global $a i32 (i32.const 1)) (global i32 (global.get $a)))', None),
 ("glob reffunc", '(module (func $g) (global funcref (ref.func $g)))', None),
 ("glob f64", '(module (global f64 (f64.const 1.5)))', None),
 ("data simple", '(module (memory 1) (data (i32.const 0) "abcdef"))', None),
 ("data add", '(module (memory 1) (data (i32.add (i32.const 0) (i32.const 1)) "abcdef"))', None),
 ("data 130 gget", '(module (global i32 (i32.const 0)) (memory 1) (data (global.get 0) "%s"))' % ("x" * 130), None),
 ("elem funcs", '(module (table 3 funcref) (func $g) (elem (i32.const 0) $g $g))', None),
 ("elem exprs", '(module (table 3 funcref) (func $g) (elem (i32.const 0) funcref (ref.func $g) (ref.func $g) (ref.null func)))', None),
 ("elem 130 exprs", '(module (func $g) (table 300 funcref) (elem (i32.const 0) funcref %s))' % (" (ref.func $g)" * 130), None),
 ("elem 130 funcs gget", '(module (global i32 (i32.const 0)) (func $g) (table 300 funcref) (elem (global.get 0) func %s))' % (" $g" * 130), None),
 ("passive elems", '(module (func $g) (elem func $g $g) (elem funcref (ref.func $g) (ref.null func)))', None),
 ("declare elem", '(module (func $g) (elem declare func $g))', None),
 ("table refnull 130", '(module (table 130 funcref (ref.null func)))', None),
 ("table reffunc", '(module (func $g) (table 3 funcref (ref.func $g)))', None),
 ("all", '(module (memory 1) (global i32 (i32.add (i32.const 1) (i32.const 2))) (data (global.get 0) "ab") (func $h i32.const 1 drop) (func $g call $h) (start $g))', None),
 ("imports", '(module (import "m" "t" (table 3 funcref)) (import "m" "m" (memory 1)) (import "m" "f" (func $f)) (func $g) (elem (i32.const 0) $g) (data (i32.const 0) "xyz") (start $f))', "imports"),
]
