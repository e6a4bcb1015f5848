"""Heron's WASI against the reference engine's (wasmtime-py, a test dependency): the same
calls of the probe module on two copies of one directory must give the same errnos, the
same results and leave the same files.

Only what both engines define alike is compared. Left out on purpose, where Heron follows
the spec or the host and wasmtime differs: fd_write/fd_read use every iovec (wasmtime
only the first non-empty one), fd_allocate and fd_sync on directories work, poll_oneoff
reports a bad descriptor in its event, an out-of-bounds pointer is EFAULT (wasmtime
traps), and inode/device numbers and times, which no two copies share. wasmtime-py's
define_wasi has no wasi_unstable, so test_wasi_unstable.py checks that one on its own.
"""
from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

import pytest

import heron

sys.path.insert(0, str(Path(__file__).resolve().parent))
from wasi_probe import P1, Probe, probe_wat  # noqa: E402

wasmtime = pytest.importorskip("wasmtime")

FOLLOW = 1
CREAT, DIRECTORY, EXCL, TRUNC = 1, 2, 4, 8
APPEND = 1


class WasmtimeProbe(Probe):
    """The probe module instantiated in wasmtime-py: the same calls, the same memory API."""

    def __init__(self, config: "wasmtime.WasiConfig", version: str = P1):
        engine = wasmtime.Engine()
        self.store = wasmtime.Store(engine)
        self.store.set_wasi(config)
        linker = wasmtime.Linker(engine)
        linker.define_wasi()
        self.instance = linker.instantiate(self.store, wasmtime.Module(engine, probe_wat(version)))
        self.exports = self.instance.exports(self.store)
        self.memory = self.exports["memory"]

    def close(self) -> None:
        pass


def fixture(root: Path) -> None:
    (root / "a.txt").write_bytes(b"alpha beta gamma\n")
    (root / "d").mkdir()
    (root / "d" / "x").write_bytes(b"x")
    os.symlink("a.txt", root / "l")
    os.symlink("loop2", root / "loop1")
    os.symlink("loop1", root / "loop2")
    os.symlink("../outside", root / "escape")


def tree(root: Path) -> dict:
    out = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_symlink():
            out[rel] = ("link", os.readlink(p))
        elif p.is_dir():
            out[rel] = ("dir",)
        else:
            out[rel] = ("file", p.read_bytes())
    return out


def scenario(p: Probe) -> list:
    """A run of calls; each observation is what a program could see."""
    seen = []

    def note(label, value):
        if isinstance(value, (bytes, bytearray)):
            value = bytes(value)
        elif isinstance(value, tuple):
            value = tuple(bytes(v) if isinstance(v, (bytes, bytearray)) else v for v in value)
        seen.append((label, int(value) if isinstance(value, int) else value))

    def opened(label, path, **kw):
        err, fd = p.open(path, **kw)
        note(label, err)
        return fd

    def call(label, func, path, *rest):
        ptr, n = p.path(path)
        note(label, getattr(p, func)(3, ptr, n, *rest))

    def stat(label, path, follow):
        ptr, n = p.path(path)
        err = p.path_filestat_get(3, FOLLOW if follow else 0, ptr, n, p.OUT)
        filetype, nlink, size = struct.unpack_from("<16xBxxxxxxxQQ", p.read(p.OUT, 40)) if not err else (0, 0, 0)
        note(label, (err, filetype, nlink, size))

    # preopens
    note("prestat 3", p.fd_prestat_get(3, p.OUT))
    note("prestat len", p.u32(p.OUT + 4))
    note("prestat 4", p.fd_prestat_get(4, p.OUT))
    note("dir name short", p.fd_prestat_dir_name(3, p.BUF, 0))
    note("fdstat 3", p.fd_fdstat_get(3, p.OUT))
    note("fdstat 3 fields", struct.unpack("<BxHxxxxQQ", p.read(p.OUT, 24)))
    # opening
    fd = opened("open a", "a.txt")
    note("read a", p.read_fd(fd, 5))
    note("seek cur", p.fd_seek(fd, 1, 1, p.OUT))
    note("offset", p.u64(p.OUT))
    note("read more", p.read_fd(fd, 4))
    note("tell", (p.fd_tell(fd, p.OUT), p.u64(p.OUT)))
    note("seek end", (p.fd_seek(fd, -6, 2, p.OUT), p.u64(p.OUT)))
    note("seek before start", p.fd_seek(fd, -100, 1, p.OUT))
    note("write read-only", p.write_fd(fd, b"x")[0])
    note("filestat", p.fd_filestat_get(fd, p.OUT))
    note("filestat type/nlink/size", struct.unpack_from("<16xBxxxxxxxQQ", p.read(p.OUT, 40)))
    note("fdstat file type", (p.fd_fdstat_get(fd, p.OUT), p.read(p.OUT, 1)))
    note("close", p.fd_close(fd))
    note("close again", p.fd_close(fd))
    opened("open missing", "nope")
    opened("open excl", "a.txt", oflags=CREAT | EXCL)
    opened("open dir as file", "a.txt", oflags=DIRECTORY)
    opened("open dir writable", "d", write=True)
    opened("open loop", "loop1")
    opened("open link nofollow", "l", follow=False)
    opened("open dotdot", "..")
    opened("open escape", "escape/x")
    opened("open absolute", "/a.txt")
    opened("open empty", "")
    # writing
    fd = opened("create", "new.txt", oflags=CREAT | TRUNC, write=True)
    note("write", p.write_fd(fd, b"hello"))
    note("pwrite", p.fd_pwrite(fd, *p.iovecs([b"J"]), 0, p.OUT))
    note("pwrite n", p.u32(p.OUT))
    note("set size", p.fd_filestat_set_size(fd, 3))
    note("close new", p.fd_close(fd))
    fd = opened("append", "new.txt", write=True, fdflags=APPEND)
    note("append write", p.write_fd(fd, b"++"))
    note("fdstat flags", (p.fd_fdstat_get(fd, p.OUT), p.u16(p.OUT + 2)))
    note("close append", p.fd_close(fd))
    fd = opened("read new", "new.txt")
    note("pread", p.fd_pread(fd, *p.read_iovecs([10])[:2], 1, p.OUT))
    note("pread n", p.u32(p.OUT))
    note("renumber", p.fd_renumber(fd, 3 + 10))
    note("read renumbered", p.read_fd(13, 2))
    note("renumber bad", p.fd_renumber(77, 13))
    # stdio
    note("seek stdout", p.fd_seek(1, 0, 0, p.OUT))
    note("read stdout", p.read_fd(1, 1)[0])
    note("tell stdin", p.fd_tell(0, p.OUT))
    note("pread stdin", p.fd_pread(0, *p.read_iovecs([1])[:2], 0, p.OUT))
    note("write stdout", p.write_fd(1, b""))
    note("set flags stdout", p.fd_fdstat_set_flags(1, 0))
    note("filestat stdout", (p.fd_filestat_get(1, p.OUT), struct.unpack("<QQBxxxxxxxQQQQQ", p.read(p.OUT, 64))))
    note("write bad fd", p.write_fd(99, b"x")[0])
    # paths
    stat("stat a", "a.txt", False)
    stat("stat link", "l", False)
    stat("stat link followed", "l", True)
    stat("stat dir", "d", False)
    stat("stat missing", "nope", False)
    stat("stat trailing slash on file", "a.txt/", True)
    stat("stat loop", "loop1", True)
    call("mkdir", "path_create_directory", "made")
    call("mkdir again", "path_create_directory", "made")
    call("mkdir in missing", "path_create_directory", "no/made")
    call("rmdir non-empty", "path_remove_directory", "d")
    call("rmdir file", "path_remove_directory", "a.txt")
    call("rmdir made", "path_remove_directory", "made")
    call("unlink dir", "path_unlink_file", "d")
    call("unlink missing", "path_unlink_file", "nope")
    call("unlink escape", "path_unlink_file", "../x")
    a, na = p.path("a.txt")
    b, nb = p.path("d/renamed", at=p.PATH2)
    note("rename", p.path_rename(3, a, na, 3, b, nb))
    note("rename again", p.path_rename(3, a, na, 3, b, nb))
    a, na = p.path("d/renamed")
    b, nb = p.path("hard", at=p.PATH2)
    note("link", p.path_link(3, 0, a, na, 3, b, nb))
    note("link exists", p.path_link(3, 0, a, na, 3, b, nb))
    a, na = p.path("d/x", at=p.PATH2)
    b, nb = p.path("sym")
    note("symlink", p.path_symlink(a, na, 3, b, nb))
    note("readlink", (p.path_readlink(3, b, nb, p.BUF, 100, p.OUT), p.read(p.BUF, p.u32(p.OUT))))
    a, na = p.path("hard")
    note("readlink file", p.path_readlink(3, a, na, p.BUF, 100, p.OUT))
    # directories
    fd = opened("open d/", "d/", oflags=DIRECTORY)
    note("readdir", p.fd_readdir(fd, p.BUF, 4096, 0, p.OUT))
    data = p.read(p.BUF, p.u32(p.OUT))
    names, pos = [], 0
    while pos + 24 <= len(data):
        namlen, d_type = struct.unpack_from("<16xIB", data, pos)
        names.append((data[pos + 24:pos + 24 + namlen], d_type))
        pos += 24 + namlen
    note("readdir entries", tuple(sorted(names)))
    note("readdir at end", (p.fd_readdir(fd, p.BUF, 4096, len(names), p.OUT), p.u32(p.OUT)))
    note("readdir file", p.fd_readdir(0, p.BUF, 4096, 0, p.OUT))
    opened("open inside d", "renamed", dirfd=fd)
    opened("open up from d", "../hard", dirfd=fd)
    opened("open dot", ".")
    call("unlink link/", "path_unlink_file", "sym/")
    call("mkdir trailing", "path_create_directory", "trail/")
    call("rmdir trailing", "path_remove_directory", "trail/")
    # the rest
    note("sock_shutdown stdout", p.sock_shutdown(1, 1))
    note("sock_shutdown bad", p.sock_shutdown(50, 1))
    note("proc_raise", p.proc_raise(9))
    note("sched_yield", p.sched_yield())
    note("poll nothing", p.poll_oneoff(p.BUF, p.IOV, 0, p.OUT))
    note("random", p.random_get(p.BUF, 16))
    note("clock res", p.clock_res_get(1, p.OUT))
    note("args sizes", (p.args_sizes_get(p.OUT, p.OUT + 4), p.u32(p.OUT), p.u32(p.OUT + 4)))
    note("environ sizes", (p.environ_sizes_get(p.OUT, p.OUT + 4), p.u32(p.OUT), p.u32(p.OUT + 4)))
    return seen


def test_heron_and_wasmtime_agree(tmp_path):
    results, trees = {}, {}
    for engine in ("heron", "wasmtime"):
        root = tmp_path / engine / "root"
        root.mkdir(parents=True)
        fixture(root)
        if engine == "heron":
            config = heron.WasiConfig()
            config.argv = ["prog", "one"]
            config.env = [("K", "V")]
            config.preopen_dir(str(root), "/work")
            probe = Probe(config)
        else:
            config = wasmtime.WasiConfig()
            config.argv = ["prog", "one"]
            config.env = [("K", "V")]
            config.preopen_dir(str(root), "/work")
            probe = WasmtimeProbe(config)
        results[engine] = scenario(probe)
        probe.close()
        trees[engine] = tree(root)
    for (label, ours), (_, theirs) in zip(results["heron"], results["wasmtime"]):
        assert (label, ours) == (label, theirs)
    assert len(results["heron"]) == len(results["wasmtime"])
    assert trees["heron"] == trees["wasmtime"]

