;; a module of another WASI version (WASIX): heron run names what it cannot provide.
(module
  (import "wasix_32v1" "fd_dup" (func (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")))
