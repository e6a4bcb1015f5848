"""Script syntax from outside the core suite: `(thread ...)`/`(wait ...)` run in sequence (or
skip as unsupported: threads), unnamed `(module definition)` + `(module instance)`, and the
syntax of proposals Heron does not implement, skipped as `unsupported: <proposal>` in text as
in binary, never a parse error."""
from __future__ import annotations

from pathlib import Path

import pytest

from heron import Unsupported
from heron.binary import decode
from heron.features import Features
from heron.script.adapters import NoExecutionAdapter
from heron.script.runner import run_script
from heron.text import parse_module, parse_script
from heron.valid import validate

SCRIPT = Path(__file__).parent / "data" / "proposals.wast"


def test_threads_definitions_and_proposals_run():
    [r] = run_script(SCRIPT, Features())
    assert r.failed == 0, [(f.line, f.message) for f in r.failures]
    assert r.skip_reasons == {"unsupported: threads": 9, "unsupported: stack-switching": 2,
                              "unsupported: wide-arithmetic": 2}
    assert r.by_kind["thread"].passed == 4 and r.by_kind["thread"].skipped == 1     # $T4 waits on $T5
    assert r.by_kind["wait"].passed == 4 and r.by_kind["wait"].skipped == 1
    # inside $T3 the assertion ran; after it, the script's own current module is back
    assert r.by_kind["assert_return"].passed == 4
    assert r.by_kind["assert_suspension"].skipped == 1


def test_without_execution():
    [r] = run_script(SCRIPT, Features(),
                     adapter_factory=lambda target, strategy, features: NoExecutionAdapter())
    assert r.failed == 0, [(f.line, f.message) for f in r.failures]
    assert "unsupported: stack-switching" in r.skip_reasons


def test_script_parse():
    cmds = parse_script('(thread $t (shared (module $a)) (shared (module $b)) (invoke "f")) (wait $t)'
                        ' (assert_suspension (invoke "g") "x") (module instance)')
    thread, wait, suspension, instance = cmds
    assert thread.name == "t" and thread.shared == ["a", "b"] and len(thread.commands) == 1
    assert wait.thread == "t"
    assert (suspension.kind, suspension.feature) == ("assert_suspension", "stack-switching")
    assert instance.instance is None and instance.definition is None


@pytest.mark.parametrize("text, feature", [
    ("(type $f (func)) (type (cont $f))", "stack-switching"),
    ("(func (param (ref null cont)))", "stack-switching"),
    ("(func (param contref))", "stack-switching"),
    ("(type $f (func)) (func (drop (cont.new $f (ref.null nofunc))))", "stack-switching"),
    ("(func (result i64 i64) (i64.mul_wide_s (i64.const 1) (i64.const 2)))", "wide-arithmetic"),
    ("(rec (type $a (descriptor $b) (struct)) (type $b (describes $a) (struct)))",
     "custom-descriptors"),
    ("(type $f (func)) (global (ref null (exact $f)) (ref.null $f))", "custom-descriptors"),
    ("(memory 1 (pagesize 1))", "custom-page-sizes"),
    ("(type $f (func)) (import \"\" \"\" (func (exact (type $f))))", "custom-descriptors"),
])
def test_text_of_unimplemented_proposals(text, feature):
    with pytest.raises(Unsupported) as info:
        parse_module(f"(module {text})")
    assert info.value.feature == feature


def test_shared_memory_is_parsed_then_unsupported():
    m = parse_module("(module (memory 1 1 shared))")
    with pytest.raises(Unsupported) as info:
        validate(m)
    assert info.value.feature == "threads"


HEADER = b"\x00asm\x01\x00\x00\x00"


@pytest.mark.parametrize("wasm, feature", [
    (HEADER + b"\x01\x06\x02\x60\x00\x00\x5d\x00", "stack-switching"),                   # cont type
    (HEADER + b"\x01\x05\x01\x60\x01\x68\x00", "stack-switching"),                       # contref param
    (HEADER + b"\x01\x0a\x01\x4e\x02\x4d\x01\x5f\x00\x4c\x00\x5f", "custom-descriptors"),
    (HEADER + b"\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00\x0a\x06\x01\x04\x00\xe0\x00\x0b",
     "stack-switching"),                                                                  # cont.new
    (HEADER + b"\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00\x0a\x06\x01\x04\x00\xfc\x13\x0b",
     "wide-arithmetic"),                                                                  # i64.add128
    (HEADER + b"\x02\x05\x01\x00\x00\x20\x00", "custom-descriptors"),                     # exact import
])
def test_binary_of_unimplemented_proposals(wasm, feature):
    with pytest.raises(Unsupported) as info:
        decode(wasm)
    assert info.value.feature == feature
