"""Test helper: a script's commands built from `wasm-tools json-from-wast` output.

This is an independent reading of a script (wasm-tools', not Heron's parser),
used to test the runner and its engine adapter apart from Heron's text parser,
and to cross-check what `heron.text.parse_script` produces.
"""
from __future__ import annotations

from pathlib import Path

from heron.text.commands import (ActionCmd, AssertException, AssertExhaustion, AssertInvalid,
                                   AssertMalformed, AssertReturn, AssertTrap, AssertUninstantiable,
                                   AssertUnlinkable, Either, Get, Invoke, ModuleCmd, ModuleInstance, ModuleSource,
                                   NanPattern, RefValue, Register, Value)

REF_HEAPS = {"funcref": "func", "externref": "extern", "exnref": "exn", "anyref": "any",
             "nullref": "none", "nullfuncref": "nofunc", "nullexternref": "noextern",
             "eqref": "eq", "i31ref": "i31", "structref": "struct", "arrayref": "array",
             "nullexnref": "noexn"}


def _name(raw: str | None) -> str | None:
    if raw is None:
        return None
    return raw[1:] if raw.startswith("$") else raw       # Heron's parser names modules without the $


def _value(v: dict) -> object:
    t = v["type"]
    if t in ("i32", "i64", "f32", "f64"):
        if isinstance(v["value"], str) and v["value"].startswith("nan:"):
            return NanPattern(t, v["value"][4:])
        return Value(t, int(v["value"]))
    if t == "v128":
        return Value("v128", v.get("value"))
    if t == "either":
        return Either([[_value(x)] for x in v["values"]])
    heap = REF_HEAPS.get(t, t)
    value = v.get("value")
    if value == "null":
        return RefValue("null", heap)
    if heap == "extern":
        return RefValue("extern", index=None if value is None else int(value))
    if heap == "func":
        return RefValue("func", index=None if value is None else int(value))
    if heap == "exn":
        return RefValue("exn")
    return RefValue(heap)


def _source(c: dict, folder: Path) -> ModuleSource:
    data = (folder / c["filename"]).read_bytes()
    if c.get("module_type") == "text":
        return ModuleSource(kind="quote", line=c["line"], text=data.decode("utf-8", "replace"))
    return ModuleSource(kind="binary", line=c["line"], data=data, name=_name(c.get("name")))


def _action(a: dict, line: int):
    module = _name(a.get("module"))
    if a["type"] == "get":
        return Get(line, module, a["field"])
    return Invoke(line, module, a["field"], [_value(x) for x in a.get("args", [])])


def commands_from_json(doc: dict, folder: Path) -> list:
    """The Heron command list of a json-from-wast document."""
    out: list = []
    for c in doc["commands"]:
        t, line = c["type"], c["line"]
        if t == "module":
            out.append(ModuleCmd(line, _source(c, folder)))
        elif t == "module_definition":
            source = _source(c, folder)
            source.definition = True
            out.append(ModuleCmd(line, source))
        elif t == "module_instance":
            out.append(ModuleInstance(line, _name(c.get("instance")), _name(c["module"])))
        elif t == "register":
            out.append(Register(line, c["as"], _name(c.get("name"))))
        elif t == "action":
            out.append(ActionCmd(line, _action(c["action"], line)))
        elif t == "assert_return":
            out.append(AssertReturn(line, _action(c["action"], line), [_value(x) for x in c["expected"]]))
        elif t == "assert_trap":
            if "action" in c:
                out.append(AssertTrap(line, _action(c["action"], line), None, c["text"]))
            else:
                out.append(AssertTrap(line, None, _source(c, folder), c["text"]))
        elif t == "assert_exhaustion":
            out.append(AssertExhaustion(line, _action(c["action"], line), c["text"]))
        elif t == "assert_exception":
            out.append(AssertException(line, _action(c["action"], line)))
        elif t == "assert_malformed":
            out.append(AssertMalformed(line, _source(c, folder), c["text"]))
        elif t == "assert_invalid":
            out.append(AssertInvalid(line, _source(c, folder), c["text"]))
        elif t == "assert_unlinkable":
            out.append(AssertUnlinkable(line, _source(c, folder), c["text"]))
        elif t == "assert_uninstantiable":
            out.append(AssertUninstantiable(line, _source(c, folder), c["text"]))
        else:
            raise ValueError(f"command type {t} not handled")
    return out
