"""The module encoder: heron.ast.Module -> bytes, in the canonical layout wasm-tools emits."""
from __future__ import annotations

from ..ast import Elem, Module
from ..types import FUNCREF, RefType

FUNC_NONNULL = RefType(False, "func")
from .decode import (CODE, CUSTOM, DATA, DATA_COUNT, ELEMENT, EXPORT, FUNCTION, GLOBAL, IMPORT,
                     MAGIC, MEMORY, SECTION_ORDER, START, TABLE, TAG, TYPE, VERSION)
from .instructions import write_expr
from .leb128 import write_uleb
from .names import encode_names
from .types_codec import (global_type_bytes, mem_type_bytes, ref_type_bytes, table_type_bytes,
                          tag_type_bytes, val_type_bytes)

KIND_CODE = {"func": 0, "table": 1, "memory": 2, "global": 3, "tag": 4}


def encode(module: Module) -> bytes:
    """Encode a module. Custom sections go back where `CustomSection.after` says; a 'name'
    section is built from `module.names` when no raw one is kept, after all other sections."""
    out = bytearray(MAGIC + VERSION)
    customs_after: dict[int, list] = {}
    for c in module.customs:
        customs_after.setdefault(c.after, []).append(c)

    def emit_customs(after: int) -> None:
        for c in customs_after.get(after, ()):
            raw_name = c.name.encode("utf-8")
            _section(out, CUSTOM, write_uleb(len(raw_name)) + raw_name + c.data)

    emit_customs(0)
    for sid in SECTION_ORDER:
        body = _SECTION_WRITERS[sid](module)
        if body is not None:
            _section(out, sid, body)
        emit_customs(sid)
    for sid in set(customs_after) - set(SECTION_ORDER) - {0}:
        emit_customs(sid)
    if module.names is not None and not any(c.name == "name" for c in module.customs):
        payload = encode_names(module.names)
        if payload:
            _section(out, CUSTOM, b"\x04name" + payload)
    return bytes(out)


def _section(out: bytearray, sid: int, body: bytes) -> None:
    out.append(sid)
    out += write_uleb(len(body))
    out += body


def _vec(items, write) -> bytes | None:
    """A section body that is a vector, or None (no section) when empty."""
    if not items:
        return None
    out = bytearray(write_uleb(len(items)))
    for item in items:
        write(item, out)
    return bytes(out)


def _name(s: str) -> bytes:
    raw = s.encode("utf-8")
    return write_uleb(len(raw)) + raw


def _expr(instrs) -> bytes:
    out = bytearray()
    write_expr(instrs, out)
    return bytes(out)


# -- sections ---------------------------------------------------------------------

def _types(m: Module):
    """The type section: one entry per recursion group (explicit groups as 0x4e vectors)."""
    def write_type(idx: int, out: bytearray) -> None:
        t = m.types[idx]
        if idx in m.explicit_final:
            out += b"\x4f\x00"
        out.append(0x60)
        out += write_uleb(len(t.params))
        for p in t.params:
            out += val_type_bytes(p)
        out += write_uleb(len(t.results))
        for r in t.results:
            out += val_type_bytes(r)

    entries: list[tuple[str, int, int]] = []      # ('rec', start, count) or ('one', idx, 1)
    groups = sorted(m.rec_groups)
    g = 0
    idx = 0
    while idx < len(m.types) or g < len(groups):
        if g < len(groups) and groups[g][0] <= idx:
            start, count = groups[g]
            entries.append(("rec", start, count))
            idx = max(idx, start + count)
            g += 1
        else:
            entries.append(("one", idx, 1))
            idx += 1

    def write(entry, out):
        form, start, count = entry
        if form == "rec":
            out.append(0x4E)
            out += write_uleb(count)
        for i in range(start, start + count):
            write_type(i, out)
    return _vec(entries, write)


def _import_desc(kind: str, desc) -> bytes:
    if kind == "func":
        return write_uleb(desc)
    return {"table": table_type_bytes, "memory": mem_type_bytes, "global": global_type_bytes,
            "tag": tag_type_bytes}[kind](desc)


def _imports(m: Module):
    def write(imp, out):
        out += _name(imp.module)
        out += _name(imp.name)
        out.append(KIND_CODE[imp.kind])
        out += _import_desc(imp.kind, imp.desc)
    return _vec(m.imports, write)


def _functions(m: Module):
    return _vec(m.funcs, lambda f, out: out.extend(write_uleb(f.type_idx)))


def _tables(m: Module):
    def write(t, out):
        if t.init is not None:
            out += b"\x40\x00"
            out += table_type_bytes(t.type)
            write_expr(t.init, out)
        else:
            out += table_type_bytes(t.type)
    return _vec(m.tables, write)


def _memories(m: Module):
    return _vec(m.mems, lambda t, out: out.extend(mem_type_bytes(t)))


def _tags(m: Module):
    return _vec(m.tags, lambda t, out: out.extend(tag_type_bytes(t)))


def _globals(m: Module):
    def write(g, out):
        out += global_type_bytes(g.type)
        write_expr(g.init, out)
    return _vec(m.globals, write)


def _exports(m: Module):
    def write(e, out):
        out += _name(e.name)
        out.append(KIND_CODE[e.kind])
        out += write_uleb(e.index)
    return _vec(m.exports, write)


def _start(m: Module):
    return None if m.start is None else write_uleb(m.start)


def _func_indices(elem: Elem) -> list[int] | None:
    """The function indices if every element is exactly `ref.func i; end`, else None."""
    out = []
    for e in elem.init:
        if len(e) != 2 or e[0].op != "ref.func" or e[1].op != "end":
            return None
        out.append(e[0].imm)
    return out


def elem_encoding(elem: Elem) -> int:
    """The flags as recorded, else the form wasm-tools picks. The function-index forms (0..3)
    are the ones whose element type is `(ref func)` (what the spec gives them) and whose items
    are all `ref.func i`; the short active form (0/4) needs table 0 and, for expressions, funcref.
    A text parser that knows which syntax was written should set `Elem.encoding` itself."""
    if elem.encoding is not None:
        return elem.encoding
    indices = elem.type == FUNC_NONNULL and _func_indices(elem) is not None
    if elem.mode == "passive":
        return 1 if indices else 5
    if elem.mode == "declarative":
        return 3 if indices else 7
    if indices:
        return 0 if elem.table == 0 else 2
    return 4 if elem.table == 0 and elem.type == FUNCREF else 6


def _elems(m: Module):
    def write(elem, out):
        flags = elem_encoding(elem)
        out += write_uleb(flags)
        if not flags & 1:
            if flags & 2:
                out += write_uleb(elem.table)
            write_expr(elem.offset, out)
        if flags & 4:
            if flags != 4:
                out += ref_type_bytes(elem.type)
            out += write_uleb(len(elem.init))
            for e in elem.init:
                write_expr(e, out)
        else:
            if flags != 0:
                out.append(0x00)          # elemkind funcref
            indices = _func_indices(elem)
            if indices is None:
                raise ValueError("element segment encoding needs ref.func items")
            out += write_uleb(len(indices))
            for i in indices:
                out += write_uleb(i)
    return _vec(m.elems, write)


def _data_count(m: Module):
    return None if m.data_count is None else write_uleb(m.data_count)


def _locals_bytes(types) -> bytes:
    runs: list[list] = []
    for t in types:
        if runs and runs[-1][1] == t:
            runs[-1][0] += 1
        else:
            runs.append([1, t])
    out = bytearray(write_uleb(len(runs)))
    for n, t in runs:
        out += write_uleb(n)
        out += val_type_bytes(t)
    return bytes(out)


def _code(m: Module):
    def write(f, out):
        body = bytearray(_locals_bytes(f.locals))
        if f.code is not None:          # a decoded body: its bytes as they were
            body += f.code.data[f.code.start:f.code.end]
        else:
            write_expr(f.body, body)
        out += write_uleb(len(body))
        out += body
    return _vec(m.funcs, write)


def data_encoding(d) -> int:
    if d.encoding is not None:
        return d.encoding
    if d.mode == "passive":
        return 1
    return 0 if d.memory == 0 else 2


def _datas(m: Module):
    def write(d, out):
        flags = data_encoding(d)
        out += write_uleb(flags)
        if flags == 2:
            out += write_uleb(d.memory)
        if flags != 1:
            write_expr(d.offset, out)
        out += write_uleb(len(d.init))
        out += d.init
    return _vec(m.datas, write)


_SECTION_WRITERS = {
    TYPE: _types, IMPORT: _imports, FUNCTION: _functions, TABLE: _tables, MEMORY: _memories,
    TAG: _tags, GLOBAL: _globals, EXPORT: _exports, START: _start, ELEMENT: _elems,
    DATA_COUNT: _data_count, CODE: _code, DATA: _datas,
}

__all__ = ["encode", "elem_encoding", "data_encoding"]
