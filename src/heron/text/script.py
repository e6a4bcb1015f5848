"""WAST scripts -> script commands. Modules stay unparsed (`ModuleSource`), so a malformed
module fails only its own command."""
from __future__ import annotations

from ..errors import ParseError
from .commands import (ActionCmd, AssertException, AssertExhaustion, AssertInvalid,
                               AssertMalformed, AssertReturn, AssertTrap, AssertUninstantiable,
                               AssertUnlinkable, Command, Either, Get, Invoke, ModuleCmd,
                               ModuleInstance, ModuleSource, NanPattern, RefValue, Register,
                               Thread, UnsupportedCmd, Value, Wait)
from .cursor import ATOM, ID, LP, STR, Cursor
from .lexer import Source
from .numbers import (V128_SHAPES, NumberError, parse_float, parse_int, parse_lane,
                      v128_from_lanes)

_NUM_BITS = {"i32": 32, "i64": 64, "f32": 32, "f64": 64}


def parse_script(text: str, filename: str | None = None) -> list[Command]:
    """All commands of a .wast script, in order."""
    src = Source(text, filename)
    c = Cursor(src)
    return ScriptParser(c).commands()


class ScriptParser:
    def __init__(self, c: Cursor):
        self.c = c

    def line(self) -> int:
        return self.c.src.position(self.c.pos())[0]

    def commands(self) -> list[Command]:
        c = self.c
        out: list[Command] = []
        if c.kind() is LP and c.kind(1) is ATOM and c.value(1) not in _COMMANDS and c.value(1) != "module":
            # a bare list of module fields: one implicit module
            out.append(ModuleCmd(1, ModuleSource("text", 1, text=c.src.text, text_offset=(1, 1))))
            c.i = c.end
            return out
        while not c.at_end():
            out.append(self.command())
        return out

    def command(self) -> Command:
        c = self.c
        if c.kind() is not LP or c.kind(1) is not ATOM:
            raise c.unexpected("a command")
        head = c.value(1)
        line = self.line()
        if head == "module":
            if c.kind(2) is ATOM and c.value(2) == "instance":
                c.i += 3
                inst = c.opt_id()
                defn = c.opt_id()
                c.rp()
                return ModuleInstance(line, inst, defn)
            return ModuleCmd(line, self.module())
        if head in ("invoke", "get"):
            return ActionCmd(line, self.action())
        if head in UNSUPPORTED_COMMANDS:
            c.skip_to_close(c.i)
            return UnsupportedCmd(line, head, UNSUPPORTED_COMMANDS[head])
        handler = _COMMANDS.get(head)
        if handler is None:
            raise c.error(f"unknown command `{head}`")
        c.i += 2
        cmd = handler(self, line)
        c.rp()
        return cmd

    # -- modules -----------------------------------------------------------------
    def module(self) -> ModuleSource:
        c = self.c
        open_i = c.i
        start = c.pos()
        line, col = c.src.position(start)
        close_i = c.match[open_i]
        c.i += 2
        definition = c.take_kw("definition")
        name = c.opt_id()
        if c.take_kw("binary"):
            data = bytearray()
            while c.kind() is STR:
                data += c.string()
            c.rp()
            return ModuleSource("binary", line, data=bytes(data), name=name, definition=definition,
                                text_offset=(line, col))
        if c.take_kw("quote"):
            parts = []
            while c.kind() is STR:
                parts.append(c.string())
            c.rp()
            text = b"".join(parts).decode("utf-8", "surrogateescape")
            return ModuleSource("quote", line, text=text, name=name, definition=definition,
                                text_offset=(line, col))
        end = c.toks[close_i][2] + 1
        c.i = close_i + 1
        return ModuleSource("text", line, text=c.src.text[start:end], name=name,
                            definition=definition, text_offset=(line, col))

    # -- actions and values ------------------------------------------------------
    def action(self):
        c = self.c
        line = self.line()
        c.lp()
        kind = c.keyword()
        module = c.opt_id()
        pos = c.pos()
        try:
            field = c.name()
        except ParseError:
            raise c.error("malformed export name", pos) from None
        if kind == "invoke":
            args = []
            while not c.peek_rp():
                args.append(self.const(result=False))
            c.rp()
            return Invoke(line, module, field, args)
        if kind == "get":
            c.rp()
            return Get(line, module, field)
        raise c.error(f"unknown action `{kind}`", pos)

    def const(self, result: bool):
        c = self.c
        c.lp()
        pos = c.pos()
        op = c.keyword()
        if op == "either" and result:
            alts = []
            while not c.peek_rp():
                alts.append([self.const(result=True)])
            c.rp()
            return Either(alts)
        if op.endswith(".const") and op[:-6] in _NUM_BITS:
            ty = op[:-6]
            tpos = c.pos()
            word = c.keyword()
            if result and ty[0] == "f" and word in ("nan:canonical", "nan:arithmetic"):
                c.rp()
                return NanPattern(ty, word[4:])
            v = self.number(ty, word, tpos)
            c.rp()
            return Value(ty, v)
        if op == "v128.const":
            v = self.v128(result)
            c.rp()
            return v
        if op == "ref.null":
            heap = None
            if c.kind() is ATOM:
                heap = c.keyword()
            elif c.kind() is ID:
                heap = c.opt_id()
            c.rp()
            return RefValue("null", heap=heap)
        if op in ("ref.extern", "ref.host", "ref.func", "ref.exn", "ref.struct", "ref.array",
                  "ref.i31", "ref.eq", "ref.any", "ref.i31_shared"):
            index = None
            if c.kind() is ATOM:
                index = c.uint()
            elif c.kind() is ID:
                index = c.opt_id()
            c.rp()
            return RefValue(op[4:], index=index)
        raise c.error(f"unexpected constant `{op}`", pos)

    def number(self, ty: str, word: str, pos: int) -> int:
        try:
            v = parse_int(word, _NUM_BITS[ty]) if ty[0] == "i" else parse_float(word, ty)
        except NumberError as e:
            raise self.c.error(str(e), pos) from None
        if v is None:
            raise self.c.error(f"malformed {ty} literal `{word}`", pos)
        return v

    def v128(self, result: bool) -> Value:
        c = self.c
        pos = c.pos()
        shape = c.keyword()
        if shape not in V128_SHAPES:
            raise c.error("malformed lane shape", pos)
        lane, count, bits = V128_SHAPES[shape]
        lanes: list = []
        for _ in range(count):
            tpos = c.pos()
            word = c.keyword()
            if result and lane[0] == "f" and word in ("nan:canonical", "nan:arithmetic"):
                lanes.append(NanPattern(lane, word[4:]))
                continue
            try:
                v = parse_lane(word, lane)
            except NumberError as e:
                raise c.error(str(e), tpos) from None
            if v is None:
                raise c.error(f"malformed {lane} lane `{word}`", tpos)
            lanes.append(v)
        if all(isinstance(x, int) for x in lanes):
            return Value("v128", v128_from_lanes(lanes, bits))
        return Value("v128", (shape, tuple(lanes)))

    # -- commands ----------------------------------------------------------------
    def message(self) -> str:
        pos = self.c.pos()
        try:
            return self.c.name()
        except ParseError:
            raise self.c.error("malformed message string", pos) from None

    def _register(self, line: int) -> Register:
        name = self.c.name()
        return Register(line, name, self.c.opt_id())

    def _assert_return(self, line: int) -> AssertReturn:
        action = self.action()
        results = []
        while not self.c.peek_rp():
            results.append(self.const(result=True))
        return AssertReturn(line, action, results)

    def _assert_trap(self, line: int) -> AssertTrap:
        if self.c.peek_lp_kw("module"):
            module = self.module()
            return AssertTrap(line, None, module, self.message())
        action = self.action()
        return AssertTrap(line, action, None, self.message())

    def _assert_exhaustion(self, line: int) -> AssertExhaustion:
        action = self.action()
        return AssertExhaustion(line, action, self.message())

    def _assert_exception(self, line: int) -> AssertException:
        return AssertException(line, self.action())

    def _thread(self, line: int) -> Thread:
        c = self.c
        thread = Thread(line, c.opt_id())
        while c.take_lp_kw("shared"):
            c.lp()
            c.keyword("module")
            thread.shared.append(c.opt_id())
            c.rp()
            c.rp()
        while not c.peek_rp():
            thread.commands.append(self.command())
        return thread

    def _wait(self, line: int) -> Wait:
        return Wait(line, self.c.opt_id())

    def _module_assert(cls):
        def handler(self, line: int):
            if not self.c.peek_lp_kw("module"):
                raise self.c.unexpected("`(module`")
            module = self.module()
            return cls(line, module, self.message())
        return handler

    _assert_malformed = _module_assert(AssertMalformed)
    _assert_invalid = _module_assert(AssertInvalid)
    _assert_unlinkable = _module_assert(AssertUnlinkable)
    _assert_uninstantiable = _module_assert(AssertUninstantiable)


_COMMANDS = {
    "register": ScriptParser._register,
    "assert_return": ScriptParser._assert_return,
    "assert_trap": ScriptParser._assert_trap,
    "assert_exhaustion": ScriptParser._assert_exhaustion,
    "assert_exception": ScriptParser._assert_exception,
    "assert_malformed": ScriptParser._assert_malformed,
    "assert_invalid": ScriptParser._assert_invalid,
    "assert_unlinkable": ScriptParser._assert_unlinkable,
    "assert_uninstantiable": ScriptParser._assert_uninstantiable,
    "thread": ScriptParser._thread,
    "wait": ScriptParser._wait,
}

# Commands of proposals Heron does not implement: parsed over, then skipped as unsupported.
UNSUPPORTED_COMMANDS = {"assert_suspension": "stack-switching"}

__all__ = ["parse_script"]
