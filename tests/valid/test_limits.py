"""Implementation limits for modules that were not decoded (text, built by hand): the validator
checks the same counts as the decoder, first, and the one limit that needs the function's type
(locals, parameters included). Each test takes milliseconds."""
from __future__ import annotations

import time

import pytest

from heron import ValidationError
from heron.ast import Data, Elem, Export, Func, Global, Import, Instr, Module, Table
from heron.binary.limits import LIMITS
from heron.text import parse_module
from heron.types import FUNCREF, FuncType, GlobalType, Limits, MemType, TableType, TagType
from heron.valid import validate

END = [Instr("end")]


def rejected(m: Module, limit: str, count: int) -> ValidationError:
    start = time.perf_counter()
    with pytest.raises(ValidationError) as info:
        validate(m)
    assert time.perf_counter() - start < 1.0
    value, phrase = LIMITS[limit]
    assert info.value.message.startswith(f"{phrase}: {count} exceeds the limit of {value}")
    return info.value


def over(limit: str) -> int:
    return LIMITS[limit][0] + 1


@pytest.mark.parametrize("limit, build", [
    ("types", lambda n: Module(types=[FuncType()] * n)),
    ("imports", lambda n: Module(types=[FuncType()], imports=[Import("m", "f", "func", 0)] * n)),
    ("functions", lambda n: Module(types=[FuncType()], funcs=[Func(0, [], END)] * n)),
    ("exports", lambda n: Module(exports=[Export("e", "func", 0)] * n)),
    ("globals", lambda n: Module(globals=[Global(GlobalType("i32"), [Instr("i32.const", 0)] + END)] * n)),
    ("tables", lambda n: Module(tables=[Table(TableType(Limits(0), FUNCREF))] * n)),
    ("memories", lambda n: Module(mems=[MemType(Limits(0))] * n)),
    ("tags", lambda n: Module(types=[FuncType()], tags=[TagType(0)] * n)),
    ("element segments", lambda n: Module(elems=[Elem(FUNCREF, [])] * n)),
    ("data segments", lambda n: Module(datas=[Data(b"")] * n)),
])
def test_module_counts(limit, build):
    rejected(build(over(limit)), limit, over(limit))


def test_imports_count_toward_the_index_space():
    n = LIMITS["memories"][0]
    m = Module(imports=[Import("m", "mem", "memory", MemType(Limits(0)))],
               mems=[MemType(Limits(0))] * n)
    rejected(m, "memories", n + 1)


def test_params_and_results():
    rejected(Module(types=[FuncType(("i32",) * 1001, ())]), "params", 1001)
    rejected(Module(types=[FuncType((), ("i64",) * 1001)]), "results", 1001)
    validate(Module(types=[FuncType(("i32",) * 1000, ("i64",) * 1000)]))


def test_locals_include_parameters():
    m = Module(types=[FuncType(("i32",) * 2, ())], funcs=[Func(0, ["i64"] * 49_999, END)])
    err = rejected(m, "locals", 50_001)
    assert err.func_index == 0
    m.funcs[0].locals = ["i64"] * 49_998
    validate(m)


class _Long(list):
    """A list that says it is longer than it is (10 million real items would take 80 MB)."""

    def __init__(self, items: list, length: int):
        super().__init__(items)
        self.length = length

    def __len__(self) -> int:
        return self.length


def test_element_items():
    n = over("table entries")
    item = [Instr("ref.func", 0)] + END
    m = Module(types=[FuncType()], funcs=[Func(0, [], END)],
               elems=[Elem(FUNCREF, _Long([item], n), mode="declarative")])
    rejected(m, "table entries", n)


def test_text_module_over_a_limit():
    params = " ".join(["i32"] * 1001)
    rejected(parse_module(f"(module (func (param {params})))"), "params", 1001)


def test_select_types_in_a_list_body():
    body = [Instr("i32.const", 0)] * 3 + [Instr("select", ("i32",) * 11), Instr("drop")] + END
    with pytest.raises(ValidationError, match="too many select types: 11 exceeds the limit"):
        validate(Module(types=[FuncType()], funcs=[Func(0, [], body)]))
