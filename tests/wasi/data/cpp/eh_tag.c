/* The tag every C++ exception is thrown with. clang 22 leaves its definition to the C++
   runtime (LLVM's libunwind); the runtime pieces build.sh compiles from Debian's emscripten
   package predate that, so the program defines it here, once. */
__asm__(".globl __cpp_exception\n.tagtype __cpp_exception i32\n__cpp_exception:\n");
