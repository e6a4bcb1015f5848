"""Stack arguments and the callee's frame record go to stack memory where FrameLayout says:
baseline writes the six stack arguments and the frame record as one slice store and reads
them back with one slice load; optimizing calls the direct entry `f0_e` with every
argument as a Python argument and writes only the two words of the frame record, while
the standard entry `f0` (host, tables) reads the stack arguments from their words."""
from __future__ import annotations

import re

from heron import Config, Engine, Instance, Module, Store
from heron.target import FrameLayout
from heron.types import FuncType

PARAMS = " ".join(["i32"] * 10)
WAT = f"""(module
  (tag $t)
  (func $f (param {PARAMS}) (result i32)
    (if (i32.eq (local.get 0) (i32.const 99)) (then (throw $t)))
    (if (i32.eqz (local.get 0)) (then (return (i32.add (local.get 1) (local.get 9)))))
    (i32.add (call $f (i32.sub (local.get 0) (i32.const 1)) (local.get 1) (local.get 2) (local.get 3)
                      (local.get 4) (local.get 5) (local.get 6) (local.get 7) (local.get 8)
                      (i32.add (local.get 9) (i32.const 1)))
             (i32.const 1)))
  (func (export "run") (param i32) (result i32)
    (call $f (local.get 0) (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4) (i32.const 5)
             (i32.const 6) (i32.const 7) (i32.const 8) (i32.const 9))))"""


def test_slice_store_and_load_hit_framelayout_words():
    for strategy in ("optimizing", "baseline"):
        engine = Engine(Config(target="x86_64-sysv", strategy=strategy))
        module = Module(engine, WAT)
        store = Store(engine)
        run = Instance(store, module, []).exports(store)["run"]
        assert run(store, 10) == 1 + 19 + 10
        src = module.source
        layout = FrameLayout.build("x86_64-sysv", "wasm", FuncType(("i32",) * 10, ("i32",)))
        first = layout.incoming_arg_offset(4) // 8
        if strategy == "baseline":
            load = re.search(r"= S\[fw([+-]\d+):fw([+-]\d+)\]", src)
            assert load and (int(load.group(1)), int(load.group(2))) == (first, first + 6)
            # the call writes 6 stack arguments + saved FP + return address (RA<offset>): 8 contiguous words
            stores = re.findall(r"S\[fw([+-]\d+):fw([+-]\d+)\] = \(fp, RA\d+, ", src)
            assert stores and all(int(hi) - int(lo) == 8 for lo, hi in stores)
        else:
            entry = re.search(r"return f0_e\(fp, p0, p1, p2, p3, (.*)\)", src)
            assert entry and entry.group(1) == ", ".join(f"S[fw{first + k:+d}]" for k in range(6))
            call = re.search(r"S\[fw([+-]\d+)\] = fp\n\s*S\[fw([+-]\d+)\] = RA\d+\n[^\n]*\n?\s*f0_e\(fp - (\d+), ", src)
            assert call and int(call.group(2)) == int(call.group(1)) + 1
            assert int(call.group(1)) * 8 == -int(call.group(3))      # the callee's FP, below this SP
