"""Differential tests of heron.numerics against wasmtime, bit for bit.

One Wasm module exports a function per numeric instruction; floats cross the boundary
as IEEE bit patterns (reinterpret inside the module), so NaN payloads are compared
exactly.  Every op's function is compared with wasmtime on edge cases plus a seeded
random sample; every inline template is compared with its function on the same inputs.
HERON_LONG_TESTS=1 raises the sample size.
"""
from __future__ import annotations

import math
import os
import random
import struct

import pytest

from heron import Trap
from heron.binary.opcodes import BY_NAME
from heron import numerics as N

wasmtime = pytest.importorskip("wasmtime")

LONG = os.environ.get("HERON_LONG_TESTS") == "1"
N_UNARY = 20000 if LONG else 400
N_BINARY = 20000 if LONG else 400
N_MEMORY = 5000 if LONG else 300

WIDTH = {"i32": 32, "i64": 64, "f32": 32, "f64": 64}
BITS_TYPE = {"i32": "i32", "i64": "i64", "f32": "i32", "f64": "i64"}
BIT_EXACT = {"f32.neg", "f64.neg", "f32.abs", "f64.abs", "f32.copysign", "f64.copysign",
             "f32.reinterpret_i32", "f64.reinterpret_i64"}


# ----------------------------------------------------------------------------- inputs

def _f32b(x: float) -> int:
    return struct.unpack("<I", struct.pack("<f", x))[0]


def _f64b(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def _int_edges(bits: int) -> list[int]:
    m = (1 << bits) - 1
    vals = {0, 1, 2, 3, 7, 8, 31, 32, 33, 63, 64, 65, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF,
            0x10000, m, m - 1, m - 2, 1 << (bits - 1), (1 << (bits - 1)) - 1, (1 << (bits - 1)) + 1,
            0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 1 << 24, (1 << 24) + 1, 0x12345678}
    if bits == 64:
        vals |= {(1 << 53) + 1, (1 << 53), (1 << 53) - 1, (1 << 63) + 1 + (1 << 39), 0x8000000000000400,
                 0x7FFFFFFFFFFFFE00, 0x7FFFFFFFFFFFFDFF, 0xFFFFFFFFFFFFF7FF, 0xFFFFFFFF80000000,
                 0x100000000, 0x20000000000001, 0x123456789ABCDEF0}
    return sorted(v & m for v in vals)


def _float_edges(t: str) -> list[int]:
    conv = _f32b if t == "f32" else _f64b
    nums = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 3.5, 0.49999997, -0.49999997,
            math.inf, -math.inf, 1e-40, -1e-40, 3.4028234663852886e+38, -3.4028234663852886e+38,
            2147483647.0, 2147483648.0, -2147483648.0, -2147483649.0, 2147483647.5, -2147483648.5,
            4294967295.0, 4294967296.0, 4294967295.5, -0.9999999, -1.0000001,
            9223372036854775808.0, 9223372036854774784.0, -9223372036854775808.0, -9223372036854777856.0,
            18446744073709551616.0, 18446744073709549568.0, 8388608.5, 4503599627370495.5,
            4503599627370497.0, 16777217.0, 1e300, -1e300, 5e-324, 2.2250738585072014e-308]
    out = set()
    for x in nums:
        try:
            out.add(conv(x))
        except OverflowError:
            pass
    if t == "f32":
        out |= {0x7FC00000, 0xFFC00000, 0x7FA00000, 0xFFA00001, 0x7F800001, 0x7FC00001, 0x7FFFFFFF,
                0x00000001, 0x80000001, 0x007FFFFF, 0x00800000, 0x7F7FFFFF, 0xFF7FFFFF, 0x4F000000,
                0x4EFFFFFF, 0xCF000000, 0xCF000001, 0x4F800000, 0x4F7FFFFF, 0x5F000000, 0x5EFFFFFF,
                0xDF000000, 0xDF000001, 0x5F800000, 0x5F7FFFFF, 0xBF7FFFFF, 0x3F000001, 0x4B000001}
    else:
        out |= {0x7FF8000000000000, 0xFFF8000000000000, 0x7FF4000000000000, 0xFFF4000000000001,
                0x7FF0000000000001, 0x7FF8000000000001, 0x7FFFFFFFFFFFFFFF, 0x7FF8000020000000,
                0x7FF0000020000000, 0x0000000000000001, 0x8000000000000001, 0x000FFFFFFFFFFFFF,
                0x7FEFFFFFFFFFFFFF, 0x47EFFFFFE0000000, 0x47EFFFFFF0000000, 0x47EFFFFFEFFFFFFF,
                0x36A0000000000000, 0x36A0000000000001, 0x3690000000000000, 0x380FFFFFF0000000}
    return sorted(out)


def _random_value(rng: random.Random, t: str) -> int:
    """Random bits, biased towards values that exercise rounding and range boundaries."""
    w = WIDTH[t]
    kind = rng.randrange(6)
    if t in ("i32", "i64"):
        if kind == 0:
            return rng.getrandbits(rng.randrange(1, w + 1))
        if kind == 1:  # negative small
            return (-rng.randrange(1, 1 << 20)) & ((1 << w) - 1)
        if kind == 2 and w == 64:  # near a rounding tie of the 24/53-bit grid
            shift = rng.randrange(10, 40)
            q = rng.getrandbits(24) | (1 << 23)
            v = (q << shift) + (1 << (shift - 1)) + rng.choice((-1, 0, 1))
            return v & ((1 << 64) - 1) if rng.random() < 0.7 else (-v) & ((1 << 64) - 1)
        return rng.getrandbits(w)
    if kind == 0:
        return rng.getrandbits(w)
    conv = _f32b if t == "f32" else _f64b
    if kind == 1:
        x = rng.randrange(-(1 << 66), 1 << 66) / (1 << rng.randrange(0, 70))
    elif kind == 2:
        x = rng.randrange(-1000, 1000) + rng.choice((0.5, 0.25, 0.75, 0.0))
    elif kind == 3:
        x = math.ldexp(rng.random() * rng.choice((1, -1)), rng.randrange(-160, 140))
    else:  # near a conversion boundary, a few ulps away
        x = rng.choice((2.0 ** 31, 2.0 ** 32, 2.0 ** 63, 2.0 ** 64, 1.0, 2.0 ** 24, 2.0 ** 53))
        x = rng.choice((x, -x))
        for _ in range(rng.randrange(4)):
            x = math.nextafter(x, rng.choice((math.inf, -math.inf)))
    try:
        return conv(x)
    except OverflowError:
        return conv(math.copysign(math.inf, x))


def _inputs(params: tuple[str, ...], seed: str) -> list[tuple[int, ...]]:
    rng = random.Random(seed)
    edges = {t: (_int_edges(WIDTH[t]) if t[0] == "i" else _float_edges(t)) for t in set(params)}
    if len(params) == 1:
        (t,) = params
        return [(v,) for v in edges[t]] + [(_random_value(rng, t),) for _ in range(N_UNARY)]
    a, b = params
    cases = [(x, y) for x in edges[a] for y in edges[b]]
    cases += [(_random_value(rng, a), _random_value(rng, b)) for _ in range(N_BINARY)]
    cases += [(x, x) for x, _ in cases[-50:]]
    return cases


# ----------------------------------------------------------------------------- wasmtime side

def _wat_for_op(op: N.OpSemantics) -> str:
    params = " ".join(BITS_TYPE[t] for t in op.params)
    body = []
    for i, t in enumerate(op.params):
        body.append(f"local.get {i}")
        if t == "f32":
            body.append("f32.reinterpret_i32")
        elif t == "f64":
            body.append("f64.reinterpret_i64")
    body.append(op.name)
    if op.result == "f32":
        body.append("i32.reinterpret_f32")
    elif op.result == "f64":
        body.append("i64.reinterpret_f64")
    return (f'(func (export "{op.name}") (param {params}) (result {BITS_TYPE[op.result]})\n  '
            + "\n  ".join(body) + ")")


def _wat_for_memory(name: str, sem: N.MemorySemantics) -> str:
    bt = BITS_TYPE[sem.valtype]
    if name.split(".")[1].startswith("load"):
        conv = {"f32": "i32.reinterpret_f32", "f64": "i64.reinterpret_f64"}.get(sem.valtype, "")
        return f'(func (export "{name}") (param i32) (result {bt}) local.get 0 {name} {conv})'
    conv = {"f32": "f32.reinterpret_i32", "f64": "f64.reinterpret_i64"}.get(sem.valtype, "")
    return f'(func (export "{name}") (param i32 {bt}) local.get 0 local.get 1 {conv} {name})'


class Reference:
    def __init__(self) -> None:
        funcs = [_wat_for_op(op) for op in N.NUMERIC_OPS.values()]
        funcs += [_wat_for_memory(n, s) for n, s in N.MEMORY_OPS.items()]
        wat = '(module (memory (export "mem") 1)\n' + "\n".join(funcs) + ")"
        engine = wasmtime.Engine()
        self.store = wasmtime.Store(engine)
        instance = wasmtime.Instance(self.store, wasmtime.Module(engine, wat), [])
        self.exports = instance.exports(self.store)
        self.memory = self.exports["mem"]

    def call(self, name: str, types: tuple[str, ...], args: tuple[int, ...]):
        signed = [v - (1 << WIDTH[t]) if v >> (WIDTH[t] - 1) else v for t, v in zip(types, args)]
        try:
            result = self.exports[name](self.store, *signed)
        except wasmtime.Trap as trap:
            return ("trap", str(trap).strip().rsplit("wasm trap: ", 1)[-1])
        return result

    def read(self) -> bytes:
        return bytes(self.memory.read(self.store, 0, 65536))

    def write(self, data: bytes) -> None:
        self.memory.write(self.store, data, 0)


@pytest.fixture(scope="module")
def reference() -> Reference:
    return Reference()


# ----------------------------------------------------------------------------- our side

def to_runtime(t: str, bits: int):
    if t == "f32":
        return N.f32_from_bits(bits)
    if t == "f64":
        return N.f64_from_bits(bits)
    return bits


def to_bits(t: str, value) -> int:
    if t == "f32":
        assert type(value) is float
        return N.f32_to_bits(value)
    if t == "f64":
        assert type(value) is float
        return N.f64_to_bits(value)
    assert type(value) is int, f"{type(value).__name__} {value!r} is not an int"
    assert 0 <= value < 1 << WIDTH[t], value
    return value


def run_ours(func, op: N.OpSemantics, args: tuple[int, ...]):
    try:
        result = func(*(to_runtime(t, v) for t, v in zip(op.params, args)))
    except Trap as trap:
        return ("trap", trap.code)
    return to_bits(op.result, result)


def is_nan(t: str, b: int) -> bool:
    if t == "f32":
        return (b & 0x7F800000) == 0x7F800000 and bool(b & 0x7FFFFF)
    if t == "f64":
        return (b & 0x7FF0000000000000) == 0x7FF0000000000000 and bool(b & 0xFFFFFFFFFFFFF)
    return False


def is_canonical(t: str, b: int) -> bool:
    return (b & 0x7FFFFF) == 0x400000 if t == "f32" else (b & 0xFFFFFFFFFFFFF) == 0x8000000000000


def is_quiet(t: str, b: int) -> bool:
    return bool(b & (0x400000 if t == "f32" else 0x8000000000000))


def check_against(op: N.OpSemantics, args: tuple[int, ...], ours, theirs) -> None:
    where = f"{op.name}{tuple(hex(a) for a in args)}"
    if isinstance(theirs, tuple) or isinstance(ours, tuple):
        assert ours == theirs, f"{where}: ours {ours}, wasmtime {theirs}"
        return
    t = op.result
    theirs &= (1 << WIDTH[t]) - 1
    if is_nan(t, theirs) and op.name not in BIT_EXACT:
        assert is_nan(t, ours), f"{where}: ours {ours:#x} is not a NaN (wasmtime {theirs:#x})"
        assert is_quiet(t, ours), f"{where}: NaN result {ours:#x} is not quiet"
        canonical_inputs = all(not is_nan(pt, a) or is_canonical(pt, a) for pt, a in zip(op.params, args))
        if canonical_inputs:
            assert is_canonical(t, ours), f"{where}: NaN result {ours:#x} should be canonical"
        return
    assert ours == theirs, f"{where}: ours {ours:#x}, wasmtime {theirs:#x}"


# ----------------------------------------------------------------------------- tests

NUMERIC_NAMES = sorted(N.NUMERIC_OPS)


def test_table_covers_every_numeric_instruction() -> None:
    expected = {name for name in BY_NAME
                if name.split(".")[0] in WIDTH and not name.endswith(".const")
                and "load" not in name and "store" not in name}
    assert set(N.NUMERIC_OPS) == expected
    memory = {name for name in BY_NAME if name.split(".")[0] in WIDTH and ("load" in name or "store" in name)}
    assert set(N.MEMORY_OPS) == memory
    assert N.REPRESENTATION == "float"
    for op in N.NUMERIC_OPS.values():
        assert op.arity in (1, 2) and op.template, op.name


@pytest.mark.parametrize("name", NUMERIC_NAMES)
def test_op_matches_wasmtime_and_template(reference: Reference, name: str) -> None:
    op = N.NUMERIC_OPS[name]
    compiled = eval(f"lambda a, b=None: {op.template.format('a', 'b')}", dict(N.TEMPLATE_GLOBALS))
    cond = (eval(f"lambda a, b=None: {op.cond.format('a', 'b')}", dict(N.TEMPLATE_GLOBALS))
            if op.cond else None)
    for args in _inputs(op.params, name):
        ours = run_ours(op.func, op, args)
        check_against(op, args, ours, reference.call(name, op.params, args))
        via_template = run_ours(compiled, op, args)
        assert via_template == ours, f"template {name}{tuple(hex(a) for a in args)}: {via_template} != {ours}"
        if cond is not None:
            runtime_args = [to_runtime(t, v) for t, v in zip(op.params, args)]
            assert bool(cond(*runtime_args)) == (ours == 1), f"cond {name}{args}"


def test_bit_preserving_python_operations() -> None:
    """The representation relies on these CPython behaviours; fail loudly if one changes."""
    snan = N.f64_from_bits(0x7FF4000000000123)
    assert N.f64_to_bits(snan) == 0x7FF4000000000123
    assert N.f64_to_bits(-snan) == 0xFFF4000000000123
    assert N.f64_to_bits(abs(-snan)) == 0x7FF4000000000123
    assert N.f64_to_bits(math.fabs(-snan)) == 0x7FF4000000000123
    assert N.f64_to_bits(math.copysign(snan, -1.0)) == 0xFFF4000000000123
    assert N.f64_to_bits([snan][0]) == 0x7FF4000000000123
    for bits in (0x7FA00001, 0xFFA00000, 0x7F800001, 0x7FC00000, 0xFFFFFFFF, 0x00000001, 0x80000000):
        x = N.f32_from_bits(bits)
        assert N.f32_to_bits(x) == bits
        assert N.f32_to_bits(-x) == bits ^ 0x80000000
        assert N.f32_to_bits(abs(x)) == bits & 0x7FFFFFFF
    assert N.f32_round(1e300) == math.inf and N.f32_round(-1e300) == -math.inf
    assert N.f32_round(0.1) == struct.unpack("<f", struct.pack("<f", 0.1))[0]


def test_memory_ops_match_wasmtime_and_templates(reference: Reference) -> None:
    rng = random.Random("memory")
    image = bytearray(rng.getrandbits(8) for _ in range(65536))
    for addr, pattern in ((0, 0x7FA00001), (16, 0xFFC00000), (32, 0x7F800001)):
        image[addr:addr + 4] = pattern.to_bytes(4, "little")
    image[48:56] = (0x7FF4000000000001).to_bytes(8, "little")
    reference.write(bytes(image))
    addresses = [0, 1, 16, 32, 48, 65528, 65532, 65534, 65535, 65536, 70000]
    addresses += [rng.randrange(65536) for _ in range(N_MEMORY)]
    for name, sem in N.MEMORY_OPS.items():
        if "load" not in name:
            continue
        tpl = eval(f"lambda m, a: {sem.template.format('m', 'a')}", dict(N.TEMPLATE_GLOBALS))
        for addr in addresses:
            theirs = reference.call(name, ("i32",), (addr,))
            try:
                ours = to_bits(sem.valtype, sem.func(image, addr))
            except Trap as trap:
                ours = ("trap", trap.code)
            if not isinstance(theirs, tuple):
                theirs &= (1 << WIDTH[sem.valtype]) - 1
            assert ours == theirs, f"{name}({addr}): ours {ours}, wasmtime {theirs}"
            try:
                via_template = to_bits(sem.valtype, tpl(image, addr))
            except N.MEMORY_ACCESS_ERRORS:
                via_template = ("trap", "out of bounds memory access")
            assert via_template == ours, f"template {name}({addr})"

    ours_image = bytearray(image)
    tpl_image = bytearray(image)
    for name, sem in N.MEMORY_OPS.items():
        if "store" not in name:
            continue
        ns: dict = dict(N.TEMPLATE_GLOBALS)
        exec(f"def tpl(m, a, v):\n    {sem.template.format('m', 'a', 'v')}", ns)
        values = [_random_value(rng, sem.valtype) for _ in range(N_MEMORY // 4)]
        values += [0x7FA00001, 0xFFC00000] if sem.valtype == "f32" else []
        values += [0x7FF4000000000001] if sem.valtype == "f64" else []
        for value in values:
            addr = rng.choice((rng.randrange(65536), 65535, 65534, 65532, 65528, 65536))
            theirs = reference.call(name, ("i32", BITS_TYPE[sem.valtype]), (addr, value))
            runtime_value = to_runtime(sem.valtype, value)
            try:
                sem.func(ours_image, addr, runtime_value)
                ours = None
            except Trap as trap:
                ours = ("trap", trap.code)
            assert ours == theirs, f"{name}({addr}, {value:#x}): ours {ours}, wasmtime {theirs}"
            try:
                ns["tpl"](tpl_image, addr, runtime_value)
            except N.MEMORY_ACCESS_ERRORS:
                assert ours is not None, f"template {name}({addr}) raised in bounds"
        assert bytes(ours_image) == reference.read(), f"memory differs after {name}"
        assert tpl_image == ours_image, f"template memory differs after {name}"


def test_int_to_f32_rounds_once() -> None:
    # 2**60 + 2**36 + 1: just above a tie of the f32 grid; via double the +1 is lost and
    # ties-to-even would round down.  The correct result rounds up.
    n = (1 << 60) + (1 << 36) + 1
    assert N.NUMERIC_OPS["f32.convert_i64_u"].func(n) == float((1 << 60) + (1 << 37))
    assert N.NUMERIC_OPS["f32.convert_i64_s"].func((-n) & N.M64) == -float((1 << 60) + (1 << 37))


# ----------------------------------------------------------------------------- official suite

SPEC_SCRIPTS = ["i32", "i64", "f32", "f32_bitwise", "f32_cmp", "f64", "f64_bitwise", "f64_cmp",
                "conversions", "float_misc", "float_exprs"]


def _single_op_exports(wasm_file) -> dict[str, N.OpSemantics]:
    """Exports of a module whose body is just `local.get` of each parameter then one numeric op."""
    import re
    import subprocess
    from testsuite_paths import wasm_tools

    text = subprocess.run([wasm_tools(), "print", str(wasm_file)], capture_output=True, text=True,
                          check=True).stdout
    exports = dict(re.findall(r'\(export "([^"]+)" \(func (\d+)\)\)', text))
    bodies: dict[str, N.OpSemantics] = {}
    for index, header, body in re.findall(r"\(func \(;(\d+);\)([^\n]*)\n((?:    [^\n]*\n)*)  \)", text):
        names: list[str] = []
        for group in re.findall(r"\(param ([^)]*)\)", header):
            parts = group.split()
            names += [parts[0]] if parts[0].startswith("$") else [str(len(names) + i) for i in range(len(parts))]
        lines = [line.strip() for line in body.splitlines()]
        if not lines or lines[-1] not in N.NUMERIC_OPS:
            continue
        op = N.NUMERIC_OPS[lines[-1]]
        if len(names) == op.arity and lines[:-1] == [f"local.get {n}" for n in names]:
            bodies[index] = op
    return {name: bodies[index] for name, index in exports.items() if index in bodies}


def _expected_ok(t: str, expected: dict, got: int) -> bool:
    value = expected["value"]
    if value == "nan:canonical":
        return is_nan(t, got) and is_canonical(t, got)
    if value == "nan:arithmetic":
        return is_nan(t, got) and is_quiet(t, got)
    return got == int(value) & ((1 << WIDTH[t]) - 1)


@pytest.mark.parametrize("script", SPEC_SCRIPTS)
def test_official_suite_single_op_functions(testsuite_dir, script: str) -> None:
    """Every assert_return / assert_trap of the suite on a function that is one numeric op."""
    from testsuite_paths import json_from_wast

    converted = json_from_wast(testsuite_dir / f"{script}.wast")
    if converted is None:
        pytest.skip("wasm-tools not available")
    data, folder = converted
    ops: dict[str, N.OpSemantics] = {}
    checked = 0
    for command in data["commands"]:
        kind = command["type"]
        if kind == "module":
            ops = _single_op_exports(folder / command["filename"])
            continue
        if kind not in ("assert_return", "assert_trap") or command["action"]["type"] != "invoke":
            continue
        action = command["action"]
        op = ops.get(action["field"])
        if op is None or action.get("module"):
            continue
        args = tuple(int(a["value"]) & ((1 << WIDTH[a["type"]]) - 1) for a in action["args"])
        for func in (op.func, eval(f"lambda a, b=None: {op.template.format('a', 'b')}", dict(N.TEMPLATE_GLOBALS))):
            got = run_ours(func, op, args)
            where = f"{script}.wast:{command['line']} {op.name}{args}"
            if kind == "assert_trap":
                assert got == ("trap", command["text"]), f"{where}: {got}"
            else:
                assert not isinstance(got, tuple), f"{where}: trapped {got}"
                assert _expected_ok(op.result, command["expected"][0], got), f"{where}: {got:#x}"
        checked += 1
    if script != "float_exprs":
        assert checked > 50, f"only {checked} assertions of {script}.wast checked"
    print(f"{script}: {checked} assertions")
