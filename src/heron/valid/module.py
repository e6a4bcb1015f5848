"""Module-level validation: builds the context C and checks every section against it."""
from __future__ import annotations

from dataclasses import dataclass, field

from .. import ast
from ..errors import Unsupported, ValidationError
from ..features import Features
from ..gcpause import paused_gc
from ..binary.limits import exceeds
from ..types import I32, I64, NUM_TYPES, GlobalType, Limits, MemType, RefType, TableType, TagType
from .body import BadInstr, BodyChecker, encode_body
from .context import Context, Invalid
from .rules import tables_for

MAX_PAGES_32 = 1 << 16
MAX_PAGES_64 = 1 << 48
MAX_TABLE_32 = (1 << 32) - 1
MAX_TABLE_64 = (1 << 64) - 1


@dataclass
class ModuleInfo:
    """What validation learned about a module (the facts are also on each ast.Func)."""
    funcs: list[ast.FuncFacts] = field(default_factory=list)   # defined functions, in order
    refs: frozenset[int] = frozenset()                      # C.refs: declared function references
    type_ids: list[int] = field(default_factory=list)       # canonical id per type index


def _func_label(module: ast.Module, idx: int):
    name = module.names.funcs.get(idx) if module.names else None
    return f"{idx} ${name}" if name else idx


class _Validator:
    def __init__(self, module: ast.Module, features: Features):
        self.m = module
        self.features = features
        self.tables = tables_for(features)
        self.const_tables = tables_for(features, const=True)
        self.ctx: Context | None = None

    # ---- errors ------------------------------------------------------------------------------
    def fail(self, message: str, where: str = "", func=None, offset=None):
        if where:
            message = f"{message} (in {where})"
        raise ValidationError(message, func=func, offset=offset)

    def guard(self, where: str, check, *args):
        """Run a module-level check, turning Invalid into a ValidationError naming `where`."""
        try:
            return check(*args)
        except Invalid as e:
            self.fail(e.message, where)

    # ---- types -------------------------------------------------------------------------------
    def check_limits(self, lim: Limits, bound: int, message: str) -> None:
        if lim.min > bound or (lim.max is not None and lim.max > bound):
            raise Invalid(message)
        if lim.max is not None and lim.min > lim.max:
            raise Invalid("size minimum must not be greater than maximum")

    def check_mem_type(self, mt: MemType) -> None:
        if mt.shared:
            raise Unsupported("threads", "shared memory")
        if mt.addr == I64:
            if "memory64" not in self.features:
                raise Invalid("memory64 must be enabled for 64-bit memories")
            self.check_limits(mt.limits, MAX_PAGES_64, "memory size must be at most 2^48 pages")
        elif mt.addr == I32:
            self.check_limits(mt.limits, MAX_PAGES_32,
                              "memory size must be at most 65536 pages (4GiB)")
        else:
            raise Invalid(f"unknown address type {mt.addr!r}")

    def check_table_type(self, tt: TableType) -> None:
        if tt.addr == I64:
            if "memory64" not in self.features:
                raise Invalid("memory64 must be enabled for 64-bit tables")
            self.check_limits(tt.limits, MAX_TABLE_64, "table size must be at most 2^64-1")
        elif tt.addr == I32:
            self.check_limits(tt.limits, MAX_TABLE_32, "table size must be at most 2^32-1")
        else:
            raise Invalid(f"unknown address type {tt.addr!r}")
        if not isinstance(tt.elem, RefType):
            raise Invalid(f"table element type {tt.elem} is not a reference type")
        self.ctx.check_valtype(tt.elem)

    def check_global_type(self, gt: GlobalType) -> None:
        self.ctx.check_valtype(gt.valtype)

    def check_tag_type(self, tt: TagType) -> None:
        if "exceptions" not in self.features:
            raise Invalid("tags require feature 'exceptions'")
        ft = self.ctx.func_type(tt.type_idx)
        if ft.results:
            raise Invalid("non-empty tag result type")

    # ---- constant expressions ----------------------------------------------------------------
    def check_const(self, expr, valtype, where: str, visible_globals: int | None = None) -> None:
        ctx = self.ctx
        visible = len(ctx.globals) if visible_globals is None else visible_globals
        if not expr:
            self.fail("type mismatch: empty constant expression", where)
        checker = BodyChecker(ctx, self.const_tables, (), [], (valtype,), const_globals=visible)
        try:
            data = encode_body(expr)
            checker.run(data, 0, len(data) - 1)
        except BadInstr as e:
            self.fail(e.message, where, offset=getattr(expr[e.index], "offset", None))
        except Invalid as e:
            k = checker.error_index
            ins = expr[k] if k < len(expr) else None
            self.fail(e.message, where, offset=getattr(ins, "offset", None))

    def check_func_ref_item(self, expr, etype, where: str) -> bool:
        """The common element item `ref.func i; end` without a checker; False if not that form."""
        if len(expr) != 2 or expr[0].op != "ref.func" or expr[1].op != "end":
            return False
        idx = expr[0].imm
        if not isinstance(idx, int):
            return False
        ctx = self.ctx
        try:
            ctx.func(idx)
        except Invalid as e:
            self.fail(e.message, where, offset=expr[0].offset)
        actual = RefType(False, ctx.funcs[idx])
        if not ctx.val_sub(actual, etype):
            self.fail(f"type mismatch: instruction requires {etype} but stack has {actual}",
                      where, offset=expr[1].offset)
        return True

    # ---- implementation limits (heron.binary.limits) ------------------------------------------------
    def check_counts(self) -> None:
        """The counts the decoder checks as it reads, for modules that were not decoded."""
        m = self.m
        counts = {"func": 0, "table": 0, "memory": 0, "global": 0, "tag": 0}
        for imp in m.imports:
            if imp.kind in counts:
                counts[imp.kind] += 1
        checks = [("types", len(m.types), "type section"), ("imports", len(m.imports), "imports"),
                  ("functions", counts["func"] + len(m.funcs), "functions"),
                  ("tables", counts["table"] + len(m.tables), "tables"),
                  ("memories", counts["memory"] + len(m.mems), "memories"),
                  ("globals", counts["global"] + len(m.globals), "globals"),
                  ("tags", counts["tag"] + len(m.tags), "tags"),
                  ("exports", len(m.exports), "exports"),
                  ("element segments", len(m.elems), "element section"),
                  ("data segments", len(m.datas), "data section")]
        for name, count, where in checks:
            message = exceeds(name, count)
            if message is not None:
                self.fail(message, where)
        for n, ft in enumerate(m.types):
            for name, items in (("params", ft.params), ("results", ft.results)):
                message = exceeds(name, len(items))
                if message is not None:
                    self.fail(message, f"type {n}")
        for n, e in enumerate(m.elems):
            message = exceeds("table entries", len(e.init))
            if message is not None:
                self.fail(message, f"elem segment {n}")

    # ---- the module --------------------------------------------------------------------------
    def run(self) -> ModuleInfo:
        m = self.m
        self.check_counts()
        # Context() checks and canonicalizes the type section.
        ctx = self.ctx = self.guard("type section", Context, list(m.types), self.features,
                                   list(getattr(m, "rec_groups", ())))
        self.collect_refs()

        for n, imp in enumerate(m.imports):
            where = f"import {n} {imp.module!r}.{imp.name!r}"
            kind, desc = imp.kind, imp.desc
            if kind == "func":
                self.guard(where, ctx.func_type, desc)
                ctx.funcs.append(desc)
            elif kind == "table":
                self.guard(where, self.check_table_type, desc)
                ctx.tables.append(desc)
            elif kind == "memory":
                self.guard(where, self.check_mem_type, desc)
                ctx.mems.append(desc)
            elif kind == "global":
                self.guard(where, self.check_global_type, desc)
                ctx.globals.append(desc)
            elif kind == "tag":
                self.guard(where, self.check_tag_type, desc)
                ctx.tags.append(desc)
            else:
                self.fail(f"unknown import kind {kind!r}", where)

        n_imported_funcs = len(ctx.funcs)
        for n, f in enumerate(m.funcs):
            self.guard(f"func {n_imported_funcs + n}", ctx.func_type, f.type_idx)
            ctx.funcs.append(f.type_idx)
        for n, t in enumerate(m.tables):
            self.guard(f"table {len(ctx.tables)}", self.check_table_type, t.type)
            ctx.tables.append(t.type)
        for mt in m.mems:
            self.guard(f"memory {len(ctx.mems)}", self.check_mem_type, mt)
            ctx.mems.append(mt)
        if len(ctx.mems) > 1 and "multi-memory" not in self.features:
            self.fail("multiple memories")
        for tt in m.tags:
            self.guard(f"tag {len(ctx.tags)}", self.check_tag_type, tt)
            ctx.tags.append(tt)

        # Globals: each initializer sees the imported globals and the globals defined before it;
        # table initializers (the table section precedes the global section) only imported ones.
        n_imported_globals = len(ctx.globals)
        for g in m.globals:
            idx = len(ctx.globals)
            self.guard(f"global {idx}", self.check_global_type, g.type)
            self.check_const(g.init, g.type.valtype, f"global {idx} initializer",
                             visible_globals=idx)
            ctx.globals.append(g.type)

        ctx.elems = [e.type for e in m.elems]
        ctx.num_datas = len(m.datas)

        first_defined_table = len(ctx.tables) - len(m.tables)
        for n, t in enumerate(m.tables):
            idx = first_defined_table + n
            elem = t.type.elem
            if t.init is not None:
                self.check_const(t.init, elem, f"table {idx} initializer",
                                 visible_globals=n_imported_globals)
            elif not elem.nullable:
                self.fail(f"type mismatch: non-defaultable element type {elem} "
                          f"needs a table initializer", f"table {idx}")

        for n, e in enumerate(m.elems):
            self.check_elem(n, e)
        for n, d in enumerate(m.datas):
            self.check_data(n, d)

        info = ModuleInfo(refs=frozenset(ctx.refs), type_ids=list(ctx.canon))
        for n, f in enumerate(m.funcs):
            info.funcs.append(self.check_func(n_imported_funcs + n, f))

        if m.start is not None:
            ft = self.guard("start", ctx.func, m.start)
            if ft.params or ft.results:
                self.fail("start function must not have parameters or results")

        self.check_exports()
        return info

    def collect_refs(self) -> None:
        """C.refs: function indices named outside function bodies (const exprs, exports)."""
        m, refs = self.m, self.ctx.refs
        exprs = [g.init for g in m.globals] + [t.init for t in m.tables if t.init is not None]
        for e in m.elems:
            exprs.extend(e.init)
            if e.offset is not None:
                exprs.append(e.offset)
        exprs.extend(d.offset for d in m.datas if d.offset is not None)
        for expr in exprs:
            for ins in expr:
                if ins.op == "ref.func" and isinstance(ins.imm, int):
                    refs.add(ins.imm)
        for ex in m.exports:
            if ex.kind == "func":
                refs.add(ex.index)

    def check_elem(self, n: int, e: ast.Elem) -> None:
        ctx = self.ctx
        where = f"elem segment {n}"
        if not isinstance(e.type, RefType):
            self.fail(f"element segment type {e.type} is not a reference type", where)
        self.guard(where, ctx.check_valtype, e.type)
        for k, expr in enumerate(e.init):
            if not self.check_func_ref_item(expr, e.type, f"{where} item {k}"):
                self.check_const(expr, e.type, f"{where} item {k}")
        if e.mode == "active":
            table = self.guard(where, ctx.table, e.table)
            if not ctx.val_sub(e.type, table.elem):
                self.fail(f"type mismatch: element segment's type {e.type} does not match "
                          f"table's element type {table.elem}", where)
            if e.offset is None:
                self.fail("active element segment without offset", where)
            self.check_const(e.offset, table.addr, f"{where} offset")
        elif e.mode not in ("passive", "declarative"):
            self.fail(f"unknown element segment mode {e.mode!r}", where)

    def check_data(self, n: int, d: ast.Data) -> None:
        where = f"data segment {n}"
        if d.mode == "active":
            mem = self.guard(where, self.ctx.mem, d.memory)
            if d.offset is None:
                self.fail("active data segment without offset", where)
            self.check_const(d.offset, mem.addr, f"{where} offset")
        elif d.mode != "passive":
            self.fail(f"unknown data segment mode {d.mode!r}", where)

    def check_func(self, idx: int, f: ast.Func) -> ast.FuncFacts:
        """Type-check one body from its bytes (a list body is encoded first); set `f.facts`."""
        ctx = self.ctx
        ft = ctx.types[f.type_idx]
        nlocals = len(ft.params) + len(f.locals)
        message = exceeds("locals", nlocals)
        if message is not None:
            self._func_error(Invalid(message), idx, f.offset, 0)
        track_inits = False
        for t in set(f.locals):
            if t in NUM_TYPES:
                continue
            try:
                ctx.check_valtype(t)
            except Invalid as e:
                k = f.locals.index(t)
                self._func_error(Invalid(f"{e.message} (local {len(ft.params) + k})"), idx,
                                 f.offset, 0)
            track_inits = track_inits or (isinstance(t, RefType) and not t.nullable)
        checker = BodyChecker(ctx, self.tables, ft.params, f.locals, ft.results, self_idx=idx,
                              track_inits=track_inits)
        code = f.code
        if code is not None:
            try:
                f.facts = checker.run(code.data, code.start, code.end)
                return f.facts
            except Invalid as e:
                error = e
        body = f.body
        if code is not None:           # the error's offset: from the decoded body
            k = checker.error_index
            self._func_error(error, idx, body[k].offset if k < len(body) else None, k)
        try:
            data = encode_body(body)
            f.facts = checker.run(data, 0, len(data) - 1)
        except BadInstr as e:
            self._func_error(e, idx, getattr(body[e.index], "offset", None), e.index)
        except Invalid as e:
            k = checker.error_index
            self._func_error(e, idx, getattr(body[k], "offset", None) if k < len(body) else None,
                             k)
        return f.facts

    def _func_error(self, e: Invalid, idx: int, offset: int | None, instr_index: int):
        err = ValidationError(e.message, func=_func_label(self.m, idx), offset=offset)
        err.func_index = idx
        err.instr_index = instr_index
        raise err from None

    def check_exports(self) -> None:
        ctx = self.ctx
        lookup = {"func": ctx.func, "table": ctx.table, "memory": ctx.mem,
                  "global": ctx.global_, "tag": ctx.tag}
        seen: set[str] = set()
        for ex in self.m.exports:
            where = f"export {ex.name!r}"
            check = lookup.get(ex.kind)
            if check is None:
                self.fail(f"unknown export kind {ex.kind!r}", where)
            self.guard(where, check, ex.index)
            if ex.name in seen:
                self.fail("duplicate export name", where)
            seen.add(ex.name)


def validate(module: ast.Module, features: Features | None = None) -> ModuleInfo:
    """Check that `module` is valid under `features`; return what the compiler may reuse.

    Raises ValidationError (message like the spec interpreter's, with the function and
    instruction offset) or Unsupported (the module needs GC, SIMD or threads).
    """
    with paused_gc():
        return _Validator(module, features if features is not None else Features()).run()
