"""Hand-computed argument/result assignments for every target and both conventions."""
import pytest

from heron.target import (AARCH64, SYSTEM, WASM, X86_64_SYSV, X86_64_WINDOWS, TargetError, assign,
                          get_target)
from heron.types import EXNREF, EXTERNREF, F32, F64, FUNCREF, I32, I64, V128, FuncType


def where(a):
    return [str(loc) for loc in a.params]


# ---------------------------------------------------------------- x86_64-sysv
@pytest.mark.parametrize("n, stack_offsets, size", [
    (4, [], 0),
    (5, [0], 16),           # one 8-byte slot + 8 bytes padding
    (6, [0, 8], 16),
    (7, [0, 8, 16], 32),    # 24 -> padded to 32
])
def test_sysv_wasm_i32_overflow(n, stack_offsets, size):
    a = assign([I32] * n, X86_64_SYSV, WASM)
    assert a.vmctx_regs == ("rdi", "rsi")
    assert where(a)[:4] == ["rdx", "rcx", "r8", "r9"][:n]
    assert [a.params[i].offset for i in a.stack_param_indices()] == stack_offsets
    assert a.stack_args_size == size
    assert a.stack_area_size == size and a.shadow_size == 0
    assert a.callee_pops


def test_sysv_wasm_refs_are_int_class():
    a = assign([FUNCREF, F64, EXTERNREF, EXNREF, I64, I32], X86_64_SYSV, WASM)
    assert where(a) == ["rdx", "xmm0", "rcx", "r8", "r9", "stack+0"]
    assert a.stack_args_size == 16


def test_sysv_floats_overflow_xmm0_7():
    a = assign([F64] * 10 + [I32], X86_64_SYSV, WASM)
    assert where(a) == [f"xmm{i}" for i in range(8)] + ["stack+0", "stack+8", "rdx"]
    assert a.stack_args_size == 16


def test_sysv_v128_stack_args_are_16_aligned():
    a = assign([I32] * 5 + [V128] * 9 + [I64], X86_64_SYSV, WASM)
    # i32 #5 -> stack+0 (8 bytes), 8 v128 in xmm0-7, v128 #9 -> stack+16 (aligned), i64 -> stack+32
    assert where(a)[4] == "stack+0"
    assert where(a)[5:13] == [f"xmm{i}" for i in range(8)]
    assert a.params[13].offset == 16 and a.params[13].size == 16
    assert a.params[14].offset == 32
    assert a.stack_args_size == 48   # 40 -> 48


def test_sysv_system_uses_all_six_int_regs():
    a = assign([I64] * 8, X86_64_SYSV, SYSTEM)
    assert a.vmctx_regs == ()
    assert where(a) == ["rdi", "rsi", "rdx", "rcx", "r8", "r9", "stack+0", "stack+8"]
    assert a.stack_args_size == 16 and not a.callee_pops


# ---------------------------------------------------------------- x86_64-windows
MIXED = [I32, F64, I64, F32, I32, I64, F64]


def test_windows_wasm_is_per_class_not_positional():
    a = assign(MIXED, X86_64_WINDOWS, WASM)
    assert a.vmctx_regs == ("rcx", "rdx")
    # ints after the vmctx pair: r8 r9; floats: xmm0-3 in order (not xmm1/xmm3 by position)
    assert where(a) == ["r8", "xmm0", "r9", "xmm1", "stack+0", "stack+8", "xmm2"]
    assert a.shadow_size == 0 and a.stack_args_size == 16 and a.stack_area_size == 16


def test_windows_system_is_positional_with_shadow_space():
    a = assign(MIXED, X86_64_WINDOWS, SYSTEM)
    assert where(a) == ["rcx", "xmm1", "r8", "xmm3", "stack+0", "stack+8", "stack+16"]
    assert a.shadow_size == 32
    assert a.stack_args_size == 32          # 24 -> 32
    assert a.stack_area_size == 64
    assert not a.callee_pops


def test_windows_system_float_first_position():
    a = assign([F32, I32, F64, I64, F32], X86_64_WINDOWS, SYSTEM)
    assert where(a) == ["xmm0", "rdx", "xmm2", "r9", "stack+0"]
    assert a.stack_args_size == 16


# ---------------------------------------------------------------- aarch64
def test_aarch64_wasm_nine_i64():
    a = assign([I64] * 9, AARCH64, WASM)
    assert a.vmctx_regs == ("x0", "x1")
    assert where(a) == ["x2", "x3", "x4", "x5", "x6", "x7", "stack+0", "stack+8", "stack+16"]
    assert a.stack_args_size == 32           # 24 -> 32


def test_aarch64_floats_overflow_v0_7():
    a = assign([F32] * 9 + [V128], AARCH64, WASM)
    assert where(a) == [f"v{i}" for i in range(8)] + ["stack+0", "stack+16"]
    assert a.stack_args_size == 32


def test_aarch64_system_nine_i64():
    a = assign([I64] * 9, AARCH64, SYSTEM)
    assert where(a) == [f"x{i}" for i in range(8)] + ["stack+0"]
    assert a.stack_args_size == 16 and a.shadow_size == 0


# ---------------------------------------------------------------- results
def test_sysv_wasm_multi_value_results_and_return_area():
    sig = FuncType((I32,) * 4, (I32, I64, I64, F32, F64, F64, V128))
    a = assign(sig, X86_64_SYSV, WASM)
    res = [loc.reg if loc.in_reg else loc.offset for loc in a.results]
    assert res == ["rax", "rdx", 0, "xmm0", "xmm1", 8, 16]
    assert a.ret_area_size == 32
    assert [a.result_offset(i) for i in (2, 5, 6)] == [0, 8, 16]
    with pytest.raises(TargetError):
        a.result_offset(0)
    # the hidden return-area pointer takes the first free int argument register
    assert a.ret_area_reg == "rdx"
    assert where(a) == ["rcx", "r8", "r9", "stack+0"]


def test_no_return_area_when_results_fit():
    a = assign(FuncType((I32,), (I32, F64, I64, F32)), X86_64_SYSV, WASM)
    assert a.ret_area_reg is None and a.ret_area_size == 0
    assert [loc.reg for loc in a.results] == ["rax", "xmm0", "rdx", "xmm1"]
    assert where(a) == ["rdx"]


def test_aarch64_results_use_x8_for_return_area():
    a = assign(FuncType((I64,), (I32,) * 9 + (F64,)), AARCH64, WASM)
    assert [loc.reg for loc in a.results[:8]] == [f"x{i}" for i in range(8)]
    assert a.results[8].offset == 0 and a.results[9].reg == "v0"
    assert a.ret_area_reg == "x8" and a.ret_area_size == 16
    assert where(a) == ["x2"]


def test_windows_results():
    wasm = assign(FuncType((I32,), (I64, I64, I64)), X86_64_WINDOWS, WASM)
    assert [str(loc) for loc in wasm.results] == ["rax", "rdx", "stack+0"]
    assert wasm.ret_area_reg == "r8" and where(wasm) == ["r9"]
    system = assign(FuncType((F64,), (I64, I64)), X86_64_WINDOWS, SYSTEM)
    assert system.results[0].reg == "rax" and system.results[1].offset == 0
    # hidden pointer takes position 0 (rcx); the f64 parameter is at position 1 -> xmm1
    assert system.ret_area_reg == "rcx" and where(system) == ["xmm1"]


# ---------------------------------------------------------------- misc
def test_signature_as_list_and_caching():
    a = assign([I32, I64], X86_64_SYSV, WASM)
    assert a.signature == FuncType((I32, I64), ())
    assert assign(FuncType((I32, I64)), "x86_64-sysv", "wasm") is a
    assert "param 1 (i64): rcx" in a.describe()


def test_errors_are_heron_errors():
    with pytest.raises(TargetError):
        get_target("riscv64")
    with pytest.raises(TargetError):
        assign([I32], X86_64_SYSV, "fastcall")
    with pytest.raises(TargetError):
        assign(["i128"], X86_64_SYSV, WASM)


def test_target_imports_only_types_and_errors():
    import pathlib
    import re
    src = pathlib.Path(__file__).resolve().parents[2] / "src" / "heron" / "target"
    for path in src.glob("*.py"):
        for mod in re.findall(r"^\s*(?:from|import)\s+(\S+)", path.read_text(), re.M):
            if mod.startswith("..") or mod.startswith("heron"):
                assert mod.split(".")[-1] in ("types", "errors"), (path.name, mod)
