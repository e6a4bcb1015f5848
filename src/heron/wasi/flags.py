"""WASI enums, flag sets and rights (witx typenames), and the tables that map host facts
onto them (file types from st_mode).

Values are positions in the witx definitions: an enum's value is its index, a flag's bit is
its index. Where wasi_unstable differs (whence order, sock_accept right) see abi.py.
"""
from __future__ import annotations

import stat
from enum import IntEnum, IntFlag


def _flags(name: str, members: str) -> type[IntFlag]:
    """An IntFlag whose bit i is the i-th member, as witx `flags` are laid out."""
    cls = IntFlag(name, [(m, 1 << i) for i, m in enumerate(members.split())])
    cls.__module__ = __name__
    return cls


def _enum(name: str, members: str) -> type[IntEnum]:
    cls = IntEnum(name, [(m, i) for i, m in enumerate(members.split())])
    cls.__module__ = __name__
    return cls


Rights = _flags("Rights", """
    FD_DATASYNC FD_READ FD_SEEK FD_FDSTAT_SET_FLAGS FD_SYNC FD_TELL FD_WRITE FD_ADVISE
    FD_ALLOCATE PATH_CREATE_DIRECTORY PATH_CREATE_FILE PATH_LINK_SOURCE PATH_LINK_TARGET
    PATH_OPEN FD_READDIR PATH_READLINK PATH_RENAME_SOURCE PATH_RENAME_TARGET PATH_FILESTAT_GET
    PATH_FILESTAT_SET_SIZE PATH_FILESTAT_SET_TIMES FD_FILESTAT_GET FD_FILESTAT_SET_SIZE
    FD_FILESTAT_SET_TIMES PATH_SYMLINK PATH_REMOVE_DIRECTORY PATH_UNLINK_FILE POLL_FD_READWRITE
    SOCK_SHUTDOWN SOCK_ACCEPT""")
Fdflags = _flags("Fdflags", "APPEND DSYNC NONBLOCK RSYNC SYNC")
Oflags = _flags("Oflags", "CREAT DIRECTORY EXCL TRUNC")
Lookupflags = _flags("Lookupflags", "SYMLINK_FOLLOW")
Fstflags = _flags("Fstflags", "ATIM ATIM_NOW MTIM MTIM_NOW")
Subclockflags = _flags("Subclockflags", "SUBSCRIPTION_CLOCK_ABSTIME")
Eventrwflags = _flags("Eventrwflags", "FD_READWRITE_HANGUP")
Riflags = _flags("Riflags", "RECV_PEEK RECV_WAITALL")
Roflags = _flags("Roflags", "RECV_DATA_TRUNCATED")
Sdflags = _flags("Sdflags", "RD WR")

Filetype = _enum("Filetype", """UNKNOWN BLOCK_DEVICE CHARACTER_DEVICE DIRECTORY REGULAR_FILE
    SOCKET_DGRAM SOCKET_STREAM SYMBOLIC_LINK""")
Clockid = _enum("Clockid", "REALTIME MONOTONIC PROCESS_CPUTIME_ID THREAD_CPUTIME_ID")
Advice = _enum("Advice", "NORMAL SEQUENTIAL RANDOM WILLNEED DONTNEED NOREUSE")
Eventtype = _enum("Eventtype", "CLOCK FD_READ FD_WRITE")
Preopentype = _enum("Preopentype", "DIR")
Signal = _enum("Signal", """NONE HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM
    TERM CHLD CONT STOP TSTP TTIN TTOU URG XCPU XFSZ VTALRM PROF WINCH POLL PWR SYS""")

ALL_RIGHTS = Rights((1 << len(Rights.__members__)) - 1)

# What a preopened directory reports (fd_fdstat_get), as wasmtime does: many userlands
# (wasi-libc's openat) derive the rights they request for new files from these.
PREOPEN_RIGHTS = (Rights.PATH_CREATE_DIRECTORY | Rights.PATH_CREATE_FILE | Rights.PATH_LINK_SOURCE
                  | Rights.PATH_LINK_TARGET | Rights.PATH_OPEN | Rights.FD_READDIR
                  | Rights.PATH_READLINK | Rights.PATH_RENAME_SOURCE | Rights.PATH_RENAME_TARGET
                  | Rights.PATH_SYMLINK | Rights.PATH_REMOVE_DIRECTORY | Rights.PATH_UNLINK_FILE
                  | Rights.PATH_FILESTAT_GET | Rights.PATH_FILESTAT_SET_TIMES
                  | Rights.FD_FILESTAT_GET | Rights.FD_FILESTAT_SET_TIMES)
PREOPEN_INHERITING = (PREOPEN_RIGHTS | Rights.FD_DATASYNC | Rights.FD_READ | Rights.FD_SEEK
                      | Rights.FD_FDSTAT_SET_FLAGS | Rights.FD_SYNC | Rights.FD_TELL
                      | Rights.FD_WRITE | Rights.FD_ADVISE | Rights.FD_ALLOCATE
                      | Rights.FD_FILESTAT_GET | Rights.FD_FILESTAT_SET_SIZE
                      | Rights.FD_FILESTAT_SET_TIMES | Rights.POLL_FD_READWRITE)
STDIN_RIGHTS = Rights.FD_READ | Rights.POLL_FD_READWRITE
STDOUT_RIGHTS = Rights.FD_WRITE | Rights.POLL_FD_READWRITE
SOCKET_RIGHTS = (Rights.FD_READ | Rights.FD_WRITE | Rights.POLL_FD_READWRITE | Rights.SOCK_SHUTDOWN
                 | Rights.SOCK_ACCEPT | Rights.FD_FDSTAT_SET_FLAGS | Rights.FD_FILESTAT_GET)
# rights that need read / write access, and those a directory cannot have
READ_RIGHTS = Rights.FD_READ | Rights.FD_READDIR
WRITE_RIGHTS = Rights.FD_WRITE
NOT_FOR_DIRECTORIES = Rights.FD_SEEK | Rights.FD_FILESTAT_SET_SIZE

# st_mode file type -> WASI filetype (a FIFO has no preview1 code: unknown, as wasmtime says)
_MODE_FILETYPE = {
    stat.S_IFREG: Filetype.REGULAR_FILE, stat.S_IFDIR: Filetype.DIRECTORY,
    stat.S_IFLNK: Filetype.SYMBOLIC_LINK, stat.S_IFCHR: Filetype.CHARACTER_DEVICE,
    stat.S_IFBLK: Filetype.BLOCK_DEVICE, stat.S_IFSOCK: Filetype.SOCKET_STREAM,
    stat.S_IFIFO: Filetype.UNKNOWN,
}


def filetype_of(mode: int) -> Filetype:
    """The WASI filetype of a host st_mode."""
    return _MODE_FILETYPE.get(stat.S_IFMT(mode), Filetype.UNKNOWN)


def file_rights(filetype: int, readable: bool, writable: bool) -> tuple[Rights, Rights]:
    """(base, inheriting) rights of an opened file or directory: every right its type and
    access mode allow, as wasmtime reports them (rights describe the descriptor; the host's
    permissions still decide). A directory passes on every right: wasi-libc's openat asks
    for `wanted & inheriting`, so a narrower set would open files without read or write."""
    base = ALL_RIGHTS
    if filetype == Filetype.DIRECTORY:
        base &= ~NOT_FOR_DIRECTORIES
    if not readable:
        base &= ~READ_RIGHTS
    if not writable:
        base &= ~WRITE_RIGHTS
    return base, (ALL_RIGHTS if filetype == Filetype.DIRECTORY else base)


__all__ = ["Rights", "Fdflags", "Oflags", "Lookupflags", "Fstflags", "Subclockflags", "Eventrwflags",
           "Riflags", "Roflags", "Sdflags", "Filetype", "Clockid", "Advice", "Eventtype", "Preopentype",
           "Signal", "ALL_RIGHTS", "PREOPEN_RIGHTS", "PREOPEN_INHERITING", "STDIN_RIGHTS",
           "STDOUT_RIGHTS", "SOCKET_RIGHTS", "filetype_of", "file_rights"]
