#!/bin/sh
# eh_runtime.sh OUTDIR EH_FLAGS...: the C++ exception runtime for wasm32-wasi programs built
# with clang 22 -fwasm-exceptions, as objects in OUTDIR (cxa_exception.o, cxa_personality.o,
# unwind.o, tag.o). Debian's libc++abi-22-dev-wasm32 is built without exceptions and leaves
# these out; the emscripten package ships LLVM's libc++abi and libunwind sources, compiled
# here (EMSCRIPTEN_DEB names the package file; `apt-get download emscripten` fetches it).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$1; shift
deb=${EMSCRIPTEN_DEB:-$(ls "$here"/emscripten_*.deb /tmp/em/emscripten_*.deb 2>/dev/null | head -n1)}
[ -n "$deb" ] || { echo "eh_runtime.sh: no emscripten_*.deb (apt-get download emscripten)" >&2; exit 1; }
mkdir -p "$out/em"
dpkg -x "$deb" "$out/em"
lib=$out/em/usr/share/emscripten/system/lib
cc="clang-22 --target=wasm32-wasi -Wno-deprecated"
cxx="clang++-22 --target=wasm32-wasi -Wno-deprecated"
rt="-w -O2 -fwasm-exceptions -D__USING_WASM_EXCEPTIONS__ -D__EMSCRIPTEN__ -DNDEBUG
    -D_LIBCXXABI_BUILDING_LIBRARY -D_LIBCPP_ENABLE_CXX17_REMOVED_UNEXPECTED_FUNCTIONS
    -D_LIBCPP_INLINE_VISIBILITY=inline -I$lib/libcxxabi/include -I$lib/libcxxabi/src
    -I$lib/libunwind/include -I$lib/libunwind/src"
$cxx $rt "$@" -std=c++20 -c "$lib/libcxxabi/src/cxa_exception.cpp" -o "$out/cxa_exception.o"
$cxx $rt "$@" -std=c++20 -c "$lib/libcxxabi/src/cxa_personality.cpp" -o "$out/cxa_personality.o"
$cc $rt "$@" -include stdbool.h -fdeclspec -c "$lib/libunwind/src/Unwind-wasm.c" -o "$out/unwind.o"
$cc -c "$here/eh_tag.c" -o "$out/tag.o"
rm -rf "$out/em"
