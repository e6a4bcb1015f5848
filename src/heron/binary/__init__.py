"""The binary format: `decode(bytes) -> ast.Module` and `encode(ast.Module) -> bytes`.

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
