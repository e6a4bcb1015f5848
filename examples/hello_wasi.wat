;; hello_wasi: a WASI command. Prints "hello, NAME!" for each argument after argv[0]
;; (or "hello, world!" without one) and exits with the number of names greeted.
;;
;;   heron run examples/hello_wasi.wat Ada Grace; echo "status $?"
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "hello, ")
  (data (i32.const 80) "!\n")
  (data (i32.const 96) "world")
  ;; 0: argc, 4: argv buffer size, 16..40: three iovecs, 48: bytes written,
  ;; 1024: argv pointers, 8192: argv strings
  (func $strlen (param $p i32) (result i32)
    (local $n i32)
    (block $done (loop $next
      (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $next)))
    (local.get $n))
  (func $greet (param $name i32) (param $len i32)
    (i32.store (i32.const 16) (i32.const 64))   (i32.store (i32.const 20) (i32.const 7))
    (i32.store (i32.const 24) (local.get $name)) (i32.store (i32.const 28) (local.get $len))
    (i32.store (i32.const 32) (i32.const 80))   (i32.store (i32.const 36) (i32.const 2))
    (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 3) (i32.const 48))))
  (func (export "_start")
    (local $i i32) (local $arg i32)
    (drop (call $args_sizes_get (i32.const 0) (i32.const 4)))
    (drop (call $args_get (i32.const 1024) (i32.const 8192)))
    (if (i32.le_u (i32.load (i32.const 0)) (i32.const 1))
      (then (call $greet (i32.const 96) (i32.const 5)) (call $proc_exit (i32.const 0))))
    (local.set $i (i32.const 1))
    (loop $each
      (local.set $arg (i32.load (i32.add (i32.const 1024) (i32.shl (local.get $i) (i32.const 2)))))
      (call $greet (local.get $arg) (call $strlen (local.get $arg)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $each (i32.lt_u (local.get $i) (i32.load (i32.const 0)))))
    (call $proc_exit (i32.sub (i32.load (i32.const 0)) (i32.const 1)))))
