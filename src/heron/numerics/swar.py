"""Integer lanes computed on the whole 128-bit int at once (SWAR: SIMD within a register),
written once for every lane width w in 8, 16, 32, 64.

Constants of a width (all as 128-bit masks): H the top bit of every lane, L = ~H, K one
lane's all-ones, ONE the value 1 in every lane, EVEN the even lanes (each then sits in a
2w-bit slot with w zero bits above it: room for a carry, a guard bit or a product).

* add: ((a & L) + (b & L)) ^ ((a ^ b) & H) -- the low bits add with no carry out of a
  lane (top bits cleared), then the top bits are the xor of both tops and the carry in.
* sub: ((a | H) - (b & L)) ^ ((a ^ b ^ H) & H) -- likewise, a's top bits set so no lane
  borrows from the next.
* lane is nonzero: ((x & L) + L | x) & H has the top bit of exactly those lanes.
* a < b per lane (top bit): d = ((a & L) | H) - (b & L) has top bit [a_low >= b_low];
  unsigned: (~a & b) | ~((a ^ b) | d); signed: (a & ~b) | ~((a ^ b) | d); then & H.
* a top bit per lane to a full-lane mask: (t >> (w - 1)) * K (no carries: lanes are 0/1).
* saturating add/sub: even and odd lanes separately in 2w-bit slots, where bit w (and
  w+1) of each slot tells overflow; signed lanes are biased by 2**(w-1) first.
* shifts by a runtime count: one shift of the whole int and a mask (from a per-count
  table) clearing what crossed a lane boundary; arithmetic right shift ORs in the sign
  fill (sign bit * fill pattern, again carry-free).
"""
from __future__ import annotations

from .bits import M128
from .lanes import define, splat

WIDTHS = (8, 16, 32, 64)


class Width:
    """The SWAR constants of one lane width."""

    def __init__(self, w: int) -> None:
        self.w = w
        self.K = (1 << w) - 1
        self.ONE = splat(1, w)
        self.H = self.ONE << (w - 1)
        self.L = M128 ^ self.H
        self.EVEN = sum(self.K << (2 * w * i) for i in range(64 // w)) if w < 64 else self.K
        self.ONE2 = splat(1, 2 * w) if w < 64 else 1        # 1 in every 2w-bit slot
        self.SHL = tuple(splat((self.K << k) & self.K, w) for k in range(w))
        self.SHR = tuple(splat(self.K >> k, w) for k in range(w))
        self.FILL = tuple(self.K ^ (self.K >> k) for k in range(w))

    def constants(self) -> dict[str, int]:
        return {"w": self.w, "w1": self.w - 1, "K": self.K, "H": self.H, "L": self.L, "EVEN": self.EVEN,
                "ONE2": self.ONE2, "G": self.ONE2 << self.w, "HW2": self.ONE2 << (self.w - 1)}


WIDTH = {w: Width(w) for w in WIDTHS}


def _lt_top(x: str, y: str, c: Width, signed: bool) -> str:
    """Top bit of each lane set where x < y."""
    first = f"({x} & ~{y})" if signed else f"(~{x} & {y})"
    d = f"((({x} & {c.L:#x}) | {c.H:#x}) - ({y} & {c.L:#x}))"
    return f"(({first} | ~(({x} ^ {y}) | {d})) & {c.H:#x})"


def _mask(top: str, c: Width) -> str:
    return f"(({top} >> {c.w - 1}) * {c.K:#x})"


def compare_templates(w: int) -> dict[str, str]:
    """eq ne lt gt le ge (signed _s, unsigned _u) of one width: all-ones lanes where true."""
    c = WIDTH[w]
    nonzero = f"((((({{0}} ^ {{1}}) & {c.L:#x}) + {c.L:#x}) | ({{0}} ^ {{1}})) & {c.H:#x})"
    out = {"eq": _mask(f"({nonzero} ^ {c.H:#x})", c), "ne": _mask(nonzero, c)}
    for sg, signed in (("s", True), ("u", False)):
        lt_ab, lt_ba = _lt_top("{0}", "{1}", c, signed), _lt_top("{1}", "{0}", c, signed)
        out[f"lt_{sg}"] = _mask(lt_ab, c)
        out[f"gt_{sg}"] = _mask(lt_ba, c)
        out[f"le_{sg}"] = _mask(f"({lt_ba} ^ {c.H:#x})", c)
        out[f"ge_{sg}"] = _mask(f"({lt_ab} ^ {c.H:#x})", c)
    return out


def arithmetic_templates(w: int) -> dict[str, str]:
    """add sub neg abs avgr_u shl shr_s shr_u all_true of one width (shift tables are
    the globals `_v_shl<w>`, `_v_shr<w>`, `_v_fill<w>`)."""
    c = WIDTH[w]
    H, L, K, k = f"{c.H:#x}", f"{c.L:#x}", f"{c.K:#x}", f"({{1}} & {w - 1})"
    sign = f"(({{0}} & {H}) >> {w - 1})"
    return {
        "add": f"((({{0}} & {L}) + ({{1}} & {L})) ^ (({{0}} ^ {{1}}) & {H}))",
        "sub": f"((({{0}} | {H}) - ({{1}} & {L})) ^ (({{0}} ^ {{1}} ^ {H}) & {H}))",
        "neg": f"(({H} - ({{0}} & {L})) ^ (({{0}} & {H}) ^ {H}))",
        "abs": f"(({{0}} ^ ({sign} * {K})) + {sign})",
        "avgr_u": f"(({{0}} | {{1}}) - ((({{0}} ^ {{1}}) >> 1) & {L}))",
        "shl": f"(({{0}} << {k}) & _v_shl{w}[{k}])",
        "shr_u": f"(({{0}} >> {k}) & _v_shr{w}[{k}])",
        "shr_s": f"((({{0}} >> {k}) & _v_shr{w}[{k}]) | ({sign} * _v_fill{w}[{k}]))",
        "all_true": f"(1 if ((({{0}} & {L}) + {L}) | {{0}}) & {H} == {H} else 0)",
    }


def all_true_cond(w: int) -> str:
    c = WIDTH[w]
    return f"((({{0}} & {c.L:#x}) + {c.L:#x}) | {{0}}) & {c.H:#x} == {c.H:#x}"


def extadd_templates(w: int) -> dict[str, str]:
    """extadd_pairwise from w-bit lanes to 2w-bit lanes: even + odd lane in each slot;
    signed lanes biased by 2**(w-1) (xor H), the bias 2**w taken back by a carry-free add."""
    c, c2 = WIDTH[w], WIDTH[2 * w]
    bias_back = splat((1 << (2 * w - 1)) - (1 << w), 2 * w)
    biased = f"({{0}} ^ {c.H:#x})"
    return {
        "u": f"(({{0}} & {c.EVEN:#x}) + (({{0}} >> {w}) & {c.EVEN:#x}))",
        "s": f"(((({biased} & {c.EVEN:#x}) + (({biased} >> {w}) & {c.EVEN:#x})) + {bias_back:#x}) ^ {c2.H:#x})",
    }


_SAT_U = """
def _v_add_sat_u{w}(a, b):
    e = (a & {EVEN}) + (b & {EVEN})
    o = ((a >> {w}) & {EVEN}) + ((b >> {w}) & {EVEN})
    e |= ((e >> {w}) & {ONE2}) * {K}
    o |= ((o >> {w}) & {ONE2}) * {K}
    return (e & {EVEN}) | ((o & {EVEN}) << {w})

def _v_sub_sat_u{w}(a, b):
    e = ((a & {EVEN}) | {G}) - (b & {EVEN})
    o = (((a >> {w}) & {EVEN}) | {G}) - ((b >> {w}) & {EVEN})
    e &= ((e >> {w}) & {ONE2}) * {K}
    o &= ((o >> {w}) & {ONE2}) * {K}
    return e | (o << {w})
"""

# Signed: biased lanes u = s + 2**(w-1); T = the biased result + 2**w sits in [2**(w-1),
# 2**(w+1) + 2**w): bit w alone = in range (the low w bits are the answer), bit w+1 =
# overflow (all ones), neither = underflow (zero); then unbias.
_SAT_S = """
def _v_add_sat_s{w}(a, b):
    a ^= {H}
    b ^= {H}
    e = (a & {EVEN}) + (b & {EVEN}) + {HW2}
    o = ((a >> {w}) & {EVEN}) + ((b >> {w}) & {EVEN}) + {HW2}
    e = (e & ((e >> {w}) & {ONE2}) * {K}) | ((e >> {w_1}) & {ONE2}) * {K}
    o = (o & ((o >> {w}) & {ONE2}) * {K}) | ((o >> {w_1}) & {ONE2}) * {K}
    return (e | (o << {w})) ^ {H}

def _v_sub_sat_s{w}(a, b):
    a ^= {H}
    b ^= {H}
    e = ((a & {EVEN}) | {G}) + {HW2} - (b & {EVEN})
    o = (((a >> {w}) & {EVEN}) | {G}) + {HW2} - ((b >> {w}) & {EVEN})
    e = (e & ((e >> {w}) & {ONE2}) * {K}) | ((e >> {w_1}) & {ONE2}) * {K}
    o = (o & ((o >> {w}) & {ONE2}) * {K}) | ((o >> {w_1}) & {ONE2}) * {K}
    return (e | (o << {w})) ^ {H}
"""

_MIN_MAX = """
def _v_min_{sg}{w}(a, b):
    return b ^ ((a ^ b) & ({lt_ab} >> {w1}) * {K})

def _v_max_{sg}{w}(a, b):
    return b ^ ((a ^ b) & ({lt_ba} >> {w1}) * {K})
"""


def saturating_helpers(w: int) -> dict[str, object]:
    """add_sat_s/u, sub_sat_s/u of an 8- or 16-bit width."""
    constants = WIDTH[w].constants()
    funcs = {**define(_SAT_U, **constants), **define(_SAT_S, **constants, w_1=w + 1)}
    return {f"{op}_{sg}": funcs[f"_v_{op}_{sg}{w}"] for op in ("add_sat", "sub_sat") for sg in "su"}


def min_max_helpers(w: int) -> dict[str, object]:
    """min_s/u, max_s/u: the lane-wise lt mask selects a or b."""
    c = WIDTH[w]
    out: dict[str, object] = {}
    for sg, signed in (("s", True), ("u", False)):
        funcs = define(_MIN_MAX, sg=sg, lt_ab=_lt_top("a", "b", c, signed), lt_ba=_lt_top("b", "a", c, signed),
                       **c.constants())
        out[f"min_{sg}"] = funcs[f"_v_min_{sg}{w}"]
        out[f"max_{sg}"] = funcs[f"_v_max_{sg}{w}"]
    return out


def shift_tables() -> dict[str, tuple[int, ...]]:
    """The globals the shift templates index by count."""
    out: dict[str, tuple[int, ...]] = {}
    for w, c in WIDTH.items():
        out[f"_v_shl{w}"], out[f"_v_shr{w}"], out[f"_v_fill{w}"] = c.SHL, c.SHR, c.FILL
    return out


__all__ = ["WIDTHS", "WIDTH", "Width", "splat", "compare_templates", "arithmetic_templates", "all_true_cond",
           "extadd_templates", "saturating_helpers", "min_max_helpers", "shift_tables"]
