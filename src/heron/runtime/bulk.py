"""The bulk-memory and table instructions generated code calls (memory.fill/copy/init,
table.fill/copy/init): bounds-checked first, so an out-of-range one traps before
writing anything, as the spec requires."""
from __future__ import annotations

from typing import Any

from ..errors import Trap, TrapCode

TRAP_OOB_MEM = TrapCode.MEMORY_OUT_OF_BOUNDS
TRAP_OOB_TABLE = TrapCode.TABLE_OUT_OF_BOUNDS


def mem_fill(mem: bytearray, d: int, v: int, n: int) -> None:
    if d + n > len(mem):
        raise Trap(TRAP_OOB_MEM)
    if n:
        mem[d:d + n] = bytes((v & 0xFF,)) * n


def mem_copy(dst: bytearray, d: int, src: bytearray, s: int, n: int) -> None:
    if d + n > len(dst) or s + n > len(src):
        raise Trap(TRAP_OOB_MEM)
    if n:
        dst[d:d + n] = src[s:s + n]


def mem_init(mem: bytearray, d: int, data: bytes, s: int, n: int) -> None:
    if d + n > len(mem) or s + n > len(data):
        raise Trap(TRAP_OOB_MEM)
    if n:
        mem[d:d + n] = data[s:s + n]


def table_fill(t: list, i: int, v, n: int) -> None:
    if i + n > len(t):
        raise Trap(TRAP_OOB_TABLE)
    t[i:i + n] = [v] * n


def table_copy(dst: list, d: int, src: list, s: int, n: int) -> None:
    if d + n > len(dst) or s + n > len(src):
        raise Trap(TRAP_OOB_TABLE)
    if n:
        dst[d:d + n] = src[s:s + n]


def table_init(t: list, d: int, elems, s: int, n: int) -> None:
    if d + n > len(t) or s + n > len(elems):
        raise Trap(TRAP_OOB_TABLE)
    if n:
        t[d:d + n] = elems[s:s + n]


HELPERS: dict[str, Any] = {
    "_mfill": mem_fill, "_mcopy": mem_copy, "_minit": mem_init,
    "_tfill": table_fill, "_tcopy": table_copy, "_tinit": table_init,
}

__all__ = ["HELPERS", "mem_fill", "mem_copy", "mem_init", "table_fill", "table_copy", "table_init"]
