"""A module the lazy-compilation and code-cache tests share: a throw or a division trap two
calls below an export, through a call with stack arguments on every target ($mid has nine
i32 parameters), caught by a try_table in `catching`."""

CHAIN_FUNCS = """  (tag $e (param i32))
  (func $leaf (param i32) (result i32)
    (if (i32.eq (local.get 0) (i32.const 7)) (then (throw $e (i32.const 99))))
    (i32.div_u (i32.const 100) (local.get 0)))
  (func $mid (param i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)
    (i32.add (call $leaf (local.get 8)) (i32.const 1)))
  (func $outer (export "outer") (param i32) (result i32)
    (call $mid (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4) (i32.const 5) (i32.const 6)
               (i32.const 7) (i32.const 8) (local.get 0)))
  (func (export "catching") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e $h) (return (call $outer (local.get 0))))
      (unreachable)))"""

CHAIN = "(module\n" + CHAIN_FUNCS + ")"
