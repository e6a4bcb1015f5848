"""Test helper: wasmtime-py behind Heron's RuntimeAdapter.

wasmtime-py has the API shape Heron's runtime implements (Config, Engine, Store,
Module, Instance, exports(store)[name], func(store, *args)), so running official
scripts through RuntimeAdapter with wasmtime as the engine tests the adapter's
value conversion, result matching, spectest module and register/linking logic
against a reference engine, before Heron can execute anything itself.
"""
from __future__ import annotations

import contextlib
import types
from typing import Iterator

import wasmtime

from heron.errors import LinkError, ParseError, Trap, WasmException
from heron.script.adapters import RuntimeAdapter

# wasmtime's trap codes as the spec's trap messages.
TRAP_MESSAGES = {
    "STACK_OVERFLOW": "call stack exhausted",
    "MEMORY_OUT_OF_BOUNDS": "out of bounds memory access",
    "HEAP_MISALIGNED": "unaligned atomic",
    "TABLE_OUT_OF_BOUNDS": "out of bounds table access",
    "INDIRECT_CALL_TO_NULL": "uninitialized element",
    "BAD_SIGNATURE": "indirect call type mismatch",
    "INTEGER_OVERFLOW": "integer overflow",
    "INTEGER_DIVISION_BY_ZERO": "integer divide by zero",
    "BAD_CONVERSION_TO_INTEGER": "invalid conversion to integer",
    "UNREACHABLE": "unreachable",
    "NULL_REFERENCE": "null reference",
}


class WasmtimeAdapter(RuntimeAdapter):
    name = "wasmtime"

    def __init__(self, target: str, strategy: str, features):
        api = types.SimpleNamespace(Engine=wasmtime.Engine, Store=wasmtime.Store,
                                    Module=self._module, Instance=wasmtime.Instance, Config=None)
        super().__init__(target, strategy, features, api=api)

    @staticmethod
    def _module(engine, data: bytes):
        return wasmtime.Module(engine, data)

    def make_config(self, target: str, strategy: str):
        config = wasmtime.Config()
        config.wasm_tail_call = True
        config.wasm_exceptions = True
        config.wasm_function_references = True
        config.wasm_memory64 = True
        config.wasm_multi_memory = True
        return config

    @contextlib.contextmanager
    def engine_errors(self) -> Iterator[None]:
        try:
            yield
        except wasmtime.Trap as e:
            code = e.trap_code.name if e.trap_code is not None else ""
            if code == "UNCAUGHT_EXCEPTION" or "exception" in str(e).lower() and code == "":
                raise WasmException(None) from None
            raise Trap(TRAP_MESSAGES.get(code, str(e).splitlines()[0])) from None
        except wasmtime.WasmtimeError as e:
            text = str(e)
            if "import" in text:
                raise LinkError(text.splitlines()[0]) from None
            if "uncaught" in text.lower() or "exception" in text.lower():
                raise WasmException(None) from None
            raise Trap(text.splitlines()[0]) from None


def wasmtime_loader(source, features):
    """Stand-in for heron's loader: a module object with the `.imports` the runner reads."""
    data = source.data if source.kind == "binary" else (source.text or "").encode()
    try:
        module = wasmtime.Module(wasmtime.Engine(WasmtimeAdapter.make_config(None, "", "")), data)
    except wasmtime.WasmtimeError as e:
        raise ParseError(str(e).splitlines()[0]) from None
    imports = [types.SimpleNamespace(module=i.module, name=i.name) for i in module.imports]
    return types.SimpleNamespace(imports=imports)
