"""The symbolic operand stack: each Wasm value is a Python expression until something
forces it into a name, so pure instructions fold into one expression
(`local.get 0; i32.const 1; i32.add` becomes `((l0 + 1) & 0xffffffff)`, not three
statements). Folding stops at MAX_EXPR_DEPTH, at operations that may trap (their line
must be the instruction's, for backtraces), and before control flow (`flush`).
baseline keeps every value in its operand-stack slot instead.

A call's result may fold too (an *effect* item: `return (f(n - 1) + f(n - 2)) & M` rather
than two temporaries): it must still run exactly once and in stack order, so an effect
item stays pending only while nothing else with an effect happens. Before each
instruction the compiler settles every pending effect item the instruction does not
consume inline (`settle`: `t1 = f(...)` in stack order); consumers that embed effect
items (numeric templates that evaluate each operand once, left to right; local.set;
return; a call that emits no statement of its own) keep Python's left-to-right order,
which is the stack's. An effect item's text puts the call on a line of its own, marked
with the call's instruction (`EFFECT_MARK`), so that a backtrace through the caller's
Python frame names the call, not the instruction that consumed its result.
"""
from __future__ import annotations

from .emit import Emitter
from .storage import Storage

MAX_EXPR_DEPTH = 6
EFFECT_MARK = "\x01"        # "\n\x01<instr>\x01<call>": the call's own line, its instruction


def effect_text(call: str, instr: int) -> str:
    """The text of a call whose result folds into a later expression (see the docstring)."""
    return f"(\n{EFFECT_MARK}{instr}{EFFECT_MARK}{call}\n)"


class Item:
    """A value on the symbolic operand stack: a Python expression."""
    __slots__ = ("expr", "deps", "depth", "cond", "facts", "dec", "effect", "instr", "ring", "hi")

    def __init__(self, expr: str, deps: frozenset = frozenset(), depth: int = 0, cond: str | None = None,
                 effect: bool = False, instr: int = 0):
        self.expr = expr
        self.deps = deps          # local indices the expression reads (pending until materialized)
        self.depth = depth        # nesting of folded operations
        self.cond = cond          # boolean form ("result is 1"), for if/br_if/select
        self.facts = None         # condition only: ({local: lower bound} if true, {...} if false)
        self.dec = None           # local i when the value is `l<i> - c`, c >= 1, known not to wrap
        self.effect = effect      # the expression calls something: run once, in stack order
        self.instr = instr        # effect: the instruction whose statement it becomes if settled
        self.ring = None          # (expr, the same value before its final mask): add/sub/mul results
        self.hi = None            # an upper bound of the (unsigned) value, when known

    @property
    def simple(self) -> bool:
        return self.depth == 0

    def __repr__(self) -> str:
        return f"Item({self.expr!r})"


class OperandStack:
    """The operand stack of the function being compiled (`items`, bottom first)."""

    def __init__(self, out: Emitter, storage: Storage, baseline: bool):
        self.out = out
        self.storage = storage
        self.baseline = baseline
        self.items: list[Item] = []
        self.effects = 0          # effect items on the stack

    def __len__(self) -> int:
        return len(self.items)

    def push(self, item: Item) -> None:
        if item.effect:
            self.effects += 1
        self.items.append(item)
        if len(self.items) > self.storage.max_height:
            self.storage.max_height = len(self.items)

    def push_name(self, name: str) -> None:
        """Push a value that already sits in a plain name (a temporary, a slot, a register)."""
        self.push(Item(name))

    def pop(self) -> Item:
        item = self.items.pop()
        if item.effect:
            self.effects -= 1
        return item

    def pop_n(self, n: int) -> list[Item]:
        """The top n items, bottom first, removed."""
        if not n:
            return []
        items = self.items[-n:]
        del self.items[-n:]
        if self.effects:
            self.effects -= sum(1 for item in items if item.effect)
        return items

    def top(self, n: int) -> list[Item]:
        """The top n items, bottom first, left in place."""
        return self.items[len(self.items) - n:] if n else []

    def push_value(self, expr: str, trap: str | None = None, deps: frozenset = frozenset(),
                   depth: int = 1, cond: str | None = None, pure: bool = True, effect: bool = False) -> None:
        """Push the result of an operation: folded if pure (or an effect item's consumer) and
        allowed, else assigned now."""
        if pure and trap is None and not self.baseline and depth <= MAX_EXPR_DEPTH:
            self.push(Item(expr, deps, depth, cond, effect=effect, instr=self.out.instr))
            return
        name = self.storage.pos_ref(len(self.items)) if self.baseline else self.out.temp()
        self.out.w(f"{name} = {expr}", trap)
        self.push(Item(name))

    def materialize(self, index: int) -> None:
        """Turn item `index` into a plain temporary (or its slot in baseline)."""
        item = self.items[index]
        if item.effect:
            self.effects -= 1
            self.settle_item(item)
            return
        if item.simple and not item.deps:
            return
        name = self.out.temp()
        self.out.w(f"{name} = {item.expr}")
        self.items[index] = Item(name)

    def settle_item(self, item: Item) -> None:
        """An effect item -> a temporary assigned now, on its call's line (the Item is changed
        in place: whoever holds it sees the temporary)."""
        name = self.out.temp()
        saved = self.out.instr
        self.out.instr = item.instr
        self.out.w(f"{name} = {item.expr}")
        self.out.instr = saved
        item.expr, item.deps, item.depth, item.cond, item.effect = name, frozenset(), 0, None, False

    def settle(self, upto: int | None = None) -> None:
        """Settle every effect item below stack position `upto` (all by default), in order."""
        if not self.effects:
            return
        for item in self.items[:upto]:
            if item.effect:
                self.effects -= 1
                self.settle_item(item)

    def settle_popped(self, items: list[Item]) -> None:
        """Settle effect items already popped (bottom first): their turn came."""
        for item in items:
            if item.effect:
                self.settle_item(item)

    def flush(self) -> None:
        """Before control flow: every pending expression becomes a temporary."""
        for i in range(len(self.items)):
            self.materialize(i)

    def operand(self, item: Item, uses: int = 1) -> str:
        """The item as an operand text; if a template evaluates it twice, make it a temp first."""
        if item.effect and uses != 1:
            self.settle_item(item)
            return item.expr
        if item.simple:
            return item.expr
        if uses > 1:
            name = self.out.temp()
            self.out.w(f"{name} = {item.expr}")
            item.expr, item.deps, item.depth, item.cond = name, frozenset(), 0, None
            return name
        return item.expr

    @staticmethod
    def cond_of(item: Item) -> str:
        return item.cond if item.cond is not None else item.expr

    def materialize_readers(self, local: int) -> None:
        """Before `local` is assigned: pending expressions that read it get evaluated now."""
        for k, other in enumerate(self.items):
            if local in other.deps:
                self.materialize(k)


__all__ = ["Item", "OperandStack", "MAX_EXPR_DEPTH"]
