"""Port of wasmtime-py's examples/hello.py: a Python function imported by Wasm."""
from pathlib import Path

from heron import Func, FuncType, Instance, Module, Store

HERE = Path(__file__).parent


def run() -> None:
    store = Store()                      # every operation takes the store
    module = Module.from_file(store.engine, HERE / "hello.wat")

    def say_hello() -> None:
        print("Hello from Python!")

    hello = Func(store, FuncType([], []), say_hello)
    instance = Instance(store, module, [hello])
    instance.exports(store)["run"](store)


if __name__ == "__main__":
    run()
