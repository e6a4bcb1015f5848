"""ast.Module's index-space helpers: right answers, computed once (not per call), and fresh
again when a list they come from changes."""
from __future__ import annotations

import time

from heron.ast import Func, Import, Instr, Module, Table
from heron.types import FUNCREF, FuncType, GlobalType, Limits, MemType, TableType, TagType

END = [Instr("end")]


def sample() -> Module:
    types = [FuncType(), FuncType(("i32",), ())]
    imports = [Import("m", "f", "func", 1), Import("m", "t", "table", TableType(Limits(1), FUNCREF)),
               Import("m", "g", "func", 0), Import("m", "mem", "memory", MemType(Limits(1))),
               Import("m", "gl", "global", GlobalType("i32")), Import("m", "e", "tag", TagType(1))]
    return Module(types=types, imports=imports, funcs=[Func(1, [], END), Func(0, [], END)],
                  tables=[Table(TableType(Limits(2), FUNCREF))], mems=[MemType(Limits(3))],
                  tags=[TagType(0)])


def test_index_spaces():
    m = sample()
    assert [i.name for i in m.imported("func")] == ["f", "g"]
    assert m.num_funcs() == 4
    assert [m.func_type(k) for k in range(4)] == [m.types[1], m.types[0], m.types[1], m.types[0]]
    assert [t.limits.min for t in m.all_tables()] == [1, 2]
    assert [t.limits.min for t in m.all_mems()] == [1, 3]
    assert m.all_globals() == [GlobalType("i32")]
    assert m.all_tags() == [TagType(1), TagType(0)]
    assert m.imported("nothing") == []


def test_caches_follow_changes():
    m = sample()
    assert m.num_funcs() == 4
    m.imports.append(Import("m", "h", "func", 0))
    assert m.num_funcs() == 5 and m.func_type(2).params == ()
    m.tables = []
    assert len(m.all_tables()) == 1
    m.rec_groups.append((0, 2))
    assert m.rec_group(1) == (0, 2)
    m.rec_groups.clear()
    assert m.rec_group(1) == (1, 1)


def test_helpers_are_constant_time():
    """100,000 imported functions, 100,000 lookups: a list rebuilt per call would take minutes."""
    n = 100_000
    m = Module(types=[FuncType()], imports=[Import("m", str(k), "func", 0) for k in range(n)],
               funcs=[Func(0, [], END)])
    start = time.perf_counter()
    for k in range(n):
        m.func_type(k)
        m.num_funcs()
    assert m.func_type(n) is m.types[0]
    assert time.perf_counter() - start < 2.0
    groups = [(k, 1) for k in range(0, 2 * n, 2)]
    m.rec_groups = groups
    start = time.perf_counter()
    for k in range(0, 2 * n, 2):
        assert m.rec_group(k) == (k, 1)
    assert time.perf_counter() - start < 2.0
