"""text phase: the WAT/WAST front end.

parse_module(text) -> ast.Module; parse_script(text) -> script commands;
load_module(ModuleSource) -> ast.Module.
"""
from .script import parse_script

__all__ = ["parse_script"]
