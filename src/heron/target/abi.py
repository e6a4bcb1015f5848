"""Argument and result locations for a signature under a calling convention.

`assign(signature, target, convention)` is the only place that decides which parameter
travels in which register and at which stack offset, and how many bytes (padding
included) the stack-argument area and the return area take. Nobody counts arguments
to get a size: ask the `CallAssignment`.

Value classes: i32, i64 and references (funcref/externref/exnref, pointer-sized) are
*int* class; f32, f64 and v128 are *float* class (vector registers). A stack slot is 8
bytes, v128 takes 16 bytes at a 16-aligned offset; the stack-argument area is padded
to 16 bytes. Stack offsets of parameters count from the lowest byte of the
stack-argument area, which sits directly above the return address (and above the
32-byte shadow space under the Windows system convention).

Conventions
-----------
wasm (Wasm-to-Wasm calls, like Wasmtime's `tail`):
  * the first two int argument registers carry the callee's and the caller's vmctx
    (x86_64-sysv rdi/rsi, x86_64-windows rcx/rdx, aarch64 x0/x1);
  * parameters take the remaining int registers and all float registers in order,
    **per class, not positionally, on every target** -- also on Windows. Reason: the
    wasm convention is private to Heron (no native code, no varargs, no shadow space),
    so positional slot sharing buys nothing and would leave only two argument
    registers (positions 2 and 3) for any mix of parameters; Wasmtime's `tail`
    convention makes the same choice. On Windows that gives ints r8 r9, floats xmm0-3;
  * the callee pops its incoming stack arguments (`callee_pops`).
system (host boundary, entry/exit trampolines): the target's native convention.
  * x86_64-sysv and aarch64: per-class sequential, no hidden vmctx;
  * x86_64-windows: positional (argument position p uses rcx/rdx/r8/r9[p] or xmm[p],
    positions >= 4 go to the stack) and the caller reserves 32 bytes of shadow space
    just above the return address; the first stack argument follows the shadow;
  * the caller pops (owns) the area.

Results (multi-value)
---------------------
The first int-class results go in the int return registers and the first float-class
results in the float return registers, in order, per class:
  wasm:   x86-64 (both OSes) rax rdx / xmm0 xmm1;  aarch64 x0-x7 / v0-v7
  system: x86_64-sysv rax rdx / xmm0 xmm1; x86_64-windows rax / xmm0; aarch64 x0-x7 / v0-v7
Every further result lives in a *return area* in stack memory, provided by the caller
(8-byte slots, v128 16 bytes 16-aligned, size padded to 16); its address is passed as a
hidden argument (like Cranelift/Wasmtime's return-area pointer): on AArch64 in x8 (the
AAPCS64 indirect-result register, so no argument register is lost), on x86-64 in the
first int argument register not taken by the vmctx pair (wasm: sysv rdx, windows r8;
system: sysv rdi, windows position 0 = rcx). Result locations with `offset` are byte
offsets from that pointer.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from ..types import F32, F64, I32, I64, V128, FuncType, RefType, ValType
from .targets import SYSTEM, WASM, Target, TargetError, check_convention, get_target

INT, FLOAT = "int", "float"


def value_class(t: ValType) -> str:
    """'int' for i32/i64/references, 'float' for f32/f64/v128."""
    if t in (I32, I64) or isinstance(t, RefType):
        return INT
    if t in (F32, F64, V128):
        return FLOAT
    raise TargetError(f"no register class for value type {t!r}")


def stack_size(t: ValType) -> int:
    """Bytes a value takes in a stack slot (argument, result or frame slot): 16 for v128, else 8."""
    return 16 if t == V128 else 8


def _align(n: int, a: int) -> int:
    return (n + a - 1) & -a


@dataclass(frozen=True, slots=True)
class Location:
    """Where one parameter or result lives: a register, or a byte offset.

    Parameters: `offset` counts from the lowest byte of the stack-argument area.
    Results: `offset` counts from the return-area pointer."""
    valtype: ValType
    reg: str | None = None
    offset: int | None = None
    size: int = 8

    @property
    def in_reg(self) -> bool:
        return self.reg is not None

    @property
    def on_stack(self) -> bool:
        return self.reg is None

    def __str__(self) -> str:
        return self.reg if self.reg is not None else f"stack+{self.offset}"


@dataclass(frozen=True, slots=True)
class CallAssignment:
    """The complete argument/result assignment of one signature under one convention."""
    target: Target
    convention: str
    signature: FuncType
    params: tuple[Location, ...]
    results: tuple[Location, ...]
    vmctx_regs: tuple[str, ...]            # wasm: (callee vmctx reg, caller vmctx reg); system: ()
    ret_area_reg: str | None               # register carrying the return-area pointer, if any result is in memory
    stack_args_size: int                   # stack parameters, padded to 16 (shadow space not included)
    shadow_size: int                       # 32 for Windows system convention, else 0
    ret_area_size: int                     # bytes of the return area (padded to 16), 0 if all results in registers
    callee_pops: bool                      # wasm convention: the callee frees the stack-argument area

    @property
    def stack_area_size(self) -> int:
        """All bytes the call occupies above the return address: shadow space + stack arguments."""
        return self.shadow_size + self.stack_args_size

    def result_offset(self, result: int) -> int:
        """Byte offset of result `result` from the return-area pointer (it must be in memory)."""
        if not 0 <= result < len(self.results):
            raise TargetError(f"result index {result} out of range ({len(self.results)} results)")
        loc = self.results[result]
        if loc.reg is not None:
            raise TargetError(f"result {result} is returned in {loc.reg}, not in the return area")
        return loc.offset

    def stack_param_indices(self) -> tuple[int, ...]:
        return tuple(i for i, loc in enumerate(self.params) if loc.reg is None)

    def reg_param_indices(self) -> tuple[int, ...]:
        return tuple(i for i, loc in enumerate(self.params) if loc.reg is not None)

    def describe(self) -> str:
        lines = [f"{self.signature} on {self.target.name}, {self.convention} convention"]
        if self.vmctx_regs:
            lines.append(f"  callee vmctx: {self.vmctx_regs[0]}, caller vmctx: {self.vmctx_regs[1]}")
        for i, loc in enumerate(self.params):
            lines.append(f"  param {i} ({loc.valtype}): {loc}")
        if self.ret_area_reg:
            lines.append(f"  return-area pointer: {self.ret_area_reg} ({self.ret_area_size} bytes)")
        for i, loc in enumerate(self.results):
            where = loc.reg if loc.reg is not None else f"ret_area+{loc.offset}"
            lines.append(f"  result {i} ({loc.valtype}): {where}")
        lines.append(f"  stack arguments: {self.stack_args_size} bytes"
                     + (f" + {self.shadow_size} bytes shadow space" if self.shadow_size else "")
                     + (", callee pops" if self.callee_pops else ", caller pops"))
        return "\n".join(lines)

    __str__ = describe


def _signature(signature: FuncType | Sequence[ValType]) -> FuncType:
    if isinstance(signature, FuncType):
        return signature
    return FuncType(tuple(signature), ())


def assign(signature: FuncType | Sequence[ValType], target: Target | str, convention: str) -> CallAssignment:
    """Assign every parameter and result of `signature` a location (a list = params only)."""
    return _assign(_signature(signature), get_target(target), check_convention(convention))


@lru_cache(maxsize=4096)
def _assign(sig: FuncType, target: Target, convention: str) -> CallAssignment:
    for t in sig.params + sig.results:
        value_class(t)  # rejects unknown types early
    int_ret, float_ret = ((target.wasm_int_ret_regs, target.wasm_float_ret_regs) if convention == WASM
                          else (target.system_int_ret_regs, target.system_float_ret_regs))
    results, ret_area_size = _assign_results(sig.results, int_ret, float_ret)
    needs_ret_area = ret_area_size > 0

    int_regs = list(target.int_arg_regs)
    float_regs = list(target.float_arg_regs)
    vmctx: tuple[str, ...] = ()
    ret_area_reg = None
    shadow = 0
    if convention == WASM:
        vmctx = (int_regs[0], int_regs[1])
        int_regs = int_regs[2:]
    positional = convention == SYSTEM and target.positional_args
    position = 0
    if needs_ret_area:
        if target.indirect_result_reg is not None:
            ret_area_reg = target.indirect_result_reg
        elif positional:
            ret_area_reg = int_regs[0]
            position = 1
        else:
            ret_area_reg = int_regs.pop(0)
    if convention == SYSTEM:
        shadow = target.shadow_space

    params: list[Location] = []
    offset = 0
    for t in sig.params:
        cls = value_class(t)
        reg = None
        if positional:
            if position < len(int_regs):
                reg = int_regs[position] if cls == INT else float_regs[position]
            position += 1
        else:
            pool = int_regs if cls == INT else float_regs
            if pool:
                reg = pool.pop(0)
        if reg is not None:
            params.append(Location(t, reg=reg, size=stack_size(t)))
        else:
            size = stack_size(t)
            offset = _align(offset, size)
            params.append(Location(t, offset=offset, size=size))
            offset += size
    return CallAssignment(target=target, convention=convention, signature=sig, params=tuple(params),
                          results=results, vmctx_regs=vmctx, ret_area_reg=ret_area_reg,
                          stack_args_size=_align(offset, 16), shadow_size=shadow,
                          ret_area_size=ret_area_size, callee_pops=convention == WASM)


def _assign_results(types: Sequence[ValType], int_ret: Sequence[str],
                    float_ret: Sequence[str]) -> tuple[tuple[Location, ...], int]:
    pools = {INT: list(int_ret), FLOAT: list(float_ret)}
    out: list[Location] = []
    offset = 0
    for t in types:
        pool = pools[value_class(t)]
        if pool:
            out.append(Location(t, reg=pool.pop(0), size=stack_size(t)))
        else:
            size = stack_size(t)
            offset = _align(offset, size)
            out.append(Location(t, offset=offset, size=size))
            offset += size
    return tuple(out), _align(offset, 16)
