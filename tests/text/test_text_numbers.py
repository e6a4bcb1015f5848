"""Numeric literals: exact float rounding, integer ranges, NaN payloads."""
from __future__ import annotations

import random
import struct

import pytest

from heron.text.numbers import NumberError, parse_float, parse_int


def f32_bits(x: float) -> int:
    return struct.unpack("<I", struct.pack("<f", x))[0]


def f64_bits(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


@pytest.mark.parametrize("text, bits", [
    ("0", 0), ("-0", 0), ("4294967295", 0xFFFFFFFF), ("-1", 0xFFFFFFFF),
    ("-2147483648", 0x80000000), ("0x7fff_ffff", 0x7FFFFFFF), ("+0x10", 16), ("1_000", 1000),
])
def test_i32(text, bits):
    assert parse_int(text, 32) == bits


@pytest.mark.parametrize("text", ["4294967296", "-2147483649", "0x1_0000_0000"])
def test_i32_out_of_range(text):
    with pytest.raises(NumberError):
        parse_int(text, 32)


@pytest.mark.parametrize("text", ["1__0", "_1", "1_", "0x", "0x_1", "1.0", "", "x1"])
def test_not_an_integer(text):
    assert parse_int(text, 32) is None


@pytest.mark.parametrize("text, value", [
    ("0.1", 0.1), ("1e-45", 1e-45), ("1.4e-45", 1.4e-45), ("3.4028234e38", 3.4028234e38),
    ("-0.0", -0.0), ("1_000.000_1", 1000.0001), ("1.", 1.0), ("1e10", 1e10), ("1E+10", 1e10),
])
def test_f32_decimal_matches_struct(text, value):
    # struct rounds the (already correctly rounded) double to f32; these are all exact enough
    assert parse_float(text, "f32") == f32_bits(value)


@pytest.mark.parametrize("text, bits", [
    ("0x1p-149", 0x00000001),                 # smallest subnormal
    ("0x1p-150", 0x00000000),                 # halfway to zero: ties to even
    ("0x1.8p-149", 0x00000002),               # 1.5 ulp: ties to even (2)
    ("0x1.fffffep127", 0x7F7FFFFF),           # max
    ("0x1.fffffefffffffffffp127", 0x7F7FFFFF),  # just under the rounding edge
    ("0x1.000001p0", 0x3F800000),             # tie -> even (down)
    ("0x1.000003p0", 0x3F800002),             # tie -> even (up)
    ("0x1.00000100000000000000001p0", 0x3F800001),  # just above the tie: up
    ("0x1.fffffffffffffffffffffffffffp-127", 0x00800000),  # subnormal rounding up to normal
    ("1.00000005960464477539062499", 0x3F800000),  # decimal just below the tie
    ("1.00000005960464477539062501", 0x3F800001),  # decimal just above the tie
    ("inf", 0x7F800000), ("-inf", 0xFF800000),
    ("nan", 0x7FC00000), ("-nan", 0xFFC00000), ("nan:0x1", 0x7F800001),
    ("nan:0x7f_ffff", 0x7FFFFFFF), ("-nan:0x200000", 0xFFA00000),
])
def test_f32_exact(text, bits):
    assert parse_float(text, "f32") == bits


@pytest.mark.parametrize("text, fmt", [
    ("0x1p128", "f32"), ("0x1.ffffffp127", "f32"), ("1e39", "f32"), ("1e309", "f64"),
    ("nan:0x0", "f32"), ("nan:0x80_0000", "f32"), ("nan:0x10_0000_0000_0000", "f64"),
    ("1e1000000000", "f64"),
])
def test_float_out_of_range(text, fmt):
    with pytest.raises(NumberError):
        parse_float(text, fmt)


def test_tiny_and_huge_exponents_do_not_hang():
    assert parse_float("1e-1000000000", "f64") == 0
    assert parse_float("-0x1p-100000000", "f32") == 0x80000000


def test_f64_random_against_python():
    rng = random.Random(7)
    for _ in range(3000):
        x = rng.uniform(-1, 1) * 10.0 ** rng.randint(-320, 300)
        assert parse_float(repr(x), "f64") == f64_bits(x)
        assert parse_float(x.hex(), "f64") == f64_bits(x)


def test_f32_random_hex_against_struct():
    rng = random.Random(11)
    for _ in range(3000):
        bits = rng.getrandbits(31)
        x = struct.unpack("<f", struct.pack("<I", bits))[0]
        if x != x or x in (float("inf"),):
            continue
        # the double holds the f32 exactly, so its hex form must give back the same bits
        assert parse_float(x.hex(), "f32") == bits
        assert parse_float(repr(x), "f32") == bits
