"""Function bodies and constant expressions: text instructions -> flat `Instr` lists.

Folded `(op ...)`, `(block ...)`, `(if ... (then ...) (else ...))`, legacy `(try (do ...)
(catch ...))` and flat `block ... end` forms all go through one loop with an explicit stack
of open frames, so nesting depth never meets Python's recursion limit. Immediates come out
in binary order, shaped as heron.binary.opcodes documents.
"""
from __future__ import annotations


from ..ast import Catch, Instr, MemArg
from ..binary.opcodes import BY_NAME, NATURAL_SIZE, UNIMPLEMENTED_NAMES
from ..errors import Unsupported
from ..features import UNIMPLEMENTED
from ..types import FuncType
from .cursor import ATOM, ID, LP, RP
from .numbers import NumberError, parse_float, parse_int, parse_uint
from .simd import lane_index, shuffle_lanes, v128_const

_GC_OPS = ("struct.", "array.", "ref.i31", "i31.", "ref.test", "ref.cast", "br_on_cast",
           "any.convert_extern", "extern.convert_any", "ref.eq")
_BLOCK_OPS = ("block", "loop", "if", "try", "try_table")
END = "end"
# Words that only continue or close a block: never an instruction of their own when folded.
_CLAUSE_WORDS = frozenset(("then", "else", "end", "do", "catch", "catch_all", "delegate", "catch_ref",
                           "catch_all_ref", "param", "result", "local", "type"))


class FuncCtx:
    """Names in scope inside one function body: locals and the label stack."""

    def __init__(self, locals_: dict[str, int] | None = None):
        self.locals = locals_ or {}
        self.labels: list[str | None] = []
        self.label_count = 0
        self.label_names: dict[int, str] = {}

    def push_label(self, name: str | None) -> None:
        if name is not None:
            self.label_names[self.label_count] = name
        self.label_count += 1
        self.labels.append(name)


class InstructionParser:
    """Mixin of ModuleParser: needs self.c, self.index, self.type_use, self.type_of,
    self.params_results, self.valtype, self.heap_type, self.opt_index, self.peek_index."""

    needs_data_count = False

    def block_type(self):
        """`(type x)? (param ...)* (result ...)*` of a block: None | valtype | type index."""
        c = self.c
        if c.peek_lp_kw("type"):
            return self.type_use(allow_names=False)
        params, results = self.params_results(None, allow_names=False)
        if not params and len(results) <= 1:
            return results[0] if results else None
        return self.type_of(FuncType(tuple(params), tuple(results)))

    def label(self, fc: FuncCtx) -> int:
        c = self.c
        if c.kind() is ID:
            name = c.value()
            for depth, lab in enumerate(reversed(fc.labels)):
                if lab == name:
                    c.i += 1
                    return depth
            raise c.error(f"unknown label ${name}")
        return c.u32()

    def end_label(self, fc: FuncCtx) -> None:
        """`end $l` / `else $l`: the id, if any, must name the block being closed."""
        c = self.c
        if c.kind() is ID:
            if not fc.labels or fc.labels[-1] != c.value():
                raise c.error("mismatching label")
            c.i += 1

    def catches(self, fc: FuncCtx) -> tuple:
        c = self.c
        out = []
        while c.kind() is LP and c.kind(1) is ATOM and c.value(1) in ("catch", "catch_ref", "catch_all",
                                                                    "catch_all_ref"):
            c.i += 1
            kind = c.keyword()
            tag = self.index("tag") if kind in ("catch", "catch_ref") else None
            out.append(Catch(kind, tag, self.label(fc)))
            c.rp()
        return tuple(out)

    def instrs(self, fc: FuncCtx, out: list, strict: bool = False) -> None:
        """Instructions up to the `)` that closes the enclosing form (left unconsumed).

        `strict`: a folded plain instruction takes only folded operands (wasm-tools is lenient
        in bodies, but not in the one-instruction offset/item abbreviations).

        One loop with an explicit stack of open blocks: folded `(block ...)`, `(if ...)`,
        `(try ...)` and plain `(op ...)` frames, and flat `block ... end` frames.
        """
        c = self.c
        frames: list[list] = []
        while True:
            k = c.kind()
            if k is RP:
                if not frames:
                    return
                fr = frames.pop()
                kind = fr[0]
                if kind == "flat":
                    raise c.error(f"unclosed `{fr[1]}`: expected `end`")
                c.i += 1
                if kind == "plain":
                    out.append(fr[1])
                elif kind == "block":
                    out.append(Instr(END))
                    fc.labels.pop()
                elif kind == "if":
                    if fr[1] == "cond":
                        raise c.error("expected `(then`")
                    out.append(Instr(END))
                    fc.labels.pop()
                elif kind in ("then", "else", "do", "catch", "catch_all"):
                    frames[-1][1] = kind
                elif kind == "try":
                    if fr[1] == "start":
                        raise c.error("expected `(do`")
                    if fr[1] != "delegated":
                        out.append(Instr(END))
                        fc.labels.pop()
                continue
            if k is LP:
                parent = frames[-1] if frames else None
                if parent is not None and parent[0] == "if":
                    if self._if_clause(fc, out, frames, parent):
                        continue
                elif parent is not None and parent[0] == "try":
                    if self._try_clause(fc, out, frames, parent):
                        continue
                c.i += 1
                pos = c.pos()
                op = c.keyword()
                if op in _CLAUSE_WORDS:
                    raise c.error(f"unexpected token `({op}`", pos)
                if op in ("block", "loop", "try_table"):
                    lab = c.opt_id()
                    bt = self.block_type()
                    if op == "try_table":
                        out.append(Instr(op, (bt, self.catches(fc))))
                    else:
                        out.append(Instr(op, bt))
                    fc.push_label(lab)
                    frames.append(["block"])
                elif op == "if":
                    lab = c.opt_id()
                    bt = self.block_type()
                    frames.append(["if", "cond", Instr("if", bt), lab])
                elif op == "try":
                    lab = c.opt_id()
                    bt = self.block_type()
                    frames.append(["try", "start", Instr("try", bt), lab])
                else:
                    frames.append(["plain", self.plain(op, fc, pos)])
                continue
            if k is ATOM:
                pos = c.pos()
                if frames and (frames[-1][0] in ("if", "try") or
                               (strict and frames[-1][0] == "plain")):
                    raise c.unexpected("`(` or `)` to continue a folded instruction")
                op = c.keyword()
                if op in _BLOCK_OPS:
                    lab = c.opt_id()
                    bt = self.block_type()
                    if op == "try_table":
                        out.append(Instr(op, (bt, self.catches(fc))))
                    else:
                        out.append(Instr(op, bt))
                    fc.push_label(lab)
                    frames.append(["flat", op])
                elif op in ("end", "else", "catch", "catch_all", "delegate"):
                    self._flat_clause(op, fc, out, frames, pos)
                else:
                    out.append(self.plain(op, fc, pos))
                continue
            if k is None:
                if frames:
                    raise c.error("unexpected end of input")
                return
            raise c.unexpected("an instruction")

    def _flat_clause(self, op: str, fc: FuncCtx, out: list, frames: list, pos: int) -> None:
        c = self.c
        top = frames[-1] if frames else None
        if top is None or top[0] != "flat":
            raise c.error(f"unexpected token `{op}`", pos)
        opener = top[1]
        if op == "end":
            self.end_label(fc)
            frames.pop()
            fc.labels.pop()
            out.append(Instr(END))
        elif op == "else":
            if opener != "if" or len(top) > 2:
                raise c.error("unexpected token `else`", pos)
            self.end_label(fc)
            top.append("else")
            out.append(Instr("else"))
        elif op in ("catch", "catch_all"):
            # try ... (catch x ...)* (catch_all ...)? end: nothing after catch_all but end
            if opener != "try" or "catch_all" in top[2:]:
                raise c.error(f"unexpected token `{op}`", pos)
            top.append(op)
            if op == "catch":
                out.append(Instr("catch", self.index("tag")))
            else:
                out.append(Instr("catch_all"))
        else:  # delegate
            if opener != "try" or len(top) > 2:
                raise c.error("unexpected token `delegate`", pos)
            frames.pop()
            fc.labels.pop()
            out.append(Instr("delegate", self.label(fc)))

    def _if_clause(self, fc: FuncCtx, out: list, frames: list, fr: list) -> bool:
        """Inside a folded `(if ...)`: handle `(then` / `(else`; False for a condition expression."""
        c = self.c
        state = fr[1]
        if c.peek_lp_kw("then"):
            if state != "cond":
                raise c.error("unexpected token `(then`")
            c.i += 2
            out.append(fr[2])
            fc.push_label(fr[3])
            fr[1] = "in-then"
            frames.append(["then", None])
            return True
        if c.peek_lp_kw("else"):
            if state != "then":
                raise c.error("unexpected token `(else`")
            c.i += 2
            out.append(Instr("else"))
            fr[1] = "in-else"
            frames.append(["else", None])
            return True
        if state != "cond":
            raise c.error("unexpected token: expression after `(then`")
        return False

    def _try_clause(self, fc: FuncCtx, out: list, frames: list, fr: list) -> bool:
        c = self.c
        state = fr[1]
        if c.peek_lp_kw("do"):
            if state != "start":
                raise c.error("unexpected token `(do`")
            c.i += 2
            out.append(fr[2])
            fc.push_label(fr[3])
            fr[1] = "in-do"
            frames.append(["do", None])
            return True
        if c.peek_lp_kw("catch") or c.peek_lp_kw("catch_all"):
            if state not in ("do", "catch"):
                raise c.error("unexpected token: catch clause after `catch_all` or `delegate`")
            c.i += 1
            kw = c.keyword()
            if kw == "catch":
                out.append(Instr("catch", self.index("tag")))
            else:
                out.append(Instr("catch_all"))
            fr[1] = "in-catch"
            frames.append([kw, None])
            return True
        if c.peek_lp_kw("delegate"):
            if state != "do":
                raise c.error("unexpected token `(delegate`")
            c.i += 2
            fc.labels.pop()
            out.append(Instr("delegate", self.label(fc)))
            c.rp()
            fr[1] = "delegated"
            return True
        raise c.error("expected `(do`, `(catch` or `(delegate` in `try`")

    def plain(self, op: str, fc: FuncCtx, pos: int) -> Instr:
        c = self.c
        info = BY_NAME.get(op)
        if info is None and op in UNIMPLEMENTED_NAMES:
            raise Unsupported(UNIMPLEMENTED_NAMES[op], op)
        if info is None:
            if "/" in op or ":" in op:
                raise c.error(f"unknown operator {op}", pos)
            if op.startswith(_GC_OPS):
                raise Unsupported("gc", op)
            if ".atomic" in op or op.startswith("memory.atomic") or op == "atomic.fence":
                raise Unsupported("threads", op)
            raise c.error(f"unknown operator {op}", pos)
        if info.feature in UNIMPLEMENTED:
            raise Unsupported(info.feature, op)
        kind = info.imm
        if kind == "none":
            if op == "select" and c.peek_lp_kw("result"):
                types = []
                while c.take_lp_kw("result"):
                    while not c.peek_rp():
                        types.append(self.valtype())
                    c.rp()
                return Instr("select", tuple(types))
            return Instr(op)
        if kind == "label":
            return Instr(op, self.label(fc))
        if kind == "br_table":
            targets = [self.label(fc)]
            while c.kind() is ID or c.peek_uint():
                targets.append(self.label(fc))
            return Instr(op, (tuple(targets[:-1]), targets[-1]))
        if kind == "func":
            return Instr(op, self.index("func"))
        if kind == "call_ind":
            table = self.opt_index("table")
            return Instr(op, (self.type_use(allow_names=False), table))
        if kind == "type":
            return Instr(op, self.index("type"))
        if kind == "local":
            if c.kind() is ID:
                name = c.value()
                if name not in fc.locals:
                    raise c.error(f"unknown local ${name}")
                c.i += 1
                return Instr(op, fc.locals[name])
            return Instr(op, c.u32())
        if kind == "global":
            return Instr(op, self.index("global"))
        if kind == "table":
            return Instr(op, self.opt_index("table"))
        if kind == "mem":
            return Instr(op, self.opt_index("memory"))
        if kind == "data":
            self.needs_data_count = True
            return Instr(op, self.index("data"))
        if kind == "elem":
            return Instr(op, self.index("elem"))
        if kind == "tag":
            return Instr(op, self.index("tag"))
        if kind == "memarg":
            return Instr(op, self.memarg(op))
        if kind == "memarg_lane":
            # v128.load8_lane memidx? memarg lane: a leading index is the memory only when
            # something else (the memarg or the lane) follows it
            mem = 0
            if c.kind() is ID or (c.peek_uint() and c.kind(1) is ATOM and (
                    _is_uint_token(c.value(1)) or c.value(1).startswith(("offset=", "align=")))):
                mem = self.index("memory")
            memarg = self.memarg(op, mem)
            return Instr(op, (memarg, lane_index(c)))
        if kind == "lane":
            return Instr(op, lane_index(c))
        if kind == "v128":
            return Instr(op, v128_const(c))
        if kind == "shuffle":
            return Instr(op, shuffle_lanes(c))
        if kind in ("i32", "i64", "f32", "f64"):
            return Instr(op, self.literal(kind))
        if kind == "heap":
            return Instr(op, self.heap_type())
        if kind == "table2":
            if self.peek_index():
                dst = self.index("table")
                return Instr(op, (dst, self.index("table")))
            return Instr(op, (0, 0))
        if kind == "mem2":
            if self.peek_index():
                dst = self.index("memory")
                return Instr(op, (dst, self.index("memory")))
            return Instr(op, (0, 0))
        if kind == "table_init":
            # table.init $t? $e: look ahead to see whether two indices follow
            first_is_index = self.peek_index()
            second = c.kind(1) is ID or (c.kind(1) is ATOM and _is_uint_token(c.value(1)))
            if first_is_index and second:
                table = self.index("table")
                return Instr(op, (self.index("elem"), table))
            return Instr(op, (self.index("elem"), 0))
        if kind == "mem_init":
            self.needs_data_count = True
            second = c.kind(1) is ID or (c.kind(1) is ATOM and _is_uint_token(c.value(1)))
            if self.peek_index() and second:
                mem = self.index("memory")
                return Instr(op, (self.index("data"), mem))
            return Instr(op, (self.index("data"), 0))
        raise c.error(f"unsupported immediate kind for `{op}`", pos)

    def literal(self, ty: str) -> int:
        c = self.c
        pos = c.pos()
        if c.kind() is not ATOM:
            raise c.unexpected(f"an {ty} literal")
        word = c.value()
        try:
            v = parse_int(word, int(ty[1:])) if ty[0] == "i" else parse_float(word, ty)
        except NumberError as e:
            raise c.error(str(e), pos) from None
        if v is None:
            raise c.error(f"unknown operator: malformed {ty} literal `{word}`", pos)
        c.i += 1
        return v

    def memarg(self, op: str, mem: int | None = None) -> MemArg:
        """`memidx? offset=? align=?`; `mem` given: the memory index was read already."""
        c = self.c
        if mem is None:
            mem = self.opt_index("memory")
        natural = NATURAL_SIZE[op]
        offset = 0
        align = natural
        if c.kind() is ATOM and c.value().startswith("offset="):
            pos = c.pos()
            v = parse_uint(c.value()[7:])
            if v is None or v >= 1 << 64:
                raise c.error(f"unknown operator: malformed memory offset `{c.value()}`" if v is None
                              else "offset out of range", pos)
            offset = v
            c.i += 1
        if c.kind() is ATOM and c.value().startswith("align="):
            pos = c.pos()
            v = parse_uint(c.value()[6:])
            if v is None or v >= 1 << 64:
                raise c.error(f"unknown operator: malformed memory alignment `{c.value()}`", pos)
            if v == 0 or v & (v - 1):
                raise c.error("alignment must be a power of two", pos)
            align = v
            c.i += 1
        return MemArg(align.bit_length() - 1, offset, mem)


def _is_uint_token(text: str) -> bool:
    return parse_uint(text) is not None
