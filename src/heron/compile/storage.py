"""Where a function's values live: Python locals (registers) or frame slots in stack
memory, and the slot numbering the FrameLayout is built from.

Slot numbering, in the order FrameLayout lays the slots out:

* baseline: every local (0 .. nlocals-1), then every operand-stack position
  (nlocals .. nlocals+max_height-1), then the extra slots (legacy `catch`'s exception).
* optimizing: the locals beyond the register budget (spills, as a register allocator
  would make them), then -- only in functions with handlers -- a home slot for every
  register local and for every operand-stack position live into a landing pad, then
  the extra slots.

Worked example (optimizing, 40 locals, a try with 2 values below it, one legacy catch):
slots 0-7 hold locals 32-39, slots 8-39 are the homes of locals 0-31, slots 40-41 the
homes of stack positions 0-1, slot 42 the caught exception.

Slot sizes (`slot_sizes`, what FrameLayout lays out): a local's slot (or home) has its
type's size, 16 bytes for a v128 (16-aligned: FrameLayout aligns it), else 8; an
operand-stack position's slot or home is 16 bytes in a function whose operand stack may
hold a v128 (`vectors`, compile/vectors.py may_hold_v128) and 8 elsewhere; the extra
slots (exceptions) are 8. A v128 sits in a 16-byte slot as stack memory stores it: the
value in the lower word, None in the upper one. Generated code writes only the lower
word of a slot; the prologue writes None into the upper word of every 16-byte slot once
(`upper_word_slots`), which nothing else writes, so every v128 in the frame reads as its
two words.
"""
from __future__ import annotations

from ..target.abi import stack_size
from .emit import Emitter

# optimizing: locals beyond this many live in stack slots (spills), as a register
# allocator would put them; it also keeps frame sizes (and so stack depth) realistic.
REGISTER_BUDGET = 32


class Storage:
    """Slot assignment of one function (see the module docstring)."""

    def __init__(self, out: Emitter, local_types: list, baseline: bool, vectors: bool = False):
        self.out = out
        self.local_types = local_types
        self.nlocals = nlocals = len(local_types)
        self.vectors = vectors               # an operand-stack value may be a v128: 16-byte position slots
        self.stack_slots = baseline          # operand-stack positions in frame slots
        self.spill_from = 0 if baseline else REGISTER_BUDGET
        self.max_height = 0                  # operand-stack positions ever used (baseline: slots)
        self.eh_spill = False                # optimizing with handlers: register values get home slots
        self.eh_max_pos = 0                  # optimizing: operand-stack positions with a home slot
        self.extra_slots = 0

    # ------------------------------------------------------------------ locals and positions
    def in_slot(self, i: int) -> bool:
        return i >= self.spill_from

    def slot_ref(self, slot_fn) -> str:
        """`S[fw+k]` of the slot number slot_fn() (called once the counts are final)."""
        return self.out.word(lambda L: L.slot_address_from_fp(0, slot_fn()))

    def local_ref(self, i: int) -> str:
        if self.in_slot(i):
            slot = i - self.spill_from
            return self.slot_ref(lambda: slot)
        return f"l{i}"

    def pos_ref(self, h: int) -> str:
        if self.stack_slots:
            if h + 1 > self.max_height:
                self.max_height = h + 1
            s = self.nlocals + h
            return self.slot_ref(lambda: s)
        return f"s{h}"

    # ------------------------------------------------------------------ exception-handling homes
    def n_spilled(self) -> int:
        return max(0, self.nlocals - self.spill_from)

    def n_reg_locals(self) -> int:
        return min(self.nlocals, self.spill_from)

    def local_home(self, i: int) -> str:
        return self.slot_ref(lambda: self.n_spilled() + i)

    def pos_home(self, h: int) -> str:
        return self.slot_ref(lambda: self.n_spilled() + self.n_reg_locals() + h)

    def reserve_positions(self, n: int) -> None:
        """optimizing: operand-stack positions 0..n-1 need home slots."""
        if n > self.eh_max_pos:
            self.eh_max_pos = n

    def new_extra_slot(self) -> int:
        k = self.extra_slots
        self.extra_slots += 1
        return k

    def extra_slot_ref(self, k: int) -> str:
        if self.stack_slots:
            return self.slot_ref(lambda: self.nlocals + self.max_height + k)
        return self.slot_ref(lambda: self.n_spilled() + self.n_reg_locals() + self.eh_max_pos + k)

    # ------------------------------------------------------------------ the frame
    def slot_count(self) -> int:
        """How many slots the frame needs."""
        if self.stack_slots:
            return self.nlocals + self.max_height + self.extra_slots
        n = self.n_spilled()
        if self.eh_spill:
            n += self.n_reg_locals() + self.eh_max_pos
        return n + self.extra_slots

    def slot_sizes(self) -> list[int]:
        """The byte size of every slot, in slot order (see the module docstring)."""
        pos = 16 if self.vectors else 8
        types = self.local_types
        if self.stack_slots:
            sizes = [stack_size(t) for t in types] + [pos] * self.max_height
        else:
            sizes = [stack_size(t) for t in types[self.spill_from:]]
            if self.eh_spill:
                sizes += [stack_size(t) for t in types[:self.n_reg_locals()]] + [pos] * self.eh_max_pos
        return sizes + [8] * self.extra_slots

    def slot_roles(self) -> list[str]:
        """What each slot holds, in slot order (for `heron explain`)."""
        pos = "v128 or smaller" if self.vectors else "8 bytes"
        types = self.local_types
        if self.stack_slots:
            roles = [f"local {i} ({t})" for i, t in enumerate(types)]
            roles += [f"operand {h} ({pos})" for h in range(self.max_height)]
        else:
            roles = [f"local {i} ({t})" for i, t in enumerate(types) if i >= self.spill_from]
            if self.eh_spill:
                roles += [f"home of local {i} ({t})" for i, t in enumerate(types[:self.n_reg_locals()])]
                roles += [f"home of operand {h} ({pos})" for h in range(self.eh_max_pos)]
        return roles + ["caught exception (legacy catch)"] * self.extra_slots

    def upper_word_slots(self) -> list[int]:
        """The 16-byte slots, whose upper word the prologue sets to None."""
        return [k for k, size in enumerate(self.slot_sizes()) if size == 16]


__all__ = ["Storage", "REGISTER_BUDGET"]
