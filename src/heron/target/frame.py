"""FrameLayout: the one source of truth for every frame address.

Stack memory grows down. One frame, highest address first (offsets relative to FP):

    FP+16+shadow ..  | incoming stack args       | incoming_args_size (wasm: callee-owned)
    FP+16 ..         | [shadow space, 32 bytes]  | Windows, system convention only
    FP+8             | return address            |
    FP+0    <- FP    | saved FP (caller's FP)    |   frame record: 16 bytes on every target
    FP-clobber_size  | callee-saved registers    | clobber_size (padded to 16)
                     | fixed storage             | fixed_frame_storage_size (padded to 16)
                     |   slots in index order, the dynamic-context slot first (lowest)
    SP = FP-fp_to_sp | outgoing stack args       | outgoing_args_size (caller-owned calls only)

The call protocol this layout encodes (the compiler must emit exactly this), as
Cranelift lays frames out:

* Every frame has a *steady* SP = FP - fp_to_sp(), 16-aligned, fixed for the whole
  body: slots are addressed from it, call sites record it (fp_to_sp), handlers resume
  at it.
* Every frame reserves, at its bottom, the largest outgoing argument area of its call
  sites, for both conventions (wasm: the callee's stack-argument area; system: shadow
  space + stack arguments). A call writes its stack arguments at SP + shadow + offset
  (`outgoing_arg_address`) and calls with SP unchanged, so the callee's FP is
  SP - 16 and its incoming arguments sit at FP + 16 + shadow + offset.
* wasm convention (callee pops, like Wasmtime's `tail`): the callee frees its incoming
  area when it returns, leaving SP at `caller_sp(fp)` = FP + 16 + incoming_args_size;
  the caller re-reserves it (Cranelift emits a `sub sp` after tail-convention calls),
  so its SP is steady again. A `return_call` rewrites the incoming area so that its top
  stays at `caller_sp(fp)` (`tail_call_sp`, `tail_call_arg_address`): the area may grow
  below the caller's SP or shrink, so after a tail call the caller's SP is *not* the
  callee's FP + 16 -- frames are not contiguous. The unwinder therefore computes a
  frame's SP from its own FP and the call site's fp_to_sp (Wasmtime's fix, PR #11500),
  never from the frame below it.
* system convention (caller pops): the same reserved area; `caller_sp(fp)` = FP + 16.

Register saves: x86-64 `call` pushes the return address, the prologue pushes rbp
(FP = SP after that push); AArch64 `stp x29, x30, [sp, #-16]!; mov x29, sp`. In both
cases FP+0 holds the saved FP and FP+8 the return address, and FP+16 is the SP the
call instruction ran with.

Bases: slots, the dynamic context and outgoing arguments have SP-relative methods
(`slot_address(sp, i)`) -- the compiler's natural base; FP-relative twins exist where
the unwinder starts from an FP. Every method is constant arithmetic on precomputed
fields; the `*_offset` methods return those constants for code generators that inline
`base + offset`.

Fault injection (test-only, for the unwinder's mutation check): the environment
variable HERON_UNWIND_FAULT, read once by `active_fault()`, can make the *walker's*
view wrong in one documented way. Code generation never calls the `walker_*` methods,
so a fault changes what the unwinder believes, never what the compiler emitted.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterable, NamedTuple, Sequence

from ..errors import HeronError
from ..types import FuncType, ValType
from .abi import CallAssignment, assign, stack_size
from .targets import Target, TargetError, check_convention, get_target

FAULT_ENV = "HERON_UNWIND_FAULT"
FAULT_CALLER_SP = "caller-sp-ignores-incoming-args"   # walker: a frame's SP = its callee's FP + 16 (Wasmtime #11489)
FAULT_DYNCTX = "dynctx-ignores-outgoing-args"        # walker: dynctx slot = SP + offset in fixed storage
FAULTS = (FAULT_CALLER_SP, FAULT_DYNCTX)

_UNREAD = object()
_fault: object = _UNREAD


class LayoutError(TargetError):
    """A frame address asked for something this frame does not have (internal error)."""


def active_fault() -> str | None:
    """The unwinder fault selected by HERON_UNWIND_FAULT (None: no fault). Read once."""
    global _fault
    if _fault is _UNREAD:
        value = os.environ.get(FAULT_ENV, "").strip() or None
        if value is not None and value not in FAULTS:
            raise HeronError(f"{FAULT_ENV}={value!r} is not one of: {', '.join(FAULTS)}")
        _fault = value
    return _fault  # type: ignore[return-value]


def reset_fault_cache() -> None:
    """Forget the cached HERON_UNWIND_FAULT value so the next `active_fault()` rereads it."""
    global _fault
    _fault = _UNREAD


def _align(n: int, a: int) -> int:
    return (n + a - 1) & -a


def _slot_size(spec: int | ValType) -> int:
    if isinstance(spec, int) and not isinstance(spec, bool):
        if spec <= 0 or spec % 8:
            raise LayoutError(f"stack slot size must be a positive multiple of 8, not {spec}")
        return spec
    return stack_size(spec)


class WalkerView(NamedTuple):
    """FrameLayout.walker_view(): the walker's constant displacements for one frame, so a walk
    adds constants instead of calling methods per frame. Worked example (x86_64-sysv, a
    frame with fp_to_sp 48 and its dynamic-context slot 16 bytes above its outgoing area):
    WalkerView(fault=None, sp_from_fp=-48, sp_from_callee_fp=None, dynamic_context=16,
    saved_fp=0, return_address=8): SP = FP - 48, dynctx at SP + 16, the caller's FP at FP + 0
    and the return address into it at FP + 8. Under the caller-SP fault sp_from_fp is None
    and SP = callee FP + sp_from_callee_fp (16)."""
    fault: str | None
    sp_from_fp: int | None          # SP = FP + sp_from_fp (None: use sp_from_callee_fp)
    sp_from_callee_fp: int | None   # SP = the FP of the frame below + this (the faulty view)
    dynamic_context: int | None     # dynctx slot - SP (None: no slot)
    saved_fp: int                   # saved-FP slot - FP
    return_address: int             # return-address slot - FP

    def sp(self, fp: int, callee_fp: int | None) -> int:
        """The frame's SP from its FP (or, under the caller-SP fault, from the FP of the frame
        below it)."""
        if self.sp_from_fp is None:
            return callee_fp + self.sp_from_callee_fp  # type: ignore[operator]
        return fp + self.sp_from_fp

    def dynamic_context_address(self, sp: int) -> int | None:
        """The dynamic-context slot's address from the frame's SP (None: the frame has none)."""
        return None if self.dynamic_context is None else sp + self.dynamic_context


@dataclass(frozen=True, slots=True)
class FrameLayout:
    """The frame of one compiled function on one target (see the module docstring)."""
    name: str
    target: Target
    convention: str
    abi: CallAssignment                 # this function's own parameters/results
    frame_record_size: int              # 16: saved FP + return address
    shadow_size: int                    # Windows system convention: 32, else 0
    incoming_args_size: int             # stack parameters (padded to 16), shadow not included
    clobbers: tuple[str, ...]           # callee-saved registers, in save order
    clobber_offsets: tuple[int, ...]    # FP-relative offset of each saved register (negative)
    clobber_size: int
    slot_sizes: tuple[int, ...]
    slot_offsets: tuple[int, ...]       # offset of each slot from the bottom of fixed storage
    dynctx_offset: int | None           # offset of the dynamic-context slot from the bottom of fixed storage
    fixed_frame_storage_size: int
    outgoing_args_size: int

    # ---------------------------------------------------------------- construction
    @classmethod
    def build(cls, target: Target | str, convention: str,
              signature: FuncType | Sequence[ValType] | CallAssignment,
              slots: int | Sequence[int | ValType] = (), *,
              has_dynamic_context: bool = False,
              outgoing_args_size: int = 0,
              calls: Iterable[CallAssignment] = (),
              clobbers: Sequence[str] = (),
              name: str = "") -> "FrameLayout":
        """Lay out a frame.

        slots: a count of 8-byte slots, or one entry per slot: a byte size (multiple of 8)
          or a value type (v128 -> 16 bytes, 16-aligned; else 8). Slot i keeps index i.
        outgoing_args_size / calls: the outgoing area is the max of the explicit size and the
          shadow+stack area of every call in `calls` (both conventions), padded to 16.
        clobbers: callee-saved registers the prologue saves (ints first is not required;
          each is placed at its natural alignment in the given order)."""
        tgt = get_target(target)
        check_convention(convention)
        if isinstance(signature, CallAssignment):
            abi = signature
            if abi.target != tgt or abi.convention != convention:
                raise LayoutError("the CallAssignment was made for another target or convention")
        else:
            abi = assign(signature, tgt, convention)

        # callee-saved registers, just below the saved FP
        seen: set[str] = set()
        offsets: list[int] = []
        depth = 0
        for reg in clobbers:
            if reg in seen:
                raise LayoutError(f"callee-saved register {reg!r} listed twice")
            seen.add(reg)
            size = tgt.save_size(reg)
            depth = _align(depth + size, size)
            offsets.append(-depth)
        clobber_size = _align(depth, 16)

        # fixed storage: the dynamic-context slot at its bottom, then the slots in order
        sizes = tuple([8] * slots) if isinstance(slots, int) else tuple(_slot_size(s) for s in slots)
        pos = 0
        dynctx_offset = None
        if has_dynamic_context:
            dynctx_offset = 0
            pos = 8
        slot_offsets = []
        for size in sizes:
            pos = _align(pos, 16 if size >= 16 else 8)
            slot_offsets.append(pos)
            pos += size
        fixed = _align(pos, 16)

        if outgoing_args_size < 0:
            raise LayoutError("outgoing_args_size must not be negative")
        outgoing = outgoing_args_size
        for call in calls:
            if call.target != tgt:
                raise LayoutError("a call's CallAssignment was made for another target")
            outgoing = max(outgoing, call.stack_area_size)
        outgoing = _align(outgoing, 16)

        return cls(name=name, target=tgt, convention=convention, abi=abi,
                   frame_record_size=tgt.frame_record_size, shadow_size=abi.shadow_size,
                   incoming_args_size=abi.stack_args_size, clobbers=tuple(clobbers),
                   clobber_offsets=tuple(offsets), clobber_size=clobber_size,
                   slot_sizes=sizes, slot_offsets=tuple(slot_offsets), dynctx_offset=dynctx_offset,
                   fixed_frame_storage_size=fixed, outgoing_args_size=outgoing)

    # ---------------------------------------------------------------- sizes
    def fp_to_sp(self) -> int:
        """FP - SP of the steady frame: callee-saved area + fixed storage + outgoing area."""
        return self.clobber_size + self.fixed_frame_storage_size + self.outgoing_args_size

    def frame_size(self) -> int:
        """Bytes this frame adds below the SP its call ran with: frame record + fp_to_sp()."""
        return self.frame_record_size + self.fp_to_sp()

    @property
    def num_slots(self) -> int:
        return len(self.slot_sizes)

    @property
    def has_dynamic_context(self) -> bool:
        return self.dynctx_offset is not None

    # ---------------------------------------------------------------- FP <-> SP
    def sp_from_fp(self, fp: int) -> int:
        return fp - self.fp_to_sp()

    def fp_from_sp(self, sp: int) -> int:
        return sp + self.fp_to_sp()

    # ---------------------------------------------------------------- frame record
    def fp_from_call_sp(self, call_sp: int) -> int:
        """This frame's FP when its call instruction ran with SP = `call_sp` (the prologue's
        result: return address at call_sp-8, saved FP at call_sp-16 = FP)."""
        return call_sp - self.frame_record_size

    def call_sp_from_fp(self, fp: int) -> int:
        """The SP this frame's call instruction ran with (= the SP after its return, before
        a callee-pops area is freed)."""
        return fp + self.frame_record_size

    def saved_fp_address(self, fp: int) -> int:
        return fp

    def return_address_address(self, fp: int) -> int:
        return fp + self.target.pointer_size

    def caller_sp(self, fp: int) -> int:
        """The caller's steady SP while this frame is live (the SP left when this frame returns).

        wasm: FP + 16 + incoming_args_size (the callee pops its area);
        system: FP + 16 (shadow space and stack args belong to the caller's outgoing area)."""
        if self.abi.callee_pops:
            return fp + self.frame_record_size + self.incoming_args_size
        return fp + self.frame_record_size

    def incoming_area(self, fp: int) -> tuple[int, int]:
        """[low, high) of everything the call put above the return address (shadow + stack args)."""
        low = fp + self.frame_record_size
        return low, low + self.shadow_size + self.incoming_args_size

    # ---------------------------------------------------------------- parameters
    def incoming_arg_offset(self, param: int) -> int:
        """FP-relative offset of stack-passed parameter `param` (a parameter index)."""
        loc = self._param(param)
        if loc.reg is not None:
            raise LayoutError(f"parameter {param} of {self.name or 'this function'} is in {loc.reg}, not on the stack")
        return self.frame_record_size + self.shadow_size + loc.offset

    def incoming_arg_address(self, fp: int, param: int) -> int:
        """Address of stack-passed parameter `param` (index into the function's parameters)."""
        return fp + self.incoming_arg_offset(param)

    def _param(self, param: int):
        params = self.abi.params
        if not 0 <= param < len(params):
            raise LayoutError(f"parameter index {param} out of range (function has {len(params)})")
        return params[param]

    # ---------------------------------------------------------------- calls this frame makes
    def call_sp(self, sp: int, callee: CallAssignment) -> int:
        """SP at the call instruction for a call to `callee` made from steady SP `sp`: the same,
        since the arguments go into the reserved outgoing area."""
        return sp

    def outgoing_arg_offset(self, callee: CallAssignment, param: int) -> int:
        """SP-relative (steady SP) offset of the callee's stack parameter `param`."""
        if not 0 <= param < len(callee.params):
            raise LayoutError(f"callee parameter index {param} out of range")
        loc = callee.params[param]
        if loc.reg is not None:
            raise LayoutError(f"callee parameter {param} is passed in {loc.reg}, not on the stack")
        if callee.stack_area_size > self.outgoing_args_size:
            raise LayoutError(f"outgoing area of {self.outgoing_args_size} bytes cannot hold a "
                              f"{callee.stack_area_size}-byte call; pass it in `calls`")
        return callee.shadow_size + loc.offset

    def outgoing_arg_address(self, sp: int, callee: CallAssignment, param: int) -> int:
        """Where this frame (steady SP `sp`) writes stack parameter `param` of a call to `callee`."""
        return sp + self.outgoing_arg_offset(callee, param)

    def tail_call_sp(self, fp: int, callee: CallAssignment) -> int:
        """SP (just above the return address) a `return_call` to `callee` jumps with: the new
        incoming area ends where this frame's ends, at caller_sp(fp)."""
        if not (self.abi.callee_pops and callee.callee_pops):
            raise LayoutError("tail calls exist only between wasm-convention functions")
        return self.caller_sp(fp) - callee.stack_args_size

    def tail_call_arg_address(self, fp: int, callee: CallAssignment, param: int) -> int:
        """Where a `return_call` from this frame writes the callee's stack parameter `param`."""
        loc = callee.params[param]
        if loc.reg is not None:
            raise LayoutError(f"callee parameter {param} is passed in {loc.reg}, not on the stack")
        return self.tail_call_sp(fp, callee) + loc.offset

    # ---------------------------------------------------------------- slots
    def slot_offset(self, slot: int) -> int:
        """SP-relative offset of fixed-storage slot `slot`."""
        if not 0 <= slot < len(self.slot_offsets):
            raise LayoutError(f"stack slot {slot} out of range (frame has {len(self.slot_offsets)})")
        return self.outgoing_args_size + self.slot_offsets[slot]

    def slot_address(self, sp: int, slot: int) -> int:
        return sp + self.slot_offset(slot)

    def slot_address_from_fp(self, fp: int, slot: int) -> int:
        return fp - self.fp_to_sp() + self.slot_offset(slot)

    def clobber_address(self, fp: int, reg: str) -> int:
        """Where the prologue saves callee-saved register `reg`."""
        try:
            return fp + self.clobber_offsets[self.clobbers.index(reg)]
        except ValueError:
            raise LayoutError(f"{reg!r} is not saved by this frame") from None

    # ---------------------------------------------------------------- dynamic context
    def dynamic_context_offset(self) -> int:
        """SP-relative offset of the dynamic-context slot (the instance's vmctx)."""
        if self.dynctx_offset is None:
            raise LayoutError(f"{self.name or 'this frame'} has no dynamic-context slot")
        return self.outgoing_args_size + self.dynctx_offset

    def dynamic_context_address(self, fp: int) -> int:
        """Code generation's view (always right)."""
        return fp - self.fp_to_sp() + self.dynamic_context_offset()

    # ---------------------------------------------------------------- the walker's view
    def walker_sp(self, fp: int, callee_fp: int) -> int:
        """This frame's SP as the unwinder computes it: FP - fp_to_sp, the distance its call
        sites record (Wasmtime's fix). Under HERON_UNWIND_FAULT=caller-sp-ignores-incoming-args
        it assumes contiguous frames instead: the FP of the frame below (`callee_fp`) plus the
        frame record -- wrong wherever a tail call grew or shrank that frame's incoming area
        (Wasmtime #11489)."""
        return self.walker_view().sp(fp, callee_fp)

    def walker_dynamic_context_address(self, sp: int) -> int:
        """The dynamic-context slot as the unwinder computes it from this frame's SP:
        SP + outgoing_args_size + the slot's offset in fixed storage. Under
        HERON_UNWIND_FAULT=dynctx-ignores-outgoing-args the outgoing area is left out."""
        self.dynamic_context_offset()  # raises if there is none
        return self.walker_view().dynamic_context_address(sp)  # type: ignore[return-value]

    def walker_view(self) -> WalkerView:
        """The walker's view as constant displacements (see WalkerView), under the active fault:
        base + displacement equals the walker_* and frame-record methods above."""
        fault = active_fault()
        dynctx = None
        if self.dynctx_offset is not None:
            dynctx = self.dynctx_offset if fault == FAULT_DYNCTX else self.outgoing_args_size + self.dynctx_offset
        if fault == FAULT_CALLER_SP:
            return WalkerView(fault, None, self.frame_record_size, dynctx, self.saved_fp_address(0),
                              self.return_address_address(0))
        return WalkerView(fault, -self.fp_to_sp(), None, dynctx, self.saved_fp_address(0),
                          self.return_address_address(0))

    # ---------------------------------------------------------------- explaining
    def areas(self) -> list[tuple[str, int, int]]:
        """(name, offset of the area's lowest byte from FP, size), highest address first."""
        rec = self.frame_record_size
        ptr = self.target.pointer_size
        out = [("incoming stack args" + (" (callee-owned)" if self.abi.callee_pops else " (caller-owned)"),
                rec + self.shadow_size, self.incoming_args_size)]
        if self.shadow_size:
            out.append(("shadow space", rec, self.shadow_size))
        out += [("return address", ptr, ptr),
                ("saved FP", 0, ptr),
                ("callee-saved registers", -self.clobber_size, self.clobber_size),
                ("fixed storage", -self.clobber_size - self.fixed_frame_storage_size,
                 self.fixed_frame_storage_size),
                ("outgoing stack args", -self.fp_to_sp(), self.outgoing_args_size)]
        return out

    def describe(self) -> str:
        """A readable table of the frame: areas, slots, where every parameter lives."""
        title = f"frame of {self.name or '<function>'}: {self.abi.signature} on {self.target.name}, " \
                f"{self.convention} convention"
        lines = [title,
                 f"  frame size {self.frame_size()} bytes, FP-to-SP {self.fp_to_sp()}, "
                 f"returns with SP = FP+{self.caller_sp(0)}",
                 f"  {'area':<36}{'FP+off':>8}{'SP+off':>8}{'size':>6}"]
        fp_to_sp = self.fp_to_sp()
        for name, off, size in self.areas():
            lines.append(f"  {name:<36}{off:>+8}{off + fp_to_sp:>+8}{size:>6}")
        if self.clobbers:
            lines.append("  callee-saved: " + ", ".join(
                f"{r}@FP{o:+}" for r, o in zip(self.clobbers, self.clobber_offsets)))
        if self.dynctx_offset is not None:
            off = self.dynamic_context_offset()
            lines.append(f"  dynamic-context slot: SP+{off} (FP{off - fp_to_sp:+})")
        for i, size in enumerate(self.slot_sizes):
            off = self.slot_offset(i)
            lines.append(f"  slot {i}: SP+{off} (FP{off - fp_to_sp:+}), {size} bytes")
        abi = self.abi
        if abi.vmctx_regs:
            lines.append(f"  callee vmctx in {abi.vmctx_regs[0]}, caller vmctx in {abi.vmctx_regs[1]}")
        for i, loc in enumerate(abi.params):
            where = loc.reg if loc.reg is not None else f"FP+{self.incoming_arg_offset(i)}"
            lines.append(f"  param {i} ({loc.valtype}): {where}")
        if abi.ret_area_reg:
            lines.append(f"  return-area pointer in {abi.ret_area_reg} ({abi.ret_area_size} bytes)")
        for i, loc in enumerate(abi.results):
            where = loc.reg if loc.reg is not None else f"ret_area+{loc.offset}"
            lines.append(f"  result {i} ({loc.valtype}): {where}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.describe()
