"""Frame-by-frame check of the throw search: every frame the walker visits must have
exactly the SP and dynamic context the compiler laid out for it.

Code compiled with `heron.compile.handlers.SHADOW_FRAMES` (test-only) records, at each
call site, its frame's real SP and vmctx under its FP (`heron.runtime.exceptions.SHADOW`);
a `heron.unwind.WalkObserver` installed as `heron.runtime.exceptions.DEFAULT_OBSERVER`
sees what the walker computed for each frame. They must agree at every frame, and the SP
must also equal FP - fp_to_sp of the call-site record. Under a walker fault the first disagreement is at the frame the fault concerns,
so a walker bug is caught where it happens rather than by a wrong final value.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from corpus import CASES  # noqa: E402
import unwind_engines as engines  # noqa: E402
from heron.compile import handlers  # noqa: E402
from heron.runtime import exceptions  # noqa: E402
from heron.runtime.exceptions import SHADOW  # noqa: E402
from heron.target import frame  # noqa: E402
from heron.target.frame import FAULT_CALLER_SP, FAULT_DYNCTX, FAULT_ENV  # noqa: E402
from heron.unwind import WalkObserver  # noqa: E402

TARGETS = ["x86_64-sysv", "x86_64-windows", "aarch64"]
STRATEGIES = ["baseline", "optimizing"]
THROWING = [c for c in CASES if not c.name.endswith("return-path")]
BY_NAME = {c.name: c for c in CASES}


class Checker(WalkObserver):
    """Collects, per visited frame, the walker's view and whether it matches the shadow."""

    def __init__(self):
        self.frames: list[dict] = []

    def frame(self, walked, vm, match):
        fp, sp, pc, info = walked.fp, walked.sp, walked.pc, walked.func
        site = next((s for s in info.call_sites if s.return_address == pc), None)
        laid_sp, laid_vm = SHADOW.get(fp, (None, None))
        problems = []
        if laid_sp is None:
            problems.append("no frame was laid out at this FP")
        if sp != laid_sp:
            problems.append(f"walker SP 0x{sp:x} != laid-out SP {laid_sp and hex(laid_sp)}")
        if site is None or fp - site.fp_to_sp != sp:
            problems.append("SP disagrees with the call site's fp_to_sp")
        if vm is not None and vm is not laid_vm:
            problems.append(f"dynamic context {type(vm).__name__} is not the frame's vmctx")
        self.frames.append({"fp": fp, "sp": sp, "func": info, "problems": problems})

    def first_bad(self):
        for i, f in enumerate(self.frames):
            if f["problems"]:
                return i, f
        return None


@pytest.fixture
def checker():
    saved = handlers.SHADOW_FRAMES, exceptions.DEFAULT_OBSERVER
    c = Checker()
    handlers.SHADOW_FRAMES = True
    exceptions.DEFAULT_OBSERVER = c
    SHADOW.clear()
    yield c
    handlers.SHADOW_FRAMES, exceptions.DEFAULT_OBSERVER = saved
    SHADOW.clear()


@pytest.mark.parametrize("case", THROWING, ids=lambda c: c.name)
@pytest.mark.parametrize("target", TARGETS)
def test_every_walked_frame_matches_its_layout(checker, target, case):
    for strategy in STRATEGIES:
        checker.frames.clear()
        assert engines.run_heron(case, target, strategy) == case.expected
        if case.family != "traps" or case.expected != ("trap",):
            assert checker.frames, f"{case.name}: the walker visited no frame"
        bad = checker.first_bad()
        assert bad is None, f"{case.name} {target}/{strategy}: frame {bad[0]} ({bad[1]['func'].name}): " \
                            f"{bad[1]['problems']}"


@pytest.fixture
def fault(request, monkeypatch):
    monkeypatch.setenv(FAULT_ENV, request.param)
    frame.reset_fault_cache()
    yield request.param
    monkeypatch.delenv(FAULT_ENV)
    frame.reset_fault_cache()


@pytest.mark.parametrize("fault", [FAULT_CALLER_SP], indirect=True)
@pytest.mark.parametrize("name", ["tail-grow-twice", "v128-tail-grow"])
@pytest.mark.parametrize("target", TARGETS)
def test_caller_sp_fault_caught_at_its_frame(checker, fault, target, name):
    """The first wrong frame is the caller of a frame that a tail call gave a bigger incoming
    area than the caller reserved (frames are not contiguous there) -- also when that area
    holds v128 arguments after padding."""
    for strategy in STRATEGIES:
        checker.frames.clear()
        try:
            engines.run_heron(BY_NAME[name], target, strategy)
        except Exception:  # noqa: BLE001 - a crash is fine, the frames are what is checked
            pass
        bad = checker.first_bad()
        assert bad is not None
        i, f = bad
        assert i > 0 and checker.frames[i - 1]["func"].layout.incoming_args_size > 0
        assert any("SP" in p for p in f["problems"])


@pytest.mark.parametrize("fault", [FAULT_DYNCTX], indirect=True)
@pytest.mark.parametrize("name", ["outgoing-catcher", "overflow-int+3-depth1", "v128-odd-slots-depth1"])
@pytest.mark.parametrize("target", TARGETS)
def test_dynctx_fault_caught_at_its_frame(checker, fault, target, name):
    """The first wrong frame is a catcher whose frame has an outgoing area: for a host call
    (outgoing-catcher) or for a call of a Wasm function with stack arguments (8-byte ones,
    or v128 after padding)."""
    for strategy in STRATEGIES:
        checker.frames.clear()
        try:
            engines.run_heron(BY_NAME[name], target, strategy)
        except Exception:  # noqa: BLE001
            pass
        bad = checker.first_bad()
        assert bad is not None
        i, f = bad
        assert f["func"].layout.outgoing_args_size > 0
        assert f["problems"] == ["dynamic context int is not the frame's vmctx"] or \
            all("dynamic context" in p for p in f["problems"])
