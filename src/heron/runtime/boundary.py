"""Wasm calling host code: one exit trampoline per host function, and the import thunks
that let one instance call another's Wasm function.

An exit trampoline is what compiled code calls for a host function, generated per
signature and convention as one Python function -- no wrapper frames, no argument lists:

    def exit_fd_write(fp, a0, a1, a2, a3):          # register arguments as parameters
        if fp < LIMIT: raise Trap('call stack exhausted')
        <stack arguments read at FrameLayout's incoming offsets, converted to host values>
        exits.append(fp); exit_layouts.append(layout)      # the exit record
        saved_sp = state.sp; state.sp = <this frame's SP>  # nested activations run below
        <the host's recursion limit (runtime/recursion.py)>
        try:
            out = host([caller,] a0, a1, a2, a3)
        except WasmException as e:                   # thrown into Wasm: search on from here
            throw_from_exit(state, fp, layout, exn_of(e))
        finally:
            <limit, SP and exit record restored>
        <results converted>

Two conventions reach host code (DESIGN.md section 2): a direct `call` of an import uses
the system convention (`system_entry`, bound as `X<i>` in each instance namespace); a
host function reached through a table, a funcref or an export of another instance uses
`Func.code`, the wasm convention (`wasm_exit`). Under either, the caller reserved the
stack-argument area in its frame; every address comes from FrameLayout.

An import that is another instance's Wasm function gets a frameless thunk: it re-passes
the arguments under the wasm convention and enters the callee as if called from the
caller's SP, keeping the caller's frame record -- like a tail jump, so the walker goes
straight from the callee to the caller. The caller's import call sites reserved the area
for both conventions (compile/calls.py).

A host function defined with `access_caller` receives a Caller for the calling instance:
its imports are bound per instance (`boundary_namespace`), so a direct call knows its
caller; `F<i>` (a return_call of the import) is bound per instance too.
"""
from __future__ import annotations

from typing import Callable

from ..errors import Trap, WasmException
from ..target import FrameLayout, assign
from ..types import FuncType
from .caller import Caller
from .exceptions import from_host, throw_from_exit
from .recursion import get_limit, restore_host_limit, set_limit
from .tailcall import TailCall
from .values import host_results, to_host

_EMPTY = FuncType((), ())
# the filename of every exit trampoline's code: runtime/traps.py tells a host function's own
# error from generated code's by this frame lying between them in a traceback
EXIT_FILENAME = "<heron exit trampoline>"


def _thrown_in(state, e: WasmException):
    exn = from_host(e)
    if exn.tag.store is not state:
        raise TypeError("a WasmException thrown into Wasm needs a Tag of the same Store") from None
    return exn


def exit_trampoline(state, ftype: FuncType, host: Callable, convention: str, caller=None) -> Callable:
    """The exit trampoline of `host` (see the module docstring): called by compiled code as
    `code(fp, *register args)` under `convention`."""
    cabi = assign(ftype, state.target, convention)
    name = getattr(host, "__name__", "host")
    layout = FrameLayout.build(state.target, convention, cabi, name=name)
    limit = layout.fp_from_sp(state.stack.limit)
    params = ftype.params
    reg_params = [p for p, loc in enumerate(cabi.params) if loc.reg is not None]
    stack_params = [(p, layout.incoming_arg_offset(p)) for p, loc in enumerate(cabi.params) if loc.reg is None]
    lines = [f"def exit_trampoline({', '.join(['fp'] + [f'a{p}' for p in reg_params])}):",
             f"    if fp < {limit}: raise Trap('call stack exhausted')"]
    if stack_params:
        lines.append(f"    w = (fp - {state.stack.low}) >> 3")
    for p, off in stack_params:
        lines.append(f"    a{p} = words[w + {off >> 3}]")
    for p, t in enumerate(params):
        if t == "i32":
            lines.append(f"    a{p} = a{p} - ((a{p} & 0x80000000) << 1)")
        elif t == "i64":
            lines.append(f"    a{p} = a{p} - ((a{p} & 0x8000000000000000) << 1)")
        elif t not in ("f32", "f64"):
            lines.append(f"    a{p} = to_host(a{p}, params[{p}])")
    args = (["caller"] if caller is not None else []) + [f"a{p}" for p in range(len(params))]
    lines += [
        "    exits.append(fp)",
        "    exit_layouts.append(layout)",
        "    saved_sp = state.sp",
        f"    state.sp = fp - {layout.fp_to_sp()}",
        "    wasm_limit = get_limit()",
        "    if len(entries) == 1:",              # the common case: one activation, shallow
        "        try:",
        "            set_limit(state.host_limit)",
        "        except RecursionError:",
        "            restore_host_limit(state.host_limit)",
        "    else:",
        "        restore_host_limit(state.host_limit, True)",
        "    try:",
        f"        out = host({', '.join(args)})",
        "    except WasmException as e:",
        "        set_limit(wasm_limit)",
        "        throw_from_exit(state, fp, layout, thrown_in(state, e))",
        "    finally:",
        "        set_limit(wasm_limit)",
        "        state.sp = saved_sp",
        "        exits.pop()",
        "        exit_layouts.pop()",
    ]
    results = ftype.results
    if not results:
        lines.append("    return None")
    else:
        if len(results) == 1 and results[0] in ("i32", "i64"):
            mask = "0xFFFFFFFF" if results[0] == "i32" else "0xFFFFFFFFFFFFFFFF"
            lines.append(f"    if out.__class__ is int: return out & {mask}")
        lines.append("    return host_results(out, ftype, state)")
    ns = {"Trap": Trap, "WasmException": WasmException, "words": state.words, "exits": state.exits,
          "exit_layouts": state.exit_layouts, "entries": state.entries, "layout": layout, "state": state,
          "host": host, "caller": caller, "host_results": host_results, "ftype": ftype, "params": params,
          "to_host": to_host, "get_limit": get_limit, "set_limit": set_limit,
          "restore_host_limit": restore_host_limit, "throw_from_exit": throw_from_exit, "thrown_in": _thrown_in}
    exec(compile("\n".join(lines) + "\n", EXIT_FILENAME, "exec"), ns)
    trampoline = ns["exit_trampoline"]
    trampoline.__name__ = trampoline.__qualname__ = f"exit_{name}"
    return trampoline


def wasm_exit(state, ftype: FuncType, host: Callable) -> Callable:
    """A host function's `Func.code`: its exit trampoline under the wasm convention."""
    return exit_trampoline(state, ftype, host, "wasm")


def system_entry(state, func):
    """The system-convention entry of `func` for calls from compiled code of this store."""
    entry = state.system_entries.get(func)
    if entry is None:
        if func.host is not None:
            entry = exit_trampoline(state, func.ftype, func.host, "system")
        else:
            entry = _wasm_thunk(state, func)
        state.system_entries[func] = entry
    return entry


def _wasm_thunk(state, func):
    target = state.target
    ftype = func.ftype
    sabi = assign(ftype, target, "system")
    wabi = assign(ftype, target, "wasm")
    own = FrameLayout.build(target, "system", sabi, name="<import thunk>")
    # the caller's frame as far as the thunk needs it: its import call sites reserve the
    # outgoing area for this call under both conventions (compile/calls.py)
    caller = FrameLayout.build(target, "system", _EMPTY, calls=(sabi, wabi), name="<import thunk caller>")
    low = state.stack.low
    sys_regs = [p for p, loc in enumerate(sabi.params) if loc.reg is not None]
    sys_stack = [p for p, loc in enumerate(sabi.params) if loc.reg is None]
    w_regs = [p for p, loc in enumerate(wabi.params) if loc.reg is not None]
    w_stack = [p for p, loc in enumerate(wabi.params) if loc.reg is None]
    # generated per signature: the callee is called positionally, a call CPython makes
    # without growing the C stack, so a recursion across instances ends in the stack
    # check's trap at any depth (runtime/recursion.py). Every displacement is FrameLayout's
    # answer for frames at address 0.
    sp0 = own.call_sp_from_fp(0)
    callee_fp0 = caller.fp_from_call_sp(caller.call_sp(sp0, wabi))
    lines = [f"def thunk({', '.join(['fp'] + [f'a{p}' for p in sys_regs])}):",
             f"    w = (fp - {low}) >> 3"]
    for p in sys_stack:
        lines.append(f"    a{p} = words[w + {own.incoming_arg_offset(p) >> 3}]")
    lines += [
        f"    saved_fp = words[w + {own.saved_fp_address(0) >> 3}]",
        f"    ret = words[w + {own.return_address_address(0) >> 3}]",
        # the Wasm callee is called from the SP this thunk was called with (its caller's SP)
        f"    callee_fp = fp + {callee_fp0}",
        f"    if callee_fp < {state.stack.limit}: raise Trap('call stack exhausted')",
    ]
    for p in w_stack:
        lines.append(f"    words[w + {caller.outgoing_arg_address(sp0, wabi, p) >> 3}] = a{p}")
        if wabi.params[p].size == 16:     # a v128: the value, then None (target/stack.py)
            lines.append(f"    words[w + {(caller.outgoing_arg_address(sp0, wabi, p) >> 3) + 1}] = None")
    lines += [
        f"    words[w + {caller.saved_fp_address(callee_fp0) >> 3}] = saved_fp",
        f"    words[w + {caller.return_address_address(callee_fp0) >> 3}] = ret",
        f"    r = func.code({', '.join(['callee_fp'] + [f'a{p}' for p in w_regs])})",
        "    while r.__class__ is TailCall: r = r.f()",
        "    return r",
    ]
    ns = {"words": state.words, "func": func, "Trap": Trap, "TailCall": TailCall}
    exec(compile("\n".join(lines) + "\n", "<heron import thunk>", "exec"), ns)
    thunk = ns["thunk"]
    thunk.__name__ = f"import_{func.name}"
    return thunk


def boundary_namespace(state, inst, n_imported: int) -> dict:
    """`X<i>`: the system-convention entry of every imported function. An access_caller host
    function is bound to this instance here -- its trampoline passes a Caller for `inst` --
    and so is `F<i>`, its wasm-convention entry, which a `return_call` of the import uses."""
    ns = {}
    for i in range(n_imported):
        func = inst.funcs[i]
        if func.host is not None and func.access_caller:
            caller = Caller(state, inst)
            ns[f"X{i}"] = exit_trampoline(state, func.ftype, func.host, "system", caller)
            ns[f"F{i}"] = _lazy_exit(state, func.ftype, func.host, caller)
        else:
            ns[f"X{i}"] = system_entry(state, func)
    return ns


def _lazy_exit(state, ftype: FuncType, host: Callable, caller: Caller) -> Callable:
    """The wasm-convention exit trampoline of an access_caller import, made on its first call
    (only a tail call of the import needs it)."""
    made: list = []

    def tail_entry(fp, *regs):
        if not made:
            made.append(exit_trampoline(state, ftype, host, "wasm", caller))
        return made[0](fp, *regs)

    return tail_entry


__all__ = ["exit_trampoline", "wasm_exit", "system_entry", "boundary_namespace", "EXIT_FILENAME"]
