"""Instruction sequences: bytes <-> flat lists of ast.Instr, driven by opcodes.py.

Decoding is a loop, not a recursion: nesting is tracked on an explicit byte stack, so
arbitrarily deep block nests cost no Python stack.
"""
from __future__ import annotations

from ..ast import Catch, Instr, MemArg
from ..errors import DecodeError, Unsupported
from .limits import exceeds
from .leb128 import Reader, signed, write_sleb, write_uleb
from .opcodes import (BY_CODE, BY_NAME, BY_PREFIX, CATCH_KINDS, SELECT_TYPED, UNIMPLEMENTED_OPS,
                      UNSUPPORTED_PREFIXES)
from .types_codec import block_type_bytes, heap_type_bytes, read_block_type, read_heap_type, \
    read_val_type, val_type_bytes

MASK32 = 0xFFFFFFFF
MASK64 = 0xFFFFFFFFFFFFFFFF

MEMARG_HAS_INDEX = 0x40


# -- immediates: decoding ---------------------------------------------------------

def _memarg(r: Reader) -> MemArg:
    start = r.pos
    flags = r.u32()
    if flags >= 0x80:
        raise DecodeError("malformed memop flags", start)
    memory = r.u32() if flags & MEMARG_HAS_INDEX else 0
    return MemArg(flags & 0x3F, r.u64(), memory)


def _limited_count(r: Reader, limit: str) -> int:
    """A count inside an instruction, within an implementation limit (see decode._count)."""
    start = r.pos
    n = r.u32()
    message = exceeds(limit, n)
    if message is not None and n <= r.end - r.pos:
        raise DecodeError(message, start)
    return n


def _br_table(r: Reader):
    n = _limited_count(r, "br_table targets")
    targets = tuple(r.u32() for _ in range(n))
    return targets, r.u32()


def _try_table(r: Reader):
    bt = read_block_type(r)
    n = _limited_count(r, "catches")
    catches = []
    for _ in range(n):
        start = r.pos
        kind = r.u8()
        if kind > 3:
            raise DecodeError("malformed catch clause", start)
        tag = r.u32() if kind < 2 else None
        catches.append(Catch(CATCH_KINDS[kind], tag, r.u32()))
    return bt, tuple(catches)


def _select_t(r: Reader):
    n = _limited_count(r, "select types")
    return tuple(read_val_type(r) for _ in range(n))


def _pair(r: Reader):
    a = r.u32()
    return a, r.u32()


def _memarg_lane(r: Reader):
    memarg = _memarg(r)
    return memarg, r.u8()


def _v128(r: Reader) -> int:
    return int.from_bytes(r.bytes(16), "little")


def _shuffle(r: Reader) -> tuple:
    return tuple(r.bytes(16))


READ_IMM = {
    "block": read_block_type,
    "try_table": _try_table,
    "label": Reader.u32,
    "br_table": _br_table,
    "func": Reader.u32,
    "call_ind": _pair,
    "type": Reader.u32,
    "local": Reader.u32,
    "global": Reader.u32,
    "table": Reader.u32,
    "mem": Reader.u32,
    "data": Reader.u32,
    "elem": Reader.u32,
    "tag": Reader.u32,
    "memarg": _memarg,
    "i32": lambda r: r.s32() & MASK32,
    "i64": lambda r: r.s64() & MASK64,
    "f32": Reader.f32_bits,
    "f64": Reader.f64_bits,
    "heap": read_heap_type,
    "select_t": _select_t,
    "table2": _pair,
    "mem2": _pair,
    "table_init": _pair,
    "mem_init": _pair,
    "lane": Reader.u8,
    "memarg_lane": _memarg_lane,
    "v128": _v128,
    "shuffle": _shuffle,
}

# One-byte opcodes: (mnemonic, immediate reader or None); prefixed ones by prefix and sub-opcode.
# (Opcodes of unimplemented proposals are not there: meeting one is Unsupported(proposal).)
_DECODE_ONE = {code: (info.name, READ_IMM.get(info.imm)) for code, info in BY_CODE.items()}
_DECODE_PREFIXED = {prefix: {code: (info.name, READ_IMM.get(info.imm)) for code, info in ops.items()}
                    for prefix, ops in BY_PREFIX.items()}

DATA_COUNT_OPS = frozenset(("memory.init", "data.drop"))



def unsupported_opcode(code: int | tuple[int, int], pos: int) -> Unsupported | None:
    """The Unsupported error for an opcode (or (prefix, sub-opcode)) of a proposal Heron knows
    but does not implement, or None."""
    if code in UNIMPLEMENTED_OPS:
        shown = f"0x{code:02x}" if isinstance(code, int) else f"0x{code[0]:02x} {code[1]}"
        return Unsupported(UNIMPLEMENTED_OPS[code], f"opcode {shown} at offset 0x{pos:x}")
    if code in UNSUPPORTED_PREFIXES:
        return Unsupported(UNSUPPORTED_PREFIXES[code], f"opcode prefix 0x{code:02x} at offset 0x{pos:x}")
    return None


class ExprResult:
    """What decoding an expression found besides the instructions."""
    __slots__ = ("uses_data_count",)

    def __init__(self) -> None:
        self.uses_data_count = False


# Structure codes kept on the nesting stack of read_expr.
_IF, _ELSE, _TRY, _CATCH, _CATCH_ALL, _BLOCK = range(6)
_OPEN_CODE = {0x02: _BLOCK, 0x03: _BLOCK, 0x04: _IF, 0x06: _TRY, 0x1F: _BLOCK}


def read_expr(r: Reader, flags: ExprResult | None = None) -> list[Instr]:
    """Instructions up to and including the `end` that closes the expression.

    The nesting is checked with an explicit stack (no recursion): `else` only inside an `if`,
    legacy `catch`/`catch_all`/`delegate` only inside a `try`.
    """
    out: list[Instr] = []
    append = out.append
    data = r.data
    stack = bytearray()
    one = _DECODE_ONE
    while True:
        pos = r.pos
        if pos >= r.end:
            raise r.eof()
        code = data[pos]
        r.pos = pos + 1
        entry = one.get(code)
        if entry is None:
            prefixed = _DECODE_PREFIXED.get(code)
            if prefixed is not None:
                sub = r.u32()
                entry = prefixed.get(sub)
                if entry is None:
                    raise unsupported_opcode((code, sub), pos) or \
                        DecodeError(f"illegal opcode {code:02x} {sub:02x}", pos)
                if flags is not None and entry[0] in DATA_COUNT_OPS:
                    flags.uses_data_count = True
            else:
                raise unsupported_opcode(code, pos) or DecodeError(f"illegal opcode {code:02x}", pos)
        name, reader = entry
        if reader is None:
            append(Instr(name, None, pos))
            if code == 0x0B:                            # end
                if not stack:
                    return out
                stack.pop()
            elif code == 0x05:                          # else
                if not stack or stack[-1] != _IF:
                    raise DecodeError("END opcode expected", pos)
                stack[-1] = _ELSE
            elif code == 0x19:                          # catch_all (legacy)
                if not stack or stack[-1] not in (_TRY, _CATCH):
                    raise DecodeError("END opcode expected", pos)
                stack[-1] = _CATCH_ALL
        else:
            if code == 0x1C:
                name = "select"
            append(Instr(name, reader(r), pos))
            opened = _OPEN_CODE.get(code)
            if opened is not None:
                stack.append(opened)
            elif code == 0x07:                          # catch (legacy)
                if not stack or stack[-1] not in (_TRY, _CATCH):
                    raise DecodeError("END opcode expected", pos)
                stack[-1] = _CATCH
            elif code == 0x18:                          # delegate closes a legacy try
                if not stack or stack[-1] != _TRY:
                    raise DecodeError("END opcode expected", pos)
                stack.pop()


def read_body(data: bytes, start: int, end: int) -> list[Instr]:
    """The instructions of a function body kept as a byte range (heron.ast.Code); the range was
    checked when the module was decoded."""
    return read_expr(Reader(data, start, end, "unexpected end of section or function"))


# -- immediates: encoding ---------------------------------------------------------

def _enc_memarg(m: MemArg) -> bytes:
    if m.memory:
        return write_uleb(m.align | MEMARG_HAS_INDEX) + write_uleb(m.memory) + write_uleb(m.offset)
    return write_uleb(m.align) + write_uleb(m.offset)


def _enc_br_table(imm) -> bytes:
    targets, default = imm
    return write_uleb(len(targets)) + b"".join(write_uleb(t) for t in targets) + write_uleb(default)


def _enc_try_table(imm) -> bytes:
    bt, catches = imm
    out = bytearray(block_type_bytes(bt))
    out += write_uleb(len(catches))
    for c in catches:
        out.append(CATCH_KINDS.index(c.kind))
        if c.tag is not None:
            out += write_uleb(c.tag)
        out += write_uleb(c.label)
    return bytes(out)


def _enc_pair(imm) -> bytes:
    return write_uleb(imm[0]) + write_uleb(imm[1])


def _enc_memarg_lane(imm) -> bytes:
    memarg, lane = imm
    return _enc_memarg(memarg) + bytes((lane,))


def _enc_select_t(types) -> bytes:
    return write_uleb(len(types)) + b"".join(val_type_bytes(t) for t in types)


ENCODE_IMM = {
    "block": block_type_bytes,
    "try_table": _enc_try_table,
    "label": write_uleb, "func": write_uleb, "type": write_uleb, "local": write_uleb,
    "global": write_uleb, "table": write_uleb, "mem": write_uleb, "data": write_uleb,
    "elem": write_uleb, "tag": write_uleb,
    "br_table": _enc_br_table,
    "call_ind": _enc_pair, "table2": _enc_pair, "mem2": _enc_pair,
    "table_init": _enc_pair, "mem_init": _enc_pair,
    "memarg": _enc_memarg,
    "i32": lambda v: write_sleb(signed(v, 32)),
    "i64": lambda v: write_sleb(signed(v, 64)),
    "f32": lambda v: (v & MASK32).to_bytes(4, "little"),
    "f64": lambda v: (v & MASK64).to_bytes(8, "little"),
    "heap": heap_type_bytes,
    "select_t": _enc_select_t,
    "lane": lambda lane: bytes((lane,)),
    "memarg_lane": _enc_memarg_lane,
    "v128": lambda v: (v & ((1 << 128) - 1)).to_bytes(16, "little"),
    "shuffle": bytes,
}


def _opcode_bytes(info) -> bytes:
    if info.prefix is None:
        return bytes((info.code,))
    return bytes((info.prefix,)) + write_uleb(info.code)


_OPCODE_BYTES = {name: _opcode_bytes(info) for name, info in BY_NAME.items()}
_ENCODER = {name: ENCODE_IMM.get(info.imm) for name, info in BY_NAME.items()}


def write_expr(instrs, out: bytearray) -> None:
    """Append the binary form of a flat instruction list to `out`."""
    opcodes = _OPCODE_BYTES
    encoders = _ENCODER
    for ins in instrs:
        op = ins.op
        if op == "select" and ins.imm is not None:
            out.append(SELECT_TYPED.code)
            out += _enc_select_t(ins.imm)
            continue
        try:
            out += opcodes[op]
        except KeyError:
            raise ValueError(f"cannot encode unknown instruction {op!r}") from None
        enc = encoders[op]
        if enc is not None:
            out += enc(ins.imm)
