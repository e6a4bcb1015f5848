"""Implementation limits (heron.binary.limits, wasmparser's values): the decoder rejects an oversized
count as soon as it reads it, with a DecodeError naming the limit. Each module here carries
enough bytes for its count to be plausible, and each test takes milliseconds."""
from __future__ import annotations

import time

import pytest

from heron import DecodeError
from heron.binary import decode
from heron.binary.instructions import READ_IMM
from heron.binary.leb128 import Reader, write_uleb
from heron.binary.limits import LIMITS

HEADER = b"\x00asm\x01\x00\x00\x00"
EMPTY_TYPE = b"\x01\x04\x01\x60\x00\x00"       # type section: one [] -> []


def section(sid: int, body: bytes) -> bytes:
    return bytes((sid,)) + write_uleb(len(body)) + body


def padded(sid: int, count: int, filler: bytes = b"") -> bytes:
    """A section that starts with `count` and has at least that many bytes after it."""
    return section(sid, write_uleb(count) + filler + b"\x00" * count)


def rejected(wasm: bytes, limit: str, count: int) -> DecodeError:
    start = time.perf_counter()
    with pytest.raises(DecodeError) as info:
        decode(wasm)
    assert time.perf_counter() - start < 2.0
    value, phrase = LIMITS[limit]
    assert info.value.message == f"{phrase}: {count} exceeds the limit of {value}"
    return info.value


def import_func() -> bytes:
    return section(2, b"\x01\x01m\x01f\x00\x00")


@pytest.mark.parametrize("limit, sid, prefix", [
    ("types", 1, b""),
    ("imports", 2, EMPTY_TYPE),
    ("exports", 7, b""),
    ("globals", 6, b""),
    ("element segments", 9, b""),
    ("data segments", 11, b""),
    ("tables", 4, b""),
    ("memories", 5, b""),
    ("tags", 13, EMPTY_TYPE),
    ("functions", 3, EMPTY_TYPE),
])
def test_section_counts(limit, sid, prefix):
    count = LIMITS[limit][0] + 1
    err = rejected(HEADER + prefix + padded(sid, count), limit, count)
    assert err.offset == len(HEADER + prefix) + 1 + len(write_uleb(count + len(write_uleb(count))))


def test_imports_count_toward_functions():
    count = LIMITS["functions"][0]          # one more than allowed with the import
    rejected(HEADER + EMPTY_TYPE + import_func() + padded(3, count), "functions", count + 1)


def test_a_lying_count_is_still_unexpected_end():
    """Fewer bytes than the count: the spec's 'unexpected end' (its scripts check that)."""
    with pytest.raises(DecodeError) as info:
        decode(HEADER + section(1, write_uleb(2_000_000) + b"\x60\x00\x00"))
    assert info.value.message.startswith("unexpected end")


def test_params_and_results():
    params = write_uleb(1001) + b"\x7f" * 1001
    rejected(HEADER + section(1, b"\x01\x60" + params + b"\x00"), "params", 1001)
    rejected(HEADER + section(1, b"\x01\x60\x00" + params), "results", 1001)
    decode(HEADER + section(1, b"\x01\x60" + write_uleb(1000) + b"\x7f" * 1000 + b"\x00"))


def test_rec_group_size():
    count = LIMITS["rec group types"][0] + 1
    rejected(HEADER + section(1, b"\x01\x4e" + write_uleb(count) + b"\x00" * count),
             "rec group types", count)


def test_function_body_size():
    size = LIMITS["function body size"][0] + 1
    code = b"\x01" + write_uleb(size) + b"\x00" * size
    rejected(HEADER + EMPTY_TYPE + section(3, b"\x01\x00") + section(10, code),
             "function body size", size)


def test_locals():
    body = b"\x01" + write_uleb(50_001) + b"\x7f\x0b"
    code = b"\x01" + write_uleb(len(body)) + body
    rejected(HEADER + EMPTY_TYPE + section(3, b"\x01\x00") + section(10, code), "locals", 50_001)
    # the spec's own limit (2^32 - 1) keeps its message
    body = b"\x02\xff\xff\xff\xff\x0f\x7f\x02\x7e\x0b"
    code = b"\x01" + write_uleb(len(body)) + body
    with pytest.raises(DecodeError, match="^too many locals"):
        decode(HEADER + EMPTY_TYPE + section(3, b"\x01\x00") + section(10, code))


def test_string_size():
    n = LIMITS["string size"][0] + 1
    imp = b"\x01" + write_uleb(n) + b"m" * n + b"\x01f\x00\x00"
    rejected(HEADER + EMPTY_TYPE + section(2, imp), "string size", n)
    rejected(HEADER + section(0, write_uleb(n) + b"c" * n), "string size", n)


def test_element_items():
    count = LIMITS["table entries"][0] + 1
    elem = b"\x01\x01\x00" + write_uleb(count) + b"\x00" * count      # passive, func indices
    rejected(HEADER + section(9, elem), "table entries", count)


def test_data_count():
    count = LIMITS["data segments"][0] + 1
    rejected(HEADER + section(12, write_uleb(count)), "data segments", count)


@pytest.mark.parametrize("imm, limit, prefix", [
    ("br_table", "br_table targets", b""),
    ("select_t", "select types", b""),
    ("try_table", "catches", b"\x40"),
])
def test_instruction_counts(imm, limit, prefix):
    count = LIMITS[limit][0] + 1
    data = prefix + write_uleb(count) + b"\x00" * (2 * count)
    with pytest.raises(DecodeError) as info:
        READ_IMM[imm](Reader(data))
    value, phrase = LIMITS[limit]
    assert info.value.message == f"{phrase}: {count} exceeds the limit of {value}"


def test_select_types_in_a_body():
    body = b"\x00\x41\x00\x41\x00\x41\x00\x1c\x0b" + b"\x7f" * 11 + b"\x1a\x0b"
    code = b"\x01" + write_uleb(len(body)) + body
    with pytest.raises(DecodeError, match="too many select types: 11 exceeds the limit of 10"):
        decode(HEADER + EMPTY_TYPE + section(3, b"\x01\x00") + section(10, code))
