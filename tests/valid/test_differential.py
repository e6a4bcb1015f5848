"""Differential check against `wasm-tools validate` (opt-in: HERON_VALID_FUZZ=<modules>).

wasm-smith generates valid modules (GC, SIMD and threads off); each must validate. Then
single-instruction mutations of their bodies (swap an opcode for another with the same
immediate kind, delete one, shift an index, insert a constant) are re-encoded with
heron.binary and judged by both validators; the verdicts must agree.
"""
from __future__ import annotations

import copy
import os
import random
import subprocess
import tempfile

import pytest

from heron import DecodeError, Features, Unsupported, ValidationError
from heron.ast import Instr
from heron.binary.opcodes import BY_NAME
from heron.valid import validate
from testsuite_paths import wasm_tools

COUNT = int(os.environ.get("HERON_VALID_FUZZ", "0") or 0)
pytestmark = pytest.mark.skipif(COUNT <= 0, reason="opt-in: set HERON_VALID_FUZZ=<modules>")

SMITH_FLAGS = [
    "--gc-enabled", "false", "--simd-enabled", "false", "--relaxed-simd-enabled", "false",
    "--threads-enabled", "false", "--shared-everything-threads-enabled", "false",
    "--wide-arithmetic-enabled", "false", "--custom-page-sizes-enabled", "false",
    "--custom-descriptors-enabled", "false", "--compact-imports-enabled", "false",
    "--exceptions-enabled", "true", "--tail-call-enabled", "true", "--memory64-enabled", "true",
    "--extended-const-enabled", "true", "--max-memories", "3", "--max-tables", "3",
    "--max-instructions", "300",
]
WASM_TOOLS_FEATURES = ("wasm3,-gc,-simd,-relaxed-simd,-threads,-shared-everything-threads,"
                       "-custom-page-sizes,-wide-arithmetic,-legacy-exceptions")
STRUCTURED = {"block", "loop", "if", "else", "end", "try_table", "try", "catch", "catch_all",
              "delegate"}
INDEX_KINDS = ("local", "global", "func", "table", "mem", "type", "tag", "data", "elem", "label")


def _same_kind_ops() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, info in BY_NAME.items():
        if info.feature not in ("gc", "legacy-exceptions") and name not in STRUCTURED:
            out.setdefault(info.imm, []).append(name)
    return out


def _mutate(module, rnd: random.Random, by_kind) -> bool:
    if not module.funcs:
        return False
    func = rnd.choice(module.funcs)
    body = list(func.body)       # a decoded module's body is a fresh list: assign it back below
    if len(body) < 2:
        return False
    k = rnd.randrange(len(body) - 1)
    ins = body[k]
    if ins.op in STRUCTURED:
        return False
    roll = rnd.random()
    kind = BY_NAME[ins.op].imm
    if roll < 0.5:
        body[k] = Instr(rnd.choice(by_kind[kind]), ins.imm)
    elif roll < 0.75:
        del body[k]
    elif kind in INDEX_KINDS and isinstance(ins.imm, int):
        body[k] = Instr(ins.op, ins.imm + 1)
    else:
        body.insert(k, Instr(rnd.choice(["i32.const", "i64.const", "f32.const"]), 0))
    func.body = body
    return True


def _wasm_tools_accepts(tool: str, data: bytes) -> bool:
    with tempfile.NamedTemporaryFile(suffix=".wasm", delete=False) as fh:
        fh.write(data)
        path = fh.name
    try:
        r = subprocess.run([tool, "validate", "--features", WASM_TOOLS_FEATURES, path],
                           capture_output=True)
        return r.returncode == 0
    finally:
        os.unlink(path)


def _heron_accepts(data: bytes, features: Features) -> bool | None:
    from heron.binary import decode
    try:
        validate(decode(data, features), features)
        return True
    except (ValidationError, DecodeError):
        return False
    except Unsupported:
        return None


def test_agrees_with_wasm_tools():
    tool = wasm_tools()
    if tool is None:
        pytest.skip("wasm-tools not installed")
    from heron.binary import decode, encode
    features = Features()
    rnd = random.Random(int(os.environ.get("HERON_VALID_FUZZ_SEED", "1")))
    by_kind = _same_kind_ops()
    disagreements: list[str] = []
    for n in range(COUNT):
        seed = bytes(rnd.getrandbits(8) for _ in range(rnd.choice([200, 1000, 3000])))
        r = subprocess.run([tool, "smith", *SMITH_FLAGS], input=seed, capture_output=True)
        if r.returncode != 0:
            continue
        if _heron_accepts(r.stdout, features) is not True:
            disagreements.append(f"module {n}: wasm-smith output rejected")
            continue
        module = decode(r.stdout, features)
        for _ in range(3):
            mutant = copy.deepcopy(module)
            if not _mutate(mutant, rnd, by_kind):
                continue
            data = encode(mutant)
            theirs = _wasm_tools_accepts(tool, data)
            ours = _heron_accepts(data, features)
            if ours != theirs:
                disagreements.append(f"module {n} mutant: wasm-tools {theirs}, heron {ours}")
    assert not disagreements, "\n".join(disagreements[:20])
