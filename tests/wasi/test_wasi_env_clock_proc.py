"""args_*, environ_*, clock_*, random_get, sched_yield, proc_raise, proc_exit, and guest
pointers out of bounds (EFAULT, never a Python error)."""
from __future__ import annotations

import struct
import sys
import time
from pathlib import Path

import pytest

import heron
from heron.wasi import Errno

sys.path.insert(0, str(Path(__file__).resolve().parent))
from wasi_probe import Probe  # noqa: E402

PAGE2 = 2 * 65536


def config(**kw) -> heron.WasiConfig:
    c = heron.WasiConfig()
    for k, v in kw.items():
        setattr(c, k, v)
    return c


def test_args_sizes_and_strings():
    p = Probe(config(argv=["prog", "first", 'the "second" arg', "", "ünï"]))
    assert p.args_sizes_get(p.OUT, p.OUT + 4) == 0
    count, size = p.u32(p.OUT), p.u32(p.OUT + 4)
    blob = b"prog\0first\0the \"second\" arg\0\0\xc3\xbcn\xc3\xaf\0"
    assert (count, size) == (5, len(blob))
    assert p.args_get(p.IOV, p.BUF) == 0
    assert p.read(p.BUF, size) == blob
    pointers = struct.unpack("<5I", p.read(p.IOV, 20))
    starts = [p.BUF] + [p.BUF + i + 1 for i, b in enumerate(blob[:-1]) if b == 0]
    assert list(pointers) == starts


def test_no_args_and_no_environment_by_default():
    p = Probe()
    assert p.args_sizes_get(p.OUT, p.OUT + 4) == 0
    assert (p.u32(p.OUT), p.u32(p.OUT + 4)) == (0, 0)
    assert p.environ_sizes_get(p.OUT, p.OUT + 4) == 0
    assert (p.u32(p.OUT), p.u32(p.OUT + 4)) == (0, 0)


def test_environment_holds_exactly_what_was_given():
    p = Probe(config(env={"a": "text", "b": 'escap " ing', "c": "new\nline"}))
    assert p.environ_sizes_get(p.OUT, p.OUT + 4) == 0
    assert p.u32(p.OUT) == 3
    assert p.environ_get(p.IOV, p.BUF) == 0
    blob = p.read(p.BUF, p.u32(p.OUT + 4))
    assert blob == b"a=text\0b=escap \" ing\0c=new\nline\0"


def test_inherit_env_and_argv(monkeypatch):
    monkeypatch.setenv("HERON_WASI_PROBE", "yes")
    c = heron.WasiConfig()
    c.inherit_env()
    c.inherit_argv()
    p = Probe(c)
    p.environ_sizes_get(p.OUT, p.OUT + 4)
    p.environ_get(p.IOV, p.BUF)
    assert b"HERON_WASI_PROBE=yes\0" in p.read(p.BUF, p.u32(p.OUT + 4))
    assert p.args_sizes_get(p.OUT, p.OUT + 4) == 0 and p.u32(p.OUT) == len(sys.argv)


def test_bad_environment_names_are_refused():
    c = heron.WasiConfig()
    with pytest.raises(heron.HeronError):
        c.env = [("A=B", "x")]
    with pytest.raises(heron.HeronError):
        c.argv = ["nul\0inside"]


def test_args_get_out_of_bounds_is_efault():
    p = Probe(config(argv=["prog", "x" * 100]))
    assert p.args_get(PAGE2 - 4, p.BUF) == Errno.FAULT
    assert p.args_get(p.IOV, PAGE2 - 50) == Errno.FAULT
    assert p.args_sizes_get(PAGE2, 0) == Errno.FAULT
    assert p.args_sizes_get(-1, 0) == Errno.FAULT          # 0xFFFFFFFF


def test_clocks():
    p = Probe()
    for clock in range(4):
        assert p.clock_res_get(clock, p.OUT) == 0
        assert 1 <= p.u64(p.OUT) <= 1_000_000_000
    before = time.time_ns()
    assert p.clock_time_get(0, 1, p.OUT) == 0
    assert abs(p.u64(p.OUT) - before) < 5_000_000_000
    assert p.clock_time_get(1, 0, p.OUT) == 0
    first = p.u64(p.OUT)
    assert p.clock_time_get(1, 0, p.OUT) == 0
    assert p.u64(p.OUT) >= first
    for clock in (2, 3):                                    # process and thread CPU time
        assert p.clock_time_get(clock, 0, p.OUT) == 0 and p.u64(p.OUT) > 0
    assert p.clock_time_get(4, 0, p.OUT) == Errno.INVAL
    assert p.clock_res_get(99, p.OUT) == Errno.INVAL
    assert p.clock_time_get(0, 0, PAGE2 - 4) == Errno.FAULT


def test_random_get():
    p = Probe()
    p.write(p.BUF, bytes(64))
    assert p.random_get(p.BUF, 64) == 0
    first = p.read(p.BUF, 64)
    assert p.random_get(p.BUF, 64) == 0
    assert first != bytes(64) and p.read(p.BUF, 64) != first
    assert p.random_get(p.BUF, 0) == 0
    assert p.random_get(PAGE2, 0) == 0
    assert p.random_get(PAGE2 - 8, 9) == Errno.FAULT
    assert p.random_get(PAGE2 - 65536, 65536) == 0


def test_sched_yield_and_proc_raise():
    p = Probe()
    assert p.sched_yield() == 0
    assert p.proc_raise(9) == Errno.NOTSUP
    assert p.proc_raise(31) == Errno.INVAL


@pytest.mark.parametrize("code", [0, 1, 33, 125])
def test_proc_exit_raises_exit_trap(code):
    p = Probe()
    with pytest.raises(heron.ExitTrap) as info:
        p.proc_exit(code)
    assert info.value.code == code
    assert not isinstance(info.value, heron.Trap) and isinstance(info.value, heron.HeronError)


@pytest.mark.parametrize("code", [126, 255, -1])
def test_proc_exit_out_of_range_is_an_error_not_an_exit(code):
    p = Probe()
    with pytest.raises(heron.HeronError, match=r"invalid exit status") as info:
        p.proc_exit(code)
    assert not isinstance(info.value, heron.ExitTrap)
