"""LEB128 and the other primitive encodings of the binary format.

`Reader` walks a byte string between `pos` and `end` (the end of the current
section or code entry), raising heron.DecodeError with the spec interpreter's
messages. `write_uleb`/`write_sleb` produce the canonical (minimal) encodings.
"""
from __future__ import annotations

from ..errors import DecodeError


class Reader:
    """A cursor over `data[pos:end]`; every read past `end` is 'unexpected end'."""

    __slots__ = ("data", "pos", "end", "eof_message")

    def __init__(self, data: bytes, pos: int = 0, end: int | None = None,
                 eof_message: str = "unexpected end"):
        self.data = data
        self.pos = pos
        self.end = len(data) if end is None else end
        self.eof_message = eof_message

    # -- bytes ---------------------------------------------------------------

    def at_end(self) -> bool:
        return self.pos >= self.end

    def error(self, message: str, offset: int | None = None) -> DecodeError:
        return DecodeError(message, self.pos if offset is None else offset)

    def eof(self) -> DecodeError:
        return DecodeError(self.eof_message, self.end)

    def u8(self) -> int:
        pos = self.pos
        if pos >= self.end:
            raise self.eof()
        self.pos = pos + 1
        return self.data[pos]

    def peek(self) -> int:
        if self.pos >= self.end:
            raise self.eof()
        return self.data[self.pos]

    def bytes(self, n: int) -> bytes:
        pos = self.pos
        if n > self.end - pos:
            raise DecodeError(self.eof_message, self.end)
        self.pos = pos + n
        return self.data[pos:pos + n]

    # -- LEB128 --------------------------------------------------------------

    def uleb(self, bits: int) -> int:
        """Unsigned LEB128 of at most `bits` bits (at most ceil(bits/7) bytes)."""
        pos = self.pos
        data = self.data
        if pos < self.end:
            b = data[pos]
            if b < 0x80 and (bits >= 7 or b < (1 << bits)):
                self.pos = pos + 1
                return b
        result = 0
        shift = 0
        remaining = bits
        while True:
            if remaining <= 0:
                raise DecodeError("integer representation too long", self.pos)
            b = self.u8()
            if remaining < 7 and (b & 0x7F) >= (1 << remaining):
                # the unused bits of the last byte must be zero
                raise DecodeError("integer too large", self.pos - 1)
            result |= (b & 0x7F) << shift
            shift += 7
            remaining -= 7
            if not b & 0x80:
                return result

    def sleb(self, bits: int) -> int:
        """Signed LEB128 of at most `bits` bits; the value as a Python int (negative allowed)."""
        result = 0
        shift = 0
        remaining = bits
        while True:
            if remaining <= 0:
                raise DecodeError("integer representation too long", self.pos)
            b = self.u8()
            if remaining < 7:
                # bits from (remaining-1) upward in this byte must all equal the sign bit
                mask = (-1 << (remaining - 1)) & 0x7F
                top = b & mask
                if top != 0 and top != mask:
                    raise DecodeError("integer too large", self.pos - 1)
            result |= (b & 0x7F) << shift
            shift += 7
            remaining -= 7
            if not b & 0x80:
                if b & 0x40:
                    result -= 1 << shift
                return result

    def u32(self) -> int:
        return self.uleb(32)

    def u64(self) -> int:
        return self.uleb(64)

    def s32(self) -> int:
        return self.sleb(32)

    def s33(self) -> int:
        return self.sleb(33)

    def s64(self) -> int:
        return self.sleb(64)

    # -- composites ----------------------------------------------------------

    def name(self) -> str:
        start = self.pos
        n = self.u32()
        if n > self.end - self.pos:
            raise DecodeError("length out of bounds", start)
        raw = self.data[self.pos:self.pos + n]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise DecodeError("malformed UTF-8 encoding", self.pos) from None
        self.pos += n
        return text

    def f32_bits(self) -> int:
        return int.from_bytes(self.bytes(4), "little")

    def f64_bits(self) -> int:
        return int.from_bytes(self.bytes(8), "little")


def write_uleb(value: int) -> bytes:
    """Minimal unsigned LEB128 of a non-negative int."""
    if value < 0:
        raise ValueError(f"write_uleb of a negative value {value}")
    if value < 0x80:
        return bytes((value,))
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        if value:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def write_sleb(value: int) -> bytes:
    """Minimal signed LEB128 of an int."""
    if -0x40 <= value < 0x40:
        return bytes((value & 0x7F,))
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        if (value == 0 and not b & 0x40) or (value == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def signed(value: int, bits: int) -> int:
    """Reinterpret an unsigned bit pattern as two's complement."""
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value
