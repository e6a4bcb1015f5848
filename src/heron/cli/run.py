"""`heron run` — run a WebAssembly module, as `wasmtime run` does.

    heron run [OPTIONS] FILE [ARGS...]        (or just `heron FILE [ARGS...]`)

A WASI program (a module importing `wasi_snapshot_preview1` or `wasi_unstable`) gets
ARGS as its argv (argv[0] is FILE as given, or --argv0), the variables --env gives, the
directories --dir preopens, and this process's own stdin, stdout and stderr (binary,
unbuffered). The exit status is proc_exit's code, 0 when `_start` returns, 134 after a
trap (whose Wasm backtrace is printed), 1 for any other error (one line, no traceback).

`--invoke NAME` calls that export instead of `_start`, with ARGS parsed by its parameter
types. The results of the function called (--invoke's, or a `_start` that has some) are
printed one a line.

Resource bounds, with wasmtime's -W names: `-W fuel=N` (the program traps with "all fuel
consumed" after about N instructions), `-W timeout=DURATION` (a timer thread advances the
engine's epoch, and Wasm traps with "interrupt" at its next function entry or loop
header), `-W max-memory-size=BYTES` (memory.grow beyond it returns -1; also
max-table-elements, max-instances, max-tables, max-memories).
"""
from __future__ import annotations

import argparse
import os
import socket
import sys
import threading
from pathlib import Path

from ..binary import decode, encode
from ..errors import DecodeError, ExitTrap, HeronError, LinkError, ParseError, Trap, ValidationError, WasmException
from .. import Config, Engine, Func, Linker, Module, Store
from ..script import loading
from ..unwind.trace import UnwindTrace
from ..wasi import ABIS, WasiConfig, unsupported_import
from .inputs import module_source
from .options import Resources, add_feature_option, add_machine_options, parse_w

EXIT_TRAP = 134   # what `wasmtime run` exits with on a trap


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "run", help="run a WebAssembly module (.wasm or .wat), WASI programs included",
        description="Load, validate and run a module: call its start function, then _start (or "
                    "the export named by --invoke). A WASI program gets ARGS as its arguments "
                    "after FILE, the --env variables, the --dir directories and this process's "
                    "stdio; the exit status is its proc_exit code.")
    add_feature_option(parser, values=True)
    add_machine_options(parser, allow_all=False)
    parser.add_argument("--invoke", metavar="NAME",
                        help="call this export instead of _start, with ARGS as its typed arguments; "
                             "print its results")
    parser.add_argument("--argv0", metavar="NAME", help="the program's argv[0] (default: FILE as given)")
    parser.add_argument("--dir", dest="dirs", action="append", default=[], metavar="HOST[::GUEST]",
                        help="preopen the host directory HOST as GUEST (default: the same name); "
                             "may repeat")
    parser.add_argument("--env", dest="envs", action="append", default=[], metavar="NAME[=VALUE]",
                        help="set a WASI environment variable; NAME alone passes on this process's "
                             "value; may repeat (nothing else of the host environment is visible)")
    parser.add_argument("--tcplisten", action="append", default=[], metavar="HOST:PORT",
                        help="give the program a listening TCP socket (the next fd after the "
                             "preopened directories), for sock_accept; may repeat")
    parser.add_argument("--trace-unwind", action="store_true",
                        help="print each frame the exception unwinder walks")
    parser.add_argument("file", metavar="FILE", help="a .wasm binary or .wat text module")
    parser.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS",
                        help="the program's arguments (with --invoke: the function's arguments)")
    parser.set_defaults(handler=main)


def load_and_validate(path: Path, features) -> object:
    """The validated ast.Module of FILE; a malformed or invalid module is a HeronError naming FILE."""
    return load_module(path, features)[0]


def load_module(path: Path, features) -> tuple[object, bool]:
    """(the validated ast.Module of FILE, whether it was text); a malformed or invalid module
    is a HeronError naming FILE."""
    source = module_source(path)
    try:
        module = loading.load(source, features)
    except (ParseError, DecodeError) as e:
        raise HeronError(f"{path}: malformed module: {e}") from None
    try:
        loading.validate(module, features)
    except ValidationError as e:
        raise HeronError(f"{path}: invalid module: {e}") from None
    return module, source.kind == "text"


def main(args: argparse.Namespace) -> int:
    features, resources = parse_w(args.features, values=True)
    module, from_text = load_module(Path(args.file), features)
    try:
        return execute(args, module, features, from_text, resources)
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass


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


def wasi_config(args: argparse.Namespace) -> WasiConfig:
    """The WASI view of this command line: argv, --env, --dir, --tcplisten, and this
    process's stdio."""
    config = WasiConfig()
    argv0 = args.argv0 if args.argv0 is not None else args.file
    config.argv = [os.fsencode(a) for a in [argv0, *args.args]]
    env = []
    for spec in args.envs:
        name, eq, value = spec.partition("=")
        if not eq:
            if name not in os.environ:
                continue                      # inheriting a variable the host does not have
            value = os.environ[name]
        env.append((os.fsencode(name), os.fsencode(value)))
    config.env = env
    for spec in args.dirs:
        host, sep, guest = spec.partition("::")
        config.preopen_dir(host, guest if sep else host)
    for address in args.tcplisten:
        config.preopen_socket(_listen(address))
    config.inherit_stdin()
    config.inherit_stdout()
    config.inherit_stderr()
    return config


def _listen(address: str) -> socket.socket:
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit():
        raise HeronError(f"--tcplisten {address!r}: expected HOST:PORT")
    try:
        return socket.create_server((host.strip("[]") or "127.0.0.1", int(port)))
    except OSError as e:
        raise HeronError(f"--tcplisten {address}: {e.strerror or e}") from None


def execute(args: argparse.Namespace, module, features, from_text: bool = False,
            resources: Resources | None = None) -> int:
    """Instantiate with WASI (runs the start function), then call --invoke NAME or _start,
    within the -W resource bounds."""
    resources = resources or Resources()
    config = Config(target=args.target, strategy=args.strategy, features=features)
    config.consume_fuel = resources.fuel is not None
    config.epoch_interruption = resources.timeout is not None
    engine = Engine(config)
    store = Store(engine)
    if resources.fuel is not None:
        store.set_fuel(resources.fuel)
    store.set_limits(**resources.limits())
    if args.trace_unwind:
        store._state.unwind_observer = UnwindTrace(sys.stderr)
    func = None
    timer = None
    if resources.timeout is not None:
        # epoch interruption: Wasm traps at its next function entry or loop header once the
        # timer has advanced the epoch past the deadline (the start function included)
        store.set_epoch_deadline(1)
        timer = threading.Timer(resources.timeout, engine.increment_epoch)
        timer.daemon = True
        timer.start()
    try:
        if from_text:
            try:
                module = decode(encode(module), features)   # module offsets for backtraces
            except HeronError:
                pass
        why = unsupported_import(module.imports)
        if why:
            raise HeronError(f"{args.file}: {why}")
        compiled = Module.from_ast(engine, module)
        store.set_wasi(wasi_config(args))
        linker = Linker(engine)
        linker.define_wasi()
        for imp in module.imports:
            if imp.module not in ABIS:
                raise LinkError(f"unknown import: `{imp.module}::{imp.name}` has not been defined")
        instance = linker.instantiate(store, compiled)
        exports = instance.exports(store)
        name = args.invoke
        if name is None and "_start" in exports:
            name = "_start"
        elif name is not None and "_initialize" in exports and name != "_initialize":
            exports["_initialize"](store)            # a WASI reactor initializes before any call
        if name is None:
            if args.args:
                raise HeronError("ARGS given but no function to call: use --invoke NAME")
            return 0
        if name not in exports:
            raise HeronError(f"{args.file}: no export named {name!r}")
        func = exports[name]
        if not isinstance(func, Func):
            raise HeronError(f"{args.file}: export {name!r} is not a function")
        params = func.type(store).params
        if args.invoke is None:
            call_args = []                           # _start: ARGS are the program's argv
        elif len(args.args) != len(params):
            raise HeronError(f"{name} takes {len(params)} arguments, {len(args.args)} given")
        else:
            call_args = [parse_arg(a, t) for a, t in zip(args.args, params)]
        result = func(store, *call_args)
    except ExitTrap as exit_:
        return exit_.code
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
    finally:
        if timer is not None:
            timer.cancel()
        wasi = store._state.wasi
        if wasi is not None:
            wasi.close()
    results = func.type(store).results                      # a WASI _start has none; a demo's may
    values = [] if not results else [result] if len(results) == 1 else list(result)
    for v, t in zip(values, results):
        print(format_result(v, t))
    return 0
