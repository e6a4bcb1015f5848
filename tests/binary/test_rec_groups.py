"""Recursion groups of function types in the type section: decoded, re-encoded byte for byte."""
from __future__ import annotations

import pytest

from heron import DecodeError, Unsupported
from heron.binary import decode, encode
from heron.types import FuncType, RefType

from .wat import wat2wasm

HEADER = b"\x00asm\x01\x00\x00\x00"


def type_section(body: bytes) -> bytes:
    return HEADER + bytes((1, len(body))) + body


def test_wasm_tools_output_round_trips():
    wasm = wat2wasm("""(module
      (type $a (func (param i32)))
      (rec (type $t1 (func (param (ref $t2)))) (type $t2 (func (result (ref null $t1)))))
      (rec (type $s (func (param i32))))
      (type $f (sub final (func (result i32))))
      (rec)
      (func (param i32))
      (func (type $t1) (param (ref $t2)))
      (func (result i32) i32.const 0))""")
    m = decode(wasm)
    assert m.rec_groups == [(1, 2), (3, 1), (5, 0)]
    assert m.types[1] == FuncType((RefType(False, 2),), ())
    assert m.types[2] == FuncType((), (RefType(True, 1),))
    assert [f.type_idx for f in m.funcs] == [0, 1, 4]
    assert encode(m) == wasm


def test_sub_final_without_supertypes_is_kept_for_re_encoding():
    # (rec (sub final (func)) (func (param i32))) then a plain (sub final (func))
    body = b"\x02\x4e\x02\x4f\x00\x60\x00\x00\x60\x01\x7f\x00\x4f\x00\x60\x00\x00"
    m = decode(type_section(body))
    assert m.types == [FuncType(), FuncType(("i32",)), FuncType()]
    assert m.rec_groups == [(0, 2)]
    assert m.explicit_final == {0, 2}
    assert encode(m) == type_section(body)


@pytest.mark.parametrize("body, feature_or_message", [
    (b"\x01\x4f\x01\x00\x60\x00\x00", "gc"),                  # sub final with a supertype
    (b"\x01\x50\x00\x60\x00\x00", "gc"),                      # non-final sub
    (b"\x01\x4e\x01\x5f\x00", "gc"),                          # struct in a group
    (b"\x01\x4e\x01\x5e\x7f\x00", "gc"),                      # array in a group
    (b"\x01\x4e\x01\x4e\x00", "malformed function type"),     # nested group
    (b"\x01\x4f\x00\x4f\x00\x60\x00\x00", "malformed function type"),
    (b"\x01\x4e\x02\x60\x00\x00", "unexpected end"),
])
def test_rejected_forms(body, feature_or_message):
    if feature_or_message == "gc":
        with pytest.raises(Unsupported) as info:
            decode(type_section(body))
        assert info.value.feature == "gc"
    else:
        with pytest.raises(DecodeError, match=feature_or_message):
            decode(type_section(body))
