"""FrameLayout addresses computed by hand, call-protocol round trips, and the walker faults."""
import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heron.errors import HeronError
from heron.target import (AARCH64, FAULT_CALLER_SP, FAULT_DYNCTX, FAULT_ENV, SYSTEM, TARGETS, WASM,
                          X86_64_SYSV, X86_64_WINDOWS, FrameLayout, LayoutError, active_fault, assign,
                          reset_fault_cache)
from heron.types import EXTERNREF, F32, F64, I32, I64, V128

FP = 0x7FFF_0000_1000


@pytest.fixture(autouse=True)
def no_fault(monkeypatch):
    monkeypatch.delenv(FAULT_ENV, raising=False)
    reset_fault_cache()
    yield
    reset_fault_cache()


def sysv_frame():
    # 7 i32 params: 3 on the stack -> 32-byte incoming area; one caller-pops call with 2 stack args
    return FrameLayout.build(X86_64_SYSV, WASM, [I32] * 7, [I64, V128, I32], has_dynamic_context=True,
                             calls=[assign([I64] * 8, X86_64_SYSV, SYSTEM)],
                             clobbers=["rbx", "r12", "r13"], name="f")


def test_sysv_sizes():
    f = sysv_frame()
    assert f.incoming_args_size == 32
    assert f.clobber_size == 32                 # 3 x 8 = 24 -> 32
    assert f.slot_offsets == (8, 16, 32)        # dynctx at 0, v128 16-aligned
    assert f.fixed_frame_storage_size == 48     # 40 -> 48
    assert f.outgoing_args_size == 16
    assert f.fp_to_sp() == 96
    assert f.frame_size() == 112


def test_sysv_addresses_by_hand():
    f = sysv_frame()
    sp = FP - 96
    assert f.sp_from_fp(FP) == sp and f.fp_from_sp(sp) == FP
    assert f.saved_fp_address(FP) == FP
    assert f.return_address_address(FP) == FP + 8
    assert [f.incoming_arg_address(FP, i) for i in (4, 5, 6)] == [FP + 16, FP + 24, FP + 32]
    assert f.caller_sp(FP) == FP + 48
    assert f.incoming_area(FP) == (FP + 16, FP + 48)
    assert [f.clobber_address(FP, r) for r in ("rbx", "r12", "r13")] == [FP - 8, FP - 16, FP - 24]
    assert [f.slot_address(sp, i) for i in range(3)] == [FP - 72, FP - 64, FP - 48]
    assert [f.slot_address_from_fp(FP, i) for i in range(3)] == [FP - 72, FP - 64, FP - 48]
    assert f.dynamic_context_address(FP) == FP - 80
    assert f.dynamic_context_offset() == 16
    # caller-pops (system) callee: arguments in this frame's outgoing area
    sysc = assign([I64] * 8, X86_64_SYSV, SYSTEM)
    assert f.outgoing_arg_address(sp, sysc, 6) == sp
    assert f.outgoing_arg_address(sp, sysc, 7) == sp + 8
    assert f.call_sp(sp, sysc) == sp
    # a wasm callee needs a 32-byte area: more than this frame reserved
    wc = assign([I32] * 7, X86_64_SYSV, WASM)
    with pytest.raises(LayoutError):
        f.outgoing_arg_address(sp, wc, 4)
    with pytest.raises(LayoutError):
        f.incoming_arg_address(FP, 0)       # in rdx


def test_wasm_calls_reserve_their_area_in_the_caller():
    """Cranelift's layout: the caller reserves the largest outgoing area of its call sites for
    both conventions; a wasm callee's arguments go at the bottom of it and SP does not move."""
    wc = assign([I32] * 7, X86_64_SYSV, WASM)                 # 3 stack slots -> 32 bytes
    sysc = assign([I64] * 8, X86_64_SYSV, SYSTEM)             # 2 stack slots -> 16 bytes
    f = FrameLayout.build(X86_64_SYSV, WASM, [], calls=[wc, sysc])
    assert f.outgoing_args_size == 32
    sp = f.sp_from_fp(FP)
    assert f.call_sp(sp, wc) == sp
    assert [f.outgoing_arg_address(sp, wc, i) for i in (4, 5, 6)] == [sp, sp + 8, sp + 16]
    callee = FrameLayout.build(X86_64_SYSV, WASM, wc)
    callee_fp = callee.fp_from_call_sp(f.call_sp(sp, wc))
    assert callee_fp == sp - 16
    assert callee.incoming_arg_address(callee_fp, 4) == sp
    # the callee pops its area: its return leaves SP 32 bytes up, the caller re-reserves
    assert callee.caller_sp(callee_fp) == sp + 32


def test_areas_are_contiguous_and_ordered():
    f = sysv_frame()
    assert f.areas() == [("incoming stack args (callee-owned)", 16, 32), ("return address", 8, 8),
                         ("saved FP", 0, 8), ("callee-saved registers", -32, 32),
                         ("fixed storage", -80, 48), ("outgoing stack args", -96, 16)]
    text = str(f)
    for needle in ("frame of f", "dynamic-context slot: SP+16 (FP-80)", "param 6 (i32): FP+32",
                   "param 0 (i32): rdx", "callee vmctx in rdi", "outgoing stack args"):
        assert needle in text


def test_frozen():
    f = sysv_frame()
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.outgoing_args_size = 0


def test_windows_system_frame_with_shadow_space():
    f = FrameLayout.build(X86_64_WINDOWS, SYSTEM, [I32, F64, I64, F32, I32, I64], 2)
    assert f.shadow_size == 32 and f.incoming_args_size == 16
    assert f.incoming_arg_address(FP, 4) == FP + 48       # 16 (record) + 32 (shadow) + 0
    assert f.incoming_arg_address(FP, 5) == FP + 56
    assert f.caller_sp(FP) == FP + 16                     # caller owns shadow + args
    assert f.incoming_area(FP) == (FP + 16, FP + 64)
    assert ("shadow space", 16, 32) in f.areas()
    assert f.fp_to_sp() == 16 and f.slot_address(FP - 16, 1) == FP - 8


def test_windows_caller_pops_outgoing_area_includes_shadow():
    callee = assign([I64] * 5, X86_64_WINDOWS, SYSTEM)   # 4 regs + 1 stack slot -> 32 + 16
    f = FrameLayout.build(X86_64_WINDOWS, WASM, [], calls=[callee])
    assert f.outgoing_args_size == 48
    sp = f.sp_from_fp(FP)
    assert f.outgoing_arg_address(sp, callee, 4) == sp + 32
    small = FrameLayout.build(X86_64_WINDOWS, WASM, [])
    with pytest.raises(LayoutError):
        small.outgoing_arg_offset(callee, 4)


def test_windows_wasm_frame_has_no_shadow():
    f = FrameLayout.build(X86_64_WINDOWS, WASM, [I32, F64, I64, F32, I32, I64])
    assert f.shadow_size == 0
    assert f.incoming_arg_address(FP, 4) == FP + 16 and f.incoming_arg_address(FP, 5) == FP + 24
    assert f.caller_sp(FP) == FP + 32


def test_aarch64_frame():
    f = FrameLayout.build(AARCH64, WASM, [I64] * 9, [V128, I32], has_dynamic_context=True,
                          clobbers=["x19", "x20", "d8"])
    assert f.incoming_args_size == 32
    assert f.clobber_offsets == (-8, -16, -24) and f.clobber_size == 32
    assert f.slot_offsets == (16, 32) and f.fixed_frame_storage_size == 48
    assert f.fp_to_sp() == 80
    assert [f.incoming_arg_address(FP, i) for i in (6, 7, 8)] == [FP + 16, FP + 24, FP + 32]
    assert f.caller_sp(FP) == FP + 48
    assert f.return_address_address(FP) == FP + 8     # lr stored above fp by stp
    assert f.dynamic_context_address(FP) == FP - 80
    assert f.slot_address(FP - 80, 0) == FP - 64


def test_windows_xmm_clobbers_are_16_aligned():
    f = FrameLayout.build(X86_64_WINDOWS, WASM, [], clobbers=["rbx", "xmm6", "r12", "xmm7"])
    assert f.clobber_offsets == (-8, -32, -40, -64) and f.clobber_size == 64
    with pytest.raises(HeronError):
        FrameLayout.build(X86_64_SYSV, WASM, [], clobbers=["xmm6"])   # not callee-saved on SysV


def test_tail_call_keeps_caller_sp():
    """#11489 shape: (func) return_calls (func (param i32 x5)) on x86-64."""
    a = FrameLayout.build(X86_64_SYSV, WASM, [], has_dynamic_context=True)
    c_abi = assign([I32] * 5, X86_64_SYSV, WASM)
    c = FrameLayout.build(X86_64_SYSV, WASM, c_abi)
    fp_a = FP
    caller_of_a = a.caller_sp(fp_a)                    # FP + 16
    sp_jump = a.tail_call_sp(fp_a, c_abi)
    assert sp_jump == caller_of_a - 16
    assert a.tail_call_arg_address(fp_a, c_abi, 4) == sp_jump
    fp_c = c.fp_from_call_sp(sp_jump)                  # return address + saved FP
    assert fp_c == sp_jump - 16
    assert c.caller_sp(fp_c) == caller_of_a
    assert c.incoming_arg_address(fp_c, 4) == sp_jump


ALL_TYPES = [I32, I64, F32, F64, V128, EXTERNREF]


@settings(max_examples=150, deadline=None)
@given(target=st.sampled_from(sorted(TARGETS)), callee_conv=st.sampled_from([WASM, SYSTEM]),
       params=st.lists(st.sampled_from(ALL_TYPES), max_size=14),
       caller_params=st.lists(st.sampled_from(ALL_TYPES), max_size=10),
       slots=st.lists(st.sampled_from([8, 16, 24, V128, I32]), max_size=6), dyn=st.booleans())
def test_call_protocol_round_trip(target, callee_conv, params, caller_params, slots, dyn):
    """What a caller writes is what its callee reads; the callee's return leaves SP where the
    callee popped its area to, the caller's SP plus that area (wasm), or the caller's SP (system);
    the walker finds the caller's SP from the caller's own FP."""
    callee_abi = assign(params, target, callee_conv)
    caller = FrameLayout.build(target, WASM, caller_params, slots, has_dynamic_context=dyn, calls=[callee_abi])
    callee = FrameLayout.build(target, callee_conv, callee_abi)
    assert caller.fp_to_sp() % 16 == 0 and callee.fp_to_sp() % 16 == 0
    sp = caller.sp_from_fp(FP)
    assert sp % 16 == 0 and caller.fp_from_sp(sp) == FP
    callee_fp = callee.fp_from_call_sp(caller.call_sp(sp, callee_abi))
    assert callee_fp % 16 == 0 and callee.call_sp_from_fp(callee_fp) == caller.call_sp(sp, callee_abi)
    popped = callee_abi.stack_args_size if callee_conv == WASM else 0
    assert callee.caller_sp(callee_fp) == sp + popped
    assert caller.walker_sp(FP, callee_fp) == sp
    for i in callee_abi.stack_param_indices():
        addr = callee.incoming_arg_address(callee_fp, i)
        assert addr == caller.outgoing_arg_address(sp, callee_abi, i)
        assert addr % callee_abi.params[i].size == 0
        lo, hi = callee.incoming_area(callee_fp)
        assert lo <= addr and addr + callee_abi.params[i].size <= hi
    if dyn:
        assert caller.walker_dynamic_context_address(sp) == caller.dynamic_context_address(FP)
    for i, size in enumerate(caller.slot_sizes):
        addr = caller.slot_address(sp, i)
        assert FP - caller.clobber_size - caller.fixed_frame_storage_size <= addr
        assert addr + size <= FP - caller.clobber_size
        if size >= 16:
            assert addr % 16 == 0


# ---------------------------------------------------------------- faults
def faulty_frame():
    callee = assign([I64] * 6, X86_64_WINDOWS, SYSTEM)
    return FrameLayout.build(X86_64_WINDOWS, WASM, [I32] * 5, [I64], has_dynamic_context=True, calls=[callee])


def test_no_fault_views_agree():
    f = faulty_frame()
    assert active_fault() is None
    sp = f.sp_from_fp(FP)
    # Windows wasm: 5 i32 -> r8 r9 + 3 stack slots (24 -> 32); outgoing: 32 shadow + 2 x 8 = 48
    assert f.incoming_args_size == 32 and f.outgoing_args_size == 48
    assert f.caller_sp(FP) == FP + 16 + 32
    assert f.walker_sp(FP, sp - 16) == sp
    assert f.walker_dynamic_context_address(sp) == f.dynamic_context_address(FP) == sp + 48


def test_fault_caller_sp_ignores_incoming_args(monkeypatch):
    monkeypatch.setenv(FAULT_ENV, FAULT_CALLER_SP)
    reset_fault_cache()
    f = faulty_frame()
    sp = f.sp_from_fp(FP)
    assert active_fault() == FAULT_CALLER_SP
    assert f.caller_sp(FP) == FP + 48                      # codegen view unchanged
    assert f.sp_from_fp(FP) == sp
    # the walker takes this frame's SP from the FP of the frame below it: right when that frame
    # was called from here, 32 bytes off when a tail call gave it a 32-byte bigger area
    assert f.walker_sp(FP, sp - 16) == sp
    assert f.walker_sp(FP, sp - 16 - 32) == sp - 32
    assert f.walker_dynamic_context_address(sp) == f.dynamic_context_address(FP)


def test_fault_dynctx_ignores_outgoing_args(monkeypatch):
    monkeypatch.setenv(FAULT_ENV, FAULT_DYNCTX)
    reset_fault_cache()
    f = faulty_frame()
    sp = f.sp_from_fp(FP)
    assert f.outgoing_args_size == 48
    assert f.dynamic_context_address(FP) == sp + 48        # codegen view unchanged
    assert f.walker_dynamic_context_address(sp) == sp      # walker forgets the outgoing area
    assert f.walker_sp(FP, sp - 48) == sp


def test_fault_read_once_and_validated(monkeypatch):
    monkeypatch.setenv(FAULT_ENV, FAULT_DYNCTX)
    reset_fault_cache()
    assert active_fault() == FAULT_DYNCTX
    monkeypatch.setenv(FAULT_ENV, FAULT_CALLER_SP)
    assert active_fault() == FAULT_DYNCTX                  # cached until reset
    monkeypatch.setenv(FAULT_ENV, "bogus")
    reset_fault_cache()
    with pytest.raises(HeronError):
        active_fault()


def test_frame_without_dynamic_context():
    f = FrameLayout.build(X86_64_SYSV, WASM, [F32, F64])
    with pytest.raises(LayoutError):
        f.dynamic_context_address(FP)
    with pytest.raises(LayoutError):
        f.walker_dynamic_context_address(FP)
    with pytest.raises(LayoutError):
        f.slot_address(FP, 0)


@pytest.mark.parametrize("fault", [None, FAULT_CALLER_SP, FAULT_DYNCTX])
@pytest.mark.parametrize("target", TARGETS)
def test_walker_view_agrees_with_the_walker_methods(monkeypatch, target, fault):
    """The constant displacements the walker adds are the walker_* methods' results."""
    if fault:
        monkeypatch.setenv(FAULT_ENV, fault)
    else:
        monkeypatch.delenv(FAULT_ENV, raising=False)
    reset_fault_cache()
    try:
        L = FrameLayout.build(target, WASM, [I32] * 9 + [F64] * 3, slots=3, has_dynamic_context=True,
                              calls=[assign([I64] * 10, target, SYSTEM)])
        assert L.outgoing_args_size > 0 and L.incoming_args_size > 0
        v = L.walker_view()
        assert v.fault == fault
        for base in (0x7FFF_0000_0000, 0x4000_0010):
            callee_fp = base - 0x100
            sp = base + v.sp_from_fp if v.sp_from_fp is not None else callee_fp + v.sp_from_callee_fp
            assert sp == L.walker_sp(base, callee_fp)
            assert base + v.return_address == L.return_address_address(base)
            assert base + v.saved_fp == L.saved_fp_address(base)
            assert base + v.dynamic_context == L.walker_dynamic_context_address(base)
        if fault is None:
            fp = 0x7FFF_0000_0000
            assert fp + v.sp_from_fp == L.sp_from_fp(fp)
            assert L.sp_from_fp(fp) + v.dynamic_context == L.dynamic_context_address(fp)
        no_slot = FrameLayout.build(target, WASM, [I32])
        assert no_slot.walker_view().dynamic_context is None
    finally:
        monkeypatch.delenv(FAULT_ENV, raising=False)
        reset_fault_cache()
