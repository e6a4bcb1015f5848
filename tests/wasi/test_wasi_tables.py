"""The witx numbers: errno values, rights bits, enum values and record layouts, checked
against literal values from the witx definitions (legacy/preview1 and legacy/preview0 of
WebAssembly/WASI), so a shifted table cannot test itself."""
from __future__ import annotations

import errno as host_errno
import os

import pytest

from heron.wasi import SIGNATURES, functions, functype
from heron.wasi.abi import DIRENT, EVENT, FDSTAT, PREVIEW1, PRESTAT, UNSTABLE
from heron.wasi.errno import Errno, from_host
from heron.wasi.flags import (ALL_RIGHTS, Advice, Clockid, Eventtype, Fdflags, Filetype, Fstflags, Lookupflags,
                              Oflags, Rights, Signal, filetype_of)


@pytest.mark.parametrize("name, value", [
    ("SUCCESS", 0), ("2BIG", 1), ("ACCES", 2), ("AGAIN", 6), ("BADF", 8), ("EXIST", 20), ("FAULT", 21),
    ("INVAL", 28), ("IO", 29), ("ISDIR", 31), ("LOOP", 32), ("NAMETOOLONG", 37), ("NOENT", 44),
    ("NOSYS", 52), ("NOTDIR", 54), ("NOTEMPTY", 55), ("NOTSOCK", 57), ("NOTSUP", 58), ("PERM", 63),
    ("PIPE", 64), ("SPIPE", 70), ("XDEV", 75), ("NOTCAPABLE", 76)])
def test_errno_values(name, value):
    assert Errno[name] == value


def test_host_errors_map_by_meaning():
    assert from_host(OSError(host_errno.ENOENT, "")) == Errno.NOENT
    assert from_host(OSError(host_errno.EWOULDBLOCK, "")) == Errno.AGAIN
    assert from_host(OSError(host_errno.EOPNOTSUPP, "")) == Errno.NOTSUP
    assert from_host(OSError(host_errno.EXDEV, "")) == Errno.XDEV
    assert from_host(OSError(None, "no errno")) == Errno.IO


@pytest.mark.parametrize("right, bit", [
    ("FD_DATASYNC", 0), ("FD_READ", 1), ("FD_SEEK", 2), ("FD_WRITE", 6), ("PATH_OPEN", 13),
    ("FD_READDIR", 14), ("PATH_FILESTAT_SET_SIZE", 19), ("FD_FILESTAT_SET_TIMES", 23),
    ("PATH_UNLINK_FILE", 26), ("POLL_FD_READWRITE", 27), ("SOCK_SHUTDOWN", 28), ("SOCK_ACCEPT", 29)])
def test_rights_bits(right, bit):
    assert Rights[right] == 1 << bit


def test_enums_and_flags():
    assert ALL_RIGHTS == (1 << 30) - 1
    assert (Fdflags.APPEND, Fdflags.NONBLOCK, Fdflags.SYNC) == (1, 4, 16)
    assert (Oflags.CREAT, Oflags.DIRECTORY, Oflags.EXCL, Oflags.TRUNC) == (1, 2, 4, 8)
    assert (Fstflags.ATIM, Fstflags.ATIM_NOW, Fstflags.MTIM, Fstflags.MTIM_NOW) == (1, 2, 4, 8)
    assert Lookupflags.SYMLINK_FOLLOW == 1
    assert (Filetype.DIRECTORY, Filetype.REGULAR_FILE, Filetype.SYMBOLIC_LINK) == (3, 4, 7)
    assert (Clockid.REALTIME, Clockid.THREAD_CPUTIME_ID) == (0, 3)
    assert (Eventtype.CLOCK, Eventtype.FD_WRITE) == (0, 2)
    assert (Advice.NORMAL, Advice.NOREUSE) == (0, 5)
    assert (Signal.KILL, Signal.SYS) == (9, 30)


def test_record_layouts():
    assert (FDSTAT.size, DIRENT.size, PRESTAT.size, EVENT.size) == (24, 24, 8, 32)
    assert (PREVIEW1.filestat.size, UNSTABLE.filestat.size) == (64, 56)
    assert (PREVIEW1.subscription_size, UNSTABLE.subscription_size) == (48, 56)
    packed = PREVIEW1.pack_filestat(1, 2, 4, 5, 6, 7, 8, 9)
    assert packed[16] == 4 and int.from_bytes(packed[24:32], "little") == 5
    assert int.from_bytes(packed[56:64], "little") == 9
    packed = UNSTABLE.pack_filestat(1, 2, 4, 5, 6, 7, 8, 9)
    assert packed[16] == 4 and int.from_bytes(packed[20:24], "little") == 5
    assert int.from_bytes(packed[24:32], "little") == 6 and int.from_bytes(packed[48:56], "little") == 9


def test_whence_orders():
    assert PREVIEW1.whence == {0: os.SEEK_SET, 1: os.SEEK_CUR, 2: os.SEEK_END}
    assert UNSTABLE.whence == {0: os.SEEK_CUR, 1: os.SEEK_END, 2: os.SEEK_SET}


def test_every_preview1_function_is_there():
    expected = """args_get args_sizes_get environ_get environ_sizes_get clock_res_get clock_time_get
        fd_advise fd_allocate fd_close fd_datasync fd_fdstat_get fd_fdstat_set_flags fd_fdstat_set_rights
        fd_filestat_get fd_filestat_set_size fd_filestat_set_times fd_pread fd_prestat_get
        fd_prestat_dir_name fd_pwrite fd_read fd_readdir fd_renumber fd_seek fd_sync fd_tell fd_write
        path_create_directory path_filestat_get path_filestat_set_times path_link path_open path_readlink
        path_remove_directory path_rename path_symlink path_unlink_file poll_oneoff proc_exit proc_raise
        sched_yield random_get sock_accept sock_recv sock_send sock_shutdown""".split()
    assert sorted(SIGNATURES) == sorted(expected) == sorted(functions("wasi_snapshot_preview1"))
    assert sorted(functions("wasi_unstable")) == sorted(set(expected) - {"sock_accept"})


@pytest.mark.parametrize("name, params, results", [
    ("fd_write", ("i32",) * 4, ("i32",)),
    ("path_open", ("i32",) * 5 + ("i64", "i64", "i32", "i32"), ("i32",)),
    ("fd_seek", ("i32", "i64", "i32", "i32"), ("i32",)),
    ("proc_exit", ("i32",), ()),
    ("clock_time_get", ("i32", "i64", "i32"), ("i32",)),
    ("path_filestat_set_times", ("i32",) * 4 + ("i64", "i64", "i32"), ("i32",)),
])
def test_core_signatures(name, params, results):
    ft = functype(name)
    assert (tuple(map(str, ft.params)), tuple(map(str, ft.results))) == (params, results)


def test_filetypes_of_host_modes():
    st = os.stat(".")
    assert filetype_of(st.st_mode) == Filetype.DIRECTORY
    assert filetype_of(0o010644) == Filetype.UNKNOWN            # a FIFO has no preview1 type
    assert filetype_of(0o140755) == Filetype.SOCKET_STREAM
