"""The symbolic operand stack: each Wasm value is a Python expression until something
forces it into a name, so pure instructions fold into one expression
(`local.get 0; i32.const 1; i32.add` becomes `((l0 + 1) & 0xffffffff)`, not three
statements). Folding stops at MAX_EXPR_DEPTH, at operations that may trap (their line
must be the instruction's, for backtraces), and before control flow (`flush`).
baseline keeps every value in its operand-stack slot instead.
"""
from __future__ import annotations

from .emit import Emitter
from .storage import Storage

MAX_EXPR_DEPTH = 6


class Item:
    """A value on the symbolic operand stack: a Python expression."""
    __slots__ = ("expr", "deps", "depth", "cond", "facts", "dec")

    def __init__(self, expr: str, deps: frozenset = frozenset(), depth: int = 0, cond: str | None = None):
        self.expr = expr
        self.deps = deps          # local indices the expression reads (pending until materialized)
        self.depth = depth        # nesting of folded operations
        self.cond = cond          # boolean form ("result is 1"), for if/br_if/select
        self.facts = None         # condition only: ({local: lower bound} if true, {...} if false)
        self.dec = None           # local i when the value is `l<i> - c`, c >= 1, known not to wrap

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

    def __len__(self) -> int:
        return len(self.items)

    def push(self, item: Item) -> None:
        self.items.append(item)
        if len(self.items) > self.storage.max_height:
            self.storage.max_height = len(self.items)

    def push_name(self, name: str) -> None:
        """Push a value that already sits in a plain name (a temporary, a slot, a register)."""
        self.push(Item(name))

    def pop(self) -> Item:
        return self.items.pop()

    def pop_n(self, n: int) -> list[Item]:
        """The top n items, bottom first, removed."""
        if not n:
            return []
        items = self.items[-n:]
        del self.items[-n:]
        return items

    def top(self, n: int) -> list[Item]:
        """The top n items, bottom first, left in place."""
        return self.items[len(self.items) - n:] if n else []

    def push_value(self, expr: str, trap: str | None = None, deps: frozenset = frozenset(),
                   depth: int = 1, cond: str | None = None, pure: bool = True) -> None:
        """Push the result of an operation: folded if pure and allowed, else assigned now."""
        if pure and trap is None and not self.baseline and depth <= MAX_EXPR_DEPTH:
            self.push(Item(expr, deps, depth, cond))
            return
        name = self.storage.pos_ref(len(self.items)) if self.baseline else self.out.temp()
        self.out.w(f"{name} = {expr}", trap)
        self.push(Item(name))

    def materialize(self, index: int) -> None:
        """Turn item `index` into a plain temporary (or its slot in baseline)."""
        item = self.items[index]
        if item.simple and not item.deps:
            return
        name = self.out.temp()
        self.out.w(f"{name} = {item.expr}")
        self.items[index] = Item(name)

    def flush(self) -> None:
        """Before control flow: every pending expression becomes a temporary."""
        for i in range(len(self.items)):
            self.materialize(i)

    def operand(self, item: Item, uses: int = 1) -> str:
        """The item as an operand text; if a template evaluates it twice, make it a temp first."""
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
