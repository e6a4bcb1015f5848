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

from functools import partial
from typing import Callable

from ..errors import Trap
from ..target import FrameLayout, assign
from ..types import FuncType
from .caller import Caller
from .exceptions import host_throws_into_wasm
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
        lines.append("    return host_results(out, ftype)")
    else:
        lines.append("    return host_results(out, ftype)")
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
            entry = _system_exit(state, func.type, host_throws_into_wasm(state, func.host))
        else:
            entry = _wasm_thunk(state, func)
        state.system_entries[func] = entry
    return entry


def _system_exit(state, ftype: FuncType, host):
    """The exit trampoline of `host` under the system convention, generated per signature
    (as StoreState.exit_trampoline is for the wasm convention): register arguments are its
    parameters, stack arguments are read at FrameLayout's offsets, each value is converted
    once, no argument list is built."""
    sabi = assign(ftype, state.target, "system")
    name = getattr(host, "__name__", "host")
    layout = FrameLayout.build(state.target, "system", sabi, name=name)
    limit = layout.fp_from_sp(state.stack.limit)
    params = ftype.params
    reg_params = [p for p, loc in enumerate(sabi.params) if loc.reg is not None]
    stack_params = [(p, layout.incoming_arg_offset(p)) for p, loc in enumerate(sabi.params) if loc.reg is None]
    lines = [f"def exit_system({', '.join(['fp'] + [f'a{p}' for p in reg_params])}):",
             f"    if fp < {limit}: raise Trap('call stack exhausted')"]
    if stack_params:
        lines.append(f"    w = (fp - {state.stack.low}) >> 3")
    for p, off in stack_params:
        lines.append(f"    a{p} = words[w + {off >> 3}]")
    args = []
    for p, t in enumerate(params):
        if t == "i32":
            lines.append(f"    a{p} = a{p} - ((a{p} & 0x80000000) << 1)")
        elif t == "i64":
            lines.append(f"    a{p} = a{p} - ((a{p} & 0x8000000000000000) << 1)")
        elif t not in ("f32", "f64"):
            lines.append(f"    a{p} = to_host(a{p}, params[{p}])")
        args.append(f"a{p}")
    lines += [
        "    exits.append(fp)",
        "    exit_layouts.append(layout)",
        "    saved_sp = state.sp",
        "    state.sp = sp_from_fp(fp)",
        "    try:",
        f"        out = host({', '.join(args)})",
        "    finally:",
        "        state.sp = saved_sp",
        "        exits.pop()",
        "        exit_layouts.pop()",
    ]
    results = ftype.results
    if len(results) == 1 and results[0] in ("i32", "i64"):
        mask = "0xFFFFFFFF" if results[0] == "i32" else "0xFFFFFFFFFFFFFFFF"
        lines.append(f"    if out.__class__ is int: return out & {mask}")
    lines.append("    return host_results(out, ftype)")
    ns = {"Trap": Trap, "words": state.words, "exits": state.exits, "exit_layouts": state.exit_layouts,
          "layout": layout, "state": state, "sp_from_fp": layout.sp_from_fp, "host": host,
          "host_results": host_results, "ftype": ftype, "params": params, "to_host": to_host}
    exec(compile("\n".join(lines) + "\n", f"<heron system exit {name}>", "exec"), ns)
    exit_system = ns["exit_system"]
    exit_system.__name__ = f"exit_{name}"
    return exit_system


def _wasm_thunk(state, func):
    target = state.target
    ftype = func.type
    sabi = assign(ftype, target, "system")
    wabi = assign(ftype, target, "wasm")
    own = FrameLayout.build(target, "system", sabi, name="<import thunk>")
    # the caller's frame as far as the thunk needs it: its import call sites reserve the
    # outgoing area for this call under both conventions (compile/calls.py)
    caller = FrameLayout.build(target, "system", _EMPTY, calls=(sabi, wabi), name="<import thunk caller>")
    low = state.stack.low
    words = state.words
    sys_regs = [p for p, loc in enumerate(sabi.params) if loc.reg is not None]
    sys_stack = [p for p, loc in enumerate(sabi.params) if loc.reg is None]
    w_regs = [p for p, loc in enumerate(wabi.params) if loc.reg is not None]
    w_stack = [p for p, loc in enumerate(wabi.params) if loc.reg is None]
    nparams = len(ftype.params)

    def thunk(fp, *regs):
        vals = [None] * nparams
        for p, v in zip(sys_regs, regs):
            vals[p] = v
        for p in sys_stack:
            vals[p] = words[(own.incoming_arg_address(fp, p) - low) >> 3]
        saved_fp = words[(own.saved_fp_address(fp) - low) >> 3]
        ret = words[(own.return_address_address(fp) - low) >> 3]
        # the Wasm callee is called from the SP this thunk was called with (its caller's SP)
        sp = own.call_sp_from_fp(fp)
        callee_fp = caller.fp_from_call_sp(caller.call_sp(sp, wabi))
        if callee_fp < state.stack.limit:
            raise Trap("call stack exhausted")
        for p in w_stack:
            words[(caller.outgoing_arg_address(sp, wabi, p) - low) >> 3] = vals[p]
        words[(caller.saved_fp_address(callee_fp) - low) >> 3] = saved_fp
        words[(caller.return_address_address(callee_fp) - low) >> 3] = ret
        r = func.code(callee_fp, *[vals[p] for p in w_regs])
        while r.__class__ is TailCall:
            r = r.f()
        return r

    thunk.__name__ = f"import_{func.name}"
    return thunk


def boundary_namespace(state, inst, n_imported: int) -> dict:
    """`X<i>`: the system-convention entry of every imported function. An access_caller host
    function is bound to this instance here -- its entry passes a Caller for `inst` -- and so
    is `F<i>`, its wasm-convention entry, which a `return_call` of the import uses."""
    ns = {}
    for i in range(n_imported):
        func = inst.funcs[i]
        if func.host is not None and func.access_caller:
            host = host_throws_into_wasm(state, partial(func.host, Caller(state, inst)))
            ns[f"X{i}"] = _system_exit(state, func.type, host)
            ns[f"F{i}"] = _lazy_exit_trampoline(state, func.type, host)
        else:
            ns[f"X{i}"] = system_entry(state, func)
    return ns


def _lazy_exit_trampoline(state, ftype: FuncType, host):
    """The wasm-convention exit trampoline of `host`, generated on its first call (only a tail
    call of the import needs it)."""
    made = []

    def tail_entry(fp, *regs):
        if not made:
            made.append(wasm_exit(state, ftype, host))
        return made[0](fp, *regs)

    return tail_entry


__all__ = ["wasm_exit", "system_entry", "boundary_namespace"]
