"""Where the shared WebAssembly/wasi-testsuite lives, its tests and their specs, and the
command line its Heron adapter builds.

The suite is never copied into the repository: it is found through HERON_WASI_TESTSUITE,
or ../shared/wasi-testsuite beside the checkout (as testsuite_paths finds HERON_TESTSUITE).
"""
from __future__ import annotations

import importlib.util
import json
import os
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WASI_TESTSUITE = Path(os.environ.get("HERON_WASI_TESTSUITE",
                                     REPO.parent / "shared" / "wasi-testsuite")).resolve()
SUITES = ("tests/c/testsuite/wasm32-wasip1", "tests/assemblyscript/testsuite/wasm32-wasip1")
ADAPTER = WASI_TESTSUITE / "adapters" / "heron.py"
HERON_COMMAND = f"{shlex.quote(sys.executable)} -m heron.cli.main"


@dataclass
class Spec:
    """A test's .json spec with the defaults SOURCE.md gives for what it leaves out."""
    args: list = field(default_factory=list)
    env: dict = field(default_factory=dict)
    root: str | None = None
    exit_code: int = 0
    stdout: str | None = None
    stderr: str | None = None


@dataclass
class SuiteTest:
    suite: Path          # the directory holding the test
    wasm: Path
    spec: Spec

    @property
    def name(self) -> str:
        return f"{self.suite.parts[-3]}/{self.wasm.stem}"


def available() -> bool:
    return all((WASI_TESTSUITE / s).is_dir() for s in SUITES) and ADAPTER.is_file()


def load_spec(wasm: Path) -> Spec:
    path = wasm.with_suffix(".json")
    if not path.exists():
        return Spec()
    data = json.loads(path.read_text())
    return Spec(args=data.get("args", []), env=data.get("env", {}), root=data.get("root"),
                exit_code=data.get("exit_code", 0), stdout=data.get("stdout"), stderr=data.get("stderr"))


def suite_tests() -> list[SuiteTest]:
    if not available():
        return []
    found = []
    for suite in SUITES:
        directory = WASI_TESTSUITE / suite
        for wasm in sorted(directory.glob("*.wasm")):
            found.append(SuiteTest(directory, wasm, load_spec(wasm)))
    return found


def adapter_argv(target: str, strategy: str, test_path: str, spec: Spec, root: str | None) -> list[str]:
    """The command adapters/heron.py builds for one test (it reads HERON, HERON_TARGET and
    HERON_STRATEGY when it is loaded, so it is loaded with those set)."""
    saved = {k: os.environ.get(k) for k in ("HERON", "HERON_TARGET", "HERON_STRATEGY")}
    os.environ.update(HERON=HERON_COMMAND, HERON_TARGET=target, HERON_STRATEGY=strategy)
    try:
        loader = importlib.util.spec_from_file_location("heron_wasi_adapter", ADAPTER)
        adapter = importlib.util.module_from_spec(loader)
        loader.loader.exec_module(adapter)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return adapter.compute_argv(test_path, (list(spec.args), dict(spec.env), root), [],
                                "wasi:cli/command", "wasm32-wasip1")


__all__ = ["WASI_TESTSUITE", "Spec", "SuiteTest", "available", "suite_tests", "adapter_argv"]
