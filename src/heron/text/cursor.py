"""A cursor over the token list: the small vocabulary every text parser here speaks."""
from __future__ import annotations

import re

from ..errors import ParseError
from .lexer import ATOM, ID, LP, RP, STR, Source, matching_parens, tokenize
from .numbers import NumberError, parse_float, parse_int, parse_uint

_KEYWORD_RE = re.compile(r"[a-z][0-9A-Za-z!#$%&'*+\-./:<=>?@\\^_`|~]*\Z")


def is_reserved(word: str) -> bool:
    """Neither a keyword nor a number literal (e.g. `0drop`, `$l"a"`, `,`)."""
    if _KEYWORD_RE.match(word):
        return False
    try:
        return parse_int(word, 64) is None and parse_float(word, "f64") is None
    except NumberError:
        return False


class Cursor:
    def __init__(self, src: Source, toks: list[tuple] | None = None):
        self.src = src
        self.toks = tokenize(src) if toks is None else toks
        self.match = matching_parens(self.toks, src)
        self.i = 0
        self.end = len(self.toks)

    # -- looking ---------------------------------------------------------------
    def kind(self, k: int = 0) -> str | None:
        j = self.i + k
        return self.toks[j][0] if j < self.end else None

    def value(self, k: int = 0):
        j = self.i + k
        return self.toks[j][1] if j < self.end else None

    def pos(self) -> int:
        if self.i < self.end:
            return self.toks[self.i][2]
        return self.toks[self.end - 1][2] + 1 if self.end else len(self.src.text)

    def at_end(self) -> bool:
        return self.i >= self.end

    def peek_lp_kw(self, *keywords: str) -> bool:
        """Is the next thing `(` followed by one of `keywords`?"""
        return self.kind() is LP and self.kind(1) is ATOM and self.value(1) in keywords

    def peek_kw(self, *keywords: str) -> bool:
        return self.kind() is ATOM and self.value() in keywords

    def peek_rp(self) -> bool:
        return self.kind() is RP

    # -- consuming ---------------------------------------------------------------
    def error(self, message: str, pos: int | None = None) -> ParseError:
        return self.src.error(message, self.pos() if pos is None else pos)

    def unexpected(self, what: str = "") -> ParseError:
        k = self.kind()
        if k is None:
            found = "end of input"
        elif k is ATOM:
            if is_reserved(self.value()):
                # a word that is neither keyword nor number: the reference interpreter's wording
                return self.error(f"unknown operator {self.value()}")
            found = f"`{self.value()}`"
        elif k is ID:
            found = f"`${self.value()}`"
        elif k is STR:
            found = "string"
        else:
            found = f"`{k}`"
        return self.error(f"unexpected token {found}" + (f", expected {what}" if what else ""))

    def lp(self) -> None:
        if self.kind() is not LP:
            raise self.unexpected("`(`")
        self.i += 1

    def rp(self) -> None:
        if self.kind() is not RP:
            raise self.unexpected("`)`")
        self.i += 1

    def keyword(self, kw: str | None = None) -> str:
        if self.kind() is not ATOM or (kw is not None and self.value() != kw):
            raise self.unexpected(f"`{kw}`" if kw else "a keyword")
        v = self.value()
        self.i += 1
        return v

    def take_kw(self, kw: str) -> bool:
        if self.kind() is ATOM and self.value() == kw:
            self.i += 1
            return True
        return False

    def take_lp_kw(self, kw: str) -> bool:
        if self.peek_lp_kw(kw):
            self.i += 2
            return True
        return False

    def opt_id(self) -> str | None:
        if self.kind() is ID:
            v = self.value()
            self.i += 1
            return v
        return None

    def string(self) -> bytes:
        if self.kind() is not STR:
            raise self.unexpected("a string")
        v = self.value()
        self.i += 1
        return v

    def name(self) -> str:
        pos = self.pos()
        raw = self.string()
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise self.error("malformed UTF-8 encoding", pos) from None

    def u32(self) -> int:
        return self.uint(32)

    def uint(self, bits: int = 64) -> int:
        if self.kind() is not ATOM:
            raise self.unexpected("an integer")
        v = parse_uint(self.value())
        if v is None:
            raise self.unexpected("an integer")
        if v >= 1 << bits:
            raise self.error("constant out of range" if bits == 64 else "integer too large")
        self.i += 1
        return v

    def peek_uint(self) -> bool:
        return self.kind() is ATOM and parse_uint(self.value()) is not None

    def skip_to_close(self, open_index: int) -> None:
        """Move past the `)` matching the `(` at token index `open_index`."""
        self.i = self.match[open_index] + 1


__all__ = ["Cursor", "LP", "RP", "ATOM", "ID", "STR", "NumberError"]
