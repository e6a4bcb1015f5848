"""args_* and environ_*: the program's arguments and environment, as NUL-terminated
strings and a table of pointers to them (the C layout wasi-libc hands to main)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .memory import GuestMemory

if TYPE_CHECKING:
    from .context import WasiContext

def _put_strings(mem: GuestMemory, strings: list[bytes], table: int, buf: int) -> None:
    """Write each string NUL-terminated from `buf` on, and its address into `table[i]`."""
    blob = b"".join(s + b"\0" for s in strings)
    mem.check(table, 4 * len(strings))
    mem.write(buf, blob)
    addr = buf
    for i, s in enumerate(strings):
        mem.set_u32(table + 4 * i, addr)
        addr += len(s) + 1


def _put_sizes(mem: GuestMemory, strings: list[bytes], count_ptr: int, size_ptr: int) -> None:
    mem.set_u32(count_ptr, len(strings))
    mem.set_u32(size_ptr, sum(len(s) + 1 for s in strings))


def args_get(ctx: WasiContext, mem: GuestMemory, argv: int, argv_buf: int) -> None:
    _put_strings(mem, ctx.args, argv, argv_buf)


def args_sizes_get(ctx: WasiContext, mem: GuestMemory, argc_ptr: int, buf_size_ptr: int) -> None:
    _put_sizes(mem, ctx.args, argc_ptr, buf_size_ptr)


def environ_get(ctx: WasiContext, mem: GuestMemory, environ: int, environ_buf: int) -> None:
    _put_strings(mem, ctx.environ, environ, environ_buf)


def environ_sizes_get(ctx: WasiContext, mem: GuestMemory, count_ptr: int, buf_size_ptr: int) -> None:
    _put_sizes(mem, ctx.environ, count_ptr, buf_size_ptr)


FUNCTIONS = {"args_get": args_get, "args_sizes_get": args_sizes_get,
             "environ_get": environ_get, "environ_sizes_get": environ_sizes_get}
