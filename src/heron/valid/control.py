"""Typing rules of the control instructions, one handler each: blocks and their types,
branches, calls (direct, indirect, by reference, tail) and exceptions (try_table, throw, and
the legacy try/catch/delegate/rethrow).

A handler is `(checker, data, pos) -> pos`: it reads the instruction's immediates from the
bytes at `pos` (well-formed: checked by the decoder or produced by the encoder), applies the
spec's rule to the checker's stacks and records what the compiler wants to know (calls,
throws, handlers: heron.ast.FuncFacts). heron.valid.rules puts them into the dispatch tables.
"""
from __future__ import annotations

from ..binary.instructions import READ_IMM
from ..binary.types_codec import NUM_BY_CODE, read_block_type
from ..binary.limits import exceeds
from ..types import I32, FuncType, RefType
from .body import BodyChecker, read_with, uleb
from .context import EXNREF, EXNREF_NONNULL, FUNCREF, Invalid, result_str

_EMPTY: tuple = ()
_SINGLE = {t: (t,) for t in NUM_BY_CODE.values() if t != "v128"}    # v128: feature-checked


# ---- control ------------------------------------------------------------------------------------

def block_type(c: BodyChecker, data: bytes, pos: int) -> tuple[tuple, tuple, int]:
    """(params, results, next position) of the block type at `pos`."""
    b = data[pos]
    if b == 0x40:
        return _EMPTY, _EMPTY, pos + 1
    single = _SINGLE.get(NUM_BY_CODE.get(b))
    if single is not None:
        return _EMPTY, single, pos + 1
    bt, pos = read_with(read_block_type, data, pos)
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
    (bt, catches), pos = read_with(READ_IMM["try_table"], data, pos)
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


CONTROL_HANDLERS = {
    "unreachable": _unreachable, "nop": _nop, "block": _block("block"), "loop": _block("loop"),
    "if": _block("if"), "try": _block("try"), "try_table": _try_table, "else": _else, "end": _end,
    "catch": _legacy_handler("catch"), "catch_all": _legacy_handler("catch_all"),
    "delegate": _delegate, "rethrow": _rethrow, "throw": _throw, "throw_ref": _throw_ref,
    "br": _br, "br_if": _br_if, "br_table": _br_table, "br_on_null": _br_on_null,
    "br_on_non_null": _br_on_non_null, "return": _return, "call": _call,
    "call_indirect": _call_indirect, "return_call": _return_call,
    "return_call_indirect": _return_call_indirect, "call_ref": _call_ref,
    "return_call_ref": _return_call_ref,
}
