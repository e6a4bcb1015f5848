"""`heron run --trace-unwind`: the walk of examples/bug.wasm is printed frame by frame, and
the numbers printed are the walker's own (a fault injected into the walker shows up)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUG = REPO / "examples" / "bug.wasm"
TARGETS = ["x86_64-sysv", "x86_64-windows", "aarch64"]
STRATEGIES = ["baseline", "optimizing"]


def heron_run(*args: str, fault: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("HERON_UNWIND_FAULT", None)
    if fault:
        env["HERON_UNWIND_FAULT"] = fault
    return subprocess.run([sys.executable, "-m", "heron.cli.main", "run", *args],
                          capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("target", TARGETS)
def test_trace_shows_each_frame_and_the_handler(target, strategy):
    r = heron_run("-W", "all-proposals=y", "--target", target, "--strategy", strategy,
                  "--trace-unwind", str(BUG))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "12345"
    err = r.stderr
    assert "Traceback" not in err
    assert re.search(r"unwind #1: throw .* payload \(12345, 7\)", err)
    # the throwing frame ($five, reached by a tail call from $tail: $tail is gone), then the catcher
    frames = re.findall(r"^  frame (\S+)", err, re.M)
    assert frames == ["five", "catcher"]
    catcher = re.search(r"frame catcher .* sp=(0x[0-9a-f]+) dynctx@(0x[0-9a-f]+) -> instance#1", err)
    assert catcher, err
    assert "handlers: catch tag 0: matches" in err
    resume = re.search(r"resume: landing pad 0x[0-9a-f]+ in the frame at fp=0x[0-9a-f]+, sp=(0x[0-9a-f]+)", err)
    assert resume and resume.group(1) == catcher.group(1)


def test_trace_shows_where_a_faulty_walker_goes_wrong():
    """x86_64-windows puts three of $five's parameters on the stack: a walker that ignores the
    incoming area computes the catcher's SP 32 bytes too low, and the trace prints that SP."""
    good = heron_run("-W", "all-proposals=y", "--target", "x86_64-windows", "--trace-unwind", str(BUG))
    bad = heron_run("-W", "all-proposals=y", "--target", "x86_64-windows", "--trace-unwind", str(BUG),
                    fault="caller-sp-ignores-incoming-args")
    sp_good = int(re.search(r"frame catcher .* sp=(0x[0-9a-f]+)", good.stderr).group(1), 16)
    m = re.search(r"frame catcher .* sp=(0x[0-9a-f]+)", bad.stderr)
    assert m, bad.stderr
    assert sp_good - int(m.group(1), 16) == 32
    assert bad.stdout.strip() != "12345"
