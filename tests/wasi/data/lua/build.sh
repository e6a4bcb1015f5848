#!/bin/sh
# Rebuilds lua_sjlj.wasm and lua_cxx.wasm beside this script (committed: the tests need no
# toolchain): the Lua 5.4 interpreter from Debian 12's source package, for wasm32-wasi, with
# its errors raised two ways, both Wasm exception handling (exnref):
#   lua_sjlj: Lua as C; its setjmp/longjmp lowered by clang (-mllvm -wasm-enable-sjlj) to
#             try_table + throw of the __c_longjmp tag (sjlj_rt.c, setjmp.h here);
#   lua_cxx:  Lua as C++; its errors are C++ throws (LUAI_THROW), caught with catch(...),
#             on the runtime of ../cpp/eh_runtime.sh.
# Needs clang-22, lld-22, libc++-22-dev-wasm32, libc++abi-22-dev-wasm32, wasi-libc, the
# emscripten package (see ../cpp/eh_runtime.sh) and the Lua source: LUA_SRC=lua-5.4.4/src,
# or a deb-src entry for `apt-get source lua5.4`.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -z "${LUA_SRC:-}" ]; then
  (cd "$work" && apt-get source -q --download-only lua5.4 >/dev/null && tar xzf lua5.4_*.orig.tar.gz)
  LUA_SRC=$(echo "$work"/lua-5.4*/src)
fi
cc="clang-22 --target=wasm32-wasi -Wno-deprecated"
cxx="clang++-22 --target=wasm32-wasi -Wno-deprecated"
exnref="-mllvm -wasm-use-legacy-eh=false"
defs="-w -O2 -DLUA_USE_C89 -D_WASI_EMULATED_SIGNAL -D_WASI_EMULATED_PROCESS_CLOCKS -DL_tmpnam=32 -I$here"
libs="-lwasi-emulated-signal -lwasi-emulated-process-clocks -Wl,--strip-debug"
mods="lapi lcode lctype ldebug ldo ldump lfunc lgc llex lmem lobject lopcodes lparser lstate lstring
      ltable ltm lundump lvm lzio lauxlib lbaselib lcorolib ldblib liolib lmathlib loadlib loslib
      lstrlib ltablib lutf8lib linit lua"
mkdir -p "$work/c" "$work/cxx"
for m in $mods; do
  $cc $defs -mllvm -wasm-enable-sjlj $exnref -c "$LUA_SRC/$m.c" -o "$work/c/$m.o"
  $cxx $defs -x c++ -fwasm-exceptions $exnref -c "$LUA_SRC/$m.c" -o "$work/cxx/$m.o"
done
$cc -O2 -c "$here/wasi_stubs.c" -o "$work/stubs.o"
$cc -O2 -mllvm -wasm-enable-sjlj $exnref -c "$here/sjlj_rt.c" -o "$work/sjlj_rt.o"
$cc "$work"/c/*.o "$work/stubs.o" "$work/sjlj_rt.o" $libs -o "$here/lua_sjlj.wasm"
"$here/../cpp/eh_runtime.sh" "$work/rt" $exnref
$cxx -fwasm-exceptions $exnref "$work"/cxx/*.o "$work/stubs.o" "$work"/rt/*.o $libs -o "$here/lua_cxx.wasm"
ls -l "$here"/*.wasm
