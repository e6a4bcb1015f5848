"""The code cache (Config.cache) and Module.serialize / deserialize: a warm start skips decode,
validation and compilation; entries are content-addressed and checked, a damaged or foreign
one is ignored and rebuilt; writes are atomic under concurrent loads; compiled code is
relocatable (another process, another code base)."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import heron.api as api
from heron import Config, Engine, HeronError, Instance, Module, Store, Trap
from heron.binary import encode
from heron.compile import persist

from chain_module import CHAIN_FUNCS

STRATEGIES = ("baseline", "optimizing")

WAT = "(module\n" + CHAIN_FUNCS + """
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2)) (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func $unused (result f64) (f64.const nan:0x1234)))"""


def binary() -> bytes:
    return encode(api.load_module(Engine(), WAT))


def run(module: Module, engine: Engine) -> tuple:
    store = Store(engine)
    ex = Instance(store, module, []).exports(store)
    with pytest.raises(Trap) as info:
        ex["outer"](store, 0)
    return (ex["catching"](store, 7), ex["catching"](store, 4), ex["fib"](store, 12),
            [f.split(" @")[0] for f in info.value.backtrace])


EXPECTED = (99, 26, 144, ["leaf", "mid", "outer"])


def padded_engine(strategy: str, cache) -> Engine:
    """An engine whose code map already holds another module: a different code base."""
    engine = Engine(Config(strategy=strategy, cache=cache))
    Module(engine, "(module (func (export \"x\")) (func) (func))")
    return engine


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_warm_start_skips_decode_validate_and_compile(tmp_path, strategy, monkeypatch):
    data = binary()
    cold_engine = Engine(Config(strategy=strategy, cache=tmp_path))
    cold = Module(cold_engine, data)
    assert run(cold, cold_engine) == EXPECTED
    assert cold.compiled.store.misses > 0 and cold.compiled.store.hits == 0

    engine = padded_engine(strategy, tmp_path)

    def no_load(*a, **k):
        raise AssertionError("the warm start decoded or validated")
    monkeypatch.setattr(api, "load_module", no_load)
    monkeypatch.setattr(api, "decode", no_load)
    warm = Module(engine, data)
    assert warm.compiled.base != cold.compiled.base      # relocated: return addresses follow CB
    assert run(warm, engine) == EXPECTED
    assert warm.compiled.store.misses == 0 and warm.compiled.store.hits == 5


def test_cache_key_separates_strategies_targets_and_options(tmp_path, monkeypatch):
    import heron.compile.driver as hc
    data = binary()
    keys = set()
    for elide in (True, False):
        monkeypatch.setattr(hc, "ELIDE_FRAMES", elide)
        for strategy in STRATEGIES:
            for target in ("x86_64-sysv", "aarch64"):
                engine = Engine(Config(strategy=strategy, target=target, cache=tmp_path))
                m = Module(engine, data)
                keys.add(m.compiled.store.key)
                assert run(m, engine) == EXPECTED
    # baseline never elides: the switch changes only the optimizing keys
    assert len(keys) == 6


def entries(tmp_path: Path) -> dict[str, Path]:
    return {p.name: p for p in tmp_path.rglob("*") if p.is_file()}


@pytest.mark.parametrize("damage", ["flip", "truncate", "foreign", "empty", "other_build"])
def test_damaged_or_foreign_entries_are_ignored_and_rebuilt(tmp_path, damage, monkeypatch):
    data = binary()
    engine = Engine(Config(cache=tmp_path))
    assert run(Module(engine, data), engine) == EXPECTED
    files = entries(tmp_path)
    good = {name: p.read_bytes() for name, p in files.items()}
    for name, p in files.items():
        raw = good[name]
        if damage == "flip":
            bad = raw[:-5] + bytes([raw[-5] ^ 1]) + raw[-4:]
        elif damage == "truncate":
            bad = raw[: len(raw) // 2]
        elif damage == "foreign":        # an intact entry, but of another function / the module
            other = "f0" if name != "f0" else "f2"
            bad = good[other]
        elif damage == "empty":
            bad = b""
        else:                            # intact, but made by another Heron build
            payload = persist.unpack(raw, name, p.parent.name)[2]
            monkeypatch.setattr(persist, "_fingerprint", "0.0.0+other")
            bad = persist.pack(name, p.parent.name, payload)
            monkeypatch.undo()
        p.write_bytes(bad)
    engine = padded_engine("optimizing", tmp_path)
    m = Module(engine, data)
    assert run(m, engine) == EXPECTED
    assert m.compiled.store.hits == 0
    # rebuilt: every entry is intact again, and the next start is warm
    rebuilt = entries(tmp_path)
    assert rebuilt.keys() == good.keys()
    assert all(persist.unpack(p.read_bytes(), name, p.parent.name) for name, p in rebuilt.items())
    engine = Engine(Config(cache=tmp_path))
    m = Module(engine, data)
    assert run(m, engine) == EXPECTED and m.compiled.store.hits == 5


def test_unwritable_cache_directory_only_costs_the_warm_start(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_bytes(b"not a directory")
    engine = Engine(Config(cache=blocker / "cache"))
    assert run(Module(engine, binary()), engine) == EXPECTED


def test_two_processes_load_the_same_module_concurrently(tmp_path):
    wasm = tmp_path / "m.wasm"
    wasm.write_bytes(binary())
    cache = tmp_path / "cache"
    script = textwrap.dedent(f"""
        import sys
        from heron import Config, Engine, Instance, Module, Store
        for rep in range(15):
            engine = Engine(Config(cache={str(cache)!r}, strategy=("baseline", "optimizing")[rep % 2]))
            store = Store(engine)
            ex = Instance(store, Module(engine, open({str(wasm)!r}, "rb").read()), []).exports(store)
            assert ex["fib"](store, 15) == 610 and ex["catching"](store, 7) == 99
        print("ok")
    """)
    env = dict(os.environ, PYTHONPATH=str(Path(api.__file__).resolve().parent.parent))
    procs = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=env, text=True) for _ in range(2)]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0 and out.strip() == "ok", err
    for p in entries(cache).values():
        assert not p.name.endswith(".tmp")
        assert persist.unpack(p.read_bytes(), p.name, p.parent.name) is not None


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_serialize_roundtrip_in_another_engine(strategy):
    engine = Engine(Config(strategy=strategy))
    module = Module(engine, WAT)
    assert run(module, engine) == EXPECTED
    data = module.serialize()
    other = padded_engine(strategy, None)
    restored = Module.deserialize(other, data)
    assert restored.compiled.compiled_count() == 0       # compiled lazily from the serialized entries
    assert run(restored, other) == EXPECTED
    assert restored.compiled.store.payloads == {}        # every function came from the data
    assert "def f5" in restored.source                   # one never compiled: from the binary inside


def test_deserialize_file(tmp_path):
    engine = Engine()
    path = tmp_path / "m.heron"
    path.write_bytes(Module(engine, WAT).serialize())
    assert run(Module.deserialize_file(engine, path), engine) == EXPECTED


def test_deserialize_refuses_other_configurations_and_damage(monkeypatch):
    module = Module(Engine(Config(strategy="optimizing")), WAT)
    data = module.serialize()
    with pytest.raises(HeronError, match="strategy 'optimizing'.*'baseline'"):
        Module.deserialize(Engine(Config(strategy="baseline")), data)
    with pytest.raises(HeronError, match="target 'x86_64-sysv'.*'aarch64'"):
        Module.deserialize(Engine(Config(target="aarch64")), data)
    import heron.compile.driver as hc
    monkeypatch.setattr(hc, "ELIDE_FRAMES", False)
    with pytest.raises(HeronError, match="serialized for options .*elide=1.*elide=0"):
        Module.deserialize(Engine(), data)
    monkeypatch.undo()
    with pytest.raises(HeronError, match="not a serialized Heron module"):
        Module.deserialize(Engine(), b"\0asm\1\0\0\0")
    with pytest.raises(HeronError, match="damaged"):
        Module.deserialize(Engine(), data[:-3] + bytes([data[-3] ^ 0x40]) + data[-2:])
    monkeypatch.setattr(persist, "_fingerprint", "9.9.9+elsewhere")
    with pytest.raises(HeronError, match="serialized by Heron 0.1.0.*this is Heron 9.9.9"):
        Module.deserialize(Engine(), data)
