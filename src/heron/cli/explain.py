"""`heron explain` — the frames and call sites the compiler really emitted, per function.

For a compiler engineer debugging an unwinder: compile the module for one target and
strategy (or all of them) and print, for every defined function (or the one --func
names), its FrameLayout — the areas with their offsets from FP and SP, where every
parameter lives (register, or stack offset from FP), the dynamic-context slot, the
stack slots, the outgoing area — and its call sites: return address, kind, callee,
fp_to_sp and the handler table the unwinder searches.

Nothing here computes a frame offset: every number comes from the compiled
function's FrameLayout (its `areas()` and address methods) or from the call-site
records the compiler registered in the code map.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

import heron

from ..binary import decode, encode
from ..errors import HeronError, Unsupported
from .options import add_feature_option, add_machine_options, configurations, features_from
from .run import load_and_validate


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "explain", help="print the frame layouts and call sites compiled for a module",
        description="Compile FILE (.wasm or .wat) for a target and strategy and print, per "
                    "function, its frame layout (areas, parameter locations, slots) and its "
                    "call sites (return address, callee, fp_to_sp, exception handlers).")
    add_feature_option(parser)
    add_machine_options(parser, allow_all=True)
    parser.add_argument("--func", metavar="NAME",
                        help="only this function: an export name, a $name from the name section, "
                             "or a function index")
    parser.add_argument("file", metavar="FILE", help="a .wasm binary or .wat text module")
    parser.set_defaults(handler=main)


def main(args: argparse.Namespace) -> int:
    features = features_from(args)
    module = load_and_validate(Path(args.file), features)
    module = _with_offsets(module, features)
    selected = select_functions(module, args.func) if args.func is not None else None
    sections = []
    for target, strategy in configurations(args):
        try:
            sections.append(explain_module(module, target, strategy, features, selected,
                                           title=str(args.file)))
        except Unsupported as e:
            raise HeronError(f"{args.file}: cannot compile for {target}, {strategy}: {e}") from None
    sys.stdout.write("\n\n".join(sections) + "\n")
    return 0


def _with_offsets(module, features):
    """The module after a trip through the binary format, so call sites carry byte offsets."""
    try:
        return decode(encode(module), features)
    except HeronError:
        return module


# ------------------------------------------------------------------------------ selection
def select_functions(module, spec: str) -> list[int]:
    """Function indices --func SPEC names: an export name, `$name` (name section), or an index."""
    for e in module.exports:
        if e.kind == "func" and e.name == spec:
            return [_export_index(e)]
    names = module.names.funcs if module.names else {}
    bare = spec[1:] if spec.startswith("$") else spec
    found = [i for i, n in sorted(names.items()) if n == bare]
    if found:
        return found[:1]
    if spec.isdigit():
        idx = int(spec)
        if idx < module.num_funcs():
            return [idx]
        raise HeronError(f"function index {idx} out of range (module has {module.num_funcs()} functions)")
    raise HeronError(f"no function {spec!r}: not an export name, a $name in the name section, "
                     f"or a function index")


def _export_index(export) -> int:
    return int(export.index)


# ------------------------------------------------------------------------------ formatting
def table(rows: Sequence[Sequence[object]], right: Sequence[bool], indent: str = "    ") -> list[str]:
    """Rows as aligned columns (right-aligned where `right` says); the first row is the header."""
    texts = [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in texts) for i in range(len(right))]
    out = []
    for r in texts:
        cells = [c.rjust(w) if ra else c.ljust(w) for c, w, ra in zip(r, widths, right)]
        out.append((indent + "  ".join(cells)).rstrip())
    return out


def _signed(n: int) -> str:
    return f"{n:+d}"


def func_label(module, idx: int) -> str:
    """`$name (func N)` when the name section names it, else `func N`."""
    names = module.names.funcs if module.names else {}
    if idx in names:
        return f"${names[idx]} (func {idx})"
    return f"func {idx}"


def _param_name(module, func_idx: int, param: int) -> str:
    locals_ = module.names.locals.get(func_idx, {}) if module.names else {}
    return f"${locals_[param]}" if param in locals_ else "-"


def _tag_label(module, tag) -> str:
    if tag is None:
        return "catch_all"
    if isinstance(tag, int) and not isinstance(tag, bool):
        names = module.names.tags if module.names else {}
        return f"tag {tag}" + (f" ${names[tag]}" if tag in names else "")
    return str(tag)


def _address(value) -> str:
    return f"0x{value:x}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def format_layout(layout, param_names: Sequence[str] = (), slot_roles: Sequence[str] = ()) -> list[str]:
    """The FrameLayout of one function: areas, parameters, results, slots (and what each
    holds, when the compiler said), outgoing area."""
    fp_to_sp = layout.fp_to_sp()
    out = [f"  frame: {layout.frame_size()} bytes (record {layout.frame_record_size} + FP-to-SP {fp_to_sp}), "
           f"{layout.convention} convention, returns with SP = FP{_signed(layout.caller_sp(0))}"
           + (" (pops its incoming area)" if layout.abi.callee_pops and layout.incoming_args_size else "")]
    rows: list[list[object]] = [["area", "FP+off", "SP+off", "size"]]
    for name, off, size in layout.areas():
        rows.append([name, _signed(off), _signed(off + fp_to_sp), size])
    out += table(rows, [False, True, True, True])

    abi = layout.abi
    if abi.vmctx_regs:
        out.append(f"  vmctx: callee {abi.vmctx_regs[0]}, caller {abi.vmctx_regs[1]}")
    if abi.params:
        out.append("  parameters:")
        rows = [["#", "name", "type", "location"]]
        for i, loc in enumerate(abi.params):
            if loc.reg is not None:
                where = f"register {loc.reg}"
            else:
                off = layout.incoming_arg_offset(i)
                where = f"stack FP{_signed(off)} (SP{_signed(off + fp_to_sp)}), {loc.size} bytes"
            rows.append([i, param_names[i] if i < len(param_names) else "-", loc.valtype, where])
        out += table(rows, [True, False, False, False])
    else:
        out.append("  parameters: none")
    if abi.results:
        where = []
        for i, loc in enumerate(abi.results):
            where.append(f"{i} ({loc.valtype}) {loc.reg if loc.reg is not None else f'ret_area+{loc.offset}'}")
        out.append("  results: " + ", ".join(where))
    if abi.ret_area_reg:
        out.append(f"  return-area pointer: {abi.ret_area_reg} ({abi.ret_area_size} bytes)")

    if layout.clobbers:
        out.append("  callee-saved: " + ", ".join(
            f"{r} at FP{_signed(layout.clobber_address(0, r))}" for r in layout.clobbers))
    if layout.has_dynamic_context:
        off = layout.dynamic_context_offset()
        out.append(f"  dynamic-context slot: SP{_signed(off)} (FP{_signed(layout.dynamic_context_address(0))})")
    else:
        out.append("  dynamic-context slot: none")
    if layout.num_slots:
        out.append(f"  stack slots: {layout.num_slots}")
        rows = [["slot", "SP+off", "FP+off", "size", "holds"]]
        for i in range(layout.num_slots):
            rows.append([i, _signed(layout.slot_offset(i)), _signed(layout.slot_address_from_fp(0, i)),
                         layout.slot_sizes[i], slot_roles[i] if i < len(slot_roles) else "-"])
        out += table(rows, [True, True, True, True, False])
    else:
        out.append("  stack slots: none")
    out.append(f"  outgoing area: {layout.outgoing_args_size} bytes at SP+0 (FP{_signed(-fp_to_sp)})")
    return out


def _callee_text(module, func_body, site, compiled=None) -> str:
    """What a call site calls, read from the instruction it was compiled from."""
    ins = func_body[site.instr] if 0 <= site.instr < len(func_body) else None
    if ins is None:
        return "-"
    op = ins.op
    if op in ("call", "return_call") and isinstance(ins.imm, int):
        text = func_label(module, ins.imm)
        nimp = len(module.imported("func"))
        if ins.imm >= nimp and compiled is not None:
            size = compiled.function(ins.imm).layout.incoming_args_size
            if size:
                text += f", {size}-byte stack-arg area"
        return text
    if op == "throw" and isinstance(ins.imm, int):
        return _tag_label(module, ins.imm)
    if op in ("call_indirect", "return_call_indirect"):
        imm = ins.imm
        if isinstance(imm, tuple) and len(imm) == 2:
            return f"{op} (type {imm[0]}, table {imm[1]})"
        return f"{op} {imm!r}"
    if op in ("call_ref", "return_call_ref"):
        return f"{op} (type {ins.imm})"
    return op


def format_call_sites(module, info, func_body, compiled=None) -> list[str]:
    """The call-site records of one function as the code map holds them, with handlers."""
    sites = sorted(info.call_sites, key=lambda s: s.return_address)
    if not sites:
        return ["  call sites: none"]
    out = [f"  call sites: {len(sites)}"]
    rows = [["return addr", "instr", "offset", "kind", "callee", "fp_to_sp", "handlers"]]
    handler_lines: dict[int, list[str]] = {}
    for n, s in enumerate(sites):
        handlers = tuple(getattr(s, "handlers", ()) or ())
        rows.append([_address(s.return_address), s.instr,
                     _address(s.offset) if s.offset is not None else "-",
                     s.kind, _callee_text(module, func_body, s, compiled), s.fp_to_sp,
                     len(handlers) if handlers else "none"])
        if handlers:
            handler_lines[n] = _format_handlers(module, handlers, s)
    lines = table(rows, [False, True, True, False, False, True, False])
    out.append(lines[0])
    for n, line in enumerate(lines[1:]):
        out.append(line)
        out += handler_lines.get(n, [])
    return out


def _format_handlers(module, handlers, site) -> list[str]:
    rows = [["#", "tag", "kind", "landing pad"]]
    for i, h in enumerate(handlers):
        fields = _handler_fields(h)
        if fields is None:
            rows.append([i, repr(h), "", ""])
            continue
        tag, kind, pad = fields
        rows.append([i, _tag_label(module, tag), kind, _address(pad)])
    lines = table(rows, [True, False, False, False], indent="        ")
    extra = []
    dynctx = getattr(site, "dynctx", None) or getattr(site, "dynamic_context", None)
    if dynctx is not None:
        extra.append(f"        dynamic context: {dynctx}")
    return ["      handlers (searched in order):"] + lines + extra


def _handler_fields(h):
    """(tag, kind, landing pad) of one handler record: a 3-tuple or an object with those fields."""
    if isinstance(h, tuple) and len(h) == 3:
        return h
    tag = getattr(h, "tag", None)
    kind = getattr(h, "kind", None)
    pad = getattr(h, "landing_pad", getattr(h, "pad", None))
    if kind is None and pad is None:
        return None
    return tag, kind, pad


def explain_module(module, target: str, strategy: str, features=None, selected: list[int] | None = None,
                   title: str = "module") -> str:
    """The explanation of `module` (a validated ast.Module) compiled for target/strategy."""
    config = heron.Config(target=target, strategy=strategy, features=features)
    engine = heron.Engine(config)
    compiled = heron.Module.from_ast(engine, module).compiled
    nimp = len(module.imported("func"))
    indices = selected if selected is not None else list(range(module.num_funcs()))
    out = [f"{title}: target {target}, strategy {strategy}"]
    for idx in indices:
        out.append("")
        ft = module.func_type(idx)
        head = f"{func_label(module, idx)} {ft}"
        exports = [e.name for e in module.exports if e.kind == "func" and _export_index(e) == idx]
        if exports:
            head += "  exported as " + ", ".join(repr(n) for n in exports)
        out.append(head)
        if idx < nimp:
            imp = module.imported("func")[idx]
            out.append(f"  imported from {imp.module}::{imp.name}: no compiled frame")
            continue
        info = compiled.function(idx)
        out.append(f"  code {_address(info.start)}..{_address(info.end)}"
                   + ("   (makes tail calls)" if info.may_tail_call else ""))
        if info.frame_elided:
            out.append("  frame elided: no exception can unwind through it; direct callers pass every\n"
                       "  argument as a value and write no frame record (the layout below is what the\n"
                       "  standard-ABI entry, used by the host, tables and refs, reads)")
        names = [_param_name(module, idx, i) for i in range(len(ft.params))]
        out += format_layout(info.layout, names, info.slot_roles)
        out += format_call_sites(module, info, module.funcs[idx - nimp].body, compiled)
    return "\n".join(out)
