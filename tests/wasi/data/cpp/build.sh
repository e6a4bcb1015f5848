#!/bin/sh
# Rebuilds the eh_tour*.wasm beside this script (they are committed: the tests need no
# toolchain). Needs Debian 12's clang-22, lld-22 and libc++-22-dev-wasm32 /
# libc++abi-22-dev-wasm32 (wasm32-wasi builds of libc++, without exceptions), wasi-libc, and
# the emscripten package, whose copy of LLVM's libc++abi and libunwind sources supplies the
# exception runtime that Debian's libc++abi leaves out (cxa_exception, the personality
# routine, the Wasm unwinder glue), compiled here with -fwasm-exceptions:
#   apt-get install clang-22 lld-22 libc++-22-dev-wasm32 libc++abi-22-dev-wasm32 wasi-libc
#   apt-get download emscripten
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
deb=${EMSCRIPTEN_DEB:-$(ls "$here"/emscripten_*.deb /tmp/em/emscripten_*.deb 2>/dev/null | head -n1)}
[ -n "$deb" ] || { echo "build.sh: no emscripten_*.deb (apt-get download emscripten)" >&2; exit 1; }
dpkg -x "$deb" "$work/em"
lib=$work/em/usr/share/emscripten/system/lib
cc="clang-22 --target=wasm32-wasi -Wno-deprecated"
cxx="clang++-22 --target=wasm32-wasi -Wno-deprecated"
rt="-w -O2 -fwasm-exceptions -D__USING_WASM_EXCEPTIONS__ -D__EMSCRIPTEN__ -DNDEBUG
    -D_LIBCXXABI_BUILDING_LIBRARY -D_LIBCPP_ENABLE_CXX17_REMOVED_UNEXPECTED_FUNCTIONS
    -D_LIBCPP_INLINE_VISIBILITY=inline -I$lib/libcxxabi/include -I$lib/libcxxabi/src
    -I$lib/libunwind/include -I$lib/libunwind/src"

# name, optimisation, EH encoding (exnref: try_table/throw_ref; legacy: try/catch/rethrow/delegate)
build() {
  name=$1 opt=$2 eh=$3
  o=$work/$name
  mkdir -p "$o"
  $cxx $rt $eh -std=c++20 -c "$lib/libcxxabi/src/cxa_exception.cpp" -o "$o/cxa_exception.o"
  $cxx $rt $eh -std=c++20 -c "$lib/libcxxabi/src/cxa_personality.cpp" -o "$o/cxa_personality.o"
  $cc $rt $eh -include stdbool.h -fdeclspec -c "$lib/libunwind/src/Unwind-wasm.c" -o "$o/unwind.o"
  $cc -c "$here/eh_tag.c" -o "$o/tag.o"
  $cxx $opt -fwasm-exceptions $eh "$here/eh_tour.cpp" "$o"/*.o -Wl,--strip-debug -o "$here/$name.wasm"
}
build eh_tour -O2 "-mllvm -wasm-use-legacy-eh=false"
build eh_tour_O0 -O0 "-mllvm -wasm-use-legacy-eh=false"
build eh_tour_legacy -O2 "-mllvm -wasm-use-legacy-eh=true"
ls -l "$here"/*.wasm
