"""Checking a function body's bytes are well-formed, without building an Instr per instruction.

The decoder keeps a body as a byte range and decodes it into Instr objects only when someone
asks (heron.ast.Func.body). A malformed body must still be rejected at load, with the same
DecodeError as a full decode (heron.binary.instructions.read_expr): `scan_body` walks the
bytes once, driven by a table from opcode to immediate shape, and checks opcodes, LEB128
immediates and the nesting of `else`/`catch`/`delegate`/`end`. The common shapes (no
immediate, one one-byte LEB, a short memarg, a one-byte block type) are skipped inline; every
other immediate is read by the same reader read_expr uses, so the messages are the same.
"""
from __future__ import annotations

import re

from ..errors import DecodeError
from .instructions import DATA_COUNT_OPS, READ_IMM, ExprResult, unsupported_opcode
from .leb128 import Reader
from .opcodes import BY_CODE, BY_PREFIX
from .types_codec import NUM_BY_CODE

IN_SECTION = "unexpected end of section or function"

# Scan kinds: how to step over an instruction's immediates (and what it does to the nesting).
(NONE, U32, S32, S64, MEMARG, BLOCK, IF, TRY, END, ELSE, CATCH, CATCH_ALL, DELEGATE, F32, F64,
 READER, PREFIX, BAD) = range(18)

_BY_IMM = {"none": NONE, "label": U32, "func": U32, "type": U32, "local": U32, "global": U32,
           "table": U32, "mem": U32, "data": U32, "elem": U32, "tag": U32, "i32": S32,
           "i64": S64, "f32": F32, "f64": F64, "memarg": MEMARG, "block": BLOCK}
# Opcodes whose nesting role overrides their immediate shape.
_STRUCTURE = {0x04: IF, 0x06: TRY, 0x0B: END, 0x05: ELSE, 0x07: CATCH, 0x19: CATCH_ALL,
              0x18: DELEGATE}

SCAN_ONE: list[int] = [BAD] * 256
for _code, _info in BY_CODE.items():
    SCAN_ONE[_code] = _STRUCTURE.get(_code, _BY_IMM.get(_info.imm, READER))
for _prefix in BY_PREFIX:
    SCAN_ONE[_prefix] = PREFIX

# READER kinds read their immediate with read_expr's own reader; so do prefixed opcodes
# (prefix -> sub-opcode -> reader, None for no immediate).
_READER_ONE = {code: READ_IMM[info.imm] for code, info in BY_CODE.items() if info.imm in READ_IMM}
_READER_PREFIXED = {prefix: {code: READ_IMM.get(info.imm) for code, info in ops.items()}
                    for prefix, ops in BY_PREFIX.items()}
_DATA_COUNT = frozenset((info.prefix, code) for ops in BY_PREFIX.values()
                        for code, info in ops.items() if info.name in DATA_COUNT_OPS)



def _byte_class(codes) -> str:
    return "[" + "".join(re.escape(bytes((c,)).decode("latin-1")) for c in sorted(codes)) + "]"


def _run_pattern() -> re.Pattern:
    """A run of simple instructions (no nesting, immediates at most LEB128s of their width
    and fixed-size floats): matched at C speed. It never accepts a malformed byte: it stops
    before it, and the per-instruction path reports it."""
    u32 = r"(?:[\x00-\x7f]|[\x80-\xff]{1,3}[\x00-\x7f]|[\x80-\xff]{4}[\x00-\x0f])"
    s32 = r"(?:[\x00-\x7f]|[\x80-\xff]{1,3}[\x00-\x7f]|[\x80-\xff]{4}[\x00-\x07\x78-\x7f])"
    s64 = r"(?:[\x00-\x7f]|[\x80-\xff]{1,8}[\x00-\x7f]|[\x80-\xff]{9}[\x00\x7f])"
    u64 = r"(?:[\x00-\x7f]|[\x80-\xff]{1,8}[\x00-\x7f]|[\x80-\xff]{9}[\x00\x01])"
    kinds = {k: [c for c in range(256) if SCAN_ONE[c] == k] for k in (NONE, U32, S32, S64,
                                                                         F32, F64, MEMARG)}
    memarg = "[\x00-\x3f]" + u64
    alternatives = [_byte_class(kinds[NONE]), _byte_class(kinds[U32]) + u32,
                    _byte_class(kinds[S32]) + s32, _byte_class(kinds[S64]) + s64,
                    _byte_class(kinds[F32]) + ".{4}", _byte_class(kinds[F64]) + ".{8}",
                    _byte_class(kinds[MEMARG]) + memarg]
    # Prefixed opcodes (canonical sub-opcode LEB128) whose immediates have a fixed shape.
    shapes = {"none": "", "memarg": memarg, "lane": ".", "memarg_lane": memarg + ".",
              "v128": ".{16}", "shuffle": ".{16}"}
    for prefix, ops in BY_PREFIX.items():
        by_tail: dict[tuple[int, str], list[int]] = {}     # (high byte or -1, shape) -> low bytes
        for sub, info in ops.items():
            if info.imm in shapes and info.name not in DATA_COUNT_OPS:
                key = (-1 if sub < 0x80 else sub >> 7, shapes[info.imm])
                by_tail.setdefault(key, []).append(sub if sub < 0x80 else (sub & 0x7F) | 0x80)
        for (high, shape), lows in sorted(by_tail.items()):
            lead = re.escape(bytes((prefix,)).decode("latin-1")) + _byte_class(lows)
            if high >= 0:
                lead += re.escape(bytes((high,)).decode("latin-1"))
            alternatives.append(lead + shape)
    return re.compile(("(?:" + "|".join(alternatives) + ")*").encode("latin-1"), re.DOTALL)


_RUN = _run_pattern().match

# Nesting codes on the scan's stack.
_S_BLOCK, _S_IF, _S_ELSE, _S_TRY, _S_CATCH, _S_CATCH_ALL = range(6)
_LEB_BITS = {U32: (32, False), S32: (32, True), S64: (64, True)}


def scan_body(data: bytes, pos: int, end: int, flags: ExprResult) -> int:
    """Check the instructions in data[pos:end] up to the `end` that closes the body; return the
    position after it (the caller checks that it is `end`). Raises what read_expr raises."""
    kinds = SCAN_ONE
    run = _RUN
    stack = bytearray()
    while pos < end:
        pos = run(data, pos, end).end()
        if pos >= end:
            break
        op = data[pos]
        k = kinds[op]
        pos += 1
        if k == NONE:
            continue
        if k <= S64:                                       # one LEB128 immediate
            if pos < end and data[pos] < 0x80:
                pos += 1
            else:
                pos = _leb(data, pos, end, k)
        elif k == END:
            if not stack:
                return pos
            stack.pop()
        elif k == MEMARG:
            if pos + 1 < end and data[pos] < 0x40 and data[pos + 1] < 0x80:
                pos += 2
            else:
                pos = _read(READ_IMM["memarg"], data, pos, end)
        elif k == BLOCK or k == IF or k == TRY:
            if pos < end and (data[pos] == 0x40 or data[pos] in NUM_BY_CODE):
                pos += 1
            else:
                pos = _read(READ_IMM["block"], data, pos, end)
            stack.append(_S_BLOCK if k == BLOCK else _S_IF if k == IF else _S_TRY)
        else:
            pos = _RARE[k](data, pos, end, op, stack, flags)
    raise DecodeError(IN_SECTION, end)


def _read(reader, data: bytes, pos: int, end: int) -> int:
    r = Reader(data, pos, end, IN_SECTION)
    reader(r)
    return r.pos


def _leb(data: bytes, pos: int, end: int, kind: int) -> int:
    bits, signed = _LEB_BITS[kind]
    r = Reader(data, pos, end, IN_SECTION)
    if signed:
        r.sleb(bits)
    else:
        r.uleb(bits)
    return r.pos


def _expect(stack: bytearray, allowed: tuple, at: int) -> None:
    if not stack or stack[-1] not in allowed:
        raise DecodeError("END opcode expected", at)


def _else(data, pos, end, op, stack, flags) -> int:
    _expect(stack, (_S_IF,), pos - 1)
    stack[-1] = _S_ELSE
    return pos


def _catch(data, pos, end, op, stack, flags) -> int:
    after = _leb(data, pos, end, U32)
    _expect(stack, (_S_TRY, _S_CATCH), pos - 1)
    stack[-1] = _S_CATCH
    return after


def _catch_all(data, pos, end, op, stack, flags) -> int:
    _expect(stack, (_S_TRY, _S_CATCH), pos - 1)
    stack[-1] = _S_CATCH_ALL
    return pos


def _delegate(data, pos, end, op, stack, flags) -> int:
    after = _leb(data, pos, end, U32)
    _expect(stack, (_S_TRY,), pos - 1)
    stack.pop()
    return after


def _float(size: int):
    def skip(data, pos, end, op, stack, flags) -> int:
        if pos + size > end:
            raise DecodeError(IN_SECTION, end)
        return pos + size
    return skip


def _reader(data, pos, end, op, stack, flags) -> int:
    pos = _read(_READER_ONE[op], data, pos, end)
    if op == 0x1F:                                         # try_table opens a block
        stack.append(_S_BLOCK)
    return pos


def _prefixed(data, pos, end, op, stack, flags) -> int:
    r = Reader(data, pos, end, IN_SECTION)
    sub = r.u32()
    readers = _READER_PREFIXED[op]
    if sub not in readers:
        raise unsupported_opcode((op, sub), pos - 1) or \
            DecodeError(f"illegal opcode {op:02x} {sub:02x}", pos - 1)
    if (op, sub) in _DATA_COUNT:
        flags.uses_data_count = True
    reader = readers[sub]
    if reader is not None:
        reader(r)
    return r.pos


def _bad(data, pos, end, op, stack, flags) -> int:
    raise unsupported_opcode(op, pos - 1) or DecodeError(f"illegal opcode {op:02x}", pos - 1)


_RARE = {ELSE: _else, CATCH: _catch, CATCH_ALL: _catch_all, DELEGATE: _delegate,
         F32: _float(4), F64: _float(8), READER: _reader, PREFIX: _prefixed, BAD: _bad}
