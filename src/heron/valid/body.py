"""Type-checking of one flat instruction sequence: a function body or a constant expression.

This is the spec appendix's validation algorithm, run iteratively over the flat
body: an operand stack whose entries are value types or None (the unknown type
of a polymorphic stack), a stack of control frames with an `unreachable` flag,
and a stack of local indices initialized since each frame began (non-defaultable
locals). No recursion, so nesting depth is bounded only by memory.
"""
from __future__ import annotations

from ..binary.opcodes import BY_NAME
from ..errors import Unsupported
from ..types import I32, FuncType, RefType
from .context import (BOT, EXNREF, EXNREF_NONNULL, FUNCREF, Context, Invalid, min_addr,
                      result_str)
from .signatures import CONST_OPS, EXTENDED_CONST_OPS, FIXED, MEMORY_ACCESS

_EMPTY: tuple = ()
_SIMD_PREFIXES = ("v128.", "i8x16.", "i16x8.", "i32x4.", "i64x2.", "f32x4.", "f64x2.")


class Frame:
    __slots__ = ("kind", "params", "results", "height", "init_height", "unreachable", "start")

    def __init__(self, kind, params, results, height, init_height, start):
        self.kind = kind
        self.params = params
        self.results = results
        self.height = height
        self.init_height = init_height
        self.unreachable = False
        self.start = start

    def label_types(self):
        return self.params if self.kind == "loop" else self.results


class BlockInfo:
    """What the compiler may want to know about one structured instruction."""
    __slots__ = ("kind", "params", "results", "else_index", "end_index", "handlers")

    def __init__(self, kind: str, params: tuple, results: tuple):
        self.kind = kind
        self.params = params
        self.results = results
        self.else_index: int | None = None
        self.end_index: int | None = None
        self.handlers: list[int] = []      # legacy try: indices of catch/catch_all/delegate

    def __repr__(self) -> str:
        return (f"BlockInfo({self.kind}, {result_str(self.params)} -> {result_str(self.results)}, "
                f"else={self.else_index}, end={self.end_index})")


def disallowed_ops(features) -> dict[str, str]:
    """Mnemonics whose proposal is not enabled, with the proposal's name."""
    return {name: info.feature for name, info in BY_NAME.items()
            if info.feature is not None and info.feature not in features}


class BodyChecker:
    """Validates one expression against a context; `check` returns the max operand-stack height."""

    def __init__(self, ctx: Context, params: tuple, locals_: list, results: tuple,
                 disallowed: dict[str, str], const_globals: int | None = None):
        self.ctx = ctx
        self.locals = list(params) + list(locals_)
        # Params and defaultable locals start initialized.
        self.local_init = [True] * len(params) + [not isinstance(t, RefType) or t.nullable
                                                  for t in locals_]
        self.inits: list[int] = []
        self.results = results
        self.vals: list = []
        self.ctrls: list[Frame] = []
        self.disallowed = disallowed
        self.const_globals = const_globals      # not None: a constant expression
        self.blocks: dict[int, BlockInfo] = {}
        self.index = 0
        # Facts for the compiler's frame elision: who is called, what can throw from here.
        self.callees: set[int] = set()
        self.throws = False              # throw / throw_ref / rethrow in this body
        self.indirect_calls = False      # call_indirect / call_ref and their return_ forms

    # ---- the operand stack -------------------------------------------------------------------
    def push(self, t) -> None:
        self.vals.append(t)

    def push_all(self, ts) -> None:
        self.vals.extend(ts)

    def pop(self, expect=None):
        vals = self.vals
        frame = self.ctrls[-1]
        if len(vals) == frame.height:
            if frame.unreachable:
                return None
            raise Invalid(f"type mismatch: instruction requires {result_str([expect])} "
                          f"but stack has []")
        actual = vals.pop()
        if expect is not None and actual is not None and actual != expect \
                and not self.ctx.val_sub(actual, expect):
            raise Invalid(f"type mismatch: instruction requires {result_str([expect])} "
                          f"but stack has {result_str([actual])}")
        return actual

    def pop_all(self, ts) -> list:
        """Pop values matching `ts` (top of stack last); return their actual types."""
        vals = self.vals
        frame = self.ctrls[-1]
        n = len(ts)
        k = min(n, len(vals) - frame.height)       # values really there; the rest are unknown
        top = vals[len(vals) - k:] if k else []
        sub = self.ctx.val_sub
        if (k < n and not frame.unreachable) or \
                not all(sub(a, e) for a, e in zip(top, ts[n - k:])):
            raise Invalid(f"type mismatch: instruction requires {result_str(ts)} "
                          f"but stack has {result_str(top)}")
        if k:
            del vals[len(vals) - k:]
        return [None] * (n - k) + top

    def pop_ref(self) -> RefType:
        t = self.pop()
        if t is None:
            return RefType(False, BOT)
        if not isinstance(t, RefType):
            raise Invalid(f"type mismatch: instruction requires reference type but stack has {t}")
        return t

    # ---- control frames ----------------------------------------------------------------------
    def push_ctrl(self, kind, params, results, start) -> None:
        self.ctrls.append(Frame(kind, params, results, len(self.vals), len(self.inits), start))
        self.vals.extend(params)

    def pop_ctrl(self) -> Frame:
        frame = self.ctrls[-1]
        results = frame.results
        stack = self.vals[frame.height:]
        n = len(results)
        # As the spec interpreter: first the block's results must be on top of the stack...
        top = stack[len(stack) - n:] if len(stack) >= n else stack
        ok = len(top) == n or frame.unreachable
        if ok:
            for k in range(1, len(top) + 1):
                if not self.ctx.val_sub(top[-k], results[-k]):
                    ok = False
                    break
        if not ok:
            raise Invalid(f"type mismatch: instruction requires {result_str(results)} "
                          f"but stack has {result_str(top)}")
        # ... then nothing may be left below them.
        if len(stack) > n:
            raise Invalid(f"type mismatch: block requires {result_str(results)} "
                          f"but stack has {result_str(stack)}")
        del self.vals[frame.height:]
        inits, local_init = self.inits, self.local_init
        while len(inits) > frame.init_height:
            local_init[inits.pop()] = False
        self.ctrls.pop()
        return frame

    def set_unreachable(self) -> None:
        frame = self.ctrls[-1]
        del self.vals[frame.height:]
        frame.unreachable = True

    def label(self, depth):
        if not isinstance(depth, int) or not 0 <= depth < len(self.ctrls):
            raise Invalid(f"unknown label {depth}")
        return self.ctrls[-1 - depth].label_types()

    def block_type(self, bt) -> tuple[tuple, tuple]:
        if bt is None:
            return _EMPTY, _EMPTY
        if isinstance(bt, int):
            ft = self.ctx.func_type(bt)
            if len(ft.results) > 1 or ft.params:
                self.require_feature("multi-value")
            return ft.params, ft.results
        self.ctx.check_valtype(bt)
        return _EMPTY, (bt,)

    def require_feature(self, name: str) -> None:
        if name not in self.ctx.features:
            raise Invalid(f"{name} support is not enabled (feature '{name}')")

    def set_local(self, x: int) -> None:
        if not self.local_init[x]:
            self.local_init[x] = True
            self.inits.append(x)

    def local(self, x):
        if not isinstance(x, int) or not 0 <= x < len(self.locals):
            raise Invalid(f"unknown local {x}")
        return self.locals[x]

    # ---- the driver --------------------------------------------------------------------------
    def check(self, body: list) -> int:
        """Validate `body` (ending with its final `end`). Raises Invalid with self.index set."""
        self.push_ctrl("func", _EMPTY, self.results, -1)
        max_height = 0
        fixed = FIXED
        handlers = _HANDLERS
        disallowed = self.disallowed
        const = self.const_globals is not None
        vals = self.vals
        n = len(body)
        for i in range(n):
            self.index = i
            ins = body[i]
            op = ins.op
            if not self.ctrls:
                raise Invalid("operators remaining after end of function")
            if op in disallowed:
                feature = disallowed[op]
                if feature in ("gc", "simd", "threads"):
                    raise Unsupported(feature, op)
                raise Invalid(f"{op} requires feature '{feature}'")
            if const:
                self.check_const_op(ins)
            sig = fixed.get(op)
            if sig is not None:
                params, results = sig
                if params:
                    # Fast path: exact types on top of the stack.
                    k = len(params)
                    frame = self.ctrls[-1]
                    if len(vals) - frame.height >= k and vals[len(vals) - k:] == list(params):
                        del vals[len(vals) - k:]
                    else:
                        self.pop_all(params)
                vals.extend(results)
            else:
                handler = handlers.get(op)
                if handler is None:
                    if op.startswith(_SIMD_PREFIXES):
                        raise Unsupported("simd", op)
                    raise Invalid(f"unknown instruction {op}")
                try:
                    handler(self, ins.imm, i)
                except (TypeError, ValueError, AttributeError, IndexError, KeyError) as e:
                    # A module model built by hand (or by a buggy producer) with a wrongly
                    # shaped immediate: report it as invalid rather than crash.
                    raise Invalid(f"malformed immediate {ins.imm!r} of {op}: {e}") from None
            if len(vals) > max_height:
                max_height = len(vals)
        if self.ctrls:
            raise Invalid("unexpected end of expression: missing 'end'")
        return max_height

    def check_const_op(self, ins) -> None:
        op = ins.op
        if op in CONST_OPS:
            if op == "global.get":
                g = self.ctx.global_(ins.imm, self.const_globals)
                if g.mutable:
                    raise Invalid("constant expression required")
            return
        if op in EXTENDED_CONST_OPS and "extended-const" in self.ctx.features:
            return
        raise Invalid("constant expression required")


# ---- instruction handlers: (checker, immediate, body index) ----------------------------------

def _unreachable(c: BodyChecker, imm, i):
    c.set_unreachable()


def _nop(c, imm, i):
    pass


def _block(kind):
    def handler(c: BodyChecker, imm, i):
        catches = ()
        if kind == "try_table":
            bt, catches = imm
        else:
            bt = imm
        params, results = c.block_type(bt)
        if kind == "if":
            c.pop(I32)
        c.pop_all(params)
        for clause in catches:
            _check_catch(c, clause)
        c.blocks[i] = BlockInfo(kind, params, results)
        c.push_ctrl(kind, params, results, i)
    return handler


def _check_catch(c: BodyChecker, clause) -> None:
    kind = clause.kind
    if kind in ("catch", "catch_ref"):
        types = list(c.ctx.tag(clause.tag).params)
    elif kind in ("catch_all", "catch_all_ref"):
        types = []
    else:
        raise Invalid(f"unknown catch kind {kind!r}")
    if kind.endswith("_ref"):
        types.append(EXNREF_NONNULL)
    label = c.label(clause.label)
    if not c.ctx.results_sub(types, label):
        raise Invalid(f"type mismatch: {kind} handler provides {result_str(types)} "
                      f"but label requires {result_str(label)}")


def _else(c: BodyChecker, imm, i):
    frame = c.ctrls[-1]
    if frame.kind != "if":
        raise Invalid("else without matching if")
    c.pop_ctrl()
    c.blocks[frame.start].else_index = i
    c.push_ctrl("else", frame.params, frame.results, frame.start)


def _end(c: BodyChecker, imm, i):
    frame = c.ctrls[-1]
    c.pop_ctrl()
    if frame.kind == "if":
        # An `if` without `else` has an empty else branch: its inputs must fit its outputs.
        if not c.ctx.results_sub(frame.params, frame.results):
            raise Invalid(f"type mismatch: block requires {result_str(frame.results)} "
                          f"but stack has {result_str(frame.params)}")
    if frame.start >= 0:
        c.blocks[frame.start].end_index = i
    c.push_all(frame.results)


def _try_handler(kind):
    def handler(c: BodyChecker, imm, i):
        frame = c.ctrls[-1]
        if frame.kind not in ("try", "catch"):
            raise Invalid(f"{kind} without matching try")
        if kind == "catch":
            params = c.ctx.tag(imm).params
        else:
            params = _EMPTY
        c.pop_ctrl()
        c.blocks[frame.start].handlers.append(i)
        c.push_ctrl(kind, params, frame.results, frame.start)
    return handler


def _delegate(c: BodyChecker, imm, i):
    frame = c.ctrls[-1]
    if frame.kind != "try":
        raise Invalid("delegate without matching try")
    c.pop_ctrl()
    c.label(imm)              # counted from outside the try block
    info = c.blocks[frame.start]
    info.handlers.append(i)
    info.end_index = i
    c.push_all(frame.results)


def _rethrow(c: BodyChecker, imm, i):
    c.throws = True
    c.label(imm)
    if c.ctrls[-1 - imm].kind not in ("catch", "catch_all"):
        raise Invalid("invalid rethrow label")
    c.set_unreachable()


def _throw(c: BodyChecker, imm, i):
    c.throws = True
    c.pop_all(c.ctx.tag(imm).params)
    c.set_unreachable()


def _throw_ref(c: BodyChecker, imm, i):
    c.throws = True
    c.pop(EXNREF)
    c.set_unreachable()


def _br(c: BodyChecker, imm, i):
    c.pop_all(c.label(imm))
    c.set_unreachable()


def _br_if(c: BodyChecker, imm, i):
    types = c.label(imm)
    c.pop(I32)
    c.pop_all(types)
    c.push_all(types)


def _br_table(c: BodyChecker, imm, i):
    targets, default = imm
    c.pop(I32)
    arity = len(c.label(default))
    for t in targets:
        types = c.label(t)
        if len(types) != arity:
            raise Invalid("type mismatch: br_table targets have different arities")
        c.push_all(c.pop_all(types))
    c.pop_all(c.label(default))
    c.set_unreachable()


def _br_on_null(c: BodyChecker, imm, i):
    types = c.label(imm)
    rt = c.pop_ref()
    c.pop_all(types)
    c.push_all(types)
    c.push(RefType(False, rt.heap))


def _br_on_non_null(c: BodyChecker, imm, i):
    types = c.label(imm)
    if not types:
        raise Invalid("type mismatch: br_on_non_null requires a label with a reference result")
    rt = c.pop_ref()
    if not c.ctx.val_sub(RefType(False, rt.heap), types[-1]):
        raise Invalid(f"type mismatch: instruction requires type {RefType(False, rt.heap)} "
                      f"but label has {result_str(types)}")
    rest = types[:-1]
    c.pop_all(rest)
    c.push_all(rest)


def _return(c: BodyChecker, imm, i):
    c.pop_all(c.results)
    c.set_unreachable()


def _call(c: BodyChecker, imm, i):
    ft = c.ctx.func(imm)
    c.callees.add(imm)
    c.pop_all(ft.params)
    c.push_all(ft.results)


def _check_tail(c: BodyChecker, ft: FuncType) -> None:
    if not c.ctx.results_sub(ft.results, c.results):
        raise Invalid(f"type mismatch: current function requires result type "
                      f"{result_str(c.results)} but callee returns {result_str(ft.results)}")


def _return_call(c: BodyChecker, imm, i):
    ft = c.ctx.func(imm)
    c.callees.add(imm)
    _check_tail(c, ft)
    c.pop_all(ft.params)
    c.set_unreachable()


def _indirect_type(c: BodyChecker, imm) -> tuple[FuncType, str]:
    type_idx, table_idx = imm
    c.indirect_calls = True
    table = c.ctx.table(table_idx)
    ft = c.ctx.func_type(type_idx)
    if not c.ctx.val_sub(table.elem, FUNCREF):
        raise Invalid(f"type mismatch: instruction requires table of function type "
                      f"but table has element type {table.elem}")
    return ft, table.addr


def _call_indirect(c: BodyChecker, imm, i):
    ft, addr = _indirect_type(c, imm)
    c.pop(addr)
    c.pop_all(ft.params)
    c.push_all(ft.results)


def _return_call_indirect(c: BodyChecker, imm, i):
    ft, addr = _indirect_type(c, imm)
    _check_tail(c, ft)
    c.pop(addr)
    c.pop_all(ft.params)
    c.set_unreachable()


def _call_ref(c: BodyChecker, imm, i):
    ft = c.ctx.func_type(imm)
    c.indirect_calls = True
    c.pop(RefType(True, imm))
    c.pop_all(ft.params)
    c.push_all(ft.results)


def _return_call_ref(c: BodyChecker, imm, i):
    ft = c.ctx.func_type(imm)
    c.indirect_calls = True
    _check_tail(c, ft)
    c.pop(RefType(True, imm))
    c.pop_all(ft.params)
    c.set_unreachable()


def _drop(c: BodyChecker, imm, i):
    c.pop()


def _select(c: BodyChecker, imm, i):
    if imm is not None:
        if len(imm) != 1:
            raise Invalid("invalid result arity other than 1 is not (yet) allowed")
        t = imm[0]
        c.ctx.check_valtype(t)
        c.pop(I32)
        c.pop(t)
        c.pop(t)
        c.push(t)
        return
    c.pop(I32)
    t1 = c.pop()
    t2 = c.pop()
    for t in (t1, t2):
        if isinstance(t, RefType):
            raise Invalid(f"type mismatch: instruction requires numeric or vector type "
                          f"but stack has {t}")
    if t1 is not None and t2 is not None and t1 != t2:
        raise Invalid(f"type mismatch: select operands have different types {t2} and {t1}")
    c.push(t2 if t1 is None else t1)


def _local_get(c: BodyChecker, imm, i):
    t = c.local(imm)
    if not c.local_init[imm]:
        raise Invalid(f"uninitialized local {imm}")
    c.push(t)


def _local_set(c: BodyChecker, imm, i):
    c.pop(c.local(imm))
    c.set_local(imm)


def _local_tee(c: BodyChecker, imm, i):
    t = c.local(imm)
    c.pop(t)
    c.set_local(imm)
    c.push(t)


def _global_get(c: BodyChecker, imm, i):
    c.push(c.ctx.global_(imm, c.const_globals).valtype)


def _global_set(c: BodyChecker, imm, i):
    g = c.ctx.global_(imm)
    if not g.mutable:
        raise Invalid(f"immutable global {imm}: global is immutable")
    c.pop(g.valtype)


def _table_get(c: BodyChecker, imm, i):
    t = c.ctx.table(imm)
    c.pop(t.addr)
    c.push(t.elem)


def _table_set(c: BodyChecker, imm, i):
    t = c.ctx.table(imm)
    c.pop(t.elem)
    c.pop(t.addr)


def _table_size(c: BodyChecker, imm, i):
    c.push(c.ctx.table(imm).addr)


def _table_grow(c: BodyChecker, imm, i):
    t = c.ctx.table(imm)
    c.pop(t.addr)
    c.pop(t.elem)
    c.push(t.addr)


def _table_fill(c: BodyChecker, imm, i):
    t = c.ctx.table(imm)
    c.pop(t.addr)
    c.pop(t.elem)
    c.pop(t.addr)


def _table_copy(c: BodyChecker, imm, i):
    dst_idx, src_idx = imm
    dst = c.ctx.table(dst_idx)
    src = c.ctx.table(src_idx)
    if not c.ctx.val_sub(src.elem, dst.elem):
        raise Invalid(f"type mismatch: source element type {src.elem} does not match "
                      f"destination element type {dst.elem}")
    c.pop(min_addr(dst.addr, src.addr))
    c.pop(src.addr)
    c.pop(dst.addr)


def _table_init(c: BodyChecker, imm, i):
    elem_idx, table_idx = imm
    t = c.ctx.table(table_idx)
    et = c.ctx.elem(elem_idx)
    if not c.ctx.val_sub(et, t.elem):
        raise Invalid(f"type mismatch: element segment's type {et} does not match "
                      f"table's element type {t.elem}")
    c.pop(I32)
    c.pop(I32)
    c.pop(t.addr)


def _elem_drop(c: BodyChecker, imm, i):
    c.ctx.elem(imm)


def _memory_access(op):
    valtype, natural, is_store = MEMORY_ACCESS[op]

    def handler(c: BodyChecker, memarg, i):
        mem = c.ctx.mem(memarg.memory)
        if memarg.align < 0 or (1 << memarg.align) > natural:
            raise Invalid("alignment must not be larger than natural")
        if mem.addr == I32 and memarg.offset >= 1 << 32:
            raise Invalid("offset out of range")
        if is_store:
            c.pop(valtype)
            c.pop(mem.addr)
        else:
            c.pop(mem.addr)
            c.push(valtype)
    return handler


def _memory_size(c: BodyChecker, imm, i):
    c.push(c.ctx.mem(imm).addr)


def _memory_grow(c: BodyChecker, imm, i):
    addr = c.ctx.mem(imm).addr
    c.pop(addr)
    c.push(addr)


def _memory_fill(c: BodyChecker, imm, i):
    addr = c.ctx.mem(imm).addr
    c.pop(addr)
    c.pop(I32)
    c.pop(addr)


def _memory_copy(c: BodyChecker, imm, i):
    dst_idx, src_idx = imm
    dst = c.ctx.mem(dst_idx).addr
    src = c.ctx.mem(src_idx).addr
    c.pop(min_addr(dst, src))
    c.pop(src)
    c.pop(dst)


def _memory_init(c: BodyChecker, imm, i):
    data_idx, mem_idx = imm
    addr = c.ctx.mem(mem_idx).addr
    c.ctx.data(data_idx)
    c.pop(I32)
    c.pop(I32)
    c.pop(addr)


def _data_drop(c: BodyChecker, imm, i):
    c.ctx.data(imm)


def _ref_null(c: BodyChecker, imm, i):
    c.ctx.check_heap(imm)
    c.push(RefType(True, imm))


def _ref_func(c: BodyChecker, imm, i):
    c.ctx.func(imm)
    if imm not in c.ctx.refs:
        raise Invalid(f"undeclared function reference {imm}")
    c.push(RefType(False, c.ctx.funcs[imm]))


def _ref_is_null(c: BodyChecker, imm, i):
    c.pop_ref()
    c.push(I32)


def _ref_as_non_null(c: BodyChecker, imm, i):
    rt = c.pop_ref()
    c.push(RefType(False, rt.heap))


_HANDLERS = {
    "unreachable": _unreachable, "nop": _nop,
    "block": _block("block"), "loop": _block("loop"), "if": _block("if"),
    "try": _block("try"), "try_table": _block("try_table"),
    "else": _else, "end": _end,
    "catch": _try_handler("catch"), "catch_all": _try_handler("catch_all"),
    "delegate": _delegate, "rethrow": _rethrow, "throw": _throw, "throw_ref": _throw_ref,
    "br": _br, "br_if": _br_if, "br_table": _br_table,
    "br_on_null": _br_on_null, "br_on_non_null": _br_on_non_null,
    "return": _return, "call": _call, "call_indirect": _call_indirect,
    "return_call": _return_call, "return_call_indirect": _return_call_indirect,
    "call_ref": _call_ref, "return_call_ref": _return_call_ref,
    "drop": _drop, "select": _select,
    "local.get": _local_get, "local.set": _local_set, "local.tee": _local_tee,
    "global.get": _global_get, "global.set": _global_set,
    "table.get": _table_get, "table.set": _table_set, "table.size": _table_size,
    "table.grow": _table_grow, "table.fill": _table_fill, "table.copy": _table_copy,
    "table.init": _table_init, "elem.drop": _elem_drop,
    "memory.size": _memory_size, "memory.grow": _memory_grow, "memory.fill": _memory_fill,
    "memory.copy": _memory_copy, "memory.init": _memory_init, "data.drop": _data_drop,
    "ref.null": _ref_null, "ref.func": _ref_func, "ref.is_null": _ref_is_null,
    "ref.as_non_null": _ref_as_non_null,
}
for _op in MEMORY_ACCESS:
    _HANDLERS[_op] = _memory_access(_op)

HANDLED_OPS = frozenset(_HANDLERS) | frozenset(FIXED)
