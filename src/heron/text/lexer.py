"""The WAT/WAST lexer: text -> tokens, with comments and `(@...)` annotations dropped.

Tokens are tuples (kind, value, pos): kind LP / RP / ATOM (keyword, number or reserved
word: value is its text) / ID (value: the name after `$`) / STR (value: the bytes).
Lexing is a flat loop, so any nesting depth is fine.
"""
from __future__ import annotations

import bisect
import re

from ..errors import ParseError

LP, RP, ATOM, ID, STR = "(", ")", "atom", "id", "string"

_IDCHARS = r"0-9A-Za-z!#$%&'*+\-./:<=>?@\\^_`|~"
_STRING = r'"(?:[^"\\\x00-\x1f\x7f]|\\[^\x00-\x1f\x7f])*"'
# A run of idchars and strings with nothing between them is one token.
_RUN_RE = re.compile(rf'(?:[{_IDCHARS}]|{_STRING})+')
_IDCHAR_ONLY_RE = re.compile(rf'[{_IDCHARS}]+\Z')
_WS_RE = re.compile(r'[ \t\n\r]+|;;[^\n\r]*')   # a line comment ends at LF or CR
_ESCAPES = {"n": 0x0A, "t": 0x09, "r": 0x0D, '"': 0x22, "'": 0x27, "\\": 0x5C}
_HEX = "0123456789abcdefABCDEF"


class Source:
    """A text with line/column lookup, and an optional (line, column) of where it sits in a script."""

    def __init__(self, text: str, name: str | None = None, origin: tuple[int, int] = (1, 1)):
        self.text = text
        self.name = name
        self.origin = origin
        # a newline is LF, CR or CR LF
        self._line_starts = [0] + [m.end() for m in re.finditer("\r\n|\r|\n", text)]

    def position(self, pos: int) -> tuple[int, int]:
        i = bisect.bisect_right(self._line_starts, pos) - 1
        line, col = i + 1, pos - self._line_starts[i] + 1
        oline, ocol = self.origin
        if line == 1:
            col += ocol - 1
        return line + oline - 1, col

    def error(self, message: str, pos: int) -> ParseError:
        line, col = self.position(min(pos, len(self.text)))
        return ParseError(message, line, col, self.name)


def decode_string(body: str, src: Source, pos: int) -> bytes:
    """The bytes of a string literal's body (between the quotes), escapes resolved."""
    if "\\" not in body:
        return _utf8(body, src, pos)
    out = bytearray()
    i, n = 0, len(body)
    while i < n:
        j = body.find("\\", i)
        if j < 0:
            out += _utf8(body[i:], src, pos)
            break
        out += _utf8(body[i:j], src, pos)
        c = body[j + 1] if j + 1 < n else ""
        if c in _ESCAPES:
            out.append(_ESCAPES[c])
            i = j + 2
        elif c == "u":
            m = re.match(r"u\{([0-9a-fA-F](?:_?[0-9a-fA-F])*)\}", body[j + 1:])
            if not m:
                raise src.error("malformed escape in string", pos + j)
            cp = int(m.group(1).replace("_", ""), 16)
            if cp >= 0x110000 or 0xD800 <= cp < 0xE000:
                raise src.error("malformed unicode escape", pos + j)
            out += chr(cp).encode("utf-8")
            i = j + 1 + m.end()
        elif c and c in _HEX and j + 2 < n and body[j + 2] in _HEX:
            out.append(int(body[j + 1:j + 3], 16))
            i = j + 3
        else:
            raise src.error("malformed escape in string", pos + j)
    return bytes(out)


def _utf8(s: str, src: Source, pos: int) -> bytes:
    try:
        return s.encode("utf-8")
    except UnicodeEncodeError:
        raise src.error("malformed UTF-8 encoding", pos) from None


def tokenize(src: Source) -> list[tuple]:
    """All tokens of `src`; raises ParseError for illegal characters and bad literals."""
    text = src.text
    n = len(text)
    toks: list[tuple] = []
    append = toks.append
    i = 0
    annot_depth = 0          # > 0 while inside an annotation, whose tokens are dropped
    ws_match = _WS_RE.match
    run_match = _RUN_RE.match
    while i < n:
        c = text[i]
        if c in " \t\n\r" or (c == ";" and text.startswith(";;", i)):
            i = ws_match(text, i).end()
            continue
        if c == "(":
            if text.startswith("(;", i):
                i = _skip_block_comment(src, i)
                continue
            if not annot_depth and text.startswith("(@", i):
                m = run_match(text, i + 1)
                word = m.group(0) if m else "@"
                if word in ("@", '@""') or not _valid_annotation_id(word):
                    raise src.error("empty annotation id" if word in ("@", '@""') else
                                    "malformed annotation id", i)
                if word.startswith('@"'):
                    try:
                        decode_string(word[2:-1], src, i + 2).decode("utf-8")
                    except UnicodeDecodeError:
                        raise src.error("malformed UTF-8 encoding", i) from None
                annot_depth += 1
                i = m.end()
                continue
            if annot_depth:
                annot_depth += 1
            else:
                append((LP, None, i))
            i += 1
            continue
        if c == ")":
            if annot_depth:
                annot_depth -= 1
            else:
                append((RP, None, i))
            i += 1
            continue
        m = run_match(text, i)
        if m is None:
            if c in ",;[]{}":
                # reserved characters: a token that is nothing the grammar knows
                j = i + 1
                if not annot_depth:
                    append((ATOM, c, i))
                i = j
                continue
            if "\ud800" <= c <= "\udfff":
                raise src.error("malformed UTF-8 encoding", i)
            if c == '"':
                raise src.error("unclosed string" if '"' not in text[i + 1:] else
                                "illegal character in string", i)
            raise src.error("illegal character", i)
        word = m.group(0)
        j = m.end()
        if not annot_depth:
            append(_classify(word, src, i))
        else:
            for sm in re.finditer(_STRING, word):
                decode_string(sm.group(0)[1:-1], src, i + sm.start())
        i = j
    if annot_depth:
        raise src.error("unclosed annotation", n)
    return toks


def _valid_annotation_id(word: str) -> bool:
    return bool(_IDCHAR_ONLY_RE.match(word)) or _is_single_string(word[1:])


def _classify(word: str, src: Source, pos: int) -> tuple:
    if word[0] == '"' and word[-1] == '"' and len(word) >= 2 and _is_single_string(word):
        return (STR, decode_string(word[1:-1], src, pos + 1), pos)
    if _IDCHAR_ONLY_RE.match(word):
        if word[0] == "$":
            if len(word) == 1:
                raise src.error("empty identifier", pos)
            return (ID, word[1:], pos)
        return (ATOM, word, pos)
    if word.startswith('$"') and word.endswith('"') and _is_single_string(word[1:]):
        raw = decode_string(word[2:-1], src, pos + 2)
        if not raw:
            raise src.error("empty identifier", pos)
        try:
            return (ID, raw.decode("utf-8"), pos)
        except UnicodeDecodeError:
            raise src.error("malformed UTF-8 encoding", pos) from None
    # strings glued to other characters: a reserved token; still check its strings
    for sm in re.finditer(_STRING, word):
        decode_string(sm.group(0)[1:-1], src, pos + sm.start())
    return (ATOM, word, pos)


def _is_single_string(word: str) -> bool:
    m = re.match(_STRING, word)
    return m is not None and m.end() == len(word)


def _skip_block_comment(src: Source, i: int) -> int:
    text = src.text
    depth = 0
    start = i
    n = len(text)
    while i < n:
        if text.startswith("(;", i):
            depth += 1
            i += 2
        elif text.startswith(";)", i):
            depth -= 1
            i += 2
            if depth == 0:
                return i
        else:
            c = text[i]
            if "\ud800" <= c <= "\udfff":
                raise src.error("malformed UTF-8 encoding", i)
            i += 1
    raise src.error("unclosed comment", start)


def matching_parens(toks: list[tuple], src: Source) -> list[int]:
    """For each LP token, the index of its RP (others -1); ParseError on unbalanced input."""
    match = [-1] * len(toks)
    stack: list[int] = []
    for k, t in enumerate(toks):
        if t[0] is LP:
            stack.append(k)
        elif t[0] is RP:
            if not stack:
                raise src.error("unexpected token `)`", t[2])
            match[stack.pop()] = k
    if stack:
        raise src.error("unclosed `(`", toks[stack[-1]][2])
    return match
