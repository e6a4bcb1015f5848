"""The typing rule of every opcode, as dispatch tables for heron.valid.body.BodyChecker.

`tables_for(features, const)` gives, per opcode byte, a *kind* (what the checker does inline:
a fixed unary or binary numeric signature, a constant, a local variable) and otherwise a
*handler* `(checker, data, pos) -> pos` that reads the immediates at `pos` and applies the
rule. Proposal gating and constant-expression mode are table entries too: an opcode of a
disabled proposal, or one not allowed in a constant expression, maps to a handler that
reports it, so the checker's loop has no per-instruction feature or mode test.
Prefixed opcodes (0xFC) dispatch once more on their sub-opcode.
"""
from __future__ import annotations

from ..binary.opcodes import BY_CODE, BY_PREFIX, OpInfo
from ..errors import Unsupported
from ..features import UNIMPLEMENTED, Features
from .body import (K_BINARY, K_BLOCK, K_CONST, K_DROP, K_END, K_GLOBAL_GET, K_HANDLER,
                   K_LOCAL_GET, K_LOCAL_SET, K_LOCAL_TEE, K_SKIP4, K_SKIP8, K_UNARY, BodyChecker,
                   uleb)
from .context import Invalid
from .control import CONTROL_HANDLERS
from .operands import MEMORY_HANDLERS, OPERAND_HANDLERS
from .signatures import CONST_OPS, EXTENDED_CONST_OPS, FIXED

HANDLERS = {**CONTROL_HANDLERS, **OPERAND_HANDLERS}
_CONSTS = {"i32.const": K_CONST, "i64.const": K_CONST, "f32.const": K_SKIP4,
           "f64.const": K_SKIP8}
_LOCALS = {"local.get": K_LOCAL_GET, "local.set": K_LOCAL_SET, "local.tee": K_LOCAL_TEE}
# Inline in the checker's loop in their common case, through the handler otherwise.
_INLINE = {**_LOCALS, "block": K_BLOCK, "loop": K_BLOCK, "end": K_END,
           "global.get": K_GLOBAL_GET, "drop": K_DROP}
# Locals tracking initialization (non-defaultable locals) need the handlers of these.
_TRACKED = (K_LOCAL_GET, K_LOCAL_SET, K_LOCAL_TEE, K_END)
# Proposals Heron knows by name but does not implement: their opcodes are Unsupported.
_UNSUPPORTED_FEATURES = frozenset(UNIMPLEMENTED)


class Tables:
    """One dispatch table: kinds (inline rules), sigs (their types), handlers (the rest)."""
    __slots__ = ("kinds", "kinds_tracked", "sigs", "handlers", "prefixed")

    def __init__(self) -> None:
        self.kinds: list[int] = [K_HANDLER] * 256
        self.kinds_tracked: list[int] = []     # the same, locals through their handlers
        self.sigs: list = [None] * 256
        self.handlers: list = [_illegal] * 256
        self.prefixed: dict[int, dict] = {}    # prefix byte -> sub-opcode -> handler


def _illegal(c: BodyChecker, data: bytes, pos: int) -> int:
    """Only an encoded list body gets here: at its end (no final `end`) or an unknown byte."""
    raise Invalid("unexpected end of expression: missing 'end'")


def _needs_feature(info: OpInfo):
    def handler(c: BodyChecker, data: bytes, pos: int) -> int:
        if info.feature in _UNSUPPORTED_FEATURES:
            raise Unsupported(info.feature, info.name)
        raise Invalid(f"{info.name} requires feature '{info.feature}'")
    return handler


def _not_constant(c: BodyChecker, data: bytes, pos: int) -> int:
    raise Invalid("constant expression required")


def _fixed(params: tuple, results: tuple):
    """The handler of a fixed signature the checker does not inline (0xFC ops)."""
    def handler(c: BodyChecker, data: bytes, pos: int) -> int:
        c.pop_all(params)
        c.vals.extend(results)
        return pos
    return handler


def _const_global_get(c: BodyChecker, data: bytes, pos: int) -> int:
    x, pos = uleb(data, pos)
    g = c.ctx.global_(x, c.const_globals)
    if g.mutable:
        raise Invalid("constant expression required")
    c.vals.append(g.valtype)
    return pos


def _rule(info: OpInfo):
    """(kind, sig, handler) of one opcode, ignoring features and mode."""
    name = info.name
    if info.imm == "select_t":
        return K_HANDLER, None, HANDLERS["select_t"]
    if name in _CONSTS:
        return _CONSTS[name], FIXED[name][1][0], None
    if name in _INLINE:
        return _INLINE[name], None, HANDLERS[name]
    sig = FIXED.get(name)
    if sig is not None:
        params, results = sig
        if info.prefix is None and len(results) == 1 and len(params) in (1, 2) \
                and all(p == params[0] for p in params):
            return (K_UNARY if len(params) == 1 else K_BINARY), (params[0], results[0]), None
        return K_HANDLER, None, _fixed(params, results)
    handler = MEMORY_HANDLERS.get(name) or HANDLERS.get(name)
    if handler is None:
        raise AssertionError(f"no typing rule for {name}")
    return K_HANDLER, None, handler


def _allowed_const(name: str, features: Features) -> bool:
    return name in CONST_OPS or (name in EXTENDED_CONST_OPS and "extended-const" in features)


# A proposal that builds on another needs both (relaxed SIMD operates on v128).
_BUILDS_ON = {"relaxed-simd": "simd"}


def _entry(info: OpInfo, features: Features, const: bool):
    feature = info.feature
    if feature is not None and (feature not in features or feature in _UNSUPPORTED_FEATURES
                                or _BUILDS_ON.get(feature, feature) not in features):
        return K_HANDLER, None, _needs_feature(info)
    kind, sig, handler = _rule(info)
    if const and not _allowed_const(info.name, features):
        return K_HANDLER, None, _not_constant
    if const and info.name == "global.get":
        return K_HANDLER, None, _const_global_get
    return kind, sig, handler


def _build(features: Features, const: bool) -> Tables:
    t = Tables()
    for code, info in BY_CODE.items():
        kind, sig, handler = _entry(info, features, const)
        t.kinds[code] = kind
        t.sigs[code] = sig
        if handler is not None:
            t.handlers[code] = handler
    for prefix, ops in BY_PREFIX.items():
        subs = t.prefixed[prefix] = {}
        for sub, info in ops.items():
            kind, sig, handler = _entry(info, features, const)
            subs[sub] = handler if handler is not None else _fixed(*FIXED[info.name])
        t.kinds[prefix] = K_HANDLER
        t.handlers[prefix] = _prefixed
    t.kinds_tracked = [K_HANDLER if k in _TRACKED else k for k in t.kinds]
    return t


def _prefixed(c: BodyChecker, data: bytes, pos: int) -> int:
    prefix = data[pos - 1]
    sub, pos = uleb(data, pos)
    handler = c.tables.prefixed[prefix].get(sub)
    if handler is None:
        raise Invalid(f"unknown instruction 0x{prefix:x} {sub}")
    return handler(c, data, pos)


_CACHE: dict[tuple[frozenset, bool], Tables] = {}


def tables_for(features: Features, const: bool = False) -> Tables:
    """The dispatch tables for bodies (const=False) or constant expressions under `features`."""
    key = (frozenset(features.enabled), const)
    t = _CACHE.get(key)
    if t is None:
        t = _CACHE[key] = _build(features, const)
    return t


def has_rule(info: OpInfo) -> bool:
    """Whether the checker has a typing rule for this opcode (a test checks every one has)."""
    try:
        _rule(info)
    except AssertionError:
        return False
    return True
