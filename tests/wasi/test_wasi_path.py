"""The path_* functions inside a preopened directory: open flags, stat (following or not),
times, directories, links, symlinks, renames, removal, trailing slashes, read-only
preopens -- checked against the host filesystem afterwards."""
from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

import pytest

import heron
from heron.wasi import Errno
from heron.wasi.flags import Filetype, Oflags

sys.path.insert(0, str(Path(__file__).resolve().parent))
from wasi_probe import Probe  # noqa: E402

FOLLOW = 1


@pytest.fixture
def root(tmp_path):
    (tmp_path / "file").write_bytes(b"contents")
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "nested").write_bytes(b"nested")
    os.symlink("file", tmp_path / "link")
    os.symlink("dir", tmp_path / "dirlink")
    os.symlink("missing", tmp_path / "dangling")
    return tmp_path


def make_probe(root: Path, mutable: bool = True) -> Probe:
    c = heron.WasiConfig()
    c.preopen_dir(root, ".", fs_mutable=mutable)
    return Probe(c)


@pytest.fixture
def probe(root):
    p = make_probe(root)
    yield p
    p.close()


def stat_of(probe: Probe, path: str, follow: bool) -> tuple[int, tuple]:
    ptr, n = probe.path(path)
    err = probe.path_filestat_get(3, FOLLOW if follow else 0, ptr, n, probe.OUT)
    return err, struct.unpack("<QQBxxxxxxxQQQQQ", probe.read(probe.OUT, 64)) if err == 0 else ()


def call_path(probe: Probe, func: str, path: str, *rest) -> int:
    ptr, n = probe.path(path)
    return getattr(probe, func)(3, ptr, n, *rest)


def test_path_open_flags(probe, root):
    assert probe.open("file")[0] == 0
    assert probe.open("absent")[0] == Errno.NOENT
    assert probe.open("new", oflags=Oflags.CREAT, write=True)[0] == 0 and (root / "new").exists()
    assert probe.open("new", oflags=Oflags.CREAT | Oflags.EXCL)[0] == Errno.EXIST
    assert probe.open("file", oflags=Oflags.DIRECTORY)[0] == Errno.NOTDIR
    err, fd = probe.open("file", oflags=Oflags.TRUNC, write=True)
    assert err == 0 and (root / "file").read_bytes() == b""
    assert probe.open("dir", write=True)[0] == Errno.ISDIR
    err, fd = probe.open("dir", oflags=Oflags.DIRECTORY)
    assert err == 0
    assert probe.fd_fdstat_get(fd, probe.OUT) == 0 and probe.read(probe.OUT, 1)[0] == Filetype.DIRECTORY
    assert probe.open("nested", dirfd=fd)[0] == 0                 # relative to an opened directory
    assert probe.open(".")[0] == 0
    assert probe.open("")[0] == Errno.NOENT
    assert probe.open("x", oflags=16)[0] == Errno.INVAL
    err, ffd = probe.open("dir/nested")
    assert probe.open("x", dirfd=ffd)[0] == Errno.NOTDIR         # a file is no directory to open from
    assert probe.open("x", dirfd=1)[0] == Errno.BADF
    assert probe.open("x", dirfd=42)[0] == Errno.BADF


def test_path_open_is_utf8_only(probe):
    ptr, n = probe.path(b"\xff\xfe")
    assert probe.path_open(3, 0, ptr, n, 0, 2, 2, 0, probe.OUT) == Errno.ILSEQ
    ptr, n = probe.path(b"fi\0le")
    assert probe.path_open(3, 0, ptr, n, 0, 2, 2, 0, probe.OUT) == Errno.INVAL
    assert probe.path_open(3, 0, 2 * 65536 - 2, 4, 0, 2, 2, 0, probe.OUT) == Errno.FAULT


def test_symlinks_followed_or_not(probe):
    err, fd = probe.open("link", follow=True)
    assert err == 0 and probe.read_fd(fd, 100) == (0, b"contents")
    assert probe.open("link", follow=False)[0] == Errno.LOOP
    assert probe.open("dirlink/nested", follow=False)[0] == 0         # intermediate links are followed
    assert probe.open("dangling")[0] == Errno.NOENT
    err, fd = probe.open("dangling", oflags=Oflags.CREAT, write=True)  # creates the link's target
    assert err == 0


def test_path_filestat_get(probe, root):
    err, st = stat_of(probe, "file", follow=False)
    host = os.lstat(root / "file")
    assert err == 0 and st[:5] == (host.st_dev, host.st_ino, Filetype.REGULAR_FILE, 1, 8)
    assert st[6] == host.st_mtime_ns
    assert stat_of(probe, "link", follow=False)[1][2] == Filetype.SYMBOLIC_LINK
    assert stat_of(probe, "link", follow=False)[1][4] == len("file")
    assert stat_of(probe, "link", follow=True)[1][2] == Filetype.REGULAR_FILE
    assert stat_of(probe, "dir", follow=False)[1][2] == Filetype.DIRECTORY
    assert stat_of(probe, "dangling", follow=True)[0] == Errno.NOENT
    assert stat_of(probe, "file/", follow=True)[0] == Errno.NOTDIR
    assert stat_of(probe, "dir/", follow=False)[0] == 0
    assert stat_of(probe, "dir/../file", follow=False)[0] == 0


def test_path_filestat_set_times(probe, root):
    ptr, n = probe.path("file")
    assert probe.path_filestat_set_times(3, 0, ptr, n, 3_000_000_000, 4_000_000_000, 1 | 4) == 0
    st = os.stat(root / "file")
    assert (st.st_atime_ns, st.st_mtime_ns) == (3_000_000_000, 4_000_000_000)
    ptr, n = probe.path("link")
    assert probe.path_filestat_set_times(3, FOLLOW, ptr, n, 0, 7_000_000_000, 4) == 0
    assert os.stat(root / "file").st_mtime_ns == 7_000_000_000
    assert probe.path_filestat_set_times(3, 0, ptr, n, 0, 0, 4 | 8) == Errno.INVAL


def test_directories(probe, root):
    assert call_path(probe, "path_create_directory", "made") == 0 and (root / "made").is_dir()
    assert call_path(probe, "path_create_directory", "made") == Errno.EXIST
    assert call_path(probe, "path_create_directory", "no/such") == Errno.NOENT
    assert call_path(probe, "path_remove_directory", "dir") == Errno.NOTEMPTY
    assert call_path(probe, "path_remove_directory", "file") == Errno.NOTDIR
    assert call_path(probe, "path_remove_directory", "made/") == 0 and not (root / "made").exists()
    assert call_path(probe, "path_remove_directory", "dirlink") == Errno.NOTDIR   # not the link's target
    assert (root / "dir").is_dir()


def test_unlink(probe, root):
    assert call_path(probe, "path_unlink_file", "dir") == Errno.ISDIR
    assert call_path(probe, "path_unlink_file", "file/") == Errno.NOTDIR
    assert call_path(probe, "path_unlink_file", "link") == 0
    assert not os.path.lexists(root / "link") and (root / "file").exists()
    assert call_path(probe, "path_unlink_file", "file") == 0 and not (root / "file").exists()
    assert call_path(probe, "path_unlink_file", "file") == Errno.NOENT


def test_link_symlink_readlink(probe, root):
    a, na = probe.path("file")
    b, nb = probe.path("hard", at=probe.PATH2)
    assert probe.path_link(3, 0, a, na, 3, b, nb) == 0
    assert os.stat(root / "hard").st_ino == os.stat(root / "file").st_ino
    assert probe.path_link(3, 0, a, na, 3, b, nb) == Errno.EXIST
    a, na = probe.path("link")
    b, nb = probe.path("hard2", at=probe.PATH2)
    assert probe.path_link(3, FOLLOW, a, na, 3, b, nb) == 0              # links the target
    assert not os.path.islink(root / "hard2") and os.stat(root / "hard2").st_ino == os.stat(root / "file").st_ino
    t, nt = probe.path("some/target", at=probe.PATH2)
    s, ns = probe.path("sym")
    assert probe.path_symlink(t, nt, 3, s, ns) == 0
    assert os.readlink(root / "sym") == "some/target"
    assert probe.path_symlink(t, nt, 3, s, ns) == Errno.EXIST
    p, n = probe.path("sym")
    assert probe.path_readlink(3, p, n, probe.BUF, 100, probe.OUT) == 0
    assert probe.read(probe.BUF, probe.u32(probe.OUT)) == b"some/target"
    assert probe.path_readlink(3, p, n, probe.BUF, 4, probe.OUT) == 0     # truncated to the buffer
    assert probe.u32(probe.OUT) == 4 and probe.read(probe.BUF, 4) == b"some"
    p, n = probe.path("file")
    assert probe.path_readlink(3, p, n, probe.BUF, 100, probe.OUT) == Errno.INVAL
    s, ns = probe.path("newlink/")
    assert probe.path_symlink(t, nt, 3, s, ns) == Errno.NOENT


def test_rename(probe, root):
    a, na = probe.path("file")
    b, nb = probe.path("dir/moved", at=probe.PATH2)
    assert probe.path_rename(3, a, na, 3, b, nb) == 0
    assert (root / "dir" / "moved").read_bytes() == b"contents" and not (root / "file").exists()
    assert probe.path_rename(3, a, na, 3, b, nb) == Errno.NOENT
    err, dirfd = probe.open("dir", oflags=Oflags.DIRECTORY)
    a, na = probe.path("moved")
    b, nb = probe.path("back", at=probe.PATH2)
    assert probe.path_rename(dirfd, a, na, 3, b, nb) == 0                 # across directory fds
    assert (root / "back").exists()
    a, na = probe.path("back/")
    assert probe.path_rename(3, a, na, 3, b, nb) == Errno.NOTDIR


def test_read_only_preopen_refuses_changes(root):
    p = make_probe(root, mutable=False)
    assert p.open("file")[0] == 0
    assert p.open("file", write=True)[0] == Errno.PERM
    assert p.open("new", oflags=Oflags.CREAT)[0] == Errno.PERM
    assert call_path(p, "path_create_directory", "made") == Errno.PERM
    assert call_path(p, "path_unlink_file", "file") == Errno.PERM
    assert call_path(p, "path_remove_directory", "dir") == Errno.PERM
    err, dirfd = p.open("dir", oflags=Oflags.DIRECTORY)
    ptr, n = p.path("nested")
    assert p.path_unlink_file(dirfd, ptr, n) == Errno.PERM                # below it too
    assert sorted(os.listdir(root)) == ["dangling", "dir", "dirlink", "file", "link"]


def test_preopen_of_a_missing_directory_is_refused(tmp_path):
    c = heron.WasiConfig()
    with pytest.raises(heron.HeronError, match="preopen"):
        c.preopen_dir(tmp_path / "absent", "/")
