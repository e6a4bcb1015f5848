"""The line buffer generated code is written into, with placeholders for frame offsets.

A function's body is emitted before its frame is laid out (the number of slots is only
known at the end), so every stack-memory address in the text is a *fixup*: a callable
that FrameLayout answers once the layout exists. `word(fn)` emits `S[fw§k§]`, where
`fn(layout)` is a byte address computed with FP = 0 and `fw` is the frame's word index
(FP as an index into the stack's word list); `render(layout)` substitutes the numbers.

Worked example: `out.w(f"{out.word(lambda L: L.slot_address_from_fp(0, 3))} = l0")`
records the line `S[fw§0§] = l0` and fixup 0; with a layout whose slot 3 sits at
FP-40, rendering gives `S[fw-5] = l0`.
"""
from __future__ import annotations

import re
from typing import Callable

from ..target import FrameLayout

_FIXUP = re.compile("\u00a7(\\d+)\u00a7")
# up to this many words: one store each (~18 ns a word) beats a slice store (~90 ns a tuple)
SEPARATE_STORES = 5


class Emitter:
    """Lines of one function body: (indent, text, instruction index, trap code)."""

    def __init__(self, indent: int = 0):
        self.lines: list[tuple[int, str, int, str | None]] = []
        self.indent = indent
        self.instr = 0                  # instruction the next line belongs to (backtraces)
        self.fixups: list[Callable[[FrameLayout], int | str]] = []
        self.needs_fw = False           # some line addresses stack memory through `fw`
        self.temps = 0

    def w(self, text: str, trap: str | None = None) -> None:
        self.lines.append((self.indent, text, self.instr, trap))

    def fix(self, fn: Callable[[FrameLayout], int | str]) -> str:
        """A placeholder for a value FrameLayout decides once the frame is known."""
        self.fixups.append(fn)
        return f"\u00a7{len(self.fixups) - 1}\u00a7"

    def word(self, fn: Callable[[FrameLayout], int]) -> str:
        """`S[fw+k]` for a byte address fn(layout) computed with FP = 0."""
        self.needs_fw = True
        return f"S[fw{self.fix(lambda L: f'{fn(L) // 8:+d}')}]"

    def temp(self) -> str:
        self.temps += 1
        return f"t{self.temps}"

    def ensure_body(self) -> None:
        """Python needs a statement in every suite."""
        last = self.lines[-1] if self.lines else None
        if last is None or last[0] < self.indent:
            self.w("pass")

    def store_words(self, stores: list) -> None:
        """Stack-memory stores (byte address with FP = 0 as FrameLayout gives it, value text) as
        one statement: a slice assignment when the words are contiguous (the usual case: stack
        arguments and the callee's frame record), else one store each. Values are evaluated
        before any word is written. Up to SEPARATE_STORES words are stored one by one, which
        measured faster than building a tuple for a slice."""
        if len(stores) <= SEPARATE_STORES:
            for fn, text in stores:
                self.w(f"{self.word(fn)} = {text}")
            return
        self.needs_fw = True
        fixups = self.fixups

        def render(L: FrameLayout) -> str:
            words = sorted(((fn(L) // 8, _FIXUP.sub(lambda m: str(fixups[int(m.group(1))](L)), text))
                            for fn, text in stores), key=lambda pair: pair[0])
            first, last = words[0][0], words[-1][0]
            if last - first + 1 == len(words):
                return f"S[fw{first:+d}:fw{last + 1:+d}] = ({', '.join(text for _, text in words)})"
            return "; ".join(f"S[fw{w:+d}] = {text}" for w, text in words)
        self.w(self.fix(render))

    def renderer(self, layout: FrameLayout) -> Callable[[str], str]:
        """Substitute every fixup of this buffer for `layout`."""
        values = [fn(layout) for fn in self.fixups]
        return lambda text: _FIXUP.sub(lambda m: str(values[int(m.group(1))]), text)


__all__ = ["Emitter"]
