"""`heron run` with WASI programs, as `wasmtime run` behaves: argv (and --argv0), --env,
--dir, the process's own binary-safe stdio, the exit status, traps, --invoke, `heron FILE`
without `run`, and one-line errors for what Heron's WASI cannot provide."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data"
SRC = Path(__file__).resolve().parents[2] / "src"


def heron(*args: str, stdin: bytes = b"", env: dict | None = None, cwd=None) -> subprocess.CompletedProcess:
    environ = dict(os.environ if env is None else env)
    environ["PYTHONPATH"] = str(SRC)
    return subprocess.run([sys.executable, "-m", "heron.cli.main", *args], input=stdin,
                          capture_output=True, env=environ, cwd=cwd, timeout=120)


def test_argv_is_file_then_args_and_exit_status():
    wat = str(DATA / "args.wat")
    proc = heron("run", wat, "one", "two words", "")
    assert proc.stdout == f"{wat}\0one\0two words\0\0".encode()
    assert proc.returncode == 3                      # argc - 1
    assert proc.stderr == b""                        # no environment unless asked for


def test_argv0():
    proc = heron("run", "--argv0", "prog", str(DATA / "args.wat"), "x")
    assert proc.stdout == b"prog\0x\0" and proc.returncode == 1


def test_env_sets_and_inherits_and_nothing_else():
    env = dict(os.environ, FROM_HOST="host value")
    proc = heron("run", "--env", "A=1", "--env", "B=with = sign", "--env", "FROM_HOST", "--env", "UNSET_X",
                 str(DATA / "args.wat"), env=env)
    assert proc.stderr == b"A=1\0B=with = sign\0FROM_HOST=host value\0"
    assert proc.returncode == 0


def test_heron_file_without_run():
    proc = heron(str(DATA / "args.wat"), "a", "b")
    assert proc.returncode == 2 and proc.stdout.endswith(b"\0a\0b\0")
    proc = heron("--env", "K=V", str(DATA / "args.wat"))
    assert proc.stderr == b"K=V\0"


def test_program_arguments_may_look_like_options():
    proc = heron("run", str(DATA / "args.wat"), "--dir", "/", "-W", "x")
    assert proc.stdout.endswith(b"\0--dir\0/\0-W\0x\0") and proc.returncode == 4


def test_stdin_to_stdout_is_binary_safe():
    data = bytes(range(256)) * 64 + b"\r\n\x00\x1a end"
    proc = heron("run", str(DATA / "cat.wat"), stdin=data)
    assert proc.returncode == 0 and proc.stdout == data


def test_dir_preopens_under_a_guest_name(tmp_path):
    (tmp_path / "data.txt").write_bytes(b"some data")
    proc = heron("run", "--dir", f"{tmp_path}::/guest", str(DATA / "readfile.wat"))
    assert (proc.returncode, proc.stdout) == (0, b"/guest\nsome data")
    proc = heron("run", "--dir", ".", str(DATA / "readfile.wat"), cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (0, b".\nsome data")


def test_no_dir_no_files():
    proc = heron("run", str(DATA / "readfile.wat"))
    assert proc.returncode == 1                      # no fd 3: nothing preopened


def test_missing_dir_is_a_one_line_error(tmp_path):
    proc = heron("run", "--dir", str(tmp_path / "absent"), str(DATA / "readfile.wat"))
    assert proc.returncode == 1
    assert proc.stderr.decode().count("\n") == 1 and b"preopen" in proc.stderr
    assert b"Traceback" not in proc.stderr


def test_trap_prints_backtrace_and_exits_134():
    proc = heron("run", str(DATA / "trap.wat"))
    assert proc.returncode == 134
    assert proc.stdout == b"before\n"
    err = proc.stderr.decode()
    assert "wasm trap: unreachable" in err and "wasm backtrace:" in err and "explode" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("name, message", [
    ("other_wasi.wat", "WASI version 'wasix_32v1'"),
    ("missing_wasi.wat", "wasi_snapshot_preview1::fd_dup is not a WASI function"),
])
def test_wasi_heron_cannot_provide_is_one_line(name, message):
    proc = heron("run", str(DATA / name))
    err = proc.stderr.decode()
    assert proc.returncode == 1 and message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_component_is_refused(tmp_path):
    component = tmp_path / "c.wasm"
    component.write_bytes(b"\0asm\x0d\x00\x01\x00")
    proc = heron("run", str(component))
    assert proc.returncode == 1 and b"component" in proc.stderr


def test_invoke_a_reactor():
    proc = heron("run", "--invoke", "add", str(DATA / "reactor.wat"), "5")
    assert (proc.returncode, proc.stdout) == (0, b"105\n")


def test_proc_exit_out_of_range_is_an_error():
    wat = '(module (import "wasi_snapshot_preview1" "proc_exit" (func $e (param i32))) ' \
          '(memory (export "memory") 1) (func (export "_start") (call $e (i32.const 200))))'
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"heron-exit-{os.getpid()}.wat"
    path.write_text(wat)
    try:
        proc = heron("run", str(path))
    finally:
        path.unlink()
    assert proc.returncode == 1 and b"invalid exit status" in proc.stderr
