"""v128 loads and stores (little-endian, any buffer-protocol memory: bytearray or mmap),
each checked function beside its unchecked inline template -- the contract of memory.py.

Templates do NOT bounds-check: an access past the end raises one of
MEMORY_ACCESS_ERRORS (every template reads and writes through ``struct``
``unpack_from``/``pack_into`` or ``m[a]``, never a slice, which would silently clip or,
on a bytearray, grow).  The functions trap with TrapCode.MEMORY_OUT_OF_BOUNDS; they are
written independently of the templates (explicit bounds, byte slices, the lane views of
lanes.py), so the tests compare two implementations.

Placeholders: {0} memory, {1} effective address, {2} the vector (stores, and the lane
loads whose other lanes come from it), {lane} the lane immediate.  Functions take the
lane first: ``load_lane(lane, mem, addr, v)``, ``store_lane(lane, mem, addr, v)``.

    v128.load          _int_from_bytes(_v_16s_from({0}, {1})[0], 'little')   ~120 ns
    v128.store         _v_16s_into({0}, {1}, ({2}).to_bytes(16, 'little'))     ~100 ns
    v128.load8x8_s     _int_from_bytes(_pack_8h(*_v_8b_from({0}, {1})), 'little')  (struct sign-extends)
    v128.load32_splat  (_u32_from({0}, {1})[0] * 0x100000001000000010000000100000001)
    v128.load16_lane   (({2} & (M128 ^ (0xffff << 16 * {lane}))) | (_u16_from({0}, {1})[0] << 16 * {lane}))
"""
from __future__ import annotations

import struct
from typing import Callable

from .bits import M128
from .lanes import HELPER_GLOBALS, read, write
from .memory import GLOBALS as SCALAR_GLOBALS, checked
from .semantics import MemorySemantics
from .swar import splat

_FROM = {1: "{0}[{1}]", 2: "_u16_from({0}, {1})[0]", 4: "_u32_from({0}, {1})[0]", 8: "_u64_from({0}, {1})[0]"}
_INTO = {1: "{0}[{1}] = {2}", 2: "_u16_into({0}, {1}, {2})", 4: "_u32_into({0}, {1}, {2})",
         8: "_u64_into({0}, {1}, {2})"}


def _span(mem, addr: int, size: int) -> slice:
    """The bytes [addr, addr + size) of memory; IndexError when any is out of bounds."""
    if addr < 0 or addr + size > len(mem):
        raise IndexError("out of bounds memory access")
    return slice(addr, addr + size)


def _load(mem, addr: int, size: int) -> int:
    return int.from_bytes(mem[_span(mem, addr, size)], "little")


def _store(mem, addr: int, size: int, value: int) -> None:
    mem[_span(mem, addr, size)] = value.to_bytes(size, "little")


GLOBALS: dict[str, object] = {
    **SCALAR_GLOBALS, "_int_from_bytes": HELPER_GLOBALS["_int_from_bytes"],
    "_v_16s_from": struct.Struct("16s").unpack_from, "_v_16s_into": struct.Struct("16s").pack_into,
}
_rows: list[MemorySemantics] = []


def _row(name: str, size: int, raw: Callable, template: str, immediates: tuple[str, ...] = ()) -> None:
    _rows.append(MemorySemantics(name, size, "v128", checked(raw), template, immediates))


_row("v128.load", 16, lambda m, a: _load(m, a, 16), "_int_from_bytes(_v_16s_from({0}, {1})[0], 'little')")
_row("v128.store", 16, lambda m, a, v: _store(m, a, 16, v), "_v_16s_into({0}, {1}, ({2}).to_bytes(16, 'little'))")

# extending loads: 8 bytes, lanes widened (struct packs the signed values sign-extended)
for _name, _src, _dst in (("load8x8_s", "8b", "8h"), ("load8x8_u", "8B", "8H"), ("load16x4_s", "4h", "4i"),
                          ("load16x4_u", "4H", "4I"), ("load32x2_s", "2i", "2q"), ("load32x2_u", "2I", "2Q")):
    GLOBALS[f"_v_{_src}_from"] = struct.Struct(f"<{_src}").unpack_from
    GLOBALS[f"_pack_{_dst}"] = HELPER_GLOBALS.setdefault(f"_pack_{_dst}", struct.Struct(f"<{_dst}").pack)
    _w = 64 // int(_src[0])
    _views = (f"{_name[-1]}{_w}:low", f"{_name[-1]}{2 * _w}")
    _row(f"v128.{_name}", 8, lambda m, a, views=_views: write(views[1], read(views[0], _load(m, a, 8))),
         f"_int_from_bytes(_pack_{_dst}(*_v_{_src}_from({{0}}, {{1}})), 'little')")

for _size in (1, 2, 4, 8):
    _bits = 8 * _size
    _ones = splat(1, _bits)
    _row(f"v128.load{_bits}_splat", _size, lambda m, a, size=_size, ones=_ones: _load(m, a, size) * ones,
         f"({_FROM[_size]} * {_ones:#x})")
    _at = f"{_bits} * {{lane}}"
    _keep = f"({M128:#x} ^ ({(1 << _bits) - 1:#x} << {_at}))"
    _view = f"u{_bits}"

    def _load_lane(lane: int, m, a: int, v: int, size: int = _size, view: str = _view) -> int:
        lanes = list(read(view, v))
        lanes[lane] = _load(m, a, size)
        return write(view, lanes)

    def _store_lane(lane: int, m, a: int, v: int, size: int = _size, view: str = _view) -> None:
        _store(m, a, size, read(view, v)[lane])
    _row(f"v128.load{_bits}_lane", _size, _load_lane, f"(({{2}} & {_keep}) | ({_FROM[_size]} << {_at}))", ("lane",))
    _row(f"v128.store{_bits}_lane", _size, _store_lane,
         _INTO[_size].format("{0}", "{1}", f"(({{2}} >> {_at}) & {(1 << _bits) - 1:#x})"), ("lane",))
    if _size >= 4:
        _row(f"v128.load{_bits}_zero", _size, lambda m, a, size=_size: _load(m, a, size), _FROM[_size])

MEMORY_OPS: dict[str, MemorySemantics] = {r.name: r for r in _rows}
HELPER_GLOBALS.update(GLOBALS)

__all__ = ["MEMORY_OPS", "GLOBALS"]
