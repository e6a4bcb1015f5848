"""unwind phase: the frame cursor (cursor.py) and the handler search (search.py), after
Wasmtime's crates/unwinder; trace.py prints a walk. Reads stack memory, the call-site
table and FrameLayout; knows no Wasm rule (tag matching is the runtime's callback).
Imports only `target/` and `errors`."""
from .cursor import Frame, UnwindError, walk
from .search import Handler, WalkObserver, find_handler

__all__ = ["Frame", "UnwindError", "walk", "Handler", "WalkObserver", "find_handler"]
