"""Escape attempts: a program must never reach anything outside its preopened directory.

    tmp/outside/secret          what the program must not reach
    tmp/box/                    the preopen (guest "/sandbox", fd 3)
        file, inner/, inner/deep
        up -> ..                a symlink to the preopen's parent
        abs -> <tmp>/outside    an absolute symlink
        rel_out -> ../outside/secret
        inside -> inner         a symlink that stays inside
        loop1 -> loop2 -> loop1, self -> self

Every attempt is refused with EPERM (ELOOP for loops), on every target (the import
boundary passes path_open's nine arguments differently on each), and the outside is
byte for byte unchanged afterwards.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

import heron
from heron.wasi import Errno
from heron.wasi.flags import Oflags

sys.path.insert(0, str(Path(__file__).resolve().parent))
from wasi_probe import TARGETS, Probe  # noqa: E402

FOLLOW = 1
PERM, LOOP = Errno.PERM, Errno.LOOP


@pytest.fixture
def world(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(b"secret")
    box = tmp_path / "box"
    box.mkdir()
    (box / "file").write_bytes(b"inside")
    (box / "inner").mkdir()
    (box / "inner" / "deep").write_bytes(b"deep")
    os.symlink("..", box / "up")
    os.symlink(str(outside), box / "abs")
    os.symlink("../outside/secret", box / "rel_out")
    os.symlink("inner", box / "inside")
    os.symlink("loop2", box / "loop1")
    os.symlink("loop1", box / "loop2")
    os.symlink("self", box / "self")
    return tmp_path


def snapshot(path: Path) -> dict:
    return {str(p.relative_to(path)): (p.read_bytes() if p.is_file() and not p.is_symlink() else None)
            for p in sorted(path.rglob("*"))}


@pytest.fixture(params=TARGETS)
def probe(request, world):
    c = heron.WasiConfig()
    c.preopen_dir(world / "box", "/sandbox")
    before = snapshot(world / "outside")
    p = Probe(c, target=request.param)
    yield p
    p.close()
    assert snapshot(world / "outside") == before
    assert sorted(os.listdir(world)) == ["box", "outside"]


def opens(p: Probe, path: str, dirfd: int = 3, follow: bool = True, **kw) -> int:
    return p.open(path, dirfd=dirfd, follow=follow, **kw)[0]


def test_dot_dot_cannot_leave(probe):
    assert opens(probe, "..") == PERM
    assert opens(probe, "../outside/secret") == PERM
    assert opens(probe, "inner/../../outside/secret") == PERM
    assert opens(probe, "inner/../inner/../../outside") == PERM
    assert opens(probe, "./../box/file") == PERM
    assert opens(probe, "inner/..") == 0                 # staying inside is fine
    assert opens(probe, "inner/../file") == 0


def test_absolute_paths_are_refused(probe, world):
    assert opens(probe, "/") == PERM
    assert opens(probe, "/etc/passwd") == PERM
    assert opens(probe, str(world / "outside" / "secret")) == PERM
    assert opens(probe, "//sandbox/file") == PERM


def test_symlinks_out_are_refused(probe):
    assert opens(probe, "up") == PERM
    assert opens(probe, "up/outside/secret") == PERM
    assert opens(probe, "up/outside/secret", follow=False) == PERM    # an intermediate link is followed
    assert opens(probe, "abs") == PERM
    assert opens(probe, "abs/secret") == PERM
    assert opens(probe, "rel_out") == PERM
    assert opens(probe, "inside/deep") == 0                             # a link that stays inside works
    ptr, n = probe.path("rel_out")
    assert probe.path_filestat_get(3, FOLLOW, ptr, n, probe.OUT) == PERM
    assert probe.path_filestat_get(3, 0, ptr, n, probe.OUT) == 0        # the link itself is inside
    assert opens(probe, "rel_out", follow=False) == LOOP


def test_symlink_loops(probe):
    assert opens(probe, "loop1") == LOOP
    assert opens(probe, "self") == LOOP
    assert opens(probe, "loop1/anything") == LOOP
    ptr, n = probe.path("self")
    assert probe.path_filestat_get(3, FOLLOW, ptr, n, probe.OUT) == LOOP


def test_changes_cannot_reach_outside(probe):
    def two(func, a, b, *extra):
        pa, na = probe.path(a)
        pb, nb = probe.path(b, at=probe.PATH2)
        return func(pa, na, pb, nb, *extra)

    assert two(lambda a, na, b, nb: probe.path_rename(3, a, na, 3, b, nb), "file", "../outside/stolen") == PERM
    assert two(lambda a, na, b, nb: probe.path_rename(3, a, na, 3, b, nb), "../outside/secret", "got") == PERM
    assert two(lambda a, na, b, nb: probe.path_rename(3, a, na, 3, b, nb), "file", "up/outside/x") == PERM
    assert two(lambda a, na, b, nb: probe.path_link(3, 0, a, na, 3, b, nb), "file", "../outside/x") == PERM
    assert two(lambda a, na, b, nb: probe.path_link(3, 0, a, na, 3, b, nb), "../outside/secret", "x") == PERM
    assert two(lambda a, na, b, nb: probe.path_link(3, FOLLOW, a, na, 3, b, nb), "rel_out", "x") == PERM
    assert two(lambda a, na, b, nb: probe.path_symlink(a, na, 3, b, nb), "target", "../outside/x") == PERM
    for func in ("path_create_directory", "path_remove_directory", "path_unlink_file"):
        ptr, n = probe.path("../outside/secret")
        assert getattr(probe, func)(3, ptr, n) == PERM
    ptr, n = probe.path("up/outside/secret")
    assert probe.path_unlink_file(3, ptr, n) == PERM
    ptr, n = probe.path("..")
    assert probe.path_remove_directory(3, ptr, n) == PERM
    ptr, n = probe.path("abs/secret")
    assert probe.path_filestat_set_times(3, FOLLOW, ptr, n, 0, 0, 2 | 8) == PERM
    assert opens(probe, "abs/new", oflags=Oflags.CREAT, write=True) == PERM


def test_a_symlink_made_to_point_out_cannot_be_followed(probe):
    for target in ("../outside/secret", "/etc/passwd", "inner/../../outside"):
        t, nt = probe.path(target, at=probe.PATH2)
        s, ns = probe.path("planted")
        assert probe.path_symlink(t, nt, 3, s, ns) == 0        # a symlink is only text...
        assert opens(probe, "planted") == PERM                   # ...resolved through the sandbox
        assert opens(probe, "planted", oflags=Oflags.CREAT, write=True) == PERM
        assert probe.path_unlink_file(3, s, ns) == 0


def test_a_directory_fd_is_its_own_root(probe):
    err, inner = probe.open("inner", oflags=Oflags.DIRECTORY)
    assert err == 0
    assert opens(probe, "deep", dirfd=inner) == 0
    assert opens(probe, "../file", dirfd=inner) == PERM
    assert opens(probe, "../../outside/secret", dirfd=inner) == PERM


def test_renumbering_over_a_preopen_keeps_every_root(probe):
    err, inner = probe.open("inner", oflags=Oflags.DIRECTORY)
    assert probe.fd_renumber(inner, 3) == 0                  # replaces the preopen
    assert probe.fd_prestat_get(3, probe.OUT) == Errno.BADF  # it is no preopen now
    assert opens(probe, "deep") == 0                         # fd 3 is "inner" now
    assert opens(probe, "../file") == PERM
    assert opens(probe, "../../outside/secret") == PERM


def test_a_renumbered_preopen_stays_a_sandbox(probe):
    err, other = probe.open("file")
    assert probe.fd_renumber(3, 10) == Errno.BADF            # renumbering replaces an open fd
    assert probe.fd_renumber(3, other) == 0
    assert opens(probe, "file", dirfd=3) == Errno.BADF
    assert probe.fd_prestat_get(other, probe.OUT) == 0
    assert opens(probe, "../outside/secret", dirfd=other) == PERM
    assert probe.open("file", dirfd=other) == (0, 3)         # the lowest free number again


def test_readdir_shows_only_the_inside(probe):
    assert probe.fd_readdir(3, probe.BUF, 8192, 0, probe.OUT) == 0
    listing = probe.read(probe.BUF, probe.u32(probe.OUT))
    assert b"secret" not in listing and b"outside" not in listing
    assert b"file" in listing and b"rel_out" in listing
