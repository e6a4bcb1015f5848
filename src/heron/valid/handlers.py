"""The typing rules of the opcodes BodyChecker does not check inline, one handler each.

A handler is `(checker, data, pos) -> pos`: it reads the instruction's immediates from the
bytes at `pos` (well-formed: checked by the decoder or produced by the encoder), applies the
spec's rule to the checker's stacks and records what the compiler wants to know (calls,
throws, handlers: heron.ast.FuncFacts). heron.valid.rules puts them into the dispatch tables.
"""
from __future__ import annotations

from ..binary.instructions import READ_IMM
from ..binary.leb128 import Reader
from ..binary.types_codec import NUM_BY_CODE, read_block_type, read_heap_type
from ..limits import exceeds
from ..types import I32, FuncType, RefType
from .body import BodyChecker, uleb
from .context import EXNREF, EXNREF_NONNULL, FUNCREF, Invalid, min_addr, result_str
from .signatures import LANE_ACCESS, LANE_OPS, MEMORY_ACCESS, V128

_EMPTY: tuple = ()
_SINGLE = {t: (t,) for t in NUM_BY_CODE.values() if t != "v128"}    # v128: feature-checked


def _read(reader, data: bytes, pos: int):
    """Read an immediate with the decoder's own reader: (value, next position)."""
    r = Reader(data, pos, len(data))
    return reader(r), r.pos


# ---- control ------------------------------------------------------------------------------------

def block_type(c: BodyChecker, data: bytes, pos: int) -> tuple[tuple, tuple, int]:
    """(params, results, next position) of the block type at `pos`."""
    b = data[pos]
    if b == 0x40:
        return _EMPTY, _EMPTY, pos + 1
    single = _SINGLE.get(NUM_BY_CODE.get(b))
    if single is not None:
        return _EMPTY, single, pos + 1
    bt, pos = _read(read_block_type, data, pos)
    params, results = _block_signature(c, bt)
    return params, results, pos


def _block_signature(c: BodyChecker, bt) -> tuple[tuple, tuple]:
    if bt is None:
        return _EMPTY, _EMPTY
    if isinstance(bt, int):
        ft = c.ctx.func_type(bt)
        if len(ft.results) > 1 or ft.params:
            c.require_feature("multi-value")
        return ft.params, ft.results
    c.ctx.check_valtype(bt)
    return _EMPTY, (bt,)


def _unreachable(c: BodyChecker, data: bytes, pos: int) -> int:
    c.set_unreachable()
    return pos


def _nop(c: BodyChecker, data: bytes, pos: int) -> int:
    return pos


def _block(kind: str):
    def handler(c: BodyChecker, data: bytes, pos: int) -> int:
        params, results, pos = block_type(c, data, pos)
        if kind == "if":
            c.pop(I32)
        elif kind == "try":
            c.has_handlers = True
        if params:
            c.pop_all(params)
        c.push_ctrl(kind, params, results)
        return pos
    return handler


def _try_table(c: BodyChecker, data: bytes, pos: int) -> int:
    (bt, catches), pos = _read(READ_IMM["try_table"], data, pos)
    params, results = _block_signature(c, bt)
    c.pop_all(params)
    for clause in catches:
        _check_catch(c, clause)
    c.has_handlers = True
    c.landing_pads += len(catches)
    c.push_ctrl("try_table", params, results)
    return pos


def _check_catch(c: BodyChecker, clause) -> None:
    kind = clause.kind
    types = list(c.ctx.tag(clause.tag).params) if kind in ("catch", "catch_ref") else []
    if kind.endswith("_ref"):
        types.append(EXNREF_NONNULL)
    label = c.label(clause.label)
    if not c.ctx.results_sub(types, label):
        raise Invalid(f"type mismatch: {kind} handler provides {result_str(types)} "
                      f"but label requires {result_str(label)}")


def _else(c: BodyChecker, data: bytes, pos: int) -> int:
    frame = c.ctrls[-1]
    if frame.kind != "if":
        raise Invalid("else without matching if")
    c.pop_ctrl()
    c.push_ctrl("else", frame.params, frame.results)
    return pos


def _end(c: BodyChecker, data: bytes, pos: int) -> int:
    frame = c.pop_ctrl()
    if frame.kind == "if" and frame.params != frame.results \
            and not c.ctx.results_sub(frame.params, frame.results):
        # An `if` without `else` has an empty else branch: its inputs must fit its outputs.
        raise Invalid(f"type mismatch: block requires {result_str(frame.results)} "
                      f"but stack has {result_str(frame.params)}")
    c.vals.extend(frame.results)
    return pos


def _legacy_handler(kind: str):
    def handler(c: BodyChecker, data: bytes, pos: int) -> int:
        frame = c.ctrls[-1]
        if kind == "catch":
            tag, pos = uleb(data, pos)
            if frame.kind not in ("try", "catch"):
                raise Invalid(f"{kind} without matching try")
            params = c.ctx.tag(tag).params
        else:
            if frame.kind not in ("try", "catch"):
                raise Invalid(f"{kind} without matching try")
            params = _EMPTY
        c.pop_ctrl()
        c.landing_pads += 1
        c.push_ctrl(kind, params, frame.results)
        return pos
    return handler


def _delegate(c: BodyChecker, data: bytes, pos: int) -> int:
    depth, pos = uleb(data, pos)
    frame = c.ctrls[-1]
    if frame.kind != "try":
        raise Invalid("delegate without matching try")
    c.pop_ctrl()
    c.label(depth)              # counted from outside the try block
    c.vals.extend(frame.results)
    return pos


def _rethrow(c: BodyChecker, data: bytes, pos: int) -> int:
    depth, pos = uleb(data, pos)
    c.throws = True
    c.label(depth)
    if c.ctrls[-1 - depth].kind not in ("catch", "catch_all"):
        raise Invalid("invalid rethrow label")
    c.set_unreachable()
    return pos


def _throw(c: BodyChecker, data: bytes, pos: int) -> int:
    tag, pos = uleb(data, pos)
    c.throws = True
    c.pop_all(c.ctx.tag(tag).params)
    c.set_unreachable()
    return pos


def _throw_ref(c: BodyChecker, data: bytes, pos: int) -> int:
    c.throws = True
    c.pop(EXNREF)
    c.set_unreachable()
    return pos


def _br(c: BodyChecker, data: bytes, pos: int) -> int:
    depth, pos = uleb(data, pos)
    c.pop_all(c.label(depth))
    c.set_unreachable()
    return pos


def _br_if(c: BodyChecker, data: bytes, pos: int) -> int:
    depth, pos = uleb(data, pos)
    ctrls = c.ctrls
    types = ctrls[-1 - depth].label if depth < len(ctrls) else c.label(depth)
    vals = c.vals
    if len(vals) > c.ctrls[-1].height and vals[-1] == I32:
        vals.pop()
    else:
        c.pop(I32)
    if types:
        c.pop_all(types)
        c.vals.extend(types)
    return pos


def _br_table(c: BodyChecker, data: bytes, pos: int) -> int:
    count, pos = uleb(data, pos)
    message = exceeds("br_table targets", count)
    if message is not None:
        raise Invalid(message)
    c.pop(I32)
    targets = []
    for _ in range(count):
        depth, pos = uleb(data, pos)
        targets.append(depth)
    default, pos = uleb(data, pos)
    default_types = c.label(default)
    arity = len(default_types)
    for depth in targets:
        types = c.label(depth)
        if len(types) != arity:
            raise Invalid("type mismatch: br_table targets have different arities")
        if types:
            c.vals.extend(c.pop_all(types))
    c.pop_all(default_types)
    c.set_unreachable()
    return pos


def _br_on_null(c: BodyChecker, data: bytes, pos: int) -> int:
    depth, pos = uleb(data, pos)
    types = c.label(depth)
    rt = c.pop_ref()
    c.pop_all(types)
    c.vals.extend(types)
    c.vals.append(RefType(False, rt.heap))
    return pos


def _br_on_non_null(c: BodyChecker, data: bytes, pos: int) -> int:
    depth, pos = uleb(data, pos)
    types = c.label(depth)
    if not types:
        raise Invalid("type mismatch: br_on_non_null requires a label with a reference result")
    rt = c.pop_ref()
    if not c.ctx.val_sub(RefType(False, rt.heap), types[-1]):
        raise Invalid(f"type mismatch: instruction requires type {RefType(False, rt.heap)} "
                      f"but label has {result_str(types)}")
    rest = types[:-1]
    c.pop_all(rest)
    c.vals.extend(rest)
    return pos


def _return(c: BodyChecker, data: bytes, pos: int) -> int:
    c.pop_all(c.results)
    c.set_unreachable()
    return pos


# ---- calls --------------------------------------------------------------------------------------

def _call(c: BodyChecker, data: bytes, pos: int) -> int:
    x, pos = uleb(data, pos)
    ft = c.ctx.func(x)
    c.callees[x] = None
    if ft.params:
        c.pop_all(ft.params)
    c.vals.extend(ft.results)
    return pos


def _check_tail(c: BodyChecker, ft: FuncType) -> None:
    if not c.ctx.results_sub(ft.results, c.results):
        raise Invalid(f"type mismatch: current function requires result type "
                      f"{result_str(c.results)} but callee returns {result_str(ft.results)}")


def _return_call(c: BodyChecker, data: bytes, pos: int) -> int:
    x, pos = uleb(data, pos)
    ft = c.ctx.func(x)
    c.callees[x] = None
    if x == c.self_idx:
        c.self_tail_call = True
    else:
        c.tail_calls_other = True
    _check_tail(c, ft)
    c.pop_all(ft.params)
    c.set_unreachable()
    return pos


def _indirect_type(c: BodyChecker, data: bytes, pos: int) -> tuple[FuncType, str, int]:
    type_idx, pos = uleb(data, pos)
    table_idx, pos = uleb(data, pos)
    c.indirect_calls = True
    table = c.ctx.table(table_idx)
    ft = c.ctx.func_type(type_idx)
    if not c.ctx.val_sub(table.elem, FUNCREF):
        raise Invalid(f"type mismatch: instruction requires table of function type "
                      f"but table has element type {table.elem}")
    return ft, table.addr, pos


def _call_indirect(c: BodyChecker, data: bytes, pos: int) -> int:
    ft, addr, pos = _indirect_type(c, data, pos)
    c.pop(addr)
    c.pop_all(ft.params)
    c.vals.extend(ft.results)
    return pos


def _return_call_indirect(c: BodyChecker, data: bytes, pos: int) -> int:
    ft, addr, pos = _indirect_type(c, data, pos)
    c.tail_calls_other = True
    _check_tail(c, ft)
    c.pop(addr)
    c.pop_all(ft.params)
    c.set_unreachable()
    return pos


def _call_ref(c: BodyChecker, data: bytes, pos: int) -> int:
    x, pos = uleb(data, pos)
    ft = c.ctx.func_type(x)
    c.indirect_calls = True
    c.pop(RefType(True, x))
    c.pop_all(ft.params)
    c.vals.extend(ft.results)
    return pos


def _return_call_ref(c: BodyChecker, data: bytes, pos: int) -> int:
    x, pos = uleb(data, pos)
    ft = c.ctx.func_type(x)
    c.indirect_calls = True
    c.tail_calls_other = True
    _check_tail(c, ft)
    c.pop(RefType(True, x))
    c.pop_all(ft.params)
    c.set_unreachable()
    return pos


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
    types, pos = _read(READ_IMM["select_t"], data, pos)
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
    heap, pos = _read(read_heap_type, data, pos)
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


HANDLERS = {
    "unreachable": _unreachable, "nop": _nop,
    "block": _block("block"), "loop": _block("loop"), "if": _block("if"),
    "try": _block("try"), "try_table": _try_table,
    "else": _else, "end": _end,
    "catch": _legacy_handler("catch"), "catch_all": _legacy_handler("catch_all"),
    "delegate": _delegate, "rethrow": _rethrow, "throw": _throw, "throw_ref": _throw_ref,
    "br": _br, "br_if": _br_if, "br_table": _br_table,
    "br_on_null": _br_on_null, "br_on_non_null": _br_on_non_null,
    "return": _return, "call": _call, "call_indirect": _call_indirect,
    "return_call": _return_call, "return_call_indirect": _return_call_indirect,
    "call_ref": _call_ref, "return_call_ref": _return_call_ref,
    "drop": _drop, "select": _select, "select_t": _select_t,
    "local.get": _local_get, "local.set": _local_set, "local.tee": _local_tee,
    "global.get": _global_get, "global.set": _global_set,
    "table.get": _table_get, "table.set": _table_set, "table.size": _table_size,
    "table.grow": _table_grow, "table.fill": _table_fill, "table.copy": _table_copy,
    "table.init": _table_init, "elem.drop": _elem_drop,
    "memory.size": _memory_size, "memory.grow": _memory_grow, "memory.fill": _memory_fill,
    "memory.copy": _memory_copy, "memory.init": _memory_init, "data.drop": _data_drop,
    "ref.null": _ref_null, "ref.func": _ref_func, "ref.is_null": _ref_is_null,
    "ref.as_non_null": _ref_as_non_null,
    "v128.const": _v128_const, "i8x16.shuffle": _shuffle,
    **{op: _lane_op(op) for op in LANE_OPS},
    **{op: _lane_access(op) for op in LANE_ACCESS},
}
MEMORY_HANDLERS = {op: _memory_access(op) for op in MEMORY_ACCESS}

HANDLED_OPS = frozenset(HANDLERS) | frozenset(MEMORY_HANDLERS)
