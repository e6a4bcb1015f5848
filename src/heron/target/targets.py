"""The modelled native targets: register files, argument/return registers, frame record.

A `Target` is pure data; `abi.py` turns it plus a calling convention into argument
locations and `frame.py` into frame addresses. Nothing here computes an address.

Frame record (all targets, 16 bytes): at FP+0 the caller's saved FP, at FP+8 the return
address. On x86-64 `call` pushes the return address and the prologue pushes rbp; on
AArch64 the prologue does `stp x29, x30, [sp, #-16]!` (fp at the lower address, lr
above it). Either way FP+16 is the SP the call instruction was executed with.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import HeronError

WASM = "wasm"
SYSTEM = "system"
CONVENTIONS = (WASM, SYSTEM)

X86_64_SYSV = "x86_64-sysv"
X86_64_WINDOWS = "x86_64-windows"
AARCH64 = "aarch64"


class TargetError(HeronError):
    """Misuse of the target model (unknown target/convention/register, bad slot size).

    This is an internal error of a Heron phase, never a property of a user's module."""


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    arch: str                               # 'x86_64' | 'aarch64'
    int_arg_regs: tuple[str, ...]
    float_arg_regs: tuple[str, ...]         # also carry v128
    positional_args: bool                   # system convention: argument i uses int reg i OR float reg i
    shadow_space: int                       # system convention: bytes the caller reserves above the return address
    system_int_ret_regs: tuple[str, ...]
    system_float_ret_regs: tuple[str, ...]
    wasm_int_ret_regs: tuple[str, ...]
    wasm_float_ret_regs: tuple[str, ...]
    indirect_result_reg: str | None         # dedicated return-area pointer register (AArch64 x8), else None
    fp_reg: str
    sp_reg: str
    lr_reg: str | None                      # register receiving the return address (AArch64 x30)
    callee_saved_int: tuple[str, ...]
    callee_saved_float: tuple[str, ...]
    float_save_size: int                    # bytes a callee-saved float register occupies when saved
    call_pushes_return_address: bool
    pointer_size: int = 8
    stack_align: int = 16
    frame_record_size: int = 16             # saved FP + return address

    def save_size(self, reg: str) -> int:
        """Bytes `reg` occupies in the callee-saved (clobber) area."""
        if reg in self.callee_saved_int:
            return self.pointer_size
        if reg in self.callee_saved_float:
            return self.float_save_size
        raise TargetError(f"{reg!r} is not a callee-saved register of {self.name}")

    def __str__(self) -> str:
        return self.name


_X86_CALLEE_SAVED_SYSV = ("rbx", "r12", "r13", "r14", "r15")
_X86_CALLEE_SAVED_WIN = ("rbx", "rsi", "rdi", "r12", "r13", "r14", "r15")

TARGETS: dict[str, Target] = {
    X86_64_SYSV: Target(
        name=X86_64_SYSV, arch="x86_64",
        int_arg_regs=("rdi", "rsi", "rdx", "rcx", "r8", "r9"),
        float_arg_regs=tuple(f"xmm{i}" for i in range(8)),
        positional_args=False, shadow_space=0,
        system_int_ret_regs=("rax", "rdx"), system_float_ret_regs=("xmm0", "xmm1"),
        wasm_int_ret_regs=("rax", "rdx"), wasm_float_ret_regs=("xmm0", "xmm1"),
        indirect_result_reg=None,
        fp_reg="rbp", sp_reg="rsp", lr_reg=None,
        callee_saved_int=_X86_CALLEE_SAVED_SYSV, callee_saved_float=(), float_save_size=16,
        call_pushes_return_address=True),
    X86_64_WINDOWS: Target(
        name=X86_64_WINDOWS, arch="x86_64",
        int_arg_regs=("rcx", "rdx", "r8", "r9"),
        float_arg_regs=("xmm0", "xmm1", "xmm2", "xmm3"),
        positional_args=True, shadow_space=32,
        system_int_ret_regs=("rax",), system_float_ret_regs=("xmm0",),
        wasm_int_ret_regs=("rax", "rdx"), wasm_float_ret_regs=("xmm0", "xmm1"),
        indirect_result_reg=None,
        fp_reg="rbp", sp_reg="rsp", lr_reg=None,
        callee_saved_int=_X86_CALLEE_SAVED_WIN,
        callee_saved_float=tuple(f"xmm{i}" for i in range(6, 16)), float_save_size=16,
        call_pushes_return_address=True),
    AARCH64: Target(
        name=AARCH64, arch="aarch64",
        int_arg_regs=tuple(f"x{i}" for i in range(8)),
        float_arg_regs=tuple(f"v{i}" for i in range(8)),
        positional_args=False, shadow_space=0,
        system_int_ret_regs=tuple(f"x{i}" for i in range(8)),
        system_float_ret_regs=tuple(f"v{i}" for i in range(8)),
        wasm_int_ret_regs=tuple(f"x{i}" for i in range(8)),
        wasm_float_ret_regs=tuple(f"v{i}" for i in range(8)),
        indirect_result_reg="x8",
        fp_reg="x29", sp_reg="sp", lr_reg="x30",
        callee_saved_int=tuple(f"x{i}" for i in range(19, 29)),
        callee_saved_float=tuple(f"d{i}" for i in range(8, 16)), float_save_size=8,
        call_pushes_return_address=False),
}


def get_target(target: Target | str) -> Target:
    """The Target named `target` (or `target` itself)."""
    if isinstance(target, Target):
        return target
    try:
        return TARGETS[target]
    except KeyError:
        raise TargetError(f"unknown target {target!r} (known: {', '.join(TARGETS)})") from None


def check_convention(convention: str) -> str:
    if convention not in CONVENTIONS:
        raise TargetError(f"unknown calling convention {convention!r} (known: {', '.join(CONVENTIONS)})")
    return convention
