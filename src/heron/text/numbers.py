"""Numeric literals of the text format, converted to the bit patterns the module model holds.

Floats are converted exactly (integer arithmetic, round to nearest, ties to even), so
f32 literals never suffer the double rounding of going through a Python float.
"""
from __future__ import annotations

import re

# Integer literal: sign? (decimal | 0x hex), `_` only between digits.
_DEC = r"[0-9](?:_?[0-9])*"
_HEX = r"[0-9a-fA-F](?:_?[0-9a-fA-F])*"
INT_RE = re.compile(rf"([+-]?)(?:0x({_HEX})|({_DEC}))\Z")
DEC_FLOAT_RE = re.compile(rf"([+-]?)({_DEC})(?:\.({_DEC})?)?(?:[eE]([+-]?{_DEC}))?\Z")
HEX_FLOAT_RE = re.compile(rf"([+-]?)0x({_HEX})(?:\.({_HEX})?)?(?:[pP]([+-]?{_DEC}))?\Z")
NAN_RE = re.compile(rf"([+-]?)nan(?::0x({_HEX}))?\Z")
INF_RE = re.compile(r"([+-]?)inf\Z")

# (exponent bits, mantissa bits) of each float format.
FLOAT_FORMATS = {"f32": (8, 23), "f64": (11, 52)}


class NumberError(ValueError):
    """A literal that looks like a number but is out of range for its type."""


def is_number_token(text: str) -> bool:
    return bool(text) and (text[0].isdigit() or (text[0] in "+-" and len(text) > 1 and text[1].isdigit()))


def parse_uint(text: str) -> int | None:
    """An unsigned integer (indices, offsets, limits); None if not one."""
    m = INT_RE.match(text)
    if not m or m.group(1):
        return None
    return int((m.group(2) or m.group(3)).replace("_", ""), 16 if m.group(2) else 10)


def parse_int(text: str, bits: int) -> int | None:
    """An iN literal as its unsigned bit pattern; None if not an integer literal.

    Accepts -2**(N-1) .. 2**N - 1 (signed or unsigned reading); raises NumberError outside.
    """
    m = INT_RE.match(text)
    if not m:
        return None
    value = int((m.group(2) or m.group(3)).replace("_", ""), 16 if m.group(2) else 10)
    if m.group(1) == "-":
        if value > 1 << (bits - 1):
            raise NumberError("constant out of range")
        return (-value) & ((1 << bits) - 1)
    if value >= 1 << bits:
        raise NumberError("constant out of range")
    return value


def _round_div(n: int, d: int) -> int:
    """n / d rounded to nearest integer, ties to even (n, d > 0)."""
    q, r = divmod(n, d)
    if 2 * r > d or (2 * r == d and q & 1):
        q += 1
    return q


def rational_to_bits(num: int, den: int, fmt: str) -> int:
    """The IEEE bits (sign clear) of num/den >= 0 rounded to nearest even; NumberError on overflow."""
    ebits, mbits = FLOAT_FORMATS[fmt]
    bias = (1 << (ebits - 1)) - 1
    if num == 0:
        return 0
    e = num.bit_length() - den.bit_length()
    # normalise so that 2**e <= num/den < 2**(e+1)
    if (num << max(0, -e)) < (den << max(0, e)):
        e -= 1
    emin = 1 - bias
    scale = max(e, emin) - mbits
    if scale >= 0:
        q = _round_div(num, den << scale)
    else:
        q = _round_div(num << -scale, den)
    if e < emin:
        # subnormal (q may round up to the smallest normal: the bit pattern is still right)
        return q
    if q == 1 << (mbits + 1):
        q >>= 1
        e += 1
    if e > bias:
        raise NumberError("constant out of range")
    return ((e + bias) << mbits) | (q - (1 << mbits))


def parse_float(text: str, fmt: str) -> int | None:
    """An fN literal as its IEEE bit pattern; None if not a float literal."""
    ebits, mbits = FLOAT_FORMATS[fmt]
    sign_bit = 1 << (ebits + mbits)
    exp_all = ((1 << ebits) - 1) << mbits
    m = NAN_RE.match(text)
    if m:
        if m.group(2) is None:
            payload = 1 << (mbits - 1)
        else:
            payload = int(m.group(2).replace("_", ""), 16)
            if payload == 0 or payload >= 1 << mbits:
                raise NumberError("constant out of range")
        return (sign_bit if m.group(1) == "-" else 0) | exp_all | payload
    m = INF_RE.match(text)
    if m:
        return (sign_bit if m.group(1) == "-" else 0) | exp_all
    m = HEX_FLOAT_RE.match(text)
    if m:
        sign, ip, fp, ex = m.groups()
        digits = (ip + (fp or "")).replace("_", "")
        exp = int(ex.replace("_", "")) if ex else 0
        exp -= 4 * len((fp or "").replace("_", ""))
        mant = int(digits, 16)
        bits = _scaled_to_bits(mant, 2, exp, len(digits) * 4, fmt, binary=True)
        return (sign_bit if sign == "-" else 0) | bits
    m = DEC_FLOAT_RE.match(text)
    if m:
        sign, ip, fp, ex = m.groups()
        digits = (ip + (fp or "")).replace("_", "")
        exp = int(ex.replace("_", "")) if ex else 0
        exp -= len((fp or "").replace("_", ""))
        mant = int(digits)
        bits = _scaled_to_bits(mant, 10, exp, len(digits), fmt, binary=False)
        return (sign_bit if sign == "-" else 0) | bits
    return None


def _scaled_to_bits(mant: int, base: int, exp: int, ndigits: int, fmt: str, binary: bool) -> int:
    """Bits of mant * base**exp, guarding against absurd exponents before exact arithmetic."""
    if mant == 0:
        return 0
    # magnitude estimate in bits: mant < 2**mant.bit_length()
    mag = mant.bit_length() + (exp if binary else int(exp * 3.3219280948873626))
    if mag > 2000:
        raise NumberError("constant out of range")
    if mag < -2000:
        return 0
    if exp >= 0:
        return rational_to_bits(mant * base ** exp, 1, fmt)
    return rational_to_bits(mant, base ** -exp, fmt)


# v128 lane shapes: name -> (lane type, lane count, lane bits).
V128_SHAPES = {"i8x16": ("i8", 16, 8), "i16x8": ("i16", 8, 16), "i32x4": ("i32", 4, 32),
               "i64x2": ("i64", 2, 64), "f32x4": ("f32", 4, 32), "f64x2": ("f64", 2, 64)}


def parse_lane(text: str, lane: str) -> int | None:
    """One lane literal of a v128.const as its bit pattern; None if not a literal of that kind."""
    if lane[0] == "i":
        return parse_int(text, int(lane[1:]))
    return parse_float(text, lane)


def v128_from_lanes(lanes, bits: int) -> int:
    """The 128-bit value whose lane k (lane 0 in the low bits) is lanes[k]."""
    value = 0
    for k, lane in enumerate(lanes):
        value |= lane << (k * bits)
    return value
