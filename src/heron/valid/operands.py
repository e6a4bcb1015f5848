"""Typing rules of the instructions that move values: parametric (drop, select), locals and
globals, tables, memories (with the natural-alignment rule), vectors (v128 constants, shuffles,
lanes) and references. Handlers as in heron.valid.control."""
from __future__ import annotations

from ..binary.instructions import READ_IMM
from ..binary.types_codec import read_heap_type
from ..types import I32, RefType
from .body import BodyChecker, read_with, uleb
from .context import Invalid, min_addr
from .signatures import LANE_ACCESS, LANE_OPS, MEMORY_ACCESS, V128


# ---- parametric and variables -------------------------------------------------------------------

def _drop(c: BodyChecker, data: bytes, pos: int) -> int:
    c.pop()
    return pos


def _select(c: BodyChecker, data: bytes, pos: int) -> int:
    c.pop(I32)
    t1 = c.pop()
    t2 = c.pop()
    for t in (t1, t2):
        if isinstance(t, RefType):
            raise Invalid(f"type mismatch: instruction requires numeric or vector type "
                          f"but stack has {t}")
    if t1 is not None and t2 is not None and t1 != t2:
        raise Invalid(f"type mismatch: select operands have different types {t2} and {t1}")
    c.vals.append(t2 if t1 is None else t1)
    return pos


def _select_t(c: BodyChecker, data: bytes, pos: int) -> int:
    types, pos = read_with(READ_IMM["select_t"], data, pos)
    if len(types) != 1:
        raise Invalid("invalid result arity other than 1 is not (yet) allowed")
    t = types[0]
    c.ctx.check_valtype(t)
    c.pop(I32)
    c.pop(t)
    c.pop(t)
    c.vals.append(t)
    return pos


def _local_get(c: BodyChecker, data: bytes, pos: int) -> int:
    x, pos = uleb(data, pos)
    t = c.local(x)
    if c.local_init is not None and not c.local_init[x]:
        raise Invalid(f"uninitialized local {x}")
    c.vals.append(t)
    return pos


def _local_set(c: BodyChecker, data: bytes, pos: int) -> int:
    x, pos = uleb(data, pos)
    c.pop(c.local(x))
    c.set_local(x)
    return pos


def _local_tee(c: BodyChecker, data: bytes, pos: int) -> int:
    x, pos = uleb(data, pos)
    t = c.local(x)
    c.pop(t)
    c.set_local(x)
    c.vals.append(t)
    return pos


def _global_get(c: BodyChecker, data: bytes, pos: int) -> int:
    x, pos = uleb(data, pos)
    c.vals.append(c.ctx.global_(x).valtype)
    return pos


def _global_set(c: BodyChecker, data: bytes, pos: int) -> int:
    x, pos = uleb(data, pos)
    g = c.ctx.global_(x)
    if not g.mutable:
        raise Invalid(f"immutable global {x}: global is immutable")
    vals = c.vals
    if len(vals) > c.ctrls[-1].height and vals[-1] == g.valtype:
        vals.pop()
    else:
        c.pop(g.valtype)
    return pos


# ---- tables -------------------------------------------------------------------------------------

def _table_get(c: BodyChecker, data: bytes, pos: int) -> int:
    x, pos = uleb(data, pos)
    t = c.ctx.table(x)
    c.pop(t.addr)
    c.vals.append(t.elem)
    return pos


def _table_set(c: BodyChecker, data: bytes, pos: int) -> int:
    x, pos = uleb(data, pos)
    t = c.ctx.table(x)
    c.pop(t.elem)
    c.pop(t.addr)
    return pos


def _table_size(c: BodyChecker, data: bytes, pos: int) -> int:
    x, pos = uleb(data, pos)
    c.vals.append(c.ctx.table(x).addr)
    return pos


def _table_grow(c: BodyChecker, data: bytes, pos: int) -> int:
    x, pos = uleb(data, pos)
    t = c.ctx.table(x)
    c.pop(t.addr)
    c.pop(t.elem)
    c.vals.append(t.addr)
    return pos


def _table_fill(c: BodyChecker, data: bytes, pos: int) -> int:
    x, pos = uleb(data, pos)
    t = c.ctx.table(x)
    c.pop(t.addr)
    c.pop(t.elem)
    c.pop(t.addr)
    return pos


def _table_copy(c: BodyChecker, data: bytes, pos: int) -> int:
    dst_idx, pos = uleb(data, pos)
    src_idx, pos = uleb(data, pos)
    dst = c.ctx.table(dst_idx)
    src = c.ctx.table(src_idx)
    if not c.ctx.val_sub(src.elem, dst.elem):
        raise Invalid(f"type mismatch: source element type {src.elem} does not match "
                      f"destination element type {dst.elem}")
    c.pop(min_addr(dst.addr, src.addr))
    c.pop(src.addr)
    c.pop(dst.addr)
    return pos


def _table_init(c: BodyChecker, data: bytes, pos: int) -> int:
    elem_idx, pos = uleb(data, pos)
    table_idx, pos = uleb(data, pos)
    t = c.ctx.table(table_idx)
    et = c.ctx.elem(elem_idx)
    if not c.ctx.val_sub(et, t.elem):
        raise Invalid(f"type mismatch: element segment's type {et} does not match "
                      f"table's element type {t.elem}")
    c.pop(I32)
    c.pop(I32)
    c.pop(t.addr)
    return pos


def _elem_drop(c: BodyChecker, data: bytes, pos: int) -> int:
    x, pos = uleb(data, pos)
    c.ctx.elem(x)
    return pos


# ---- memories -----------------------------------------------------------------------------------

def read_memarg(data: bytes, pos: int) -> tuple[int, int, int, int]:
    """(align log2, memory index, offset, next position) of a memarg."""
    flags, pos = uleb(data, pos)
    memory = 0
    if flags & 0x40:
        memory, pos = uleb(data, pos)
    offset, pos = uleb(data, pos)
    return flags & 0x3F, memory, offset, pos


def _memory_access(op: str):
    valtype, natural, is_store = MEMORY_ACCESS[op]

    def handler(c: BodyChecker, data: bytes, pos: int) -> int:
        flags = data[pos]
        if flags < 0x40 and data[pos + 1] < 0x80:       # memory 0, one-byte offset
            align, memory, offset, pos = flags, 0, data[pos + 1], pos + 2
        elif flags < 0x40 and data[pos + 2] < 0x80:     # memory 0, two-byte offset
            align, memory, offset = flags, 0, (data[pos + 1] & 0x7F) | (data[pos + 2] << 7)
            pos += 3
        else:
            align, memory, offset, pos = read_memarg(data, pos)
        mems = c.ctx.mems
        if memory >= len(mems):
            raise Invalid(f"unknown memory {memory}")
        addr = mems[memory].addr
        if (1 << align) > natural:
            raise Invalid("alignment must not be larger than natural")
        if offset >= 1 << 32 and addr == I32:
            raise Invalid("offset out of range")
        vals = c.vals
        height = c.ctrls[-1].height
        if is_store:
            if len(vals) - height >= 2 and vals[-1] == valtype and vals[-2] == addr:
                del vals[-2:]
            else:
                c.pop(valtype)
                c.pop(addr)
        elif len(vals) > height and vals[-1] == addr:
            vals[-1] = valtype
        else:
            c.pop(addr)
            vals.append(valtype)
        return pos
    return handler


def _memory_size(c: BodyChecker, data: bytes, pos: int) -> int:
    x, pos = uleb(data, pos)
    c.vals.append(c.ctx.mem(x).addr)
    return pos


def _memory_grow(c: BodyChecker, data: bytes, pos: int) -> int:
    x, pos = uleb(data, pos)
    addr = c.ctx.mem(x).addr
    c.pop(addr)
    c.vals.append(addr)
    return pos


def _memory_fill(c: BodyChecker, data: bytes, pos: int) -> int:
    x, pos = uleb(data, pos)
    addr = c.ctx.mem(x).addr
    c.pop(addr)
    c.pop(I32)
    c.pop(addr)
    return pos


def _memory_copy(c: BodyChecker, data: bytes, pos: int) -> int:
    dst_idx, pos = uleb(data, pos)
    src_idx, pos = uleb(data, pos)
    dst = c.ctx.mem(dst_idx).addr
    src = c.ctx.mem(src_idx).addr
    c.pop(min_addr(dst, src))
    c.pop(src)
    c.pop(dst)
    return pos


def _memory_init(c: BodyChecker, data: bytes, pos: int) -> int:
    data_idx, pos = uleb(data, pos)
    mem_idx, pos = uleb(data, pos)
    addr = c.ctx.mem(mem_idx).addr
    c.ctx.data(data_idx)
    c.pop(I32)
    c.pop(I32)
    c.pop(addr)
    return pos


def _data_drop(c: BodyChecker, data: bytes, pos: int) -> int:
    x, pos = uleb(data, pos)
    c.ctx.data(x)
    return pos


# ---- vectors ------------------------------------------------------------------------------------

def _v128_const(c: BodyChecker, data: bytes, pos: int) -> int:
    c.vals.append(V128)
    return pos + 16


def _shuffle(c: BodyChecker, data: bytes, pos: int) -> int:
    if max(data[pos:pos + 16]) >= 32:
        raise Invalid("invalid lane index")
    c.pop_all((V128, V128))
    c.vals.append(V128)
    return pos + 16


def _lane_op(op: str):
    lanes, params, results = LANE_OPS[op]

    def handler(c: BodyChecker, data: bytes, pos: int) -> int:
        if data[pos] >= lanes:
            raise Invalid("invalid lane index")
        c.pop_all(params)
        c.vals.extend(results)
        return pos + 1
    return handler


def _lane_access(op: str):
    natural, lanes, is_store = LANE_ACCESS[op]

    def handler(c: BodyChecker, data: bytes, pos: int) -> int:
        align, memory, offset, pos = read_memarg(data, pos)
        addr = c.ctx.mem(memory).addr
        if (1 << align) > natural:
            raise Invalid("alignment must not be larger than natural")
        if offset >= 1 << 32 and addr == I32:
            raise Invalid("offset out of range")
        if data[pos] >= lanes:
            raise Invalid("invalid lane index")
        c.pop(V128)
        c.pop(addr)
        if not is_store:
            c.vals.append(V128)
        return pos + 1
    return handler


# ---- references ---------------------------------------------------------------------------------

def _ref_null(c: BodyChecker, data: bytes, pos: int) -> int:
    heap, pos = read_with(read_heap_type, data, pos)
    c.ctx.check_heap(heap)
    c.vals.append(RefType(True, heap))
    return pos


def _ref_func(c: BodyChecker, data: bytes, pos: int) -> int:
    x, pos = uleb(data, pos)
    c.ctx.func(x)
    if x not in c.ctx.refs:
        raise Invalid(f"undeclared function reference {x}")
    c.vals.append(RefType(False, c.ctx.funcs[x]))
    return pos


def _ref_is_null(c: BodyChecker, data: bytes, pos: int) -> int:
    c.pop_ref()
    c.vals.append(I32)
    return pos


def _ref_as_non_null(c: BodyChecker, data: bytes, pos: int) -> int:
    rt = c.pop_ref()
    c.vals.append(RefType(False, rt.heap))
    return pos


OPERAND_HANDLERS = {
    "drop": _drop, "select": _select, "select_t": _select_t, "local.get": _local_get,
    "local.set": _local_set, "local.tee": _local_tee, "global.get": _global_get,
    "global.set": _global_set, "table.get": _table_get, "table.set": _table_set,
    "table.size": _table_size, "table.grow": _table_grow, "table.fill": _table_fill,
    "table.copy": _table_copy, "table.init": _table_init, "elem.drop": _elem_drop,
    "memory.size": _memory_size, "memory.grow": _memory_grow, "memory.fill": _memory_fill,
    "memory.copy": _memory_copy, "memory.init": _memory_init, "data.drop": _data_drop,
    "ref.null": _ref_null, "ref.func": _ref_func, "ref.is_null": _ref_is_null,
    "ref.as_non_null": _ref_as_non_null, "v128.const": _v128_const, "i8x16.shuffle": _shuffle,
    **{op: _lane_op(op) for op in LANE_OPS},
    **{op: _lane_access(op) for op in LANE_ACCESS},
}
MEMORY_HANDLERS = {op: _memory_access(op) for op in MEMORY_ACCESS}
