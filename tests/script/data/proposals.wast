;; Script syntax beyond the core suite: threads, module definitions, unimplemented proposals (test_script_proposals.py).
(module $Mem (memory (export "shared") 1 1 shared))

(thread $T1 (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 1 10 shared)
    (func (export "run") (i32.store (i32.const 0) (i32.const 42))))
  (invoke "run"))

(thread $T2 (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 1 1 shared)
    (func (export "run") (result i32) (i32.load (i32.const 0))))
  (assert_return (invoke "run") (either (i32.const 0) (i32.const 42))))

(wait $T1)
(wait $T2)

(module $Plain (func (export "f") (result i32) (i32.const 7)))
(thread $T3 (shared (module $Plain))
  (register "plain" $Plain)
  (module (import "plain" "f" (func $f (result i32)))
    (func (export "g") (result i32) (i32.add (call $f) (i32.const 1))))
  (assert_return (invoke "g") (i32.const 8)))
(wait $T3)
(assert_return (invoke "f") (i32.const 7))

(thread $T4 (wait $T5))
(thread $T5)
(wait $T4)
(wait $T5)

(module definition (func (export "h") (result i32) (i32.const 3)))
(module instance)
(assert_return (invoke "h") (i32.const 3))
(module definition $D (func (export "k") (result i32) (i32.const 4)))
(module instance $I $D)
(assert_return (invoke $I "k") (i32.const 4))

(assert_suspension (invoke "h") "unhandled")
(module (type $ft (func)) (type $ct (cont $ft)))
(module (func (param i64 i64 i64 i64) (result i64 i64)
  (i64.add128 (local.get 0) (local.get 1) (local.get 2) (local.get 3))))
(assert_return (invoke "h") (i32.const 3))
