"""Instantiation: check imports, build globals/tables/memories/functions, bind the module's
functions into a per-instance namespace (compiled ones, or stubs that compile them on first
call: runtime/linking.py), apply element and data segments, run start.

Wasm 2.0+ semantics: segments are applied in order and instantiation stops at the first
failure with a Trap; what earlier segments wrote to imported tables/memories stays.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import LinkError, Trap, Unsupported
from ..gcpause import paused_gc
from ..numerics import TEMPLATE_GLOBALS, f32_from_bits, f64_from_bits
from ..types import RefType, TableType, MemType, GlobalType
from .boundary import boundary_namespace
from .bulk import HELPERS, mem_init, table_init
from .exceptions import exception_namespace
from .func import Func
from .fuel import Startup, startup_plan
from .globalvar import Global
from .linking import Binder
from .memory import Memory
from .store_arg import state_of
from .table import Table
from .tag import Tag
from .tailcall import TailCall
from .values import M32, M64, canonical_type, canonical_valtype

if TYPE_CHECKING:
    from .store import Store

KIND_CLASS = {"func": Func, "table": Table, "memory": Memory, "global": Global, "tag": Tag}


class InstanceState:
    def __init__(self):
        self.funcs: list = []
        self.tables: list = []
        self.mems: list = []
        self.globals: list = []
        self.tags: list = []
        self.exports: dict = {}
        self.namespace: dict = {}
        self.compiled = None
        self.binder = None


def eval_const(expr, inst: InstanceState, module):
    """Evaluate a constant expression (incl. extended-const arithmetic, ref.func, global.get)."""
    stack = []
    for ins in expr:
        op = ins.op
        if op == "end":
            break
        if op in ("i32.const", "i64.const", "v128.const"):
            stack.append(ins.imm)
        elif op == "f32.const":
            stack.append(f32_from_bits(ins.imm))
        elif op == "f64.const":
            stack.append(f64_from_bits(ins.imm))
        elif op == "ref.null":
            stack.append(None)
        elif op == "ref.func":
            stack.append(inst.funcs[ins.imm])
        elif op == "global.get":
            stack.append(inst.globals[ins.imm].v)
        elif op in ("i32.add", "i32.sub", "i32.mul", "i64.add", "i64.sub", "i64.mul"):
            b = stack.pop()
            a = stack.pop()
            mask = M32 if op[1:3] == "32" else M64
            kind = op[4:]
            r = a + b if kind == "add" else a - b if kind == "sub" else a * b
            stack.append(r & mask)
        else:
            raise Unsupported(op, "in a constant expression")
    return stack[-1] if stack else None


def _limits_match(actual_min: int, actual_max, want) -> bool:
    if actual_min < want.min:
        return False
    if want.max is not None:
        if actual_max is None or actual_max > want.max:
            return False
    return True


def _ref_subtype(a: RefType, b: RefType) -> bool:
    """a <: b for canonical reference types (no GC: func types are final)."""
    if a.nullable and not b.nullable:
        return False
    ha, hb = a.heap, b.heap
    if ha == hb:
        return True
    if hb == "func" and (not isinstance(ha, str) or ha == "nofunc"):
        return True
    if ha == "nofunc" and not isinstance(hb, str):
        return True
    if ha == "noextern" and hb == "extern":
        return True
    if ha == "noexn" and hb == "exn":
        return True
    return False


def _val_match(a, b, exact: bool) -> bool:
    """Does an exported item's (canonical) type `a` fit the import's canonical type `b`?"""
    if isinstance(a, RefType) and isinstance(b, RefType):
        if exact:
            return _ref_subtype(a, b) and _ref_subtype(b, a)
        return _ref_subtype(a, b)
    return a == b


def check_import(imp: Any, item: Any, module: Any, index: int, state: Any = None) -> None:
    """LinkError 'incompatible import type' unless `item` fits the import's type, and
    LinkError for an item of another Store than `state`."""
    kind = imp.kind
    cls = KIND_CLASS[kind]
    if not issubclass(type(item), cls):
        raise LinkError(f"incompatible import type for {imp.module}::{imp.name}: expected {kind}, "
                        f"got {type(item).__name__.lower()}")
    if state is not None and item.store is not state:
        raise LinkError(f"import {imp.module}::{imp.name}: the {kind} belongs to another Store")
    bad = LinkError(f"incompatible import type for {imp.module}::{imp.name}")
    if kind == "func":
        want_f = canonical_type(module, imp.desc)
        if item.ftype is not want_f and item.ftype != want_f:
            raise bad
    elif kind == "table":
        want_t: TableType = imp.desc
        have = item.ttype
        if have.addr != want_t.addr or not _limits_match(len(item.elements), have.limits.max, want_t.limits):
            raise bad
        if not _val_match(have.elem, canonical_valtype(module, want_t.elem), exact=True):
            raise bad
    elif kind == "memory":
        want_m: MemType = imp.desc
        if item.addr != want_m.addr or not _limits_match(len(item.data) // 65536, item.mtype.limits.max,
                                                         want_m.limits):
            raise bad
    elif kind == "global":
        want_g: GlobalType = imp.desc
        have_g = item.gtype
        if have_g.mutable != want_g.mutable:
            raise bad
        if not _val_match(have_g.valtype, canonical_valtype(module, want_g.valtype), exact=want_g.mutable):
            raise bad
    elif kind == "tag":
        want_ft = canonical_type(module, imp.desc.type_idx)
        have = item.ftype
        if have is not want_ft and have != want_ft:
            raise bad


def instantiate(state, compiled, imports: list, instance_obj=None) -> InstanceState:
    module = compiled.module
    inst = InstanceState()
    inst.compiled = compiled
    if len(imports) != len(module.imports):
        raise LinkError(f"expected {len(module.imports)} imports, got {len(imports)}")
    for k, (imp, item) in enumerate(zip(module.imports, imports)):
        if item is None:
            raise LinkError(f"unknown import: {imp.module}::{imp.name}")
        check_import(imp, item, module, k, state)
        getattr(inst, {"func": "funcs", "table": "tables", "memory": "mems", "global": "globals",
                       "tag": "tags"}[imp.kind]).append(item)

    # Func objects, namespace and stubs by the ten thousand, none of them garbage: without
    # the cyclic collector walking the heap again and again (heron/gcpause.py)
    state.limits.new_instance(len(module.tables), len(module.mems))
    with paused_gc():
        nimp_funcs = len(inst.funcs)
        # functions first: globals and tables may refer to them (ref.func)
        types = [canonical_type(module, i) for i in range(len(module.types))]
        may_tail = compiled.may_tail
        make = Func._wasm
        func_name = module.func_name
        for k, f in enumerate(module.funcs):
            idx = nimp_funcs + k
            inst.funcs.append(make(state, types[f.type_idx], func_name(idx), instance_obj, idx, may_tail[idx]))
        for g in module.globals:
            v = eval_const(g.init, inst, module)
            gt = GlobalType(canonical_valtype(module, g.type.valtype), g.type.mutable)
            inst.globals.append(Global._make(state, gt, v))
        for t in module.tables:
            init = eval_const(t.init, inst, module) if t.init is not None else None
            tt = TableType(t.type.limits, canonical_valtype(module, t.type.elem), t.type.addr)
            inst.tables.append(Table._make(state, tt, init))
        for mt in module.mems:
            inst.mems.append(Memory._make(state, mt))
        for tt in module.tags:
            inst.tags.append(Tag._make(state, canonical_type(module, tt.type_idx)))

        ns = dict(TEMPLATE_GLOBALS)
        ns.update(HELPERS)
        ns["TC"] = TailCall
        ns["Trap"] = Trap
        ns["S"] = state.words
        ns.update(exception_namespace(state, inst))
        ns.update(boundary_namespace(state, inst, nimp_funcs))
        for i, f in enumerate(inst.funcs):
            ns[f"R{i}"] = f
        for i, m in enumerate(inst.mems):
            m.bind(ns, f"M{i}")
            ns[f"MEM{i}"] = m
        for i, t in enumerate(inst.tables):
            ns[f"T{i}"] = t.elements
            ns[f"TAB{i}"] = t
        for i, g in enumerate(inst.globals):
            ns[f"G{i}"] = g
        for i in range(len(module.types)):
            ns[f"TY{i}"] = canonical_type(module, i)
        if compiled.options.instrumentation.enabled:
            state.bind_controls(ns)         # what fuel and epoch checks refer to
        # the defined functions: compiled ones, and stubs that compile on first call
        inst.binder = Binder(ns, inst.funcs, compiled)
        inst.binder.bind()
        inst.namespace = ns

    for e in module.exports:
        space = {"func": inst.funcs, "table": inst.tables, "memory": inst.mems, "global": inst.globals,
                 "tag": inst.tags}[e.kind]
        inst.exports[e.name] = space[e.index]

    # with fuel, what Wasmtime's startup function charges for initialization (runtime/fuel.py)
    plan = startup_plan(module) if state.fuel.enabled else None
    startup = Startup(state.fuel, plan) if plan is not None else None
    if startup is not None:
        startup.initial()

    # element segments, then data segments, in order; stop at the first failure
    elems: list = []
    for seg in module.elems:
        elems.append([eval_const(x, inst, module) for x in seg.init])
    datas: list = [bytes(d.init) for d in module.datas]
    ns["ELEM"] = elems
    ns["DATA"] = datas
    for i, seg in enumerate(module.elems):
        if seg.mode == "active":
            off = eval_const(seg.offset, inst, module)
            if startup is not None:
                startup.elem(i)
            table_init(inst.tables[seg.table].elements, off, elems[i], 0, len(elems[i]))
            elems[i] = ()
        elif seg.mode == "declarative":
            elems[i] = ()
    for i, seg in enumerate(module.datas):
        if seg.mode == "active":
            off = eval_const(seg.offset, inst, module)
            if startup is not None:
                startup.data(i)
            mem_init(inst.mems[seg.memory].data, off, datas[i], 0, len(datas[i]))
            datas[i] = b""
    if startup is not None:
        startup.finish()
    if module.start is not None:
        state.enter(inst.funcs[module.start], ())
    return inst


class InstanceExports(Mapping):
    """`instance.exports(store)`: the exports as a read-only mapping by name (in export
    order), `by_index` as a list; `exports[i]` with an int is the i-th export, and
    `exports.name` works where the name is an identifier."""

    def __init__(self, exports: dict):
        self._exports = exports
        self._list = list(exports.values())

    @property
    def by_index(self) -> list:
        """The exported items in the module's export order."""
        return list(self._list)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, int) and not isinstance(key, bool):
            return self._list[key]
        return self._exports[key]

    def __contains__(self, key: object) -> bool:
        return key in self._exports

    def __iter__(self) -> Iterator[str]:
        return iter(self._exports)

    def __len__(self) -> int:
        return len(self._exports)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["_exports"][name]
        except KeyError:
            raise AttributeError(name) from None


class Instance:
    """An instantiated module: `Instance(store, module, imports)` with one item (Func,
    Memory, Table, Global, Tag of the same Store) per import of the module, in order.
    Runs the start function; a trap there raises heron.Trap. `exports(store)` gives the
    exports by name."""

    def __init__(self, store: Store, module: Any, imports: Iterable = ()):
        state = state_of(store)
        if store.engine is not module.engine:
            # compiled code has the engine's stack bounds built in, and its code addresses
            # are in the engine's code map, which backtraces and the unwinder read
            raise LinkError("the module was compiled by another Engine than the Store's")
        if isinstance(imports, (str, bytes)) or not isinstance(imports, Iterable):
            raise TypeError("imports must be a sequence of Func, Memory, Table, Global or Tag")
        self.module = module
        self._store = state
        self._state = instantiate(state, module.compiled, list(imports), self)

    def exports(self, store: Store | None = None) -> InstanceExports:
        """The instance's exports (a mapping by name; `.by_index` in order)."""
        if store is not None and state_of(store) is not self._store:
            raise TypeError("this Instance belongs to another Store")
        return InstanceExports(self._state.exports)


__all__ = ["Instance", "InstanceExports", "InstanceState", "instantiate", "check_import", "eval_const"]
