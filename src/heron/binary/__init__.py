"""The binary format: `decode(bytes) -> ast.Module` and `encode(ast.Module) -> bytes`.

Decoding is eager and complete (a malformed module is rejected at once), but a function body
is not turned into Instr objects: scan.py checks its bytes and the Func keeps the byte range
(ast.Code); `Func.body` decodes it when someone asks (instructions.read_body).

Also exported for reuse: the LEB128 `Reader` and `write_uleb`/`write_sleb`, and the
name-section codec `decode_names`/`encode_names`.
"""
from __future__ import annotations

from .decode import decode
from .encode import encode
from .leb128 import Reader, signed, write_sleb, write_uleb
from .names import decode_names, encode_names

__all__ = ["decode", "encode", "Reader", "write_uleb", "write_sleb", "signed",
           "decode_names", "encode_names"]
