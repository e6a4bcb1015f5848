"""`heron` — the command line: `heron wast` runs conformance scripts, `heron run` runs a module.

Every error Heron raises on purpose is printed as one line, without a Python
traceback, and the exit status is non-zero.
"""
from __future__ import annotations

import argparse
import sys

from .. import __version__
from ..errors import HeronError
from . import explain as explain_cmd
from . import run as run_cmd
from . import wast as wast_cmd


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="heron",
        description="Heron: a WebAssembly runtime in Python, with exception handling, tail calls "
                    "and a modelled native stack.")
    parser.add_argument("--version", action="version", version=f"heron {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    wast_cmd.add_parser(commands)
    run_cmd.add_parser(commands)
    explain_cmd.add_parser(commands)
    return parser


COMMANDS = ("wast", "run", "explain")


def implicit_run(argv: list[str]) -> list[str]:
    """`heron FILE ARGS...` (or `heron --dir . FILE ...`) means `heron run ...`, as
    `wasmtime FILE` means `wasmtime run FILE`."""
    if argv and argv[0] not in COMMANDS and argv[0] not in ("-h", "--help", "--version"):
        return ["run", *argv]
    return argv


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(implicit_run(sys.argv[1:] if argv is None else list(argv)))
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return args.handler(args)
    except HeronError as e:
        print(f"heron {args.command}: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"heron {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
