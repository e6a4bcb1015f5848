"""The 'name' custom section <-> heron.ast.Names.

Subsections 0..12 (module, funcs, locals, labels, types, tables, memories,
globals, elems, datas, fields, tags, and wasm-tools' type param names). Encoding follows wasm-tools: subsections
in id order, only the non-empty ones, name maps sorted by index.
"""
from __future__ import annotations

from ..ast import Names
from ..errors import DecodeError
from .leb128 import Reader, write_uleb

# subsection id -> (Names attribute, shape): 'name' a single name, 'map' index->name,
# 'indirect' index -> (index -> name).
SUBSECTIONS: dict[int, tuple[str, str]] = {
    0: ("module", "name"),
    1: ("funcs", "map"),
    2: ("locals", "indirect"),
    3: ("labels", "indirect"),
    4: ("types", "map"),
    5: ("tables", "map"),
    6: ("mems", "map"),
    7: ("globals", "map"),
    8: ("elems", "map"),
    9: ("datas", "map"),
    10: ("fields", "indirect"),
    11: ("tags", "map"),
    12: ("type_params", "indirect"),     # wasm-tools: param names of function *types*
}


def _read_map(r: Reader) -> dict[int, str]:
    out: dict[int, str] = {}
    for _ in range(r.u32()):
        idx = r.u32()
        out[idx] = r.name()
    return out


def decode_names(data: bytes, base: int = 0) -> tuple[Names, DecodeError | None]:
    """Decode a name section's payload. Never raises: returns what it read and the error, if any.

    `base` is the payload's offset in the module (for error offsets).
    """
    names = Names()
    r = Reader(data, 0, len(data), "unexpected end of section or function")
    last_id = -1
    try:
        while not r.at_end():
            start = r.pos
            sub_id = r.u8()
            size = r.u32()
            if size > r.end - r.pos:
                raise DecodeError("length out of bounds", r.pos)
            if sub_id <= last_id:
                raise DecodeError("name subsection out of order or duplicated", start)
            last_id = sub_id
            sub = Reader(data, r.pos, r.pos + size, r.eof_message)
            r.pos += size
            spec = SUBSECTIONS.get(sub_id)
            if spec is None:
                continue              # unknown subsections are skipped, as in wasm-tools
            attr, shape = spec
            if shape == "name":
                value = sub.name()
            elif shape == "map":
                value = _read_map(sub)
            else:
                value = {}
                for _ in range(sub.u32()):
                    idx = sub.u32()
                    value[idx] = _read_map(sub)
            if not sub.at_end():
                raise DecodeError("name subsection size mismatch", sub.pos)
            setattr(names, attr, value)
    except DecodeError as e:
        return names, DecodeError(e.message, None if e.offset is None else e.offset + base)
    return names, None


def _name_bytes(s: str) -> bytes:
    raw = s.encode("utf-8")
    return write_uleb(len(raw)) + raw


def _map_bytes(m: dict[int, str]) -> bytes:
    out = bytearray(write_uleb(len(m)))
    for idx in sorted(m):
        out += write_uleb(idx)
        out += _name_bytes(m[idx])
    return bytes(out)


def encode_names(names: Names) -> bytes:
    """The payload of a 'name' custom section (without the section header and the name 'name')."""
    out = bytearray()
    for sub_id, (attr, shape) in SUBSECTIONS.items():
        value = getattr(names, attr)
        if shape == "name":
            if value is None:
                continue
            body = _name_bytes(value)
        elif shape == "map":
            if not value:
                continue
            body = _map_bytes(value)
        else:
            inner = {k: v for k, v in value.items() if v}
            if not inner:
                continue
            body = bytearray(write_uleb(len(inner)))
            for idx in sorted(inner):
                body += write_uleb(idx)
                body += _map_bytes(inner[idx])
            body = bytes(body)
        out.append(sub_id)
        out += write_uleb(len(body))
        out += body
    return bytes(out)
