"""Run a WASI command module to completion on Heron (through the API) or on wasmtime-py (the
reference), the same way for every program test: argv[0] is the file's name, an optional
directory preopened as `/`, stdout and stderr kept; the result is (exit status, stdout,
stderr) -- 0 when `_start` returns, proc_exit's code otherwise."""
from __future__ import annotations

from pathlib import Path

import pytest

import heron
from wasi_probe import DEFAULT_TARGET

Outcome = tuple[int, str, str]


def run_start(api, engine, wasi, wasm: Path) -> int:
    """Run the module's `_start` with `wasi` on heron or wasmtime (one API, two modules): the
    exit status."""
    store = api.Store(engine)
    store.set_wasi(wasi)
    linker = api.Linker(engine)
    linker.define_wasi()
    instance = linker.instantiate(store, api.Module.from_file(engine, str(wasm)))
    try:
        instance.exports(store)["_start"](store)
    except api.ExitTrap as e:
        return e.code
    return 0


def run_on_heron(wasm: Path, args: list[str], box: Path | None = None, target: str = DEFAULT_TARGET,
                 strategy: str = "optimizing", legacy_exceptions: bool = False) -> Outcome:
    config = heron.Config(target=target, strategy=strategy)
    config.wasm_legacy_exceptions = legacy_exceptions
    engine = heron.Engine(config)
    wasi = heron.WasiConfig()
    wasi.argv = [wasm.name, *args]
    if box is not None:
        wasi.preopen_dir(str(box), "/")
    out, err = wasi.capture_stdout(), wasi.capture_stderr()
    code = run_start(heron, engine, wasi, wasm)
    return code, out.getvalue().decode(), err.getvalue().decode()


def run_on_wasmtime(wasm: Path, args: list[str], tmp: Path, box: Path | None = None, *,
                    argv0: str | None = None, env: list[tuple[str, str]] | None = None,
                    stdin: bytes | None = None) -> Outcome:
    """tmp: a directory for the files wasmtime-py reads stdin from and writes stdout/stderr to."""
    wasmtime = pytest.importorskip("wasmtime")
    config = wasmtime.Config()
    config.wasm_exceptions = True
    engine = wasmtime.Engine(config)
    wasi = wasmtime.WasiConfig()
    wasi.argv = [wasm.name if argv0 is None else argv0, *args]
    if env is not None:
        wasi.env = env
    if box is not None:
        wasi.preopen_dir(str(box), "/")
    if stdin is not None:
        (tmp / "stdin").write_bytes(stdin)
        wasi.stdin_file = str(tmp / "stdin")
    wasi.stdout_file = str(tmp / "stdout")
    wasi.stderr_file = str(tmp / "stderr")
    code = run_start(wasmtime, engine, wasi, wasm)
    return code, (tmp / "stdout").read_text(), (tmp / "stderr").read_text()


__all__ = ["Outcome", "run_start", "run_on_heron", "run_on_wasmtime"]
