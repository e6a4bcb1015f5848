"""wasi_unstable (preview0) where its witx differs from preview1: whence values, the
filestat record (nlink is u32, 56 bytes), the clock subscription (an extra identifier)."""
from __future__ import annotations

import os
import struct
import sys
import time
from pathlib import Path

import pytest

import heron
from heron.wasi.flags import Filetype

sys.path.insert(0, str(Path(__file__).resolve().parent))
from wasi_probe import UNSTABLE, Probe  # noqa: E402


@pytest.fixture
def probe(tmp_path):
    (tmp_path / "f").write_bytes(b"0123456789")
    c = heron.WasiConfig()
    c.preopen_dir(tmp_path, "/")
    p = Probe(c, version=UNSTABLE)
    yield p
    p.close()


def test_whence_cur_end_set(probe):
    err, fd = probe.open("f")
    assert probe.fd_seek(fd, 4, 2, probe.OUT) == 0 and probe.u64(probe.OUT) == 4     # 2 is SET here
    assert probe.fd_seek(fd, 1, 0, probe.OUT) == 0 and probe.u64(probe.OUT) == 5     # 0 is CUR
    assert probe.fd_seek(fd, -1, 1, probe.OUT) == 0 and probe.u64(probe.OUT) == 9    # 1 is END


def test_filestat_layout(probe, tmp_path):
    probe.write(probe.OUT, b"\xaa" * 80)
    ptr, n = probe.path("f")
    assert probe.path_filestat_get(3, 0, ptr, n, probe.OUT) == 0
    dev, ino, filetype, nlink, size, atim, mtim, ctim = struct.unpack("<QQBxxxIQQQQ", probe.read(probe.OUT, 56))
    st = os.stat(tmp_path / "f")
    assert (ino, filetype, nlink, size, mtim) == (st.st_ino, Filetype.REGULAR_FILE, 1, 10, st.st_mtime_ns)
    assert probe.read(probe.OUT + 56, 8) == b"\xaa" * 8           # 56 bytes, not preview1's 64


def test_clock_subscription_has_an_identifier(probe):
    sub = struct.pack("<QB7xQIxxxxQQH6x", 42, 0, 0xDEAD, 1, 10_000_000, 0, 0)
    assert len(sub) == 56
    probe.write(probe.BUF, sub)
    start = time.monotonic()
    assert probe.poll_oneoff(probe.BUF, probe.IOV, 1, probe.OUT) == 0
    assert time.monotonic() - start >= 0.009
    assert probe.u32(probe.OUT) == 1
    assert struct.unpack("<QHB", probe.read(probe.IOV, 11)) == (42, 0, 0)
