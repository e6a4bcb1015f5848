"""The shared WebAssembly/wasi-testsuite (14 C and 12 AssemblyScript wasip1 tests), judged by
pytest itself from each test's .json spec, as SOURCE.md says a test is judged.

Each test runs `heron run` as a fresh subprocess with the command adapters/heron.py builds
(the official runner needs Python >= 3.12), with stdin, stdout and stderr as pipes, on a
copy of the test and its fixture directory (the tests write into their root). A test
passes when the exit status is the spec's and stdout/stderr begin with what the spec gives.

Default run: x86_64-sysv with the default strategy. HERON_LONG_TESTS=1: every target under
both strategies.
"""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from wasi_probe import DEFAULT_TARGET, LONG, TARGETS  # noqa: E402
from wasi_suite import WASI_TESTSUITE, adapter_argv, available, suite_tests  # noqa: E402

TIMEOUT = 120
CONFIGS = [(t, s) for t in TARGETS for s in ("optimizing", "baseline")] if LONG else [(DEFAULT_TARGET, "")]
TESTS = suite_tests()

pytestmark = pytest.mark.skipif(not available(), reason=f"wasi-testsuite not found at {WASI_TESTSUITE} "
                                                        f"(set HERON_WASI_TESTSUITE)")


def _writable_copy(src: Path, dst: Path) -> None:
    """Copy a fixture directory; the shared tree is read-only, the tests write into the copy."""
    shutil.copytree(src, dst, copy_function=shutil.copy)
    for path in [dst, *dst.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | stat.S_IWUSR)


def test_the_suite_is_complete():
    assert len(TESTS) == 26
    assert sum("/c/" in str(t.wasm) for t in TESTS) == 14


@pytest.mark.parametrize("target, strategy", CONFIGS, ids=[f"{t}-{s or 'default'}" for t, s in CONFIGS])
@pytest.mark.parametrize("test", TESTS, ids=[t.name for t in TESTS])
def test_wasi_testsuite(test, target, strategy, tmp_path):
    suite = tmp_path / "suite"
    suite.mkdir()
    wasm = suite / test.wasm.name
    shutil.copy(test.wasm, wasm)
    root = None
    if test.spec.root:
        root_path = suite / test.spec.root
        _writable_copy(test.suite / test.spec.root, root_path)
        root = str(root_path)
    argv = adapter_argv(target, strategy, str(wasm), test.spec, root)
    assert argv[3:5] == ["run", "--target"]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parents[2] / "src"),
                                         env.get("PYTHONPATH", "")])
    proc = subprocess.run(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=TIMEOUT, cwd=suite, env=env)
    out = proc.stdout.decode("utf-8", "replace")
    err = proc.stderr.decode("utf-8", "replace")
    context = f"\n$ {' '.join(argv)}\n--- stdout\n{out}\n--- stderr\n{err}"
    assert "Traceback" not in err, context
    assert proc.returncode == test.spec.exit_code, context
    if test.spec.stdout is not None:
        assert out[:len(test.spec.stdout)] == test.spec.stdout, context
    if test.spec.stderr is not None:
        assert err[:len(test.spec.stderr)] == test.spec.stderr, context
