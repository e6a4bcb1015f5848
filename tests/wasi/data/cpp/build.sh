#!/bin/sh
# Rebuilds the eh_tour*.wasm beside this script (they are committed: the tests need no
# toolchain). Needs Debian 12's clang-22, lld-22, libc++-22-dev-wasm32 and
# libc++abi-22-dev-wasm32 (wasm32-wasi libc++, built without exceptions), wasi-libc, and the
# emscripten package for the exception runtime (eh_runtime.sh says why):
#   apt-get install clang-22 lld-22 libc++-22-dev-wasm32 libc++abi-22-dev-wasm32 wasi-libc
#   apt-get download emscripten
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cxx="clang++-22 --target=wasm32-wasi -Wno-deprecated"

# name, optimisation, EH encoding (exnref: try_table/throw_ref; legacy: try/catch/rethrow/delegate)
build() {
  name=$1 opt=$2 eh=$3
  "$here/eh_runtime.sh" "$work/$name" $eh
  $cxx $opt -fwasm-exceptions $eh "$here/eh_tour.cpp" "$work/$name"/*.o -Wl,--strip-debug -o "$here/$name.wasm"
}
build eh_tour -O2 "-mllvm -wasm-use-legacy-eh=false"
build eh_tour_O0 -O0 "-mllvm -wasm-use-legacy-eh=false"
build eh_tour_legacy -O2 "-mllvm -wasm-use-legacy-eh=true"
ls -l "$here"/*.wasm
