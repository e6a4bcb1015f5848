/* setjmp/longjmp for clang's Wasm exception-handling lowering (-mllvm -wasm-enable-sjlj):
   the compiler turns setjmp calls into __wasm_setjmp/__wasm_setjmp_test and longjmp into
   __wasm_longjmp, which throws the __c_longjmp tag (sjlj_rt.c). wasi-libc of Debian 12
   predates its own setjmp.h, so this one stands in. */
#ifndef SJLJ_SETJMP_H
#define SJLJ_SETJMP_H
#ifdef __cplusplus
extern "C" {
#endif
typedef struct { void *func_invocation_id; unsigned label; struct { void *env; int val; } arg; } jmp_buf[1];
int setjmp(jmp_buf) __attribute__((returns_twice));
_Noreturn void longjmp(jmp_buf, int);
#ifdef __cplusplus
}
#endif
#endif
