"""The module decoder: bytes -> heron.ast.Module, with the spec's malformedness checks."""
from __future__ import annotations

from ..ast import (Code, CustomSection, Data, Elem, Export, Func, Global, Import, Instr, Module,
                   Table)
from ..errors import DecodeError, Unsupported
from ..features import Features
from ..gcpause import paused_gc
from .limits import MAX_LOCALS, MAX_STRING, exceeds
from ..types import FUNCREF, FuncType, RefType
from .instructions import ExprResult, read_body, read_expr
from .leb128 import Reader
from .names import decode_names
from .scan import scan_body
from .types_codec import (REC_GROUP, SUB_FINAL, read_global_type, read_mem_type, read_ref_type,
                          read_table_type, read_tag_type, read_val_type, reject_gc_type_form)

MAGIC = b"\x00asm"
VERSION = b"\x01\x00\x00\x00"

# Section ids, and the order non-custom sections must come in (tag sits between memory and global).
CUSTOM, TYPE, IMPORT, FUNCTION, TABLE, MEMORY, GLOBAL, EXPORT, START, ELEMENT, CODE, DATA, \
    DATA_COUNT, TAG = range(14)
SECTION_ORDER = (TYPE, IMPORT, FUNCTION, TABLE, MEMORY, TAG, GLOBAL, EXPORT, START, ELEMENT,
                 DATA_COUNT, CODE, DATA)
RANK = {sid: i for i, sid in enumerate(SECTION_ORDER)}

FUNC_NONNULL = RefType(False, "func")    # the element type of the function-index forms
EXTERN_KINDS = ("func", "table", "memory", "global", "tag")
EXACT_FUNC_IMPORT = 0x20     # custom descriptors: a function import of exactly a type

IN_SECTION = "unexpected end of section or function"
MAX_LOCALS_TOTAL = 2**32 - 1     # beyond this the spec calls the locals malformed


def decode(data: bytes, features: Features | None = None) -> Module:
    """Decode a binary module. Raises DecodeError (malformed) or Unsupported (GC/SIMD/threads).

    Decoding does not depend on `features`: like wasmparser, the decoder reads every
    instruction it knows and leaves proposal gating to the validator.
    """
    with paused_gc():
        return _Decoder(bytes(data), features).module()


def _vec_count(r: Reader) -> int:
    """A vector's element count. Not checked against the bytes left: every element takes at
    least one byte, so a lying count ends in 'unexpected end' (as in the spec interpreter)."""
    return r.u32()


def _count(r: Reader, limit: str, already: int = 0) -> int:
    """A vector's element count, checked against an implementation limit (heron.binary.limits) that
    applies to `already + count`. A count larger than the bytes left is a lie that reading
    reports as 'unexpected end' (the spec's message), so only a plausible one is a limit error."""
    start = r.pos
    n = r.u32()
    message = exceeds(limit, already + n)
    if message is not None and n <= r.end - r.pos:
        raise DecodeError(message, start)
    return n


def _string(r: Reader) -> str:
    """A name (import, export, custom section), at most MAX_STRING bytes long."""
    start = r.pos
    n = r.u32()
    if n > MAX_STRING and n <= r.end - r.pos:
        raise DecodeError(exceeds("string size", n), start)
    r.pos = start
    return r.name()


def _byte_size(r: Reader) -> int:
    """A section or code entry size: it cannot exceed the bytes left in the module."""
    start = r.pos
    n = r.u32()
    if n > r.end - r.pos:
        raise DecodeError("length out of bounds", start)
    return n


class _Decoder:
    """Reads sections from one stream over the whole module, as the spec interpreter does:
    a section is read and then checked to have used exactly its declared size."""

    def __init__(self, data: bytes, features: Features | None):
        self.data = data
        self.features = features
        self.mod = Module()
        self.func_type_indices: list[int] = []
        self.code_count = 0
        self.uses = ExprResult()

    # -- the module -------------------------------------------------------------

    def module(self) -> Module:
        data = self.data
        if len(data) < 4:
            raise DecodeError("unexpected end", len(data))
        if data[:4] != MAGIC:
            raise DecodeError("magic header not detected", 0)
        if len(data) < 8:
            raise DecodeError("unexpected end", len(data))
        if data[4:8] != VERSION:
            raise DecodeError("unknown binary version", 4)
        r = Reader(data, 8, len(data), IN_SECTION)
        last_rank = -1
        last_id = 0
        mod = self.mod
        while not r.at_end():
            sec_start = r.pos
            sid = data[sec_start]
            if sid > TAG:
                raise DecodeError("malformed section id", sec_start)
            if sid != CUSTOM:
                rank = RANK[sid]
                if rank <= last_rank:
                    raise DecodeError("unexpected content after last section", sec_start)
            r.pos += 1
            size = _byte_size(r)
            content_start = r.pos
            if sid == CUSTOM:
                self.custom(r, size, last_id)
            else:
                last_rank = rank
                last_id = sid
                self.SECTION_READERS[sid](self, r)
            if r.pos != content_start + size:
                raise DecodeError("section size mismatch", content_start)
        end = len(data)
        if len(self.func_type_indices) != self.code_count:
            raise DecodeError("function and code section have inconsistent lengths", end)
        if mod.data_count is not None and mod.data_count != len(mod.datas):
            raise DecodeError("data count and data section have inconsistent lengths", end)
        if self.uses.uses_data_count and mod.data_count is None:
            raise DecodeError("data count section required", end)
        return mod

    def custom(self, r: Reader, size: int, after: int) -> None:
        start = r.pos
        name = _string(r)
        rest = size - (r.pos - start)
        if rest < 0:
            raise DecodeError(IN_SECTION, r.pos)
        payload_pos = r.pos
        payload = r.bytes(rest)
        self.mod.customs.append(CustomSection(name, payload, after))
        if name == "name" and self.mod.names is None:
            names, _error = decode_names(payload, payload_pos)
            self.mod.names = names      # partial on error: custom sections are never malformed

    # -- sections ---------------------------------------------------------------

    def type_section(self, r: Reader) -> None:
        types = self.mod.types
        for _ in range(_count(r, "types")):
            at = r.pos
            if r.peek() == REC_GROUP:
                r.pos += 1
                first = len(types)
                count = _count(r, "rec group types")
                for _ in range(count):
                    self.sub_type(r)
                self.mod.rec_groups.append((first, count))
            else:
                self.sub_type(r)
            message = exceeds("types", len(types))
            if message is not None:
                raise DecodeError(message, at)

    def sub_type(self, r: Reader) -> None:
        """One function type, plain (0x60) or `sub final` without supertypes (0x4f 0x00 0x60)."""
        start = r.pos
        form = r.u8()
        if form & 0x80:
            raise DecodeError("integer representation too long", start)
        if form == SUB_FINAL:
            supers_at = r.pos
            if _vec_count(r):
                raise Unsupported("gc", f"subtype with supertypes at offset 0x{supers_at:x}")
            self.mod.explicit_final.add(len(self.mod.types))
            start = r.pos
            form = r.u8()
        if form != 0x60:
            if form in (REC_GROUP, SUB_FINAL):      # nested group, or sub final twice
                raise DecodeError("malformed function type", start)
            reject_gc_type_form(form, start)
            raise DecodeError("malformed function type", start)
        params = tuple(read_val_type(r) for _ in range(_count(r, "params")))
        results = tuple(read_val_type(r) for _ in range(_count(r, "results")))
        self.mod.types.append(FuncType(params, results))

    def imported(self, kind: str) -> int:
        return sum(1 for i in self.mod.imports if i.kind == kind)

    def import_section(self, r: Reader) -> None:
        for _ in range(_count(r, "imports")):
            module = _string(r)
            name = _string(r)
            start = r.pos
            kind = r.u8()
            if kind == 0:
                desc = r.u32()
            elif kind == 1:
                desc = read_table_type(r)
            elif kind == 2:
                desc = read_mem_type(r)
            elif kind == 3:
                desc = read_global_type(r)
            elif kind == 4:
                desc = read_tag_type(r)
            elif kind == EXACT_FUNC_IMPORT:
                raise Unsupported("custom-descriptors", f"exact function import at offset 0x{start:x}")
            else:
                raise DecodeError("malformed import kind", start)
            self.mod.imports.append(Import(module, name, EXTERN_KINDS[kind], desc))

    def function_section(self, r: Reader) -> None:
        count = _count(r, "functions", self.imported("func"))
        self.func_type_indices = [r.u32() for _ in range(count)]

    def table_section(self, r: Reader) -> None:
        for _ in range(_count(r, "tables", self.imported("table"))):
            if r.peek() == 0x40:
                start = r.pos
                r.pos += 1
                if r.u8() != 0x00:
                    raise DecodeError("zero byte expected", start + 1)
                ttype = read_table_type(r)
                self.mod.tables.append(Table(ttype, self.const_expr(r)))
            else:
                self.mod.tables.append(Table(read_table_type(r)))

    def memory_section(self, r: Reader) -> None:
        count = _count(r, "memories", self.imported("memory"))
        self.mod.mems.extend(read_mem_type(r) for _ in range(count))

    def tag_section(self, r: Reader) -> None:
        count = _count(r, "tags", self.imported("tag"))
        self.mod.tags.extend(read_tag_type(r) for _ in range(count))

    def global_section(self, r: Reader) -> None:
        for _ in range(_count(r, "globals", self.imported("global"))):
            gtype = read_global_type(r)
            self.mod.globals.append(Global(gtype, self.const_expr(r)))

    def export_section(self, r: Reader) -> None:
        for _ in range(_count(r, "exports")):
            name = _string(r)
            start = r.pos
            kind = r.u8()
            if kind >= len(EXTERN_KINDS):
                raise DecodeError("malformed export kind", start)
            self.mod.exports.append(Export(name, EXTERN_KINDS[kind], r.u32()))

    def start_section(self, r: Reader) -> None:
        self.mod.start = r.u32()

    def element_section(self, r: Reader) -> None:
        for _ in range(_count(r, "element segments")):
            start = r.pos
            flags = r.u32()
            if flags > 7:
                raise DecodeError("malformed elements segment kind", start)
            passive_or_declarative = flags & 1
            explicit_table = flags & 2
            uses_exprs = flags & 4
            mode = ("declarative" if explicit_table else "passive") if passive_or_declarative \
                else "active"
            table = 0
            offset = None
            if mode == "active":
                if explicit_table:
                    table = r.u32()
                offset = self.const_expr(r)
            if uses_exprs:
                etype = FUNCREF if flags == 4 else read_ref_type(r)
                init = [self.const_expr(r) for _ in range(_count(r, "table entries"))]
            else:
                if flags != 0:
                    kind_pos = r.pos
                    if r.u8() != 0x00:
                        raise DecodeError("malformed element kind", kind_pos)
                etype = FUNC_NONNULL
                init = []
                for _ in range(_count(r, "table entries")):
                    pos = r.pos
                    init.append([Instr("ref.func", r.u32(), pos), Instr("end", None, r.pos)])
            self.mod.elems.append(Elem(etype, init, mode, table, offset, flags))

    def data_count_section(self, r: Reader) -> None:
        start = r.pos
        count = r.u32()
        message = exceeds("data segments", count)
        if message is not None:
            raise DecodeError(message, start)
        self.mod.data_count = count

    def code_section(self, r: Reader) -> None:
        count = _vec_count(r)
        declared = self.func_type_indices
        self.code_count = count
        data = self.data
        funcs = self.mod.funcs
        for i in range(count):
            entry_pos = r.pos
            size = _byte_size(r)
            message = exceeds("function body size", size)
            if message is not None:
                raise DecodeError(message, entry_pos)
            body_start = r.pos
            body_end = body_start + size
            locals_ = self.locals(r)
            code_start = r.pos
            # the instructions may read on to the end of the section, as a full decode would
            if scan_body(data, code_start, r.end, self.uses) != body_end:
                raise DecodeError("section size mismatch", body_start)
            r.pos = body_end
            type_idx = declared[i] if i < len(declared) else 0   # mismatch reported at the end
            funcs.append(Func(type_idx, locals_, offset=entry_pos,
                              code=Code(data, code_start, body_end, read_body)))

    def locals(self, r: Reader) -> list:
        out: list = []
        total = 0
        for _ in range(_vec_count(r)):
            start = r.pos
            n = r.u32()
            total += n
            if total > MAX_LOCALS_TOTAL:
                raise DecodeError("too many locals", start)
            if total > MAX_LOCALS:
                raise DecodeError(exceeds("locals", total), start)
            t = read_val_type(r)
            out.extend([t] * n)
        return out

    def data_section(self, r: Reader) -> None:
        for _ in range(_count(r, "data segments")):
            seg_start = r.pos
            flags = r.u32()
            if flags > 2:
                raise DecodeError("malformed data segment kind", seg_start)
            memory = 0
            offset = None
            if flags != 1:
                if flags == 2:
                    memory = r.u32()
                offset = self.const_expr(r)
            init = r.bytes(r.u32())
            self.mod.datas.append(Data(init, "passive" if flags == 1 else "active", memory,
                                       offset, flags))

    def const_expr(self, r: Reader) -> list:
        return read_expr(r, self.uses)

    SECTION_READERS = {
        TYPE: type_section, IMPORT: import_section, FUNCTION: function_section,
        TABLE: table_section, MEMORY: memory_section, TAG: tag_section,
        GLOBAL: global_section, EXPORT: export_section, START: start_section,
        ELEMENT: element_section, DATA_COUNT: data_count_section, CODE: code_section,
        DATA: data_section,
    }


__all__ = ["decode", "SECTION_ORDER"]
