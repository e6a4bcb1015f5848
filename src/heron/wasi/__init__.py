"""wasi: WASI preview1 (`wasi_snapshot_preview1`, and the older `wasi_unstable`) as host
functions over the calling instance's memory, configured by a WasiConfig as in wasmtime-py.

    config = heron.WasiConfig()
    config.argv = ["prog", "arg"]; config.inherit_stdout(); config.preopen_dir("data", "/data")
    store.set_wasi(config); linker.define_wasi()
    linker.instantiate(store, module).exports(store)["_start"](store)   # ExitTrap on proc_exit

Modules, one job each: errno (error numbers), flags (enums, flags, rights), abi (record
layouts per WASI version), memory (bounds-checked guest memory), streams (stdio backends),
descriptors and fdtable (what an fd is, fd numbers), sandbox (path resolution below a
directory), config and context (WasiConfig, the per-store state), env_ops / clock_ops /
fd_ops / path_ops / poll / proc_ops / socket_ops (the functions), binding (functions ->
host functions).

Every function is implemented. Where the host cannot, or a sandboxed program may not, the
spec's errno comes back: proc_raise is ENOTSUP; sock_* on anything but a socket the embedder
handed in (or sock_accept made) is ENOTSOCK; fd_allocate is ENOTSUP where the host has no
posix_fallocate; changing DSYNC/RSYNC/SYNC after open is EINVAL; poll_oneoff with no
subscription is EINVAL; a path leaving its directory is EPERM, a symlink loop ELOOP; a guest
pointer outside memory is EFAULT. proc_exit(n) raises heron.ExitTrap(n) (n >= 126 is refused
with a HeronError, as wasmtime refuses it). Preopened directories need a POSIX host (openat).
"""
from .abi import ABIS
from .binding import SIGNATURES, functions, functype, serves, unsupported_import
from .config import WasiConfig
from .context import WasiContext
from .errno import Errno
from .streams import OutputCapture

__all__ = ["ABIS", "WasiConfig", "WasiContext", "OutputCapture", "Errno", "SIGNATURES", "functions", "functype",
           "serves", "unsupported_import"]
