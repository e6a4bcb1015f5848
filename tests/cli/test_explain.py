"""`heron explain`: frame layouts and call sites as the compiler emitted them, readable.

The #11489 shape (examples/bug.wat): $five takes five i32 parameters. Under the wasm
convention two integer argument registers carry the vmctx pair, so on x86_64-sysv the
fifth parameter is stack-passed (one 8-byte slot, a 16-byte incoming area at FP+16),
on x86_64-windows the last three are (32 bytes), on aarch64 none is.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import heron
from heron.cli.main import main as heron_main

ROOT = Path(__file__).resolve().parents[2]
BUG = ROOT / "examples" / "bug.wat"
DATA = Path(__file__).parent / "data"
TARGETS = ("x86_64-sysv", "x86_64-windows", "aarch64")
STRATEGIES = ("baseline", "optimizing")

# The same call shape as examples/bug.wat without exception handling, so it compiles
# whatever the state of the exception work.
SHAPE = """
(module
  (func $five (param $a i32) (param $b i32) (param $c i32) (param $d i32) (param $e i32) (result i32)
    (i32.add (local.get $a) (local.get $e)))
  (func $tail (export "tail") (param $a i32) (result i32)
    (return_call $five (local.get $a) (i32.const 2) (i32.const 3) (i32.const 4) (i32.const 5)))
  (func $caller (param $a i32) (result i32)
    (call $tail (local.get $a)))
  (func (export "_start") (result i32)
    (call $caller (i32.const 1))))
"""

# parameter index -> FP offset of the stack-passed ones, and the incoming area size
EXPECTED_STACK_PARAMS = {
    "x86_64-sysv": ({4: 16}, 16),
    "x86_64-windows": ({2: 16, 3: 24, 4: 32}, 32),
    "aarch64": ({}, 0),
}


def explain(capsys, *argv: str) -> tuple[int, str, str]:
    code = heron_main(["explain", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def section(out: str, header_start: str) -> str:
    """The lines of one function's block (from its header to the next blank line)."""
    blocks = out.split("\n\n")
    found = [b for b in blocks if b.startswith(header_start)]
    assert found, f"no block starting with {header_start!r} in:\n{out}"
    return found[0]


def param_rows(block: str) -> dict[int, str]:
    rows = {}
    for line in block.splitlines():
        m = re.match(r"\s+(\d+)\s+\$\w+\s+i32\s+(.*)$", line)
        if m:
            rows[int(m.group(1))] = m.group(2).strip()
    return rows


def incoming_area_size(block: str) -> int:
    m = re.search(r"incoming stack args \(callee-owned\)\s+\+16\s+[+-]\d+\s+(\d+)", block)
    assert m, block
    return int(m.group(1))


def check_five(block: str, target: str) -> None:
    stack, area = EXPECTED_STACK_PARAMS[target]
    rows = param_rows(block)
    assert sorted(rows) == [0, 1, 2, 3, 4]
    for i, where in rows.items():
        if i in stack:
            assert where.startswith(f"stack FP+{stack[i]} "), (i, where)
        else:
            assert where.startswith("register "), (i, where)
    assert incoming_area_size(block) == area


@pytest.fixture
def shape_file(tmp_path) -> Path:
    p = tmp_path / "shape.wat"
    p.write_text(SHAPE)
    return p


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("target", TARGETS)
def test_stack_passed_parameter_of_the_11489_shape(capsys, shape_file, target, strategy):
    code, out, err = explain(capsys, "--target", target, "--strategy", strategy, str(shape_file))
    assert (code, err) == (0, "")
    assert out.startswith(f"{shape_file}: target {target}, strategy {strategy}")
    check_five(section(out, "$five (func 0) [i32 i32 i32 i32 i32] -> [i32]"), target)


@pytest.mark.parametrize("target", TARGETS)
def test_numbers_are_the_compiled_layouts(capsys, shape_file, target):
    """Every number printed for $five is what the compiled FrameLayout says."""
    code, out, _ = explain(capsys, "--target", target, "--strategy", "baseline", "--func", "$five",
                           str(shape_file))
    assert code == 0
    engine = heron.Engine(heron.Config(target=target, strategy="baseline"))
    layout = heron.Module(engine, SHAPE).compiled.function(0).layout
    fp_to_sp = layout.fp_to_sp()
    for name, off, size in layout.areas():
        assert re.search(rf"{re.escape(name)}\s+{re.escape(f'{off:+d}')}\s+{re.escape(f'{off + fp_to_sp:+d}')}\s+{size}\b", out), name
    for i in layout.abi.stack_param_indices():
        assert f"stack FP+{layout.incoming_arg_offset(i)} (SP+{layout.incoming_arg_offset(i) + fp_to_sp})" in out
    assert f"FP-to-SP {fp_to_sp}" in out
    assert f"stack slots: {layout.num_slots}" in out


def test_call_sites_show_return_address_kind_callee_and_fp_to_sp(capsys, shape_file):
    code, out, _ = explain(capsys, "--target", "x86_64-sysv", "--strategy", "baseline", str(shape_file))
    assert code == 0
    engine = heron.Engine(heron.Config(target="x86_64-sysv", strategy="baseline"))
    compiled = heron.Module(engine, SHAPE).compiled
    tail_block = section(out, "$tail (func 1)")
    [site] = compiled.function(1).call_sites
    row = re.search(rf"0x{site.return_address:x}\s+{site.instr}\s+0x{site.offset:x}\s+tail\s+"
                    rf"\$five \(func 0\), 16-byte stack-arg area\s+{site.fp_to_sp}\s+none", tail_block)
    assert row, tail_block
    caller_block = section(out, "$caller (func 2)")
    [site] = compiled.function(2).call_sites
    assert re.search(rf"0x{site.return_address:x}\s+{site.instr}\s+0x{site.offset:x}\s+call\s+"
                     rf"\$tail \(func 1\)\s+{site.fp_to_sp}\s+none", caller_block), caller_block
    assert "call sites: none" in section(out, "$five (func 0)")


@pytest.mark.parametrize("spec, header", [("tail", "$tail (func 1)"), ("$caller", "$caller (func 2)"),
                                          ("caller", "$caller (func 2)"), ("3", "func 3 [] -> [i32]"),
                                          ("_start", "func 3 [] -> [i32]")])
def test_func_selects_by_export_name_dollar_name_or_index(capsys, shape_file, spec, header):
    code, out, _ = explain(capsys, "--func", spec, str(shape_file))
    assert code == 0
    blocks = out.split("\n\n")
    assert len(blocks) == 2 and blocks[1].startswith(header), out


@pytest.mark.parametrize("spec", ["nope", "$nope", "9"])
def test_unknown_func_is_an_error(capsys, shape_file, spec):
    code, out, err = explain(capsys, "--func", spec, str(shape_file))
    assert code == 1 and out == ""
    assert err.startswith("heron explain: error: ") and len(err.strip().splitlines()) == 1


def test_all_targets_and_strategies_in_one_run(capsys, shape_file):
    code, out, _ = explain(capsys, "--target", "all", "--strategy", "all", "--func", "$five", str(shape_file))
    assert code == 0
    for t in TARGETS:
        for s in STRATEGIES:
            assert f"target {t}, strategy {s}" in out
    parts = re.split(r"(?m)^.*: target (\S+), strategy (\S+)\n", out)[1:]
    assert len(parts) == 18
    for t, s, body in zip(parts[0::3], parts[1::3], parts[2::3]):
        check_five(section(body.strip("\n"), "$five (func 0)"), t)


def test_binary_input(capsys, tmp_path):
    from heron.binary import encode
    from heron.text import parse_module
    p = tmp_path / "shape.wasm"
    p.write_bytes(encode(parse_module(SHAPE)))
    code, out, _ = explain(capsys, "--target", "x86_64-sysv", "--func", "$five", str(p))
    assert code == 0
    check_five(section(out, "$five (func 0)"), "x86_64-sysv")


def test_elided_frames_are_marked(capsys, shape_file):
    _, out, _ = explain(capsys, "--strategy", "optimizing", "--func", "$five", str(shape_file))
    assert "frame elided" in out
    _, out, _ = explain(capsys, "--strategy", "baseline", "--func", "$five", str(shape_file))
    assert "frame elided" not in out


def _bug_compiles() -> str | None:
    try:
        heron.Module(heron.Engine(heron.Config()), BUG.read_text())
    except heron.Unsupported as e:
        return str(e)
    return None


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("target", TARGETS)
def test_examples_bug_wat(capsys, target, strategy):
    reason = _bug_compiles()
    if reason is not None:
        pytest.skip(f"examples/bug.wat does not compile yet: {reason}")
    code, out, err = explain(capsys, "--target", target, "--strategy", strategy, str(BUG))
    assert (code, err) == (0, "")
    check_five(section(out, "$five (func 0) [i32 i32 i32 i32 i32] -> [i32]"), target)
    catcher = section(out, "$catcher (func 2)")
    # the call to $tail inside try_table has one handler: catch $boom
    assert "handlers (searched in order):" in catcher
    assert re.search(r"\d+\s+tag 0 \$boom\s+catch\s+0x[0-9a-f]+", catcher), catcher


def test_unsupported_module_is_a_clean_error(capsys, tmp_path):
    p = tmp_path / "gc.wat"
    p.write_text('(module (type (struct)) (func (export "f")))')
    code, out, err = explain(capsys, str(p))
    assert code == 1 and out == ""
    assert err.startswith("heron explain: error: ") and "unsupported" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("name, error", [("malformed.wat", "malformed module"),
                                         ("truncated.wasm", "malformed module"),
                                         ("invalid.wat", "invalid module"), ("missing.wasm", "cannot read")])
def test_errors_exit_1_without_traceback(name, error):
    proc = subprocess.run([sys.executable, "-m", "heron.cli.main", "explain", str(DATA / name)],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("heron explain: error: ")
    assert f"{DATA / name}: {error}" in proc.stderr


def test_generated_modules_explain_on_every_target(capsys, tmp_path):
    """Every function of generated modules (exceptions, tail calls, tables, refs) gets a
    block with its call sites, on every target and strategy, and explain never crashes."""
    harness = pytest.importorskip("differential.harness")
    if harness.wasm_tools() is None or not harness.SMITH_CONFIG.exists():
        pytest.skip("wasm-tools or the smith configuration is missing")
    explained = 0
    for index in range(12):
        data = harness.generate(index)
        p = tmp_path / f"smith-{index}.wasm"
        p.write_bytes(data)
        code, out, err = explain(capsys, "--target", "all", "--strategy", "all", str(p))
        if code == 1 and "unsupported feature" in err:
            continue
        assert (code, err) == (0, ""), err
        module = heron.Module(heron.Engine(heron.Config()), data)
        defined = module.compiled.functions
        assert out.count("\n  code 0x") == 6 * len(defined)
        for info in defined:
            sites = len(info.call_sites)
            assert f"call sites: {sites if sites else 'none'}" in out
        explained += 1
    assert explained >= 6


V128_WAT = """(module (func $f (export "f")
  (param v128 v128 v128 v128 v128 v128 v128 v128 i32 v128 i64 v128) (result v128 v128 v128)
  (local v128) local.get 0 local.get 1 local.get 11))"""


def test_v128_locations_and_slots(capsys, tmp_path):
    """v128 parameters beyond the vector registers take 16-byte stack slots (16-aligned after
    an 8-byte one: padding), results beyond two go to the return area, and the baseline
    frame's v128 slots are 16 bytes at 16-aligned offsets."""
    p = tmp_path / "v.wat"
    p.write_text(V128_WAT)
    code, out, err = explain(capsys, "--target", "x86_64-sysv", "--strategy", "baseline", str(p))
    assert (code, err) == (0, "")
    assert re.search(r"7\s+-\s+v128\s+register xmm7", out)
    assert re.search(r"9\s+-\s+v128\s+stack FP\+16 \(SP\+\d+\), 16 bytes", out)
    assert re.search(r"11\s+-\s+v128\s+stack FP\+32 \(SP\+\d+\), 16 bytes", out)
    assert "2 (v128) ret_area+0" in out
    slots = re.findall(r"^\s+(\d+)\s+\+(\d+)\s+-\d+\s+(\d+)\s+(.+)$", out, re.M)
    sizes = {int(k): (int(off), int(size)) for k, off, size, _ in slots}
    holds = {int(k): role for k, _, _, role in slots}
    assert sizes[8][1] == 8 and sizes[9] == (sizes[8][0] + 16, 16)     # i32 local, then padding
    assert all(off % 16 == 0 for off, size in sizes.values() if size == 16)
    assert holds[8] == "local 8 (i32)" and holds[9] == "local 9 (v128)" and holds[12] == "local 12 (v128)"
    assert holds[13].startswith("operand 0") and sizes[13][1] == 16    # operand slots of a v128 function
    code, out, err = explain(capsys, "--target", "x86_64-windows", str(p))
    assert re.search(r"4\s+-\s+v128\s+stack FP\+16 \(SP\+\d+\), 16 bytes", out)
