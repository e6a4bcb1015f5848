"""The immediates of SIMD instructions in the text format: `v128.const` in every lane shape,
`i8x16.shuffle`'s sixteen lane indices, and a lane index (extract/replace, load/store lane).

The values come out as heron.binary.opcodes documents: a v128 is one 128-bit int (lane 0 in
the low bits), a shuffle a tuple of 16 ints, a lane index an int (a byte in the binary).
"""
from __future__ import annotations

from .cursor import ATOM, Cursor
from .numbers import V128_SHAPES, NumberError, is_number_token, parse_lane, parse_uint, v128_from_lanes


def v128_const(c: Cursor) -> int:
    """`i32x4 1 2 3 4` (the shape, then its lane count of literals of the lane type)."""
    pos = c.pos()
    if c.kind() is not ATOM or c.value() not in V128_SHAPES:
        raise c.error("unexpected token: expected a lane shape (i8x16, ..., f64x2)", pos)
    lane, count, bits = V128_SHAPES[c.keyword()]
    lanes = []
    for _ in range(count):
        if c.kind() is not ATOM:
            raise c.error("wrong number of lane literals")
        tpos = c.pos()
        try:
            value = parse_lane(c.value(), lane)
        except NumberError as e:
            raise c.error(str(e), tpos) from None
        if value is None:
            raise c.error(f"unknown operator: malformed {lane} lane literal `{c.value()}`", tpos)
        c.i += 1
        lanes.append(value)
    if c.kind() is ATOM and is_number_token(c.value()):
        raise c.error("wrong number of lane literals")
    return v128_from_lanes(lanes, bits)


def lane_index(c: Cursor) -> int:
    """A lane index: an unsigned literal below 256 (whether it fits the shape is validation's)."""
    pos = c.pos()
    if c.kind() is not ATOM:
        raise c.unexpected("a lane index")
    value = parse_uint(c.value())
    if value is None:
        raise c.unexpected("a lane index")
    if value > 255:
        raise c.error("i8 constant out of range", pos)
    c.i += 1
    return value


def shuffle_lanes(c: Cursor) -> tuple:
    """`i8x16.shuffle`'s sixteen lane indices."""
    lanes = []
    while c.kind() is ATOM and _number_like(c.value()):
        if parse_uint(c.value()) is None:    # -1, 0.5, 15.0, inf, nan: the reference's wording
            raise c.error(f"i8 constant out of range: `{c.value()}` is not a lane index")
        lanes.append(lane_index(c))
    if len(lanes) != 16:
        raise c.error("invalid lane length")
    return tuple(lanes)


def _number_like(token: str) -> bool:
    """A numeric literal of any kind, inf and nan included (a shuffle lane must be an i8)."""
    return is_number_token(token) or token.lstrip("+-").startswith(("inf", "nan"))
