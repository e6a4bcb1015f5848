"""The runtime representation of numbers, and crossing between it and IEEE bits.

* i32 / i64: Python ``int`` holding the UNSIGNED bit pattern, 0 <= v < 2**32 / 2**64.
  Never ``bool``: comparisons and ``eqz`` produce the ints 0 / 1.
* f64: Python ``float`` whose IEEE-754 bits ARE the Wasm value's bits, NaN payload and
  signalling bit included.  CPython keeps these bits through assignment, containers,
  ``struct '<d'`` pack/unpack (a memcpy), unary ``-``, ``abs``/``math.fabs`` and
  ``math.copysign`` (all sign-bit operations in C) -- tests/numerics checks each of
  these on a signalling NaN.
* f32: Python ``float`` holding the f32 value widened exactly to double.  Every finite
  f32 is an exact double.  A NaN keeps its sign, quiet bit and 22-bit payload in the
  TOP mantissa bits of the double (bits 51..29, the low 29 bits zero): exactly what
  hardware f32->f64 promotion does for quiet NaNs, extended to signalling NaNs.  Use
  ``f32_from_bits`` / ``f32_to_bits`` to cross between IEEE bits and this form; never
  ``struct '<f'`` on a NaN (its float<->double casts quiet signalling NaNs).
* v128: Python ``int``, 0 <= v < 2**128, lane 0 in the low bits (the little-endian
  memory image read as one number); float lanes hold their raw IEEE bits.  Why, with
  the measurements, in v128.py.

Why floats and not bit patterns (measured on CPython 3.11, x86-64): f64.add is
``a + b`` (~17 ns) versus ~245 ns when both operands live as bit patterns (two unpacks,
one add, one pack); comparisons, min/max fast paths, conversions and truncations
likewise stay native.  f32 arithmetic costs one rounding call either way (``f32_round``:
~60 ns through a one-element ``array('f')``, versus ~90 ns for
``Struct('<f').unpack(pack(x))``, which also raises OverflowError instead of giving inf).

Thread note: ``f32_round`` uses one shared array('f') cell; the store and the read back
happen with no bytecode boundary that can release the GIL, so it is safe on GIL builds.
"""
from __future__ import annotations

import struct
from array import array

REPRESENTATION = "float"

M32 = 0xFFFFFFFF
M64 = 0xFFFFFFFFFFFFFFFF
M128 = (1 << 128) - 1

U8 = struct.Struct("<B")
I8 = struct.Struct("<b")
U16 = struct.Struct("<H")
I16 = struct.Struct("<h")
U32 = struct.Struct("<I")
I32 = struct.Struct("<i")
U64 = struct.Struct("<Q")
F32 = struct.Struct("<f")
F64 = struct.Struct("<d")

CANONICAL_NAN = F64.unpack(U64.pack(0x7FF8000000000000))[0]

_round_cell = array("f", [0.0])


def signed(v: int, bits: int) -> int:
    """The two's-complement value of the `bits`-wide pattern v."""
    return v - ((v >> (bits - 1)) << bits)


def f32_round(x: float, _cell: array = _round_cell) -> float:
    """The f32 nearest to the double x (ties to even, overflow to inf), as a runtime value.

    The C cast behind array('f') rounds in the current (nearest) mode and quiets NaNs,
    keeping the top payload bits -- the f32 form of this package."""
    _cell[0] = x
    return _cell[0]


def f64_from_bits(bits: int) -> float:
    """The f64 runtime value with these IEEE bits (exact, signalling NaNs included)."""
    return F64.unpack(U64.pack(bits))[0]


def f64_to_bits(x: float) -> int:
    """The IEEE bits of an f64 runtime value."""
    return U64.unpack(F64.pack(x))[0]


def f32_from_bits(bits: int) -> float:
    """The f32 runtime value with these IEEE bits; NaNs go to the f32 form by hand."""
    if (bits & 0x7F800000) == 0x7F800000 and bits & 0x7FFFFF:
        return F64.unpack(U64.pack(((bits & 0x80000000) << 32) | 0x7FF0000000000000
                                   | ((bits & 0x7FFFFF) << 29)))[0]
    return F32.unpack(U32.pack(bits))[0]


def f32_nan_bits(x: float) -> int:
    """The f32 IEEE bits of a NaN runtime value (payload from the top mantissa bits)."""
    bits = U64.unpack(F64.pack(x))[0]
    payload = (bits >> 29) & 0x7FFFFF
    if not payload:  # a double NaN whose payload is only in the low bits: quiet it
        payload = 0x400000
    return ((bits >> 32) & 0x80000000) | 0x7F800000 | payload


def f32_to_bits(x: float) -> int:
    """The IEEE bits of an f32 runtime value (x must be f32-exact: use f32_round first
    for arbitrary host floats)."""
    if x == x:
        return U32.unpack(F32.pack(x))[0]
    return f32_nan_bits(x)


__all__ = ["REPRESENTATION", "M32", "M64", "M128", "CANONICAL_NAN", "signed", "f32_round", "f32_from_bits",
           "f32_to_bits", "f32_nan_bits", "f64_from_bits", "f64_to_bits"]
