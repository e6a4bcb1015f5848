"""`heron wast`: summary lines, the --json report, exit status; on a small script with known outcomes."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from heron.cli.main import main

DATA = Path(__file__).parent / "data"
MIXED = DATA / "mixed.wast"


def run_cli(args: list[str], capsys) -> tuple[int, str, str]:
    status = main(args)
    out, err = capsys.readouterr()
    return status, out, err


def test_json_report_of_a_mixed_script(tmp_path, capsys):
    report = tmp_path / "report.json"
    status, out, _ = run_cli(["wast", "--check-only", "--json", str(report), str(MIXED)], capsys)
    assert status == 1
    doc = json.loads(report.read_text())
    assert list(doc) == ["files"] and list(doc["files"]) == [str(MIXED)]
    r = doc["files"][str(MIXED)]
    assert (r["passed"], r["failed"], r["skipped"]) == (3, 3, 6)
    assert r["by_kind"] == {
        "module": {"passed": 0, "failed": 1, "skipped": 1},
        "assert_return": {"passed": 0, "failed": 0, "skipped": 3},
        "invoke": {"passed": 0, "failed": 0, "skipped": 1},
        "register": {"passed": 0, "failed": 0, "skipped": 1},
        "assert_malformed": {"passed": 2, "failed": 1, "skipped": 0},
        "assert_invalid": {"passed": 1, "failed": 1, "skipped": 0},
    }
    assert [(f["line"], f["kind"]) for f in r["failures"]] == [
        (8, "assert_malformed"), (10, "assert_invalid"), (12, "module")]
    assert "deliberately wrong" in r["failures"][0]["message"]
    assert "ValidationError" in r["failures"][2]["message"]
    # a GC result is skipped for its proposal even in a check-only run
    assert r["skip_reasons"] == {"execution": 4, "unsupported: gc": 1, "module failed": 1}
    lines = out.splitlines()
    assert lines[0] == f"{MIXED}: 3 passed, 3 failed, 6 skipped"
    assert any(f"{MIXED}:8: assert_malformed:" in line for line in lines)
    assert lines[-1] == "3 passed, 3 failed, 6 skipped"


def test_matrix_runs_every_configuration(tmp_path, capsys):
    report = tmp_path / "report.json"
    status, out, _ = run_cli(["wast", "--check-only", "--target", "all", "--strategy", "all",
                              "--json", str(report), str(MIXED)], capsys)
    assert status == 1
    keys = list(json.loads(report.read_text())["files"])
    assert len(keys) == 6
    assert f"{MIXED} [aarch64/baseline]" in keys and f"{MIXED} [x86_64-windows/optimizing]" in keys
    lines = out.splitlines()
    assert lines[0] == f"{MIXED}: 18 passed, 18 failed, 36 skipped"
    assert "  [x86_64-sysv/optimizing] 3 passed, 3 failed, 6 skipped" in lines
    assert lines[-1] == "18 passed, 18 failed, 36 skipped"


def test_a_script_that_does_not_parse_is_one_failure(capsys):
    broken = DATA / "broken.wast"
    status, out, _ = run_cli(["wast", str(broken)], capsys)
    assert status == 1
    assert out.splitlines()[0] == f"{broken}: 0 passed, 1 failed, 0 skipped"
    assert "script: ParseError" in out
    assert out.splitlines()[-1] == "0 passed, 1 failed, 0 skipped"


def test_all_passing_exits_zero_and_sums_files(tmp_path, capsys):
    good = tmp_path / "good.wast"
    good.write_text('(assert_malformed (module quote "(func (i32.const 0x))") "unknown operator")\n'
                    '(assert_invalid (module (func (result i32))) "type mismatch")\n')
    status, out, _ = run_cli(["wast", str(good), str(good)], capsys)
    assert status == 0
    assert out.splitlines()[-1] == "4 passed, 0 failed, 0 skipped"


def test_features_are_checked(capsys):
    status, _, err = run_cli(["wast", "-W", "no-such-proposal=y", str(MIXED)], capsys)
    assert status != 0 and "unknown wasm feature" in err


def test_console_script_without_arguments_prints_help():
    proc = subprocess.run([sys.executable, "-m", "heron.cli.main"], capture_output=True, text=True)
    assert proc.returncode == 0
    assert "wast" in proc.stdout and "run" in proc.stdout
    version = subprocess.run([sys.executable, "-m", "heron.cli.main", "--version"], capture_output=True, text=True)
    assert version.stdout.startswith("heron ")


@pytest.mark.parametrize("args", [["wast", "--target", "sparc", str(MIXED)], ["wast"]])
def test_bad_usage_exits_with_2(args):
    proc = subprocess.run([sys.executable, "-m", "heron.cli.main", *args], capture_output=True, text=True)
    assert proc.returncode == 2 and "usage:" in proc.stderr


def test_with_execution_the_mixed_script_runs_its_actions(tmp_path, capsys):
    report = tmp_path / "report.json"
    status, out, _ = run_cli(["wast", "--json", str(report), str(MIXED)], capsys)
    assert status == 1
    r = json.loads(report.read_text())["files"][str(MIXED)]
    assert (r["passed"], r["failed"], r["skipped"]) == (7, 3, 2)
    assert r["by_kind"]["module"] == {"passed": 1, "failed": 1, "skipped": 0}
    assert r["by_kind"]["register"] == {"passed": 1, "failed": 0, "skipped": 0}
    assert r["skip_reasons"] == {"module failed": 1, "unsupported: gc": 1}
    assert out.splitlines()[-1] == "7 passed, 3 failed, 2 skipped"
