/* The runtime side of clang's Wasm-EH setjmp/longjmp lowering (-mllvm -wasm-enable-sjlj):
   setjmp records (function invocation, label) in the jmp_buf; longjmp throws the
   __c_longjmp tag with a pointer to {env, val}; the lowered caller catches it, asks
   __wasm_setjmp_test whether the buffer belongs to one of its own setjmp calls, and either
   resumes at that label or rethrows. */
#include <stdint.h>
#include <stddef.h>
struct jmp_buf_impl { void *func_invocation_id; uint32_t label; struct arg { void *env; int val; } arg; };
__asm__(".globl __c_longjmp\n.tagtype __c_longjmp i32\n__c_longjmp:\n");
void __wasm_setjmp(void *env, uint32_t label, void *func_invocation_id) {
  struct jmp_buf_impl *jb = env;
  if (label == 0 || func_invocation_id == NULL) __builtin_trap();
  jb->func_invocation_id = func_invocation_id;
  jb->label = label;
}
uint32_t __wasm_setjmp_test(void *env, void *func_invocation_id) {
  struct jmp_buf_impl *jb = env;
  if (jb->label == 0 || func_invocation_id == NULL) __builtin_trap();
  return jb->func_invocation_id == func_invocation_id ? jb->label : 0;
}
void __wasm_longjmp(void *env, int val) {
  struct jmp_buf_impl *jb = env;
  jb->arg.env = env;
  jb->arg.val = val == 0 ? 1 : val;
  __builtin_wasm_throw(1, &jb->arg);   /* tag 1: __c_longjmp */
}
