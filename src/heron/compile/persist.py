"""Compiled code as bytes: the entries of the code cache and of `Module.serialize()`.

An *entry* is one self-checking record:

    MAGIC | sha256(body) | body,   body = len(header) (4 bytes) | header | payload
    header = marshal((FORMAT, fingerprint, kind, key))

`fingerprint` names the Heron build (version and a hash of its sources: generated code
changes with them), `kind` the record ("module", "f<j>"), `key` what it was made for
(module hash, target, strategy, every compile option: see `cache_key`). `unpack` returns
None for anything damaged, truncated, foreign or made by another build: such an entry is
never trusted, only rebuilt.

Payloads. A function is marshalled (code objects are marshal's own format): its code
object, constants, line table, source, and its metadata with code addresses relative to
the module's code base -- the code itself names return addresses `RA<offset>` and landing
pads `CB+<offset>`, bound per instance, so nothing needs patching when another process
places the module elsewhere; the file names of its code objects are
rewritten on load (traps find a function by file name). A module's load results -- the
validated module without function bodies, and the per-function facts -- are pickled
(ast classes), so a warm start skips decoding and validation.

Like wasmtime's `Module.deserialize`, this trusts the *source* of the bytes (the user's
own cache directory, or data the user hands over): the checksum catches damage, not an
attacker.
"""
from __future__ import annotations

import copy
import hashlib
import marshal
import pickle
from pathlib import Path
from types import CodeType

from .. import ast, version
from ..errors import HeronError
from ..target import FrameLayout
from ..target.codemap import CallSite
from .driver import CompiledFunction
from .facts import DerivedFacts

MAGIC = b"\x00heronc\x01"
FORMAT = 1
_HEAD = len(MAGIC) + 32
_fingerprint: str | None = None


def fingerprint() -> str:
    """This Heron build: its version and a hash of its Python sources (read once)."""
    global _fingerprint
    if _fingerprint is None:
        root = Path(__file__).resolve().parent.parent
        h = hashlib.sha256(version.__version__.encode())
        for path in sorted(root.rglob("*.py")):
            h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
        _fingerprint = f"{version.__version__}+{h.hexdigest()[:16]}"
    return _fingerprint


def cache_key(module_hash: str, options_key: str, features: str) -> str:
    """What a module's compiled code depends on, as one digest."""
    return hashlib.sha256(f"{module_hash}\n{options_key}\n{features}\n{fingerprint()}".encode()).hexdigest()


def module_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------------------ entries
def pack(kind: str, key: str, payload: bytes) -> bytes:
    header = marshal.dumps((FORMAT, fingerprint(), kind, key))
    body = len(header).to_bytes(4, "little") + header + payload
    return MAGIC + hashlib.sha256(body).digest() + body


def unpack(data: bytes, kind: str | None, key: str | None) -> tuple[str, str, bytes] | None:
    """(kind, key, payload) of an intact entry of this build, else None. `kind`/`key`: the
    expected ones (None: any)."""
    head = read_header(data)
    if head is None or head[0] != FORMAT or head[1] != fingerprint():
        return None
    _, _, k, kk, payload = head
    if (kind is not None and k != kind) or (key is not None and kk != key):
        return None
    return k, kk, payload


def read_header(data: bytes) -> tuple | None:
    """(format, fingerprint, kind, key, payload) of an intact entry of any build, else None."""
    if len(data) < _HEAD + 4 or not data.startswith(MAGIC):
        return None
    body = memoryview(data)[_HEAD:]
    if hashlib.sha256(body).digest() != data[len(MAGIC):_HEAD]:
        return None
    n = int.from_bytes(body[:4], "little")
    try:
        header = marshal.loads(body[4:4 + n])
        fmt, fp, kind, key = header
    except (ValueError, EOFError, TypeError):
        return None
    return fmt, fp, kind, key, bytes(body[4 + n:])


# ------------------------------------------------------------------------------ functions
def function_payload(cf: CompiledFunction) -> bytes:
    info = cf.info
    base = info.base
    layout = info.layout
    sites = [(s.return_address - base, s.fp_to_sp, s.instr, s.offset, s.kind,
              tuple((tag, kind, pad - base) for tag, kind, pad in s.handlers)) for s in info.call_sites]
    meta = [(instr, None if trap is None else str(getattr(trap, "value", trap))) for instr, trap in cf.line_meta]
    return marshal.dumps((cf.index, cf.code, cf.constants, meta, cf.source, cf.bounded, info.offsets,
                          (layout.slot_sizes, layout.dynctx_offset is not None, layout.outgoing_args_size),
                          sites, tuple(info.slot_roles)))


def function_from_payload(payload: bytes, cm, idx: int) -> CompiledFunction | None:
    """The CompiledFunction of defined function idx of `cm` (a CompiledModule) from a payload
    (None if it is not one for idx)."""
    try:
        (index, code, constants, meta, source, bounded, offsets, (slots, dynctx, outgoing),
         sites, slot_roles) = marshal.loads(payload)
    except (ValueError, EOFError, TypeError):
        return None
    if index != idx or not isinstance(code, CodeType):
        return None
    info = cm.new_info(idx, list(offsets))
    info.layout = FrameLayout.build(cm.target, "wasm", cm.ctx.func_types[idx], slots=list(slots),
                                    has_dynamic_context=dynctx, outgoing_args_size=outgoing, name=info.name)
    info.slot_roles = list(slot_roles)
    base = info.base
    fp_to_sp = info.layout.fp_to_sp()
    if any(site[1] != fp_to_sp for site in sites):
        return None                  # the rebuilt frame is not the one the code was compiled for
    elided = info.frame_elided
    info.call_sites[:] = [CallSite(return_address=base + ra, func=info, fp_to_sp=fp_to_sp, instr=instr,
                                   offset=off, kind=kind,
                                   handlers=tuple((tag, k, base + pad) for tag, k, pad in handlers),
                                   elided=elided)
                          for ra, _, instr, off, kind, handlers in sites]
    filename = cm.filename(idx)
    return CompiledFunction(index=idx, info=info, code=_renamed(code, filename), filename=filename,
                            constants=[tuple(c) for c in constants], line_meta=[tuple(m) for m in meta],
                            source=source, bounded=tuple(bounded) if bounded is not None else None)


def _renamed(code: CodeType, filename: str) -> CodeType:
    """`code` and every code object nested in it, with file name `filename`."""
    consts = tuple(_renamed(c, filename) if isinstance(c, CodeType) else c for c in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)


# ------------------------------------------------------------------------------ modules
_FACT_FIELDS = DerivedFacts._fields


def module_payload(module: ast.Module, facts: list, elided: set[int]) -> bytes:
    """The validated module without function bodies, the facts of its functions and the
    elided ones (the options are part of the key)."""
    skeleton = copy.copy(module)
    skeleton.funcs = []
    funcs = module.funcs
    columns = ([f.type_idx for f in funcs], [f.locals for f in funcs], [f.offset for f in funcs])
    rows = [tuple(fx) for fx in facts] if facts and isinstance(facts[0], tuple) else \
        [tuple(getattr(fx, name) for name in _FACT_FIELDS) for fx in facts]
    return pickle.dumps((skeleton, columns, rows, sorted(elided)), protocol=pickle.HIGHEST_PROTOCOL)


def module_from_payload(payload: bytes) -> tuple[ast.Module, list, set[int]] | None:
    """(module without bodies, facts, elided functions), or None if the payload is damaged."""
    try:
        skeleton, (type_idx, locals_, offsets), rows, elided = pickle.loads(payload)
    except Exception:   # noqa: BLE001 - a damaged payload is no module, whatever broke
        return None
    if not isinstance(skeleton, ast.Module) or not len(rows) == len(type_idx) == len(locals_) == len(offsets):
        return None
    func = ast.Func
    skeleton.funcs = [func(t, loc, [], off) for t, loc, off in zip(type_idx, locals_, offsets)]
    make = DerivedFacts._make
    return skeleton, [make(row) for row in rows], set(elided)


# ------------------------------------------------------------------------------ Module.serialize
BUNDLE_MAGIC = b"\x00heronm\x01"


def bundle(entries: list[bytes]) -> bytes:
    """Entries one after the other, each preceded by its length."""
    parts = [BUNDLE_MAGIC, len(entries).to_bytes(4, "little")]
    for e in entries:
        parts += [len(e).to_bytes(8, "little"), e]
    return b"".join(parts)


def unbundle(data: bytes) -> list[bytes] | None:
    if not data.startswith(BUNDLE_MAGIC):
        return None
    pos = len(BUNDLE_MAGIC)
    n = int.from_bytes(data[pos:pos + 4], "little")
    pos += 4
    out = []
    for _ in range(n):
        size = int.from_bytes(data[pos:pos + 8], "little")
        pos += 8
        if size <= 0 or pos + size > len(data):
            return None
        out.append(data[pos:pos + size])
        pos += size
    return out if pos == len(data) else None


def serialize_module(cm, binary: bytes, features: str) -> bytes:
    """`Module.serialize()`: a meta entry (build, target, strategy, options, proposals), the
    binary, the load results and every function compiled so far."""
    options = cm.options.key()
    key = cache_key(module_hash(binary), options, features)
    meta = {"heron": fingerprint(), "target": cm.target, "strategy": cm.strategy, "options": options,
            "features": features}
    entries = [pack("meta", key, marshal.dumps(meta)), pack("binary", key, binary),
               pack("module", key, module_payload(cm.module, cm.facts, cm.ctx.elided))]
    entries += [pack(f"f{cf.index}", key, function_payload(cf)) for cf in cm.compiled if cf is not None]
    return bundle(entries)


def deserialize_module(data: bytes, options, features: str) -> tuple[bytes, tuple, "BundleStore"]:
    """(binary, (module without bodies, facts, elided), the functions) of `serialize_module`'s
    bytes, for an engine with `options` and `features`; HeronError, saying why, for data
    made by another build or for another configuration, or damaged."""
    entries = unbundle(data)
    if not entries:
        raise HeronError("not a serialized Heron module")
    head = read_header(entries[0])
    if head is None or head[2] != "meta":
        raise HeronError("serialized Heron module is damaged (its first entry fails its checksum)")
    fmt, fp, _, key, payload = head
    if fmt != FORMAT or fp != fingerprint():
        raise HeronError(f"serialized by Heron {fp}; this is Heron {fingerprint()}: compile the module again")
    meta = marshal.loads(payload)
    want = {"target": options.target, "strategy": options.strategy, "options": options.key(),
            "features": features}
    for name, value in want.items():
        if meta.get(name) != value:
            raise HeronError(f"serialized for {name} {meta.get(name)!r}, but this engine has {value!r}")
    parts: dict[str, bytes] = {}
    for n, raw in enumerate(entries[1:], 1):
        found = unpack(raw, None, key)
        if found is None:
            raise HeronError(f"serialized Heron module is damaged (entry {n} fails its checksum)")
        parts[found[0]] = found[2]
    restored = module_from_payload(parts.get("module", b""))
    if restored is None or "binary" not in parts:
        raise HeronError("serialized Heron module is incomplete")
    return parts["binary"], restored, BundleStore({int(kind[1:]): p for kind, p in parts.items()
                                                   if kind.startswith("f")})


class BundleStore:
    """The functions of a deserialized module (a FunctionStore: payloads by index)."""

    def __init__(self, payloads: dict[int, bytes]):
        self.payloads = payloads

    def load(self, cm, idx: int) -> CompiledFunction | None:
        payload = self.payloads.pop(idx, None)
        return function_from_payload(payload, cm, idx) if payload is not None else None

    def store(self, cm, cf: CompiledFunction) -> None:
        pass


__all__ = ["BUNDLE_MAGIC", "bundle", "unbundle", "BundleStore", "serialize_module", "deserialize_module", "pack", "unpack", "read_header", "fingerprint", "cache_key", "module_hash", "function_payload",
           "function_from_payload", "module_payload", "module_from_payload"]
