"""The memory layout of WASI's records, per WASI version.

wasi_snapshot_preview1 and the older wasi_unstable (preview0) share names and function
signatures, but their witx differ in three places that reach guest memory:

* `whence`: preview1 is set=0 cur=1 end=2; wasi_unstable is cur=0 end=1 set=2;
* `filestat.nlink` (`linkcount`): u64 in preview1, u32 in wasi_unstable, so the record is
  64 bytes against 56 and every field after nlink moves;
* `subscription_clock`: wasi_unstable has an extra `identifier` (u64) first, so a
  subscription is 56 bytes against 48 and the clock fields move by 8.

Records laid out the same in both (fdstat, dirent, prestat, iovec, event) are module-level
Structs here too, so every offset lives in this file. All little-endian, natural alignment.
"""
from __future__ import annotations

import os
import struct
from dataclasses import dataclass

IOVEC = struct.Struct("<II")                    # buf, buf_len
U8 = struct.Struct("<B")
U16 = struct.Struct("<H")
U32 = struct.Struct("<I")
U64 = struct.Struct("<Q")
U32_PAIR = struct.Struct("<II")
FDSTAT = struct.Struct("<BxHxxxxQQ")            # filetype u8, flags u16 @2, rights_base @8, inheriting @16
DIRENT = struct.Struct("<QQIBxxx")              # d_next, d_ino, d_namlen u32 @16, d_type u8 @20
PRESTAT = struct.Struct("<BxxxI")               # tag u8 (preopentype.dir), pr_name_len u32 @4
EVENT = struct.Struct("<QHBxxxxxQHxxxxxx")      # userdata, error u16 @8, type u8 @10, nbytes @16, flags u16 @24
SUB_HEAD = struct.Struct("<QB")                 # userdata, tag u8 @8
SUB_FD = struct.Struct("<16xI")                 # subscription_fd_readwrite.file_descriptor @16

assert FDSTAT.size == 24 and DIRENT.size == 24 and PRESTAT.size == 8 and EVENT.size == 32


@dataclass(frozen=True)
class Abi:
    """What differs between two WASI versions' memory layouts and enums."""
    module: str
    whence: dict                                # guest whence value -> os.SEEK_*
    filestat: struct.Struct                     # dev, ino, filetype, nlink, size, atim, mtim, ctim
    subscription_size: int
    sub_clock: struct.Struct                    # (id, timeout, precision, flags) at their offsets
    has_sock_accept: bool

    def pack_filestat(self, dev: int, ino: int, filetype: int, nlink: int, size: int,
                      atim: int, mtim: int, ctim: int) -> bytes:
        return self.filestat.pack(dev, ino, filetype, nlink, size, atim, mtim, ctim)


PREVIEW1 = Abi(
    module="wasi_snapshot_preview1",
    whence={0: os.SEEK_SET, 1: os.SEEK_CUR, 2: os.SEEK_END},
    filestat=struct.Struct("<QQBxxxxxxxQQQQQ"),                  # nlink u64 @24, size @32 ... 64 bytes
    subscription_size=48,
    sub_clock=struct.Struct("<16xIxxxxQQH"),                     # id @16, timeout @24, precision @32, flags @40
    has_sock_accept=True,
)

UNSTABLE = Abi(
    module="wasi_unstable",
    whence={0: os.SEEK_CUR, 1: os.SEEK_END, 2: os.SEEK_SET},
    filestat=struct.Struct("<QQBxxxIQQQQ"),                      # nlink u32 @20, size @24 ... 56 bytes
    subscription_size=56,
    sub_clock=struct.Struct("<24xIxxxxQQH"),                     # (identifier @16) id @24, timeout @32, ...
    has_sock_accept=False,
)

assert PREVIEW1.filestat.size == 64 and UNSTABLE.filestat.size == 56

ABIS = {abi.module: abi for abi in (PREVIEW1, UNSTABLE)}

__all__ = ["Abi", "PREVIEW1", "UNSTABLE", "ABIS", "IOVEC", "U8", "U16", "U32", "U64", "U32_PAIR",
           "FDSTAT", "DIRENT", "PRESTAT", "EVENT", "SUB_HEAD", "SUB_FD"]
