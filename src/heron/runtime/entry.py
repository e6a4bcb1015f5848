"""Entry trampolines: host code calling a Wasm function.

An entry trampoline converts the arguments, writes the stack arguments and the entry
frame record (saved FP = the innermost exit record, return address = ENTRY_PC, a host
address outside every function) where FrameLayout puts them for a call from the host
frame at the store's current SP, pushes the entry record, runs the tail-call loop,
turns whatever escapes into a Trap with a Wasm backtrace (runtime/traps.py), and
converts the results. Each is generated per signature: no argument lists built, one
conversion per value.
"""
from __future__ import annotations

import sys
import time
from functools import partial
from typing import Callable

from ..errors import ArgumentError, Trap
from ..target import FrameLayout, assign
from ..types import V128, FuncType
from .caller import Caller
from .framestack import LONG_NS, SHORT_NS, with_room
from .recursion import get_limit, restore_host_limit, set_limit
from .tailcall import TailCall
from .traps import escape
from .values import host_results, results_to_host, to_host, to_internal

# Nested host -> Wasm entries: the host frames between them live on the real C stack
# (measured: 2500 round trips take 2-4 MB of it on 3.11). CPython 3.12 also counts them
# against a C-recursion guard of its own (1500 levels, about 3 a round trip), which
# would raise RecursionError in host code before this bound traps.
MAX_ACTIVATIONS = 400 if sys.version_info[:2] == (3, 12) else 2500
ENTRY_PC = 0x10          # return address of the entry trampoline: host code, no function
_EMPTY = FuncType((), ())


def _entry_plan(state, ftype: FuncType) -> tuple:
    """FrameLayout's answers for the entry trampoline's frame, relative to the store's SP:
    the trampoline is called at that SP (its frame record is the host's, not modelled),
    reserves the callee's stack-argument area below its FP and calls with its SP."""
    plan = state.entry_plans.get(ftype)
    if plan is None:
        cabi = assign(ftype, state.target, "wasm")
        L = FrameLayout.build(state.target, "system", _EMPTY, calls=(cabi,), name="<entry trampoline>")
        sp = L.sp_from_fp(L.fp_from_call_sp(0))
        callee_fp = L.fp_from_call_sp(L.call_sp(sp, cabi))
        stack_params = [(p, L.outgoing_arg_address(sp, cabi, p)) for p, loc in enumerate(cabi.params)
                        if loc.reg is None]
        reg_params = [p for p, loc in enumerate(cabi.params) if loc.reg is not None]
        plan = (callee_fp, L.saved_fp_address(callee_fp), L.return_address_address(callee_fp),
                stack_params, reg_params)
        state.entry_plans[ftype] = plan
    return plan


def make_entry(state, func) -> Callable:
    """The entry trampoline of one function: converts arguments, writes the stack
    arguments and the entry frame record, pushes the entry record, runs the trampoline
    loop, turns what escapes into a Trap with a backtrace, converts results."""
    ftype = func.ftype
    params = ftype.params
    results = ftype.results
    nparams = len(params)
    name = func.name
    ints = all(t in ("i32", "i64") for t in params)
    masks = [0xFFFF_FFFF if t == "i32" else 0xFFFF_FFFF_FFFF_FFFF for t in params] if ints else None

    def convert_in(args):
        if len(args) != nparams:
            raise ArgumentError(f"{name} expects {nparams} arguments, got {len(args)}")
        if ints:
            try:
                return [a & m for a, m in zip(args, masks)]
            except TypeError:
                pass
        return [to_internal(a, t, state) for a, t in zip(args, params)]

    if func.host is not None:
        # called by the host, not by an instance: an access_caller function gets a Caller
        # without exports, as in wasmtime-py
        host = partial(func.host, Caller(state)) if func.access_caller else func.host

        def host_entry(args):
            vals = convert_in(args)
            return results_to_host(host_results(host(*[to_host(v, t) for v, t in zip(vals, params)]),
                                                 ftype, state), results)
        return host_entry

    return _compiled_entry(state, func)


def _compiled_entry(state, func) -> Callable:
    """A Python function specialized to the signature: unpack, convert, write the stack
    arguments and the entry frame record, call, run the trampoline loop, convert back."""
    ftype = func.ftype
    params, results = ftype.params, ftype.results
    n = len(params)
    compiled = getattr(getattr(func.instance, "_state", None), "compiled", None)
    adaptive = compiled is not None and compiled.may_recurse(func.index)
    ns = {"state": state, "words": state.words, "entries": state.entries, "exits": state.exits, "escape": escape,
          "func": func, "TailCall": TailCall, "Trap": Trap, "ArgumentError": ArgumentError, "_ti": to_internal,
          "_rth": results_to_host, "results": results, "params": params,
          "arity_message": f"{func.name} expects {n} arguments, got ",
          "get_limit": get_limit, "set_limit": set_limit,
          "restore_host_limit": restore_host_limit, "clock": time.perf_counter_ns, "roomy": [True]}
    source = _entry_source(state, func, "entry", "plain" if adaptive else None)
    if adaptive:
        # a function that can recurse: a roomy form beside the plain one (runtime/framestack.py)
        source += _entry_source(state, func, "entry_roomy", "roomy")
    exec(compile(source, f"<heron entry {func.name!r}>", "exec"), ns)
    if adaptive:
        ns["entry_roomy"] = with_room(ns["entry_roomy"])
    return ns["entry"]


def _entry_source(state, func, fname: str, adapt: str | None) -> str:
    """The entry's source. adapt: None (a function that cannot recurse), "plain" (switches
    to the roomy form after a long outermost call) or "roomy" (switches back after a short one)."""
    ftype = func.ftype
    params, results = ftype.params, ftype.results
    # every offset is FrameLayout's answer for the host frame at SP = 0 (see _entry_plan)
    fp_from_call_sp_off, sfp_off, ra_off, stack_params, reg_params = _entry_plan(state, ftype)
    n = len(params)
    names = [f"a{i}" for i in range(n)]
    lines = [f"def {fname}(args):",
             f"    if len(args) != {n}: raise ArgumentError(arity_message + str(len(args)))"]
    if adapt == "plain":
        lines.insert(1, "    if roomy[0] and not entries: return entry_roomy(args)")
    if n:
        lines.append(f"    {', '.join(names)}{',' if n == 1 else ''} = args")
    for i, t in enumerate(params):
        if t in ("i32", "i64"):
            mask = "0xFFFFFFFF" if t == "i32" else "0xFFFFFFFFFFFFFFFF"
            lines.append(f"    a{i} = a{i} & {mask} if a{i}.__class__ is int else _ti(a{i}, {t!r})")
        elif t in ("f32", "f64"):
            lines.append(f"    a{i} = _ti(a{i}, {t!r})")
        else:   # a reference: checked for its type and its Store
            lines.append(f"    a{i} = _ti(a{i}, params[{i}], state)")
    lines += [
        f"    if len(entries) >= {MAX_ACTIVATIONS}: raise Trap('call stack exhausted')",
        "    sp = state.sp",
        f"    if sp < {state.stack.limit + 4096}: raise Trap('call stack exhausted')",
        f"    w = (sp - {state.stack.low}) >> 3",
    ]
    for p, off in stack_params:
        lines.append(f"    words[w + {off >> 3}] = a{p}")
        if params[p] == V128:       # a v128 is two words: the value, then None (target/stack.py)
            lines.append(f"    words[w + {(off >> 3) + 1}] = None")
    lines += [
        f"    words[w + {sfp_off >> 3}] = exits[-1] if exits else 0",
        f"    words[w + {ra_off >> 3}] = {ENTRY_PC}",
        f"    fp = sp + {fp_from_call_sp_off}",
        "    entries.append(fp)",
        # the recursion limit Wasm needs, only while it runs (runtime/recursion.py)
        "    host_limit = get_limit()",
        "    outer_host_limit = state.host_limit",
        "    state.host_limit = host_limit",
        f"    if host_limit < {state.wasm_limit}: set_limit({state.wasm_limit})",
        *(["    t0 = clock()"] if adapt else []),
        "    try:",
        # func.code is read per call: a stub until the first call compiles it (runtime/linking.py)
        f"        r = func.code({', '.join(['fp'] + [names[p] for p in reg_params])})",
        "        while r.__class__ is TailCall: r = r.f()",
        "    except BaseException as e:",
        "        restore_host_limit(host_limit)",
        "        state.host_limit = outer_host_limit",
        "        entries.pop()",
        "        raise escape(state, e, fp)",
        "    try: set_limit(host_limit)",
        "    except RecursionError: restore_host_limit(host_limit)",
        "    state.host_limit = outer_host_limit",
        "    entries.pop()",
    ]
    if adapt == "plain":
        lines.append(f"    if not entries and clock() - t0 > {LONG_NS}: roomy[0] = True")
    elif adapt == "roomy":
        lines.append(f"    if clock() - t0 < {SHORT_NS}: roomy[0] = False")
    if not results:
        lines.append("    return None")
    elif len(results) == 1 and results[0] == "i32":
        lines.append("    return r - ((r & 0x80000000) << 1)")
    elif len(results) == 1 and results[0] == "i64":
        lines.append("    return r - ((r & 0x8000000000000000) << 1)")
    elif len(results) == 1:
        lines.append("    return r")
    else:
        lines.append("    return _rth(r, results)")
    return "\n".join(lines) + "\n"


__all__ = ["make_entry", "ENTRY_PC", "MAX_ACTIVATIONS"]
