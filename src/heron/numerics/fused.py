"""Fused multiply-add, a * b + c rounded ONCE, for f32 and f64 operands (the choice
relaxed_madd / relaxed_nmadd make here, as wasmtime does with deterministic relaxed SIMD).

Python 3.11 has no math.fma.  Finite operands are taken apart into integer significands
and exponents, the sum is formed exactly as an integer times a power of two, and that is
rounded once to the target format (round to nearest, ties to even, subnormals and
overflow included) by `round_scaled`.  Infinite and NaN operands go through ordinary
double arithmetic, which then gives the fused answer: an infinite or NaN product is the
same exactly or rounded, and a finite product cannot cancel an infinite c.
"""
from __future__ import annotations

import math

from .bits import F64, U64, f32_round

_F64, _U64 = F64, U64
_INF = math.inf
_nextafter = math.nextafter
_frexp = math.frexp
_isfinite = math.isfinite
_ldexp = math.ldexp

# format: (significand bits, exponent of the smallest subnormal's bit, first overflowing exponent)
F32_FORMAT = (24, -149, 128)
F64_FORMAT = (53, -1074, 1024)


def _decompose(x: float) -> tuple[int, int]:
    """x == m * 2**e exactly, m an integer (finite x)."""
    f, e = _frexp(x)
    return int(f * 9007199254740992.0), e - 53   # f * 2**53 is an exact integer


def round_scaled(m: int, e: int, fmt: tuple[int, int, int]) -> float:
    """The value m * 2**e rounded once to the format (ties to even); +-inf on overflow."""
    bits, quantum, emax = fmt
    negative = m < 0
    if negative:
        m = -m
    q = max(m.bit_length() + e - bits, quantum)   # exponent of the result's last bit
    if q > e:
        shift = q - e
        rest = m & ((1 << shift) - 1)
        m >>= shift
        half = 1 << (shift - 1)
        if rest > half or (rest == half and m & 1):
            m += 1
    else:
        m <<= e - q
    if m.bit_length() + q > emax:
        r = math.inf
    else:
        r = _ldexp(float(m), q)   # m has at most `bits` + 1 bits: exact
    return -r if negative else r


def _fma(a: float, b: float, c: float, fmt: tuple[int, int, int]) -> float:
    if not (_isfinite(a) and _isfinite(b) and _isfinite(c)):
        if _isfinite(a) and _isfinite(b):
            return c * 1.0            # finite product + inf or NaN c: c (a NaN quieted)
        return a * b + c              # an infinite or NaN product: as in double
    if a == 0.0 or b == 0.0:
        return a * b + c              # exact zero product: double gives the signed-zero rules
    ma, ea = _decompose(a)
    mb, eb = _decompose(b)
    mc, ec = _decompose(c)
    mp, ep = ma * mb, ea + eb
    if c == 0.0:
        return round_scaled(mp, ep, fmt)
    e = min(ep, ec)
    total = (mp << (ep - e)) + (mc << (ec - e))
    if total == 0:
        return 0.0                    # exact cancellation rounds to +0
    return round_scaled(total, e, fmt)


def fma64(a: float, b: float, c: float) -> float:
    """a * b + c with one rounding to f64."""
    return _fma(a, b, c, F64_FORMAT)


def fma32(a: float, b: float, c: float) -> float:
    """a * b + c with one rounding to f32 (operands f32 values); a NaN result in f32 form.

    Fast path: the product of two f32 values is exact in double, and the double sum s
    with its exact error e (TwoSum) gives the sum rounded to odd -- s itself if exact,
    else the neighbour of s towards e whose last bit is odd -- which rounds to f32
    exactly as the exact sum would (double has 53 >= 24 + 2 bits)."""
    p = a * b
    s = p + c
    if s - s == 0.0:              # finite (inf - inf and NaN are NaN)
        t = s - p
        e = (p - (s - t)) + (c - t)
        if e and not _U64.unpack(_F64.pack(s))[0] & 1:
            s = _nextafter(s, _INF if e > 0.0 else -_INF)
        return f32_round(s)
    r = _fma(a, b, c, F32_FORMAT)
    return r if r == r else f32_round(r)


__all__ = ["fma32", "fma64", "round_scaled", "F32_FORMAT", "F64_FORMAT"]
