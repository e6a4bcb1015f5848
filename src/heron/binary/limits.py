"""Implementation limits: the sizes beyond which Heron rejects a module, as Wasmtime's parser does.

The values are wasmparser's (`crates/wasmparser/src/limits.rs` of wasm-tools, which follows
the JS API's limits, https://webassembly.github.io/spec/js-api/#limits), so a module Wasmtime
loads is one Heron loads. The decoder checks each count as it reads it, before reading the
items, so an oversized module is rejected at once (DecodeError); the validator checks the same
counts of modules built another way (text, by hand) and the ones that need the whole module
(locals including parameters, tables and memories including imports) (ValidationError).

wasmparser has no limit on control nesting: it is bounded by the function body size, and
Heron's decoder and validator are iterative (no Python recursion), so none is added here.
"""
from __future__ import annotations

# name -> (limit, what the message calls it). The messages read
#   "too many locals: 60000 exceeds the limit of 50000"
LIMITS: dict[str, tuple[int, str]] = {
    "types": (1_000_000, "too many types"),                      # MAX_WASM_TYPES
    "functions": (1_000_000, "too many functions"),              # MAX_WASM_FUNCTIONS (imports included)
    "imports": (1_000_000, "too many imports"),                  # MAX_WASM_IMPORTS
    "exports": (1_000_000, "too many exports"),                  # MAX_WASM_EXPORTS
    "globals": (1_000_000, "too many globals"),                  # MAX_WASM_GLOBALS (imports included)
    "element segments": (100_000, "too many element segments"),  # MAX_WASM_ELEMENT_SEGMENTS
    "data segments": (100_000, "too many data segments"),        # MAX_WASM_DATA_SEGMENTS
    "tables": (100, "too many tables"),                          # MAX_WASM_TABLES (imports included)
    "memories": (100, "too many memories"),                      # MAX_WASM_MEMORIES (imports included)
    "tags": (1_000_000, "too many tags"),                        # MAX_WASM_TAGS (imports included)
    "function body size": (7_654_321, "function body too large"),    # MAX_WASM_FUNCTION_SIZE (bytes)
    "locals": (50_000, "too many locals"),                       # MAX_WASM_FUNCTION_LOCALS (params included)
    "params": (1_000, "too many parameters"),                    # MAX_WASM_FUNCTION_PARAMS
    "results": (1_000, "too many results"),                      # MAX_WASM_FUNCTION_RETURNS
    "br_table targets": (7_654_321, "br_table too large"),       # MAX_WASM_BR_TABLE_SIZE
    "select types": (10, "too many select types"),               # MAX_WASM_SELECT_RESULT_SIZE
    "catches": (10_000, "too many catch clauses"),               # MAX_WASM_CATCHES
    "string size": (100_000, "string too long"),                 # MAX_WASM_STRING_SIZE (bytes)
    "rec group types": (1_000_000, "too many types in a recursion group"),
    "table entries": (10_000_000, "too many elements in a segment"),  # MAX_WASM_TABLE_ENTRIES
}

MAX_TYPES = LIMITS["types"][0]
MAX_FUNCTIONS = LIMITS["functions"][0]
MAX_IMPORTS = LIMITS["imports"][0]
MAX_EXPORTS = LIMITS["exports"][0]
MAX_GLOBALS = LIMITS["globals"][0]
MAX_ELEMENT_SEGMENTS = LIMITS["element segments"][0]
MAX_DATA_SEGMENTS = LIMITS["data segments"][0]
MAX_TABLES = LIMITS["tables"][0]
MAX_MEMORIES = LIMITS["memories"][0]
MAX_TAGS = LIMITS["tags"][0]
MAX_FUNCTION_SIZE = LIMITS["function body size"][0]
MAX_LOCALS = LIMITS["locals"][0]
MAX_PARAMS = LIMITS["params"][0]
MAX_RESULTS = LIMITS["results"][0]
MAX_BR_TABLE = LIMITS["br_table targets"][0]
MAX_SELECT_TYPES = LIMITS["select types"][0]
MAX_CATCHES = LIMITS["catches"][0]
MAX_STRING = LIMITS["string size"][0]
MAX_REC_GROUP = LIMITS["rec group types"][0]
MAX_TABLE_ENTRIES = LIMITS["table entries"][0]


def exceeds(name: str, count: int) -> str | None:
    """The error message if `count` is beyond the limit called `name`, else None."""
    limit, phrase = LIMITS[name]
    if count > limit:
        return f"{phrase}: {count} exceeds the limit of {limit}"
    return None
