"""The binding: every WASI function as a host function of a store.

SIGNATURES is the Wasm-level signature of each function (the witx lowered to core types:
pointers, sizes, fds and flags are i32; 64-bit values i64), IMPLEMENTATIONS the Python
function behind it. `host_function(ctx, module, name)` makes the heron.Func for one
import of one store: an access_caller host function, so each call reads the memory of the
instance that called it. Arguments arrive unsigned; a WasiError or a host OSError becomes
the returned errno; ExitTrap and traps pass through untouched.

`wasi_unstable` is served by the same functions with its own record layouts (abi.py).
"""
from __future__ import annotations

from ..errors import HeronError, LinkError, Trap
from ..runtime import Func, Memory
from ..types import I32, I64, FuncType
from . import clock_ops, env_ops, fd_ops, path_ops, poll, proc_ops, socket_ops
from .abi import ABIS
from .errno import WasiError, from_host
from .memory import GuestMemory

# parameters of each function: i = i32, I = i64. Each returns an errno (i32), but proc_exit.
SIGNATURES: dict[str, str] = {
    "args_get": "ii", "args_sizes_get": "ii", "environ_get": "ii", "environ_sizes_get": "ii",
    "clock_res_get": "ii", "clock_time_get": "iIi",
    "fd_advise": "iIIi", "fd_allocate": "iII", "fd_close": "i", "fd_datasync": "i",
    "fd_fdstat_get": "ii", "fd_fdstat_set_flags": "ii", "fd_fdstat_set_rights": "iII",
    "fd_filestat_get": "ii", "fd_filestat_set_size": "iI", "fd_filestat_set_times": "iIIi",
    "fd_pread": "iiiIi", "fd_prestat_get": "ii", "fd_prestat_dir_name": "iii", "fd_pwrite": "iiiIi",
    "fd_read": "iiii", "fd_readdir": "iiiIi", "fd_renumber": "ii", "fd_seek": "iIii", "fd_sync": "i",
    "fd_tell": "ii", "fd_write": "iiii",
    "path_create_directory": "iii", "path_filestat_get": "iiiii", "path_filestat_set_times": "iiiiIIi",
    "path_link": "iiiiiii", "path_open": "iiiiiIIii", "path_readlink": "iiiiii",
    "path_remove_directory": "iii", "path_rename": "iiiiii", "path_symlink": "iiiii",
    "path_unlink_file": "iii",
    "poll_oneoff": "iiii", "proc_exit": "i", "proc_raise": "i", "sched_yield": "", "random_get": "ii",
    "sock_accept": "iii", "sock_recv": "iiiiii", "sock_send": "iiiii", "sock_shutdown": "ii",
}
NO_RESULT = frozenset({"proc_exit"})
IMPLEMENTATIONS: dict = {}
for _group in (env_ops, clock_ops, fd_ops, path_ops, poll, proc_ops, socket_ops):
    IMPLEMENTATIONS.update(_group.FUNCTIONS)
assert IMPLEMENTATIONS.keys() == SIGNATURES.keys(), set(IMPLEMENTATIONS) ^ set(SIGNATURES)
_TYPES = {"i": I32, "I": I64}
_MASKS = {"i": 0xFFFF_FFFF, "I": 0xFFFF_FFFF_FFFF_FFFF}
WASI_VERSIONS = ", ".join(ABIS)


def functions(module: str) -> list[str]:
    """The names `module` (a WASI version) provides."""
    abi = ABIS[module]
    return [name for name in SIGNATURES if abi.has_sock_accept or name != "sock_accept"]


def functype(name: str) -> FuncType:
    """The core Wasm type of WASI function `name`."""
    return FuncType(tuple(_TYPES[c] for c in SIGNATURES[name]), () if name in NO_RESULT else (I32,))


class _NoMemory:
    """The memory of a caller that exports none: any access traps, as in wasmtime."""

    def __len__(self) -> int:
        raise Trap("WASI function called by a module that exports no memory named \"memory\"")


_NO_MEMORY = _NoMemory()


_WRAPPER = """
def make(ctx, abi, impl, name):
    def host(caller, {params}):
        memory = caller.get("memory")
        mem = GuestMemory(memory.data if memory.__class__ is Memory else NO_MEMORY, abi)
        try:
            impl(ctx, mem, {masked})
        except WasiError as e:
            return e.errno
        except OSError as e:
            return from_host(e)
        except HeronError:
            raise
        except Exception as e:            # a bug here must still not reach Wasm as a Python error
            raise HeronError(f"WASI {{name}} failed: {{type(e).__name__}}: {{e}}") from e
        return 0
    return host
"""
_FACTORIES: dict[str, object] = {}


def _host_callable(ctx, abi, name: str, impl):
    """`host(caller, *args) -> errno` for one function of one store and WASI version. The
    wrapper is generated once per signature: the arguments arrive signed (the public
    convention) and are made unsigned one by one, no argument list is built."""
    sig = SIGNATURES[name]
    make = _FACTORIES.get(sig)
    if make is None:
        names = [f"a{i}" for i in range(len(sig))]
        source = _WRAPPER.format(params=", ".join(names),
                                 masked=", ".join(f"{n} & {_MASKS[c]:#x}" for n, c in zip(names, sig)))
        ns = {"GuestMemory": GuestMemory, "Memory": Memory, "NO_MEMORY": _NO_MEMORY, "WasiError": WasiError,
              "from_host": from_host, "HeronError": HeronError}
        exec(compile(source, f"<heron wasi binding {sig or 'void'}>", "exec"), ns)
        make = _FACTORIES[sig] = ns["make"]
    host = make(ctx, abi, impl, name)
    host.__name__ = name
    host.__qualname__ = f"{abi.module}.{name}"
    return host


def host_function(store, ctx, module: str, name: str) -> Func | None:
    """The host function of `store` serving import `module::name` with WASI context `ctx`;
    None when `module` is no WASI version Heron knows; LinkError when it has no function `name`."""
    abi = ABIS.get(module)
    if abi is None:
        return None
    if name_unknown(module, name):
        raise LinkError(f"unknown import: {module}::{name} is not a WASI function (Heron implements "
                        f"all of {module})")
    return Func(store, functype(name), _host_callable(ctx, abi, name, IMPLEMENTATIONS[name]),
                access_caller=True)


def unsupported_import(imports) -> str | None:
    """Why a module's imports cannot all be served by Heron's WASI, in one line, or None.

    `imports` are ast imports (module, name, kind). A WASI function Heron lacks, or a module
    of another WASI version (wasi:..., wasi_snapshot_preview2, wasix_...), is named."""
    for imp in imports:
        module = imp.module
        if module in ABIS:
            if imp.kind != "func" or name_unknown(module, imp.name):
                return f"unknown import: {module}::{imp.name} is not a WASI function " \
                       f"(Heron implements all of {module})"
        elif module.startswith(("wasi", "wasix")):
            return f"import {module}::{imp.name} is from WASI version {module!r}, which Heron does " \
                   f"not implement (it implements {WASI_VERSIONS})"
    return None


def serves(module: str, name: str) -> bool:
    """Does Heron's WASI define the import module::name (what Linker.define_wasi links)?"""
    return module in ABIS and not name_unknown(module, name)


def name_unknown(module: str, name: str) -> bool:
    return name not in SIGNATURES or (name == "sock_accept" and not ABIS[module].has_sock_accept)


__all__ = ["SIGNATURES", "IMPLEMENTATIONS", "functions", "functype", "host_function", "unsupported_import"]
