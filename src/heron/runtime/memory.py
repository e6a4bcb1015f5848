"""heron.Memory: a linear memory.

Its bytes (`Memory.data`) are an anonymous `mmap`, committed lazily by the OS: a 2 GiB
memory costs what the module touches. Generated code reads and writes `data` through
`struct.unpack_from`/`pack_into`, indexing and slicing, and checks bounds against
`len(data)`, so `data` is always exactly the memory's size (a zero-page memory is an
empty bytearray: mmap cannot be empty).

Growth resizes the mapping in place (`mremap`). When that is impossible -- the first
growth of an empty memory, or an exported buffer (a memoryview the host holds) pins
the mapping -- a new mapping replaces it, and every instance namespace that names the
memory (`M<i>`, registered by `bind`) is pointed at the new one; the host's old buffer
keeps the old bytes, as a wasmtime `data_ptr` dangles after growth.
"""
from __future__ import annotations

import ctypes
import mmap
from typing import Any, Optional

from ..errors import HeronError, Trap, TrapCode
from ..types import I64, Limits, MemType
from .api_types import MemoryType
from .store_arg import check_store, state_of
from .values import M32, M64, StoreOwned

PAGE = 65536
MAX_PAGES_32 = 65536
MAX_PAGES_64 = 1 << 48
# What this engine supports for one memory: growth beyond it reports failure (-1), as an
# engine may. Lower it per Store with Store.set_limits(memory_size=...).
PRACTICAL_MAX_BYTES = 1 << 31

_ZERO_PAGE = bytes(PAGE)
_FLAGS = getattr(mmap, "MAP_PRIVATE", 0) | getattr(mmap, "MAP_NORESERVE", 0)


def _new_buffer(nbytes: int) -> Any:
    """Zeroed memory of exactly `nbytes`: an anonymous mapping (an empty bytearray for 0)."""
    if nbytes == 0:
        return bytearray()
    if _FLAGS:
        return mmap.mmap(-1, nbytes, flags=_FLAGS)
    return mmap.mmap(-1, nbytes)


class Memory(StoreOwned):
    """A linear memory of a Store: `Memory(store, MemoryType(Limits(1, None)))`, or an
    instance's export. Sizes are in 64 KiB pages; `read`/`write` copy bytes in and out."""
    __slots__ = ("mtype", "data", "max_pages", "addr", "store", "_users", "__weakref__")
    extern_kind = "memory"

    def __init__(self, store: Any, ty: MemoryType):
        mt = getattr(ty, "internal", ty)
        if not isinstance(mt, MemType):
            raise TypeError(f"expected a heron.MemoryType, got {type(ty).__name__}")
        self._setup(state_of(store), mt)

    def _setup(self, state: Any, mt: MemType) -> None:
        self.mtype = mt
        self.addr = mt.addr
        self.store = state
        self._users: list = []
        limit = MAX_PAGES_64 if mt.addr == I64 else MAX_PAGES_32
        self.max_pages = min(mt.limits.max if mt.limits.max is not None else limit, limit)
        nbytes = mt.limits.min * PAGE
        if nbytes > PRACTICAL_MAX_BYTES:
            raise Trap("out of memory: memory too large for this engine")
        state.limits.new_memory(nbytes, mt.limits.min)
        try:
            self.data = _new_buffer(nbytes)
        except (MemoryError, OSError, OverflowError):
            raise Trap("out of memory: memory too large for this engine") from None

    @classmethod
    def _make(cls, state: Any, mt: MemType) -> "Memory":
        m = cls.__new__(cls)
        m._setup(state, mt)
        return m

    def bind(self, namespace: dict, key: str) -> None:
        """Name this memory's bytes `key` in an instance namespace, kept current on growth."""
        namespace[key] = self.data
        self._users.append((namespace, key))

    def _grow(self, delta: int) -> int:
        """memory.grow: the old size in pages, or -1 (as an unsigned value) on failure."""
        old_len = len(self.data)
        old = old_len // PAGE
        new = old + delta
        fail = M64 if self.addr == I64 else M32
        nbytes = new * PAGE
        if new > self.max_pages or nbytes > PRACTICAL_MAX_BYTES or not self.store.limits.memory_allows(nbytes):
            return fail
        if delta:
            try:
                self._resize(nbytes)
            except (MemoryError, OSError, OverflowError):
                return fail
        return old

    def _resize(self, nbytes: int) -> None:
        data = self.data
        if isinstance(data, mmap.mmap):
            try:
                data.resize(nbytes)
                return
            except (BufferError, SystemError):
                pass    # an exported buffer pins the mapping: move to a new one
        new = _new_buffer(nbytes)
        # copy page by page, skipping pages that are all zero: the new mapping stays
        # committed only where the old one held data
        for start in range(0, len(data), PAGE):
            page = data[start:start + PAGE]
            if page != _ZERO_PAGE:
                new[start:start + PAGE] = page
        self.data = new
        for namespace, key in self._users:
            namespace[key] = new

    def current_type(self) -> MemType:
        """The module-model type with the current size as the minimum."""
        return MemType(Limits(len(self.data) // PAGE, self.mtype.limits.max), self.addr, self.mtype.shared)

    # public API
    def type(self, store: Any = None) -> MemoryType:
        """The memory's type (as declared: its minimum is not the current size)."""
        check_store(self, store)
        return MemoryType._wrap(self.mtype)

    def size(self, store: Any = None) -> int:
        """The current size in pages."""
        check_store(self, store)
        return len(self.data) // PAGE

    def data_len(self, store: Any = None) -> int:
        """The current size in bytes."""
        check_store(self, store)
        return len(self.data)

    def data_ptr(self, store: Any = None) -> "ctypes._Pointer[ctypes.c_ubyte]":
        """A raw ctypes pointer to the first byte, as wasmtime-py gives. Unchecked: stay
        below `data_len`, and take a new one after the memory grows (it may move)."""
        check_store(self, store)
        if not len(self.data):
            return ctypes.POINTER(ctypes.c_ubyte)()
        view = (ctypes.c_ubyte * 1).from_buffer(self.data)
        address = ctypes.addressof(view)
        del view    # no buffer stays exported, so growth can still resize in place
        return ctypes.cast(address, ctypes.POINTER(ctypes.c_ubyte))

    def grow(self, store: Any, delta: int) -> int:
        """Grow by `delta` pages; return the old size. Raises HeronError when the memory
        cannot grow (its maximum, the Store's limits, or the engine's)."""
        check_store(self, store)
        if isinstance(delta, bool) or not isinstance(delta, int):
            raise TypeError(f"Memory.grow: delta must be an int, not {type(delta).__name__}")
        if delta < 0:
            raise HeronError(f"Memory.grow: delta must not be negative (got {delta})")
        r = self._grow(delta)
        if r in (M32, M64) and delta:
            raise HeronError(f"failed to grow memory by `{delta}`")
        return r

    def read(self, store: Any, start: Optional[int] = 0, stop: Optional[int] = None) -> bytearray:
        """A copy of `memory[start:stop]` (slice semantics: negative indices count from
        the end, out-of-range ones are clipped), as a bytearray."""
        check_store(self, store)
        begin, end, _ = slice(start, stop).indices(len(self.data))
        if end <= begin:
            return bytearray()
        return bytearray(self.data[begin:end])

    def write(self, store: Any, value: bytes | bytearray | memoryview, start: Optional[int] = None) -> int:
        """Copy `value` into memory at `start` (negative counts from the end); return the
        number of bytes written. IndexError when it does not fit, as wasmtime-py."""
        check_store(self, store)
        if isinstance(value, (int, str)):
            raise TypeError(f"Memory.write takes bytes, not {type(value).__name__}")
        size = len(self.data)
        begin = slice(start, None).indices(size)[0]
        data = memoryview(value).tobytes()
        if begin >= size and data:
            raise IndexError("index out of range")
        if begin + len(data) > size:
            raise IndexError("index out of range")
        if data:
            self.data[begin:begin + len(data)] = data
        return len(data)

    def __repr__(self) -> str:
        return f"<heron.Memory {len(self.data) // PAGE} pages>"


__all__ = ["Memory", "PAGE", "PRACTICAL_MAX_BYTES"]
