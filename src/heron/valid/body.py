"""Type-checking one function body (or constant expression) straight from its bytes.

This is the spec appendix's validation algorithm, run in one pass over the binary form: an
operand stack of value types (None: the unknown type of a polymorphic stack), a stack of
control frames with an `unreachable` flag, and the locals initialized since each frame began
(non-defaultable locals). The instructions are never turned into objects: each opcode's
typing rule comes from a table (heron.valid.rules), the commonest shapes (fixed numeric
signatures, constants, local variables) checked inline in `BodyChecker.run`, every other
opcode by its handler. No recursion, so nesting depth is bounded only by memory.

The bytes of a decoded module were checked to be well-formed by the decoder
(heron.binary.scan), so immediates are read here without checks. A body given as a list of
Instr (text format, hand-built modules) is first encoded (`encode_body`); structural faults
such as a missing `end` are then reported by this checker as validation errors.

While it checks, the checker gathers the facts the compiler needs (heron.ast.FuncFacts).
"""
from __future__ import annotations

from ..ast import FuncFacts
from ..binary.instructions import write_expr
from ..binary.leb128 import Reader
from ..binary.types_codec import NUM_BY_CODE
from ..errors import DecodeError
from ..types import RefType
from .context import BOT, Context, Invalid, result_str

_EMPTY: tuple = ()
SENTINEL = b"\xff"      # after an encoded list body: reading it means the final `end` is missing

# Kinds of the dispatch table (heron.valid.rules.Tables.kinds): what `run` does inline.
K_HANDLER, K_UNARY, K_BINARY, K_CONST, K_SKIP4, K_SKIP8, K_LOCAL_GET, K_LOCAL_SET, \
    K_LOCAL_TEE, K_GLOBAL_GET, K_DROP, K_BLOCK, K_END = range(13)
# The block types `block`/`loop` take inline: empty, or one number type (by their byte; not
# v128, which needs the simd feature: the handler checks it).
_SIMPLE_BLOCK_TYPES = {0x40: _EMPTY, **{b: (t,) for b, t in NUM_BY_CODE.items() if t != "v128"}}


class Frame:
    __slots__ = ("kind", "params", "results", "label", "height", "init_height", "unreachable")

    def __init__(self, kind: str, params: tuple, results: tuple, height: int, init_height: int):
        self.kind = kind
        self.params = params
        self.results = results
        self.label = params if kind == "loop" else results   # what a branch to it carries
        self.height = height
        self.init_height = init_height
        self.unreachable = False


class BodyChecker:
    """Validates one expression against a context; `run` returns the expression's facts."""

    def __init__(self, ctx: Context, tables, params: tuple, locals_: list, results: tuple,
                 self_idx: int = -1, const_globals: int | None = None,
                 track_inits: bool | None = None):
        """`track_inits`: whether some local is non-defaultable (None: find out)."""
        self.ctx = ctx
        self.tables = tables
        self.locals = [*params, *locals_]
        self.results = results
        self.self_idx = self_idx
        self.const_globals = const_globals      # not None: a constant expression
        self.vals: list = []
        self.ctrls: list[Frame] = []
        # Non-defaultable locals: which are initialized (params and defaultable ones always).
        self.local_init: list[bool] | None = None
        self.inits: list[int] = []
        if track_inits is None:
            track_inits = any(isinstance(t, RefType) and not t.nullable for t in locals_)
        if track_inits:
            self.local_init = [True] * len(params) + [not isinstance(t, RefType) or t.nullable
                                                      for t in locals_]
        # Facts (heron.ast.FuncFacts).
        self.max_depth = 0
        self.landing_pads = 0
        self.has_handlers = False
        self.throws = False
        self.indirect_calls = False
        self.tail_calls_other = False
        self.self_tail_call = False
        self.callees: dict[int, None] = {}
        # Where an error happened: the index of the instruction (its offset, if the caller
        # wants it, from the decoded body: the loop does not spend time keeping it).
        self.error_index = 0

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
        if len(vals) - frame.height >= n:          # the common case: exactly these types
            top = vals[len(vals) - n:]
            if tuple(top) == tuple(ts):
                del vals[len(vals) - n:]
                return top
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
    def push_ctrl(self, kind: str, params: tuple, results: tuple) -> None:
        ctrls = self.ctrls
        ctrls.append(Frame(kind, params, results, len(self.vals), len(self.inits)))
        if len(ctrls) > self.max_depth:
            self.max_depth = len(ctrls)
        self.vals.extend(params)

    def pop_ctrl(self) -> Frame:
        frame = self.ctrls[-1]
        results = frame.results
        vals = self.vals
        n = len(results)
        have = len(vals) - frame.height
        # As the spec interpreter: first the block's results must be on top of the stack...
        top = vals[len(vals) - min(n, have):] if have and n else []
        ok = len(top) == n or frame.unreachable
        if ok:
            for k in range(1, len(top) + 1):
                if top[-k] != results[-k] and not self.ctx.val_sub(top[-k], results[-k]):
                    ok = False
                    break
        if not ok:
            raise Invalid(f"type mismatch: instruction requires {result_str(results)} "
                          f"but stack has {result_str(top)}")
        # ... then nothing may be left below them.
        if have > n:
            raise Invalid(f"type mismatch: block requires {result_str(results)} "
                          f"but stack has {result_str(vals[frame.height:])}")
        del vals[frame.height:]
        if self.local_init is not None:
            inits, local_init = self.inits, self.local_init
            while len(inits) > frame.init_height:
                local_init[inits.pop()] = False
        self.ctrls.pop()
        return frame

    def set_unreachable(self) -> None:
        frame = self.ctrls[-1]
        del self.vals[frame.height:]
        frame.unreachable = True

    def label(self, depth: int) -> tuple:
        if not 0 <= depth < len(self.ctrls):
            raise Invalid(f"unknown label {depth}")
        return self.ctrls[-1 - depth].label

    def require_feature(self, name: str) -> None:
        if name not in self.ctx.features:
            raise Invalid(f"{name} support is not enabled (feature '{name}')")

    def local(self, x: int):
        if not 0 <= x < len(self.locals):
            raise Invalid(f"unknown local {x}")
        return self.locals[x]

    def set_local(self, x: int) -> None:
        if self.local_init is not None and not self.local_init[x]:
            self.local_init[x] = True
            self.inits.append(x)

    # ---- the driver --------------------------------------------------------------------------
    def run(self, data: bytes, pos: int, end: int) -> FuncFacts:
        """Validate the expression at data[pos:end] (its final `end` included). Raises Invalid
        with error_index set; Unsupported passes through.

        The inline cases are the commonest instructions of compiled code in their commonest
        state (types exactly as expected, a reachable frame); anything else, and every other
        opcode, goes to the opcode's handler, which applies the full rule.

        The maximum stack height is sampled before every instruction that can lower the stack
        (and at the end), not after every push: a peak is always followed by such a one."""
        self.push_ctrl("func", _EMPTY, self.results)
        tables = self.tables
        kinds = tables.kinds_tracked if self.local_init is not None else tables.kinds
        sigs = tables.sigs
        handlers = tables.handlers
        vals = self.vals
        ctrls = self.ctrls
        locals_ = self.locals
        nlocals = len(locals_)
        globals_ = self.ctx.globals
        nglobals = len(globals_)
        height = 0
        max_height = 0
        n = 0
        try:
            while True:
                op = data[pos]
                pos += 1
                n += 1
                k = kinds[op]
                if k == K_LOCAL_GET:
                    x = data[pos]
                    pos += 1
                    if x & 0x80:
                        x, pos = uleb(data, pos - 1)
                    if x >= nlocals:
                        raise Invalid(f"unknown local {x}")
                    vals.append(locals_[x])
                elif k == K_CONST:
                    while data[pos] & 0x80:
                        pos += 1
                    pos += 1
                    vals.append(sigs[op])
                elif k == K_BINARY:
                    size = len(vals)
                    if size > max_height:
                        max_height = size
                    t, r = sigs[op]
                    if size - height >= 2 and vals[-1] == t and vals[-2] == t:
                        vals.pop()
                        vals[-1] = r
                    else:
                        self.pop_all((t, t))
                        vals.append(r)
                elif k == K_END:
                    frame = ctrls[-1]
                    results = frame.results
                    size = len(vals)
                    if size > max_height:
                        max_height = size
                    if frame.unreachable or size - height != len(results) or \
                            (results and vals[-1] != results[-1]) or len(results) > 1 or \
                            (frame.kind == "if" and frame.params != results):
                        pos = handlers[op](self, data, pos)
                    else:
                        ctrls.pop()
                    if not ctrls:
                        if len(vals) > max_height:
                            max_height = len(vals)
                        break
                    height = ctrls[-1].height
                elif k == K_LOCAL_SET or k == K_LOCAL_TEE:
                    x = data[pos]
                    pos += 1
                    if x & 0x80:
                        x, pos = uleb(data, pos - 1)
                    if x >= nlocals:
                        raise Invalid(f"unknown local {x}")
                    t = locals_[x]
                    size = len(vals)
                    if size > max_height:
                        max_height = size
                    if size > height and vals[-1] == t:
                        if k == K_LOCAL_SET:
                            vals.pop()
                    else:
                        self.pop(t)
                        if k == K_LOCAL_TEE:
                            vals.append(t)
                elif k == K_BLOCK:
                    results = _SIMPLE_BLOCK_TYPES.get(data[pos])
                    if results is None:
                        if len(vals) > max_height:
                            max_height = len(vals)
                        pos = handlers[op](self, data, pos)
                        if len(vals) > max_height:
                            max_height = len(vals)
                    else:
                        pos += 1
                        ctrls.append(Frame("loop" if op == 0x03 else "block", _EMPTY, results,
                                           len(vals), len(self.inits)))
                        if len(ctrls) > self.max_depth:
                            self.max_depth = len(ctrls)
                    height = ctrls[-1].height
                elif k == K_UNARY:
                    t, r = sigs[op]
                    if len(vals) > height and vals[-1] == t:
                        vals[-1] = r
                    else:
                        self.pop_all((t,))
                        vals.append(r)
                elif k == K_GLOBAL_GET:
                    x = data[pos]
                    pos += 1
                    if x & 0x80:
                        x, pos = uleb(data, pos - 1)
                    if x >= nglobals:
                        raise Invalid(f"unknown global {x}")
                    vals.append(globals_[x].valtype)
                elif k == K_DROP:
                    size = len(vals)
                    if size > max_height:
                        max_height = size
                    if size > height:
                        vals.pop()
                    else:
                        self.pop()
                elif k == K_HANDLER:
                    if len(vals) > max_height:
                        max_height = len(vals)
                    pos = handlers[op](self, data, pos)
                    if len(vals) > max_height:
                        max_height = len(vals)
                    if not ctrls:
                        break
                    height = ctrls[-1].height
                else:                                       # K_SKIP4 / K_SKIP8: f32/f64.const
                    pos += 4 if k == K_SKIP4 else 8
                    vals.append(sigs[op])
        except Invalid:
            self.error_index = n - 1
            raise
        except DecodeError as e:       # an immediate of an encoded list body beyond a limit
            self.error_index = n - 1
            raise Invalid(e.message) from None
        if pos != end:
            self.error_index = n
            raise Invalid("operators remaining after end of function")
        return FuncFacts(
            num_instrs=n, max_height=max_height, max_depth=self.max_depth,
            landing_pads=self.landing_pads, has_handlers=self.has_handlers, throws=self.throws,
            indirect_calls=self.indirect_calls, tail_calls_other=self.tail_calls_other,
            self_tail_call=self.self_tail_call, callees=tuple(self.callees))


def uleb(data: bytes, pos: int) -> tuple[int, int]:
    """An unsigned LEB128 of bytes already checked to be well-formed: (value, next position)."""
    b = data[pos]
    if b < 0x80:
        return b, pos + 1
    result = b & 0x7F
    shift = 7
    pos += 1
    while True:
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7


def read_with(reader, data: bytes, pos: int):
    """Read an immediate with one of the decoder's own readers: (value, next position)."""
    r = Reader(data, pos, len(data))
    return reader(r), r.pos


def encode_body(body: list) -> bytes:
    """The binary form of a list body, followed by SENTINEL. An instruction whose immediate
    does not fit its opcode (a hand-built module) is reported as Invalid at its index."""
    out = bytearray()
    try:
        write_expr(body, out)
    except Exception:          # noqa: BLE001 - find the instruction, report it as invalid
        _report_bad_instr(body)
        raise
    out += SENTINEL
    return bytes(out)


class BadInstr(Invalid):
    """An instruction of a list body that cannot be encoded; `index` says which."""

    def __init__(self, message: str, index: int):
        super().__init__(message)
        self.index = index


def _report_bad_instr(body: list) -> None:
    for i, ins in enumerate(body):
        try:
            write_expr((ins,), bytearray())
        except ValueError as e:
            if "unknown instruction" in str(e):
                raise BadInstr(f"unknown instruction {getattr(ins, 'op', ins)}", i) from None
            raise BadInstr(f"malformed immediate {ins.imm!r} of {ins.op}: {e}", i) from None
        except Exception as e:   # noqa: BLE001 - TypeError, AttributeError, KeyError, ...
            op = getattr(ins, "op", ins)
            raise BadInstr(f"malformed immediate {getattr(ins, 'imm', None)!r} of {op}: {e}",
                           i) from None
