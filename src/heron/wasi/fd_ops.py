"""The fd_* functions: reading, writing, seeking, stat, flags, rights, directory listing,
closing and renumbering descriptors.

Each takes the WASI context, the caller's GuestMemory and the call's arguments (unsigned),
writes its results into guest memory, and raises WasiError for an errno. Data moves as
whole slices of guest memory (one copy), never byte by byte.

Which descriptor kinds an operation accepts, and the errno for the others, follows
wasmtime: stdio streams are not seekable (ESPIPE), directories are not files (EBADF).
"""
from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

try:
    import fcntl
except ImportError:                           # not a POSIX host: only blocking mode can change
    fcntl = None

from .abi import DIRENT, FDSTAT, IOVEC, PRESTAT, U32
from .descriptors import DirectoryDescriptor, FileDescriptor, SocketDescriptor, StreamDescriptor
from .errno import Errno, WasiError
from .flags import Advice, Fdflags, Filetype, Fstflags, Rights, filetype_of
from .memory import GuestMemory, iov_total

if TYPE_CHECKING:
    from .context import WasiContext


MAX_OFFSET = (1 << 63) - 1
_FD_READ = int(Rights.FD_READ)
_FD_WRITE = int(Rights.FD_WRITE)
_FD_SEEK = int(Rights.FD_SEEK)
_FD_TELL = int(Rights.FD_TELL)
_SYNC_FLAGS = int(Fdflags.DSYNC | Fdflags.RSYNC | Fdflags.SYNC)
_SETTABLE_FLAGS = int(Fdflags.APPEND | Fdflags.NONBLOCK)
_ADVICE = {Advice.NORMAL: "POSIX_FADV_NORMAL", Advice.SEQUENTIAL: "POSIX_FADV_SEQUENTIAL",
           Advice.RANDOM: "POSIX_FADV_RANDOM", Advice.WILLNEED: "POSIX_FADV_WILLNEED",
           Advice.DONTNEED: "POSIX_FADV_DONTNEED", Advice.NOREUSE: "POSIX_FADV_NOREUSE"}


def _offset(value: int) -> int:
    """A u64 file offset or size the host can take (EINVAL beyond 2**63 - 1)."""
    if value > MAX_OFFSET:
        raise WasiError(Errno.INVAL)
    return value


def _file(ctx: WasiContext, fd: int, stream_errno: int = Errno.BADF) -> FileDescriptor:
    """`fd` as an open file: `stream_errno` for stdio (ESPIPE where seeking is implied),
    EBADF for anything else that is not a file."""
    desc = ctx.fds.get(fd)
    if isinstance(desc, FileDescriptor):
        return desc
    raise WasiError(stream_errno if isinstance(desc, StreamDescriptor) else Errno.BADF)


def filestat_of(mem: GuestMemory, st: os.stat_result) -> bytes:
    """A host stat as the caller's WASI version lays out `filestat`."""
    return mem.abi.pack_filestat(st.st_dev, st.st_ino, filetype_of(st.st_mode), st.st_nlink, st.st_size,
                                 st.st_atime_ns, st.st_mtime_ns, st.st_ctime_ns)


def new_times(fst_flags: int, atim: int, mtim: int, current) -> tuple[int, int] | None:
    """(atime, mtime) in ns to set for `fst_flags`, or None if nothing changes; EINVAL for a
    time both given and 'now', or unknown flags. `current()` gives the stat to keep from."""
    if fst_flags & ~0xF:
        raise WasiError(Errno.INVAL)
    if (fst_flags & Fstflags.ATIM and fst_flags & Fstflags.ATIM_NOW) or \
            (fst_flags & Fstflags.MTIM and fst_flags & Fstflags.MTIM_NOW):
        raise WasiError(Errno.INVAL)
    if not fst_flags:
        return None
    wall = time.time_ns()
    st = None
    if not fst_flags & (Fstflags.ATIM | Fstflags.ATIM_NOW) or not fst_flags & (Fstflags.MTIM | Fstflags.MTIM_NOW):
        st = current()
    a = atim if fst_flags & Fstflags.ATIM else wall if fst_flags & Fstflags.ATIM_NOW else st.st_atime_ns
    m = mtim if fst_flags & Fstflags.MTIM else wall if fst_flags & Fstflags.MTIM_NOW else st.st_mtime_ns
    return _offset(a), _offset(m)


# ---------------------------------------------------------------------- read / write
def _write(desc, data) -> int:
    if isinstance(desc, StreamDescriptor):
        if desc.output is None:
            raise WasiError(Errno.BADF)
        return desc.output.write(data)
    if isinstance(desc, FileDescriptor):
        desc.require(_FD_WRITE)
        return _write_all(desc.fd, data)
    if isinstance(desc, SocketDescriptor):
        desc.require(_FD_WRITE)
        return desc.sock.send(data)
    raise WasiError(Errno.BADF)


def _write_all(fd: int, data) -> int:
    """os.write until done (a regular file takes it all at once; a pipe may not)."""
    total = len(data)
    done = os.write(fd, data)
    if done < total:
        view = memoryview(data)
        try:
            while 0 < done < total:
                try:
                    n = os.write(fd, view[done:])
                except OSError:
                    break
                if n <= 0:
                    break
                done += n
        finally:
            view.release()
    return done


def fd_write(ctx: WasiContext, mem: GuestMemory, fd: int, iovs: int, iovs_len: int, nwritten: int) -> None:
    buf = mem.buf
    size = len(buf)
    if iovs_len == 1 and 0 <= iovs <= size - 8 and 0 <= nwritten <= size - 4:
        # what programs do a thousand times a second (one buffer to stdout): no list, no
        # second bounds check; the same checks as the general path below
        base, length = IOVEC.unpack_from(buf, iovs)
        if base + length <= size:
            desc = ctx.fds.get(fd)
            U32.pack_into(buf, nwritten, _write(desc, buf[base:base + length]) if length else 0)
            return
    desc = ctx.fds.get(fd)
    data = mem.gather(mem.iovecs(iovs, iovs_len))
    mem.check(nwritten, 4)
    n = _write(desc, data) if data else 0
    U32.pack_into(mem.buf, nwritten, n)


def fd_read(ctx: WasiContext, mem: GuestMemory, fd: int, iovs: int, iovs_len: int, nread: int) -> None:
    desc = ctx.fds.get(fd)
    iov = mem.iovecs(iovs, iovs_len)
    mem.check(nread, 4)
    size = iov_total(iov)
    if isinstance(desc, StreamDescriptor):
        if desc.input is None:
            raise WasiError(Errno.BADF)
        data = desc.input.read(size) if size else b""
    elif isinstance(desc, FileDescriptor):
        desc.require(_FD_READ)
        data = os.read(desc.fd, size) if size else b""
    elif isinstance(desc, SocketDescriptor):
        desc.require(_FD_READ)
        data = desc.sock.recv(size) if size else b""
    else:
        raise WasiError(Errno.BADF)
    mem.scatter(iov, data)
    mem.set_u32(nread, len(data))


def fd_pread(ctx: WasiContext, mem: GuestMemory, fd: int, iovs: int, iovs_len: int, offset: int, nread: int) -> None:
    desc = _file(ctx, fd, Errno.SPIPE)
    desc.require(_FD_READ)
    iov = mem.iovecs(iovs, iovs_len)
    mem.check(nread, 4)
    size = iov_total(iov)
    data = os.pread(desc.fd, size, _offset(offset)) if size else b""
    mem.scatter(iov, data)
    mem.set_u32(nread, len(data))


def fd_pwrite(ctx: WasiContext, mem: GuestMemory, fd: int, iovs: int, iovs_len: int, offset: int, nwritten: int) -> None:
    desc = _file(ctx, fd, Errno.SPIPE)
    desc.require(_FD_WRITE)
    data = mem.gather(mem.iovecs(iovs, iovs_len))
    mem.check(nwritten, 4)
    # with O_APPEND the host (Linux) appends, as wasmtime documents for fd_pwrite
    mem.set_u32(nwritten, os.pwrite(desc.fd, data, _offset(offset)) if data else 0)


# ---------------------------------------------------------------------- offsets
def fd_seek(ctx: WasiContext, mem: GuestMemory, fd: int, offset: int, whence: int, newoffset: int) -> None:
    desc = ctx.fds.get(fd)
    if isinstance(desc, (StreamDescriptor, SocketDescriptor)):
        raise WasiError(Errno.SPIPE)
    if not isinstance(desc, FileDescriptor):
        raise WasiError(Errno.BADF)
    how = mem.abi.whence.get(whence)
    if how is None:
        raise WasiError(Errno.INVAL)
    offset -= (offset & (1 << 63)) << 1                    # filedelta is signed
    desc.require(_FD_TELL if how == os.SEEK_CUR and offset == 0 else _FD_SEEK)
    mem.check(newoffset, 8)
    mem.set_u64(newoffset, os.lseek(desc.fd, offset, how))


def fd_tell(ctx: WasiContext, mem: GuestMemory, fd: int, out: int) -> None:
    desc = _file(ctx, fd, Errno.SPIPE)
    desc.require(_FD_TELL)
    mem.set_u64(out, os.lseek(desc.fd, 0, os.SEEK_CUR))


# ---------------------------------------------------------------------- descriptor state
def fd_fdstat_get(ctx: WasiContext, mem: GuestMemory, fd: int, out: int) -> None:
    desc = ctx.fds.get(fd)
    flags = desc.fdflags
    if isinstance(desc, SocketDescriptor):
        flags = 0 if desc.sock.getblocking() else int(Fdflags.NONBLOCK)
    mem.pack(FDSTAT, out, desc.filetype, flags, desc.rights_base, desc.rights_inheriting)


def fd_fdstat_set_flags(ctx: WasiContext, mem: GuestMemory, fd: int, flags: int) -> None:
    desc = ctx.fds.get(fd)
    if not isinstance(desc, (FileDescriptor, SocketDescriptor)):
        raise WasiError(Errno.BADF)
    desc.require(Rights.FD_FDSTAT_SET_FLAGS)
    if flags & ~0x1F or flags & _SYNC_FLAGS:
        raise WasiError(Errno.INVAL)      # sync modes are fixed at open (the host cannot change them)
    if isinstance(desc, SocketDescriptor):
        desc.sock.setblocking(not flags & Fdflags.NONBLOCK)
        return
    _set_host_flags(desc.fd, append=bool(flags & Fdflags.APPEND), nonblock=bool(flags & Fdflags.NONBLOCK))
    desc.fdflags = (desc.fdflags & ~_SETTABLE_FLAGS) | (flags & _SETTABLE_FLAGS)


def _set_host_flags(fd: int, append: bool, nonblock: bool) -> None:
    if fcntl is None:
        os.set_blocking(fd, not nonblock)
        return
    current = fcntl.fcntl(fd, fcntl.F_GETFL)
    wanted = (current & ~(os.O_APPEND | os.O_NONBLOCK)) | (os.O_APPEND if append else 0) \
        | (os.O_NONBLOCK if nonblock else 0)
    if wanted != current:
        fcntl.fcntl(fd, fcntl.F_SETFL, wanted)


def fd_fdstat_set_rights(ctx: WasiContext, mem: GuestMemory, fd: int, base: int, inheriting: int) -> None:
    """Rights can only be narrowed (ENOTCAPABLE for an attempt to add one)."""
    ctx.fds.get(fd).narrow(base, inheriting)


def fd_prestat_get(ctx: WasiContext, mem: GuestMemory, fd: int, out: int) -> None:
    desc = ctx.fds.get(fd)
    if not isinstance(desc, DirectoryDescriptor) or desc.preopen is None:
        raise WasiError(Errno.BADF)
    mem.pack(PRESTAT, out, 0, len(desc.preopen.encode("utf-8", "surrogateescape")))


def fd_prestat_dir_name(ctx: WasiContext, mem: GuestMemory, fd: int, path: int, path_len: int) -> None:
    desc = ctx.fds.get(fd)
    if not isinstance(desc, DirectoryDescriptor) or desc.preopen is None:
        raise WasiError(Errno.NOTDIR)
    name = desc.preopen.encode("utf-8", "surrogateescape")
    if len(name) > path_len:
        raise WasiError(Errno.NAMETOOLONG)
    mem.write(path, name)


def fd_close(ctx: WasiContext, mem: GuestMemory, fd: int) -> None:
    ctx.fds.remove(fd).close()


def fd_renumber(ctx: WasiContext, mem: GuestMemory, fd: int, to: int) -> None:
    ctx.fds.renumber(fd, to)


# ---------------------------------------------------------------------- file state
def fd_filestat_get(ctx: WasiContext, mem: GuestMemory, fd: int, out: int) -> None:
    desc = ctx.fds.get(fd)
    desc.require(Rights.FD_FILESTAT_GET)
    if isinstance(desc, StreamDescriptor):
        mem.write(out, mem.abi.pack_filestat(0, 0, desc.filetype, 0, 0, 0, 0, 0))
        return
    host_fd = desc.sock.fileno() if isinstance(desc, SocketDescriptor) else desc.fd
    mem.check(out, mem.abi.filestat.size)
    mem.write(out, filestat_of(mem, os.fstat(host_fd)))


def fd_filestat_set_size(ctx: WasiContext, mem: GuestMemory, fd: int, size: int) -> None:
    desc = _file(ctx, fd)
    desc.require(Rights.FD_FILESTAT_SET_SIZE)
    os.ftruncate(desc.fd, _offset(size))


def fd_filestat_set_times(ctx: WasiContext, mem: GuestMemory, fd: int, atim: int, mtim: int, fst_flags: int) -> None:
    desc = ctx.fds.get(fd)
    if not isinstance(desc, (FileDescriptor, DirectoryDescriptor)):
        raise WasiError(Errno.BADF)
    desc.require(Rights.FD_FILESTAT_SET_TIMES)
    times = new_times(fst_flags, atim, mtim, lambda: os.fstat(desc.fd))
    if times is not None:
        os.utime(desc.fd, ns=times)


def fd_advise(ctx: WasiContext, mem: GuestMemory, fd: int, offset: int, length: int, advice: int) -> None:
    desc = _file(ctx, fd)
    if advice not in _ADVICE:
        raise WasiError(Errno.INVAL)
    desc.require(Rights.FD_ADVISE)
    flag = getattr(os, _ADVICE[advice], None)
    if flag is not None and hasattr(os, "posix_fadvise"):
        os.posix_fadvise(desc.fd, _offset(offset), _offset(length), flag)   # advice: a host without it ignores it


def fd_allocate(ctx: WasiContext, mem: GuestMemory, fd: int, offset: int, length: int) -> None:
    desc = _file(ctx, fd)
    desc.require(Rights.FD_ALLOCATE)
    if not hasattr(os, "posix_fallocate"):
        raise WasiError(Errno.NOTSUP)
    os.posix_fallocate(desc.fd, _offset(offset), _offset(length))


def fd_datasync(ctx: WasiContext, mem: GuestMemory, fd: int) -> None:
    desc = _syncable(ctx, fd)
    desc.require(Rights.FD_DATASYNC)
    (getattr(os, "fdatasync", None) or os.fsync)(desc.fd)


def fd_sync(ctx: WasiContext, mem: GuestMemory, fd: int) -> None:
    desc = _syncable(ctx, fd)
    desc.require(Rights.FD_SYNC)
    os.fsync(desc.fd)


def _syncable(ctx: WasiContext, fd: int) -> FileDescriptor | DirectoryDescriptor:
    """Files, and directories too (a rename is made durable by syncing its directory)."""
    desc = ctx.fds.get(fd)
    if not isinstance(desc, (FileDescriptor, DirectoryDescriptor)):
        raise WasiError(Errno.BADF)
    return desc


# ---------------------------------------------------------------------- directories
def _listing(desc: DirectoryDescriptor) -> list[tuple[bytes, int, int]]:
    """(name, inode, filetype) of ".", ".." and every entry, names sorted (so cookies, which
    are positions, stay stable from one call to the next)."""
    own = os.fstat(desc.fd)
    entries = [(b".", own.st_ino, Filetype.DIRECTORY), (b"..", own.st_ino, Filetype.DIRECTORY)]
    for name in sorted(os.listdir(desc.fd)):
        try:
            st = os.stat(name, dir_fd=desc.fd, follow_symlinks=False)
        except FileNotFoundError:
            continue                                   # removed while listing
        entries.append((os.fsencode(name), st.st_ino, filetype_of(st.st_mode)))
    return entries


def fd_readdir(ctx: WasiContext, mem: GuestMemory, fd: int, buf: int, buf_len: int, cookie: int, bufused: int) -> None:
    """Entries from position `cookie` on, each a dirent then its name, until `buf_len` bytes
    are filled (the last one cut short, as the spec wants: the caller retries bigger)."""
    desc = ctx.fds.get(fd)
    if not isinstance(desc, DirectoryDescriptor):
        raise WasiError(Errno.NOTDIR if isinstance(desc, FileDescriptor) else Errno.BADF)
    desc.require(Rights.FD_READDIR)
    mem.check(buf, buf_len)
    mem.check(bufused, 4)
    if cookie == 0 or desc.listing is None:
        desc.listing = _listing(desc)
    out = bytearray()
    for index in range(cookie, len(desc.listing)):
        if len(out) >= buf_len:
            break
        name, ino, filetype = desc.listing[index]
        out += DIRENT.pack(index + 1, ino, len(name), filetype)
        out += name
    data = bytes(out[:buf_len])
    mem.write(buf, data)
    mem.set_u32(bufused, len(data))


FUNCTIONS = {
    "fd_advise": fd_advise, "fd_allocate": fd_allocate, "fd_close": fd_close, "fd_datasync": fd_datasync,
    "fd_fdstat_get": fd_fdstat_get, "fd_fdstat_set_flags": fd_fdstat_set_flags,
    "fd_fdstat_set_rights": fd_fdstat_set_rights, "fd_filestat_get": fd_filestat_get,
    "fd_filestat_set_size": fd_filestat_set_size, "fd_filestat_set_times": fd_filestat_set_times,
    "fd_pread": fd_pread, "fd_prestat_get": fd_prestat_get, "fd_prestat_dir_name": fd_prestat_dir_name,
    "fd_pwrite": fd_pwrite, "fd_read": fd_read, "fd_readdir": fd_readdir, "fd_renumber": fd_renumber,
    "fd_seek": fd_seek, "fd_sync": fd_sync, "fd_tell": fd_tell, "fd_write": fd_write,
}
