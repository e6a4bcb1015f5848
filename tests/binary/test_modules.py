"""Hand-written modules: instruction shapes, offsets, sections, the name section."""
from __future__ import annotations

import pytest

from heron import DecodeError, Unsupported
from heron.ast import Catch, Instr, MemArg, Names
from heron.binary import decode, decode_names, encode, encode_names
from heron.types import EXNREF, FUNCREF, RefType

from .wat import wat2wasm

HEADER = b"\x00asm\x01\x00\x00\x00"


def section(sid: int, body: bytes) -> bytes:
    assert len(body) < 128
    return bytes((sid, len(body))) + body


def one_func_module(body: bytes, locals_: bytes = b"\x00", extra: bytes = b"") -> bytes:
    """(type (func)) (func) with the given code entry body (without the final end)."""
    code = locals_ + body + b"\x0b"
    return (HEADER + section(1, b"\x01\x60\x00\x00") + section(3, b"\x01\x00") + extra
            + section(10, b"\x01" + bytes((len(code),)) + code))


def test_try_table_and_throw():
    wasm = wat2wasm("""(module (tag $e (param i32))
      (func (result i32)
        (block $h (result i32 exnref)
          (try_table (catch $e 1) (catch_ref $e 0) (catch_all 1) (catch_all_ref 0)
            (throw $e (i32.const 7))))
        unreachable))""")
    m = decode(wasm)
    body = m.funcs[0].body
    ops = [i.op for i in body]
    assert ops[:2] == ["block", "try_table"]
    bt, catches = body[1].imm
    assert bt is None
    assert catches == (Catch("catch", 0, 1), Catch("catch_ref", 0, 0),
                       Catch("catch_all", None, 1), Catch("catch_all_ref", None, 0))
    assert Instr("throw", 0) in body
    assert body[0].imm == 2          # block type: type index of [] -> [i32 exnref]
    assert m.types[2].results == ("i32", EXNREF)
    assert encode(m) == wasm
    # offsets are module offsets of each opcode byte
    for ins in body:
        assert wasm[ins.offset] in (0x02, 0x1F, 0x41, 0x08, 0x0B, 0x00)


def test_legacy_try_catch_delegate_rethrow():
    wasm = wat2wasm("""(module (tag $e (param i32))
      (func (result i32) try (result i32) i32.const 1 catch $e catch_all i32.const 2 end)
      (func try try nop delegate 0 catch_all rethrow 0 end))""")
    m = decode(wasm)
    assert [i.op for i in m.funcs[0].body] == [
        "try", "i32.const", "catch", "catch_all", "i32.const", "end", "end"]
    assert [i.op for i in m.funcs[1].body] == [
        "try", "try", "nop", "delegate", "catch_all", "rethrow", "end", "end"]
    assert encode(m) == wasm


@pytest.mark.parametrize("body", [
    b"\x05",                    # else outside if
    b"\x02\x40\x05\x0b",        # else in a block
    b"\x04\x40\x05\x05\x0b",    # two elses
    b"\x19",                    # catch_all outside try
    b"\x07\x00",                # catch outside try
    b"\x18\x00",                # delegate outside try
])
def test_misplaced_structure_is_malformed(body):
    with pytest.raises(DecodeError):
        decode(one_func_module(body))


def test_constants_are_unsigned_bit_patterns():
    wasm = wat2wasm("""(module (func
      i32.const -1 drop i64.const -2 drop f32.const -nan:0x200001 drop f64.const -0 drop))""")
    m = decode(wasm)
    imms = [i.imm for i in m.funcs[0].body if i.op.endswith("const")]
    assert imms == [0xFFFFFFFF, 0xFFFFFFFFFFFFFFFE, 0xFFA00001, 0x8000000000000000]
    assert encode(m) == wasm


def test_memarg_multi_memory_and_memory64():
    wasm = wat2wasm("""(module (memory 1) (memory $m64 i64 1)
      (func (i64.load $m64 offset=0x100000000 align=4 (i64.const 0)) drop
            (i32.store8 (i32.const 0) (i32.const 1))))""")
    m = decode(wasm)
    load = next(i for i in m.funcs[0].body if i.op == "i64.load")
    assert load.imm == MemArg(2, 0x100000000, 1)
    store = next(i for i in m.funcs[0].body if i.op == "i32.store8")
    assert store.imm == MemArg(0, 0, 0)
    assert m.mems[1].addr == "i64"
    assert encode(m) == wasm


def test_ref_types_heap_types_and_typed_select():
    wasm = wat2wasm("""(module (type $t (func))
      (table $tb 2 (ref null $t))
      (table 1 (ref func) (ref.func $f))
      (func $f (param (ref $t)) (result funcref)
        (select (result funcref) (ref.null func) (ref.null nofunc) (i32.const 0))
        drop
        (ref.as_non_null (local.get 0)) drop
        (br_on_null 0 (ref.null $t)) drop
        ref.null noexn drop
        (call_ref $t (local.get 0))
        ref.null func)
      (elem declare func $f))""")
    m = decode(wasm)
    assert m.tables[0].type.elem == RefType(True, 0)
    assert m.tables[1].init is not None and m.tables[1].type.elem == RefType(False, "func")
    assert m.types[1].params == (RefType(False, 0),)
    sel = next(i for i in m.funcs[0].body if i.op == "select")
    assert sel.imm == (FUNCREF,)
    assert any(i.op == "ref.null" and i.imm == "noexn" for i in m.funcs[0].body)
    assert any(i.op == "call_ref" and i.imm == 0 for i in m.funcs[0].body)
    assert encode(m) == wasm


def test_sections_tags_elems_datas_customs():
    wasm = wat2wasm("""(module
      (@custom "first" (before first) "A")
      (type (func (param i32)))
      (import "m" "t" (tag $it (param i32)))
      (memory 1) (memory $two 1)
      (tag $e (param i32))
      (@custom "after-tag" (after tag) "B")
      (table 2 funcref) (table $t2 2 funcref)
      (func $f) (func $g)
      (elem (i32.const 0) $f)
      (elem (table $t2) (i32.const 0) func $g)
      (elem func $f)
      (elem declare func $g)
      (elem (i32.const 1) funcref (ref.null func))
      (elem funcref (ref.func $f))
      (elem (table $t2) (i32.const 1) funcref (ref.func $f))
      (elem declare funcref (ref.func $f))
      (data (i32.const 0) "a") (data "b") (data (memory $two) (i32.const 0) "c")
      (func (memory.init 1 (i32.const 0) (i32.const 0) (i32.const 0)) (data.drop 1))
      (@custom "last" "C"))""")
    m = decode(wasm)
    assert [e.encoding for e in m.elems] == [0, 2, 1, 3, 4, 5, 6, 7]
    assert [e.mode for e in m.elems] == ["active", "active", "passive", "declarative",
                                         "active", "passive", "active", "declarative"]
    assert m.elems[1].table == 1
    assert [d.encoding for d in m.datas] == [0, 1, 2]
    assert m.data_count == 3
    assert len(m.tags) == 1 and m.imports[0].kind == "tag"
    assert [(c.name, c.after) for c in m.customs if c.name != "name"] == [
        ("first", 0), ("after-tag", 13), ("last", 11)]
    assert encode(m) == wasm
    # the name section rebuilt from Names lands where wasm-tools puts it (after "last")
    raw_names = [c for c in m.customs if c.name == "name"]
    m.customs = [c for c in m.customs if c.name != "name"]
    assert m.names is not None and raw_names
    assert encode(m) == wasm
    # without recorded encodings the encoder picks the same forms
    for seg in m.elems + m.datas:
        seg.encoding = None
    assert encode(m) == wasm


def test_data_count_section_required():
    # (memory 1) (data "x") and a function using data.drop 0, without a data count section
    mem = section(5, b"\x01\x00\x01")
    code = b"\x00\xfc\x09\x00\x0b"
    wasm = (HEADER + section(1, b"\x01\x60\x00\x00") + section(3, b"\x01\x00") + mem
            + section(10, b"\x01" + bytes((len(code),)) + code) + section(11, b"\x01\x01\x01x"))
    with pytest.raises(DecodeError, match="data count section required"):
        decode(wasm)


def test_unsupported_prefixes_and_gc_types():
    # SIMD (0xFD) is decoded now: v128.const 0; drop
    body = decode(one_func_module(b"\xfd\x0c" + bytes(16) + b"\x1a")).funcs[0].body
    assert body == [Instr("v128.const", 0), Instr("drop"), Instr("end")]
    with pytest.raises(Unsupported) as info:
        decode(one_func_module(b"\xfb\x00\x00"))
    assert info.value.feature == "gc"
    with pytest.raises(Unsupported) as info:
        decode(one_func_module(b"\xfe\x03\x00"))
    assert info.value.feature == "threads"
    with pytest.raises(Unsupported) as info:
        decode(HEADER + section(1, b"\x01\x5e\x7f\x00"))
    assert info.value.feature == "gc"


def test_gc_heap_types_and_v128_decode():
    # (global anyref (ref.null any)) and a v128 local: decoded, left to the validator
    wasm = HEADER + section(6, b"\x01\x6e\x00\xd0\x6e\x0b")
    m = decode(wasm)
    assert m.globals[0].type.valtype == RefType(True, "any")
    assert m.globals[0].init[0] == Instr("ref.null", "any")
    assert encode(m) == wasm
    m = decode(one_func_module(b"", locals_=b"\x01\x01\x7b"))
    assert m.funcs[0].locals == ["v128"]


def test_limits_flags():
    shared = decode(HEADER + section(5, b"\x01\x03\x01\x02"))
    assert shared.mems[0].shared and shared.mems[0].limits.max == 2
    for flags in (b"\x08", b"\x10", b"\x81\x00"):
        with pytest.raises(DecodeError, match="malformed limits flags"):
            decode(HEADER + section(5, b"\x01" + flags + b"\x01"))


def test_locals_are_compressed_into_runs():
    m = decode(one_func_module(b"", locals_=b"\x03\x02\x7f\x01\x7e\x01\x7f"))
    assert m.funcs[0].locals == ["i32", "i32", "i64", "i32"]
    m.funcs[0].locals = ["i32", "i32", "i32", "i64"]
    assert encode(m) == one_func_module(b"", locals_=b"\x02\x03\x7f\x01\x7e")


def test_too_many_locals():
    with pytest.raises(DecodeError, match="too many locals"):
        decode(one_func_module(b"", locals_=b"\x02\xff\xff\xff\xff\x0f\x7f\x02\x7e"))
    with pytest.raises(DecodeError, match="too many locals"):
        decode(one_func_module(b"", locals_=b"\x01\xc0\x84\x3d\x7f"))   # 1,000,000 i32s


def test_deeply_nested_blocks():
    depth = 100_000
    body = b"\x02\x40" * depth + b"\x0b" * depth
    code = b"\x00" + body + b"\x0b"
    from heron.binary import write_uleb
    code_sec = b"\x01" + write_uleb(len(code)) + code
    wasm = (HEADER + section(1, b"\x01\x60\x00\x00") + section(3, b"\x01\x00")
            + b"\x0a" + write_uleb(len(code_sec)) + code_sec)
    m = decode(wasm)
    assert len(m.funcs[0].body) == 2 * depth + 1
    assert encode(m) == wasm
    with pytest.raises(DecodeError):
        decode(wasm[:-1])


# -- the name section ---------------------------------------------------------------

NAMED = [
    "(module $m (func $f (param $x i32) (local $y i32) (block $b)))",
    "(module (func $f (param i32) (local $y i32)) (func (local $z i64)) (func $g))",
    """(module (type $t (func)) (table $tb 1 funcref) (memory $mm 1)
         (global $gg i32 (i32.const 0)) (elem $e func) (data $d "") (tag $tg)
         (func $f (block $a (loop $l (if $i (i32.const 0) (then))))))""",
    "(module $only)",
    "(module (import \"a\" \"b\" (func $imp)) (func $f2) (func (block $a) (block $b)))",
    "(module (@custom \"foo\" (after data) \"bar\") (func $f) (data $d \"x\") (memory 1))",
    "(module (type $t (func (param $x i32) (param i64) (param $z f32))) (func $f (type $t)))",
]


@pytest.mark.parametrize("text", NAMED)
def test_names_encode_like_wasm_tools(text):
    wasm = wat2wasm(text)
    m = decode(wasm)
    assert m.names is not None
    m.customs = [c for c in m.customs if c.name != "name"]   # encode from Names alone
    assert encode(m) == wasm


def test_names_decoded():
    m = decode(wat2wasm(NAMED[0]))
    assert m.names == Names(module="m", funcs={0: "f"}, locals={0: {0: "x", 1: "y"}},
                            labels={0: {0: "b"}})
    assert [c.name for c in m.customs] == ["name"]
    m = decode(wat2wasm(NAMED[2]))
    n = m.names
    assert (n.types, n.tables, n.mems, n.globals, n.elems, n.datas, n.tags) == (
        {0: "t"}, {0: "tb"}, {0: "mm"}, {0: "gg"}, {0: "e"}, {0: "d"}, {0: "tg"})
    assert n.labels == {0: {0: "a", 1: "l", 2: "i"}}
    assert decode(wat2wasm(NAMED[-1])).names.type_params == {0: {0: "x", 2: "z"}}


def test_names_codec_round_trip():
    names = Names(module="mod", funcs={2: "b", 0: "a"}, locals={0: {1: "y", 0: "x"}},
                  fields={1: {0: "fld"}}, tags={0: "t"})
    payload = encode_names(names)
    decoded, error = decode_names(payload)
    assert error is None and decoded == names


def test_malformed_name_section_does_not_make_the_module_malformed():
    # name section: module name subsection whose string runs past its end; then bad UTF-8
    for payload in (b"\x00\x05\x10abc", b"\x01\x04\x01\x00\x02\xff\xfe", b"\x01\x7f"):
        custom = b"\x04name" + payload
        m = decode(HEADER + section(0, custom))
        assert m.customs[0].name == "name" and m.customs[0].data == payload
        assert m.names is not None
        assert encode(m) == HEADER + section(0, custom)


def test_custom_section_name_must_be_utf8():
    with pytest.raises(DecodeError, match="malformed UTF-8 encoding"):
        decode(HEADER + section(0, b"\x02\xc0\x80"))
