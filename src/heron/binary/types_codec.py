"""Binary codes of value, heap, reference, limits and extern types (both directions)."""
from __future__ import annotations

from ..errors import DecodeError, Unsupported
from ..types import GlobalType, Limits, MemType, RefType, TableType, TagType, ValType
from .leb128 import Reader, write_sleb, write_uleb

NUM_BY_CODE = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x7B: "v128"}
CODE_BY_NUM = {v: k for k, v in NUM_BY_CODE.items()}

# Abstract heap types, by their one-byte code.
HEAP_BY_CODE = {0x70: "func", 0x6F: "extern", 0x69: "exn", 0x73: "nofunc", 0x72: "noextern",
                0x74: "noexn", 0x6E: "any", 0x6D: "eq", 0x6C: "i31", 0x6B: "struct",
                0x6A: "array", 0x71: "none"}
CODE_BY_HEAP = {v: k for k, v in HEAP_BY_CODE.items()}

REF_NULLABLE = 0x63     # (ref null ht)
REF_NONNULL = 0x64      # (ref ht)

# Heap-type and type-definition codes of proposals Heron does not implement: reading one is
# Unsupported(proposal), not a malformed module.
UNIMPLEMENTED_HEAP_CODES = {0x68: "stack-switching", 0x75: "stack-switching",      # cont, nocont
                            0x62: "custom-descriptors",                            # exact $t
                            0x65: "shared-everything-threads"}                     # shared
UNIMPLEMENTED_TYPE_FORMS = {0x5D: "stack-switching",                              # cont $ft
                            0x4D: "custom-descriptors", 0x4C: "custom-descriptors",  # descriptor, describes
                            0x65: "shared-everything-threads"}

# Bytes that can start a value type (used to tell a blocktype's value type from a type index).
VALTYPE_START = frozenset(NUM_BY_CODE) | frozenset(HEAP_BY_CODE) | {REF_NULLABLE, REF_NONNULL}

# Limits flags: bit 0 max present, bit 1 shared, bit 2 64-bit addresses.
LIMITS_MAX, LIMITS_SHARED, LIMITS_64 = 0x01, 0x02, 0x04


# -- decoding ------------------------------------------------------------------

def _reject_unimplemented_heap(code: int, offset: int) -> None:
    if code in UNIMPLEMENTED_HEAP_CODES:
        raise Unsupported(UNIMPLEMENTED_HEAP_CODES[code], f"type code 0x{code:02x} at offset 0x{offset:x}")


def read_heap_type(r: Reader) -> str | int:
    b = r.peek()
    if b in HEAP_BY_CODE:
        r.pos += 1
        return HEAP_BY_CODE[b]
    _reject_unimplemented_heap(b, r.pos)
    start = r.pos
    idx = r.s33()
    if idx < 0:
        raise DecodeError("malformed heap type", start)
    return idx


def read_ref_type(r: Reader, what: str = "malformed reference type") -> RefType:
    start = r.pos
    b = r.u8()
    if b in HEAP_BY_CODE:
        return RefType(True, HEAP_BY_CODE[b])
    if b == REF_NULLABLE or b == REF_NONNULL:
        return RefType(b == REF_NULLABLE, read_heap_type(r))
    _reject_unimplemented_heap(b, start)
    raise DecodeError(what, start)


def read_val_type(r: Reader) -> ValType:
    b = r.peek()
    num = NUM_BY_CODE.get(b)
    if num is not None:
        r.pos += 1
        return num
    return read_ref_type(r, "malformed value type")


def read_limits(r: Reader, allow_shared: bool) -> tuple[Limits, str, bool]:
    start = r.pos
    flags = r.u8()
    if flags & ~(LIMITS_MAX | LIMITS_SHARED | LIMITS_64) or (flags & LIMITS_SHARED and not allow_shared):
        raise DecodeError("malformed limits flags", start)
    addr = "i64" if flags & LIMITS_64 else "i32"
    lo = r.u64()            # the validator checks the range against the address type
    hi = r.u64() if flags & LIMITS_MAX else None
    return Limits(lo, hi), addr, bool(flags & LIMITS_SHARED)


def read_table_type(r: Reader) -> TableType:
    elem = read_ref_type(r)
    limits, addr, _ = read_limits(r, allow_shared=False)
    return TableType(limits, elem, addr)


def read_mem_type(r: Reader) -> MemType:
    limits, addr, shared = read_limits(r, allow_shared=True)
    return MemType(limits, addr, shared)


def read_global_type(r: Reader) -> GlobalType:
    t = read_val_type(r)
    start = r.pos
    m = r.u8()
    if m > 1:
        raise DecodeError("malformed mutability", start)
    return GlobalType(t, m == 1)


def read_tag_type(r: Reader) -> TagType:
    start = r.pos
    if r.u8() != 0:
        raise DecodeError("zero byte expected", start)   # the tag attribute
    return TagType(r.u32())


def read_block_type(r: Reader):
    """None (empty), a value type, or a type index."""
    b = r.peek()
    if b == 0x40:
        r.pos += 1
        return None
    if b in VALTYPE_START:
        return read_val_type(r)
    start = r.pos
    idx = r.s33()
    if idx < 0:
        raise DecodeError("malformed block type", start)
    return idx


# Type section forms: a recursion group, and a final subtype (supported without supertypes).
REC_GROUP = 0x4E
SUB_FINAL = 0x4F


def reject_gc_type_form(code: int, offset: int) -> None:
    """Type section forms only the GC proposal gives meaning: sub (non-final), struct, array
    (and rec / sub final where they are not allowed, such as nested in a group)."""
    if code in (0x4E, 0x50, 0x4F, 0x5F, 0x5E):
        raise Unsupported("gc", f"type definition form 0x{code:02x} at offset 0x{offset:x}")
    if code in UNIMPLEMENTED_TYPE_FORMS:
        raise Unsupported(UNIMPLEMENTED_TYPE_FORMS[code],
                          f"type definition form 0x{code:02x} at offset 0x{offset:x}")


# -- encoding ------------------------------------------------------------------

def heap_type_bytes(heap: str | int) -> bytes:
    if isinstance(heap, int):
        return write_sleb(heap)
    return bytes((CODE_BY_HEAP[heap],))


def ref_type_bytes(t: RefType) -> bytes:
    if t.nullable and isinstance(t.heap, str):
        return bytes((CODE_BY_HEAP[t.heap],))
    return bytes((REF_NULLABLE if t.nullable else REF_NONNULL,)) + heap_type_bytes(t.heap)


def val_type_bytes(t: ValType) -> bytes:
    if isinstance(t, RefType):
        return ref_type_bytes(t)
    return bytes((CODE_BY_NUM[t],))


def limits_bytes(limits: Limits, addr: str, shared: bool = False) -> bytes:
    flags = (LIMITS_MAX if limits.max is not None else 0) | (LIMITS_SHARED if shared else 0) \
        | (LIMITS_64 if addr == "i64" else 0)
    out = bytes((flags,)) + write_uleb(limits.min)
    if limits.max is not None:
        out += write_uleb(limits.max)
    return out


def table_type_bytes(t: TableType) -> bytes:
    return ref_type_bytes(t.elem) + limits_bytes(t.limits, t.addr)


def mem_type_bytes(t: MemType) -> bytes:
    return limits_bytes(t.limits, t.addr, t.shared)


def global_type_bytes(t: GlobalType) -> bytes:
    return val_type_bytes(t.valtype) + bytes((1 if t.mutable else 0,))


def tag_type_bytes(t: TagType) -> bytes:
    return b"\x00" + write_uleb(t.type_idx)


def block_type_bytes(bt) -> bytes:
    if bt is None:
        return b"\x40"
    if isinstance(bt, int):
        return write_sleb(bt)
    return val_type_bytes(bt)
