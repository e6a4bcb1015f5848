"""Wasm calling host code: the exit trampolines, and calls to imported functions under the
system convention (caller pops).

`wasm_exit(state, ftype, host)` is a host function's `Func.code`: what compiled code
reaches through a table, a funcref or another instance's export, under the wasm
convention; it reads its stack arguments, pushes the exit record and calls the host.

Compiled code calls an imported function the way native code calls into a runtime
trampoline: with the target's system convention. The caller's frame preallocates the
outgoing area (shadow space + stack arguments, FrameLayout's `calls`) at its bottom and
writes the stack arguments there; nothing is pushed at the call. So a frame that calls
a host function has a non-empty outgoing area below its fixed storage -- the situation
in which a walker that forgets the outgoing area reads the wrong dynamic-context word.

`system_entry(state, func)` is what such a call site calls, `X<i>(fp, *register args)`:

* a host function: an exit trampoline laid out by the system convention (it reads its
  stack arguments from the caller's outgoing area and pushes the exit record);
* a Wasm function of another instance: a frameless thunk that re-passes the arguments
  under the wasm convention and enters the callee as if called from the caller's SP,
  keeping the caller's frame record (saved FP, return address) -- like a tail jump, so
  the walker goes straight from the callee to the caller.

Every address comes from FrameLayout.
"""
from __future__ import annotations

from typing import Callable

from ..errors import Trap
from ..target import FrameLayout, assign
from ..types import FuncType
from .hostcall import guard_host
from .tailcall import TailCall
from .values import host_results, to_host, to_internal

_EMPTY = FuncType((), ())


def wasm_exit(state, ftype: FuncType, host) -> Callable:
    """The code Wasm calls for host function `host`: reads stack args, records the exit."""
    cabi = assign(ftype, state.target, "wasm")
    layout = FrameLayout.build(state.target, "wasm", cabi, name=getattr(host, "__name__", "host"))
    low = state.stack.low
    words = state.words
    limit = layout.fp_from_sp(state.stack.limit)
    stack_params = [(p, layout.incoming_arg_offset(p)) for p, loc in enumerate(cabi.params) if loc.reg is None]
    order = [("r", p) for p, loc in enumerate(cabi.params) if loc.reg is not None]
    params = ftype.params
    results = ftype.results
    reg_params = [p for p, loc in enumerate(cabi.params) if loc.reg is not None]
    # generated per signature: no argument lists built, one conversion per value
    lines = [f"def exit_to_host({', '.join(['fp'] + [f'a{p}' for p in reg_params])}):",
             f"    if fp < {limit}: raise Trap('call stack exhausted')"]
    if stack_params:
        lines.append(f"    w = (fp - {low}) >> 3")
    for p, off in stack_params:
        lines.append(f"    a{p} = words[w + {off >> 3}]")
    for p, t in enumerate(params):
        if t == "i32":
            lines.append(f"    a{p} = a{p} - ((a{p} & 0x80000000) << 1)")
        elif t == "i64":
            lines.append(f"    a{p} = a{p} - ((a{p} & 0x8000000000000000) << 1)")
    lines += [
        "    exits.append(fp)",
        "    exit_layouts.append(layout)",
        "    saved_sp = state.sp",
        "    state.sp = sp_from_fp(fp)",
        "    try:",
        f"        out = host({', '.join(f'a{p}' for p in range(len(params)))})",
        "    finally:",
        "        state.sp = saved_sp",
        "        exits.pop()",
        "        exit_layouts.pop()",
    ]
    if not results:
        lines.append("    return None")
    elif len(results) == 1 and results[0] in ("i32", "i64"):
        mask = "0xFFFFFFFF" if results[0] == "i32" else "0xFFFFFFFFFFFFFFFF"
        lines.append(f"    if out.__class__ is int: return out & {mask}")
        lines.append("    return host_results(out, ftype, state)")
    else:
        lines.append("    return host_results(out, ftype, state)")
    ns = {"Trap": Trap, "words": words, "exits": state.exits, "exit_layouts": state.exit_layouts,
          "layout": layout, "state": state, "sp_from_fp": layout.sp_from_fp, "host": host,
          "host_results": host_results, "ftype": ftype}
    name = getattr(host, "__name__", "host")
    exec(compile("\n".join(lines) + "\n", f"<heron exit {name}>", "exec"), ns)
    exit_to_host = ns["exit_to_host"]
    return exit_to_host


def system_entry(state, func):
    """The system-convention entry of `func` for calls from compiled code of this store."""
    entry = state.system_entries.get(func)
    if entry is None:
        if func.host is not None:
            entry = _system_exit(state, func.ftype, guard_host(state, func.host))
        else:
            entry = _wasm_thunk(state, func)
        state.system_entries[func] = entry
    return entry


def _system_exit(state, ftype: FuncType, host):
    sabi = assign(ftype, state.target, "system")
    layout = FrameLayout.build(state.target, "system", sabi, name=getattr(host, "__name__", "host"))
    low = state.stack.low
    words = state.words
    limit = layout.fp_from_sp(state.stack.limit)
    reg_params = [p for p, loc in enumerate(sabi.params) if loc.reg is not None]
    stack_params = [p for p, loc in enumerate(sabi.params) if loc.reg is None]
    params = ftype.params
    incoming_arg_address = layout.incoming_arg_address

    def exit_system(fp, *regs):
        if fp < limit:
            raise Trap("call stack exhausted")
        vals = [None] * len(params)
        for p, v in zip(reg_params, regs):
            vals[p] = v
        for p in stack_params:
            vals[p] = words[(incoming_arg_address(fp, p) - low) >> 3]
        state.exits.append(fp)
        state.exit_layouts.append(layout)
        saved_sp = state.sp
        state.sp = layout.sp_from_fp(fp)
        try:
            out = host(*[to_host(v, t) for v, t in zip(vals, params)])
        finally:
            state.sp = saved_sp
            state.exits.pop()
            state.exit_layouts.pop()
        return host_results(out, ftype, state)

    exit_system.__name__ = f"exit_{getattr(host, '__name__', 'host')}"
    return exit_system


def _wasm_thunk(state, func):
    target = state.target
    ftype = func.ftype
    sabi = assign(ftype, target, "system")
    wabi = assign(ftype, target, "wasm")
    own = FrameLayout.build(target, "system", sabi, name="<import thunk>")
    caller = FrameLayout.build(target, "system", _EMPTY, name="<import thunk caller>")
    low = state.stack.low
    words = state.words
    sys_regs = [p for p, loc in enumerate(sabi.params) if loc.reg is not None]
    sys_stack = [p for p, loc in enumerate(sabi.params) if loc.reg is None]
    w_regs = [p for p, loc in enumerate(wabi.params) if loc.reg is not None]
    w_stack = [p for p, loc in enumerate(wabi.params) if loc.reg is None]
    # generated per signature: the callee is called positionally, a call CPython makes
    # without growing the C stack, so a recursion across instances ends in the stack
    # check's trap at any depth (runtime/recursion.py)
    regs = [f"a{p}" for p in sys_regs]
    lines = [f"def thunk({', '.join(['fp'] + regs)}):"]
    for p in sys_stack:
        lines.append(f"    a{p} = words[(own.incoming_arg_address(fp, {p}) - low) >> 3]")
    lines += [
        "    saved_fp = words[(own.saved_fp_address(fp) - low) >> 3]",
        "    ret = words[(own.return_address_address(fp) - low) >> 3]",
        # the Wasm callee is called from the SP this thunk was called with (its caller's SP)
        "    sp = own.call_sp_from_fp(fp)",
        "    callee_fp = caller.fp_from_call_sp(caller.call_sp(sp, wabi))",
        "    if callee_fp < state.stack.limit: raise Trap('call stack exhausted')",
    ]
    for p in w_stack:
        lines.append(f"    words[(caller.outgoing_arg_address(sp, wabi, {p}) - low) >> 3] = a{p}")
    lines += [
        "    words[(caller.saved_fp_address(callee_fp) - low) >> 3] = saved_fp",
        "    words[(caller.return_address_address(callee_fp) - low) >> 3] = ret",
        f"    r = func.code({', '.join(['callee_fp'] + [f'a{p}' for p in w_regs])})",
        "    while r.__class__ is TailCall: r = r.f()",
        "    return r",
    ]
    ns = {"words": words, "own": own, "caller": caller, "low": low, "state": state, "wabi": wabi,
          "func": func, "Trap": Trap, "TailCall": TailCall}
    exec(compile("\n".join(lines) + "\n", "<heron import thunk>", "exec"), ns)
    thunk = ns["thunk"]
    thunk.__name__ = f"import_{func.name}"
    return thunk


def boundary_namespace(state, inst, n_imported: int) -> dict:
    """`X<i>`: the system-convention entry of every imported function."""
    return {f"X{i}": system_entry(state, inst.funcs[i]) for i in range(n_imported)}


__all__ = ["wasm_exit", "system_entry", "boundary_namespace"]
