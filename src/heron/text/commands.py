"""WAST script commands, as the text parser produces them and the script runner consumes them.

Modules inside commands are kept *unparsed* (`ModuleSource`) so that a malformed
module fails only its own command, and assert_malformed can observe the error.
Numbers in arguments and expected results are bit patterns (ints), as in `Instr`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union


@dataclass
class ModuleSource:
    """`(module ...)`, `(module binary ...)` or `(module quote ...)`, not yet parsed.

    kind 'text': `text` is the whole `(module ...)` s-expression source;
    kind 'binary': `data` is the concatenated bytes;
    kind 'quote': `text` is the concatenated quoted strings (a module body, possibly without `(module`).
    """
    kind: str
    line: int
    text: str | None = None
    data: bytes | None = None
    name: str | None = None          # $id, if the command names it
    definition: bool = False         # `(module definition ...)`: compile, do not instantiate
    text_offset: tuple[int, int] = (1, 1)   # line, column of `text` in the script, for error positions


@dataclass
class Value:
    """An argument or a plain expected result: type and bit pattern / reference."""
    type: str                        # 'i32' 'i64' 'f32' 'f64' 'v128' or 'ref'
    value: object                    # int bits; for refs see RefValue


@dataclass
class RefValue:
    """ref.null HEAP | ref.extern N | ref.host N | ref.func [N] | ref.exn etc.

    kind: 'null' (heap: str|int|None), 'extern' (index, None = any extern ref),
    'host' (index), 'func' (index None = any non-null funcref), 'exn' (any exnref),
    or a GC kind ('struct', 'array', 'i31', 'eq', 'any') reported as unsupported.
    """
    kind: str
    heap: object = None
    index: int | None = None


@dataclass
class NanPattern:
    """Expected float result 'nan:canonical' or 'nan:arithmetic'."""
    type: str                        # 'f32' or 'f64'
    pattern: str                     # 'canonical' or 'arithmetic'


@dataclass
class Either:
    alternatives: list               # each a list of Result


Result = Union[Value, RefValue, NanPattern, Either]


@dataclass
class Invoke:
    line: int
    module: str | None
    field: str
    args: list = field(default_factory=list)   # list[Value | RefValue]


@dataclass
class Get:
    line: int
    module: str | None
    field: str


Action = Union[Invoke, Get]


@dataclass
class ModuleCmd:
    line: int
    source: ModuleSource


@dataclass
class ModuleInstance:
    """`(module instance $inst $def)`: instantiate a module definition."""
    line: int
    instance: str | None
    definition: str


@dataclass
class Register:
    line: int
    as_name: str
    module: str | None


@dataclass
class ActionCmd:
    line: int
    action: Action


@dataclass
class AssertReturn:
    line: int
    action: Action
    results: list


@dataclass
class AssertTrap:
    """assert_trap on an action, or on a module (then it is assert_uninstantiable in effect)."""
    line: int
    action: Action | None
    module: ModuleSource | None
    message: str


@dataclass
class AssertExhaustion:
    line: int
    action: Action
    message: str


@dataclass
class AssertException:
    line: int
    action: Action


@dataclass
class AssertMalformed:
    line: int
    module: ModuleSource
    message: str


@dataclass
class AssertInvalid:
    line: int
    module: ModuleSource
    message: str


@dataclass
class AssertUnlinkable:
    line: int
    module: ModuleSource
    message: str


@dataclass
class AssertUninstantiable:
    line: int
    module: ModuleSource
    message: str


@dataclass
class Thread:
    """`(thread $t (shared (module $m))* command*)`: commands meant to run concurrently with the
    script's other threads, seeing only the modules listed as shared."""
    line: int
    name: str | None
    shared: list = field(default_factory=list)      # module names shared with the script
    commands: list = field(default_factory=list)


@dataclass
class Wait:
    """`(wait $t)`: the script continues once thread $t has finished."""
    line: int
    thread: str | None


@dataclass
class UnsupportedCmd:
    """A command of a proposal Heron does not implement (e.g. `assert_suspension`)."""
    line: int
    kind: str               # the command's name in the script
    feature: str            # the proposal


Command = Union[ModuleCmd, ModuleInstance, Register, ActionCmd, AssertReturn, AssertTrap,
                AssertExhaustion, AssertException, AssertMalformed, AssertInvalid,
                AssertUnlinkable, AssertUninstantiable, Thread, Wait, UnsupportedCmd]

# The name each command kind has in a script (the KIND of `heron wast --json`).
KIND_NAMES = {
    ModuleCmd: "module", ModuleInstance: "module", Register: "register", ActionCmd: "action",
    AssertReturn: "assert_return", AssertTrap: "assert_trap", AssertExhaustion: "assert_exhaustion",
    AssertException: "assert_exception", AssertMalformed: "assert_malformed",
    AssertInvalid: "assert_invalid", AssertUnlinkable: "assert_unlinkable",
    AssertUninstantiable: "assert_uninstantiable", Thread: "thread", Wait: "wait",
}
