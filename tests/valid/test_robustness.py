"""Random instruction soups: validate() answers with ValidationError/Unsupported or a ModuleInfo,
never with a bare Python exception, whatever the order of instructions and indices."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heron import Unsupported, ValidationError
from heron.ast import Catch, Data, Elem, Export, Func, Global, Import, Instr, MemArg, Module, Table
from heron.binary.opcodes import BY_NAME
from heron.features import UNIMPLEMENTED
from heron.types import (EXNREF, EXTERNREF, FUNCREF, FuncType, GlobalType, Limits, MemType,
                         RefType, TableType, TagType)
from heron.valid import validate

VALTYPES = ["i32", "i64", "f32", "f64", FUNCREF, EXTERNREF, EXNREF, RefType(False, 0),
            RefType(True, 1), RefType(False, "func")]
small = st.integers(0, 3)
valtype = st.sampled_from(VALTYPES)
blocktype = st.one_of(st.none(), valtype, small)

IMMEDIATES = {
    "none": st.none(), "block": blocktype,
    "try_table": st.tuples(blocktype, st.lists(
        st.builds(Catch, st.sampled_from(["catch", "catch_ref", "catch_all", "catch_all_ref"]),
                  small, small), max_size=2).map(tuple)),
    "label": small, "br_table": st.tuples(st.lists(small, max_size=3).map(tuple), small),
    "func": small, "call_ind": st.tuples(small, small), "type": small, "local": small,
    "global": small, "table": small, "mem": small, "data": small, "elem": small, "tag": small,
    "memarg": st.builds(MemArg, st.integers(0, 4), st.sampled_from([0, 8, 1 << 32]), small),
    "i32": st.just(0), "i64": st.just(0), "f32": st.just(0), "f64": st.just(0),
    "heap": st.sampled_from(["func", "extern", "exn", "nofunc", 0, 5]),
    "select_t": st.lists(valtype, min_size=0, max_size=2).map(tuple),
    "table2": st.tuples(small, small), "mem2": st.tuples(small, small),
    "table_init": st.tuples(small, small), "mem_init": st.tuples(small, small),
    "lane": st.integers(0, 20),
    "memarg_lane": st.tuples(st.builds(MemArg, st.integers(0, 5), st.sampled_from([0, 1 << 32]),
                                       small), st.integers(0, 20)),
    "v128": st.integers(0, (1 << 128) - 1),
    "shuffle": st.lists(st.integers(0, 40), min_size=16, max_size=16).map(tuple),
}
OPS = sorted(name for name, info in BY_NAME.items() if info.feature not in UNIMPLEMENTED)


@st.composite
def instr(draw):
    op = draw(st.sampled_from(OPS))
    return Instr(op, draw(IMMEDIATES[BY_NAME[op].imm]))


@st.composite
def modules(draw):
    types = [FuncType(), FuncType(("i32",), ("i32",)), FuncType((FUNCREF, "i64"), ()),
             FuncType((), ("i32", EXNREF))]
    bodies = draw(st.lists(st.lists(instr(), max_size=25), min_size=1, max_size=3))
    funcs = [Func(draw(small), draw(st.lists(valtype, max_size=3)), body + [Instr("end")])
             for body in bodies]
    return Module(
        types=types,
        imports=[Import("m", "g", "global", GlobalType("i32")),
                 Import("m", "t", "table", TableType(Limits(1), FUNCREF, addr="i64"))],
        funcs=funcs,
        tables=[Table(TableType(Limits(1), EXTERNREF))],
        mems=[MemType(Limits(1)), MemType(Limits(1), addr="i64")],
        tags=[TagType(0), TagType(2)],
        globals=[Global(GlobalType("i64", True), [Instr("i64.const", 0), Instr("end")])],
        elems=[Elem(FUNCREF, [[Instr("ref.func", 0), Instr("end")]], mode="declarative")],
        datas=[Data(b"abc")], data_count=1,
        exports=[Export("f", "func", 0)],
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(modules())
def test_validate_never_crashes(m):
    try:
        info = validate(m)
    except (ValidationError, Unsupported):
        return
    assert len(info.funcs) == len(m.funcs)
