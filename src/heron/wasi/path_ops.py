"""The path_* functions: open, stat, times, directories, links, renames, removal.

Every path is resolved by sandbox.resolve below its directory descriptor; the host call
then acts on one component inside one host directory fd (`*at` with no-follow), so no
host path lookup ever crosses the sandbox. A directory preopened read-only refuses every
change (EPERM), as wasmtime does.
"""
from __future__ import annotations

import os
import stat
from typing import TYPE_CHECKING

from .descriptors import DirectoryDescriptor, FileDescriptor
from .errno import Errno, WasiError
from .fd_ops import filestat_of, new_times
from .flags import Fdflags, Filetype, Lookupflags, Oflags, Rights, filetype_of
from .memory import GuestMemory
from .sandbox import Resolved, resolve

if TYPE_CHECKING:
    from .context import WasiContext

_FOLLOW = int(Lookupflags.SYMLINK_FOLLOW)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
# oflags / fdflags -> host open flags
_OFLAGS = {Oflags.CREAT: os.O_CREAT, Oflags.DIRECTORY: getattr(os, "O_DIRECTORY", 0),
           Oflags.EXCL: os.O_EXCL, Oflags.TRUNC: os.O_TRUNC}
_FDFLAGS = {Fdflags.APPEND: os.O_APPEND, Fdflags.DSYNC: getattr(os, "O_DSYNC", 0),
            Fdflags.NONBLOCK: getattr(os, "O_NONBLOCK", 0),
            Fdflags.RSYNC: getattr(os, "O_RSYNC", getattr(os, "O_SYNC", 0)),
            Fdflags.SYNC: getattr(os, "O_SYNC", 0)}
_KEPT_FDFLAGS = int(Fdflags.APPEND | Fdflags.DSYNC | Fdflags.NONBLOCK | Fdflags.RSYNC | Fdflags.SYNC)


def _dir(ctx: WasiContext, fd: int, right: int) -> DirectoryDescriptor:
    """`fd` as the directory a path is relative to: ENOTDIR for a file, EBADF otherwise."""
    desc = ctx.fds.get(fd)
    if not isinstance(desc, DirectoryDescriptor):
        raise WasiError(Errno.NOTDIR if isinstance(desc, FileDescriptor) else Errno.BADF)
    desc.require(right)
    return desc


def _path(ctx: WasiContext, mem: GuestMemory, fd: int, right: int, ptr: int, size: int,
          follow: bool = False) -> tuple[DirectoryDescriptor, Resolved]:
    """The directory descriptor and the resolved path of a (fd, path) argument pair."""
    desc = _dir(ctx, fd, right)
    return desc, resolve(desc.fd, mem.string(ptr, size), follow)


def _lstat(r: Resolved) -> os.stat_result:
    return os.stat(r.name, dir_fd=r.parent, follow_symlinks=False)


def _check_dir(r: Resolved, st: os.stat_result | None = None) -> None:
    """A path written with a trailing slash must name a directory (ENOTDIR)."""
    if r.must_be_dir and not stat.S_ISDIR((st or _lstat(r)).st_mode):
        raise WasiError(Errno.NOTDIR)


def _exists(r: Resolved) -> os.stat_result | None:
    try:
        return _lstat(r)
    except FileNotFoundError:
        return None


def _new_name(r: Resolved) -> None:
    """The final component of a path that names something to be created (link, symlink): a
    trailing slash cannot name a file to be made (ENOENT, or EEXIST when it exists)."""
    if r.must_be_dir:
        raise WasiError(Errno.EXIST if _exists(r) is not None else Errno.NOENT)


# ---------------------------------------------------------------------- open
def path_open(ctx: WasiContext, mem: GuestMemory, fd: int, dirflags: int, path: int, path_len: int, oflags: int,
              rights_base: int, rights_inheriting: int, fdflags: int, opened: int) -> None:
    """Open a file or directory. The access mode comes from the rights asked for (fd_read,
    fd_write), the rest of the flags map onto the host's open flags."""
    desc = _dir(ctx, fd, Rights.PATH_OPEN)
    if oflags & ~0xF or fdflags & ~0x1F:
        raise WasiError(Errno.INVAL)
    mem.check(opened, 4)
    readable = bool(rights_base & (Rights.FD_READ | Rights.FD_READDIR))
    writable = bool(rights_base & Rights.FD_WRITE)
    if not desc.mutable and (writable or oflags & (Oflags.CREAT | Oflags.TRUNC)):
        raise WasiError(Errno.PERM)
    flags = _CLOEXEC | _NOFOLLOW
    flags |= os.O_RDWR if readable and writable else os.O_WRONLY if writable else os.O_RDONLY
    for bit, host in _OFLAGS.items():
        if oflags & bit:
            flags |= host
    for bit, host in _FDFLAGS.items():
        if fdflags & bit:
            flags |= host
    with resolve(desc.fd, mem.string(path, path_len), bool(dirflags & _FOLLOW)) as r:
        if r.must_be_dir:
            flags |= getattr(os, "O_DIRECTORY", 0)
        host_fd = os.open(r.name, flags, 0o666, dir_fd=r.parent)
    try:
        filetype = filetype_of(os.fstat(host_fd).st_mode)
        if filetype == Filetype.DIRECTORY:
            new = DirectoryDescriptor(host_fd, mutable=desc.mutable, readable=True)
        else:
            new = FileDescriptor(host_fd, filetype, readable or not writable, writable, fdflags & _KEPT_FDFLAGS)
        number = ctx.fds.add(new)
    except BaseException:
        os.close(host_fd)
        raise
    mem.set_u32(opened, number)


# ---------------------------------------------------------------------- stat and times
def path_filestat_get(ctx: WasiContext, mem: GuestMemory, fd: int, flags: int, path: int, path_len: int, out: int) -> None:
    _, r = _path(ctx, mem, fd, Rights.PATH_FILESTAT_GET, path, path_len, bool(flags & _FOLLOW))
    with r:
        st = _lstat(r)
        _check_dir(r, st)
    mem.write(out, filestat_of(mem, st))


def path_filestat_set_times(ctx: WasiContext, mem: GuestMemory, fd: int, flags: int, path: int, path_len: int,
                            atim: int, mtim: int, fst_flags: int) -> None:
    desc, r = _path(ctx, mem, fd, Rights.PATH_FILESTAT_SET_TIMES, path, path_len, bool(flags & _FOLLOW))
    with r:
        desc.check_mutable()
        _check_dir(r)
        times = new_times(fst_flags, atim, mtim, lambda: _lstat(r))
        if times is not None:
            os.utime(r.name, ns=times, dir_fd=r.parent, follow_symlinks=False)


# ---------------------------------------------------------------------- directories
def path_create_directory(ctx: WasiContext, mem: GuestMemory, fd: int, path: int, path_len: int) -> None:
    desc, r = _path(ctx, mem, fd, Rights.PATH_CREATE_DIRECTORY, path, path_len)
    with r:
        desc.check_mutable()
        os.mkdir(r.name, 0o777, dir_fd=r.parent)


def path_remove_directory(ctx: WasiContext, mem: GuestMemory, fd: int, path: int, path_len: int) -> None:
    desc, r = _path(ctx, mem, fd, Rights.PATH_REMOVE_DIRECTORY, path, path_len)
    with r:
        desc.check_mutable()
        os.rmdir(r.name, dir_fd=r.parent)


def path_unlink_file(ctx: WasiContext, mem: GuestMemory, fd: int, path: int, path_len: int) -> None:
    desc, r = _path(ctx, mem, fd, Rights.PATH_UNLINK_FILE, path, path_len)
    with r:
        desc.check_mutable()
        if r.must_be_dir:
            st = _lstat(r)
            raise WasiError(Errno.ISDIR if stat.S_ISDIR(st.st_mode) else Errno.NOTDIR)
        os.unlink(r.name, dir_fd=r.parent)


# ---------------------------------------------------------------------- links
def path_link(ctx: WasiContext, mem: GuestMemory, old_fd: int, old_flags: int, old_path: int, old_len: int,
              new_fd: int, new_path: int, new_len: int) -> None:
    _, src = _path(ctx, mem, old_fd, Rights.PATH_LINK_SOURCE, old_path, old_len, bool(old_flags & _FOLLOW))
    with src:
        dst_desc, dst = _path(ctx, mem, new_fd, Rights.PATH_LINK_TARGET, new_path, new_len)
        with dst:
            dst_desc.check_mutable()
            _check_dir(src)
            _new_name(dst)
            os.link(src.name, dst.name, src_dir_fd=src.parent, dst_dir_fd=dst.parent, follow_symlinks=False)


def path_symlink(ctx: WasiContext, mem: GuestMemory, old_path: int, old_len: int, fd: int, new_path: int,
                 new_len: int) -> None:
    """Create a symlink holding `old_path` as text. What it points to is not resolved now:
    following it later goes through the sandbox like any path."""
    target = mem.string(old_path, old_len)
    desc, r = _path(ctx, mem, fd, Rights.PATH_SYMLINK, new_path, new_len)
    with r:
        desc.check_mutable()
        _new_name(r)
        os.symlink(target, r.name, dir_fd=r.parent)


def path_readlink(ctx: WasiContext, mem: GuestMemory, fd: int, path: int, path_len: int, buf: int, buf_len: int,
                  bufused: int) -> None:
    _, r = _path(ctx, mem, fd, Rights.PATH_READLINK, path, path_len)
    with r:
        target = os.fsencode(os.readlink(r.name, dir_fd=r.parent))
    data = target[:buf_len]
    mem.check(bufused, 4)
    mem.write(buf, data)
    mem.set_u32(bufused, len(data))


def path_rename(ctx: WasiContext, mem: GuestMemory, fd: int, old_path: int, old_len: int, new_fd: int, new_path: int,
                new_len: int) -> None:
    src_desc, src = _path(ctx, mem, fd, Rights.PATH_RENAME_SOURCE, old_path, old_len)
    with src:
        dst_desc, dst = _path(ctx, mem, new_fd, Rights.PATH_RENAME_TARGET, new_path, new_len)
        with dst:
            src_desc.check_mutable()
            dst_desc.check_mutable()
            if (src.must_be_dir or dst.must_be_dir) and not stat.S_ISDIR(_lstat(src).st_mode):
                raise WasiError(Errno.NOTDIR)
            os.rename(src.name, dst.name, src_dir_fd=src.parent, dst_dir_fd=dst.parent)


FUNCTIONS = {
    "path_create_directory": path_create_directory, "path_filestat_get": path_filestat_get,
    "path_filestat_set_times": path_filestat_set_times, "path_link": path_link, "path_open": path_open,
    "path_readlink": path_readlink, "path_remove_directory": path_remove_directory,
    "path_rename": path_rename, "path_symlink": path_symlink, "path_unlink_file": path_unlink_file,
}
