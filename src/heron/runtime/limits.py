"""Store limits: what an embedder allows one Store to consume (wasmtime's `StoreLimits`).

`Store.set_limits(memory_size=, table_elements=, instances=, tables=, memories=)` sets
them; a negative value leaves that limit as it is. Semantics follow wasmtime:

* `memory_size` bounds each linear memory, in bytes: creating one whose minimum is
  larger fails, `memory.grow` beyond it returns -1 (and `Memory.grow` from the host
  raises);
* `table_elements` bounds each table the same way, in elements;
* `instances`, `tables`, `memories` bound how many of each the Store creates over its
  life (tables and memories created by the host count too).

Without limits a memory is still bounded by what the engine supports
(`PRACTICAL_MAX_BYTES` in runtime/memory.py).
"""
from __future__ import annotations

from ..errors import ResourceLimitError


class StoreLimits:
    """The limits of one Store and the counts they are checked against."""
    __slots__ = ("memory_size", "table_elements", "instances", "tables", "memories",
                 "n_instances", "n_tables", "n_memories")

    def __init__(self) -> None:
        self.memory_size: int | None = None
        self.table_elements: int | None = None
        self.instances: int | None = None
        self.tables: int | None = None
        self.memories: int | None = None
        self.n_instances = 0
        self.n_tables = 0
        self.n_memories = 0

    def set(self, memory_size: int = -1, table_elements: int = -1, instances: int = -1,
            tables: int = -1, memories: int = -1) -> None:
        """Set each limit given as a non-negative int; a negative one is left unchanged."""
        for name, value in (("memory_size", memory_size), ("table_elements", table_elements),
                            ("instances", instances), ("tables", tables), ("memories", memories)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"set_limits: {name} must be an int, not {type(value).__name__}")
            if value >= 0:
                setattr(self, name, value)

    def memory_allows(self, nbytes: int) -> bool:
        """May one linear memory be `nbytes` long?"""
        return self.memory_size is None or nbytes <= self.memory_size

    def table_allows(self, nelems: int) -> bool:
        """May one table hold `nelems` elements?"""
        return self.table_elements is None or nelems <= self.table_elements

    def new_memory(self, nbytes: int, pages: int) -> None:
        """Account for a memory about to be created with `nbytes` (raises beyond the limits)."""
        if not self.memory_allows(nbytes):
            raise ResourceLimitError(f"memory minimum size of {pages} pages exceeds memory limits")
        if self.memories is not None and self.n_memories + 1 > self.memories:
            raise ResourceLimitError(f"resource limit exceeded: memory count too high at {self.n_memories + 1}")
        self.n_memories += 1

    def new_table(self, nelems: int) -> None:
        """Account for a table about to be created with `nelems` elements."""
        if not self.table_allows(nelems):
            raise ResourceLimitError(f"table minimum size of {nelems} elements exceeds table limits")
        if self.tables is not None and self.n_tables + 1 > self.tables:
            raise ResourceLimitError(f"resource limit exceeded: table count too high at {self.n_tables + 1}")
        self.n_tables += 1

    def new_instance(self, ntables: int, nmemories: int) -> None:
        """Account for an instance about to be created that defines `ntables` tables and
        `nmemories` memories (checked together, before anything is built)."""
        if self.instances is not None and self.n_instances + 1 > self.instances:
            raise ResourceLimitError(
                f"resource limit exceeded: instance count too high at {self.n_instances + 1}")
        if self.tables is not None and self.n_tables + ntables > self.tables:
            raise ResourceLimitError(
                f"resource limit exceeded: table count too high at {self.n_tables + ntables}")
        if self.memories is not None and self.n_memories + nmemories > self.memories:
            raise ResourceLimitError(
                f"resource limit exceeded: memory count too high at {self.n_memories + nmemories}")
        self.n_instances += 1


__all__ = ["StoreLimits"]
