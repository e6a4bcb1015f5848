"""Exception objects, exnref values and the resume signal (DESIGN.md sections 3-4).

* A *tag instance* is `heron.Tag` (runtime/objects.py): one per instance per defined
  tag; an imported tag is the exporter's object, so identity is the match criterion.
* An *exception object* (`Exn`) is a tag instance plus its payload in the runtime
  representation. An exnref value is the `Exn` itself; `ref.null exn` is None.
* `Resume` is what the throw routine raises once the walker has chosen a handler: it
  carries the catching frame's FP, the SP the walker computed, the landing-pad
  address and the exception. Generated code only asks "is `fp` mine?" and continues
  at the landing pad it names (see compile/handlers.py).
"""
from __future__ import annotations

from ..errors import HeronError, WasmException
from .values import to_host, to_internal


# Test-only: FP -> (SP, vmctx) as the compiler laid the frame out, written by code compiled
# with compile.handlers.SHADOW_FRAMES set (tests/unwind/test_frame_check.py).
SHADOW: dict = {}


class Exn:
    """An exception object: the thrown tag instance and its payload (runtime values)."""
    __slots__ = ("tag", "values")

    def __init__(self, tag, values: tuple):
        self.tag = tag
        self.values = values

    def __repr__(self) -> str:
        return f"<heron exn {self.tag!r} {self.values!r}>"


class Resume(Exception):
    """The walker's decision: continue the frame at `fp` at landing pad `pad` with SP `sp`."""
    __slots__ = ("fp", "sp", "pad", "exn")

    def __init__(self, fp: int, sp: int, pad: int, exn: Exn):
        self.fp = fp
        self.sp = sp
        self.pad = pad
        self.exn = exn


def host_payload(exn: Exn) -> tuple:
    """The payload as public API values (signed integers)."""
    return tuple(to_host(v, t) for v, t in zip(exn.values, exn.tag.ftype.params))


def uncaught(exn: Exn) -> WasmException:
    """The host-visible form of an exception that left Wasm."""
    return WasmException(exn.tag, host_payload(exn), exn)


def from_host(e: WasmException) -> Exn:
    """The exception object a host function throws into Wasm by raising WasmException."""
    if isinstance(e.exnref, Exn):
        return e.exnref
    tag = e.tag
    ftype = getattr(tag, "ftype", None)
    if getattr(tag, "extern_kind", None) != "tag" or ftype is None:
        raise HeronError(f"WasmException needs a heron.Tag, not {type(tag).__name__}")
    params = ftype.params
    if len(e.payload) != len(params):
        raise HeronError(f"tag {tag!r} takes {len(params)} values, the payload has {len(e.payload)}")
    exn = Exn(tag, tuple(to_internal(v, t) for v, t in zip(e.payload, params)))
    e.exnref = exn
    return exn


__all__ = ["Exn", "Resume", "host_payload", "uncaught", "from_host", "exception_namespace"]


def exception_namespace(state, inst) -> dict:
    """Names generated code uses for exceptions: the throw routine, the vmctx, tag instances."""
    thrower = getattr(state, "eh_throw", None)
    if thrower is None:
        from ..unwind.throw import make_thrower
        thrower = state.eh_throw = make_thrower(state)
    ns = {"_throw": thrower, "Exn": Exn, "Resume": Resume, "VMCTX": inst, "SHADOW": SHADOW}
    for i, tag in enumerate(inst.tags):
        ns[f"TG{i}"] = tag
    return ns
