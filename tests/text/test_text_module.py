"""The module parser: folded/flat equivalence, ids, implicit types, names, errors, depth."""
from __future__ import annotations

import sys

import pytest

from heron import ParseError, Unsupported
from heron.ast import Instr, MemArg
from heron.text import load_module, parse_module, parse_script
from heron.text.lexer import Source, decode_string


def body(text: str, func: int = 0) -> list[Instr]:
    return parse_module(text).funcs[func].body


def ops(instrs) -> list:
    return [(i.op, i.imm) for i in instrs]


# -- strings -----------------------------------------------------------------------

@pytest.mark.parametrize("literal, raw", [
    (r"abc", b"abc"), (r"\n\t\r", b"\n\t\r"), (r"\\\'\"", b"\\'\""), (r"\00\ff\7F", b"\x00\xff\x7f"),
    (r"\u{41}\u{e9}\u{1F600}", "Aé😀".encode()), (r"\u{1_0000}", "\U00010000".encode()), ("é", "é".encode()),
])
def test_string_escapes(literal, raw):
    assert decode_string(literal, Source(literal), 0) == raw


@pytest.mark.parametrize("literal", [r"\x", r"\u{}", r"\u{110000}", r"\u{d800}", "\\", r"\0"])
def test_bad_escapes(literal):
    with pytest.raises(ParseError):
        decode_string(literal, Source(literal), 0)


def test_data_strings_concatenate():
    m = parse_module('(module (memory 1) (data (i32.const 0) "a\\62" "" "\\u{63}"))')
    assert m.datas[0].init == b"abc"


# -- instructions -------------------------------------------------------------------

def test_folded_equals_flat():
    folded = body("""(module (func (param i32) (result i32)
        (block $b (result i32)
          (if (result i32) (local.get 0)
            (then (br $b (i32.const 1)))
            (else (i32.add (i32.const 2) (i32.const 3)))))))""")
    flat = body("""(module (func (param i32) (result i32)
        block $b (result i32)
          local.get 0
          if (result i32)
            i32.const 1
            br $b
          else
            i32.const 2
            i32.const 3
            i32.add
          end
        end))""")
    assert folded == flat
    assert ops(flat) == [("block", "i32"), ("local.get", 0), ("if", "i32"), ("i32.const", 1),
                         ("br", 1), ("else", None), ("i32.const", 2), ("i32.const", 3),
                         ("i32.add", None), ("end", None), ("end", None), ("end", None)]


def test_legacy_try_folded_equals_flat():
    folded = body("""(module (tag $e (param i32)) (func
        (try $t (do (throw $e (i32.const 1))) (catch $e drop) (catch_all (rethrow $t)))
        (try (do nop) (delegate 0))))""")
    flat = body("""(module (tag $e (param i32)) (func
        try $t i32.const 1 throw $e catch $e drop catch_all rethrow $t end
        try nop delegate 0))""")
    assert folded == flat
    assert ops(flat)[-4:] == [("try", None), ("nop", None), ("delegate", 0), ("end", None)]


def test_try_table_catches_resolve_outside_the_block():
    b = body("""(module (tag $e) (func (block $out
        (try_table $in (catch $e $out) (catch_all_ref $out) (br $in)))))""")
    kind, (bt, catches) = b[1].op, b[1].imm
    assert kind == "try_table" and bt is None
    assert [(c.kind, c.tag, c.label) for c in catches] == [("catch", 0, 0), ("catch_all_ref", None, 0)]
    assert b[2] == Instr("br", 0)


def test_immediates_in_binary_order():
    b = body("""(module (type $sig (func)) (table $t0 1 funcref) (table $t1 1 funcref)
        (elem $e func) (memory $m0 1) (memory $m1 1) (data $d "")
        (func
          (call_indirect $t1 (type $sig) (i32.const 0))
          (table.init $t1 $e (i32.const 0) (i32.const 0) (i32.const 0))
          (table.init $e (i32.const 0) (i32.const 0) (i32.const 0))
          (table.copy $t1 $t0 (i32.const 0) (i32.const 0) (i32.const 0))
          (memory.init $m1 $d (i32.const 0) (i32.const 0) (i32.const 0))
          (drop (i64.load $m1 offset=0x10 align=4 (i32.const 0)))
          (select (result i32) (i32.const 1) (i32.const 2) (i32.const 0)) drop))""")
    got = [(i.op, i.imm) for i in b if i.op in ("call_indirect", "table.init", "table.copy",
                                                  "memory.init", "i64.load", "select")]
    assert got == [("call_indirect", (0, 1)), ("table.init", (0, 1)), ("table.init", (0, 0)),
                   ("table.copy", (1, 0)), ("memory.init", (0, 1)),
                   ("i64.load", MemArg(2, 16, 1)), ("select", ("i32",))]


def test_constants_are_bit_patterns():
    b = body("""(module (func (i32.const -1) (i64.const -0x8000000000000000) (f32.const -0.0)
        (f64.const nan:0x4) (f32.const 0x1p-149) drop drop drop drop drop))""")
    assert [i.imm for i in b[:5]] == [0xFFFFFFFF, 1 << 63, 0x80000000, 0x7FF0000000000004, 1]


def test_labels_locals_and_shadowing():
    b = body("""(module (func (param $a i32) (local $b i64) (local f32) (local $c f64)
        (block $l (block $l (br $l)) (br $l))
        local.get $a local.get $b local.get $c drop drop drop))""")
    assert b[2] == Instr("br", 0) and b[4] == Instr("br", 0)
    assert [i.imm for i in b if i.op == "local.get"] == [0, 1, 3]


# -- types and names --------------------------------------------------------------

def test_implicit_types_are_appended_in_wasm_tools_order():
    m = parse_module("""(module
        (import "a" "b" (func (param f32)))
        (func (block (param i64) (result i64)))
        (type $t (func))
        (func (type $t))
        (func (param f32)))""")
    assert [str(t) for t in m.types] == ["[] -> []", "[f32] -> []", "[i64] -> [i64]"]
    assert [f.type_idx for f in m.funcs] == [0, 0, 1]
    assert m.funcs[0].body[0] == Instr("block", 2)


def test_inline_type_must_match_reference():
    with pytest.raises(ParseError, match="inline function type"):
        parse_module("(module (type (func (param i32))) (func (type 0) (param i64)))")


def test_names():
    m = parse_module("""(module $mod (type $t (func (param $p i32))) (func $f (param $x i32) (local $y i32)
        (block $lab)) (global $g i32 (i32.const 0)) (memory $m 1) (table $tab 1 funcref)
        (tag $e) (elem $el func) (data $d ""))""")
    n = m.names
    assert n.module == "mod" and m.id == "mod"
    assert n.funcs == {0: "f"} and n.locals == {0: {0: "x", 1: "y"}} and n.labels == {0: {0: "lab"}}
    assert n.types == {0: "t"} and n.type_params == {0: {0: "p"}}
    assert (n.globals, n.mems, n.tables, n.tags, n.elems, n.datas) == (
        {0: "g"}, {0: "m"}, {0: "tab"}, {0: "e"}, {0: "el"}, {0: "d"})
    assert parse_module("(module (func))").names is None


def test_inline_segments_and_exports():
    m = parse_module("""(module (func $f (export "f") (export "g"))
        (table $t (export "t") funcref (elem $f $f)) (memory (data "ab" "c")))""")
    assert [(e.name, e.kind, e.index) for e in m.exports] == [("f", "func", 0), ("g", "func", 0),
                                                               ("t", "table", 0)]
    assert m.tables[0].type.limits.min == 2 and m.elems[0].mode == "active"
    assert m.mems[0].limits.min == 1 and m.datas[0].init == b"abc"


def test_bare_fields_and_wrappers():
    assert len(parse_module("(func) (func)").funcs) == 2
    assert len(parse_module('(module quote "(func)" "(func)")').funcs) == 2


# -- errors -----------------------------------------------------------------------

@pytest.mark.parametrize("text, message", [
    ("(module (func (result i32) (param i32)))", "param"),
    ("(module (func) (import \"\" \"\" (func)))", "import after function"),
    ("(module (func $f) (func $f))", "duplicate func"),
    ("(module (func (call $nope)))", "unknown function"),
    ("(module (func (local.get $x)))", "unknown local"),
    ("(module (func (br $l)))", "unknown label"),
    ("(module (func block $a end $b))", "mismatching label"),
    ("(module (func (i32.const 0x1_0000_0000)))", "constant out of range"),
    ("(module (memory 1) (func (i32.load align=3 (i32.const 0)) drop))", "power of two"),
    ("(module (func block))", "end"),
    ("(module (func (if (i32.const 0) (else))))", "else"),
    ("(module (func $x (param $a i32) (local $a i32)))", "duplicate local"),
    ("(module (start 0) (start 0) (func))", "multiple start"),
    ("(module (func (nop)) ;; fine\n (; unclosed", "unclosed comment"),
    ("(module (@) )", "empty annotation id"),
])
def test_malformed(text, message):
    with pytest.raises(ParseError, match=message):
        parse_module(text)


def test_error_positions_are_relative_to_the_script():
    script = '(module)\n\n  (module $m\n    (func\n      (i32.add (i32.const 1) (i32.foo))))\n'
    cmds = parse_script(script, "s.wast")
    with pytest.raises(ParseError) as info:
        load_module(cmds[1].source)
    assert (info.value.line, info.value.column) == (5, 31)


def test_unsupported_proposals():
    with pytest.raises(Unsupported) as info:
        parse_module("(module (type (struct)))")
    assert info.value.feature == "gc"
    with pytest.raises(Unsupported) as info:
        parse_module("(module (memory 1 1 shared) (func (drop (i32.atomic.load (i32.const 0)))))")
    assert info.value.feature == "threads"
    # SIMD is parsed now (the compiler reports it, not the front end)
    m = parse_module("(module (func (drop (v128.const i32x4 1 0 0 0x80000000))))")
    assert m.funcs[0].body[0] == Instr("v128.const", 1 | (0x80000000 << 96))


def test_deep_nesting_without_recursion():
    n = 100_000
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(300)
    try:
        m = parse_module("(module (func " + "(block " * n + ")" * n + "))")
        assert len(m.funcs[0].body) == 2 * n + 1
        m = parse_module("(module (func (result i32) " + "(i32.add (i32.const 1) " * n
                         + "(i32.const 0)" + ")" * n + "))")
        assert len(m.funcs[0].body) == 2 * n + 2
        with pytest.raises(ParseError):
            parse_module("(module (func " + "(block " * n + ")" * (n - 1) + "))")
    finally:
        sys.setrecursionlimit(old)


def test_line_comments_end_at_cr_or_lf():
    for nl in ("\n", "\r", "\r\n"):
        b = body(f"(module (func (result i32) (i32.const 1) ;; comment{nl} (return (i32.const 2))))")
        assert ops(b) == [("i32.const", 1), ("i32.const", 2), ("return", None), ("end", None)]


def test_block_comments_nest_and_annotations_are_skipped():
    b = body("(module (func (; a (; b ;) c ;) (@a (x \"y\") (@z)) nop (@b)))")
    assert ops(b) == [("nop", None), ("end", None)]


@pytest.mark.parametrize("text", [
    "(module (tag $e) (func try catch_all catch $e end))",
    "(module (tag $e) (func try catch_all catch_all end))",
    "(module (tag $e) (func try catch $e delegate 0))",
    "(module (tag $e) (func (try (do) (catch_all) (catch $e))))",
    "(module (func (try (do) (delegate 0) (catch_all))))",
])
def test_legacy_try_clause_order(text):
    with pytest.raises(ParseError):
        parse_module(text)
