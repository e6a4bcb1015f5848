"""Assembly of one function's Python source, once FrameLayout has laid out its frame:
the `def` line(s), the prologue (stack check, frame word index, parameters and locals
into their homes), the body with every frame-offset fixup substituted, the flat form's
dispatch loop and except clause, and the twin of a depth-bounded recursion.

Stack addresses print relative to the frame's word index: `S[fw-3]` is the word 24
bytes below FP. Each function starts with a comment naming it.
"""
from __future__ import annotations

from ..errors import TrapCode
from .instructions import zero_of
from .operands import EFFECT_MARK


def fw(k: int) -> str:
    """The frame word k words from FP, as generated code indexes stack memory."""
    return f"fw{k:+d}"


def upper_words_line(fc, layout, slots: list[int]) -> str:
    """The prologue statement writing None into the upper word of each 16-byte slot
    (compile/storage.py): one extended-slice store when they are evenly spaced."""
    words = sorted(layout.slot_address_from_fp(0, k) // 8 + 1 for k in slots)
    if len(words) == 1:
        return f"S[{fw(words[0])}] = None"
    if all(b - a == 2 for a, b in zip(words, words[1:])):
        nones = fc.ctx.constant((None,) * len(words), key=("nones", len(words)))
        return f"S[{fw(words[0])}:{fw(words[-1] + 1)}:2] = {nones}"
    return " = ".join(f"S[{fw(w)}]" for w in words) + " = None"


LEAF_SECTIONS = 4     # sections tested one after another at the bottom of the dispatch tree


def flat_dispatch(put, level: int, prologue: list, lines: list) -> None:
    """The flat form's sections, found by a binary search on `_pc`: a jump costs about
    log2(sections) comparisons instead of one per section ahead of its target (functions
    go flat because they are huge -- interpreter loops with hundreds of sections spent
    most of their time in that scan). A section that ends without a jump has set `_pc` to
    the next one's label (ControlLowering.flat_section); the loop then dispatches again, or,
    when the next section comes after it in the same leaf, falls into it directly."""
    sections: list[tuple[int, list]] = [(0, list(prologue))]
    for indent, text, instr, trap in lines:
        if indent == 0:
            if not (text.startswith("if _pc == ") and text.endswith(":")):
                raise AssertionError(f"flat form: a line outside any section: {text!r}")
            sections.append((int(text[10:-1]), []))
        else:
            sections[-1][1].append((indent - 1, text, instr, trap))
    sections.sort(key=lambda section: section[0])

    def tree(part: list, depth: int) -> None:
        if len(part) <= LEAF_SECTIONS:
            for label, body in part:
                put(depth, f"if _pc == {label}:")
                if not body:
                    put(depth + 1, "pass")
                for rel, text, instr, trap in body:
                    put(depth + 1 + rel, text, instr, trap)
            return
        mid = len(part) // 2
        put(depth, f"if _pc < {part[mid][0]}:")
        tree(part[:mid], depth + 1)
        put(depth, "else:")
        tree(part[mid:], depth + 1)

    tree(sections, level)


def assemble(fc) -> tuple[list[str], list[tuple[int, str | None]]]:
    """The function's Python source lines and, per line, (instruction, trap code); lays out
    the frame (`fc.info.layout`) first."""
    layout = fc.build_layout()
    fc.info.layout = layout
    fc.info.slot_roles = fc.storage.slot_roles()
    subst = fc.out.renderer(layout)
    storage = fc.storage
    calls = fc.calls
    idx = fc.func_idx
    nparams = len(fc.ftype.params)
    has_handlers = fc.eh.has_handlers

    out: list[str] = []
    meta: list[tuple[int, str | None]] = []

    def put(indent: int, text: str, instr: int = 0, trap: str | None = None) -> None:
        text = subst(text)
        if "\n" not in text:
            out.append("    " * indent + text)
            meta.append((instr, trap))
            return
        # a statement with folded call results: each call sits on a line of its own, marked
        # with its instruction (compile/operands.py), so a traceback line names the call
        pad = "    " * indent
        for k, part in enumerate(text.split("\n")):
            if part.startswith(EFFECT_MARK):
                mark, call_instr, part = part.split(EFFECT_MARK, 2)
                out.append(pad + "    " + part)
                meta.append((int(call_instr), None))
            else:
                out.append(pad + part if k == 0 else pad + "    " + part)
                meta.append((instr, trap))

    reg_params = calls.python_params()
    stack_params = [i for i in range(nparams) if i not in reg_params]
    self_loop = fc.control.self_tail and not fc.flat
    if not fc.unchecked:
        put(0, f"# {fc.info.name} (function {idx})".replace("\n", " "))
    if fc.direct_entry and not fc.unchecked:
        # the standard-ABI entry (host, tables, refs, other instances): stack arguments from memory
        abi_regs = [i for i, loc in enumerate(fc.abi.params) if loc.reg is not None]
        put(0, f"def f{idx}({', '.join(['fp'] + [f'p{i}' for i in abi_regs])}):")
        if len(abi_regs) < nparams:
            put(1, f"fw = {fc.ctx.frame_word()}")
        call_args = ["fp"] + [f"p{i}" if i in abi_regs else f"S[{fw(layout.incoming_arg_offset(i) // 8)}]"
                              for i in range(nparams)]
        put(1, f"return f{idx}_e({', '.join(call_args)})")
    fname = (f"f{idx}_s" if fc.metering == "summary" else f"f{idx}_u" if fc.unchecked
             else f"f{idx}_e" if fc.direct_entry else f"f{idx}")
    args = ", ".join(([] if fc.unchecked and fc.elided else ["fp"])
                     + [f"p{i}" if storage.in_slot(i) else f"l{i}" for i in reg_params])
    put(0, f"def {fname}({args}):")
    limit = layout.fp_from_sp(fc.ctx.stack_limit)    # the lowest FP whose SP is in bounds
    if calls.twin is not None:
        # every frame of the recursion that calls lies within l<p> self-calls of this one
        self_call_fp_below_fp = calls.self_call_fp_below_fp(layout)
        names = [f"p{i}" if storage.in_slot(i) else f"l{i}" for i in range(nparams)]
        params = ", ".join(([] if fc.elided else ["fp"]) + [names[i] for i in reg_params])
        fits = f"fp - {names[calls.bounded_param]} * {self_call_fp_below_fp} >= {limit}"
        if calls.summary is None:
            put(1, f"if {fits}: return f{idx}_u({params})")
        else:
            # and the fuel of the whole tree fits too: the twin runs uninstrumented (fuelsum.py)
            args = ", ".join(names)
            put(1, f"if {fits} and (_c := f{idx}_s({args})) < FUEL[0]:")
            put(2, f"_r = f{idx}_u({params})")
            put(2, "FUEL[0] -= _c")
            put(2, "return _r")
    if not fc.lazy_checks and not fc.unchecked:
        put(1, f"if fp < {limit}: raise Trap('call stack exhausted')", 0, TrapCode.STACK_OVERFLOW)
    uppers = storage.upper_word_slots()
    if fc.out.needs_fw or stack_params or fc.nlocals > storage.spill_from or uppers:
        put(1, f"fw = {fc.ctx.frame_word()}")
    if uppers:
        put(1, upper_words_line(fc, layout, uppers))
    if fc.control.uses_br:
        put(1, "_br = 0")
    if fc.flat:
        put(1, "_pc = 0")
        put(1, "while True:")
        if has_handlers:
            put(2, "try:")
        # section 0 (the prologue's homes, then the body's first lines) is gathered with the
        # other sections and placed by flat_dispatch
        flat_prologue: list[tuple[int, str, int, str | None]] = []
        put_section0 = put

        def put(indent: int, text: str, instr: int = 0, trap: str | None = None) -> None:  # noqa: F811
            flat_prologue.append((indent - base, text, instr, trap))
        base = 3 + has_handlers
    elif self_loop:
        put(1, "while True:")
        base = 2
    else:
        base = 1

    # parameters and locals into their homes
    def home(i: int) -> str:
        if storage.in_slot(i):
            return f"S[{fw(layout.slot_address_from_fp(0, i - storage.spill_from) // 8)}]"
        return f"l{i}"
    for i in reg_params:
        if storage.in_slot(i):
            put(base, f"{home(i)} = p{i}")
    incoming = sorted((layout.incoming_arg_offset(i) // 8, home(i)) for i in stack_params)
    if len(incoming) > 1 and incoming[-1][0] - incoming[0][0] + 1 == len(incoming):
        # contiguous words: one slice read
        put(base, f"{', '.join(h for _, h in incoming)} = S[{fw(incoming[0][0])}:{fw(incoming[-1][0] + 1)}]")
    else:
        for word, h in incoming:
            put(base, f"{h} = S[{fw(word)}]")
    for i in range(nparams, fc.nlocals):
        put(base, f"{home(i)} = {zero_of(fc.local_types[i])}")
    if not fc.flat:
        for indent, text, instr, trap in fc.out.lines:
            put(indent + base, text, instr, trap)
    if fc.flat:
        put = put_section0
        flat_dispatch(put, 2 + has_handlers, flat_prologue, fc.out.lines)
        if has_handlers:
            for text in fc.eh.except_lines(layout):
                put(2, text)
    if calls.twin is not None:
        twin_out, twin_meta = assemble(calls.twin)
        if calls.twin.info.layout != layout:
            raise AssertionError(f"{fc.info.name}: its unchecked twin laid out another frame")
        out += twin_out
        meta += twin_meta
    if calls.summary is not None:
        summary_out, summary_meta = assemble(calls.summary)
        fc.info.layout = layout           # the summary's frame is never built: the function's is
        out += summary_out
        meta += summary_meta
    return out, meta


__all__ = ["assemble", "fw"]
