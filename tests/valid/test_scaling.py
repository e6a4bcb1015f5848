"""No quadratic step in load: decode + validate of modules that are large in one dimension
(stack height, nesting, br_table, call width, functions, types, element items) take time
proportional to their size. CPU time is measured (the machine may be shared) and compared
between a size and four times that size."""
from __future__ import annotations

import gc
import sys
import time
from pathlib import Path

import pytest

from heron import DecodeError
from heron.binary import decode
from heron.valid import validate

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from genmodule import _section, _vec, uleb  # noqa: E402

HEADER = b"\x00asm\x01\x00\x00\x00"
VOID = b"\x60\x00\x00"


def module(types, funcs, bodies, extra=b"") -> bytes:
    return (HEADER + _section(1, _vec(types)) + _section(3, _vec([uleb(t) for t in funcs])) + extra
            + _section(10, _vec([uleb(len(b)) + b for b in bodies])))


WIDE = b"\x60" + uleb(1000) + b"\x7f" * 1000 + b"\x00"
SHAPES = {
    "stack height": lambda n: module([VOID], [0], [b"\x00" + b"\x41\x01" * n + b"\x1a" * n + b"\x0b"]),
    "nesting": lambda n: module([VOID], [0], [b"\x00" + b"\x02\x40" * n + b"\x0b" * n + b"\x0b"]),
    "br_table": lambda n: module([VOID], [0], [b"\x00\x02\x40\x41\x00\x0e" + uleb(n) + b"\x00" * n
                                               + b"\x00\x0b\x0b"]),
    "wide calls": lambda n: module([WIDE, VOID], [0, 1], [b"\x00\x0b", b"\x00" + (
        b"\x41\x00" * 1000 + b"\x10\x00") * (n // 1000) + b"\x0b"]),
    "functions": lambda n: module([VOID], [0] * (n // 4), [b"\x00\x0b"] * (n // 4)),
    "types": lambda n: module([b"\x60\x01\x7f\x00"] * (n // 4), [0], [b"\x00\x0b"]),
    "element items": lambda n: (HEADER + _section(1, _vec([VOID])) + _section(3, _vec([b"\x00"]))
                                + _section(9, _vec([b"\x01\x00" + _vec([b"\x00"] * n)]))
                                + _section(10, _vec([b"\x02\x00\x0b"]))),
}


def _cpu(wasm: bytes) -> float:
    best = float("inf")
    for _ in range(2):
        gc.collect()
        start = time.process_time()
        validate(decode(wasm))
        best = min(best, time.process_time() - start)
    return best


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_linear(shape):
    small, large = SHAPES[shape](10_000), SHAPES[shape](40_000)
    t_small, t_large = _cpu(small), _cpu(large)
    assert t_large < 0.5, f"{shape}: {t_large:.2f} s"
    assert t_large < 8 * max(t_small, 0.005), f"{shape}: {t_small:.3f} s -> {t_large:.3f} s"


def test_a_call_with_100000_arguments_is_rejected_at_once():
    """The case that took 46 s: over the parameter limit, so the decoder stops at the type."""
    wide = b"\x60" + uleb(100_000) + b"\x7f" * 100_000 + b"\x00"
    wasm = module([wide, VOID], [0, 1], [b"\x00\x0b", b"\x00" + b"\x41\x00" * 100_000 + b"\x10\x00\x0b"])
    start = time.process_time()
    with pytest.raises(DecodeError, match="too many parameters: 100000 exceeds the limit of 1000"):
        decode(wasm)
    assert time.process_time() - start < 0.5
