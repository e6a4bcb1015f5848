"""The fd_* functions on stdio streams, files and directories: bytes moved, offsets, stat,
flags, rights, readdir, renumber and close, and the errnos of each misuse."""
from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

import pytest

import heron
from heron.wasi import Errno
from heron.wasi.flags import Fdflags, Filetype, Oflags, Rights

sys.path.insert(0, str(Path(__file__).resolve().parent))
from wasi_probe import Probe  # noqa: E402

PAGE2 = 2 * 65536


@pytest.fixture
def root(tmp_path):
    (tmp_path / "hello.txt").write_bytes(b"hello, world\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "inner.txt").write_bytes(b"inner")
    return tmp_path


@pytest.fixture
def probe(root):
    c = heron.WasiConfig()
    c.preopen_dir(root, "/")
    out = c.capture_stdout()
    err = c.capture_stderr()
    c.stdin_bytes = bytes(range(256)) * 2
    p = Probe(c)
    p.out, p.err = out, err
    yield p
    p.close()


# ---------------------------------------------------------------------- stdio
def test_fd_write_gathers_iovecs_in_order(probe):
    iov, n = probe.iovecs([b"one ", b"", b"two\0\xff", b" three"])
    assert probe.fd_write(1, iov, n, probe.OUT) == 0
    assert probe.u32(probe.OUT) == 15
    assert probe.out.getvalue() == b"one two\0\xff three"
    assert probe.write_fd(2, b"to stderr") == (0, 9)
    assert probe.err.getvalue() == b"to stderr"


def test_fd_write_with_no_iovecs_writes_nothing(probe):
    assert probe.fd_write(1, 0, 0, probe.OUT) == 0
    assert probe.u32(probe.OUT) == 0 and probe.out.getvalue() == b""


def test_fd_write_errors(probe):
    iov, n = probe.iovecs([b"x"])
    assert probe.fd_write(77, iov, n, probe.OUT) == Errno.BADF
    assert probe.fd_write(-31337, 0, 0, probe.OUT) == Errno.BADF
    assert probe.fd_write(0, iov, n, probe.OUT) == Errno.BADF            # stdin is not writable
    assert probe.fd_write(3, iov, n, probe.OUT) == Errno.BADF            # a directory
    assert probe.fd_write(1, PAGE2 - 4, 1, probe.OUT) == Errno.FAULT     # iovec array out of memory
    probe.write(probe.IOV, struct.pack("<II", PAGE2 - 2, 3))
    assert probe.fd_write(1, probe.IOV, 1, probe.OUT) == Errno.FAULT     # buffer out of memory
    assert probe.fd_write(1, iov, n, PAGE2) == Errno.FAULT               # result out of memory
    assert probe.fd_write(1, iov, 5000, probe.OUT) == Errno.INVAL        # more than IOV_MAX
    assert probe.out.getvalue() == b""


def test_fd_read_from_stdin_is_binary(probe):
    iov, n, bufs = probe.read_iovecs([100, 0, 200])
    assert probe.fd_read(0, iov, n, probe.OUT) == 0
    assert probe.u32(probe.OUT) == 300
    assert probe.read(bufs[0][0], 100) + probe.read(bufs[2][0], 200) == (bytes(range(256)) * 2)[:300]
    assert probe.read_fd(0, 1000) == (0, (bytes(range(256)) * 2)[300:])
    assert probe.read_fd(0, 10) == (0, b"")                               # end of file
    assert probe.read_fd(1, 10)[0] == Errno.BADF                          # stdout is not readable


def test_stdio_is_not_seekable(probe):
    assert probe.fd_seek(1, 0, 1, probe.OUT) == Errno.SPIPE
    assert probe.fd_tell(0, probe.OUT) == Errno.SPIPE
    iov, n = probe.iovecs([b"x"])
    assert probe.fd_pwrite(1, iov, n, 0, probe.OUT) == Errno.SPIPE
    assert probe.fd_pread(0, iov, n, 0, probe.OUT) == Errno.SPIPE


def test_stdio_fdstat_and_filestat(probe):
    assert probe.fd_fdstat_get(1, probe.OUT) == 0
    filetype, flags, base, inheriting = struct.unpack("<BxHxxxxQQ", probe.read(probe.OUT, 24))
    assert filetype == Filetype.UNKNOWN and flags == 0          # a capture is no terminal
    assert base & Rights.FD_WRITE and not base & (Rights.FD_SEEK | Rights.FD_TELL | Rights.FD_READ)
    assert probe.fd_fdstat_get(0, probe.OUT) == 0
    assert struct.unpack_from("<Q", probe.read(probe.OUT + 8, 8))[0] & Rights.FD_READ
    assert probe.fd_filestat_get(2, probe.OUT) == 0
    assert probe.read(probe.OUT, 64) == bytes(64)               # type unknown (0), everything else 0 too


def test_default_stdio_is_empty_and_a_sink():
    p = Probe()
    assert p.read_fd(0, 10) == (0, b"")
    assert p.write_fd(1, b"into nothing") == (0, 12)


# ---------------------------------------------------------------------- files
def test_file_read_write_seek_tell(probe, root):
    err, fd = probe.open("new.txt", oflags=Oflags.CREAT | Oflags.EXCL, read=True, write=True)
    assert err == 0 and fd == 4
    assert probe.write_fd(fd, b"0123456789") == (0, 10)
    assert probe.fd_tell(fd, probe.OUT) == 0 and probe.u64(probe.OUT) == 10
    assert probe.fd_seek(fd, 2, 0, probe.OUT) == 0 and probe.u64(probe.OUT) == 2          # SET
    assert probe.read_fd(fd, 3) == (0, b"234")
    assert probe.fd_seek(fd, -1, 1, probe.OUT) == 0 and probe.u64(probe.OUT) == 4         # CUR, negative
    assert probe.fd_seek(fd, -2, 2, probe.OUT) == 0 and probe.u64(probe.OUT) == 8         # END
    assert probe.read_fd(fd, 100) == (0, b"89")
    assert probe.fd_seek(fd, -100, 0, probe.OUT) == Errno.INVAL
    assert probe.fd_seek(fd, 0, 3, probe.OUT) == Errno.INVAL                              # no such whence
    assert probe.fd_close(fd) == 0
    assert (root / "new.txt").read_bytes() == b"0123456789"
    assert probe.fd_close(fd) == Errno.BADF


def test_pread_pwrite_keep_the_offset(probe, root):
    err, fd = probe.open("hello.txt", read=True, write=True)
    assert err == 0
    iov, n, bufs = probe.read_iovecs([3, 2])
    assert probe.fd_pread(fd, iov, n, 7, probe.OUT) == 0 and probe.u32(probe.OUT) == 5
    assert probe.read(bufs[0][0], 3) + probe.read(bufs[1][0], 2) == b"world"
    iov, n = probe.iovecs([b"J", b"ELLO"])
    assert probe.fd_pwrite(fd, iov, n, 0, probe.OUT) == 0 and probe.u32(probe.OUT) == 5
    assert probe.fd_tell(fd, probe.OUT) == 0 and probe.u64(probe.OUT) == 0
    assert (root / "hello.txt").read_bytes() == b"JELLO, world\n"
    assert probe.fd_pread(fd, iov, n, 1 << 63, probe.OUT) == Errno.INVAL
    probe.fd_close(fd)


def test_append_mode(probe, root):
    err, fd = probe.open("hello.txt", write=True, fdflags=Fdflags.APPEND)
    assert err == 0
    assert probe.fd_seek(fd, 0, 0, probe.OUT) == 0
    assert probe.write_fd(fd, b"more") == (0, 4)
    assert (root / "hello.txt").read_bytes() == b"hello, world\nmore"
    assert probe.fd_fdstat_get(fd, probe.OUT) == 0
    assert struct.unpack_from("<H", probe.read(probe.OUT + 2, 2))[0] == Fdflags.APPEND
    assert probe.fd_fdstat_set_flags(fd, 0) == 0                       # append off
    probe.fd_seek(fd, 0, 0, probe.OUT)
    probe.write_fd(fd, b"H")
    assert (root / "hello.txt").read_bytes() == b"Hello, world\nmore"
    assert probe.fd_fdstat_set_flags(fd, Fdflags.SYNC) == Errno.INVAL
    assert probe.fd_fdstat_set_flags(3, Fdflags.APPEND) == Errno.BADF   # a directory
    probe.fd_close(fd)


def test_read_only_and_write_only_files(probe):
    err, fd = probe.open("hello.txt", read=True)
    assert probe.write_fd(fd, b"x")[0] == Errno.BADF
    err, wfd = probe.open("hello.txt", read=False, write=True)
    assert probe.read_fd(wfd, 4)[0] == Errno.BADF
    assert probe.fd_fdstat_get(fd, probe.OUT) == 0
    filetype, _, base, _ = struct.unpack("<BxHxxxxQQ", probe.read(probe.OUT, 24))
    assert filetype == Filetype.REGULAR_FILE and base & Rights.FD_READ and not base & Rights.FD_WRITE
    assert base & Rights.FD_SEEK


def test_filestat_size_and_times(probe, root):
    err, fd = probe.open("hello.txt", write=True)
    assert probe.fd_filestat_get(fd, probe.OUT) == 0
    dev, ino, filetype, nlink, size, atim, mtim, ctim = struct.unpack("<QQBxxxxxxxQQQQQ", probe.read(probe.OUT, 64))
    st = os.stat(root / "hello.txt")
    assert (dev, ino, filetype, nlink, size) == (st.st_dev, st.st_ino, Filetype.REGULAR_FILE, 1, 13)
    assert mtim == st.st_mtime_ns
    assert probe.fd_filestat_set_size(fd, 5) == 0
    assert (root / "hello.txt").read_bytes() == b"hello"
    assert probe.fd_filestat_set_size(fd, 8) == 0
    assert (root / "hello.txt").read_bytes() == b"hello\0\0\0"
    assert probe.fd_filestat_set_size(fd, 1 << 63) == Errno.INVAL
    assert probe.fd_filestat_set_times(fd, 1_000_000_000, 2_000_000_123, 1 | 4) == 0        # ATIM | MTIM
    st = os.stat(root / "hello.txt")
    assert (st.st_atime_ns, st.st_mtime_ns) == (1_000_000_000, 2_000_000_123)
    assert probe.fd_filestat_set_times(fd, 0, 5_000_000_000, 4) == 0                       # MTIM only
    st = os.stat(root / "hello.txt")
    assert (st.st_atime_ns, st.st_mtime_ns) == (1_000_000_000, 5_000_000_000)
    assert probe.fd_filestat_set_times(fd, 0, 0, 8) == 0                                   # MTIM_NOW
    assert os.stat(root / "hello.txt").st_mtime_ns > 5_000_000_000
    assert probe.fd_filestat_set_times(fd, 0, 0, 1 | 2) == Errno.INVAL                     # ATIM and ATIM_NOW
    assert probe.fd_filestat_set_times(fd, 0, 0, 16) == Errno.INVAL
    assert probe.fd_filestat_set_times(1, 0, 0, 0) == Errno.BADF
    assert probe.fd_filestat_set_size(3, 0) == Errno.BADF


def test_advise_allocate_sync(probe, root):
    err, fd = probe.open("hello.txt", write=True)
    assert probe.fd_advise(fd, 0, 100, 1) == 0
    assert probe.fd_advise(fd, 0, 100, 6) == Errno.INVAL
    assert probe.fd_advise(3, 0, 0, 0) == Errno.BADF
    result = probe.fd_allocate(fd, 0, 4096)
    assert result in (0, Errno.NOTSUP)
    if result == 0:
        assert (root / "hello.txt").stat().st_size == 4096
    assert probe.fd_sync(fd) == 0 and probe.fd_datasync(fd) == 0
    assert probe.fd_sync(3) == 0                                   # a directory can be synced
    assert probe.fd_sync(1) == Errno.BADF


def test_rights_can_only_shrink(probe):
    err, fd = probe.open("hello.txt", read=True, write=True)
    probe.fd_fdstat_get(fd, probe.OUT)
    base, inheriting = struct.unpack_from("<QQ", probe.read(probe.OUT + 8, 16))
    narrowed = base & ~int(Rights.FD_WRITE)
    assert probe.fd_fdstat_set_rights(fd, narrowed, inheriting) == 0
    assert probe.write_fd(fd, b"x")[0] == Errno.NOTCAPABLE
    assert probe.read_fd(fd, 1) == (0, b"h")
    assert probe.fd_fdstat_set_rights(fd, base, inheriting) == Errno.NOTCAPABLE
    assert probe.fd_fdstat_set_rights(99, 0, 0) == Errno.BADF


# ---------------------------------------------------------------------- preopens, readdir, renumber
def test_prestat(probe):
    assert probe.fd_prestat_get(3, probe.OUT) == 0
    assert probe.read(probe.OUT, 8) == bytes([0, 0, 0, 0, 1, 0, 0, 0])
    assert probe.fd_prestat_dir_name(3, probe.BUF, 1) == 0 and probe.read(probe.BUF, 1) == b"/"
    assert probe.fd_prestat_dir_name(3, probe.BUF, 0) == Errno.NAMETOOLONG
    assert probe.fd_prestat_get(4, probe.OUT) == Errno.BADF
    assert probe.fd_prestat_get(1, probe.OUT) == Errno.BADF
    err, fd = probe.open("sub")
    assert probe.fd_prestat_get(fd, probe.OUT) == Errno.BADF                 # opened, not preopened


def test_preopen_rights_let_libc_open_files(probe):
    assert probe.fd_fdstat_get(3, probe.OUT) == 0
    filetype, _, base, inheriting = struct.unpack("<BxHxxxxQQ", probe.read(probe.OUT, 24))
    assert filetype == Filetype.DIRECTORY
    assert base & Rights.PATH_OPEN and base & Rights.FD_READDIR and not base & Rights.FD_SEEK
    assert inheriting & Rights.FD_READ and inheriting & Rights.FD_WRITE and inheriting & Rights.FD_SEEK


def _dirents(probe, ptr: int, size: int) -> list[tuple[int, int, int, bytes]]:
    data = probe.read(ptr, size)
    out = []
    pos = 0
    while pos + 24 <= len(data):
        d_next, ino, namlen, d_type = struct.unpack_from("<QQIB", data, pos)
        out.append((d_next, ino, d_type, data[pos + 24:pos + 24 + namlen]))
        pos += 24 + namlen
    return out


def test_readdir_lists_entries_with_cookies(probe, root):
    os.symlink("hello.txt", root / "link")
    assert probe.fd_readdir(3, probe.BUF, 4096, 0, probe.OUT) == 0
    used = probe.u32(probe.OUT)
    entries = _dirents(probe, probe.BUF, used)
    names = [e[3] for e in entries]
    assert names == [b".", b"..", b"hello.txt", b"link", b"sub"]
    assert [e[0] for e in entries] == [1, 2, 3, 4, 5]
    types = {e[3]: e[2] for e in entries}
    assert types == {b".": 3, b"..": 3, b"hello.txt": 4, b"link": 7, b"sub": 3}
    inodes = {e[3]: e[1] for e in entries}
    assert inodes[b"hello.txt"] == os.lstat(root / "hello.txt").st_ino
    assert inodes[b"link"] == os.lstat(root / "link").st_ino
    assert used == sum(24 + len(n) for n in names)
    # resume after the third entry
    assert probe.fd_readdir(3, probe.BUF, 4096, 3, probe.OUT) == 0
    assert [e[3] for e in _dirents(probe, probe.BUF, probe.u32(probe.OUT))] == [b"link", b"sub"]
    # a small buffer is filled to the brim: the last entry is cut, the caller retries bigger
    assert probe.fd_readdir(3, probe.BUF, 30, 0, probe.OUT) == 0
    assert probe.u32(probe.OUT) == 30
    assert probe.fd_readdir(3, probe.BUF, 4096, 99, probe.OUT) == 0 and probe.u32(probe.OUT) == 0


def test_readdir_errors(probe):
    err, fd = probe.open("hello.txt")
    assert probe.fd_readdir(fd, probe.BUF, 100, 0, probe.OUT) == Errno.NOTDIR
    assert probe.fd_readdir(1, probe.BUF, 100, 0, probe.OUT) == Errno.BADF
    assert probe.fd_readdir(3, PAGE2 - 10, 100, 0, probe.OUT) == Errno.FAULT


def test_renumber(probe):
    err, a = probe.open("hello.txt")
    err, b = probe.open("sub/inner.txt")
    assert probe.fd_renumber(a, b) == 0
    assert probe.read_fd(b, 5) == (0, b"hello")
    assert probe.read_fd(a, 5)[0] == Errno.BADF
    assert probe.fd_renumber(a, b) == Errno.BADF
    assert probe.fd_renumber(b, b) == 0
    assert probe.fd_renumber(b, 1) == 0                 # over stdout: writes now go to the file? no: it reads
    assert probe.read_fd(1, 2) == (0, b", ")
    err, c = probe.open("hello.txt")
    assert c == a                                       # the lowest free number is reused


def test_close_stdio_and_reuse(probe):
    assert probe.fd_close(0) == 0
    assert probe.read_fd(0, 1)[0] == Errno.BADF
    err, fd = probe.open("hello.txt")
    assert fd == 0
