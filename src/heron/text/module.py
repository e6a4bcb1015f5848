"""WAT module text -> ast.Module.

Two passes over the module's fields: the first assigns every $id its index (so fields may
refer forward), the second parses types, then every other field in text order. Function
bodies are parsed with an explicit stack of open folded/flat blocks, never by recursion.
Implicit types from inline type uses are appended after the explicit ones in the order
wasm-tools appends them (each field's header, then its body).
"""
from __future__ import annotations

from ..binary import decode

from ..ast import Data, Elem, Export, Func, Global, Import, Instr, Module, Names, Table
from ..errors import Unsupported
from ..features import Features
from ..types import (ABSTRACT_HEAPS, GC_HEAPS, FuncType, GlobalType, Limits, MemType, RefType,
                     TableType, TagType)
from .cursor import ATOM, ID, LP, STR, Cursor, is_reserved
from .instructions import END as _END, FuncCtx, InstructionParser
from .lexer import Source

SPACES = ("type", "func", "table", "memory", "global", "tag", "elem", "data")
SPACE_WORD = {"type": "type", "func": "function", "table": "table", "memory": "memory",
              "global": "global", "tag": "tag", "elem": "elem segment", "data": "data segment"}
# Words of proposals Heron does not implement, where a type or heap type may stand: meeting one is
# Unsupported(proposal) (as the decoder reports their binary forms), not a syntax error.
UNIMPLEMENTED_WORDS = {"cont": "stack-switching", "nocont": "stack-switching",
                       "contref": "stack-switching", "nullcontref": "stack-switching",
                       "descriptor": "custom-descriptors", "describes": "custom-descriptors",
                       "exact": "custom-descriptors", "shared": "shared-everything-threads"}


def _reject_unimplemented(c) -> None:
    """Raise Unsupported if the next word (or `(word`) belongs to an unimplemented proposal."""
    k = 1 if c.kind() is LP else 0
    if c.kind(k) is ATOM and c.value(k) in UNIMPLEMENTED_WORDS:
        word = c.value(k)
        raise Unsupported(UNIMPLEMENTED_WORDS[word], f"`{word}`")


_REF_SHORTHANDS = {"funcref": "func", "externref": "extern", "exnref": "exn",
                   "nullfuncref": "nofunc", "nullexternref": "noextern", "nullexnref": "noexn",
                   "anyref": "any", "eqref": "eq", "i31ref": "i31", "structref": "struct",
                   "arrayref": "array", "nullref": "none"}
_NUM = ("i32", "i64", "f32", "f64")
_REF_FUNC = RefType(False, "func")


def parse_module(text: str, features: Features | None = None, *, source: str | None = None,
                 origin: tuple[int, int] = (1, 1)) -> Module:
    """One `(module ...)` (or a bare list of module fields) -> Module. ParseError when malformed."""
    src = Source(text, source, origin)
    c = Cursor(src)
    if c.peek_lp_kw("module"):
        close = c.match[c.i]
        if close != c.end - 1:
            c.i = close + 1
            raise c.unexpected("end of input")
        c.i += 2
        c.take_kw("definition")
        mod_id = c.opt_id()
        if c.take_kw("binary"):
            data = bytearray()
            while c.kind() is STR:
                data += c.string()
            c.rp()
            return decode(bytes(data), features)
        if c.take_kw("quote"):
            parts = []
            while c.kind() is STR:
                parts.append(c.string())
            c.rp()
            inner = b"".join(parts).decode("utf-8", "surrogateescape")
            return parse_module(inner, features, source=source, origin=src.position(0))
        c.end = close
        m = ModuleParser(c, features).parse(mod_id)
        return m
    return ModuleParser(c, features).parse(None)


class ModuleParser(InstructionParser):
    def __init__(self, c: Cursor, features: Features | None):
        self.c = c
        self.features = features
        self.m = Module()
        self.names = Names()
        self.ids: dict[str, dict[str, int]] = {s: {} for s in SPACES}
        self.counts: dict[str, int] = {s: 0 for s in SPACES}
        self.type_index: dict[FuncType, int] = {}
        self.n_explicit_types = 0
        self.func_index = 0
        self.needs_data_count = False

    # ======================================================================
    # pass 1: ids
    # ======================================================================
    def parse(self, mod_id: str | None) -> Module:
        c = self.c
        fields: list[tuple[str, int]] = []
        while not c.at_end():
            if c.kind() is not LP or c.kind(1) is not ATOM:
                raise c.unexpected("a module field")
            fields.append((c.value(1), c.i))
            c.i = c.match[c.i] + 1
        self.collect_ids(fields)
        for kw, start in fields:
            if kw == "type":
                c.i = start
                self.type_field()
            elif kw == "rec":
                c.i = start
                self.rec_field()
        self.n_explicit_types = len(self.m.types)
        for kw, start in fields:
            if kw in ("type", "rec"):
                continue
            c.i = start
            handler = _FIELDS.get(kw)
            if handler is None:
                c.i = start + 1
                if is_reserved(kw):
                    raise c.unexpected()
                raise c.error(f"unknown module field `{kw}`", c.toks[start + 1][2])
            handler(self)
        if self.needs_data_count:
            self.m.data_count = len(self.m.datas)
        if mod_id is not None:
            self.names.module = mod_id
            self.m.id = mod_id
        n = self.names
        if any((n.module is not None, n.funcs, n.locals, n.labels, n.types, n.tables, n.mems,
                n.globals, n.elems, n.datas, n.tags, n.type_params)):
            self.m.names = n
        return self.m

    def collect_ids(self, fields: list[tuple[str, int]]) -> None:
        c = self.c
        defined: str | None = None
        for kw, start in fields:
            c.i = start + 2
            if kw == "import":
                if defined is not None:
                    raise c.error(f"import after {SPACE_WORD[defined]}", c.toks[start][2])
                # (import "m" "n" (kind $id? ...))
                while c.kind() is STR:
                    c.i += 1
                if c.kind() is LP and c.kind(1) is ATOM and c.value(1) in ("func", "table", "memory",
                                                                         "global", "tag"):
                    space = c.value(1)
                    c.i += 2
                    self.register(space, c.opt_id(), start)
                continue
            if kw in ("func", "table", "memory", "global", "tag"):
                name = c.opt_id()
                is_import = False
                close = c.match[start]
                while c.kind() is LP and c.i < close:
                    head = c.value(1)
                    if head == "export":
                        c.i = c.match[c.i] + 1
                        continue
                    if head == "import":
                        is_import = True
                    break
                if is_import and defined is not None:
                    raise c.error(f"import after {SPACE_WORD[defined]}", c.toks[start][2])
                if not is_import:
                    defined = defined or kw
                self.register(kw, name, start)
                if kw in ("table", "memory") and not is_import:
                    # an inline (elem ...) / (data ...) makes a segment
                    j = c.i
                    while j < close:
                        if c.toks[j][0] is LP:
                            if c.toks[j + 1][1] in ("elem", "data") and c.toks[j + 1][0] is ATOM:
                                self.register("elem" if kw == "table" else "data", None, start)
                            j = c.match[j] + 1
                        else:
                            j += 1
                continue
            if kw in ("type", "elem", "data"):
                self.register(kw, c.opt_id(), start)
                continue
            if kw == "rec":
                # (rec (type $id? ...)*): each member is a type of the index space
                close = c.match[start]
                while c.i < close and c.kind() is LP:
                    member = c.i
                    if c.kind(1) is ATOM and c.value(1) == "type":
                        c.i += 2
                        self.register("type", c.opt_id(), member)
                    c.i = c.match[member] + 1

    def register(self, space: str, name: str | None, start: int) -> None:
        index = self.counts[space]
        self.counts[space] = index + 1
        if name is not None:
            table = self.ids[space]
            if name in table:
                raise self.c.error(f"duplicate {space} ${name}" if space != "func" else
                                   f"duplicate func ${name}", self.c.toks[start][2])
            table[name] = index

    # ======================================================================
    # indices and types
    # ======================================================================
    def index(self, space: str) -> int:
        """An index of `space`: a number, or a $id defined anywhere in the module."""
        c = self.c
        if c.kind() is ID:
            name = c.value()
            idx = self.ids[space].get(name)
            if idx is None:
                raise c.error(f"unknown {SPACE_WORD[space]} ${name}")
            c.i += 1
            return idx
        return c.u32()

    def peek_index(self) -> bool:
        return self.c.kind() is ID or self.c.peek_uint()

    def opt_index(self, space: str, default: int = 0) -> int:
        return self.index(space) if self.peek_index() else default

    def heap_type(self):
        c = self.c
        _reject_unimplemented(c)
        if c.kind() is ATOM and c.value() in ABSTRACT_HEAPS:
            return c.keyword()
        if c.kind() is ATOM and c.value() in GC_HEAPS:
            raise Unsupported("gc", f"heap type {c.value()}")
        if c.kind() is ID or c.peek_uint():
            return self.index("type")
        raise c.unexpected("a heap type")

    def peek_valtype(self) -> bool:
        c = self.c
        if c.kind() is ATOM:
            v = c.value()
            return v in _NUM or v == "v128" or v in _REF_SHORTHANDS
        return c.peek_lp_kw("ref")

    def valtype(self):
        c = self.c
        if c.kind() is ATOM:
            v = c.value()
            if v in _NUM:
                c.i += 1
                return v
            if v == "v128":
                c.i += 1
                return v
            if v in _REF_SHORTHANDS or v in UNIMPLEMENTED_WORDS:
                return self.reftype()
        if c.peek_lp_kw("ref"):
            return self.reftype()
        raise c.unexpected("a value type")

    def reftype(self) -> RefType:
        c = self.c
        _reject_unimplemented(c)
        if c.kind() is ATOM and c.value() in _REF_SHORTHANDS:
            heap = _REF_SHORTHANDS[c.keyword()]
            if heap in GC_HEAPS:
                raise Unsupported("gc", f"heap type {heap}")
            return RefType(True, heap)
        if not c.take_lp_kw("ref"):
            raise c.unexpected("a reference type")
        nullable = c.take_kw("null")
        heap = self.heap_type()
        c.rp()
        return RefType(nullable, heap)

    def peek_reftype(self) -> bool:
        c = self.c
        return (c.kind() is ATOM and c.value() in _REF_SHORTHANDS) or c.peek_lp_kw("ref")

    def type_of(self, ft: FuncType) -> int:
        """The index of the first type equal to `ft`, appending an implicit one if none."""
        idx = self.type_index.get(ft)
        if idx is None:
            idx = len(self.m.types)
            self.m.types.append(ft)
            self.type_index[ft] = idx
        return idx

    def params_results(self, names: list | None = None, allow_names: bool = True):
        """(param ...)* (result ...)*, in that order. Collects param names into `names`."""
        c = self.c
        params: list = []
        results: list = []
        while c.peek_lp_kw("param"):
            c.i += 2
            pname = c.opt_id()
            if pname is not None:
                if not allow_names:
                    raise c.error("unexpected token: named parameter")
                if names is not None:
                    names.append((len(params), pname))
                params.append(self.valtype())
                c.rp()
                continue
            while not c.peek_rp():
                params.append(self.valtype())
            c.rp()
        while c.peek_lp_kw("result"):
            c.i += 2
            while not c.peek_rp():
                results.append(self.valtype())
            c.rp()
        return params, results

    def type_use(self, names: list | None = None, allow_names: bool = True) -> int:
        """`(type x)? (param ...)* (result ...)*` -> a type index."""
        c = self.c
        _reject_unimplemented(c)              # (exact (type x)) of custom descriptors
        explicit = None
        if c.peek_lp_kw("type"):
            c.i += 2
            explicit = self.index("type")
            c.rp()
        pos = c.pos()
        has_inline = c.peek_lp_kw("param") or c.peek_lp_kw("result")
        params, results = self.params_results(names, allow_names)
        if explicit is not None:
            if has_inline:
                if explicit >= len(self.m.types) or self.m.types[explicit] != FuncType(tuple(params),
                                                                                      tuple(results)):
                    raise c.error("inline function type doesn't match type reference", pos)
            return explicit
        return self.type_of(FuncType(tuple(params), tuple(results)))

    def param_count(self, type_idx: int) -> int:
        if type_idx < len(self.m.types):
            return len(self.m.types[type_idx].params)
        return 0

    # ======================================================================
    # module fields
    # ======================================================================
    def rec_field(self) -> None:
        """(rec (type ...)*): an explicit recursion group; its members may refer to each other."""
        c = self.c
        c.i += 2
        first = len(self.m.types)
        while not c.peek_rp():
            if not c.peek_lp_kw("type"):
                raise c.unexpected("a type definition")
            self.type_field(in_rec=True)
        c.rp()
        self.m.rec_groups.append((first, len(self.m.types) - first))

    def type_field(self, in_rec: bool = False) -> None:
        """(type $id? (func ...)) or (type $id? (sub final (func ...))), the same type.

        Members of an explicit (rec ...) group never serve inline type uses (as wasm-tools)."""
        c = self.c
        c.i += 2
        name = c.opt_id()
        _reject_unimplemented(c)
        c.lp()
        kind = c.keyword()
        sub = kind == "sub"
        if sub:
            if not c.take_kw("final"):
                raise Unsupported("gc", "non-final sub types")
            if c.kind() is ID or c.peek_uint():
                raise Unsupported("gc", "sub types with supertypes")
            _reject_unimplemented(c)
            c.lp()
            kind = c.keyword()
        if kind in ("sub", "struct", "array"):
            raise Unsupported("gc", f"{kind} types")
        if kind != "func":
            raise c.error(f"unexpected token: type kind `{kind}`")
        c.opt_id()
        pnames: list = []
        params, results = self.params_results(pnames)
        c.rp()
        if sub:
            c.rp()
        c.rp()
        ft = FuncType(tuple(params), tuple(results))
        idx = len(self.m.types)
        self.m.types.append(ft)
        if not in_rec:
            self.type_index.setdefault(ft, idx)
        if name is not None:
            self.names.types[idx] = name
        if pnames:
            self.names.type_params[idx] = dict(pnames)

    def inline_exports(self, kind: str, index: int) -> None:
        c = self.c
        while c.peek_lp_kw("export"):
            c.i += 2
            self.m.exports.append(Export(c.name(), kind, index))
            c.rp()

    def inline_import(self) -> tuple[str, str] | None:
        c = self.c
        if c.peek_lp_kw("import"):
            c.i += 2
            mod = c.name()
            nm = c.name()
            c.rp()
            return mod, nm
        return None

    def _import_field(self) -> None:
        c = self.c
        c.i += 2
        mod = c.name()
        nm = c.name()
        c.lp()
        kind = c.keyword()
        name = c.opt_id()
        if kind == "func":
            idx = self.n_funcs()
            pnames: list = []
            t = self.type_use(pnames)
            self.m.imports.append(Import(mod, nm, "func", t))
            self.name_func(idx, name, pnames)
        elif kind == "table":
            idx = len(self.m.all_tables())
            self.m.imports.append(Import(mod, nm, "table", self.table_type()))
            self.set_name(self.names.tables, idx, name)
        elif kind == "memory":
            idx = len(self.m.all_mems())
            self.m.imports.append(Import(mod, nm, "memory", self.mem_type()))
            self.set_name(self.names.mems, idx, name)
        elif kind == "global":
            idx = len(self.m.all_globals())
            self.m.imports.append(Import(mod, nm, "global", self.global_type()))
            self.set_name(self.names.globals, idx, name)
        elif kind == "tag":
            idx = len(self.m.all_tags())
            self.m.imports.append(Import(mod, nm, "tag", TagType(self.type_use())))
            self.set_name(self.names.tags, idx, name)
        else:
            raise c.error(f"unexpected token: import kind `{kind}`")
        c.rp()
        c.rp()

    @staticmethod
    def set_name(table: dict, idx: int, name: str | None) -> None:
        if name is not None:
            table[idx] = name

    def n_funcs(self) -> int:
        return self.m.num_funcs()

    def name_func(self, idx: int, name: str | None, pnames: list, lnames: list | None = None) -> None:
        if name is not None:
            self.names.funcs[idx] = name
        local_names = dict(pnames)
        if lnames:
            local_names.update(lnames)
        if local_names:
            self.names.locals[idx] = dict(sorted(local_names.items()))

    def _func_field(self) -> None:
        c = self.c
        c.i += 2
        name = c.opt_id()
        idx = self.n_funcs()
        self.inline_exports("func", idx)
        imp = self.inline_import()
        pnames: list = []
        t = self.type_use(pnames)
        if imp is not None:
            self.m.imports.append(Import(imp[0], imp[1], "func", t))
            self.name_func(idx, name, pnames)
            c.rp()
            return
        nparams = self.param_count(t)
        locals_: list = []
        lnames: list = []
        local_ids: dict[str, int] = {}
        for pi, pn in pnames:
            if pn in local_ids:
                raise c.error(f"duplicate local ${pn}")
            local_ids[pn] = pi
        while c.peek_lp_kw("local"):
            c.i += 2
            lname = c.opt_id()
            if lname is not None:
                if lname in local_ids:
                    raise c.error(f"duplicate local ${lname}")
                li = nparams + len(locals_)
                local_ids[lname] = li
                lnames.append((li, lname))
                locals_.append(self.valtype())
                c.rp()
                continue
            while not c.peek_rp():
                locals_.append(self.valtype())
            c.rp()
        fc = FuncCtx(local_ids)
        body: list = []
        self.instrs(fc, body)
        body.append(Instr(_END))
        c.rp()
        self.m.funcs.append(Func(t, locals_, body))
        self.name_func(idx, name, pnames, lnames)
        if fc.label_names:
            self.names.labels[idx] = fc.label_names

    def limits(self, addr: str) -> Limits:
        c = self.c
        # any u64 parses; the validator checks the range for the address type
        mn = c.uint(64)
        mx = c.uint(64) if c.peek_uint() else None
        return Limits(mn, mx)

    def table_type(self) -> TableType:
        c = self.c
        addr = "i64" if c.take_kw("i64") else ("i32" if c.take_kw("i32") else "i32")
        lim = self.limits(addr)
        return TableType(lim, self.reftype(), addr)

    def mem_type(self) -> MemType:
        c = self.c
        addr = "i64" if c.take_kw("i64") else ("i32" if c.take_kw("i32") else "i32")
        lim = self.limits(addr)
        shared = c.take_kw("shared")
        if c.peek_lp_kw("pagesize"):
            raise Unsupported("custom-page-sizes")
        return MemType(lim, addr, shared)

    def global_type(self) -> GlobalType:
        c = self.c
        if c.take_lp_kw("mut"):
            vt = self.valtype()
            c.rp()
            return GlobalType(vt, True)
        return GlobalType(self.valtype(), False)

    def _table_field(self) -> None:
        c = self.c
        c.i += 2
        name = c.opt_id()
        idx = len(self.m.all_tables())
        self.inline_exports("table", idx)
        imp = self.inline_import()
        if imp is not None:
            self.m.imports.append(Import(imp[0], imp[1], "table", self.table_type()))
            self.set_name(self.names.tables, idx, name)
            c.rp()
            return
        self.set_name(self.names.tables, idx, name)
        addr = "i64" if c.take_kw("i64") else ("i32" if c.take_kw("i32") else "i32")
        if self.peek_reftype():
            # (table reftype (elem ...)): size from the segment
            rt = self.reftype()
            if not c.take_lp_kw("elem"):
                raise c.unexpected("`(elem`")
            indices = c.kind() is not LP
            inits = self.elem_items(indices)
            # wasm-tools writes bare indices as ref.func expressions unless the type is funcref
            indices = indices and rt == RefType(True, "func")
            c.rp()
            n = len(inits)
            self.m.tables.append(Table(TableType(Limits(n, n), rt, addr)))
            offset = [Instr(f"{addr}.const", 0), Instr(_END)]
            flags = 2 | (0 if indices else 4)
            self.m.elems.append(Elem(rt, inits, "active", idx, offset, flags))
            c.rp()
            return
        lim = self.limits(addr)
        rt = self.reftype()
        init = None
        if not c.peek_rp():
            init = self.const_expr()
        c.rp()
        self.m.tables.append(Table(TableType(lim, rt, addr), init))

    def _memory_field(self) -> None:
        c = self.c
        c.i += 2
        name = c.opt_id()
        idx = len(self.m.all_mems())
        self.inline_exports("memory", idx)
        imp = self.inline_import()
        self.set_name(self.names.mems, idx, name)
        if imp is not None:
            self.m.imports.append(Import(imp[0], imp[1], "memory", self.mem_type()))
            c.rp()
            return
        save = c.i
        addr = "i64" if c.take_kw("i64") else ("i32" if c.take_kw("i32") else "i32")
        if c.peek_lp_kw("pagesize"):
            raise Unsupported("custom-page-sizes")
        if c.take_lp_kw("data"):
            data = bytearray()
            while c.kind() is STR:
                data += c.string()
            c.rp()
            pages = (len(data) + 65535) // 65536
            self.m.mems.append(MemType(Limits(pages, pages), addr))
            offset = [Instr(f"{addr}.const", 0), Instr(_END)]
            self.m.datas.append(Data(bytes(data), "active", idx, offset))
            c.rp()
            return
        c.i = save
        self.m.mems.append(self.mem_type())
        c.rp()

    def _global_field(self) -> None:
        c = self.c
        c.i += 2
        name = c.opt_id()
        idx = len(self.m.all_globals())
        self.inline_exports("global", idx)
        imp = self.inline_import()
        self.set_name(self.names.globals, idx, name)
        gt = self.global_type()
        if imp is not None:
            self.m.imports.append(Import(imp[0], imp[1], "global", gt))
        else:
            self.m.globals.append(Global(gt, self.const_expr()))
        c.rp()

    def _tag_field(self) -> None:
        c = self.c
        c.i += 2
        name = c.opt_id()
        idx = len(self.m.all_tags())
        self.inline_exports("tag", idx)
        imp = self.inline_import()
        self.set_name(self.names.tags, idx, name)
        tt = TagType(self.type_use())
        if imp is not None:
            self.m.imports.append(Import(imp[0], imp[1], "tag", tt))
        else:
            self.m.tags.append(tt)
        c.rp()

    def _export_field(self) -> None:
        c = self.c
        c.i += 2
        nm = c.name()
        c.lp()
        kind = c.keyword()
        space = {"func": "func", "table": "table", "memory": "memory", "global": "global",
                 "tag": "tag"}.get(kind)
        if space is None:
            raise c.error(f"unexpected token: export kind `{kind}`")
        self.m.exports.append(Export(nm, kind, self.index(space)))
        c.rp()
        c.rp()

    def _start_field(self) -> None:
        c = self.c
        pos = c.pos()
        c.i += 2
        if self.m.start is not None:
            raise c.error("multiple start sections", pos)
        self.m.start = self.index("func")
        c.rp()

    def offset_expr(self) -> list:
        """`(offset instr*)` or one folded instruction."""
        c = self.c
        if c.take_lp_kw("offset"):
            out: list = []
            self.instrs(FuncCtx(), out)
            c.rp()
            out.append(Instr(_END))
            return out
        return self.folded_const()

    def folded_const(self) -> list:
        """A single folded instruction as a constant expression."""
        c = self.c
        if c.kind() is not LP:
            raise c.unexpected("`(`")
        close = c.match[c.i]
        saved_end = c.end
        c.end = close + 1
        out: list = []
        try:
            self.instrs(FuncCtx(), out, strict=True)
        finally:
            c.end = saved_end
        out.append(Instr(_END))
        return out

    def const_expr(self) -> list:
        out: list = []
        self.instrs(FuncCtx(), out)
        out.append(Instr(_END))
        return out

    def elem_items(self, indices: bool) -> list:
        """The items of an element list: function indices, or `(item ...)` / folded expressions."""
        c = self.c
        inits = []
        if indices:
            while self.peek_index():
                inits.append([Instr("ref.func", self.index("func")), Instr(_END)])
            return inits
        while not c.peek_rp():
            if c.take_lp_kw("item"):
                out: list = []
                self.instrs(FuncCtx(), out)
                out.append(Instr(_END))
                c.rp()
                inits.append(out)
            else:
                inits.append(self.folded_const())
        return inits

    def _elem_field(self) -> None:
        c = self.c
        c.i += 2
        name = c.opt_id()
        idx = len(self.m.elems)
        self.set_name(self.names.elems, idx, name)
        if c.take_kw("declare"):
            rt, inits, indices = self.elem_list(legacy=False)
            self.m.elems.append(Elem(rt, inits, "declarative", 0, None, 3 | (0 if indices else 4)))
            c.rp()
            return
        table = None
        legacy = True       # a bare function index list is allowed, unless `(table x)` was written
        if c.peek_uint():
            table = c.u32()
        elif c.take_lp_kw("table"):
            table = self.index("table")
            legacy = False
            c.rp()
        if table is not None or (c.kind() is LP and not self.peek_reftype()):
            offset = self.offset_expr()
            rt, inits, indices = self.elem_list(legacy=legacy)
            if table is None and (indices or rt == RefType(True, "func")):
                flags = 0 if indices else 4
            else:
                flags = 2 | (0 if indices else 4)
            self.m.elems.append(Elem(rt, inits, "active", table or 0, offset, flags))
            c.rp()
            return
        rt, inits, indices = self.elem_list(legacy=False)
        self.m.elems.append(Elem(rt, inits, "passive", 0, None, 1 | (0 if indices else 4)))
        c.rp()

    def elem_list(self, legacy: bool):
        """`func x*` | `reftype item*` | (legacy active form) `x*`: (type, inits, were_indices)."""
        c = self.c
        # function index lists have type (ref func): the indices can never be null
        if c.take_kw("func"):
            return _REF_FUNC, self.elem_items(True), True
        if self.peek_reftype():
            rt = self.reftype()
            return rt, self.elem_items(False), False
        if legacy:
            return _REF_FUNC, self.elem_items(True), True
        raise c.unexpected("`func` or a reference type")

    def _data_field(self) -> None:
        c = self.c
        c.i += 2
        name = c.opt_id()
        idx = len(self.m.datas)
        self.set_name(self.names.datas, idx, name)
        mem = None
        if c.peek_uint():
            mem = c.u32()
        elif c.take_lp_kw("memory"):
            mem = self.index("memory")
            c.rp()
        if mem is not None or c.kind() is LP:
            offset = self.offset_expr()
            data = bytearray()
            while c.kind() is STR:
                data += c.string()
            c.rp()
            self.m.datas.append(Data(bytes(data), "active", mem or 0, offset))
            return
        data = bytearray()
        while c.kind() is STR:
            data += c.string()
        c.rp()
        self.m.datas.append(Data(bytes(data), "passive"))


_FIELDS = {
    "import": ModuleParser._import_field,
    "func": ModuleParser._func_field,
    "table": ModuleParser._table_field,
    "memory": ModuleParser._memory_field,
    "global": ModuleParser._global_field,
    "tag": ModuleParser._tag_field,
    "export": ModuleParser._export_field,
    "start": ModuleParser._start_field,
    "elem": ModuleParser._elem_field,
    "data": ModuleParser._data_field,
}

__all__ = ["parse_module", "ModuleParser"]
