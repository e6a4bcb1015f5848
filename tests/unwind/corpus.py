"""The exception-unwinding regression corpus: WAT modules, each with its expected outcome.

Every case is a small program that throws an exception through frames whose
parameters overflow the argument registers (so part of each frame lives in the
incoming stack-argument area), through tail calls that grow that area, through
host frames, across two instances of one module, or 1,000 frames deep, and
catches it above. The result folds in everything the landing pad can see --
which handler ran, the payload, the catching frame's own locals and parameters,
and a global that rethrowing frames bump -- so a walker that resumes in the
wrong frame, at the wrong SP, or reads the wrong dynamic context, gives a
different number.

Expectations come from two independent sides:
* `Case.expected` is computed here, in Python, from the same description that
  generated the WAT (a model of the program, not of any engine), or written by
  hand for the hand-written cases;
* the reference engine (wasmtime) runs every case that it supports
  (`unwind_engines.run_wasmtime`); tests assert both agree. Legacy-exception
  cases cannot run on wasmtime (the `wasmtime` package has no legacy-exceptions
  switch); each names a `twin`, the same program written with try_table /
  catch_ref / throw_ref, which wasmtime does run.

Outcomes are tuples: ("ok", v1, ...) for returned values (ints, signed as the
public API gives them), ("uncaught", p1, ...) for an exception that reaches the
host, with its payload, ("trap",) for a trap.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

# ----------------------------------------------------------------------------- value model

MASK64 = (1 << 64) - 1
CHECK_BASE = 31           # checksums are Horner sums base 31, wrapping like i64
INT_TYPES = ("i32", "i64")
FLOAT_TYPES = ("f32", "f64")


def wrap(bits: int, width: int) -> int:
    """`bits` as a signed `width`-bit integer (two's complement wrap)."""
    bits &= (1 << width) - 1
    return bits - (1 << width) if bits >> (width - 1) else bits


V128_LANES = 4            # v128 values are written and bumped as i32x4
M32 = (1 << 32) - 1


def v128_lanes(v: int) -> list[int]:
    return [(v >> (32 * k)) & M32 for k in range(V128_LANES)]


def v128_from(lanes: Sequence[int]) -> int:
    return sum((x & M32) << (32 * k) for k, x in enumerate(lanes))


def as_i64(t: str, v: Any) -> int:
    """The i64 a value contributes to a checksum: ints sign-extended, floats times 4 truncated,
    a v128 as (low i64 lane) * 7 + (high i64 lane), wrapping."""
    if t in INT_TYPES:
        return int(v)
    if t == "v128":
        return wrap(wrap(v, 64) * 7 + wrap(v >> 64, 64), 64)
    return int(v * 4)


def horner(values: Sequence[int]) -> int:
    """((v0 * 31 + v1) * 31 + v2) ... as i64 arithmetic, starting from 0."""
    acc = 0
    for v in values:
        acc = wrap(acc * CHECK_BASE + v, 64)
    return acc


def checksum(types: Sequence[str], values: Sequence[Any]) -> int:
    return horner([as_i64(t, v) for t, v in zip(types, values)])


def bump(t: str, v: Any) -> Any:
    """The per-hop change of a forwarded argument: ints +1 (wrapping), floats +0.5 (exact)."""
    if t == "i32":
        return wrap(v + 1, 32)
    if t == "i64":
        return wrap(v + 1, 64)
    if t == "v128":
        return v128_from([x + 1 for x in v128_lanes(v)])
    return v + 0.5


def sample(t: str, seed: int) -> Any:
    """A distinct, exactly representable argument value for parameter `seed`."""
    if t == "i32":
        return 100 + 7 * seed
    if t == "i64":
        return 10_000_000_000 + 13 * seed
    if t == "f32":
        return 1.25 + seed          # multiples of 0.25: exact in f32, exact times 4
    if t == "v128":                 # four distinct i32 lanes, top bits set in some
        return v128_from([(0x9E3779B1 * (seed + 1) + 0x01000193 * k) & M32 for k in range(V128_LANES)])
    return 2.75 + 2 * seed


def const(t: str, v: Any) -> str:
    if t == "v128":
        return f"(v128.const i32x4 {' '.join(f'0x{x:08x}' for x in v128_lanes(v))})"
    if t in FLOAT_TYPES:
        return f"({t}.const {float(v)!r})"
    return f"({t}.const {v})"


# WAT fragments that turn a value of type t (on the stack) into its checksum i64
_TO_I64 = {
    "i32": "i64.extend_i32_s",
    "i64": "",
    "f32": "f64.promote_f32 f64.const 4 f64.mul i64.trunc_f64_s",
    "f64": "f64.const 4 f64.mul i64.trunc_f64_s",
}


def wat_checksum(types: Sequence[str], first_local: int = 0) -> str:
    """Flat WAT pushing checksum(types, locals first_local..) as an i64."""
    parts = ["i64.const 0"]
    for i, t in enumerate(types):
        k = first_local + i
        if t == "v128":
            value = f"local.get {k} i64x2.extract_lane 0 i64.const 7 i64.mul local.get {k} i64x2.extract_lane 1 i64.add"
        else:
            value = f"local.get {k} {_TO_I64[t]}"
        parts.append(f"i64.const {CHECK_BASE} i64.mul {value} i64.add")
    return " ".join(p for p in parts)


def wat_horner(pushes: Sequence[str]) -> str:
    """Flat WAT folding a list of i64-pushing fragments with Horner base 31."""
    parts = ["i64.const 0"]
    for p in pushes:
        parts.append(f"i64.const {CHECK_BASE} i64.mul {p} i64.add")
    return " ".join(parts)


def params_decl(types: Sequence[str]) -> str:
    return f"(param {' '.join(types)})" if types else ""


def f32_exact(v: float) -> bool:
    return struct.unpack("<f", struct.pack("<f", v))[0] == v


# ----------------------------------------------------------------------------- case model

@dataclass(frozen=True)
class HostFunc:
    """A host function, described once for every engine.

    `behaviour(ctx, *args)` returns the result (None, a value, or a tuple); `ctx` is
    a HostContext: `ctx.call(instance, export, *args)` calls back into Wasm,
    `ctx.throw(instance, tag_export, *payload)` raises a Wasm exception into the
    caller, and `ctx.WasmException` is the type a host catches to stop one."""
    name: str
    params: tuple[str, ...]
    results: tuple[str, ...]
    behaviour: Callable[..., Any]


@dataclass(frozen=True)
class FromHost:
    func: HostFunc


@dataclass(frozen=True)
class FromInstance:
    instance: int          # index into Case.instances (an earlier one)
    export: str


@dataclass(frozen=True)
class InstanceSpec:
    module: str                                   # key into Case.modules
    imports: tuple[FromHost | FromInstance, ...] = ()


@dataclass(frozen=True)
class Case:
    name: str
    family: str
    modules: dict[str, str]                       # name -> WAT text
    instances: tuple[InstanceSpec, ...]           # instantiated in order; the last is invoked
    expected: tuple                               # ("ok", ...) or ("uncaught", payload...)
    invoke: str = "run"
    args: tuple = ()
    results: tuple[str, ...] = ("i64",)
    legacy: bool = False                          # needs legacy-exceptions (wasmtime cannot run it)
    twin: str | None = None                       # exnref case with the same expected outcome
    stack_signatures: tuple[tuple[str, ...], ...] = ()   # wasm-convention signatures meant to spill
    host_signatures: tuple[tuple[str, ...], ...] = ()    # system-convention (host) signatures meant to spill
    note: str = ""

    def __hash__(self) -> int:
        return hash(self.name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Case) and other.name == self.name


def single(name: str, family: str, wat: str, expected: tuple, **kw) -> Case:
    """A case of one module instantiated once (with host imports if given)."""
    imports = tuple(FromHost(h) for h in kw.pop("hosts", ()))
    return Case(name=name, family=family, modules={"m": wat},
                instances=(InstanceSpec("m", imports),), expected=expected, **kw)


# ----------------------------------------------------------------------------- chains
#
# A chain: run -> catcher(S0) -> hop_1(S1) -> ... -> hop_n(Sn) which throws $e with
# payload (checksum of its params, n) -- or, in "return" mode, returns that checksum.
# Every hop forwards each parameter it shares (same position, same type) with its
# callee, bumped (ints +1, floats +0.5); callee parameters beyond the caller's are
# constants. The catcher sets three locals before the call and folds them, its own
# parameters and the global $trail (bumped by rethrowing hops) into the result, with a
# distinct id per handler:
#   1 normal return, 2 caught $other, 3 caught $e, 4 catch_all.

@dataclass(frozen=True)
class Hop:
    sig: tuple[str, ...]
    via: str = "call"            # how the previous frame reaches this one: call | return_call |
                                 # return_call_indirect | return_call_ref
    guard: str = ""              # "" | "other" (non-matching try_table) | "catch_ref" | "catch_all_ref" |
                                 # "rethrow_stack_arg" | "legacy_rethrow" | "legacy_delegate_outer" |
                                 # "legacy_delegate_caller"
    sink: bool = False           # call the host `sink` (system-convention stack args) before the next call


TRAIL_GUARDS = ("catch_ref", "catch_all_ref", "rethrow_stack_arg", "legacy_rethrow", "legacy_delegate_outer")
LEGACY_GUARDS = ("legacy_rethrow", "legacy_delegate_outer", "legacy_delegate_caller")
SINK_SIG = ("i64",) * 10
RETHROWER_SIG = ("i64",) * 8 + ("exnref",)
L1, L2, L3 = 0x1234567, 2.5, 77       # the catcher's locals


def sink_value(args: Sequence[int]) -> int:
    return horner(list(args))


def _sink_behaviour(ctx, *args):
    return sink_value(args)


SINK = HostFunc("sink", SINK_SIG, ("i64",), _sink_behaviour)


def _hop_args(caller_sig, caller_vals, callee_sig, hop_index):
    """(WAT pushing the callee's arguments, their values)."""
    wat, vals = [], []
    for i, t in enumerate(callee_sig):
        if i < len(caller_sig) and caller_sig[i] == t:
            v = bump(t, caller_vals[i])
            if t in INT_TYPES:
                wat.append(f"({t}.add (local.get {i}) ({t}.const 1))")
            elif t == "v128":
                wat.append(f"(i32x4.add (local.get {i}) (v128.const i32x4 1 1 1 1))")
            else:
                wat.append(f"({t}.add (local.get {i}) ({t}.const 0.5))")
        else:
            v = sample(t, 50 + 10 * hop_index + i)
            wat.append(const(t, v))
        vals.append(v)
    return " ".join(wat), vals


def chain_case(name: str, family: str, catcher_sig: tuple[str, ...], hops: Sequence[Hop], *,
               mode: str = "throw", catcher_style: str = "try_table", catcher_sink: bool = False,
               run_tail: bool = False, twice: bool = False,
               twin: str | None = None, note: str = "") -> Case:
    """Build a chain module and compute its expected outcome."""
    hops = list(hops)
    n = len(hops)
    legacy = catcher_style == "legacy" or any(h.guard in LEGACY_GUARDS for h in hops)
    uses_sink = catcher_sink or any(h.sink for h in hops)
    uses_rethrower = any(h.guard == "rethrow_stack_arg" for h in hops)
    sigs = [tuple(catcher_sig)] + [h.sig for h in hops]
    type_decls = "\n".join(f"  (type $s{k} (func {params_decl(s)} (result i64)))" for k, s in enumerate(sigs))

    # values the model tracks
    a0 = [sample(t, i) for i, t in enumerate(catcher_sig)]
    vals = a0
    sink_total = 0
    funcs: list[str] = []
    tables: list[str] = []
    elem_declare: list[str] = []
    for k, hop in enumerate(hops, start=1):
        caller_sig = sigs[k - 1]
        args_wat, new_vals = _hop_args(caller_sig, vals, hop.sig, k)
        if k > 1:
            # the call from hop k-1 to hop k is emitted inside hop k-1's body
            funcs[-1] = funcs[-1].replace("@CALL@", _call_wat(hops[k - 1], k, args_wat))
        else:
            catcher_call = _call_wat(hop, 1, args_wat)
        if hop.via in ("return_call_indirect", "call_indirect"):
            tables.append(f"$h{k}")
        if hop.via in ("return_call_ref", "call_ref"):
            elem_declare.append(f"$h{k}")
        vals = new_vals
        funcs.append(_hop_wat(k, hop, n, mode))
        if hop.sink:
            sink_total = wrap(sink_total + sink_value([k * 1000 + j for j in range(10)]), 64)
    if hops and hops[0].via.startswith("return_"):
        raise ValueError("the catcher calls hop 1 inside its try: not a tail call")
    last_sig = sigs[-1]
    c = checksum(last_sig, vals)
    bumps = []
    if mode == "throw":
        for k in range(n - 1, 0, -1):                 # innermost handler runs first
            # a guard wraps the call to hop k+1; a tail call to it removes this frame (and its guard)
            if hops[k - 1].guard in TRAIL_GUARDS and not hops[k].via.startswith("return_"):
                bumps.append(k)
    catcher_pars = checksum(catcher_sig, a0)
    if mode == "throw":
        handler, payload = 3, [c, n]
    else:
        handler, payload = 1, [c]
    if catcher_sink:
        sink_total = wrap(sink_total + 2 * sink_value([j for j in range(10)]), 64)
    trail, sinks, results = 0, 0, []
    for _ in range(2 if twice else 1):                # the globals carry over between runs
        for k in bumps:
            trail = horner([trail, k]) if trail else k
        sinks = wrap(sinks + sink_total, 64)
        results.append(horner([handler] + payload + [L1, int(L2 * 4), L3, catcher_pars, trail, sinks]))
    result = horner(results)

    table_wat = ""
    if tables:
        table_wat = f"  (table $t funcref (elem {' '.join(tables)}))\n"
    elem_wat = f"  (elem declare func {' '.join(elem_declare)})\n" if elem_declare else ""
    imports = ""
    if uses_sink:
        imports = f'  (import "host" "sink" (func $sink {params_decl(SINK_SIG)} (result i64)))\n'
    rethrower = ""
    if uses_rethrower:
        rethrower = (f"  (func $rethrower {params_decl(RETHROWER_SIG)} (result i64)\n"
                     f"    (throw_ref (local.get {len(RETHROWER_SIG) - 1})))\n")
    catcher = _catcher_wat(catcher_sig, catcher_call if hops else "", catcher_style, catcher_sink)
    run_args = " ".join(const(t, v) for t, v in zip(catcher_sig, a0))
    if twice:      # the second call proves the first landing pad left SP and the frame intact
        run_body = f"i64.const 0 (call $catcher {run_args}) i64.add i64.const {CHECK_BASE} i64.mul " \
                   f"(call $catcher {run_args}) i64.add"
    elif run_tail:
        run_body = f"(return_call $catcher {run_args})"
    else:
        run_body = f"(call $catcher {run_args})"
    wat = (f"(module\n{imports}{type_decls}\n"
           f"  (tag $e (param i64 i32))\n  (tag $other (param i32))\n"
           f"  (global $trail (mut i64) (i64.const 0))\n"
           f"  (global $sinks (mut i64) (i64.const 0))\n{table_wat}{elem_wat}{rethrower}"
           f"{catcher}\n" + "\n".join(funcs) + "\n"
           f"  (func (export \"run\") (result i64)\n    {run_body})\n)\n")
    # which ordinal positions of the table/elem: indirect calls use the table index
    wat = _resolve_table_indices(wat, tables)
    return Case(name=name, family=family, modules={"m": wat},
                instances=(InstanceSpec("m", (FromHost(SINK),) if uses_sink else ()),),
                expected=("ok", result), legacy=legacy, twin=twin,
                stack_signatures=tuple(dict.fromkeys(sigs)),
                host_signatures=(SINK_SIG,) if uses_sink else (), note=note)


def _call_wat(hop: Hop, k: int, args_wat: str) -> str:
    if hop.via == "call":
        return f"(call $h{k} {args_wat})"
    if hop.via == "return_call":
        return f"(return_call $h{k} {args_wat})"
    if hop.via == "return_call_indirect":
        return f"(return_call_indirect $t (type $s{k}) {args_wat} (i32.const @IDX:$h{k}@))"
    if hop.via == "call_indirect":
        return f"(call_indirect $t (type $s{k}) {args_wat} (i32.const @IDX:$h{k}@))"
    if hop.via == "call_ref":
        return f"(call_ref $s{k} {args_wat} (ref.func $h{k}))"
    if hop.via == "return_call_ref":
        return f"(return_call_ref $s{k} {args_wat} (ref.func $h{k}))"
    raise ValueError(hop.via)


def _resolve_table_indices(wat: str, tables: list[str]) -> str:
    for i, f in enumerate(tables):
        wat = wat.replace(f"@IDX:{f}@", str(i))
    return wat


def _sink_call(k: int) -> str:
    args = " ".join(f"(i64.const {k * 1000 + j})" for j in range(10))
    return f"(global.set $sinks (i64.add (global.get $sinks) (call $sink {args})))"


def _hop_wat(k: int, hop: Hop, n: int, mode: str) -> str:
    """Hop k's function; `@CALL@` marks where the call to hop k+1 goes."""
    sig = hop.sig
    head = f"  (func $h{k} (type $s{k}) {params_decl(sig)} (result i64) (local $junk i64) (local $x exnref)\n" \
           f"    (local.set $junk (i64.const {0x5555 + k}))\n"
    pre = f"    {_sink_call(k)}\n" if hop.sink else ""
    if k == n:
        body = wat_checksum(sig)
        if mode == "throw":
            return head + pre + f"    {body} (i32.const {n}) throw $e\n  )"
        return head + pre + f"    {body}\n  )"
    call = "@CALL@"
    g = hop.guard
    bump_trail = (f"(global.set $trail (if (result i64) (i64.eqz (global.get $trail)) (then (i64.const {k}))"
                  f" (else (i64.add (i64.mul (global.get $trail) (i64.const {CHECK_BASE})) (i64.const {k})))))")
    if g == "":
        inner = f"    {call}\n"
    elif g == "other":
        inner = (f"    (block $o (result i32)\n      (try_table (result i64) (catch $other $o)\n        {call})\n"
                 f"      (return))\n    drop (i64.const -999)\n")
    elif g in ("catch_ref", "catch_all_ref"):
        clause = "(catch_ref $e $r)" if g == "catch_ref" else "(catch_all_ref $r)"
        results = "(result i64 i32 exnref)" if g == "catch_ref" else "(result exnref)"
        drops = "local.set $x drop drop" if g == "catch_ref" else "local.set $x"
        inner = (f"    (block $r {results}\n      (try_table (result i64) {clause}\n        {call})\n"
                 f"      (return))\n    {drops}\n    {bump_trail}\n    (throw_ref (local.get $x))\n")
    elif g == "rethrow_stack_arg":
        args = " ".join(f"(i64.const {j})" for j in range(len(RETHROWER_SIG) - 1))
        inner = (f"    (block $r (result exnref)\n      (try_table (result i64) (catch_all_ref $r)\n        {call})\n"
                 f"      (return))\n    local.set $x\n    {bump_trail}\n"
                 f"    (call $rethrower {args} (local.get $x))\n")
    elif g == "legacy_rethrow":
        inner = (f"    (try (result i64)\n      (do {call})\n"
                 f"      (catch $e drop drop {bump_trail} (rethrow 0)))\n")
    elif g == "legacy_delegate_outer":
        inner = (f"    (try $outer (result i64)\n      (do (try (result i64) (do {call}) (delegate $outer)))\n"
                 f"      (catch $e drop drop {bump_trail} (rethrow 0)))\n")
    elif g == "legacy_delegate_caller":
        # the outer catch must be skipped: delegate 1 targets the function body, i.e. the caller
        inner = (f"    (try (result i64)\n      (do (try (result i64) (do {call}) (delegate 1)))\n"
                 f"      (catch $e drop drop (i64.const -777)))\n")
    else:
        raise ValueError(g)
    return head + pre + inner + "  )"


def _catcher_wat(sig, call: str, style: str, sink: bool) -> str:
    n = len(sig)
    l1, l2, l3 = n + 1, n + 2, n + 3          # local n is an unused i64

    def fold(handler: int, payload: list[str]) -> str:
        pushes = [f"i64.const {handler}"] + payload + [f"local.get {l1}",
                  f"local.get {l2} f64.const 4 f64.mul i64.trunc_f64_s",
                  f"local.get {l3} i64.extend_i32_s", wat_checksum(sig),
                  "global.get $trail", "global.get $sinks"]
        return wat_horner(pushes)

    head = (f"  (func $catcher {params_decl(sig)} (result i64)\n"
            f"    (local i64) (local $l1 i64) (local $l2 f64) (local $l3 i32) (local $c i64) (local $d i32)\n"
            f"    (local.set $l1 (i64.const {L1})) (local.set $l2 (f64.const {L2})) (local.set $l3 (i32.const {L3}))\n")
    pre = f"    {_sink_call(0)}\n" if sink else ""
    post_sink = f"{_sink_call(0)} " if sink else ""
    on_e = ["local.get $c", "local.get $d i64.extend_i32_u"]
    if style == "try_table":
        body = (f"    (block $all\n      (block $he (result i64 i32)\n        (block $ho (result i32)\n"
                f"          (try_table (result i64) (catch $other $ho) (catch $e $he) (catch_all $all)\n"
                f"            {post_sink}{call})\n"
                f"          local.set $c {fold(1, ['local.get $c'])} return)\n"
                f"        drop {fold(2, [])} return)\n"
                f"      local.set $d local.set $c {fold(3, on_e)} return)\n"
                f"    {fold(4, [])}\n  )")
    elif style == "legacy":
        body = (f"    (try (result i64)\n      (do {post_sink}{call} local.set $c {fold(1, ['local.get $c'])})\n"
                f"      (catch $other drop {fold(2, [])})\n"
                f"      (catch $e local.set $d local.set $c {fold(3, on_e)})\n"
                f"      (catch_all {fold(4, [])}))\n  )")
    else:
        raise ValueError(style)
    return head + pre + body


# ----------------------------------------------------------------------------- the cases

def ints(n: int, t: str = "i32") -> tuple[str, ...]:
    return (t,) * n


def _mixed(n_int: int, n_float: int) -> tuple[str, ...]:
    out, i, f = [], 0, 0
    while i < n_int or f < n_float:
        if i < n_int:
            out.append("i32" if i % 3 else "i64")
            i += 1
        if f < n_float:
            out.append("f64" if f % 2 else "f32")
            f += 1
    return tuple(out)


def register_overflow_cases() -> list[Case]:
    """Signatures overflowing x86_64-sysv's wasm int registers (4) by 1..6, float registers
    (8) by 1..4, and mixed; thrown 1, 2 and 5 frames below the catcher."""
    out = []
    for label, sig in overflow_signatures():
        for depth in (1, 2, 5):
            hops = [Hop(sig, guard="other" if k % 2 == 0 else "") for k in range(1, depth + 1)]
            out.append(chain_case(f"overflow-{label}-depth{depth}", "register-overflow", sig, hops))
    # the catcher has no stack args but the throwing frames do, and vice versa
    out.append(chain_case("overflow-catcher-regs-only", "register-overflow", ("i32",),
                          [Hop(ints(9)), Hop(ints(9))]))
    out.append(chain_case("overflow-thrower-regs-only", "register-overflow", ints(9),
                          [Hop(ints(9)), Hop(("i32", "i32"))]))
    out.append(chain_case("overflow-return-path", "register-overflow", ints(9),
                          [Hop(ints(9)), Hop(_mixed(7, 10))], mode="return"))
    return out


def overflow_signatures() -> list[tuple[str, tuple[str, ...]]]:
    """Signatures overflowing x86_64-sysv's wasm int registers (4) by 1..6, float registers
    (8) by 1..4, and mixed ones."""
    sigs: list[tuple[str, tuple[str, ...]]] = []
    for k in range(1, 7):
        sigs.append((f"int+{k}", tuple("i64" if j % 4 == 3 else "i32" for j in range(4 + k))))
    for k in range(1, 5):
        sigs.append((f"float+{k}", tuple("f32" if j % 3 == 1 else "f64" for j in range(8 + k))))
    sigs.append(("mixed-5i-9f", _mixed(5, 9)))
    sigs.append(("mixed-7i-10f", _mixed(7, 10)))
    sigs.append(("mixed-10i-12f", _mixed(10, 12)))
    return sigs


def tail_resize_cases() -> list[Case]:
    """A tail call that resizes the callee-popped area, for every overflow signature: a
    one-parameter hop return_calls the signature (the area grows from what the catcher
    reserved), or a hop of the signature return_calls a one-parameter function (it
    shrinks); the function reached throws. Under reserved outgoing areas these are the
    frames that are not contiguous, where a walker that takes the catcher's SP from the
    FP below it goes wrong."""
    out = []
    for label, sig in overflow_signatures():
        out.append(chain_case(f"tail-grow-into-{label}", "tail-resize", ("i32",),
                              [Hop(("i32",)), Hop(sig, via="return_call")]))
        out.append(chain_case(f"tail-shrink-from-{label}", "tail-resize", ("i32",),
                              [Hop(sig), Hop(("i32",), via="return_call")]))
    return out


def tail_call_cases() -> list[Case]:
    """return_call / return_call_indirect / return_call_ref into functions with more
    stack arguments than their caller, then a throw (Wasmtime #11489)."""
    five = ints(5)
    out = [
        chain_case("tail-11489", "tail-call", ("i32",),
                   [Hop(("i32",)), Hop(five, via="return_call")],
                   note="the issue's shape: a one-parameter function tail-calls a five-i32 one that throws"),
        chain_case("tail-11489-catcher-stack-args", "tail-call", five,
                   [Hop(("i32",)), Hop(five, via="return_call")]),
        chain_case("tail-grow-twice", "tail-call", ("i64",),
                   [Hop(("i64",)), Hop(ints(6), via="return_call"), Hop(_mixed(9, 10), via="return_call")]),
        chain_case("tail-shrink-then-grow", "tail-call", ints(3),
                   [Hop(ints(12)), Hop(("i32",), via="return_call"), Hop(ints(11), via="return_call")]),
        chain_case("tail-odd-to-even", "tail-call", ints(2),
                   [Hop(ints(5)), Hop(ints(6), via="return_call"), Hop(ints(7), via="return_call")],
                   note="1, 2 and 3 stack arguments on sysv: padding appears and disappears"),
        chain_case("tail-indirect-grow", "tail-call", ("i32",),
                   [Hop(("i32",)), Hop(ints(10), via="return_call_indirect")]),
        chain_case("tail-ref-grow", "tail-call", ("i32",),
                   [Hop(("i32",)), Hop(_mixed(6, 11), via="return_call_ref")]),
        chain_case("tail-then-call-then-throw", "tail-call", ("i32",),
                   [Hop(("i32",)), Hop(ints(8), via="return_call"), Hop(ints(9), guard="other"),
                    Hop(ints(5))]),
        chain_case("tail-grow-return-path", "tail-call", ("i32",),
                   [Hop(("i32",)), Hop(ints(6), via="return_call"), Hop(ints(11), via="return_call")],
                   mode="return"),
        chain_case("tail-floats-grow", "tail-call", ("f64",),
                   [Hop(("f64",)), Hop(tuple("f64" for _ in range(13)), via="return_call")]),
    ]
    return out


def stack_count_cases() -> list[Case]:
    """Exactly 1 and 2 spilled arguments on each target (alignment padding for odd counts)."""
    out = []
    # sysv: 4 int regs for wasm params; windows 2; aarch64 6
    for target, regs in (("sysv", 4), ("windows", 2), ("aarch64", 6)):
        for spilled in (1, 2, 3):
            sig = ints(regs + spilled)
            out.append(chain_case(f"spill{spilled}-{target}", "stack-count", sig,
                                  [Hop(sig), Hop(sig, guard="other")]))
    return out


def rethrow_cases() -> list[Case]:
    """catch_ref / catch_all_ref + throw_ref through stack-argument frames, an exnref
    passed as a stack argument, and the legacy rethrow/delegate forms with exnref twins."""
    s = ints(9)
    m = _mixed(6, 10)
    out = [
        chain_case("rethrow-catch-ref", "rethrow", s,
                   [Hop(s), Hop(s, guard="catch_ref"), Hop(m)]),
        chain_case("rethrow-catch-all-ref", "rethrow", s,
                   [Hop(m, guard="catch_all_ref"), Hop(s), Hop(s)]),
        chain_case("rethrow-every-frame", "rethrow", m,
                   [Hop(s, guard="catch_ref"), Hop(m, guard="catch_all_ref"), Hop(s, guard="catch_ref"),
                    Hop(m)]),
        chain_case("rethrow-exnref-stack-arg", "rethrow", s,
                   [Hop(s), Hop(m, guard="rethrow_stack_arg"), Hop(s)],
                   note="the exnref is the 9th argument of $rethrower: on the stack on every target"),
        chain_case("rethrow-after-tail-call", "rethrow", ("i32",),
                   [Hop(("i32",), guard="catch_ref"), Hop(("i32",)), Hop(ints(10), via="return_call"), Hop(s)]),
        chain_case("rethrow-guard-dropped-by-tail-call", "rethrow", ("i32",),
                   [Hop(("i32",)), Hop(("i32",), guard="catch_ref"), Hop(ints(10), via="return_call"), Hop(s)],
                   note="hop 2's catch_ref wraps a return_call: the tail call removes the frame and its handler"),
    ]
    # legacy forms; each has an exnref twin computing the same number on wasmtime
    out += [
        chain_case("legacy-catch-in-stack-arg-frame", "legacy", s,
                   [Hop(s), Hop(m)], catcher_style="legacy", twin="legacy-twin-catch"),
        chain_case("legacy-twin-catch", "legacy-twin", s, [Hop(s), Hop(m)]),
        chain_case("legacy-rethrow", "legacy", s,
                   [Hop(s), Hop(m, guard="legacy_rethrow"), Hop(s)], catcher_style="legacy",
                   twin="legacy-twin-rethrow"),
        chain_case("legacy-twin-rethrow", "legacy-twin", s,
                   [Hop(s), Hop(m, guard="catch_ref"), Hop(s)]),
        chain_case("legacy-delegate-outer", "legacy", s,
                   [Hop(m, guard="legacy_delegate_outer"), Hop(s), Hop(m, guard="legacy_rethrow"), Hop(s)],
                   twin="legacy-twin-delegate-outer"),
        chain_case("legacy-twin-delegate-outer", "legacy-twin", s,
                   [Hop(m, guard="catch_ref"), Hop(s), Hop(m, guard="catch_ref"), Hop(s)]),
        chain_case("legacy-delegate-caller", "legacy", s,
                   [Hop(s), Hop(m, guard="legacy_delegate_caller"), Hop(s)], catcher_style="legacy",
                   twin="legacy-twin-delegate-caller"),
        chain_case("legacy-twin-delegate-caller", "legacy-twin", s, [Hop(s), Hop(m), Hop(s)]),
    ]
    return out


def outgoing_area_cases() -> list[Case]:
    """Frames that call the host `sink` with 10 i64 (system convention: sysv 4 on the
    stack, windows 6 + 32 bytes shadow, aarch64 2), so their outgoing argument area is
    non-empty; the catching frame is one of them."""
    s = ints(9)
    return [
        chain_case("outgoing-catcher", "outgoing-area", s, [Hop(s), Hop(s)], catcher_sink=True),
        chain_case("outgoing-every-frame", "outgoing-area", s,
                   [Hop(s, sink=True), Hop(_mixed(6, 10), sink=True, guard="other"), Hop(s, sink=True)],
                   catcher_sink=True),
        chain_case("outgoing-with-rethrow", "outgoing-area", ("i32",),
                   [Hop(s, sink=True, guard="catch_ref"), Hop(("i32",)), Hop(ints(10), via="return_call", sink=True)],
                   catcher_sink=True),
        chain_case("outgoing-return-path", "outgoing-area", s, [Hop(s, sink=True), Hop(s, sink=True)],
                   catcher_sink=True, mode="return"),
    ]


# ----------------------------------------------------------------------------- deep unwinding

DEEP = 1000
DEEP_SIG = ints(8)


def _deep_wat(per_level: str) -> str:
    """$rec(n, p1..p7): at n == 0 throws $e(checksum(params), 0); otherwise recurses with
    every parameter bumped. `per_level` wraps the recursive call."""
    rec_args = "(i32.sub (local.get 0) (i32.const 1)) " + " ".join(
        f"(i32.add (local.get {i}) (i32.const 1))" for i in range(1, 8))
    call = f"(call $rec {rec_args})"
    bump_trail = ("(global.set $trail (i64.add (i64.mul (global.get $trail) (i64.const 3)) "
                  "(i64.extend_i32_u (local.get 0))))")
    if per_level == "plain":
        level = call
    elif per_level == "other":
        level = (f"(block $o (result i32) (try_table (result i64) (catch $other $o) {call}) (return))"
                 f" drop (i64.const -999)")
    elif per_level == "catch_ref":
        level = (f"(block $r (result i64 i32 exnref) (try_table (result i64) (catch_ref $e $r) {call})"
                 f" (return)) local.set $x drop drop {bump_trail} (throw_ref (local.get $x))")
    elif per_level == "alternate_tail":
        tail_args = "(i32.sub (local.get 0) (i32.const 1)) " + " ".join(
            f"(i32.add (local.get {i}) (i32.const 1))" for i in range(1, 8)) + " (i32.const 5) (i32.const 6)"
        level = (f"(if (result i64) (i32.and (local.get 0) (i32.const 1))"
                 f" (then (return_call $rec_wide {tail_args})) (else {call}))")
    else:
        raise ValueError(per_level)
    wide = ""
    if per_level == "alternate_tail":
        wide = ("  (func $rec_wide (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i64)\n"
                "    (call $rec (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4)"
                " (local.get 5) (local.get 6) (i32.add (local.get 7) (i32.add (local.get 8) (local.get 9)))))\n")
    pars = params_decl(DEEP_SIG)
    return f"""(module
  (tag $e (param i64 i32))
  (tag $other (param i32))
  (global $trail (mut i64) (i64.const 0))
  (func $rec {pars} (result i64) (local $x exnref)
    (if (i32.eqz (local.get 0)) (then {wat_checksum(DEEP_SIG)} (i32.const 0) (throw $e)))
    {level})
{wide}  (func (export "run") (param $depth i32) (result i64) (local $l i64)
    (local.set $l (i64.const 4242))
    (block $he (result i64 i32)
      (try_table (result i64) (catch $e $he)
        (call $rec (local.get $depth) (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4)
                   (i32.const 5) (i32.const 6) (i32.const 7)))
      (return))
    i64.extend_i32_u
    (i64.add (i64.mul (global.get $trail) (i64.const 1000003)))
    (i64.add (i64.mul (local.get $l) (i64.const 7)))
    i64.add)
)
"""


def _deep_expected(depth: int, per_level: str) -> int:
    n, p = depth, [1, 2, 3, 4, 5, 6, 7]
    trail = 0
    levels = []
    while n > 0:
        levels.append(n)
        if per_level == "alternate_tail" and n & 1:
            # $rec_wide(n-1, p+1..., 5, 6) then $rec(n-1, p1..p6, p7 + 11)
            p = [x + 1 for x in p]
            p[6] += 11
        else:
            p = [x + 1 for x in p]
        n -= 1
    c = checksum(DEEP_SIG, [0] + p)
    if per_level == "catch_ref":
        for level in reversed(levels):          # innermost (n = 1) first
            trail = wrap(trail * 3 + level, 64)
    # stack at the handler: c (i64), 0 (i32) -> extend 0; result = c + (0 + trail*1000003 + l*7)
    return wrap(c + wrap(0 + trail * 1000003 + 4242 * 7, 64), 64)


def deep_cases() -> list[Case]:
    out = []
    for per_level in ("plain", "other", "catch_ref", "alternate_tail"):
        out.append(single(f"deep-{DEEP}-{per_level}", "deep", _deep_wat(per_level),
                          ("ok", _deep_expected(DEEP, per_level)), args=(DEEP,),
                          stack_signatures=(DEEP_SIG,)))
    return out


# ----------------------------------------------------------------------------- two instances

TWO_INSTANCES_WAT = """(module
  (import "env" "callee" (func $callee (param i32 i32 i32 i32 i32 i32 i32) (result i64)))
  (tag $e (export "e") (param i64))
  (func $throw_e (export "throw_e") (param i32 i32 i32 i32 i32 i32 i32) (result i64)
    (throw $e (i64.extend_i32_s (local.get 6))))
  ;; catches *this instance's* $e: 1000 + payload; anything else: 2000
  (func $catch (param i32) (result i64)
    (block $all
      (block $mine (result i64)
        (try_table (result i64) (catch $e $mine) (catch_all $all)
          (if (result i64) (local.get 0)
            (then (call $callee (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4)
                                (i32.const 5) (i32.const 6) (i32.const 7)))
            (else (call $throw_e (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4)
                                 (i32.const 5) (i32.const 6) (i32.const 8)))))
        (return))
      (return (i64.add (i64.const 1000))))
    (i64.const 2000))
  (func (export "run_imported") (result i64) (call $catch (i32.const 1)))
  (func (export "run_own") (result i64) (call $catch (i32.const 0)))
)"""

IMPORTED_TAG_WAT = """(module
  (import "env" "tag" (tag $e (param i64)))
  (import "env" "callee" (func $callee (param i32 i32 i32 i32 i32 i32 i32) (result i64)))
  (func (export "run") (result i64)
    (block $all
      (block $mine (result i64)
        (try_table (result i64) (catch $e $mine) (catch_all $all)
          (call $callee (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4) (i32.const 5)
                        (i32.const 6) (i32.const 9)))
        (return))
      (return (i64.add (i64.const 1000))))
    (i64.const 2000))
)"""


def _never_called(ctx, *args):
    raise AssertionError("host callee of instance B must not be called")


NEVER = HostFunc("callee", ("i32",) * 7, ("i64",), _never_called)


def two_instance_cases() -> list[Case]:
    """One module instantiated twice: A's handler for its own $e must not catch B's $e."""
    b = InstanceSpec("two", (FromHost(NEVER),))
    sig = (("i32",) * 7,)
    return [
        Case("instances-foreign-tag-not-caught", "two-instances", {"two": TWO_INSTANCES_WAT},
             (b, InstanceSpec("two", (FromInstance(0, "throw_e"),))), ("ok", 2000),
             invoke="run_imported", stack_signatures=sig,
             note="A calls B's thrower; B's $e is not A's $e, so A's catch_all runs"),
        Case("instances-own-tag-caught", "two-instances", {"two": TWO_INSTANCES_WAT},
             (b, InstanceSpec("two", (FromInstance(0, "throw_e"),))), ("ok", 1008),
             invoke="run_own", stack_signatures=sig),
        Case("instances-imported-tag-matches", "two-instances",
             {"two": TWO_INSTANCES_WAT, "imp": IMPORTED_TAG_WAT},
             (b, InstanceSpec("two", (FromHost(NEVER),)),
              InstanceSpec("imp", (FromInstance(0, "e"), FromInstance(0, "throw_e")))),
             ("ok", 1009), stack_signatures=sig,
             note="the catcher imports B's tag and calls B's thrower: it matches"),
        Case("instances-imported-tag-other-instance", "two-instances",
             {"two": TWO_INSTANCES_WAT, "imp": IMPORTED_TAG_WAT},
             (b, InstanceSpec("two", (FromHost(NEVER),)),
              InstanceSpec("imp", (FromInstance(1, "e"), FromInstance(0, "throw_e")))),
             ("ok", 2000), stack_signatures=sig,
             note="the catcher imports the second instance's tag but B throws: no match"),
    ]


# ----------------------------------------------------------------------------- host frames

HOST_WAT = """(module
  (import "host" "mid" (func $host_mid (param i64 i64 i64 i64 i64 i64 i64 i64 i64 i64) (result i64)))
  (import "host" "thrower" (func $host_thrower (param i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i64)))
  (tag $e (export "e") (param i64 i32))
  (tag $f (export "f") (param i64))
  ;; Wasm called by the host: 9 and 11 i32 parameters (stack arguments on every target)
  (func $deeper (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i64)
    (throw $e (i64.add (i64.extend_i32_s (local.get 10)) (i64.mul (i64.extend_i32_s (local.get 0)) (i64.const 100)))
              (i32.const 7)))
  (func (export "inner") (param i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i64)
    (call $deeper (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4)
                  (local.get 5) (local.get 6) (local.get 7) (local.get 8) (i32.const 10) (local.get 8)))
  (func (export "inner_f") (param i64) (result i64)
    (throw $f (local.get 0)))
  ;; a Wasm frame with stack arguments between the catcher and the host thrower
  (func $mid (param i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i64)
    (call $host_thrower (local.get 0) (local.get 2) (local.get 4) (local.get 6) (local.get 7)
                        (local.get 8) (i32.const 3) (local.get 1) (local.get 3)))
  ;; handlers: normal 1_000_000 + value, $e 30_000_000 + payload*1000 + code, $f 50_000_000,
  ;; catch_all 70_000_000; each adds the locals and the last (stack-passed) parameter
  (func $catcher (param $how i32) (param i32 i32 i32 i32 i32 i32 i32 i32) (result i64)
    (local $l1 i64) (local $l2 i32) (local $p i64) (local $q i32)
    (local.set $l1 (i64.const 5151)) (local.set $l2 (i32.const 17))
    (block $all
      (block $hf (result i64)
        (block $he (result i64 i32)
          (try_table (result i64) (catch $e $he) (catch $f $hf) (catch_all $all)
            (if (result i64) (i32.eqz (local.get $how))
              (then (call $host_mid (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4) (i64.const 5)
                                    (i64.const 6) (i64.const 7) (i64.const 8) (i64.const 9)
                                    (i64.extend_i32_s (local.get 8))))
              (else (call $mid (local.get 1) (local.get 2) (local.get 3) (local.get 4) (local.get 5)
                               (local.get 6) (local.get 7) (local.get 8) (local.get $how)))))
          local.get $l1 i64.add local.get $l2 i64.extend_i32_s i64.add
          i64.const 1000000 i64.add return)
        local.set $q local.set $p
        local.get $p i64.const 1000 i64.mul local.get $q i64.extend_i32_s i64.add
        local.get $l1 i64.add local.get $l2 i64.extend_i32_s i64.add
        i64.const 30000000 i64.add local.get 8 i64.extend_i32_s i64.add return)
      drop
      i64.const 50000000 local.get $l1 i64.add local.get 8 i64.extend_i32_s i64.add return)
    i64.const 70000000 local.get $l1 i64.add)
  (func (export "run") (param $how i32) (result i64)
    (call $catcher (local.get $how) (i32.const 11) (i32.const 12) (i32.const 13) (i32.const 14)
                   (i32.const 15) (i32.const 16) (i32.const 17) (i32.const 18)))
  ;; caught by catch_ref, rethrown with throw_ref, reaches the host uncaught
  (func (export "run_uncaught") (result i64)
    (block $r (result i64 i32 exnref)
      (try_table (result i64) (catch_ref $e $r)
        (call $host_mid (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4) (i64.const 5)
                        (i64.const 6) (i64.const 7) (i64.const 8) (i64.const 9) (i64.const 40)))
      (return))
    throw_ref)
)"""

LOCALS = 5151 + 17          # the catcher's $l1 + $l2
LAST_PARAM = 18              # the catcher's last (stack-passed) parameter


def _mid_calls_inner(ctx, *args):
    """Wasm -> host (10 i64: the system convention spills) -> Wasm `inner` (9 i32) -> throws."""
    return ctx.call(0, "inner", *args[1:10])


def _mid_swallows(ctx, *args):
    """The host stops the inner exception and returns normally."""
    try:
        ctx.call(0, "inner", *args[1:10])
    except ctx.WasmException as exn:
        return 10 * exn.payload[0] + exn.payload[1]
    raise AssertionError("inner returned normally")


def _throw_e(ctx, *args):
    ctx.throw(0, "e", sum((i + 1) * a for i, a in enumerate(args)), 5)


def _throw_f(ctx, *args):
    ctx.throw(0, "f", args[-1] * 1000 + args[0])


def _call_inner_f(ctx, *args):
    return ctx.call(0, "inner_f", args[-1] + 1)


def _unused(ctx, *args):
    raise AssertionError("not called in this case")


def _host_case(name: str, mid: Callable, thrower: Callable, how: int | None, expected: tuple, *,
               note: str = "") -> Case:
    hosts = (HostFunc("mid", ("i64",) * 10, ("i64",), mid),
             HostFunc("thrower", ("i32",) * 9, ("i64",), thrower))
    return single(name, "host-frames", HOST_WAT, expected, hosts=hosts,
                  invoke="run" if how is not None else "run_uncaught",
                  args=(how,) if how is not None else (),
                  stack_signatures=(("i32",) * 9, ("i32",) * 11),
                  host_signatures=(("i64",) * 10, ("i32",) * 9), note=note)


def host_cases() -> list[Case]:
    # how=0: host_mid(1..9, 18) -> inner(2..9, 18) -> deeper(2..9, 18, 10, 18): payload 18 + 2*100
    inner_payload = 18 + 2 * 100
    # how=1: $mid(11..18, 1) -> host thrower(11, 13, 15, 17, 18, 1, 3, 12, 14)
    weighted = sum((i + 1) * a for i, a in enumerate((11, 13, 15, 17, 18, 1, 3, 12, 14)))
    return [
        _host_case("host-wasm-host-wasm-throw", _mid_calls_inner, _unused, 0,
                   ("ok", 30_000_000 + inner_payload * 1000 + 7 + LOCALS + LAST_PARAM),
                   note="Wasm -> host -> Wasm -> Wasm throws, caught in the outer Wasm"),
        _host_case("host-throws-into-wasm", _unused, _throw_e, 1,
                   ("ok", 30_000_000 + weighted * 1000 + 5 + LOCALS + LAST_PARAM),
                   note="a host function raises the exception; a Wasm frame with stack args lies between"),
        _host_case("host-throws-other-tag", _unused, _throw_f, 2,
                   ("ok", 50_000_000 + 5151 + LAST_PARAM),
                   note="the host throws $f: the tag, not the order of handlers, picks the $f handler"),
        _host_case("host-swallows", _mid_swallows, _unused, 0,
                   ("ok", 1_000_000 + 10 * inner_payload + 7 + LOCALS),
                   note="the host catches the inner Wasm's exception and returns normally"),
        _host_case("host-calls-wasm-that-throws-f", _call_inner_f, _unused, 0,
                   ("ok", 50_000_000 + 5151 + LAST_PARAM),
                   note="$f thrown by Wasm the host called passes through the host frame"),
        _host_case("host-uncaught-to-host", _mid_calls_inner, _unused, None,
                   ("uncaught", 40 + 2 * 100, 7),
                   note="caught by catch_ref at the top, rethrown with throw_ref, reaches the host"),
    ]


# ----------------------------------------------------------------------------- frame reuse and odd shapes

def frame_reuse_cases() -> list[Case]:
    """After a landing pad the frame must be whole: the catcher is called twice (the second
    call's stack arguments are pushed from the SP the first landing pad restored); the
    catcher is itself reached by a tail call; hops through call_indirect and call_ref."""
    s = ints(9)
    m = _mixed(6, 10)
    return [
        chain_case("reuse-catch-twice", "frame-reuse", s, [Hop(s), Hop(m)], twice=True),
        chain_case("reuse-catch-twice-rethrow-sink", "frame-reuse", s,
                   [Hop(m, guard="catch_ref", sink=True), Hop(s), Hop(s)], catcher_sink=True, twice=True),
        chain_case("reuse-catch-twice-after-tail-call", "frame-reuse", ("i32",),
                   [Hop(("i32",)), Hop(ints(11), via="return_call"), Hop(s)], twice=True),
        chain_case("reuse-catcher-reached-by-tail-call", "frame-reuse", s, [Hop(s), Hop(m)], run_tail=True),
        chain_case("reuse-call-indirect-and-ref", "frame-reuse", s,
                   [Hop(m, guard="catch_ref"), Hop(s, via="call_indirect", guard="other"),
                    Hop(m, via="call_ref", guard="catch_all_ref"), Hop(s, via="call_indirect")]),
    ]


LOCAL_THROW_WAT = """(module
  (tag $e (param i64 i32))
  ;; throws inside its own try_table: the throw is a call site of this very frame
  (func $f (param i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i64) (local $l i64)
    (local.set $l (i64.const 99))
    (block $h (result i64 i32)
      (try_table (result i64) (catch $e $h)
        (throw $e (i64.extend_i32_s (local.get 8)) (local.get 0)))
      return)
    i64.extend_i32_s i64.const 1000 i64.mul i64.add
    local.get $l i64.add
    local.get 7 i64.extend_i32_s i64.const 1000000 i64.mul i64.add)
  (func $g (param i32) (result i64)
    (return_call $f (local.get 0) (i32.const 2) (i32.const 3) (i32.const 4) (i32.const 5)
                    (i32.const 6) (i32.const 7) (i32.const 8) (i32.const 9)))
  (func (export "run") (result i64)
    (call $f (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4) (i32.const 5) (i32.const 6)
             (i32.const 7) (i32.const 8) (i32.const 9)))
  (func (export "run_tail") (result i64) (call $g (i32.const 1)))
)"""

WIDE_TAG = ("i32", "i64", "f32", "f64", "i32", "i64", "f32", "f64", "i32", "i64")
WIDE_CATCHER = ints(6)


def _wide_payload_wat() -> str:
    n = len(WIDE_CATCHER)
    thr_args = " ".join(const(t, sample(t, 30 + i)) for i, t in enumerate(WIDE_TAG))
    locals_ = " ".join(f"(local {t})" for t in WIDE_TAG)
    sets = " ".join(f"local.set {n + i}" for i in reversed(range(len(WIDE_TAG))))
    catcher_args = " ".join(const(t, sample(t, i)) for i, t in enumerate(WIDE_CATCHER))
    return f"""(module
  (tag $w (param {' '.join(WIDE_TAG)}))
  (func $thr (param {' '.join(WIDE_TAG)}) (result i64)
    (throw $w {' '.join(f'(local.get {i})' for i in range(len(WIDE_TAG)))}))
  (func $catcher (param {' '.join(WIDE_CATCHER)}) (result i64) {locals_}
    (block $h (result {' '.join(WIDE_TAG)})
      (try_table (result i64) (catch $w $h) (call $thr {thr_args}))
      return)
    {sets}
    {wat_horner([wat_checksum(WIDE_TAG, n), wat_checksum(WIDE_CATCHER)])})
  (func (export "run") (result i64) (call $catcher {catcher_args}))
)"""


MULTI_RESULTS = ("i64", "i64", "i64", "f64", "f64", "f64")

RETURN_AREA_WAT = """(module
  (tag $e (param i64))
  ;; six results: on x86-64 two int and two float return registers, the rest in a return area
  (func $multi (param i32 i32 i32 i32 i32 i32 i32 i32) (result i64 i64 i64 f64 f64 f64)
    (if (local.get 7) (then (throw $e (i64.extend_i32_s (local.get 7)))))
    (i64.extend_i32_s (local.get 0)) (i64.extend_i32_s (local.get 1)) (i64.extend_i32_s (local.get 2))
    (f64.convert_i32_s (local.get 3)) (f64.convert_i32_s (local.get 4)) (f64.convert_i32_s (local.get 5)))
  (func $catcher (param $flag i32) (result i64) (local i64 i64 i64 f64 f64 f64)
    (block $h (result i64)
      (try_table (result i64 i64 i64 f64 f64 f64) (catch $e $h)
        (call $multi (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4) (i32.const 5) (i32.const 6)
                     (i32.const 7) (local.get $flag)))
      local.set 6 local.set 5 local.set 4 local.set 3 local.set 2 local.set 1
      @FOLD@
      return)
    i64.const 5000 i64.add)
  (func (export "run") (result i64)
    i64.const 0 (call $catcher (i32.const 0)) i64.add i64.const 31 i64.mul
    (call $catcher (i32.const 3)) i64.add)
)"""


def odd_shape_cases() -> list[Case]:
    wide_payload = [sample(t, 30 + i) for i, t in enumerate(WIDE_TAG)]
    wide = horner([checksum(WIDE_TAG, wide_payload),
                   checksum(WIDE_CATCHER, [sample(t, i) for i, t in enumerate(WIDE_CATCHER)])])
    normal = checksum(MULTI_RESULTS, (1, 2, 3, 4.0, 5.0, 6.0))
    return [
        single("local-throw-in-stack-arg-frame", "odd-shapes", LOCAL_THROW_WAT, ("ok", 9 + 1000 + 99 + 8_000_000),
               stack_signatures=(ints(9),), note="throw and handler in one frame with stack arguments"),
        single("local-throw-after-tail-call", "odd-shapes", LOCAL_THROW_WAT, ("ok", 9 + 1000 + 99 + 8_000_000),
               invoke="run_tail", stack_signatures=(ints(1), ints(9))),
        single("wide-payload", "odd-shapes", _wide_payload_wat(), ("ok", wide),
               stack_signatures=(WIDE_TAG, WIDE_CATCHER),
               note="a ten-value payload of mixed types delivered to the landing pad"),
        single("return-area-callee-throws", "odd-shapes",
               RETURN_AREA_WAT.replace("@FOLD@", wat_checksum(MULTI_RESULTS, 1)),
               ("ok", horner([normal, 5003])), stack_signatures=(ints(8),),
               note="the callee returns six values (return area) and, the second time, throws"),
    ]


TRAP_WAT = """(module
  (tag $e (param i64 i32))
  (func $bottom (param i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i64)
    (if (local.get 8) (then unreachable))
    (throw $e (i64.const 1) (i32.const 2)))
  (func $mid (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i64)
    (return_call $bottom (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4)
                         (local.get 5) (local.get 6) (local.get 7) (local.get 9)))
  ;; catch_all must not catch a trap; after a caught exception the same frame traps on request
  (func (export "run") (param $trap i32) (result i64)
    (block $all
      (try_table (result i64) (catch_all $all)
        (call $mid (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4) (i32.const 5) (i32.const 6)
                   (i32.const 7) (i32.const 8) (i32.const 9) (local.get $trap)))
      return)
    (i64.const 4))
)"""


def trap_cases() -> list[Case]:
    """Traps are not exceptions: a catch_all above a trapping frame with stack arguments
    does not run; the outcome is ("trap",)."""
    sigs = (ints(9), ints(10))
    return [
        single("trap-not-caught-by-catch-all", "traps", TRAP_WAT, ("trap",), args=(1,), stack_signatures=sigs),
        single("trap-module-exception-caught", "traps", TRAP_WAT, ("ok", 4), args=(0,), stack_signatures=sigs),
    ]


# ----------------------------------------------------------------------------- v128 stack arguments

# Eight v128 fill the vector registers of sysv and aarch64 (windows: four); then ints and
# v128 alternate, so that on every target an odd number of 8-byte slots precedes a v128
# stack argument somewhere and its 16-byte alignment inserts padding that moves every
# later address. Stack areas: sysv 5 ints + 3 v128 = 112 bytes (padding before each
# v128), windows 8 ints + 7 v128 = 192, aarch64 3 ints + 3 v128 = 96.
V_ODD = ("v128",) * 8 + ("i32", "i64", "i32", "i64", "i32", "i32") + ("i32", "v128", "i64", "v128", "i32", "v128")
# one int, then v128 only: on the stack sysv/aarch64 2 v128 after 0 int slots, windows 1 int + 6 v128
V_WIDE = ("i32",) + ("v128",) * 10
VTAG = ("v128", "i32", "v128", "f64", "v128")


def v128_cases() -> list[Case]:
    """v128 stack arguments (16 bytes, 16-aligned, padding after odd 8-byte slots) in every
    situation the other families cover: thrown through, tail calls into wider v128
    signatures, catch_ref / throw_ref and legacy catch in frames with v128 stack arguments,
    a catcher whose outgoing area holds v128 arguments, and a payload of v128 values."""
    o, w = V_ODD, V_WIDE
    return [
        chain_case("v128-odd-slots-depth1", "v128", o, [Hop(o)],
                   note="catcher and thrower with 5/8/3 int and 3/7/3 v128 stack arguments"),
        chain_case("v128-odd-slots-depth3", "v128", o, [Hop(o), Hop(o, guard="other"), Hop(w)]),
        chain_case("v128-return-path", "v128", o, [Hop(o), Hop(w)], mode="return"),
        chain_case("v128-tail-grow", "v128", ("v128",),
                   [Hop(("v128",)), Hop(w, via="return_call"), Hop(o, via="return_call")],
                   note="a one-v128 frame tail-calls 10 v128, which tail-calls the odd-slot signature"),
        chain_case("v128-tail-indirect-grow", "v128", ("i32",),
                   [Hop(("i32",)), Hop(o, via="return_call_indirect")]),
        chain_case("v128-tail-ref-shrink-then-grow", "v128", o,
                   [Hop(o), Hop(("v128",), via="return_call_ref"), Hop(o, via="return_call")]),
        chain_case("v128-rethrow-catch-ref", "v128", o,
                   [Hop(o), Hop(w, guard="catch_ref"), Hop(o, guard="catch_all_ref"), Hop(o)]),
        chain_case("v128-rethrow-after-tail-call", "v128", ("v128",),
                   [Hop(("v128",), guard="catch_ref"), Hop(("v128",)), Hop(o, via="return_call"), Hop(w)]),
        chain_case("v128-legacy-catch", "v128-legacy", o, [Hop(o), Hop(w, guard="legacy_rethrow"), Hop(o)],
                   catcher_style="legacy", twin="v128-twin-catch"),
        chain_case("v128-twin-catch", "v128", o, [Hop(o), Hop(w, guard="catch_ref"), Hop(o)]),
        chain_case("v128-outgoing-sink", "v128", o, [Hop(o, sink=True), Hop(w, sink=True)], catcher_sink=True),
        chain_case("v128-catch-twice", "v128", o, [Hop(w), Hop(o)], twice=True),
        v128_payload_case(),
    ]


def v128_payload_case() -> Case:
    """A payload of three v128 (and an i32 and an f64) thrown from a frame with v128 stack
    arguments and delivered to a catcher that has some too (and reads them afterwards), with
    a v128 live on its operand stack across the try (optimizing: spilled to a 16-byte home
    slot before the call, reloaded in the landing pad at the walker's SP)."""
    n = len(V_ODD)
    a0 = [sample(t, i) for i, t in enumerate(V_ODD)]
    b = [bump(t, v) for t, v in zip(V_ODD, a0)]
    payload = [v128_from([x + y for x, y in zip(v128_lanes(b[15]), v128_lanes(b[0]))]), b[12], b[19], 2.5, b[17]]
    args = " ".join(f"({t}.add (local.get {i}) ({t}.const 1))" if t in INT_TYPES else
                    f"(i32x4.add (local.get {i}) (v128.const i32x4 1 1 1 1))" for i, t in enumerate(V_ODD))
    locals_ = " ".join(f"(local {t})" for t in VTAG)
    sets = " ".join(f"local.set {n + i}" for i in reversed(range(len(VTAG))))
    wat = f"""(module
  (tag $v (param {' '.join(VTAG)}))
  (func $thr {params_decl(V_ODD)} (result i64)
    (throw $v (i32x4.add (local.get 15) (local.get 0)) (local.get 12) (local.get 19) (f64.const 2.5)
              (local.get 17)))
  (func $catcher {params_decl(V_ODD)} (result i64) {locals_}
    (i32x4.add (local.get 15) (v128.const i32x4 5 6 7 8))      ;; live on the operand stack across the try
    (block $h (result {' '.join(VTAG)})
      (try_table (result i64) (catch $v $h) (call $thr {args}))
      return)
    {sets}
    i64x2.extract_lane 1
    {wat_horner([wat_checksum(VTAG, n), wat_checksum(V_ODD)])}
    i64.add)
  (func (export "run") (result i64) (call $catcher {' '.join(const(t, v) for t, v in zip(V_ODD, a0))}))
)"""
    below = v128_from([x + y for x, y in zip(v128_lanes(a0[15]), (5, 6, 7, 8))])
    expected = wrap(horner([checksum(VTAG, payload), checksum(V_ODD, a0)]) + wrap(below >> 64, 64), 64)
    return single("v128-payload", "v128", wat, ("ok", expected), stack_signatures=(V_ODD,),
                  note="three v128 in the payload, read by the landing pad; the catcher's own v128 stack "
                       "arguments read after it")


# ----------------------------------------------------------------------------- everything

def all_cases() -> list[Case]:
    cases = (register_overflow_cases() + tail_call_cases() + tail_resize_cases() + stack_count_cases() + rethrow_cases()
             + outgoing_area_cases() + deep_cases() + two_instance_cases() + host_cases()
             + frame_reuse_cases() + odd_shape_cases() + trap_cases() + v128_cases())
    names = [c.name for c in cases]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise ValueError(f"duplicate case names: {sorted(dupes)}")
    return cases


CASES = all_cases()
BY_NAME = {c.name: c for c in CASES}


# ----------------------------------------------------------------------------- the ABI table (README)

ABI_TARGETS = (("x86_64-sysv", "sysv"), ("x86_64-windows", "windows"), ("aarch64", "aarch64"))


def _stack_words(sig: tuple[str, ...], target: str, convention: str) -> str:
    from heron.target.abi import assign
    abi = assign(sig, target, convention)
    shadow = f"+{abi.shadow_size}" if abi.shadow_size else ""
    return f"{len(abi.stack_param_indices())} ({abi.stack_args_size}{shadow})"


def abi_table() -> str:
    """Markdown: for every case, the most stack arguments any of its wasm-convention
    signatures has on each target -- count (area bytes) -- and the same for its host
    calls under the system convention (+ Windows shadow space)."""
    from heron.target.abi import assign

    def widest(sigs, target, convention):
        sig = max(sigs, key=lambda s: assign(s, target, convention).stack_args_size)
        return _stack_words(sig, target, convention)

    lines = ["| case | " + " | ".join(s for _, s in ABI_TARGETS) + " | host calls: " +
             " / ".join(s for _, s in ABI_TARGETS) + " |",
             "|---|" + "---|" * len(ABI_TARGETS) + "---|"]
    for case in CASES:
        cells = [widest(case.stack_signatures, t, "wasm") for t, _ in ABI_TARGETS]
        host = (" / ".join(widest(case.host_signatures, t, "system") for t, _ in ABI_TARGETS)
                if case.host_signatures else "-")
        lines.append(f"| {case.name} | " + " | ".join(cells) + f" | {host} |")
    return "\n".join(lines) + "\n"


def _short(sig: tuple[str, ...]) -> str:
    counts: dict[str, int] = {}
    for t in sig:
        counts[t] = counts.get(t, 0) + 1
    return " ".join(f"{n}x{t}" for t, n in counts.items())


if __name__ == "__main__":
    print(abi_table(), end="")
