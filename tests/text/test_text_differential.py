"""Random nested function bodies (folded and flat blocks, named and numeric labels, block
types that need implicit types, try_table catches, legacy try) must encode exactly as
`wasm-tools parse` encodes them. HERON_TEXT_FUZZ=N runs N cases instead of 25."""
from __future__ import annotations

import os
import random
import subprocess

import pytest

from heron.binary import encode
from heron.text import parse_module
from testsuite_paths import wasm_tools

BLOCK_TYPES = ["", "(result i32)", "(param i32) (result i32)", "(type $t)",
               "(type $t) (param i32) (result i32)", "(result i32 i64)", "(param i64)"]
LEAVES = ["nop", "(nop)", "(drop (i32.add (local.get $x) (i32.const 1)))", "i32.const 7 drop",
          "(local.set $y (f32.const -0x1.8p-3))", "(call $g (i64.const -5))",
          "(call_indirect (param i64) (i64.const 1) (i32.const 0))",
          "(select (i32.const 1) (i32.const 2) (i32.const 3)) drop", "unreachable"]


def random_body(rng: random.Random, depth: int, labels: list, n: int) -> str:
    out = []
    for _ in range(n):
        r = rng.random()
        if depth < 5 and r < 0.3:
            kind = rng.choice(["block", "loop", "if", "try_table", "try"])
            lab = rng.choice([None, f"$l{rng.randint(0, 3)}"])
            bt = rng.choice(BLOCK_TYPES)
            inner = labels + [lab]
            name = f" {lab}" if lab else ""
            folded = rng.random() < 0.5

            def sub(k: int) -> str:
                return random_body(rng, depth + 1, inner, k)
            if kind == "if":
                out.append(f"(if{name} {bt} (i32.const 1) (then {sub(2)}) (else {sub(1)}))" if folded else
                           f"if{name} {bt} {sub(2)} else {sub(1)} end{name if rng.random() < 0.5 else ''}")
            elif kind == "try":
                # flat only: wasm-tools does not read the legacy folded (try (do ...)) form
                out.append(f"try{name} {bt} {sub(2)} catch $e {sub(1)} catch_all end")
            else:
                catches = ""
                if kind == "try_table":
                    named = [x for x in labels if x]
                    catches = (f"(catch $e {rng.randrange(len(labels) + 1) if labels else 0}) "
                               f"(catch_all_ref {rng.choice(named or ['0'])})")
                out.append(f"({kind}{name} {bt} {catches} {sub(3)})" if folded else
                           f"{kind}{name} {bt} {catches} {sub(3)} end")
        elif r < 0.5 and labels:
            named = [x for x in labels if x]
            target = rng.choice(named) if named and rng.random() < 0.6 else str(rng.randrange(len(labels)))
            out.append(rng.choice([f"br {target}", f"(br_if {target} (i32.const 0))",
                                   f"(br_table {target} 0 (i32.const 0))"]))
        else:
            out.append(rng.choice(LEAVES))
    return " ".join(out)


@pytest.mark.skipif(wasm_tools() is None, reason="wasm-tools not installed")
def test_random_bodies_encode_like_wasm_tools(tmp_path):
    rng = random.Random(20261125)
    count = int(os.environ.get("HERON_TEXT_FUZZ", "25"))
    wat, wasm = tmp_path / "m.wat", tmp_path / "m.wasm"
    compared = 0
    for _ in range(count):
        body = random_body(rng, 0, [], rng.randint(1, 6))
        text = ("(module (type $t (func (param i32) (result i32))) (tag $e) (table 1 funcref)"
                f" (func $g (param i64)) (func $f (param $x i32) (local $y f32) {body}))")
        wat.write_text(text)
        r = subprocess.run([wasm_tools(), "parse", str(wat), "-o", str(wasm)], capture_output=True, text=True)
        if r.returncode != 0:
            continue
        assert encode(parse_module(text)) == wasm.read_bytes(), text
        compared += 1
    assert compared >= count * 3 // 4
