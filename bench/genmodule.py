"""Generate WebAssembly modules shaped like compiled C, for measuring load time at scale.

    python bench/genmodule.py 1mb -o big1.wasm          # presets: 1mb (~8,000 functions), 3mb
    python bench/genmodule.py 500000 --seed 7 -o x.wasm # any size in bytes
    from genmodule import generate; wasm = generate(3_000_000, seed=1)

What a C compiler's output looks like, and what this produces: thousands of functions with
locals, loops (a counted `loop` in a `block`, with `br_if` exits), `if`/`else`, `br_table`
switches, i32/i64 arithmetic, memory loads and stores (a shadow stack through a mutable
`__stack_pointer` global in a third of the functions), direct calls mostly and some
`call_indirect` through a table, an active data segment, and only `_start` exported.
No imports, so any engine can run it.

Every function but `_start` takes a *fuel* parameter first and calls others only while
fuel is left (passing fuel - 1), so `_start` (type `[] -> [i32]`) reaches a small part
of the module — a few hundred calls — and returns a checksum of the results, the globals
and the scratch memory: a result any engine must reproduce exactly. Output is a pure
function of (size, seed).
"""
from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

from heron.binary.leb128 import write_sleb as sleb, write_uleb as uleb

PRESETS = {"1mb": 1_000_000, "3mb": 3_000_000}
AVG_FUNC_BYTES = 125          # average bytes per function (body, code entry, declaration)

I32, I64 = 0x7F, 0x7E
# Function types. Every function but _start takes the fuel (i32) first.
TYPES = [
    ((), (I32,)),                 # 0: _start
    ((I32,), (I32,)),             # 1
    ((I32, I32), (I32,)),         # 2: the call_indirect type (table entries)
    ((I32, I32, I64), (I64,)),    # 3
    ((I32, I32), ()),             # 4
    ((I32, I64, I32), (I32,)),    # 5
]
TYPE_WEIGHTS = [0, 30, 30, 15, 10, 15]
INDIRECT_TYPE = 2
TABLE_SIZE = 256

PAGES = 4
STACK_TOP = PAGES * 65536            # __stack_pointer starts here and grows down
SCRATCH = 4096                        # scratch area the loads and stores use
SCRATCH_MASK = 0x7FFC                 # 32 KiB, 4-aligned
DATA_AT = 1024
FRAME = 32

# Globals: 0 __stack_pointer (mut i32), 1 and 2 mut i32 counters, 3 mut i64 accumulator.
G_SP, G_A, G_B, G_ACC = 0, 1, 2, 3

I32_BIN = [0x6A, 0x6B, 0x6C, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77]   # add sub mul and or xor shl shr_s shr_u rotl
I32_CMP = [0x46, 0x47, 0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4F]               # eq ne lt_s lt_u gt_s gt_u le_s ge_u
I64_BIN = [0x7C, 0x7D, 0x7E, 0x83, 0x84, 0x85, 0x86, 0x88, 0x89]          # add sub mul and or xor shl shr_u rotl
I32_LOADS = [(0x28, 2), (0x2D, 0), (0x2F, 1), (0x2C, 0)]                  # load load8_u load16_u load8_s
I32_STORES = [(0x36, 2), (0x3A, 0), (0x3B, 1)]                            # store store8 store16


def _vec(items: list[bytes]) -> bytes:
    return uleb(len(items)) + b"".join(items)


def _section(sid: int, body: bytes) -> bytes:
    return bytes((sid,)) + uleb(len(body)) + body


class _Body:
    """One function body under construction: its locals and a random statement generator."""

    def __init__(self, rng: random.Random, gen: "_Generator", params: tuple, results: tuple):
        self.rng = rng
        self.gen = gen
        self.params = params
        self.results = results
        self.locals: list[int] = []             # declared locals (types)
        self.code = bytearray()
        self.calls_left = rng.choice((0, 1, 1, 2, 2, 3))
        self.i32s = [k for k, t in enumerate(params) if t == I32]
        self.i64s = [k for k, t in enumerate(params) if t == I64]
        for _ in range(rng.randint(2, 5)):
            self.i32s.append(self.new_local(I32))
        for _ in range(rng.randint(0, 2)):
            self.i64s.append(self.new_local(I64))
        self.acc = self.new_local(I32)          # accumulates call results
        self.fp = None

    def new_local(self, t: int) -> int:
        self.locals.append(t)
        return len(self.params) + len(self.locals) - 1

    def emit(self, *parts) -> None:
        for p in parts:
            if isinstance(p, int):
                self.code.append(p)
            else:
                self.code += p

    # -- expressions ------------------------------------------------------------------
    def i32(self, depth: int) -> None:
        r = self.rng
        choice = r.random() if depth > 0 else r.random() * 0.45
        if choice < 0.25:
            self.emit(0x20, uleb(r.choice(self.i32s)))
        elif choice < 0.45:
            self.emit(0x41, sleb(r.choice((r.randint(-8, 64), r.randint(-100000, 100000)))))
        elif choice < 0.68:
            self.i32(depth - 1)
            self.i32(depth - 1)
            self.emit(r.choice(I32_BIN))
        elif choice < 0.73:
            self.i32(depth - 1)
            self.i32(depth - 1)
            self.emit(0x41, 1, 0x72, r.choice((0x6E, 0x70)))     # (x | 1) div_u / rem_u
        elif choice < 0.78:
            self.i32(depth - 1)
            self.i32(depth - 1)
            self.emit(r.choice(I32_CMP))
        elif choice < 0.81:
            self.i32(depth - 1)
            self.emit(0x45)                                     # i32.eqz
        elif choice < 0.90:
            op, align = r.choice(I32_LOADS)
            self.address(depth - 1)
            self.emit(op, uleb(align), uleb(SCRATCH))
        elif choice < 0.93:
            self.emit(0x23, uleb(r.choice((G_A, G_B))))
        elif choice < 0.96:
            self.i64(depth - 1)
            self.emit(0xA7)                                     # i32.wrap_i64
        else:
            self.i32(depth - 1)
            self.i32(depth - 1)
            self.i32(depth - 1)
            self.emit(0x1B)                                     # select

    def i64(self, depth: int) -> None:
        r = self.rng
        choice = r.random() if depth > 0 else r.random() * 0.5
        if choice < 0.25 and self.i64s:
            self.emit(0x20, uleb(r.choice(self.i64s)))
        elif choice < 0.5:
            self.emit(0x42, sleb(r.randint(-(1 << 40), 1 << 40)))
        elif choice < 0.75:
            self.i64(depth - 1)
            self.i64(depth - 1)
            self.emit(r.choice(I64_BIN))
        elif choice < 0.87:
            self.i32(depth - 1)
            self.emit(r.choice((0xAC, 0xAD)))                   # i64.extend_i32_s/u
        else:
            self.address(depth - 1)
            self.emit(0x29, 3, uleb(SCRATCH))                    # i64.load align=8

    def address(self, depth: int) -> None:
        """An in-bounds scratch address: (e & mask) (the memarg offset adds SCRATCH)."""
        self.i32(depth)
        self.emit(0x41, sleb(SCRATCH_MASK), 0x71)

    # -- statements -------------------------------------------------------------------
    def statements(self, n: int, depth: int, in_loop: bool) -> None:
        for _ in range(n):
            self.statement(depth, in_loop)

    def statement(self, depth: int, in_loop: bool) -> None:
        r = self.rng
        c = r.random()
        if depth <= 0:
            c *= 0.55
        if c < 0.22:
            self.i32(r.randint(1, 2))
            if r.random() < 0.3:
                self.emit(0x22, uleb(r.choice(self.i32s)), 0x1A)   # local.tee; drop
            else:
                self.emit(0x21, uleb(r.choice(self.i32s)))
        elif c < 0.30 and self.i64s:
            self.i64(2)
            self.emit(0x21, uleb(r.choice(self.i64s)))
        elif c < 0.40:
            op, align = r.choice(I32_STORES)
            self.address(1)
            self.i32(2)
            self.emit(op, uleb(align), uleb(SCRATCH))
        elif c < 0.44:
            self.address(1)
            self.i64(1)
            self.emit(0x37, 3, uleb(SCRATCH))                    # i64.store
        elif c < 0.48:
            self.i32(1)
            self.emit(0x24, uleb(r.choice((G_A, G_B))))
        elif c < 0.50:
            self.emit(0x23, uleb(G_ACC))
            self.i64(1)
            self.emit(0x7C, 0x24, uleb(G_ACC))
        elif c < 0.55:
            self.call_statement(in_loop)
        elif c < 0.70:
            self.i32(2)
            self.emit(0x04, 0x40)                                # if
            self.statements(r.randint(1, 3), depth - 1, in_loop)
            if r.random() < 0.5:
                self.emit(0x05)
                self.statements(r.randint(1, 2), depth - 1, in_loop)
            self.emit(0x0B)
        elif c < 0.82:
            self.counted_loop(depth)
        elif c < 0.90:
            self.switch(depth)
        else:
            self.emit(0x02, I32)                                 # block (result i32)
            self.i32(1)
            self.i32(1)
            self.emit(0x0D, 0)                                   # br_if 0
            self.emit(0x1A)
            self.i32(1)
            self.emit(0x0B, 0x21, uleb(r.choice(self.i32s)))

    def counted_loop(self, depth: int) -> None:
        r = self.rng
        counter = self.new_local(I32)
        self.emit(0x41, r.randint(2, 5), 0x21, uleb(counter))
        self.emit(0x02, 0x40, 0x03, 0x40)                        # block loop
        self.statements(r.randint(1, 3), depth - 1, True)
        if r.random() < 0.3:
            self.i32(1)
            self.emit(0x0D, 1)                                   # br_if 1: early exit
        self.emit(0x20, uleb(counter), 0x41, 1, 0x6B, 0x22, uleb(counter), 0x0D, 0)
        self.emit(0x0B, 0x0B)

    def switch(self, depth: int) -> None:
        self.emit(0x02, 0x40, 0x02, 0x40, 0x02, 0x40, 0x02, 0x40)
        self.i32(1)
        self.emit(0x41, 3, 0x71, 0x0E, 3, 0, 1, 2, 3)            # br_table 0 1 2 (default 3)
        self.emit(0x0B)
        self.statements(1, depth - 1, False)
        self.emit(0x0C, 2, 0x0B)                                 # br to the exit
        self.statements(1, depth - 1, False)
        self.emit(0x0C, 1, 0x0B)
        self.statements(1, depth - 1, False)
        self.emit(0x0B)

    def call_statement(self, in_loop: bool) -> None:
        r = self.rng
        if in_loop or self.calls_left <= 0:
            self.i32(2)
            self.emit(0x21, uleb(self.acc))
            return
        self.calls_left -= 1
        self.emit(0x20, 0, 0x04, 0x40)                           # if fuel
        self.emit(0x20, 0, 0x41, 1, 0x6B)                        # fuel - 1
        if r.random() < 0.15:
            self.i32(1)
            self.i32(1)
            self.emit(0x41, sleb(TABLE_SIZE - 1), 0x71)
            self.emit(0x11, uleb(INDIRECT_TYPE), 0)              # call_indirect (type 2) table 0
            results = TYPES[INDIRECT_TYPE][1]
        else:
            callee = self.gen.pick_callee()
            params, results = TYPES[self.gen.func_types[callee]]
            for t in params[1:]:
                self.i32(1) if t == I32 else self.i64(1)
            self.emit(0x10, uleb(callee))
        if results == (I64,):
            self.emit(0xA7)
        if results:
            self.emit(0x20, uleb(self.acc), 0x73, 0x21, uleb(self.acc))   # acc ^= result
        self.emit(0x0B)

    # -- the whole function -----------------------------------------------------------
    def build(self) -> bytes:
        r = self.rng
        framed = r.random() < 0.33
        if framed:
            self.fp = self.new_local(I32)
            self.emit(0x23, uleb(G_SP), 0x41, sleb(FRAME), 0x6B, 0x22, uleb(self.fp),
                      0x24, uleb(G_SP))
            self.emit(0x20, uleb(self.fp), 0x20, 0, 0x36, 2, 8)  # store fuel in the frame
        self.statements(r.randint(1, 4), 2, False)
        if framed:
            self.emit(0x20, uleb(self.fp), 0x28, 2, 8, 0x20, uleb(self.acc), 0x73,
                      0x21, uleb(self.acc))
            self.emit(0x20, uleb(self.fp), 0x41, sleb(FRAME), 0x6A, 0x24, uleb(G_SP))
        for t in self.results:
            if t == I32:
                self.emit(0x20, uleb(self.acc))
                self.i32(1)
                self.emit(0x73)
            else:
                self.i64(1)
                self.emit(0x20, uleb(self.acc), 0xAD, 0x85)
        self.emit(0x0B)
        return self.locals_bytes() + bytes(self.code)

    def locals_bytes(self) -> bytes:
        runs: list[list[int]] = []
        for t in self.locals:
            if runs and runs[-1][1] == t:
                runs[-1][0] += 1
            else:
                runs.append([1, t])
        return _vec([uleb(n) + bytes((t,)) for n, t in runs])


class _Generator:
    def __init__(self, size: int, seed: int, names: bool):
        self.rng = random.Random(seed)
        self.size = size
        self.names = names
        self.planned = max(8, size * 9 // (10 * AVG_FUNC_BYTES))
        self.func_types: list[int] = []
        self.plan(self.planned)

    def plan(self, n: int) -> None:
        r = self.rng
        while len(self.func_types) < n:
            self.func_types.append(r.choices(range(len(TYPES)), TYPE_WEIGHTS)[0])

    def pick_callee(self) -> int:
        return self.rng.randrange(self.planned)

    def module(self) -> bytes:
        r = self.rng
        bodies: list[bytes] = []
        total = 0
        budget = self.size - 4096 - (4096 if self.names else 0)
        while len(bodies) < self.planned or total < budget:
            k = len(bodies)
            self.plan(k + 1)
            params, results = TYPES[self.func_types[k]]
            body = _Body(r, self, params, results).build()
            entry = uleb(len(body)) + body
            bodies.append(entry)
            total += len(entry) + 1 + (2 if k < TABLE_SIZE * 4 else 0)
        n = len(bodies)
        start_idx = n
        bodies.append(self.start_body())
        funcs = self.func_types[:n] + [0]
        indirect = [k for k in range(self.planned) if funcs[k] == INDIRECT_TYPE]
        table = [indirect[(k * 7919) % len(indirect)] for k in range(TABLE_SIZE)] if indirect \
            else []

        out = bytearray(b"\x00asm\x01\x00\x00\x00")
        out += _section(1, _vec([b"\x60" + _vec([bytes((t,)) for t in p]) +
                                 _vec([bytes((t,)) for t in res]) for p, res in TYPES]))
        out += _section(3, _vec([uleb(t) for t in funcs]))
        out += _section(4, _vec([b"\x70\x00" + uleb(TABLE_SIZE)]))          # table funcref
        out += _section(5, _vec([b"\x00" + uleb(PAGES)]))                     # memory
        globals_ = [bytes((I32, 1, 0x41)) + sleb(STACK_TOP) + b"\x0b",
                    bytes((I32, 1, 0x41)) + sleb(12345) + b"\x0b",
                    bytes((I32, 1, 0x41)) + sleb(-7) + b"\x0b",
                    bytes((I64, 1, 0x42)) + sleb(1 << 33) + b"\x0b"]
        out += _section(6, _vec(globals_))
        out += _section(7, _vec([_name("_start") + b"\x00" + uleb(start_idx)]))
        if table:
            out += _section(9, _vec([b"\x00\x41\x00\x0b" + _vec([uleb(f) for f in table])]))
        out += _section(10, _vec(bodies))
        data = bytes(r.randrange(256) for _ in range(2048))
        out += _section(11, _vec([b"\x00\x41" + sleb(DATA_AT) + b"\x0b" + uleb(len(data)) + data]))
        if self.names:
            entries = [uleb(k) + _name(f"fn_{k}") for k in range(n)]
            entries.append(uleb(start_idx) + _name("_start"))
            sub = _vec(entries)
            out += _section(0, _name("name") + b"\x01" + uleb(len(sub)) + sub)
        return bytes(out)

    def start_body(self) -> bytes:
        """_start: call a few functions with fuel 3, then checksum globals and scratch memory."""
        r = self.rng
        code = bytearray()
        acc, i = 0, 1
        for _ in range(8):
            callee = r.randrange(self.planned)
            params, results = TYPES[self.func_types[callee]]
            code += b"\x41\x03"
            for t in params[1:]:
                code += (b"\x41" + sleb(r.randint(-1000, 1000))) if t == I32 else \
                    (b"\x42" + sleb(r.randint(-1000, 1000)))
            code += b"\x10" + uleb(callee)
            if results == (I64,):
                code.append(0xA7)
            if results:
                code += b"\x20" + uleb(acc) + b"\x41\x1f\x77\x73\x21" + uleb(acc)   # acc = rotl(acc, 31) ^ r
        # acc ^= g1 + g2 + wrap(g3)
        code += (b"\x20" + uleb(acc) + b"\x23" + uleb(G_A) + b"\x23" + uleb(G_B) + b"\x6a"
                 + b"\x23" + uleb(G_ACC) + b"\xa7\x6a\x73\x21" + uleb(acc))
        # for i in 0..8192 step 4: acc = acc * 31 + load(SCRATCH + i)
        code += b"\x41\x00\x21" + uleb(i)
        code += b"\x02\x40\x03\x40"
        code += (b"\x20" + uleb(acc) + b"\x41\x1f\x6c\x20" + uleb(i) + b"\x28\x02" + uleb(SCRATCH)
                 + b"\x6a\x21" + uleb(acc))
        code += b"\x20" + uleb(i) + b"\x41\x04\x6a\x22" + uleb(i) + b"\x41" + sleb(SCRATCH_MASK + 4)
        code += b"\x49\x0d\x00\x0b\x0b"                                   # lt_u br_if 0 end end
        code += b"\x20" + uleb(acc) + b"\x0b"
        body = b"\x01\x02\x7f" + bytes(code)
        return uleb(len(body)) + body


def _name(s: str) -> bytes:
    raw = s.encode()
    return uleb(len(raw)) + raw


def generate(size_bytes: int, seed: int = 0, *, names: bool = False) -> bytes:
    """A module of about `size_bytes` bytes (at least 8 functions), deterministic in (size, seed).

    `names=True` adds a name section (`fn_<index>`), as an unstripped build would have."""
    return _Generator(size_bytes, seed, names).module()


def parse_size(text: str) -> int:
    """'1mb' / '3mb' presets, or a byte count such as 500000 or 500k."""
    t = text.lower()
    if t in PRESETS:
        return PRESETS[t]
    if t.endswith("k"):
        return int(float(t[:-1]) * 1000)
    if t.endswith("m"):
        return int(float(t[:-1]) * 1_000_000)
    return int(t)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("size", help="1mb, 3mb, or a size in bytes (500000, 500k, 2m)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--names", action="store_true", help="add a name section")
    ap.add_argument("-o", "--output", help="output file (default: stdout)")
    args = ap.parse_args(argv)
    wasm = generate(parse_size(args.size), args.seed, names=args.names)
    if args.output:
        Path(args.output).write_bytes(wasm)
        print(f"{args.output}: {len(wasm):,} bytes", file=sys.stderr)
    else:
        sys.stdout.buffer.write(wasm)
    return 0


if __name__ == "__main__":
    sys.exit(main())
