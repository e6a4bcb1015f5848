;; imports a function wasi_snapshot_preview1 does not have.
(module
  (import "wasi_snapshot_preview1" "fd_dup" (func (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")))
