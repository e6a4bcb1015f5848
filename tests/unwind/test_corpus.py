"""The corpus itself: its expectations agree with the reference engine (wasmtime), with
hand-computed values, and every case really puts arguments on the stack where it says.

These run today, before Heron can throw; test_regressions.py runs the same cases on Heron.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import corpus  # noqa: E402
from corpus import BY_NAME, CASES, horner  # noqa: E402

wasmtime = pytest.importorskip("wasmtime")
import unwind_engines as engines  # noqa: E402

from heron.target.abi import assign  # noqa: E402

TARGETS = ("x86_64-sysv", "x86_64-windows", "aarch64")
REFERENCE_CASES = [c for c in CASES if not c.legacy]
LEGACY_CASES = [c for c in CASES if c.legacy]


def test_corpus_shape():
    assert len(CASES) == len(BY_NAME) >= 90
    families = {c.family for c in CASES}
    assert families == {"register-overflow", "tail-call", "tail-resize", "stack-count", "rethrow", "legacy",
                        "legacy-twin", "outgoing-area", "deep", "two-instances", "host-frames", "frame-reuse",
                        "odd-shapes", "traps", "v128", "v128-legacy"}
    assert len(LEGACY_CASES) == 5


@pytest.mark.parametrize("case", REFERENCE_CASES, ids=lambda c: c.name)
def test_wasmtime_agrees(case):
    """The reference engine computes exactly the expected outcome of every case it can run."""
    assert engines.run_wasmtime(case) == case.expected


@pytest.mark.parametrize("case", LEGACY_CASES, ids=lambda c: c.name)
def test_legacy_case_has_a_reference_twin(case):
    """wasmtime cannot run legacy exceptions; the exnref twin (same program with
    try_table/catch_ref/throw_ref) has the same expectation and wasmtime confirms it."""
    twin = BY_NAME[case.twin]
    assert not twin.legacy
    assert twin.expected == case.expected
    assert engines.run_wasmtime(twin) == case.expected
    assert engines.case_bytes(case, "m").startswith(b"\0asm")   # Heron-encoded, wasm-tools-validated


# ----------------------------------------------------------------------------- hand-computed values

L1, L2x4, L3 = 0x1234567, 10, 77


def test_hand_tail_11489():
    # run -> catcher(100) -> hop1(101) -> return_call hop2(102, 597, 604, 611, 618) throws
    # $e(checksum, 2); constants of hop 2 (positions i = 1..4) are 100 + 7 * (70 + i)
    c = horner([102, 597, 604, 611, 618])
    assert BY_NAME["tail-11489"].expected == ("ok", horner([3, c, 2, L1, L2x4, L3, 100, 0, 0]))
    assert BY_NAME["tail-11489"].expected == ("ok", 3098039436730765387)


def test_hand_overflow_int_plus_1():
    # catcher(i32 i32 i32 i64 i32) gets 100,107,114,10_000_000_039,128; hop 1 receives them +1
    args = [100, 107, 114, 10_000_000_039, 128]
    c = horner([a + 1 for a in args])
    assert BY_NAME["overflow-int+1-depth1"].expected == ("ok", horner([3, c, 1, L1, L2x4, L3, horner(args), 0, 0]))
    assert BY_NAME["overflow-int+1-depth1"].expected == ("ok", 9173313655033308793)


def test_hand_return_path_handler_id():
    # nothing thrown: handler id 1 and a single payload value (the returned checksum)
    case = BY_NAME["overflow-return-path"]
    assert case.expected != BY_NAME["overflow-thrower-regs-only"].expected
    assert case.expected[1] == corpus.horner([1, _returned("overflow-return-path"), L1, L2x4, L3,
                                              corpus.checksum(corpus.ints(9), [100 + 7 * i for i in range(9)]),
                                              0, 0])


def _returned(name: str) -> int:
    # the model's thrower checksum, rebuilt by hand: hop1 = args+1, hop2 (mixed 7i/10f) forwards
    # positions whose types match (+1 / +0.5) and fills the rest with sample constants
    sig = corpus._mixed(7, 10)
    hop1 = [100 + 7 * i + 1 for i in range(9)]
    vals = []
    for i, t in enumerate(sig):
        if i < 9 and t == "i32":
            vals.append(hop1[i] + 1)
        else:
            vals.append(corpus.sample(t, 50 + 20 + i))
    return corpus.checksum(sig, vals)


def test_hand_deep_plain():
    # rec(1000, 1..7) recurses 1000 times bumping p1..p7; rec(0, 1001..1007) throws
    c = horner([0] + [1000 + i for i in range(1, 8)])
    assert BY_NAME["deep-1000-plain"].expected == ("ok", c + 4242 * 7)
    assert BY_NAME["deep-1000-other"].expected == BY_NAME["deep-1000-plain"].expected


def test_hand_rethrow_trail_order():
    # guards at hops 1 and 3 (catch_ref) and 2 (catch_all_ref) bump $trail innermost first: 3, 2, 1
    trail = horner([horner([3, 2]), 1])
    expected = BY_NAME["rethrow-every-frame"].expected[1]
    sans_trail = BY_NAME["rethrow-every-frame"]
    assert trail == (3 * 31 + 2) * 31 + 1
    assert expected == -7765793608375266487
    # a tail call removes the catch_ref frame: nothing bumps $trail
    assert "(return_call $h3" in BY_NAME["rethrow-guard-dropped-by-tail-call"].modules["m"]
    assert sans_trail.expected != BY_NAME["rethrow-guard-dropped-by-tail-call"].expected


def test_hand_instances_and_hosts():
    assert BY_NAME["instances-foreign-tag-not-caught"].expected == ("ok", 2000)
    assert BY_NAME["instances-own-tag-caught"].expected == ("ok", 1008)
    assert BY_NAME["instances-imported-tag-matches"].expected == ("ok", 1009)
    assert BY_NAME["host-wasm-host-wasm-throw"].expected == ("ok", 30_000_000 + 218_007 + 5168 + 18)
    assert BY_NAME["host-uncaught-to-host"].expected == ("uncaught", 240, 7)


# ----------------------------------------------------------------------------- the ABI situations

@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_case_spills_on_x86_64_sysv(case):
    """Every case has a wasm-convention signature with stack arguments on x86_64-sysv (so
    also on Windows, which has fewer registers), except where it says which target it targets."""
    if case.family == "stack-count":
        return
    assert case.stack_signatures
    spilled = [assign(sig, "x86_64-sysv", "wasm").stack_args_size for sig in case.stack_signatures]
    assert max(spilled) > 0, case.name
    for sig in case.host_signatures:
        for target in TARGETS:
            assert assign(sig, target, "system").stack_args_size > 0, (case.name, target)


@pytest.mark.parametrize("target,short", [("x86_64-sysv", "sysv"), ("x86_64-windows", "windows"),
                                          ("aarch64", "aarch64")])
@pytest.mark.parametrize("spilled", [1, 2, 3])
def test_stack_count_cases_spill_exactly(target, short, spilled):
    case = BY_NAME[f"spill{spilled}-{short}"]
    abi = assign(case.stack_signatures[0], target, "wasm")
    assert len(abi.stack_param_indices()) == spilled
    assert abi.stack_args_size == 16 * ((8 * spilled + 15) // 16)   # odd counts carry 8 bytes of padding


def test_tail_calls_grow_the_stack_area():
    """The #11489 cases: the tail-called function has more stack arguments than its caller."""
    for name, caller, callee in [("tail-11489", ("i32",), corpus.ints(5)),
                                 ("tail-indirect-grow", ("i32",), corpus.ints(10))]:
        case = BY_NAME[name]
        assert caller in case.stack_signatures and callee in case.stack_signatures
        for target in ("x86_64-sysv", "x86_64-windows"):
            assert assign(callee, target, "wasm").stack_args_size > assign(caller, target, "wasm").stack_args_size


def test_v128_stack_arguments_follow_odd_slots_on_every_target():
    """V_ODD: on every target some v128 stack argument comes right after an odd number of
    8-byte slots, so its 16-byte alignment inserts padding before it (and moves every later
    address); the hand-worked sysv layout is the docstring's."""
    for target in TARGETS:
        abi = assign(corpus.V_ODD, target, "wasm")
        stack = [abi.params[i] for i in abi.stack_param_indices()]
        padded = [loc for prev, loc in zip(stack, stack[1:]) if loc.valtype == "v128" and loc.offset > prev.offset + prev.size]
        assert padded and all(loc.offset % 16 == 0 for loc in stack if loc.valtype == "v128"), target
    sysv = assign(corpus.V_ODD, "x86_64-sysv", "wasm")
    assert [(str(loc.valtype), loc.offset) for loc in sysv.params if loc.reg is None] == [
        ("i32", 0), ("i32", 8), ("i32", 16), ("v128", 32), ("i64", 48), ("v128", 64), ("i32", 80), ("v128", 96)]
    assert [assign(corpus.V_ODD, t, "wasm").stack_args_size for t in TARGETS] == [112, 192, 96]
    # the tail-call case grows the area from 0 to V_WIDE's to V_ODD's
    for target in TARGETS:
        sizes = [assign(sig, target, "wasm").stack_args_size for sig in (("v128",), corpus.V_WIDE, corpus.V_ODD)]
        assert sizes[0] < sizes[1] < sizes[2], (target, sizes)


def test_hand_v128_model():
    # lanes bump as i32x4 (wrapping); the checksum of a v128 is low i64 * 7 + high i64, wrapping
    v = corpus.v128_from([0xFFFFFFFF, 1, 2, 0x80000000])
    assert corpus.v128_lanes(corpus.bump("v128", v)) == [0, 2, 3, 0x80000001]
    assert corpus.as_i64("v128", v) == corpus.wrap(corpus.wrap(0x1_FFFFFFFF, 64) * 7 + corpus.wrap(0x80000000_00000002, 64), 64)
    assert BY_NAME["v128-payload"].expected == ("ok", -3563232677683628833)


def test_readme_abi_table_is_current():
    readme = (Path(__file__).parent / "README.md").read_text()
    assert corpus.abi_table() in readme, "regenerate: python tests/unwind/corpus.py"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_heron_decodes_and_validates(case):
    """Heron's front end accepts every corpus module, so a regression failure is about execution."""
    from heron.features import Features
    from heron.script import loading
    from heron.text.commands import ModuleSource
    features = Features()
    features.set("all-proposals", True)
    for name in case.modules:
        module = loading.load(ModuleSource(kind="binary", line=1, data=engines.case_bytes(case, name)), features)
        loading.validate(module, features)
