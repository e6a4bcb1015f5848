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

from dataclasses import dataclass, field
from typing import Any

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


@dataclass
class Func:
    type_idx: int
    locals: list[ValType] = field(default_factory=list)   # declared locals only, expanded
    body: Expr = field(default_factory=list)
    offset: int | None = None                             # byte offset of the code entry


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

    def rec_group(self, type_idx: int) -> tuple[int, int]:
        """(first type index, count) of the recursion group holding `type_idx`."""
        for start, count in self.rec_groups:
            if start <= type_idx < start + count:
                return start, count
        return type_idx, 1

    # Index spaces: imports come first.
    def imported(self, kind: str) -> list[Import]:
        return [i for i in self.imports if i.kind == kind]

    def func_type(self, func_idx: int) -> FuncType:
        imported = self.imported("func")
        if func_idx < len(imported):
            return self.types[imported[func_idx].desc]
        return self.types[self.funcs[func_idx - len(imported)].type_idx]

    def all_tables(self) -> list[TableType]:
        return [i.desc for i in self.imported("table")] + [t.type for t in self.tables]

    def all_mems(self) -> list[MemType]:
        return [i.desc for i in self.imported("memory")] + list(self.mems)

    def all_globals(self) -> list[GlobalType]:
        return [i.desc for i in self.imported("global")] + [g.type for g in self.globals]

    def all_tags(self) -> list[TagType]:
        return [i.desc for i in self.imported("tag")] + list(self.tags)

    def num_funcs(self) -> int:
        return len(self.imported("func")) + len(self.funcs)

    def func_name(self, func_idx: int) -> str:
        if self.names and func_idx in self.names.funcs:
            return self.names.funcs[func_idx]
        return f"func[{func_idx}]"
