"""Port of wasmtime-py's examples/multi.py: functions with several results, both ways."""
from pathlib import Path

from heron import Config, Engine, Func, FuncType, Instance, Module, Store, ValType

HERE = Path(__file__).parent


def run() -> None:
    config = Config()
    config.wasm_multi_value = True       # on by default in Heron; set as wasmtime-py code does
    store = Store(Engine(config))
    module = Module.from_file(store.engine, HERE / "multi.wat")

    callback_type = FuncType([ValType.i32(), ValType.i64()], [ValType.i64(), ValType.i32()])

    def callback(a: int, b: int) -> list:
        return [b + 1, a + 1]

    instance = Instance(store, module, [Func(store, callback_type, callback)])
    g = instance.exports(store)["g"]
    results = g(store, 1, 3)
    print("> {} {}".format(results[0], results[1]))
    assert results[0] == 4 and results[1] == 2

    round_trip_many = instance.exports(store)["round_trip_many"]
    results = round_trip_many(store, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9)
    print(">")
    for r in results:
        print("  %d" % r)
    assert list(results) == list(range(10))


if __name__ == "__main__":
    run()
