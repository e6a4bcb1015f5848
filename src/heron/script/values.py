"""Script values <-> host values, and matching actual results against a script's expectations.

Scripts carry numbers as bit patterns; the public API speaks Python ints (signed,
as wasmtime-py does) and floats. Floats are converted by hand where a NaN is
involved, so a NaN's payload (and its signalling bit) survives the round trip:
an f32 NaN travels in a Python float as the f64 NaN whose payload is the f32
payload shifted left by 29 bits — exactly what a C float->double widening does,
minus the quieting.
"""
from __future__ import annotations

import math
import struct

from ..errors import Unsupported
from ..types import GC_HEAPS
from ..text.commands import Either, NanPattern, RefValue, Value

_INT_BITS = {"i32": 32, "i64": 64}
F32_SIGN, F32_EXP, F32_MANT = 0x8000_0000, 0x7F80_0000, 0x007F_FFFF
F64_SIGN, F64_EXP, F64_MANT = 1 << 63, 0x7FF << 52, (1 << 52) - 1
F32_QUIET, F64_QUIET = 0x0040_0000, 1 << 51
V128_MASK = (1 << 128) - 1


def f64_from_bits(bits: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", bits & 0xFFFF_FFFF_FFFF_FFFF))[0]


def f64_to_bits(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def f32_from_bits(bits: int) -> float:
    """The Python float holding f32 `bits`; a NaN keeps sign and payload (shifted into the f64 mantissa)."""
    bits &= 0xFFFF_FFFF
    if bits & F32_EXP == F32_EXP and bits & F32_MANT:
        sign = (bits >> 31) << 63
        return f64_from_bits(sign | F64_EXP | ((bits & F32_MANT) << 29))
    return struct.unpack("<f", struct.pack("<I", bits))[0]


def f32_to_bits(x: float) -> int:
    """Inverse of f32_from_bits (for a float that holds an f32 value)."""
    if math.isnan(x):
        d = f64_to_bits(x)
        return ((d >> 63) << 31) | F32_EXP | ((d >> 29) & F32_MANT)
    return struct.unpack("<I", struct.pack("<f", x))[0]


def signed(bits: int, width: int) -> int:
    bits &= (1 << width) - 1
    return bits - (1 << width) if bits >> (width - 1) else bits


class ExternRef:
    """The host value a script's `ref.extern N` (or `ref.host N`) stands for: equal iff N is."""
    __slots__ = ("index",)

    def __init__(self, index: int):
        self.index = index

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ExternRef) and other.index == self.index

    def __hash__(self) -> int:
        return hash(("ExternRef", self.index))

    def __repr__(self) -> str:
        return f"ref.extern {self.index}"


def unsupported_feature(value: object) -> str | None:
    """The proposal an argument or expected result needs that Heron lacks (gc), or None.

    v128 values are not flagged here: the front end knows them, and an engine that cannot
    run SIMD says so itself (Unsupported('simd') when compiling or converting a value)."""
    if isinstance(value, RefValue):
        if value.kind in ("struct", "array", "i31", "eq", "any"):
            return "gc"
        if value.kind == "null" and (value.heap in GC_HEAPS or value.heap == "none"):
            return "gc"
    if isinstance(value, Either):
        for alternative in value.alternatives:
            for v in (alternative if isinstance(alternative, list) else [alternative]):
                found = unsupported_feature(v)
                if found:
                    return found
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], (Value, RefValue)):
        for v in value:
            found = unsupported_feature(v)
            if found:
                return found
    return None


def to_host(arg: Value | RefValue) -> object:
    """A script argument as the public API takes it."""
    if isinstance(arg, Value):
        if arg.type in _INT_BITS:
            return signed(arg.value, _INT_BITS[arg.type])
        if arg.type == "f32":
            return f32_from_bits(arg.value)
        if arg.type == "f64":
            return f64_from_bits(arg.value)
        if arg.type == "ref" and isinstance(arg.value, RefValue):
            return to_host(arg.value)
        if arg.type == "v128" and isinstance(arg.value, int):
            return arg.value            # the public API's v128: an int, lane 0 in the low bits
        raise Unsupported(arg.type, f"argument of type {arg.type}")
    if isinstance(arg, RefValue):
        if arg.kind == "null":
            return None
        if arg.kind in ("extern", "host"):
            return ExternRef(arg.index if arg.index is not None else 0)
        raise Unsupported("gc" if arg.kind in ("struct", "array", "i31", "eq", "any") else "reference-types",
                          f"ref.{arg.kind} argument")
    raise TypeError(f"not a script value: {arg!r}")


def results_list(actual: object, expected_count: int) -> list:
    """Normalize what a call returned (None, a value, or a tuple for multi-value) to a list."""
    if isinstance(actual, (tuple, list)):
        return list(actual)
    if actual is None and expected_count == 0:
        return []
    return [actual]


def _float_bits(actual: object, type_: str) -> int | None:
    if isinstance(actual, bool) or not isinstance(actual, (int, float)):
        return None
    if isinstance(actual, int):        # an engine may hand back raw bits
        return actual & (0xFFFF_FFFF if type_ == "f32" else 0xFFFF_FFFF_FFFF_FFFF)
    return f32_to_bits(actual) if type_ == "f32" else f64_to_bits(actual)


def _nan_matches(expected: NanPattern, bits: int) -> bool:
    """Is the f32/f64 bit pattern `bits` a NaN of the expected kind (canonical: only the quiet
    bit set in the mantissa; arithmetic: the quiet bit set)? The sign is free."""
    if expected.type == "f32":
        exp, mant, quiet = F32_EXP, F32_MANT, F32_QUIET
    else:
        exp, mant, quiet = F64_EXP, F64_MANT, F64_QUIET
    if bits & exp != exp or not bits & mant:
        return False
    if expected.pattern == "canonical":
        return bits & mant == quiet
    return bits & quiet == quiet


def _v128_matches(expected: object, actual: object) -> bool:
    """A v128 result: all 128 bits, or lane by lane where some lanes are NaN patterns
    (`expected` is then (shape, lanes), each lane a bit pattern or a NanPattern)."""
    if isinstance(actual, bool) or not isinstance(actual, int):
        return False
    if isinstance(expected, int):
        return actual & V128_MASK == expected
    shape, lanes = expected
    width = 128 // len(lanes)
    mask = (1 << width) - 1
    for k, lane in enumerate(lanes):
        bits = (actual >> (width * k)) & mask
        if isinstance(lane, NanPattern):
            if not _nan_matches(lane, bits):
                return False
        elif bits != lane & mask:
            return False
    return True


def describe(expected: object) -> str:
    """A result as a script would write it, for failure messages."""
    if isinstance(expected, Value):
        if expected.type in ("f32", "f64"):
            x = f32_from_bits(expected.value) if expected.type == "f32" else f64_from_bits(expected.value)
            width = 8 if expected.type == "f32" else 16
            return f"({expected.type}.const {x!r} (0x{expected.value:0{width}x}))"
        if expected.type in _INT_BITS:
            return f"({expected.type}.const {signed(expected.value, _INT_BITS[expected.type])})"
        if isinstance(expected.value, RefValue):
            return describe(expected.value)
        if expected.type == "v128":
            return describe_v128(expected.value)
        return f"({expected.type} {expected.value!r})"
    if isinstance(expected, NanPattern):
        return f"({expected.type}.const nan:{expected.pattern})"
    if isinstance(expected, RefValue):
        if expected.kind == "null":
            return f"(ref.null {expected.heap if expected.heap is not None else ''})".replace(" )", ")")
        if expected.index is None:
            return f"(ref.{expected.kind})"
        return f"(ref.{expected.kind} {expected.index})"
    if isinstance(expected, Either):
        alts = [" ".join(describe(a) for a in (alt if isinstance(alt, list) else [alt]))
                for alt in expected.alternatives]
        return "(either " + " ".join(alts) + ")"
    return repr(expected)


def describe_v128(value: object) -> str:
    """A v128 as a script writes it: i32x4 hex lanes, or the expected shape with its NaN lanes."""
    if isinstance(value, int):
        lanes = " ".join(f"0x{(value >> (32 * k)) & 0xFFFF_FFFF:08x}" for k in range(4))
        return f"(v128.const i32x4 {lanes})"
    shape, lanes = value
    width = 128 // len(lanes)
    texts = [f"nan:{lane.pattern}" if isinstance(lane, NanPattern) else f"0x{lane:0{width // 4}x}"
             for lane in lanes]
    return f"(v128.const {shape} {' '.join(texts)})"


def describe_actual(actual: object, expected: object) -> str:
    """An actual value, shown in the type the script expected (bits for floats)."""
    type_ = getattr(expected, "type", None)
    if type_ == "v128" and isinstance(actual, int) and not isinstance(actual, bool):
        value = getattr(expected, "value", None)
        if isinstance(value, tuple):     # in the expected shape, lane by lane
            shape, lanes = value
            width = 128 // len(lanes)
            texts = [f"0x{(actual >> (width * k)) & ((1 << width) - 1):0{width // 4}x}" for k in range(len(lanes))]
            return f"(v128.const {shape} {' '.join(texts)})"
        return describe_v128(actual)
    if type_ in ("f32", "f64"):
        bits = _float_bits(actual, type_)
        if bits is not None:
            width = 8 if type_ == "f32" else 16
            return f"{actual!r} (0x{bits:0{width}x})"
    if type_ in _INT_BITS and isinstance(actual, int) and not isinstance(actual, bool):
        return str(signed(actual, _INT_BITS[type_]))
    return repr(actual)


def matches(expected: object, actual: object) -> bool:
    """Does one actual result satisfy one expected result (bit-exact for floats)?"""
    if isinstance(expected, Value):
        if expected.type in _INT_BITS:
            width = _INT_BITS[expected.type]
            return (isinstance(actual, int) and not isinstance(actual, bool)
                    and actual & ((1 << width) - 1) == expected.value & ((1 << width) - 1))
        if expected.type in ("f32", "f64"):
            return _float_bits(actual, expected.type) == expected.value
        if isinstance(expected.value, RefValue):
            return matches(expected.value, actual)
        if expected.type == "v128":
            return _v128_matches(expected.value, actual)
        raise Unsupported(expected.type, f"result of type {expected.type}")
    if isinstance(expected, NanPattern):
        bits = _float_bits(actual, expected.type)
        return bits is not None and _nan_matches(expected, bits)
    if isinstance(expected, RefValue):
        if expected.kind == "null":
            return actual is None
        if expected.kind in ("extern", "host"):
            if actual is None:
                return False
            if expected.index is None:
                return True
            return actual == ExternRef(expected.index)
        if expected.kind in ("func", "exn"):
            return actual is not None and not isinstance(actual, ExternRef)
        raise Unsupported("gc", f"ref.{expected.kind} result")
    if isinstance(expected, Either):
        for alternative in expected.alternatives:
            alts = alternative if isinstance(alternative, list) else [alternative]
            if len(alts) == 1 and matches(alts[0], actual):
                return True
        return False
    raise TypeError(f"not an expected result: {expected!r}")


def mismatch(expected: list, actual: list) -> str | None:
    """None when every result matches, else a message naming the first difference."""
    if len(expected) != len(actual):
        return f"expected {len(expected)} results, got {len(actual)}: {actual!r}"
    for i, (e, a) in enumerate(zip(expected, actual)):
        if not matches(e, a):
            where = f"result {i}: " if len(expected) > 1 else ""
            return f"{where}expected {describe(e)}, got {describe_actual(a, e)}"
    return None
