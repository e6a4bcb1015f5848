"""Port of wasmtime-py's examples/gcd.py: load a module and call one export."""
from pathlib import Path

from heron import Instance, Module, Store

HERE = Path(__file__).parent


def run() -> int:
    store = Store()
    module = Module.from_file(store.engine, HERE / "gcd.wat")
    gcd = Instance(store, module, []).exports(store)["gcd"]
    result = gcd(store, 6, 27)
    print("gcd(6, 27) = %d" % result)
    return result


if __name__ == "__main__":
    run()
