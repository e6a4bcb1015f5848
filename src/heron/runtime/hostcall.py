"""The wrapper around every host function Wasm calls (DESIGN.md 4.4).

It gives host code the recursion limit the host had when it called into Wasm (see
runtime/recursion.py) and, when a WasmException leaves the host function (raised by
it, or an exception of a nested activation it did not catch), continues the throw
search in the calling activation from the exit record of this call. Anything else the
host raises passes unchanged: runtime/traps.py recognises the wrapper's frame in a
traceback (HOST_CALL_CODE) and does not turn a host's ZeroDivisionError into a trap.
"""
from __future__ import annotations

from typing import Callable

from ..errors import WasmException
from ..unwind.throw import throw_from_exit
from .exceptions import from_host
from .recursion import get_limit, restore_host_limit, set_limit


def _template(state, host):
    entries = state.entries if state is not None else []

    def host_call(*args):
        wasm_limit = get_limit()
        if len(entries) == 1:       # the common case inline: one activation, shallow
            try:
                set_limit(state.host_limit)
            except RecursionError:
                restore_host_limit(state.host_limit)
        else:
            restore_host_limit(state.host_limit, True)
        try:
            return host(*args)
        except WasmException as e:
            set_limit(wasm_limit)
            exn = from_host(e)
            if exn.tag.store is not state:
                raise TypeError("a WasmException thrown into Wasm needs a Tag of the same Store") from None
            throw_from_exit(state, state.exits[-1], state.exit_layouts[-1], exn)
        finally:
            set_limit(wasm_limit)
    return host_call


HOST_CALL_CODE = _template(None, None).__code__


def guard_host(state, host: Callable) -> Callable:
    """`host` as Wasm calls it: under the host's recursion limit, a WasmException it
    lets out continued as a throw into the calling Wasm."""
    wrapper = _template(state, host)
    wrapper.__name__ = getattr(host, "__name__", "host")
    wrapper.__qualname__ = wrapper.__name__
    wrapper.__wrapped__ = host
    return wrapper


__all__ = ["guard_host", "HOST_CALL_CODE"]
