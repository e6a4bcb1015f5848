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
from .inputs import module_source
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


def main(args: argparse.Namespace) -> int:
    features = features_from(args)
    module = load_and_validate(Path(args.file), features)
    if not runtime_available():
        print(f"heron run: {args.file}: module is valid, but execution is not available yet "
              f"(heron.runtime is still being built)", file=sys.stderr)
        return EXIT_NO_EXECUTION
    return execute(args, module, features)


EXIT_TRAP = 134   # what `wasmtime run` exits with on a trap


def parse_arg(text: str, valtype) -> object:
    """A command-line argument as the public API takes it, by the parameter's type."""
    t = str(valtype)
    try:
        if t in ("i32", "i64"):
            return int(text, 0)
        if t in ("f32", "f64"):
            return float(text)
    except ValueError:
        raise HeronError(f"argument {text!r} is not a valid {t}") from None
    raise HeronError(f"cannot pass an argument of type {t} from the command line")


def format_result(value: object, valtype) -> str:
    t = str(valtype)
    if t in ("f32", "f64") and isinstance(value, float):
        if value != value:
            return "NaN"
        if value in (float("inf"), float("-inf")):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if value is None:
        return "null"
    return str(value)


def execute(args: argparse.Namespace, module, features) -> int:
    """Instantiate (runs the start function), then call --invoke NAME (or _start) with ARGS."""
    import heron
    from ..errors import Trap, WasmException
    engine = heron.Engine(heron.Config(target=args.target, strategy=args.strategy, features=features))
    store = heron.Store(engine)
    try:
        try:
            from ..binary import decode, encode
            module = decode(encode(module), features)   # module offsets for backtraces
        except HeronError:
            pass
        compiled = heron.Module.from_ast(engine, module)
        if module.imports:
            first = module.imports[0]
            raise heron.LinkError(f"unknown import: `{first.module}::{first.name}` has not been defined")
        instance = heron.Instance(store, compiled, [])
        exports = instance.exports(store)
        name = args.invoke
        if name is None and "_start" in exports:
            name = "_start"
        if name is None:
            if args.args:
                raise HeronError("ARGS given but no function to call: use --invoke NAME")
            return 0
        if name not in exports:
            raise HeronError(f"{args.file}: no export named {name!r}")
        func = exports[name]
        if not isinstance(func, heron.Func):
            raise HeronError(f"{args.file}: export {name!r} is not a function")
        params = func.type(store).params
        if len(args.args) != len(params):
            raise HeronError(f"{name} takes {len(params)} arguments, {len(args.args)} given")
        call_args = [parse_arg(a, t) for a, t in zip(args.args, params)]
        if args.trace_unwind:
            from ..unwind.trace import UnwindTrace, tracing
            with tracing(UnwindTrace(sys.stderr)):
                result = func(store, *call_args)
        else:
            result = func(store, *call_args)
    except Trap as trap:
        print(f"Error: failed to run {args.file}", file=sys.stderr)
        print(f"wasm trap: {trap.code}", file=sys.stderr)
        if trap.backtrace:
            print("wasm backtrace:", file=sys.stderr)
            for i, frame in enumerate(trap.backtrace):
                print(f"  {i}: {frame}", file=sys.stderr)
        return EXIT_TRAP
    except WasmException as exc:
        print(f"Error: failed to run {args.file}", file=sys.stderr)
        print(f"uncaught wasm exception: {exc}", file=sys.stderr)
        return EXIT_TRAP
    results = func.type(store).results
    values = [] if not results else [result] if len(results) == 1 else list(result)
    for v, t in zip(values, results):
        print(format_result(v, t))
    return 0
