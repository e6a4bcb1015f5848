"""`heron run` — load, validate and (once heron.runtime exists) run a module.

Until the runtime lands this loads and validates the module, then exits with
status 2 and says that execution is not available yet.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import DecodeError, HeronError, ParseError, ValidationError
from ..script import loading
from ..script.adapters import runtime_available
from ..script.commands import ModuleSource
from .options import add_feature_option, add_machine_options, features_from

EXIT_NO_EXECUTION = 2


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "run", help="run a WebAssembly module (.wasm or .wat)",
        description="Load, validate and run a module: call its start function, then the export "
                    "named by --invoke (default: _start if exported) with ARGS.")
    add_feature_option(parser)
    add_machine_options(parser, allow_all=False)
    parser.add_argument("--invoke", metavar="NAME", help="the export to call")
    parser.add_argument("--trace-unwind", action="store_true",
                        help="print each frame the exception unwinder walks")
    parser.add_argument("file", metavar="FILE", help="a .wasm binary or .wat text module")
    parser.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS",
                        help="arguments for the invoked function (everything after FILE)")
    parser.set_defaults(handler=main)


def module_source(path: Path) -> ModuleSource:
    """A file as a module source: binary if it starts with the Wasm magic, else text."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise HeronError(f"{path}: cannot read: {e.strerror or e}") from None
    if data.startswith(b"\0asm"):
        return ModuleSource(kind="binary", line=1, data=data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise HeronError(f"{path} is neither a Wasm binary nor UTF-8 text (byte {e.start})") from None
    return ModuleSource(kind="text", line=1, text=text)


def load_and_validate(path: Path, features) -> object:
    """The validated ast.Module of FILE; a malformed or invalid module is a HeronError naming FILE."""
    source = module_source(path)
    try:
        module = loading.load(source, features)
    except (ParseError, DecodeError) as e:
        raise HeronError(f"{path}: malformed module: {e}") from None
    try:
        loading.validate(module, features)
    except ValidationError as e:
        raise HeronError(f"{path}: invalid module: {e}") from None
    return module


def parse_arg(text: str, valtype) -> object:
    """One command-line argument as a value of the parameter's type."""
    try:
        if valtype in ("i32", "i64"):
            return int(text.replace("_", ""), 0)
        if valtype in ("f32", "f64"):
            return float(text)
    except ValueError:
        raise HeronError(f"argument {text!r} is not a valid {valtype}") from None
    raise HeronError(f"arguments of type {valtype} cannot be given on the command line")


def main(args: argparse.Namespace) -> int:
    features = features_from(args)
    module = load_and_validate(Path(args.file), features)
    if not runtime_available():
        print(f"heron run: {args.file}: module is valid, but execution is not available yet "
              f"(heron.runtime is still being built)", file=sys.stderr)
        return EXIT_NO_EXECUTION
    from .. import Config, Engine, Instance, Module, Store
    engine = Engine(Config(target=args.target, strategy=args.strategy, features=features))
    store = Store(engine)
    instance = Instance(store, Module.from_ast(engine, module), [])
    exports = instance.exports(store)
    name = args.invoke
    if name is None:
        if "_start" not in exports:
            if args.args:
                raise HeronError("arguments given but no function to call: use --invoke NAME")
            return 0
        name = "_start"
    if name not in exports:
        raise HeronError(f"{args.file}: no export named {name!r}")
    func = exports[name]
    params = getattr(getattr(func, "type", None), "params", None)
    if params is None:
        raise HeronError(f"{args.file}: export {name!r} is not a function")
    if len(args.args) != len(params):
        raise HeronError(f"{name} takes {len(params)} arguments, {len(args.args)} given")
    result = func(store, *[parse_arg(a, t) for a, t in zip(args.args, params)])
    values = result if isinstance(result, tuple) else (() if result is None else (result,))
    for value in values:
        print(value)
    return 0
