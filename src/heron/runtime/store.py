"""The state behind a Store: its stack memory, the entry/exit records of the activations
on it, the entry trampoline (host -> Wasm) and exit trampolines (Wasm -> host), and
turning whatever left Wasm into a heron.Trap with a Wasm backtrace.

Activations: host code calling a Wasm function starts an activation; its entry record
is the callee's FP. When Wasm calls a host function, the exit trampoline pushes an exit
record (its own FP: the frame record there names the last Wasm frame and the PC it
called from) and moves the store's SP below its frame, so Wasm called back from the
host runs below it on the same stack.
"""
from __future__ import annotations

import sys
from functools import partial
from types import TracebackType

from ..errors import HeronError, Trap, WasmException
from ..target import FrameLayout, StackMemory, assign
from ..types import FuncType
from ..unwind.frames import walk
from .caller import Caller
from .objects import TailCall
from .values import host_results, results_to_host, to_host, to_internal

MAX_BACKTRACE = 200
MAX_ACTIVATIONS = 2500   # nested host -> Wasm entries (host frames live on the real C stack)
ENTRY_PC = 0x10          # return address of the entry trampoline: host code, no function
_EMPTY = FuncType((), ())

# Python exceptions generated code lets happen, when the line has no trap code of its own
_PY_TRAPS = {RecursionError: "call stack exhausted", ZeroDivisionError: "integer divide by zero"}


class StoreState:
    def __init__(self, engine):
        self.engine = engine
        self.target = engine.target
        self.stack = StackMemory(size=engine.stack_size, base=engine.stack_base)
        self.words = self.stack.words
        self.sp = self.stack.base          # the steady SP new activations start from
        self.entries: list[int] = []       # entry FP per activation
        self.exits: list[int] = []         # exit trampoline FP per host call in progress
        self.exit_layouts: list = []       # the FrameLayout of each exit trampoline frame
        self.codemap = engine.codemap
        self.host_layout = FrameLayout.build(self.target, "system", _EMPTY, name="<host>")
        self._entry_cache: dict = {}
        # Func -> its entry trampoline / system-convention entry. Kept on the store, not in
        # a module-level table: a trampoline refers back to this state, so a global cache
        # would keep every Store that was ever called alive.
        self.func_entries: dict = {}
        self.system_entries: dict = {}
        self.wasi = None                   # the WASI context Store.set_wasi attached (heron.wasi)
        # Python frames per Wasm frame <= 2; the smallest Wasm frame is 16 bytes
        need = engine.stack_size // 16 * 2 + 10_000
        if sys.getrecursionlimit() < need:
            sys.setrecursionlimit(need)

    # ------------------------------------------------------------------ entry
    def _entry_plan(self, ftype: FuncType):
        plan = self._entry_cache.get(ftype)
        if plan is None:
            L = self.host_layout
            cabi = assign(ftype, self.target, "wasm")
            sp0 = 0
            call_sp = L.call_sp(sp0, cabi)
            callee_fp = L.fp_from_call_sp(call_sp)
            stack_params = [(p, L.outgoing_arg_address(sp0, cabi, p)) for p, loc in enumerate(cabi.params)
                            if loc.reg is None]
            reg_params = [p for p, loc in enumerate(cabi.params) if loc.reg is not None]
            plan = (callee_fp, L.saved_fp_address(callee_fp), L.return_address_address(callee_fp),
                    stack_params, reg_params)
            self._entry_cache[ftype] = plan
        return plan

    def enter(self, func, args: tuple):
        """Call `func` from the host with public values; return public values."""
        entry = self.func_entries.get(func)
        if entry is None:
            entry = self.func_entries[func] = self.make_entry(func)
            if func.store is self:
                func._entry = entry
        return entry(args)

    def make_entry(self, func):
        """The entry trampoline of one function: converts arguments, writes the stack
        arguments and the entry frame record, pushes the entry record, runs the trampoline
        loop, turns what escapes into a Trap with a backtrace, converts results."""
        ftype = func.type
        params = ftype.params
        results = ftype.results
        nparams = len(params)
        name = func.name
        ints = all(t in ("i32", "i64") for t in params)
        masks = [0xFFFF_FFFF if t == "i32" else 0xFFFF_FFFF_FFFF_FFFF for t in params] if ints else None

        def convert_in(args):
            if len(args) != nparams:
                raise TypeError(f"{name} expects {nparams} arguments, got {len(args)}")
            if ints:
                try:
                    return [a & m for a, m in zip(args, masks)]
                except TypeError:
                    pass
            return [to_internal(a, t) for a, t in zip(args, params)]

        if func.host is not None:
            # called by the host, not by an instance: an access_caller function gets a Caller
            # without exports, as in wasmtime-py
            host = partial(func.host, Caller(self)) if func.access_caller else func.host

            def host_entry(args):
                vals = convert_in(args)
                return results_to_host(host_results(host(*[to_host(v, t) for v, t in zip(vals, params)]),
                                                     ftype), results)
            return host_entry

        return self._compiled_entry(func)

    def _compiled_entry(self, func):
        """A Python function specialized to the signature: unpack, convert, write the stack
        arguments and the entry frame record, call, run the trampoline loop, convert back."""
        ftype = func.type
        params, results = ftype.params, ftype.results
        # every offset is FrameLayout's answer for the host frame at SP = 0 (see _entry_plan)
        fp_from_call_sp_off, sfp_off, ra_off, stack_params, reg_params = self._entry_plan(ftype)
        n = len(params)
        names = [f"a{i}" for i in range(n)]
        lines = ["def entry(args):",
                 f"    if len(args) != {n}: raise TypeError(arity_message % len(args))"]
        if n:
            lines.append(f"    {', '.join(names)}{',' if n == 1 else ''} = args")
        for i, t in enumerate(params):
            if t in ("i32", "i64"):
                mask = "0xFFFFFFFF" if t == "i32" else "0xFFFFFFFFFFFFFFFF"
                lines.append(f"    a{i} = a{i} & {mask} if a{i}.__class__ is int else _ti(a{i}, {t!r})")
            elif t in ("f32", "f64"):
                lines.append(f"    a{i} = _ti(a{i}, {t!r})")
        lines += [
            f"    if len(entries) >= {MAX_ACTIVATIONS}: raise Trap('call stack exhausted')",
            "    sp = state.sp",
            f"    if sp < {self.stack.limit + 4096}: raise Trap('call stack exhausted')",
            f"    w = (sp - {self.stack.low}) >> 3",
        ]
        for p, off in stack_params:
            lines.append(f"    words[w + {off >> 3}] = a{p}")
        lines += [
            f"    words[w + {sfp_off >> 3}] = exits[-1] if exits else 0",
            f"    words[w + {ra_off >> 3}] = {ENTRY_PC}",
            f"    fp = sp + {fp_from_call_sp_off}",
            "    entries.append(fp)",
            "    try:",
            f"        r = code({', '.join(['fp'] + [names[p] for p in reg_params])})",
            "        while r.__class__ is TailCall: r = r.f()",
            "    except BaseException as e:",
            "        entries.pop()",
            "        raise state.escape(e, fp)",
            "    entries.pop()",
        ]
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
        ns = {"state": self, "words": self.words, "entries": self.entries, "exits": self.exits,
              "code": func.code, "TailCall": TailCall, "Trap": Trap, "_ti": to_internal,
              "_rth": results_to_host, "results": results,
              "arity_message": f"{func.name} expects {n} arguments, got %d"}
        exec(compile("\n".join(lines) + "\n", f"<heron entry {func.name!r}>", "exec"), ns)
        return ns["entry"]

    def escape(self, e: BaseException, entry_fp: int) -> BaseException:
        """What leaves the activation for an exception raised in it: a Trap gets its Wasm
        backtrace, a Python error raised by generated code becomes the Trap it stands for,
        anything else (a host function's own error, WasmException) passes unchanged."""
        if isinstance(e, Trap):
            if not e.backtrace:
                e.backtrace = self.backtrace(e.__traceback__, entry_fp)
            e.__suppress_context__ = True
            return e.with_traceback(None)
        if isinstance(e, HeronError) or not isinstance(e, Exception):
            return e
        trap = self.convert(e, entry_fp)
        if trap is None:
            return e
        trap.__suppress_context__ = True
        return trap

    # ------------------------------------------------------------------ exits
    def exit_trampoline(self, ftype: FuncType, host):
        """The code Wasm calls for host function `host`: reads stack args, records the exit."""
        cabi = assign(ftype, self.target, "wasm")
        layout = FrameLayout.build(self.target, "wasm", cabi, name=getattr(host, "__name__", "host"))
        low = self.stack.low
        words = self.words
        limit = layout.fp_from_sp(self.stack.limit)
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
        ns = {"Trap": Trap, "words": words, "exits": self.exits, "exit_layouts": self.exit_layouts,
              "layout": layout, "state": self, "sp_from_fp": layout.sp_from_fp, "host": host,
              "host_results": host_results, "ftype": ftype}
        name = getattr(host, "__name__", "host")
        exec(compile("\n".join(lines) + "\n", f"<heron exit {name}>", "exec"), ns)
        exit_to_host = ns["exit_to_host"]
        return exit_to_host

    def frames(self) -> list:
        """The Wasm frames of the innermost activation, walked from the last exit record.

        Call from a host function that Wasm called: the exit trampoline's frame record
        names the calling Wasm frame (saved FP) and the PC it called from."""
        if not self.exits:
            return []
        exit_fp = self.exits[-1]
        layout = self.exit_layouts[-1]
        low = self.stack.low
        fp = self.words[(layout.saved_fp_address(exit_fp) - low) >> 3]
        pc = self.words[(layout.return_address_address(exit_fp) - low) >> 3]
        entry_fp = self.entries[-1] if self.entries else None
        return list(walk(self.stack, self.codemap, fp, pc, entry_fp))

    # ------------------------------------------------------------------ traps
    def wasm_python_frames(self, tb: TracebackType | None) -> list:
        """(CompiledModule, frame, lineno) of every generated-code frame of a traceback, innermost first."""
        from ..compile import REGISTRY
        found = []
        while tb is not None:
            cm = REGISTRY.get(tb.tb_frame.f_code.co_filename)
            if cm is not None:
                found.append((cm, tb.tb_frame, tb.tb_lineno))
            tb = tb.tb_next
        found.reverse()
        return found

    def innermost_wasm(self, tb: TracebackType | None):
        frames = self.wasm_python_frames(tb)
        return frames[0] if frames else None

    def backtrace(self, tb, entry_fp: int) -> list[str]:
        """The Wasm backtrace of a trap: frames walked through their records in stack memory.

        Elided frames (optimizing strategy, see DESIGN.md section 5) have no record; the
        metadata says so (`frame_elided`), and they are the innermost ones (an elided
        function only calls elided functions), so they are read from the Python frames of
        the generated code until the first frame that has a record, and the walk goes on
        from there."""
        frames = []
        inner_twin = None
        for cm, frame, lineno in self.wasm_python_frames(tb):
            info, instr, _ = cm.where(lineno)
            if info is None:
                return frames
            if info.frame_elided:
                # `f<i>_e` (not the standard-ABI wrapper `f<i>`), or `f<i>_u`, the unchecked twin
                # of a depth-bounded recursion (compile/codegen.py), which has no FP; an `_e`
                # frame of the same function just outside a `_u` frame is the entry that
                # dispatched to it, not a call
                name = frame.f_code.co_name
                if name.endswith("_u") or (name.endswith("_e") and info is not inner_twin):
                    frames.append(info.describe_pc(info.pc(instr)))
                inner_twin = info if name.endswith("_u") else None
                continue
            fp = frame.f_locals.get("fp")
            if fp is None:
                return frames
            for f in walk(self.stack, self.codemap, fp, info.pc(instr), entry_fp, limit=MAX_BACKTRACE):
                frames.append(f.describe())
            return frames[:MAX_BACKTRACE]
        return frames[:MAX_BACKTRACE]

    def convert(self, exc: BaseException, entry_fp: int) -> Trap | None:
        """A Python exception raised by generated code, as the Trap it stands for (or None)."""
        found = self.innermost_wasm(exc.__traceback__)
        if found is None:
            code = _PY_TRAPS.get(type(exc))
            return Trap(code) if code and isinstance(exc, RecursionError) else None
        cm, frame, lineno = found
        info, instr, code = cm.where(lineno)
        if code is None:
            code = _PY_TRAPS.get(type(exc))
            if code is None:
                # the innermost Wasm frame was calling out: a host function's own error
                return None
        t = Trap(code)
        t.backtrace = self.backtrace(exc.__traceback__, entry_fp)
        return t


