"""LEB128 exactly as the spec reads it: limits on length, unused bits, truncation."""
from __future__ import annotations

import pytest

from heron import DecodeError
from heron.binary import Reader, signed, write_sleb, write_uleb


def read(method: str, data: bytes):
    r = Reader(data)
    value = getattr(r, method)()
    return value, r.pos


@pytest.mark.parametrize("method,data,value", [
    ("u32", b"\x00", 0),
    ("u32", b"\x7f", 127),
    ("u32", b"\x80\x01", 128),
    ("u32", b"\x80\x80\x80\x80\x00", 0),               # overlong but within 5 bytes: fine
    ("u32", b"\xff\xff\xff\xff\x0f", 2**32 - 1),
    ("u64", b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 2**64 - 1),
    ("s32", b"\x7f", -1),
    ("s32", b"\x40", -64),
    ("s32", b"\x3f", 63),
    ("s32", b"\xff\xff\xff\xff\x07", 2**31 - 1),
    ("s32", b"\x80\x80\x80\x80\x78", -2**31),
    ("s32", b"\xff\xff\xff\xff\x7f", -1),              # 5-byte -1: sign extension is proper
    ("s33", b"\xff\xff\xff\xff\x0f", 2**32 - 1),
    ("s33", b"\x80\x80\x80\x80\x70", -2**32),
    ("s64", b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00", 2**63 - 1),
    ("s64", b"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x7f", -2**63),
])
def test_accepts(method, data, value):
    assert read(method, data) == (value, len(data))


@pytest.mark.parametrize("method,data,message", [
    ("u32", b"\x80\x80\x80\x80\x80\x00", "integer representation too long"),
    ("u32", b"\xff\xff\xff\xff\x1f", "integer too large"),          # bit 32 set
    ("u32", b"\x80\x80\x80\x80\x10", "integer too large"),
    ("u64", b"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00", "integer representation too long"),
    ("u64", b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x03", "integer too large"),
    ("s32", b"\xff\xff\xff\xff\x0f", "integer too large"),          # not a sign extension
    ("s32", b"\x80\x80\x80\x80\x70", "integer too large"),
    ("s32", b"\xff\xff\xff\xff\xff\x7f", "integer representation too long"),
    ("s33", b"\xff\xff\xff\xff\x1f", "integer too large"),
    ("s64", b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", "integer too large"),
    ("s64", b"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x7f", "integer representation too long"),
    ("u32", b"", "unexpected end"),
    ("u32", b"\x80", "unexpected end"),
    ("s64", b"\xff\xff", "unexpected end"),
])
def test_rejects(method, data, message):
    with pytest.raises(DecodeError) as info:
        read(method, data)
    assert info.value.message.startswith(message)
    assert isinstance(info.value.offset, int)


def test_reads_stop_at_the_reader_end():
    r = Reader(b"\x80\x01\x05", 0, 1)
    with pytest.raises(DecodeError):
        r.u32()


@pytest.mark.parametrize("value", [0, 1, 63, 64, 127, 128, 255, 624485, 2**32 - 1, 2**64 - 1])
def test_uleb_is_minimal_and_round_trips(value):
    data = write_uleb(value)
    assert Reader(data).uleb(64) == value
    assert len(data) == max(1, -(-value.bit_length() // 7))


@pytest.mark.parametrize("value", [0, 1, -1, 63, -64, 64, -65, 2**31 - 1, -2**31, 2**63 - 1, -2**63])
def test_sleb_is_minimal_and_round_trips(value):
    data = write_sleb(value)
    assert Reader(data).sleb(64) == value
    if len(data) > 1:     # one byte fewer would not hold the value with its sign
        assert not (-(1 << (7 * (len(data) - 1) - 1)) <= value < (1 << (7 * (len(data) - 1) - 1)))


def test_known_encodings():
    assert write_uleb(624485) == b"\xe5\x8e\x26"
    assert write_sleb(-123456) == b"\xc0\xbb\x78"
    assert write_sleb(64) == b"\xc0\x00"
    assert write_sleb(-65) == b"\xbf\x7f"
    assert signed(0xFFFFFFFF, 32) == -1 and signed(0x7FFFFFFF, 32) == 2**31 - 1
