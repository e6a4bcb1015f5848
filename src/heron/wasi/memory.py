"""Guest memory as WASI functions see it: bounds-checked reads and writes of the calling
instance's linear memory, iovec gather/scatter, strings.

The memory is touched only through the buffer protocol -- len(), slices, slice assignment,
struct.unpack_from / pack_into -- never through bytearray-only methods, so the backing
store may change (a bytearray grown in place today, perhaps an mmap later). The buffer is
read from the Memory once per WASI call (`GuestMemory(memory.data, abi)`): growth may
replace it between calls, never during one. No memoryview outlives a call.

A range outside the memory raises WasiError(EFAULT): the guest gets an errno, never a
Python IndexError.
"""
from __future__ import annotations

from .abi import IOVEC, U16, U32, U64, U8, Abi
from .errno import Errno, WasiError

MAX_IOVS = 1024          # IOV_MAX: more iovecs than this is EINVAL, as for readv/writev


class GuestMemory:
    """The calling instance's memory for the duration of one WASI call."""
    __slots__ = ("buf", "abi")

    def __init__(self, buf, abi: Abi):
        self.buf = buf
        self.abi = abi

    def check(self, ptr: int, size: int) -> None:
        """EFAULT unless [ptr, ptr + size) lies inside the memory."""
        if ptr < 0 or size < 0 or ptr + size > len(self.buf):
            raise WasiError(Errno.FAULT)

    # ------------------------------------------------------------------ scalars
    def u32(self, ptr: int) -> int:
        self.check(ptr, 4)
        return U32.unpack_from(self.buf, ptr)[0]

    def set_u8(self, ptr: int, value: int) -> None:
        self.check(ptr, 1)
        U8.pack_into(self.buf, ptr, value)

    def set_u16(self, ptr: int, value: int) -> None:
        self.check(ptr, 2)
        U16.pack_into(self.buf, ptr, value)

    def set_u32(self, ptr: int, value: int) -> None:
        self.check(ptr, 4)
        U32.pack_into(self.buf, ptr, value)

    def set_u64(self, ptr: int, value: int) -> None:
        self.check(ptr, 8)
        U64.pack_into(self.buf, ptr, value)

    def unpack(self, layout, ptr: int) -> tuple:
        """A record (a struct.Struct) read at `ptr`."""
        self.check(ptr, layout.size)
        return layout.unpack_from(self.buf, ptr)

    def pack(self, layout, ptr: int, *values) -> None:
        """A record (a struct.Struct) written at `ptr`."""
        self.check(ptr, layout.size)
        layout.pack_into(self.buf, ptr, *values)

    # ------------------------------------------------------------------ bytes
    def read(self, ptr: int, size: int) -> bytes:
        self.check(ptr, size)
        return bytes(self.buf[ptr:ptr + size])

    def write(self, ptr: int, data: bytes) -> None:
        n = len(data)
        self.check(ptr, n)
        if n:
            self.buf[ptr:ptr + n] = data

    def string(self, ptr: int, size: int) -> str:
        """A UTF-8 string argument (a path): EILSEQ when it is not UTF-8, EINVAL with a NUL."""
        raw = self.read(ptr, size)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise WasiError(Errno.ILSEQ) from None
        if "\0" in text:
            raise WasiError(Errno.INVAL)
        return text

    # ------------------------------------------------------------------ iovecs
    def iovecs(self, ptr: int, count: int) -> list[tuple[int, int]]:
        """The (buf, len) pairs of an iovec array, each checked against the memory."""
        buf = self.buf
        size = len(buf)
        if count == 1 and 0 <= ptr <= size - 8:          # the common case, without a slice
            base, length = IOVEC.unpack_from(buf, ptr)
            if base + length > size:
                raise WasiError(Errno.FAULT)
            return [(base, length)]
        if count > MAX_IOVS:
            raise WasiError(Errno.INVAL)
        self.check(ptr, 8 * count)
        iovs = list(IOVEC.iter_unpack(buf[ptr:ptr + 8 * count])) if count else []
        for base, length in iovs:
            if base + length > size:
                raise WasiError(Errno.FAULT)
        return iovs

    def gather(self, iovs: list[tuple[int, int]]) -> bytes:
        """The bytes of (checked) iovecs, concatenated (a copy: it outlives the call)."""
        buf = self.buf
        if len(iovs) == 1:
            base, length = iovs[0]
            return buf[base:base + length]
        return b"".join([buf[base:base + length] for base, length in iovs])

    def scatter(self, iovs: list[tuple[int, int]], data: bytes) -> None:
        """Copy `data` into (checked) iovecs in order; `data` is at most their total size."""
        buf = self.buf
        done = 0
        total = len(data)
        for base, length in iovs:
            if done >= total:
                break
            n = min(length, total - done)
            buf[base:base + n] = data[done:done + n]
            done += n


MAX_TRANSFER = 64 << 20  # one read asks the host for at most this much (a short read is legal)


def iov_total(iovs: list[tuple[int, int]]) -> int:
    """How much one read asks the host for: the iovecs' total, capped at MAX_TRANSFER."""
    return min(sum(length for _, length in iovs), MAX_TRANSFER)


__all__ = ["GuestMemory", "iov_total", "MAX_IOVS", "MAX_TRANSFER"]
