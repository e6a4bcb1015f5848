#!/usr/bin/env python
"""Which Python object should hold a v128 in generated code?  Measures the candidates.

    .venv/bin/python bench/v128_repr.py [--quick]
    .venv/bin/python bench/v128_repr.py --table [SUBSTRING]   # every row of the real table

Every candidate is one Python object per v128, so stack slots, locals, call arguments
and exception payloads cost the same for all of them; what differs is the cost of the
operations.  Each operation is timed as generated code would contain it (inline
expression, or one call to a helper where the expression would be too long), with its
operands in local variables; the kernels add up the operations of one loop iteration
of typical SIMD code.

Candidates:
  int128  one int, lane 0 in the low bits (little-endian, as in memory); SWAR tricks for
          bitwise, add/sub, comparisons; struct over `to_bytes` for multiplies and floats
  bytes16 a 16-byte `bytes`, memory order; struct directly on it, ints for bitwise/SWAR
  lanes4  a tuple of four u32 lanes (the i32x4 view); other shapes go through struct
"""
from __future__ import annotations

import argparse
import struct
import timeit

M = (1 << 128) - 1
M32 = 0xFFFFFFFF


def splat(lane: int, width: int) -> int:
    return sum(lane << (width * i) for i in range(128 // width))


H8, H32 = splat(0x80, 8), splat(0x80000000, 32)
L8, L32 = M ^ H8, M ^ H32
ONES8, ONES16, ONES32 = splat(1, 8), splat(1, 16), splat(1, 32)
E8 = splat(0xFF, 16)             # even bytes
SHL7 = splat(0xFFFFFFFF & (0xFFFFFFFF << 7), 32)
SHR25 = splat(0xFFFFFFFF >> 25, 32)
REVERSE = bytes(range(15, -1, -1))
PAIRS = bytes([0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23])
TOP01 = bytes(0x31 if b & 0x80 else 0x30 for b in range(256))
Z224, Z240 = bytes(224), bytes(240)
S16 = struct.Struct("16s")
U4 = struct.Struct("<4I")
F4 = struct.Struct("<4f")
U32 = struct.Struct("<I")
_from = int.from_bytes


def sat_add_u8(a: int, b: int) -> int:
    """int128 i8x16.add_sat_u: even and odd bytes in 16-bit slots, carry spread to 0xFF."""
    e = (a & E8) + (b & E8)
    o = ((a >> 8) & E8) + ((b >> 8) & E8)
    e |= ((e >> 8) & ONES16) * 0xFF
    o |= ((o >> 8) & ONES16) * 0xFF
    return (e & E8) | ((o & E8) << 8)


def eq8(a: int, b: int) -> int:
    """int128 i8x16.eq: a lane of a^b is zero iff ((x & L) + L | x) has its top bit clear."""
    x = a ^ b
    return ((((((x & L8) + L8) | x) & H8) ^ H8) >> 7) * 0xFF


def i32x4_mul(a: int, b: int) -> int:
    x0, x1, x2, x3 = U4.unpack(a.to_bytes(16, "little"))
    y0, y1, y2, y3 = U4.unpack(b.to_bytes(16, "little"))
    return (x0 * y0 & M32) | (x1 * y1 & M32) << 32 | (x2 * y2 & M32) << 64 | (x3 * y3 & M32) << 96


def f32x4_binary(op):
    def lanes(a: int, b: int) -> int:
        x0, x1, x2, x3 = F4.unpack(a.to_bytes(16, "little"))
        y0, y1, y2, y3 = F4.unpack(b.to_bytes(16, "little"))
        return _from(F4.pack(op(x0, y0), op(x1, y1), op(x2, y2), op(x3, y3)), "little")
    return lanes


def f32x4_add(a: int, b: int) -> int:
    x0, x1, x2, x3 = F4.unpack(a.to_bytes(16, "little"))
    y0, y1, y2, y3 = F4.unpack(b.to_bytes(16, "little"))
    return _from(F4.pack(x0 + y0, x1 + y1, x2 + y2, x3 + y3), "little")


def f32x4_mul(a: int, b: int) -> int:
    x0, x1, x2, x3 = F4.unpack(a.to_bytes(16, "little"))
    y0, y1, y2, y3 = F4.unpack(b.to_bytes(16, "little"))
    return _from(F4.pack(x0 * y0, x1 * y1, x2 * y2, x3 * y3), "little")


def b_i32x4_mul(a: bytes, b: bytes) -> bytes:
    x0, x1, x2, x3 = U4.unpack(a)
    y0, y1, y2, y3 = U4.unpack(b)
    return U4.pack(x0 * y0 & M32, x1 * y1 & M32, x2 * y2 & M32, x3 * y3 & M32)


def b_f32x4_add(a: bytes, b: bytes) -> bytes:
    x0, x1, x2, x3 = F4.unpack(a)
    y0, y1, y2, y3 = F4.unpack(b)
    return F4.pack(x0 + y0, x1 + y1, x2 + y2, x3 + y3)


def b_f32x4_mul(a: bytes, b: bytes) -> bytes:
    x0, x1, x2, x3 = F4.unpack(a)
    y0, y1, y2, y3 = F4.unpack(b)
    return F4.pack(x0 * y0, x1 * y1, x2 * y2, x3 * y3)


def t_f32x4_add(a: tuple, b: tuple) -> tuple:
    x0, x1, x2, x3 = F4.unpack(U4.pack(*a))
    y0, y1, y2, y3 = F4.unpack(U4.pack(*b))
    return U4.unpack(F4.pack(x0 + y0, x1 + y1, x2 + y2, x3 + y3))


def t_f32x4_mul(a: tuple, b: tuple) -> tuple:
    x0, x1, x2, x3 = F4.unpack(U4.pack(*a))
    y0, y1, y2, y3 = F4.unpack(U4.pack(*b))
    return U4.unpack(F4.pack(x0 * y0, x1 * y1, x2 * y2, x3 * y3))


def t_via_int(f):
    def lanes(*args: tuple) -> tuple:
        return U4.unpack(f(*(_from(U4.pack(*a), "little") for a in args)).to_bytes(16, "little"))
    return lanes


def b_via_int(f):
    def lanes(*args: bytes) -> bytes:
        return f(*(_from(a, "little") for a in args)).to_bytes(16, "little")
    return lanes


# operation -> {candidate: expression}; a, b, c: v128 operands; x: i32; m: memory; p: address
OPS: dict[str, dict[str, str]] = {
    "v128.and": {"int128": "a & b",
                 "bytes16": "(_from(a, 'little') & _from(b, 'little')).to_bytes(16, 'little')",
                 "lanes4": "(a[0] & b[0], a[1] & b[1], a[2] & b[2], a[3] & b[3])"},
    "v128.bitselect": {"int128": "b ^ ((a ^ b) & c)",
                       "bytes16": "b_bitselect(a, b, c)",
                       "lanes4": "t_bitselect(a, b, c)"},
    "i8x16.add": {"int128": "((a & L8) + (b & L8)) ^ ((a ^ b) & H8)",
                  "bytes16": "b_add8(a, b)", "lanes4": "t_add8(a, b)"},
    "i8x16.add_sat_u": {"int128": "sat_add_u8(a, b)", "bytes16": "b_sat_add_u8(a, b)",
                        "lanes4": "t_sat_add_u8(a, b)"},
    "i8x16.eq": {"int128": "eq8(a, b)", "bytes16": "b_eq8(a, b)", "lanes4": "t_eq8(a, b)"},
    "i32x4.add": {"int128": "((a & L32) + (b & L32)) ^ ((a ^ b) & H32)",
                  "bytes16": "b_add32(a, b)",
                  "lanes4": "((a[0] + b[0]) & 0xFFFFFFFF, (a[1] + b[1]) & 0xFFFFFFFF, "
                            "(a[2] + b[2]) & 0xFFFFFFFF, (a[3] + b[3]) & 0xFFFFFFFF)"},
    "i32x4.mul": {"int128": "i32x4_mul(a, b)", "bytes16": "b_i32x4_mul(a, b)",
                  "lanes4": "((a[0] * b[0]) & 0xFFFFFFFF, (a[1] * b[1]) & 0xFFFFFFFF, "
                            "(a[2] * b[2]) & 0xFFFFFFFF, (a[3] * b[3]) & 0xFFFFFFFF)"},
    "v128.xor": {"int128": "a ^ b",
                 "bytes16": "(_from(a, 'little') ^ _from(b, 'little')).to_bytes(16, 'little')",
                 "lanes4": "(a[0] ^ b[0], a[1] ^ b[1], a[2] ^ b[2], a[3] ^ b[3])"},
    "v128.or": {"int128": "a | b",
                "bytes16": "(_from(a, 'little') | _from(b, 'little')).to_bytes(16, 'little')",
                "lanes4": "(a[0] | b[0], a[1] | b[1], a[2] | b[2], a[3] | b[3])"},
    "i32x4.shr_u 25": {"int128": "(a >> 25) & SHR25",
                       "bytes16": "((_from(a, 'little') >> 25) & SHR25).to_bytes(16, 'little')",
                       "lanes4": "(a[0] >> 25, a[1] >> 25, a[2] >> 25, a[3] >> 25)"},
    "i32x4.shl 7": {"int128": "(a << 7) & SHL7", "bytes16": "((_from(a, 'little') << 7) & SHL7).to_bytes(16, 'little')",
                    "lanes4": "((a[0] << 7) & 0xFFFFFFFF, (a[1] << 7) & 0xFFFFFFFF, "
                              "(a[2] << 7) & 0xFFFFFFFF, (a[3] << 7) & 0xFFFFFFFF)"},
    "f32x4.add": {"int128": "f32x4_add(a, b)", "bytes16": "b_f32x4_add(a, b)", "lanes4": "t_f32x4_add(a, b)"},
    "f32x4.mul": {"int128": "f32x4_mul(a, b)", "bytes16": "b_f32x4_mul(a, b)", "lanes4": "t_f32x4_mul(a, b)"},
    "i8x16.shuffle": {"int128": "_from(PAIRS.translate((a | b << 128).to_bytes(256, 'little')), 'little')",
                      "bytes16": "PAIRS.translate(a + b + Z224)",
                      "lanes4": "U4.unpack(PAIRS.translate(U4.pack(*a) + U4.pack(*b) + Z224))"},
    "i8x16.swizzle": {"int128": "_from(b.to_bytes(16, 'little').translate(a.to_bytes(256, 'little')), 'little')",
                      "bytes16": "b.translate(a + Z240)",
                      "lanes4": "U4.unpack(U4.pack(*b).translate(U4.pack(*a) + Z240))"},
    "i32x4.extract_lane 1": {"int128": "(a >> 32) & 0xFFFFFFFF", "bytes16": "U32.unpack_from(a, 4)[0]",
                             "lanes4": "a[1]"},
    "i32x4.replace_lane 2": {"int128": "(a & KEEP2) | (x << 64)",
                             "bytes16": "a[:8] + U32.pack(x) + a[12:]",
                             "lanes4": "(a[0], a[1], x, a[3])"},
    "i32x4.splat": {"int128": "x * ONES32", "bytes16": "U32.pack(x) * 4", "lanes4": "(x, x, x, x)"},
    "v128.load": {"int128": "_from(S16.unpack_from(m, p)[0], 'little')", "bytes16": "S16.unpack_from(m, p)[0]",
                  "lanes4": "U4.unpack_from(m, p)"},
    "v128.store": {"int128": "S16.pack_into(m, p, a.to_bytes(16, 'little'))", "bytes16": "S16.pack_into(m, p, a)",
                   "lanes4": "U4.pack_into(m, p, *a)"},
    "i8x16.bitmask": {"int128": "int(a.to_bytes(16, 'big').translate(TOP01), 2)",
                      "bytes16": "int(a[::-1].translate(TOP01), 2)",
                      "lanes4": "int(U4.pack(*a)[::-1].translate(TOP01), 2)"},
    "v128.any_true": {"int128": "1 if a else 0", "bytes16": "1 if any(a) else 0",
                      "lanes4": "1 if any(a) else 0"},
}

KERNELS: dict[str, list[str]] = {
    "dot f32 (2 load, mul, add)": ["v128.load", "v128.load", "f32x4.mul", "f32x4.add"],
    "brighten u8 (load, add_sat_u, store)": ["v128.load", "i8x16.add_sat_u", "v128.store"],
    "axpy i32 (2 load, mul, add, store)": ["v128.load", "v128.load", "i32x4.mul", "i32x4.add", "v128.store"],
    "memchr (load, eq, bitmask)": ["v128.load", "i8x16.eq", "i8x16.bitmask"],
    "mix i32 (add, xor, shl, shr_u, or)": ["i32x4.add", "v128.xor", "i32x4.shl 7", "i32x4.shr_u 25", "v128.or"],
    "bytes (load, shuffle, swizzle, store)": ["v128.load", "i8x16.shuffle", "i8x16.swizzle", "v128.store"],
    "lanes (splat, replace, extract)": ["i32x4.splat", "i32x4.replace_lane 2", "i32x4.extract_lane 1"],
}


def namespace() -> dict:
    ns = dict(globals())
    int_ops = {"bitselect": lambda a, b, c: b ^ ((a ^ b) & c),
               "add8": lambda a, b: ((a & L8) + (b & L8)) ^ ((a ^ b) & H8),
               "add32": lambda a, b: ((a & L32) + (b & L32)) ^ ((a ^ b) & H32),
               "sat_add_u8": sat_add_u8, "eq8": eq8}
    for name, f in int_ops.items():
        ns[f"b_{name}"] = b_via_int(f)
        ns[f"t_{name}"] = t_via_int(f)
    ns["KEEP2"] = M ^ (M32 << 64)
    return ns


def operands(candidate: str) -> dict:
    values = [0x40490FDB_3F800000_C0000000_BDCCCCCD, 0x3F800000_40000000_C0400000_3DCCCCCD,
              0x0F0E0D0C0B0A09080706050403020100]
    if candidate == "bytes16":
        conv = [v.to_bytes(16, "little") for v in values]
    elif candidate == "lanes4":
        conv = [U4.unpack(v.to_bytes(16, "little")) for v in values]
    else:
        conv = values
    return {"A": conv[0], "B": conv[1], "C": conv[2], "X": 0x12345678, "MEM": bytearray(65536), "P": 4096}


def measure(candidate: str, expr: str, number: int, repeat: int) -> float:
    """Best-of-`repeat` ns per evaluation, operands in locals as in generated code."""
    ns = namespace()
    ns.update(operands(candidate))
    setup = "a = A; b = B; c = C; x = X; m = MEM; p = P"
    total = min(timeit.repeat(expr, setup, number=number, repeat=repeat, globals=ns))
    empty = min(timeit.repeat("pass", setup, number=number, repeat=repeat, globals=ns))
    return (total - empty) / number * 1e9


def table_costs(number: int, repeat: int, only: str = "") -> None:
    """ns per evaluation of every v128 row's (bound) template in heron.numerics."""
    from heron import numerics as N
    values = {"a": 0x40490FDB_3F800000_C0000000_BDCCCCCD, "b": 0x3F800000_40000000_C0400000_3DCCCCCD,
              "c": 0x0F0E0D0C0B0A09080706050403020100, "x": 5, "f": 1.5}
    results = []
    for name, op in sorted(N.V128_OPS.items()):
        if only and only not in name:
            continue
        bound = op.bind(*(1 if i == "lane" else bytes(range(0, 32, 2)) for i in op.immediates))
        names = [("abc"[k] if t == "v128" else "x" if t[0] == "i" else "f") for k, t in enumerate(op.params)]
        ns = {**N.TEMPLATE_GLOBALS, **{k.upper(): v for k, v in values.items()}}
        setup = "a = A; b = B; c = C; x = X; f = F"
        expr = bound.template.format(*names)
        total = min(timeit.repeat(expr, setup, number=number, repeat=repeat, globals=ns))
        empty = min(timeit.repeat("pass", setup, number=number, repeat=repeat, globals=ns))
        results.append(((total - empty) / number * 1e9, name))
    for cost, name in sorted(results):
        print(f"{cost:8.0f} ns  {name}")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="fewer iterations")
    p.add_argument("--table", nargs="?", const="", default=None, metavar="SUBSTRING",
                   help="instead: time every v128 template of heron.numerics (optionally those matching)")
    args = p.parse_args(argv)
    number, repeat = (20000, 3) if args.quick else (100000, 7)
    if args.table is not None:
        table_costs(number // 5, repeat, args.table)
        return
    candidates = ("int128", "bytes16", "lanes4")
    cost: dict[tuple[str, str], float] = {}
    print(f"{'ns per operation':28}" + "".join(f"{c:>10}" for c in candidates))
    for op, exprs in OPS.items():
        for c in candidates:
            cost[op, c] = measure(c, exprs[c], number, repeat)
        print(f"{op:28}" + "".join(f"{cost[op, c]:10.0f}" for c in candidates))
    print()
    print(f"{'ns per kernel iteration':40}" + "".join(f"{c:>10}" for c in candidates))
    totals = dict.fromkeys(candidates, 0.0)
    for kernel, ops in KERNELS.items():
        row = {c: sum(cost[op, c] for op in ops) for c in candidates}
        for c in candidates:
            totals[c] += row[c]
        print(f"{kernel:40}" + "".join(f"{row[c]:10.0f}" for c in candidates))
    print(f"{'all kernels':40}" + "".join(f"{totals[c]:10.0f}" for c in candidates))


if __name__ == "__main__":
    main()
