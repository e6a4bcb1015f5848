"""Port of wasmtime-py's examples/linking.py: two modules linked by a Linker, the
second importing the first's functions, memory and global. wasmtime-py's version gives
linking2 WASI's fd_write; here a small Python function stands in for it, reading the
iovec from the exporting instance's memory."""
import sys
from pathlib import Path

from heron import Engine, FuncType, Linker, Module, Store, ValType

HERE = Path(__file__).parent


def run() -> bytes:
    engine = Engine()
    linking1 = Module.from_file(engine, HERE / "linking1.wat")
    linking2 = Module.from_file(engine, HERE / "linking2.wat")
    store = Store(engine)
    linker = Linker(engine)
    written = bytearray()
    memory_of = {}

    def fd_write(fd: int, iovs: int, iovs_len: int, nwritten: int) -> int:
        memory = memory_of["linking2"]
        for i in range(iovs_len):
            entry = memory.read(store, iovs + 8 * i, iovs + 8 * i + 8)
            ptr = int.from_bytes(entry[:4], "little")
            length = int.from_bytes(entry[4:], "little")
            written.extend(memory.read(store, ptr, ptr + length))
        memory.write(store, len(written).to_bytes(4, "little"), nwritten)
        return 0

    i32 = ValType.i32()
    linker.define_func("wasi_snapshot_preview1", "fd_write", FuncType([i32] * 4, [i32]), fd_write)

    # instantiate linking2 and register it under its name; then linking1 can link
    instance2 = linker.instantiate(store, linking2)
    memory_of["linking2"] = instance2.exports(store)["memory"]
    linker.define_instance(store, "linking2", instance2)
    instance1 = linker.instantiate(store, linking1)
    instance1.exports(store)["run"](store)
    sys.stdout.write(written.decode())
    return bytes(written)


if __name__ == "__main__":
    run()
