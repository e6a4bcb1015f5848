"""Lanes of a v128: lane views, and the two builders every lane-wise SIMD row is made of.

A v128 is one int (see v128.py).  A *view* reads it as lanes of one type: ``u8 s8 u16
s16 u32 s32 u64 s64`` (integer lanes, unsigned or signed) and ``f32 f64`` (float lanes
in the scalar runtime form of bits.py, NaN bits exact).  A view may name a half,
``s8:low`` / ``s8:high`` (the lanes the extending, widening and ``_low`` conversions
read).  `read` and `write` cross exactly between a v128 and its lanes: integers wrap
to the lane width, floats keep their bits, missing lanes are zero (the ``_zero``
conversions).

Two builders, one a use:

* ``exact(rule, out, *ins)`` -- the reference function of a row: read lanes exactly,
  apply a scalar rule per lane (for floats, the scalar rows' own functions, so the NaN
  rules are the scalar ones), write lanes exactly.  Clear and slow.
* ``helper(name, ins, lanes, out, fallback)`` -- the fast function a template calls,
  generated as Python source from one expression per result lane (for floats, the
  scalar rows' own TEMPLATES): each operand unpacked with one struct call, the result
  packed with one.  f32 results are computed in double and rounded once by the
  ``struct '<f'`` pack (innocuous double rounding, as for the scalar f32 rows); a lane
  that rounds past the f32 range makes struct raise OverflowError, and the helper then
  returns `fallback`'s (the exact function's) result.  Integer helpers may lean on the
  same escape for a rare lane (q15mulr's one overflowing product).  Unpacking f32 lanes through
  ``struct '<f'`` quiets a signalling NaN, which only arithmetic rows (whose NaN results
  are arithmetic NaNs anyway) may use; bit-exact rows never read floats this way.
"""
from __future__ import annotations

import struct
from typing import Callable, Iterable

from .bits import f32_from_bits, f32_to_bits, f64_from_bits, f64_to_bits

_CHAR = {"u8": "B", "s8": "b", "u16": "H", "s16": "h", "u32": "I", "s32": "i", "u64": "Q", "s64": "q",
         "f32": "f", "f64": "d"}
_FLOAT_FROM_BITS = {"f32": f32_from_bits, "f64": f64_from_bits}
_FLOAT_TO_BITS = {"f32": f32_to_bits, "f64": f64_to_bits}


def width(view: str) -> int:
    """Lane width in bits of a view (``s8:low`` -> 8)."""
    return int(view.split(":")[0][1:])


def count(view: str) -> int:
    """Lanes a view reads: 128 / width, half of that for ``:low`` / ``:high``."""
    n = 128 // width(view)
    return n // 2 if ":" in view else n


def _struct(char: str, n: int) -> struct.Struct:
    return struct.Struct(f"<{n}{char}")


def _bits_view(view: str) -> str:
    return "u" + view[1:]


def read(view: str, v: int) -> tuple:
    """The lanes of v as the view sees them, exactly (floats in the runtime form)."""
    base, _, half = view.partition(":")
    n = 128 // width(base)
    data = v.to_bytes(16, "little")
    if base[0] == "f":
        lanes = tuple(map(_FLOAT_FROM_BITS[base], _struct(_CHAR[_bits_view(base)], n).unpack(data)))
    else:
        lanes = _struct(_CHAR[base], n).unpack(data)
    if half == "low":
        return lanes[:n // 2]
    if half == "high":
        return lanes[n // 2:]
    return lanes


def write(view: str, lanes: Iterable) -> int:
    """The v128 whose first lanes are `lanes` (integers wrapped, floats' bits exact), the
    rest zero."""
    w = width(view)
    mask = (1 << w) - 1
    to_bits = _FLOAT_TO_BITS.get(view)
    out = 0
    for i, x in enumerate(lanes):
        out |= ((to_bits(x) if to_bits else x) & mask) << (w * i)
    return out


def splat(lane: int, w: int) -> int:
    """The v128 with `lane` (0 <= lane < 2**w) in every w-bit lane."""
    return sum(lane << (w * i) for i in range(128 // w))


# NaN lanes of a float width w, SWAR: a lane's low w-1 bits exceed the infinity pattern
# exactly when adding K carries into the lane's top bit (no carry leaves the lane).
NAN_SWAR = {w: (splat((1 << (w - 1)) - 1, w), splat((1 << (w - 1)) - 1 - inf, w), splat(1 << (w - 1), w),
                splat(canonical, w))
            for w, inf, canonical in ((32, 0x7F800000, 0x7FC00000), (64, 0x7FF0000000000000, 0x7FF8000000000000))}


def canonical_nans(v: int, w: int) -> int:
    """v with every NaN lane of width w replaced by the positive canonical NaN."""
    low, k, top, canonical = NAN_SWAR[w]
    mask = ((((v & low) + k) & top) >> (w - 1)) * ((1 << w) - 1)
    return (v & ~mask) | (canonical & mask)


def has_nan_lane(r: str, w: int) -> str:
    """Expression text: nonzero iff the v128 named r has a NaN lane of width w."""
    low, k, top, _ = NAN_SWAR[w]
    return f"((({r} & {low:#x}) + {k:#x}) & {top:#x})"


def canonicalizing(func: Callable[..., int], w: int) -> Callable[..., int]:
    """func with its NaN result lanes (width w) made the positive canonical NaN."""
    def canonical(*vs: int) -> int:
        return canonical_nans(func(*vs), w)
    return canonical


def exact(rule: Callable, out: str, *ins: str) -> Callable[..., int]:
    """The reference function: result lane i = rule(lane i of each operand)."""
    def lanewise(*vs: int) -> int:
        return write(out, map(rule, *(read(view, v) for view, v in zip(ins, vs))))
    return lanewise


def exact_concat(rule: Callable, out: str, view: str) -> Callable[[int, int], int]:
    """Narrowing: the lanes of a, then those of b, each through rule."""
    def narrowing(a: int, b: int) -> int:
        return write(out, map(rule, read(view, a) + read(view, b)))
    return narrowing


def exact_pairwise(rule: Callable, out: str, *ins: str) -> Callable[..., int]:
    """Result lane i = rule(lanes 2i and 2i+1 of the first operand, then of the next ...)."""
    def pairwise(*vs: int) -> int:
        lanes = [read(view, v) for view, v in zip(ins, vs)]
        n = len(lanes[0]) // 2
        return write(out, (rule(*(x for ls in lanes for x in ls[2 * i:2 * i + 2])) for i in range(n)))
    return pairwise


# ----------------------------------------------------------------------------- fast helpers

HELPER_GLOBALS: dict[str, object] = {"_int_from_bytes": int.from_bytes, "_struct_error": struct.error,
                                     "_canonical_nans": canonical_nans}
_VARS = "xyz"


def _unpacker(view: str) -> str:
    """The name (in HELPER_GLOBALS) of a bound `unpack_from` reading the view's lanes,
    and its offset argument."""
    base, _, half = view.partition(":")
    n = count(view)
    name = f"_unpack_{n}{_CHAR[base]}"
    HELPER_GLOBALS.setdefault(name, _struct(_CHAR[base], n).unpack_from)
    offset = 8 if half == "high" else 0
    return f"{name}(v{{k}}.to_bytes(16, 'little'){', 8' if offset else ''})"


def _packer(view: str) -> str:
    n = 128 // width(view)
    name = f"_pack_{n}{_CHAR[view]}"
    HELPER_GLOBALS.setdefault(name, _struct(_CHAR[view], n).pack)
    return name


def lane_names(k: int, view: str) -> list[str]:
    """The variable names a helper binds to operand k's lanes: x0 x1 ... for operand 0,
    y0 ... for operand 1, z0 ... for operand 2."""
    return [f"{_VARS[k]}{i}" for i in range(count(view))]


def helper(name: str, ins: tuple[str, ...], lanes: list[str], out: str, fallback: Callable,
           saturates: bool = False, canonical: bool = False) -> Callable[..., int]:
    """Compile the fast function `name`: operands unpacked per `ins` into the names of
    `lane_names`, result lane i = the expression lanes[i] (missing lanes zero), packed
    per `out`.  When packing fails -- an f32 lane past the f32 range (OverflowError), or,
    for a `saturates` helper, an integer lane past the lane range (struct.error) -- the
    result is `fallback`'s.  `canonical`: NaN result lanes become the positive canonical
    NaN (`fallback` must do the same).  The source is kept as `func.source`."""
    params = ", ".join(f"v{k}" for k in range(len(ins)))
    body = [f"def {name}({params}):"]
    for k, view in enumerate(ins):
        body.append(f"    {', '.join(lane_names(k, view))}, = {_unpacker(view).format(k=k)}")
    lanes = list(lanes) + ["0"] * (128 // width(out) - len(lanes))
    result = f"_int_from_bytes({_packer(out)}({', '.join(lanes)}), 'little')"
    errors = "OverflowError" if out == "f32" else "_struct_error" if saturates else None
    if errors:
        HELPER_GLOBALS[f"_exact{name}"] = fallback
        body += ["    try:", f"        r = {result}", f"    except {errors}:",
                 f"        return _exact{name}({params})"]
    else:
        body.append(f"    r = {result}")
    if canonical:
        w = width(out)
        body += [f"    if {has_nan_lane('r', w)}:", f"        return _canonical_nans(r, {w})"]
    body.append("    return r")
    source = "\n".join(body) + "\n"
    exec(compile(source, f"<numerics.lanes {name}>", "exec"), HELPER_GLOBALS)
    func = HELPER_GLOBALS[name]
    func.source = source
    return func


def parallel(template: str, *ins: str) -> list[str]:
    """Lane expressions applying a scalar template ({0}, {1}, ...) lane by lane."""
    n = count(ins[0])
    return [template.format(*(lane_names(k, view)[i] for k, view in enumerate(ins))) for i in range(n)]


def define(source: str, **constants: object) -> dict[str, Callable]:
    """Compile hand-written helpers (SWAR code, constants pasted as hex literals): the
    functions the source defines, by name."""
    text = source.format(**{k: hex(v) if isinstance(v, int) and v > 255 else v for k, v in constants.items()})
    names = [line.split("(", 1)[0][4:] for line in text.splitlines() if line.startswith("def ")]
    exec(compile(text, f"<numerics.lanes {' '.join(names)}>", "exec"), HELPER_GLOBALS)
    out = {}
    for name in names:
        out[name] = HELPER_GLOBALS[name]
        out[name].source = text
    return out


__all__ = ["width", "count", "read", "write", "splat", "canonical_nans", "has_nan_lane", "canonicalizing", "NAN_SWAR", "exact", "exact_concat", "exact_pairwise", "helper", "parallel",
           "lane_names", "define", "HELPER_GLOBALS"]
