"""Validation rules on hand-built modules: each test states one rule of the spec."""
from __future__ import annotations

import pytest

from heron import Features, Unsupported, ValidationError
from heron.ast import Catch, Data, Elem, Export, Func, Global, Import, Instr, MemArg, Module, Names, Table
from heron.binary.opcodes import BY_NAME
from heron.features import UNIMPLEMENTED
from heron.types import (EXNREF, EXTERNREF, FUNCREF, FuncType, GlobalType, Limits, MemType,
                         RefType, TableType, TagType)
from heron.valid import validate
from heron.valid.rules import has_rule

I = Instr
EMPTY = FuncType()


def ops(*items) -> list[Instr]:
    """('i32.const', 1), 'drop', ... -> a flat body with its final end."""
    out = [I(*it) if isinstance(it, tuple) else I(it) for it in items]
    return out + [I("end")]


def module(*bodies, types=None, results=(), params=(), locals_=(), **kw) -> Module:
    types = list(types) if types is not None else [FuncType(tuple(params), tuple(results))]
    funcs = [Func(0, list(locals_), ops(*b)) for b in bodies]
    return Module(types=types, funcs=funcs, **kw)


def invalid(m: Module, fragment: str, features: Features | None = None) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        validate(m, features)
    assert fragment in info.value.message, info.value.message
    return info.value


# ---- operand stack and control -----------------------------------------------------------------

def test_simple_arithmetic_and_mismatch():
    validate(module([("i32.const", 1), ("i32.const", 2), "i32.add"], results=["i32"]))
    err = invalid(module([("i32.const", 1), ("i64.const", 2), "i32.add"], results=["i32"]),
                  "type mismatch")
    assert err.message == "type mismatch: instruction requires [i32 i32] but stack has [i32 i64]"


def test_block_result_checked_at_end():
    invalid(module([("block", "i32"), "end"]), "type mismatch")
    invalid(module([("block", None), ("i32.const", 1), "end"]), "type mismatch: block requires []")
    validate(module([("block", "i32"), ("i32.const", 1), "end", "drop"]))


def test_unreachable_makes_stack_polymorphic():
    validate(module(["unreachable", "i32.add"], results=["i32"]))
    validate(module(["unreachable", "select", "drop"]))
    validate(module(["unreachable", "ref.as_non_null", ("br_on_null", 0), "drop"]))
    # Known types below the polymorphic part still count.
    invalid(module(["unreachable", ("i64.const", 0), "i32.add", "drop"]), "type mismatch")


def test_if_without_else_needs_matching_types():
    types = [FuncType(), FuncType(("i32",), ("i32",))]
    validate(module([("i32.const", 5), ("i32.const", 1), ("if", 1), "end", "drop"], types=types))
    invalid(module([("i32.const", 1), ("if", "i32"), ("i32.const", 1), "end", "drop"]),
            "type mismatch")


def test_br_table_arity_and_types():
    body = [("block", "i32"), ("block", None), ("i32.const", 0), ("i32.const", 0),
            ("br_table", ((0,), 1)), "end", ("i32.const", 1), "end", "drop"]
    invalid(module(body), "type mismatch")
    ok = [("block", "i32"), ("block", "i32"), ("i32.const", 0), ("i32.const", 0),
          ("br_table", ((0,), 1)), "end", "end", "drop"]
    validate(module(ok))
    invalid(module([("i32.const", 0), ("br_table", ((), 3))]), "unknown label")


def test_labels_and_else():
    invalid(module([("br", 1)]), "unknown label 1")
    invalid(module(["else"]), "else")


def test_select_untyped_rejects_references_typed_accepts():
    invalid(module([("ref.null", "func"), ("ref.null", "func"), ("i32.const", 1), "select",
                    "drop"]), "type mismatch")
    validate(module([("ref.null", "func"), ("ref.null", "func"), ("i32.const", 1),
                     ("select", (FUNCREF,)), "drop"]))
    invalid(module([("i32.const", 1), ("i32.const", 1), ("i32.const", 1),
                    ("select", ("i32", "i32")), "drop"]), "invalid result arity")


def test_max_height_and_depth_facts():
    m = module([("i32.const", 1), ("block", None), ("i32.const", 2), ("i32.const", 3), "drop",
                "drop", "end", "drop"])
    info = validate(m)
    f = info.funcs[0]
    assert f is m.funcs[0].facts
    assert f.max_height == 3 and f.max_depth == 2 and f.num_instrs == len(m.funcs[0].body) == 9
    # the function's own results count as stack height at its end; a flat body has depth 1
    m = module([("i32.const", 1)], results=["i32"])
    f = validate(m).funcs[0]
    assert (f.max_height, f.max_depth, f.num_instrs) == (1, 1, 2)


def test_deep_nesting_is_iterative():
    n = 100_000
    body = [I("block") for _ in range(n)] + [I("end") for _ in range(n)] + [I("end")]
    info = validate(Module(types=[EMPTY], funcs=[Func(0, [], body)]))
    assert info.funcs[0].max_depth == n + 1
    assert info.funcs[0].num_instrs == 2 * n + 1


def test_missing_or_extra_end():
    m = Module(types=[EMPTY], funcs=[Func(0, [], [I("nop")])])
    invalid(m, "end")
    m = Module(types=[EMPTY], funcs=[Func(0, [], [I("end"), I("nop")])])
    invalid(m, "after end")


# ---- locals ------------------------------------------------------------------------------------

def test_local_index_and_uninitialized_non_defaultable_local():
    types = [EMPTY]
    ref_t = RefType(False, 0)
    invalid(module([("local.get", 0), "drop"]), "unknown local 0")
    invalid(module([("local.get", 0), "drop"], types=types, locals_=[ref_t]), "uninitialized local")
    validate(module([("ref.func", 0), ("local.set", 0), ("local.get", 0), "drop"], types=types,
                    locals_=[ref_t], elems=[Elem(FUNCREF, [ops(("ref.func", 0))],
                                                  mode="declarative")]))
    # Initialization lasts until the end of the block that made it.
    body = [("block", None), ("ref.func", 0), ("local.set", 0), "end", ("local.get", 0), "drop"]
    invalid(module(body, types=types, locals_=[ref_t],
                   elems=[Elem(FUNCREF, [ops(("ref.func", 0))], mode="declarative")]),
            "uninitialized local")


# ---- references --------------------------------------------------------------------------------

def test_ref_func_must_be_declared():
    invalid(module([("ref.func", 0), "drop"]), "undeclared function reference")
    validate(module([("ref.func", 0), "drop"], exports=[Export("f", "func", 0)]))
    validate(module([("ref.func", 0), "drop"],
                    elems=[Elem(FUNCREF, [ops(("ref.func", 0))], mode="declarative")]))
    validate(module([("ref.func", 0), "drop"],
                    globals=[Global(GlobalType(FUNCREF), ops(("ref.func", 0)))]))


def test_type_indices_equal_by_structure():
    t0 = FuncType(("i32",), ())
    types = [EMPTY, t0, FuncType(("i32",), ())]
    # call_ref through type 2 of a (ref 1) value: types 1 and 2 are the same type.
    m = Module(types=types, imports=[Import("m", "f", "func", 1)],
               funcs=[Func(0, [], ops(("i32.const", 1), ("ref.func", 0), ("call_ref", 2)))],
               exports=[Export("f", "func", 0)])
    validate(m)
    types[2] = FuncType(("i64",), ())
    invalid(m, "type mismatch")


def test_subtyping_of_references():
    types = [EMPTY, FuncType((), (FUNCREF,)), FuncType((), (RefType(True, 0),))]
    # (ref $t) <: funcref; (ref null nofunc) <: (ref null $t)
    m = Module(types=types, funcs=[
        Func(1, [], ops(("ref.func", 0))),
        Func(2, [], ops(("ref.null", "nofunc"))),
        Func(2, [], ops(("ref.null", "func"))),
    ], exports=[Export("f", "func", 0)])
    invalid(m, "type mismatch")
    m.funcs.pop()
    validate(m)


def test_ref_as_non_null_and_br_on_non_null():
    ref_t = RefType(False, 0)
    types = [EMPTY, FuncType((RefType(True, 0),), (ref_t,))]
    m = Module(types=types, funcs=[Func(1, [], ops(("local.get", 0), "ref.as_non_null"))])
    validate(m)
    m = Module(types=types, funcs=[Func(1, [], ops(("local.get", 0), ("br_on_non_null", 0),
                                                   "unreachable"))])
    validate(m)
    m = Module(types=[EMPTY, FuncType((RefType(True, 0),), ())],
               funcs=[Func(1, [], ops(("local.get", 0), ("br_on_non_null", 0)))])
    invalid(m, "type mismatch")


def test_gc_and_threads_are_unsupported():
    with pytest.raises(Unsupported) as info:
        validate(module([("ref.null", "any"), "drop"]))
    assert info.value.feature == "gc"
    with pytest.raises(Unsupported) as info:
        validate(Module(mems=[MemType(Limits(1, 1), shared=True)]))
    assert info.value.feature == "threads"


# ---- calls -------------------------------------------------------------------------------------

def test_return_call_results_must_match_caller():
    ref_t = RefType(False, 0)
    types = [EMPTY, FuncType((), (ref_t,)), FuncType((), (FUNCREF,))]
    m = Module(types=types, funcs=[Func(0, [], ops()), Func(1, [], ops(("ref.func", 0))),
                                   Func(2, [], ops(("return_call", 1)))],
               exports=[Export("f", "func", 0)])
    validate(m)
    m.funcs[2] = Func(1, [], ops(("return_call", 1)))
    validate(m)
    m.funcs[1] = Func(2, [], ops(("ref.null", "func")))
    invalid(m, "type mismatch")


def test_call_indirect_table_type_and_table64():
    tt = TableType(Limits(1), FUNCREF, addr="i64")
    m = module([("i64.const", 0), ("call_indirect", (0, 0))], tables=[Table(tt)])
    validate(m)
    invalid(module([("i32.const", 0), ("call_indirect", (0, 0))], tables=[Table(tt)]),
            "type mismatch")
    invalid(module([("i32.const", 0), ("call_indirect", (0, 0))],
                   tables=[Table(TableType(Limits(1), EXTERNREF))]), "type mismatch")
    invalid(module([("i32.const", 0), ("call_indirect", (0, 0))]), "unknown table 0")


# ---- memories ----------------------------------------------------------------------------------

def test_memarg_alignment_offset_and_address_type():
    mem = [MemType(Limits(1))]
    validate(module([("i32.const", 0), ("i32.load", MemArg(2, 0)), "drop"], mems=mem))
    invalid(module([("i32.const", 0), ("i32.load", MemArg(3, 0)), "drop"], mems=mem),
            "alignment must not be larger than natural")
    invalid(module([("i32.const", 0), ("i32.load8_u", MemArg(1, 0)), "drop"], mems=mem),
            "alignment")
    invalid(module([("i32.const", 0), ("i32.load", MemArg(0, 1 << 32)), "drop"], mems=mem),
            "offset out of range")
    mem64 = [MemType(Limits(1), addr="i64")]
    validate(module([("i64.const", 0), ("i32.load", MemArg(0, 1 << 40)), "drop"], mems=mem64))
    invalid(module([("i32.const", 0), ("i32.load", MemArg(0, 0)), "drop"], mems=mem64),
            "type mismatch")
    invalid(module([("i32.const", 0), ("i32.load", MemArg(0, 0, 1)), "drop"], mems=mem),
            "unknown memory 1")


def test_multi_memory_gate_and_copy_between_address_types():
    mems = [MemType(Limits(1)), MemType(Limits(1), addr="i64")]
    body = [("i64.const", 0), ("i32.const", 0), ("i32.const", 0), ("memory.copy", (1, 0))]
    validate(module(body, mems=mems))
    no_multi = Features()
    no_multi.set("multi-memory", False)
    invalid(module(body, mems=mems), "multiple memories", no_multi)


def test_memory_and_table_limits():
    invalid(Module(mems=[MemType(Limits(65537))]), "memory size")
    invalid(Module(mems=[MemType(Limits(2, 1))]), "size minimum must not be greater than maximum")
    validate(Module(mems=[MemType(Limits(1 << 20), addr="i64")]))
    invalid(Module(mems=[MemType(Limits((1 << 48) + 1), addr="i64")]), "memory size")
    invalid(Module(tables=[Table(TableType(Limits(1 << 32), FUNCREF))]), "table size")


def test_data_and_elem_indices():
    mem = [MemType(Limits(1))]
    body = [("i32.const", 0), ("i32.const", 0), ("i32.const", 0), ("memory.init", (0, 0))]
    invalid(module(body, mems=mem), "unknown data segment 0")
    validate(module(body, mems=mem, datas=[Data(b"x")], data_count=1))
    invalid(module([("elem.drop", 4)]), "unknown elem segment 4")


# ---- exceptions --------------------------------------------------------------------------------

def test_tags_throw_and_try_table_labels():
    types = [EMPTY, FuncType(("i32",), ())]
    tags = [TagType(1)]
    validate(module([("i32.const", 1), ("throw", 0)], types=types, tags=tags))
    invalid(module([("throw", 0)], types=types, tags=tags), "type mismatch")
    invalid(module([("throw", 1)], types=types, tags=tags), "unknown tag 1")
    invalid(Module(types=[FuncType((), ("i32",))], tags=[TagType(0)]), "non-empty tag result type")

    def try_table(label_type, catches):
        return module([("block", label_type), ("try_table", (None, tuple(catches))), "end",
                       "unreachable", "end", "drop"], types=types, tags=tags)

    validate(try_table("i32", [Catch("catch", 0, 0)]))
    invalid(try_table("i64", [Catch("catch", 0, 0)]), "type mismatch")
    validate(try_table(EXNREF, [Catch("catch_all_ref", None, 0)]))
    validate(try_table(RefType(False, "exn"), [Catch("catch_all_ref", None, 0)]))
    invalid(try_table("i32", [Catch("catch_all", None, 0)]), "type mismatch")
    catch_ref = module([("block", 2), ("try_table", (None, (Catch("catch_ref", 0, 0),))), "end",
                        "unreachable", "end", "drop", "drop"],
                       types=[EMPTY, FuncType(("i32",), ()), FuncType((), ("i32", EXNREF))],
                       tags=[TagType(1)])
    validate(catch_ref)
    invalid(module(["throw_ref"]), "type mismatch")
    validate(module([("ref.null", "exn"), "throw_ref"]))


def test_legacy_exceptions_need_the_feature_and_rethrow_labels():
    legacy = Features()
    legacy.set("legacy-exceptions", True)
    tags = [TagType(0)]
    body = [("try", None), ("catch", 0), ("rethrow", 0), "end"]
    err = invalid(module(body, tags=tags), "legacy-exceptions")
    assert "legacy-exceptions" in err.message
    validate(module(body, tags=tags), legacy)
    invalid(module([("try", None), ("rethrow", 0), "end"], tags=tags), "invalid rethrow label",
            legacy)
    invalid(module([("block", None), ("rethrow", 0), "end"]), "invalid rethrow label", legacy)
    # delegate's label counts from outside the try block.
    validate(module([("try", None), ("delegate", 0)]), legacy)
    invalid(module([("try", None), ("delegate", 1)]), "unknown label", legacy)
    validate(module([("block", None), ("try", None), ("delegate", 1), "end"]), legacy)
    # catch blocks start with the tag's parameters on the stack.
    types = [EMPTY, FuncType(("i64",), ())]
    invalid(module([("try", "i32"), ("i32.const", 1), ("catch", 0), "end", "drop"], types=types,
                   tags=[TagType(1)]), "type mismatch", legacy)


# ---- module level ------------------------------------------------------------------------------

def test_constant_expressions():
    imported = [Import("m", "g", "global", GlobalType("i32"))]
    validate(Module(imports=imported, globals=[
        Global(GlobalType("i32"), ops(("global.get", 0), ("i32.const", 1), "i32.add")),
        Global(GlobalType("i32"), ops(("global.get", 1)))]))
    invalid(Module(globals=[Global(GlobalType("i32"), ops(("global.get", 0)))]), "unknown global 0")
    invalid(Module(globals=[Global(GlobalType("i32", True), ops(("i32.const", 0))),
                            Global(GlobalType("i32"), ops(("global.get", 0)))]),
            "constant expression required")
    invalid(Module(globals=[Global(GlobalType("i32"), ops(("i32.const", 0), "i32.eqz"))]),
            "constant expression required")
    no_ext = Features()
    no_ext.set("extended-const", False)
    invalid(Module(globals=[Global(GlobalType("i32"), ops(("i32.const", 0), ("i32.const", 0),
                                                          "i32.add"))]),
            "constant expression required", no_ext)
    invalid(Module(globals=[Global(GlobalType("i64"), ops(("i32.const", 0)))]), "type mismatch")


def test_tables_elems_and_start_and_exports():
    ref_t = RefType(False, 0)
    invalid(Module(types=[EMPTY], tables=[Table(TableType(Limits(1), ref_t))]), "type mismatch")
    validate(Module(types=[EMPTY], funcs=[Func(0, [], ops())],
                    tables=[Table(TableType(Limits(1), ref_t), ops(("ref.func", 0)))]))
    invalid(Module(tables=[Table(TableType(Limits(1), FUNCREF))],
                   elems=[Elem(EXTERNREF, [], mode="active", offset=ops(("i32.const", 0)))]),
            "type mismatch")
    invalid(module([], params=["i32"], start=0), "start function")
    invalid(module([], exports=[Export("a", "func", 0), Export("a", "func", 0)]),
            "duplicate export name")
    invalid(module([], exports=[Export("a", "global", 0)]), "unknown global 0")


def test_error_names_function_and_offset():
    body = [I("i32.const", 1, offset=30), I("i64.eqz", offset=32), I("drop", offset=33),
            I("end", offset=34)]
    m = Module(types=[EMPTY], funcs=[Func(0, [], [I("end")]), Func(0, [], body)],
               names=Names(funcs={1: "second"}))
    with pytest.raises(ValidationError) as info:
        validate(m)
    assert info.value.func == "1 $second" and info.value.offset == 32
    assert info.value.func_index == 1 and info.value.instr_index == 1


def test_every_opcode_has_a_typing_rule():
    missing = {name for name, info in BY_NAME.items()
               if info.feature not in UNIMPLEMENTED and not has_rule(info)}
    assert not missing


def test_malformed_immediates_are_validation_errors():
    invalid(module([("br_table", 7)]), "malformed immediate")
    invalid(module([("i32.load", None), "drop"], mems=[MemType(Limits(1))]), "malformed immediate")


def test_call_and_throw_facts_for_the_compiler():
    types = [EMPTY]
    m = Module(types=types, imports=[Import("m", "f", "func", 0)],
               funcs=[Func(0, [], ops(("call", 0), ("return_call", 2))),
                      Func(0, [], ops(("throw", 0))),
                      Func(0, [], ops(("i32.const", 0), ("call_indirect", (0, 0))))],
               tags=[TagType(0)], tables=[Table(TableType(Limits(1), FUNCREF))])
    f1, f2, f3 = validate(m).funcs
    assert f1.callees == (0, 2) and not f1.throws and not f1.indirect_calls
    assert f1.tail_calls_other and not f1.self_tail_call
    assert f2.throws and not f2.callees
    assert f3.indirect_calls and not f3.throws
