"""Float semantics written once for both widths: `float_rows(t)` gives the arithmetic,
comparison, min/max, sign and rounding rows of f32 or f64, each exact function beside
its inline template.

f32 arithmetic is computed in double and rounded once to single.  For + - * / and sqrt
of f32 operands this double rounding is innocuous because double has 53 >= 2*24 + 2
significand bits (Figueroa 1995), so the result is the correctly rounded f32 (round to
nearest, ties to even), overflow to infinity included.

NaN results: an arithmetic NaN result is always quiet; when every NaN input is
canonical (or there is none) it is canonical.  CPython on x86-64 gives this naturally
(SSE propagates the first NaN operand, quieted; invalid operations give the default NaN
0xFFF8...).  Python raises where IEEE does not (x/0.0, sqrt(-1), int(nan), round(inf));
every such case is routed to a helper before Python sees it.
"""
from __future__ import annotations

import math
from typing import Callable

from .bits import CANONICAL_NAN, f32_round
from .semantics import OpSemantics

_INF = math.inf
_copysign = math.copysign
_sqrt = math.sqrt
TWO52 = 4503599627370496.0  # doubles at or above this magnitude are integers


def fdiv(a: float, b: float) -> float:
    if b:
        return a / b
    return fdiv_zero(a, b)


def fdiv_zero(a: float, b: float) -> float:
    """a / ±0.0, which Python refuses: NaN for NaN or zero dividends, else signed inf."""
    if a != a:
        return a * 1.0  # propagate, quieted
    if a == 0.0:
        return CANONICAL_NAN
    return _INF if (_copysign(1.0, a) == _copysign(1.0, b)) else -_INF


def fsqrt(a: float) -> float:
    if a >= 0.0:  # also true for -0.0, whose root is -0.0
        return _sqrt(a)
    return fsqrt_slow(a)


def fsqrt_slow(a: float) -> float:
    if a != a:
        return a * 1.0
    return CANONICAL_NAN  # negative, -inf included


def fmin(a: float, b: float) -> float:
    if a < b:
        return a
    if b < a:
        return b
    return fmin_slow(a, b)


def fmin_slow(a: float, b: float) -> float:
    """Equal operands (either zero sign wins negative) or a NaN (propagated, quieted)."""
    if a == b:
        return -((-a) + (-b)) if a == 0.0 else a
    return a + b


def fmax(a: float, b: float) -> float:
    if a > b:
        return a
    if b > a:
        return b
    return fmax_slow(a, b)


def fmax_slow(a: float, b: float) -> float:
    if a == b:
        return a + b if a == 0.0 else a  # +0 unless both are -0
    return a + b


def _make_rounding(py_round: Callable[[float], int]) -> Callable[[float], float]:
    def rounded(a: float) -> float:
        if -TWO52 < a < TWO52:
            return _copysign(float(py_round(a)), a)  # copysign keeps -0.0 for e.g. ceil(-0.5)
        return a * 1.0  # already integral, or inf, or NaN (quieted)
    return rounded


fceil = _make_rounding(math.ceil)
ffloor = _make_rounding(math.floor)
ftrunc = _make_rounding(math.trunc)
fnearest = _make_rounding(round)  # Python's round() on floats: ties to even, exact


def float_rows(t: str) -> list[OpSemantics]:
    """Every `<t>.*` instruction whose operands and result are floats of type t (and the
    comparisons, whose result is i32)."""
    rows = []
    for op, func, cond in (("eq", lambda a, b: 1 if a == b else 0, "{0} == {1}"),
                           ("ne", lambda a, b: 1 if a != b else 0, "{0} != {1}"),
                           ("lt", lambda a, b: 1 if a < b else 0, "{0} < {1}"),
                           ("gt", lambda a, b: 1 if a > b else 0, "{0} > {1}"),
                           ("le", lambda a, b: 1 if a <= b else 0, "{0} <= {1}"),
                           ("ge", lambda a, b: 1 if a >= b else 0, "{0} >= {1}")):
        rows.append(OpSemantics(f"{t}.{op}", (t, t), "i32", func, f"(1 if {cond} else 0)", cond))
    binary, unary = (t, t), (t,)
    if t == "f64":
        arith = [("add", binary, lambda a, b: a + b, "({0} + {1})"),
                 ("sub", binary, lambda a, b: a - b, "({0} - {1})"),
                 ("mul", binary, lambda a, b: a * b, "({0} * {1})"),
                 ("div", binary, fdiv, "({0} / {1} if {1} else _fdiv_zero({0}, {1}))"),
                 ("sqrt", unary, fsqrt, "(_sqrt({0}) if {0} >= 0.0 else _fsqrt_slow({0}))")]
    else:
        arith = [("add", binary, lambda a, b: f32_round(a + b), "_f32_round({0} + {1})"),
                 ("sub", binary, lambda a, b: f32_round(a - b), "_f32_round({0} - {1})"),
                 ("mul", binary, lambda a, b: f32_round(a * b), "_f32_round({0} * {1})"),
                 ("div", binary, lambda a, b: f32_round(fdiv(a, b)),
                  "(_f32_round({0} / {1}) if {1} else _fdiv_zero({0}, {1}))"),
                 ("sqrt", unary, lambda a: f32_round(fsqrt(a)),
                  "(_f32_round(_sqrt({0})) if {0} >= 0.0 else _fsqrt_slow({0}))")]
    c = repr(TWO52)
    # min/max/abs/neg/copysign/rounding never leave the f32 grid: no rounding needed
    arith += [
        ("min", binary, fmin, "({0} if {0} < {1} else {1} if {1} < {0} else _fmin_slow({0}, {1}))"),
        ("max", binary, fmax, "({0} if {0} > {1} else {1} if {1} > {0} else _fmax_slow({0}, {1}))"),
        ("abs", unary, math.fabs, "abs({0})"),
        ("neg", unary, lambda a: -a, "(-{0})"),
        ("copysign", binary, math.copysign, "_copysign({0}, {1})"),
    ]
    for op, func, pyname in (("ceil", fceil, "_ceil"), ("floor", ffloor, "_floor"), ("trunc", ftrunc, "_trunc")):
        arith.append((op, unary, func,
                      f"(_copysign(float({pyname}({{0}})), {{0}}) if -{c} < {{0}} < {c} else {{0}} * 1.0)"))
    # nearest: adding then subtracting 2**52 rounds to an integer, ties to even, in the
    # hardware's own rounding (exact for |x| < 2**52); copysign restores -0.0.
    arith.append(("nearest", unary, fnearest,
                  f"(_copysign({{0}} + {c} - {c}, {{0}}) if 0.0 <= {{0}} < {c} else "
                  f"_copysign({{0}} - {c} + {c}, {{0}}) if -{c} < {{0}} < 0.0 else {{0}} * 1.0)"))
    for op, params, func, template in arith:
        rows.append(OpSemantics(f"{t}.{op}", params, t, func, template))
    return rows


GLOBALS: dict[str, object] = {
    "_f32_round": f32_round, "_fdiv_zero": fdiv_zero, "_sqrt": _sqrt, "_fsqrt_slow": fsqrt_slow,
    "_fmin_slow": fmin_slow, "_fmax_slow": fmax_slow, "_copysign": _copysign,
    "_ceil": math.ceil, "_floor": math.floor, "_trunc": math.trunc,
}

__all__ = ["float_rows", "GLOBALS", "fdiv", "fdiv_zero", "fsqrt", "fmin", "fmax", "fceil", "ffloor",
           "ftrunc", "fnearest", "TWO52"]
