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
from types import TracebackType

from ..errors import HeronError, Trap, WasmException
from ..target import FrameLayout, StackMemory, assign
from ..types import FuncType
from ..unwind.frames import walk
from .objects import TailCall
from .values import results_to_host, to_host, to_internal

import weakref
func_entries: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()   # Func -> its entry trampoline
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
            callee_fp = call_sp - L.frame_record_size
            stack_params = [(p, L.outgoing_arg_address(sp0, cabi, p)) for p, loc in enumerate(cabi.params)
                            if loc.reg is None]
            reg_params = [p for p, loc in enumerate(cabi.params) if loc.reg is not None]
            plan = (callee_fp, L.saved_fp_address(callee_fp), L.return_address_address(callee_fp),
                    stack_params, reg_params)
            self._entry_cache[ftype] = plan
        return plan

    def enter(self, func, args: tuple):
        """Call `func` from the host with public values; return public values."""
        entry = func_entries.get(func)
        if entry is None:
            entry = func_entries[func] = self.make_entry(func)
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
            host = func.host

            def host_entry(args):
                vals = convert_in(args)
                return results_to_host(_host_results(host(*[to_host(v, t) for v, t in zip(vals, params)]),
                                                     ftype), results)
            return host_entry

        fp_off, sfp_off, ra_off, stack_params, reg_params = self._entry_plan(ftype)
        state = self
        words = self.words
        low = self.stack.low
        limit = self.stack.limit + 4096
        entries = self.entries
        exits = self.exits
        code = func.code
        single = len(results) == 1
        rtype = results[0] if single else None
        signed = {"i32": 0x8000_0000, "i64": 0x8000_0000_0000_0000}.get(rtype)

        def entry(args):
            vals = convert_in(args)
            if len(entries) >= MAX_ACTIVATIONS:
                # each host <-> Wasm round trip nests C frames of the interpreter: bound them
                raise Trap("call stack exhausted")
            sp = state.sp & -16
            if sp < limit:
                raise Trap("call stack exhausted")
            for p, off in stack_params:
                words[(sp + off - low) >> 3] = vals[p]
            fp = sp + fp_off
            words[(sp + sfp_off - low) >> 3] = exits[-1] if exits else 0
            words[(sp + ra_off - low) >> 3] = ENTRY_PC
            entries.append(fp)
            try:
                r = code(fp, *[vals[p] for p in reg_params])
                while r.__class__ is TailCall:
                    r = r.f()
            except Trap as e:
                if not e.backtrace:
                    e.backtrace = state.backtrace(e.__traceback__, fp)
                raise e.with_traceback(None)
            except HeronError:
                raise
            except Exception as e:
                trap = state.convert(e, fp)
                if trap is None:
                    raise
                raise trap from None
            finally:
                entries.pop()
            if signed is not None:
                return r - ((r & signed) << 1)
            if single or not results:
                return r
            return results_to_host(r, results)
        return entry

    # ------------------------------------------------------------------ exits
    def exit_trampoline(self, ftype: FuncType, host):
        """The code Wasm calls for host function `host`: reads stack args, records the exit."""
        cabi = assign(ftype, self.target, "wasm")
        layout = FrameLayout.build(self.target, "wasm", cabi, name=getattr(host, "__name__", "host"))
        low = self.stack.low
        words = self.words
        limit = self.stack.limit + layout.fp_to_sp()
        stack_params = [(p, layout.incoming_arg_offset(p)) for p, loc in enumerate(cabi.params) if loc.reg is None]
        order = [("r", p) for p, loc in enumerate(cabi.params) if loc.reg is not None]
        params = ftype.params
        results = ftype.results
        state = self

        def exit_to_host(fp, *regs):
            if fp < limit:
                raise Trap("call stack exhausted")
            vals = [None] * len(params)
            for (_, p), v in zip(order, regs):
                vals[p] = v
            for p, off in stack_params:
                vals[p] = words[(fp + off - low) >> 3]
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
            return _host_results(out, ftype)

        exit_to_host.__name__ = f"exit_{getattr(host, '__name__', 'host')}"
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
        for cm, frame, lineno in self.wasm_python_frames(tb):
            info, instr, _ = cm.where(lineno)
            fp = frame.f_locals.get("fp")
            if info is None or fp is None:
                return frames
            if info.frame_elided:
                if frame.f_code.co_name.endswith("_e"):   # not the standard-ABI wrapper
                    frames.append(info.describe_pc(info.pc(instr)))
                continue
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


def _host_results(out, ftype: FuncType):
    results = ftype.results
    if not results:
        return None
    if len(results) == 1:
        if isinstance(out, (tuple, list)) and len(out) == 1:
            out = out[0]
        return to_internal(out, results[0])
    if not isinstance(out, (tuple, list)) or len(out) != len(results):
        raise Trap(f"host function returned {out!r}, expected {len(results)} results")
    return tuple(to_internal(v, t) for v, t in zip(out, results))
