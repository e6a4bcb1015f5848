"""Port of wasmtime-py's examples/memory.py: reading, writing and growing linear memory,
and the traps of out-of-bounds accesses."""
from pathlib import Path

from heron import HeronError, Instance, Limits, Memory, MemoryType, Module, Store, Trap

HERE = Path(__file__).parent


def assert_fails(thunk) -> None:
    try:
        thunk()
    except (Trap, HeronError):
        return
    raise AssertionError("expected a trap or an error")


def run() -> None:
    store = Store()
    module = Module.from_file(store.engine, HERE / "memory.wat")
    exports = Instance(store, module, []).exports(store)
    memory, size_fn, load_fn, store_fn = exports["memory"], exports["size"], exports["load"], exports["store"]

    print("Checking memory...")
    assert memory.size(store) == 2
    assert memory.data_len(store) == 0x20000
    # data_ptr is a raw, unchecked pointer: stay below data_len
    assert memory.data_ptr(store)[0] == 0
    assert memory.data_ptr(store)[0x1000] == 1
    assert memory.data_ptr(store)[0x1003] == 4
    assert memory.read(store, 0x1000, 0x1004) == bytearray(b"\x01\x02\x03\x04")
    assert size_fn(store) == 2
    assert load_fn(store, 0) == 0
    assert load_fn(store, 0x1000) == 1
    assert load_fn(store, 0x1003) == 4
    assert load_fn(store, 0x1ffff) == 0
    assert_fails(lambda: load_fn(store, 0x20000))

    print("Mutating memory...")
    memory.data_ptr(store)[0x1003] = 5
    store_fn(store, 0x1002, 6)
    assert_fails(lambda: store_fn(store, 0x20000, 0))
    assert memory.data_ptr(store)[0x1002] == 6
    assert memory.data_ptr(store)[0x1003] == 5
    assert load_fn(store, 0x1002) == 6
    assert load_fn(store, 0x1003) == 5

    print("Growing memory...")
    assert memory.grow(store, 1) == 2
    assert memory.size(store) == 3
    assert memory.data_len(store) == 0x30000
    assert load_fn(store, 0x20000) == 0
    store_fn(store, 0x20000, 0)
    assert_fails(lambda: load_fn(store, 0x30000))
    assert_fails(lambda: store_fn(store, 0x30000, 0))
    assert_fails(lambda: memory.grow(store, 1))      # the maximum is 3 pages
    assert memory.grow(store, 0) == 3

    print("Creating stand-alone memory...")
    memory2 = Memory(store, MemoryType(Limits(5, 5)))
    assert memory2.size(store) == 5
    assert_fails(lambda: memory2.grow(store, 1))
    assert memory2.grow(store, 0) == 5


if __name__ == "__main__":
    run()
