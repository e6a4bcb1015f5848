"""StackMemory: typed word access, the raw inline primitive, exhaustion traps."""
import pytest

from heron.errors import Trap
from heron.target import SYSTEM, STACK_EXHAUSTED, FrameLayout, StackMemory, TargetError, X86_64_SYSV, WASM, assign
from heron.types import I32


def test_geometry():
    s = StackMemory(size=64 * 1024, base=0x1_0000_0000, red_zone=4096)
    assert s.low == 0x1_0000_0000 - 64 * 1024 and s.limit == s.low + 4096
    assert s.initial_sp == s.base and len(s.words) == 8192
    assert s.contains(s.low) and not s.contains(s.base)


def test_typed_read_write():
    s = StackMemory(size=4096, red_zone=0)
    a = s.base - 64
    s.write_u64(a, -1)
    assert s.read_u64(a) == 0xFFFF_FFFF_FFFF_FFFF
    s.write_i32(a + 8, 0x1_2345_6789)
    assert s.read_i32(a + 8) == 0x2345_6789
    s.write_i64(a + 16, 1 << 63)
    assert s.read_i64(a + 16) == 1 << 63
    s.write_f64(a + 24, 1.5)
    assert s.read_f64(a + 24) == 1.5
    s.write_f32(a + 32, 0x7FC0_0001)            # runtime's bit-pattern representation passes through
    assert s.read_f32(a + 32) == 0x7FC0_0001
    ref = object()
    s.write(a + 40, ref)
    assert s.read(a + 40) is ref
    s.write_v128(a + 48, 1 << 100)
    assert s.read_v128(a + 48) == 1 << 100
    assert s.read(a + 56) is None


def test_raw_word_primitive_matches_methods():
    s = StackMemory(size=4096, red_zone=0)
    words, low = s.words, s.low
    a = s.base - 8
    words[(a - low) >> 3] = 42
    assert s.read_u64(a) == 42
    s.write_u64(a - 8, 7)
    assert words[(a - 8 - low) >> 3] == 7
    s.clear()
    assert s.words is words and words[(a - low) >> 3] == 0


def test_misaligned_and_out_of_range():
    s = StackMemory(size=4096, red_zone=0)
    with pytest.raises(TargetError):
        s.read_u64(s.base - 12)
    with pytest.raises(TargetError):
        s.write_v128(s.base - 24, 0)
    with pytest.raises(TargetError):
        s.read_u64(s.base)
    with pytest.raises(Trap) as e:
        s.write_u64(s.low - 8, 1)
    assert e.value.code == STACK_EXHAUSTED


def test_overflow_trap():
    s = StackMemory(size=64 * 1024, red_zone=16 * 1024)
    assert s.check_sp(s.limit) == s.limit
    with pytest.raises(Trap) as e:
        s.check_sp(s.limit - 16)
    assert e.value.code == "call stack exhausted"


def test_recursion_through_frames_exhausts_stack():
    """Push real frames (args, return address, saved FP) until the prologue check traps."""
    s = StackMemory(size=64 * 1024, red_zone=1024)
    abi = assign([I32] * 6, X86_64_SYSV, WASM)
    f = FrameLayout.build(X86_64_SYSV, WASM, abi, 4, calls=[abi])   # it calls itself
    entry = FrameLayout.build(X86_64_SYSV, SYSTEM, [], calls=[abi])   # the host's entry frame
    sp, fp, depth = entry.sp_from_fp(entry.fp_from_call_sp(s.initial_sp)), 0, 0
    with pytest.raises(Trap):
        while True:
            for i in abi.stack_param_indices():
                s.write_u64(f.outgoing_arg_address(sp, abi, i), depth)
            call_sp = f.call_sp(sp, abi)
            new_fp = f.fp_from_call_sp(call_sp)
            s.write_u64(f.return_address_address(new_fp), 0x1000 + depth)
            s.write_u64(f.saved_fp_address(new_fp), fp)
            fp, sp = new_fp, s.check_sp(f.sp_from_fp(new_fp))
            depth += 1
    # each level: 16 frame record + 32 bytes of slots + 16 bytes of outgoing stack args
    assert depth == (64 * 1024 - 1024 - 32) // 64
    # walk the frame chain back: the caller's SP is right above the callee's frame record, and
    # the callee's stack arguments are at the bottom of the caller's outgoing area
    assert s.read_u64(f.incoming_arg_address(fp, 5)) == depth - 1
    caller_fp = s.read_u64(f.saved_fp_address(fp))
    assert f.call_sp_from_fp(fp) == f.sp_from_fp(caller_fp) == f.walker_sp(caller_fp, fp)
