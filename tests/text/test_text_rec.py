"""(rec ...) groups and (sub final ...) in the text format: byte-identical to wasm-tools."""
from __future__ import annotations

import subprocess

import pytest

from heron import ParseError, Unsupported
from heron.binary import encode
from heron.text import parse_module
from heron.types import FuncType, RefType
from testsuite_paths import wasm_tools


def wasm_tools_parse(text: str) -> bytes:
    tool = wasm_tools()
    if tool is None:
        pytest.skip("wasm-tools not available")
    r = subprocess.run([tool, "parse", "-"], input=text.encode(), capture_output=True)
    assert r.returncode == 0, r.stderr.decode()
    return r.stdout


MODULES = [
    """(module (rec (type $t1 (func)) (type $t2 (func))) (tag (export "tag") (type $t1)))""",
    """(module
      (rec (type $a (func (param (ref $b)) (result i32))) (type $b (func (param i64) (result (ref null $a)))))
      (func $f (type $a) (param (ref $b)) (result i32) (i32.const 1))
      (func (param i64) (result (ref null $a)) (ref.null $a))
      (elem declare func $f))""",
    # rec members never serve an inline type use; a later plain type (or a new one) does
    """(module (rec (type (func (param i32))) (type (func))) (func (param i32)) (func)
               (type (func)) (func))""",
    """(module (rec (type $s (func (param i32)))) (type $f (sub final (func (result i32))))
               (rec) (func (param i32)) (func (result i32) (i32.const 0)))""",
    """(module (type $x (func)) (rec (type $y (func (param (ref $x)))) (type $z (sub final (func))))
               (func (type $z)) (func (type $y) (param (ref $x))))""",
]


@pytest.mark.parametrize("text", MODULES)
def test_same_bytes_as_wasm_tools(text):
    assert encode(parse_module(text)) == wasm_tools_parse(text)


def test_groups_and_names_resolve_across_the_group():
    m = parse_module("""(module (type (func))
      (rec (type $a (func (param (ref $b)))) (type $b (func (result (ref $a))))))""")
    assert m.rec_groups == [(1, 2)]
    assert m.types[1:] == [FuncType((RefType(False, 2),), ()), FuncType((), (RefType(False, 1),))]
    assert m.names.types == {1: "a", 2: "b"}


@pytest.mark.parametrize("text", [
    "(module (type (sub (func))))",
    "(module (type $a (func)) (type (sub final $a (func))))",
    "(module (rec (type (struct))))",
])
def test_gc_forms_stay_unsupported(text):
    with pytest.raises(Unsupported) as info:
        parse_module(text)
    assert info.value.feature == "gc"


def test_rec_holds_only_type_definitions():
    with pytest.raises(ParseError):
        parse_module("(module (rec (func)))")
    with pytest.raises(ParseError, match="duplicate type"):
        parse_module("(module (type $a (func)) (rec (type $a (func))))")
