"""The module model: what the decoder and the text parser produce, and what the
validator, the encoder and the compiler consume.

Function bodies and constant expressions are *flat* lists of `Instr`, exactly
in binary order, including every `end` (and `else`, legacy `catch`,
`catch_all`, `delegate`) and the final `end`. Flat bodies keep 100,000-deep
nesting free of Python recursion in every phase.

`Instr.op` is the text-format mnemonic ('i32.add', 'br_table', 'try_table').
`Instr.imm` holds the immediates, in binary order, shaped by the opcode's
immediate kind (see heron.binary.opcodes.IMM_SHAPES).
"""
from __future__ import annotations

import bisect
import weakref
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

from .types import FuncType, GlobalType, MemType, RefType, TableType, TagType, ValType, ExternType


class Instr:
    __slots__ = ("op", "imm", "offset")

    def __init__(self, op: str, imm: Any = None, offset: int | None = None):
        self.op = op
        self.imm = imm
        self.offset = offset      # byte offset in the module binary (None for text input)

    def __repr__(self) -> str:
        return f"Instr({self.op!r}, {self.imm!r})" if self.imm is not None else f"Instr({self.op!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Instr) and self.op == other.op and self.imm == other.imm

    __hash__ = None  # type: ignore[assignment]


Expr = list  # list[Instr], ending with Instr('end')


@dataclass(frozen=True, slots=True)
class MemArg:
    align: int        # log2 of the alignment
    offset: int
    memory: int = 0


@dataclass(frozen=True, slots=True)
class Catch:
    """One try_table catch clause. kind: 'catch' | 'catch_ref' | 'catch_all' | 'catch_all_ref'."""
    kind: str
    tag: int | None
    label: int


@dataclass
class Import:
    module: str
    name: str
    kind: str                 # 'func' | 'table' | 'memory' | 'global' | 'tag'
    desc: ExternType          # func: type index (int); else TableType/MemType/GlobalType/TagType


@dataclass
class Export:
    name: str
    kind: str                 # 'func' | 'table' | 'memory' | 'global' | 'tag'
    index: int


@dataclass(slots=True)
class FuncFacts:
    """What validation learned about one defined function, handed to the compiler so that it
    need not walk the body again (the validator sees every instruction once anyway).
    Read-only by convention (not frozen: a frozen dataclass is slower to build, and the
    validator builds one per function)."""
    num_instrs: int            # instructions in the flat body, the final `end` included (== len(body))
    max_height: int            # maximum operand-stack height (values) anywhere in the body
    max_depth: int             # maximum control nesting (block/loop/if/try/try_table); the function counts 1
    landing_pads: int          # try_table catch clauses + legacy catch/catch_all clauses
    has_handlers: bool         # any try or try_table
    throws: bool               # throw / throw_ref / rethrow present
    indirect_calls: bool       # call_indirect / call_ref / return_call_indirect / return_call_ref present
    tail_calls_other: bool     # return_call to another function, or return_call_indirect / return_call_ref
    self_tail_call: bool       # return_call to the function itself
    callees: tuple[int, ...]   # distinct targets of call/return_call, in first-occurrence order


class Body(list):
    """A function body decoded on demand: a plain list of Instr that can be weakly referenced,
    so that a Func hands out the same list while someone holds it and keeps nothing after."""
    __slots__ = ("__weakref__",)


BodyDecoder = Callable[[bytes, int, int], list]

RECENT_BODIES = 16
_RECENT: deque = deque(maxlen=RECENT_BODIES)    # the bodies decoded last (see Func.body)


class Code:
    """Where a decoded module keeps a body: a byte range of the module's bytes (the instructions
    only, after the locals) and the function that turns such a range into a list of Instr."""
    __slots__ = ("data", "start", "end", "decode")

    def __init__(self, data: bytes, start: int, end: int, decode: BodyDecoder):
        self.data = data
        self.start = start
        self.end = end
        self.decode = decode

    def instrs(self) -> list:
        return self.decode(self.data, self.start, self.end)

    def __repr__(self) -> str:
        return f"Code(0x{self.start:x}..0x{self.end:x})"


class Func:
    """A defined function: type index, declared locals, body and (after validation) its facts.

    `body` is the flat list of Instr. A module decoded from bytes does not keep it: the body
    stays a byte range (`code`) and `body` decodes it on access (offsets are module offsets).
    The decoded list is held weakly by the Func, and strongly only by a process-wide ring of
    the last RECENT_BODIES bodies decoded: repeated reads while a caller keeps the list, or
    soon after, return the same list without decoding again, and a module whose functions are
    never compiled holds no Instr at all. Assigning `body` (what the text parser does)
    replaces the byte range by that list; changing the list a decoded Func handed out does
    not change the function (assign it back).
    """
    __slots__ = ("type_idx", "locals", "offset", "facts", "code", "_list", "_decoded")

    def __init__(self, type_idx: int, locals: list[ValType] | None = None,
                 body: Expr | None = None, offset: int | None = None, *,
                 code: Code | None = None):
        self.type_idx = type_idx
        self.locals: list[ValType] = [] if locals is None else locals   # declared only, expanded
        self.offset = offset                  # byte offset of the code entry (None for text)
        self.facts: FuncFacts | None = None   # set by the validator
        self.code = code
        self._list: Expr | None = None if code is not None else ([] if body is None else body)
        self._decoded: weakref.ref | None = None

    @property
    def body(self) -> Expr:
        if self._list is not None:
            return self._list
        cached = self._decoded() if self._decoded is not None else None
        if cached is None:
            cached = Body(self.code.instrs())
            self._decoded = weakref.ref(cached)
            _RECENT.append(cached)
        return cached

    @body.setter
    def body(self, instrs: Expr) -> None:
        self._list = instrs
        self.code = None
        self._decoded = None

    def __getstate__(self) -> dict:
        """For copy and pickle: everything but the weak reference to a decoded body."""
        return {name: getattr(self, name) for name in self.__slots__ if name != "_decoded"}

    def __setstate__(self, state: dict) -> None:
        for name, value in state.items():
            setattr(self, name, value)
        self._decoded = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Func) and (self.type_idx, self.locals, self.body) == \
            (other.type_idx, other.locals, other.body)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        where = repr(self.code) if self.code is not None else f"{len(self._list)} instrs"
        return f"Func(type {self.type_idx}, {len(self.locals)} locals, {where})"


@dataclass
class Table:
    type: TableType
    init: Expr | None = None   # function-references: table with an initializer expression


@dataclass
class Global:
    type: GlobalType
    init: Expr


@dataclass
class Elem:
    type: RefType
    init: list[Expr]                       # one constant expression per element
    mode: str = "passive"                  # 'active' | 'passive' | 'declarative'
    table: int = 0
    offset: Expr | None = None
    encoding: int | None = None            # binary flags 0..7 as decoded; None: encoder chooses


@dataclass
class Data:
    init: bytes
    mode: str = "passive"                  # 'active' | 'passive'
    memory: int = 0
    offset: Expr | None = None
    encoding: int | None = None            # binary flags 0..2 as decoded; None: encoder chooses


@dataclass
class CustomSection:
    name: str
    data: bytes
    after: int = 0             # id of the last non-custom section before it (0: before all)


@dataclass
class Names:
    """The 'name' custom section (and what the text format's $ids give it).

    Subsection ids: 0 module, 1 funcs, 2 locals, 3 labels, 4 types, 5 tables,
    6 memories, 7 globals, 8 elems, 9 datas, 10 fields, 11 tags, 12 type params.
    """
    module: str | None = None
    funcs: dict[int, str] = field(default_factory=dict)
    locals: dict[int, dict[int, str]] = field(default_factory=dict)
    labels: dict[int, dict[int, str]] = field(default_factory=dict)
    types: dict[int, str] = field(default_factory=dict)
    tables: dict[int, str] = field(default_factory=dict)
    mems: dict[int, str] = field(default_factory=dict)
    globals: dict[int, str] = field(default_factory=dict)
    elems: dict[int, str] = field(default_factory=dict)
    datas: dict[int, str] = field(default_factory=dict)
    fields: dict[int, dict[int, str]] = field(default_factory=dict)
    tags: dict[int, str] = field(default_factory=dict)
    # subsection 12 (wasm-tools "param" names): names of a function *type*'s params, from
    # `(type (func (param $x i32)))`; type index -> param index -> name
    type_params: dict[int, dict[int, str]] = field(default_factory=dict)


@dataclass
class Module:
    types: list[FuncType] = field(default_factory=list)
    imports: list[Import] = field(default_factory=list)
    funcs: list[Func] = field(default_factory=list)          # defined functions only
    tables: list[Table] = field(default_factory=list)        # defined only
    mems: list[MemType] = field(default_factory=list)        # defined only
    tags: list[TagType] = field(default_factory=list)        # defined only
    globals: list[Global] = field(default_factory=list)      # defined only
    exports: list[Export] = field(default_factory=list)
    start: int | None = None
    elems: list[Elem] = field(default_factory=list)
    datas: list[Data] = field(default_factory=list)
    data_count: int | None = None          # present iff the data count section is
    customs: list[CustomSection] = field(default_factory=list)   # incl. a raw 'name' section if decoded
    names: Names | None = None
    id: str | None = None                  # text-format module identifier ($name), if any
    # Explicit recursion groups `(rec ...)` / binary 0x4e, as (first type index, count), in order;
    # a type outside every listed group is a singleton group of its own. Empty groups are kept
    # (count 0) so that the encoder re-emits the type section unchanged.
    rec_groups: list[tuple[int, int]] = field(default_factory=list)
    # Type indices whose binary form was `sub final` without supertypes (0x4f 0x00 0x60): the same
    # type as a plain function type, remembered only so that the encoder reproduces the bytes.
    explicit_final: set[int] = field(default_factory=set)

    # Derived index spaces, cached: recomputed when one of the lists they come from is replaced
    # or changes length (in-place replacement of an element is not noticed).
    _spaces: Any = field(default=None, init=False, repr=False, compare=False)
    _groups: Any = field(default=None, init=False, repr=False, compare=False)

    def rec_group(self, type_idx: int) -> tuple[int, int]:
        """(first type index, count) of the recursion group holding `type_idx`."""
        key = (id(self.rec_groups), len(self.rec_groups))
        if self._groups is None or self._groups[0] != key:
            ordered = sorted(g for g in self.rec_groups if g[1] > 0)
            self._groups = (key, ordered, [g[0] for g in ordered])
        _, ordered, starts = self._groups
        k = bisect.bisect_right(starts, type_idx) - 1
        if k >= 0:
            start, count = ordered[k]
            if start <= type_idx < start + count:
                return start, count
        return type_idx, 1

    def _index_spaces(self) -> "_IndexSpaces":
        key = (id(self.imports), len(self.imports), id(self.tables), len(self.tables),
               id(self.mems), len(self.mems), id(self.globals), len(self.globals),
               id(self.tags), len(self.tags))
        spaces = self._spaces
        if spaces is None or spaces.key != key:
            spaces = self._spaces = _IndexSpaces(self, key)
        return spaces

    # Index spaces: imports come first. The lists returned are shared: do not modify them.
    def imported(self, kind: str) -> list[Import]:
        return self._index_spaces().imported.get(kind) or []

    def func_type(self, func_idx: int) -> FuncType:
        imported = self._index_spaces().imported["func"]
        if func_idx < len(imported):
            return self.types[imported[func_idx].desc]
        return self.types[self.funcs[func_idx - len(imported)].type_idx]

    def all_tables(self) -> list[TableType]:
        return self._index_spaces().tables

    def all_mems(self) -> list[MemType]:
        return self._index_spaces().mems

    def all_globals(self) -> list[GlobalType]:
        return self._index_spaces().globals

    def all_tags(self) -> list[TagType]:
        return self._index_spaces().tags

    def num_funcs(self) -> int:
        return len(self._index_spaces().imported["func"]) + len(self.funcs)

    def func_name(self, func_idx: int) -> str:
        if self.names and func_idx in self.names.funcs:
            return self.names.funcs[func_idx]
        return f"func[{func_idx}]"


EXTERN_KINDS = ("func", "table", "memory", "global", "tag")


class _IndexSpaces:
    """The imports of each kind, and each index space (imports first), of one module."""
    __slots__ = ("key", "imported", "tables", "mems", "globals", "tags")

    def __init__(self, m: Module, key: tuple):
        self.key = key
        imported: dict[str, list[Import]] = {k: [] for k in EXTERN_KINDS}
        for imp in m.imports:
            imported.setdefault(imp.kind, []).append(imp)
        self.imported = imported
        self.tables = [i.desc for i in imported.get("table", ())] + [t.type for t in m.tables]
        self.mems = [i.desc for i in imported.get("memory", ())] + list(m.mems)
        self.globals = [i.desc for i in imported.get("global", ())] + [g.type for g in m.globals]
        self.tags = [i.desc for i in imported.get("tag", ())] + list(m.tags)
