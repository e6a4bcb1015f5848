"""Mutation check (DESIGN.md section 7): with each walker fault of heron.target.frame
switched on (HERON_UNWIND_FAULT), the unwinding regressions must fail; without it
they pass (test_regressions.py).

By default a bounded form runs in-process: for each fault, a handful of cases whose
frames have what the fault forgets (incoming stack arguments below the catcher / an
outgoing area below the catcher's dynamic-context slot) on every target and both
strategies; each must give a wrong outcome or crash. HERON_UNWIND_MUTATION=1 also runs
the whole regression suite once per fault and target in a subprocess.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from corpus import CASES  # noqa: E402
import unwind_engines as engines  # noqa: E402
from heron.target import frame  # noqa: E402
from heron.target.frame import FAULT_CALLER_SP, FAULT_DYNCTX, FAULT_ENV, FAULTS  # noqa: E402

HERE = Path(__file__).resolve().parent
TARGETS = ["x86_64-sysv", "x86_64-windows", "aarch64"]
STRATEGIES = ["baseline", "optimizing"]
BY_NAME = {c.name: c for c in CASES}

# cases with the forgotten area on every target: a tail call that gave a frame a different
# incoming area than its caller reserved (frames not contiguous); an outgoing area below the
# catcher's dynamic-context slot -- for calls of Wasm functions with stack arguments and
# for host calls
# (v128 stack arguments: 16-byte slots after odd 8-byte ones, in the areas both faults forget)
SENSITIVE = {
    FAULT_CALLER_SP: ["tail-grow-twice", "tail-indirect-grow", "tail-odd-to-even",
                      "v128-tail-grow", "v128-tail-indirect-grow", "v128-rethrow-after-tail-call"],
    FAULT_DYNCTX: ["overflow-int+3-depth1", "overflow-mixed-7i-10f-depth2", "outgoing-catcher",
                   "host-throws-into-wasm", "reuse-catch-twice-rethrow-sink",
                   "v128-odd-slots-depth1", "v128-rethrow-catch-ref", "v128-payload", "v128-outgoing-sink"],
}


@pytest.fixture
def fault(request, monkeypatch):
    monkeypatch.setenv(FAULT_ENV, request.param)
    frame.reset_fault_cache()
    yield request.param
    monkeypatch.delenv(FAULT_ENV)
    frame.reset_fault_cache()


def _outcome(case, target, strategy):
    try:
        return engines.run_heron(case, target, strategy)
    except Exception as e:  # noqa: BLE001 - a crash is one of the two accepted failures
        return ("crash", type(e).__name__)


@pytest.mark.parametrize("fault", FAULTS, indirect=True)
@pytest.mark.parametrize("target", TARGETS)
def test_fault_breaks_sensitive_cases(target, fault):
    for name in SENSITIVE[fault]:
        case = BY_NAME[name]
        for strategy in STRATEGIES:
            got = _outcome(case, target, strategy)
            assert got != case.expected, f"{name} on {target}/{strategy} passed under {fault}"


@pytest.mark.parametrize("target", TARGETS)
def test_sensitive_cases_pass_without_fault(target):
    assert frame.active_fault() is None
    for names in SENSITIVE.values():
        for name in names:
            for strategy in STRATEGIES:
                assert engines.run_heron(BY_NAME[name], target, strategy) == BY_NAME[name].expected


# ----------------------------------------------------------------------------- full suite (opt-in)

def _suite(target: str, fault: str | None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop(FAULT_ENV, None)
    if fault:
        env[FAULT_ENV] = fault
    return subprocess.run([sys.executable, "-m", "pytest", str(HERE / "test_regressions.py"), "-q",
                           "-p", "no:cacheprovider", "-k", target, "-rs"],
                          capture_output=True, text=True, env=env, cwd=HERE.parents[1])


@pytest.mark.skipif(os.environ.get("HERON_UNWIND_MUTATION") != "1",
                    reason="opt-in: set HERON_UNWIND_MUTATION=1 (runs the whole suite per fault)")
@pytest.mark.parametrize("fault_name", FAULTS)
@pytest.mark.parametrize("target", TARGETS)
def test_fault_fails_whole_suite(target, fault_name):
    r = _suite(target, fault_name)
    assert r.returncode != 0 and " failed" in r.stdout, r.stdout[-2000:]
