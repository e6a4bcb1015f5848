"""Value conversion and result matching of the script runner: bit-exact floats, NaN patterns, refs."""
from __future__ import annotations

import math

import pytest

from heron.text.commands import Either, NanPattern, RefValue, Value
from heron.script.values import (ExternRef, f32_from_bits, f32_to_bits, f64_from_bits, f64_to_bits,
                                 matches, mismatch, results_list, to_host, unsupported_feature)


@pytest.mark.parametrize("bits", [0, 0x80000000, 0x3F800000, 0x7F800000, 0xFF800000, 0x00000001,
                                  0x7FC00000, 0x7FA00000, 0xFFA00001, 0x7F800001, 0x7FFFFFFF])
def test_f32_bits_round_trip_keeps_nan_payloads(bits):
    assert f32_to_bits(f32_from_bits(bits)) == bits


@pytest.mark.parametrize("bits", [0, 1 << 63, 0x3FF0000000000000, 0x7FF0000000000001,
                                  0x7FF4000000000000, 0xFFF8000000000000, 0x7FFFFFFFFFFFFFFF])
def test_f64_bits_round_trip(bits):
    assert f64_to_bits(f64_from_bits(bits)) == bits


def test_to_host_signs_integers_and_makes_floats():
    assert to_host(Value("i32", 0xFFFFFFFF)) == -1
    assert to_host(Value("i64", 0x8000000000000000)) == -(1 << 63)
    assert to_host(Value("i32", 7)) == 7
    assert to_host(Value("f32", 0x3F800000)) == 1.0
    assert to_host(Value("f64", 0x4000000000000000)) == 2.0
    assert to_host(RefValue("null", "func")) is None
    assert to_host(RefValue("extern", index=3)) == ExternRef(3)
    assert to_host(RefValue("extern", index=3)) != ExternRef(4)
    assert to_host(Value("v128", (1 << 128) - 1)) == (1 << 128) - 1     # the public API's v128: an int


def test_integers_match_by_bits_whatever_the_sign():
    assert matches(Value("i32", 0xFFFFFFFF), -1)
    assert matches(Value("i32", 0xFFFFFFFF), 0xFFFFFFFF)
    assert not matches(Value("i32", 1), 2)
    assert not matches(Value("i64", 1), 1.0)
    assert not matches(Value("i32", 1), True)


def test_floats_match_bit_exactly():
    assert matches(Value("f32", 0x80000000), -0.0)
    assert not matches(Value("f32", 0x80000000), 0.0)
    assert matches(Value("f64", 0x7FF4000000000000), f64_from_bits(0x7FF4000000000000))
    assert not matches(Value("f64", 0x7FF4000000000000), f64_from_bits(0x7FF8000000000000))
    assert matches(Value("f32", 0x7FA00000), f32_from_bits(0x7FA00000))
    assert not matches(Value("f32", 0x7FA00000), f32_from_bits(0x7FE00000))


def test_nan_patterns():
    canonical32, arithmetic32 = NanPattern("f32", "canonical"), NanPattern("f32", "arithmetic")
    assert matches(canonical32, f32_from_bits(0x7FC00000))
    assert matches(canonical32, f32_from_bits(0xFFC00000))
    assert not matches(canonical32, f32_from_bits(0x7FC00001))
    assert matches(arithmetic32, f32_from_bits(0x7FC00001))
    assert not matches(arithmetic32, f32_from_bits(0x7FA00000))   # signalling
    assert not matches(arithmetic32, 1.0)
    assert not matches(arithmetic32, math.inf)
    canonical64, arithmetic64 = NanPattern("f64", "canonical"), NanPattern("f64", "arithmetic")
    assert matches(canonical64, math.nan) and matches(canonical64, -math.nan)
    assert matches(arithmetic64, f64_from_bits(0x7FF8000000000001))
    assert not matches(canonical64, f64_from_bits(0x7FF8000000000001))
    assert not matches(arithmetic64, f64_from_bits(0x7FF0000000000001))


def test_references():
    assert matches(RefValue("null", "func"), None)
    assert matches(RefValue("null", "extern"), None)
    assert not matches(RefValue("null", "func"), object())
    assert matches(RefValue("extern", index=5), ExternRef(5))
    assert not matches(RefValue("extern", index=5), ExternRef(6))
    assert not matches(RefValue("extern", index=5), None)
    assert matches(RefValue("extern"), ExternRef(1))
    func = object()
    assert matches(RefValue("func"), func)
    assert not matches(RefValue("func"), None)


def test_either_and_mismatch_messages():
    either = Either([[Value("i32", 1)], [Value("i32", 2)]])
    assert matches(either, 2) and not matches(either, 3)
    assert mismatch([Value("i32", 1)], [1]) is None
    assert mismatch([Value("i32", 1)], [2]) == "expected (i32.const 1), got 2"
    assert "result 1" in mismatch([Value("i32", 1), Value("f32", 0)], [1, 1.0])
    assert "expected 2 results" in mismatch([Value("i32", 1), Value("i32", 1)], [1])


def test_results_list_normalizes_call_returns():
    assert results_list(None, 0) == []
    assert results_list(None, 1) == [None]       # a null reference result
    assert results_list(5, 1) == [5]
    assert results_list((1, 2), 2) == [1, 2]


def test_unsupported_values_name_their_proposal():
    # v128 is the front end's now: an engine without SIMD reports it when it converts the value
    assert unsupported_feature(Value("v128", 0)) is None
    assert unsupported_feature(RefValue("i31")) == "gc"
    assert unsupported_feature(RefValue("null", "any")) == "gc"
    assert unsupported_feature(RefValue("null", "func")) is None
    assert unsupported_feature(Either([[Value("v128", 0)], [RefValue("i31")]])) == "gc"


def test_v128_results_match_lane_by_lane_with_nan_patterns():
    """Exact v128 expectations compare all 128 bits; shaped ones (with NaN lanes) compare
    lane by lane: a NaN pattern lane accepts NaNs of its kind, any sign."""
    exact = Value("v128", 0x0102030405060708090A0B0C0D0E0F10)
    assert matches(exact, 0x0102030405060708090A0B0C0D0E0F10)
    assert not matches(exact, 0x0102030405060708090A0B0C0D0E0F11) and not matches(exact, 1.0)
    canonical, arithmetic = NanPattern("f32", "canonical"), NanPattern("f32", "arithmetic")
    shaped = Value("v128", ("f32x4", (canonical, 0x3F800000, arithmetic, 0)))
    lanes = lambda *xs: sum(x << (32 * k) for k, x in enumerate(xs))  # noqa: E731
    assert matches(shaped, lanes(0x7FC00000, 0x3F800000, 0xFFC00001, 0))
    assert matches(shaped, lanes(0xFFC00000, 0x3F800000, 0x7FFFFFFF, 0))
    assert not matches(shaped, lanes(0x7FC00001, 0x3F800000, 0x7FC00000, 0))    # not canonical
    assert not matches(shaped, lanes(0x7FC00000, 0x3F800000, 0x7F800001, 0))    # signalling: not arithmetic
    assert not matches(shaped, lanes(0x7FC00000, 0x3F800001, 0x7FC00000, 0))
    f64 = Value("v128", ("f64x2", (NanPattern("f64", "canonical"), 5)))
    assert matches(f64, (5 << 64) | 0x7FF8000000000000) and not matches(f64, (5 << 64) | 0x7FF8000000000001)
    assert "nan:canonical" in mismatch([shaped], [0])
