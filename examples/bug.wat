;; The shape of Wasmtime issue #11489: a tail call into a function with more
;; stack-passed arguments than its caller, which then throws.
;;
;; $tail takes one i32 and `return_call`s $five, which takes five. Under the wasm
;; calling convention the first two integer argument registers carry the callee's
;; and the caller's vmctx, so on x86_64-sysv only rdx rcx r8 r9 are left: $five's
;; fifth argument goes to the stack, in an incoming-argument area that $five (the
;; callee) owns and that sits *above* its return address, where $tail's frame was
;; (x86_64-windows: r8 r9 only, three arguments on the stack; aarch64: x2-x7, none).
;; $five throws $boom; $catcher catches it with try_table. An unwinder that derives
;; $catcher's SP from $five's frame pointer without that incoming area resumes
;; $catcher with a wrong SP and the values below come out wrong (or it crashes).
;;
;; Expected: `heron run -W all-proposals=y examples/bug.wasm` -- like `wasmtime run`,
;; it invokes `_start` when no --invoke is given, and it prints the invoked
;; function's results, one per line -- prints 12345: the payload, one digit per
;; argument in order (on x86_64-sysv the last digit is the stack-passed argument).
;; -1 means nothing was thrown, -2 that the catching frame's own local did not
;; survive the unwind, -3 a wrong marker.
(module
  (tag $boom (param i32 i32))          ;; payload: the five arguments as decimal digits, a marker

  (func $five (param $a i32) (param $b i32) (param $c i32) (param $d i32) (param $e i32) (result i32)
    (throw $boom
      (i32.add
        (i32.add
          (i32.add (i32.mul (local.get $a) (i32.const 10000)) (i32.mul (local.get $b) (i32.const 1000)))
          (i32.add (i32.mul (local.get $c) (i32.const 100)) (i32.mul (local.get $d) (i32.const 10))))
        (local.get $e))
      (i32.const 7)))

  (func $tail (param $a i32) (result i32)
    (return_call $five (local.get $a) (i32.const 2) (i32.const 3) (i32.const 4) (i32.const 5)))

  (func $catcher (param $a i32) (result i32)
    (local $keep i32) (local $payload i32) (local $marker i32)
    (local.set $keep (i32.const 0x5eed))         ;; set before the call; must survive the unwind
    (block $caught (result i32 i32)
      (try_table (result i32) (catch $boom $caught)
        (call $tail (local.get $a)))
      drop
      (return (i32.const -1)))
    (local.set $marker)
    (local.set $payload)
    (if (i32.ne (local.get $keep) (i32.const 0x5eed)) (then (return (i32.const -2))))
    (if (i32.ne (local.get $marker) (i32.const 7)) (then (return (i32.const -3))))
    (local.get $payload))

  (func (export "_start") (result i32)
    (call $catcher (i32.const 1)))
)
